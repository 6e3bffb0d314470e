"""MoE token-to-expert load balancing as binary integer programming: the problem (:mod:`.problem`),
score generators and streams (:mod:`.generate`), ``.npz`` files (:mod:`.io`)."""

from .problem import BalanceProblem, BalanceSolution

__all__ = ["BalanceProblem", "BalanceSolution"]

"""Packet routing in datacenter fabrics: fabrics, flows and congestion (:mod:`.problem`), collective
traffic generators (:mod:`.generate`), topology and traffic files (:mod:`.io`)."""

from .problem import NetworkProblem, NetworkSolution, fat_tree, leaf_spine

__all__ = ["NetworkProblem", "NetworkSolution", "leaf_spine", "fat_tree"]

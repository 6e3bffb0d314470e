"""Capacity-aware greedy routing and expert choice.

``GreedyRouter`` (solver ``greedy``): plain top-k, then each overloaded expert keeps its
best-scoring tokens up to capacity and the overflow is **re-routed** (not dropped) to each token's
best expert with room; with ``overflow="drop"`` the overflow slots stay empty (``-1``, as in
Switch Transformer's token dropping) and the evaluator reports them as dropped.

``ExpertChoiceRouter`` (solver ``expert-choice``): each expert takes its ``capacity`` best tokens
(Zhou et al., "Mixture-of-Experts with Expert Choice Routing", NeurIPS 2022); a token chosen by
more than ``k`` experts keeps its best ``k``, and a token chosen by fewer is topped up as greedy
re-routes (so every token gets exactly ``k``). ``info["short_tokens"]`` counts the tokens expert
choice alone left short.

>>> import torch
>>> s = torch.tensor([[3.0, 1.0], [2.0, 0.0]])
>>> GreedyRouter(m=2, k=1)(s).flatten().tolist(), ExpertChoiceRouter(m=2, k=1)(s).flatten().tolist()
([0, 1], [0, 1])
"""

from __future__ import annotations

from typing import Any

from ..base import Option
from .common import RouterSolver, capacity_of, repair

__all__ = ["GreedyRouter", "ExpertChoiceRouter", "GreedySolver", "ExpertChoiceSolver"]


class GreedyRouter:
    def __init__(self, m: int, k: int, capacity_factor: float = 1.0, *, overflow: str = "reroute", **_: Any):
        if overflow not in ("reroute", "drop"):
            raise ValueError(f"overflow must be 'reroute' or 'drop', got {overflow!r}")
        self.m, self.k, self.capacity_factor, self.overflow = m, k, capacity_factor, overflow
        self.info: dict[str, Any] = {}

    def __call__(self, s):
        cap = capacity_of(s.shape[0], self.m, self.k, self.capacity_factor)
        experts = s.topk(self.k, dim=1).indices
        rounds = 0 if self.overflow == "drop" else None
        experts, moved = repair(s, experts, cap, max_rounds=rounds)
        self.info = {"overflow_slots": moved, "overflow": self.overflow}
        return experts


class ExpertChoiceRouter:
    def __init__(self, m: int, k: int, capacity_factor: float = 1.0, **_: Any):
        self.m, self.k, self.capacity_factor = m, k, capacity_factor
        self.info: dict[str, Any] = {}

    def __call__(self, s):
        import torch

        n, m = s.shape
        cap = min(n, capacity_of(n, m, self.k, self.capacity_factor))
        chosen = torch.zeros(n, m, dtype=torch.bool, device=s.device)
        chosen.scatter_(0, s.topk(cap, dim=0).indices, True)
        neg = torch.finfo(s.dtype).min
        masked = s.masked_fill(~chosen, neg)
        val, experts = masked.topk(self.k, dim=1)
        experts = experts.masked_fill(val == neg, -1)
        short = int((experts < 0).any(1).sum())
        experts, _ = repair(s, experts, capacity_of(n, m, self.k, self.capacity_factor))
        self.info = {"short_tokens": short}
        return experts


class GreedySolver(RouterSolver):
    """Top-k with capacity; option ``overflow`` = ``"reroute"`` (default) or ``"drop"``."""

    name = "balance-greedy"
    description = "Top-k, overloaded experts keep their best tokens, overflow re-routed (or dropped)."
    OPTIONS = (
        Option("overflow", str, "reroute", "what happens to tokens beyond an expert's capacity: re-routed "
               "to their best expert with room, or dropped (slots left empty)", choices=("reroute", "drop")),
    )

    def router(self, problem):
        return GreedyRouter(problem.num_experts, problem.k, problem.capacity_factor,
                            overflow=self.options["overflow"])


class ExpertChoiceSolver(RouterSolver):
    """Expert choice: each expert takes its top tokens up to capacity; tokens topped up to k."""

    name = "expert-choice"
    description = "Expert choice routing (each expert takes its best tokens), tokens topped up to k."

    def router(self, problem):
        return ExpertChoiceRouter(problem.num_experts, problem.k, problem.capacity_factor)

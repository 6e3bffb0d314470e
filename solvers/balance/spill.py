"""Device-level spill as in Least-Loaded Expert Parallelism (LLEP).

Experts live on devices (``placement``); the token routing is left as the router chose it (top-k
by default), and the compute of an overloaded device is moved instead: experts are visited by
decreasing load, and while an expert's device carries more than ``alpha`` times the mean device
load, tokens of that expert are sent, in chunks of at least ``min_chunk`` tokens (fewer only when
the expert has fewer left), to the currently least-loaded device, which runs a copy of the expert.
A move is made only when it lowers the larger of the two devices' loads.

The result is a plan of moves ``(expert, from_device, to_device, tokens)`` and the device loads
after it. Expert capacity is not this method's concern: the routing keeps the full top-k score,
so its answer is INFEASIBLE for a problem whose expert capacity it exceeds; the point is the
device MaxVio in ``metadata``.

>>> import numpy as np
>>> plan = spill_plan(np.array([10, 2, 2, 2]), np.array([0, 0, 1, 1]), alpha=1.0, min_chunk=1)
>>> plan.device_loads.tolist(), plan.moves
([8, 8], [(0, 0, 1, 4)])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...instances.balance.problem import BalanceProblem, BalanceSolution
from ..base import Budget, Option, Result, Solver, Status
from .bound import best_bound
from .common import DEVICE, as_tensor, loads_of, torch_device

__all__ = ["SpillPlan", "spill_plan", "SpillSolver"]


@dataclass
class SpillPlan:
    device_loads: np.ndarray                    # after the moves
    before: np.ndarray                          # device loads before
    moves: list[tuple[int, int, int, int]] = field(default_factory=list)

    @staticmethod
    def max_vio(loads: np.ndarray) -> float:
        mean = float(np.mean(loads))
        return float(np.max(loads)) / mean - 1.0 if mean > 0 else 0.0


def spill_plan(expert_loads: Any, placement: Any, alpha: float = 1.1, min_chunk: int = 32) -> SpillPlan:
    """Moves that bring every device to at most ``alpha * mean`` where chunks allow."""
    loads = np.asarray(expert_loads, dtype=np.int64)
    placement = np.asarray(placement, dtype=np.int64)
    devices = int(placement.max()) + 1
    dev = np.bincount(placement, weights=loads, minlength=devices).astype(np.int64)
    before = dev.copy()
    limit = alpha * dev.mean()
    moves = []
    for e in np.argsort(-loads, kind="stable"):
        d, left = int(placement[e]), int(loads[e])
        while dev[d] > limit and left > 0:
            t = int(np.argmin(dev))
            amount = min(int(np.ceil(dev[d] - limit)), left, max(0, int(limit - dev[t])))
            amount = min(max(amount, min_chunk), left)
            if t == d or amount <= 0 or dev[t] + amount >= dev[d]:
                break
            dev[d] -= amount
            dev[t] += amount
            left -= amount
            moves.append((int(e), d, t, amount))
    return SpillPlan(dev, before, moves)


class SpillSolver(Solver):
    """Top-k routing with LLEP device spill; options ``alpha`` (1.1), ``min_chunk`` (32),
    ``devices`` (used when the problem has no placement: experts in contiguous blocks), ``device``."""

    name = "llep"
    family = "balance"
    kind = "heuristic"
    supports = frozenset({"devices"})
    library = "torch"
    description = "Least-Loaded Expert Parallelism: top-k kept, device overflow spilled in chunks."
    OPTIONS = (
        Option("alpha", float, 1.1, "a device carrying more than alpha times the mean device load spills",
               low=1.0),
        Option("min_chunk", int, 32, "fewest tokens moved at once (fewer only when the expert has fewer left)",
               low=1),
        Option("devices", int, 8, "devices the experts are spread over in contiguous blocks when the "
               "problem has no placement (capped at the number of experts)", low=1),
        DEVICE,
        Option("bound_sweeps", int, 2, "BIP dual sweeps for the proved upper bound on the score (0: the "
               "top-k score)", low=0),
    )

    def _solve(self, problem: BalanceProblem, budget: Budget) -> Result:
        s = as_tensor(problem.scores, torch_device(self.options["device"]))
        experts = s.topk(problem.k, dim=1).indices
        m = problem.num_experts
        placement = problem.placement
        if placement is None:
            p = min(m, self.options["devices"])
            placement = np.arange(m) * p // m
        loads = loads_of(experts, m).cpu().numpy()
        plan = spill_plan(loads, placement, self.options["alpha"], self.options["min_chunk"])
        meta = {"device_loads_before": plan.before.tolist(), "device_loads_after": plan.device_loads.tolist(),
                "device_max_vio_before": SpillPlan.max_vio(plan.before),
                "device_max_vio_after": SpillPlan.max_vio(plan.device_loads),
                "moves": [list(mv) for mv in plan.moves], "spilled_tokens": sum(mv[3] for mv in plan.moves)}
        bound, _ = best_bound(s, problem.k, problem.capacity, sweeps=self.options["bound_sweeps"])
        return Result(self.name, problem.name, Status.FEASIBLE, solution=BalanceSolution(experts.cpu().numpy()),
                      bound=bound, metadata=meta)

"""Greedy least-congested path: flows largest first, each on the candidate path whose most
congested link would be least congested once the flow is added (ties: least total congestion).
Candidates: the equal-cost paths on a fabric, the ``paths`` shortest simple paths on a weighted
network (a WAN, where equal-cost paths would leave one choice per flow).

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("fattree", k=4, traffic="permutation")
>>> routeopt.solve(p, solver="network-greedy").status.value
'FEASIBLE'
"""

from __future__ import annotations

import numpy as np

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Option, Result, Solver, Status
from .common import WAN_PATHS, Fabric, candidates, default_k

K_OPTION = Option("paths", int, None, f"candidate paths per flow: the k shortest simple paths; auto: the "
                  f"equal-cost paths on an unweighted fabric, {WAN_PATHS} shortest on a weighted network", low=1)


def greedy_choice(fabric: Fabric, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One candidate per flow, placed in ``order`` (default: by decreasing size); and the loads."""
    load = fabric.fixed.copy()
    cap = fabric.capacity
    choice = np.zeros(len(fabric.flow_pair), dtype=np.int64)
    if order is None:
        order = np.argsort(-fabric.demand, kind="stable")
    for f in order.tolist():
        lo, hi = fabric.pair_offset[fabric.flow_pair[f]], fabric.pair_offset[fabric.flow_pair[f] + 1]
        if hi - lo > 1:
            rows = fabric.path_links[lo:hi]
            after = (load[rows] + fabric.demand[f]) / cap[rows]
            worst = after.max(axis=1)
            best = np.flatnonzero(worst <= worst.min() + 1e-12)
            k = int(best[np.argmin(after[best].sum(axis=1))]) if len(best) > 1 else int(best[0])
        else:
            k = 0
        choice[f] = k
        load[fabric.path_links[lo + k]] += fabric.demand[f]
    load[-1] = 0.0
    return choice, load


class GreedySolver(Solver):
    name = "network-greedy"
    family = "network"
    kind = "heuristic"
    supports = frozenset({"unequal_sizes"})
    description = "greedy least-congested single path, largest flows first"
    OPTIONS = (K_OPTION,)

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        fabric = Fabric(problem, candidates(problem, default_k(problem, self.options["paths"])))
        choice, load = greedy_choice(fabric)
        return Result(self.name, problem.name, Status.FEASIBLE, objective=fabric.congestion(load),
                      solution=fabric.single(choice))

"""Single shortest path: every flow on its least-weight path, as OSPF/IS-IS route without ECMP
(ties: the lexicographically first path; fewest hops when links have no weights). The baseline
every traffic-engineering method is measured against.

>>> import routeopt
>>> p = routeopt.generate("wan", seed=0, topology="Abilene")
>>> r = routeopt.solve(p, solver="shortest-path")
>>> r.status.value, r.metadata["subflows_per_flow"]
('FEASIBLE', 1.0)
"""

from __future__ import annotations

import numpy as np

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Result, Solver, Status
from .common import Fabric


class ShortestPathSolver(Solver):
    name = "shortest-path"
    family = "network"
    kind = "heuristic"
    supports = frozenset({"unequal_sizes"})
    description = "single least-weight path per flow (OSPF without ECMP)"

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        fabric = Fabric(problem)               # candidates: the equal-cost paths, lexicographic
        choice = np.zeros(len(fabric.flow_pair), dtype=np.int64)
        return Result(self.name, problem.name, Status.FEASIBLE, objective=fabric.congestion(fabric.loads(choice)),
                      solution=fabric.single(choice))

"""Exact unsplittable routing: one path per flow minimising the maximum link congestion (MILP,
HiGHS), started from the greedy answer. For small cases: binaries grow with flows x paths.
Candidates as for ``network-greedy``: equal-cost paths on a fabric, the ``paths`` shortest on a WAN;
the bound is then over those paths only, so OPTIMAL is claimed on fabrics alone.

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("leafspine", leaves=3, spines=2, hosts_per_leaf=2, traffic="permutation")
>>> routeopt.solve(p, solver="network-milp").status.value
'OPTIMAL'
"""

from __future__ import annotations

import numpy as np

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Result, Solver, Status
from ._highs import solve_min_congestion
from .common import Fabric, candidates, default_k
from .greedy import K_OPTION, greedy_choice
from .lp import paths_suffice


class UnsplittableMILPSolver(Solver):
    name = "network-milp"
    family = "network"
    kind = "exact"
    supports = frozenset({"unequal_sizes"})
    max_size = 200           # flows; a symmetric 306-flow all-to-all took 2 minutes to prove
    library = "highspy"
    description = "exact unsplittable routing: MILP over one equal-cost path per flow (small cases)"
    OPTIONS = (K_OPTION,)

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        fabric = Fabric(problem, candidates(problem, default_k(problem, self.options["paths"])))
        greedy, _ = greedy_choice(fabric)
        first = fabric.pair_offset[fabric.flow_pair]              # column of each flow's candidate 0
        commodity = np.repeat(np.arange(len(fabric.flow_pair)), fabric.flow_paths)
        column = np.concatenate([np.arange(a, a + n) for a, n in zip(first, fabric.flow_paths)]) \
            if len(first) else np.zeros(0, dtype=np.int64)
        start = np.zeros(len(commodity))
        start[np.cumsum(np.append(0, fabric.flow_paths[:-1])) + greedy] = 1.0
        out = solve_min_congestion(commodity, fabric.demand[commodity], fabric.path_links[column],
                                   fabric.capacity, fabric.fixed, integer=True, time_limit=budget.time_limit,
                                   threads=budget.threads, seed=budget.seed, start=start)
        meta = {k: out[k] for k in ("status", "rows", "columns", "solver_time")}
        # the proof holds for the candidates; they are every useful path only on a fabric
        proved = paths_suffice(problem) and self.options["paths"] is None
        if out["x"] is None:
            return Result(self.name, problem.name, Status.NO_SOLUTION, message=f"HiGHS: {out['status']}",
                          bound=out["bound"] if proved else None, metadata=meta)
        x = out["x"]
        offsets = np.cumsum(np.append(0, fabric.flow_paths[:-1]))
        choice = np.array([int(np.argmax(x[o:o + n])) for o, n in zip(offsets, fabric.flow_paths)], dtype=np.int64)
        status = Status.OPTIMAL if out["optimal"] and proved else Status.FEASIBLE
        meta["bound_over_candidates"] = out["bound"]
        return Result(self.name, problem.name, status, objective=out["objective"],
                      bound=out["bound"] if proved else None, solution=fabric.single(choice), metadata=meta)

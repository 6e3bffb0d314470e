"""k-shortest-paths LP: the fractional min-max-congestion LP over each flow's ``k`` least-weight
simple paths (Yen), the near-ideal multipath routing of a wide-area network.

Spraying over equal-cost paths (``spray``) is ideal on a fabric, where every shortest path ties;
on a WAN with real link lengths a pair has one shortest path, so the LP must look at longer ones.
With ``paths`` (k) large enough to hold every path the optimum used, it equals the arc LP (``mcf-lp``),
the bound over all routings; with fewer it is an upper bound on that bound (FEASIBLE, no proof).

>>> import routeopt
>>> p = routeopt.generate("wan", seed=0, topology="Abilene")
>>> ksp, mcf = routeopt.solve(p, solver="ksp-lp", paths=16), routeopt.solve(p, solver="mcf-lp")
>>> abs(ksp.objective - mcf.objective) < 1e-6
True
"""

from __future__ import annotations

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Option, Result, Solver, Status
from .common import WAN_PATHS, Fabric, candidates
from .lp import fractional_routing, spray


class KShortestPathsLPSolver(Solver):
    name = "ksp-lp"
    family = "network"
    kind = "heuristic"
    supports = frozenset({"unequal_sizes"})
    library = "highspy"
    description = "fractional min-max-congestion LP over each flow's k shortest simple paths (Yen)"
    OPTIONS = (
        Option("paths", int, WAN_PATHS, "candidate paths per flow: the k least-weight simple paths", low=1),
        Option("method", str, "auto", "HiGHS LP method: simplex, interior point without crossover, or auto",
               choices=("auto", "simplex", "ipm")),
    )

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        fabric = Fabric(problem, candidates(problem, self.options["paths"]))
        x, out = spray(fabric, budget, self.options["method"])
        meta = {k: out[k] for k in ("status", "rows", "columns", "solver_time")}
        meta["candidate_paths"] = len(fabric.paths)
        if x is None:
            return Result(self.name, problem.name, Status.NO_SOLUTION, message=f"HiGHS: {out['status']}",
                          metadata=meta)
        return Result(self.name, problem.name, Status.FEASIBLE, objective=out["objective"],
                      solution=fractional_routing(fabric, x), metadata=meta)

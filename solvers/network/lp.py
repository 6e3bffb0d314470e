"""Ideal packet spraying: the fractional min-max-congestion multicommodity flow LP (HiGHS).

Flows between the same pair of switches form one commodity (their host links are fixed, and a
split of the sum is a split of each), routed over its equal-cost paths. The optimum is the
least maximum congestion any routing over these paths can reach, split or not: the lower bound
every other solver is measured against (``Result.bound``). On leaf-spine and fat-tree fabrics
with uniform tiers it is also the bound over all paths (the cut of each switch's uplinks is
attained). The fractional solution itself is returned: each flow takes its commodity's shares.

On other graphs (files, wide-area networks) the equal-cost paths are a few of all paths, so the
optimum over them bounds nothing: the answer is FEASIBLE without a bound there (unless the graph is
a tree); ``mcf-lp`` gives
the bound over all paths and ``ksp-lp`` the LP over the k shortest.

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("leafspine", leaves=4, spines=4, hosts_per_leaf=4, traffic="ring")
>>> r = routeopt.solve(p, solver="spray")
>>> r.status.value, round(r.objective, 6), round(r.bound, 6)
('OPTIMAL', 1.0, 1.0)
"""

from __future__ import annotations

import numpy as np

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Option, Result, Solver, Status
from ._highs import solve_min_congestion
from .common import Fabric

_DROP = 1e-9
FABRICS = ("leafspine", "fattree")      # where the equal-cost paths attain the bound over all paths


def paths_suffice(problem: NetworkProblem) -> bool:
    """Whether the optimum over equal-cost paths is the optimum over all paths: on a fabric, and
    on a tree (a connected graph with one cable fewer than nodes: one path per pair)."""
    if problem.topology in FABRICS:
        return True
    cables = {(min(u, v), max(u, v)) for u, v in problem.links.tolist()}
    return len(cables) == len(problem.nodes) - 1


def spray(fabric: Fabric, budget: Budget, method: str = "auto") -> tuple[np.ndarray | None, dict]:
    """Per-candidate shares (indexed like ``fabric.paths``) of the LP optimum, and HiGHS's report."""
    volume = np.bincount(fabric.flow_pair, weights=fabric.demand, minlength=len(fabric.pairs))
    commodity = np.repeat(np.arange(len(fabric.pairs)), fabric.pair_paths)
    out = solve_min_congestion(commodity, volume[commodity], fabric.path_links, fabric.capacity,
                               fabric.fixed, integer=False, time_limit=budget.time_limit,
                               threads=budget.threads, seed=budget.seed, method=method)
    return out["x"], out


class SprayLPSolver(Solver):
    name = "spray"
    family = "network"
    kind = "exact"
    supports = frozenset({"unequal_sizes"})
    library = "highspy"
    description = "ideal packet spraying: fractional min-max-congestion LP over equal-cost paths (lower bound)"
    OPTIONS = (
        Option("method", str, "auto", "HiGHS LP method: simplex, interior point without crossover, or auto "
               "(simplex on small models, ipm on large ones)", choices=("auto", "simplex", "ipm")),
    )

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        fabric = Fabric(problem)
        x, out = spray(fabric, budget, self.options["method"])
        meta = {k: out[k] for k in ("status", "rows", "columns", "solver_time")}
        if x is None:
            return Result(self.name, problem.name, Status.NO_SOLUTION, message=f"HiGHS: {out['status']}",
                          metadata=meta)
        optimal = out["optimal"] and paths_suffice(problem)
        return Result(self.name, problem.name, Status.OPTIMAL if optimal else Status.FEASIBLE,
                      objective=out["objective"], bound=out["bound"] if optimal else None,
                      solution=fractional_routing(fabric, x), metadata=meta)


def fractional_routing(fabric: Fabric, x: np.ndarray):
    """The routing of LP shares ``x`` (one per candidate path): every flow of a commodity takes its
    shares, the dust below ``_DROP`` swept and the rest renormalised."""
    shares = []
    for pair in range(len(fabric.pairs)):
        lo, hi = fabric.pair_offset[pair], fabric.pair_offset[pair + 1]
        part = np.clip(x[lo:hi], 0.0, None)
        part[part < _DROP] = 0.0
        part /= part.sum()
        shares.append([(int(k), float(v)) for k, v in enumerate(part) if v > 0])
    return fabric.routing([shares[pr] for pr in fabric.flow_pair.tolist()])

"""ECMP: each flow hashed to one of its equal-cost paths, as switches do: the fewest-hop paths of a
fabric, the least-weight paths of a WAN (whose real lengths seldom tie, so ECMP there is mostly
single shortest-path routing).

The hash is modelled as a seeded uniform draw per flow. One draw is luck, so the solver also runs
``samples`` seeds (Monte Carlo) and reports the mean, worst and best congestion across them in
``metadata``; the answer returned is the draw for ``budget.seed``.

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("leafspine", leaves=4, spines=4, hosts_per_leaf=4, traffic="all-to-all")
>>> r = routeopt.solve(p, solver="ecmp")
>>> r.status.value, r.objective >= 1.0
('FEASIBLE', True)
"""

from __future__ import annotations

import time

import numpy as np

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Option, Result, Solver, Status
from .common import Fabric


def draw(fabric: Fabric, seed: int) -> np.ndarray:
    """The ECMP choice of every flow under hash seed ``seed``."""
    rng = np.random.default_rng(seed)
    return (rng.random(len(fabric.flow_paths)) * fabric.flow_paths).astype(np.int64)


class ECMPSolver(Solver):
    name = "ecmp"
    family = "network"
    kind = "heuristic"
    supports = frozenset({"unequal_sizes"})
    description = "ECMP: seeded hash of each flow onto one equal-cost path; Monte Carlo over seeds"
    OPTIONS = (
        Option("samples", int, 20, "hash seeds drawn for the congestion statistics in metadata (the answer "
               "is the draw for the run's seed); stops early at half the time limit", low=1),
    )

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        start = time.perf_counter()
        fabric = Fabric(problem)
        samples = self.options["samples"]
        choice = draw(fabric, budget.seed)
        seen = [fabric.congestion(fabric.loads(choice))]
        for k in range(1, samples):
            if time.perf_counter() - start > 0.5 * budget.time_limit:
                break
            seen.append(fabric.congestion(fabric.loads(draw(fabric, budget.seed + k))))
        meta = {"samples": len(seen), "congestion_mean": float(np.mean(seen)),
                "congestion_max": float(np.max(seen)), "congestion_min": float(np.min(seen))}
        return Result(self.name, problem.name, Status.FEASIBLE, objective=seen[0],
                      solution=fabric.single(choice), metadata=meta)

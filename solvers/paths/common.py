"""What every path solver shares: answering all query pairs within the budget, and the Result.

A path solver implements ``engine(problem)`` (build an index, allocate work arrays; return an
object with ``query(source, target, want_path) -> (distance, path | None)``) and inherits
``_solve``, which answers every pair of ``problem.pair_arrays()`` until the time limit, counts
the work, and returns a :class:`PathsSolution`. Solvers that answer many targets at once
(Dijkstra) override ``answer`` instead.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...instances.paths.problem import PathsProblem, PathsSolution
from ..base import Budget, Result, Solver, Status


class PathSolver(Solver):
    """Base class of the ``paths`` solvers (exact unless a subclass says otherwise)."""

    family = "paths"
    kind = "exact"
    supports = frozenset({"directed", "weighted"})
    approximate = False

    def engine(self, problem: PathsProblem) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def prepare(cls) -> None:
        """Compile (or load from numba's cache) this solver's kernels on a tiny graph, outside any budget."""
        if getattr(cls, "_warm", False):
            return
        from ...instances.paths.graph import Graph
        coords = [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1]]
        weighted = "weighted" in cls.supports
        g = Graph.from_edges(5, [0, 1, 0, 3, 1], [1, 2, 3, 4, 4], [1.0, 1.0, 1.0, 1.0, 1.5] if weighted else None,
                             directed=False, coordinates=coords)
        problem = PathsProblem.pair(g, 0, 4, alternatives=2 if "alternatives" in cls.supports else 1)
        cls().solve(problem, Budget(time_limit=60))
        cls._warm = True

    def answer(self, problem: PathsProblem, engine: Any, deadline: float,
               meta: dict[str, Any]) -> tuple[np.ndarray, list | None, int]:
        """Distances and paths for every pair (NaN where the deadline came first); pairs answered."""
        src, dst = problem.pair_arrays()
        want = problem.return_paths
        dist = np.full(src.size, np.nan)
        paths: list | None = [None] * src.size if want else None
        done = 0
        for i in range(src.size):
            if time.perf_counter() > deadline:
                break
            d, p = engine.query(int(src[i]), int(dst[i]), want)
            dist[i] = d
            if want:
                paths[i] = p
            done += 1
        stats = getattr(engine, "stats", None)
        if stats:
            meta.update(stats())
        return dist, paths, done

    def _solve(self, problem: PathsProblem, budget: Budget) -> Result:
        start = time.perf_counter()
        deadline = start + budget.time_limit
        meta: dict[str, Any] = {}
        engine = self.engine(problem)
        meta["prepare_time"] = time.perf_counter() - start
        if hasattr(engine, "info"):
            meta.update(engine.info())
        query_start = time.perf_counter()
        dist, paths, done = self.answer(problem, engine, deadline, meta)
        meta["query_time"] = time.perf_counter() - query_start
        meta["answered"] = done
        if done:
            meta["time_per_query"] = meta["query_time"] / done
        solution = self.solution(problem, dist, paths, meta)
        if done < problem.num_pairs:
            return Result(self.name, problem.name, Status.NO_SOLUTION if done == 0 else Status.FEASIBLE,
                          solution=solution, metadata=meta,
                          message=f"time limit reached after {done} of {problem.num_pairs} pairs")
        status = Status.FEASIBLE if self.approximate else Status.OPTIMAL
        objective = float(np.sum(dist[np.isfinite(dist)]))
        return Result(self.name, problem.name, status, objective=objective,
                      bound=None if self.approximate else objective, solution=solution, metadata=meta)

    def solution(self, problem: PathsProblem, dist: np.ndarray, paths: list | None,
                 meta: dict[str, Any]) -> PathsSolution:
        return PathsSolution(dist, paths, approximate=self.approximate)


"""Shortest-path queries on road and social graphs: the ``paths`` problem family.

A :class:`PathsProblem` is a :class:`~routeopt.instances.paths.graph.Graph` plus queries: one pair,
many pairs (``sources[i] -> targets[i]``), or a matrix (every source to every target; one source
makes it one-to-many). A :class:`PathsSolution` gives a distance per pair (``inf``: unreachable)
and, when asked, the path; with ``alternatives=k`` up to ``k - 1`` more routes per pair.

``evaluate`` checks every path (starts and ends where asked, uses arcs that exist, its length is
the reported distance) and, where it is cheap, compares the distances with exact ones from
``scipy.sparse.csgraph``: a longer distance is a violation unless the solution says it is
approximate, in which case the additive error is reported instead. The objective is the sum of
the reachable distances.

>>> g = Graph.from_edges(3, [0, 1, 0], [1, 2, 2], [1.0, 1.0, 5.0])
>>> p = PathsProblem.pair(g, 0, 2)
>>> p.evaluate(PathsSolution([2.0], [[0, 1, 2]])).objective
2.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ...errors import InputError
from ..base import Evaluation, Problem, Violation
from ..base import Solution as _BaseSolution
from .graph import Graph
from .scores import score_alternatives

__all__ = ["Graph", "PathsProblem", "PathsSolution"]

_TOL = 1e-9
EXACT_CHECK_WORK = 3e7        # sources x (nodes + arcs) below which evaluate compares with exact distances


def _nodes(name: str, values: Any, n: int) -> np.ndarray:
    a = np.asarray(values if values is not None else [], dtype=np.float64).reshape(-1)
    if a.size and (not np.all(a == np.round(a)) or a.min() < 0 or a.max() >= n):
        bad = a[(a != np.round(a)) | (a < 0) | (a >= n)][0]
        raise InputError(f"{name} contains {bad:g}, not a node of a graph with {n} nodes", field=name)
    return a.astype(np.int64)


def _as_path(p: Any) -> np.ndarray | None:
    return None if p is None else np.asarray(p, dtype=np.int64).reshape(-1)


@dataclass
class PathsSolution(_BaseSolution):
    """Distances (one per pair, in ``problem.pairs()`` order), paths, and alternative routes.

    ``approximate=True`` says the distances may exceed the shortest ones (WormHole); evaluation
    then reports the error instead of a violation. ``error_bounds`` (optional, per pair) is what
    the solver certifies: reported distance - shortest distance <= bound.
    """

    distances: Any
    paths: list[Any] | None = None
    alternatives: list[list[Any]] | None = None
    approximate: bool = False
    error_bounds: Any = None

    def __post_init__(self) -> None:
        self.distances = np.asarray(self.distances, dtype=np.float64).reshape(-1)
        if self.paths is not None:
            self.paths = [_as_path(p) for p in self.paths]
        if self.alternatives is not None:
            self.alternatives = [[_as_path(p) for p in alts] for alts in self.alternatives]
        if self.error_bounds is not None:
            self.error_bounds = np.asarray(self.error_bounds, dtype=np.float64).reshape(-1)

    def to_dict(self) -> dict[str, Any]:
        def fin(x):
            return [None if not math.isfinite(v) else float(v) for v in np.asarray(x, dtype=float)]
        out: dict[str, Any] = {"distances": fin(self.distances), "approximate": self.approximate}
        if self.paths is not None:
            out["paths"] = [None if p is None else p.tolist() for p in self.paths]
        if self.alternatives is not None:
            out["alternatives"] = [[p.tolist() for p in alts] for alts in self.alternatives]
        if self.error_bounds is not None:
            out["error_bounds"] = fin(self.error_bounds)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PathsSolution":
        try:
            dist = [math.inf if d is None else float(d) for d in data["distances"]]
            bounds = data.get("error_bounds")
            return cls(dist, data.get("paths"), data.get("alternatives"), bool(data.get("approximate", False)),
                       None if bounds is None else [math.inf if b is None else b for b in bounds])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a paths solution: {exc}", field="distances") from None


@dataclass
class PathsProblem(Problem):
    """A graph and the shortest-path queries asked on it.

    ``matrix=False``: pairs ``sources[i] -> targets[i]``; ``matrix=True``: every source to every
    target (distances row-major). ``return_paths`` asks for the paths as well as the distances;
    ``alternatives=k`` asks for up to ``k`` routes per pair in all (scored by stretch, sharing
    with the best route and local optimality). ``check_exact`` forces (True) or skips (False) the
    comparison with exact distances; by default it runs when cheap.
    """

    family = "paths"
    size_unit = "nodes"

    graph: Graph
    sources: Any = None
    targets: Any = None
    matrix: bool = False
    return_paths: bool = True
    alternatives: int = 1
    check_exact: bool | None = None
    name: str = "paths"
    best_known: float | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.graph, Graph):
            raise InputError(f"graph must be a Graph, got {type(self.graph).__name__}", field="graph")
        n = self.graph.num_nodes
        self.sources = _nodes("sources", self.sources, n)
        self.targets = _nodes("targets", self.targets, n)
        if not self.matrix and self.sources.size != self.targets.size:
            raise InputError(f"{self.sources.size} sources for {self.targets.size} targets: pair queries need "
                             f"one target per source (or matrix=True)", field="targets")
        if int(self.alternatives) < 1:
            raise InputError(f"alternatives must be >= 1, got {self.alternatives}", field="alternatives")
        self.alternatives = int(self.alternatives)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def pair(cls, graph: Graph, source: int, target: int, **kw: Any) -> "PathsProblem":
        return cls(graph, [source], [target], **kw)

    @classmethod
    def pairs(cls, graph: Graph, sources: Sequence[int], targets: Sequence[int], **kw: Any) -> "PathsProblem":
        return cls(graph, sources, targets, **kw)

    @classmethod
    def one_to_many(cls, graph: Graph, source: int, targets: Sequence[int], **kw: Any) -> "PathsProblem":
        return cls(graph, [source], targets, matrix=True, **kw)

    @classmethod
    def many_to_many(cls, graph: Graph, sources: Sequence[int], targets: Sequence[int], **kw: Any) -> "PathsProblem":
        kw.setdefault("return_paths", False)
        return cls(graph, sources, targets, matrix=True, **kw)

    # ------------------------------------------------------------------ descriptive
    def pair_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and target of every answer, in the order the solution lists them."""
        if self.matrix:
            return (np.repeat(self.sources, self.targets.size), np.tile(self.targets, self.sources.size))
        return self.sources, self.targets

    @property
    def num_pairs(self) -> int:
        return self.sources.size * self.targets.size if self.matrix else self.sources.size

    @property
    def size(self) -> int:
        return self.graph.num_nodes

    @property
    def features(self) -> frozenset[str]:
        f = set()
        if self.graph.directed:
            f.add("directed")
        if self.graph.weighted:
            f.add("weighted")
        if self.alternatives > 1:
            f.add("alternatives")
        return frozenset(f)

    @property
    def variant(self) -> str:
        if self.num_pairs == 0:
            return "GRAPH"
        if self.alternatives > 1:
            return "ALTERNATIVES"
        if self.matrix:
            return "ONE_TO_MANY" if self.sources.size == 1 else "MANY_TO_MANY"
        return "PAIR" if self.num_pairs == 1 else "PAIRS"

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, solution: _BaseSolution) -> Evaluation:
        """Objective (sum of reachable distances) and violations; see the module docstring."""
        if not isinstance(solution, PathsSolution):
            return Evaluation(math.inf, [Violation("type", f"expected a PathsSolution, got {type(solution).__name__}")])
        k = self.num_pairs
        dist = solution.distances
        if dist.size != k:
            return Evaluation(math.inf, [Violation("shape", f"{dist.size} distances for {k} query pairs")])
        v: list[Violation] = []
        src, dst = self.pair_arrays()
        missing = np.isnan(dist)
        if missing.any():
            v.append(Violation("unanswered", f"pair {int(np.flatnonzero(missing)[0])} has no answer "
                                             f"({int(missing.sum())} unanswered)", int(missing.sum())))
        if (dist < 0).any():
            v.append(Violation("negative", f"pair {int(np.flatnonzero(dist < 0)[0])} has a negative distance"))
        details: dict[str, Any] = {"pairs": k, "unreachable": int(np.isinf(dist).sum())}
        if solution.paths is not None or self.return_paths:
            v += self._check_paths(solution.paths, dist, src, dst, "path")
        if solution.alternatives is not None:
            v += self._check_alternatives(solution, src, dst, details)
        exact = self._exact(src, dst)
        if exact is not None:
            v += self._compare(dist, exact, solution, details)
        finite = np.isfinite(dist)
        objective = round(float(dist[finite].sum()), 9)
        details["distance"] = objective
        return Evaluation(objective, v, details)

    def _check_paths(self, paths: list[np.ndarray | None] | None, dist: np.ndarray, src: np.ndarray,
                     dst: np.ndarray, what: str) -> list[Violation]:
        k = dist.size
        if paths is None:
            return [Violation("missing_path", "the problem asks for paths and the solution gives none", k)]
        if len(paths) != k:
            return [Violation("shape", f"{len(paths)} {what}s for {k} query pairs")]
        # every arc of every path weighed in one lookup, summed per path; messages for the suspects
        sizes = np.array([0 if p is None else p.size for p in paths], dtype=np.int64)
        given = sizes > 0
        bad = given != (np.isfinite(dist) | np.isnan(dist))
        if given.any():
            flat = np.concatenate([p for p in paths if p is not None and p.size])
            ends = np.cumsum(sizes[given])
            starts = ends - sizes[given]
            w = np.zeros(flat.size)
            arc = np.ones(flat.size, dtype=bool)
            arc[ends - 1] = False                        # no arc leaves a path's last node
            w[:-1][arc[:-1]] = self.graph.edge_weights(flat[:-1][arc[:-1]], flat[1:][arc[:-1]])
            length = np.add.reduceat(w, starts)
            d = dist[given]
            wrong = (~np.isfinite(length) | (flat[starts] != src[given]) | (flat[ends - 1] != dst[given])
                     | (np.abs(length - d) > 1e-7 * np.maximum(1.0, np.abs(d))))
            bad[np.flatnonzero(given)[wrong]] = True
        out: list[Violation] = []
        for i in np.flatnonzero(bad)[:20].tolist():
            found = self._path_error(paths[i], dist[i], int(src[i]), int(dst[i]))
            if found is not None:
                out.append(Violation(found[0], f"{what} {i} ({src[i]} -> {dst[i]}): {found[1]}"))
        if bad.sum() > 20 and out:
            out.append(Violation(out[0].kind, f"{int(bad.sum())} {what}s are wrong in all", int(bad.sum())))
        return out

    def _path_error(self, p: np.ndarray | None, d: float, s: int, t: int) -> tuple[str, str] | None:
        if p is None or p.size == 0:
            if math.isfinite(d) and not math.isnan(d):
                return "missing_path", f"distance {d:g} but no path"
            return None
        if not math.isfinite(d):
            return "path_length", "a path is given for a pair reported unreachable"
        if p[0] != s or p[-1] != t:
            return "path_ends", f"path runs {p[0]} -> {p[-1]}"
        w = self.graph.edge_weights(p[:-1], p[1:])
        if not np.isfinite(w).all():
            j = int(np.flatnonzero(~np.isfinite(w))[0])
            return "path_edge", f"uses arc {p[j]} -> {p[j + 1]}, which does not exist"
        length = float(w.sum())
        if abs(length - d) > 1e-7 * max(1.0, abs(d)):
            return "path_length", f"path length {length:.9g} differs from reported distance {d:.9g}"
        return None

    def _check_alternatives(self, solution: PathsSolution, src: np.ndarray, dst: np.ndarray,
                            details: dict[str, Any]) -> list[Violation]:
        alts = solution.alternatives
        if len(alts) != src.size:
            return [Violation("shape", f"alternatives for {len(alts)} pairs, {src.size} asked")]
        out: list[Violation] = []
        scores = []
        for i, routes in enumerate(alts):
            if len(routes) > self.alternatives - 1:
                out.append(Violation("alternatives", f"pair {i}: {len(routes)} alternatives, at most "
                                                     f"{self.alternatives - 1} asked"))
            best = solution.paths[i] if solution.paths is not None and i < len(solution.paths) else None
            seen = {tuple(best.tolist())} if best is not None else set()
            for j, p in enumerate(routes):
                length = float(self.graph.edge_weights(p[:-1], p[1:]).sum()) if p.size else math.inf
                bad = self._path_error(p, length, int(src[i]), int(dst[i]))
                if bad is not None:
                    out.append(Violation(bad[0], f"alternative {j} of pair {i}: {bad[1]}"))
                elif np.unique(p).size != p.size:
                    out.append(Violation("not_simple", f"alternative {j} of pair {i} visits a node twice"))
                elif tuple(p.tolist()) in seen:
                    out.append(Violation("duplicate", f"alternative {j} of pair {i} repeats another route"))
                seen.add(tuple(p.tolist()))
            if best is not None and not out:
                scores.append(score_alternatives(self.graph, best, routes))
        if scores:
            details["alternatives"] = scores
            flat = [r for s in scores for r in s[1:]]
            details["routes"] = sum(len(s) for s in scores)
            if flat:
                details["mean_stretch"] = float(np.mean([r["stretch"] for r in flat]))
                details["max_sharing"] = float(max(r["sharing"] for r in flat))
                lo = [r["local_optimality"] for r in flat if r["local_optimality"] is not None]
                details["min_local_optimality"] = float(min(lo)) if lo else None
        return out

    def _exact(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
        """Exact distances per pair when cheap (or forced), else None."""
        if self.check_exact is False or src.size == 0:
            return None
        uniq, where = np.unique(src, return_inverse=True)
        work = uniq.size * (self.graph.num_nodes + self.graph.num_arcs)
        if self.check_exact is None and work > EXACT_CHECK_WORK:
            return None
        from scipy.sparse.csgraph import dijkstra
        table = dijkstra(self.graph.to_scipy(), directed=True, indices=uniq, unweighted=not self.graph.weighted)
        return np.atleast_2d(table)[where, dst]

    def _compare(self, dist: np.ndarray, exact: np.ndarray, solution: PathsSolution,
                 details: dict[str, Any]) -> list[Violation]:
        out: list[Violation] = []
        ok = ~np.isnan(dist)
        both = ok & np.isfinite(dist) & np.isfinite(exact)
        error = np.zeros(dist.size)
        error[both] = dist[both] - exact[both]
        tol = 1e-7 * np.maximum(1.0, np.abs(exact))
        claimed_gone = ok & np.isinf(dist) & np.isfinite(exact)
        if claimed_gone.any():
            i = int(np.flatnonzero(claimed_gone)[0])
            out.append(Violation("unreachable", f"pair {i} is reported unreachable but has distance {exact[i]:g}",
                                 int(claimed_gone.sum())))
        phantom = ok & np.isfinite(dist) & np.isinf(exact)
        if phantom.any():
            i = int(np.flatnonzero(phantom)[0])
            out.append(Violation("unreachable", f"pair {i} has distance {dist[i]:g} but its target cannot be "
                                                f"reached", int(phantom.sum())))
        short = both & (error < -np.where(both, tol, 0))
        if short.any():
            i = int(np.flatnonzero(short)[0])
            out.append(Violation("too_short", f"pair {i}: distance {dist[i]:g} below the shortest {exact[i]:g}"))
        longer = both & (error > tol)
        details.update(exact_checked=True, exact=int((both & ~longer).sum() + (ok & np.isinf(dist) & np.isinf(exact)).sum()),
                       max_additive_error=float(error[both].max()) if both.any() else 0.0,
                       mean_additive_error=float(error[both].mean()) if both.any() else 0.0)
        if both.any():
            details["max_stretch"] = float(np.max(np.where(exact[both] > 0, dist[both] / np.maximum(exact[both], 1e-300), 1.0)))
        if solution.error_bounds is not None and solution.error_bounds.size == dist.size:
            broken = both & (error > solution.error_bounds + tol)
            if broken.any():
                i = int(np.flatnonzero(broken)[0])
                out.append(Violation("error_bound", f"pair {i}: error {error[i]:g} exceeds the certified bound "
                                                    f"{solution.error_bounds[i]:g}", int(broken.sum())))
        if longer.any() and not solution.approximate:
            i = int(np.flatnonzero(longer)[0])
            out.append(Violation("not_shortest", f"pair {i}: distance {dist[i]:g} > shortest {exact[i]:g} "
                                                 f"({int(longer.sum())} pairs longer than shortest)", int(longer.sum())))
        return out

    def fingerprint(self) -> str:
        """A hash of the graph's arrays and the queries (fast for big graphs; indices left out)."""
        import hashlib
        h = hashlib.sha256(self.family.encode())
        g = self.graph
        for a in (g.indptr, g.indices, g.weights, g.durations, g.coordinates, self.sources, self.targets):
            h.update(b"-" if a is None else np.ascontiguousarray(a).tobytes() + str(a.shape).encode())
        h.update(repr((g.directed, g.weighted, self.matrix, self.return_paths, self.alternatives)).encode())
        return h.hexdigest()[:16]

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "name": self.name, "graph": self.graph.to_dict(),
                "sources": self.sources.tolist(), "targets": self.targets.tolist(), "matrix": self.matrix,
                "return_paths": self.return_paths, "alternatives": self.alternatives,
                "check_exact": self.check_exact, "best_known": self.best_known}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PathsProblem":
        d = {k: v for k, v in data.items() if k != "family"}
        try:
            d["graph"] = Graph.from_dict(d["graph"])
            return cls(**d)
        except (KeyError, TypeError) as exc:
            raise InputError(f"not a paths instance: {exc}") from None

    @classmethod
    def solution_from_dict(cls, data: dict[str, Any]) -> PathsSolution:
        return PathsSolution.from_dict(data)

    def with_queries(self, sources: Any, targets: Any, **kw: Any) -> "PathsProblem":
        """The same graph with other queries (keeps name and settings not given in ``kw``)."""
        base = {"matrix": self.matrix, "return_paths": self.return_paths, "alternatives": self.alternatives,
                "check_exact": self.check_exact, "name": self.name, "source": self.source}
        base.update(kw)
        return PathsProblem(self.graph, sources, targets, **base)

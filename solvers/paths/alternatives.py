"""Alternative routes: the penalty method, the plateau method and Yen's k shortest simple paths.

Every method returns the shortest path first and up to ``k - 1`` alternatives; the problem scores
them (stretch, sharing with the best route, local optimality: see
:mod:`routeopt.instances.paths.scores`).

- **Penalty** (as in industrial multi-route planners): after each route is found, the weights of
  its arcs are multiplied by ``1 + penalty`` and the search is run again; a new route is kept when
  its true length is within ``max_stretch`` of the best and it shares at most ``max_sharing`` of its
  length with every route kept.
- **Plateau** (Cambridge Vehicle Information Technology's "Choice Routing"): the shortest-path tree
  from the source and the one into the target share chains of arcs, the plateaus; the route through
  a long plateau (source -> plateau start -> plateau -> plateau end -> target) is a good, locally
  optimal alternative. Plateaus are tried longest first, under the same stretch and sharing limits.
- **Yen** (J. Y. Yen, 1971): the ``k`` shortest simple paths, spur paths by Dijkstra with the
  root path's nodes and the used next arcs blocked. Exact, but its routes tend to overlap.

>>> from routeopt.instances.paths.graph import Graph
>>> g = Graph.from_edges(4, [0, 0, 1, 2], [1, 2, 3, 3], [1.0, 1.0, 1.0, 1.5])
>>> [p.tolist() for p in yen(g, 0, 3, k=2)]
[[0, 1, 3], [0, 2, 3]]
"""

from __future__ import annotations

import heapq
import math
import time
from typing import Any

import numpy as np
from numba import njit

from ...instances.paths.graph import Graph
from ...instances.paths.problem import PathsProblem, PathsSolution
from ..base import Option
from ._kernels import Workspace, walk
from .common import PathSolver
from .dijkstra import search

_NO_NODES = np.zeros(0, dtype=np.bool_)
_NO_ARCS = np.zeros(0, dtype=np.bool_)


class _Searcher:
    """Single-target Dijkstra on ``graph`` with any weights and optional blocked nodes/arcs."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.work = Workspace(graph.num_nodes)
        self.target = np.zeros(graph.num_nodes, dtype=np.bool_)

    def path(self, s: int, t: int, weights: np.ndarray | None = None, blocked_nodes=_NO_NODES,
             blocked_arcs=_NO_ARCS) -> tuple[float, np.ndarray | None]:
        g, w = self.graph, self.work
        self.target[t] = True
        count, _ = search(g.indptr, g.indices, g.weights if weights is None else weights, s, self.target, 1,
                          w.dist, w.pred, w.touched, blocked_nodes, blocked_arcs, np.inf)
        self.target[t] = False
        d = float(w.dist[t])
        p = walk(w.pred, t) if math.isfinite(d) else None
        w.clear(count)
        return d, p

    def tree(self, s: int, graph: Graph, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """Distances and predecessors of every node within ``limit`` of ``s`` (full arrays)."""
        w = self.work
        count, _ = search(graph.indptr, graph.indices, graph.weights, s, self.target, -1, w.dist, w.pred,
                          w.touched, _NO_NODES, _NO_ARCS, limit)
        dist, pred = w.dist.copy(), w.pred.copy()
        w.clear(count)
        return dist, pred


def _length(graph: Graph, path: np.ndarray) -> float:
    return float(graph.edge_weights(path[:-1], path[1:]).sum())


def _shared(graph: Graph, path: np.ndarray, other: np.ndarray) -> float:
    """Share of ``path``'s length on arcs of ``other`` (either direction when undirected)."""
    arcs = set(zip(other[:-1].tolist(), other[1:].tolist()))
    if not graph.directed:
        arcs |= {(b, a) for a, b in arcs}
    w = graph.edge_weights(path[:-1], path[1:])
    mask = np.array([(a, b) in arcs for a, b in zip(path[:-1].tolist(), path[1:].tolist())], dtype=bool)
    total = float(w.sum())
    return float(w[mask].sum()) / total if total > 0 else 1.0


def _admissible(graph: Graph, p: np.ndarray, routes: list[np.ndarray], best: float,
                max_stretch: float, max_sharing: float) -> bool:
    if np.unique(p).size != p.size or any(np.array_equal(p, r) for r in routes):
        return False
    if _length(graph, p) > max_stretch * best + 1e-9:
        return False
    return all(_shared(graph, p, r) <= max_sharing + 1e-12 for r in routes)


def penalty(graph: Graph, s: int, t: int, k: int = 3, *, factor: float = 0.4, max_stretch: float = 1.3,
            max_sharing: float = 0.8, rounds: int | None = None, searcher: _Searcher | None = None) -> list[np.ndarray]:
    """Shortest path, then up to ``k - 1`` alternatives by penalising used arcs by ``1 + factor``."""
    searcher = searcher or _Searcher(graph)
    d, best = searcher.path(s, t)
    if best is None:
        return []
    routes = [best]
    weights = graph.weights.copy()
    last = best
    for _ in range(rounds if rounds is not None else 4 * k):
        if len(routes) >= k:
            break
        ids = graph.arc_ids(last[:-1], last[1:])
        if not graph.directed:
            ids = np.concatenate([ids, graph.arc_ids(last[1:], last[:-1])])
        weights[ids[ids >= 0]] *= 1.0 + factor
        _, p = searcher.path(s, t, weights)
        if p is None:
            break
        last = p
        if _admissible(graph, p, routes, d, max_stretch, max_sharing):
            routes.append(p)
    return routes


@njit(cache=True)
def _plateaus(df, pf, db, pb, nodes):
    """Maximal chains of arcs in both trees: (start, end) per plateau, ``pb`` being the successor
    towards the target in the backward tree."""
    starts = np.empty(nodes.shape[0], dtype=np.int64)
    ends = np.empty(nodes.shape[0], dtype=np.int64)
    count = 0
    for a in nodes:
        x = pb[a]
        if x < 0 or pf[x] != a:
            continue                         # no plateau arc leaves a
        u = pf[a]
        if u >= 0 and pb[u] == a:
            continue                         # a plateau arc enters a: not a chain start
        b = a
        while pb[b] >= 0 and pf[pb[b]] == b:
            b = pb[b]
        starts[count] = a
        ends[count] = b
        count += 1
    return starts[:count], ends[:count]


def plateau(graph: Graph, s: int, t: int, k: int = 3, *, max_stretch: float = 1.3, max_sharing: float = 0.8,
            searcher: _Searcher | None = None) -> list[np.ndarray]:
    """Shortest path, then up to ``k - 1`` routes through the longest plateaus."""
    searcher = searcher or _Searcher(graph)
    d, best = searcher.path(s, t)
    if best is None:
        return []
    limit = max_stretch * d * (1 + 1e-12) + 1e-12
    df, pf = searcher.tree(s, graph, limit)
    db, pb = searcher.tree(t, graph.reverse(), limit)
    nodes = np.flatnonzero(np.isfinite(df) & np.isfinite(db))
    starts, ends = _plateaus(df, pf, db, pb, nodes)
    through = df[ends] + db[ends]
    keep = through <= limit
    starts, ends = starts[keep], ends[keep]
    order = np.argsort(-(df[ends] - df[starts]), kind="stable")            # longest plateau first
    routes = [best]
    for i in order:
        if len(routes) >= k:
            break
        b = int(ends[i])
        tail = [b]
        while pb[tail[-1]] >= 0:
            tail.append(int(pb[tail[-1]]))                   # b -> t in the backward tree
        # s -> plateau start -> b all lie on the forward tree
        p = np.concatenate([walk(pf, b), np.asarray(tail[1:], dtype=np.int64)])
        if p[0] == s and p[-1] == t and _admissible(graph, p, routes, d, max_stretch, max_sharing):
            routes.append(p)
    return routes


def yen(graph: Graph, s: int, t: int, k: int = 3, *, searcher: _Searcher | None = None) -> list[np.ndarray]:
    """The ``k`` shortest simple paths from ``s`` to ``t``, shortest first."""
    searcher = searcher or _Searcher(graph)
    _, best = searcher.path(s, t)
    if best is None:
        return []
    found = [best]
    candidates: list[tuple[float, tuple[int, ...]]] = []
    seen = {tuple(best.tolist())}
    blocked_nodes = np.zeros(graph.num_nodes, dtype=np.bool_)
    blocked_arcs = np.zeros(graph.num_arcs, dtype=np.bool_)
    while len(found) < k:
        prev = found[-1]
        for i in range(prev.size - 1):
            root = prev[: i + 1]
            arcs = [graph.arc_ids([p[i]], [p[i + 1]])[0] for p in found
                    if p.size > i + 1 and np.array_equal(p[: i + 1], root)]
            blocked_arcs[arcs] = True
            blocked_nodes[root[:-1]] = True
            d, spur = searcher.path(int(root[-1]), t, None, blocked_nodes, blocked_arcs)
            blocked_arcs[arcs] = False
            blocked_nodes[root[:-1]] = False
            if spur is None:
                continue
            path = tuple(root[:-1].tolist()) + tuple(spur.tolist())
            if path not in seen:
                seen.add(path)
                heapq.heappush(candidates, (_length(graph, np.asarray(path)), path))
        if not candidates:
            break
        found.append(np.asarray(heapq.heappop(candidates)[1], dtype=np.int64))
    return found


_STRETCH = Option("max_stretch", float, 1.3, "longest alternative kept, as a multiple of the shortest "
                  "distance", low=1.0)
_SHARING = Option("max_sharing", float, 0.8, "largest share of an alternative's length it may have in "
                  "common with any route kept", low=0.0, high=1.0)


class _AlternativesSolver(PathSolver):
    """Answers each pair with the shortest path and the alternatives of ``method``, which takes
    the solver's declared options as keywords."""

    supports = frozenset({"directed", "weighted", "alternatives"})
    method: Any = None

    def engine(self, problem: PathsProblem) -> _Searcher:
        return _Searcher(problem.graph)

    def answer(self, problem, engine, deadline, meta):
        src, dst = problem.pair_arrays()
        k = problem.alternatives
        dist = np.full(src.size, np.nan)
        paths: list = [None] * src.size
        alternatives: list = [[] for _ in range(src.size)]
        done = 0
        for i in range(src.size):
            if time.perf_counter() > deadline:
                break
            routes = type(self).method(problem.graph, int(src[i]), int(dst[i]), k, searcher=engine, **self.options)
            if routes:
                dist[i] = _length(problem.graph, routes[0]) if routes[0].size > 1 else 0.0
                paths[i], alternatives[i] = routes[0], routes[1:]
            else:
                dist[i] = math.inf
            done += 1
        self._alternatives = alternatives
        meta["routes"] = int(sum(len(a) + 1 for a, p in zip(alternatives, paths) if p is not None))
        return dist, paths, done

    def solution(self, problem, dist, paths, meta):
        return PathsSolution(dist, paths, alternatives=self._alternatives)


class PenaltySolver(_AlternativesSolver):
    name = "penalty"
    kind = "heuristic"
    description = "alternative routes by the penalty method (used arcs made 1.4x dearer, repeated)"
    method = staticmethod(penalty)
    OPTIONS = (
        Option("factor", float, 0.4, "each round multiplies the weights of the last route's arcs by 1 + factor",
               low=0.0),
        _STRETCH, _SHARING,
        Option("rounds", int, None, "penalised searches per pair (none: 4 k)", low=1, none_ok=True),
    )


class PlateauSolver(_AlternativesSolver):
    name = "plateau"
    kind = "heuristic"
    description = "alternative routes through the longest plateaus of the two shortest-path trees"
    method = staticmethod(plateau)
    OPTIONS = (_STRETCH, _SHARING)


class YenSolver(_AlternativesSolver):
    name = "yen"
    description = "Yen's k shortest simple paths (exact; alternatives may overlap much)"
    method = staticmethod(yen)

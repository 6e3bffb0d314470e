"""A* with straight-line distances to the target, for graphs with coordinates.

The heuristic is ``h(v) = scale * |xy(v) - xy(t)|`` with ``scale`` the smallest ratio
``weight / straight-line length`` over all arcs, measured on the graph itself. Every arc then
costs at least ``scale`` times its straight length, so ``h`` is consistent (and admissible) for
any weights: lengths at least the crow-fly distance give ``scale`` about 1, travel times give
``1 / max speed``. Geographic (lon/lat) coordinates are projected to metres first.

>>> from routeopt.instances.paths.graph import Graph
>>> g = Graph.from_edges(3, [0, 1, 0], [1, 2, 2], [1.0, 1.0, 3.0], coordinates=[[0, 0], [1, 0], [2, 0]])
>>> shortest_path(g, 0, 2)
(2.0, [0, 1, 2])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ...errors import UnsupportedError
from ...instances.paths.graph import Graph
from ...instances.paths.problem import PathsProblem
from ._kernels import Workspace, heap_grow, heap_pop, heap_push, walk
from .common import PathSolver


@njit(cache=True)
def astar(indptr, indices, weights, xs, ys, scale, s, t, dist, pred, touched):
    """Returns (distance, nodes touched, nodes settled)."""
    tx, ty = xs[t], ys[t]
    keys = np.empty(256)
    items = np.empty(256, dtype=np.int64)
    dist[s] = 0.0
    touched[0] = s
    count = 1
    h0 = scale * np.sqrt((xs[s] - tx) ** 2 + (ys[s] - ty) ** 2)
    size = heap_push(keys, items, 0, h0, s)
    settled = 0
    while size > 0:
        f, u, size = heap_pop(keys, items, size)
        d = dist[u]
        if f > d + scale * np.sqrt((xs[u] - tx) ** 2 + (ys[u] - ty) ** 2) + 1e-12 * (1.0 + f):
            continue                                   # stale entry
        settled += 1
        if u == t:
            return d, count, settled
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            nd = d + weights[a]
            if nd < dist[v]:
                if dist[v] == np.inf:
                    touched[count] = v
                    count += 1
                dist[v] = nd
                pred[v] = u
                if size >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                size = heap_push(keys, items, size, nd + scale * np.sqrt((xs[v] - tx) ** 2 + (ys[v] - ty) ** 2), v)
    return np.inf, count, settled


def heuristic_scale(graph: Graph, xy: np.ndarray) -> float:
    """The largest factor ``c`` with ``weight >= c * straight length`` on every arc."""
    if graph.num_arcs == 0:
        return 0.0
    straight = np.linalg.norm(xy[graph.tails()] - xy[graph.indices], axis=1)
    ok = straight > 0
    if not ok.any():
        return 0.0
    # a hair below the minimum, so rounding never makes h overestimate
    return float(np.min(graph.weights[ok] / straight[ok])) * (1 - 1e-9)


class AStarEngine:
    def __init__(self, graph: Graph):
        xy = graph.planar_coordinates()
        if xy is None:
            raise UnsupportedError("A* needs node coordinates; this graph has none")
        self.graph = graph
        self.xs, self.ys = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
        self.scale = heuristic_scale(graph, xy)
        self.work = Workspace(graph.num_nodes)
        self.settled = 0

    def query(self, s: int, t: int, want_path: bool = True):
        g, w = self.graph, self.work
        d, count, settled = astar(g.indptr, g.indices, g.weights, self.xs, self.ys, self.scale, s, t,
                                  w.dist, w.pred, w.touched)
        self.settled += settled
        path = walk(w.pred, t) if want_path and np.isfinite(d) else None
        w.clear(count)
        return float(d), path

    def info(self) -> dict[str, Any]:
        return {"heuristic_scale": self.scale}

    def stats(self) -> dict[str, Any]:
        return {"settled": self.settled}


def shortest_path(graph: Graph, source: int, target: int) -> tuple[float, list[int] | None]:
    d, p = AStarEngine(graph).query(source, target)
    return d, None if p is None else p.tolist()


class AStarSolver(PathSolver):
    """A* with a Euclidean heuristic scaled to be admissible for the graph's weights."""

    name = "astar"
    description = "A* (numba) with straight-line distances scaled by the smallest weight/length ratio"

    def check(self, problem: PathsProblem) -> None:
        super().check(problem)
        if getattr(getattr(problem, "graph", None), "coordinates", None) is None:
            raise UnsupportedError(f"solver 'astar' needs node coordinates; '{problem.name}' has none")

    def engine(self, problem: PathsProblem) -> AStarEngine:
        return AStarEngine(problem.graph)

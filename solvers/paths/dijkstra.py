"""Dijkstra's algorithm (binary heap, lazy deletion), compiled with numba.

One search per distinct source settles every target asked of that source, then stops; the
per-node arrays are reset only where the search went. Also the kernel Yen's k-shortest-paths
method uses, with blocked nodes and arcs.

>>> from routeopt.instances.paths.graph import Graph
>>> g = Graph.from_edges(4, [0, 1, 2, 0], [1, 2, 3, 3], [1.0, 1.0, 1.0, 5.0])
>>> shortest_path(g, 0, 3)
(3.0, [0, 1, 2, 3])
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numba import njit

from ...instances.paths.graph import Graph
from ...instances.paths.problem import PathsProblem
from ._kernels import Workspace, heap_grow, heap_pop, heap_push, walk
from .common import PathSolver


@njit(cache=True)
def search(indptr, indices, weights, source, is_target, n_targets, dist, pred, touched,
           blocked_nodes, blocked_arcs, limit):
    """Settle nodes from ``source`` until ``n_targets`` nodes with ``is_target`` are settled (all
    nodes when ``n_targets < 0``), the heap empties or keys exceed ``limit``. Nodes/arcs flagged in
    ``blocked_nodes``/``blocked_arcs`` (arrays of length 0 for none) are never entered.
    Returns (nodes touched, nodes settled); ``touched[:count]`` lists the nodes to reset."""
    use_nodes = blocked_nodes.shape[0] > 0
    use_arcs = blocked_arcs.shape[0] > 0
    keys = np.empty(256)
    items = np.empty(256, dtype=np.int64)
    dist[source] = 0.0
    pred[source] = -1
    touched[0] = source
    count = 1
    size = heap_push(keys, items, 0, 0.0, source)
    settled = 0
    remaining = n_targets
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        if d > limit:
            break
        settled += 1
        if remaining > 0 and is_target[u]:
            remaining -= 1
            if remaining == 0:
                break
        for a in range(indptr[u], indptr[u + 1]):
            if use_arcs and blocked_arcs[a]:
                continue
            v = indices[a]
            if use_nodes and blocked_nodes[v]:
                continue
            nd = d + weights[a]
            if nd < dist[v]:
                if dist[v] == np.inf:
                    touched[count] = v
                    count += 1
                dist[v] = nd
                pred[v] = u
                if size >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                size = heap_push(keys, items, size, nd, v)
    return count, settled


_NONE_BOOL = np.zeros(0, dtype=np.bool_)


class DijkstraEngine:
    """Dijkstra on one graph with reusable work arrays."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.work = Workspace(graph.num_nodes)
        self.is_target = np.zeros(graph.num_nodes, dtype=np.bool_)
        self.settled = 0

    def one_to_many(self, source: int, targets: np.ndarray, want_paths: bool,
                    blocked_nodes: np.ndarray = _NONE_BOOL, blocked_arcs: np.ndarray = _NONE_BOOL,
                    limit: float = np.inf) -> tuple[np.ndarray, list | None]:
        g, w = self.graph, self.work
        uniq = np.unique(targets)
        self.is_target[uniq] = True
        count, settled = search(g.indptr, g.indices, g.weights, source, self.is_target, uniq.size,
                                w.dist, w.pred, w.touched, blocked_nodes, blocked_arcs, limit)
        self.is_target[uniq] = False
        self.settled += settled
        dist = w.dist[targets].copy()
        paths = None
        if want_paths:
            paths = [walk(w.pred, int(t)) if np.isfinite(dist[i]) else None for i, t in enumerate(targets)]
        w.clear(count)
        return dist, paths

    def query(self, source: int, target: int, want_path: bool = True):
        dist, paths = self.one_to_many(source, np.array([target]), want_path)
        return float(dist[0]), None if paths is None else paths[0]

    def stats(self) -> dict[str, Any]:
        return {"settled": self.settled}


def shortest_path(graph: Graph, source: int, target: int) -> tuple[float, list[int] | None]:
    """Distance and path from ``source`` to ``target`` (``inf, None`` when unreachable)."""
    d, p = DijkstraEngine(graph).query(source, target)
    return d, None if p is None else p.tolist()


class DijkstraSolver(PathSolver):
    """Dijkstra's algorithm: one search per distinct source, stopped once its targets are settled."""

    name = "dijkstra"
    description = "Dijkstra (numba, binary heap); one search per source answers all its targets"

    def engine(self, problem: PathsProblem) -> DijkstraEngine:
        return DijkstraEngine(problem.graph)

    def answer(self, problem, engine, deadline, meta):
        src, dst = problem.pair_arrays()
        want = problem.return_paths
        dist = np.full(src.size, np.nan)
        paths: list | None = [None] * src.size if want else None
        order = np.argsort(src, kind="stable")
        bounds = np.flatnonzero(np.diff(src[order])) + 1
        done = 0
        for group in np.split(order, bounds) if src.size else []:
            if time.perf_counter() > deadline:
                break
            d, p = engine.one_to_many(int(src[group[0]]), dst[group], want)
            dist[group] = d
            if want:
                for i, path in zip(group, p):
                    paths[i] = path
            done += group.size
        meta.update(engine.stats())
        return dist, paths, done

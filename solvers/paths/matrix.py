"""Duration and distance matrices of road routes, as a street-map VRP needs them.

``road_matrices(graph, sources, targets, by="time")`` gives, for every source and target, the
travel time of the quickest route and the length of that same route (``by="length"``: the
shortest route's length and its travel time), as OSRM's table service does: routes are chosen by
one metric and the other is summed along them. ``road_path`` gives the route itself, the one
whose metrics the matrices report.

The method follows the size of the job. A contraction hierarchy costs about as much to build as
130 to 200 Dijkstra searches over the whole graph, whatever its size (both grow with the nodes:
0.6 s against 3 ms at 20,000 nodes, 7.3 s against 55 ms at 200,000), while the bucket pass itself
costs almost nothing (18 ms for 300 x 300 at 200,000 nodes). So a job with fewer than ``CH_SOURCES`` distinct sources (a little under the
break-even, since the index is kept for later calls), or a graph under ``CH_MIN_NODES`` nodes
(where everything takes milliseconds), runs one Dijkstra per distinct source; anything larger
builds the hierarchy once, caches it on the graph and answers by buckets (:mod:`.ch_matrix`).
An index already cached is always used.

>>> from routeopt.instances.paths.graph import Graph
>>> g = Graph.from_edges(3, [0, 1, 0], [1, 2, 2], [100.0, 100.0, 150.0], durations=[5.0, 5.0, 20.0])
>>> time, length = road_matrices(g, [0], [2])
>>> float(time[0, 0]), float(length[0, 0]), road_path(g, 0, 2).tolist()
(10.0, 200.0, [0, 1, 2])
>>> length, time = road_matrices(g, [0], [2], by="length")
>>> float(length[0, 0]), float(time[0, 0])
(150.0, 20.0)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numba import njit

from ...errors import InputError
from ...instances.paths.graph import Graph
from ._kernels import heap_grow, heap_pop, heap_push, walk

__all__ = ["road_matrices", "road_path", "CH_SOURCES", "CH_MIN_NODES"]

# measured on generated road networks (see the module docstring and benchmarks/road_matrix.py)
CH_SOURCES = 100
CH_MIN_NODES = 2_000


@njit(cache=True)
def _dijkstra(indptr, indices, w, w2, source, is_target, n_targets, dist, dist2, pred, touched):
    """Dijkstra from ``source`` carrying the second metric along the shortest-path tree (a label
    changes only when the first metric strictly improves: ties keep the first path found). Stops
    once ``n_targets`` flagged nodes are settled. Returns the nodes touched (``touched[:count]``)."""
    keys = np.empty(256)
    items = np.empty(256, dtype=np.int64)
    dist[source] = 0.0
    dist2[source] = 0.0
    pred[source] = -1
    touched[0] = source
    count = 1
    size = heap_push(keys, items, 0, 0.0, source)
    remaining = n_targets
    while size > 0 and remaining > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        if is_target[u]:
            remaining -= 1
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            nd = d + w[a]
            if nd < dist[v]:
                if dist[v] == np.inf:
                    touched[count] = v
                    count += 1
                dist[v] = nd
                dist2[v] = dist2[u] + w2[a]
                pred[v] = u
                if size >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                size = heap_push(keys, items, size, nd, v)
    return count


@njit(cache=True)
def _dijkstra_rows(indptr, indices, w, w2, sources, targets):
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    dist2 = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    touched = np.empty(max(n, 1), dtype=np.int64)
    is_target = np.zeros(n, dtype=np.bool_)
    for t in targets:
        is_target[t] = True
    out = np.empty((sources.shape[0], targets.shape[0]))
    out2 = np.empty((sources.shape[0], targets.shape[0]))
    for i in range(sources.shape[0]):
        count = _dijkstra(indptr, indices, w, w2, sources[i], is_target, targets.shape[0], dist, dist2, pred, touched)
        for j in range(targets.shape[0]):
            out[i, j] = dist[targets[j]]
            out2[i, j] = dist2[targets[j]] if dist[targets[j]] < np.inf else np.inf
        for k in range(count):
            dist[touched[k]] = np.inf
    return out, out2


def _routed(graph: Graph, by: str) -> Graph:
    """``graph`` with ``weights`` = the routing metric and ``durations`` = the other one; cached."""
    if by not in ("time", "length"):
        raise InputError(f"by must be 'time' or 'length', got {by!r}", field="by")
    if graph.durations is None:
        raise InputError("this graph has no travel times (durations): road matrices need lengths and times",
                         field="durations")
    on_time = graph.metric == "travel_time"
    if on_time == (by == "time"):
        return graph
    key = f"routed:{by}"
    if key not in graph.cache:                   # the swapped graph keeps its own index cache
        graph.cache[key] = replace(graph, weights=graph.durations, durations=graph.weights, weighted=True,
                                   metric="travel_time" if by == "time" else "weight", cache={})
    return graph.cache[key]


def _nodes(graph: Graph, name: str, nodes: Any) -> np.ndarray:
    try:
        a = np.asarray(nodes, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be node numbers", field=name) from None
    n = graph.num_nodes
    bad = (a < 0) | (a >= n)
    if bad.any():
        raise InputError(f"{name} has node {int(a[bad][0])}, outside 0..{n - 1}", field=name)
    return a


def _use_ch(g: Graph, distinct_sources: int, method: str) -> bool:
    if method not in ("auto", "ch", "dijkstra"):
        raise InputError(f"method must be 'auto', 'ch' or 'dijkstra', got {method!r}", field="method")
    if method != "auto":
        return method == "ch"
    from .ch import _cache_key
    if _cache_key({}) in g.cache:
        return True
    return g.num_nodes >= CH_MIN_NODES and distinct_sources >= CH_SOURCES


def road_matrices(graph: Graph, sources: Any, targets: Any, *, by: str = "time",
                  method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """``(primary, secondary)`` matrices, sources by targets, ``inf`` where unreachable.

    ``by="time"``: primary = travel times (``durations``) of the quickest routes, secondary = the
    lengths of those routes; ``by="length"``: the shortest routes' lengths, then their travel
    times. ``method``: ``auto`` (see the module), ``ch`` (contraction hierarchy, cached on the
    graph) or ``dijkstra`` (one search per distinct source).
    """
    g = _routed(graph, by)
    src, dst = _nodes(g, "sources", sources), _nodes(g, "targets", targets)
    if src.size == 0 or dst.size == 0:
        return np.full((src.size, dst.size), np.inf), np.full((src.size, dst.size), np.inf)
    us, si = np.unique(src, return_inverse=True)
    ut, ti = np.unique(dst, return_inverse=True)
    if _use_ch(g, us.size, method):
        from .ch import build
        return build(g).matrices(src, dst)
    rows, rows2 = _dijkstra_rows(g.indptr, g.indices, g.weights, g.durations, us, ut)
    si, ti = si.reshape(-1), ti.reshape(-1)
    return rows[si][:, ti], rows2[si][:, ti]


def road_path(graph: Graph, source: int, target: int, *, by: str = "time", method: str = "auto") -> np.ndarray:
    """Graph nodes of the route from ``source`` to ``target`` whose metrics ``road_matrices``
    reports (same method, same tie-breaking); an empty array when unreachable."""
    g = _routed(graph, by)
    s = int(_nodes(g, "source", [source])[0])
    t = int(_nodes(g, "target", [target])[0])
    if _use_ch(g, 1, method):
        from .ch import build
        from .ch_matrix import bucket_path
        _, _, path = bucket_path(build(g), s, t)
        return np.empty(0, dtype=np.int64) if path is None else path
    n = g.num_nodes
    dist, dist2 = np.full(n, np.inf), np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    flag = np.zeros(n, dtype=np.bool_)
    flag[t] = True
    _dijkstra(g.indptr, g.indices, g.weights, g.durations, s, flag, 1, dist, dist2, pred, np.empty(n, dtype=np.int64))
    if not np.isfinite(dist[t]):
        return np.empty(0, dtype=np.int64)
    return walk(pred, t)

"""Bidirectional Dijkstra, and bidirectional breadth-first search for unweighted graphs.

Bidirectional Dijkstra grows a forward search from the source and a backward one (on reversed
arcs) from the target, always advancing the side with the smaller key; ``mu``, the best
source-target distance through a node labelled by both, is final once the two smallest keys
add up to at least ``mu``.

Bidirectional BFS expands one whole level at a time, on the side whose frontier has fewer arcs
to scan. The first node found by both sides closes a shortest path: before that level no node
was seen by both, so the distance is at least the two radii plus one, which is what the meeting
gives. ``touched`` counts the nodes seen, ``expanded`` those whose arcs were scanned.

>>> from routeopt.instances.paths.graph import Graph
>>> g = Graph.from_edges(5, [0, 1, 2, 3], [1, 2, 3, 4], directed=False)
>>> bfs_path(g, 0, 4)
(4.0, [0, 1, 2, 3, 4])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ...instances.paths.graph import Graph
from ...instances.paths.problem import PathsProblem
from ._kernels import Workspace, heap_grow, heap_pop, heap_push, join
from .common import PathSolver


@njit(cache=True)
def bidijkstra(fp, fi, fw, bp, bi, bw, s, t, df, pf, tf, db, pb, tb):
    """Returns (distance, meeting node, forward touched, backward touched, nodes settled)."""
    df[s] = 0.0
    tf[0] = s
    db[t] = 0.0
    tb[0] = t
    cf, cb = 1, 1
    if s == t:
        return 0.0, s, cf, cb, 0
    kf = np.empty(256)
    itf = np.empty(256, dtype=np.int64)
    kb = np.empty(256)
    itb = np.empty(256, dtype=np.int64)
    sf = heap_push(kf, itf, 0, 0.0, s)
    sb = heap_push(kb, itb, 0, 0.0, t)
    mu = np.inf
    meet = -1
    settled = 0
    while sf > 0 and sb > 0:
        if kf[0] + kb[0] >= mu:
            break
        if kf[0] <= kb[0]:
            d, u, sf = heap_pop(kf, itf, sf)
            if d > df[u]:
                continue
            settled += 1
            for a in range(fp[u], fp[u + 1]):
                v = fi[a]
                nd = d + fw[a]
                if nd < df[v]:
                    if df[v] == np.inf:
                        tf[cf] = v
                        cf += 1
                    df[v] = nd
                    pf[v] = u
                    if sf >= kf.shape[0]:
                        kf, itf = heap_grow(kf, itf)
                    sf = heap_push(kf, itf, sf, nd, v)
                    if nd + db[v] < mu:
                        mu = nd + db[v]
                        meet = v
        else:
            d, u, sb = heap_pop(kb, itb, sb)
            if d > db[u]:
                continue
            settled += 1
            for a in range(bp[u], bp[u + 1]):
                v = bi[a]
                nd = d + bw[a]
                if nd < db[v]:
                    if db[v] == np.inf:
                        tb[cb] = v
                        cb += 1
                    db[v] = nd
                    pb[v] = u
                    if sb >= kb.shape[0]:
                        kb, itb = heap_grow(kb, itb)
                    sb = heap_push(kb, itb, sb, nd, v)
                    if nd + df[v] < mu:
                        mu = nd + df[v]
                        meet = v
    return mu, meet, cf, cb, settled


@njit(cache=True)
def bibfs(fp, fi, bp, bi, s, t, lf, pf, tf, lb, pb, tb):
    """Returns (hops or -1, meeting node, forward touched, backward touched, nodes expanded).

    ``tf``/``tb`` double as the BFS queues: each level is a contiguous slice of them."""
    lf[s] = 0
    tf[0] = s
    lb[t] = 0
    tb[0] = t
    if s == t:
        return 0, s, 1, 1, 0
    f_lo, f_hi, b_lo, b_hi = 0, 1, 0, 1            # current frontier slices
    f_cost = fp[s + 1] - fp[s]
    b_cost = bp[t + 1] - bp[t]
    expanded = 0
    while f_hi > f_lo and b_hi > b_lo:
        if f_cost <= b_cost:
            cost = 0
            end = f_hi
            for q in range(f_lo, f_hi):
                u = tf[q]
                expanded += 1
                for a in range(fp[u], fp[u + 1]):
                    v = fi[a]
                    if lf[v] < 0:
                        lf[v] = lf[u] + 1
                        pf[v] = u
                        tf[end] = v
                        end += 1
                        cost += fp[v + 1] - fp[v]
                        if lb[v] >= 0:
                            return lf[v] + lb[v], v, end, b_hi, expanded
            f_lo, f_hi, f_cost = f_hi, end, cost
        else:
            cost = 0
            end = b_hi
            for q in range(b_lo, b_hi):
                u = tb[q]
                expanded += 1
                for a in range(bp[u], bp[u + 1]):
                    v = bi[a]
                    if lb[v] < 0:
                        lb[v] = lb[u] + 1
                        pb[v] = u
                        tb[end] = v
                        end += 1
                        cost += bp[v + 1] - bp[v]
                        if lf[v] >= 0:
                            return lf[v] + lb[v], v, f_hi, end, expanded
            b_lo, b_hi, b_cost = b_hi, end, cost
    return -1, -1, f_hi, b_hi, expanded


@njit(cache=True)
def reset_levels(level, pred, touched, count):
    for i in range(count):
        level[touched[i]] = -1
        pred[touched[i]] = -1


class BidirectionalEngine:
    """Bidirectional Dijkstra on one graph with reusable work arrays for both sides."""

    def __init__(self, graph: Graph):
        self.graph, self.rev = graph, graph.reverse()
        self.f, self.b = Workspace(graph.num_nodes), Workspace(graph.num_nodes)
        self.settled = 0

    def query(self, s: int, t: int, want_path: bool = True):
        g, r, f, b = self.graph, self.rev, self.f, self.b
        mu, meet, cf, cb, settled = bidijkstra(g.indptr, g.indices, g.weights, r.indptr, r.indices, r.weights,
                                               s, t, f.dist, f.pred, f.touched, b.dist, b.pred, b.touched)
        self.settled += settled
        path = join(f.pred, b.pred, meet) if want_path and meet >= 0 else None
        f.clear(cf)
        b.clear(cb)
        return float(mu), path

    def stats(self) -> dict[str, Any]:
        return {"settled": self.settled}


class BFSEngine:
    """Bidirectional BFS on one unweighted graph; counts nodes touched and expanded."""

    def __init__(self, graph: Graph):
        self.graph, self.rev = graph, graph.reverse()
        n = graph.num_nodes
        self.lf, self.lb = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        self.pf, self.pb = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        self.tf, self.tb = np.empty(max(n, 1), dtype=np.int64), np.empty(max(n, 1), dtype=np.int64)
        self.touched = self.expanded = 0
        self.last_touched = self.last_expanded = 0

    def query(self, s: int, t: int, want_path: bool = True):
        g, r = self.graph, self.rev
        hops, meet, cf, cb, expanded = bibfs(g.indptr, g.indices, r.indptr, r.indices, s, t,
                                             self.lf, self.pf, self.tf, self.lb, self.pb, self.tb)
        self.last_touched, self.last_expanded = cf + cb, expanded
        self.touched += cf + cb
        self.expanded += expanded
        path = join(self.pf, self.pb, meet) if want_path and meet >= 0 else None
        reset_levels(self.lf, self.pf, self.tf, cf)
        reset_levels(self.lb, self.pb, self.tb, cb)
        return (float(hops) if hops >= 0 else np.inf), path

    def stats(self) -> dict[str, Any]:
        return {"touched": self.touched, "expanded": self.expanded}


def shortest_path(graph: Graph, source: int, target: int) -> tuple[float, list[int] | None]:
    """Bidirectional Dijkstra: distance and path (``inf, None`` when unreachable)."""
    d, p = BidirectionalEngine(graph).query(source, target)
    return d, None if p is None else p.tolist()


def bfs_path(graph: Graph, source: int, target: int) -> tuple[float, list[int] | None]:
    """Bidirectional BFS (hop counts; the graph's weights are ignored)."""
    d, p = BFSEngine(graph).query(source, target)
    return d, None if p is None else p.tolist()


class BidirectionalDijkstraSolver(PathSolver):
    """Bidirectional Dijkstra, one search pair per query."""

    name = "bidijkstra"
    description = "bidirectional Dijkstra (numba); balanced by the smaller heap key"

    def engine(self, problem: PathsProblem) -> BidirectionalEngine:
        return BidirectionalEngine(problem.graph)


class BidirectionalBFSSolver(PathSolver):
    """Bidirectional BFS for unweighted graphs (hop distances)."""

    name = "bibfs"
    supports = frozenset({"directed"})
    description = "bidirectional breadth-first search (numba) for unweighted graphs; counts nodes touched"

    def engine(self, problem: PathsProblem) -> BFSEngine:
        return BFSEngine(problem.graph)

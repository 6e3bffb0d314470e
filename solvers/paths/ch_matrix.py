"""Many-to-many distance matrices on a contraction hierarchy, with buckets.

The algorithm of Knopp, Sanders, Schultes, Schulz and Wagner ("Computing many-to-many shortest
paths using highway hierarchies", ALENEX 2007) as used on contraction hierarchies: every target
``t`` runs the backward upward search (reversed downward arcs) and leaves ``(t, distance)`` in a
bucket at each node it settles; every source ``s`` then runs the forward upward search and, at
each node ``v`` it settles, scans ``v``'s bucket: ``d(s, t) = min(d(s, t), d_up(s, v) + d_down(v, t))``.
The shortest up-down path meets at its highest node, which both searches settle exactly, so the
minimum is the distance. Both searches stall on demand: a node reached more cheaply through a
higher node is not on a shortest up-down path, and it neither expands nor fills or scans a bucket.

Buckets are three flat arrays sorted by node (a counting sort), so a source's scan reads each
bucket as one contiguous run. One search per distinct source and per distinct target: a matrix of
``k x k`` costs ``2k`` upward searches (a few hundred nodes each on a road network) plus the
bucket scans, instead of ``k`` Dijkstra searches over the graph or ``k^2`` point queries.

Two metrics in one pass (OSRM's semantics): the hierarchy is built on one metric and every arc
also carries the other, summed along the same arcs; bucket entries hold both, so the matrix of
travel times and the matrix of the lengths of those very routes come from the same searches.

>>> from routeopt.instances.paths.graph import Graph
>>> from routeopt.solvers.paths.ch import build
>>> g = Graph.from_edges(4, [0, 1, 2], [1, 2, 3], [1.0, 2.0, 4.0])
>>> build(g).matrix([0, 3], [3, 0, 2]).tolist()
[[7.0, 0.0, 3.0], [0.0, inf, inf]]
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import grow, heap_grow, heap_pop, heap_push

__all__ = ["Buckets", "target_buckets", "source_rows", "many_to_many", "bucket_path"]


@njit(cache=True)
def _upward(rel_ptr, rel_to, rel_w, rel_w2, rel_id, st_ptr, st_to, st_w, root, dist, dist2, pred, touched,
            out_node, out_dist, out_dist2):
    """Complete upward search from ``root`` relaxing ``rel_*`` arcs, stalling through ``st_*`` arcs.

    ``dist2`` carries the second metric along the search tree (a label changes only when the
    first strictly improves, so ties keep the first path found, the same on every run); ``pred``
    gets the hierarchy arc that reached each node. Writes the settled, unstalled nodes and both
    distances to ``out_*`` and resets ``dist``. Returns (nodes written, nodes settled including stalled)."""
    keys = np.empty(64)
    items = np.empty(64, dtype=np.int64)
    dist[root] = 0.0
    dist2[root] = 0.0
    pred[root] = -1
    touched[0] = root
    count = 1
    size = heap_push(keys, items, 0, 0.0, root)
    written = 0
    settled = 0
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        settled += 1
        stalled = False
        for a in range(st_ptr[u], st_ptr[u + 1]):
            if dist[st_to[a]] + st_w[a] < d:
                stalled = True
                break
        if stalled:
            continue
        out_node[written] = u
        out_dist[written] = d
        out_dist2[written] = dist2[u]
        written += 1
        for a in range(rel_ptr[u], rel_ptr[u + 1]):
            x = rel_to[a]
            nd = d + rel_w[a]
            if nd < dist[x]:
                if dist[x] == np.inf:
                    touched[count] = x
                    count += 1
                dist[x] = nd
                dist2[x] = dist2[u] + rel_w2[a]
                pred[x] = rel_id[a]
                if size >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                size = heap_push(keys, items, size, nd, x)
    for i in range(count):
        dist[touched[i]] = np.inf
    return written, settled


@njit(cache=True)
def _buckets(up_ptr, up_head, up_w, up_w2, up_id, dn_ptr, dn_tail, dn_w, dn_w2, dn_id, targets, n):
    """Backward search from every target; entries grouped by node:
    (ptr, target column, distance, second metric, settled)."""
    dist = np.full(n, np.inf)
    dist2 = np.empty(n)
    pred = np.empty(n, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    node_buf = np.empty(n, dtype=np.int64)
    dist_buf = np.empty(n)
    dist2_buf = np.empty(n)
    e_node = np.empty(1024, dtype=np.int64)
    e_col = np.empty(1024, dtype=np.int64)
    e_dist = np.empty(1024)
    e_dist2 = np.empty(1024)
    m = 0
    settled = 0
    for j in range(targets.shape[0]):
        k, s = _upward(dn_ptr, dn_tail, dn_w, dn_w2, dn_id, up_ptr, up_head, up_w, targets[j], dist, dist2, pred,
                       touched, node_buf, dist_buf, dist2_buf)
        settled += s
        if m + k > e_node.shape[0]:
            e_node = grow(e_node, m + k)
            e_col = grow(e_col, m + k)
            e_dist = grow(e_dist, m + k)
            e_dist2 = grow(e_dist2, m + k)
        for i in range(k):
            e_node[m] = node_buf[i]
            e_col[m] = j
            e_dist[m] = dist_buf[i]
            e_dist2[m] = dist2_buf[i]
            m += 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        ptr[e_node[i] + 1] += 1
    for v in range(n):
        ptr[v + 1] += ptr[v]
    fill = ptr[:-1].copy()
    col = np.empty(m, dtype=np.int64)
    bd = np.empty(m)
    bd2 = np.empty(m)
    for i in range(m):
        p = fill[e_node[i]]
        col[p] = e_col[i]
        bd[p] = e_dist[i]
        bd2[p] = e_dist2[i]
        fill[e_node[i]] = p + 1
    return ptr, col, bd, bd2, settled


@njit(cache=True)
def _rows(up_ptr, up_head, up_w, up_w2, up_id, dn_ptr, dn_tail, dn_w, sources, ptr, col, bd, bd2, num_targets, n):
    """Forward search from every source, scanning the buckets of the nodes it settles; on an
    exact tie in the first metric the meeting node settled first is kept (strict ``<``)."""
    out = np.full((sources.shape[0], num_targets), np.inf)
    out2 = np.full((sources.shape[0], num_targets), np.inf)
    dist = np.full(n, np.inf)
    dist2 = np.empty(n)
    pred = np.empty(n, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    node_buf = np.empty(n, dtype=np.int64)
    dist_buf = np.empty(n)
    dist2_buf = np.empty(n)
    settled = 0
    for i in range(sources.shape[0]):
        k, s = _upward(up_ptr, up_head, up_w, up_w2, up_id, dn_ptr, dn_tail, dn_w, sources[i], dist, dist2, pred,
                       touched, node_buf, dist_buf, dist2_buf)
        settled += s
        row = out[i]
        row2 = out2[i]
        for r in range(k):
            v = node_buf[r]
            d = dist_buf[r]
            d2 = dist2_buf[r]
            for e in range(ptr[v], ptr[v + 1]):
                val = d + bd[e]
                c = col[e]
                if val < row[c]:
                    row[c] = val
                    row2[c] = d2 + bd2[e]
    return out, out2, settled


@njit(cache=True)
def _meet(up_ptr, up_head, up_w, up_w2, up_id, dn_ptr, dn_tail, dn_w, dn_w2, dn_id, s, t, n):
    """The bucket algorithm for one pair, keeping both search trees: (distance, second metric,
    meeting node, forward arc per node, backward arc per node). Its tie-breaking is the matrix's:
    the forward search scans the same nodes in the same order and keeps the first best."""
    fd = np.full(n, np.inf)
    bd = np.full(n, np.inf)
    f2 = np.empty(n)
    b2 = np.empty(n)
    pf = np.full(n, -1, dtype=np.int64)
    pb = np.full(n, -1, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    fn = np.empty(n, dtype=np.int64)
    fdist = np.empty(n)
    fdist2 = np.empty(n)
    bn = np.empty(n, dtype=np.int64)
    bdist = np.empty(n)
    bdist2 = np.empty(n)
    kb, _ = _upward(dn_ptr, dn_tail, dn_w, dn_w2, dn_id, up_ptr, up_head, up_w, t, bd, b2, pb, touched, bn, bdist,
                    bdist2)
    kf, _ = _upward(up_ptr, up_head, up_w, up_w2, up_id, dn_ptr, dn_tail, dn_w, s, fd, f2, pf, touched, fn, fdist,
                    fdist2)
    for i in range(kb):                       # the backward labels of unstalled nodes: a bucket
        bd[bn[i]] = bdist[i]
        b2[bn[i]] = bdist2[i]
    best, best2, meet = np.inf, np.inf, -1
    for r in range(kf):
        v = fn[r]
        val = fdist[r] + bd[v]
        if val < best:
            best, best2, meet = val, fdist2[r] + b2[v], v
    return best, best2, meet, pf, pb


class Buckets:
    """The targets' buckets on one hierarchy: reused for any number of source rows."""

    def __init__(self, ch, targets):
        self.targets = np.asarray(targets, dtype=np.int64).reshape(-1)
        n = ch.rank.shape[0]
        self.ptr, self.col, self.dist, self.dist2, self.settled = _buckets(
            ch.up_ptr, ch.up_head, ch.up_w, ch.up_w2, ch.up_id, ch.dn_ptr, ch.dn_tail, ch.dn_w, ch.dn_w2, ch.dn_id,
            ch.rank[self.targets].astype(np.int64), n)

    @property
    def entries(self) -> int:
        return int(self.col.size)


def target_buckets(ch, targets) -> Buckets:
    """Backward searches from ``targets`` (distinct nodes, one column each) on hierarchy ``ch``."""
    return Buckets(ch, targets)


def source_rows(ch, sources, buckets: Buckets) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows of both metrics (one per source, one column per bucket target) and the nodes settled."""
    src = ch.rank[np.asarray(sources, dtype=np.int64).reshape(-1)].astype(np.int64)
    return _rows(ch.up_ptr, ch.up_head, ch.up_w, ch.up_w2, ch.up_id, ch.dn_ptr, ch.dn_tail, ch.dn_w, src,
                 buckets.ptr, buckets.col, buckets.dist, buckets.dist2, buckets.targets.size, ch.rank.shape[0])


def many_to_many(ch, sources, targets) -> tuple[np.ndarray, np.ndarray]:
    """Both metrics from every source to every target (``inf`` where unreachable), repeats allowed:
    the hierarchy's metric, and its second metric summed along the same paths."""
    src = np.asarray(sources, dtype=np.int64).reshape(-1)
    dst = np.asarray(targets, dtype=np.int64).reshape(-1)
    n = ch.rank.shape[0]
    for name, a in (("sources", src), ("targets", dst)):
        if a.size and (a.min() < 0 or a.max() >= n):
            from ...errors import InputError
            raise InputError(f"{name} must be nodes 0..{n - 1}", field=name)
    if src.size == 0 or dst.size == 0:
        return np.full((src.size, dst.size), np.inf), np.full((src.size, dst.size), np.inf)
    us, si = np.unique(src, return_inverse=True)
    ut, ti = np.unique(dst, return_inverse=True)
    rows, rows2, _ = source_rows(ch, us, target_buckets(ch, ut))
    si, ti = si.reshape(-1), ti.reshape(-1)
    return rows[si][:, ti], rows2[si][:, ti]


def bucket_path(ch, s: int, t: int) -> tuple[float, float, np.ndarray | None]:
    """(distance, second metric, path of graph nodes) for one pair, the path being the one the
    bucket matrix reports (same searches, same tie-breaking); ``None`` when unreachable."""
    from .ch import _unpack
    n = ch.rank.shape[0]
    s, t = int(ch.rank[s]), int(ch.rank[t])
    d, d2, meet, pf, pb = _meet(ch.up_ptr, ch.up_head, ch.up_w, ch.up_w2, ch.up_id, ch.dn_ptr, ch.dn_tail, ch.dn_w,
                                ch.dn_w2, ch.dn_id, s, t, n)
    if meet < 0:
        return float(d), float(d2), None
    return float(d), float(d2), ch.node[_unpack(s, meet, pf, pb, ch.arc_tail, ch.arc_head, ch.half1, ch.half2)]

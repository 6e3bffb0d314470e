"""Contraction hierarchies (Geisberger, Sanders, Schultes and Delling, 2008), compiled with numba.

Preprocessing (:mod:`.ch_build`, :mod:`.ch_parallel`) contracts nodes least important first, in
rounds of independent nodes on every thread, adding shortcuts that witness searches cannot rule
out; node importance follows RoutingKit's quotients
(or the edge difference) with lazy updates. Inside the index nodes are numbered by rank. A query runs Dijkstra upward from the source and upward on reversed arcs from the
target, with stall-on-demand; each side stops once its smallest key reaches the best meeting
distance. Each shortcut remembers its two halves, so the path unpacks into original arcs.
The index is cached on the graph: later queries on the same graph do not rebuild it.

>>> from routeopt.instances.paths.graph import Graph
>>> g = Graph.from_edges(5, [0, 1, 2, 3, 0], [1, 2, 3, 4, 4], [1, 1, 1, 1, 10.0], directed=False)
>>> index = build(g)
>>> distance, path = index.query(0, 4)
>>> distance, path.tolist()
(4.0, [0, 1, 2, 3, 4])
"""

from __future__ import annotations

import time
from typing import Any

import numba
import numpy as np
from numba import njit, prange

from ...errors import InputError
from ...instances.paths.graph import Graph
from ...instances.paths.problem import PathsProblem
from ..base import Budget, Option
from ._kernels import Workspace, grow, heap_grow, heap_pop, heap_push
from .ch_build import build_hierarchy
from .common import PathSolver


# ---------------------------------------------------------------------------------- queries
@njit(cache=True)
def _query(up_ptr, up_head, up_w, up_id, dn_ptr, dn_tail, dn_w, dn_id, s, t, df, pf, tf, db, pb, tb, kf, itf, kb,
           itb):
    """Upward searches from both ends with stall-on-demand; ``pf``/``pb`` hold the hierarchy arc
    (pool row) that reached a node; the heaps are handed in (and grown). Returns (distance,
    meeting node, forward touched, backward touched, nodes settled, the four heap arrays)."""
    df[s] = 0.0
    tf[0] = s
    db[t] = 0.0
    tb[0] = t
    cf, cb = 1, 1
    if s == t:
        return 0.0, s, cf, cb, 0, kf, itf, kb, itb
    mu = np.inf
    meet = -1
    sf = heap_push(kf, itf, 0, 0.0, s)
    sb = heap_push(kb, itb, 0, 0.0, t)
    settled = 0
    while True:
        if sf > 0 and kf[0] >= mu:
            sf = 0
        if sb > 0 and kb[0] >= mu:
            sb = 0
        if sf == 0 and sb == 0:
            break
        if sf > 0 and (sb == 0 or kf[0] <= kb[0]):
            d, u, sf = heap_pop(kf, itf, sf)
            if d > df[u]:
                continue
            if db[u] + d < mu:
                mu = db[u] + d
                meet = u
            stalled = False                       # stall-on-demand: a higher node reaches u cheaper
            for a in range(dn_ptr[u], dn_ptr[u + 1]):
                if df[dn_tail[a]] + dn_w[a] < d:
                    stalled = True
                    break
            if stalled:
                continue
            settled += 1
            for a in range(up_ptr[u], up_ptr[u + 1]):
                x = up_head[a]
                nd = d + up_w[a]
                if nd < df[x]:
                    if df[x] == np.inf:
                        tf[cf] = x
                        cf += 1
                    df[x] = nd
                    pf[x] = up_id[a]
                    if sf >= kf.shape[0]:
                        kf, itf = heap_grow(kf, itf)
                    sf = heap_push(kf, itf, sf, nd, x)
        else:
            d, u, sb = heap_pop(kb, itb, sb)
            if d > db[u]:
                continue
            if df[u] + d < mu:
                mu = df[u] + d
                meet = u
            stalled = False
            for a in range(up_ptr[u], up_ptr[u + 1]):
                if db[up_head[a]] + up_w[a] < d:
                    stalled = True
                    break
            if stalled:
                continue
            settled += 1
            for a in range(dn_ptr[u], dn_ptr[u + 1]):
                x = dn_tail[a]
                nd = d + dn_w[a]
                if nd < db[x]:
                    if db[x] == np.inf:
                        tb[cb] = x
                        cb += 1
                    db[x] = nd
                    pb[x] = dn_id[a]
                    if sb >= kb.shape[0]:
                        kb, itb = heap_grow(kb, itb)
                    sb = heap_push(kb, itb, sb, nd, x)
    return mu, meet, cf, cb, settled, kf, itf, kb, itb


@njit(cache=True, parallel=True)
def pairwise(up_ptr, up_head, up_w, up_id, dn_ptr, dn_tail, dn_w, dn_id, sources, targets, threads):
    """Distance of each pair ``(sources[i], targets[i])`` (internal node numbers) in one compiled
    loop: :meth:`ContractionHierarchy.distances`. The pairs are split in one block per thread,
    each with its own work arrays."""
    n = up_ptr.shape[0] - 1
    m = sources.shape[0]
    out = np.empty(m)
    blocks = min(max(1, m // 64), threads)
    for k in prange(blocks):
        df, db = np.full(n, np.inf), np.full(n, np.inf)
        pf, pb = np.empty(max(n, 1), dtype=np.int64), np.empty(max(n, 1), dtype=np.int64)
        tf, tb = np.empty(max(n, 1), dtype=np.int64), np.empty(max(n, 1), dtype=np.int64)
        kf, kb = np.empty(256), np.empty(256)
        itf, itb = np.empty(256, dtype=np.int64), np.empty(256, dtype=np.int64)
        for i in range(k * m // blocks, (k + 1) * m // blocks):
            mu, _, cf, cb, _, kf, itf, kb, itb = _query(up_ptr, up_head, up_w, up_id, dn_ptr, dn_tail, dn_w, dn_id,
                                                        sources[i], targets[i], df, pf, tf, db, pb, tb, kf, itf, kb,
                                                        itb)
            out[i] = mu
            for j in range(cf):
                df[tf[j]] = np.inf
            for j in range(cb):
                db[tb[j]] = np.inf
    return out


@njit(cache=True)
def _unpack(s, meet, pf, pb, arc_tail, arc_head, half1, half2):
    """Original-arc path of the hierarchy path s -> meet (upward arcs) -> t (downward arcs)."""
    nf = 0
    v = meet
    while pf[v] >= 0:
        nf += 1
        v = arc_tail[pf[v]]
    nb = 0
    v = meet
    while pb[v] >= 0:
        nb += 1
        v = arc_head[pb[v]]
    arcs = np.empty(nf + nb, dtype=np.int64)
    v = meet
    for j in range(nf - 1, -1, -1):
        arcs[j] = pf[v]
        v = arc_tail[pf[v]]
    v = meet
    for j in range(nf, nf + nb):
        arcs[j] = pb[v]
        v = arc_head[pb[v]]
    out = np.empty(max(16, 2 * (nf + nb) + 1), dtype=np.int64)
    out[0] = s
    n_out = 1
    stack = np.empty(64, dtype=np.int64)
    for i in range(nf + nb):
        stack[0] = arcs[i]
        top = 1
        while top > 0:
            top -= 1
            e = stack[top]
            if half1[e] < 0:
                if n_out >= out.shape[0]:
                    out = grow(out, n_out + 1)
                out[n_out] = arc_head[e]
                n_out += 1
            else:
                if top + 2 > stack.shape[0]:
                    stack = grow(stack, top + 2)
                stack[top] = half2[e]                    # second half below, first half on top
                stack[top + 1] = half1[e]
                top += 2
    return out[:n_out].copy()


@njit(cache=True)
def _second_metric(half1, half2, middle_rank, base):
    """The second metric of every arc of the table: original arcs keep ``base``; a shortcut sums its
    halves. Halves are contracted before the shortcut's middle node (they are incident to it when
    it is contracted, and an arc rewritten in place takes halves created after it), so shortcuts
    are summed in the order of their middle node's rank, not of their position."""
    out = np.empty(half1.shape[0])
    for e in range(half1.shape[0]):
        if half1[e] < 0:
            out[e] = base[e]
    order = np.argsort(middle_rank)
    for k in range(order.shape[0]):
        e = order[k]
        if half1[e] >= 0:
            out[e] = out[half1[e]] + out[half2[e]]
    return out


def _csr(group: np.ndarray, other: np.ndarray, ws: tuple[np.ndarray, ...], ids: np.ndarray, n: int):
    order = np.lexsort((other, group))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n), out=ptr[1:])
    return (ptr, other[order].astype(np.int32), *(w[order].copy() for w in ws), ids[order].astype(np.int32))


PARALLEL_NODES = 20_000           # nodes from which the build runs its rounds on every thread


class ContractionHierarchy:
    """A built hierarchy: ``query(s, t) -> (distance, path)``; ``info()`` gives build time and size.

    ``settle_limit``/``simulate_limit``: nodes a witness search may settle when contracting and
    when estimating importance; ``rounds``: contract rounds of independent nodes, their searches
    on every thread (default; the same hierarchy for any thread count), or one node at a time;
    ``update_neighbours`` (one node at a time only): re-estimate the neighbours of each
    contracted node (slower build) besides the lazy re-estimation; ``order``: ``quotient``
    (RoutingKit's ratios; about 10 % fewer shortcuts than the edge difference on the generated
    road networks, a faster build and faster queries) or ``difference``.
    The graph's other metric (``durations``), when it has one, is carried along every shortcut:
    :meth:`matrices` gives both metrics of the same paths.
    """

    def __init__(self, graph: Graph, *, settle_limit: int = 200, simulate_limit: int = 10,
                 update_neighbours: bool = False, order: str = "quotient", rounds: bool = True):
        if order not in ("difference", "quotient"):
            raise InputError(f"order must be 'difference' or 'quotient', got {order!r}", field="order")
        start, cpu = time.perf_counter(), time.process_time()
        n = graph.num_nodes
        self.counters = np.zeros(2, dtype=np.int64)
        # Below PARALLEL_NODES the parallel rounds gain nothing, and OpenMP's spinning barriers make
        # them 100x slower when other processes hold the cores (a 900-node build: 0.04 s alone,
        # 5-10 s beside a training run); the hierarchy is the same for any thread count.
        previous = numba.get_num_threads()
        threads = previous if n >= PARALLEL_NODES else 1
        numba.set_num_threads(threads)
        try:
            arcs, w, rank = build_hierarchy(n, graph.tails(), graph.indices, graph.weights, int(simulate_limit),
                                            int(settle_limit), bool(update_neighbours), order == "quotient",
                                            self.counters, threads, bool(rounds))
        finally:
            numba.set_num_threads(previous)
        src, dst = arcs[:, 0], arcs[:, 1]
        # the other metric rides along (OSRM's duration and distance of one route); without one,
        # the second metric is the first
        self.metric, self.second_metric = graph.metric, None
        w2 = w
        if graph.durations is not None:
            middle_rank = np.where(arcs[:, 4] >= 0, rank[np.maximum(arcs[:, 2], 0)], -1)
            w2 = _second_metric(arcs[:, 4], arcs[:, 5], middle_rank, graph.durations)
            self.second_metric = "length" if graph.metric == "travel_time" else "travel_time"
        # nodes are numbered by rank inside the index: every search climbs towards the same few
        # top nodes, which then sit together at the end of the arrays (fewer cache misses)
        self.node = np.argsort(rank).astype(np.int64)              # internal number -> graph node
        src, dst = rank[src], rank[dst]
        ids = np.arange(src.size)
        up = src < dst
        self.up_ptr, self.up_head, self.up_w, self.up_w2, self.up_id = _csr(src[up], dst[up], (w[up], w2[up]),
                                                                            ids[up], n)
        self.dn_ptr, self.dn_tail, self.dn_w, self.dn_w2, self.dn_id = _csr(dst[~up], src[~up], (w[~up], w2[~up]),
                                                                            ids[~up], n)
        self.arc_tail, self.arc_head = src.astype(np.int32), dst.astype(np.int32)
        self.half1, self.half2 = arcs[:, 4].astype(np.int32), arcs[:, 5].astype(np.int32)
        self.rank = rank.astype(np.int32)
        self.build_time = time.perf_counter() - start
        self.build_cpu_time = time.process_time() - cpu
        self.num_arcs = int(src.size)
        self.shortcuts = int((arcs[:, 2] >= 0).sum())
        self.graph_arcs = graph.num_arcs
        self.f, self.b = Workspace(n), Workspace(n)
        self._heaps = [np.empty(64), np.empty(64, dtype=np.int64), np.empty(64), np.empty(64, dtype=np.int64)]
        self.settled = 0

    def query(self, s: int, t: int, want_path: bool = True) -> tuple[float, Any]:
        f, b = self.f, self.b
        s, t = int(self.rank[s]), int(self.rank[t])
        mu, meet, cf, cb, settled, *self._heaps = _query(self.up_ptr, self.up_head, self.up_w, self.up_id,
                                                         self.dn_ptr, self.dn_tail, self.dn_w, self.dn_id, s, t,
                                                         f.dist, f.pred, f.touched, b.dist, b.pred, b.touched,
                                                         *self._heaps)
        self.settled += settled
        path = None
        if want_path and meet >= 0 and np.isfinite(mu):
            path = self.node[_unpack(s, meet, f.pred, b.pred, self.arc_tail, self.arc_head, self.half1, self.half2)]
        f.clear(cf)
        b.clear(cb)
        return float(mu), path

    def distances(self, sources: Any, targets: Any) -> np.ndarray:
        """Distance of each pair ``(sources[i], targets[i])`` (``inf`` where unreachable): the
        queries of :meth:`query` in one compiled loop, without paths."""
        src = self._nodes("sources", sources)
        dst = self._nodes("targets", targets)
        if src.size != dst.size:
            raise InputError(f"{src.size} sources for {dst.size} targets: distances() answers pairs", field="targets")
        return pairwise(self.up_ptr, self.up_head, self.up_w, self.up_id, self.dn_ptr, self.dn_tail, self.dn_w,
                        self.dn_id,
                        self.rank[src].astype(np.int64), self.rank[dst].astype(np.int64), numba.get_num_threads())

    def matrix(self, sources: Any, targets: Any) -> np.ndarray:
        """Distances from every source to every target (``inf`` where unreachable), by buckets
        (:mod:`.ch_matrix`): one upward search per distinct source and per distinct target."""
        from .ch_matrix import many_to_many
        return many_to_many(self, sources, targets)[0]

    def matrices(self, sources: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
        """Both metrics of the same shortest paths, source by target, in one bucket pass: the
        hierarchy's metric and the graph's other one (``durations``) summed along those paths."""
        from .ch_matrix import many_to_many
        return many_to_many(self, sources, targets)

    def _nodes(self, name: str, nodes: Any) -> np.ndarray:
        a = np.asarray(nodes, dtype=np.int64).reshape(-1)
        n = self.rank.shape[0]
        if a.size and (a.min() < 0 or a.max() >= n):
            bad = int(a[(a < 0) | (a >= n)][0])
            raise InputError(f"{name} has node {bad}, outside 0..{n - 1}", field=name)
        return a

    @property
    def nbytes(self) -> int:
        """Bytes of the index (both adjacency arrays, the unpacking table and the order)."""
        return sum(a.nbytes for a in (self.up_ptr, self.up_head, self.up_w, self.up_w2, self.up_id, self.dn_ptr,
                                      self.dn_tail, self.dn_w, self.dn_w2, self.dn_id, self.arc_tail, self.arc_head,
                                      self.half1, self.half2, self.rank, self.node))

    def info(self) -> dict[str, Any]:
        return {"build_time": self.build_time, "build_cpu_time": self.build_cpu_time, "index_arcs": self.num_arcs, "shortcuts": self.shortcuts,
                "index_bytes": self.nbytes, "graph_arcs": self.graph_arcs,
                "witness_searches": int(self.counters[0]), "witness_settled": int(self.counters[1])}

    def stats(self) -> dict[str, Any]:
        return {"settled": self.settled}


def _cache_key(options: dict[str, Any]) -> str:
    # defaults filled in, so ``build(g)`` and the solver's default options share one index
    return "ch:" + repr(sorted(CHSolver.check_options(options).items()))


def build(graph: Graph, **options: Any) -> ContractionHierarchy:
    """Contract ``graph``; the hierarchy is cached on the graph per option set."""
    key = _cache_key(options)
    if key not in graph.cache:
        graph.cache[key] = ContractionHierarchy(graph, **CHSolver.check_options(options))
    return graph.cache[key]


class CHSolver(PathSolver):
    """Contraction hierarchies: build (or reuse) the index, then bidirectional upward queries."""

    name = "ch"
    description = ("contraction hierarchies (numba): edge-difference order with lazy updates, witness "
                   "search, stall-on-demand queries, path unpacking, bucket many-to-many matrices; reports build "
                   "time and index size")
    OPTIONS = (
        Option("settle_limit", int, 200, "nodes a witness search may settle when contracting a node", low=1),
        Option("simulate_limit", int, 10, "nodes a witness search may settle when estimating importance", low=1),
        Option("update_neighbours", bool, False, "re-estimate the neighbours of each contracted node "
               "(slower build; with rounds=False only)"),
        Option("rounds", bool, True, "contract in rounds of independent nodes, their witness searches on "
               "every thread (the same hierarchy for any thread count); off: one node at a time"),
        Option("order", str, "quotient", "contraction order: RoutingKit's quotients (fewer shortcuts, "
               "faster build and queries), or the edge difference", choices=("difference", "quotient")),
    )

    def engine(self, problem: PathsProblem) -> ContractionHierarchy:
        self._cached = _cache_key(self.options) in problem.graph.cache
        return build(problem.graph, **self.options)

    @classmethod
    def prepare(cls) -> None:
        if getattr(cls, "_warm", False):
            return
        super().prepare()
        g = Graph.from_edges(3, [0, 1], [1, 2], [1.0, 1.0], directed=False)
        cls().solve(PathsProblem.many_to_many(g, [0, 1], [2, 0]), Budget(time_limit=60))

    def answer(self, problem, engine, deadline, meta):
        meta["index_cached"] = self._cached
        if problem.matrix and not problem.return_paths and problem.num_pairs:
            return self._bucket_matrix(problem, engine, deadline, meta)
        meta["method"] = "pairwise queries"
        return super().answer(problem, engine, deadline, meta)

    @staticmethod
    def _bucket_matrix(problem, engine, deadline, meta):
        """A many-to-many problem without paths: the bucket algorithm, source rows in chunks so
        that the time limit is checked between them (NaN rows where it came first)."""
        from .ch_matrix import source_rows, target_buckets
        us, si = np.unique(problem.sources, return_inverse=True)
        ut, ti = np.unique(problem.targets, return_inverse=True)
        buckets = target_buckets(engine, ut)
        rows = np.full((us.size, ut.size), np.nan)
        settled = buckets.settled
        done_rows = 0
        chunk = max(1, min(256, 2_000_000 // max(1, ut.size)))
        while done_rows < us.size and time.perf_counter() <= deadline:
            part, _, s = source_rows(engine, us[done_rows:done_rows + chunk], buckets)
            rows[done_rows:done_rows + part.shape[0]] = part
            settled += s
            done_rows += part.shape[0]
        dist = rows[si.reshape(-1)][:, ti.reshape(-1)].reshape(-1)
        meta.update({"method": "buckets", "bucket_entries": buckets.entries, "settled": int(settled),
                     "searches": int(ut.size + done_rows)})
        return dist, None, int(np.count_nonzero(~np.isnan(dist)))

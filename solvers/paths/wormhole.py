"""WormHole: sublinear approximate shortest paths on large power-law graphs (unweighted, undirected).

After Basu, Kōshima, Eden, Ben-Eliezer and Seshadhri, "A Sublinear Algorithm for Approximate
Shortest Paths in Large Networks" (WSDM 2025). The index (:mod:`.wormhole_core`) is a dense
*core* grown from the highest-degree node, each time adding the ring node (a neighbour of the
core) with the most links into it, with the hop distances between all pairs of core nodes; it
reads only the core's neighbourhoods.

A query (s, t) runs a bidirectional BFS in which core nodes are reached but never expanded, so the
search stays in the periphery. As soon as both sides have reached the core, the distance table
gives the best route through it (from the core nodes the s side has met to those the t side has
met). The periphery search then goes on only while it could still find something shorter and its
budget of scanned arcs lasts; its first meeting is the shortest path avoiding the core. The answer
is the better of the two routes.

Every answer carries a certified bound on its additive error, from two lower bounds: a path
avoiding the core is at least as long as the two BFS radii plus one (or the meeting, once found);
a path through the core at least d(s, core) + d(t, core), plus one when no core node is nearest
to both. ``max_error=k`` re-answers exactly (by BiBFS) any query whose bound exceeds ``k``.

>>> from routeopt.instances.paths.generate import chung_lu
>>> g = chung_lu(2000, seed=0, queries=0).graph
>>> wh = build(g, core_size=100)
>>> d, path, bound = wh.query(0, 1)
>>> len(path) - 1 == d and bound >= 0
True
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from numba import njit

from ...errors import UnsupportedError
from ...instances.paths.graph import Graph
from ...instances.paths.problem import PathsProblem, PathsSolution
from ..base import Option
from ._kernels import join, walk
from .bidirectional import BFSEngine
from .common import PathSolver
from .wormhole_core import core_adjacency, core_distances, grow_core


# ---------------------------------------------------------------------------------- queries
@njit(cache=True)
def _expand(indptr, indices, where, lv, pr, queue, lo, hi, other):
    """Expand one BFS level ``queue[lo:hi]`` (core nodes are reached, never expanded).

    Returns (new hi, frontier cost, meeting node or -1, scanned arcs, expanded nodes)."""
    end = hi
    cost = 0
    scanned = 0
    expanded = 0
    for q in range(lo, hi):
        u = queue[q]
        if where[u] >= 0:
            continue
        expanded += 1
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            scanned += 1
            if lv[v] < 0:
                lv[v] = lv[u] + 1
                pr[v] = u
                queue[end] = v
                end += 1
                if where[v] < 0:
                    cost += indptr[v + 1] - indptr[v]
                if other[v] >= 0:
                    return end, cost, v, scanned, expanded
    return end, cost, -1, scanned, expanded


@njit(cache=True)
def _core_search(queue_f, lo_f, hi_f, queue_b, lo_b, hi_b, where, dist):
    """Closest pair (in the core distance table) between the core nodes of ``queue_f[lo_f:hi_f]``
    and ``queue_b[lo_b:hi_b]``. Returns (hops or -1, core node near s, core node near t, pairs looked up)."""
    best, bi, bj, pairs = 255, -1, -1, 0
    for p in range(lo_f, hi_f):
        i = where[queue_f[p]]
        if i < 0:
            continue
        row = dist[i]
        for q in range(lo_b, hi_b):
            j = where[queue_b[q]]
            if j < 0:
                continue
            pairs += 1
            if row[j] < best:
                best, bi, bj = row[j], i, j
                if best == 0:
                    return 0, bi, bj, pairs
    if best == 255:
        return -1, -1, -1, pairs
    return best, bi, bj, pairs


@njit(cache=True)
def _core_route(tf, f_hi, lf, tb, b_hi, lb, where, dist, best):
    """Best route through the core over every core node either side has reached (at any level):
    ``lf[a] + dist[a, b] + lb[b]``. Returns (length, core node near s, core node near t), or
    ``best`` and -1s when nothing beats it."""
    bi, bj = -1, -1
    for p in range(f_hi):
        a = tf[p]
        i = where[a]
        if i < 0 or lf[a] >= best:
            continue
        row = dist[i]
        for q in range(b_hi):
            b = tb[q]
            j = where[b]
            if j < 0:
                continue
            total = lf[a] + row[j] + lb[b]
            if total < best:
                best, bi, bj = total, i, j
    return best, bi, bj


@njit(cache=True)
def _query(indptr, indices, where, core, cptr, cadj, cdist, s, t, budget, lf, pf, tf, lb, pb, tb):
    """One WormHole query. Returns (hops, lower bound, path, touched, expanded, route) with hops
    -1 when unreachable and route 0 periphery, 1 core, 2 unreachable. Leaves every array reset."""
    INF = 1 << 60
    lf[s] = 0
    tf[0] = s
    lb[t] = 0
    tb[0] = t
    f_lo, f_hi, b_lo, b_hi = 0, 1, 0, 1
    f_cost = indptr[s + 1] - indptr[s]
    b_cost = indptr[t + 1] - indptr[t]
    rf = 0 if where[s] >= 0 else -1               # level at which each side first reached the core
    rb = 0 if where[t] >= 0 else -1
    rf_lo, rf_hi, rb_lo, rb_hi = 0, 1, 0, 1       # queue slices holding those levels
    full_f = True                                  # was that level discovered completely?
    full_b = True
    meet = s if s == t else -1
    best = 0 if s == t else INF
    core_d, ci, cj = INF, -1, -1
    core_done = False
    scanned = 0
    expanded = 0
    while meet < 0:
        f_empty, b_empty = f_hi == f_lo, b_hi == b_lo
        if (f_empty and rf < 0) or (b_empty and rb < 0):
            break                                   # a side is closed off from the core: no path
        if rf >= 0 and rb >= 0 and not core_done:
            d, ci, cj, _ = _core_search(tf, rf_lo, rf_hi, tb, rb_lo, rb_hi, where, cdist)
            core_done = True
            if d >= 0:
                core_d = rf + rb + d
        if core_done:
            if f_empty or b_empty or lf[tf[f_lo]] + lb[tb[b_lo]] + 1 >= core_d or scanned >= budget:
                break
            forward = f_cost <= b_cost
        elif scanned >= budget or f_empty or b_empty:
            # walk on to the core: only the sides that have not reached it
            forward = rf < 0 and not f_empty and (rb >= 0 or b_empty or f_cost <= b_cost)
        else:
            forward = f_cost <= b_cost
        if forward:
            lo, hi = f_lo, f_hi
            end, cost, m, sc, e = _expand(indptr, indices, where, lf, pf, tf, lo, hi, lb)
            f_lo, f_hi, f_cost = hi, end, cost
            if rf < 0:
                for q in range(hi, end):
                    if where[tf[q]] >= 0:
                        rf, rf_lo, rf_hi, full_f = lf[tf[hi]], hi, end, m < 0
                        break
        else:
            lo, hi = b_lo, b_hi
            end, cost, m, sc, e = _expand(indptr, indices, where, lb, pb, tb, lo, hi, lf)
            b_lo, b_hi, b_cost = hi, end, cost
            if rb < 0:
                for q in range(hi, end):
                    if where[tb[q]] >= 0:
                        rb, rb_lo, rb_hi, full_b = lb[tb[hi]], hi, end, m < 0
                        break
        scanned += sc
        expanded += e
        if m >= 0:
            meet = m
            best = lf[m] + lb[m]
        elif core_done:
            better, bi, bj = _core_route(tf, f_hi, lf, tb, b_hi, lb, where, cdist, core_d)
            if bi >= 0:
                core_d, ci, cj = better, bi, bj
    if meet >= 0 and not core_done and rf >= 0 and rb >= 0 and s != t:
        d, ci, cj, _ = _core_search(tf, rf_lo, rf_hi, tb, rb_lo, rb_hi, where, cdist)
        core_done = True
        if d >= 0:
            core_d = rf + rb + d
    one_more = rf >= 0 and rb >= 0 and full_f and full_b and core_d > rf + rb   # no core node nearest to both
    if core_done and s != t:
        # core nodes met farther out by the periphery search may give a shorter route
        better, bi, bj = _core_route(tf, f_hi, lf, tb, b_hi, lb, where, cdist, core_d)
        if bi >= 0:
            core_d, ci, cj = better, bi, bj
    # lower bounds: paths avoiding the core, and paths through it
    if meet >= 0:
        low_p = best
    elif f_hi == f_lo or b_hi == b_lo:
        low_p = INF
    else:
        low_p = lf[tf[f_lo]] + lb[tb[b_lo]] + 1
    if rf >= 0 and rb >= 0:
        low_c = rf + rb + (1 if one_more else 0)
    else:
        # d(s, core) exceeds every level completed without meeting the core
        step = 0 if meet >= 0 else 1
        low_c = (rf if rf >= 0 else lf[tf[f_hi - 1]] + step) + (rb if rb >= 0 else lb[tb[b_hi - 1]] + step)
    low = min(low_p, low_c)
    route = 2
    hops = -1
    path = np.empty(0, dtype=np.int64)
    if best <= core_d and best < INF:
        route, hops = 0, best
        path = join(pf, pb, meet)
    elif core_d < INF:
        route, hops = 1, core_d
        k = cdist[ci, cj] + 1                      # core path ci -> cj: step to a core neighbour one closer
        inner = np.empty(k, dtype=np.int64)
        inner[0] = ci
        for i in range(1, k):
            u = inner[i - 1]
            for a in range(cptr[u], cptr[u + 1]):
                if cdist[cadj[a], cj] == k - 1 - i:
                    inner[i] = cadj[a]
                    break
        head = walk(pf, core[ci])
        tail = walk(pb, core[cj])[::-1]
        path = np.concatenate((head, core[inner[1:]], tail[1:]))
    touched = f_hi + b_hi
    for i in range(f_hi):
        lf[tf[i]] = -1
        pf[tf[i]] = -1
    for i in range(b_hi):
        lb[tb[i]] = -1
        pb[tb[i]] = -1
    if route == 2:
        low = INF
    return hops, low, path, touched, expanded, route


# ---------------------------------------------------------------------------------- engine and solver
class WormHole:
    """A built core; ``query(s, t) -> (hops, path, error bound)``; ``info()`` gives build time and size.

    ``core_size``: nodes in the core (default ``8 * sqrt(n)``, at least 16); ``budget``: arcs the
    periphery search may scan beyond what reaching the core needs (default 40);
    ``max_error``: re-answer exactly when the certified error bound exceeds it (None: never).
    """

    def __init__(self, graph: Graph, *, core_size: int | None = None, budget: int | None = None,
                 max_error: int | None = None):
        if graph.directed:
            raise UnsupportedError("WormHole works on undirected graphs")
        start, cpu = time.perf_counter(), time.process_time()
        n = graph.num_nodes
        root = math.sqrt(max(n, 1))
        self.core_size = int(core_size if core_size is not None else max(16, 8 * root))
        self.budget = int(budget if budget is not None else 40)
        self.max_error = max_error
        self.graph = graph
        self.core, self.where = grow_core(graph.indptr, graph.indices, self.core_size)
        self.cptr, self.cadj = core_adjacency(graph.indptr, graph.indices, self.core, self.where)
        k = self.core.size
        self.cdist = np.full((k, k), 255, dtype=np.uint8)
        core_distances(self.cptr, self.cadj, self.cdist)
        self.build_time = time.perf_counter() - start
        self.build_cpu_time = time.process_time() - cpu
        self.lf, self.pf, self.lb, self.pb = (np.full(n, -1, dtype=np.int64) for _ in range(4))
        self.tf, self.tb = np.empty(max(n, 1), dtype=np.int64), np.empty(max(n, 1), dtype=np.int64)
        self.exact_engine: BFSEngine | None = None
        self.touched = self.expanded = self.queries = self.fallbacks = 0
        self.last_touched = self.last_expanded = 0
        self.routes = np.zeros(3, dtype=np.int64)

    def query(self, s: int, t: int, want_path: bool = True) -> tuple[float, np.ndarray | None, float]:
        g = self.graph
        hops, low, path, touched, expanded, route = _query(
            g.indptr, g.indices, self.where, self.core, self.cptr, self.cadj, self.cdist, s, t, self.budget,
            self.lf, self.pf, self.tf, self.lb, self.pb, self.tb)
        dist = float(hops) if hops >= 0 else math.inf
        bound = dist - low if hops >= 0 else 0.0
        if self.max_error is not None and bound > self.max_error:
            if self.exact_engine is None:
                self.exact_engine = BFSEngine(g)
            dist, path = self.exact_engine.query(s, t, True)
            touched += self.exact_engine.last_touched
            expanded += self.exact_engine.last_expanded
            bound = 0.0
            self.fallbacks += 1
        self.routes[route] += 1
        self.queries += 1
        self.touched += touched
        self.expanded += expanded
        self.last_touched, self.last_expanded = touched, expanded
        return dist, (path if want_path and math.isfinite(dist) else None), bound

    def info(self) -> dict[str, Any]:
        return {"build_time": self.build_time, "build_cpu_time": self.build_cpu_time, "core_size": int(self.core.size),
                "core_arcs": int(self.cadj.size), "budget": self.budget,
                "index_bytes": int(sum(a.nbytes for a in (self.core, self.where, self.cptr, self.cadj, self.cdist)))}

    def stats(self) -> dict[str, Any]:
        q = max(self.queries, 1)
        return {"touched": self.touched, "expanded": self.expanded, "touched_per_query": self.touched / q,
                "periphery_routes": int(self.routes[0]), "core_routes": int(self.routes[1]),
                "exact_fallbacks": self.fallbacks}


def build(graph: Graph, **options: Any) -> WormHole:
    """Grow the core of ``graph`` (cached on the graph per option set)."""
    options = WormHoleSolver.check_options(options)    # defaults filled in: one key per actual set
    key = "wormhole:" + repr(sorted(options.items()))
    if key not in graph.cache:
        graph.cache[key] = WormHole(graph, **options)
    return graph.cache[key]


class WormHoleSolver(PathSolver):
    """WormHole: approximate hop distances with a certified additive error bound per pair."""

    name = "wormhole"
    kind = "heuristic"
    supports = frozenset()
    approximate = True
    description = ("WormHole (sublinear, approximate) on unweighted undirected graphs: core of hubs, "
                   "periphery BiBFS, routes through the core; certified additive error per query")
    OPTIONS = (
        Option("core_size", int, None, "nodes in the core (none: 8 sqrt(n), at least 16)", low=1, none_ok=True),
        Option("budget", int, 40, "arcs the periphery search may scan beyond what reaching the core needs",
               low=0),
        Option("max_error", int, None, "re-answer a pair exactly when its certified additive error bound "
               "exceeds this (none: never)", low=0, none_ok=True),
    )

    def engine(self, problem: PathsProblem) -> WormHole:
        return build(problem.graph, **self.options)

    def answer(self, problem, engine, deadline, meta):
        src, dst = problem.pair_arrays()
        want = problem.return_paths
        dist = np.full(src.size, np.nan)
        bounds = np.full(src.size, np.nan)
        paths: list | None = [None] * src.size if want else None
        done = 0
        for i in range(src.size):
            if time.perf_counter() > deadline:
                break
            dist[i], p, bounds[i] = engine.query(int(src[i]), int(dst[i]), want)
            if want:
                paths[i] = p
            done += 1
        meta.update(engine.stats())
        self._bounds = bounds
        return dist, paths, done

    def solution(self, problem, dist, paths, meta):
        bounds = self._bounds
        ok = np.isfinite(bounds)
        meta["certified_exact"] = int((bounds[ok] == 0).sum())
        meta["max_error_bound"] = float(bounds[ok].max()) if ok.any() else 0.0
        return PathsSolution(dist, paths, approximate=True, error_bounds=bounds)

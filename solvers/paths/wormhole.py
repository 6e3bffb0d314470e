"""WormHole: sublinear approximate shortest paths on large power-law graphs (unweighted, undirected).

After Basu, Kōshima, Eden, Ben-Eliezer and Seshadhri, "A Sublinear Algorithm for Approximate
Shortest Paths in Large Networks" (WSDM 2025). The index (:mod:`.wormhole_core`) is a dense
*core* grown from the highest-degree node, each time adding the ring node (a neighbour of the
core) with the most links into it, with the hop distances between all pairs of core nodes (in the
core with its bridges: outside nodes linking two core nodes); it reads only the core's
neighbourhoods. Its size follows the degree distribution (the top-degree nodes holding a quarter
of all arc ends), so that searches meet it after about the same work whatever the exponent.

A query (s, t) runs a bidirectional BFS in which core nodes are reached but never expanded, so the
search stays in the periphery. As soon as both sides have reached the core, the distance table
gives the best route through it (from the core nodes the s side has met to those the t side has
met). The periphery search then goes on only while it could still find something shorter and the
next level fits in its budget of scanned arcs; its first meeting is the shortest path avoiding the
core. Where a route could still be shorter, each side then steps once more toward the core through
its frontier's core links only. The answer is the better of the two routes.

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
from .wormhole_core import (automatic_core_size, bridged_adjacency, core_distances, core_path, grow_core,
                            ring_links, useful_bridges)
from .wormhole_search import core_route, core_search, expand, toward_core


# ---------------------------------------------------------------------------------- queries
@njit(cache=True)
def _query(indptr, indices, where, core, cptr, cadj, cnodes, cdist, rptr, radj, s, t, budget,
           lf, pf, tf, lb, pb, tb):
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
            d, ci, cj, _ = core_search(tf, rf_lo, rf_hi, tb, rb_lo, rb_hi, where, cdist)
            core_done = True
            if d >= 0:
                core_d = rf + rb + d
        if core_done:
            if (f_empty or b_empty or lf[tf[f_lo]] + lb[tb[b_lo]] + 1 >= core_d
                    or scanned + min(f_cost, b_cost) > budget):
                break
            forward = f_cost <= b_cost
        elif scanned >= budget or f_empty or b_empty:
            # walk on to the core: only the sides that have not reached it
            forward = rf < 0 and not f_empty and (rb >= 0 or b_empty or f_cost <= b_cost)
        else:
            forward = f_cost <= b_cost
        if forward:
            lo, hi = f_lo, f_hi
            end, cost, m, sc, e = expand(indptr, indices, where, lf, pf, tf, lo, hi, lb)
            f_lo, f_hi, f_cost = hi, end, cost
            if rf < 0:
                for q in range(hi, end):
                    if where[tf[q]] >= 0:
                        rf, rf_lo, rf_hi, full_f = lf[tf[hi]], hi, end, m < 0
                        break
        else:
            lo, hi = b_lo, b_hi
            end, cost, m, sc, e = expand(indptr, indices, where, lb, pb, tb, lo, hi, lf)
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
            better, bi, bj = core_route(tf, f_hi, lf, tb, b_hi, lb, where, cdist, core_d)
            if bi >= 0:
                core_d, ci, cj = better, bi, bj
    if meet >= 0 and not core_done and rf >= 0 and rb >= 0 and s != t:
        d, ci, cj, _ = core_search(tf, rf_lo, rf_hi, tb, rb_lo, rb_hi, where, cdist)
        core_done = True
        if d >= 0:
            core_d = rf + rb + d
    one_more = rf >= 0 and rb >= 0 and full_f and full_b and core_d > rf + rb   # no core node nearest to both
    if core_done and s != t:
        # core nodes met farther out by the periphery search may give a shorter route
        better, bi, bj = core_route(tf, f_hi, lf, tb, b_hi, lb, where, cdist, core_d)
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
    answer = min(best, core_d)
    if core_done and s != t and answer > low:
        # the best entry into the core is often one step past where the search stopped (on sparse
        # power laws most remaining errors are such); reaching it costs only the frontier's core
        # links. A side is looked past only if a route entering there could still be shorter.
        f_end, b_end = f_hi, b_hi
        if f_hi > f_lo and lf[tf[f_lo]] + 1 + rb < answer:
            f_end = toward_core(rptr, radj, core, where, lf, pf, tf, f_lo, f_hi)
        if b_hi > b_lo and rf + lb[tb[b_lo]] + 1 < answer:
            b_end = toward_core(rptr, radj, core, where, lb, pb, tb, b_lo, b_hi)
        f_hi, b_hi = f_end, b_end
        better, bi, bj = core_route(tf, f_hi, lf, tb, b_hi, lb, where, cdist, core_d)
        if bi >= 0:
            core_d, ci, cj = better, bi, bj
    route = 2
    hops = -1
    path = np.empty(0, dtype=np.int64)
    if best <= core_d and best < INF:
        route, hops = 0, best
        path = join(pf, pb, meet)
    elif core_d < INF:
        route, hops = 1, core_d
        inner = core_path(cptr, cadj, cnodes, cdist, ci, cj)
        head = walk(pf, core[ci])
        tail = walk(pb, core[cj])[::-1]
        path = np.concatenate((head, inner[1:], tail[1:]))
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

    ``core_size``: nodes in the core (None: chosen from the degree distribution, see
    :func:`.wormhole_core.automatic_core_size`); ``core_coverage``: the share of arc ends the
    top-degree nodes sizing an automatic core must hold; ``budget``: arcs the periphery search
    may scan in all once both sides reach the core, a level expanded only if it fits (default 40);
    ``max_error``: re-answer exactly when the certified error bound exceeds it (None: never).
    """

    def __init__(self, graph: Graph, *, core_size: int | None = None, core_coverage: float = 0.25,
                 budget: int | None = None, max_error: int | None = None):
        if graph.directed:
            raise UnsupportedError("WormHole works on undirected graphs")
        start, cpu = time.perf_counter(), time.process_time()
        n = graph.num_nodes
        self.core_rule = ("given" if core_size is not None
                          else f"automatic: top-degree nodes holding {core_coverage:g} of arc ends")
        self.core_size = int(core_size if core_size is not None else automatic_core_size(graph.indptr, core_coverage))
        self.budget = int(budget if budget is not None else 40)
        self.max_error = max_error
        self.graph = graph
        self.core, self.where = grow_core(graph.indptr, graph.indices, self.core_size)
        k = self.core.size
        self.cdist = np.full((k, k), 255, dtype=np.uint8)
        self.bridges = useful_bridges(graph.indptr, graph.indices, self.core, self.where)
        self.cptr, self.cadj, self.cnodes = bridged_adjacency(graph.indptr, graph.indices, self.core, self.where,
                                                              self.bridges)
        core_distances(self.cptr, self.cadj, self.cdist)
        self.rptr, self.radj = ring_links(graph.indptr, graph.indices, self.where)
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
            g.indptr, g.indices, self.where, self.core, self.cptr, self.cadj, self.cnodes, self.cdist,
            self.rptr, self.radj, s, t, self.budget,
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
                "core_rule": self.core_rule, "core_bridges": int(self.bridges.size), "core_arcs": int(self.cadj.size),
                "budget": self.budget,
                "index_bytes": int(sum(a.nbytes for a in (self.core, self.where, self.cptr, self.cadj, self.cnodes,
                                                          self.cdist, self.rptr, self.radj)))}

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
    """WormHole: approximate hop distances with a certified additive error bound per pair.

    The core size follows the degree distribution unless ``core_size`` is given: the top-degree
    nodes holding ``core_coverage`` (0.25) of all arc ends, at least ``8 sqrt(n)``, at most 16384.
    The result's metadata reports ``core_size``, ``core_rule``, ``certified_exact`` and
    ``max_error_bound``.
    """

    name = "wormhole"
    kind = "heuristic"
    supports = frozenset()
    approximate = True
    description = ("WormHole (sublinear, approximate) on unweighted undirected graphs: core of hubs, "
                   "periphery BiBFS, routes through the core; certified additive error per query")
    OPTIONS = (
        Option("core_size", int, None, "nodes in the core (none: automatic, as many as the top-degree nodes "
               "holding core_coverage of all arc ends, at least 8 sqrt(n), at most 16384)", low=1, none_ok=True),
        Option("core_coverage", float, 0.25, "share of arc ends the top-degree nodes sizing an automatic core "
               "hold (more: a larger core, fewer nodes touched, a longer build)", low=0.0, high=1.0),
        Option("budget", int, 40, "arcs the periphery search may scan in all once both sides reach the core "
               "(reaching it always finishes); a further level is expanded only if it fits", low=0),
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

"""Pricing of q-routes: the cheapest route of every load, by dynamic programming (compiled).

A q-route (Christofides, Mingozzi and Toth 1981) is a walk from the depot back to it whose
client demands add up to at most the capacity; a client may appear more than once, but never
as ``i -> j -> i`` (2-cycles are eliminated by keeping, for every state, the best and the best
second value reached from another predecessor). Every elementary route is a q-route, so the
cheapest q-route's reduced cost is a lower bound of the cheapest route's: the pricing is a
*relaxation*, and a bound computed from it is valid.

States are (load ``q``, last client ``k``); loads are integers and every client demands at least
one unit, so the states are visited in increasing load. Arc costs are the master's duals applied
to the edges (``cost``: symmetric, cut duals already subtracted) and the clients (``pi``), so the
reduced cost of a route ``0, v1, .., vm, 0`` is ``sum cost[arcs] - sum pi[v]`` (the vehicle dual is
the caller's). Work: ``Q * (arcs considered)``; ``indptr/nbr`` say which arcs (a sparse neighbour
graph while generating columns, the complete graph for a bound).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INF = 1e30


@njit(cache=True)
def qroutes(cost, pi, demand, Q, indptr, nbr):                    # pragma: no cover - compiled
    """Returns the best reduced cost of a route ending at each client and its load, the best
    reduced cost of a route of each load, the table of paths' costs by (load, last client)
    (close one at ``k`` with ``cost[k, 0]``), and the tables to rebuild a route (:func:`route`).
    ``indptr/nbr``: the clients each client may be reached from (symmetric costs: its
    neighbours). Each state pulls from its predecessors' states one load row below, a row of
    ``n`` values that stays in cache, rather than pushing to rows all over the table."""
    n = cost.shape[0]
    f1 = np.full((Q + 1, n), _INF)
    f2 = np.full((Q + 1, n), _INF)
    p1 = np.full((Q + 1, n), -1, np.int32)
    p2 = np.full((Q + 1, n), -1, np.int32)
    w1 = np.zeros((Q + 1, n), np.int8)      # which value of the predecessor's state was extended
    w2 = np.zeros((Q + 1, n), np.int8)
    for r in range(1, Q + 1):
        for m in range(1, n):
            q0 = r - demand[m]
            if q0 < 0:
                continue
            if q0 == 0:                      # the first client of a route
                f1[r, m] = cost[0, m] - pi[m]
                p1[r, m] = 0
                continue
            b1, b2 = _INF, _INF
            k1, k2 = -1, -1
            h1, h2 = 0, 0
            row = cost[m]                    # symmetric: cost[k, m], read along one row
            for e in range(indptr[m], indptr[m + 1]):
                k = nbr[e]
                v = f1[q0, k] + row[k]
                if v >= b2:
                    continue
                h = 0
                if p1[q0, k] == m:          # k was reached from m: extending it is a 2-cycle
                    v = f2[q0, k] + row[k]
                    h = 1
                    if v >= b2:
                        continue
                if v < b1:
                    b2, k2, h2 = b1, k1, h1
                    b1, k1, h1 = v, k, h
                else:
                    b2, k2, h2 = v, k, h
            if k1 >= 0 and b1 < _INF:
                f1[r, m], p1[r, m], w1[r, m] = b1 - pi[m], k1, h1
                if k2 >= 0 and b2 < _INF:
                    f2[r, m], p2[r, m], w2[r, m] = b2 - pi[m], k2, h2
    best = np.full(n, _INF)
    load = np.zeros(n, np.int64)
    per_load = np.full(Q + 1, _INF)
    for k in range(1, n):
        for q in range(1, Q + 1):
            if f1[q, k] < _INF:
                v = f1[q, k] + cost[k, 0]
                if v < best[k]:
                    best[k], load[k] = v, q
                if v < per_load[q]:
                    per_load[q] = v
    return best, load, per_load, f1, p1, p2, w1, w2


@njit(cache=True)
def route(k, q, demand, p1, p2, w1, w2):                          # pragma: no cover - compiled
    """The clients of the best q-route of load ``q`` ending at ``k``, from the depot on."""
    out = np.empty(q + 1, np.int64)
    size = 0
    which = 0
    while k != 0:
        out[size] = k
        size += 1
        if which == 0:
            pred, which = p1[q, k], w1[q, k]
        else:
            pred, which = p2[q, k], w2[q, k]
        q -= demand[k]
        k = pred
    return out[:size][::-1].copy()


def complete_graph(n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of every client's predecessors among the clients (the depot opens and closes
    routes by itself)."""
    nbr = np.tile(np.arange(n, dtype=np.int64), n - 1).reshape(n - 1, n)
    mask = nbr != np.arange(1, n)[:, None]
    mask[:, 0] = False
    counts = mask.sum(axis=1)
    indptr = np.zeros(n + 1, np.int64)
    indptr[2:] = np.cumsum(counts)
    return indptr, nbr[mask]




@njit(cache=True)
def through_edges(paths, cost, Q):                                # pragma: no cover - compiled
    """For every pair of clients ``(i, j)``, the cheapest reduced cost of a q-route that uses
    edge ``i-j``: a path from the depot to ``i`` (``paths[q1, i]``), the edge, and a path from the
    depot to ``j`` walked backwards (any load up to ``Q - q1``). 2-cycles where the two paths
    meet are not excluded, so the value is a lower bound (symmetric costs)."""
    n = cost.shape[0]
    upto = paths.copy()
    for q in range(1, Q + 1):
        for j in range(n):
            if upto[q - 1, j] < upto[q, j]:
                upto[q, j] = upto[q - 1, j]
    out = np.full((n, n), _INF)
    for i in range(1, n):
        for j in range(i + 1, n):
            best = _INF
            for q1 in range(1, Q):
                a = paths[q1, i]
                if a >= _INF:
                    continue
                b = upto[Q - q1, j]
                if a + b < best:
                    best = a + b
            if best < _INF:
                out[i, j] = out[j, i] = best + cost[i, j]
    return out


def ng_sets(cost: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Each client's ng-set (itself first, then its ``size - 1`` nearest clients) and the
    table ``shift[j, k, mask]``: the memory of a path ending at ``j`` (bits over j's set), as
    bits over k's set once it moves on to ``k`` (what ``k`` remembers of it, and ``k`` itself)."""
    n = cost.shape[0]
    size = min(size, n - 1)
    c = cost[1:, 1:].astype(float).copy()
    np.fill_diagonal(c, -np.inf)                      # itself first
    sets = np.argsort(c, axis=1)[:, :size] + 1
    sets = np.vstack([np.zeros((1, size), np.int64), sets])
    pos = np.full((n, n), -1, np.int64)               # pos[k, c]: c's bit in k's set
    for k in range(1, n):
        pos[k, sets[k]] = np.arange(size)
    masks = np.arange(1 << size)
    shift = np.zeros((n, n, 1 << size), np.uint16)
    for j in range(1, n):
        for k in range(1, n):
            if j == k:
                continue
            out = np.full(masks.size, 1, np.int64)    # k remembers itself (bit 0)
            for b in range(size):
                p = pos[k, sets[j, b]]
                if p >= 0:
                    out |= ((masks >> b) & 1) << p
            shift[j, k] = out
    return sets, shift, pos


@njit(cache=True)
def ngroutes(cost, pi, demand, Q, indptr, nbr, pos, shift):       # pragma: no cover - compiled
    """As :func:`qroutes`, for ng-routes (Baldacci, Mingozzi and Roberti 2011): a path may not
    return to a client its memory holds; the memory keeps, of the clients visited, those in the
    ng-set of each client since (``shift``). Every elementary route is an ng-route, so this too
    is a relaxation, and a far tighter one than q-routes. States (load, last client, memory) in a
    dense table: for small instances. Returns the same tuple as :func:`qroutes`, the paths'
    table being the best over memories, and the predecessor tables for :func:`ng_route`."""
    n = cost.shape[0]
    M = shift.shape[2]
    f = np.full((Q + 1, n, M), _INF)
    pn = np.full((Q + 1, n, M), -1, np.int16)
    pm = np.zeros((Q + 1, n, M), np.uint16)
    for k in range(1, n):
        if demand[k] <= Q:
            f[demand[k], k, 1] = cost[0, k] - pi[k]
    for q in range(1, Q + 1):
        for j in range(1, n):
            for mask in range(1, M, 2):            # bit 0 (j itself) is always set
                a = f[q, j, mask]
                if a >= _INF:
                    continue
                # dominated by the same load and a memory with one client less, whose every
                # extension is allowed here too and costs no more: nothing to extend
                dominated = False
                rest = mask >> 1
                b = 1
                while rest:
                    if rest & 1 and f[q, j, mask ^ (1 << b)] <= a:
                        dominated = True
                        break
                    rest >>= 1
                    b += 1
                if dominated:
                    continue
                for e in range(indptr[j], indptr[j + 1]):
                    k = nbr[e]
                    r = q + demand[k]
                    if r > Q:
                        continue
                    p = pos[j, k]
                    if p >= 0 and (mask >> p) & 1:
                        continue                    # k is in the memory: no return
                    v = a + cost[j, k] - pi[k]
                    m2 = shift[j, k, mask]
                    if v < f[r, k, m2]:
                        f[r, k, m2] = v
                        pn[r, k, m2] = j
                        pm[r, k, m2] = mask
    best = np.full(n, _INF)
    load = np.zeros(n, np.int64)
    memo = np.zeros(n, np.int64)
    per_load = np.full(Q + 1, _INF)
    paths = np.full((Q + 1, n), _INF)
    for k in range(1, n):
        for q in range(1, Q + 1):
            for mask in range(1, M, 2):
                a = f[q, k, mask]
                if a < paths[q, k]:
                    paths[q, k] = a
                if a < _INF:
                    v = a + cost[k, 0]
                    if v < best[k]:
                        best[k], load[k], memo[k] = v, q, mask
                    if v < per_load[q]:
                        per_load[q] = v
    return best, load, per_load, paths, memo, pn, pm, f


@njit(cache=True)
def ng_route(k, q, mask, demand, pn, pm):                         # pragma: no cover - compiled
    """The clients of the best ng-route of load ``q`` and memory ``mask`` ending at ``k``."""
    out = np.empty(q + 1, np.int64)
    size = 0
    while k > 0:
        out[size] = k
        size += 1
        j, m2 = pn[q, k, mask], pm[q, k, mask]
        q -= demand[k]
        k, mask = j, m2
    return out[:size][::-1].copy()


__all__ = ["qroutes", "route", "complete_graph", "through_edges", "ngroutes", "ng_route", "ng_sets"]

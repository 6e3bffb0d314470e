"""WormHole's search steps (numba): one periphery BFS level, the route through the core from what
both sides have reached, and the step from a frontier into the core through the ring index.
:func:`.wormhole._query` strings them together and certifies the answer.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def expand(indptr, indices, where, lv, pr, queue, lo, hi, other):
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
def core_search(queue_f, lo_f, hi_f, queue_b, lo_b, hi_b, where, dist):
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
def core_route(tf, f_hi, lf, tb, b_hi, lb, where, dist, best):
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
            if j < 0 or lf[a] + lb[b] >= best:            # the table adds >= 0: cannot win
                continue
            total = lf[a] + row[j] + lb[b]
            if total < best:
                best, bi, bj = total, i, j
    return best, bi, bj


@njit(cache=True)
def toward_core(rptr, radj, core, where, lv, pr, queue, lo, hi):
    """Core neighbours of the frontier ``queue[lo:hi]`` from the ring index, one level on: entry
    points one step beyond where the periphery search stopped, for the cost of the frontier's core
    links only. Returns the new end of the queue."""
    end = hi
    for q in range(lo, hi):
        u = queue[q]
        if where[u] >= 0:
            continue
        for a in range(rptr[u], rptr[u + 1]):
            v = core[radj[a]]
            if lv[v] < 0:
                lv[v] = lv[u] + 1
                pr[v] = u
                queue[end] = v
                end += 1
    return end

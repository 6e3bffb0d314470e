"""Contraction of a graph into a hierarchy (the preprocessing half of :mod:`.ch`), in numba.

Nodes are contracted least important first. Contracting ``v`` adds a shortcut ``u -> w`` (weight
``d(u,v) + d(v,w)``) for each in-neighbour ``u`` and out-neighbour ``w`` unless a witness search
(Dijkstra from ``u`` avoiding ``v``, capped in settled nodes) finds a path no longer. Importance
is the edge difference (shortcuts added - arcs removed) + contracted neighbours + level, or, with
``quotient``, RoutingKit's form: level + 2 * arcs added / arcs removed + hops added / hops removed
+ a quarter of the contracted neighbours. It is re-estimated lazily when a node is popped (the
node goes back if it is no longer the least important) and, optionally, for the neighbours of
each contracted node.

The remaining graph is kept as one block of entries (head, weight, arc id) per node and
direction, contiguous so that searches read memory in order; a full block moves to the end of
the arrays with twice the room, and entries of contracted nodes are swapped out when met. Every
arc ever created stays in the arc table (tail, head, weight, hops, halves): it is the hierarchy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import grow, heap_grow, heap_pop, heap_push


@njit(cache=True)
def _scan(start, length, node, to, w, ids, contracted):
    """Drop the entries of ``node``'s block that lead to contracted nodes; returns its length."""
    j, end = start[node], start[node] + length[node]
    while j < end:
        if contracted[to[j]]:
            end -= 1
            to[j], w[j], ids[j] = to[end], w[end], ids[end]
        else:
            j += 1
    length[node] = end - start[node]
    return length[node]


@njit(cache=True)
def _witness(o_start, o_len, o_to, o_w, o_id, contracted, source, skip, max_dist, limit, dist, touched,
             keys, items, target, n_targets, stats):
    """Dijkstra from ``source`` on the remaining graph, never entering ``skip``; stops once the
    ``n_targets`` nodes flagged in ``target`` are settled, beyond ``max_dist`` or ``limit`` nodes."""
    dist[source] = 0.0
    touched[0] = source
    count = 1
    size = heap_push(keys, items, 0, 0.0, source)
    settled = 0
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        if d > max_dist or settled >= limit:
            break
        settled += 1
        if target[u]:
            n_targets -= 1
            if n_targets == 0:
                break
        _scan(o_start, o_len, u, o_to, o_w, o_id, contracted)
        for j in range(o_start[u], o_start[u] + o_len[u]):
            x = o_to[j]
            if x == skip:
                continue
            nd = d + o_w[j]
            if nd < dist[x]:
                if dist[x] == np.inf:
                    touched[count] = x
                    count += 1
                dist[x] = nd
                if size >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                size = heap_push(keys, items, size, nd, x)
    stats[0] += 1
    stats[1] += settled
    return count, keys, items


@njit(cache=True)
def _append(start, length, cap, end, to, w, ids, node, head, weight, arc):
    """Add an entry to ``node``'s block, moving the block to the end when full; returns the new end."""
    if length[node] == cap[node]:
        new_cap = 2 * cap[node] + 2
        s = start[node]
        for j in range(length[node]):
            to[end + j], w[end + j], ids[end + j] = to[s + j], w[s + j], ids[s + j]
        start[node], cap[node] = end, new_cap
        end += new_cap
    j = start[node] + length[node]
    to[j], w[j], ids[j] = head, weight, arc
    length[node] += 1
    return end


@njit(cache=True)
def _contract(v, simulate, limit, o, i, arcs, aw, n_arcs, contracted, dist, touched, keys, items,
              nbr, nbr_w, nbr_id, target, stats):
    """Shortcuts needed to contract ``v`` (added unless ``simulate``). ``o``/``i`` are the block
    arrays of both directions (start, length, cap, end, to, w, id). Returns (shortcuts, their
    hops, arcs removed, their hops, arcs in the table, out end, in end, keys, items)."""
    o_start, o_len, o_cap, o_end, o_to, o_w, o_id = o
    i_start, i_len, i_cap, i_end, i_to, i_w, i_id = i
    n_out = _scan(o_start, o_len, v, o_to, o_w, o_id, contracted)
    n_in = _scan(i_start, i_len, v, i_to, i_w, i_id, contracted)
    removed_hops = 0
    max_out = 0.0
    for k in range(n_out):
        j = o_start[v] + k
        nbr[k], nbr_w[k], nbr_id[k] = o_to[j], o_w[j], o_id[j]
        removed_hops += arcs[o_id[j], 3]
        max_out = max(max_out, o_w[j])
    for k in range(n_out):
        target[nbr[k]] = True
    shortcuts = 0
    added_hops = 0
    for k in range(n_in):
        j = i_start[v] + k
        u, w_in, e_in = i_to[j], i_w[j], i_id[j]
        h_in = arcs[e_in, 3]
        removed_hops += h_in
        if n_out == 0 or (n_out == 1 and nbr[0] == u):
            continue
        count, keys, items = _witness(o_start, o_len, o_to, o_w, o_id, contracted, u, v, w_in + max_out, limit,
                                      dist, touched, keys, items, target, n_out, stats)
        for q in range(n_out):
            x = nbr[q]
            need = w_in + nbr_w[q]
            if x == u or dist[x] <= need:
                continue                                  # a witness path is no longer
            shortcuts += 1
            hops = h_in + arcs[nbr_id[q], 3]
            added_hops += hops
            if simulate:
                continue
            f = -1
            for jj in range(o_start[u], o_start[u] + o_len[u]):
                if o_to[jj] == x:
                    f = jj
                    break
            if f >= 0:
                if need < o_w[f]:                          # a cheaper arc u -> x: update both copies
                    o_w[f] = need
                    e = o_id[f]
                    for jj in range(i_start[x], i_start[x] + i_len[x]):
                        if i_to[jj] == u:
                            i_w[jj] = need
                            break
                    aw[e] = need
                    arcs[e, 2], arcs[e, 3], arcs[e, 4], arcs[e, 5] = v, hops, e_in, nbr_id[q]
            else:
                e = n_arcs
                n_arcs += 1
                arcs[e, 0], arcs[e, 1], arcs[e, 2], arcs[e, 3], arcs[e, 4], arcs[e, 5] = u, x, v, hops, e_in, nbr_id[q]
                aw[e] = need
                o_end = _append(o_start, o_len, o_cap, o_end, o_to, o_w, o_id, u, x, need, e)
                i_end = _append(i_start, i_len, i_cap, i_end, i_to, i_w, i_id, x, u, need, e)
        for q in range(count):
            dist[touched[q]] = np.inf
    for k in range(n_out):
        target[nbr[k]] = False
    return shortcuts, added_hops, n_in + n_out, removed_hops, n_arcs, o_end, i_end, keys, items


@njit(cache=True)
def _importance(shortcuts, added_hops, removed, removed_hops, level, deleted, quotient):
    if removed == 0:
        return 0.0
    if quotient:
        return level + 2.0 * shortcuts / removed + added_hops / max(removed_hops, 1) + 0.25 * deleted
    return 1.0 * (shortcuts - removed) + deleted + level


@njit(cache=True)
def _blocks(n, group, other, weights, ids):
    """Blocks of one direction, with room to grow: (start, length, cap, end, to, w, id)."""
    length = np.bincount(group, minlength=n).astype(np.int64)
    cap = length + 2
    start = np.zeros(n, dtype=np.int64)
    for v in range(1, n):
        start[v] = start[v - 1] + cap[v - 1]
    end = start[n - 1] + cap[n - 1] if n > 0 else 0
    size = 2 * end + 16
    to = np.empty(size, dtype=np.int64)
    w = np.empty(size)
    idx = np.empty(size, dtype=np.int64)
    fill = start.copy()
    for a in range(group.shape[0]):
        g = group[a]
        to[fill[g]], w[fill[g]], idx[fill[g]] = other[a], weights[a], ids[a]
        fill[g] += 1
    return start, length, cap, end, to, w, idx


@njit(cache=True)
def build_hierarchy(n, tails, heads, weights, limit_simulate, limit_contract, update_neighbours, quotient, stats):
    """Contract every node. Returns the arc table (tail, head, middle, hops, half 1, half 2; -1
    halves for original arcs), the arc weights and each node's rank in the order.
    ``stats`` counts witness searches and the nodes they settled."""
    m = tails.shape[0]
    ids = np.arange(m)
    arcs = np.empty((max(2 * m, 16), 6), dtype=np.int64)
    aw = np.empty(arcs.shape[0])
    for a in range(m):
        arcs[a, 0], arcs[a, 1], arcs[a, 2], arcs[a, 3], arcs[a, 4], arcs[a, 5] = tails[a], heads[a], -1, 1, -1, -1
        aw[a] = weights[a]
    n_arcs = m
    o_start, o_len, o_cap, o_end, o_to, o_w, o_id = _blocks(n, tails, heads, weights, ids)
    i_start, i_len, i_cap, i_end, i_to, i_w, i_id = _blocks(n, heads, tails, weights, ids)
    contracted = np.zeros(n, dtype=np.bool_)
    deleted = np.zeros(n, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    dist = np.full(n, np.inf)
    touched = np.empty(max(n, 1), dtype=np.int64)
    keys = np.empty(256)
    items = np.empty(256, dtype=np.int64)
    nbr = np.empty(max(n, 1), dtype=np.int64)
    nbr_w = np.empty(max(n, 1))
    nbr_id = np.empty(max(n, 1), dtype=np.int64)
    target = np.zeros(max(n, 1), dtype=np.bool_)
    prio = np.empty(n)
    qk = np.empty(n + 16)
    qi = np.empty(n + 16, dtype=np.int64)
    qs = 0
    for v in range(n):
        o = (o_start, o_len, o_cap, o_end, o_to, o_w, o_id)
        i = (i_start, i_len, i_cap, i_end, i_to, i_w, i_id)
        s, sh, r, rh, n_arcs, o_end, i_end, keys, items = _contract(v, True, limit_simulate, o, i, arcs, aw, n_arcs,
                                                                    contracted, dist, touched, keys, items,
                                                                    nbr, nbr_w, nbr_id, target, stats)
        prio[v] = _importance(s, sh, r, rh, 0, 0, quotient)
        qs = heap_push(qk, qi, qs, prio[v], v)
    rank = np.full(n, -1, dtype=np.int64)
    nxt = 0
    while qs > 0:
        p, v, qs = heap_pop(qk, qi, qs)
        if contracted[v] or p != prio[v]:
            continue
        o = (o_start, o_len, o_cap, o_end, o_to, o_w, o_id)
        i = (i_start, i_len, i_cap, i_end, i_to, i_w, i_id)
        s, sh, r, rh, n_arcs, o_end, i_end, keys, items = _contract(v, True, limit_simulate, o, i, arcs, aw, n_arcs,
                                                                    contracted, dist, touched, keys, items,
                                                                    nbr, nbr_w, nbr_id, target, stats)
        fresh = _importance(s, sh, r, rh, level[v], deleted[v], quotient)
        while qs > 0 and (contracted[qi[0]] or qk[0] != prio[qi[0]]):
            _, _, qs = heap_pop(qk, qi, qs)                    # drop stale entries before comparing
        if qs > 0 and fresh > qk[0]:
            prio[v] = fresh                                   # lazy update: no longer the least important
            if qs >= qk.shape[0]:
                qk, qi = heap_grow(qk, qi)
            qs = heap_push(qk, qi, qs, fresh, v)
            continue
        # room for the worst case: every shortcut new, every touched block moved
        n_out, n_in = o_len[v], i_len[v]
        need_o = o_end + 8
        for k in range(n_in):
            need_o += 4 * (o_cap[i_to[i_start[v] + k]] + n_out) + 8
        need_i = i_end + 8
        for k in range(n_out):
            need_i += 4 * (i_cap[o_to[o_start[v] + k]] + n_in) + 8
        if need_o > o_to.shape[0]:
            o_to, o_w, o_id = grow(o_to, need_o), grow(o_w, need_o), grow(o_id, need_o)
        if need_i > i_to.shape[0]:
            i_to, i_w, i_id = grow(i_to, need_i), grow(i_w, need_i), grow(i_id, need_i)
        need = n_arcs + n_in * n_out + 1
        if need > arcs.shape[0]:
            grown = np.empty((max(2 * arcs.shape[0], need), 6), dtype=np.int64)
            grown[:n_arcs] = arcs[:n_arcs]
            arcs = grown
            aw = grow(aw, need)
        o = (o_start, o_len, o_cap, o_end, o_to, o_w, o_id)
        i = (i_start, i_len, i_cap, i_end, i_to, i_w, i_id)
        s, sh, r, rh, n_arcs, o_end, i_end, keys, items = _contract(v, False, limit_contract, o, i, arcs, aw, n_arcs,
                                                                    contracted, dist, touched, keys, items,
                                                                    nbr, nbr_w, nbr_id, target, stats)
        contracted[v] = True
        rank[v] = nxt
        nxt += 1
        for side in range(2):                  # neighbours: one more contracted neighbour, a level above v
            start, length, to = (o_start, o_len, o_to) if side == 0 else (i_start, i_len, i_to)
            for j in range(start[v], start[v] + length[v]):
                u = to[j]
                if contracted[u]:
                    continue
                deleted[u] += 1
                level[u] = max(level[u], level[v] + 1)
                if update_neighbours:
                    o = (o_start, o_len, o_cap, o_end, o_to, o_w, o_id)
                    i = (i_start, i_len, i_cap, i_end, i_to, i_w, i_id)
                    s, sh, r, rh, n_arcs, o_end, i_end, keys, items = _contract(
                        u, True, limit_simulate, o, i, arcs, aw, n_arcs, contracted, dist, touched, keys, items,
                        nbr, nbr_w, nbr_id, target, stats)
                    fresh = _importance(s, sh, r, rh, level[u], deleted[u], quotient)
                    if fresh != prio[u]:
                        prio[u] = fresh
                        if qs >= qk.shape[0]:
                            qk, qi = heap_grow(qk, qi)
                        qs = heap_push(qk, qi, qs, fresh, u)
    return arcs[:n_arcs].copy(), aw[:n_arcs].copy(), rank

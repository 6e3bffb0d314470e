"""Contraction of a graph into a hierarchy (the preprocessing half of :mod:`.ch`), in numba.

Nodes are contracted least important first. Contracting ``v`` adds a shortcut ``u -> w`` (weight
``d(u,v) + d(v,w)``) for each in-neighbour ``u`` and out-neighbour ``w`` unless a witness search
(Dijkstra from ``u`` avoiding ``v``, capped in settled nodes) finds a path no longer. Importance
is the edge difference (shortcuts added - arcs removed) + contracted neighbours + level, or, with
``quotient``, RoutingKit's form: level + 2 * arcs added / arcs removed + hops added / hops removed
+ a quarter of the contracted neighbours. It is re-estimated lazily when a node is popped (the
node goes back if it is no longer the least important) and, optionally, for the neighbours of
each contracted node.

Where the time goes (200,000-node generated road network): the witness searches, about 12 nodes
settled each, most of them in re-estimations of popped nodes late in the contraction, when
degrees have grown. Hence: a popped node is re-estimated only if a neighbour was contracted
since its last estimate (otherwise the estimate is exact and it is contracted at once); a
re-estimate under the contraction's own limit is applied as it is, shortcuts included, instead
of being searched again; re-estimates use a small settle limit (10), which changes the order
little (about 2 % more shortcuts) and halves the nodes settled.

By default the contraction runs in rounds of independent nodes on several threads
(:mod:`.ch_parallel`, built from the pieces here); :func:`_contract_all` goes one node at a time.

The remaining graph is kept as one block of entries (head, weight, arc id) per node and
direction, contiguous so that searches read memory in order; a full block moves to the end of
the arrays with twice the room, and entries of contracted nodes are swapped out when met. Every
arc ever created stays in the arc table (tail, head, weight, hops, halves): it is the hierarchy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

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
             keys, items, target, n_targets, stats, swap):
    """Dijkstra from ``source`` on the remaining graph, never entering ``skip``; stops once the
    ``n_targets`` nodes flagged in ``target`` are settled, beyond ``max_dist`` or ``limit`` nodes.
    ``stats``: searches, nodes settled and, if it has a third entry, searches cut by ``limit``.
    With ``swap``, entries of contracted nodes are dropped from the blocks it reads; without, they
    are only skipped, so that searches on several threads may share the blocks."""
    dist[source] = 0.0
    touched[0] = source
    count = 1
    size = heap_push(keys, items, 0, 0.0, source)
    settled = 0
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        if d > max_dist:
            break
        if settled >= limit:
            if stats.shape[0] > 2:
                stats[2] += 1                    # cut by the limit: a larger one might find a witness
            break
        settled += 1
        if target[u]:
            n_targets -= 1
            if n_targets == 0:
                break
        j, end = o_start[u], o_start[u] + o_len[u]
        while j < end:                           # _scan's clean-up and the relaxation in one pass
            x = o_to[j]
            if contracted[x]:
                if swap:
                    end -= 1
                    o_to[j], o_w[j], o_id[j] = o_to[end], o_w[end], o_id[end]
                else:
                    j += 1
                continue
            j += 1
            if x == skip:
                continue
            nd = d + o_w[j - 1]
            if nd < dist[x]:
                if dist[x] == np.inf:
                    touched[count] = x
                    count += 1
                dist[x] = nd
                if size >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                size = heap_push(keys, items, size, nd, x)
        if swap:
            o_len[u] = end - o_start[u]
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
def _contract(v, limit, o, i, arcs, contracted, dist, touched, keys, items, nbr, nbr_w, nbr_id, target, stats, buf,
              swap=True):
    """Shortcuts needed to contract ``v``, found by witness searches on the remaining graph and
    written to ``buf`` (rows: tail, head, in arc, out arc, hops; weights in ``buf_w``) without
    changing the graph, so that a simulation whose node is then contracted is applied as it is
    (:func:`_apply`) rather than searched again. ``o``/``i`` are the block arrays of both
    directions (start, length, cap, end, to, w, id). Returns (shortcuts, their hops, arcs removed,
    their hops, keys, items, buf, buf_w)."""
    o_start, o_len, o_cap, o_end, o_to, o_w, o_id = o
    i_start, i_len, i_cap, i_end, i_to, i_w, i_id = i
    rows, buf_w = buf
    n_out = _scan(o_start, o_len, v, o_to, o_w, o_id, contracted)
    n_in = _scan(i_start, i_len, v, i_to, i_w, i_id, contracted)
    if n_in * n_out > rows.shape[0]:
        rows = np.empty((2 * n_in * n_out, 5), dtype=np.int64)
        buf_w = np.empty(2 * n_in * n_out)
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
                                      dist, touched, keys, items, target, n_out, stats, swap)
        for q in range(n_out):
            x = nbr[q]
            need = w_in + nbr_w[q]
            if x == u or dist[x] <= need:
                continue                                  # a witness path is no longer
            hops = h_in + arcs[nbr_id[q], 3]
            rows[shortcuts, 0], rows[shortcuts, 1], rows[shortcuts, 2] = u, x, e_in
            rows[shortcuts, 3], rows[shortcuts, 4] = nbr_id[q], hops
            buf_w[shortcuts] = need
            shortcuts += 1
            added_hops += hops
        for q in range(count):
            dist[touched[q]] = np.inf
    for k in range(n_out):
        target[nbr[k]] = False
    return shortcuts, added_hops, n_in + n_out, removed_hops, keys, items, rows, buf_w


@njit(cache=True)
def _apply(v, count, rows, buf_w, o, i, arcs, aw, n_arcs):
    """Add the ``count`` shortcuts of ``rows`` (through ``v``), or lower an existing arc u -> x in
    place (both block copies and the table). Returns (arcs in the table, out end, in end)."""
    o_start, o_len, o_cap, o_end, o_to, o_w, o_id = o
    i_start, i_len, i_cap, i_end, i_to, i_w, i_id = i
    for r in range(count):
        u, x, e_in, e_out, hops = rows[r, 0], rows[r, 1], rows[r, 2], rows[r, 3], rows[r, 4]
        need = buf_w[r]
        f = -1
        for jj in range(o_start[u], o_start[u] + o_len[u]):
            if o_to[jj] == x:
                f = jj
                break
        if f >= 0:
            if need < o_w[f]:
                o_w[f] = need
                e = o_id[f]
                for jj in range(i_start[x], i_start[x] + i_len[x]):
                    if i_to[jj] == u:
                        i_w[jj] = need
                        break
                aw[e] = need
                arcs[e, 2], arcs[e, 3], arcs[e, 4], arcs[e, 5] = v, hops, e_in, e_out
        else:
            e = n_arcs
            n_arcs += 1
            arcs[e, 0], arcs[e, 1], arcs[e, 2], arcs[e, 3], arcs[e, 4], arcs[e, 5] = u, x, v, hops, e_in, e_out
            aw[e] = need
            o_end = _append(o_start, o_len, o_cap, o_end, o_to, o_w, o_id, u, x, need, e)
            i_end = _append(i_start, i_len, i_cap, i_end, i_to, i_w, i_id, x, u, need, e)
    return n_arcs, o_end, i_end


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
    to = np.empty(size, dtype=np.int32)
    w = np.empty(size)
    idx = np.empty(size, dtype=np.int32)
    fill = start.copy()
    for a in range(group.shape[0]):
        g = group[a]
        to[fill[g]], w[fill[g]], idx[fill[g]] = other[a], weights[a], ids[a]
        fill[g] += 1
    return start, length, cap, end, to, w, idx


@njit(cache=True)
def _prepare(n, tails, heads, weights):
    """The arc table (original arcs), their weights and the blocks of both directions."""
    m = tails.shape[0]
    ids = np.arange(m)
    arcs = np.empty((max(2 * m, 16), 6), dtype=np.int64)
    aw = np.empty(arcs.shape[0])
    for a in range(m):
        arcs[a, 0], arcs[a, 1], arcs[a, 2], arcs[a, 3], arcs[a, 4], arcs[a, 5] = tails[a], heads[a], -1, 1, -1, -1
        aw[a] = weights[a]
    return arcs, aw, _blocks(n, tails, heads, weights, ids), _blocks(n, heads, tails, weights, ids)


@njit(cache=True, parallel=True)
def _initial(n, o, i, arcs, limit, quotient, threads, stats):
    """Every node's first importance estimate, nodes split in one range per thread. Nothing is
    contracted yet, so the searches only read the graph (``_scan`` finds nothing to drop)."""
    prio = np.empty(n)
    counts = np.zeros((threads, 2), dtype=np.int64)
    contracted = np.zeros(n, dtype=np.bool_)
    width = max(1, max(np.max(o[1]), np.max(i[1])) if n > 0 else 1)
    for k in prange(threads):
        dist = np.full(n, np.inf)
        touched = np.empty(max(n, 1), dtype=np.int64)
        target = np.zeros(max(n, 1), dtype=np.bool_)
        keys, items = np.empty(256), np.empty(256, dtype=np.int64)
        nbr, nbr_w, nbr_id = np.empty(width, dtype=np.int64), np.empty(width), np.empty(width, dtype=np.int64)
        buf = (np.empty((64, 5), dtype=np.int64), np.empty(64))
        st = np.zeros(2, dtype=np.int64)
        for v in range(k * n // threads, (k + 1) * n // threads):
            s, sh, r, rh, keys, items, rows, buf_w = _contract(v, limit, o, i, arcs, contracted, dist, touched, keys,
                                                               items, nbr, nbr_w, nbr_id, target, st, buf)
            buf = (rows, buf_w)
            prio[v] = _importance(s, sh, r, rh, 0, 0, quotient)
        counts[k, 0], counts[k, 1] = st[0], st[1]
    stats[0] += counts[:, 0].sum()
    stats[1] += counts[:, 1].sum()
    return prio


def build_hierarchy(n, tails, heads, weights, limit_simulate, limit_contract, update_neighbours, quotient, stats,
                    threads=1, rounds=True):
    """Contract every node. Returns the arc table (tail, head, middle, hops, half 1, half 2; -1
    halves for original arcs), the arc weights and each node's rank in the order.
    ``stats`` counts witness searches and the nodes they settled. The first estimates of every
    node's importance are independent and run on ``threads`` threads; so does the contraction
    with ``rounds`` (:mod:`.ch_parallel`: rounds of independent nodes, faster even on one thread);
    without, it is sequential, one node at a time (``update_neighbours`` applies to it only)."""
    threads = max(1, int(threads))
    arcs, aw, o, i = _prepare(n, tails, heads, weights)
    prio = _initial(n, o, i, arcs, limit_simulate, quotient, threads, stats)
    if rounds:
        from .ch_parallel import contract_rounds
        return contract_rounds(n, tails.shape[0], arcs, aw, o, i, prio, limit_simulate, limit_contract, quotient,
                               threads, stats)
    return _contract_all(n, tails.shape[0], arcs, aw, o, i, prio, limit_simulate, limit_contract, update_neighbours,
                         quotient, stats)


@njit(cache=True)
def _reserve(v, s, o, i, arcs, aw, n_arcs):
    """Room for contracting ``v`` with ``s`` shortcuts in the worst case (every shortcut new,
    every touched block moved): the graph's arrays and the arc table, grown where short."""
    o_start, o_len, o_cap, o_end, o_to, o_w, o_id = o
    i_start, i_len, i_cap, i_end, i_to, i_w, i_id = i
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
    need = n_arcs + s + 1
    if need > arcs.shape[0]:
        grown = np.empty((max(2 * arcs.shape[0], need), 6), dtype=np.int64)
        grown[:n_arcs] = arcs[:n_arcs]
        arcs = grown
        aw = grow(aw, need)
    return (o_start, o_len, o_cap, o_end, o_to, o_w, o_id), (i_start, i_len, i_cap, i_end, i_to, i_w, i_id), arcs, aw


@njit(cache=True)
def _contract_all(n, m, arcs, aw, o, i, prio, limit_simulate, limit_contract, update_neighbours, quotient, stats):
    """The contraction proper, least important node first, from the first estimates ``prio``."""
    n_arcs = m
    o_start, o_len, o_cap, o_end, o_to, o_w, o_id = o
    i_start, i_len, i_cap, i_end, i_to, i_w, i_id = i
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
    qk = np.empty(n + 16)
    qi = np.empty(n + 16, dtype=np.int64)
    qs = 0
    buf = (np.empty((64, 5), dtype=np.int64), np.empty(64))
    # dirty: a neighbour was contracted since the node's importance was last estimated; a clean
    # node's estimate is still exact, so it is contracted when popped without a new simulation
    dirty = np.zeros(n, dtype=np.bool_)
    for v in range(n):
        qs = heap_push(qk, qi, qs, prio[v], v)
    rank = np.full(n, -1, dtype=np.int64)
    nxt = 0
    while qs > 0:
        p, v, qs = heap_pop(qk, qi, qs)
        if contracted[v] or p != prio[v]:
            continue
        o = (o_start, o_len, o_cap, o_end, o_to, o_w, o_id)
        i = (i_start, i_len, i_cap, i_end, i_to, i_w, i_id)
        dirty_sim_applies = dirty[v] and limit_simulate == limit_contract
        if dirty[v]:
            dirty[v] = False
            s, sh, r, rh, keys, items, rows, buf_w = _contract(v, limit_simulate, o, i, arcs, contracted, dist,
                                                               touched, keys, items, nbr, nbr_w, nbr_id, target,
                                                               stats, buf)
            buf = (rows, buf_w)
            fresh = _importance(s, sh, r, rh, level[v], deleted[v], quotient)
            while qs > 0 and (contracted[qi[0]] or qk[0] != prio[qi[0]]):
                _, _, qs = heap_pop(qk, qi, qs)                # drop stale entries before comparing
            if qs > 0 and fresh > qk[0]:
                prio[v] = fresh                               # lazy update: no longer the least important
                if qs >= qk.shape[0]:
                    qk, qi = heap_grow(qk, qi)
                qs = heap_push(qk, qi, qs, fresh, v)
                continue
        if not dirty_sim_applies:
            # the contraction's own searches (a clean node's estimate is exact, but its shortcuts
            # were not kept; a simulation under a smaller limit may have missed witnesses)
            s, sh, r, rh, keys, items, rows, buf_w = _contract(v, limit_contract, o, i, arcs, contracted, dist,
                                                               touched, keys, items, nbr, nbr_w, nbr_id, target,
                                                               stats, buf)
            buf = (rows, buf_w)
        o, i, arcs, aw = _reserve(v, s, (o_start, o_len, o_cap, o_end, o_to, o_w, o_id),
                                  (i_start, i_len, i_cap, i_end, i_to, i_w, i_id), arcs, aw, n_arcs)
        o_start, o_len, o_cap, o_end, o_to, o_w, o_id = o
        i_start, i_len, i_cap, i_end, i_to, i_w, i_id = i
        n_arcs, o_end, i_end = _apply(v, s, rows, buf_w, o, i, arcs, aw, n_arcs)
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
                dirty[u] = True
                if update_neighbours:
                    o = (o_start, o_len, o_cap, o_end, o_to, o_w, o_id)
                    i = (i_start, i_len, i_cap, i_end, i_to, i_w, i_id)
                    s, sh, r, rh, keys, items, rows, buf_w = _contract(
                        u, limit_simulate, o, i, arcs, contracted, dist, touched, keys, items,
                        nbr, nbr_w, nbr_id, target, stats, buf)
                    buf = (rows, buf_w)
                    fresh = _importance(s, sh, r, rh, level[u], deleted[u], quotient)
                    if fresh != prio[u]:
                        prio[u] = fresh
                        if qs >= qk.shape[0]:
                            qk, qi = heap_grow(qk, qi)
                        qs = heap_push(qk, qi, qs, fresh, u)
    return arcs[:n_arcs].copy(), aw[:n_arcs].copy(), rank

"""WormHole's index: the core grown from the hubs, its bridges, and hop distances between all its pairs.

Its size, unless given, is :func:`automatic_core_size`. The core starts at the highest-degree
node and grows by the ring node (a neighbour of the core) with the most links into it, ties to
the higher degree; only the core's neighbourhoods are read.

Distances between core nodes are taken in the core *with its bridges*: the nodes outside the core
with two or more core neighbours (less those a hub makes useless). On sparser power laws (exponent
near 3) the core alone is thin, and an eighth of its pairs are farther apart inside it than in the
graph; nearly all of those shortest paths step out of the core through one such node (measured on
Chung-Lu graphs, exponent 2.9: 12 % of pairs too long inside the core, 1 % with bridges). Every
tabled distance is the length of a real path, so a route through the core never understates one.
They are found by breadth-first search from 64 sources at a time, one bit per source, and stored in
one byte each (255: farther than 254 hops or unreachable).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import heap_grow, heap_pop, heap_push


MAX_CORE = 16_384          # the distance table is k * k bytes: 256 MiB at this size


def automatic_core_size(indptr: np.ndarray, coverage: float) -> int:
    """The core size read from the degree distribution: as many nodes as the top-degree ones that
    hold ``coverage`` of all arc ends, at least ``8 sqrt(n)`` (and 16), at most ``MAX_CORE``.

    A random arc end lies in such a core with probability ``coverage``, so a search meets the core
    after about the same work whatever the power-law exponent: with hubs (exponent near 2) a few
    hundred nodes hold it and the ``8 sqrt(n)`` floor rules; with weak hubs (near 3) it takes
    many more (300,000 nodes, 0.22 of arc ends: about 4,400 nodes at 2.5, 12,000 at 2.9).
    """
    n = indptr.shape[0] - 1
    if n == 0:
        return 0
    degrees = np.sort(np.diff(indptr))[::-1]
    total = int(degrees.sum())
    covering = int(np.searchsorted(np.cumsum(degrees), coverage * total)) + 1 if total else 0
    return int(min(n, MAX_CORE, max(16, 8 * np.sqrt(n), covering)))


@njit(cache=True)
def grow_core(indptr, indices, size):
    """Core nodes in the order added, and each node's position in the core (-1 outside)."""
    n = indptr.shape[0] - 1
    deg = indptr[1:] - indptr[:-1]
    big = float(deg.max() + 1) if n > 0 else 1.0
    links = np.zeros(n, dtype=np.int64)
    where = np.full(n, -1, dtype=np.int64)
    core = np.empty(min(size, n), dtype=np.int64)
    keys = np.empty(1024)
    items = np.empty(1024, dtype=np.int64)
    heap = 0
    if n > 0:
        seed = deg.argmax()
        heap = heap_push(keys, items, 0, -float(deg[seed]), seed)
    count = 0
    while heap > 0 and count < core.shape[0]:
        key, v, heap = heap_pop(keys, items, heap)
        if where[v] >= 0 or -key != links[v] * big + deg[v]:
            continue                                    # in the core already, or a stale entry
        where[v] = count
        core[count] = v
        count += 1
        for a in range(indptr[v], indptr[v + 1]):
            x = indices[a]
            if where[x] < 0:
                links[x] += 1
                if heap >= keys.shape[0]:
                    keys, items = heap_grow(keys, items)
                heap = heap_push(keys, items, heap, -(links[x] * big + deg[x]), x)
    return core[:count].copy(), where


@njit(cache=True)
def useful_bridges(indptr, indices, core, where):
    """Nodes outside the core with two or more core neighbours, less those whose core neighbours
    all are, or link to, one of the 64 first core nodes: such a bridge shortens nothing (any two
    of its core neighbours are within 2 hops through that hub already), so leaving it out keeps
    every distance and saves work (on hub-rich graphs most candidates are such)."""
    n = indptr.shape[0] - 1
    k = core.shape[0]
    hubs = min(64, k)
    near = np.zeros(k, dtype=np.uint64)            # bit h: is, or links to, core node h
    one = np.uint64(1)
    for h in range(hubs):
        near[h] |= one << np.uint64(h)
        v = core[h]
        for a in range(indptr[v], indptr[v + 1]):
            j = where[indices[a]]
            if j >= 0:
                near[j] |= one << np.uint64(h)
    seen = np.zeros(n, dtype=np.bool_)
    out = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(k):
        v = core[i]
        for a in range(indptr[v], indptr[v + 1]):
            x = indices[a]
            if where[x] >= 0 or seen[x]:
                continue
            seen[x] = True
            links = 0
            common = ~np.uint64(0)
            for b in range(indptr[x], indptr[x + 1]):
                j = where[indices[b]]
                if j >= 0:
                    links += 1
                    common &= near[j]
            if links >= 2 and common == 0:
                out[count] = x
                count += 1
    return out[:count].copy()


@njit(cache=True)
def bridged_adjacency(indptr, indices, core, where, bridges):
    """The core and ``bridges`` as one graph (CSR) numbered core first (``0..k-1``, core order),
    then bridges in the order given. Returns (ptr, adj, nodes), ``nodes`` the graph node at each
    position. With no bridges it is the core's own adjacency."""
    n = indptr.shape[0] - 1
    k = core.shape[0]
    total = k + bridges.shape[0]
    slot = np.full(n, -1, dtype=np.int64)
    nodes = np.empty(total, dtype=np.int64)
    nodes[:k] = core
    for r in range(bridges.shape[0]):
        slot[bridges[r]] = k + r
        nodes[k + r] = bridges[r]
    ptr = np.zeros(total + 1, dtype=np.int64)
    for i in range(k):
        v = core[i]
        for a in range(indptr[v], indptr[v + 1]):
            x = indices[a]
            if where[x] >= 0 or slot[x] >= 0:
                ptr[i + 1] += 1
            if slot[x] >= 0:
                ptr[slot[x] + 1] += 1
    for i in range(total):
        ptr[i + 1] += ptr[i]
    fill = ptr[:-1].copy()
    adj = np.empty(ptr[total], dtype=np.int64)
    for i in range(k):
        v = core[i]
        for a in range(indptr[v], indptr[v + 1]):
            x = indices[a]
            if where[x] >= 0:
                adj[fill[i]] = where[x]
                fill[i] += 1
            elif slot[x] >= 0:
                adj[fill[i]] = slot[x]
                fill[i] += 1
                adj[fill[slot[x]]] = i
                fill[slot[x]] += 1
    return ptr, adj, nodes


@njit(cache=True)
def ring_links(indptr, indices, where):
    """For each node outside the core, its core neighbours (core positions), as CSR over all nodes
    (core nodes have none). Lets a query step from its frontier into the core without reading the
    frontier's other links."""
    n = indptr.shape[0] - 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        c = 0
        if where[v] < 0:
            for a in range(indptr[v], indptr[v + 1]):
                if where[indices[a]] >= 0:
                    c += 1
        ptr[v + 1] = ptr[v] + c
    adj = np.empty(ptr[n], dtype=np.int64)
    for v in range(n):
        if where[v] < 0:
            j = ptr[v]
            for a in range(indptr[v], indptr[v + 1]):
                if where[indices[a]] >= 0:
                    adj[j] = where[indices[a]]
                    j += 1
    return ptr, adj


@njit(cache=True)
def core_path(ptr, adj, nodes, dist, ci, cj):
    """Graph nodes of a shortest path in the bridged core from core node ``ci`` to ``cj`` (core
    positions): each step goes to a core neighbour one hop closer, or through a bridge to a core
    node two hops closer."""
    k = dist.shape[0]
    rem = int(dist[ci, cj])
    out = np.empty(2 * rem + 1, dtype=np.int64)     # a bridge step adds two nodes for two hops
    out[0] = nodes[ci]
    size = 1
    u = ci
    while rem > 0:
        step = -1
        for a in range(ptr[u], ptr[u + 1]):
            w = adj[a]
            if w < k:
                if dist[w, cj] == rem - 1:
                    out[size] = nodes[w]
                    size += 1
                    step, rem = w, rem - 1
                    break
            elif rem >= 2:
                for b in range(ptr[w], ptr[w + 1]):
                    y = adj[b]
                    if dist[y, cj] == rem - 2:
                        out[size] = nodes[w]
                        out[size + 1] = nodes[y]
                        size += 2
                        step, rem = y, rem - 2
                        break
                if step >= 0:
                    break
        u = step
    return out[:size].copy()


_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_INDEX = np.array([0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51,
                            43, 22, 45, 39, 33, 30, 24, 18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52,
                            21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6],
                           dtype=np.int64)


@njit(cache=True)
def _distances(cptr, cadj, dist, debruijn, index):
    """Hop distances in the bridged core between every pair of core nodes (``dist`` arrives filled
    with 255 for unreachable), by BFS from 64 sources at once: bit ``b`` of ``seen[v]`` says source
    ``b`` of the batch reached ``v``. The graph is undirected, so ``dist[v, source]`` is written
    row-wise; bridges (positions ``k`` on) carry the search but have no row.

    A level is pushed from the nodes it reached while their links are few (the first levels of a
    batch), else pulled by every node not yet reached by all sources: each reads fewer arcs then."""
    k = dist.shape[0]
    total = cptr.shape[0] - 1
    arcs = cptr[total]
    seen = np.zeros(total, dtype=np.uint64)
    front = np.zeros(total, dtype=np.uint64)
    nxt = np.zeros(total, dtype=np.uint64)
    act = np.empty(total, dtype=np.int64)          # nodes of the current front
    new = np.empty(total, dtype=np.int64)          # nodes of the next one
    one = np.uint64(1)
    for first in range(0, k, 64):
        width = min(64, k - first)
        seen[:] = 0
        front[:] = 0
        full = (one << np.uint64(width)) - one if width < 64 else ~np.uint64(0)
        for b in range(width):
            seen[first + b] = one << np.uint64(b)
            front[first + b] = one << np.uint64(b)
            dist[first + b, first + b] = 0
            act[b] = first + b
        nact = width
        level = 0
        while level < 254 and nact > 0:
            level += 1
            work = 0
            for i in range(nact):
                work += cptr[act[i] + 1] - cptr[act[i]]
            nnew = 0
            if 4 * work < arcs:
                for i in range(nact):
                    v = act[i]
                    f = front[v]
                    for a in range(cptr[v], cptr[v + 1]):
                        w = cadj[a]
                        add = f & ~seen[w]
                        if add:
                            if nxt[w] == 0:
                                new[nnew] = w
                                nnew += 1
                            nxt[w] |= add
                for i in range(nact):
                    front[act[i]] = 0
            else:
                for v in range(total):
                    if seen[v] == full:                 # every source of the batch has been here
                        continue
                    acc = np.uint64(0)
                    for a in range(cptr[v], cptr[v + 1]):
                        acc |= front[cadj[a]]
                    acc &= ~seen[v]
                    if acc:
                        nxt[v] = acc
                        new[nnew] = v
                        nnew += 1
                for i in range(nact):
                    front[act[i]] = 0
            for i in range(nnew):
                v = new[i]
                acc = nxt[v]
                nxt[v] = 0
                seen[v] |= acc
                front[v] = acc
                act[i] = v
                if v >= k:
                    continue
                while acc:
                    low = acc & (~acc + one)                  # lowest set bit, its index by De Bruijn
                    dist[v, first + index[(low * debruijn) >> np.uint64(58)]] = level
                    acc ^= low
            nact = nnew


def core_distances(cptr: np.ndarray, cadj: np.ndarray, dist: np.ndarray) -> None:
    """Fill ``dist`` (k x k, uint8, preset to 255) with hop distances in the bridged core
    (``cptr``/``cadj`` from :func:`bridged_adjacency`)."""
    _distances(cptr, cadj, dist, _DEBRUIJN, _DEBRUIJN_INDEX)

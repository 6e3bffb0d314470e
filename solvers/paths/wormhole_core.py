"""WormHole's index: the core grown from the hubs, its adjacency, and hop distances between all its pairs.

The core starts at the highest-degree node and grows by the ring node (a neighbour of the core)
with the most links into it, ties to the higher degree; only the core's neighbourhoods are read.
Distances inside the core are found by breadth-first search from 64 sources at a time, one bit
per source, and stored in one byte each (255: farther than 254 hops or unreachable).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import heap_grow, heap_pop, heap_push


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
def core_adjacency(indptr, indices, core, where):
    """The core's own adjacency in core numbering (CSR)."""
    k = core.shape[0]
    ptr = np.zeros(k + 1, dtype=np.int64)
    for i in range(k):
        v = core[i]
        c = 0
        for a in range(indptr[v], indptr[v + 1]):
            if where[indices[a]] >= 0:
                c += 1
        ptr[i + 1] = ptr[i] + c
    adj = np.empty(ptr[k], dtype=np.int64)
    for i in range(k):
        v = core[i]
        j = ptr[i]
        for a in range(indptr[v], indptr[v + 1]):
            if where[indices[a]] >= 0:
                adj[j] = where[indices[a]]
                j += 1
    return ptr, adj


_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_INDEX = np.array([0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51,
                            43, 22, 45, 39, 33, 30, 24, 18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52,
                            21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6],
                           dtype=np.int64)


@njit(cache=True)
def _distances(cptr, cadj, dist, debruijn, index):
    """Hop distances inside the core between every pair (``dist`` arrives filled with 255 for
    unreachable), by BFS from 64 sources at once: bit ``b`` of ``seen[v]`` says source ``b`` of
    the batch reached ``v``. The core is undirected, so ``dist[v, source]`` is written row-wise."""
    k = cptr.shape[0] - 1
    seen = np.zeros(k, dtype=np.uint64)
    front = np.zeros(k, dtype=np.uint64)
    nxt = np.zeros(k, dtype=np.uint64)
    one = np.uint64(1)
    for first in range(0, k, 64):
        width = min(64, k - first)
        seen[:] = 0
        front[:] = 0
        for b in range(width):
            seen[first + b] = one << np.uint64(b)
            front[first + b] = one << np.uint64(b)
            dist[first + b, first + b] = 0
        level = 0
        while level < 254:
            level += 1
            active = False
            for v in range(k):
                acc = np.uint64(0)
                for a in range(cptr[v], cptr[v + 1]):
                    acc |= front[cadj[a]]
                acc &= ~seen[v]
                nxt[v] = acc
                if acc:
                    active = True
            if not active:
                break
            for v in range(k):
                acc = nxt[v]
                seen[v] |= acc
                front[v] = acc
                while acc:
                    low = acc & (~acc + one)                  # lowest set bit, its index by De Bruijn
                    dist[v, first + index[(low * debruijn) >> np.uint64(58)]] = level
                    acc ^= low


def core_distances(cptr: np.ndarray, cadj: np.ndarray, dist: np.ndarray) -> None:
    """Fill ``dist`` (k x k, uint8, preset to 255) with hop distances inside the core."""
    _distances(cptr, cadj, dist, _DEBRUIJN, _DEBRUIJN_INDEX)

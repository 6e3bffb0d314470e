"""numba building blocks shared by the path algorithms: a binary heap, path walks, resets.

The heap is two arrays (keys, items) and a size, with lazy deletion: a node is pushed again
when its key improves and stale entries are skipped when popped. Searches keep per-node arrays
for the whole graph and reset only the nodes they touched, so a query costs what it explores,
not the size of the graph.

Kernels are compiled with ``cache=True``: the first process on a machine compiles them (seconds),
later ones load them from ``__pycache__``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True, inline="always")
def heap_push(keys, items, size, key, item):
    """Push ``(key, item)``; the arrays must have room (see ``heap_grow``). Returns the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return size + 1


@njit(cache=True, inline="always")
def heap_pop(keys, items, size):
    """Remove the smallest entry: ``(key, item, new_size)``."""
    top_key = keys[0]
    top_item = items[0]
    size -= 1
    key = keys[size]
    item = items[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        items[i] = items[child]
        i = child
    if size > 0:
        keys[i] = key
        items[i] = item
    return top_key, top_item, size


@njit(cache=True)
def heap_grow(keys, items):
    """The same heap in arrays twice as large."""
    k = np.empty(2 * keys.shape[0] + 16, dtype=keys.dtype)
    it = np.empty(2 * items.shape[0] + 16, dtype=items.dtype)
    k[: keys.shape[0]] = keys
    it[: items.shape[0]] = items
    return k, it


@njit(cache=True)
def grow(a, need):
    """``a`` copied into an array of at least ``need`` entries (twice its length, or more)."""
    out = np.empty(max(2 * a.shape[0], need), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def walk(pred, node):
    """Nodes from the root of ``pred``'s tree to ``node`` (``pred[root] == -1``)."""
    length = 1
    v = node
    while pred[v] >= 0:
        v = pred[v]
        length += 1
    out = np.empty(length, dtype=np.int64)
    v = node
    for i in range(length - 1, -1, -1):
        out[i] = v
        v = pred[v]
    return out


@njit(cache=True)
def join(forward_pred, backward_pred, meet):
    """Path root -> ``meet`` along ``forward_pred`` then ``meet`` -> root along ``backward_pred``."""
    head = walk(forward_pred, meet)
    length = 0
    v = backward_pred[meet]
    while v >= 0:
        length += 1
        v = backward_pred[v]
    out = np.empty(head.shape[0] + length, dtype=np.int64)
    out[: head.shape[0]] = head
    v = backward_pred[meet]
    i = head.shape[0]
    while v >= 0:
        out[i] = v
        i += 1
        v = backward_pred[v]
    return out


@njit(cache=True)
def reset(dist, pred, touched, count):
    for i in range(count):
        v = touched[i]
        dist[v] = INF
        pred[v] = -1


class Workspace:
    """Per-node arrays for one graph size, reused across queries (reset by the touched list)."""

    def __init__(self, n: int):
        self.dist = np.full(n, np.inf)
        self.pred = np.full(n, -1, dtype=np.int64)
        self.touched = np.empty(max(n, 1), dtype=np.int64)
        self.keys = np.empty(1024)
        self.items = np.empty(1024, dtype=np.int64)

    def clear(self, count: int) -> None:
        reset(self.dist, self.pred, self.touched, count)

"""Separation of rounded capacity cuts on a sparse fractional CVRP solution.

A fractional solution of the edge formulation is given as its support: edges ``(u, v)`` with
values ``x`` (client degree 2, node 0 the depot). A client set ``S`` violates its rounded
capacity cut when ``x(δ(S)) < 2 k(S)``, ``k(S) = ceil(d(S) / Q)``; for client sets this is the
same as ``x(E(S)) > |S| - k(S)``. Exact separation is NP-hard; these are the heuristics of
CVRPSEP (Lysgaard, Letchford and Eglese 2004) that find most violated sets in practice:

* connected components of the support without the depot (the subtours of an integer answer);
* greedy growth from every client, adding the most connected neighbour each step and testing
  every prefix (compiled: linear in the support per seed);
* the set of a minimum cut for the *fractional* capacity inequality
  ``x(δ(S)) >= 2 d(S) / Q``, which is separated exactly by one maximum flow, then rounded.

All three work on the sparse support, so an instance of a thousand clients separates in
milliseconds. The returned sets are the most violated first.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_TOL = 1e-4


def support(n: int, u: np.ndarray, v: np.ndarray, x: np.ndarray, eps: float = 1e-6):
    """CSR adjacency (indptr, neighbour, value) of the edges with ``x > eps``, both directions."""
    keep = x > eps
    u, v, x = u[keep], v[keep], x[keep]
    a = np.concatenate([u, v])
    b = np.concatenate([v, u])
    w = np.concatenate([x, x])
    order = np.argsort(a, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, a + 1, 1)
    return np.cumsum(indptr), b[order].astype(np.int64), w[order].astype(np.float64)


@njit(cache=True)
def _grow(indptr, nbr, val, demand, Q, max_size, with_depot):     # pragma: no cover - compiled
    """From every client, grow a set by the most connected client; keep per seed the prefix with
    the largest violation of ``x(δ(S)) >= 2 ceil(d(S)/Q)``. With ``with_depot`` the grown set
    ``T`` holds the depot and the cut tested is that of its complement ``S = clients - T``
    (same boundary, demand ``d(all) - d(T)``): the large sets that growing from a client would
    reach last, if at all. Returns (flat members of the grown prefixes, offsets, violations)."""
    n = indptr.shape[0] - 1
    total = demand[1:].sum()
    conn = np.zeros(n)
    inside = np.zeros(n, np.bool_)
    frontier = np.empty(n, np.int64)
    in_front = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    out = np.empty(n * 8, np.int64)
    offsets = np.zeros(n + 1, np.int64)
    viol = np.zeros(n)
    used = 0
    count = 0
    first = 0 if with_depot else 1
    for seed in range(first, n):
        size = 0
        nf = 0
        boundary = 0.0
        load = 0.0
        starts = (0, seed) if with_depot and seed else (seed, seed)
        for t in range(2 if starts[0] != starts[1] else 1):
            node = starts[t]
            inside[node] = True
            order[size] = node
            size += 1
            load += demand[node]
            if in_front[node]:          # the seed next to the depot: no longer on the frontier
                for f in range(nf):
                    if frontier[f] == node:
                        nf -= 1
                        frontier[f] = frontier[nf]
                        break
                in_front[node] = False
            degree = 0.0
            for k in range(indptr[node], indptr[node + 1]):
                degree += val[k]
            boundary += degree - 2.0 * conn[node]
            for k in range(indptr[node], indptr[node + 1]):
                j = nbr[k]
                if not inside[j] and j != 0:
                    conn[j] += val[k]
                    if not in_front[j]:
                        in_front[j] = True
                        frontier[nf] = j
                        nf += 1
        best, best_size = _TOL, 0
        while size < max_size and nf > 0:
            pick, pv = -1, 1e-9
            for f in range(nf):
                j = frontier[f]
                if conn[j] > pv or (conn[j] == pv and pick >= 0 and demand[j] > demand[frontier[pick]]):
                    pick, pv = f, conn[j]
            if pick < 0:
                break
            j = frontier[pick]
            nf -= 1
            frontier[pick] = frontier[nf]
            in_front[j] = False
            inside[j] = True
            order[size] = j
            size += 1
            degree = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                degree += val[k]
            boundary += degree - 2.0 * conn[j]
            load += demand[j]
            for k in range(indptr[j], indptr[j + 1]):
                i = nbr[k]
                if i != 0 and not inside[i]:
                    conn[i] += val[k]
                    if not in_front[i]:
                        in_front[i] = True
                        frontier[nf] = i
                        nf += 1
            rest = total - load if with_depot else load
            if with_depot and size == n:
                break
            v = 2.0 * math.ceil(rest / Q - 1e-9) - boundary
            if v > best:
                best, best_size = v, size
        if best_size > 0:
            if used + best_size > out.shape[0]:
                bigger = np.empty(2 * out.shape[0] + best_size, np.int64)
                bigger[:used] = out[:used]
                out = bigger
            out[used:used + best_size] = order[:best_size]
            offsets[count] = used
            viol[count] = best
            used += best_size
            count += 1
        for f in range(nf):
            in_front[frontier[f]] = False
            conn[frontier[f]] = 0.0
        for s in range(size):
            inside[order[s]] = False
            conn[order[s]] = 0.0
    offsets[count] = used
    return out[:used], offsets[:count + 1], viol[:count]


def _components(n, indptr, nbr, val, threshold):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    mask = (val > threshold) & (nbr != 0)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    g = csr_matrix((np.ones(int(mask.sum())), (rows[mask], nbr[mask])), shape=(n, n))
    count, labels = connected_components(g, directed=False)
    sets = []
    for c in range(count):
        members = np.flatnonzero(labels == c)
        members = members[members != 0]
        if members.size:
            sets.append(members)
    return sets


def _fractional_min_cut(n, indptr, nbr, val, demand, Q):
    """The client set minimising ``x(δ(S)) - 2 d(S) / Q``: the source side of a minimum cut
    between a super-source (arcs of capacity ``2 d_i / Q`` to every client) and the depot."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    scale = 1e6
    rows = np.repeat(np.arange(n), np.diff(indptr))
    src = n
    a = np.concatenate([rows, np.full(n - 1, src)])
    b = np.concatenate([nbr, np.arange(1, n)])
    c = np.concatenate([val, 2.0 * demand[1:] / Q])
    cap = np.floor(c * scale).astype(np.int32)
    graph = csr_matrix((cap, (a, b)), shape=(n + 1, n + 1))
    res = maximum_flow(graph, src, 0)
    residual = graph - res.flow
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, src, directed=True, return_predecessors=False)
    side = np.asarray(reach)
    side = side[(side != src) & (side != 0)]
    return [np.sort(side)] if side.size else []


def violated_sets(n: int, u: np.ndarray, v: np.ndarray, x: np.ndarray, demand: np.ndarray, Q: float,
                  limit: int | None = None, max_size: int | None = None) -> list[tuple[np.ndarray, int, float]]:
    """Client sets whose rounded capacity cut the fractional solution violates, most violated
    first: ``(members, k(S), violation)`` with violation ``2 k(S) - x(δ(S)) > 0``."""
    indptr, nbr, val = support(n, u, v, x)
    demand = np.asarray(demand, dtype=np.float64)
    degree = np.zeros(n)
    np.add.at(degree, np.repeat(np.arange(n), np.diff(indptr)), val)
    inner = {}
    rows = np.repeat(np.arange(n), np.diff(indptr))

    def consider(S: np.ndarray) -> None:
        key = S.tobytes()
        if key in inner or S.size == 0:
            return
        k = max(1, math.ceil(demand[S].sum() / Q - 1e-9)) if Q < math.inf else 1
        member = np.zeros(n, bool)
        member[S] = True
        cross = val[member[rows] & ~member[nbr]].sum()
        if 2 * k - cross > _TOL:
            inner[key] = (S, k, 2 * k - cross)

    for thr in (1e-6, 0.3, 0.5, 0.7):
        for S in _components(n, indptr, nbr, val, thr):
            consider(S)
    if Q < math.inf:
        for with_depot in (False, True):
            members, offsets, _ = _grow(indptr, nbr, val, demand, float(Q), max_size or n, with_depot)
            for s in range(offsets.size - 1):
                grown = members[offsets[s]:offsets[s + 1]]
                if with_depot:
                    rest = np.ones(n, bool)
                    rest[grown] = False
                    rest[0] = False
                    grown = np.flatnonzero(rest)
                consider(np.sort(grown))
        for S in _fractional_min_cut(n, indptr, nbr, val, demand, Q):
            consider(S)
    found = sorted(inner.values(), key=lambda t: -t[2])
    return found[:limit] if limit else found


__all__ = ["violated_sets", "support"]

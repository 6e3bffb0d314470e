"""Single path with minimal flow splitting (Challenging the Need for Packet Spraying in
Large-Scale Distributed Training): as good as ideal spraying on collectives, with few sub-flows.

The paper's construction for a leaf-spine fabric: a leaf with ``r`` flows over ``s`` spines splits
each flow into ``s / gcd(r, s)`` equal pieces; then every leaf has a multiple of ``s`` pieces and
they can be spread so that every spine takes the same number from each leaf and to each leaf
(an equitable edge colouring of the bipartite multigraph source leaf -> destination leaf, with
spines as colours). Every link then carries exactly the uniform-spraying load: the LP optimum.

Here, generalised to any fabric:

* Flows are grouped by the pair of switches their hosts hang from; pairs with the same number
  ``s`` of equal-cost paths form a group, and candidate ``c`` of every pair is the ``c``-th path in
  a fixed order (on a leaf-spine: spine ``c``; on a fat-tree between pods: core ``c``, whose
  aggregation switch is ``c // (k/2)``; inside a pod: aggregation switch ``c``).
* Equal-size flows of a group: with ``r`` the most flows any switch of the group sends or
  receives, each flow is split into ``p = s / gcd(r, s)`` pieces. The piece counts of the
  switch-pair matrix are split into ``s`` colours one at a time, each colour taking from every
  entry, row and column its remaining count over the colours left, rounded up or down (an integral
  flow, so such a rounding always exists); every switch ends with at most ``ceil(r p / s)`` =
  ``r p / s`` pieces of each colour, so the busiest switch is exactly balanced. A flow takes
  ``p`` consecutive pieces of its pair's colour list, same-colour pieces merged.
* Unequal flows (our rule): the same ``p`` per group, pieces of ``size / p``, then placed largest
  first on the candidate whose most congested link would be least congested (LPT). This is a
  heuristic; it is also used on graphs read from files, whose candidates do not line up.

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("leafspine", leaves=4, spines=3, hosts_per_leaf=2, traffic="ring")
>>> lp, sp = routeopt.solve(p, solver="spray"), routeopt.solve(p, solver="split")
>>> abs(sp.objective - lp.objective) < 1e-9
True
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Result, Solver, Status
from .common import Fabric

_ALIGNED = ("leafspine", "fattree")


def _round(R: np.ndarray, m: int) -> np.ndarray:
    """An integer matrix X with every entry, row sum and column sum equal to that of ``R / m``
    rounded down or up (a feasible circulation with lower bounds, by max flow)."""
    A, B = R.shape
    X = R // m
    extra = (R % m > 0).astype(np.int64)
    row_lo = R.sum(1) // m - X.sum(1)
    row_hi = -(-R.sum(1) // m) - X.sum(1)
    col_lo = R.sum(0) // m - X.sum(0)
    col_hi = -(-R.sum(0) // m) - X.sum(0)
    S, T, S2, T2 = A + B, A + B + 1, A + B + 2, A + B + 3
    tails, heads, caps = [], [], []
    excess = np.zeros(A + B + 4, dtype=np.int64)

    def edge(u: int, v: int, lo: int, hi: int) -> None:
        tails.append(u), heads.append(v), caps.append(hi - lo)
        excess[v] += lo
        excess[u] -= lo

    for a in range(A):
        edge(S, a, int(row_lo[a]), int(row_hi[a]))
    ai, bi = np.nonzero(extra)
    for a, b in zip(ai.tolist(), bi.tolist()):
        edge(a, A + b, 0, 1)
    for b in range(B):
        edge(A + b, T, int(col_lo[b]), int(col_hi[b]))
    edge(T, S, 0, int(R.sum()) + 1)
    need = 0
    for v in range(A + B + 2):
        if excess[v] > 0:
            tails.append(S2), heads.append(v), caps.append(int(excess[v]))
            need += int(excess[v])
        elif excess[v] < 0:
            tails.append(v), heads.append(T2), caps.append(int(-excess[v]))
    graph = csr_matrix((np.array(caps, dtype=np.int32), (tails, heads)), shape=(A + B + 4,) * 2)
    flow = maximum_flow(graph, S2, T2)
    if flow.flow_value != need:          # cannot happen for integral data; guard all the same
        raise RuntimeError("equitable rounding found no integral flow")
    F = flow.flow.tocsr()
    for a, b in zip(ai.tolist(), bi.tolist()):
        X[a, b] += int(F[a, A + b] > 0)
    return X


def equitable_colouring(M: np.ndarray, s: int) -> np.ndarray:
    """Split the integer matrix ``M`` into ``s`` matrices (colours) so that every row and column
    gets each colour ``floor`` or ``ceil`` of its sum over ``s`` times."""
    R = M.astype(np.int64).copy()
    out = np.zeros((s, *M.shape), dtype=np.int64)
    for c in range(s):
        out[c] = _round(R, s - c)
        R -= out[c]
    return out


class MinimalSplitSolver(Solver):
    name = "split"
    family = "network"
    kind = "heuristic"
    supports = frozenset({"unequal_sizes"})
    description = "single path with minimal splitting: s/gcd(r,s) pieces per flow, spread equitably"

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        fabric = Fabric(problem)
        split: list[list[tuple[int, float]]] = [[] for _ in range(len(fabric.flow_pair))]
        load = fabric.fixed.copy()
        pieces_of: dict[int, int] = {}
        loose: list[int] = []                  # flows for the LPT rule
        pair_s = fabric.pair_paths
        groups: dict[int, list[int]] = {}
        for f, pr in enumerate(fabric.flow_pair.tolist()):
            groups.setdefault(int(pair_s[pr]), []).append(f)
        for s, flows in sorted(groups.items()):
            flows_arr = np.array(flows)
            if s == 1:
                for f in flows:
                    split[f] = [(0, 1.0)]
                    load[fabric.path_links[fabric.pair_offset[fabric.flow_pair[f]]]] += fabric.demand[f]
                continue
            src, dst = fabric.src_att[flows_arr], fabric.dst_att[flows_arr]
            r = max(np.unique(src, return_counts=True)[1].max(), np.unique(dst, return_counts=True)[1].max())
            p = s // math.gcd(int(r), s)
            sizes = fabric.demand[flows_arr]
            if problem.topology in _ALIGNED and np.ptp(sizes) <= 1e-12 * sizes.max():
                self._exact(fabric, flows_arr, s, p, split, load)
            else:
                for f in flows:
                    pieces_of[f] = p
                loose += flows
        self._lpt(fabric, loose, pieces_of, split, load)
        load[-1] = 0.0
        pieces = [len(row) for row in split]
        meta = {"max_pieces": max(pieces, default=0), "lpt_flows": len(loose)}
        return Result(self.name, problem.name, Status.FEASIBLE, objective=fabric.congestion(load),
                      solution=fabric.routing(split), metadata=meta)

    @staticmethod
    def _exact(fabric: Fabric, flows: np.ndarray, s: int, p: int, split: list, load: np.ndarray) -> None:
        rows, src = np.unique(fabric.src_att[flows], return_inverse=True)
        cols, dst = np.unique(fabric.dst_att[flows], return_inverse=True)
        M = np.zeros((len(rows), len(cols)), dtype=np.int64)
        np.add.at(M, (src, dst), p)
        colours = equitable_colouring(M, s)
        by_cell: dict[tuple[int, int], list[int]] = {}
        for k, f in enumerate(flows.tolist()):
            by_cell.setdefault((int(src[k]), int(dst[k])), []).append(f)
        for (a, b), members in by_cell.items():
            seq = np.repeat(np.arange(s), colours[:, a, b])           # p pieces per member
            for j, f in enumerate(members):
                used, counts = np.unique(seq[j * p:(j + 1) * p], return_counts=True)
                split[f] = [(int(c), n / p) for c, n in zip(used.tolist(), counts.tolist())]
                base = fabric.pair_offset[fabric.flow_pair[f]]
                for c, n in zip(used.tolist(), counts.tolist()):
                    load[fabric.path_links[base + c]] += fabric.demand[f] * n / p

    @staticmethod
    def _lpt(fabric: Fabric, flows: list[int], pieces_of: dict[int, int], split: list, load: np.ndarray) -> None:
        if not flows:
            return
        items = [(fabric.demand[f] / pieces_of[f], f) for f in flows for _ in range(pieces_of[f])]
        items.sort(key=lambda it: -it[0])
        share: dict[tuple[int, int], int] = {}
        cap = fabric.capacity
        for size, f in items:
            lo = fabric.pair_offset[fabric.flow_pair[f]]
            rows = fabric.path_links[lo:lo + fabric.flow_paths[f]]
            after = (load[rows] + size) / cap[rows]
            worst = after.max(axis=1)
            best = np.flatnonzero(worst <= worst.min() + 1e-12)
            k = int(best[np.argmin(after[best].sum(axis=1))]) if len(best) > 1 else int(best[0])
            load[rows[k]] += size
            share[(f, k)] = share.get((f, k), 0) + 1
        for (f, k), n in sorted(share.items()):
            split[f].append((k, n / pieces_of[f]))

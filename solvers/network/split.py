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
  a fixed order (on a leaf-spine: spine ``c``). Exact on two tiers; a fat-tree comes here only
  when it is not recognised as one (switch names, one capacity per tier).
* Equal-size flows of a group: with ``r`` the most flows any switch of the group sends or
  receives, each flow is split into ``p = s / gcd(r, s)`` pieces. The piece counts of the
  switch-pair matrix are split into ``s`` colours one at a time, each colour taking from every
  entry, row and column its remaining count over the colours left, rounded up or down (an integral
  flow, so such a rounding always exists); every switch ends with at most ``ceil(r p / s)`` =
  ``r p / s`` pieces of each colour, so the busiest switch is exactly balanced. A flow takes
  ``p`` consecutive pieces of its pair's colour list, same-colour pieces merged.
* Fat-trees (three tiers) need more: a flow's pieces must balance its edge switch's uplinks and
  its pod's core uplinks at once. :mod:`.fattree_split` colours aggregation indices, then cores,
  and reaches the LP value with the fewest equal pieces it can (one path per flow first); sizes
  that are whole multiples of a common unit are split in units. Sizes without one: the LP's
  (vertex) path shares, each commodity's flows poured into its paths in turn (at most one split
  flow per path boundary), then every flow that fits whole on one path within the LP value moved.
* Unequal flows elsewhere (our rule): the same ``p`` per group, pieces of ``size / p``, then placed
  largest first on the candidate whose most congested link would be least congested (LPT). This
  is a heuristic; it is also used on graphs read from files, whose candidates do not line up.

``metadata`` says how close it came: ``lp_congestion`` (where known without solving, or solved),
``ratio_to_lp``, ``pieces_per_flow``, and ``reason`` where one path per flow provably cannot reach it.

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("leafspine", leaves=4, spines=3, hosts_per_leaf=2, traffic="ring")
>>> lp, sp = routeopt.solve(p, solver="spray"), routeopt.solve(p, solver="split")
>>> abs(sp.objective - lp.objective) < 1e-9
True
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from ...instances.network.problem import NetworkProblem
from ..base import Budget, Result, Solver, Status
from ._highs import SIMPLEX_COLUMNS
from .common import Fabric

__all__ = ["MinimalSplitSolver", "equitable_colouring", "tree_round", "split_sequence"]


def tree_round(count: np.ndarray, row_leaf: np.ndarray, row_top: np.ndarray, col_leaf: np.ndarray,
               col_top: np.ndarray, m: int, cells: bool = True) -> np.ndarray:
    """Integers ``X`` with ``X[i]`` = ``count[i] / m`` rounded down or up, and likewise for the sum
    over every row leaf, row top, column leaf and column top (laminar groups of the cells).
    ``cells=False`` only asks ``0 <= X[i] <= count[i]`` of a cell: a flow may then keep its pieces
    together in one colour, where the groups allow.

    Cell ``i`` sits in row leaf ``row_leaf[i]``, whose top group is ``row_top[leaf]``; columns alike;
    no two cells share both leaves.
    Solved as a circulation with lower bounds (max flow): the fractional ``count / m`` is feasible
    and the bounds are integral, so an integral solution exists."""
    count = np.asarray(count, dtype=np.int64)
    n_rl, n_rt = len(row_top), int(row_top.max()) + 1 if len(row_top) else 0
    n_cl, n_ct = len(col_top), int(col_top.max()) + 1 if len(col_top) else 0
    rt0, rl0 = 0, n_rt
    cl0, ct0 = n_rt + n_rl, n_rt + n_rl + n_cl
    S, T = ct0 + n_ct, ct0 + n_ct + 1
    S2, T2 = T + 1, T + 2
    rl_sum = np.bincount(row_leaf, weights=count, minlength=n_rl).astype(np.int64)
    rt_sum = np.bincount(row_top, weights=rl_sum, minlength=n_rt).astype(np.int64)
    cl_sum = np.bincount(col_leaf, weights=count, minlength=n_cl).astype(np.int64)
    ct_sum = np.bincount(col_top, weights=cl_sum, minlength=n_ct).astype(np.int64)
    tails = np.concatenate([np.full(n_rt, S), rt0 + row_top, rl0 + row_leaf, cl0 + np.arange(n_cl),
                            ct0 + np.arange(n_ct), [T]])
    heads = np.concatenate([rt0 + np.arange(n_rt), rl0 + np.arange(n_rl), cl0 + col_leaf, ct0 + col_top,
                            np.full(n_ct, T), [S]])
    total = np.concatenate([rt_sum, rl_sum, count, cl_sum, ct_sum, [0]])
    lo = total // m
    hi = -(-total // m)
    hi[-1] = int(count.sum()) + 1                       # the return arc T -> S
    if not cells:
        at = slice(n_rt + n_rl, n_rt + n_rl + len(count))
        lo[at], hi[at] = 0, count
    excess = np.bincount(heads, weights=lo, minlength=T2 + 1) - np.bincount(tails, weights=lo, minlength=T2 + 1)
    excess = excess.astype(np.int64)
    pos, neg = np.flatnonzero(excess > 0), np.flatnonzero(excess < 0)
    all_t = np.concatenate([tails, np.full(len(pos), S2), neg])
    all_h = np.concatenate([heads, pos, np.full(len(neg), T2)])
    all_c = np.concatenate([hi - lo, excess[pos], -excess[neg]])
    graph = csr_matrix((all_c.astype(np.int32), (all_t, all_h)), shape=(T2 + 1, T2 + 1))
    flow = maximum_flow(graph, S2, T2)
    if flow.flow_value != int(excess[pos].sum()):      # cannot happen for laminar integral data
        raise RuntimeError("equitable rounding found no integral flow")
    F = flow.flow.tocsr()
    cells = slice(n_rt + n_rl, n_rt + n_rl + len(count))
    got = np.asarray(F[tails[cells], heads[cells]]).ravel().astype(np.int64)
    return lo[cells] + got


def equitable_colouring(M: np.ndarray, s: int, cells: bool = True) -> np.ndarray:
    """Split the integer matrix ``M`` into ``s`` matrices (colours) so that every row and column
    (and, with ``cells``, every entry) gets each colour ``floor`` or ``ceil`` of its value over
    ``s`` times."""
    A, B = M.shape
    a, b = np.nonzero(M)
    out = np.zeros((s, A, B), dtype=np.int64)
    R = M[a, b].astype(np.int64)
    for c in range(s):
        X = tree_round(R, a, np.arange(A), b, np.arange(B), s - c, cells)
        out[c, a, b] = X
        R = R - X
    return out


def split_sequence(counts: np.ndarray, sizes: list[int]) -> list[list[tuple[int, int]]]:
    """Hand out ``counts[c]`` pieces of colour ``c`` in consecutive runs: ``sizes[j]`` pieces to
    member ``j``, as ``(colour, pieces)`` pairs. Runs keep each member on few colours."""
    out, c, left = [], 0, int(counts[0]) if len(counts) else 0
    for need in sizes:
        mine = []
        while need:
            while left == 0:
                c += 1
                left = int(counts[c])
            take = min(need, left)
            mine.append((c, take))
            need -= take
            left -= take
        out.append(mine)
    return out


_ALIGNED = ("leafspine", "fattree")


class MinimalSplitSolver(Solver):
    name = "split"
    family = "network"
    kind = "heuristic"
    supports = frozenset({"unequal_sizes"})
    description = "single path with minimal splitting: s/gcd(r,s) pieces per flow, spread equitably"

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        start = time.perf_counter()
        fabric = Fabric(problem)
        meta: dict = {}
        split = None
        if problem.topology == "fattree":
            from .fattree_split import fattree_split     # it builds on this module's rounding
            found = fattree_split(fabric, start + 0.5 * budget.time_limit)
            if found is not None:
                split, meta = found
            # sizes in many units split more in the colouring than the LP's vertex does: keep the fewer
            # pieces of the two exact answers, while the LP is small enough to be quick
            if "unequal_sizes" in problem.features and (split is None or (
                    len(fabric.paths) <= SIMPLEX_COLUMNS and any(len(row) > 1 for row in split))):
                other = lp_decomposition(fabric, budget)
                if other is not None and (split is None or sum(map(len, other[0])) < sum(map(len, split))):
                    lam = meta.get("lp_congestion")
                    split, meta = other[0], {k: v for k, v in {**meta, **other[1]}.items() if k != "pieces_per_unit"}
                    if lam:
                        meta["lp_congestion"] = lam
        if split is None:
            split, extra = self._groups(problem, fabric)
            meta.update(extra)
        load = fabric.fixed.copy()
        for f, row in enumerate(split):
            base = fabric.pair_offset[fabric.flow_pair[f]]
            for k, x in row:
                load[fabric.path_links[base + k]] += fabric.demand[f] * x
        load[-1] = 0.0
        objective = fabric.congestion(load)
        pieces = [len(row) for row in split]
        meta.update({"max_pieces": max(pieces, default=0), "pieces_per_flow": sum(pieces) / max(1, len(pieces)),
                     "split_flows": sum(n > 1 for n in pieces)})
        if meta.get("lp_congestion"):
            meta["ratio_to_lp"] = objective / meta["lp_congestion"]
        return Result(self.name, problem.name, Status.FEASIBLE, objective=objective,
                      solution=fabric.routing(split), metadata=meta)

    def _groups(self, problem: NetworkProblem, fabric: Fabric) -> tuple[list, dict]:
        """The two-tier construction per group of switch pairs, LPT for the rest."""
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
        return split, {"lpt_flows": len(loose)}

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


def lp_decomposition(fabric: Fabric, budget: Budget) -> tuple[list, dict] | None:
    """The LP's path shares cut into few pieces: each commodity's flows, largest first, poured into
    its paths in turn, so only a flow that straddles two paths is split; then whole flows moved
    onto one path wherever that stays within the LP value. Loads equal the LP's: exact."""
    from .lp import spray

    # a vertex solution (simplex) uses few paths per commodity; interior point spreads over all
    x, out = spray(fabric, budget, "simplex" if len(fabric.paths) <= SIMPLEX_COLUMNS else "auto")
    if x is None:
        return None
    split: list[list[tuple[int, float]]] = [[] for _ in range(len(fabric.flow_pair))]
    members: dict[int, list[int]] = {}
    for f, pr in enumerate(fabric.flow_pair.tolist()):
        members.setdefault(pr, []).append(f)
    for pr, flows in members.items():
        lo, hi = fabric.pair_offset[pr], fabric.pair_offset[pr + 1]
        share = np.clip(x[lo:hi], 0.0, None)
        share = share / share.sum()
        flows.sort(key=lambda f: -fabric.demand[f])
        room = share * fabric.demand[flows].sum()
        k = 0
        for f in flows:
            need = fabric.demand[f]
            while need > 1e-12 * fabric.demand[f]:
                while k < len(room) - 1 and room[k] <= 1e-12 * fabric.demand[f]:
                    k += 1
                take = need if k == len(room) - 1 else min(need, room[k])
                split[f].append((k, take))
                room[k] -= take
                need -= take
            total = sum(t for _, t in split[f])
            split[f] = [(c, t / total) for c, t in split[f]]
    target = float(out["objective"])
    _consolidate(fabric, split, target)
    return split, {"lp_congestion": target, "construction": "LP decomposition"}


def _consolidate(fabric: Fabric, split: list, target: float) -> None:
    """Move each split flow whole onto one of its paths where every link stays within ``target``."""
    load = fabric.fixed.copy()
    for f, row in enumerate(split):
        base = fabric.pair_offset[fabric.flow_pair[f]]
        for k, x in row:
            load[fabric.path_links[base + k]] += fabric.demand[f] * x
    limit = target * fabric.capacity * (1 + 1e-12)
    for f in sorted((f for f, row in enumerate(split) if len(row) > 1), key=lambda f: fabric.demand[f]):
        base = fabric.pair_offset[fabric.flow_pair[f]]
        rows = fabric.path_links[base:base + fabric.flow_paths[f]]
        z = fabric.demand[f]
        for k, x in split[f]:
            load[rows[k]] -= z * x
        after = load[rows] + z
        fits = np.flatnonzero((after <= limit[rows]).all(axis=1))
        if len(fits):
            split[f] = [(int(fits[np.argmin((after[fits] - limit[rows[fits]]).max(axis=1))]), 1.0)]
        for k, x in split[f]:
            load[rows[k]] += z * x

"""Minimal flow splitting on k-ary fat-trees, reaching the LP optimum (ideal spraying).

Why the LP value is known without solving the LP: with every edge-aggregation cable of one
capacity and every aggregation-core cable of one capacity, spraying each flow uniformly over its
equal-cost paths loads every uplink of an edge switch with ``U_e / (k/2)`` (``U_e``: what leaves
it for other edge switches) and every core uplink of a pod with ``T_p / (k/2)^2`` (``T_p``: what
leaves the pod), likewise downwards. Those are the cut bounds, so uniform spraying is an LP
optimum ``lam``; any routing whose links all stay within ``lam * capacity`` is optimal too.

The construction, in integral units (each flow's size a whole number of a common unit ``g``,
each unit cut into ``p`` equal pieces):

1. Aggregation index (``k/2`` colours). An inter-pod path keeps its aggregation index in both
   pods (core ``c`` joins aggregation ``c // (k/2)`` of every pod) and an intra-pod path turns at
   one aggregation switch, so edge-aggregation loads depend only on how many pieces of each
   edge-switch pair take each index. The pairs' piece counts are split into the colours one at a
   time, each colour taking the remaining count over the colours left, rounded down or up, on
   every group of a laminar family on each side: an edge switch's pairs, split into intra-pod and
   inter-pod ones (balances edge uplinks), or the inter-pod pairs grouped by pod (balances what
   each pod hands to each aggregation index). Laminar bounds make each colour an integral flow
   with lower bounds (one max flow), so the rounding always exists. Edge and pod groups overlap
   without nesting, so no single family bounds both; both are tried and the loads are checked.
2. Core within the aggregation index (``k/2`` colours): per index, the pod-to-pod counts are
   split equitably again, which balances every aggregation-core link of a pod.
3. Each pair's colour sequence is handed out in consecutive runs, so a flow takes few paths;
   then any flow that fits whole on one of its paths within ``lam`` is moved there.

``p = 1`` is tried first (one path per flow), then more pieces. A cut that ``lam`` fills exactly
must carry ``total / n`` on each of its ``n`` links, so ``p`` must make that whole: the lower bound
reported with the cut as the reason. At ``p = (k/2)^2`` every share is integral and the rounding
exact, so the search always ends at the LP value. Pairs' counts are first left free (a flow may
keep its pieces in one colour), then rounded equitably too (what ``p = (k/2)^2`` relies on).

>>> import routeopt
>>> from routeopt.instances.network.generate import generate_network
>>> p = generate_network("fattree", k=8, traffic="ring", host_capacity=1e6)
>>> r = routeopt.solve(p, solver="split")
>>> r.objective, r.metadata["lp_congestion"], r.metadata["max_pieces"]
(1.0, 1.0, 1)
"""

from __future__ import annotations

import math
import re
import time
from fractions import Fraction
from typing import Any

import numpy as np

from .common import Fabric
from .greedy import greedy_choice
from .split import equitable_colouring, split_sequence, tree_round

_EDGE = re.compile(r"edge(\d+)\.(\d+)$")
_AGG = re.compile(r"agg(\d+)\.(\d+)$")
_CORE = re.compile(r"core(\d+)$")
MAX_UNITS = 256          # per flow: sizes needing finer units go to the LP decomposition


# ---------------------------------------------------------------------------- the fabric's shape
class FatTreeLayout:
    """Where each switch pair's candidates go: ``cand[pair, a, m]``, the candidate through
    aggregation index ``a`` and the ``m``-th core of that index (``m = 0`` inside a pod),
    recognised from the switch names of :func:`~routeopt.instances.network.problem.fat_tree`."""

    def __init__(self, fabric: Fabric, half: int, kind: np.ndarray, src: np.ndarray, dst: np.ndarray,
                 pod: np.ndarray, cand: np.ndarray, capacity: dict[str, float], edge_name: list[str]):
        self.fabric, self.half, self.kind, self.src, self.dst, self.pod, self.cand = \
            fabric, half, kind, src, dst, pod, cand
        self.capacity = capacity                # per tier: "edge" (edge-aggregation), "pod" (aggregation-core)
        self.edge_name = edge_name

    @classmethod
    def of(cls, fabric: Fabric) -> "FatTreeLayout | None":
        p = fabric.problem
        if p.topology != "fattree":
            return None
        names = p.nodes
        edge_id: dict[int, int] = {}
        edge_pod: list[int] = []
        edge_name: list[str] = []
        agg_of: dict[int, tuple[int, int]] = {}
        core_of: dict[int, int] = {}
        for v, name in enumerate(names):
            if (mt := _EDGE.match(name)):
                edge_id[v] = len(edge_pod)
                edge_pod.append(int(mt.group(1)))
                edge_name.append(name)
            elif (mt := _AGG.match(name)):
                agg_of[v] = (int(mt.group(1)), int(mt.group(2)))
            elif (mt := _CORE.match(name)):
                core_of[v] = int(mt.group(1))
        half = len({a for _, a in agg_of.values()})
        if half < 1 or not edge_id:
            return None
        ea, ac = set(), set()                   # one capacity per tier, else spraying is not the LP
        for (u, v), c in zip(p.links.tolist(), p.capacity.tolist()):
            if (u in edge_id and v in agg_of) or (v in edge_id and u in agg_of):
                ea.add(c)
            elif (u in agg_of and v in core_of) or (v in agg_of and u in core_of):
                ac.add(c)
        if len(ea) != 1 or len(ac) > 1:
            return None
        group: dict[int, set[int]] = {}
        for (u, v) in p.links.tolist():
            if u in agg_of and v in core_of:
                group.setdefault(agg_of[u][1], set()).add(core_of[v])
        n = len(names)
        agg_index = np.full(n + 1, -1, dtype=np.int64)       # slot n: "no node" for shorter paths
        core_rank = np.full(n + 1, -1, dtype=np.int64)
        for v, (_, a) in agg_of.items():
            agg_index[v] = a
        rank_of = {c: m for cs in group.values() for m, c in enumerate(sorted(cs))}
        for v, c in core_of.items():
            core_rank[v] = rank_of.get(c, -1)
        edge_index = np.full(n, -1, dtype=np.int64)
        for v, e in edge_id.items():
            edge_index[v] = e
        ends = np.array(fabric.pairs, dtype=np.int64).reshape(-1, 2)
        src, dst = edge_index[ends[:, 0]], edge_index[ends[:, 1]]
        if (src < 0).any() or (dst < 0).any():
            return None
        pod = np.array(edge_pod, dtype=np.int64)
        kind = np.where(src == dst, 0, np.where(pod[src] == pod[dst], 1, 2))
        want = np.choose(kind, [1, half, half * half])
        if not np.array_equal(fabric.pair_paths, want):
            return None
        # every path as a row of 5 nodes (padded), so its aggregation index and core rank are lookups
        table = np.full((len(fabric.paths), 5), n, dtype=np.int64)
        for i, path in enumerate(fabric.paths):
            table[i, :len(path)] = path[:5]
        pair_of = np.repeat(np.arange(len(ends)), fabric.pair_paths)
        k = np.arange(len(fabric.paths)) - fabric.pair_offset[pair_of]
        cand = np.full((len(ends), half, half), -1, dtype=np.int64)
        intra = kind[pair_of] == 1
        a = agg_index[table[intra, 1]]
        if (a < 0).any() or (a >= half).any() or (table[intra, 3] != n).any():
            return None
        cand[pair_of[intra], a, 0] = k[intra]
        inter = kind[pair_of] == 2
        a, a2, r = agg_index[table[inter, 1]], agg_index[table[inter, 3]], core_rank[table[inter, 2]]
        if (a < 0).any() or (a != a2).any() or (r < 0).any() or (r >= half).any() or (a >= half).any():
            return None
        cand[pair_of[inter], a, r] = k[inter]
        cand[kind == 0] = 0
        filled = np.where(kind == 1, (cand[:, :, 0] >= 0).sum(axis=1), (cand >= 0).sum(axis=(1, 2)))
        if not np.array_equal(np.where(kind == 0, 1, filled), want):
            return None
        return cls(fabric, half, kind, src, dst, pod, cand,
                   {"edge": ea.pop(), "pod": ac.pop() if ac else math.inf}, edge_name)

    def spray_loads(self) -> np.ndarray:
        """Link loads of uniform spraying: the LP optimum on this fabric."""
        f = self.fabric
        volume = np.bincount(f.flow_pair, weights=f.demand, minlength=len(f.pairs))
        share = np.repeat(volume / f.pair_paths, f.pair_paths)
        load = f.fixed.copy()
        np.add.at(load, f.path_links.ravel(), np.repeat(share, f.path_links.shape[1]))
        load[-1] = 0.0
        return load


def common_unit(sizes: np.ndarray) -> tuple[float, np.ndarray] | None:
    """A unit ``g`` with every size a whole number of units (at most ``MAX_UNITS``), or None."""
    low = float(sizes.min())
    ratios = [Fraction(float(z) / low).limit_denominator(MAX_UNITS) for z in np.unique(sizes)]
    denom = math.lcm(*(r.denominator for r in ratios))
    if denom * sizes.max() / low > MAX_UNITS:
        return None
    g = low / denom
    units = np.rint(sizes / g).astype(np.int64)
    if units.max() > MAX_UNITS or np.abs(units * g - sizes).max() > 1e-12 * sizes.max():
        return None
    return g, units


# ---------------------------------------------------------------------------- the construction
class FatTreeSplit:
    """Pieces of flows placed on a fat-tree at the LP value ``lam`` (see the module docstring)."""

    def __init__(self, layout: FatTreeLayout, unit: float, units: np.ndarray):
        self.L, self.g, self.units = layout, unit, units
        self.lam = layout.fabric.congestion(layout.spray_loads())
        self.nonlocal_ = layout.kind[layout.fabric.flow_pair] > 0
        self.inter = layout.kind[layout.fabric.flow_pair] == 2

    # ---- the lower bound on pieces: cuts the LP value fills exactly
    def needed_pieces(self) -> tuple[int, str]:
        """The fewest equal pieces per unit that can reach the LP value, and the cut that says so:
        a cut of ``n`` links filled exactly by ``lam`` must carry ``total / n`` on every link."""
        L, f = self.L, self.L.fabric
        h = L.half
        p_lb, why = 1, ""
        for side, ends in (("up", L.src), ("down", L.dst)):
            end = ends[f.flow_pair]
            for level, mask, key, links in (("edge switch", self.nonlocal_, end, h),
                                            ("pod", self.inter, L.pod[end], h * h)):
                if not mask.any():
                    continue
                tot = np.bincount(key[mask], weights=self.units[mask]).astype(np.int64)
                full = links * self.lam * L.capacity["edge" if level == "edge switch" else "pod"] / self.g
                for who in np.flatnonzero(np.abs(tot - full) <= 1e-9 * np.maximum(1.0, full)):
                    need = links // math.gcd(int(tot[who]), links)
                    if p_lb % need:
                        p_lb = math.lcm(p_lb, need)
                        what = "flows" if self.units.max() == 1 else f"units of {self.g:g}"
                        name = L.edge_name[who] if level == "edge switch" else f"pod {who}"
                        why = (f"{name} sends {int(tot[who])} {what} over {links} {side}links, "
                               f"filled exactly at the LP value: {need} pieces of each needed")
        return p_lb, why

    def cap_units(self, capacity: np.ndarray | float, p: int) -> np.ndarray | float:
        """Pieces of size ``g / p`` a link of ``capacity`` takes at the LP value."""
        return np.floor(self.lam * np.asarray(capacity) * p / self.g * (1 + 1e-12) + 1e-9)

    # ---- one attempt with p pieces per unit
    def attempt(self, p: int, family: str, cells: bool) -> list[list[tuple[int, int]]] | None:
        """Per flow, ``(candidate, pieces)`` with pieces of ``g / p``; None when a link would pass
        the LP value (the rounding of one family cannot balance every cut at once)."""
        L, f = self.L, self.L.fabric
        h = L.half
        flows_nl = np.flatnonzero(self.nonlocal_)
        pr_of = f.flow_pair
        pairs_nl, cell_of = np.unique(pr_of[flows_nl], return_inverse=True)
        count = np.bincount(cell_of, weights=self.units[flows_nl] * p).astype(np.int64)
        E = len(L.pod)
        kind = L.kind[pairs_nl] - 1                        # 0 intra, 1 inter
        s, d = L.src[pairs_nl], L.dst[pairs_nl]
        row_leaf, col_leaf = 2 * s + kind, 2 * d + kind
        if family == "edge":
            top = np.arange(2 * E) // 2
        else:                                              # inter-pod leaves under their pod
            top = np.where(np.arange(2 * E) % 2 == 1, 2 * E + L.pod[np.arange(2 * E) // 2], np.arange(2 * E))
            top = np.unique(top, return_inverse=True)[1]
        colours = np.zeros((h, len(count)), dtype=np.int64)
        R = count.copy()
        for a in range(h):
            colours[a] = tree_round(R, row_leaf, top, col_leaf, top, h - a, cells)
            R -= colours[a]
        # level 2: per aggregation index, pod-to-pod counts split over its cores
        inter_cells = np.flatnonzero(kind == 1)
        P, Q = L.pod[s[inter_cells]], L.pod[d[inter_cells]]
        npod = int(L.pod.max()) + 1
        cores = np.zeros((h, h, npod, npod), dtype=np.int64)
        for a in range(h):
            M = np.zeros((npod, npod), dtype=np.int64)
            np.add.at(M, (P, Q), colours[a, inter_cells])
            cores[a] = equitable_colouring(M, h, cells=False)   # links see only row and column sums
        cap_edge, cap_pod = (self.cap_units(L.capacity[t], p) for t in ("edge", "pod"))
        for a in range(h):
            for side in (s, d):
                if np.bincount(side, weights=colours[a], minlength=E).max(initial=0) > cap_edge:
                    return None
        if len(inter_cells) and cores.max() > 0:
            if (cores.sum(axis=3).max() > cap_pod) or (cores.sum(axis=2).max() > cap_pod):
                return None
        return self._hand_out(p, flows_nl, cell_of, pairs_nl, kind, colours, cores, P, Q, inter_cells)

    def _hand_out(self, p, flows_nl, cell_of, pairs_nl, kind, colours, cores, P, Q, inter_cells):
        """Each pair's aggregation colours, then each pod pair's cores, in consecutive runs."""
        L, f = self.L, self.L.fabric
        out: list[list[tuple[int, int]]] = [[(0, int(self.units[i] * p))] for i in range(len(f.flow_pair))]
        members: list[list[int]] = [[] for _ in range(len(pairs_nl))]
        for i, c in zip(flows_nl.tolist(), cell_of.tolist()):
            members[c].append(i)
        by_pods: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        inter_pos = {c: j for j, c in enumerate(inter_cells.tolist())}
        for c, mem in enumerate(members):
            runs = split_sequence(colours[:, c], [int(self.units[i] * p) for i in mem])
            table = L.cand[pairs_nl[c]]
            for i, run in zip(mem, runs):
                if kind[c] == 0:
                    out[i] = [(int(table[a, 0]), n) for a, n in run]
                else:
                    out[i] = []
                    j = inter_pos[c]
                    for a, n in run:
                        by_pods.setdefault((a, int(P[j]), int(Q[j])), []).append((i, n))
        for (a, pp, qq), items in by_pods.items():
            runs = split_sequence(cores[a, :, pp, qq], [n for _, n in items])
            for (i, _), run in zip(items, runs):
                table = L.cand[f.flow_pair[i]]
                out[i] += [(int(table[a, m]), n) for m, n in run]
        return out

    # ---- fewer pieces: whole flows onto one path where they fit
    def consolidate(self, p: int, pieces: list[list[tuple[int, int]]]) -> None:
        """Smallest flows first: a split flow that fits whole on one path, in integral piece
        units, moves there (the path with the most room left)."""
        f = self.L.fabric
        cap_units = np.append(self.cap_units(f.capacity[:-1], p), np.inf)   # host links are not on paths
        load = np.zeros(len(f.capacity))
        for i, row in enumerate(pieces):
            base = f.pair_offset[f.flow_pair[i]]
            for k, n in row:
                load[f.path_links[base + k]] += n
        order = sorted((i for i, row in enumerate(pieces) if len(row) > 1), key=lambda i: self.units[i])
        for i in order:
            base = f.pair_offset[f.flow_pair[i]]
            rows = f.path_links[base:base + f.flow_paths[i]]
            for k, n in pieces[i]:
                load[rows[k]] -= n
            total = int(self.units[i] * p)
            after = load[rows] + total
            fits = np.flatnonzero((after <= cap_units[rows]).all(axis=1))
            if len(fits):
                k = int(fits[np.argmin((after[fits] - cap_units[rows[fits]]).max(axis=1))])
                pieces[i] = [(k, total)]
            for k, n in pieces[i]:
                load[rows[k]] += n


def fattree_split(fabric: Fabric, deadline: float) -> tuple[list[list[tuple[int, float]]], dict[str, Any]] | None:
    """The fat-tree construction: per flow ``(candidate, fraction)`` and what to report; None when
    the fabric is not a recognised fat-tree or the sizes have no common unit."""
    layout = FatTreeLayout.of(fabric)
    if layout is None:
        return None
    found = common_unit(fabric.demand)
    if found is None:
        return None
    job = FatTreeSplit(layout, *found)
    if not job.nonlocal_.any():
        return [[(0, 1.0)] for _ in job.units], {"lp_congestion": job.lam, "pieces_needed": 1}
    if job.units.max() > 1:
        # unequal sizes: whole flows placed largest first may already fill the cuts exactly
        choice, load = greedy_choice(fabric)
        if fabric.congestion(load) <= job.lam * (1 + 1e-12):
            return [[(int(k), 1.0)] for k in choice], {"lp_congestion": job.lam, "pieces_needed": 1}
    h = layout.half
    p_lb, why = job.needed_pieces()
    sure = h * h                            # every share integral: the rounding is exact
    tries = sorted({p for p in range(p_lb, min(4 * p_lb, sure) + 1, p_lb)}
                   | {d for d in range(p_lb, sure + 1, p_lb) if sure % d == 0})
    for p in tries:
        if time.perf_counter() > deadline:
            p = sure
        # whole cells first (fewer pieces), equitable cells last (sure to balance at p = (k/2)^2)
        pieces = None
        for family, cells in (("edge", False), ("pod", False), ("edge", True), ("pod", True)):
            pieces = pieces or job.attempt(p, family, cells)
        if pieces is None:
            if p == sure:
                return None
            continue
        job.consolidate(p, pieces)
        split = [[(k, n / (job.units[i] * p)) for k, n in row] for i, row in enumerate(pieces)]
        meta = {"lp_congestion": job.lam, "pieces_per_unit": p, "pieces_needed": p_lb}
        if p_lb > 1:
            meta["reason"] = f"one path per flow cannot reach the LP value: {why}"
        return split, meta
    return None

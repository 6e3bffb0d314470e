"""The routing view shared by the network solvers: candidate paths as arrays of link indices.

Flows are grouped by the pair of switches their hosts hang from; the host links are the same for
every path, so their load is fixed, and the candidate paths of a pair are its equal-cost paths
between the two switches: fewest-hop on a fabric, least-weight when links have weights (a WAN:
there equal cost is rare and a pair usually has one), or, with ``k``, its ``k`` shortest simple
paths (what a path-based LP or MILP chooses among on a WAN). Paths of all pairs sit in one padded table
``path_links`` (``-1`` padding points at a dummy link of infinite capacity), so the load of any
single-path choice is one vectorised ``np.add.at``.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from ...errors import InputError
from ...instances.network.problem import NetworkProblem, NetworkSolution


WAN_PATHS = 8       # default k of the path-choosing solvers on weighted networks


def candidates(problem: NetworkProblem, k: int | None = None) -> Callable[[int, int], list[list[int]]]:
    """The candidate paths between two switches: equal-cost (fewest hops without weights, as the
    fabric solvers always had; least weight with them), or the ``k`` shortest simple paths."""
    if k is None and problem.weight is None:
        return problem.equal_cost_paths
    from ...instances.network.wan import PathIndex
    index = PathIndex(problem)
    if k is None:
        return index.equal_cost_paths
    return lambda a, b: index.k_shortest_paths(a, b, k)


def default_k(problem: NetworkProblem, k: int | None) -> int | None:
    """``k`` when given; else None (equal-cost paths) on a fabric, ``WAN_PATHS`` on a weighted network."""
    return k if k is not None else (WAN_PATHS if problem.weight is not None else None)


class Fabric:
    """Candidate paths and fixed loads of ``problem`` (``paths``: a candidate rule, by default
    :func:`candidates` without ``k``)."""

    def __init__(self, problem: NetworkProblem, paths: Callable[[int, int], list[list[int]]] | None = None):
        self.problem = p = problem
        L = len(p.links)
        self.num_links = L
        self.capacity = np.append(p.capacity, math.inf)        # index L: the padding dummy
        self.demand = p.demand
        src, dst = p.flows[:, 0], p.flows[:, 1]
        att = {h: p.attachment(h) for h in set(src.tolist()) | set(dst.tolist())}
        self.src_att = np.array([att[s] for s in src.tolist()], dtype=np.int64)
        self.dst_att = np.array([att[t] for t in dst.tolist()], dtype=np.int64)
        keys: dict[tuple[int, int], int] = {}
        self.flow_pair = np.array([keys.setdefault((a, b), len(keys))
                                   for a, b in zip(self.src_att.tolist(), self.dst_att.tolist())], dtype=np.int64)
        self.pairs = list(keys)
        self.fixed = np.zeros(L + 1)
        for f, (s, t) in enumerate(p.flows.tolist()):
            if self.src_att[f] != s:
                self.fixed[p.link_ids([s, self.src_att[f]])[0]] += self.demand[f]
            if self.dst_att[f] != t:
                self.fixed[p.link_ids([self.dst_att[f], t])[0]] += self.demand[f]
        self.fixed[L] = 0.0
        self.paths: list[list[int]] = []
        rows: list[list[int]] = []
        offset = [0]
        paths = paths or candidates(p)
        for a, b in self.pairs:
            found = paths(a, b)
            if not found:
                raise InputError(f"no path from {p.nodes[a]} to {p.nodes[b]}", field="links")
            self.paths += found
            rows += [p.link_ids(path) for path in found]
            offset.append(len(self.paths))
        width = max((len(r) for r in rows), default=0)
        self.path_links = np.full((len(rows), max(1, width)), L, dtype=np.int64)
        for k, r in enumerate(rows):
            self.path_links[k, : len(r)] = r
        self.pair_offset = np.array(offset, dtype=np.int64)
        self.pair_paths = np.diff(self.pair_offset)            # number of candidates per pair
        self.flow_paths = self.pair_paths[self.flow_pair]       # ... per flow

    # ------------------------------------------------------------------ loads and answers
    def loads(self, choice: np.ndarray) -> np.ndarray:
        """Link loads (padding slot last) when flow ``f`` takes its candidate ``choice[f]``."""
        load = self.fixed.copy()
        rows = self.path_links[self.pair_offset[self.flow_pair] + choice]
        np.add.at(load, rows.ravel(), np.repeat(self.demand, rows.shape[1]))
        return load

    def congestion(self, load: np.ndarray) -> float:
        return float((load[:-1] / self.capacity[:-1]).max()) if self.num_links else 0.0

    def full_path(self, f: int, k: int) -> list[int]:
        """Flow ``f``'s candidate ``k`` from its source host to its destination host."""
        s, t = (int(x) for x in self.problem.flows[f])
        core = self.paths[int(self.pair_offset[self.flow_pair[f]] + k)]
        return ([s] if core[0] != s else []) + list(core) + ([t] if core[-1] != t else [])

    def routing(self, split: Sequence[Sequence[tuple[int, float]]]) -> NetworkSolution:
        """A :class:`NetworkSolution` from, per flow, ``(candidate index, fraction)`` pairs."""
        return NetworkSolution([[(self.full_path(f, k), float(x)) for k, x in row] for f, row in enumerate(split)])

    def single(self, choice: np.ndarray) -> NetworkSolution:
        return self.routing([[(int(k), 1.0)] for k in choice])

"""Packet routing in datacenter fabrics: a topology of directed, capacitated links and flows.

A :class:`NetworkProblem` holds nodes (hosts and switches), directed links with capacities (a cable is
two links, one each way) and flows ``(source host, destination host, size)``. A :class:`NetworkSolution`
gives, for each flow, one or more ``(path, fraction)`` pairs; ``evaluate`` loads every link with
``size * fraction`` along each path and scores the maximum link congestion
(``load / capacity``), the number the LP of ideal packet spraying minimises.

Topologies: :func:`leaf_spine`, :func:`fat_tree`, or any graph from a file
(:mod:`.network_io`); traffic patterns are in :mod:`.network_generate`.

>>> net = leaf_spine(leaves=2, spines=2, hosts_per_leaf=1, flows=[("h0", "h1", 1.0)])
>>> route = NetworkSolution([[(["h0", "leaf0", "spine0", "leaf1", "h1"], 0.5),
...                   (["h0", "leaf0", "spine1", "leaf1", "h1"], 0.5)]])
>>> net.evaluate(net.resolve(route)).objective
1.0
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ...errors import InputError
from ..base import Evaluation, Problem, Solution, Violation

__all__ = ["NetworkProblem", "NetworkSolution", "leaf_spine", "fat_tree"]

_TOL = 1e-6
MAX_PATHS = 256          # equal-cost paths kept per switch pair (a k=16 fat-tree has 64)
BYTES_PER_NODE = 300     # measured: a name, its index entry, its adjacency list
BYTES_PER_LINK = 700     # a cable's tuple, two links, their index entries and arrays
BYTES_PER_FLOW = 300     # a flow's tuple, its index pair and size


def check_network_size(nodes: float, links: float, flows: float = 0, *, what: str, **where: Any) -> None:
    """Refuse a network too large for memory before its lists are built."""
    from ..limits import check_memory
    check_memory(BYTES_PER_NODE * nodes + BYTES_PER_LINK * links + BYTES_PER_FLOW * flows, what, **where)


@dataclass
class NetworkSolution(Solution):
    """Per flow, a list of ``(path, fraction)``; a path is a list of node indices (or names
    before :meth:`Network.resolve`)."""

    flows: list[list[tuple[list[Any], float]]]

    def to_dict(self) -> dict[str, Any]:
        return {"routing": [[[list(map(_plain, path)), float(frac)] for path, frac in flow]
                            for flow in self.flows]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NetworkSolution":
        rows = data["routing"]
        if not isinstance(rows, list):
            raise InputError("routing must be a list with one entry per flow", field="routing")
        return cls([[(list(path), float(frac)) for path, frac in flow] for flow in rows])

    @property
    def subflows(self) -> int:
        return sum(len(flow) for flow in self.flows)


def _plain(node: Any) -> Any:
    return int(node) if isinstance(node, (np.integer,)) else node


@dataclass
class NetworkProblem(Problem):
    """Nodes, directed capacitated links and flows between hosts; objective: max link congestion."""

    nodes: list[str]
    hosts: list[int]
    links: np.ndarray                  # (L, 2) int: tail, head
    capacity: np.ndarray               # (L,) float, positive
    flows: np.ndarray                  # (F, 2) int: source host, destination host
    demand: np.ndarray                 # (F,) float, positive: each flow's size
    name: str = "network"
    best_known: float | None = None
    topology: str = "graph"            # leafspine, fattree, graph or wan
    source: str | None = None
    weight: np.ndarray | None = None   # (L,) routing weight of each link (km on a WAN); None: hop count

    family = "network"
    size_unit = "flows"
    sense = "min"

    def __post_init__(self) -> None:
        self.links = np.asarray(self.links, dtype=np.int64).reshape(-1, 2)
        self.capacity = np.asarray(self.capacity, dtype=float).reshape(-1)
        self.flows = np.asarray(self.flows, dtype=np.int64).reshape(-1, 2)
        self.demand = np.asarray(self.demand, dtype=float).reshape(-1)
        self.hosts = [int(h) for h in self.hosts]
        n = len(self.nodes)
        if len(set(self.nodes)) != n:
            raise InputError("node names must be unique", field="nodes")
        if len(self.capacity) != len(self.links):
            raise InputError(f"{len(self.links)} links but {len(self.capacity)} capacities", field="capacity")
        if self.links.size and (self.links.min() < 0 or self.links.max() >= n):
            raise InputError("a link names a node that does not exist", field="links")
        if not np.all(np.isfinite(self.capacity)) or np.any(self.capacity <= 0):
            bad = int(np.flatnonzero(~(np.isfinite(self.capacity) & (self.capacity > 0)))[0])
            raise InputError(f"link {self._link_name(bad)} has capacity {float(self.capacity[bad])!r}; "
                             f"capacities must be positive and finite", field="capacity")
        if len(self.demand) != len(self.flows):
            raise InputError(f"{len(self.flows)} flows but {len(self.demand)} sizes", field="demand")
        host_set = set(self.hosts)
        for f, (s, t) in enumerate(self.flows.tolist()):
            for end in (s, t):
                if end not in host_set:
                    what = self.nodes[end] if 0 <= end < n else end
                    raise InputError(f"flow {f}: {what!r} is not a host", field="flows")
            if s == t:
                raise InputError(f"flow {f}: source and destination are both {self.nodes[s]!r}", field="flows")
            if not (math.isfinite(self.demand[f]) and self.demand[f] > 0):
                raise InputError(f"flow {f} ({self.nodes[s]} -> {self.nodes[t]}): size must be positive, "
                                 f"got {self.demand[f]!r}", field="demand")
        self._index = {name: k for k, name in enumerate(self.nodes)}
        self._link = {(int(u), int(v)): k for k, (u, v) in enumerate(self.links.tolist())}
        if len(self._link) != len(self.links):
            raise InputError("two links join the same ordered pair of nodes; merge their capacities",
                             field="links")
        self._out: list[list[int]] = [[] for _ in range(n)]
        for u, v in self.links.tolist():
            self._out[u].append(v)
        self._dag_cache: dict[int, list[list[int]]] = {}
        if self.weight is not None:
            self.weight = np.asarray(self.weight, dtype=float).reshape(-1)
            if len(self.weight) != len(self.links):
                raise InputError(f"{len(self.links)} links but {len(self.weight)} weights", field="weight")
            if not np.all(np.isfinite(self.weight)) or np.any(self.weight <= 0):
                bad = int(np.flatnonzero(~(np.isfinite(self.weight) & (self.weight > 0)))[0])
                raise InputError(f"link {self._link_name(bad)} has weight {self.weight[bad]!r}; "
                                 f"weights must be positive", field="weight")

    # ------------------------------------------------------------------ the problem contract
    @property
    def size(self) -> int:
        """The number of flows."""
        return len(self.flows)

    @property
    def features(self) -> frozenset[str]:
        sizes = self.demand
        return frozenset({"unequal_sizes"}) if sizes.size and np.ptp(sizes) > _TOL * sizes.max() else frozenset()

    @property
    def variant(self) -> str:
        return f"NETWORK-{self.topology.upper()}"

    def evaluate(self, solution: Solution) -> Evaluation:
        """Per-link load, maximum congestion and every broken rule (never raises)."""
        viol: list[Violation] = []
        load = np.zeros(len(self.links))
        routes = getattr(solution, "flows", None)
        if not isinstance(routes, list) or len(routes) != len(self.flows):
            got = len(routes) if isinstance(routes, list) else type(solution).__name__
            return Evaluation(math.inf, [Violation("flow_count", f"routing has {got} entries for "
                                                   f"{len(self.flows)} flows", 1)], {})
        subflows = 0
        for f, route in enumerate(routes):
            s, t = int(self.flows[f, 0]), int(self.flows[f, 1])
            total = 0.0
            for k, item in enumerate(route):
                try:
                    path, frac = item
                    frac = float(frac)
                    path = [int(self._index.get(v, v)) if isinstance(v, str) else int(v) for v in path]
                except (TypeError, ValueError):
                    viol.append(Violation("malformed", f"flow {f} sub-flow {k}: not a (path, fraction) pair", 1))
                    continue
                subflows += 1
                if not math.isfinite(frac) or frac < 0:
                    viol.append(Violation("negative_fraction", f"flow {f} sub-flow {k}: fraction {frac}", abs(frac)))
                    continue
                total += frac
                if len(path) < 2 or path[0] != s or path[-1] != t:
                    ends = (self._name(path[0]), self._name(path[-1])) if path else ("-", "-")
                    viol.append(Violation("endpoints", f"flow {f} sub-flow {k}: path runs {ends[0]} -> {ends[1]}, "
                                          f"flow is {self.nodes[s]} -> {self.nodes[t]}", 1))
                    continue
                ids = [self._link.get(pair) for pair in zip(path, path[1:])]
                if None in ids:
                    u, v = list(zip(path, path[1:]))[ids.index(None)]
                    viol.append(Violation("invalid_path", f"flow {f} sub-flow {k}: no link "
                                          f"{self._name(u)} -> {self._name(v)}", 1))
                    continue
                if len(set(path)) != len(path):
                    viol.append(Violation("invalid_path", f"flow {f} sub-flow {k}: path visits a node twice", 1))
                    continue
                load[ids] += self.demand[f] * frac
            if abs(total - 1.0) > _TOL:
                viol.append(Violation("fractions", f"flow {f} ({self.nodes[s]} -> {self.nodes[t]}): "
                                      f"fractions sum to {total:.6g}, not 1", abs(total - 1.0)))
        congestion = load / self.capacity
        worst = int(np.argmax(congestion)) if len(congestion) else -1
        objective = float(congestion[worst]) if worst >= 0 else 0.0
        details = {"max_link_load": float(load.max()) if len(load) else 0.0,
                   "max_congestion_link": self._link_name(worst) if worst >= 0 else None,
                   "subflows": subflows,
                   "subflows_per_flow": subflows / max(1, len(self.flows)),
                   "mean_congestion": float(congestion.mean()) if len(congestion) else 0.0,
                   "link_load": load.tolist()}
        return Evaluation(objective, viol, details)

    def resolve(self, routing: NetworkSolution) -> NetworkSolution:
        """``routing`` with node names replaced by indices (unknown names raise InputError)."""
        out = []
        for f, flow in enumerate(routing.flows):
            row = []
            for path, frac in flow:
                ids = []
                for v in path:
                    if isinstance(v, str):
                        if v not in self._index:
                            raise InputError(f"flow {f}: unknown node {v!r}", field="routing")
                        v = self._index[v]
                    ids.append(int(v))
                row.append((ids, float(frac)))
            out.append(row)
        return NetworkSolution(out)

    # ------------------------------------------------------------------ graph queries
    def attachment(self, host: int) -> int:
        """The switch a single-homed host hangs from (its only neighbour), else the host itself."""
        out = self._out[host]
        return out[0] if len(out) == 1 else host

    def equal_cost_paths(self, a: int, b: int) -> list[list[int]]:
        """Every fewest-hop path from node ``a`` to node ``b`` (at most ``MAX_PATHS``, in a fixed
        order: lexicographic by node index), through switches only."""
        if a == b:
            return [[a]]
        preds = self._dag(a)
        if not preds[b] and a != b:
            return []
        paths: list[list[int]] = []
        stack = [(b, [b])]
        while stack and len(paths) < MAX_PATHS:
            v, suffix = stack.pop()
            if v == a:
                paths.append(suffix[::-1])
                continue
            for u in sorted(preds[v], reverse=True):
                stack.append((u, suffix + [u]))
        return sorted(paths)

    def link_ids(self, path: Sequence[int]) -> list[int]:
        return [self._link[(int(u), int(v))] for u, v in zip(path, path[1:])]

    def _dag(self, a: int) -> list[list[int]]:
        if a not in self._dag_cache:
            host_set = set(self.hosts)
            n = len(self.nodes)
            dist = [-1] * n
            preds: list[list[int]] = [[] for _ in range(n)]
            dist[a] = 0
            queue = deque([a])
            while queue:
                u = queue.popleft()
                if u != a and u in host_set and self._out[u] and len(self._out[u]) == 1:
                    continue                  # single-homed hosts are ends, never transit
                for v in self._out[u]:
                    if dist[v] < 0:
                        dist[v] = dist[u] + 1
                        queue.append(v)
                    if dist[v] == dist[u] + 1:
                        preds[v].append(u)
            self._dag_cache[a] = preds
        return self._dag_cache[a]

    def _name(self, v: Any) -> str:
        return self.nodes[v] if isinstance(v, int) and 0 <= v < len(self.nodes) else repr(v)

    def _link_name(self, k: int) -> str:
        u, v = self.links[k]
        return f"{self.nodes[u]}->{self.nodes[v]}"

    # ------------------------------------------------------------------ serialisation
    def fingerprint(self) -> str:
        """Content only: the topology and flows (not the name or file a copy was read from)."""
        import hashlib

        from ..base import _digest
        h = hashlib.sha256(self.family.encode())
        content = {"nodes": self.nodes, "hosts": self.hosts, "links": self.links, "capacity": self.capacity,
                   "flows": self.flows, "demand": self.demand, "topology": self.topology}
        if self.weight is not None:            # absent for fabrics: their fingerprints stay as they were
            content["weight"] = self.weight
        _digest(h, content)
        return h.hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        out = {"family": self.family, "name": self.name, "topology": self.topology,
               "best_known": self.best_known, "source": self.source, "nodes": list(self.nodes),
               "hosts": [self.nodes[h] for h in self.hosts],
               "links": [[self.nodes[u], self.nodes[v], float(c)]
                         for (u, v), c in zip(self.links.tolist(), self.capacity)],
               "flows": [[self.nodes[s], self.nodes[t], float(z)]
                         for (s, t), z in zip(self.flows.tolist(), self.demand)]}
        if self.weight is not None:
            out["weight"] = self.weight.tolist()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NetworkProblem":
        nodes = [str(v) for v in data["nodes"]]
        index = {v: k for k, v in enumerate(nodes)}

        def node(v: Any, where: str) -> int:
            if str(v) not in index:
                raise InputError(f"unknown node {v!r}", field=where)
            return index[str(v)]

        links = [(node(u, "links"), node(v, "links")) for u, v, _ in data["links"]]
        flows = [(node(s, "flows"), node(t, "flows")) for s, t, _ in data["flows"]]
        return cls(nodes, [node(h, "hosts") for h in data["hosts"]], np.array(links).reshape(-1, 2),
                   np.array([c for *_, c in data["links"]], dtype=float),
                   np.array(flows).reshape(-1, 2), np.array([z for *_, z in data["flows"]], dtype=float),
                   name=str(data.get("name", "network")), best_known=data.get("best_known"),
                   topology=str(data.get("topology", "graph")), source=data.get("source"),
                   weight=None if data.get("weight") is None else np.array(data["weight"], dtype=float))

    @classmethod
    def solution_from_dict(cls, data: dict[str, Any]) -> NetworkSolution:
        return NetworkSolution.from_dict(data)

    def with_flows(self, flows: Iterable[tuple[Any, Any, float]], name: str | None = None) -> "NetworkProblem":
        """The same topology carrying ``flows`` (host names or indices)."""
        pairs, sizes = [], []
        for f, (s, t, z) in enumerate(flows):
            ends = []
            for v in (s, t):
                if isinstance(v, str):
                    if v not in self._index:
                        raise InputError(f"flow {f}: unknown host {v!r}", field="flows")
                    v = self._index[v]
                ends.append(int(v))
            pairs.append(ends)
            sizes.append(float(z))
        return NetworkProblem(list(self.nodes), list(self.hosts), self.links.copy(), self.capacity.copy(),
                       np.array(pairs, dtype=np.int64).reshape(-1, 2), np.array(sizes, dtype=float),
                       name=name or self.name, topology=self.topology, source=self.source,
                       weight=None if self.weight is None else self.weight.copy())


# ---------------------------------------------------------------------------- topologies
def _build(nodes: list[str], hosts: list[str], cables: list[tuple[str, str, float]], flows: Any,
           name: str, topology: str) -> NetworkProblem:
    index = {v: k for k, v in enumerate(nodes)}
    links, caps = [], []
    for u, v, c in cables:
        links += [(index[u], index[v]), (index[v], index[u])]
        caps += [c, c]
    net = NetworkProblem(nodes, [index[h] for h in hosts], np.array(links), np.array(caps), np.zeros((0, 2)),
                  np.zeros(0), name=name, topology=topology)
    return net.with_flows(flows or [], name) if flows else net


def leaf_spine(leaves: int, spines: int, hosts_per_leaf: int, *, host_capacity: float = 1.0,
               spine_capacity: float | None = None, oversubscription: float = 1.0,
               flows: Any = None, name: str | None = None) -> NetworkProblem:
    """Two-tier Clos: every leaf joined to every spine; hosts ``h0..`` hang from leaves in order.

    Leaf-spine cables get ``spine_capacity``, by default ``hosts_per_leaf * host_capacity /
    (spines * oversubscription)`` (oversubscription 1: full bisection bandwidth).
    """
    for label, v in (("leaves", leaves), ("spines", spines), ("hosts_per_leaf", hosts_per_leaf)):
        if int(v) != v or v < 1:
            raise InputError(f"{label} must be a positive integer, got {v!r}", field=label)
    if not oversubscription > 0:
        raise InputError(f"oversubscription must be positive, got {oversubscription!r}", field="oversubscription")
    leaves, spines, hosts_per_leaf = int(leaves), int(spines), int(hosts_per_leaf)
    check_network_size(leaves * (hosts_per_leaf + 1) + spines, 2 * leaves * (hosts_per_leaf + spines),
                       what=f"a leaf-spine fabric of {leaves:,} leaves x {spines:,} spines x {hosts_per_leaf:,} hosts "
                            f"per leaf", field="leaves")
    up = spine_capacity if spine_capacity is not None else hosts_per_leaf * host_capacity / (spines * oversubscription)
    hosts = [f"h{i}" for i in range(leaves * hosts_per_leaf)]
    nodes = hosts + [f"leaf{i}" for i in range(leaves)] + [f"spine{j}" for j in range(spines)]
    cables = [(h, f"leaf{i // hosts_per_leaf}", host_capacity) for i, h in enumerate(hosts)]
    cables += [(f"leaf{i}", f"spine{j}", up) for i in range(leaves) for j in range(spines)]
    return _build(nodes, hosts, cables, flows, name or f"leafspine-{leaves}x{spines}x{hosts_per_leaf}",
                  "leafspine")


def fat_tree(k: int, *, capacity: float = 1.0, host_capacity: float | None = None, flows: Any = None,
             name: str | None = None) -> NetworkProblem:
    """The k-ary fat-tree of Al-Fares et al. (SIGCOMM 2008): k pods of k/2 edge and k/2
    aggregation switches, (k/2)^2 cores, k^3/4 hosts; every switch cable has ``capacity``, host cables ``host_capacity`` (default the same).
    Core ``c`` joins aggregation switch ``c // (k/2)`` of every pod."""
    if int(k) != k or k < 2 or k % 2:
        raise InputError(f"k must be an even integer >= 2, got {k!r}", field="k")
    k = int(k)
    half = k // 2
    check_network_size(k ** 3 / 4 + 5 * k * k / 4, 2 * (k ** 3 / 4 + k * half * half * 2),
                       what=f"a k={k} fat-tree ({k ** 3 // 4:,} hosts)", field="k")
    hosts = [f"h{i}" for i in range(k * half * half)]
    edges = [f"edge{p}.{e}" for p in range(k) for e in range(half)]
    aggs = [f"agg{p}.{a}" for p in range(k) for a in range(half)]
    cores = [f"core{c}" for c in range(half * half)]
    hc = capacity if host_capacity is None else host_capacity
    cables = [(h, edges[i // half], hc) for i, h in enumerate(hosts)]
    for p in range(k):
        for e in range(half):
            for a in range(half):
                cables.append((edges[p * half + e], aggs[p * half + a], capacity))
        for a in range(half):
            for m in range(half):
                cables.append((aggs[p * half + a], cores[a * half + m], capacity))
    return _build(hosts + edges + aggs + cores, hosts, cables, flows, name or f"fattree-k{k}", "fattree")

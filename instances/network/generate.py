"""Seeded network instances: a fabric (leaf-spine, fat-tree) carrying a collective's traffic, or a
real wide-area topology (``wan``: Topology Zoo or SNDlib, from topohub) carrying gravity traffic.

Traffic patterns among ``hosts`` participants (all hosts of the fabric by default), every flow of
``size``:

- ``all-to-all``: every participant sends to every other (MoE dispatch, all-to-all collectives);
- ``ring``: participant ``i`` sends to ``i + 1`` (one step of ring all-reduce);
- ``permutation``: a seeded random derangement;
- ``incast``: every participant sends to the first one.

Participants are placed on hosts ``contiguous`` (h0, h1, ...) or ``random`` (seeded), the rank
order being the placement order, so a random ring crosses the fabric.

>>> p = generate_network("leafspine", seed=0, leaves=4, spines=2, hosts_per_leaf=2, traffic="ring")
>>> p.name, p.size
('leafspine-4x2x2-ring-n8-s0', 8)
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ...errors import InputError
from ..params import choice
from .problem import NetworkProblem, check_network_size, fat_tree, leaf_spine

__all__ = ["PATTERNS", "NETWORK_GENERATORS", "traffic", "generate_network"]

PATTERNS = ("all-to-all", "ring", "permutation", "incast")
_ALIASES = {"alltoall": "all-to-all", "a2a": "all-to-all", "all_to_all": "all-to-all",
            "allreduce": "ring", "all-reduce": "ring", "ring-allreduce": "ring"}


def _pattern(word: Any) -> str:
    return choice("traffic", word, PATTERNS, _ALIASES)


def _flow_count(pattern: str, n: int) -> int:
    n = int(n)
    return n * (n - 1) if pattern == "all-to-all" else n - 1 if pattern == "incast" else n


def _check_fabric(what: str, field: str, nodes: int, links: int, total_hosts: int, pattern: Any,
                  hosts: Any) -> None:
    """The fabric and its traffic together, refused before either is built."""
    pattern = _pattern(pattern)
    try:
        n = total_hosts if hosts is None else min(int(hosts), total_hosts)
    except (TypeError, ValueError):
        return                                  # traffic() names the bad value
    flows = _flow_count(pattern, max(n, 0))
    check_network_size(nodes, links, flows, what=f"{what} with {pattern} traffic among {n:,} hosts "
                                                 f"({flows:,} flows)", field=field)


def traffic(net: NetworkProblem, pattern: str, *, hosts: int | None = None, size: float = 1.0,
            placement: str = "random", seed: int = 0) -> list[tuple[int, int, float]]:
    """The flows of ``pattern`` among ``hosts`` participants of ``net`` (host indices)."""
    pattern = _pattern(pattern)
    n = len(net.hosts) if hosts is None else hosts
    if int(n) != n or not 2 <= n <= len(net.hosts):
        raise InputError(f"hosts must be an integer in [2, {len(net.hosts)}], got {hosts!r}", field="hosts")
    if not (np.isfinite(size) and size > 0):
        raise InputError(f"size must be positive, got {size!r}", field="size")
    check_network_size(0, 0, _flow_count(pattern, n),
                       what=f"{pattern} traffic among {int(n):,} hosts ({_flow_count(pattern, n):,} flows)",
                       field="traffic")
    rng = np.random.default_rng(seed)
    if choice("placement", placement, ("contiguous", "random")) == "contiguous":
        ranks = list(net.hosts[: int(n)])
    else:
        ranks = [net.hosts[i] for i in rng.permutation(len(net.hosts))[: int(n)]]
    n = len(ranks)
    if pattern == "all-to-all":
        pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    elif pattern == "ring":
        pairs = [(i, (i + 1) % n) for i in range(n)]
    elif pattern == "incast":
        pairs = [(i, 0) for i in range(1, n)]
    else:                               # a derangement: a random cyclic shift of a random order
        order = rng.permutation(n)
        shift = int(rng.integers(1, n))
        pairs = [(int(order[i]), int(order[(i + shift) % n])) for i in range(n)]
    return [(ranks[i], ranks[j], float(size)) for i, j in pairs]


_collective = traffic          # for generators whose own ``traffic`` parameter hides the function


def _finish(net: NetworkProblem, kind: str, seed: int, traffic_pattern: str, hosts: int | None, size: float,
            placement: str) -> NetworkProblem:
    pattern = _pattern(traffic_pattern)
    flows = traffic(net, pattern, hosts=hosts, size=size, placement=placement, seed=seed)
    n = len(net.hosts) if hosts is None else hosts
    out = net.with_flows(flows, f"{net.name}-{pattern}-n{n}-s{seed}")
    out.source = (f"generate_network({kind!r}, seed={seed}, traffic={pattern!r}, hosts={n}, "
                  f"size={size}, placement={placement!r})")
    return out


def leafspine(seed: int = 0, *, leaves: int = 4, spines: int = 4, hosts_per_leaf: int = 4,
              host_capacity: float = 1.0, spine_capacity: float | None = None, oversubscription: float = 1.0,
              traffic: str = "all-to-all", hosts: int | None = None, size: float = 1.0,
              placement: str = "random") -> NetworkProblem:
    """Leaf-spine fabric carrying a collective (all-to-all, ring, permutation, incast)."""
    try:
        a, b, c = int(leaves), int(spines), int(hosts_per_leaf)
    except (TypeError, ValueError):
        a = b = c = 0                           # leaf_spine() names the bad value
    if min(a, b, c) > 0:
        _check_fabric(f"a leaf-spine fabric of {a:,} leaves x {b:,} spines x {c:,} hosts per leaf", "leaves",
                      a * (c + 1) + b, 2 * a * (c + b), a * c, traffic, hosts)
    net = leaf_spine(int(leaves), int(spines), int(hosts_per_leaf), host_capacity=host_capacity,
                     spine_capacity=spine_capacity, oversubscription=oversubscription)
    return _finish(net, "leafspine", seed, traffic, hosts, size, placement)


def fattree(seed: int = 0, *, k: int = 4, capacity: float = 1.0, host_capacity: float | None = None,
            traffic: str = "all-to-all",
            hosts: int | None = None, size: float = 1.0, placement: str = "random") -> NetworkProblem:
    """k-ary fat-tree carrying a collective (all-to-all, ring, permutation, incast)."""
    try:
        kk = int(k)
    except (TypeError, ValueError):
        kk = 0                                  # fat_tree() names the bad value
    if kk >= 2:
        _check_fabric(f"a k={kk} fat-tree", "k", kk ** 3 // 4 + 5 * kk * kk // 4, kk ** 3, kk ** 3 // 4, traffic, hosts)
    return _finish(fat_tree(int(k), capacity=capacity, host_capacity=host_capacity), "fattree", seed, traffic, hosts, size, placement)


def wan(seed: int = 0, *, topology: str = "Abilene", traffic: str = "gravity", node_weights: str = "random",
        total: float | None = None, capacity: float = 10.0, hosts: int | None = None,
        size: float = 1.0) -> NetworkProblem:
    """A real wide-area topology from the topohub package (Topology Zoo name such as ``Geant2012``,
    or ``sndlib/NAME``) carrying ``gravity`` traffic (seeded; ``node_weights`` random, degree or
    uniform; ``total`` demand, default one unit per node), the SNDlib demands (``given``), or a
    collective (all-to-all, ring, permutation, incast, flows of ``size``). Links carry ``capacity``
    (Gbit/s; topohub has no link speeds; with ``given`` demands, in the demands' own unit) and weigh
    their length in km."""
    from .topology import topohub_with_demands
    from .wan import gravity

    if not (isinstance(capacity, (int, float)) and math.isfinite(capacity) and capacity > 0):
        raise InputError(f"capacity must be positive, got {capacity!r}", field="capacity")
    net, given = topohub_with_demands(str(topology), default_capacity=float(capacity))
    word = choice("traffic", traffic, ("gravity", "given", *PATTERNS), _ALIASES)
    n = len(net.hosts) if hosts is None else hosts
    if word == "gravity":
        flows = gravity(net, seed, total=total, node_weights=node_weights, hosts=hosts)
    elif word == "given":
        if not given:
            raise InputError(f"{net.source} has no demands of its own (only SNDlib topologies do); "
                             f"use traffic=gravity", field="traffic")
        flows = given
        n = len({v for s, t, _ in given for v in (s, t)})
    else:
        flows = _collective(net, word, hosts=hosts, size=size, seed=seed)
    out = net.with_flows(flows, f"{net.name}-{word}-n{n}-s{seed}")
    out.source = (f"generate_network('wan', seed={seed}, topology={str(topology)!r}, traffic={word!r}, "
                  f"hosts={n}, capacity={capacity})")
    return out


NETWORK_GENERATORS: dict[str, Callable[..., NetworkProblem]] = {"leafspine": leafspine, "fattree": fattree,
                                                                "wan": wan}


def generate_network(kind: str, seed: int = 0, **params: Any) -> NetworkProblem:
    """A seeded network instance of ``kind`` (``leafspine``, ``fattree`` or ``wan``)."""
    word = str(kind).strip().lower().replace("-", "").replace("_", "")
    if word not in NETWORK_GENERATORS:
        raise InputError(f"unknown network kind {kind!r}; valid: {', '.join(NETWORK_GENERATORS)}", field="kind")
    from ..params import check_params

    fn = NETWORK_GENERATORS[word]
    check_params(fn, word, params)
    return fn(seed, **params)

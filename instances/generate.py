"""``generate(kind, n, seed, **params)``: one entry point for the seeded generators of every family.

The table below maps each kind to the function that makes it, imported only when used, and says
what ``n`` counts for it. The generators themselves live in ``instances/<family>/generate.py``.

>>> generate("cvrp", n=10, seed=0).variant
'CVRP'
>>> generate("balance-zipf", n=64, seed=0, m=8, k=2).size_text
'64 tokens'
>>> sorted({kind.family for kind in KINDS.values()})
['balance', 'network', 'paths', 'vrp']
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import InputError
from .base import Problem
from .params import check_params, generator_params, number, unknown

__all__ = ["KINDS", "Kind", "generate", "kind_info"]


@dataclass(frozen=True)
class Kind:
    """One generator: its family, where it lives, what ``n`` counts and its default size."""

    name: str
    family: str
    target: str                 # "module:function" relative to routeopt.instances
    n_means: str
    default_n: int | None       # None: the generator decides (every host of the fabric)
    description: str

    def function(self) -> Callable[..., Problem]:
        module, _, attr = self.target.partition(":")
        table_or_fn = getattr(importlib.import_module(f"routeopt.instances.{module}"), attr)
        return table_or_fn[self.name] if isinstance(table_or_fn, dict) else table_or_fn

    def params(self) -> list[str]:
        fn = self.function()
        return [p for p in generator_params(fn) if p not in ("hosts",)]


def _kinds(family: str, target: str, n_means: str, default_n: int | None, **docs: str) -> dict[str, Kind]:
    return {name.replace("_", "-"): Kind(name.replace("_", "-"), family, target, n_means, default_n, doc)
            for name, doc in docs.items()}


KINDS: dict[str, Kind] = {
    **_kinds("vrp", "vrp.generate:GENERATORS", "clients", 50,
             tsp="TSP: uniform or clustered points in the unit square (n counts cities, depot included)",
             atsp="ATSP: random metric asymmetric matrix, as in MatNet (n counts cities)",
             cvrp="CVRP: the X generator of Uchoa et al. (2017)",
             acvrp="asymmetric CVRP: X-like points with a skewed matrix",
             vrptw="VRPTW: Solomon-like R/C/RC with tight or wide windows (DIMACS convention)",
             hfvrp="heterogeneous fleet CVRP with fixed costs",
             mdvrp="multi-depot CVRP",
             pvrp="profiled VRP (CAMP): per-vehicle preferences or forbidden zones"),
    **_kinds("paths", "paths.generate:GRAPH_GENERATORS", "nodes", 10_000,
             road="road network: grid with highways and arterials, travel times, random queries",
             chung_lu="power-law (Chung-Lu) social graph, random queries",
             city="city street map in lon/lat (OSM-like ways, one-way streets, bends), saves as .osm.pbf"),
    **_kinds("balance", "balance.generate:BALANCE_GENERATORS", "tokens", 1024,
             balance_gaussian="MoE router scores: Gaussian logits with Gaussian per-expert offsets",
             balance_zipf="MoE router scores: Zipf expert popularity",
             balance_hot="MoE router scores: a few hot experts",
             balance_drift="MoE router scores: expert offsets drifting over steps"),
    **_kinds("network", "network.generate:NETWORK_GENERATORS", "participating hosts", None,
             leafspine="leaf-spine fabric carrying a collective (all-to-all, ring, permutation, incast)",
             fattree="k-ary fat-tree carrying a collective",
             wan="wide-area network (Topology Zoo / SNDlib, from topohub) carrying gravity traffic"),
}
_ALIASES = {"chunglu": "chung-lu", "leaf-spine": "leafspine", "fat-tree": "fattree"}


def kind_info(kind: str) -> Kind:
    """The :class:`Kind` called ``kind``; an ``InputError`` with the nearest name otherwise."""
    word = str(kind).strip().lower().replace("_", "-")
    word = _ALIASES.get(word, word)
    if word not in KINDS:
        raise unknown("kind", str(kind), KINDS, field="kind")
    return KINDS[word]


def generate(kind: str, n: int | None = None, seed: int = 0, **params: Any) -> Problem:
    """A seeded instance of ``kind`` (see ``KINDS``); ``n`` counts what ``KINDS[kind].n_means`` says
    (its default when left out). Same arguments, same instance.

    >>> generate("tsp", n=5, seed=0).variant
    'TSP'
    """
    info = kind_info(kind)
    fn = info.function()
    seed = number("seed", seed, 0, 2**63 - 1, integer=True)
    if info.family == "network":
        if "hosts" in params:
            raise InputError("give the number of participating hosts as n, not hosts", field="hosts")
        check_params(fn, info.name, params)
        hosts = {} if n is None else {"hosts": number("n", n, 2, 10**7, integer=True)}
        try:
            return fn(seed, **hosts, **params)
        except InputError as exc:          # the generator calls n "hosts"
            if exc.field != "hosts":
                raise
            raise InputError(exc.message.replace("hosts", "n (participating hosts)", 1), field="n") from None
    check_params(fn, info.name, params)
    return fn(info.default_n if n is None else n, seed, **params)

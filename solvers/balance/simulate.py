"""A stream of router-score batches fed to balancing methods step after step.

Each method is a router (see :mod:`.common`); stateful ones (``bip-causal``, ``lossfree``, and
``bip``, whose prices warm-start the next batch) carry their state from step to step. Per step
and method the simulator records MaxVio (``max load / mean load - 1``, on the router's raw
routing, without capacity repair: what the model would see), the score kept relative to the
unconstrained top-k, the time spent routing, and for the causal BIP the share of tokens its
capacity guard re-routed (``bip-causal-raw`` is the same router on prices alone). The report
gives AvgMaxVio and SupMaxVio over all steps and over the steps after ``warmup``.

>>> rep = simulate("balance-gaussian", n=512, m=8, k=2, steps=5, methods=["topk", "bip"], warmup=2)
>>> [row["method"] for row in rep.rows()]
['topk', 'bip']
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ...errors import InputError
from ...instances.balance.generate import ScoreModel
from .bip import BIPRouter
from .common import as_tensor, loads_of, torch_device
from .greedy import ExpertChoiceRouter, GreedyRouter
from .lossfree import LossFreeRouter
from .sinkhorn import SinkhornRouter

__all__ = ["simulate", "SimReport", "ROUTERS", "DEFAULT_METHODS", "make_router"]


class TopKRouter:
    """The unconstrained baseline: every token takes its k best experts."""

    def __init__(self, m: int, k: int, capacity_factor: float = 1.0, **_: Any):
        self.k = k

    def __call__(self, s):
        return s.topk(self.k, dim=1).indices


ROUTERS: dict[str, tuple[type, dict[str, Any]]] = {
    "topk": (TopKRouter, {}),
    "bip": (BIPRouter, {"causal": False}),
    "bip-causal": (BIPRouter, {"causal": True}),
    "bip-causal-raw": (BIPRouter, {"causal": True, "guard": False}),
    "lossfree": (LossFreeRouter, {}),
    "sinkhorn": (SinkhornRouter, {}),
    "greedy": (GreedyRouter, {}),
    "expert-choice": (ExpertChoiceRouter, {}),
}
DEFAULT_METHODS = ("topk", "bip", "bip-causal", "bip-causal-raw", "lossfree", "sinkhorn", "greedy",
                   "expert-choice")


def make_router(method: str, m: int, k: int, capacity_factor: float, **options: Any):
    if method not in ROUTERS:
        raise InputError(f"unknown balancing method {method!r}; valid: {', '.join(ROUTERS)}", field="methods")
    cls, preset = ROUTERS[method]
    return cls(m, k, capacity_factor, **{**preset, **options})


@dataclass
class MethodTrace:
    method: str
    max_vio: list[float] = field(default_factory=list)
    score_ratio: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    moved: list[float] = field(default_factory=list)     # causal guard: share of tokens it re-routed

    def row(self, warmup: int) -> dict[str, Any]:
        v = np.array(self.max_vio)
        late = v[warmup:] if v.size > warmup else v[-1:]
        t = np.array(self.seconds[1:] or self.seconds)      # step 0 pays torch's first-call costs
        return {"method": self.method, "avg_max_vio": float(v.mean()), "sup_max_vio": float(v.max()),
                "avg_max_vio_after_warmup": float(late.mean()), "sup_max_vio_after_warmup": float(late.max()),
                "first_max_vio": float(v[0]), "score_ratio": float(np.mean(self.score_ratio)),
                "ms_per_step": 1000.0 * float(t.mean()),
                "guard_moved": float(np.mean(self.moved)) if self.moved else None}


@dataclass
class SimReport:
    kind: str
    n: int
    m: int
    k: int
    steps: int
    warmup: int
    capacity_factor: float
    device: str
    traces: list[MethodTrace]

    def rows(self) -> list[dict[str, Any]]:
        return [t.row(self.warmup) for t in self.traces]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "n": self.n, "m": self.m, "k": self.k, "steps": self.steps,
                "warmup": self.warmup, "capacity_factor": self.capacity_factor, "device": self.device,
                "methods": self.rows()}


def simulate(kind: str = "balance-gaussian", n: int = 4096, m: int = 16, k: int = 2, steps: int = 50,
             seed: int = 0, *, capacity_factor: float = 1.0, methods: Sequence[str] | None = None,
             warmup: int = 10, device: str = "cpu", options: dict[str, dict[str, Any]] | None = None,
             **law: Any) -> SimReport:
    """Run ``methods`` (default: all of ``ROUTERS``) on ``steps`` batches of the ``kind`` stream.

    ``options`` maps a method to its router options, e.g. ``{"bip": {"iterations": 8}}``.
    """
    import torch

    if not 1 <= k <= m:
        raise InputError(f"k={k} must be in 1..{m} (the number of experts)", field="k")
    if steps < 1:
        raise InputError(f"steps must be at least 1, got {steps}", field="steps")
    dev = torch_device(device)
    methods = list(methods or DEFAULT_METHODS)
    routers = {name: make_router(name, m, k, capacity_factor, **(options or {}).get(name, {}))
               for name in methods}
    traces = {name: MethodTrace(name) for name in methods}
    model = ScoreModel(kind, m, seed, **law)
    mean = k * n / m
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for step in range(steps):
        s = as_tensor(model.batch(n, step), dev)
        top = float(s.topk(k, dim=1).values.sum())
        for name, route in routers.items():
            sync()
            t0 = time.perf_counter()
            experts = route(s)
            sync()
            elapsed = time.perf_counter() - t0
            load = loads_of(experts, m)
            kept = float(s.gather(1, experts.clamp(min=0)).masked_fill(experts < 0, 0).sum())
            tr = traces[name]
            tr.max_vio.append(float(load.max()) / mean - 1.0)
            tr.score_ratio.append(kept / top if top > 0 else float("nan"))
            tr.seconds.append(elapsed)
            moved = getattr(route, "info", {}).get("guard_moved")
            if moved is not None:
                tr.moved.append(moved / n)
    return SimReport(kind, n, m, k, steps, warmup, capacity_factor, str(dev), list(traces.values()))

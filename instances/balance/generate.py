"""Seeded router-score generators for the ``balance`` family, one batch or a stream of batches.

Every kind draws logits ``N(0, sigma^2)`` per token and expert plus a per-expert offset (the
expert's popularity), then turns them into routing scores with ``activation`` (``softmax`` as in
Switch/Mixtral gates, ``sigmoid`` as in DeepSeek-V3, or ``none`` for raw logits). The offsets
are what makes balancing necessary and what a stateful method (BIP causal, loss-free bias) can
learn from earlier batches:

- ``balance-gaussian``: offsets ``N(0, spread^2)``.
- ``balance-zipf``: offsets ``log`` of Zipf popularity ``rank^-exponent`` (ranks shuffled).
- ``balance-hot``: ``hot`` experts (default ``m / 16``, at least one) get ``+boost``.
- ``balance-drift``: Gaussian offsets following a random walk, ``drift`` per step: batch ``step``
  of a stream sees the offsets of that step.

Batch ``t`` of a stream draws from ``default_rng([seed, t])``, so one step can be rebuilt alone.

>>> p = generate_balance("balance-zipf", n=64, seed=0, m=8, k=2)
>>> p.scores.shape, p.k, p.capacity
((64, 8), 2, 16)
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator

import numpy as np

from ...errors import InputError
from ..params import choice, number
from .problem import BalanceProblem

__all__ = ["BALANCE_GENERATORS", "generate_balance", "stream", "ScoreModel"]

MAX_PAIRS = 1 << 27          # tokens x experts in one batch (1 GiB of float64)
_ACTIVATIONS = ("softmax", "sigmoid", "none")


def _int(name: str, value: Any, low: int, high: int) -> int:
    return number(name, value, low, high, integer=True)


def _float(name: str, value: Any, low: float, high: float = math.inf) -> float:
    return float(number(name, value, low, high))


class ScoreModel:
    """The law of one stream: per-expert offsets (moving for ``drift``) and the activation."""

    def __init__(self, kind: str, m: int = 16, seed: int = 0, *, sigma: float = 1.0, spread: float = 0.5,
                 exponent: float = 1.0, hot: int | None = None, boost: float = 2.0, drift: float = 0.01,
                 activation: str = "softmax"):
        if kind not in BALANCE_GENERATORS:
            raise InputError(f"unknown balance kind {kind!r}; valid: {', '.join(BALANCE_GENERATORS)}", field="kind")
        self.kind, self.m, self.seed = kind, _int("m", m, 1, 1 << 16), _int("seed", seed, 0, 2**63 - 1)
        self.sigma, self.drift = _float("sigma", sigma, 0), _float("drift", drift, 0)
        self.activation = choice("activation", activation, _ACTIVATIONS)
        rng = np.random.default_rng(self.seed)
        if kind == "balance-zipf":
            ranks = rng.permutation(self.m) + 1
            self.base = -_float("exponent", exponent, 0) * np.log(ranks)
        elif kind == "balance-hot":
            h = max(1, self.m // 16) if hot is None else _int("hot", hot, 0, self.m)
            self.base = np.zeros(self.m)
            self.base[rng.choice(self.m, size=h, replace=False)] = _float("boost", boost, 0)
        else:
            self.base = rng.normal(0.0, _float("spread", spread, 0), self.m)

    def offsets(self, step: int) -> np.ndarray:
        if self.kind != "balance-drift" or step == 0 or self.drift == 0:
            return self.base
        # the walk's increments are drawn once per step from their own stream, so offsets(t) is
        # the same whichever steps were asked before
        walk = np.random.default_rng([self.seed, 1 << 40]).normal(0.0, self.drift, (step, self.m))
        return self.base + walk.sum(0)

    def batch(self, n: int, step: int = 0) -> np.ndarray:
        if n * self.m > MAX_PAIRS:
            raise InputError(f"n * m = {n * self.m} exceeds {MAX_PAIRS} token-expert pairs", field="n")
        rng = np.random.default_rng([self.seed, step])
        logits = rng.standard_normal((n, self.m))
        logits *= self.sigma
        logits += self.offsets(step)
        if self.activation == "softmax":
            logits -= logits.max(1, keepdims=True)
            np.exp(logits, out=logits)
            logits /= logits.sum(1, keepdims=True)
        elif self.activation == "sigmoid":
            logits = 1.0 / (1.0 + np.exp(-logits))
        return logits


def _problem(kind: str, n: int = 1024, seed: int = 0, *, m: int = 16, k: int = 2, capacity_factor: float = 1.0,
             devices: int = 0, step: int = 0, **law: Any) -> BalanceProblem:
    n = _int("n", n, 1, MAX_PAIRS)
    m = _int("m", m, 1, 1 << 16)
    model = ScoreModel(kind, m, seed, **law)
    step = _int("step", step, 0, 10**9)
    devices = _int("devices", devices, 0, m)
    placement = None if devices == 0 else np.arange(m) * devices // m     # contiguous blocks of experts
    extra = "".join(f", {key}={v!r}" for key, v in law.items())
    source = (f"generate({kind!r}, n={n}, seed={seed}, m={m}, k={k}, capacity_factor={capacity_factor!r}"
              f"{f', devices={devices}' if devices else ''}{f', step={step}' if step else ''}{extra})")
    name = f"{kind}-n{n}-m{m}-k{k}-s{seed}" + (f"-t{step}" if step else "")
    return BalanceProblem(model.batch(n, step), k=k, capacity_factor=capacity_factor, placement=placement,
                          name=name, source=source)


def _kind(kind: str) -> Callable[..., BalanceProblem]:
    def fn(n: int = 1024, seed: int = 0, *, m: int = 16, k: int = 2, capacity_factor: float = 1.0,
           devices: int = 0, step: int = 0, sigma: float = 1.0, spread: float = 0.5, exponent: float = 1.0,
           hot: int | None = None, boost: float = 2.0, drift: float = 0.01,
           activation: str = "softmax") -> BalanceProblem:
        law = {"sigma": sigma, "spread": spread, "exponent": exponent, "hot": hot, "boost": boost,
               "drift": drift, "activation": activation}
        defaults = {"sigma": 1.0, "spread": 0.5, "exponent": 1.0, "hot": None, "boost": 2.0, "drift": 0.01,
                    "activation": "softmax"}
        law = {key: v for key, v in law.items() if v != defaults[key]}
        return _problem(kind, n, seed, m=m, k=k, capacity_factor=capacity_factor, devices=devices, step=step, **law)
    fn.__name__ = kind.replace("-", "_")
    fn.__doc__ = _DOCS[kind]
    return fn


_DOCS = {
    "balance-gaussian": "MoE router scores: Gaussian logits with Gaussian per-expert offsets.",
    "balance-zipf": "MoE router scores: Gaussian logits with Zipf expert popularity.",
    "balance-hot": "MoE router scores: Gaussian logits with a few hot experts.",
    "balance-drift": "MoE router scores: Gaussian logits whose expert offsets drift over steps.",
}
BALANCE_GENERATORS: dict[str, Callable[..., BalanceProblem]] = {kind: _kind(kind) for kind in _DOCS}


def generate_balance(kind: str, n: int = 1024, seed: int = 0, **params: Any) -> BalanceProblem:
    """One batch of ``kind`` as a :class:`BalanceProblem`."""
    if kind not in BALANCE_GENERATORS:
        raise InputError(f"unknown balance kind {kind!r}; valid: {', '.join(BALANCE_GENERATORS)}", field="kind")
    from ..params import check_params

    fn = BALANCE_GENERATORS[kind]
    check_params(fn, kind, params)
    return fn(n, seed, **params)


def stream(kind: str, n: int, steps: int, seed: int = 0, *, m: int = 16, **law: Any) -> Iterator[np.ndarray]:
    """``steps`` score batches ``(n, m)`` of one stream (offsets fixed, or drifting for ``drift``)."""
    model = ScoreModel(kind, m, seed, **law)
    n = _int("n", n, 1, MAX_PAIRS)
    for t in range(_int("steps", steps, 0, 10**7)):
        yield model.batch(n, t)

"""Sinkhorn routing: a balanced entropic transport plan between tokens and experts, then top-k.

The plan ``P = diag(a) exp(s / eps) diag(b)`` is scaled (in the log domain) until each token
sends ``k`` and each expert receives ``k n / m``; tokens are routed by the top-k of their row of
``P``, i.e. of ``s / eps + log b``: ``-eps log b`` acts as the expert price of the BIP dual,
smoothed by the entropy. With positive scores (gate probabilities) the plan is built on their
logarithm with temperature ``eps`` (1: the gates themselves); other scores are divided by ``eps``
times their standard deviation.

Sources: S-BASE in A. Clark et al., "Unified Scaling Laws for Routed Language Models" (ICML 2022);
M. Cuturi, "Sinkhorn Distances" (NeurIPS 2013).

>>> import torch
>>> SinkhornRouter(m=2, k=1)(torch.tensor([[1.0, 0.9], [1.0, 0.8]])).flatten().tolist()
[1, 0]
"""

from __future__ import annotations

import math
from typing import Any

from ..base import Option
from .bound import prices_from_bias
from .common import RouterSolver

__all__ = ["SinkhornRouter", "SinkhornSolver"]


class SinkhornRouter:
    def __init__(self, m: int, k: int, capacity_factor: float = 1.0, *, eps: float = 1.0,
                 iterations: int = 20, **_: Any):
        self.m, self.k, self.eps, self.iterations = m, k, float(eps), int(iterations)
        self.info: dict[str, Any] = {}
        self.log_domain = False
        self.q = None

    def __call__(self, s):
        import torch

        n, m = s.shape
        if bool((s > 0).all()):
            # gate probabilities: work on their logarithm (the router's logits up to a per-token
            # constant), so that eps = 1 scales the gates themselves as in S-BASE
            temperature = self.eps
            logits = torch.log(s) / temperature
            self.log_domain = True
        else:
            temperature = self.eps * float(s.std()) if n * m > 1 else 1.0
            temperature = max(temperature, 1e-12)
            logits = s / temperature
            self.log_domain = False
        f = torch.zeros(n, 1, dtype=s.dtype, device=s.device)
        g = torch.zeros(1, m, dtype=s.dtype, device=s.device)
        log_row, log_col = math.log(self.k), math.log(self.k * n / m)
        for _ in range(self.iterations):
            f = log_row - torch.logsumexp(logits + g, dim=1, keepdim=True)
            g = log_col - torch.logsumexp(logits + f, dim=0, keepdim=True)
        # per-token scaling f does not change a row's order
        self.info = {"temperature": temperature}
        # on raw scores, top-k of s / T + g is top-k of s - q with q = -T g: expert prices of the
        # BIP dual; on log-gates g prices the logarithm, not the scores, and gives no bound
        self.q = None if self.log_domain else prices_from_bias(temperature * g)
        return (logits + g).topk(self.k, dim=1).indices

    def prices(self):
        return self.q


class SinkhornSolver(RouterSolver):
    """Sinkhorn routing; options ``eps`` (1.0), ``iterations`` (20)."""

    name = "sinkhorn"
    description = "Sinkhorn balanced transport plan (log domain), then top-k per token (torch)."
    OPTIONS = (
        # the scores are divided by eps: it must be positive
        Option("eps", float, 1.0, "entropy temperature (1: the gate probabilities themselves)", low=1e-6),
        Option("iterations", int, 20, "Sinkhorn scaling sweeps (rows, then columns)", low=1),
    )

    def router(self, problem):
        return SinkhornRouter(problem.num_experts, problem.k, eps=self.options["eps"],
                              iterations=self.options["iterations"])

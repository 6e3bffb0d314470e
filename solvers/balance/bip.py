"""The BIP dual algorithm for expert load balancing (coordinate descent on the LP dual).

The routing problem ``max sum s_ij x_ij`` s.t. ``sum_j x_ij = k``, ``sum_i x_ij <= C``,
``x in {0, 1}`` has the LP dual ``min k sum p_i + C sum q_j + sum r_ij`` with
``p_i + q_j + r_ij >= s_ij``, ``q, r >= 0``. Coordinate descent on it alternates closed forms:

- ``p_i`` = the (k+1)-th largest of ``s_ij - q_j`` over experts ``j``,
- ``q_j`` = max(0, the (C+1)-th largest of ``s_ij - p_i`` over tokens ``i``),

for ``T`` iterations; tokens are then routed by the top-k of ``s - q``. The expert prices ``q``
are kept from batch to batch: in the *oracle* mode a batch is routed with prices updated on the
batch itself; in the *causal* mode with prices learnt from earlier batches only (what a model
can do at inference, where routing precedes seeing the whole batch), and updated afterwards.

Source: "Binary-Integer-Programming Based Algorithm for Expert Load Balancing in Mixture-of-Experts
Models" (2025).

>>> import torch
>>> route = BIPRouter(m=2, k=1, capacity_factor=1.0)    # capacity 2: two tokens leave expert 0
>>> route(torch.tensor([[0.9, 0.1], [0.8, 0.3], [0.7, 0.6], [0.6, 0.2]])).flatten().tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

from typing import Any

from .common import RouterSolver, capacity_of

__all__ = ["BIPRouter", "BIPSolver", "dual_prices"]


def dual_prices(s, k: int, capacity: int, q=None, iterations: int = 4):
    """``(p, q)`` after ``iterations`` coordinate updates from expert prices ``q`` (zeros if None)."""
    import torch

    n, m = s.shape
    q = torch.zeros(m, dtype=s.dtype, device=s.device) if q is None else q
    p = torch.zeros(n, dtype=s.dtype, device=s.device)
    # the (C+1)-th token sits exactly on the price; a hair above it breaks the tie against it,
    # otherwise tied tokens all pick the expert and overload it
    tie = 1e-6 * float(s.abs().mean()) if s.numel() else 0.0
    for _ in range(iterations):
        if k < m:   # (k+1)-th largest = (m-k)-th smallest
            p = torch.kthvalue(s - q, m - k, dim=1).values
        else:       # every expert is taken: no price separates them
            p = (s - q).min(dim=1).values - 1.0
        if capacity < n:
            q = (torch.kthvalue(s - p[:, None], n - capacity, dim=0).values + tie).clamp(min=0)
        else:
            q = torch.zeros_like(q)
    return p, q


class BIPRouter:
    """Stateful router: ``route(scores) -> experts (n, k)``; ``q`` carries across calls."""

    def __init__(self, m: int, k: int, capacity_factor: float = 1.0, *, iterations: int = 4,
                 causal: bool = False, smoothing: float | None = None, **_: Any):
        self.m, self.k, self.capacity_factor = m, k, capacity_factor
        self.iterations, self.causal = int(iterations), bool(causal)
        # causal prices: a running average of the batch prices (weight ``smoothing`` on the newest)
        # rather than the last batch's own, whose sampling noise would be routed twice over
        self.smoothing = (0.5 if causal else 1.0) if smoothing is None else float(smoothing)
        self.q = None
        self.q_avg = None
        self.info: dict[str, Any] = {}

    def __call__(self, s):
        import torch

        n = s.shape[0]
        cap = capacity_of(n, self.m, self.k, self.capacity_factor)
        if self.q is not None:
            self.q = self.q.to(device=s.device, dtype=s.dtype)
        if self.causal:
            zero = torch.zeros(self.m, dtype=s.dtype, device=s.device)
            q_used = self.q_avg.to(device=s.device, dtype=s.dtype) if self.q_avg is not None else zero
            _, self.q = dual_prices(s, self.k, cap, self.q, self.iterations)
            self.q_avg = self.q if self.q_avg is None else q_used + self.smoothing * (self.q - q_used)
        else:
            _, self.q = dual_prices(s, self.k, cap, self.q, self.iterations)
            q_used = self.q
        self.info = {"max_price": float(q_used.max())}
        return (s - q_used).topk(self.k, dim=1).indices


class BIPSolver(RouterSolver):
    """BIP dual prices, T coordinate iterations, route by top-k of ``s - q``; options
    ``iterations`` (4), ``causal`` (False: one batch has nothing earlier, so causal = top-k),
    ``smoothing`` (causal mode: weight of the newest batch in the running average of q, 0.5)."""

    name = "bip"
    description = "BIP dual algorithm: quantile updates of token/expert prices, top-k of s - q (torch)."

    def router(self, problem):
        opts = {key: v for key, v in self.options.items() if key in ("iterations", "causal", "smoothing")}
        return BIPRouter(problem.num_experts, problem.k, problem.capacity_factor, **opts)

"""Proved upper bounds on the best balance objective, from expert prices (Lagrangian duality).

Relaxing the capacity rows ``sum_i x_ij <= C_j`` with prices ``q_j >= 0`` leaves a problem each
token solves alone (its ``k`` best experts by ``s_ij - q_j``), so for every ``q >= 0``

    L(q) = sum_i (sum of the k largest of s_ij - q_j over j) + sum_j C_j q_j  >=  optimum.

(For a feasible ``x``: ``sum s x = sum (s - q) x + sum_j q_j load_j``, the first sum is at most the
per-token top-k sums and the second at most ``sum_j q_j C_j``.) ``L`` is the LP dual objective at
its best token prices, so the prices of the dual methods (BIP, Sinkhorn, the loss-free bias, the
auction) give bounds as tight as their prices are good, and the auction's are optimal. An expert
never takes more than ``n`` tokens, so ``C_j`` is capped at ``n``: a tighter, still valid bound.

Computed in float64 from the problem's own scores whatever precision the router worked in, so the
bound is valid for the objective :meth:`BalanceProblem.evaluate` reports.

>>> import torch
>>> s = torch.tensor([[3.0, 1.0], [2.0, 0.0]], dtype=torch.float64)
>>> lagrangian_bound(s, 1, 1, torch.zeros(2)), lagrangian_bound(s, 1, 1, torch.tensor([1.0, 0.0]))
(5.0, 4.0)
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["lagrangian_bound", "best_bound", "prices_from_bias"]


def lagrangian_bound(scores, k: int, capacity: Any, prices) -> float:
    """``L(q)`` with ``q = max(prices, 0)``; ``capacity`` is one number or one per expert."""
    import torch

    s = scores if scores.dtype == torch.float64 else scores.to(torch.float64)
    n, m = s.shape
    q = prices.to(device=s.device, dtype=torch.float64).clamp(min=0)
    cap = torch.as_tensor(capacity, dtype=torch.float64, device=s.device).clamp(max=n)
    top = (s - q).topk(k, dim=1, sorted=False).values.sum() if k < m else (s - q).sum()
    return float(top + (cap * q).sum())


def prices_from_bias(bias):
    """Expert prices of a router that ranks by ``s + bias`` (Sinkhorn's log-potentials times its
    temperature, the loss-free bias): ``q = max(bias) - bias``, the shift that makes the cheapest
    expert free. Any shift ranks alike; this one gives the smallest ``L`` when the experts have
    room for more than ``n k`` (and the same ``L`` when they have exactly that)."""
    b = bias.reshape(-1)
    return b.max() - b


def best_bound(scores, k: int, capacity: int, candidates: Iterable[Any] = (), *, sweeps: int = 0,
               start=None) -> tuple[float, Any]:
    """The smallest ``L(q)`` over the ``candidates`` prices and, when ``sweeps > 0``, the prices
    after that many BIP dual sweeps from ``start`` (zeros if None): ``(bound, prices)``; with
    neither, ``L(0)``, the unconstrained top-k score. The sweeps run in the precision of
    ``scores`` (the router's); the bound itself is always float64."""
    import torch

    from .bip import dual_prices

    m = scores.shape[1]
    s64 = scores.to(torch.float64)
    tried = [c for c in candidates if c is not None]
    if sweeps > 0:
        q0 = None if start is None else start.to(device=scores.device, dtype=scores.dtype).clamp(min=0)
        tried.append(dual_prices(scores, k, capacity, q0, sweeps)[1])
    if not tried:
        tried.append(torch.zeros(m, dtype=torch.float64, device=scores.device))
    best, best_q = float("inf"), None
    for q in tried:
        value = lagrangian_bound(s64, k, capacity, q)
        if value < best:
            best, best_q = value, q
    return best, best_q

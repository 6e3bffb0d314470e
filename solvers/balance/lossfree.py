"""DeepSeek's auxiliary-loss-free balancing: a per-expert bias added to the scores for routing only.

Tokens are routed by the top-k of ``s + b``; after each batch ``b_j += u * sign(mean load - load_j)``
(``u = 1e-3`` as in DeepSeek-V3). The bias is state: it only helps from the second batch on,
so on one batch alone the method is plain top-k. The gate values themselves (what the score
objective counts) are the unbiased ``s``.

Sources: L. Wang et al., "Auxiliary-Loss-Free Load Balancing Strategy for Mixture-of-Experts"
(2024); DeepSeek-V3 technical report; "A Theoretical Framework for Auxiliary-Loss-Free Load
Balancing" (its primal-dual reading: ``-b`` plays the role of the expert prices ``q``).

>>> import torch
>>> route = LossFreeRouter(m=2, k=1, update_rate=0.5)
>>> s = torch.tensor([[1.0, 0.9], [1.0, 0.8]])
>>> route(s).flatten().tolist(), route(s).flatten().tolist()
([0, 0], [1, 1])
"""

from __future__ import annotations

from typing import Any

from ..base import Option
from .bound import prices_from_bias
from .common import RouterSolver, loads_of

__all__ = ["LossFreeRouter", "LossFreeSolver"]


class LossFreeRouter:
    def __init__(self, m: int, k: int, capacity_factor: float = 1.0, *, update_rate: float = 1e-3,
                 passes: int = 1, **_: Any):
        self.m, self.k, self.u, self.passes = m, k, float(update_rate), max(1, int(passes))
        self.bias = None
        self.info: dict[str, Any] = {}

    def __call__(self, s):
        import torch

        if self.bias is None:
            self.bias = torch.zeros(self.m, dtype=s.dtype, device=s.device)
        self.bias = self.bias.to(device=s.device, dtype=s.dtype)
        experts = (s + self.bias).topk(self.k, dim=1).indices
        for _ in range(self.passes):
            load = loads_of(experts, self.m).to(s.dtype)
            self.bias += self.u * torch.sign(load.mean() - load)
            # later passes only exist for the one-batch solver's ``passes`` option
            if self.passes > 1:
                experts = (s + self.bias).topk(self.k, dim=1).indices
        self.info = {"bias_spread": float(self.bias.max() - self.bias.min())}
        return experts

    def prices(self):
        """``-bias`` as expert prices (the primal-dual reading of the method), cheapest at 0."""
        return None if self.bias is None else prices_from_bias(self.bias)


class LossFreeSolver(RouterSolver):
    """Loss-free bias balancing on one batch; options ``update_rate`` (1e-3) and ``passes`` (1:
    route once with zero bias, i.e. top-k; more: route again after each bias update)."""

    name = "lossfree"
    description = "DeepSeek auxiliary-loss-free bias: top-k of s + b, b += u*sign(mean load - load)."
    OPTIONS = (
        Option("update_rate", float, 1e-3, "bias step u after each pass (DeepSeek-V3: 1e-3)", low=0.0),
        Option("passes", int, 1, "bias updates on the batch (1: route once with zero bias, i.e. top-k; "
               "more: route again after each update)", low=1),
    )

    def router(self, problem):
        return LossFreeRouter(problem.num_experts, problem.k, update_rate=self.options["update_rate"],
                              passes=self.options["passes"])

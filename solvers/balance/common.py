"""What the balance routers share: torch tensors on a chosen device, top-k, loads, capacity repair.

Every router maps a score batch ``(n, m)`` to an expert table ``(n, k)`` in torch, so the same
code runs on CPU and GPU (``device="cuda"``). A *router* may keep state across batches (the
stream simulator calls it batch after batch); a *solver* wraps a fresh router to answer one
:class:`~routeopt.instances.balance.BalanceProblem` under the registry's contracts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import UnsupportedError
from ...instances.balance import BalanceProblem, BalanceSolution, capacity_of
from ..base import Budget, Result, Solver, Status

__all__ = ["as_tensor", "topk_experts", "loads_of", "repair", "RouterSolver", "capacity_of"]


def torch_device(name: str | None):
    import torch

    name = name or "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UnsupportedError(f"device {name!r} asked for, but torch sees no CUDA device")
    return torch.device(name)


def as_tensor(scores: Any, device: Any = "cpu", dtype: Any = None):
    """Scores as a float tensor on ``device`` (float32 unless ``dtype`` says otherwise)."""
    import torch

    dtype = dtype or torch.float32
    if isinstance(scores, torch.Tensor):
        return scores.to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(scores), dtype=dtype, device=device)


def topk_experts(values, k: int):
    """The ``k`` largest columns of each row (ties broken by the lower index)."""
    return values.topk(k, dim=1).indices


def loads_of(experts, m: int):
    """Tokens per expert; empty slots (``-1``) are not counted."""
    import torch

    flat = experts.reshape(-1)
    flat = flat[flat >= 0]
    return torch.bincount(flat, minlength=m)


def repair(scores, experts, capacity: int, max_rounds: int | None = None):
    """``experts`` made to respect ``capacity``: an overloaded expert keeps its best-scoring
    tokens; every slot it drops (and every ``-1`` slot) is re-routed to the token's best expert
    that still has room and that it does not hold yet, best offers first (no token is dropped).

    Rounds of proposals: each round every open slot proposes to its best open expert and each
    expert accepts the best proposals that fit, so a round fills at least one slot per proposed
    expert. Returns ``(experts, moved)``; a slot that cannot be filled (every expert with room is
    already held by that token: rare, needs swaps) stays ``-1``.
    """
    import torch

    n, m = scores.shape
    k = experts.shape[1]
    experts = experts.clone()
    neg = torch.finfo(scores.dtype).min
    # drop the overflow: per expert, the slots beyond capacity in decreasing score order
    flat_e = experts.reshape(-1)
    taken = flat_e >= 0
    token = torch.arange(n, device=scores.device).repeat_interleave(k)
    val = torch.where(taken, scores[token, flat_e.clamp(min=0)], torch.full_like(flat_e, 0, dtype=scores.dtype))
    order = torch.argsort(val, descending=True, stable=True)
    order = order[taken[order]]
    by_expert = order[torch.argsort(flat_e[order], stable=True)]        # grouped by expert, best first
    e_sorted = flat_e[by_expert]
    starts = torch.searchsorted(e_sorted, torch.arange(m, device=scores.device))
    rank = torch.arange(e_sorted.numel(), device=scores.device) - starts[e_sorted]
    drop = by_expert[rank >= capacity]
    flat_e[drop] = -1
    moved = int(drop.numel())
    experts = flat_e.view(n, k)
    load = loads_of(experts, m)
    held = torch.zeros(n, m, dtype=torch.bool, device=scores.device)
    ok = experts >= 0
    held[torch.nonzero(ok)[:, 0], experts[ok]] = True
    rounds = 0
    limit = max_rounds if max_rounds is not None else 4 * m + 16
    while rounds < limit:
        open_rows, open_slots = torch.nonzero(experts < 0, as_tuple=True)
        if open_rows.numel() == 0:
            break
        rounds += 1
        # one slot per token per round, so a token never gets the same expert twice
        first = torch.ones_like(open_rows, dtype=torch.bool)
        first[1:] = open_rows[1:] != open_rows[:-1]
        rows, slots = open_rows[first], open_slots[first]
        room = load < capacity
        offer = scores[rows].masked_fill(held[rows] | ~room[None, :], neg)
        best_val, best = offer.max(dim=1)
        feasible = best_val > neg
        if not feasible.any():
            break
        rows, slots, best, best_val = rows[feasible], slots[feasible], best[feasible], best_val[feasible]
        order = torch.argsort(best_val, descending=True, stable=True)
        order = order[torch.argsort(best[order], stable=True)]
        b = best[order]
        starts = torch.searchsorted(b, torch.arange(m, device=scores.device))
        rank = torch.arange(b.numel(), device=scores.device) - starts[b]
        accept = order[rank < (capacity - load)[b]]
        experts[rows[accept], slots[accept]] = best[accept]
        held[rows[accept], best[accept]] = True
        load += torch.bincount(best[accept], minlength=m)
    if max_rounds is None:
        _swap_in(scores, experts, held, load, capacity)
    return experts, moved


def _swap_in(scores, experts, held, load, capacity: int) -> None:
    """Fill the slots the proposal rounds could not: token ``t`` already holds every expert
    ``e`` with room, so another token ``u`` moves from some ``f`` to ``e`` and ``t`` takes ``f``
    (the best such exchange by score). In place; slots with no exchange stay ``-1``."""
    import torch

    for t, slot in torch.nonzero(experts < 0).tolist():
        best = None
        for e in torch.nonzero(load < capacity).flatten().tolist():
            ok = held & ~held[:, e:e + 1] & ~held[t][None, :]
            if not ok.any():
                continue
            gain = (scores[:, e:e + 1] - scores + scores[t][None, :]).masked_fill(~ok, -float("inf"))
            flat = int(gain.argmax())
            if best is None or gain.view(-1)[flat] > best[0]:
                best = (gain.view(-1)[flat], e, flat // scores.shape[1], flat % scores.shape[1])
        if best is None:
            continue
        _, e, u, f = best
        experts[u][experts[u] == f] = e
        held[u, f], held[u, e] = False, True
        experts[t, slot] = f
        held[t, f] = True
        load[e] += 1


class RouterSolver(Solver):
    """A balance solver built on a router: subclasses define ``router(problem)``.

    Options: ``device`` (``"cpu"``, ``"cuda"``), ``repair`` (default True: overflow beyond the
    expert capacity is re-routed so the answer is feasible; the router's own MaxVio is kept as
    ``metadata["raw_max_vio"]``), plus the router's own options.
    """

    family = "balance"
    kind = "heuristic"
    supports = frozenset({"devices"})
    library = "torch"

    def router(self, problem: BalanceProblem):  # pragma: no cover - abstract
        raise NotImplementedError

    def _solve(self, problem: BalanceProblem, budget: Budget) -> Result:
        import torch

        torch.manual_seed(budget.seed)
        device = torch_device(self.options.get("device"))
        s = as_tensor(problem.scores, device)
        route = self.router(problem)
        experts = route(s)
        n, m = s.shape
        raw = loads_of(experts, m)
        meta: dict[str, Any] = {"raw_max_vio": float(raw.max()) / (problem.k * n / m) - 1.0,
                                "device": str(device)}
        meta.update(getattr(route, "info", {}))
        if self.options.get("repair", True):
            experts, moved = repair(s, experts, problem.capacity)
            meta["repaired_slots"] = moved
        sol = BalanceSolution(experts.cpu().numpy())
        return Result(self.name, problem.name, Status.FEASIBLE, solution=sol, metadata=meta)


def capacity(n: int, m: int, k: int, capacity_factor: float) -> int:
    return capacity_of(n, m, k, capacity_factor) if math.isfinite(capacity_factor) else n

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

import re
from dataclasses import dataclass

from ...errors import InputError, UnsupportedError
from ...instances.balance.problem import BalanceProblem, BalanceSolution, capacity_of
from ..base import Budget, Option, Result, Solver, Status

__all__ = ["as_tensor", "topk_experts", "loads_of", "repair", "RouterSolver", "capacity_of", "DEVICE"]

_DEVICE = re.compile(r"cpu|cuda(:[0-9]+)?")


def torch_device(name: str | None):
    """The torch device ``name`` (cpu, cuda, cuda:N): a one-line error for any other word, for
    CUDA on a machine without it, and for a CUDA index past the devices present."""
    name = "cpu" if name is None else str(name).strip().lower()
    if not _DEVICE.fullmatch(name):
        raise InputError(f"device={name!r} is not a torch device; valid: cpu, cuda, cuda:N", field="device")
    import torch

    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UnsupportedError(f"device {name!r} asked for, but torch sees no CUDA device (use device=cpu)")
        index = int(name.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise UnsupportedError(f"device {name!r} asked for, but torch sees only {torch.cuda.device_count()} "
                                   f"CUDA device(s): cuda:0..cuda:{torch.cuda.device_count() - 1}")
    return torch.device(name)


@dataclass(frozen=True)
class _DeviceOption(Option):
    """The ``device`` option, checked when it is given (before any solve)."""

    def validate(self, value: Any, owner: str) -> Any:
        value = super().validate(value, owner)
        if value is not None:
            try:
                torch_device(value)
            except InputError as exc:
                raise InputError(f"solver {owner!r}: option {exc.message}", field="device") from None
            except UnsupportedError as exc:
                raise UnsupportedError(f"solver {owner!r}: {exc}") from None
            value = str(value).strip().lower()
        return value


DEVICE = _DeviceOption("device", str, "cpu", "torch device the scores are routed on: cpu, cuda or cuda:N")


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

    Rounds of proposals: each round a token with ``r`` open slots proposes to its ``r`` best
    experts that have room and that it does not hold, and each expert accepts the best proposals
    that fit (so a round fills at least one expert or every open slot). A slot left open because
    every expert with room is already held by its token is filled by an exchange with another
    token (:func:`_swap_in`), so no slot stays open when the experts have room for all
    (``capacity * m >= n * k``). ``max_rounds`` caps the rounds and skips the exchanges (``0``:
    the overflow slots stay ``-1``). Returns ``(experts, moved)``, ``moved`` the number of slots
    the overflow step dropped. Tensor operations only: the same code runs on CPU and GPU.

    >>> import torch
    >>> s = torch.tensor([[3.0, 2.0, 1.0], [3.0, 1.0, 2.0], [3.0, 2.0, 1.0]])
    >>> e, moved = repair(s, s.topk(1, dim=1).indices, capacity=1)
    >>> e.flatten().tolist(), moved
    ([0, 2, 1], 2)
    """
    import torch

    n, m = scores.shape
    k = experts.shape[1]
    device = scores.device
    # drop the overflow: per expert, the slots beyond capacity in decreasing score order
    flat_e = experts.reshape(-1).to(torch.int64, copy=True)
    taken = torch.nonzero(flat_e >= 0, as_tuple=True)[0]
    val = scores[taken // k, flat_e[taken]]
    order, rank, _ = _best_first(flat_e[taken], val, m)
    drop = taken[order[rank >= capacity]]
    flat_e[drop] = -1
    moved = int(drop.numel())
    experts = flat_e.view(n, k)
    load = loads_of(experts, m)
    held = torch.zeros(n, m, dtype=torch.bool, device=device)
    kept = torch.nonzero(flat_e >= 0, as_tuple=True)[0]
    held[kept // k, flat_e[kept]] = True
    _propose(scores, experts, held, load, capacity, max_rounds if max_rounds is not None else 4 * m + 16)
    if max_rounds is None:
        _swap_in(scores, experts, held, load, capacity)
    return experts, moved


def _best_first(key, value, m: int):
    """``(order, rank, starts)``: ``order`` groups the elements by ``key`` (``0..m-1``), best
    ``value`` first within a group (ties keep their input order); ``rank`` is each element's place
    in its group, in ``order``'s order; ``starts[g]`` is where group ``g`` begins in ``order``."""
    import torch

    if value.dtype == torch.float32:
        # one stable sort of (key, -value) packed in an int64: a float32's bits, negatives folded,
        # are ordered as the floats are
        bits = value.contiguous().view(torch.int32).to(torch.int64)
        bits = torch.where(bits < 0, bits ^ 0x7FFFFFFF, bits)
        order = torch.argsort(key.to(torch.int64) * (1 << 32) + ((1 << 31) - 1 - bits), stable=True)
    else:
        order = torch.argsort(value, descending=True, stable=True)
        order = order[torch.argsort(key[order], stable=True)]
    grouped = key[order]
    starts = torch.searchsorted(grouped, torch.arange(m, device=key.device, dtype=grouped.dtype))
    rank = torch.arange(order.numel(), device=key.device) - starts[grouped]
    return order, rank, starts


def _propose(scores, experts, held, load, capacity: int, limit: int) -> None:
    """The proposal rounds, in place. A round looks only at a window of each token's best
    experts that were open when the window was taken (a partial sort of its row, ``topk``):
    experts only ever close, so the window's open entries stay its best ones, and a row is sorted
    again only when its window has fewer open entries left than the row has open slots. Rounds
    are thus exactly as if every row were sorted each round, at a fraction of the cost."""
    import torch

    n, m = scores.shape
    k = experts.shape[1]
    device = scores.device
    need = (experts < 0).sum(1)
    rows = torch.nonzero(need, as_tuple=True)[0]
    if rows.numel() == 0 or limit <= 0:
        return
    need = need[rows]
    # a row holds k - need experts, so a fresh window of k or more keeps at least need usable
    # entries; the slack spares some refreshes, a wider one costs more than it spares
    width = min(m, k + int(need.max()) // 2)
    val = torch.empty(rows.numel(), width, dtype=scores.dtype, device=device)
    cand = torch.zeros(rows.numel(), width, dtype=torch.int64, device=device)
    usable = torch.zeros(rows.numel(), width, dtype=torch.bool, device=device)
    whole = torch.zeros(rows.numel(), dtype=torch.bool, device=device)   # window held every open expert
    rounds = 0
    while True:
        full = load >= capacity
        usable &= ~full[cand]
        left = usable.sum(dim=1)
        refresh = torch.nonzero((left < need) & ~whole, as_tuple=True)[0]
        if refresh.numel():
            open_experts = torch.nonzero(~full, as_tuple=True)[0]
            w = min(width, open_experts.numel())
            window = scores if refresh.numel() == n else scores.index_select(0, rows[refresh])
            if open_experts.numel() < m:
                window = window.index_select(1, open_experts)
            v, c = window.max(dim=1, keepdim=True) if w == 1 else window.topk(w, dim=1)   # max: faster
            c = open_experts[c]
            u = ~held.view(-1)[rows[refresh, None] * m + c]
            if w < width:                       # fewer open experts than the window is wide
                u = torch.cat([u, u.new_zeros(u.shape[0], width - w)], dim=1)
                v, c = (torch.cat([x, x[:, :1].expand(-1, width - w)], dim=1) for x in (v, c))
            val[refresh], cand[refresh], usable[refresh] = v, c, u
            whole[refresh] = w == open_experts.numel()
            left[refresh] = u.sum(dim=1)
        live = (need > 0) & (left > 0)
        count = int(live.sum())
        if count == 0 or rounds >= limit:
            return
        if count < rows.numel() // 2:          # rows that are done, or have nothing left, leave
            keep = torch.nonzero(live, as_tuple=True)[0]
            rows, need, val, cand, usable, whole = (x.index_select(0, keep)
                                                    for x in (rows, need, val, cand, usable, whole))
        rounds += 1
        propose = usable & (usable.cumsum(dim=1) <= need[:, None])
        p = torch.nonzero(propose.view(-1), as_tuple=True)[0]
        p_exp = cand.view(-1)[p]
        order, rank, _ = _best_first(p_exp, val.view(-1)[p], m)
        p = p[order[rank < (capacity - load)[p_exp[order]]].sort().values]     # accepted, in row order
        i, e = p // width, cand.view(-1)[p]
        row = rows[i]
        if k == 1:
            slot = torch.zeros_like(row)
        else:                   # a token's j-th accepted proposal (best first) fills its j-th open slot
            j = torch.arange(i.numel(), device=device) - torch.searchsorted(i, i)
            open_ = experts[row] < 0
            slot = ((open_.cumsum(dim=1) == (j + 1)[:, None]) & open_).to(torch.uint8).argmax(dim=1)
        experts[row, slot] = e
        held[row, e] = True
        load += torch.bincount(e, minlength=m)
        usable.view(-1)[p] = False
        need -= torch.bincount(i, minlength=rows.numel())


def _swap_in(scores, experts, held, load, capacity: int) -> None:
    """Fill the slots the proposal rounds could not: token ``t`` already holds every expert with
    room, so a donor token ``u`` moves from some ``f`` that ``t`` lacks to its best expert ``e``
    with room, and ``t`` takes ``f``; best exchange first (gain ``s[t,f] - s[u,f] + s[u,e]``).

    Such an exchange exists whenever some expert has room: an ``f`` that ``t`` lacks is full, and
    if all its holders held every expert with room, those experts would be full too.

    Per ``f``, the donors are listed best first (one sort of the token-expert pairs); then steps:
    each open slot picks its best ``f`` at the price of ``f``'s next donor, the slots that picked
    the same ``f`` take its next donors while that still beats their second choice, a donor moves
    once and only while its ``e`` has room. When the lists run dry they are made again. In place.
    """
    import torch

    n, m = scores.shape
    k = experts.shape[1]
    device = scores.device
    ninf = -math.inf
    progress = True
    while progress:
        progress = False
        room = torch.nonzero(load < capacity, as_tuple=True)[0]
        open_slots = torch.nonzero(experts < 0, as_tuple=True)
        if open_slots[0].numel() == 0 or room.numel() == 0:
            return
        # each token's best expert with room that it does not hold: where it would move as a donor
        to_val, to = scores[:, room].masked_fill(held[:, room], ninf).max(dim=1)
        to = room[to]
        # (a token with an open slot is no donor: it holds every expert with room, unless the
        # proposal rounds were cut short)
        donor = (to_val > ninf) & (experts >= 0).all(dim=1)
        u, slot = torch.nonzero((experts >= 0) & donor[:, None], as_tuple=True)
        f = experts[u, slot]
        delta = to_val[u] - scores[u, f]
        # per f, its donors best first; a slot never needs more of them than there are open slots
        order, rank, _ = _best_first(f, delta, m)
        order = order[rank < open_slots[0].numel()]
        u, slot, f, delta = u[order], slot[order], f[order], delta[order]
        starts = torch.searchsorted(f, torch.arange(m + 1, device=device, dtype=f.dtype))
        alive = torch.ones_like(u, dtype=torch.bool)
        while True:
            t, t_slot = torch.nonzero(experts < 0, as_tuple=True)
            first = torch.ones_like(t, dtype=torch.bool)       # one slot per token per step
            first[1:] = t[1:] != t[:-1]
            t, t_slot = t[first], t_slot[first]
            alive_at = torch.nonzero(alive, as_tuple=True)[0]
            head = torch.searchsorted(alive_at, starts)         # per f, where its live donors begin
            price = torch.full((m + 1,), ninf, dtype=scores.dtype, device=device)
            has = head[:-1] < head[1:]
            price[:-1][has] = delta[alive_at[head[:-1][has]]]
            gain = (scores[t] + price[None, :-1]).masked_fill(held[t], ninf)
            top, pick = gain.topk(min(2, m), dim=1)
            valid = top[:, 0] > ninf
            if not bool(valid.any()):
                break
            t, t_slot, g, fc, second = t[valid], t_slot[valid], top[valid, 0], pick[valid, 0], top[valid, -1]
            # the slots that chose f take its next live donors in turn
            order, j, _ = _best_first(fc, g, m)
            t, t_slot, fc, second = t[order], t_slot[order], fc[order], second[order]
            at = head[fc] + j
            ok = at < head[fc + 1]
            d = alive_at[at.clamp(max=max(alive_at.numel() - 1, 0))]
            g = scores[t, fc] + delta[d]
            ok &= (j == 0) | (g >= second)
            t, t_slot, fc, g, d = t[ok], t_slot[ok], fc[ok], g[ok], d[ok]
            # a donor listed under two f goes once; then e takes the best ones that fit
            order = torch.argsort(g, descending=True, stable=True)
            t, t_slot, fc, g, d = t[order], t_slot[order], fc[order], g[order], d[order]
            once = torch.ones_like(d, dtype=torch.bool)
            by_u = torch.argsort(u[d], stable=True)
            once[by_u[1:]] = u[d][by_u[1:]] != u[d][by_u[:-1]]
            t, t_slot, fc, g, d = t[once], t_slot[once], fc[once], g[once], d[once]
            e = to[u[d]]
            order, rank, _ = _best_first(e, g, m)
            go = order[rank < (capacity - load)[e[order]]]
            t, t_slot, fc, d, e = t[go], t_slot[go], fc[go], d[go], e[go]
            if t.numel() == 0:
                break
            progress = True
            du, ds = u[d], slot[d]
            experts[du, ds] = e
            held[du, fc] = False
            held[du, e] = True
            experts[t, t_slot] = fc
            held[t, fc] = True
            load += torch.bincount(e, minlength=m)
            moved = torch.zeros(n, dtype=torch.bool, device=device)
            moved[du] = True
            alive &= ~moved[u] & (load[to[u]] < capacity)


class RouterSolver(Solver):
    """A balance solver built on a router: subclasses define ``router(problem)``.

    Options: ``device`` (``"cpu"``, ``"cuda"``), ``repair`` (default True: overflow beyond the
    expert capacity is re-routed so the answer is feasible; the router's own MaxVio is kept as
    ``metadata["raw_max_vio"]``), plus the router's own options (each subclass declares them).
    """

    family = "balance"
    kind = "heuristic"
    supports = frozenset({"devices"})
    library = "torch"
    OPTIONS = (
        DEVICE,
        Option("repair", bool, True, "re-route overflow beyond the expert capacity so the answer is "
               "feasible (the router's own MaxVio stays in metadata['raw_max_vio'])"),
        Option("bound_sweeps", int, 2, "BIP dual sweeps, from the method's own expert prices where it has "
               "them, for the proved upper bound (0: its own prices only, else the top-k score)", low=0),
    )

    def router(self, problem: BalanceProblem):  # pragma: no cover - abstract
        raise NotImplementedError

    def _solve(self, problem: BalanceProblem, budget: Budget) -> Result:
        import torch

        torch.manual_seed(budget.seed)
        device = torch_device(self.options["device"])
        s = as_tensor(problem.scores, device)
        route = self.router(problem)
        experts = route(s)
        n, m = s.shape
        raw = loads_of(experts, m)
        meta: dict[str, Any] = {"raw_max_vio": float(raw.max()) / (problem.k * n / m) - 1.0,
                                "device": str(device)}
        meta.update(getattr(route, "info", {}))
        if self.options["repair"]:
            experts, moved = repair(s, experts, problem.capacity)
            meta["repaired_slots"] = moved
        own = route.prices() if hasattr(route, "prices") else None
        return bounded_result(self.name, problem, s, experts, own, self.options["bound_sweeps"], meta)


def bounded_result(name: str, problem: BalanceProblem, s, experts, prices, sweeps: int,
                   meta: dict[str, Any]) -> Result:
    """A router's answer with its proved upper bound (:mod:`.bound`): the smaller Lagrangian bound
    of the router's own ``prices`` and of ``sweeps`` BIP dual sweeps from them. OPTIMAL when the
    bound meets the objective of a feasible answer (within 1e-9 relative), else FEASIBLE."""
    import torch

    from .bound import best_bound

    m = s.shape[1]
    bound, _ = best_bound(s, problem.k, problem.capacity, [prices], sweeps=sweeps, start=prices)
    status = Status.FEASIBLE
    if bool((experts >= 0).all()) and int(loads_of(experts, m).max()) <= problem.capacity:
        objective = float(torch.as_tensor(problem.scores, device=s.device).gather(1, experts).sum())
        if bound - objective <= 1e-9 * max(abs(objective), 1e-300):
            status, bound = Status.OPTIMAL, objective      # what is left is rounding in the sums
    sol = BalanceSolution(experts.cpu().numpy())
    return Result(name, problem.name, status, bound=bound, solution=sol, metadata=meta)


def capacity(n: int, m: int, k: int, capacity_factor: float) -> int:
    return capacity_of(n, m, k, capacity_factor) if math.isfinite(capacity_factor) else n

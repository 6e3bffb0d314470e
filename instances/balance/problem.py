"""Token-to-expert assignment in a Mixture-of-Experts layer: the ``balance`` problem family.

``n`` tokens each pick ``k`` distinct experts out of ``m``; token ``i`` sent to expert ``j``
earns ``scores[i, j]``; each expert takes at most ``capacity = ceil(capacity_factor * k * n / m)``
tokens (``capacity_factor = 1``: perfect balance). The objective is the total score of the chosen
pairs, to be maximised: a binary integer program whose LP relaxation is integral (the constraint
matrix is that of a bipartite b-matching). Experts may be placed on devices (``placement[j]`` is
the device of expert ``j``); evaluation then reports device loads too.

The balance metric of the MoE literature is ``MaxVio = max load / mean load - 1`` with mean
load ``k * n / m``.

>>> import numpy as np
>>> p = BalanceProblem(scores=np.array([[3., 1.], [2., 0.]]), k=1)
>>> e = p.evaluate(BalanceSolution(np.array([[0], [1]])))
>>> e.objective, e.feasible, e.details["max_vio"]
(3.0, True, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InputError
from ..base import Evaluation, Problem, Violation
from ..base import Solution as _BaseSolution

__all__ = ["BalanceProblem", "BalanceSolution", "capacity_of", "max_vio"]


MAX_DEVICES = 1 << 16      # device numbers beyond this (and beyond the experts) are typos, not fabrics


def capacity_of(n: int, m: int, k: int, capacity_factor: float) -> int:
    """Tokens one expert may take: ``ceil(c * k * n / m)`` (a hair of slack for float noise)."""
    return int(math.ceil(capacity_factor * k * n / m - 1e-9))


def max_vio(loads: np.ndarray, n: int, k: int) -> float:
    """``max load / mean load - 1`` with mean load ``k * n / m``."""
    mean = k * n / len(loads)
    return float(np.max(loads) / mean - 1.0) if mean > 0 else 0.0


@dataclass
class BalanceSolution(_BaseSolution):
    """``experts[i]`` lists the ``k`` experts of token ``i`` (``-1``: a slot left empty)."""

    experts: np.ndarray

    def __post_init__(self) -> None:
        a = np.asarray(self.experts)
        if a.dtype.kind not in "iu":
            if a.size and not np.all(np.isfinite(a.astype(float))):
                raise InputError("expert indices must be finite integers", field="experts")
            a = a.astype(np.int64)
        self.experts = a.astype(np.int64, copy=False)

    def to_dict(self) -> dict[str, Any]:
        return {"experts": self.experts.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BalanceSolution":
        try:
            return cls(np.asarray(data["experts"], dtype=np.int64))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a balance solution: {exc}", field="experts") from None


@dataclass
class BalanceProblem(Problem):
    """Scores ``(n, m)``, top-``k``, capacity factor, optional expert-to-device ``placement``."""

    family = "balance"
    size_unit = "tokens"
    sense = "max"

    scores: np.ndarray
    k: int = 1
    capacity_factor: float = 1.0
    placement: np.ndarray | None = None
    name: str = "balance"
    best_known: float | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        s = np.asarray(self.scores, dtype=float)
        if s.ndim != 2 or s.shape[0] < 1 or s.shape[1] < 1:
            raise InputError(f"scores must be a 2-D (tokens, experts) array, got shape {s.shape}",
                             field="scores")
        bad = ~np.isfinite(s)
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise InputError(f"scores[{i}][{j}] is {s[i, j]}: scores must be finite", field="scores")
        self.scores = s
        n, m = s.shape
        try:
            whole = not isinstance(self.k, (bool, str)) and float(self.k).is_integer() and 1 <= self.k <= m
        except (TypeError, ValueError, OverflowError):
            whole = False
        if not whole:
            raise InputError(f"k={self.k!r} must be an integer in 1..{m} (the number of experts)", field="k")
        self.k = int(self.k)
        c = self.capacity_factor
        if isinstance(c, bool) or not isinstance(c, (int, float, np.number)) or not math.isfinite(c) or c <= 0:
            raise InputError(f"capacity_factor must be a positive number, got {c!r}", field="capacity_factor")
        if c * self.k * n / m > 2**53:
            raise InputError(f"capacity_factor={c!r} is too large: an expert's capacity would pass 2^53 tokens",
                             field="capacity_factor")
        self.capacity_factor = float(c)
        if self.capacity * m < n * self.k:
            raise InputError(f"capacity_factor={c:g} gives {m} experts room for {self.capacity * m} "
                             f"assignments, fewer than the {n * self.k} needed (use at least 1)",
                             field="capacity_factor")
        if self.placement is not None:
            pl = np.asarray(self.placement)
            if pl.shape != (m,) or pl.dtype.kind not in "iuf" or (
                    pl.dtype.kind == "f" and not (np.isfinite(pl).all() and np.all(np.mod(pl, 1) == 0))):
                raise InputError(f"placement must list one integer device per expert ({m}), got shape "
                                 f"{pl.shape}", field="placement")
            if ((pl < 0) | (pl >= max(m, MAX_DEVICES))).any():
                bad = int(np.argmax((pl < 0) | (pl >= max(m, MAX_DEVICES))))
                raise InputError(f"placement of expert {bad} is device {pl[bad]!r}: devices are numbered "
                                 f"0..{max(m, MAX_DEVICES) - 1}", field="placement")
            pl = pl.astype(np.int64)
            self.placement = pl

    # ------------------------------------------------------------------ shape
    @property
    def num_tokens(self) -> int:
        return self.scores.shape[0]

    @property
    def num_experts(self) -> int:
        return self.scores.shape[1]

    @property
    def num_devices(self) -> int:
        return 0 if self.placement is None else int(self.placement.max()) + 1

    @property
    def capacity(self) -> int:
        return capacity_of(self.num_tokens, self.num_experts, self.k, self.capacity_factor)

    @property
    def size(self) -> int:
        return self.num_tokens

    @property
    def features(self) -> frozenset[str]:
        return frozenset({"devices"}) if self.placement is not None else frozenset()

    @property
    def variant(self) -> str:
        return f"TOP{self.k}"

    def topk_score(self) -> float:
        """Total score of the unconstrained top-k routing: an upper bound on every objective."""
        part = np.partition(self.scores, self.num_experts - self.k, axis=1)[:, self.num_experts - self.k:]
        return float(part.sum())

    # ------------------------------------------------------------------ scoring
    def evaluate(self, solution: BalanceSolution) -> Evaluation:
        n, m, k = self.num_tokens, self.num_experts, self.k
        e = np.asarray(getattr(solution, "experts", None))
        violations: list[Violation] = []
        if e.ndim != 2 or e.shape[0] != n or e.dtype.kind not in "iu":
            violations.append(Violation("shape", f"expected an integer ({n}, {k}) array of experts, "
                                                 f"got shape {e.shape}"))
            return Evaluation(0.0, violations, {})
        if e.shape[1] != k:
            violations.append(Violation("wrong_k", f"each token needs {k} experts, the solution gives "
                                                   f"{e.shape[1]}", abs(e.shape[1] - k)))
        empty = e < 0
        out = e >= m
        valid = ~empty & ~out
        if empty.any():
            i = int(np.argwhere(empty)[0][0])
            violations.append(Violation("dropped", f"{int(empty.any(1).sum())} tokens have fewer than {k} "
                                                   f"experts (first: token {i})", int(empty.sum())))
        if out.any():
            i, j = map(int, np.argwhere(out)[0])
            violations.append(Violation("expert_range", f"token {i} names expert {e[i, j]}; experts are "
                                                        f"0..{m - 1}", int(out.sum())))
        srt = np.sort(np.where(valid, e, -1 - np.arange(e.shape[1])), axis=1)
        dup_rows = (srt[:, 1:] == srt[:, :-1]).any(1) if e.shape[1] > 1 else np.zeros(n, bool)
        if dup_rows.any():
            i = int(np.argmax(dup_rows))
            violations.append(Violation("duplicate", f"{int(dup_rows.sum())} tokens name an expert twice "
                                                     f"(first: token {i}: {e[i].tolist()})", int(dup_rows.sum())))
        rows = np.nonzero(valid)[0]
        cols = e[valid]
        objective = float(self.scores[rows, cols].sum())
        loads = np.bincount(cols, minlength=m)
        cap = self.capacity
        over = np.flatnonzero(loads > cap)
        if over.size:
            j = int(over[np.argmax(loads[over])])
            more = f" (and {over.size - 1} more experts over)" if over.size > 1 else ""
            violations.append(Violation("capacity", f"expert {j} takes {loads[j]} tokens, capacity {cap}{more}",
                                        int((loads[over] - cap).sum())))
        top = self.topk_score()
        details: dict[str, Any] = {
            "loads": loads.tolist(), "capacity": cap, "max_load": int(loads.max()),
            "mean_load": k * n / m, "max_vio": max_vio(loads, n, k),
            "topk_score": top, "score_ratio": objective / top if top > 0 else None,
        }
        if self.placement is not None:
            dev = np.bincount(self.placement[cols], minlength=self.num_devices)
            details.update(device_loads=dev.tolist(), device_max_load=int(dev.max()),
                           device_mean_load=float(dev.mean()),
                           device_max_vio=float(dev.max() / dev.mean() - 1) if dev.mean() > 0 else 0.0)
        return Evaluation(objective, violations, details)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "name": self.name, "scores": self.scores.tolist(), "k": self.k,
                "capacity_factor": self.capacity_factor,
                "placement": None if self.placement is None else self.placement.tolist(),
                "best_known": self.best_known, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BalanceProblem":
        d = {key: v for key, v in data.items() if key != "family"}
        unknown = set(d) - {"name", "scores", "k", "capacity_factor", "placement", "best_known", "source"}
        if unknown:
            raise InputError(f"unknown balance field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
        if "scores" not in d:
            raise InputError("a balance instance needs \"scores\"", field="scores")
        try:
            d["scores"] = np.asarray(d["scores"], dtype=float)
        except (TypeError, ValueError):
            raise InputError("scores must be a rectangular array of numbers", field="scores") from None
        if d.get("placement") is not None:
            d["placement"] = np.asarray(d["placement"])
        return cls(**d)

    @classmethod
    def solution_from_dict(cls, data: dict[str, Any]) -> BalanceSolution:
        return BalanceSolution.from_dict(data)

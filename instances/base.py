"""The contracts every problem family follows.

A ``Problem`` is the single source of truth for scoring: ``evaluate(solution)`` returns the
objective and every violated constraint. Solvers never score their own answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np


@dataclass(frozen=True)
class Violation:
    """One broken constraint: ``kind`` is a stable keyword, ``message`` says where and by how much."""

    kind: str
    message: str
    amount: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", float(self.amount))

    def __str__(self) -> str:
        return self.message


@dataclass
class Evaluation:
    """The problem's verdict on a solution."""

    objective: float
    violations: list[Violation] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return not self.violations


class Solution(ABC):
    """An answer to a problem; each family defines its own shape."""

    def plot(self, problem: "Problem", path: Any = None, **options: Any) -> Any:
        """Draw this answer over ``problem`` (``instances/<family>/plot.py``); write the picture
        to ``path`` (PNG, SVG or PDF) when given, and return the matplotlib figure."""
        import importlib
        module = importlib.import_module(f"{__package__}.{problem.family}.plot")
        return module.plot(problem, self, path, **options)

    @abstractmethod
    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    @abstractmethod
    def from_dict(cls, data: dict[str, Any]) -> "Solution": ...


class Problem(ABC):
    """A problem instance of one family (``vrp``, ``paths``, ``balance``, ``network``)."""

    family: ClassVar[str]
    sense: ClassVar[str] = "min"      # "min" or "max": which way the objective improves
    size_unit: ClassVar[str] = "items"   # what ``size`` counts: clients, nodes, tokens, flows
    name: str
    best_known: float | None

    @abstractmethod
    def evaluate(self, solution: Solution) -> Evaluation:
        """Objective and violations of ``solution``; never raises for a wrong answer."""

    @property
    @abstractmethod
    def size(self) -> int:
        """The number that drives difficulty (clients for VRP, nodes for graphs, ...)."""

    @property
    def size_text(self) -> str:
        """``size`` with its unit, as every message says it: ``'100 clients'``."""
        return f"{self.size:,} {self.size_unit}"

    @property
    @abstractmethod
    def features(self) -> frozenset[str]:
        """Model features a solver must support to take this instance."""

    @property
    def variant(self) -> str:
        return self.family.upper()

    @abstractmethod
    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    @abstractmethod
    def from_dict(cls, data: dict[str, Any]) -> "Problem": ...

    def fingerprint(self) -> str:
        """A hash of the instance's content (its best-known value left out): results stored for
        one fingerprint are never reused for a file whose content has changed."""
        h = hashlib.sha256(self.family.encode())
        names = ([f.name for f in dataclasses.fields(self)] if dataclasses.is_dataclass(self)
                 else [k for k in vars(self) if not k.startswith("_")])   # not lazily cached state
        _digest(h, {k: getattr(self, k) for k in names if k not in ("best_known", "best_known_note")})
        return h.hexdigest()[:16]

    @classmethod
    @abstractmethod
    def solution_from_dict(cls, data: dict[str, Any]) -> Solution: ...


def _digest(h: "hashlib._Hash", value: Any) -> None:
    """Feed ``value`` to ``h`` canonically; arrays by dtype, shape and bytes (fast for big matrices)."""
    if isinstance(value, np.ndarray):
        h.update(f"nd{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        h.update(b"{")
        for key in sorted(value, key=str):
            h.update(str(key).encode() + b":")
            _digest(h, value[key])
        h.update(b"}")
    elif isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        h.update(b"[")
        for item in items:
            _digest(h, item)
        h.update(b"]")
    elif hasattr(value, "to_dict"):
        _digest(h, value.to_dict())
    elif hasattr(value, "__dict__"):
        _digest(h, vars(value))
    else:
        h.update(json.dumps(value, default=repr).encode())

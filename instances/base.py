"""The contracts every problem family follows.

A ``Problem`` is the single source of truth for scoring: ``evaluate(solution)`` returns the
objective and every violated constraint. Solvers never score their own answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar


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

    @abstractmethod
    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    @abstractmethod
    def from_dict(cls, data: dict[str, Any]) -> "Solution": ...


class Problem(ABC):
    """A problem instance of one family (``vrp``, ``paths``, ``balance``, ``network``)."""

    family: ClassVar[str]
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

    @classmethod
    @abstractmethod
    def solution_from_dict(cls, data: dict[str, Any]) -> Solution: ...

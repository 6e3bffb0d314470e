"""Solver protocol, results and budgets shared by every problem family.

A solver returns a ``Result`` holding its answer; ``routeopt.solve`` then re-evaluates that
answer with the problem's own ``evaluate`` and fixes ``objective``, ``violations`` and ``status``.
The solver's own claimed cost survives only as ``metadata["claimed_objective"]``.
"""

from __future__ import annotations

import enum
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import InputError, UnsupportedError
from ..instances.base import Problem, Solution, Violation
from ..instances.params import hint, number, parse_value


class Status(str, enum.Enum):
    OPTIMAL = "OPTIMAL"          # proved optimal
    FEASIBLE = "FEASIBLE"        # a feasible answer, optimality not proved
    INFEASIBLE = "INFEASIBLE"    # an answer that violates constraints (or a proof that none exists)
    NO_SOLUTION = "NO_SOLUTION"  # the solver stopped without an answer
    TIMEOUT = "TIMEOUT"          # killed from outside for overrunning its budget
    ERROR = "ERROR"              # the solver crashed

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Budget:
    """What a solver may spend: wall-clock seconds, a seed for reproducibility, threads.

    Checked where it enters, for every solver alike: a time limit in (0, 30 days] (C++ libraries
    overflow on larger ones), a seed in [0, 2**32) (the range every library here accepts), threads
    in [1, 1024].

    >>> Budget(time_limit=float("nan"))
    Traceback (most recent call last):
    ...
    routeopt.errors.InputError: [time_limit]: time_limit must be finite, got nan
    """

    time_limit: float = 10.0
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        limit = number("time_limit", self.time_limit, 0, MAX_TIME_LIMIT)
        if limit <= 0:
            raise InputError(f"time_limit must be a positive number of seconds, got {self.time_limit!r}",
                             field="time_limit")
        object.__setattr__(self, "time_limit", float(limit))
        object.__setattr__(self, "seed", number("seed", self.seed, 0, MAX_SEED, integer=True))
        object.__setattr__(self, "threads", number("threads", self.threads, 1, MAX_THREADS, integer=True))


MAX_TIME_LIMIT = 30 * 24 * 3600.0      # seconds
MAX_SEED = 2**32 - 1
MAX_THREADS = 1024


@dataclass
class Result:
    """One solver run on one problem."""

    solver: str
    problem: str
    status: Status
    objective: float | None = None
    bound: float | None = None
    runtime: float = 0.0
    solution: Solution | None = None
    violations: list[Violation] = field(default_factory=list)
    best_known: float | None = None
    message: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    sense: str = "min"            # the problem's: "max" when a larger objective is better

    @property
    def gap(self) -> float | None:
        """Relative gap to the best-known value, in percent (None when either is missing);
        positive when worse than the best known, whichever way the problem optimises."""
        if self.objective is None or self.best_known is None or self.status not in (
                Status.OPTIMAL, Status.FEASIBLE):
            return None
        return relative_gap(self.objective, self.best_known, self.sense)

    @property
    def proved_gap(self) -> float | None:
        """Relative gap between objective and proved bound, in percent."""
        if self.objective is None or self.bound is None:
            return None
        diff = self.objective - self.bound if self.sense == "min" else self.bound - self.objective
        return 100.0 * diff / max(abs(self.objective), 1e-9)

    def to_dict(self) -> dict[str, Any]:
        return {
            "solver": self.solver, "problem": self.problem, "status": str(self.status),
            "objective": self.objective, "bound": self.bound, "runtime": self.runtime,
            "best_known": self.best_known, "gap": self.gap, "message": self.message,
            "violations": [v.message for v in self.violations],
            "solution": None if self.solution is None else self.solution.to_dict(),
            "metadata": self.metadata,
        }


def relative_gap(objective: float, reference: float, sense: str = "min") -> float:
    """``objective`` against ``reference`` in percent; positive means worse."""
    diff = objective - reference if sense == "min" else reference - objective
    return 100.0 * diff / max(abs(reference), 1e-9)


_TYPES = {int: "int", float: "float", bool: "bool", str: "str"}


def option_error(message: str, name: str) -> InputError:
    """An ``InputError`` about option ``name``: the message already names the solver and the option,
    so it is not prefixed with ``[name]``; ``error.field`` still says which option."""
    error = InputError(message)
    error.field = name
    return error


@dataclass(frozen=True)
class Option:
    """One declared solver option: ``Option("iterations", int, 16, "dual sweeps", low=1)``.

    ``low``/``high`` bound numbers (inclusive); ``choices`` lists the words a ``str`` option takes;
    ``none_ok`` lets ``None`` stand for "decide yourself" (the default of such options).

    >>> Option("iterations", int, 16, "dual sweeps", low=1).validate("8", "bip")
    8
    >>> Option("method", str, "auto", "LP method", choices=("auto", "simplex", "ipm")).validate("ipn", "spray")
    Traceback (most recent call last):
    ...
    routeopt.errors.InputError: solver 'spray': option method='ipn' is not one of auto, simplex, ipm (did you mean 'ipm'?)
    """

    name: str
    type: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    none_ok: bool = False

    def validate(self, value: Any, owner: str) -> Any:
        """``value`` converted to the option's type; an ``InputError`` naming the option otherwise."""
        where = f"solver '{owner}': "
        if isinstance(value, str) and (self.type is not str or value.strip().lower() in ("none", "null")):
            value = parse_value(value)      # a command line's "none" means the default "decide yourself"
        if value is None:
            if self.none_ok or self.default is None:
                return None
            raise option_error(f"{where}option {self.name} needs a value of type {_TYPES.get(self.type, self.type.__name__)}, got None",
                               self.name)
        try:
            if self.type is bool:
                if not isinstance(value, bool):
                    raise InputError(f"{self.name} must be true or false, got {value!r}", field=self.name)
                return value
            if self.type in (int, float):
                low = -math.inf if self.low is None else self.low
                high = math.inf if self.high is None else self.high
                return number(self.name, value, low, high, integer=self.type is int)
            if self.type is str:
                if not isinstance(value, str):
                    raise InputError(f"{self.name} must be a word, got {value!r}", field=self.name)
                if self.choices is not None and value.strip().lower() not in self.choices:
                    raise InputError(f"{self.name}={value!r} is not one of {', '.join(self.choices)}"
                                     f"{hint(value.strip().lower(), self.choices)}", field=self.name)
                return value if self.choices is None else value.strip().lower()
        except InputError as exc:
            raise option_error(f"{where}option {exc.message}", self.name) from None
        if not isinstance(value, self.type):
            raise option_error(f"{where}option {self.name} must be a {self.type.__name__}, got {value!r}",
                               self.name)
        return value

    def describe(self) -> dict[str, Any]:
        limits = None
        if self.choices:
            limits = " | ".join(self.choices)
        elif self.low is not None or self.high is not None:
            limits = f"[{'-inf' if self.low is None else f'{self.low:g}'}, " \
                     f"{'inf' if self.high is None else f'{self.high:g}'}]"
        return {"name": self.name, "type": _TYPES.get(self.type, self.type.__name__), "default": self.default,
                "range": limits, "help": self.help}


class Solver:
    """Base class of every solver.

    Subclasses set the class attributes that declare what they support and implement
    ``_solve``; imports of heavy libraries happen inside ``_solve`` so listing solvers is cheap.
    """

    name: ClassVar[str]
    family: ClassVar[str]                      # problem family: vrp, paths, balance, network
    kind: ClassVar[str]                        # exact, heuristic or neural
    supports: ClassVar[frozenset[str]] = frozenset()
    max_size: ClassVar[int | None] = None
    description: ClassVar[str] = ""
    library: ClassVar[str | None] = None       # distribution whose version is recorded
    OPTIONS: ClassVar[tuple[Option, ...]] = ()  # what ``**options`` may hold (subclasses add theirs)

    def __init__(self, **options: Any):
        self.options = self.check_options(options)

    @classmethod
    def declared_options(cls) -> dict[str, Option]:
        """Every option of this solver, its base classes' included (a subclass may redeclare one)."""
        out: dict[str, Option] = {}
        for klass in reversed(cls.__mro__):
            for opt in vars(klass).get("OPTIONS", ()):
                out[opt.name] = opt
        return out

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` validated and completed with the defaults; an ``InputError`` names an unknown,
        ill-typed or out-of-range option and the nearest valid name."""
        declared = cls.declared_options()
        name = getattr(cls, "name", cls.__name__)
        for key in options:
            if key not in declared:
                valid = ", ".join(declared) or "none"
                raise option_error(f"solver '{name}' has no option {key!r}{hint(key, declared)}; "
                                   f"its options: {valid} (see 'routeopt solvers {name}')", key)
        out = {key: opt.default for key, opt in declared.items()}
        out.update({key: declared[key].validate(value, name) for key, value in options.items()})
        return out

    def check(self, problem: Problem) -> None:
        """Raise ``UnsupportedError`` naming what this solver cannot do for ``problem``."""
        if problem.family != self.family:
            raise UnsupportedError(f"solver '{self.name}' solves {self.family} problems, "
                                   f"not {problem.family}")
        missing = sorted(problem.features - self.supports)
        if missing:
            raise UnsupportedError(f"solver '{self.name}' does not support {', '.join(missing)} "
                                   f"(needed by {problem.variant} instance '{problem.name}')")
        if self.max_size is not None and problem.size > self.max_size:
            raise UnsupportedError(f"solver '{self.name}' handles at most {self.max_size:,} {problem.size_unit}; "
                                   f"'{problem.name}' has {problem.size_text}")

    @classmethod
    def prepare(cls) -> None:
        """One-off work that must not be charged to a run's budget (JIT compilation, model
        loading); the comparator calls it once per machine before timing anything."""

    def solve(self, problem: Problem, budget: Budget) -> Result:
        self.check(problem)
        start = time.perf_counter()
        result = self._solve(problem, budget)
        result.runtime = time.perf_counter() - start
        return result

    def _solve(self, problem: Problem, budget: Budget) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def version(cls) -> str | None:
        if cls.library is None:
            return None
        from importlib.metadata import PackageNotFoundError, version
        try:
            return version(cls.library)
        except PackageNotFoundError:
            return None

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {"name": cls.name, "family": cls.family, "kind": cls.kind,
                "supports": sorted(cls.supports), "max_size": cls.max_size,
                "description": cls.description,
                "options": [opt.describe() for opt in cls.declared_options().values()]}


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))

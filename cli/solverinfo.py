"""What the CLI needs to know about registered solvers, robust to one that fails to import."""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedError
from ..instances.base import Problem
from ..solvers import registry
from ..solvers.base import Solver
from .common import one_line


def solver_names() -> list[str]:
    """Every registered name, without importing the solver modules (one broken module must not
    hide the others, as listing through ``list_solvers`` would)."""
    return registry.solver_names()


def load_class(name: str) -> tuple[type[Solver] | None, str | None]:
    """The solver class, or None and a one-line reason when its module cannot be imported."""
    try:
        return registry.solver_class(name), None
    except ImportError as exc:
        return None, one_line(f"{type(exc).__name__}: {exc}")


def solver_rows() -> list[dict[str, Any]]:
    rows = []
    for name in solver_names():
        cls, error = load_class(name)
        if cls is None:
            rows.append({"name": name, "family": None, "error": error})
            continue
        rows.append(_row(cls))
    return rows


def _row(cls: type[Solver]) -> dict[str, Any]:
    row = cls.describe()
    row["library"] = cls.library
    row["version"] = cls.version()
    return row


def solver_row(name: str) -> dict[str, Any]:
    """One solver's declaration with its options, library and version (an error names the solver)."""
    from ..errors import InputError
    from ..instances.jsonio import problem_class

    row = _row(registry.solver_class(name))
    try:                                    # what the family's problems count (their own declaration)
        row["size_unit"] = problem_class(row["family"]).size_unit
    except InputError:                      # a user's solver for a family routeopt does not define
        row["size_unit"] = "items"
    return row


def solvers_for(problem: Problem, names: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """Names (in order) of the solvers that accept ``problem``, and why each other one does not."""
    able, why = [], {}
    for name in names if names is not None else solver_names():
        cls, error = load_class(name)
        if cls is None:
            why[name] = error or "cannot be imported"
            continue
        try:
            cls().check(problem)
        except UnsupportedError as exc:
            why[name] = str(exc)
            continue
        able.append(name)
    return able, why

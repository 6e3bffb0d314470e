"""Solver names, capability matching, the ``auto`` choice, and ``solve``.

Solvers are registered by import path so that listing them does not import OR-Tools, PyVRP or
torch; a solver module imports its library inside ``_solve``.
"""

from __future__ import annotations

import difflib
import importlib
import traceback
from typing import Any

from ..errors import RouteoptError, UnknownSolverError, UnsupportedError
from ..instances.base import Problem
from .base import Budget, Result, Solver, Status

_REGISTRY: dict[str, str] = {
    "pyvrp": "routeopt.solvers.vrp.pyvrp:PyVRPSolver",
    "ortools": "routeopt.solvers.vrp.ortools:ORToolsSolver",
    "milp": "routeopt.solvers.vrp.milp:MILPSolver",
}

# ``auto`` tries these in order and takes the first that supports the instance.
_AUTO_ORDER: dict[str, list[str]] = {
    "vrp": ["pyvrp", "ortools"],
}


def register(name: str, target: str | type[Solver]) -> None:
    """Add a solver under ``name``: a class or a ``"module:Class"`` import path."""
    _REGISTRY[name] = target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def solver_class(name: str) -> type[Solver]:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY) + ["auto"], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UnknownSolverError(f"unknown solver '{name}'{hint} (known: {', '.join(sorted(_REGISTRY))}, auto)")
    module, _, cls = _REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def solver_names() -> list[str]:
    """Every registered name, without importing any solver module."""
    return sorted(_REGISTRY)


def list_solvers(family: str | None = None) -> list[dict[str, Any]]:
    """Each registered solver's name, family, kind and declared support."""
    out = [solver_class(n).describe() for n in sorted(_REGISTRY)]
    return [d for d in out if family is None or d["family"] == family]


def choose(problem: Problem, budget: Budget | None = None) -> str:
    """The ``auto`` rule: the first solver in the family's preference order that supports it."""
    reasons = []
    for name in _AUTO_ORDER.get(problem.family, []):
        try:
            solver_class(name)().check(problem)
            return name
        except UnsupportedError as exc:
            reasons.append(str(exc))
    raise UnsupportedError(f"no solver supports {problem.variant} instance '{problem.name}': "
                           + "; ".join(reasons))


def get_solver(name: str, problem: Problem | None = None, **options: Any) -> Solver:
    if name == "auto":
        if problem is None:
            raise UnsupportedError("solver 'auto' needs the problem to choose for")
        name = choose(problem)
    return solver_class(name)(**options)


def solve(problem: Problem, solver: str | Solver = "auto", *, time_limit: float = 10.0,
          seed: int = 0, threads: int = 1, **options: Any) -> Result:
    """Solve ``problem`` and return a ``Result`` whose answer the problem itself has scored.

    Raises ``RouteoptError`` for what the caller can fix (unknown solver, unsupported feature);
    a crash inside the solver becomes a result with status ERROR.

    >>> import routeopt
    >>> p = routeopt.generate("tsp", n=8, seed=0)
    >>> routeopt.solve(p, solver="pyvrp", time_limit=0.2).status.value
    'FEASIBLE'
    """
    budget = Budget(time_limit=time_limit, seed=seed, threads=threads)
    s = solver if isinstance(solver, Solver) else get_solver(solver, problem, **options)
    s.check(problem)
    try:
        result = s.solve(problem, budget)
    except RouteoptError:
        raise
    except Exception as exc:  # a solver bug must not take the caller down
        result = Result(s.name, problem.name, Status.ERROR, message=f"{type(exc).__name__}: {exc}",
                        metadata={"traceback": traceback.format_exc()})
    return finalize(problem, result, s)


def finalize(problem: Problem, result: Result, solver: Solver | None = None) -> Result:
    """Re-score the answer with ``problem.evaluate``: the single source of truth."""
    result.best_known = problem.best_known
    if solver is not None:
        result.metadata.setdefault("solver_version", solver.version())
    if result.solution is None:
        if result.status in (Status.OPTIMAL, Status.FEASIBLE):
            result.status = Status.NO_SOLUTION
        result.objective = None
        return result
    evaluation = problem.evaluate(result.solution)
    if result.objective is not None:
        result.metadata["claimed_objective"] = result.objective
    result.objective = evaluation.objective
    result.violations = evaluation.violations
    result.metadata.update({k: v for k, v in evaluation.details.items() if k != "vehicles_by_type"})
    if evaluation.violations:
        result.status = Status.INFEASIBLE
    elif result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        result.status = Status.FEASIBLE
    return result

"""Our own JSON: ``Problem.to_dict()`` with its ``family``, and solutions with their cost."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from .base import Problem, Solution


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def problem_class(family: str, path: Path | None = None) -> type[Problem]:
    """The Problem class whose ``family`` is ``family`` (its module is imported on demand)."""
    if isinstance(family, str) and re.fullmatch(r"[a-z_]+", family):
        try:
            importlib.import_module(f".{family}", __package__)
        except ImportError:
            pass
    for cls in _subclasses(Problem):
        if getattr(cls, "family", None) == family:
            return cls
    raise InputError(f"unknown problem family {family!r}", path=path, field="family")


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", path=path)
    return data


def read_problem(path: Path, text: str) -> Problem:
    data = _parse(path, text)
    if "family" not in data:
        raise InputError("no \"family\" key: not a routeopt instance", path=path, field="family")
    cls = problem_class(data["family"], path)
    try:
        return cls.from_dict(data)
    except InputError as exc:
        raise InputError(exc.message, path=path, line=exc.line, field=exc.field) from None
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError, IndexError) as exc:
        raise InputError(f"not a {data['family']} instance: {' '.join(str(exc).split())}", path=path) from None


def format_problem(problem: Problem) -> str:
    return json.dumps(problem.to_dict()) + "\n"


def read_solution(path: Path, text: str, problem: Problem | None = None) -> tuple[Solution, float | None]:
    data = _parse(path, text)
    family = data.get("family", problem.family if problem is not None else "vrp")
    cls = type(problem) if problem is not None else problem_class(family, path)
    try:
        solution = cls.solution_from_dict(data)
    except InputError as exc:
        raise InputError(exc.message, path=path, line=exc.line, field=exc.field) from None
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError, IndexError) as exc:
        raise InputError(f"not a {family} solution: {' '.join(str(exc).split())}", path=path) from None
    cost = data.get("cost")
    if cost is not None and not isinstance(cost, (int, float)):
        raise InputError(f"cost must be a number, got {cost!r}", path=path, field="cost")
    return solution, None if cost is None else float(cost)


def format_solution(solution: Solution, problem: Problem | None = None) -> str:
    data: dict[str, Any] = {"family": problem.family if problem is not None else "vrp"}
    if problem is not None:
        data["instance"] = problem.name
        data["cost"] = problem.evaluate(solution).objective
    data.update(solution.to_dict())
    return json.dumps(data) + "\n"

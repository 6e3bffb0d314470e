"""The result comparator: many solvers on many instances, every answer scored by the problem.

>>> import routeopt
>>> problems = [routeopt.generate("cvrp", n=20, seed=s) for s in range(2)]
>>> report = routeopt.compare(problems, ["pyvrp", "ortools"], time_limit=1, seeds=1)  # doctest: +SKIP
>>> report.summary()                                                                 # doctest: +SKIP

Each run (instance x solver x seed) is a *cell*, run in its own process with a hard deadline
(:mod:`.isolate`), locally or as a Ray task (:mod:`.executors`). The parent re-scores every
answer with ``problem.evaluate`` and stores it in SQLite as soon as it arrives (:mod:`.store`);
rerunning with the same database skips finished cells. :class:`.report.Report` turns the rows
into tables, a performance profile and gap-over-time curves.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ...errors import InputError, UnknownSolverError, UnsupportedError
from ...instances.base import Problem
from ..base import Result, Solver, Status
from ..registry import GENERIC, resolve, solver_class, solver_names, solver_target
from .executors import EXECUTORS, Task, run_local, run_ray
from .isolate import machine
from .report import Report
from .store import ResultStore

FAILED = ("TIMEOUT", "ERROR")


@dataclass
class SolverSpec:
    label: str                 # the column name in every table
    target: str                # what the child process imports
    cls: type[Solver] | None   # None for a bare method name (milp): the family's, per problem
    options: dict[str, Any]

    def for_problem(self, problem: Problem) -> tuple[type[Solver], str]:
        """The class and import target that answer ``problem``."""
        if self.cls is not None:
            return self.cls, self.target
        name = resolve(self.label, problem.family)
        return solver_class(name), solver_target(name)


def resolve_problems(items: Iterable[Problem | str | os.PathLike]) -> list[Problem]:
    """Problems as given, files loaded, folders and glob patterns expanded (sorted)."""
    from ...instances.io import INSTANCE_SUFFIXES, load

    out: list[Problem] = []
    for item in items:
        if isinstance(item, Problem):
            out.append(item)
            continue
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in INSTANCE_SUFFIXES
                           and not p.name.startswith("."))
            if not files:
                raise InputError("no instance files in this folder", path=path)
        elif any(ch in text for ch in "*?["):
            files = [Path(p) for p in sorted(glob.glob(text))]
            if not files:
                raise InputError(f"no file matches the pattern {text!r}")
        else:
            files = [path]
        out.extend(load(f) for f in files)
    if not out:
        raise InputError("no instances to compare")
    return out


def resolve_solvers(solvers: Sequence[str | type[Solver]],
                    options: dict[str, dict[str, Any]] | None = None) -> list[SolverSpec]:
    options = dict(options or {})
    specs: list[SolverSpec] = []
    for item in solvers:
        if isinstance(item, type) and issubclass(item, Solver):
            cls, target, label = item, f"{item.__module__}:{item.__qualname__}", item.name
        elif item == "auto":
            raise UnknownSolverError("compare needs named solvers; 'auto' picks a different one per "
                                     "instance (see 'routeopt solvers')")
        elif item in GENERIC:
            cls, target, label = None, item, item
        else:
            cls = solver_class(item)
            target = solver_target(item)
            label = item if ":" not in item else getattr(cls, "name", item)
        if any(s.label == label for s in specs):
            raise UnknownSolverError(f"solver '{label}' is listed twice")
        specs.append(SolverSpec(label, target, cls, dict(options.pop(label, {}))))
    if options:
        raise UnknownSolverError(f"options given for solvers not compared: {', '.join(sorted(options))}")
    if not specs:
        raise UnknownSolverError("no solvers to compare")
    return specs


def cell_key(instance_hash: str, spec: SolverSpec, seed: int, time_limit: float, threads: int) -> str:
    ident = json.dumps([instance_hash, spec.label, spec.target, spec.options, seed, float(time_limit), threads],
                       sort_keys=True, default=repr)
    return hashlib.sha256(ident.encode()).hexdigest()[:24]


def score(problem: Problem, record: dict[str, Any]) -> dict[str, Any]:
    """The stored row of a finished cell: the child's answer re-scored by ``problem`` here."""
    status = record.get("status", "ERROR")
    message = record.get("message") or ""
    solution, objective, violations = record.get("solution"), None, []
    if solution is not None:
        try:
            evaluation = problem.evaluate(problem.solution_from_dict(solution))
        except Exception as exc:         # the answer is not even a solution of this problem
            status, message, solution = "ERROR", f"unreadable solution: {type(exc).__name__}: {exc}", None
        else:
            objective = evaluation.objective
            violations = [v.message for v in evaluation.violations]
            if violations:
                status = "INFEASIBLE"
                message = message or f"{len(violations)} violation(s): {violations[0]}"
            elif status not in ("OPTIMAL", "FEASIBLE"):
                status = "FEASIBLE"
    elif status in ("OPTIMAL", "FEASIBLE"):
        status = "NO_SOLUTION"
    claimed = record.get("claimed_objective")
    if objective is not None and claimed is not None and abs(claimed - objective) > 1e-6 * max(1.0, abs(objective)):
        message = (message + "; " if message else "") + f"solver claimed {claimed:g}, evaluation says {objective:g}"
    result = Result(solver="", problem=problem.name, status=Status(status), objective=objective,
                    bound=record.get("bound"), best_known=problem.best_known, sense=problem.sense)
    return {"status": status, "objective": objective, "bound": record.get("bound"),
            "runtime": record.get("runtime"), "cpu_time": record.get("cpu_time"),
            "gap": result.gap, "proved_gap": result.proved_gap if objective is not None else None,
            "violations": violations or None, "message": message, "solution": solution,
            "progress": record.get("progress"), "solver_version": record.get("solver_version"),
            "machine": record.get("machine") or machine(), "executor": record.get("executor", "local")}


def compare(problems: Iterable[Problem | str | os.PathLike], solvers: Sequence[str | type[Solver]] | None = None, *,
            time_limit: float = 10.0, seeds: int | Sequence[int] = 1, executor: str = "local",
            db: str | os.PathLike | None = None, workers: int | None = None, threads: int = 1,
            grace: float | None = None, memory_limit: float | None = None, ray_address: str | None = None,
            options: dict[str, dict[str, Any]] | None = None, retry_failed: bool = False,
            progress: bool | Callable[[str, dict[str, Any]], None] = True) -> Report:
    """Run every solver on every problem for every seed and report who is best, by how much.

    ``problems``: Problem objects, instance files, folders or glob patterns. ``solvers``:
    registered names, ``"module:Class"``, ``"file.py:Class"`` or Solver classes (default: every
    registered solver of the problems' families). ``seeds``: a
    count (seeds 0..n-1) or the seeds themselves. ``db``: a SQLite file; rerunning with the same
    file resumes (finished cells are not rerun; ``retry_failed`` reruns TIMEOUT and ERROR cells).
    ``grace``: seconds past ``time_limit`` before a cell is killed (default max(5, 25 %)).
    ``memory_limit``: MiB of address space per cell. ``progress``: a rich bar, off, or a callback
    ``(event, row)`` with event "start" or "done".
    """
    if not time_limit > 0:
        raise InputError(f"time_limit must be positive, got {time_limit}")
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list or (isinstance(seeds, int) and seeds < 1):
        raise InputError("seeds must be at least 1")
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    grace = max(5.0, 0.25 * time_limit) if grace is None else float(grace)
    problem_list = resolve_problems(problems)
    if solvers is None:
        families = {p.family for p in problem_list}
        solvers = [n for n in solver_names() if solver_class(n).family in families]
    specs = resolve_solvers(solvers, options)

    from ... import __version__
    tasks: list[Task] = []
    base_rows: dict[str, dict[str, Any]] = {}
    by_key: dict[str, Problem] = {}
    unsupported: list[tuple[str, str, str]] = []
    for problem in problem_list:
        digest = problem.fingerprint()
        for spec in specs:
            try:
                cls, target = spec.for_problem(problem)
                cls(**spec.options).check(problem)
            except UnsupportedError as exc:
                unsupported.append((problem.name, spec.label, str(exc)))
                continue
            for seed in seed_list:
                key = cell_key(digest, spec, seed, time_limit, threads)
                if key in base_rows:
                    continue
                by_key[key] = problem
                base_rows[key] = {"key": key, "instance": problem.name, "instance_hash": digest,
                                  "family": problem.family, "variant": problem.variant, "size": problem.size,
                                  "solver": spec.label, "options": spec.options or None, "seed": seed,
                                  "time_limit": float(time_limit), "threads": threads,
                                  "best_known": problem.best_known, "sense": problem.sense,
                                  "routeopt_version": __version__}
                payload = {"problem": problem, "solver_target": target, "options": spec.options,
                           "time_limit": float(time_limit), "seed": seed, "threads": threads,
                           "memory_limit": memory_limit}
                tasks.append(Task(key, payload, time_limit + grace))

    store = ResultStore(db)
    try:
        done = store.finished(base_rows)
        todo = [t for t in tasks if t.key not in done or (retry_failed and done[t.key] in FAILED)]
        if executor == "local":
            for target in dict.fromkeys(t.payload["solver_target"] for t in todo):
                solver_class(target).prepare()  # JIT compilation etc. is not charged to any cell
        from .progress import CompareProgress
        with CompareProgress(len(tasks), len(tasks) - len(todo), enabled=progress) as bar:
            def on_start(task: Task) -> None:
                bar.started(base_rows[task.key])

            def on_done(task: Task, record: dict[str, Any]) -> None:
                row = {**base_rows[task.key], **score(by_key[task.key], record)}
                if task.key in done:
                    store.replace(row)
                else:
                    store.add(row)
                bar.finished(row)

            if executor == "local":
                run_local(todo, workers or 1, on_start, on_done)
            else:
                run_ray(todo, workers, on_start, on_done, address=ray_address, threads=threads)
        rows = store.rows(base_rows)
    finally:
        store.close()
    return Report(rows, instances=[p.name for p in problem_list], solvers=[s.label for s in specs],
                  unsupported=unsupported, time_limit=time_limit)


__all__ = ["compare", "Report", "ResultStore", "resolve_problems", "resolve_solvers", "score"]

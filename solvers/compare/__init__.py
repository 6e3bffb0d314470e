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

import contextlib
import glob
import hashlib
import json
import os
import signal
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ...errors import InputError, RouteoptError, UnknownSolverError, UnsupportedError
from ...instances.base import Problem
from ..base import Result, Solver, Status
from ..registry import GENERIC, resolve, solver_class, solver_names, solver_target
from .checks import check_arguments, check_outputs
from .executors import EXECUTORS, Task, run_local, run_ray
from .isolate import machine, one_line_warning
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


def instance_files(items: Iterable[Problem | str | os.PathLike]) -> list[Path]:
    """The files that :func:`resolve_problems` would read (folders and patterns expanded)."""
    out: list[Path] = []
    for item in items:
        if not isinstance(item, Problem):
            out.extend(_expand(item))
    return out


def _expand(item: str | os.PathLike) -> list[Path]:
    from ...instances.io import INSTANCE_SUFFIXES

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
    return files


def resolve_problems(items: Iterable[Problem | str | os.PathLike]) -> list[Problem]:
    """Problems as given, files loaded, folders and glob patterns expanded (sorted)."""
    from ...instances.io import load

    out: list[Problem] = []
    for item in items:
        if isinstance(item, Problem):
            out.append(item)
            continue
        text = os.fspath(item)
        out.extend(load(f) for f in _expand(text))
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
            cls = _import_solver(item)
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


def _import_solver(name: str) -> type[Solver]:
    """``solver_class(name)``, with a user's solver file that does not even import reported in
    one line naming the file and line."""
    where, _, _ = name.rpartition(":")
    if where.endswith(".py") and os.path.isfile(where):
        try:         # checked here: a module that failed half-way stays cached by the import
            compile(Path(where).read_bytes(), where, "exec")
        except SyntaxError as exc:
            raise UnknownSolverError(f"{where}:{exc.lineno}: syntax error in solver file: {exc.msg}") from None
    try:
        return solver_class(name)
    except RouteoptError:
        raise
    except SyntaxError as exc:
        where = f"{exc.filename or name.rpartition(':')[0]}:{exc.lineno}" if exc.lineno else name
        raise UnknownSolverError(f"{where}: syntax error in solver file: {exc.msg}") from None
    except Exception as exc:
        tb = exc.__traceback__
        line = None
        while tb is not None:                   # the deepest frame in the user's file
            if tb.tb_frame.f_code.co_filename == os.path.abspath(name.rpartition(":")[0]):
                line = tb.tb_lineno
            tb = tb.tb_next
        where = name.rpartition(":")[0] + (f":{line}" if line else "")
        raise UnknownSolverError(f"{where}: cannot import solver '{name}': {type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())}") from None


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Warnings raised here (numpy, numba, a solver's prepare) print as one line each on stderr."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"warning: {one_line_warning(message, category, filename, lineno)}", file=file or sys.stderr)
    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run as Ctrl-C does: running cells are killed with their whole process
    groups, finished ones are already stored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt
    try:
        previous = signal.signal(signal.SIGTERM, handle)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _prepare_error(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return f"prepare() failed before any run: {text[:400]}"


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
    message = " ".join(str(message).split())      # one line, whatever the solver said
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
    checked = check_arguments(time_limit=time_limit, seeds=seeds, workers=workers, threads=threads,
                              grace=grace, memory_limit=memory_limit)
    time_limit, seed_list, workers = checked["time_limit"], checked["seeds"], checked["workers"]
    threads, memory_limit = checked["threads"], checked["memory_limit"]
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    grace = max(5.0, 0.25 * time_limit) if checked["grace"] is None else checked["grace"]
    problems = list(problems) if not isinstance(problems, (str, os.PathLike, Problem)) else [problems]
    if db is not None:
        check_outputs({"db": db}, instance_files(problems))
    with one_line_warnings():
        return _compare(problems, solvers, time_limit=time_limit, seed_list=seed_list, executor=executor,
                        db=db, workers=workers, threads=threads, grace=grace, memory_limit=memory_limit,
                        ray_address=ray_address, options=options, retry_failed=retry_failed,
                        progress=progress)


def _compare(problems, solvers, *, time_limit, seed_list, executor, db, workers, threads, grace, memory_limit,
             ray_address, options, retry_failed, progress) -> Report:
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
        unprepared: dict[str, str] = {}
        if executor == "local":
            for target in dict.fromkeys(t.payload["solver_target"] for t in todo):
                try:
                    solver_class(target).prepare()  # JIT compilation etc. is not charged to any cell
                except Exception as exc:   # a bad checkpoint, say: that solver's cells fail, not the run
                    unprepared[target] = _prepare_error(exc)
        from .progress import CompareProgress
        with CompareProgress(len(tasks), len(tasks) - len(todo), enabled=progress) as bar, sigterm_as_interrupt():
            def on_start(task: Task) -> None:
                bar.started(base_rows[task.key])

            def on_done(task: Task, record: dict[str, Any]) -> None:
                row = {**base_rows[task.key], **score(by_key[task.key], record)}
                if task.key in done:
                    store.replace(row)
                else:
                    store.add(row)
                bar.finished(row)

            runnable = []
            for task in todo:
                reason = unprepared.get(task.payload["solver_target"])
                if reason is None:
                    runnable.append(task)
                    continue
                on_start(task)
                on_done(task, {"status": "ERROR", "message": reason, "runtime": 0.0})
            todo = runnable
            if executor == "local":
                run_local(todo, workers or 1, on_start, on_done)
            else:
                run_ray(todo, workers, on_start, on_done, address=ray_address, threads=threads)
        rows = store.rows(base_rows)
    finally:
        store.close()
    return Report(rows, instances=[p.name for p in problem_list], solvers=[s.label for s in specs],
                  unsupported=unsupported, time_limit=time_limit)


__all__ = ["compare", "Report", "ResultStore", "resolve_problems", "resolve_solvers", "score",
           "check_arguments", "check_outputs", "instance_files"]

"""``routeopt compare``: many solvers on many instances, resumable, local or on Ray.

Tables go to stdout, progress to stderr; ``--csv``, ``--json``, ``--markdown`` and ``--plot``
write their files atomically. With ``--db`` and no instances it reports what the file holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import InputError
from ..instances.params import parse_value
from ..solvers.compare import check_arguments, check_outputs, instance_files
from ..solvers.compare import compare as run_compare
from ..solvers.compare.report import Report
from ..solvers.compare.store import ResultStore, check_results_file
from .common import console, output_path, positive_time
from .solverinfo import solver_names


def parse_solvers(text: str | None) -> list[str]:
    if text is None:
        return solver_names()
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise InputError("--solvers: give at least one solver name")
    return names


def parse_options(items: list[str]) -> dict[str, dict[str, Any]]:
    """``SOLVER.KEY=VALUE``, VALUE read as ``routeopt solve -O`` reads it (numbers, true/false,
    none, JSON objects and lists, else text)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        head, eq, value = item.partition("=")
        solver, dot, key = head.rpartition(".")
        if not eq or not dot or not solver or not key:
            raise InputError(f"--option {item!r}: expected SOLVER.KEY=VALUE, e.g. pyvrp.iterations=1000")
        out.setdefault(solver, {})[key] = parse_value(value)
    return out


def stored_report(db: Path, solvers: list[str] | None = None) -> Report:
    """The report of what a results file holds (instances by name; solvers by name, or only
    ``solvers`` in that order)."""
    if not db.is_file():
        raise InputError("no such results file", path=db)
    with ResultStore(db) as store:
        rows = store.rows()
    if not rows:
        raise InputError("holds no results yet", path=db)
    have = sorted({r["solver"] for r in rows})
    if solvers is not None:
        unknown = [s for s in solvers if s not in have]
        if unknown:
            raise InputError(f"--solvers: no stored results for {', '.join(unknown)} (stored: {', '.join(have)})",
                             path=db)
        rows = [r for r in rows if r["solver"] in solvers]
    limits = sorted({r["time_limit"] for r in rows})
    return Report(rows, instances=sorted({r["instance"] for r in rows}), solvers=solvers or have,
                  time_limit=limits[0] if len(limits) == 1 else None)


def compare(
    paths: Annotated[Optional[list[str]], typer.Argument(metavar="PATHS_OR_GLOBS...", show_default=False,
                                                         help="Instance files, folders or quoted glob patterns. "
                                                              "None: report what --db holds.")] = None,
    solvers: Annotated[Optional[str], typer.Option("--solvers", "-s", help="Comma-separated solver names "
                                                   "(default: every registered solver), 'module:Class' or "
                                                   "'file.py:Class'.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds per run.")] = 10.0,
    seeds: Annotated[int, typer.Option(min=1, help="Runs per instance and solver (seeds 0..N-1).")] = 1,
    db: Annotated[Optional[Path], typer.Option(metavar="FILE.db", help="SQLite results file: rerunning "
                                               "with it resumes (finished runs are kept).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Runs at a time (default 1 locally, the "
                                                   "cluster's CPUs on Ray).")] = None,
    threads: Annotated[int, typer.Option(min=1, help="Threads per run.")] = 1,
    executor: Annotated[str, typer.Option(help="local (processes here) or ray.")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(help="Ray cluster to use (default: start a local "
                                                       "Ray for this run).")] = None,
    grace: Annotated[Optional[float], typer.Option(help="Seconds past the time limit before a run is "
                                                   "killed (default max(5, 25%)).")] = None,
    memory_limit: Annotated[Optional[float], typer.Option(metavar="MIB", help="Address-space limit per "
                                                          "run, MiB.")] = None,
    option: Annotated[Optional[list[str]], typer.Option("--option", "-O", metavar="SOLVER.KEY=VALUE",
                                                        help="A solver option (repeatable).")] = None,
    retry_failed: Annotated[bool, typer.Option(help="Rerun stored TIMEOUT and ERROR runs.")] = False,
    plot: Annotated[Optional[Path], typer.Option(metavar="FILE.png", help="Performance profile and gap "
                                                 "over time.")] = None,
    csv: Annotated[Optional[Path], typer.Option(metavar="FILE.csv", help="One row per run.")] = None,
    markdown: Annotated[Optional[Path], typer.Option(metavar="FILE.md", help="Both tables as Markdown.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", metavar="FILE.json",
                                                      help="Summary, per-instance table and runs.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run every solver on every instance (each run in its own process with a hard deadline),
    score every answer with the instance itself, and compare.

    Results go to --db as each run finishes; the same command with the same --db resumes.
    Infeasible answers are marked, never ranked; a solver that crashes or hangs costs one run.
    """
    checked = check_arguments(time_limit=time_limit, seeds=seeds, workers=workers, threads=threads,
                              grace=grace, memory_limit=memory_limit, cli=True)
    outputs = {name: output_path(value, suffixes, f"--{name}") for name, value, suffixes in
               (("plot", plot, (".png", ".svg", ".pdf")), ("csv", csv, (".csv",)),
                ("markdown", markdown, (".md",)), ("json", json_path, (".json",)))}
    if not paths:
        if db is None:
            raise InputError("give instance files, folders or patterns (or --db FILE to report stored results)")
        check_outputs({"--db": db, **{f"--{k}": v for k, v in outputs.items()}}, [])
        if db.exists():
            check_results_file(db)
        report = stored_report(db, None if solvers is None else parse_solvers(solvers))
    else:
        missing = [p for p in paths if not any(ch in p for ch in "*?[") and not os.path.exists(p)]
        if missing:
            raise InputError("no such file or folder", path=Path(missing[0]))
        # an output that is an instance file would replace it: refused before anything runs
        check_outputs({"--db": db, **{f"--{k}": v for k, v in outputs.items()}}, instance_files(paths))
        if db is not None:
            check_results_file(db)              # before any instance is loaded or solver prepared
        report = run_compare(paths, parse_solvers(solvers), time_limit=positive_time(time_limit),
                             seeds=checked["seeds"], executor=executor, db=db, workers=checked["workers"],
                             threads=checked["threads"], grace=checked["grace"],
                             memory_limit=checked["memory_limit"], ray_address=ray_address,
                             options=parse_options(option or []), retry_failed=retry_failed,
                             progress=not quiet)
    console().print(report.tables())
    written = []
    if outputs["plot"] is not None:
        written.append(report.plot(outputs["plot"]))
    if outputs["csv"] is not None:
        written.append(report.to_csv(outputs["csv"]))
    if outputs["markdown"] is not None:
        report.to_markdown(outputs["markdown"])
        written.append(outputs["markdown"])
    if outputs["json"] is not None:
        report.to_json(outputs["json"])
        written.append(outputs["json"])
    if written:
        console(stderr=True).print("wrote " + ", ".join(str(p) for p in written))

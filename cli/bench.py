"""``routeopt demo`` and ``routeopt bench-vrp``: many instances times many solvers, one table.

Both run every (instance, solver) pair through :func:`routeopt.solve`, so every objective in
the tables is the instance's own score of the answer. A pair the solver does not support is
shown as UNSUPPORTED and left out of the averages.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn)
from rich.table import Table
from rich.text import Text

from ..errors import InputError, RouteoptError, UnsupportedError
from ..instances.base import Problem
from ..instances.formats import INSTANCE_SUFFIXES, load, save
from ..instances.formats._io import atomic_write
from ..instances.generate import generate
from ..solvers.base import Status
from ..solvers.registry import solve as solve_problem
from ..solvers.registry import solver_class
from .common import (EXIT_INTERRUPTED, STATUS_STYLE, console, error_line, fmt_gap, fmt_number, gap_to,
                     one_line, output_path, positive_time, stdout_to_stderr)
from .solverinfo import solver_names, solvers_for

OK = (str(Status.OPTIMAL), str(Status.FEASIBLE))

# kind, clients, seed offset: the demo's instances (``--n`` replaces every size)
DEMO_SET = [("cvrp", 50, 0), ("cvrp", 100, 1), ("vrptw", 50, 0), ("tsp", 50, 0),
            ("hfvrp", 50, 0), ("mdvrp", 50, 0), ("pvrp", 50, 0)]


@dataclass
class Cell:
    """One solver on one instance."""

    instance: str
    variant: str
    size: int
    solver: str
    status: str
    objective: float | None = None
    best_known: float | None = None
    gap: float | None = None                 # to the best-known value
    runtime: float | None = None
    routes: int | None = None
    solver_version: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in OK


def run_cell(problem: Problem, solver: str, time_limit: float, seed: int, threads: int) -> Cell:
    cell = Cell(problem.name, problem.variant, problem.size, solver, "ERROR", best_known=problem.best_known)
    try:
        with stdout_to_stderr():                     # library chatter must not garble the tables
            r = solve_problem(problem, solver, time_limit=time_limit, seed=seed, threads=threads)
    except UnsupportedError as exc:
        cell.status, cell.message = "UNSUPPORTED", one_line(exc)
        return cell
    except RouteoptError as exc:
        cell.message = one_line(exc)
        return cell
    except Exception as exc:                       # a bug in one cell must not cost a long benchmark
        cell.message = one_line(f"unexpected {type(exc).__name__}: {exc}")
        return cell
    cell.solver, cell.status, cell.runtime = r.solver, str(r.status), r.runtime
    cell.objective, cell.gap = r.objective, r.gap
    cell.routes = r.metadata.get("routes")
    cell.solver_version = r.metadata.get("solver_version")
    cell.message = one_line(r.message or "; ".join(v.message for v in r.violations[:2]))
    return cell


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}", style="progress.description", markup=False),
                    BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console(stderr=True),
                    transient=True)


def _status_text(cell: Cell) -> Text:
    return Text(cell.status, style=STATUS_STYLE.get(cell.status, ""))


def _log(progress: Progress, cell: Cell) -> None:
    progress.console.print(Text.assemble(
        (f"{cell.instance:<20} ", "bold"), f"{cell.solver:<8} ", _status_text(cell),
        f"  {fmt_number(cell.objective)}",
        (f"  gap {fmt_gap(cell.gap)}" if cell.gap is not None else ""),
        (f"  {cell.runtime:.1f}s" if cell.runtime is not None else ""),
        (f"  {cell.message}" if cell.message and not cell.ok else "", "dim")))


# --------------------------------------------------------------------------- demo
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the generated "
                                                                        "instances (created).")] = Path("data/demo"),
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds per solver and "
                                                                          "instance.")] = 2.0,
    n: Annotated[Optional[int], typer.Option("--n", "-n", min=2, help="Clients in every instance "
                                                                     "(default: 50, and 100 for one CVRP).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the generated instances and the solvers.")] = 0,
    solvers: Annotated[Optional[str], typer.Option("--solvers", "-s", help="Comma-separated solver names "
                                                                          "(default: every registered "
                                                                          "solver).")] = None,
) -> None:
    """Generate a few instances, solve each with every solver that supports it, compare the answers.

    CVRP (X-style, two sizes), Solomon-like VRPTW, TSP, heterogeneous fleet, multi-depot and PVRP
    instances are generated into DIR (.vrp when CVRPLIB can hold them, else .json), read back from
    there, and solved; the gap is to the best answer any solver found for that instance.
    """
    time_limit = positive_time(time_limit)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder", path=out)
    names = solver_names() if solvers is None else _solver_list(solvers, allow_auto=False)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[tuple[Problem, Path, list[str]]] = []
    for kind, size, offset in DEMO_SET:
        generated = generate(kind, n=size if n is None else n, seed=seed + offset)
        path = _save_instance(generated, out)
        problem = load(path)                     # solve what the file holds: the formats are part of the demo
        able, _ = solvers_for(problem, names)
        problems.append((problem, path, able))
    total = sum(len(able) for *_, able in problems)
    if total == 0:
        raise UnsupportedError(f"no registered solver supports the demo instances (solvers: "
                               f"{', '.join(names) or 'none'})")
    cells: list[Cell] = []
    with _progress() as progress:
        task = progress.add_task("demo", total=total)
        for problem, _, able in problems:
            for name in able:
                progress.update(task, description=f"{problem.name} · {name}")
                cell = run_cell(problem, name, time_limit, seed, 1)
                cells.append(cell)
                progress.advance(task)
    c = console()
    c.print(_demo_table(problems, cells, time_limit))
    c.print(Text.assemble(("instances saved in ", "dim"), (str(out), "bold"),
                          ("; try: ", "dim"), f"routeopt solve {problems[1][1]} --time-limit 5"))
    for problem, _, able in problems:
        if not able:
            error_line(f"no registered solver supports {problem.variant} instance {problem.name}")


def _save_instance(problem: Problem, folder: Path) -> Path:
    """``.vrp`` when CVRPLIB can hold the instance exactly, else ``.json``."""
    try:
        return save(problem, folder / f"{problem.name}.vrp")
    except InputError:
        return save(problem, folder / f"{problem.name}.json")


def _demo_table(problems: list[tuple[Problem, Path, list[str]]], cells: list[Cell], time_limit: float) -> Table:
    table = Table(title=f"routeopt demo: every solver on every instance ({time_limit:g} s each); "
                        f"gap is to the best answer found for that instance", title_justify="left")
    for col, justify in (("instance file", "left"), ("variant", "left"), ("clients", "right"),
                         ("solver", "left"), ("status", "left"), ("objective", "right"),
                         ("gap to best", "right"), ("routes", "right"), ("time", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for problem, path, _ in problems:
        mine = [c for c in cells if c.instance == problem.name]
        if not mine:
            table.add_row(path.name, problem.variant, str(problem.size), "-",
                          Text("no solver", style="dim"), "-", "-", "-", "-")
            table.add_section()
            continue
        best = min((c.objective for c in mine if c.ok and c.objective is not None), default=None)
        for i, cell in enumerate(mine):
            gap = gap_to(cell.objective, best) if cell.ok else None
            top = gap is not None and abs(gap) < 1e-9
            table.add_row(path.name if i == 0 else "", problem.variant if i == 0 else "",
                          str(problem.size) if i == 0 else "",
                          cell.solver, _status_text(cell),
                          Text(fmt_number(cell.objective), style="bold green" if top else ""),
                          fmt_gap(gap), "-" if cell.routes is None else str(cell.routes),
                          "-" if cell.runtime is None else f"{cell.runtime:.2f}s")
        table.add_section()
    return table


# --------------------------------------------------------------------------- bench-vrp
def _collect(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in (".vrp", ".txt"))
            if not found:
                raise InputError("no .vrp or .txt instances in this folder", path=p)
            files += found
        elif p.is_file():
            if p.suffix.lower() not in INSTANCE_SUFFIXES:
                raise InputError(f"not an instance file (expected {', '.join(INSTANCE_SUFFIXES)})", path=p)
            files.append(p)
        else:
            raise InputError("no such file or folder", path=p)
    return list(dict.fromkeys(files))


def _solver_list(text: str, allow_auto: bool = True) -> list[str]:
    names = list(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    if not names:
        raise InputError("--solvers needs at least one solver name")
    for name in names:
        if name != "auto" or not allow_auto:
            solver_class(name)                  # unknown names fail here, with a suggestion
    return names


def bench_vrp(
    paths: Annotated[list[Path], typer.Argument(metavar="DIR_OR_FILES...", show_default=False,
                                                help="Instance files, or folders whose .vrp/.txt files "
                                                     "are all taken.")],
    solvers: Annotated[str, typer.Option("--solvers", "-s", help="Comma-separated solver names.")] = "pyvrp,ortools",
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds per solver and "
                                                                          "instance.")] = 30.0,
    seed: Annotated[int, typer.Option(min=0, help="Solver seed.")] = 0,
    threads: Annotated[int, typer.Option(min=1, help="Threads per solver run.")] = 1,
    csv_path: Annotated[Optional[Path], typer.Option("--csv", metavar="FILE.csv",
                                                     help="Also write one row per (instance, solver).")] = None,
) -> None:
    """Solve every instance with each solver (smallest first) and compare against the best-known values."""
    time_limit = positive_time(time_limit)
    csv_path = output_path(csv_path, (".csv",), "--csv")
    names = _solver_list(solvers)
    files = _collect(paths)
    problems: list[Problem] = []
    for f in files:
        try:
            problems.append(load(f))
        except InputError as exc:              # one bad file in a folder must not cost the benchmark
            error_line(f"skipped: {exc}")
    if not problems:
        raise InputError("none of the instance files could be read")
    problems.sort(key=lambda p: (p.size, p.name))
    cells: list[Cell] = []
    interrupted = False
    with _progress() as progress:
        task = progress.add_task("bench", total=len(problems) * len(names))
        try:
            for problem in problems:
                for name in names:
                    progress.update(task, description=f"{problem.name} ({problem.size}) · {name}")
                    cell = run_cell(problem, name, time_limit, seed, threads)
                    cells.append(cell)
                    _log(progress, cell)
                    progress.advance(task)
        except KeyboardInterrupt:
            interrupted = True
    c = console()
    c.print(_bench_table(problems, names, cells, time_limit))
    c.print(_summary_table(problems, names, cells))
    if csv_path is not None and cells:
        _write_csv(csv_path, cells, time_limit, seed)
        c.print(Text.assemble(("wrote ", "dim"), (str(csv_path), "bold"), (f" ({len(cells)} rows)", "dim")))
    if interrupted:
        error_line(f"interrupted after {len(cells)} of {len(problems) * len(names)} runs")
        raise typer.Exit(EXIT_INTERRUPTED)


def _bench_table(problems: list[Problem], names: list[str], cells: list[Cell], time_limit: float) -> Table:
    table = Table(title=f"bench-vrp: {len(problems)} instances, {time_limit:g} s per run; gap to the "
                        f"best-known value", title_justify="left")
    table.add_column("instance")
    table.add_column("n", justify="right")
    table.add_column("BKS", justify="right")
    for name in names:
        table.add_column(f"{name}", justify="right", header_style="bold magenta")
        table.add_column("gap", justify="right")
        table.add_column("status")
        table.add_column("time", justify="right")
    # cells of one instance come in the order of ``names`` (positions, since ``auto`` takes a real name)
    index: dict[str, list[Cell]] = {}
    for c in cells:
        index.setdefault(c.instance, []).append(c)
    for problem in problems:
        row_cells = index.get(problem.name)
        if row_cells is None:
            continue
        best = min((c.objective for c in row_cells if c.ok and c.objective is not None), default=None)
        row: list = [problem.name, str(problem.size), fmt_number(problem.best_known)]
        for i, name in enumerate(names):
            cell = row_cells[i] if i < len(row_cells) else None
            if cell is None:
                row += ["", "", "", ""]
                continue
            top = cell.ok and best is not None and cell.objective == best and len(names) > 1
            row += [Text(fmt_number(cell.objective), style="bold green" if top else ""),
                    fmt_gap(cell.gap), _status_text(cell),
                    "-" if cell.runtime is None else f"{cell.runtime:.1f}s"]
        table.add_row(*row)
    return table


def _summary_table(problems: list[Problem], names: list[str], cells: list[Cell]) -> Table:
    table = Table(title="per solver (mean gap over the instances it solved feasibly and that have a BKS)",
                  title_justify="left")
    for col in ("solver", "version", "feasible", "optimal", "best", "mean gap", "max gap", "mean time"):
        table.add_column(col, justify="left" if col in ("solver", "version") else "right")
    per_instance: dict[str, list[Cell]] = {}
    for c in cells:
        per_instance.setdefault(c.instance, []).append(c)
    for i, name in enumerate(names):
        mine = [cs[i] for cs in per_instance.values() if i < len(cs)]
        ran = [c for c in mine if c.status != "UNSUPPORTED"]
        ok = [c for c in ran if c.ok]
        gaps = [c.gap for c in ok if c.gap is not None]
        times = [c.runtime for c in ran if c.runtime is not None]
        wins = 0
        for cs in per_instance.values():
            objs = [c.objective for c in cs if c.ok and c.objective is not None]
            if i < len(cs) and cs[i].ok and objs and cs[i].objective <= min(objs) + 1e-9:
                wins += 1
        version = next((c.solver_version for c in mine if c.solver_version), None)
        table.add_row(Text(name, style="bold"), version or "-", f"{len(ok)}/{len(ran)}",
                      str(sum(c.status == "OPTIMAL" for c in ok)), f"{wins}/{len(per_instance)}",
                      fmt_gap(statistics.fmean(gaps)) if gaps else "-",
                      fmt_gap(max(gaps)) if gaps else "-",
                      f"{statistics.fmean(times):.1f}s" if times else "-")
    return table


def _write_csv(path: Path, cells: list[Cell], time_limit: float, seed: int) -> None:
    buffer = io.StringIO()
    fields = list(asdict(cells[0])) + ["time_limit", "seed"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for cell in cells:
        writer.writerow({**asdict(cell), "time_limit": time_limit, "seed": seed})
    atomic_write(path, [buffer.getvalue()])

"""The ``routeopt`` command line: solve, compare, solvers, instances, demo.

>>> from typer.testing import CliRunner
>>> CliRunner().invoke(app, ["solvers", "--json"]).exit_code    # doctest: +SKIP
0

Every :class:`~routeopt.errors.RouteoptError`, a missing file or a bad option prints one line
``error: <message>`` on stderr and exits 2, never a traceback; see :mod:`.common` for the codes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .. import __version__
from ..errors import InputError
from ..instances.base import Problem
from ..instances.io import load, save_solution
from ..solvers.base import Result, Status
from ..solvers.registry import solve as solve_problem
from .common import (EXIT_INTERRUPTED, EXIT_NO_ANSWER, STATUS_STYLE, ClickException, UsageError, console,
                     error_line, fmt_gap, fmt_number, fmt_time, one_line, output_path, positive_time,
                     print_json, quiet_broken_pipe, report_exception, stdout_to_stderr)
from .balance import balance_app
from .instances import describe_problem, instances_app
from .network import network_app
from .paths import paths_app
from .solverinfo import solver_rows

OK = (Status.OPTIMAL, Status.FEASIBLE)


class RouteoptGroup(typer.core.TyperGroup):
    """The top-level group: turns every error into one line on stderr and an exit code.

    Errors raised by commands are caught in ``invoke`` (so ``CliRunner`` sees the same as a
    shell); usage errors and aborts in ``main``.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException):
            raise
        except KeyboardInterrupt:
            error_line("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(EXIT_NO_ANSWER) from None
        except Exception as exc:
            raise typer.Exit(report_exception(exc)) from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args=args, prog_name=prog_name or "routeopt", complete_var=complete_var,
                              standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except ClickException as exc:
            message = exc.format_message()
            if type(exc).__name__ == "NoArgsIsHelpError":      # the help is the message (or was printed)
                if message.strip():
                    typer.echo(message, err=True)
                code = exc.exit_code
                return sys.exit(code) if standalone_mode else code
            ctx = getattr(exc, "ctx", None)
            if isinstance(exc, UsageError) and ctx is not None:
                message += f" (see '{ctx.command_path} --help')"
            error_line(message)
            code = exc.exit_code
        except typer.Abort:
            error_line("aborted")
            code = EXIT_INTERRUPTED
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=RouteoptGroup, name="routeopt", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False, rich_markup_mode="rich",
    help="Routing problems defined once, solved by many solvers, every answer checked by the problem.",
)
app.add_typer(instances_app, name="instances")
app.add_typer(balance_app, name="balance")
app.add_typer(network_app, name="network")
app.add_typer(paths_app, name="paths")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"routeopt {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Routing problems defined once, solved by many solvers, every answer checked by the problem."""


# --------------------------------------------------------------------------- solve
@app.command()
def solve(
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                         help="Instance: .vrp .tsp .atsp (TSPLIB/CVRPLIB), .txt (Solomon, "
                                              "ORTEC) or .json.")],
    solver: Annotated[str, typer.Option("--solver", "-s", help="Solver name (see 'routeopt solvers') or "
                                                               "auto: the first that supports the instance.")] = "auto",
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds the solver may run.")] = 10.0,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    threads: Annotated[int, typer.Option(min=1, help="Threads the solver may use.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing "
                                                         "else.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE.sol|FILE.json",
                                                help="Write the solution (only when a feasible one was "
                                                     "found).")] = None,
) -> None:
    """Solve one instance and report the answer as scored by the instance itself.

    Exits 0 for OPTIMAL or FEASIBLE, 1 when no feasible answer came back, 2 for bad input.
    """
    time_limit = positive_time(time_limit)
    out = output_path(out, (".sol", ".json"), "--out")
    problem = load(file)
    if out is not None and out.suffix.lower() == ".sol" and len(getattr(problem, "vehicle_types", ())) > 1:
        raise InputError(f"{problem.name} has {len(problem.vehicle_types)} vehicle types and the .sol "
                         f"format has none; write the solution as .json", path=out)
    if as_json:
        with stdout_to_stderr():
            result = solve_problem(problem, solver, time_limit=time_limit, seed=seed, threads=threads)
    else:
        with console(stderr=True).status(Text(f"solving {problem.name} with {solver} ({time_limit:g} s) ...")):
            result = solve_problem(problem, solver, time_limit=time_limit, seed=seed, threads=threads)
    written = None
    if out is not None and result.status in OK and result.solution is not None:
        written = save_solution(result.solution, out, problem)
    if as_json:
        data = result.to_dict()
        data["solver_version"] = result.metadata.get("solver_version")
        data["instance"] = describe_problem(problem)
        data["time_limit"], data["seed"], data["threads"] = time_limit, seed, threads
        data["out"] = None if written is None else str(written)
        print_json(data)
    else:
        console().print(_summary(problem, result, solver, time_limit, written))
    if result.status not in OK:
        raise typer.Exit(EXIT_NO_ANSWER)


def _summary(problem: Problem, result: Result, asked: str, time_limit: float, written: Path | None) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", justify="right")
    grid.add_column()
    info = describe_problem(problem)
    grid.add_row("instance", Text(problem.name) + Text(f"  ({info['source']})" if info.get("source") else "",
                                                       style="dim"))
    shape = f"{problem.variant} · {problem.size} clients"
    if "num_nodes" in info:
        shape += f" · {info['num_nodes']} nodes · {info['num_depots']} depot(s)"
    grid.add_row("variant", shape)
    if info.get("features"):
        grid.add_row("features", ", ".join(info["features"]))
    version = result.metadata.get("solver_version")
    who = Text(result.solver) + Text(f" {version}" if version else "", style="dim")
    if asked == "auto":
        who += Text("  (chosen by auto)", style="dim")
    grid.add_row("solver", who)
    status = str(result.status)
    grid.add_row("status", Text(status, style=STATUS_STYLE.get(status, "")))
    grid.add_row("objective", Text(fmt_number(result.objective), style="bold"))
    if problem.best_known is not None:
        gap = result.gap
        style = "green" if gap is not None and gap <= 1e-6 else ("yellow" if gap is not None else "")
        grid.add_row("best known", Text(fmt_number(problem.best_known)) + Text("   gap ")
                     + Text(fmt_gap(gap), style=style))
    else:
        grid.add_row("best known", Text("unknown", style="dim"))
    if result.bound is not None:
        grid.add_row("bound", f"{fmt_number(result.bound)}   proved gap {fmt_gap(result.proved_gap)}")
    grid.add_row("runtime", f"{fmt_time(result.runtime)} (limit {time_limit:g} s)")
    if result.solution is not None:
        grid.add_row("vehicles", _vehicles(problem, result))
        details = problem.evaluate(result.solution).details
        parts = [f"{key.replace('_', ' ')} {fmt_number(details[key])}"
                 for key in ("distance", "fixed_cost", "prizes_missed", "preference") if details.get(key)]
        if len(parts) > 1:
            grid.add_row("breakdown", " · ".join(parts))
    if result.violations:
        shown = result.violations[:8]
        lines = Text("\n").join(Text(f"{v.kind}: {v.message}", style="red") for v in shown)
        if len(result.violations) > len(shown):
            lines += Text(f"\n... and {len(result.violations) - len(shown)} more", style="red")
        grid.add_row(Text("violations", style="bold red"), lines)
    if result.message:
        grid.add_row("message", Text(one_line(result.message), style="yellow" if result.status not in OK else "dim"))
    if written is not None:
        grid.add_row("solution", str(written))
    border = "green" if result.status in OK else "red"
    return Panel(grid, title="routeopt solve", title_align="left", border_style=border, expand=False)


def _vehicles(problem: Problem, result: Result) -> str:
    details = problem.evaluate(result.solution).details
    types = getattr(problem, "vehicle_types", None)
    used = details.get("vehicles_by_type")
    if not types or used is None:
        return str(details.get("routes", "-"))
    if len(types) == 1:
        return f"{used[0]} of {types[0].count}"
    return ", ".join(f"{vt.name or f'type {k}'} {u}/{vt.count}" for k, (vt, u) in enumerate(zip(types, used)))


# --------------------------------------------------------------------------- solvers
@app.command()
def solvers(
    family: Annotated[Optional[str], typer.Option(help="Only solvers of this problem family (e.g. vrp).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
) -> None:
    """List every registered solver: what it solves, its kind, library version and limits."""
    rows = solver_rows()
    families = sorted({r["family"] for r in rows if r.get("family")})
    if family is not None:
        if family not in families:
            raise InputError(f"--family: no solver for family {family!r}; families: "
                             f"{', '.join(families) or '(none)'}")
        rows = [r for r in rows if r.get("family") == family]
    if as_json:
        print_json(rows)
        return
    table = Table(title="registered solvers", title_justify="left", show_lines=False)
    for name, kw in (("name", {"style": "bold"}), ("family", {}), ("kind", {}), ("version", {}),
                     ("supports", {"overflow": "fold"}), ("max size", {"justify": "right"}),
                     ("description", {"overflow": "fold"})):
        table.add_column(name, **kw)
    for r in rows:
        if r.get("error"):
            table.add_row(r["name"], r.get("family") or "-", "-", "-", "-", "-",
                          Text(f"unavailable: {r['error']}", style="red"))
            continue
        version: str | Text = r.get("version") or ("built-in" if not r.get("library")
                                                   else Text("not installed", style="yellow"))
        table.add_row(r["name"], r["family"], r["kind"], version,
                      ", ".join(r["supports"]) or "-",
                      "-" if r.get("max_size") is None else str(r["max_size"]),
                      r.get("description") or "")
    console().print(table)


# --------------------------------------------------------------------------- demo and benchmark
from .compare import compare  # noqa: E402  (they use the helpers above)
from .demo import demo  # noqa: E402
from .train import train as train_command  # noqa: E402  (torch is imported when it runs)

app.command("demo")(demo)
app.command("compare")(compare)
app.command("train")(train_command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and exit with its code (see :mod:`.common`), never
    with a traceback."""
    try:
        command = typer.main.get_command(app)
        command.main(args=argv, prog_name="routeopt", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        error_line("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except BaseException as exc:  # anything that escaped the group (e.g. while building the app)
        sys.exit(report_exception(exc))


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
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .. import __version__
from ..errors import InputError
from ..instances.io import save_solution
from ..solvers.registry import GENERIC
from ..solvers.registry import solve as solve_problem
from . import flags
from . import road as road_flags
from .common import (EXIT_INTERRUPTED, EXIT_NO_ANSWER, ClickException, UsageError, console, error_line,
                     output_path, positive_time, print_json, quiet_broken_pipe, report_exception,
                     fold_warnings, key_value_grid, stdout_to_stderr)
from .balance import balance_app
from .instances import describe_problem, instances_app
from .network import network_app
from .paths import paths_app
from .solverinfo import solver_row, solver_rows
from .summary import OK, summary_panel


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
    fold_warnings()


# --------------------------------------------------------------------------- solve
@app.command()
def solve(
    file: Annotated[Optional[Path], typer.Argument(
        metavar="[FILE]", show_default=False,
        help="Instance of any family: .vrp .tsp .atsp .txt (VRP), .gr .edges .osm .graphml (paths), "
             ".npz (balance), Topology Zoo .graphml or SNDlib .txt (network), .json (any).")] = None,
    generate: flags.Generate = None,
    param: flags.Params = None,
    solver: flags.Solver = "auto",
    time_limit: flags.TimeLimit = flags.DEFAULT_TIME_LIMIT,
    seed: flags.Seed = 0,
    threads: flags.Threads = 1,
    option: flags.Options = None,
    as_json: flags.AsJson = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE.json|FILE.sol",
                                                help="Write the solution (only when a feasible one was "
                                                     "found): .json for every family, .sol for VRP.")] = None,
    plot: flags.Plot = None,
    road: road_flags.Road = None,
    stops: road_flags.StopsFile = None,
    profile: road_flags.Profile = "car",
    vehicles: road_flags.Vehicles = None,
    capacity: road_flags.Capacity = None,
    metric: road_flags.Metric = "time",
    max_snap: road_flags.MaxSnap = 500.0,
    snap: road_flags.Snap = "nearest",
    geojson: road_flags.GeoJson = None,
    itinerary: road_flags.Itinerary = None,
) -> None:
    """Solve one instance of any family and report the answer as scored by the instance itself;
    or route a stop list on a street map (--road MAP --stops STOPS.csv).

    Exits 0 for OPTIMAL or FEASIBLE, 1 when no feasible answer came back, 2 for bad input.
    """
    time_limit = positive_time(time_limit)
    out = output_path(out, (".json", ".sol"), "--out")
    plot = output_path(plot, flags.PLOT_SUFFIXES, "--plot")
    geojson, itinerary = road_flags.check_road_outputs(geojson, itinerary)
    options = flags.parse_pairs(option, "--option")
    flags.check_outputs({"--out": out, "--plot": plot, "--geojson": geojson, "--itinerary": itinerary},
                        [file, road, stops])
    road_vrp = None
    if road is not None or stops is not None:
        if road is None:
            raise InputError("--stops needs --road MAP: the street map to route them on")
        if file is not None or generate is not None:
            raise InputError("give either an instance (FILE or --generate) or --road MAP --stops STOPS.csv")
        with console(stderr=True).status(Text(f"reading {road.name} ({profile}) and building the road matrices ...")):
            road_vrp = road_flags.load_road(road, stops, profile=profile, vehicles=vehicles, capacity=capacity,
                                            metric=metric, max_snap=max_snap, snap=snap)
        problem = road_vrp.problem
    else:
        if geojson is not None or itinerary is not None:
            raise InputError(f"{'--geojson' if geojson is not None else '--itinerary'} goes with --road MAP "
                             f"--stops STOPS.csv")
        problem = flags.load_or_generate(file, generate, param)
    if out is not None and out.suffix.lower() == ".sol":
        if problem.family != "vrp":
            raise InputError(f".sol holds VRP solutions, not {problem.family}; write the solution as .json", path=out)
        if len(problem.vehicle_types) > 1:
            raise InputError(f"{problem.name} has {len(problem.vehicle_types)} vehicle types and the .sol "
                             f"format has none; write the solution as .json", path=out)
    kw = dict(time_limit=time_limit, seed=seed, threads=threads, **options)
    if as_json:
        with stdout_to_stderr():
            result = solve_problem(problem, solver, **kw)
    else:
        with console(stderr=True).status(Text(f"solving {problem.name} ({problem.size_text}) with {solver} "
                                              f"({time_limit:g} s) ...")):
            result = solve_problem(problem, solver, **kw)
    written: dict[str, Path] = {}
    if result.status in OK and result.solution is not None:
        if out is not None:
            written["solution"] = save_solution(result.solution, out, problem)
        if road_vrp is not None:
            written.update(road_flags.write_road_outputs(road_vrp, result.solution, geojson=geojson,
                                                         itinerary=itinerary, plot=plot))
        elif plot is not None:
            result.solution.plot(problem, plot)
            written["plot"] = plot
    if as_json:
        data = result.to_dict()
        data["solver_version"] = result.metadata.get("solver_version")
        data["instance"] = describe_problem(problem)
        data["options"] = options
        data["time_limit"], data["seed"], data["threads"] = time_limit, seed, threads
        data["out"] = None if "solution" not in written else str(written["solution"])
        data["plot"] = None if "plot" not in written else str(written["plot"])
        if road_vrp is not None:
            data["road"] = road_flags.road_json(road_vrp, result.solution if result.status in OK else None, written)
        print_json(data)
    else:
        console().print(summary_panel(problem, result, solver, time_limit, written))
        if road_vrp is not None:
            console().print(road_flags.snap_text(road_vrp))
            if result.status in OK and result.solution is not None:
                console().print(road_flags.routes_table(road_vrp, result.solution))
    if result.metadata.get("interrupted"):
        raise typer.Exit(EXIT_INTERRUPTED)      # the answer so far was printed (and --out written)
    if result.status not in OK:
        raise typer.Exit(EXIT_NO_ANSWER)


# --------------------------------------------------------------------------- solvers
@app.command()
def solvers(
    name: Annotated[Optional[str], typer.Argument(metavar="[NAME]", show_default=False,
                                                  help="One solver: its options and what it supports.")] = None,
    family: Annotated[Optional[str], typer.Option(help="Only solvers of this problem family (e.g. vrp).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every registered solver (what it solves, its kind, library version and limits), or one
    solver's options."""
    if name is not None:
        return _one_solver(name, as_json)
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
    table = Table(title="registered solvers ('routeopt solvers NAME' shows one with its options)",
                  title_justify="left", show_lines=False)
    for col, kw in (("name", {"style": "bold"}), ("family", {}), ("kind", {}), ("version", {}),
                    ("supports", {"overflow": "fold"}), ("max size", {"justify": "right"}),
                    ("options", {"overflow": "fold"}), ("description", {"overflow": "fold"})):
        table.add_column(col, **kw)
    for r in rows:
        if r.get("error"):
            table.add_row(r["name"], r.get("family") or "-", "-", "-", "-", "-", "-",
                          Text(f"unavailable: {r['error']}", style="red"))
            continue
        table.add_row(r["name"], r["family"], r["kind"], _version_text(r),
                      ", ".join(r["supports"]) or "-",
                      "-" if r.get("max_size") is None else f"{r['max_size']:,}",
                      ", ".join(o["name"] for o in r.get("options", [])) or "-",
                      r.get("description") or "")
    console().print(table)
    generic = ", ".join(f"{g} ({' / '.join(v.values())})" for g, v in GENERIC.items())
    console().print(Text(f"by family: {generic}", style="dim"))


def _version_text(row: dict[str, Any]) -> str | Text:
    return row.get("version") or ("built-in" if not row.get("library") else Text("not installed", style="yellow"))


def _one_solver(name: str, as_json: bool) -> None:
    if name in GENERIC:
        names = list(GENERIC[name].values())
        if as_json:
            print_json([solver_row(n) for n in names])
            return
        console().print(Text(f"'{name}' is the method of several families; the problem's family picks one: "
                             + ", ".join(f"{fam} -> {n}" for fam, n in GENERIC[name].items())))
        for n in names:
            _one_solver(n, False)
        return
    row = solver_row(name)
    if as_json:
        print_json(row)
        return
    grid = key_value_grid()
    grid.add_row("family", f"{row['family']} (instances measured in {row['size_unit']})")
    grid.add_row("kind", row["kind"])
    grid.add_row("library", _version_text(row) if row.get("library") else "built-in")
    grid.add_row("supports", ", ".join(row["supports"]) or "the plain problem")
    grid.add_row("max size", "-" if row.get("max_size") is None else f"{row['max_size']:,} {row['size_unit']}")
    grid.add_row("description", row.get("description") or "")
    opts = Table(title="options (-O KEY=VALUE on the command line, KEY=VALUE in routeopt.solve)",
                 title_justify="left", show_edge=False)
    for col in ("option", "type", "default", "range", "help"):
        opts.add_column(col, overflow="fold", style="bold" if col == "option" else None)
    for o in row["options"]:
        opts.add_row(o["name"], o["type"], "auto" if o["default"] is None else str(o["default"]),
                     o["range"] or "-", o["help"])
    if not row["options"]:
        opts.add_row("(none)", "", "", "", "")
    console().print(Panel(Group(grid, Text(""), opts), title=Text(f"solver {row['name']}"), title_align="left",
                          expand=False))


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


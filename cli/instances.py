"""``routeopt instances``: show an instance file, generate seeded instances, list generator kinds."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..instances.base import Problem
from ..instances.generate import KINDS, kind_info
from ..instances.generate import generate as generate_problem
from ..instances.io import OUTPUT_SUFFIXES, load, save
from . import flags
from .common import console, fmt_number, key_value_grid, output_path, print_json

instances_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                            help="Inspect instance files and generate seeded instances.")


def describe_problem(problem: Problem, *, full: bool = False) -> dict[str, Any]:
    """Name, variant, size, features, fleet and conventions of ``problem`` as plain data."""
    info: dict[str, Any] = {"name": problem.name, "family": problem.family, "variant": problem.variant,
                            "size": problem.size, "size_unit": problem.size_unit, "features": sorted(problem.features),
                            "best_known": problem.best_known,
                            "best_known_note": getattr(problem, "best_known_note", None), "source": getattr(problem, "source", None)}
    if hasattr(problem, "num_nodes"):
        info.update(num_nodes=problem.num_nodes, num_clients=problem.num_clients,
                    num_depots=problem.num_depots, convention=problem.convention,
                    precision=problem.precision)
    if full and hasattr(problem, "vehicle_types"):
        info["fleet"] = [{"name": vt.name, "count": vt.count, "capacity": list(vt.capacity),
                          "fixed_cost": vt.fixed_cost, "start_depot": vt.start_depot, "end_depot": vt.end_depot,
                          "max_duration": None if math.isinf(vt.max_duration) else vt.max_duration,
                          "forbidden": len(vt.forbidden), "preferences": vt.preferences is not None}
                         for vt in problem.vehicle_types]
        if problem.demand is not None:
            info["total_demand"] = problem.demand[problem.num_depots:].sum(axis=0).tolist()
        if problem.time_windows is not None:
            info["horizon"] = problem.horizon
        info["symmetric"] = problem.is_symmetric
    return info


@instances_app.command()
def show(
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False, help="Instance file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead.")] = False,
) -> None:
    """Name, variant, size, features, fleet, distance convention, best-known value and source."""
    problem = load(file)
    info = describe_problem(problem, full=True)
    if as_json:
        print_json(info)
        return
    grid = key_value_grid()
    grid.add_row("name", Text(problem.name))
    grid.add_row("variant", Text(problem.variant, style="bold"))
    if "num_nodes" in info:
        grid.add_row("nodes", f"{info['num_nodes']} ({info['num_clients']} clients, {info['num_depots']} depot(s))")
    else:
        grid.add_row("size", problem.size_text)
    grid.add_row("features", ", ".join(info["features"]) or "-")
    if "convention" in info:
        precision = info["precision"]
        exact = {None: "floating point", 0: "integers"}.get(precision, f"{precision} decimal(s)")
        grid.add_row("distances", f"{info['convention']} ({exact})"
                     + ("" if info.get("symmetric", True) else ", asymmetric"))
    if "total_demand" in info:
        grid.add_row("total demand", " / ".join(fmt_number(d) for d in info["total_demand"]))
    if "horizon" in info:
        grid.add_row("horizon", fmt_number(info["horizon"]))
    grid.add_row("best known", fmt_number(problem.best_known) if problem.best_known is not None
                 else Text("unknown", style="dim"))
    if getattr(problem, "best_known_note", None):
        grid.add_row("", Text(problem.best_known_note, style="dim"))
    grid.add_row("source", Text(info.get("source") or "-", style="dim"))
    parts: list[Any] = [grid]
    if info.get("fleet"):
        fleet = Table(title="fleet", title_justify="left", show_edge=False)
        for col in ("type", "count", "capacity", "fixed cost", "depots", "max duration", "profile"):
            fleet.add_column(col, justify="left" if col in ("type", "profile") else "right")
        for k, vt in enumerate(info["fleet"]):
            profile = []
            if vt["forbidden"]:
                profile.append(f"{vt['forbidden']} clients forbidden")
            if vt["preferences"]:
                profile.append("preferences")
            fleet.add_row(vt["name"] or str(k), str(vt["count"]),
                          " / ".join(fmt_number(c) for c in vt["capacity"]) or "unlimited",
                          fmt_number(vt["fixed_cost"]), f"{vt['start_depot']}->{vt['end_depot']}",
                          fmt_number(vt["max_duration"]) if vt["max_duration"] is not None else "-",
                          ", ".join(profile) or "-")
        parts.append(fleet)
    console().print(Panel(Group(*parts), title=Text(f"instance {file}"), title_align="left",
                          expand=False))


@instances_app.command(help="Generate a seeded instance of any family and save it: .vrp (VRPs CVRPLIB can "
                            "hold), .gr (paths graphs), .osm.pbf (generated street maps), .npz (balance) or .json (every family).\n\n"
                            "See 'routeopt instances kinds' for the kinds and their parameters.")
def generate(
    kind: Annotated[str, typer.Argument(metavar="KIND", show_default=False,
                                        help=f"One of: {', '.join(KINDS)}.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", show_default=False,
                                      help="Where to write: .json, .vrp, .gr, .osm.pbf (street maps) or .npz.")],
    n: Annotated[Optional[int], typer.Option("--n", "-n", help="Size: what it counts depends on the kind "
                                             "(clients, nodes, tokens, participating hosts).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same arguments give the same instance.")] = 0,
    param: flags.Params = None,
) -> None:
    out = output_path(out, tuple(OUTPUT_SUFFIXES), "--out")
    info = kind_info(kind)
    family = OUTPUT_SUFFIXES[out.suffix.lower()]
    if family is not None and family != info.family:
        raise InputError(f"{out.suffix} files hold {family} instances and {info.name} makes {info.family} "
                         f"ones; write .json", path=out)
    params = flags.parse_pairs(param, "--param")
    for key, value in (("n", n), ("seed", seed if seed != 0 else None)):
        if key in params and value is not None:
            raise InputError(f"{key} given twice: as --{key} and as --param {key}=...; keep one")
    n = params.pop("n", n)
    seed = params.pop("seed", seed)
    problem = generate_problem(kind, n=n, seed=seed, **params)
    path = save(problem, out)
    c = console()
    c.print(Text.assemble("wrote ", (str(path), "bold"), f": {problem.name}, {problem.family} {problem.variant}, "
                                                          f"{problem.size_text}"))
    if getattr(problem, "source", None):
        c.print(Text(f"  {problem.source}", style="dim"))


def _n_text(row: dict[str, Any]) -> str:
    default = "all" if row["default_n"] is None else f"{row['default_n']:,}"
    return f"{row['n']} ({default})"


@instances_app.command()
def kinds(as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False) -> None:
    """The generator kinds of every family, what each makes, what n counts, and their parameters."""
    rows = [{"kind": k.name, "family": k.family, "description": k.description, "n": k.n_means,
             "default_n": k.default_n, "params": k.params()} for k in KINDS.values()]
    if as_json:
        print_json(rows)
        return
    table = Table(title="instance generators (routeopt instances generate KIND --n N --seed S -p KEY=VALUE "
                        "--out FILE; routeopt solve --generate KIND -p n=N -p KEY=VALUE)",
                  title_justify="left")
    table.add_column("kind", style="bold")
    table.add_column("family")
    table.add_column("what", overflow="fold")
    table.add_column("n counts", overflow="fold")
    table.add_column("--param keys", overflow="fold")
    for r in rows:
        table.add_row(r["kind"], r["family"], r["description"], _n_text(r),
                      ", ".join(r["params"]) or "-")
    console().print(table)


@instances_app.command(help="Random stops near the roads of a street map, as a CSV for "
                            "'routeopt solve --road MAP --stops STOPS.csv'.")
def stops(
    map: Annotated[Path, typer.Argument(metavar="MAP", show_default=False,
                                        help="Street map: .osm.pbf, .osm or .osm.bz2.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE.csv", show_default=False,
                                      help="Where to write the stop list.")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="Stops besides the depot.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    profile: Annotated[str, typer.Option(help="Travel profile whose roads the stops lie on: car, bike, walk.")] = "car",
    windows: Annotated[bool, typer.Option("--windows/--no-windows", help="Give each stop a time window.")] = True,
) -> None:
    from ..instances.paths.stops import random_stops, write_stops
    from ..solvers.paths.road_vrp import read_map
    out = output_path(out, (".csv",), "--out")
    flags.check_outputs({"--out": out}, [map])
    graph = read_map(map, profile=profile)
    table = random_stops(graph, n, seed, time_windows=windows)
    write_stops(table, out)
    console().print(Text.assemble("wrote ", (str(out), "bold"),
                                  f": a depot and {n} stops on the {profile} roads of {map.name}"))

"""``routeopt demo``: generate one instance of every VRP variant, compare every solver on them, then
solve one instance of each other family and draw every answer.

The main job in miniature: generated instances are written in the project's formats, read back,
and run through :func:`routeopt.compare` (each run in its own process, every answer scored by the
instance); the tables go to stdout and a Markdown report, a CSV and a performance profile to DIR.
A picture of one answer per family (routes, a path with its alternatives, expert loads, link loads)
goes to DIR/plots. Last, a stop list is routed on a generated city's street map (.osm.pbf): GeoJSON,
itinerary and map in DIR/road.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..instances.base import Problem
from ..instances.io import load, save
from ..instances.generate import generate
from ..solvers.compare import compare as run_compare
from .common import console, fmt_number, positive_time
from .compare import parse_solvers

# kind, clients, seed offset: the demo's instances (``--n`` replaces every size)
DEMO_SET = [("cvrp", 50, 0), ("cvrp", 100, 1), ("vrptw", 50, 0), ("tsp", 50, 0),
            ("hfvrp", 50, 0), ("mdvrp", 50, 0), ("pvrp", 50, 0)]
# one instance of each family, the solver that answers it, and the file it is saved as
PICTURES = [("cvrp", {"n": 100}, "pyvrp", "cvrp.vrp"),
            ("road", {"n": 2500, "queries": 1, "alternatives": 3}, "plateau", "road.gr"),
            ("balance-hot", {"n": 2048, "m": 16, "k": 2, "devices": 4}, "bip", "moe.npz"),
            ("leafspine", {"traffic": "ring", "leaves": 8, "spines": 4, "hosts_per_leaf": 4}, "split",
             "fabric.json")]


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the generated "
                                                                        "instances and the report (created).")]
    = Path("data/demo"),
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds per solver and "
                                                                          "instance.")] = 2.0,
    n: Annotated[Optional[int], typer.Option("--n", "-n", min=2, help="Clients in every instance "
                                                                     "(default: 50, and 100 for one CVRP).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the generated instances.")] = 0,
    solvers: Annotated[Optional[str], typer.Option("--solvers", "-s", help="Comma-separated solver names "
                                                                          "(default: every VRP solver).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Runs at a time (default: the CPU count, "
                                                               "at most 4).")] = None,
) -> None:
    """Generate a few instances, solve each with every solver that supports it, compare the answers.

    CVRP (X-style, two sizes), Solomon-like VRPTW, TSP, heterogeneous fleet, multi-depot and PVRP
    instances are generated into DIR (.vrp when CVRPLIB can hold them, else .json), read back from
    there, and compared; the gap is to the best answer any solver found for that instance.
    """
    time_limit = positive_time(time_limit)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder", path=out)
    names = parse_solvers(solvers) if solvers is not None else None
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, size, offset in DEMO_SET:
        generated = generate(kind, n=size if n is None else n, seed=seed + offset)
        paths.append(_save_instance(generated, out))
    problems = [load(p) for p in paths]        # solve what the files hold: the formats are part of the demo
    report = run_compare(problems, names, time_limit=time_limit, seeds=1,
                         workers=workers or max(1, min(4, os.cpu_count() or 1)))
    c = console()
    c.print(report.tables())
    report.to_markdown(out / "report.md")
    written = [out / "report.md", report.to_csv(out / "runs.csv"), report.plot(out / "profile.png")]
    c.print(Text.assemble(("instances and report in ", "dim"), (str(out), "bold"),
                          (f" ({', '.join(p.name for p in written)})", "dim")))
    pictures = draw_answers(out / "plots", seed, time_limit)
    table = Table(title="one answer per family, drawn", title_justify="left")
    for col in ("family", "instance", "solver", "status", "objective", "picture"):
        table.add_column(col)
    for problem, result, png in pictures:
        table.add_row(problem.family, f"{problem.name} ({problem.size_text})", result.solver, str(result.status),
                      fmt_number(result.objective, 4), str(png))
    c.print(table)
    road, result, road_files = route_on_street_map(out / "road", seed, time_limit)
    if result.solution is not None:
        from .road import routes_table, snap_text
        c.print(snap_text(road))
        c.print(routes_table(road, result.solution))
    c.print(Text.assemble(("street map: ", "dim"), f"{road.problem.name} ({road.problem.size_text}) with "
                          f"{result.solver}: {result.status}, {fmt_number(result.objective)} m; ",
                          (", ".join(str(p) for p in road_files), "bold")))
    c.print(Text.assemble(("try: ", "dim"), f"routeopt solve {paths[1]} --time-limit 5 --plot routes.png"))
    c.print(Text.assemble(("try: ", "dim"), f"routeopt solve --road {road_files[0]} --stops {road_files[1]} "
                                            f"--vehicles {ROAD_VEHICLES} --capacity {ROAD_CAPACITY} --plot map.png"))


ROAD_NODES, ROAD_STOPS, ROAD_VEHICLES, ROAD_CAPACITY = 1500, 40, 5, 60


def route_on_street_map(folder: Path, seed: int, time_limit: float) -> tuple[Any, Any, list[Path]]:
    """The street-map job end to end: a generated city written as .osm.pbf, random stops as CSV,
    both read back, routed by car, the answer as GeoJSON, a CSV itinerary and a map."""
    from ..instances.paths.stops import random_stops, write_stops
    from ..solvers.paths.road_vrp import read_map, road_vrp
    from ..solvers.registry import solve
    from .road import write_road_outputs

    folder.mkdir(parents=True, exist_ok=True)
    city = save(generate("city", ROAD_NODES, seed), folder / "city.osm.pbf")
    stops = write_stops(random_stops(read_map(city), ROAD_STOPS, seed), folder / "stops.csv")
    road = road_vrp(city, stops, profile="car", vehicles=ROAD_VEHICLES, capacity=ROAD_CAPACITY)
    result = solve(road.problem, "pyvrp", time_limit=time_limit, seed=seed)
    files = [city, stops]
    if result.solution is not None:
        written = write_road_outputs(road, result.solution, geojson=folder / "routes.geojson",
                                     itinerary=folder / "itinerary.csv", plot=folder / "routes.png")
        files += list(written.values())
    return road, result, files


def draw_answers(folder: Path, seed: int, time_limit: float) -> list[tuple[Problem, Any, Path]]:
    """Solve one instance of every family (saved beside its picture) and draw each answer."""
    from ..solvers.registry import solve

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind, params, solver, filename in PICTURES:
        params = dict(params)
        problem = generate(kind, params.pop("n", None), seed, **params)
        save(problem, folder / filename)
        result = solve(problem, solver, time_limit=time_limit, seed=seed)
        png = folder / f"{Path(filename).stem}.png"
        if result.solution is not None:
            result.solution.plot(problem, png)
        out.append((problem, result, png))
    return out


def _save_instance(problem: Problem, folder: Path) -> Path:
    """``.vrp`` when CVRPLIB can hold the instance exactly, else ``.json``."""
    try:
        return save(problem, folder / f"{problem.name}.vrp")
    except InputError:
        return save(problem, folder / f"{problem.name}.json")

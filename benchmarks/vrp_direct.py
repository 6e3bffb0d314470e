"""Does routeopt lose anything against PyVRP and OR-Tools called directly?

For each instance, runs four configurations with the same time limit: PyVRP and OR-Tools through
``routeopt.solve``, and each library called the way its own documentation shows (PyVRP:
``pyvrp.read`` + ``pyvrp.solve``; OR-Tools: a transit callback, a capacity dimension, savings and
guided local search). Runs go two at a time in separate processes (one per core), each pairing
routeopt with the direct call so that both see the same machine load. Prints a table of gaps
to the best-known solution and a mean row; ``--csv`` saves the rows.

    python benchmarks/vrp_direct.py ../shared/instances/cvrp-x --time-limit 30
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np


def routeopt_run(path: str, solver: str, time_limit: float, seed: int) -> tuple[float | None, float]:
    import routeopt

    problem = routeopt.load(path)
    result = routeopt.solve(problem, solver=solver, time_limit=time_limit, seed=seed)
    ok = result.status.value in ("OPTIMAL", "FEASIBLE")
    return (result.objective if ok else None), result.runtime


def pyvrp_direct(path: str, time_limit: float, seed: int) -> tuple[float | None, float]:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    start = time.perf_counter()
    data = pyvrp.read(path, round_func="round")
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    cost = result.cost() if result.is_feasible() else None
    return cost, time.perf_counter() - start


def ortools_direct(path: str, time_limit: float, seed: int) -> tuple[float | None, float]:
    import vrplib
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    start = time.perf_counter()
    inst = vrplib.read_instance(path)
    dist = np.asarray(inst["edge_weight"]).round().astype(int).tolist()
    demand = [int(d) for d in inst["demand"]]
    capacity = int(inst["capacity"])
    # The fleet the OR-Tools examples use is "enough vehicles": twice the bin-packing bound + 10.
    vehicles = 2 * math.ceil(sum(demand) / capacity) + 10
    manager = pywrapcp.RoutingIndexManager(len(dist), vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance_cb(i, j):
        return dist[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def demand_cb(i):
        return demand[manager.IndexToNode(i)]

    transit = routing.RegisterTransitCallback(distance_cb)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitCallback(demand_cb), 0,
                                            [capacity] * vehicles, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.SAVINGS
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = routing.SolveWithParameters(params)
    cost = solution.ObjectiveValue() if solution else None
    return cost, time.perf_counter() - start


def run(config: str, path: str, time_limit: float, seed: int):
    if config == "routeopt-pyvrp":
        return routeopt_run(path, "pyvrp", time_limit, seed)
    if config == "routeopt-ortools":
        return routeopt_run(path, "ortools", time_limit, seed)
    if config == "direct-pyvrp":
        return pyvrp_direct(path, time_limit, seed)
    return ortools_direct(path, time_limit, seed)


def best_known(path: Path) -> float | None:
    from routeopt.instances.io import read_solution

    sol = path.with_suffix(".sol")
    return read_solution(sol)[1] if sol.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="first N instances only")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    import routeopt

    files = []
    for p in args.paths:
        if not p.exists():
            print(f"error: {p}: no such file or folder", file=sys.stderr)
            return 2
        files += sorted(p.glob("*.vrp")) if p.is_dir() else [p]
    # natural order (X-n101 before X-n1001), whatever the names
    files.sort(key=lambda f: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", f.stem)])
    skipped = []
    for f in list(files):
        try:
            variant = routeopt.load(f).variant
        except routeopt.RouteoptError as exc:
            variant = f"unreadable: {exc}"
        if variant != "CVRP":                 # the direct calls below model a plain CVRP
            files.remove(f)
            skipped.append(f"{f.name} ({variant})")
    if skipped:
        print(f"skipped, not CVRP: {', '.join(skipped)}", file=sys.stderr)
    if not files:
        print("error: no CVRP instance to run", file=sys.stderr)
        return 2
    files = files[: args.limit]
    pairs = [("routeopt-pyvrp", "direct-pyvrp"), ("routeopt-ortools", "direct-ortools")]
    configs = [c for pair in pairs for c in pair]
    rows = {f: {} for f in files}
    with ProcessPoolExecutor(max_workers=2) as pool, Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("instances x configurations", total=len(files) * len(configs))
        for f in files:
            for pair in pairs:
                futures = {c: pool.submit(run, c, str(f), args.time_limit, args.seed) for c in pair}
                for c, fut in futures.items():
                    rows[f][c] = fut.result()
                    bar.advance(task)

    table = Table(title=f"CVRP gap to best-known (%; * best of the row where none is known), "
                        f"{args.time_limit:g} s per run, seed {args.seed}")
    table.add_column("instance")
    table.add_column("BKS", justify="right")
    for c in configs:
        table.add_column(c, justify="right")
    gaps = {c: [] for c in configs}
    out = []
    for f in files:
        bks = best_known(f)
        found = [rows[f][c][0] for c in configs if rows[f][c][0] is not None]
        reference = bks if bks is not None else (min(found) if found else None)
        cells = []
        for c in configs:
            cost, secs = rows[f][c]
            gap = None if cost is None or reference is None else 100 * (cost - reference) / reference
            if gap is not None:
                gaps[c].append(gap)
            cells.append("-" if gap is None else f"{gap:.2f}")
            out.append({"instance": f.stem, "config": c, "bks": bks, "cost": cost, "gap": gap,
                        "seconds": round(secs, 2)})
        table.add_row(f.stem, f"{bks:g}" if bks else (f"{reference:g} *" if reference else "-"), *cells)
    table.add_section()
    table.add_row("mean", "", *[f"{np.mean(g):.2f} ({len(g)})" if g else "-" for g in gaps.values()])
    Console(width=140).print(table)
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(out[0]))
            writer.writeheader()
            writer.writerows(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

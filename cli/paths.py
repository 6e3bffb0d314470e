"""``routeopt paths``: what only shortest paths have: queries between given nodes, distance matrices,
alternative routes, the benchmark. A generated instance with its random queries is solved like any
other: ``routeopt solve --generate road -p n=100000 -s ch``.

    routeopt paths query map.osm --source 0 --target 25
    routeopt paths query --generate road -p n=100000 --source 5 --target 99000 -s ch --plot q.png
    routeopt paths matrix map.osm --points stops.csv --out matrix.csv --vrp stops-atsp.json
    routeopt paths alternatives map.osm --source 0 --target 25 -k 3 -s plateau
    routeopt paths bench --nodes 50000 --social-nodes 50000

A node is a number 0..N-1, an identifier of the file with ``--ids`` (OSM id, DIMACS number), or
``X,Y`` (longitude,latitude for OSM) snapped to the nearest node. A point farther from every node
than the largest of 10x the median arc length, a tenth of the map's extent and (on OSM maps) 1 km
is refused as off the map (``routeopt.instances.paths.road.snap_limit``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Optional

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..instances.paths.graph import Graph
from ..instances.paths.problem import PathsProblem
from ..solvers.base import Status
from ..solvers.registry import solve as solve_problem
from . import flags
from .common import console, fmt_number, fmt_time, output_path, positive_time, print_json

paths_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                        help="Shortest paths on road and social graphs: queries, matrices, alternative routes.")

GraphFile = Annotated[Optional[Path], typer.Argument(metavar="[FILE]", show_default=False,
                                                     help="Graph: .osm .osm.bz2 .gr .edges .txt .graphml, or a "
                                                          "paths .json.")]
Seed = Annotated[int, typer.Option(min=0, help="Seed of a generated graph.")]
Place = Annotated[Optional[str], typer.Option(help="Download the roads of a place by name (needs the internet).")]
Metric = Annotated[str, typer.Option(help="Arc weights to route on: length (the file's weights) or travel_time.")]
Ids = Annotated[bool, typer.Option("--ids", help="Read node numbers as the file's own identifiers.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def load_graph(file: Path | None, generate: str | None, params: list[str] | None, metric: str = "length",
               place: str | None = None) -> tuple[Graph, str]:
    """The graph the options describe and a name for it."""
    if sum(x is not None for x in (file, generate, place)) != 1:
        raise InputError("give one of FILE, --generate KIND (road or chung-lu) or --place NAME")
    if place is not None:
        from ..instances.paths.io import read_place
        return read_place(place).with_metric(metric), place.split(",")[0].strip().replace(" ", "-")
    if generate is not None:
        from ..instances.generate import kind_info
        if kind_info(generate).family != "paths":
            raise InputError(f"--generate: {generate} makes {kind_info(generate).family} instances, not graphs "
                             f"(road or chung-lu)")
        params = [*(params or []), "queries=0"]
    problem = flags.load_or_generate(file, generate, params)
    if not isinstance(problem, PathsProblem):
        raise InputError(f"a {problem.family} instance, not a graph", path=file)
    return problem.graph.with_metric(metric), problem.name


def parse_node(text: str, graph: Graph, ids: bool, option: str) -> int:
    """A node number from ``text``: an index, a file identifier (``ids``) or ``X,Y`` to snap."""
    text = text.strip()
    if "," in text:
        from ..instances.paths.road import snap
        try:
            xy = [float(v) for v in text.split(",")]
        except ValueError:
            raise InputError(f"{option}: expected a node or X,Y, got {text!r}") from None
        if len(xy) != 2:
            raise InputError(f"{option}: expected X,Y, got {text!r}")
        try:
            return int(snap(graph, np.array([xy]), strongly_connected=False)[0][0])
        except InputError as exc:
            raise InputError(f"{option}: {exc.message.replace('point 0 ', 'point ', 1)}") from None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{option}: expected a node number or X,Y, got {text!r}") from None
    if ids:
        if graph.node_ids is None:
            raise InputError(f"{option}: this graph has no node identifiers; drop --ids")
        hit = np.flatnonzero(graph.node_ids == value)
        if hit.size == 0:
            raise InputError(f"{option}: no node with identifier {value}")
        return int(hit[0])
    if not 0 <= value < graph.num_nodes:
        raise InputError(f"{option}: node {value} is not in 0..{graph.num_nodes - 1}")
    return value


def _warm(solver: str, problem: PathsProblem, options: dict[str, Any] | None = None):
    """The solver, its numba kernels compiled (or loaded) before its clock starts."""
    from ..solvers.registry import get_solver
    s = get_solver(solver, problem, **(options or {}))
    type(s).prepare()
    return s


def _label(graph: Graph, node: int) -> str:
    return str(node) if graph.node_ids is None else f"{node} (id {graph.node_ids[node]})"


def _path_text(path: Any, limit: int = 12) -> str:
    if path is None:
        return "-"
    p = [str(v) for v in np.asarray(path).tolist()]
    return " ".join(p) if len(p) <= limit else " ".join(p[:limit // 2]) + f" ... ({len(p) - limit} more) ... " + " ".join(p[-limit // 2:])


@paths_app.command()
def query(
    file: GraphFile = None, generate: flags.Generate = None, param: flags.Params = None, place: Place = None,
    source: Annotated[list[str], typer.Option("--source", help="Source node (repeat for several).")] = ...,
    target: Annotated[list[str], typer.Option("--target", help="Target node (repeat for several).")] = ...,
    solver: flags.Solver = "auto", time_limit: flags.TimeLimit = flags.DEFAULT_TIME_LIMIT,
    seed: flags.Seed = 0, threads: flags.Threads = 1, option: flags.Options = None,
    metric: Metric = "length", ids: Ids = False, as_json: AsJson = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE.json", help="Write the solution.")] = None,
    plot: flags.Plot = None,
) -> None:
    """Shortest distance and path for each source and target (one pair each, or every source to
    every target when their counts differ), checked by the instance itself."""
    time_limit = positive_time(time_limit)
    out = output_path(out, (".json",), "--out")
    plot = output_path(plot, flags.PLOT_SUFFIXES, "--plot")
    flags.check_outputs({"--out": out, "--plot": plot}, [file])
    options = flags.parse_pairs(option, "--option")
    graph, name = load_graph(file, generate, param, metric, place)
    src = [parse_node(s, graph, ids, "--source") for s in source]
    dst = [parse_node(t, graph, ids, "--target") for t in target]
    matrix = len(src) != len(dst)
    problem = PathsProblem(graph, src, dst, matrix=matrix, name=name)
    result = solve_problem(problem, _warm(solver, problem, options), time_limit=time_limit, seed=seed,
                           threads=threads)
    sol = result.solution
    if sol is not None and result.status in (Status.OPTIMAL, Status.FEASIBLE):
        if out is not None:
            from ..instances.io import save_solution
            save_solution(sol, out, problem)
        if plot is not None:
            sol.plot(problem, plot)
    s_all, t_all = problem.pair_arrays()
    rows = []
    for i in range(problem.num_pairs):
        d = None if sol is None else float(sol.distances[i])
        path = None if sol is None or sol.paths is None else sol.paths[i]
        rows.append({"source": int(s_all[i]), "target": int(t_all[i]),
                     "distance": None if d is None or not math.isfinite(d) else d,
                     "hops": None if path is None else len(path) - 1,
                     "path": None if path is None else np.asarray(path).tolist()})
    meta = {k: v for k, v in result.metadata.items() if isinstance(v, (int, float, str, bool)) or v is None}
    if as_json:
        print_json({"graph": name, "nodes": graph.num_nodes, "arcs": graph.num_arcs, "metric": graph.metric,
                    "solver": result.solver, "status": str(result.status), "runtime": result.runtime,
                    "violations": [v.message for v in result.violations], "pairs": rows, "metadata": meta,
                    "out": None if out is None else str(out), "plot": None if plot is None else str(plot)})
    else:
        table = Table(title=f"{name}: {graph.num_nodes:,} nodes, {graph.num_edges:,} edges, metric {graph.metric} · "
                            f"{result.solver} · {result.status} · {fmt_time(result.runtime)}", title_justify="left")
        for col in ("source", "target", "distance", "hops", "path"):
            table.add_column(col, justify="left" if col == "path" else "right", overflow="fold")
        for r in rows:
            table.add_row(_label(graph, r["source"]), _label(graph, r["target"]),
                          "unreachable" if r["distance"] is None else fmt_number(r["distance"], 3),
                          "-" if r["hops"] is None else str(r["hops"]), _path_text(r["path"]))
        c = console()
        c.print(table)
        for key in ("build_time", "index_arcs", "shortcuts", "core_size", "certified_exact", "touched"):
            if key in meta:
                c.print(Text(f"  {key.replace('_', ' ')}: {fmt_number(meta[key], 3)}", style="dim"))
        for v in result.violations[:5]:
            c.print(Text(f"  violation: {v.message}", style="red"))
        for what, path in (("solution", out), ("plot", plot)):
            if path is not None and path.exists():
                c.print(Text(f"  {what}: {path}", style="dim"))
    if result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise typer.Exit(1)


def _read_points(path: Path) -> np.ndarray:
    """``x,y`` (or ``lon,lat``) per line of a CSV, a header line allowed; one number per line: nodes."""
    from ..instances._io import read_text
    rows, numbers = [], []
    for no, line in enumerate(read_text(path).splitlines(), start=1):
        cells = [c.strip() for c in line.replace(";", ",").split(",") if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        try:
            rows.append([float(c) for c in cells[:2]])
            numbers.append(no)
        except ValueError:
            if not rows and no == 1:
                continue                                    # a header
            raise InputError(f"expected numbers, got {line.strip()!r}", path=path, line=no) from None
    if not rows:
        raise InputError("no points", path=path)
    widths = {len(r) for r in rows}
    if widths == {1}:
        return np.array([int(r[0]) for r in rows], dtype=np.int64)
    if widths != {2}:
        bad = next(no for r, no in zip(rows, numbers) if len(r) != 2)
        raise InputError("expected x,y on every line", path=path, line=bad)
    return np.array(rows)


@paths_app.command()
def matrix(
    file: GraphFile = None, generate: flags.Generate = None, param: flags.Params = None, place: Place = None,
    points: Annotated[Optional[Path], typer.Option(help="CSV of x,y (lon,lat for OSM) or node numbers, one per line.")] = None,
    node: Annotated[Optional[str], typer.Option("--node-list", help="Comma-separated node numbers instead of --points.")] = None,
    metric: Metric = "length",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the distance matrix as CSV.")] = None,
    vrp: Annotated[Optional[Path], typer.Option(help="Write a VRP (.json) built from the points, point 0 the depot.")] = None,
    as_json: AsJson = False,
) -> None:
    """Many-to-many shortest-path distances (and travel times) between snapped points, both ways."""
    from ..instances.paths.road import dijkstra_matrices, snap
    from ..solvers.paths.matrix import road_matrices
    out = output_path(out, (".csv",), "--out")
    vrp = output_path(vrp, (".json",), "--vrp")
    flags.check_outputs({"--out": out, "--vrp": vrp}, [file, points])
    graph, name = load_graph(file, generate, param, "length", place)
    if (points is None) == (node is None):
        raise InputError("give either --points CSV or --node-list 1,2,3")
    if points is not None:
        pts = _read_points(points)
    else:
        try:
            pts = np.array([int(v) for v in node.split(",") if v.strip()], dtype=np.int64)
        except ValueError:
            raise InputError(f"--node-list: expected comma-separated node numbers, got {node!r}") from None
    try:
        snapped, offset = snap(graph, pts)
    except InputError as exc:
        raise InputError(f"{'--node-list' if points is None else '--points'}: {exc.message}", path=points) from None
    routed = graph.with_metric(metric)
    if graph.durations is not None:            # routed by the metric, the other summed along the same paths
        dist, dur = road_matrices(graph, snapped, snapped, by="length" if routed is graph else "time")
    else:
        dist, dur = dijkstra_matrices(routed, snapped)
    if out is not None:
        from ..instances._io import atomic_write, rows as csv_rows
        atomic_write(out, csv_rows(dist, sep=","))
    written = None
    if vrp is not None:
        from ..instances.io import save
        from ..instances.paths.road import from_road_network
        written = save(from_road_network(graph, pts, metric=metric, name=vrp.stem, matrices=road_matrices), vrp)
    if as_json:
        print_json({"graph": name, "nodes": snapped.tolist(), "snap_distance": offset.tolist(),
                    "distance": dist.tolist(), "duration": None if dur is None else dur.tolist(),
                    "out": None if out is None else str(out), "vrp": None if written is None else str(written)})
        return
    c = console()
    k = snapped.size
    unreachable = int((~np.isfinite(dist)).sum())
    c.print(Text(f"{name}: {k} points snapped to nodes (largest snap {fmt_number(float(offset.max()), 1)}); "
                 f"{k} x {k} {graph.with_metric(metric).metric} matrix"
                 + (f"; {unreachable} pairs unreachable" if unreachable else "")))
    if k <= 12:
        table = Table(show_header=True)
        table.add_column("from \\ to", justify="right")
        for j in range(k):
            table.add_column(str(j), justify="right")
        for i in range(k):
            table.add_row(str(i), *(fmt_number(float(x), 1) if math.isfinite(x) else "inf" for x in dist[i]))
        c.print(table)
    if out is not None:
        c.print(Text(f"wrote {out}", style="dim"))
    if written is not None:
        c.print(Text(f"wrote {written} (VRP from the road network, point 0 the depot)", style="dim"))


ALTERNATIVES = ("penalty", "plateau", "yen")


@paths_app.command()
def alternatives(
    file: GraphFile = None, generate: flags.Generate = None, param: flags.Params = None, place: Place = None,
    source: Annotated[str, typer.Option("--source", help="Source node.")] = ...,
    target: Annotated[str, typer.Option("--target", help="Target node.")] = ...,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="Routes in all (the best one included).")] = 3,
    solver: Annotated[str, typer.Option("--solver", "-s", help="penalty, plateau, yen, or all (all three "
                                                              "side by side).")] = "all",
    time_limit: flags.TimeLimit = 60.0, option: flags.Options = None,
    metric: Metric = "length", ids: Ids = False, as_json: AsJson = False, plot: flags.Plot = None,
) -> None:
    """Up to K routes per method, each scored by the instance: stretch, sharing, local optimality."""
    time_limit = positive_time(time_limit)
    plot = output_path(plot, flags.PLOT_SUFFIXES, "--plot")
    flags.check_outputs({"--plot": plot}, [file])
    methods = list(ALTERNATIVES) if solver == "all" else [solver]
    bad = [m for m in methods if m not in ALTERNATIVES]
    if bad:
        from ..instances.params import hint
        raise InputError(f"--solver: unknown method {bad[0]!r}{hint(bad[0], ALTERNATIVES)}; expected penalty, "
                         f"plateau, yen or all")
    options = flags.parse_pairs(option, "--option")
    if options and len(methods) > 1:
        raise InputError("--option applies to one method: choose it with --solver")
    if plot is not None and len(methods) > 1:
        raise InputError("--plot draws one method's routes: choose it with --solver")
    graph, name = load_graph(file, generate, param, metric, place)
    s, t = parse_node(source, graph, ids, "--source"), parse_node(target, graph, ids, "--target")
    problem = PathsProblem.pair(graph, s, t, alternatives=k, name=name)
    out = []
    for m in methods:
        r = solve_problem(problem, _warm(m, problem, options), time_limit=time_limit)
        scores = r.metadata.get("alternatives")
        routes = [] if r.solution is None or r.solution.paths is None or r.solution.paths[0] is None else \
            [r.solution.paths[0], *r.solution.alternatives[0]]
        rows = scores[0] if scores else [{} for _ in routes]
        out.append({"method": m, "status": str(r.status), "runtime": r.runtime,
                    "routes": [{**row, "hops": len(p) - 1, "path": np.asarray(p).tolist()} for row, p in zip(rows, routes)]})
        if plot is not None and r.solution is not None and r.status in (Status.OPTIMAL, Status.FEASIBLE):
            r.solution.plot(problem, plot)
    if as_json:
        print_json({"graph": name, "source": s, "target": t, "k": k, "methods": out,
                    "plot": None if plot is None or not plot.exists() else str(plot)})
        return
    table = Table(title=f"{name}: alternative routes {_label(graph, s)} -> {_label(graph, t)} (k={k}, {graph.metric})",
                  title_justify="left")
    for col in ("method", "route", "length", "stretch", "sharing", "local opt.", "hops", "time"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m in out:
        if not m["routes"]:
            table.add_row(m["method"], "-", Text("no path", style="yellow"), "", "", "", "", fmt_time(m["runtime"]))
        for j, r in enumerate(m["routes"]):
            table.add_row(m["method"] if j == 0 else "", "best" if j == 0 else str(j),
                          fmt_number(r.get("length"), 1), fmt_number(r.get("stretch"), 3), fmt_number(r.get("sharing"), 3),
                          fmt_number(r.get("local_optimality"), 3), str(r["hops"]), fmt_time(m["runtime"]) if j == 0 else "")
        table.add_section()
    console().print(table)
    if plot is not None and plot.exists():
        console().print(Text(f"  plot: {plot}", style="dim"))


@paths_app.command()
def bench(
    nodes: Annotated[int, typer.Option("--nodes", min=100, help="Nodes of the road network.")] = 1_000_000,
    social_nodes: Annotated[int, typer.Option("--social-nodes", min=100, help="Nodes of the Chung-Lu graph.")] = 300_000,
    queries: Annotated[int, typer.Option(min=1, help="Queries on the Chung-Lu graph.")] = 10_000,
    ch_queries: Annotated[int, typer.Option(min=1, help="CH queries on the road network.")] = 1_000,
    slow_queries: Annotated[int, typer.Option(min=1, help="Of those, answered by networkx and scipy too.")] = 10,
    metric: Metric = "travel_time", seed: Seed = 0,
    exponent: Annotated[float, typer.Option(min=2.01, max=5.0, help="Power-law exponent of the Chung-Lu graph.")] = 2.5,
    skip: Annotated[Optional[str], typer.Option(help="Skip a part: road or social.")] = None,
    as_json: AsJson = False,
) -> None:
    """CH against networkx and scipy on a road network; WormHole against BiBFS on a Chung-Lu graph."""
    from .paths_bench import run_bench
    run_bench(nodes=nodes, social_nodes=social_nodes, queries=queries, ch_queries=ch_queries,
              slow_queries=slow_queries, metric=metric, seed=seed, exponent=exponent, skip=skip, as_json=as_json)

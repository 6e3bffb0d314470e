"""Answers to a VRP on a street map that people can use: a timed itinerary per vehicle (a table
and a CSV), per-route summaries, GeoJSON for any web map, and a picture over the streets.

Times follow the model's own rule (:meth:`VRPProblem.schedule`), so what the itinerary says is
what ``evaluate`` scored: a vehicle leaves its depot at the depot's opening time or later, as
late as helps: no stop that is on time made late, no later than it still saves waiting (the
route's duration is the smallest over feasible departures); it waits where it arrives before a
window opens; service time is spent at clients. Times are seconds from midnight (from 0 when the
instance has no time windows); the clock strings count past 24 h (``25:10:00``) on long routes.

Loads are for deliveries: a vehicle leaves the depot with its route's whole demand and unloads it
stop by stop (for pickups, what is on board is the route's total less ``load``). ``load`` is the
first demand dimension; further dimensions, when there are any, are ``load_2``, ``load_3``, ...

>>> from routeopt.instances.paths.road_output import itinerary, write_geojson, plot_routes
>>> table = itinerary(road_vrp, result)                       # doctest: +SKIP
>>> write_geojson(road_vrp, result, "routes.geojson")         # doctest: +SKIP
>>> plot_routes(road_vrp, result, "routes.png")               # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError
from .. import _plot
from .._io import atomic_write, check_outputs
from .graph import EARTH_RADIUS

__all__ = ["itinerary", "route_summaries", "write_itinerary", "geojson", "write_geojson", "plot_routes", "clock"]

DECIMALS = 7                 # GeoJSON coordinates: about 1 cm, as RFC 7946 suggests is plenty
MAX_BACKGROUND_ARCS = 200_000   # street arcs drawn at most behind the routes (a seeded sample beyond)
LABELS_UP_TO = 300           # visits up to which each stop gets its visit number
LEGEND_ROUTES = 20           # routes named in the legend at most


@dataclass
class _Route:
    """One non-empty route walked through: VRP nodes depot..depot and what happens at each."""

    vehicle: int             # 1-based, among the non-empty routes in the solution's order
    vehicle_type: int
    nodes: list[int]
    arrival: np.ndarray
    departure: np.ndarray
    wait: np.ndarray
    load: np.ndarray         # (len(nodes), dims) on board after each stop
    distance: np.ndarray     # metres from the depot, at each stop
    capacity: float | None

    @property
    def length(self) -> float:
        return float(self.distance[-1])

    @property
    def duration(self) -> float:
        return float(self.departure[-1] - self.departure[0])


def clock(seconds: float) -> str:
    """``HH:MM:SS`` to the nearest second, hours past 24 kept (``25:10:00``); "" for no time."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    s = int(round(abs(float(seconds))))
    return f"{'-' if seconds < 0 and s else ''}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _solution(solution: Any) -> Any:
    # a solver's Result is accepted as it comes back from solve(); instances never import solvers
    from ..vrp.problem import VRPSolution
    if isinstance(solution, VRPSolution):
        return solution
    inner = getattr(solution, "solution", None)
    if isinstance(inner, VRPSolution):
        return inner
    raise InputError(f"the result has no solution to show (status {getattr(solution, 'status', '?')})"
                     if hasattr(solution, "solution") else
                     f"expected a VRP solution or a solver's result, got {type(solution).__name__}", field="solution")


def _routes(road: Any, solution: Any) -> list[_Route]:
    problem = road.problem
    solution = _solution(solution)
    out: list[_Route] = []
    dims = problem.demand_dims
    for r, route in enumerate(solution.routes):
        if not route.visits:
            continue
        if not 0 <= route.vehicle_type < len(problem.vehicle_types):
            raise InputError(f"route {r} uses vehicle type {route.vehicle_type}, which does not exist",
                             field="solution")
        bad = [c for c in route.visits if not problem.is_client(c)]
        if bad:
            raise InputError(f"route {r} visits node {bad[0]}, which is not a client of this instance",
                             field="solution")
        vt = problem.vehicle_types[route.vehicle_type]
        path = [vt.start_depot, *route.visits, vt.end_depot]
        arrival, departure, wait = problem.schedule(path)
        legs = np.asarray(problem.distance, dtype=float)[path[:-1], path[1:]]
        if dims:
            demand = problem.demand[path].copy()
            demand[[0, -1]] = 0.0
            # on board after each stop: what the later stops still need (exactly 0 back at the depot)
            load = np.cumsum(demand[::-1], axis=0)[::-1] - demand
        else:
            load = np.zeros((len(path), 1))
        out.append(_Route(len(out) + 1, route.vehicle_type, path, arrival, departure, wait, load,
                          np.concatenate([[0.0], np.cumsum(legs)]), vt.capacity[0] if vt.capacity else None))
    return out


def _unvisited(problem: Any, routes: list[_Route]) -> np.ndarray:
    return np.setdiff1d(np.arange(problem.num_nodes), [v for route in routes for v in route.nodes])


def _load_columns(road: Any) -> list[str]:
    return ["load"] + [f"load_{d + 1}" for d in range(1, road.problem.demand_dims)]


def _stop_lonlat(road: Any, node: int) -> tuple[float, float]:
    lon, lat = road.stops.lonlat[int(road.order[node])]
    return float(lon), float(lat)


def itinerary(road: Any, solution: Any) -> Any:
    """One row per stop visit, each route from its depot back to its depot (a pandas DataFrame).

    Columns: ``vehicle`` (1-based, non-empty routes in the solution's order), ``vehicle_type``,
    ``order`` (0: leaving the depot), ``stop`` (the id in the stop list), ``depot``, ``lat``,
    ``lon`` (the stop's own position), ``arrival``/``departure`` (seconds from midnight; equal at
    the depots: the time the vehicle leaves, the time it is back) with ``arrival_clock``/
    ``departure_clock`` (``HH:MM:SS``), ``wait`` (before the window opens), ``load`` (on board
    after the stop, deliveries; ``load_2``... for further demand dimensions), ``distance_so_far``
    (metres by road from the depot) and ``snap_m`` (metres from the stop to its road node).
    ``solution``: a VRPSolution or a solver's Result."""
    return _table(road, _routes(road, solution))


def _table(road: Any, routes: list[_Route]) -> Any:
    import pandas as pd
    loads = _load_columns(road)
    columns = ["vehicle", "vehicle_type", "order", "stop", "depot", "lat", "lon", "arrival", "arrival_clock",
               "wait", "departure", "departure_clock", *loads, "distance_so_far", "snap_m"]
    rows = []
    for route in routes:
        for k, node in enumerate(route.nodes):
            lon, lat = _stop_lonlat(road, node)
            arrive, leave = route.arrival[k], route.departure[k]
            rows.append([route.vehicle, route.vehicle_type, k, road.stop_id(node), k in (0, len(route.nodes) - 1),
                         lat, lon,
                         float(arrive), clock(arrive), float(route.wait[k]), float(leave), clock(leave),
                         *route.load[k].tolist()[:len(loads)], float(route.distance[k]),
                         float(road.snap_distance[node])])
    return pd.DataFrame(rows, columns=columns)


def route_summaries(road: Any, solution: Any) -> list[dict[str, Any]]:
    """Per non-empty route: ``vehicle``, ``vehicle_type``, ``stops`` (clients served),
    ``length_m``, ``duration_s`` (leaving the depot to being back), ``load`` (first dimension
    carried out; ``load_2``... beside), ``capacity`` (first dimension, None when unlimited),
    ``start``/``end`` (seconds from midnight) and ``start_clock``/``end_clock``."""
    out = []
    for route in _routes(road, solution):
        first = {name: float(route.load[0, d]) for d, name in enumerate(_load_columns(road))}
        out.append({"vehicle": route.vehicle, "vehicle_type": route.vehicle_type, "stops": len(route.nodes) - 2,
                    "length_m": route.length, "duration_s": route.duration, **first, "capacity": route.capacity,
                    "start": float(route.departure[0]), "end": float(route.departure[-1]),
                    "start_clock": clock(route.departure[0]), "end_clock": clock(route.departure[-1])})
    return out


def _check_target(road: Any, path: Any, name: str) -> Path:
    path = Path(path)
    source = getattr(road.stops, "source", None)
    # the stop list is the one input file a RoadVRP knows of: never write over it
    inputs = [Path(source)] if isinstance(source, (str, Path)) and source and Path(source).is_file() else []
    check_outputs({name: path}, inputs)
    if not path.parent.is_dir():
        raise InputError("cannot write: the folder does not exist", path=path)
    return path


def write_itinerary(road: Any, solution: Any, path: Any) -> Path:
    """The :func:`itinerary` as a CSV at ``path``, written whole or not at all; returns the path."""
    path = _check_target(road, path, "itinerary")
    text = itinerary(road, solution).to_csv(index=False, float_format="%.10g", lineterminator="\n")
    return atomic_write(path, text)


def _route_line(road: Any, route: _Route) -> np.ndarray:
    """The route along the streets (graph coordinates), leg after leg, each joint once."""
    graph = road.graph
    parts = [graph.coordinates[[int(road.nodes[route.nodes[0]])]]]
    for i, j in zip(route.nodes[:-1], route.nodes[1:]):
        parts.append(graph.path_geometry(road.leg(i, j))[1:])
    line = np.concatenate(parts)
    return line if line.shape[0] > 1 else np.concatenate([line, line])   # a LineString needs 2 positions


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, DECIMALS), round(lat, DECIMALS)]}


def geojson(road: Any, solution: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946, [lon, lat]): per route a LineString along the
    streets (properties ``vehicle``, ``vehicle_type``, ``length_m``, ``duration_s``, ``load``,
    ``stops``, ``stop_ids``, ``start``/``end`` clocks, ``colour`` as in :func:`plot_routes`),
    per stop visit a Point at the stop itself (``stop``, ``vehicle``, ``order``, ``arrival``/
    ``departure`` in seconds and ``*_clock``, ``load``, ``depot``, ``snap_m``), and a Point with
    ``vehicle`` null for every stop no route visits (optional stops left out)."""
    graph = road.graph
    if graph.coordinates is None or not graph.geographic:
        raise InputError("GeoJSON needs a map in longitude/latitude; this graph's coordinates are "
                         + ("missing" if graph.coordinates is None else "planar"), field="coordinates")
    from matplotlib.colors import to_hex
    routes = _routes(road, solution)
    colours = [to_hex(c) for c in _plot.colours(max(1, len(routes)))]
    features: list[dict[str, Any]] = []
    for route, colour in zip(routes, colours):
        line = np.round(_route_line(road, route), DECIMALS)
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line.tolist()},
                         "properties": {"kind": "route", "vehicle": route.vehicle, "vehicle_type": route.vehicle_type,
                                        "length_m": route.length, "duration_s": route.duration,
                                        "load": float(route.load[0, 0]), "capacity": route.capacity,
                                        "stops": len(route.nodes) - 2,
                                        "stop_ids": [road.stop_id(v) for v in route.nodes[1:-1]],
                                        "start": clock(route.departure[0]), "end": clock(route.departure[-1]),
                                        "colour": colour}})
    for row in _table(road, routes).itertuples(index=False):
        features.append({"type": "Feature", "geometry": _point(row.lon, row.lat), "properties": {
            "kind": "stop", "stop": row.stop, "vehicle": int(row.vehicle), "order": int(row.order),
            "arrival": float(row.arrival), "arrival_clock": row.arrival_clock, "departure": float(row.departure),
            "departure_clock": row.departure_clock, "wait": float(row.wait), "load": float(row.load),
            "depot": bool(row.depot), "snap_m": float(row.snap_m)}})
    for node in _unvisited(road.problem, routes).tolist():
        features.append({"type": "Feature", "geometry": _point(*_stop_lonlat(road, node)), "properties": {
            "kind": "unvisited", "stop": road.stop_id(node), "vehicle": None, "order": None, "arrival": None,
            "arrival_clock": None, "departure": None, "departure_clock": None, "wait": None, "load": None,
            "depot": node < road.problem.num_depots, "snap_m": float(road.snap_distance[node])}})
    return {"type": "FeatureCollection", "features": features}


def write_geojson(road: Any, solution: Any, path: Any) -> Path:
    """The :func:`geojson` at ``path`` (strict JSON, no NaN), written whole or not at all."""
    path = _check_target(road, path, "geojson")
    return atomic_write(path, json.dumps(geojson(road, solution), allow_nan=False) + "\n")


# --------------------------------------------------------------------------- the picture
def _projector(graph: Any):
    """Coordinates -> kilometres east and north of the map's south-west corner: longitude scaled by
    cos(latitude) on a geographic map (the graph's own projection), so a kilometre is as long
    east as north; a planar map's coordinates are taken as metres."""
    corner = graph.coordinates.min(axis=0)
    if not graph.geographic:
        return lambda xy: (np.asarray(xy, dtype=float) - corner) / 1000.0
    lat0 = math.radians(float(np.mean(graph.coordinates[:, 1])))
    scale = np.array([EARTH_RADIUS * math.cos(lat0), EARTH_RADIUS]) / 1000.0
    return lambda xy: np.radians(np.asarray(xy, dtype=float) - corner) * scale


def _street_segments(graph: Any, project: Any) -> tuple[np.ndarray, str]:
    """Every street once (the two arcs of a two-way street drawn as one), bends included, as
    (segments, 2, 2) in kilometres; a seeded sample past ``MAX_BACKGROUND_ARCS``."""
    tails, heads = graph.tails(), graph.indices
    lo, hi = np.minimum(tails, heads), np.maximum(tails, heads)
    arcs = np.unique(lo * graph.num_nodes + hi, return_index=True)[1]
    note = ""
    if arcs.size > MAX_BACKGROUND_ARCS:
        note = f"{MAX_BACKGROUND_ARCS:,} of {arcs.size:,} streets drawn"
        arcs = np.sort(np.random.default_rng(0).choice(arcs, MAX_BACKGROUND_ARCS, replace=False))
    xy = project(graph.coordinates)
    if graph.geometry_ptr is None:
        return np.stack([xy[tails[arcs]], xy[heads[arcs]]], axis=1), note
    # each arc's polyline tail, bends..., head laid end to end, then cut into consecutive pairs
    ptr = graph.geometry_ptr
    inner = ptr[arcs + 1] - ptr[arcs]
    ends = np.cumsum(inner + 2)
    points = np.empty((int(ends[-1]) if ends.size else 0, 2))
    bends = np.ones(points.shape[0], dtype=bool)
    bends[ends - inner - 2] = bends[ends - 1] = False
    points[ends - inner - 2], points[ends - 1] = xy[tails[arcs]], xy[heads[arcs]]
    which = np.repeat(ptr[arcs] - (np.cumsum(inner) - inner), inner) + np.arange(int(inner.sum()))
    points[bends] = project(graph.geometry_points[which])
    first = np.setdiff1d(np.arange(points.shape[0] - 1), ends[:-1] - 1)     # not from one arc into the next
    return np.stack([points[first], points[first + 1]], axis=1), note


def _hours(seconds: float) -> str:
    minutes = int(round(seconds / 60.0))
    return f"{minutes // 60}:{minutes % 60:02d}"


def plot_routes(road: Any, solution: Any, path: Any = None, *, title: str | None = None, **options: Any) -> Any:
    """The routes over the street map: every street faint, each route in its colour along the
    streets, stops numbered in visit order, depots as squares, stops no route visits as red
    rings, and a legend with each route's length, time (h:mm) and load; writes ``path`` (.png,
    .svg, .pdf) whole or not at all when given and returns the figure.

    Options: ``title``, ``figsize``, ``dpi``, ``labels`` (visit numbers; default up to 300 visits)."""
    path = _plot.check_path(path)
    if path is not None:
        _check_target(road, path, "plot")
    opts = _plot.options({"title": title, **options}, {"labels": None}, "road")
    from matplotlib.collections import LineCollection
    graph = road.graph
    if graph.coordinates is None:
        raise InputError("the graph has no coordinates to draw the streets by", field="coordinates")
    problem = road.problem
    routes = _routes(road, solution)
    evaluation = problem.evaluate(_solution(solution))
    project = _projector(graph)
    fig = _plot.figure(opts["figsize"] or (10.0, 7.5))
    ax = fig.add_subplot()
    segments, note = _street_segments(graph, project)
    ax.add_collection(LineCollection(segments, colors=_plot.GREY, linewidths=0.5 if len(segments) < 20_000 else 0.25,
                                     alpha=0.6, zorder=1))
    stops_xy = project(road.stops.lonlat[np.asarray(road.order)])
    roads_xy = project(graph.coordinates[np.asarray(road.nodes)])
    off = np.asarray(road.snap_distance) > 0
    if off.any():                      # how far each stop lies from the road it is reached by
        ax.add_collection(LineCollection(np.stack([stops_xy[off], roads_xy[off]], axis=1), colors=_plot.DARK,
                                         linewidths=0.6, linestyles=":", zorder=2))
    colours = _plot.colours(max(1, len(routes)))
    has_load = problem.demand_dims > 0
    labels = opts["labels"] if opts["labels"] is not None else sum(len(r.nodes) - 2 for r in routes) <= LABELS_UP_TO
    for route, colour in zip(routes, colours):
        line = project(_route_line(road, route))
        text = f"{route.vehicle}: {route.length / 1000:.1f} km, {_hours(route.duration)}"
        if has_load:
            text += f", load {_plot.number(route.load[0, 0])}"
            text += f"/{_plot.number(route.capacity)}" if route.capacity is not None else ""
        ax.plot(line[:, 0], line[:, 1], color=colour, linewidth=2.0, alpha=0.9, zorder=3, solid_capstyle="round",
                label=text if route.vehicle <= LEGEND_ROUTES else None, gid=f"route{route.vehicle}")
        clients = np.asarray(route.nodes[1:-1])
        ax.scatter(stops_xy[clients, 0], stops_xy[clients, 1], s=18, color=colour, edgecolors=_plot.DARK,
                   linewidths=0.5, zorder=4)
        if labels:
            for k, node in enumerate(route.nodes[1:-1], start=1):
                ax.annotate(str(k), stops_xy[node], textcoords="offset points", xytext=(3, 3), fontsize=6,
                            color=colour, zorder=5)
    if len(routes) > LEGEND_ROUTES:
        ax.plot([], [], color="none", label=f"... and {len(routes) - LEGEND_ROUTES} more routes")
    idle = _unvisited(problem, routes)
    idle = idle[idle >= problem.num_depots]
    if idle.size:
        ax.scatter(stops_xy[idle, 0], stops_xy[idle, 1], s=26, facecolors="white", edgecolors=_plot.RED,
                   linewidths=1.0, zorder=4, label=f"not visited ({idle.size})")
    depots = np.arange(problem.num_depots)
    ax.scatter(stops_xy[depots, 0], stops_xy[depots, 1], s=110, marker="s", color="white", edgecolors="black",
               linewidths=1.8, zorder=6, label="depot" if depots.size == 1 else "depots")
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("km east" + (f"  ({note})" if note else ""), fontsize=8)
    ax.set_ylabel("km north", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, framealpha=0.85, borderaxespad=0.0,
              title="vehicle: length, time" + (", load" if has_load else ""), title_fontsize=7)
    total = sum(r.length for r in routes)
    heading = (f"{problem.name} | {problem.variant} | {len(routes)} route{'s' * (len(routes) != 1)} | "
               f"{total / 1000:,.1f} km | {problem.num_clients:,} stops")
    return _plot.finish(fig, heading, opts, path, evaluation.violations)

"""From a street map and a stop list to a VRP every VRP solver takes.

On an OpenStreetMap file (``.osm.pbf``, ``.osm``, ``.osm.bz2``)::

    road = routeopt.road_vrp("city.osm.pbf", "stops.csv", profile="car", vehicles=3, capacity=40)
    result = routeopt.solve(road.problem, solver="pyvrp", time_limit=10)
    from routeopt.instances.paths.road_output import write_geojson
    write_geojson(road, result.solution, "routes.geojson")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InputError
from ...instances.paths.graph import Graph
from ...instances.paths.road import MAX_SNAP_METRES, RoadVRP, build_road_vrp
from ...instances.paths.stops import Stops, read_stops, stops_from_frame

__all__ = ["road_vrp", "read_map"]

PROFILES = ("car", "bike", "walk")


def read_map(source: str | Path | Graph, *, profile: str = "car") -> Graph:
    """A street map file read for ``profile`` (or a graph given as is)."""
    if isinstance(source, Graph):
        return source
    from ...instances.paths.io import graph_format, read_graph
    path = Path(source)
    if graph_format(path) != ".osm":
        raise InputError("not a street map: expected .osm.pbf, .osm or .osm.bz2", path=path)
    return read_graph(path, profile=profile)


def road_vrp(map: str | Path | Graph, stops: Any, *, profile: str = "car", metric: str = "time",
             vehicles: int | None = None, capacity: float | None = None, max_snap: float = MAX_SNAP_METRES,
             snap: str = "nearest", name: str | None = None) -> RoadVRP:
    """The VRP of visiting ``stops`` on the roads of ``map`` with the ``profile``'s vehicles.

    ``map``: an OpenStreetMap file or a geographic :class:`Graph` with travel times. ``stops``: a
    CSV path (see :mod:`routeopt.instances.paths.stops`), a pandas DataFrame with the same
    columns, or :class:`Stops`. Paths between stops are the fastest (``metric="time"``) or the
    shortest (``"length"``); the VRP minimises metres driven, with durations (seconds) for time
    windows. Matrices come from a contraction hierarchy's bucket many-to-many search on large
    maps and one Dijkstra per stop on small ones. ``vehicles`` per depot (default one per stop),
    ``capacity`` when the stops have demands; a stop more than ``max_snap`` metres from the
    nearest road, or cut off from its depot by one-way streets, is an ``InputError`` naming it
    (``snap="connected"`` snaps to the main connected network instead).
    """
    from .matrix import road_matrices, road_path
    if profile not in PROFILES:
        raise InputError(f"unknown travel profile {profile!r}; expected one of {', '.join(PROFILES)}",
                         field="profile")
    graph = read_map(map, profile=profile)
    if isinstance(stops, Stops):
        table = stops
    elif hasattr(stops, "to_csv"):
        table = stops_from_frame(stops)
    else:
        table = read_stops(stops)
    if name is None and not isinstance(map, Graph) and table.source not in (None, "DataFrame"):
        name = f"{Path(map).name.split('.')[0]}-{Path(table.source).stem}"
    return build_road_vrp(graph, table, matrices=road_matrices, path=road_path, metric=metric,
                          vehicles=vehicles, capacity=capacity, max_snap=max_snap, snap_mode=snap,
                          profile=profile if not isinstance(map, Graph) else None, name=name)

"""``routeopt solve --road MAP --stops STOPS.csv``: a stop list routed on a street map.

    routeopt solve --road city.osm.pbf --stops stops.csv --vehicles 3 --capacity 40 \\
        --geojson routes.geojson --itinerary routes.csv --plot routes.png

The map is read with a travel profile (car, bike, walk), the stops are snapped to its roads, the
matrices (metres and seconds) come from the road paths between them, and the VRP with time
windows goes to any VRP solver; the answer is written as GeoJSON, a CSV itinerary and a map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from .common import output_path

PANEL = "Street maps (--road MAP --stops STOPS.csv)"

Road = Annotated[Optional[Path], typer.Option(
    "--road", metavar="MAP", rich_help_panel=PANEL,
    help="Street map to route on: OpenStreetMap .osm.pbf, .osm or .osm.bz2 (needs --stops).")]
StopsFile = Annotated[Optional[Path], typer.Option(
    "--stops", metavar="STOPS.csv", rich_help_panel=PANEL,
    help="Stops: id, lat, lon and optionally demand, tw_start, tw_end (08:30 or seconds), service, depot "
         "(1 marks a depot; without the column the first row is the depot).")]
Profile = Annotated[str, typer.Option(rich_help_panel=PANEL, help="Travel profile: car, bike or walk.")]
Vehicles = Annotated[Optional[int], typer.Option(min=1, rich_help_panel=PANEL,
                                                 help="Vehicles at each depot (default: one per stop).")]
Capacity = Annotated[Optional[float], typer.Option(rich_help_panel=PANEL,
                                                   help="Capacity of each vehicle (needed when stops have demands).")]
Metric = Annotated[str, typer.Option(rich_help_panel=PANEL,
                                     help="Road paths between stops: time (fastest) or length (shortest).")]
MaxSnap = Annotated[float, typer.Option(metavar="METRES", rich_help_panel=PANEL,
                                        help="A stop farther than this from every road is an error.")]
Snap = Annotated[str, typer.Option(rich_help_panel=PANEL,
                                   help="nearest: the nearest road, one-way traps reported; connected: the "
                                        "nearest road of the main connected network.")]
GeoJson = Annotated[Optional[Path], typer.Option(metavar="FILE.geojson", rich_help_panel=PANEL,
                                                 help="Write the routes along the streets and the stops as GeoJSON.")]
Itinerary = Annotated[Optional[Path], typer.Option(metavar="FILE.csv", rich_help_panel=PANEL,
                                                   help="Write the itinerary: vehicle, order, stop, arrival, "
                                                        "departure, load, distance so far.")]


def check_road_outputs(geojson: Path | None, itinerary: Path | None) -> tuple[Path | None, Path | None]:
    return (output_path(geojson, (".geojson", ".json"), "--geojson"),
            output_path(itinerary, (".csv",), "--itinerary"))


def load_road(road: Path, stops: Path | None, *, profile: str, vehicles: int | None, capacity: float | None,
              metric: str, max_snap: float, snap: str):
    """The road VRP the options describe."""
    from ..solvers.paths.road_vrp import road_vrp
    if stops is None:
        raise InputError("--road needs --stops STOPS.csv: the places to visit")
    if not (max_snap > 0):
        raise InputError(f"--max-snap must be a positive number of metres, got {max_snap:g}")
    if capacity is not None and not (0 < capacity < float("inf")):
        raise InputError(f"--capacity must be a positive number, got {capacity:g}")
    return road_vrp(road, stops, profile=profile, metric=metric, vehicles=vehicles, capacity=capacity,
                    max_snap=max_snap, snap=snap)


def write_road_outputs(road: Any, solution: Any, *, geojson: Path | None, itinerary: Path | None,
                       plot: Path | None) -> dict[str, Path]:
    from ..instances.paths.road_output import plot_routes, write_geojson, write_itinerary
    written: dict[str, Path] = {}
    if geojson is not None:
        written["geojson"] = write_geojson(road, solution, geojson)
    if itinerary is not None:
        written["itinerary"] = write_itinerary(road, solution, itinerary)
    if plot is not None:
        plot_routes(road, solution, plot)
        written["plot"] = plot
    return written


def snap_text(road: Any) -> Text:
    s = road.snap_distance
    return Text(f"{len(s)} stops snapped to the {road.profile or 'given'} network: median {float(_median(s)):.0f} m, "
                f"largest {float(s.max()):.0f} m ({road.stop_id(int(s.argmax()))}); "
                f"map {road.graph.num_nodes:,} nodes, {road.graph.num_arcs:,} arcs", style="dim")


def _median(values: Any) -> float:
    import numpy as np
    return float(np.median(values))


def routes_table(road: Any, solution: Any) -> Table:
    from ..instances.paths.road_output import route_summaries
    table = Table(title="routes", title_justify="left")
    for col in ("vehicle", "from", "stops", "km", "time", "start", "end", "load"):
        table.add_column(col, justify="left" if col in ("vehicle", "from") else "right")
    for r in route_summaries(road, solution):
        depot = road.stop_id(road.problem.vehicle_types[r["vehicle_type"]].start_depot)
        table.add_row(str(r["vehicle"]), depot, str(r["stops"]), f"{r['length_m'] / 1000:.2f}",
                      _hm(r["duration_s"]), _clock(r["start"]), _clock(r["end"]), _load(r["load"]))
    return table


def _hm(seconds: float) -> str:
    m = int(round(seconds / 60))
    return f"{m // 60}:{m % 60:02d}"


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s // 60 % 60:02d}"


def _load(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def road_json(road: Any, solution: Any, written: dict[str, Path]) -> dict[str, Any]:
    """What ``--json`` adds for a street-map VRP: the snapping and, with an answer, the routes."""
    from ..instances.paths.road_output import route_summaries
    return {"profile": road.profile, "metric": road.metric, "map_nodes": road.graph.num_nodes,
            "stops": [{"stop": road.stop_id(i), "node": int(road.nodes[i]),
                       "snap_m": round(float(road.snap_distance[i]), 1)} for i in range(len(road.nodes))],
            "routes": None if solution is None else route_summaries(road, solution),
            "geojson": str(written["geojson"]) if "geojson" in written else None,
            "itinerary": str(written["itinerary"]) if "itinerary" in written else None}

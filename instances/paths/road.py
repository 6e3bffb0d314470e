"""Real-world VRP instances from road networks: snap points to nodes, many-to-many shortest paths.

As the RRNCO paper built asymmetric matrices with OSRM, :func:`from_road_network` snaps each
point to its nearest road node, runs Dijkstra from every snapped node (``scipy.sparse.csgraph``,
on lengths and, when the graph has them, travel times) and returns a
:class:`~routeopt.instances.vrp.VRPProblem`: ATSP without demands, ACVRP with ``demand`` and
``capacity``, VRPTW with ``time_windows``. Point 0 is the depot. Entries are rounded to whole
metres and seconds (``convention="road"``), so every VRP solver takes them as integers.

>>> from routeopt.instances.paths.generate import road
>>> g = road(400, seed=0, queries=0).graph
>>> vrp = from_road_network(g, g.coordinates[[0, 50, 120, 399]])
>>> vrp.variant, vrp.num_nodes
('TSP', 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InputError
from .graph import EARTH_RADIUS, Graph
from ..vrp.problem import VRPProblem, VehicleType

__all__ = ["from_road_network", "snap", "snap_limit", "road_matrices"]

SNAP_ARC_FACTOR = 10           # times the median straight-line arc length
SNAP_EXTENT_SHARE = 0.1        # of the diagonal of the nodes' bounding box
SNAP_MIN_METRES = 1000.0       # on a geographic map, never less than this


def snap_limit(graph: Graph) -> float:
    """How far a point may lie from the node it snaps to, in the graph's planar units (metres when
    geographic): the largest of 10 times the median straight-line arc length, a tenth of the
    diagonal of the nodes' bounding box and, on a geographic map, 1 km. A point farther than that
    is off the map (swapped or mistyped coordinates, another city), not a stop beside a road;
    ``inf`` when the graph gives no scale (a single node)."""
    xy = graph.planar_coordinates()
    if xy is None or xy.shape[0] == 0:
        return float("inf")
    diagonal = float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))
    arcs = float(np.median(np.linalg.norm(xy[graph.tails()] - xy[graph.indices], axis=1))) if graph.num_arcs else 0.0
    limit = max(SNAP_ARC_FACTOR * arcs, SNAP_EXTENT_SHARE * diagonal, SNAP_MIN_METRES if graph.geographic else 0.0)
    return limit if limit > 0 else float("inf")


def snap(graph: Graph, points: Any, *, strongly_connected: bool = True,
         max_distance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node of each point (in the graph's coordinates, lon/lat when geographic) and the
    distance to it (metres when geographic). Only nodes of the largest strongly connected
    component are candidates (so every snapped node reaches every other) unless told otherwise.
    Integer 1-D ``points`` are taken as node numbers and returned unchanged.

    A point farther than ``max_distance`` from every candidate is refused (an ``InputError``
    naming it and its distance); by default the limit is :func:`snap_limit`, ``math.inf`` turns
    the check off."""
    pts = np.asarray(points)
    if pts.ndim == 1 and pts.dtype.kind in "iu":
        bad = (pts < 0) | (pts >= graph.num_nodes)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"point {i}: node {int(pts[i])} is not in 0..{graph.num_nodes - 1}", field="points")
        return pts.astype(np.int64), np.zeros(pts.size)
    if graph.coordinates is None:
        raise InputError("the graph has no coordinates to snap points to; give node numbers instead",
                         field="points")
    pts = np.asarray(pts, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or not np.isfinite(pts).all():
        raise InputError(f"points must be finite (x, y) pairs, got shape {pts.shape}", field="points")
    candidates = graph.largest_component_nodes() if strongly_connected else np.arange(graph.num_nodes)
    from scipy.spatial import cKDTree
    if graph.geographic:
        # the graph's own projection (equirectangular about its mean latitude) for both
        lat0 = np.radians(np.mean(graph.coordinates[:, 1]))
        scale = np.array([EARTH_RADIUS * np.cos(lat0), EARTH_RADIUS])
        xy, query = np.radians(graph.coordinates) * scale, np.radians(pts) * scale
    else:
        xy, query = graph.coordinates, pts
    if candidates.size == 0:
        raise InputError("the graph has no nodes to snap points to", field="points")
    dist, pos = cKDTree(xy[candidates]).query(query)
    dist = np.asarray(dist, dtype=float).reshape(-1)
    limit = snap_limit(graph) if max_distance is None else float(max_distance)
    far = ~(dist <= limit)
    if far.any():
        i = int(np.flatnonzero(far)[0])
        unit = " m" if graph.geographic else ""
        raise InputError(f"point {i} ({pts[i, 0]:g}, {pts[i, 1]:g}) is {dist[i]:,.0f}{unit} from the nearest node, "
                         f"beyond the {limit:,.0f}{unit} a point may lie off this map (the largest of 10x the median "
                         f"arc length, a tenth of the map's extent{', 1 km' if graph.geographic else ''}); "
                         f"check the coordinates{' (lon,lat order)' if graph.geographic else ''}", field="points")
    return candidates[pos].astype(np.int64), dist


def road_matrices(graph: Graph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Shortest-path lengths and travel times (when the graph has them) between ``nodes``, both ways."""
    from scipy.sparse.csgraph import dijkstra
    nodes = np.asarray(nodes, dtype=np.int64)
    uniq, where = np.unique(nodes, return_inverse=True)
    dist = np.atleast_2d(dijkstra(graph.to_scipy(), directed=True, indices=uniq))[where][:, nodes]
    dur = None
    if graph.durations is not None:
        dur = np.atleast_2d(dijkstra(graph.to_scipy("durations"), directed=True, indices=uniq))[where][:, nodes]
    if not graph.directed:
        # both directions sum the same arcs in another order: make them equal to the last bit
        dist = (dist + dist.T) / 2
        dur = None if dur is None else (dur + dur.T) / 2
    return dist, dur


def from_road_network(graph: Graph, points: Any, *, demand: Any = None, capacity: float | None = None,
                      vehicles: int | None = None, time_windows: Any = None, service_time: Any = None,
                      metric: str = "length", name: str = "road-vrp") -> VRPProblem:
    """A VRP whose matrices are shortest paths on ``graph`` between the snapped ``points``.

    ``points``: (x, y) per location (lon/lat for OSM graphs) or node numbers; point 0 is the depot.
    ``demand`` (one per point, depot 0) with ``capacity`` makes it capacitated; ``vehicles`` caps
    the fleet (default: one per client, or one for a pure ATSP). ``time_windows`` ((earliest,
    latest) per point, seconds) and ``service_time`` use the travel-time matrix. ``metric``:
    ``length`` (default) or ``travel_time`` as the cost to minimise.
    """
    nodes, _ = snap(graph, points)
    if nodes.size < 1:
        raise InputError("no points given", field="points")
    dist, dur = road_matrices(graph, nodes)
    unreachable = ~np.isfinite(dist)
    if unreachable.any():
        i, j = map(int, np.argwhere(unreachable)[0])
        raise InputError(f"point {j} (node {nodes[j]}) cannot be reached from point {i} (node {nodes[i]})",
                         field="points")
    if metric in ("travel_time", "duration", "durations"):
        if dur is None:
            raise InputError("the graph has no travel times", field="metric")
        cost = dur
    elif metric == "length":
        cost = dist
    else:
        raise InputError(f"unknown metric {metric!r}; expected length or travel_time", field="metric")
    duration = np.rint(dur if dur is not None else dist)
    cost = np.rint(cost)
    np.fill_diagonal(cost, 0)
    np.fill_diagonal(duration, 0)
    k = nodes.size
    d = None
    if demand is not None:
        d = np.asarray(demand, dtype=float).reshape(k, -1)
        if capacity is None:
            raise InputError("demand needs a vehicle capacity", field="capacity")
    n_vehicles = vehicles if vehicles is not None else (1 if demand is None and time_windows is None else max(1, k - 1))
    vt = VehicleType(count=int(n_vehicles), capacity=() if capacity is None else (float(capacity),))
    coords = graph.planar_coordinates()[nodes] if graph.coordinates is not None else None
    return VRPProblem(distance=cost, duration=duration, demand=d, time_windows=time_windows, service_time=service_time,
               vehicle_types=[vt], coordinates=coords, name=name, convention="road", precision=0,
               source=f"from_road_network({k} points, metric={metric!r})")


# --------------------------------------------------------------------------- stop lists on street maps
from dataclasses import dataclass, field as _field          # noqa: E402
from typing import Callable                                   # noqa: E402


@dataclass
class Stops:
    """A stop list as read from a CSV: one row per stop, in the file's order.

    ``lonlat``: (k, 2) longitude, latitude; ``depot``: which rows are depots; ``demand`` (k,) or
    (k, d); ``time_windows`` (k, 2) seconds from midnight; ``service_time`` (k,) seconds."""

    ids: list[str]
    lonlat: np.ndarray
    depot: np.ndarray
    demand: np.ndarray | None = None
    time_windows: np.ndarray | None = None
    service_time: np.ndarray | None = None
    source: str | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class RoadVRP:
    """A VRP built on a street map: which stop and which road node each VRP node is.

    VRP node ``i`` is stop row ``order[i]`` (depots first), snapped to graph node ``nodes[i]``
    ``snap_distance[i]`` metres away. ``problem`` has distances in metres and durations in
    seconds; ``metric`` says what the road paths between stops minimise (``time`` or ``length``).
    ``path(i, j)`` gives the graph nodes of the road path from VRP node ``i`` to ``j``."""

    graph: Graph
    stops: Stops
    order: np.ndarray
    nodes: np.ndarray
    snap_distance: np.ndarray
    problem: VRPProblem
    metric: str
    path: Callable[[int, int], np.ndarray] = _field(repr=False)

    def stop_id(self, i: int) -> str:
        return self.stops.ids[int(self.order[i])]

    def leg(self, i: int, j: int) -> np.ndarray:
        """Graph nodes from VRP node ``i`` to ``j`` along the road (``[nodes[i]]`` when they share a node)."""
        return self.path(int(i), int(j))

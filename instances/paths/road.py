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

from dataclasses import dataclass, field as _field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ...errors import InputError
from .graph import EARTH_RADIUS, Graph
from .stops import Stops, clock_text
from ..vrp.problem import VRPProblem, VehicleType

__all__ = ["from_road_network", "snap", "snap_limit", "dijkstra_matrices", "RoadVRP", "build_road_vrp", "snap_stops"]

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


def dijkstra_matrices(graph: Graph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Shortest-path lengths and, when the graph has them, shortest travel times between ``nodes``
    (each metric minimised on its own), by scipy's Dijkstra from every node: what a graph without
    a second metric, or a caller without a faster matrix function, gets."""
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
                      metric: str = "length", name: str = "road-vrp", matrices: Callable | None = None) -> VRPProblem:
    """A VRP whose matrices are shortest paths on ``graph`` between the snapped ``points``.

    ``points``: (x, y) per location (lon/lat for OSM graphs) or node numbers; point 0 is the depot.
    ``demand`` (one per point, depot 0) with ``capacity`` makes it capacitated; ``vehicles`` caps
    the fleet (default: one per client, or one for a pure ATSP). ``time_windows`` ((earliest,
    latest) per point, seconds) and ``service_time`` use the travel-time matrix. ``metric``:
    ``length`` (default) or ``travel_time`` as the cost to minimise.

    ``matrices(graph, sources, targets, by=...)``, when given (the solvers'
    :func:`routeopt.solvers.paths.matrix.road_matrices`: contraction-hierarchy buckets), routes by
    ``metric`` and sums the other metric along the same paths; without it every metric is
    minimised on its own by :func:`dijkstra_matrices`.
    """
    nodes, _ = snap(graph, points)
    if nodes.size < 1:
        raise InputError("no points given", field="points")
    if matrices is not None and graph.durations is not None:
        by = "time" if metric in ("travel_time", "duration", "durations") else "length"
        primary, secondary = matrices(graph, nodes, nodes, by=by)
        dist, dur = (secondary, primary) if by == "time" else (primary, secondary)
    else:
        dist, dur = dijkstra_matrices(graph, nodes)
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

MAX_SNAP_METRES = 500.0
SNAP_MODES = ("nearest", "connected")


@dataclass
class RoadVRP:
    """A VRP built on a street map: which stop and which road node each VRP node is.

    VRP node ``i`` is stop row ``order[i]`` (depots first), snapped to graph node ``nodes[i]``
    ``snap_distance[i]`` metres away. ``problem`` has distances in metres and durations in
    seconds (rounded to whole units); ``lengths``/``durations`` are the same matrices unrounded.
    ``metric`` says what the road paths between stops minimise (``time`` or ``length``);
    ``path(i, j)`` gives the graph nodes of the road path from VRP node ``i`` to ``j``."""

    graph: Graph
    stops: Stops
    order: np.ndarray
    nodes: np.ndarray
    snap_distance: np.ndarray
    problem: VRPProblem
    metric: str
    path: Callable[[int, int], np.ndarray] = _field(repr=False)
    lengths: np.ndarray | None = _field(default=None, repr=False)
    durations: np.ndarray | None = _field(default=None, repr=False)
    profile: str | None = None

    def stop_id(self, i: int) -> str:
        return self.stops.ids[int(self.order[i])]

    def leg(self, i: int, j: int) -> np.ndarray:
        """Graph nodes from VRP node ``i`` to ``j`` along the road (``[nodes[i]]`` when they share a node)."""
        return self.path(int(i), int(j))


def snap_stops(graph: Graph, stops: Stops, *, max_snap: float = MAX_SNAP_METRES,
               mode: str = "nearest", profile: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The road node of every stop row and how far it is (metres).

    ``nearest``: the nearest node of the whole map, so a stop on a one-way dead end is reported as
    such later instead of being moved silently; ``connected``: the nearest node from which every
    other node of the map's main strongly connected part can be reached and back. A stop farther
    than ``max_snap`` metres from its node is an error naming it."""
    if mode not in SNAP_MODES:
        raise InputError(f"snap mode {mode!r}; expected one of {', '.join(SNAP_MODES)}", field="snap")
    if not graph.geographic:
        raise InputError("the map has no longitude/latitude coordinates to place stops on", field="map")
    nodes, dist = snap(graph, stops.lonlat, strongly_connected=mode == "connected", max_distance=np.inf)
    far = dist > max_snap
    if far.any():
        k = int(np.flatnonzero(far)[0])
        by = f" by {profile}" if profile else ""
        lon, lat = stops.lonlat[k]
        raise InputError(f"{stops.where(k)} (lat {lat:.6f}, lon {lon:.6f}) is {dist[k]:,.0f} m from the nearest "
                         f"road usable{by}, more than the {max_snap:,.0f} m a stop may be snapped; check its "
                         f"coordinates (lat/lon swapped?) or raise the snapping limit"
                         + (f" ({int(far.sum())} stops are that far)" if far.sum() > 1 else ""),
                         path=stops.source, line=stops.line(k), field="lat")
    return nodes, dist


def _check_reachable(graph: Graph, stops: Stops, order: np.ndarray, nodes: np.ndarray, dist: np.ndarray,
                     snap_m: np.ndarray, num_depots: int, profile: str | None) -> None:
    """Every stop must be reachable from a depot and able to get back to it: a stop on a one-way
    trap (or a map fragment) gets a message naming it, never an infinite or invented matrix entry."""
    by = f" by {profile}" if profile else ""
    finite = np.isfinite(dist)
    depots = range(num_depots)
    for i in range(num_depots, len(order)):
        if any(finite[d, i] and finite[i, d] for d in depots):
            continue
        k = int(order[i])
        there = any(finite[d, i] for d in depots)
        back = any(finite[i, d] for d in depots)
        depot = stops.ids[int(order[0])] if num_depots == 1 else "any depot"
        what = (f"cannot be reached from depot {depot!r}{by}" if not there and back else
                f"can be reached{by} but has no way back to depot {depot!r}" if there else
                f"is cut off from depot {depot!r}{by} both ways")
        raise InputError(f"{stops.where(k)} {what}: the road it snaps to ({_node_name(graph, nodes[i])}, "
                         f"{snap_m[i]:,.0f} m away) is on a one-way trap or a piece of the map not joined to the "
                         f"depot; move the stop or snap to the connected network (--snap connected)",
                         path=stops.source, line=stops.line(k), field="lat")
    bad = ~finite
    if bad.any():                              # two stops that reach the depot but not each other
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(f"{stops.where(int(order[j]))} cannot be reached from {stops.where(int(order[i]))}{by} "
                         f"(they hang on different depots' parts of the map)", path=stops.source,
                         line=stops.line(int(order[j])))


def _check_feasible(stops: Stops, order: np.ndarray, num_depots: int, duration: np.ndarray,
                    vehicles: int | None, capacity: float | None) -> None:
    """What no solver can fix, said before solving: more demand than the whole fleet carries, and
    a stop that no vehicle can reach within its window (or come back from before its depot closes)
    even driving there and back directly."""
    if vehicles is not None and capacity is not None and stops.demand is not None:
        total, fleet = float(stops.demand.sum()), vehicles * num_depots * capacity
        if total > fleet + 1e-9:
            raise InputError(f"the stops ask for {total:g} in all but the fleet carries {fleet:g} "
                             f"({vehicles * num_depots} vehicles x {capacity:g}); add vehicles or capacity",
                             path=stops.source, field="demand")
    tw = stops.time_windows
    if tw is None:
        return
    tw = tw[order]
    service = np.zeros(len(order)) if stops.service_time is None else stops.service_time[order]
    depots = np.arange(num_depots)
    for i in range(num_depots, len(order)):
        arrive = tw[depots, 0] + duration[depots, i]
        back = np.maximum(arrive, tw[i, 0]) + service[i] + duration[i, depots]
        if (arrive <= tw[i, 1]).any() and (back <= tw[depots, 1]).any():
            continue
        k, d = int(order[i]), int(np.argmin(arrive))
        if not (arrive <= tw[i, 1]).any():
            why = (f"its window closes at {clock_text(tw[i, 1])} but a vehicle leaving depot "
                   f"{stops.ids[int(order[d])]!r} when it opens ({clock_text(tw[d, 0])}) gets there at "
                   f"{clock_text(arrive[d])} at the earliest")
        else:
            why = (f"a vehicle serving it cannot be back at depot {stops.ids[int(order[d])]!r} before it closes "
                   f"({clock_text(tw[d, 1])}); the earliest return is {clock_text(back[d])}")
        raise InputError(f"{stops.where(k)} cannot be served in time: {why}", path=stops.source, line=stops.line(k),
                         field="tw_end")


def _node_name(graph: Graph, node: int) -> str:
    return f"OSM node {graph.node_ids[node]}" if graph.node_ids is not None else f"node {node}"


def build_road_vrp(graph: Graph, stops: Stops, *, matrices: Callable, path: Callable, metric: str = "time",
                   vehicles: int | None = None, capacity: float | None = None, max_snap: float = MAX_SNAP_METRES,
                   snap_mode: str = "nearest", profile: str | None = None, name: str | None = None) -> RoadVRP:
    """A VRP with time windows in seconds and distances in metres between the stops of ``stops`` on
    ``graph`` (a street map read with a travel profile).

    ``matrices(graph, sources, targets, by=metric)`` returns the routing metric's matrix and the
    other metric summed along the same paths (``by="time"``: durations then lengths);
    ``path(graph, s, t, by=metric)`` returns the nodes of one of those paths. Depot rows come
    first; each depot gets ``vehicles`` vehicles (default: one per stop) of ``capacity``.
    """
    if metric not in ("time", "length"):
        raise InputError(f"metric {metric!r}; expected time (fastest paths) or length (shortest)", field="metric")
    if graph.durations is None:
        raise InputError("the map has no travel times; read it with a travel profile", field="map")
    if stops.demand is not None and capacity is None:
        raise InputError("the stop list has demands: give the vehicles' capacity", path=stops.source, field="capacity")
    if capacity is not None and stops.demand is None:
        raise InputError("a capacity was given but the stop list has no demand column", path=stops.source,
                         field="capacity")
    if capacity is not None and stops.demand is not None and (stops.demand > capacity).any():
        k = int(np.flatnonzero(stops.demand > capacity)[0])
        raise InputError(f"{stops.where(k)} has demand {stops.demand[k]:g}, more than a vehicle's capacity "
                         f"{capacity:g}", path=stops.source, line=stops.line(k), field="demand")
    order = np.concatenate([np.flatnonzero(stops.depot), np.flatnonzero(~stops.depot)])
    num_depots = int(stops.depot.sum())
    snapped, snap_m = snap_stops(graph, stops, max_snap=max_snap, mode=snap_mode, profile=profile)
    nodes, snap_m = snapped[order], snap_m[order]
    primary, secondary = matrices(graph, nodes, nodes, by=metric)
    durations, lengths = (primary, secondary) if metric == "time" else (secondary, primary)
    _check_reachable(graph, stops, order, nodes, primary, snap_m, num_depots, profile)
    distance, duration = np.rint(lengths), np.rint(durations)
    _check_feasible(stops, order, num_depots, duration, vehicles, capacity)
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)
    k = len(order)
    n_vehicles = int(vehicles) if vehicles is not None else max(1, k - num_depots)
    cap = () if capacity is None else (float(capacity),)
    vts = [VehicleType(count=n_vehicles, capacity=cap, start_depot=d, end_depot=d,
                       name=stops.ids[int(order[d])]) for d in range(num_depots)]
    tw = None if stops.time_windows is None else stops.time_windows[order]
    label = name or (Path(stops.source).stem if stops.source and stops.source != "DataFrame" else "road-vrp")
    problem = VRPProblem(
        distance=distance, duration=duration, num_depots=num_depots,
        demand=None if stops.demand is None else stops.demand[order].reshape(k, 1),
        time_windows=tw, service_time=None if stops.service_time is None else stops.service_time[order],
        vehicle_types=vts, coordinates=graph.planar_coordinates()[nodes], name=label, convention="road",
        precision=0, source=f"{k} stops on a street map ({profile or 'given'} profile, {metric}-shortest paths; "
                            f"metres and seconds)")

    def leg(i: int, j: int) -> np.ndarray:
        return path(graph, int(nodes[i]), int(nodes[j]), by=metric)

    return RoadVRP(graph=graph, stops=stops, order=order, nodes=nodes, snap_distance=snap_m, problem=problem,
                   metric=metric, path=leg, lengths=lengths, durations=durations, profile=profile)

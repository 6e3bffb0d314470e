"""Itinerary, summaries, GeoJSON and the picture of a VRP solved on a street map: a generated road
graph moved to a small lon/lat box (every street given a bend), stops beside its roads, a VRPTW
built from shortest paths on it and solved by a real solver; every output checked against evaluate."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import routeopt
from routeopt.errors import InputError
from routeopt.instances.paths.generate import road as road_network
from routeopt.instances.paths.graph import EARTH_RADIUS, Graph
from routeopt.instances.paths.road import RoadVRP, Stops, snap
from routeopt.instances.paths.road_output import (clock, geojson, itinerary, plot_routes, route_summaries,
                                                  write_geojson, write_itinerary)
from routeopt.instances.vrp.problem import Route, VehicleType, VRPProblem, VRPSolution

LON0, LAT0 = 24.94, 60.17
HOUR = 3600.0


def lonlat_graph(n: int = 225, seed: int = 3) -> Graph:
    """The generated grid (metres) placed at LON0, LAT0, each street bent through a point beside
    its middle (the same point both ways, as a real street's shape is)."""
    g = road_network(n, seed=seed, queries=0).graph
    xy = g.coordinates - g.coordinates.min(axis=0)
    lonlat = np.column_stack([LON0 + np.degrees(xy[:, 0] / (EARTH_RADIUS * math.cos(math.radians(LAT0)))),
                              LAT0 + np.degrees(xy[:, 1] / EARTH_RADIUS)])
    tails, heads = g.tails(), g.indices
    lo, hi = np.minimum(tails, heads), np.maximum(tails, heads)
    along = lonlat[hi] - lonlat[lo]
    bend = (lonlat[lo] + lonlat[hi]) / 2 + 0.1 * np.column_stack([-along[:, 1], along[:, 0]])
    return Graph(g.indptr, g.indices, g.weights, directed=g.directed, coordinates=lonlat, geographic=True,
                 durations=g.durations, metric=g.metric, geometry_ptr=np.arange(g.num_arcs + 1),
                 geometry_points=bend)


def build(graph: Graph, k: int = 14, seed: int = 1, vehicles: int = 6) -> RoadVRP:
    """A VRPTW on ``graph``: stop 0 the depot, stops a few metres off their road nodes, matrices
    from Dijkstra (lengths, and times along those same paths), legs from its predecessors."""
    from scipy.sparse.csgraph import dijkstra
    rng = np.random.default_rng(seed)
    picked = rng.choice(graph.num_nodes, k, replace=False)
    lonlat = graph.coordinates[picked] + rng.uniform(-2e-5, 2e-5, (k, 2))
    ids = ["hub"] + [f"S{i}" for i in range(1, k)]
    windows = np.column_stack([8 * HOUR + rng.integers(0, 6, k) * HOUR, np.zeros(k)])
    windows[:, 1] = windows[:, 0] + 2 * HOUR
    windows[0] = 7 * HOUR, 19 * HOUR
    service = np.full(k, 300.0)
    service[0] = 0
    demand = rng.integers(1, 6, k).astype(float)
    demand[0] = 0
    stops = Stops(ids=ids, lonlat=lonlat, depot=np.arange(k) == 0, demand=demand, time_windows=windows,
                  service_time=service)
    nodes, snap_m = snap(graph, lonlat)
    lengths, pred = dijkstra(graph.to_scipy(), directed=True, indices=nodes, return_predecessors=True)

    def leg(i: int, j: int) -> np.ndarray:
        path = [int(nodes[j])]
        while path[-1] != nodes[i]:
            path.append(int(pred[i, path[-1]]))
        return np.array(path[::-1])

    times = np.array([[graph.edge_weights(p[:-1], p[1:], metric="durations").sum() for p in
                       (leg(i, j) for j in range(k))] for i in range(k)])
    problem = VRPProblem(distance=np.rint(lengths[:, nodes]), duration=np.rint(times), demand=demand,
                         time_windows=windows, service_time=service,
                         vehicle_types=[VehicleType(count=vehicles, capacity=(15.0,))],
                         coordinates=graph.planar_coordinates()[nodes], name="harbour", convention="road",
                         precision=0)
    return RoadVRP(graph=graph, stops=stops, order=np.arange(k), nodes=nodes, snap_distance=snap_m,
                   problem=problem, metric="length", path=leg)


@pytest.fixture(scope="module")
def solved():
    rv = build(lonlat_graph())
    result = routeopt.solve(rv.problem, solver="pyvrp", time_limit=1, seed=0)
    assert result.status in (routeopt.Status.FEASIBLE, routeopt.Status.OPTIMAL), result.message
    assert result.solution.num_routes >= 2           # more than one colour to check
    return rv, result


def visits(result):
    return [r for r in result.solution.routes if r.visits]


def test_clock_strings():
    assert clock(0) == "00:00:00" and clock(3661) == "01:01:01" and clock(29_999.6) == "08:20:00"
    assert clock(90_000) == "25:00:00" and clock(float("nan")) == ""


def test_itinerary_times_follow_the_model(solved):
    rv, result = solved
    p = rv.problem
    table = itinerary(rv, result)
    routes = visits(result)
    assert list(table.columns[:4]) == ["vehicle", "vehicle_type", "order", "stop"]
    assert len(table) == sum(len(r.visits) + 2 for r in routes)
    stop_row = {s: i for i, s in enumerate(rv.stops.ids)}
    window = rv.stops.time_windows[[stop_row[s] for s in table.stop]]
    assert (table.arrival <= window[:, 1] + 1e-6).all() and (table.wait >= 0).all()
    durations = lengths = 0.0
    for (vehicle, rows), route in zip(table.groupby("vehicle", sort=True), routes):
        nodes = [0, *route.visits, 0]
        assert rows.order.tolist() == list(range(len(nodes)))
        assert rows.stop.tolist() == [rv.stop_id(v) for v in nodes]
        assert rows.depot.tolist() == [True] + [False] * len(route.visits) + [True]
        assert rows.arrival_clock.tolist() == [clock(t) for t in rows.arrival]
        arrive, leave, wait = rows.arrival.to_numpy(), rows.departure.to_numpy(), rows.wait.to_numpy()
        # travel between stops, waiting for windows, service at clients: the model's own arithmetic
        np.testing.assert_allclose(arrive[1:], leave[:-1] + p.duration[nodes[:-1], nodes[1:]])
        start = np.maximum(arrive, window[rows.index, 0])
        np.testing.assert_allclose(wait[1:], (start - arrive)[1:])
        np.testing.assert_allclose(leave[1:-1], start[1:-1] + p.service_time[route.visits])
        assert leave[0] >= p.time_windows[0, 0] and leave[-1] <= p.time_windows[0, 1]
        one = p.evaluate(VRPSolution([route]))
        # the departure evaluate assumes: the smallest duration over feasible departures
        assert leave[-1] - leave[0] == pytest.approx(one.details["duration"])
        assert rows.distance_so_far.iloc[-1] == pytest.approx(one.details["distance"])
        np.testing.assert_allclose(rows.distance_so_far.diff().iloc[1:], p.distance[nodes[:-1], nodes[1:]])
        assert rows.snap_m.tolist() == pytest.approx(rv.snap_distance[nodes].tolist())
        np.testing.assert_allclose(rows[["lon", "lat"]].to_numpy(), rv.stops.lonlat[nodes])
        durations += leave[-1] - leave[0]
        lengths += rows.distance_so_far.iloc[-1]
    ev = p.evaluate(result.solution)
    assert durations == pytest.approx(ev.details["duration"]) and lengths == pytest.approx(ev.details["distance"])


def test_loads_are_deliveries(solved):
    rv, result = solved
    table = itinerary(rv, result)
    demand = rv.problem.demand[:, 0]
    for (_, rows), route in zip(table.groupby("vehicle", sort=True), visits(result)):
        load = rows.load.to_numpy()
        assert load[0] == demand[route.visits].sum() <= 15
        np.testing.assert_allclose(-np.diff(load)[:-1], demand[route.visits])
        assert load[-2] == 0 and load[-1] == 0
    assert "load_2" not in table.columns


def test_route_summaries_agree(solved):
    rv, result = solved
    table = itinerary(rv, result)
    summaries = route_summaries(rv, result.solution)
    assert [s["vehicle"] for s in summaries] == list(range(1, len(visits(result)) + 1))
    for s, route in zip(summaries, visits(result)):
        rows = table[table.vehicle == s["vehicle"]]
        assert s["stops"] == len(route.visits) and s["capacity"] == 15.0
        assert s["length_m"] == rows.distance_so_far.iloc[-1] and s["load"] == rows.load.iloc[0]
        assert (s["start"], s["end"]) == (rows.departure.iloc[0], rows.departure.iloc[-1])
        assert s["duration_s"] == s["end"] - s["start"] and s["start_clock"] == clock(s["start"])
    assert sum(s["length_m"] for s in summaries) == pytest.approx(result.objective)


def test_csv_is_the_table_and_is_written_whole(solved, tmp_path):
    rv, result = solved
    out = write_itinerary(rv, result, tmp_path / "plan.csv")
    back = pd.read_csv(out, dtype={"arrival_clock": str, "departure_clock": str})
    table = itinerary(rv, result)
    assert back.columns.tolist() == table.columns.tolist() and len(back) == len(table)
    np.testing.assert_allclose(back[["arrival", "departure", "load", "lat", "lon"]].to_numpy(),
                               table[["arrival", "departure", "load", "lat", "lon"]].to_numpy(), rtol=1e-9)
    assert back.arrival_clock.tolist() == table.arrival_clock.tolist()
    for writer, name in ((write_itinerary, "plan.csv"), (write_geojson, "plan.geojson"),
                         (plot_routes, "plan.png")):
        with pytest.raises(InputError) as err:
            writer(rv, result, tmp_path / "missing" / name)
        assert "\n" not in str(err.value) and "folder does not exist" in str(err.value)
    assert not (tmp_path / "missing").exists()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["plan.csv"]        # no temporary files left


def test_the_stop_list_is_never_overwritten(solved, tmp_path):
    rv, result = solved
    source = tmp_path / "stops.csv"
    source.write_text("id,lat,lon\n")
    rv = dataclasses.replace(rv, stops=dataclasses.replace(rv.stops, source=str(source)))
    for writer in (write_itinerary, write_geojson):
        with pytest.raises(InputError, match="overwrite the input file"):
            writer(rv, result, source)
    assert source.read_text() == "id,lat,lon\n"


def _line_through(line: list, points: list) -> bool:
    """Does ``line`` pass through ``points`` in this order (each at a vertex)?"""
    at = 0
    for point in points:
        while at < len(line) and line[at] != point:
            at += 1
        if at == len(line):
            return False
    return True


def test_geojson_follows_the_streets(solved, tmp_path):
    rv, result = solved
    g = rv.graph
    doc = geojson(rv, result)
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text) == doc and doc["type"] == "FeatureCollection"
    everything = np.vstack([g.coordinates, g.geometry_points])
    lo, hi = everything.min(axis=0) - 1e-4, everything.max(axis=0) + 1e-4      # stops lie a few metres off
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    for feature in doc["features"]:
        coords = feature["geometry"]["coordinates"]
        pairs = coords if feature["geometry"]["type"] == "LineString" else [coords]
        for pair in pairs:
            assert len(pair) == 2 and all(isinstance(c, float) for c in pair)
            assert lo[0] <= pair[0] <= hi[0] and lo[1] <= pair[1] <= hi[1]        # [lon, lat], not swapped
            assert pair == [round(c, 7) for c in pair]
    summaries = route_summaries(rv, result)
    assert len(lines) == len(summaries)
    for line, summary, route in zip(lines, summaries, visits(result)):
        props = line["properties"]
        assert props["vehicle"] == summary["vehicle"] and props["length_m"] == summary["length_m"]
        assert props["duration_s"] == summary["duration_s"] and props["load"] == summary["load"]
        assert props["stops"] == len(route.visits) and re.fullmatch(r"#[0-9a-f]{6}", props["colour"])
        assert props["stop_ids"] == [rv.stop_id(v) for v in route.visits]
        coords = line["geometry"]["coordinates"]
        road_points = [np.round(g.coordinates[rv.nodes[v]], 7).tolist() for v in [0, *route.visits, 0]]
        assert coords[0] == road_points[0] and coords[-1] == road_points[-1]
        assert _line_through(coords, road_points)
        # every street's bend is on the line: it follows the street's shape, not straight hops
        legs = sum(len(rv.leg(i, j)) - 1 for i, j in zip([0, *route.visits], [*route.visits, 0]))
        assert len(coords) == 1 + 2 * legs
    assert len({f["properties"]["colour"] for f in lines}) == len(lines)
    table = itinerary(rv, result)
    assert len(points) == len(table) and all(f["properties"]["vehicle"] is not None for f in points)
    first = points[0]["properties"]
    assert set(first) >= {"stop", "vehicle", "order", "arrival", "arrival_clock", "departure", "departure_clock",
                          "load", "depot", "snap_m"}
    assert first["depot"] is True and first["order"] == 0 and first["departure_clock"] == table.departure_clock[0]
    out = write_geojson(rv, result, tmp_path / "routes.geojson")
    assert json.loads(out.read_text()) == doc


def test_optional_stops_left_out_and_result_or_solution(solved, tmp_path):
    rv, result = solved
    p = rv.problem
    required = np.ones(p.num_nodes, dtype=bool)
    required[[3, 7]] = False
    optional = dataclasses.replace(rv, problem=dataclasses.replace(p, required=required,
                                                                   prize=np.where(required, 0.0, 1e5)))
    kept = VRPSolution([Route([c for c in r.visits if c not in (3, 7)], r.vehicle_type) for r in visits(result)])
    doc = geojson(optional, kept)
    idle = [f["properties"] for f in doc["features"] if f["properties"]["vehicle"] is None]
    assert sorted(x["stop"] for x in idle) == ["S3", "S7"] and not any(x["depot"] for x in idle)
    assert not itinerary(optional, kept).stop.isin(["S3", "S7"]).any()
    fig = plot_routes(optional, kept, tmp_path / "optional.png")
    assert any("not visited (2)" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    pd.testing.assert_frame_equal(itinerary(rv, result), itinerary(rv, result.solution))


def test_several_demand_dimensions(solved):
    rv, result = solved
    p = rv.problem
    two = np.column_stack([p.demand[:, 0], 2 * p.demand[:, 0]])
    vts = [dataclasses.replace(p.vehicle_types[0], capacity=(15.0, 30.0))]
    multi = dataclasses.replace(rv, problem=dataclasses.replace(p, demand=two, vehicle_types=vts))
    table = itinerary(multi, result)
    assert table.columns.tolist()[table.columns.get_loc("load"):][:2] == ["load", "load_2"]
    np.testing.assert_allclose(table.load_2, 2 * table.load)
    assert route_summaries(multi, result)[0]["load_2"] == 2 * route_summaries(multi, result)[0]["load"]


def test_bad_input_is_one_line(solved):
    rv, result = solved
    for bad, words in ((VRPSolution([Route([1, 999])]), "node 999"), (VRPSolution([Route([1], 5)]), "type 5"),
                       (object(), "expected a VRP solution")):
        with pytest.raises(InputError, match=words) as err:
            itinerary(rv, bad)
        assert "\n" not in str(err.value)
    failed = dataclasses.replace(result, solution=None)
    with pytest.raises(InputError, match="no solution"):
        geojson(rv, failed)
    planar = dataclasses.replace(rv, graph=dataclasses.replace(rv.graph, geographic=False, cache={}))
    with pytest.raises(InputError, match="longitude/latitude"):
        geojson(planar, result)


def test_picture(solved, tmp_path):
    from matplotlib.image import imread
    rv, result = solved
    out = tmp_path / "routes.png"
    fig = plot_routes(rv, result, out, title="harbour deliveries")
    image = imread(out)
    assert image.shape[0] >= 600 and image.shape[1] >= 900 and image.shape[2] in (3, 4)
    assert image[..., :3].std() > 0.05                       # something drawn, not a blank canvas
    ax = fig.axes[0]
    streets = ax.collections[0].get_segments()
    # every street once, cut at its bend: two segments per street
    assert len(streets) == 2 * rv.graph.num_edges
    summaries = route_summaries(rv, result)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for s in summaries:
        assert any(t.startswith(f"{s['vehicle']}: {s['length_m'] / 1000:.1f} km") and f"load {s['load']:g}/15" in t
                   for t in legend)
    lines = {line.get_gid(): line for line in ax.get_lines()}
    assert len([g for g in lines if g and g.startswith("route")]) == len(summaries)
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("1") == len(summaries)                 # each route numbers its stops from 1
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width, height = ax.get_window_extent().width, ax.get_window_extent().height
    assert (x1 - x0) / width == pytest.approx((y1 - y0) / height, rel=0.02)     # a km as long east as north
    assert fig.get_suptitle() == "harbour deliveries"
    with pytest.raises(InputError, match=r"\.txt"):
        plot_routes(rv, result, tmp_path / "routes.txt")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["routes.png"]


def test_one_way_map_without_bends_windows_or_demand(tmp_path):
    g = road_network(144, seed=5, queries=0, one_way=0.3).graph
    assert g.directed
    xy = g.coordinates - g.coordinates.min(axis=0)
    lonlat = np.column_stack([LON0 + np.degrees(xy[:, 0] / (EARTH_RADIUS * math.cos(math.radians(LAT0)))),
                              LAT0 + np.degrees(xy[:, 1] / EARTH_RADIUS)])
    graph = dataclasses.replace(g, coordinates=lonlat, geographic=True, cache={})
    rv = build(graph, k=6, seed=2)
    p = rv.problem
    plain = dataclasses.replace(rv, problem=VRPProblem(distance=p.distance, duration=p.duration, name="tour"))
    tour = VRPSolution([Route(list(range(1, 6)))])
    table = itinerary(plain, tour)
    # no windows: the day starts at 0 and the route is travel alone; no demand: nothing on board
    assert table.departure[0] == 0 and table.arrival_clock[0] == "00:00:00" and (table.load == 0).all()
    assert table.arrival.iloc[-1] == pytest.approx(plain.problem.evaluate(tour).details["duration"])
    line = geojson(plain, tour)["features"][0]["geometry"]["coordinates"]
    legs = [rv.leg(i, j) for i, j in zip([0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 0])]
    assert len(line) == 1 + sum(len(leg) - 1 for leg in legs)
    fig = plot_routes(plain, tour, tmp_path / "tour.svg")
    tails, heads = graph.tails(), graph.indices
    streets = np.unique(np.minimum(tails, heads) * graph.num_nodes + np.maximum(tails, heads)).size
    assert streets < graph.num_arcs and len(fig.axes[0].collections[0].get_segments()) == streets
    assert "<svg" in (tmp_path / "tour.svg").read_text()[:500]
    empty = itinerary(plain, VRPSolution([Route([])]))
    assert empty.empty and "arrival_clock" in empty.columns
    assert geojson(plain, VRPSolution([]))["features"][0]["properties"]["vehicle"] is None

"""Stops on a real street map (central Helsinki, .osm.pbf) to routes: `routeopt solve --road`,
every leg a real road path with the matrix's length and time, clear messages for stops that
cannot be routed, and outputs that validate."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from typer.testing import CliRunner

import routeopt
from routeopt.cli.app import app
from routeopt.instances.io import load_solution
from routeopt.instances.paths.io import read_graph
from routeopt.instances.paths.stops import random_stops, read_stops, write_stops
from routeopt.solvers.paths.road_vrp import road_vrp

from tests.conftest import one_line_error, shared

runner = CliRunner()


@pytest.fixture(scope="module")
def helsinki():
    return shared("osm", "Helsinki.osm.pbf")


@pytest.fixture(scope="module")
def car(helsinki):
    return read_graph(helsinki, profile="car")


@pytest.fixture
def stops_csv(car, tmp_path):
    return write_stops(random_stops(car, 14, seed=3, spread=5.0), tmp_path / "stops.csv")


def _main_and_traps(graph):
    """A node of the main strongly connected part, one it can reach but not come back from, and
    one it cannot reach (the extract's one-way streets and clipped ways make both)."""
    labels = graph.components()
    main = int(np.flatnonzero(labels == np.bincount(labels).argmax())[0])
    there = np.isfinite(dijkstra(graph.to_scipy(), indices=[main])[0])
    back = np.isfinite(dijkstra(graph.to_scipy().T, indices=[main])[0])
    no_way_back = int(np.flatnonzero(there & ~back & (graph.degrees > 0))[0])
    unreachable = int(np.flatnonzero(~there & back)[0])
    return main, no_way_back, unreachable


def test_solve_road_end_to_end_on_helsinki(helsinki, car, stops_csv, tmp_path):
    out = {k: tmp_path / name for k, name in (("geojson", "r.geojson"), ("itinerary", "r.csv"),
                                              ("plot", "r.png"), ("out", "sol.json"))}
    result = runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops_csv), "--vehicles", "4",
                                 "--capacity", "40", "-s", "pyvrp", "-t", "2", "--json",
                                 *(x for k, p in out.items() for x in (f"--{k}", str(p)))])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "FEASIBLE" and data["violations"] == []
    assert len(data["road"]["stops"]) == 15 and max(s["snap_m"] for s in data["road"]["stops"]) < 50

    road = road_vrp(helsinki, stops_csv, vehicles=4, capacity=40)
    problem = road.problem
    assert problem.variant.endswith("VRPTW") and problem.convention == "road"
    solution = load_solution(out["out"], problem)
    assert problem.evaluate(solution).violations == []
    # every leg is a real path of the map whose metres and seconds are the matrix's
    fastest = dijkstra(car.to_scipy("durations"), indices=np.unique(road.nodes))
    row = {int(v): i for i, v in enumerate(np.unique(road.nodes))}
    legs = 0
    for route in solution.routes:
        vt = problem.vehicle_types[route.vehicle_type]
        path = [vt.start_depot, *route.visits, vt.end_depot]
        for i, j in zip(path[:-1], path[1:]):
            nodes = road.leg(i, j)
            assert nodes[0] == road.nodes[i] and nodes[-1] == road.nodes[j]
            arcs = car.arc_ids(nodes[:-1], nodes[1:])
            assert (arcs >= 0).all(), "a leg uses a street that is not in the map"
            metres, seconds = car.weights[arcs].sum(), car.durations[arcs].sum()
            assert metres == pytest.approx(road.lengths[i, j], abs=1e-6)
            assert seconds == pytest.approx(road.durations[i, j], abs=1e-6)
            assert seconds == pytest.approx(fastest[row[int(road.nodes[i])], road.nodes[j]], abs=1e-6)
            assert problem.distance[i, j] == np.rint(metres) and problem.duration[i, j] == np.rint(seconds)
            legs += 1
    assert legs >= 15
    # the GeoJSON: [lon, lat] pairs on the map
    geo = json.loads(out["geojson"].read_text())
    lo, hi = car.coordinates.min(axis=0) - 0.001, car.coordinates.max(axis=0) + 0.001
    coords = [c for f in geo["features"] for c in (f["geometry"]["coordinates"] if f["geometry"]["type"] ==
                                                   "LineString" else [f["geometry"]["coordinates"]])]
    assert coords and all(len(c) == 2 and lo[0] <= c[0] <= hi[0] and lo[1] <= c[1] <= hi[1] for c in coords)
    assert sum(f["geometry"]["type"] == "LineString" for f in geo["features"]) == len(solution.routes)
    # the itinerary and the map
    lines = out["itinerary"].read_text().splitlines()
    assert lines[0].startswith("vehicle,") and len(lines) == 1 + 14 + 2 * len(solution.routes)
    import matplotlib.image
    assert matplotlib.image.imread(out["plot"]).shape[0] > 300


def _stops_with(tmp_path, graph, node, name="odd"):
    """The depot near the main part and one stop placed exactly on ``node``."""
    main, _, _ = _main_and_traps(graph)
    lon, lat = graph.coordinates[main]
    x, y = graph.coordinates[node]
    path = tmp_path / "stops.csv"
    path.write_text(f"id,lat,lon,depot\nhub,{lat},{lon},1\nok,{lat + 0.0003},{lon},0\n{name},{y},{x},0\n")
    return path


def test_one_way_traps_are_named(helsinki, car, tmp_path):
    _, no_way_back, unreachable = _main_and_traps(car)
    stops = _stops_with(tmp_path, car, no_way_back, "trap")
    result = runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops), "-t", "1"])
    line = one_line_error(result, "stops.csv:4 [lat]", "stop 'trap'", "no way back to depot 'hub'", "one-way")
    assert str(car.node_ids[no_way_back]) in line
    stops = _stops_with(tmp_path, car, unreachable, "island")
    result = runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops), "-t", "1"])
    one_line_error(result, "stop 'island'", "cannot be reached from depot 'hub'")
    # snapping to the connected network instead routes it
    road = road_vrp(helsinki, stops, snap="connected")
    assert np.isfinite(road.durations).all() and road.snap_distance[-1] > 0


def test_a_stop_far_from_every_road_is_named(helsinki, car, tmp_path):
    lon, lat = car.coordinates.mean(axis=0)
    stops = tmp_path / "stops.csv"
    stops.write_text(f"id,lat,lon\nhub,{lat},{lon}\nnear,{lat + 0.001},{lon}\nfar,{lat + 0.03},{lon}\n")
    result = runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops), "-t", "1"])
    one_line_error(result, "stops.csv:4 [lat]", "stop 'far'", "m from the nearest road usable by car", "500 m")
    road = road_vrp(helsinki, stops, max_snap=5000)        # a looser limit is the user's call
    assert road.snap_distance[-1] > 1500


def test_profiles_give_different_roads(helsinki, car, tmp_path):
    walk = read_graph(helsinki, profile="walk")
    stops = write_stops(random_stops(car, 6, seed=0, spread=5.0, time_windows=False, demand=False), tmp_path / "s.csv")
    by_car, on_foot = road_vrp(helsinki, stops), road_vrp(helsinki, stops, profile="walk")
    assert walk.num_nodes > car.num_nodes
    # walking is slower but never forced round one-way streets
    assert (on_foot.durations.sum() > by_car.durations.sum()) and (on_foot.lengths.sum() <= by_car.lengths.sum())
    assert np.allclose(on_foot.lengths, on_foot.lengths.T, atol=1e-6)


def test_bad_road_options_are_one_line(helsinki, stops_csv, tmp_path):
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki)]), "--road needs --stops")
    one_line_error(runner.invoke(app, ["solve", "--stops", str(stops_csv)]), "--stops needs --road")
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops_csv),
                                       "--profile", "horse"]), "unknown travel profile 'horse'", "car, bike, walk")
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops_csv)]),
                   "demands", "capacity")
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops_csv),
                                       "--capacity", "2"]), "more than a vehicle's capacity")
    one_line_error(runner.invoke(app, ["solve", "--road", str(stops_csv), "--stops", str(stops_csv),
                                       "--capacity", "50"]), "not a street map")
    one_line_error(runner.invoke(app, ["solve", "--generate", "cvrp", "--geojson", str(tmp_path / "x.geojson")]),
                   "--geojson goes with --road")
    # an output may not overwrite the stop list
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops_csv),
                                       "--capacity", "50", "--itinerary", str(stops_csv)]), "stops.csv")


def test_generated_city_end_to_end_without_shared(tmp_path):
    """What the README and the demo do: a generated city as .osm.pbf, random stops, routes."""
    city = routeopt.save(routeopt.generate("city", 400, seed=2), tmp_path / "city.osm.pbf")
    graph = read_graph(city)
    stops = write_stops(random_stops(graph, 12, seed=2), tmp_path / "stops.csv")
    assert len(read_stops(stops)) == 13
    road = routeopt.road_vrp(city, stops, vehicles=3, capacity=40)
    result = routeopt.solve(road.problem, solver="pyvrp", time_limit=1, seed=0)
    assert result.status.value == "FEASIBLE" and result.violations == []
    assert road.problem.name == "city-stops"


def test_what_no_solver_can_fix_is_said_before_solving(helsinki, car, stops_csv, tmp_path):
    demand = read_stops(stops_csv).demand.sum()
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops_csv), "--vehicles", "1",
                                       "--capacity", "30"]), "[demand]", f"ask for {demand:g}", "carries 30")
    main, _, _ = _main_and_traps(car)
    lon, lat = car.coordinates[main]
    stops = tmp_path / "late.csv"
    stops.write_text(f"id,lat,lon,tw_start,tw_end,depot\nhub,{lat},{lon},08:00,18:00,1\n"
                     f"early,{lat + 0.004},{lon},07:00,08:00:30,0\n")
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops)]),
                   "late.csv:3 [tw_end]", "stop 'early' cannot be served in time", "closes at 08:00:30")
    stops.write_text(f"id,lat,lon,tw_start,tw_end,service,depot\nhub,{lat},{lon},08:00,09:00,,1\n"
                     f"slow,{lat + 0.004},{lon},08:00,08:50,3600,0\n")
    one_line_error(runner.invoke(app, ["solve", "--road", str(helsinki), "--stops", str(stops)]),
                   "stop 'slow'", "cannot be back at depot 'hub' before it closes (09:00)")

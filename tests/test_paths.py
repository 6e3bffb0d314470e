"""Shortest paths: every exact algorithm equals scipy.sparse.csgraph on random graphs (hypothesis);
CH equals Dijkstra on road networks; WormHole paths are valid, within its certified bound and +2;
alternatives are valid and scored; graph files (DIMACS, edge lists, the shared OSM extracts) load
and route; road matrices give VRPs that PyVRP solves cleanly; the CLI works and fails in one line."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra
from typer.testing import CliRunner

import routeopt
import routeopt.cli.app as cli_app
from routeopt.errors import InputError, UnsupportedError
from routeopt.instances.io import load, save
from routeopt.instances.generate import generate
from routeopt.instances.paths.graph import Graph
from routeopt.instances.paths.problem import PathsProblem, PathsSolution
from routeopt.instances.paths.generate import chung_lu, road
from routeopt.instances.paths.road import from_road_network
from routeopt.solvers.paths import alternatives, ch, wormhole
from routeopt.solvers.registry import solve as _solve
from tests.conftest import shared

EXACT = ["dijkstra", "bidijkstra", "astar", "ch"]


def solve(problem, solver, **kw):
    """routeopt.solve with room for a first numba compilation (it counts in the budget)."""
    kw.setdefault("time_limit", 600)
    return _solve(problem, solver, **kw)


# ---------------------------------------------------------------------------- random graphs
@st.composite
def graphs(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 4 * n))
    tails = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    heads = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    directed = draw(st.booleans())
    weighted = draw(st.booleans())
    weights = draw(st.lists(st.one_of(st.integers(0, 9).map(float), st.floats(0.0, 10.0)), min_size=m, max_size=m))
    coords = draw(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=n, max_size=n))
    return Graph.from_edges(n, tails, heads, weights if weighted else None, directed=directed, coordinates=coords)


def _exact(g: Graph) -> np.ndarray:
    return np.atleast_2d(scipy_dijkstra(g.to_scipy(), directed=True, unweighted=not g.weighted))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=graphs(), data=st.data())
def test_exact_algorithms_equal_scipy_on_random_graphs(g, data):
    exact = _exact(g)
    k = data.draw(st.integers(1, 6))
    src = data.draw(st.lists(st.integers(0, g.num_nodes - 1), min_size=k, max_size=k))
    dst = data.draw(st.lists(st.integers(0, g.num_nodes - 1), min_size=k, max_size=k))
    problem = PathsProblem(g, src, dst, check_exact=True)
    names = EXACT + ([] if g.weighted else ["bibfs"])
    for name in names:
        r = solve(problem, name)
        assert r.status == routeopt.Status.OPTIMAL and r.violations == [], (name, r.violations)
        np.testing.assert_allclose(r.solution.distances, exact[src, dst], rtol=1e-9, atol=1e-9)
        assert r.metadata["exact"] == k


@settings(max_examples=15, deadline=None)
@given(g=graphs(), data=st.data())
def test_matrix_queries_equal_scipy(g, data):
    src = data.draw(st.lists(st.integers(0, g.num_nodes - 1), min_size=1, max_size=4))
    dst = data.draw(st.lists(st.integers(0, g.num_nodes - 1), min_size=1, max_size=4))
    problem = PathsProblem.many_to_many(g, src, dst, check_exact=True)
    for name in ("dijkstra", "ch"):
        r = solve(problem, name)
        assert r.violations == []
        np.testing.assert_allclose(r.solution.distances.reshape(len(src), len(dst)), _exact(g)[np.ix_(src, dst)])


# ---------------------------------------------------------------------------- road networks and CH
@pytest.fixture(scope="module")
def grid():
    return road(3000, seed=4, queries=0).graph


@pytest.mark.parametrize("one_way, metric, order", [(0.0, "length", "difference"), (0.3, "travel_time", "quotient")])
def test_ch_equals_dijkstra_on_road_networks(one_way, metric, order):
    g = road(2500, seed=1, one_way=one_way, queries=0).graph.with_metric(metric)
    assert g.directed == (one_way > 0) and g.weighted
    rng = np.random.default_rng(0)
    problem = PathsProblem(g, rng.integers(g.num_nodes, size=150), rng.integers(g.num_nodes, size=150),
                          name="grid", check_exact=True)
    d = solve(problem, "dijkstra")
    c = solve(problem, "ch", order=order)
    assert d.violations == [] and c.violations == [] and c.status == routeopt.Status.OPTIMAL
    np.testing.assert_allclose(c.solution.distances, d.solution.distances, rtol=1e-12)
    assert c.metadata["build_time"] > 0 and c.metadata["index_arcs"] >= g.num_arcs and c.metadata["index_bytes"] > 0
    again = solve(problem, "ch", order=order)          # the index is cached on the graph
    assert again.metadata["index_cached"] is True


def test_road_generator_is_connected_seeded_and_admissible(grid):
    assert grid.components().max() == 0                               # one strongly connected component
    straight = np.linalg.norm(grid.coordinates[grid.tails()] - grid.coordinates[grid.indices], axis=1)
    assert (grid.weights >= straight - 1e-9).all() and (grid.durations > 0).all()
    again = road(3000, seed=4, queries=0).graph
    assert np.array_equal(again.indices, grid.indices) and np.array_equal(again.weights, grid.weights)
    assert not np.array_equal(road(3000, seed=5, queries=0).graph.weights[:100], grid.weights[:100])
    p = generate("road", n=500, seed=2, queries=7)
    assert p.num_pairs == 7 and p.name == "road-n500-s2"


def test_chung_lu_is_power_law_and_seeded():
    g = chung_lu(20_000, seed=3, exponent=2.3, queries=0).graph
    deg = g.degrees
    assert not g.directed and not g.weighted
    assert deg.max() > 20 * deg.mean() and np.median(deg) < deg.mean()      # heavy tail
    assert np.array_equal(chung_lu(2000, seed=1, queries=0).graph.indices, chung_lu(2000, seed=1, queries=0).graph.indices)
    with pytest.raises(InputError, match="exponent"):
        chung_lu(100, exponent=1.5)
    with pytest.raises(InputError, match="unknown parameter 'exponant'"):
        generate("chung-lu", n=100, exponant=2.5)


def test_astar_settles_fewer_nodes_than_dijkstra(grid):
    rng = np.random.default_rng(3)
    problem = PathsProblem(grid, rng.integers(3000, size=40), rng.integers(3000, size=40), check_exact=True)
    a, b = solve(problem, "astar"), solve(problem, "bidijkstra")
    assert a.violations == [] and b.violations == []
    assert a.metadata["settled"] < solve(problem.with_queries(problem.sources, problem.targets), "dijkstra").metadata["settled"]
    with pytest.raises(UnsupportedError, match="coordinates"):
        solve(PathsProblem.pair(Graph.from_edges(2, [0], [1]), 0, 1), "astar")


# ---------------------------------------------------------------------------- WormHole
@pytest.fixture(scope="module")
def social():
    return chung_lu(5000, seed=7, queries=0).graph


def test_wormhole_paths_valid_within_bound_and_plus_two(social):
    pool = social.largest_component_nodes()
    rng = np.random.default_rng(1)
    problem = PathsProblem(social, pool[rng.integers(pool.size, size=400)], pool[rng.integers(pool.size, size=400)],
                          check_exact=True)
    r = solve(problem, "wormhole")
    assert r.status == routeopt.Status.FEASIBLE and r.violations == [], r.violations   # paths valid, bounds hold
    assert r.metadata["max_additive_error"] <= 2 and r.metadata["exact"] >= 0.9 * 400
    exact = solve(problem, "bibfs")
    err = r.solution.distances - exact.solution.distances
    assert (err >= 0).all() and (err <= r.solution.error_bounds + 1e-9).all()
    assert r.metadata["touched"] < exact.metadata["touched"]
    strict = solve(problem, wormhole.WormHoleSolver(max_error=0))
    np.testing.assert_array_equal(strict.solution.distances, exact.solution.distances)
    with pytest.raises(UnsupportedError, match="weighted"):
        solve(PathsProblem.pair(road(100, queries=0).graph, 0, 5), "wormhole")


def test_wormhole_unreachable_and_same_node():
    g = Graph.from_edges(7, [0, 1, 2, 4], [1, 2, 3, 5], directed=False)   # 6 is isolated
    w = wormhole.WormHole(g, core_size=2)
    assert w.query(0, 6)[0] == math.inf and w.query(4, 0)[0] == math.inf
    d, p, b = w.query(3, 3)
    assert d == 0 and p.tolist() == [3] and b == 0
    assert w.query(0, 3)[0] == 3


# ---------------------------------------------------------------------------- alternatives
def test_alternative_routes_are_valid_and_scored(grid):
    problem = PathsProblem.pair(grid, 12, 2950, alternatives=3, check_exact=True)
    for name in ("penalty", "plateau", "yen"):
        r = solve(problem, name)
        assert r.violations == [] and r.status == routeopt.Status.OPTIMAL, (name, r.violations)
        rows = r.metadata["alternatives"][0]
        assert rows[0]["stretch"] == 1 and len(rows) >= 2
        for row in rows[1:]:
            assert row["stretch"] >= 1 and 0 <= row["sharing"] <= 1 and 0 < row["local_optimality"] <= 1
    assert solve(problem, "plateau").metadata["max_sharing"] <= 0.8 + 1e-9


def test_yen_equals_networkx_k_shortest():
    rng = np.random.default_rng(5)
    g = Graph.from_edges(30, rng.integers(30, size=120), rng.integers(30, size=120), rng.integers(1, 20, 120).astype(float))
    G = g.to_networkx()
    for s, t in [(0, 7), (3, 29), (11, 2)]:
        ours = [float(g.edge_weights(p[:-1], p[1:]).sum()) for p in alternatives.yen(g, s, t, k=5)]
        try:
            theirs = [nx.path_weight(G, p, "weight") for _, p in zip(range(5), nx.shortest_simple_paths(G, s, t, "weight"))]
        except nx.NetworkXNoPath:
            theirs = []
        np.testing.assert_allclose(ours, theirs)


def test_evaluate_reports_broken_answers(grid):
    p = PathsProblem.pair(grid, 0, 1, check_exact=True)
    good = solve(p, "dijkstra").solution
    path = good.paths[0]
    cases = {
        "path_edge": PathsSolution(good.distances, [np.array([0, 2999, 1])]),
        "path_ends": PathsSolution(good.distances, [path[:-1]]),
        "path_length": PathsSolution(good.distances + 1, [path]),
        "unanswered": PathsSolution([np.nan], [None]),
        "missing_path": PathsSolution(good.distances, None),
        "too_short": PathsSolution(good.distances - 1, None),
        "shape": PathsSolution([1.0, 2.0], None),
    }
    for kind, sol in cases.items():
        kinds = {v.kind for v in p.evaluate(sol).violations}
        assert kind in kinds, (kind, kinds)
    longer = PathsProblem.pair(grid, 0, 2000, check_exact=True)
    detour = alternatives.yen(grid, 0, 2000, k=2)[1]
    d = float(grid.edge_weights(detour[:-1], detour[1:]).sum())
    assert "not_shortest" in {v.kind for v in longer.evaluate(PathsSolution([d], [detour])).violations}
    ev = longer.evaluate(PathsSolution([d], [detour], approximate=True))
    assert ev.violations == [] and ev.details["max_additive_error"] > 0


def test_problem_and_solution_round_trip_through_json(tmp_path, grid):
    p = PathsProblem(grid, [1, 2], [30, 40], name="g")
    path = save(p, tmp_path / "g.json")
    q = load(path)
    assert isinstance(q, PathsProblem) and q.fingerprint() == p.fingerprint()
    assert np.array_equal(q.graph.weights, grid.weights) and np.array_equal(q.graph.durations, grid.durations)
    r = solve(q, "ch")
    back = PathsSolution.from_dict(json.loads(json.dumps(r.solution.to_dict())))
    assert q.evaluate(back).violations == [] and q.evaluate(back).objective == r.objective


# ---------------------------------------------------------------------------- files
def test_dimacs_round_trip_and_edge_lists(tmp_path, grid):
    gr = save(PathsProblem(grid, name="grid"), tmp_path / "grid.gr")
    assert (tmp_path / "grid.co").is_file()
    p = load(gr)
    assert p.graph.num_arcs == grid.num_arcs and np.allclose(p.graph.coordinates, grid.coordinates)
    assert p.graph.node_ids[0] == 1 and p.name == "grid"
    (tmp_path / "snap.txt").write_text("# Directed graph: toy\n# FromNodeId\tToNodeId\n10\t20\n20\t30\n30\t10\n")
    s = load(tmp_path / "snap.txt")
    assert s.graph.directed and s.graph.num_arcs == 3 and s.graph.node_ids.tolist() == [10, 20, 30]
    (tmp_path / "w.edges").write_text("% weighted\n1 2 2.5\n2 3 1\n")
    w = load(tmp_path / "w.edges")
    assert not w.graph.directed and w.graph.weighted and w.graph.num_edges == 2


@pytest.mark.parametrize("name, text, needle", [
    ("a.gr", "p sp 3 2\na 1 2 5\na 2 x 1\n", "a.gr:3: malformed number 'x'"),
    ("b.gr", "p sp 3 2\na 1 2 5\n", "announces 2 arcs but the file has 1"),
    ("c.gr", "p sp 3 1\na 1 4 5\n", "c.gr:2: arc 1 -> 4 uses a node outside 1..3"),
    ("d.gr", "p sp 3 1\na 1 2 -5\n", "d.gr:2: negative arc weight -5"),
    ("e.gr", "a 1 2 3\n", "no 'p sp N M' line"),
    ("f.edges", "1 2\n2 3 4 5\n", "f.edges:2: edge line has 4 fields"),
    ("g.edges", "1 2 -1\n", "g.edges:1: negative weight"),
    ("h.osm", "<osm><node", "h.osm: cannot read OpenStreetMap data"),
    ("i.co", "v 1 0 0\n", "coordinates only"),
])
def test_bad_graph_files_give_one_line_errors(tmp_path, name, text, needle):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as info:
        load(tmp_path / name)
    assert needle in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["West-Oakland.osm.bz2", "munich-small.osm"])
def test_shared_osm_files_load_and_route(name):
    p = load(shared("osm", name))
    g = p.graph
    assert g.directed and g.geographic and g.durations is not None and g.num_nodes >= 5
    assert g.node_ids is not None and (g.weights > 0).all()
    nodes = g.largest_component_nodes()
    rng = np.random.default_rng(0)
    for metric in ("length", "travel_time"):
        q = PathsProblem(g.with_metric(metric), rng.choice(nodes, 20), rng.choice(nodes, 20), check_exact=True)
        for solver in EXACT:
            r = solve(q, solver)
            assert r.status == routeopt.Status.OPTIMAL and r.violations == [], (solver, metric, r.violations)
    vrp = from_road_network(g, g.coordinates[nodes[:6]] + 1e-5)
    assert vrp.num_nodes == 6 and vrp.convention == "road" and np.isfinite(vrp.distance).all()


# ---------------------------------------------------------------------------- road matrices -> VRP
def test_from_road_network_gives_vrps_pyvrp_solves(grid):
    rng = np.random.default_rng(2)
    one_way = road(1500, seed=2, one_way=0.4, queries=0).graph
    pts = one_way.coordinates[rng.choice(1500, 12, replace=False)] + rng.normal(0, 20, (12, 2))
    atsp = from_road_network(one_way, pts)
    assert atsp.variant == "ATSP" and "asymmetric" in atsp.features
    demand = np.r_[0, rng.integers(1, 10, 11)]
    acvrp = from_road_network(one_way, pts, demand=demand, capacity=20, metric="travel_time")
    assert acvrp.variant == "ACVRP"
    horizon = float(acvrp.duration.max() * 12)
    tw = np.column_stack([np.zeros(12), np.full(12, horizon)])
    vrptw = from_road_network(grid, grid.coordinates[rng.choice(3000, 12, replace=False)], demand=demand, capacity=30,
                              time_windows=tw, service_time=np.r_[0, np.full(11, 60.0)])
    assert vrptw.variant == "VRPTW"
    for vrp in (atsp, acvrp, vrptw):
        r = solve(vrp, "pyvrp", time_limit=1, iterations=200)
        assert r.status == routeopt.Status.FEASIBLE and r.violations == [], (vrp.variant, r.violations)
    with pytest.raises(InputError, match="capacity"):
        from_road_network(grid, [0, 5, 9], demand=[0, 1, 1])


# ---------------------------------------------------------------------------- CLI
def run(*args):
    return CliRunner().invoke(cli_app.app, [str(a) for a in args])


def one_line_error(result, needle: str):
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr
    return lines[0]


def test_cli_query_matrix_alternatives_generate(tmp_path):
    gr = tmp_path / "g.gr"
    assert run("instances", "generate", "road", "--n", 900, "--out", gr).exit_code == 0
    r = run("paths", "query", gr, "--source", 0, "--target", 899, "--source", 5, "--target", 600, "-s", "ch", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    g = load(gr).graph
    exact = _exact(g)
    assert [row["distance"] for row in data["pairs"]] == pytest.approx([exact[0, 899], exact[5, 600]])
    assert data["status"] == "OPTIMAL" and data["violations"] == []
    ids = json.loads(run("paths", "query", gr, "--ids", "--source", 1, "--target", 900, "--json").stdout)
    assert ids["pairs"][0]["distance"] == pytest.approx(exact[0, 899])
    table = run("paths", "query", "--generate", "road", "-p", "n=400", "--source", "0", "--target", "350,350")
    assert table.exit_code == 0 and "hops" in table.stdout
    points = tmp_path / "p.csv"
    points.write_text("x,y\n" + "\n".join(f"{x},{y}" for x, y in g.coordinates[[0, 100, 450, 800]]))
    out, vrp = tmp_path / "m.csv", tmp_path / "v.json"
    m = run("paths", "matrix", gr, "--points", points, "--out", out, "--vrp", vrp)
    assert m.exit_code == 0, m.output
    np.testing.assert_allclose(np.loadtxt(out, delimiter=","), exact[np.ix_([0, 100, 450, 800], [0, 100, 450, 800])])
    assert load(vrp).num_nodes == 4
    a = run("paths", "alternatives", gr, "--source", 0, "--target", 899, "-k", 3, "--json")
    assert a.exit_code == 0, a.output
    methods = json.loads(a.stdout)["methods"]
    assert [m["method"] for m in methods] == ["penalty", "plateau", "yen"]
    assert all(m["routes"][0]["stretch"] == 1 for m in methods)


def test_cli_bench_small():
    r = run("paths", "bench", "--nodes", 900, "--social-nodes", 2000, "--queries", 200, "--ch-queries", 30,
            "--slow-queries", 3)
    assert r.exit_code == 0, r.output
    for needle in ("contraction hierarchies", "networkx", "scipy", "WormHole", "BiBFS", "targets"):
        assert needle in r.stdout


def test_cli_bad_input_is_one_line(tmp_path):
    one_line_error(run("paths", "query", tmp_path / "none.gr", "--source", 0, "--target", 1), "no such file")
    one_line_error(run("paths", "query", "--generate", "road", "-p", "n=100", "--source", 0, "--target", 100), "node 100 is not in 0..99")
    one_line_error(run("paths", "query", "--source", 0, "--target", 1), "give one of FILE, --generate")
    one_line_error(run("paths", "query", "--generate", "grid", "--source", 0, "--target", 1), "unknown kind 'grid'")
    one_line_error(run("paths", "query", "--generate", "road", "-p", "n=100", "--source", "a", "--target", 1), "expected a node")
    one_line_error(run("paths", "query", "--generate", "road", "-p", "n=100", "--source", 0, "--target", 5, "--solver", "wormhole"),
                   "does not support weighted")
    one_line_error(run("paths", "alternatives", "--generate", "road", "-p", "n=100", "--source", 0, "--target", 5, "--solver", "x"),
                   "unknown method 'x'")
    bad = tmp_path / "bad.gr"
    bad.write_text("p sp 2 1\na 1 3 1\n")
    one_line_error(run("paths", "query", bad, "--source", 0, "--target", 1), "bad.gr:2")
    one_line_error(run("instances", "generate", "road", "--out", tmp_path / "x.vrp"), ".vrp files hold vrp instances")
    assert not (tmp_path / "x.vrp").exists()

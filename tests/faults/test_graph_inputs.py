"""Bad inputs of the paths, network and balance families: refused up front, in one line,
naming what and where; never a silently wrong answer or a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import routeopt
from routeopt.errors import InputError, RouteoptError
from routeopt.cli.app import app
from routeopt.instances.paths.graph import Graph
from routeopt.instances.paths.io import read_dimacs, read_edge_list, read_graph
from routeopt.instances.paths.road import from_road_network, snap


def cli(*args: str):
    """Run the CLI; the exit code and the output lines."""
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, [line for line in res.output.splitlines() if line.strip()]


def one_error(*args: str) -> str:
    code, lines = cli(*args)
    assert code == 2, (code, lines)
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# ---------------------------------------------------------------- 1. points off the map
def test_query_point_far_off_the_map_is_refused():
    line = one_error("paths", "query", "--generate", "road", "-p", "n=100", "--source", "1000000,1000000",
                     "--target", "0")
    assert "--source" in line and "1e+06" in line and "from the nearest node" in line


def test_matrix_points_far_off_the_map_are_refused(tmp_path):
    pts = tmp_path / "stops.csv"
    pts.write_text("x,y\n100,100\n200,300\n-900000,50\n")
    line = one_error("paths", "matrix", "--generate", "road", "-p", "n=100", "--points", str(pts))
    assert "stops.csv" in line and "point 2" in line and "-900000" in line


def test_snap_keeps_points_near_the_map_and_names_the_rule():
    from routeopt.instances.paths.road import snap_limit
    g = routeopt.generate("road", n=400, seed=0, queries=0).graph
    limit = snap_limit(g)
    near = g.coordinates[[3, 50]] + 0.5 * limit / np.sqrt(2)
    nodes, dist = snap(g, near)
    assert (dist <= limit).all()
    with pytest.raises(InputError, match=r"point 1 .* from the nearest node"):
        snap(g, np.array([g.coordinates[0], g.coordinates.max(axis=0) + 3 * limit]))
    with pytest.raises(InputError, match="point 1"):
        from_road_network(g, np.array([g.coordinates[0], [1e7, 1e7]]))
    assert snap(g, [[1e7, 1e7]], max_distance=float("inf"))[1][0] > 1e6   # the check can be turned off


def test_geographic_point_in_another_city_is_refused():
    lon, lat = np.meshgrid(np.linspace(24.93, 24.95, 5), np.linspace(60.16, 60.17, 5))
    xy = np.column_stack([lon.ravel(), lat.ravel()])
    u = np.arange(24)
    g = Graph.from_edges(25, u, u + 1, np.full(24, 100.0), directed=False, coordinates=xy, geographic=True)
    assert snap(g, [[24.94, 60.165]])[1][0] < 1000                         # inside: fine
    with pytest.raises(InputError, match=r"point 0 .* m from the nearest node.*lon,lat"):
        snap(g, [[60.165, 24.94]])                                          # lat,lon swapped


# ---------------------------------------------------------------- 2. weights that overflow
def test_weights_near_float_max_are_refused_at_construction():
    with pytest.raises(InputError, match="overflow"):
        Graph.from_edges(3, [0, 1], [1, 2], [1e308, 1e308])
    with pytest.raises(InputError, match="overflow"):
        Graph(np.array([0, 1, 2, 2]), np.array([1, 2]), np.array([1e300, 1e300]))
    Graph.from_edges(3, [0, 1], [1, 2], [1e299, 1e299])                    # 2 arcs x 1e299: fits


def test_dimacs_weights_near_float_max_name_the_line(tmp_path):
    gr = tmp_path / "huge.gr"
    gr.write_text("c big\np sp 3 2\na 1 2 5\na 2 3 1e308\n")
    line = one_error("paths", "query", str(gr), "--source", "0", "--target", "2")
    assert "huge.gr:4" in line and "overflow" in line
    gr.write_text("p sp 3 2\na 1 2 5\na 2 3 1e309\n")
    with pytest.raises(InputError, match=r"huge.gr:3: non-finite"):
        read_dimacs(gr)


def test_edge_list_weights_near_float_max_name_the_line(tmp_path):
    with pytest.raises(InputError, match=r"w.edges:2: .*overflow"):
        read_edge_list(tmp_path / "w.edges", "1 2 3\n2 3 1e308\n")


# ---------------------------------------------------------------- 3. node lists
def test_node_list_names_the_bad_node():
    line = one_error("paths", "matrix", "--generate", "road", "-p", "n=100", "--node-list=-3,5")
    assert "--node-list" in line and "-3" in line and "node 5" not in line


# ---------------------------------------------------------------- 4. sizes refused before allocation
def test_dimacs_header_too_large_is_refused(tmp_path):
    gr = tmp_path / "big.gr"
    gr.write_text("p sp 100000000000 1\na 1 2 1\n")
    line = one_error("paths", "query", str(gr), "--source", "0", "--target", "1")
    assert "big.gr" in line and "100,000,000,000 nodes" in line and "GiB" in line


@pytest.mark.parametrize("kind, params, words", [
    ("fattree", {"k": 1000}, "k=1000 fat-tree"),
    ("leafspine", {"leaves": 1000, "spines": 1000, "hosts_per_leaf": 1000}, "1,000 leaves"),
    ("chung-lu", {"n": 50_000_000}, "50,000,000 nodes"),
    ("road", {"n": 50_000_000}, "50,000,000 nodes"),
])
def test_generators_refuse_sizes_that_do_not_fit(kind, params, words, monkeypatch):
    monkeypatch.setenv("ROUTEOPT_MAX_MEMORY", "8G")
    with pytest.raises(InputError, match=f"{re.escape(words)}.*needs about .* GiB"):
        routeopt.generate(kind, **params)


def test_cli_fattree_k1000_is_one_line(monkeypatch):
    monkeypatch.setenv("ROUTEOPT_MAX_MEMORY", "8G")
    line = one_error("solve", "--generate", "fattree", "-p", "k=1000")
    assert "k=1000 fat-tree" in line and "ROUTEOPT_MAX_MEMORY" in line


def test_graph_construction_checks_memory(monkeypatch):
    monkeypatch.setenv("ROUTEOPT_MAX_MEMORY", "1M")
    with pytest.raises(InputError, match="10,000,000 nodes"):
        Graph.from_edges(10_000_000, [0], [1])


# ---------------------------------------------------------------- 5. disconnected topologies
def test_disconnected_topology_names_file_and_nodes(tmp_path):
    topo = tmp_path / "split.edges"
    topo.write_text("alpha beta 10\nbeta gamma 10\ndelta epsilon 5\n")
    line = one_error("network", "build", str(topo), "--traffic", "all-to-all", "--out", str(tmp_path / "n.json"))
    assert "split.edges" in line and "'alpha'" in line and "'delta'" in line
    assert not (tmp_path / "n.json").exists()


def test_one_way_topology_names_the_unreachable_direction(tmp_path):
    topo = tmp_path / "oneway.edges"
    topo.write_text("> a b\n> b c\n")
    from routeopt.instances.network.io import read_topology
    with pytest.raises(InputError, match=r"oneway.edges: .*'b' cannot reach node 'a'"):
        read_topology(topo)


def test_parallel_links_whose_capacities_add_up_to_infinity_are_refused(tmp_path):
    # found by the topology fuzzer: two 1e308 links between the same nodes add up to inf
    topo = tmp_path / "huge.edges"
    topo.write_text("a b 1\nb c 1e308\nb c 1e308\nc a 1\n")
    line = one_error("network", "build", str(topo), "--traffic", "all-to-all", "--out", str(tmp_path / "n.json"))
    assert "huge.edges" in line and "b->c has capacity inf" in line and "positive and finite" in line
    assert not (tmp_path / "n.json").exists()


# ---------------------------------------------------------------- 6. the network benchmark's table
def test_network_bench_writes_the_table(tmp_path):
    out = tmp_path / "network.txt"
    code, lines = cli("network", "bench", "--quick", "-s", "spray,ecmp", "-t", "10", "--out", str(out))
    assert code == 0, lines
    text = out.read_text()
    assert "max link congestion" in text and "fattree-k4" in text and "ecmp" in text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_network_benchmark_script_writes_only_when_asked():
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_network", Path(__file__).parents[2] / "benchmarks" / "network.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.arguments(["--quick"]) == ["bench", "--quick"]
    assert mod.arguments(["--out"]) == ["bench", "--out", str(mod.RESULTS)]
    assert mod.arguments(["--out", "x.txt", "--quick"]) == ["bench", "--out", "x.txt", "--quick"]
    assert mod.RESULTS.parts[-3:] == ("benchmarks", "results", "network.txt")


# ---------------------------------------------------------------- 7. devices
def test_unknown_device_is_one_line():
    line = one_error("solve", "--generate", "balance-zipf", "-s", "bip", "-O", "device=banana")
    assert "device" in line and "banana" in line and "cpu, cuda, cuda:N" in line


def test_cuda_without_cuda_is_one_line():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    line = one_error("solve", "--generate", "balance-zipf", "-s", "bip", "-O", "device=cuda")
    assert "cuda" in line and "no CUDA device" in line


def test_device_checked_when_the_solver_is_made():
    with pytest.raises(InputError, match="cuda:x"):
        routeopt.solve(routeopt.generate("balance-zipf", n=32), "balance-greedy", device="cuda:x")


# ---------------------------------------------------------------- 8. found while fuzzing the readers
def test_graph_without_arcs_scores_a_path_without_raising(tmp_path):
    g = read_edge_list(tmp_path / "loops.edges", "5 5\n7 7\n")
    from routeopt.instances.paths.problem import PathsProblem, PathsSolution
    ev = PathsProblem.pair(g, 0, 1).evaluate(PathsSolution([1.0], paths=[[0, 1]]))
    assert ev.violations


def test_json_graph_with_an_overflowing_index_names_the_file(tmp_path):
    from routeopt.instances.jsonio import read_problem
    d = routeopt.generate("road", n=12, seed=1, queries=1).to_dict()
    text = json_text(d).replace('"indices": [', '"indices": [1e3092, ', 1)
    with pytest.raises(InputError, match=r"bad\.json"):
        read_problem(tmp_path / "bad.json", text)


def test_balance_capacity_factor_near_float_max_is_refused(tmp_path):
    from routeopt.instances.jsonio import read_problem
    d = routeopt.generate("balance-zipf", n=6, m=4, k=2).to_dict()
    d["capacity_factor"] = 1e308
    with pytest.raises(InputError, match=r"bad\.json.*capacity_factor"):
        read_problem(tmp_path / "bad.json", json_text(d))


def test_balance_npz_with_text_where_numbers_belong_names_the_array(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, scores=np.ones((4, 2)), k=np.array("name"))
    from routeopt.instances.balance.io import read_npz
    with pytest.raises(InputError, match=r"bad\.npz \[k\]"):
        read_npz(path)
    np.savez(path, scores=np.ones((4, 2)), placement=np.array([0, 10**15]))
    with pytest.raises(InputError, match=r"bad\.npz \[placement\]"):
        read_npz(path)


def test_osm_node_with_infinite_latitude_names_the_file(tmp_path):
    osm = Path(__file__).resolve().parents[3] / "shared" / "instances" / "osm" / "munich-small.osm"
    if not osm.is_file():
        pytest.skip(f"{osm} not available")
    text = osm.read_text(encoding="utf-8")
    first = re.search(r'lat="[0-9.]+"', text).group(0)
    bad = tmp_path / "bad.osm"
    bad.write_text(text.replace(first, 'lat="inf"', 1), encoding="utf-8")
    try:
        g = read_graph(bad)
    except InputError as exc:
        assert "bad.osm" in str(exc)
    else:                                   # osmnx may drop the node with its way: then it must be gone
        assert np.isfinite(g.coordinates).all()


def json_text(d) -> str:
    import json
    return json.dumps(d)

"""Property-based fuzzing of the graph-family readers: DIMACS .gr/.co, edge lists, network
topologies (edge lists, GraphML), traffic CSV, GraphML graphs, the JSON of the paths, balance
and network families, balance .npz archives and OpenStreetMap XML.

Every mutated input either loads (and the instance scores a trivial answer without raising) or
raises an ``InputError`` of one line that names the file; any other exception is a bug.
Inputs are parsed from text where the reader allows, so thousands of examples run in seconds.
"""

from __future__ import annotations

import copy
import io
import json
import os
import math
import re
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import routeopt
from routeopt.errors import InputError
from routeopt.instances.balance.io import read_npz
from routeopt.instances.balance.problem import BalanceSolution
from routeopt.instances.jsonio import read_problem
from routeopt.instances.network.io import read_topology, read_traffic
from routeopt.instances.network.problem import NetworkSolution, leaf_spine
from routeopt.instances.paths.io import read_dimacs, read_edge_list, read_graphml, read_osm
from routeopt.instances.paths.problem import PathsProblem, PathsSolution

SHARED = Path(__file__).resolve().parents[3] / "shared" / "instances" / "osm"
MANY = settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SOME = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
GARBAGE = ["nan", "-1", "1e309", "", "abc", "99999999999999999999999999", "-0", "inf", "1e308", "0", "1.5",
           "#", ">", ",", "p", "a", "v", "1_0", "-9223372036854775809", "\x00", "é", "<", "&"]


# ---------------------------------------------------------------- mutations
@st.composite
def mutate(draw, base: str) -> str:
    lines = base.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "token", "token", "token", "truncate",
                                   "bytes", "insert"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if not lines:
            lines = [draw(st.text(max_size=20))]
            continue
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "token":
            tokens = re.split(r"(\s+|,|\"|'|<|>)", lines[i])
            k = draw(st.integers(0, max(0, len(tokens) - 1)))
            tokens[k] = draw(st.sampled_from(GARBAGE) | st.integers(-2**70, 2**70).map(str))
            lines[i] = "".join(tokens)
        elif op == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].splitlines()
        elif op == "bytes":
            raw = draw(st.binary(min_size=1, max_size=12)).decode("latin-1")
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + raw + lines[i][k:]
        else:
            lines.insert(i, draw(st.sampled_from(GARBAGE)) + " " + draw(st.sampled_from(GARBAGE)))
    return "\n".join(lines) + "\n"


def attempt(fn, name: str):
    """``fn()``'s result, or None after an InputError of one line that names ``name``."""
    try:
        return fn()
    except InputError as exc:
        text = str(exc)
        assert name in text and "\n" not in text, text
        return None


def score_graph(graph) -> None:
    if graph.num_nodes:
        p = PathsProblem.pair(graph, 0, graph.num_nodes - 1)
        p.evaluate(PathsSolution([math.inf]))
        p.evaluate(PathsSolution([0.0], paths=[[0, graph.num_nodes - 1]]))


# ---------------------------------------------------------------- starting points
def _road_graph():
    return routeopt.generate("road", n=25, seed=3, queries=0).graph


def _gr_text(graph) -> tuple[str, str]:
    tails = graph.tails() + 1
    arcs = "".join(f"a {a} {b} {w:g}\n" for a, b, w in zip(tails, graph.indices + 1, graph.weights))
    co = "".join(f"v {i + 1} {x:g} {y:g}\n" for i, (x, y) in enumerate(graph.coordinates))
    return (f"c fuzz\np sp {graph.num_nodes} {graph.num_arcs}\n{arcs}",
            f"p aux sp co {graph.num_nodes}\n{co}")


GRAPH = _road_graph()
GR, CO = _gr_text(GRAPH)
EDGES = "# Directed graph\n" + "".join(f"{a} {b} {w:g}\n" for a, b, w in
                                      zip(GRAPH.tails() + 100, GRAPH.indices + 100, GRAPH.weights))
NET = leaf_spine(3, 2, 2)
TOPOLOGY = "u v capacity\n" + "".join(f"{NET.nodes[a]} {NET.nodes[b]} {c:g}\n"
                                      for (a, b), c in zip(NET.links.tolist()[::2], NET.capacity[::2])) + "> h0 spine1 3\n"
TRAFFIC = "source,destination,size\n" + "".join(f"h{i},h{(i + 1) % 6},{i + 1}\n" for i in range(6))


def _graphml(weighted: bool = True) -> str:
    G = nx.DiGraph() if not weighted else nx.Graph()
    for i, (x, y) in enumerate(GRAPH.coordinates[:8]):
        G.add_node(str(i), x=float(x), y=float(y), type="host" if i < 4 else "switch")
    for a, b, w in zip(GRAPH.tails()[:20], GRAPH.indices[:20], GRAPH.weights[:20]):
        if a < 8 and b < 8:
            G.add_edge(str(a), str(b), weight=float(w), capacity=float(w))
    G.add_edge("0", "7", weight=2.0, capacity=1.0)
    G.add_edge("3", "5", weight=2.0, capacity=1.0)
    return "\n".join(nx.generate_graphml(G))


GRAPHML = _graphml()
GRAPHML_DIRECTED = _graphml(weighted=False)


# ---------------------------------------------------------------- DIMACS
@MANY
@given(mutate(GR))
def test_dimacs_gr(text):
    g = attempt(lambda: read_dimacs(Path("fuzz.gr"), text, CO), "fuzz")
    if g is not None:
        score_graph(g)


@MANY
@given(mutate(CO))
def test_dimacs_co(text):
    g = attempt(lambda: read_dimacs(Path("fuzz.gr"), GR, text), "fuzz.co")
    if g is not None:
        score_graph(g)


# ---------------------------------------------------------------- edge lists
@MANY
@given(mutate(EDGES))
def test_edge_list(text):
    g = attempt(lambda: read_edge_list(Path("fuzz.edges"), text), "fuzz.edges")
    if g is not None:
        score_graph(g)


# ---------------------------------------------------------------- network topologies and traffic
@MANY
@given(mutate(TOPOLOGY))
def test_topology_edge_list(text):
    net = attempt(lambda: read_topology(Path("fuzz.edges"), text), "fuzz.edges")
    if net is not None:
        net.evaluate(NetworkSolution([]))


@MANY
@given(mutate(TRAFFIC))
def test_traffic_csv(text):
    net = read_topology(Path("t.edges"), TOPOLOGY.replace("capacity", "c"))
    flows = attempt(lambda: read_traffic(Path("fuzz.csv"), net, text), "fuzz.csv")
    if flows is not None:
        loaded = attempt(lambda: net.with_flows(flows), "")
        loaded.evaluate(NetworkSolution([[] for _ in flows]))


@SOME
@given(mutate(GRAPHML))
def test_topology_graphml(text):
    net = attempt(lambda: read_topology(Path("fuzz.graphml"), text), "fuzz.graphml")
    if net is not None:
        net.evaluate(NetworkSolution([]))


# ---------------------------------------------------------------- GraphML graphs
@SOME
@given(st.sampled_from([GRAPHML, GRAPHML_DIRECTED]).flatmap(mutate))
def test_paths_graphml(text):
    g = attempt(lambda: read_graphml(Path("fuzz.graphml"), text), "fuzz.graphml")
    if g is not None:
        score_graph(g)


# ---------------------------------------------------------------- JSON of every family
LEAVES = st.sampled_from([math.nan, -1, math.inf, "", "abc", 10**30, -10**30, None, [], {}, True, 0, 1e308,
                          [[1, 2]], "nan", 2.5]).map(copy.deepcopy)


def _json_texts() -> dict[str, str]:
    paths = routeopt.generate("road", n=12, seed=1, queries=2)
    balance = routeopt.generate("balance-zipf", n=6, m=4, k=2, devices=2)
    network = routeopt.generate("leafspine", leaves=2, spines=2, hosts_per_leaf=2, traffic="ring")
    return {p.family: json.dumps(p.to_dict()) for p in (paths, balance, network)}


JSON_TEXTS = _json_texts()


@st.composite
def mutate_json(draw, text: str) -> str:
    if draw(st.integers(0, 9)) < 2:
        return draw(mutate(text))
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        # walk to a random container, then replace, delete or truncate one of its entries
        node, parent, key = data, None, None
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            k = draw(st.sampled_from(sorted(node)) if isinstance(node, dict) else st.integers(0, len(node) - 1))
            parent, key, node = node, k, node[k]
        if parent is None:
            if isinstance(data, dict) and data:
                k = draw(st.sampled_from(sorted(data)))
                if draw(st.booleans()):
                    del data[k]
                else:
                    data[k] = draw(LEAVES)
            continue
        op = draw(st.sampled_from(["replace", "replace", "delete", "truncate"]))
        if op == "replace":
            parent[key] = draw(LEAVES)
        elif op == "delete":
            del parent[key]
        elif isinstance(node, list):
            parent[key] = node[: draw(st.integers(0, len(node)))]
    return json.dumps(data)


@pytest.mark.parametrize("family", sorted(JSON_TEXTS))
@MANY
@given(data=st.data())
def test_family_json(family, data):
    text = data.draw(mutate_json(JSON_TEXTS[family]))
    p = attempt(lambda: read_problem(Path("fuzz.json"), text), "fuzz.json")
    if p is None:
        return
    if family == "paths":
        p.evaluate(PathsSolution(np.full(p.num_pairs, math.inf)))
    elif family == "balance":
        p.evaluate(BalanceSolution(np.tile(np.arange(p.k), (p.num_tokens, 1))))
    else:
        p.evaluate(NetworkSolution([[] for _ in range(len(p.flows))]))


# ---------------------------------------------------------------- balance archives
ARRAYS = st.sampled_from([np.array([[np.nan, 1.0]]), np.zeros((0, 3)), np.ones(5), np.ones((2, 2, 2)),
                          np.array(["a", "b"]), np.array(True), np.array(3), np.array(-1), np.array(0.5),
                          np.array(np.inf), np.array([1, 2, 3]), np.array([[1, 2], [3, 4]], dtype=np.int8),
                          np.array("name"), np.array([[1e308, -1e308]]), np.array(2**62), np.zeros((3, 0)),
                          np.array([1.5, 2.5, 0.0, 1.0]), np.array([0, 0, 0, 9]), np.ones((1, 1), dtype=complex)])


@st.composite
def npz_bytes(draw) -> bytes:
    p = routeopt.generate("balance-hot", n=8, m=4, k=2, devices=2)
    arrays = {"scores": p.scores, "k": np.int64(p.k), "capacity_factor": np.float64(p.capacity_factor),
              "placement": p.placement, "name": np.str_("x")}
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(["scores", "k", "capacity_factor", "placement", "name", "source", "extra"]))
        if draw(st.integers(0, 3)) == 0:
            arrays.pop(key, None)
        else:
            arrays[key] = draw(ARRAYS)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    raw = buffer.getvalue()
    if draw(st.integers(0, 4)) == 0:
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=8)) + raw[cut + 1:]
    return raw


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(npz_bytes())
def test_balance_npz(tmp_path_factory, raw):
    path = tmp_path_factory.getbasetemp() / "fuzz.npz"
    path.write_bytes(raw)
    p = attempt(lambda: read_npz(path), "fuzz.npz")
    if p is not None:
        p.evaluate(BalanceSolution(np.tile(np.arange(p.k), (p.num_tokens, 1))))


# ---------------------------------------------------------------- OpenStreetMap XML
OSM = SHARED / "munich-small.osm"


@pytest.mark.skipif(not OSM.is_file(), reason="../shared/instances/osm is absent")
@settings(max_examples=int(os.environ.get("ROUTEOPT_FUZZ_OSM", 100)), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_osm_xml(tmp_path_factory, data):
    text = data.draw(mutate(OSM.read_text(encoding="utf-8")))
    path = tmp_path_factory.getbasetemp() / "fuzz.osm"
    path.write_text(text, encoding="utf-8", errors="replace")
    g = attempt(lambda: read_osm(path), "fuzz.osm")
    if g is not None:
        score_graph(g)


@pytest.mark.parametrize("name", ["Helsinki.osm.pbf", "West-Oakland.osm.bz2", "munich-small.osm"])
def test_shared_osm_files_load_or_refuse(name):
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    g = attempt(lambda: routeopt.load(path), name)
    if g is not None and hasattr(g, "graph"):
        score_graph(g.graph)

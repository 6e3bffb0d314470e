"""Wide-area networks: Topology Zoo GraphML and SNDlib files, topohub's real topologies, gravity
traffic, and every WAN routing method re-scored by the problem and measured against the arc LP.

The GraphML fixture is Abilene (Internet2's backbone, 11 PoPs, 14 OC-192 links) as the
Internet Topology Zoo publishes it (Knight et al., IEEE JSAC 2011; data CC BY-SA 3.0): the Zoo's
key names, its coordinates, one parallel link (the Zoo's graphs are multigraphs) and one link
without a speed, as many Zoo links are.
"""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

import routeopt
from routeopt.errors import InputError
from routeopt.instances.network.io import read_topology, read_traffic
from routeopt.instances.network.problem import NetworkProblem
from routeopt.instances.network.topology import DEFAULT_CAPACITY, from_topohub, haversine, read_sndlib
from routeopt.instances.network.wan import PathIndex, gravity

ABILENE = [("New York", 40.71, -74.01), ("Chicago", 41.85, -87.65), ("Washington DC", 38.9, -77.04),
           ("Seattle", 47.61, -122.33), ("Sunnyvale", 37.37, -122.04), ("Los Angeles", 34.05, -118.24),
           ("Denver", 39.74, -104.98), ("Kansas City", 39.11, -94.63), ("Houston", 29.76, -95.36),
           ("Atlanta", 33.75, -84.39), ("Indianapolis", 39.77, -86.16)]
ABILENE_LINKS = [(0, 1), (0, 2), (1, 10), (2, 9), (3, 4), (3, 6), (4, 5), (4, 6), (5, 8), (6, 7), (7, 8),
                 (7, 10), (8, 9), (9, 10)]
WAN_METHODS = [("mcf-lp", {}), ("ksp-lp", {}), ("spray", {}), ("shortest-path", {}), ("ecmp", {}),
               ("network-greedy", {}), ("split", {}), ("network-milp", {"paths": 3})]


def zoo_graphml(links=ABILENE_LINKS, *, parallel=(0, 1), unlabelled=(4, 5), bad_speed=None) -> str:
    """Abilene in the Topology Zoo's GraphML layout."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
           '  <key attr.name="Network" attr.type="string" for="graph" id="d0" />',
           '  <key attr.name="Longitude" attr.type="double" for="node" id="d29" />',
           '  <key attr.name="Internal" attr.type="int" for="node" id="d30" />',
           '  <key attr.name="Latitude" attr.type="double" for="node" id="d31" />',
           '  <key attr.name="label" attr.type="string" for="node" id="d33" />',
           '  <key attr.name="LinkSpeed" attr.type="string" for="edge" id="d35" />',
           '  <key attr.name="LinkLabel" attr.type="string" for="edge" id="d36" />',
           '  <key attr.name="LinkSpeedUnits" attr.type="string" for="edge" id="d38" />',
           '  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="d39" />',
           '  <graph edgedefault="undirected">',
           '    <data key="d0">Abilene</data>']
    for i, (name, lat, lon) in enumerate(ABILENE):
        out += [f'    <node id="{i}">', f'      <data key="d29">{lon}</data>', '      <data key="d30">1</data>',
                f'      <data key="d31">{lat}</data>', f'      <data key="d33">{name}</data>', '    </node>']
    for u, v in list(links) + ([parallel] if parallel else []):
        out.append(f'    <edge source="{u}" target="{v}">')
        if (u, v) != unlabelled:
            raw = bad_speed if (u, v) == (0, 2) and bad_speed else "9920000000.0"
            out += ['      <data key="d35">9.92</data>', '      <data key="d36">OC-192</data>',
                    '      <data key="d38">G</data>', f'      <data key="d39">{raw}</data>']
        out.append('    </edge>')
    out += ['  </graph>', '</graphml>']
    return "\n".join(out) + "\n"


SNDLIB = """?SNDlib native format; type: network; version: 1.0
# network tiny

NODES (
  A ( 13.40 52.52 )
  B ( 11.58 48.14 )
  C ( 8.68 50.11 )
)

LINKS (
  A_B ( A B ) 40.00 0.00 0.00 0.00 ( )
  B_C ( B C ) 0.00 0.00 0.00 0.00 ( 10.00 1.0 40.00 3.0 )
  A_C ( A C ) 0.00 0.00 0.00 0.00 ( )
)

DEMANDS (
  A_B ( A B ) 1 30.00 UNLIMITED
  C_A ( C A ) 1 12.00 UNLIMITED
  B_C ( B C ) 1 0.00 UNLIMITED
)
"""


@pytest.fixture
def abilene(tmp_path):
    path = tmp_path / "Abilene.graphml"
    path.write_text(zoo_graphml())
    return path


# ---------------------------------------------------------------------------- reading
def test_topology_zoo_graphml_weights_capacities_and_load(abilene):
    net = read_topology(abilene)
    assert net.topology == "wan" and len(net.nodes) == 11 and len(net.links) == 28
    ny, chi = net.nodes.index("New York"), net.nodes.index("Chicago")
    sv, la = net.nodes.index("Sunnyvale"), net.nodes.index("Los Angeles")
    k = net._link[(ny, chi)]
    assert net.capacity[k] == pytest.approx(2 * 9.92)                 # two parallel OC-192s
    assert net.capacity[net._link[(sv, la)]] == DEFAULT_CAPACITY       # no speed in the file
    assert net.weight[k] == pytest.approx(haversine(-74.01, 40.71, -87.65, 41.85))
    assert 1100 < net.weight[k] < 1200                                 # New York - Chicago, km
    p = routeopt.load(abilene)                                         # the dispatch: a WAN, not a path graph
    assert isinstance(p, NetworkProblem) and p.size == 110 and p.variant == "NETWORK-WAN"
    assert p.demand.sum() == pytest.approx(11.0)
    q = routeopt.load(routeopt.save(p, abilene.with_suffix(".json")))
    assert q.fingerprint() == p.fingerprint() and np.allclose(q.weight, p.weight)


def test_missing_coordinates_take_the_median_or_hop_count(tmp_path):
    text = zoo_graphml().replace('      <data key="d29">-74.01</data>\n', "")
    path = tmp_path / "nocoord.graphml"
    path.write_text(text)
    net = read_topology(path)
    ny, chi = net.nodes.index("New York"), net.nodes.index("Chicago")
    km = [haversine(ABILENE[u][2], ABILENE[u][1], ABILENE[v][2], ABILENE[v][1])
          for u, v in ABILENE_LINKS if 0 not in (u, v)]
    assert net.weight[net._link[(ny, chi)]] == pytest.approx(np.median(km))
    bare = zoo_graphml()
    for key in ("d29", "d31"):
        bare = "\n".join(line for line in bare.splitlines() if f'key="{key}">' not in line)
    path.write_text(bare.replace('attr.name="Latitude"', 'attr.name="Lat"') + "\n")
    assert np.all(read_topology(path).weight == 1.0)                  # hop count


def test_sndlib_native_demands_and_capacities(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(SNDLIB)
    net, demands = read_sndlib(path)
    a, b, c = (net.nodes.index(x) for x in "ABC")
    assert net.capacity[net._link[(a, b)]] == 40.0                    # pre-installed
    assert net.capacity[net._link[(b, c)]] == 40.0                    # the largest module
    assert net.capacity[net._link[(a, c)]] == 40.0                    # none: the largest in the file
    assert sorted(demands) == [(a, b, 30.0), (c, a, 12.0)]            # the zero demand is no flow
    p = routeopt.load(path)
    assert p.size == 2 and p.topology == "wan"
    r = routeopt.solve(p, solver="mcf-lp")
    assert r.status == routeopt.Status.OPTIMAL and r.objective == pytest.approx(30 / 80)


@pytest.mark.parametrize("make, match", [
    (lambda: zoo_graphml().replace("</graph>", "</grap>"), r"bad.graphml:\d+: not well-formed GraphML"),
    (lambda: zoo_graphml(bad_speed="fast"), r"bad.graphml:\d+: LinkSpeedRaw must be a number, got 'fast'"),
    (lambda: zoo_graphml(links=ABILENE_LINKS + [(3, 42)]), r"bad.graphml:\d+: edge 3-42: unknown node '42'"),
    (lambda: zoo_graphml(bad_speed="-1"), r"bad.graphml:\d+: edge 0-2: link speed must be positive"),
])
def test_bad_zoo_files_give_one_line_errors_with_the_line(tmp_path, make, match):
    path = tmp_path / "bad.graphml"
    text = make()
    path.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        routeopt.load(path)
    assert "\n" not in str(exc.value)
    line = exc.value.line
    if "unknown node" in match:
        assert 'target="42"' in text.splitlines()[line - 1]


def test_bad_sndlib_and_traffic_files_name_the_line(tmp_path, abilene):
    path = tmp_path / "bad.txt"
    path.write_text(SNDLIB.replace("A_C ( A C )", "A_C ( A Z )"))
    with pytest.raises(InputError, match=r"bad.txt:13: unknown node 'Z'"):
        routeopt.load(path)
    path.write_text(SNDLIB.replace("1 12.00", "1 lots"))
    with pytest.raises(InputError, match=r"bad.txt:18: demand value must be a number"):
        routeopt.load(path)
    net = read_topology(abilene)
    tm = tmp_path / "tm.csv"
    tm.write_text("source,target,demand\nNew York,Chicago,2.5\nDenver,Gotham,1\n")
    with pytest.raises(InputError, match=r"tm.csv:3: unknown host 'Gotham'") as exc:
        read_traffic(tm, net)
    assert "\n" not in str(exc.value)
    tm.write_text("source,target,demand\nNew York,Chicago,2.5\nDenver,Houston,1\n")
    assert len(net.with_flows(read_traffic(tm, net)).flows) == 2


def test_topohub_ships_real_topology_zoo_and_sndlib_graphs():
    geant = from_topohub("Geant2012")
    assert geant.topology == "wan" and len(geant.nodes) >= 30 and geant.source == "topohub:topozoo/Geant2012"
    assert np.all(geant.weight >= 1.0) and geant.weight.max() > 1000          # km across Europe
    p = routeopt.generate("wan", seed=0, topology="sndlib/polska", traffic="given")
    assert p.size > 50 and p.name.startswith("polska-given")
    with pytest.raises(InputError, match="topohub has no topology 'topozoo/Atlantis'"):
        routeopt.generate("wan", topology="Atlantis")
    with pytest.raises(InputError, match="no demands of its own"):
        routeopt.generate("wan", topology="Abilene", traffic="given")


def test_gravity_traffic_is_seeded_and_follows_the_model():
    net = from_topohub("Abilene")
    a, b = gravity(net, seed=3), gravity(net, seed=3)
    assert a == b and a != gravity(net, seed=4)
    assert len(a) == 110 and sum(z for *_, z in a) == pytest.approx(11.0)
    d = {(s, t): z for s, t, z in a}
    # gravity: d(i,j) d(k,l) = d(i,l) d(k,j)
    assert d[(0, 1)] * d[(2, 3)] == pytest.approx(d[(0, 3)] * d[(2, 1)])
    uniform = gravity(net, node_weights="uniform", total=110.0)
    assert {round(z, 9) for *_, z in uniform} == {1.0}
    sub = gravity(net, seed=1, hosts=5)
    assert len({s for s, *_ in sub}) == 5 and len(sub) == 20
    p, q = routeopt.generate("wan", n=6, seed=2), routeopt.generate("wan", n=6, seed=2)
    assert p.fingerprint() == q.fingerprint() and p.size == 30


# ---------------------------------------------------------------------------- routing
@pytest.mark.parametrize("topology", ["Abilene", "sndlib/polska", "Sunet"])
def test_every_wan_method_is_rescored_and_no_better_than_the_arc_lp(topology):
    p = routeopt.generate("wan", seed=1, topology=topology, n=8)
    lp = routeopt.solve(p, solver="mcf-lp", time_limit=20)
    assert lp.status == routeopt.Status.OPTIMAL and lp.bound == pytest.approx(lp.objective, rel=1e-6)
    for name, options in WAN_METHODS:
        r = routeopt.solve(p, solver=name, time_limit=4 if name == "network-milp" else 20, seed=1, **options)
        assert r.status in (routeopt.Status.OPTIMAL, routeopt.Status.FEASIBLE), (name, r.violations)
        assert p.evaluate(r.solution).objective == pytest.approx(r.objective)       # solve() re-scored it
        assert r.objective >= lp.bound - 1e-7, name
        if name != "mcf-lp":
            assert r.bound is None, name              # on a WAN only the arc LP proves anything


@pytest.mark.parametrize("topology", ["Abilene", "sndlib/polska"])
def test_k_shortest_paths_lp_with_large_k_equals_the_arc_lp(topology):
    p = routeopt.generate("wan", seed=0, topology=topology)
    mcf = routeopt.solve(p, solver="mcf-lp", time_limit=20)
    small = routeopt.solve(p, solver="ksp-lp", paths=1, time_limit=20)
    large = routeopt.solve(p, solver="ksp-lp", paths=40, time_limit=30)
    assert large.objective == pytest.approx(mcf.objective, rel=1e-6)
    assert small.objective >= large.objective - 1e-9
    sp = routeopt.solve(p, solver="shortest-path")
    assert small.objective == pytest.approx(sp.objective)           # one path: the shortest


def test_shortest_path_and_ecmp_follow_least_weight_paths():
    p = routeopt.generate("wan", seed=0, topology="Geant2012")
    g = nx.DiGraph()
    for (u, v), w in zip(p.links.tolist(), p.weight.tolist()):
        g.add_edge(u, v, weight=w)
    index = PathIndex(p)
    for name in ("shortest-path", "ecmp"):
        r = routeopt.solve(p, solver=name)
        for (s, t), route in zip(p.flows.tolist(), r.solution.flows):
            assert len(route) == 1
            assert index.length(route[0][0]) == pytest.approx(nx.dijkstra_path_length(g, s, t), rel=1e-9)


def test_ecmp_hashes_over_exact_ties_only():
    # a square of equal sides with a longer diagonal: two equal-cost paths a -> c, the diagonal unused
    square = NetworkProblem(["a", "b", "c", "d"], [0, 1, 2, 3],
                            [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2), (3, 0), (0, 3), (0, 2), (2, 0)],
                            np.ones(10), [(0, 2)], [1.0], topology="wan",
                            weight=[1, 1, 1, 1, 1, 1, 1, 1, 2.5, 2.5])
    assert PathIndex(square).equal_cost_paths(0, 2) == [[0, 1, 2], [0, 3, 2]]
    seen = {tuple(routeopt.solve(square, solver="ecmp", seed=s).solution.flows[0][0][0]) for s in range(12)}
    assert seen == {(0, 1, 2), (0, 3, 2)}
    square.weight[8:] = 1.5                       # the diagonal now the shortest: one path, no hashing
    square = NetworkProblem.from_dict(square.to_dict())
    assert {tuple(routeopt.solve(square, solver="ecmp", seed=s).solution.flows[0][0][0])
            for s in range(6)} == {(0, 2)}


def test_k_shortest_paths_match_networkx():
    from itertools import islice

    p = routeopt.generate("wan", seed=0, topology="Sunet")
    index = PathIndex(p)
    g = nx.DiGraph()
    for (u, v), w in zip(p.links.tolist(), p.weight.tolist()):
        g.add_edge(u, v, weight=w)
    for s, t in [(0, 5), (3, 17), (10, 2)]:
        mine = index.k_shortest_paths(s, t, 10)
        ref = list(islice(nx.shortest_simple_paths(g, s, t, weight="weight"), 10))
        assert [index.length(x) for x in mine] == pytest.approx([index.length(x) for x in ref])
        assert all(len(set(x)) == len(x) for x in mine)


# ---------------------------------------------------------------------------- command line
def test_cli_solves_a_zoo_file_and_a_generated_wan(abilene):
    from routeopt.cli.app import app

    runner = CliRunner()
    res = runner.invoke(app, ["solve", str(abilene), "-s", "ksp-lp", "-O", "paths=4", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] == "FEASIBLE" and math.isfinite(data["objective"])
    res = runner.invoke(app, ["solve", "--generate", "wan", "-p", "topology=Geant2012", "-p", "n=10",
                              "-s", "mcf-lp", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["status"] == "OPTIMAL"
    bad = abilene.with_name("bad.graphml")
    bad.write_text(zoo_graphml(bad_speed="fast"))
    res = runner.invoke(app, ["solve", str(bad)])
    assert res.exit_code == 2 and "bad.graphml:" in res.output and "LinkSpeedRaw" in res.output


def test_arc_lp_equals_spraying_on_a_fabric():
    # on a fabric the equal-cost paths attain the bound over all paths: the two LPs agree
    p = routeopt.generate("leafspine", seed=2, leaves=4, spines=3, hosts_per_leaf=2, traffic="permutation")
    spray, mcf = routeopt.solve(p, solver="spray"), routeopt.solve(p, solver="mcf-lp")
    assert mcf.status == routeopt.Status.OPTIMAL and not mcf.violations
    assert mcf.objective == pytest.approx(spray.objective, rel=1e-6)

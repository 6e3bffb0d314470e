"""OpenStreetMap street maps: the pyosmium reader against osmnx on the same ways, simplification
that loses no street, travel profiles on a hand-written map, the writer's round trip and the
generated city."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import routeopt
from routeopt.errors import InputError
from routeopt.instances.io import load, save
from routeopt.instances.paths.graph import Graph
from routeopt.instances.paths.osm import haversine, read_osm
from routeopt.instances.paths.osm_write import write_osm
from routeopt.instances.paths.profiles import CAR, parse_maxspeed

from tests.conftest import shared

osmium = pytest.importorskip("osmium")


def arcs_by_id(g: Graph) -> dict[tuple[int, int], int]:
    """Arc position by (tail OSM id, head OSM id)."""
    tails, heads = g.node_ids[g.tails()].tolist(), g.node_ids[g.indices].tolist()
    return {(a, b): i for i, (a, b) in enumerate(zip(tails, heads))}


def same_graph(g: Graph, h: Graph) -> None:
    for key in ("indptr", "indices", "node_ids", "coordinates", "geometry_ptr", "geometry_points"):
        a, b = getattr(g, key), getattr(h, key)
        assert (a is None) == (b is None), key
        assert a is None or np.array_equal(a, b), key
    np.testing.assert_allclose(h.weights, g.weights, rtol=1e-12)
    np.testing.assert_allclose(h.durations, g.durations, rtol=1e-12)


# --------------------------------------------------------------------------- against osmnx
def car_ways_as_xml(pbf: Path, out: Path) -> None:
    """The ways the car profile keeps, cut where the extract lacks a node (as the reader cuts them),
    with their nodes, as OSM XML; a one-way that the profile infers (roundabout, motorway) is said
    in a oneway tag, since osmnx reads only oneway and junction=roundabout."""
    ways, located = [], {}
    for way in osmium.FileProcessor(str(pbf)).with_locations().with_filter(
            osmium.filter.EntityFilter(osmium.osm.WAY)).with_filter(osmium.filter.KeyFilter("highway")):
        rule = CAR.rule(way.tags)
        if rule is None:
            continue
        tags = {t.k: t.v for t in way.tags}
        if "oneway" not in tags and rule[0] != rule[1]:
            tags["oneway"] = "yes" if rule[0] else "-1"
        pieces, run = [], []
        for nd in way.nodes:
            if not nd.location.valid():
                pieces.append(run)
                run = []
            elif not run or run[-1] != nd.ref:         # a node repeated back to back is one point
                run.append(nd.ref)
                located[nd.ref] = (nd.location.lon, nd.location.lat)
        pieces.append(run)
        for k, piece in enumerate(p for p in pieces if len(p) > 1):
            ways.append((way.id * 100 + k, piece, tags))
    used = sorted({ref for _, nodes, _ in ways for ref in nodes})
    with osmium.SimpleWriter(str(out)) as writer:
        for ref in used:
            writer.add_node(osmium.osm.mutable.Node(id=ref, location=located[ref]))
        for wid, nodes, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=nodes, tags=tags))


def test_pbf_reader_gives_the_graph_osmnx_reads_from_the_same_ways(tmp_path):
    ox = pytest.importorskip("osmnx")
    pbf = shared("osm", "Helsinki.osm.pbf")
    xml = tmp_path / "helsinki-car.osm"
    car_ways_as_xml(pbf, xml)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = ox.graph_from_xml(xml, simplify=False, retain_all=True, bidirectional=False)
    g = read_osm(pbf, simplify=False)
    assert set(G.nodes) == set(g.node_ids.tolist())
    ours = arcs_by_id(g)
    theirs: dict[tuple[int, int], float] = {}
    for u, v, length in G.edges(data="length"):
        if u != v:
            theirs[(u, v)] = min(length, theirs.get((u, v), np.inf))
    assert set(theirs) == set(ours)
    keys = list(theirs)
    np.testing.assert_allclose(g.weights[[ours[k] for k in keys]], [theirs[k] for k in keys], rtol=1e-6)
    assert g.num_nodes > 1000 and g.geographic and g.metric == "length"


# --------------------------------------------------------------------------- simplification
@pytest.mark.parametrize("profile", ["car", "walk"])
def test_simplified_graph_keeps_every_street(profile):
    from scipy.sparse.csgraph import dijkstra
    pbf = shared("osm", "Helsinki.osm.pbf")
    full, simple = read_osm(pbf, profile=profile, simplify=False), read_osm(pbf, profile=profile)
    assert simple.num_nodes < full.num_nodes and simple.geometry_ptr is not None
    assert set(simple.node_ids.tolist()) <= set(full.node_ids.tolist())
    assert simple.weights.sum() == pytest.approx(full.weights.sum(), rel=1e-12)
    assert simple.durations.sum() == pytest.approx(full.durations.sum(), rel=1e-12)
    # the same shortest distances between the intersections
    where = np.searchsorted(full.node_ids, simple.node_ids)
    sample = np.random.default_rng(0).choice(simple.num_nodes, 25, replace=False)
    d_simple = dijkstra(simple.to_scipy(), indices=sample)
    d_full = dijkstra(full.to_scipy(), indices=where[sample])[:, where]
    np.testing.assert_allclose(d_simple, d_full, rtol=1e-9)
    # every arc's line runs from its tail to its head through OSM nodes, as long as the arc
    known = {tuple(c) for c in full.coordinates.tolist()}
    tails = simple.tails()
    for a in range(simple.num_arcs):
        line = simple.arc_geometry(a)
        assert np.array_equal(line[0], simple.coordinates[tails[a]])
        assert np.array_equal(line[-1], simple.coordinates[simple.indices[a]])
        assert all(tuple(p) in known for p in line.tolist())
        length = haversine(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1]).sum()
        assert length == pytest.approx(simple.weights[a], rel=1e-9)


def test_geometry_follows_reverse_subgraph_and_dict():
    g = read_osm(shared("osm", "Helsinki.osm.pbf"))
    r = g.reverse()
    back = g.arc_ids(r.indices, r.tails())            # arc a of r is arc back[a] of g, turned round
    for a in range(0, r.num_arcs, 7):
        assert np.array_equal(r.arc_geometry(a), g.arc_geometry(back[a])[::-1])
    nodes = g.largest_component_nodes()[::2]
    sub = g.subgraph(nodes)
    for a in range(sub.num_arcs):
        t, h = nodes[sub.tails()[a]], nodes[sub.indices[a]]
        assert np.array_equal(sub.arc_geometry(a), g.arc_geometry(g.arc_ids([t], [h])[0]))
    same_graph(g, Graph.from_dict(g.to_dict()))
    path = [0]
    while len(path) < 5 and g.degrees[path[-1]]:
        path.append(int(g.indices[g.indptr[path[-1]]]))
    line = g.path_geometry(path)
    assert len(line) >= len(path)


def test_from_edges_keeps_one_whole_parallel_arc_with_geometry():
    coords = np.zeros((2, 2))
    g = Graph.from_edges(2, [0, 0], [1, 1], [5.0, 3.0], directed=False, durations=[1.0, 9.0],
                         coordinates=coords, geometry=([0, 1, 3], [[7, 7], [1, 1], [2, 2]]))
    assert g.weights.tolist() == [3.0, 3.0] and g.durations.tolist() == [9.0, 9.0]
    assert g.arc_geometry(0)[1:-1].tolist() == [[1, 1], [2, 2]]
    assert g.arc_geometry(1)[1:-1].tolist() == [[2, 2], [1, 1]]
    # without geometry each metric keeps its best parallel arc, as before
    plain = Graph.from_edges(2, [0, 0], [1, 1], [5.0, 3.0], durations=[1.0, 9.0])
    assert plain.weights.tolist() == [3.0] and plain.durations.tolist() == [1.0]


# --------------------------------------------------------------------------- profiles
# (tags, {profile: (forward, backward, km/h) or None})
WAYS = [
    ({"highway": "residential", "oneway": "yes", "maxspeed": "50"},
     {"car": (1, 0, 50), "bike": (1, 0, 15), "walk": (1, 1, 5)}),
    ({"highway": "residential", "oneway": "-1", "maxspeed": "20 mph"},
     {"car": (0, 1, 32.18688), "bike": (0, 1, 15), "walk": (1, 1, 5)}),
    ({"highway": "footway"}, {"car": None, "bike": None, "walk": (1, 1, 5)}),
    ({"highway": "footway", "bicycle": "designated"}, {"car": None, "bike": (1, 1, 10), "walk": (1, 1, 5)}),
    ({"highway": "residential", "access": "private"}, {"car": None, "bike": None, "walk": None}),
    ({"highway": "residential", "access": "private", "foot": "yes"}, {"car": None, "bike": None, "walk": (1, 1, 5)}),
    ({"highway": "residential", "access": "no", "motor_vehicle": "destination"},
     {"car": (1, 1, 30), "bike": None, "walk": None}),
    ({"highway": "residential", "motor_vehicle": "no"}, {"car": None, "bike": (1, 1, 15), "walk": (1, 1, 5)}),
    ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no", "maxspeed": "30;50"},
     {"car": (1, 0, 30), "bike": (1, 1, 15), "walk": (1, 1, 5)}),
    ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"},
     {"car": (1, 0, 30), "bike": (1, 1, 15), "walk": (1, 1, 5)}),
    ({"highway": "primary", "junction": "roundabout", "maxspeed": "DE:urban"},
     {"car": (1, 0, 60), "bike": (1, 0, 18), "walk": (1, 1, 5)}),
    ({"highway": "motorway", "maxspeed": "none"}, {"car": (1, 0, 100), "bike": None, "walk": None}),
    ({"highway": "trunk", "maxspeed": "200"}, {"car": (1, 1, 130), "bike": None, "walk": None}),
    ({"highway": "secondary", "maxspeed": "walk"}, {"car": (1, 1, 5), "bike": (1, 1, 18), "walk": (1, 1, 5)}),
    ({"highway": "service", "service": "parking_aisle"}, {"car": None, "bike": (1, 1, 12), "walk": (1, 1, 5)}),
    ({"highway": "residential", "oneway": "reversible"}, {"car": None, "bike": None, "walk": (1, 1, 5)}),
    ({"highway": "pedestrian", "area": "yes"}, {"car": None, "bike": None, "walk": None}),
    ({"highway": "construction", "construction": "residential"}, {"car": None, "bike": None, "walk": None}),
    ({"highway": "pedestrian", "oneway:foot": "yes"}, {"car": None, "bike": None, "walk": (1, 0, 5)}),
    ({"highway": "primary", "bicycle": "use_sidepath"}, {"car": (1, 1, 60), "bike": None, "walk": (1, 1, 5)}),
    ({"name": "not a street"}, {"car": None, "bike": None, "walk": None}),
]


def tiny_map(tmp_path: Path) -> Path:
    """One two-node way per row of WAYS: way k runs from node 10k+1 to node 10k+2."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for k in range(len(WAYS)):
        lon = 24.9 + 0.001 * k
        lines.append(f'<node id="{10 * k + 1}" version="1" lat="60.1700000" lon="{lon:.7f}"/>')
        lines.append(f'<node id="{10 * k + 2}" version="1" lat="60.1710000" lon="{lon:.7f}"/>')
    for k, (tags, _) in enumerate(WAYS):
        lines.append(f'<way id="{k + 1}" version="1"><nd ref="{10 * k + 1}"/><nd ref="{10 * k + 2}"/>')
        lines.extend(f'<tag k="{key}" v="{value}"/>' for key, value in tags.items())
        lines.append("</way>")
    lines.append("</osm>")
    path = tmp_path / "tiny.osm"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("profile", ["car", "bike", "walk"])
def test_profiles_on_a_hand_written_map(tmp_path, profile):
    expected = {}
    for k, (_, rules) in enumerate(WAYS):
        rule = rules[profile]
        if rule is not None:
            a, b = 10 * k + 1, 10 * k + 2
            if rule[0]:
                expected[(a, b)] = rule[2]
            if rule[1]:
                expected[(b, a)] = rule[2]
    for simplify in (False, True):
        g = read_osm(tiny_map(tmp_path), profile=profile, simplify=simplify)
        arcs = arcs_by_id(g)
        assert set(arcs) == set(expected), profile
        speeds = 3.6 * g.weights / g.durations
        for key, kmh in expected.items():
            assert speeds[arcs[key]] == pytest.approx(kmh, rel=1e-12), (profile, key)
        assert g.weights == pytest.approx(111.19508, rel=1e-5)          # 0.001 degree of latitude


def test_maxspeed_parsing():
    assert parse_maxspeed("50") == 50 and parse_maxspeed("50 km/h") == 50
    assert parse_maxspeed("60 mph") == pytest.approx(96.56064)
    assert parse_maxspeed("30;50") == 30 and parse_maxspeed("walk") == 5
    for word in ("none", "signals", "DE:urban", "RU:rural", "", None, "0", "fast"):
        assert parse_maxspeed(word) is None


@pytest.mark.parametrize("name", ["munich-small.osm", "West-Oakland.osm.bz2"])
@pytest.mark.parametrize("profile", ["car", "bike", "walk"])
def test_small_xml_extracts_read(name, profile):
    g = read_osm(shared("osm", name), profile=profile)
    assert g.num_arcs > 5 and g.geographic and (g.weights > 0).all() and (g.durations > 0).all()
    full = read_osm(shared("osm", name), profile=profile, simplify=False)
    assert g.weights.sum() == pytest.approx(full.weights.sum(), rel=1e-12)


def test_load_and_read_graph_take_osm_pbf():
    p = load(shared("osm", "Helsinki.osm.pbf"))
    assert p.family == "paths" and p.name == "Helsinki" and p.graph.geometry_ptr is not None
    from routeopt.instances.paths.io import graph_format, read_graph
    assert graph_format(Path("a.osm.pbf")) == graph_format(Path("a.pbf")) == ".osm"
    walk = read_graph(shared("osm", "Helsinki.osm.pbf"), profile="walk", simplify=False)
    assert walk.num_nodes > p.graph.num_nodes


# --------------------------------------------------------------------------- writer and city
@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm"])
@pytest.mark.parametrize("profile", ["car", "walk"])
def test_write_osm_reads_back_the_same_graph(tmp_path, suffix, profile):
    g = read_osm(shared("osm", "Helsinki.osm.pbf"), profile=profile)
    path = write_osm(g, tmp_path / f"h{suffix}")
    same_graph(g, read_osm(path))
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_write_osm_refuses_what_it_cannot_write(tmp_path):
    planar = routeopt.generate("road", n=16, seed=0).graph
    with pytest.raises(InputError, match="no geographic coordinates"):
        write_osm(planar, tmp_path / "r.osm.pbf")
    assert list(tmp_path.iterdir()) == []
    p = routeopt.generate("city", n=16, seed=0)
    with pytest.raises(InputError, match="must end in"):
        write_osm(p.graph, tmp_path / "c.txt")
    source = tmp_path / "in.osm"
    write_osm(p.graph, source)
    before = source.read_bytes()
    with pytest.raises(InputError, match="overwrite the input"):
        save(load(source), source)
    assert source.read_bytes() == before


def test_city_is_reproducible_plausible_and_saves_as_osm(tmp_path):
    p = routeopt.generate("city", n=400, seed=1)
    assert p.fingerprint() == routeopt.generate("city", n=400, seed=1).fingerprint()
    assert p.fingerprint() != routeopt.generate("city", n=400, seed=2).fingerprint()
    g = p.graph
    assert g.geographic and 300 <= g.num_nodes <= 500 and g.geometry_points.shape[0] > 0
    assert len(set(g.components().tolist())) == 1                    # every crossing reaches every other
    speeds = np.round(3.6 * g.weights / g.durations)
    assert set(speeds.tolist()) == {30.0, 40.0, 50.0}
    assert (g.arc_ids(g.indices, g.tails()) < 0).any()               # some one-way streets
    assert (g.degrees == 1).any()                                     # dead ends
    lon, lat = g.coordinates.mean(axis=0)
    assert abs(lon - 24.94) < 0.01 and abs(lat - 60.17) < 0.01
    path = save(p, tmp_path / "city.osm.pbf")
    back = load(path)
    same_graph(g, back.graph)


def test_cli_generates_a_city_map(tmp_path):
    from typer.testing import CliRunner

    from routeopt.cli.app import app
    out = tmp_path / "city.osm.pbf"
    result = CliRunner().invoke(app, ["instances", "generate", "city", "-n", "200", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_osm(out).num_nodes > 100


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name, content, words", [
    ("garbage.osm.pbf", b"\x00\x01garbage", "cannot read OpenStreetMap data"),
    ("truncated.osm", b"<osm version='0.6'><node", "cannot read OpenStreetMap data"),
    ("bad.osm.bz2", b"not bz2", "cannot read OpenStreetMap data"),
    ("empty.osm.pbf", b"", "empty file"),
    ("nothing.osm", b"<osm version='0.6'></osm>", "no streets for the car profile"),
])
def test_bad_osm_files_give_one_line_errors(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load(path)
    message = str(info.value)
    assert words in message and name in message and "\n" not in message


def test_unknown_profile_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown travel profile 'horse'; expected one of car, bike, walk"):
        read_osm(shared("osm", "munich-small.osm"), profile="horse")
    with pytest.raises(InputError, match="no such file"):
        read_osm(tmp_path / "absent.osm.pbf")


def test_a_way_through_missing_nodes_is_cut_not_joined(tmp_path):
    path = tmp_path / "clipped.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" version="1" lat="60.17" lon="24.94"/>'
        '<node id="2" version="1" lat="60.171" lon="24.94"/><node id="4" version="1" lat="60.172" lon="24.94"/>'
        '<node id="5" version="1" lat="60.173" lon="24.94"/>'
        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
        '<tag k="highway" v="residential"/></way></osm>', encoding="utf-8")
    g = read_osm(path)
    assert set(arcs_by_id(g)) == {(1, 2), (2, 1), (4, 5), (5, 4)}

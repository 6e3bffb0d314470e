"""OpenStreetMap files (``.osm.pbf``, ``.osm``, ``.osm.bz2``) as routable graphs, read with pyosmium.

pyosmium wraps libosmium, the C++ reader behind osm2pgsql and osmium-tool: it decodes PBF blocks on
several threads and hands Python only the ways that carry a ``highway`` tag, with their node
locations already resolved. Nothing is turned into GeoDataFrames (as pyrosm does) or networkx
objects (as osmnx does); node references go into flat lists and everything after that is numpy.

Which ways count, in which directions and how fast is the travel ``profile``'s business
(:mod:`.profiles`: ``car``, ``bike``, ``walk``). The graph is directed: a two-way street is two
arcs, a one-way street one. Weights are lengths in metres (great-circle, the same formula and
Earth radius as osmnx), ``durations`` seconds at the profile's speed, coordinates lon/lat
(``geographic=True``), ``node_ids`` the OSM node ids (nodes numbered in increasing id order).

``simplify=True`` (the default) keeps as graph nodes only the OSM nodes where something happens: a
way's end, a node shared by two ways (or met twice by one way). The nodes between them become the
bends of one arc (``graph.geometry_ptr``/``geometry_points``), so routes are drawn along the street
while the search runs on the intersections only. Two chains that would be the same arc (two streets
between the same crossings, or a loop back to its start) keep the middle bend of the longer one as
a node, so no street is lost: shortest distances and the total street length are the same as with
``simplify=False``, which keeps every OSM node.

>>> import tempfile, pathlib
>>> xml = ('<osm version="0.6"><node id="1" lat="60.17" lon="24.94"/><node id="2" lat="60.171" lon="24.94"/>'
...        '<node id="3" lat="60.171" lon="24.942"/><way id="9"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
...        '<tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way></osm>')
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
>>> _ = path.write_text(xml)
>>> g = read_osm(path)
>>> g.num_nodes, g.num_arcs, g.node_ids.tolist(), round(float(g.weights[0]), 1), g.arc_geometry(0).shape
(2, 1, [1, 3], 221.8, (3, 2))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ...errors import InputError
from .graph import EARTH_RADIUS, Graph, _segments
from .profiles import Profile, get_profile

__all__ = ["read_osm", "graph_from_ways", "haversine", "OSM_SUFFIXES", "is_osm"]

OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")


def is_osm(path: Path) -> bool:
    """Does the name say OpenStreetMap (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``, ``.pbf``)?"""
    return path.name.lower().endswith(OSM_SUFFIXES)


def haversine(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in metres between lon/lat points in degrees (as osmnx computes it)."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dx = np.deg2rad(lon2) - np.deg2rad(lon1)
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.minimum(1.0, h))) * EARTH_RADIUS


class _Pieces:
    """Ways as flat point lists: per point the OSM id, lon, lat and whether it starts a piece;
    per piece the profile's (forward, backward, km/h)."""

    def __init__(self) -> None:
        self.refs: list[int] = []
        self.lons: list[float] = []
        self.lats: list[float] = []
        self.starts: list[bool] = []
        self.rules: list[tuple[bool, bool, float]] = []

    def add(self, nodes: Iterable[tuple[int, float, float] | None], rule: tuple[bool, bool, float]) -> None:
        """One way's nodes; ``None`` marks a node without a location, where the way is cut in two."""
        start = True
        for node in nodes:
            if node is None:
                start = True
                continue
            if start:
                self.rules.append(rule)
            self.refs.append(node[0])
            self.lons.append(node[1])
            self.lats.append(node[2])
            self.starts.append(start)
            start = False


def _way_nodes(way: Any) -> Iterable[tuple[int, float, float] | None]:
    for nd in way.nodes:
        loc = nd.location
        yield (nd.ref, loc.lon, loc.lat) if loc.valid() else None


def read_osm(path: str | Path, *, profile: str | Profile = "car", simplify: bool = True) -> Graph:
    """The street network of an OpenStreetMap file for ``profile`` (``car``, ``bike``, ``walk``)."""
    import osmium
    path = Path(path)
    try:
        rules = get_profile(profile)
    except InputError as exc:
        raise InputError(exc.message, path=path, field="profile") from None
    if not path.exists():
        raise InputError("no such file", path=path)
    if not path.is_file():
        raise InputError("not a file", path=path)
    if path.stat().st_size == 0:
        raise InputError("empty file: no OpenStreetMap data", path=path)
    pieces = _Pieces()
    try:
        # nodes must pass through for their locations to be stored; the filters then hand Python
        # only the ways with a highway tag
        reader = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
                  .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                  .with_filter(osmium.filter.KeyFilter("highway")))
        for way in reader:
            rule = rules.rule(way.tags)
            if rule is not None:
                # a way of a clipped extract may name nodes the file lacks: it is cut there and each
                # part kept (a part of one node is no street), never joined across the gap
                pieces.add(_way_nodes(way), rule)
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:   # libosmium's errors
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"cannot read OpenStreetMap data: {message}", path=path) from None
    try:
        return _build(pieces, simplify, f"the {rules.name} profile")
    except InputError as exc:
        raise InputError(exc.message, path=path, field=exc.field) from None


def graph_from_ways(ways: Iterable[tuple[Any, Any, Any, Mapping[str, str]]], *,
                    profile: str | Profile = "car", simplify: bool = True) -> Graph:
    """The graph :func:`read_osm` would read from a file holding ``ways``: each ``(ids, lons,
    lats, tags)`` with one OSM node id and location per point (the city generator builds on it)."""
    rules = get_profile(profile)
    pieces = _Pieces()
    for ids, lons, lats, tags in ways:
        rule = rules.rule(tags)
        if rule is not None:
            pieces.add(zip(np.asarray(ids).tolist(), np.asarray(lons, dtype=float).tolist(),
                           np.asarray(lats, dtype=float).tolist()), rule)
    return _build(pieces, simplify, f"the {rules.name} profile")


def _build(pieces: _Pieces, simplify: bool, what: str) -> Graph:
    ref = np.asarray(pieces.refs, dtype=np.int64)
    lon = np.asarray(pieces.lons, dtype=np.float64)
    lat = np.asarray(pieces.lats, dtype=np.float64)
    start = np.asarray(pieces.starts, dtype=bool)
    rule = np.asarray(pieces.rules, dtype=np.float64).reshape(-1, 3)
    piece = np.cumsum(start) - 1
    # a node repeated back to back is one point (osmnx drops such repeats too)
    keep = np.ones(ref.size, dtype=bool)
    keep[1:] = (ref[1:] != ref[:-1]) | start[1:]
    ref, lon, lat, piece = ref[keep], lon[keep], lat[keep], piece[keep]
    keep = np.bincount(piece, minlength=rule.shape[0])[piece] >= 2
    ref, lon, lat, piece = ref[keep], lon[keep], lat[keep], piece[keep]
    if ref.size == 0:
        raise InputError(f"no streets for {what} in this OpenStreetMap data")
    used, piece = np.unique(piece, return_inverse=True)
    forward, backward, speed = rule[used, 0] > 0, rule[used, 1] > 0, rule[used, 2] / 3.6     # m/s
    first = np.ones(ref.size, dtype=bool)
    first[1:] = piece[1:] != piece[:-1]
    last = np.ones(ref.size, dtype=bool)
    last[:-1] = first[1:]
    seglen = np.zeros(ref.size)                        # point i to point i + 1 of the same piece
    inner = np.flatnonzero(~last)
    seglen[inner] = haversine(lon[inner], lat[inner], lon[inner + 1], lat[inner + 1])
    xy = np.column_stack([lon, lat])
    if not simplify:
        is_node = np.ones(ref.size, dtype=bool)
        chain_start, chain_end, length = inner, inner + 1, seglen[inner]
        geometry = None
    else:
        is_node = first | last
        _, node_of, count = np.unique(ref, return_inverse=True, return_counts=True)
        is_node |= count[node_of] >= 2
        chain_start, chain_end = _chains(is_node, piece)
        bends = chain_end - chain_start - 1
        clash = _clashing_chains(ref[chain_start], ref[chain_end], bends,
                                 forward[piece[chain_start]], backward[piece[chain_start]])
        if clash.size:
            # a chain is cut at its middle bend; a loop at a third and two thirds of its bends, as
            # its two halves would again join the same two nodes
            loop = ref[chain_start[clash]] == ref[chain_end[clash]]
            k = bends[clash]
            is_node[chain_start[clash] + 1 + np.where(loop, k // 3, k // 2)] = True
            is_node[(chain_start[clash] + 1 + (2 * k) // 3)[loop]] = True
            chain_start, chain_end = _chains(is_node, piece)
            bends = chain_end - chain_start - 1
        at = np.flatnonzero(is_node)
        length = np.add.reduceat(seglen, at)[np.searchsorted(at, chain_start)]
        geometry = (np.concatenate([[0], np.cumsum(bends)]), xy[~is_node])
    ids = np.unique(ref[is_node])
    coords = np.empty((ids.size, 2))
    coords[np.searchsorted(ids, ref[is_node])] = xy[is_node]
    a, b = np.searchsorted(ids, ref[chain_start]), np.searchsorted(ids, ref[chain_end])
    p = piece[chain_start]
    fw, bw = np.flatnonzero(forward[p]), np.flatnonzero(backward[p])
    tails, heads = np.concatenate([a[fw], b[bw]]), np.concatenate([b[fw], a[bw]])
    chain = np.concatenate([fw, bw])
    if geometry is not None:
        flip = np.concatenate([np.zeros(fw.size, dtype=bool), np.ones(bw.size, dtype=bool)])
        geometry = _segments(*geometry, chain, flip)
    return Graph.from_edges(ids.size, tails, heads, length[chain], directed=True,
                            durations=length[chain] / speed[p[chain]], geometry=geometry,
                            coordinates=coords, geographic=True, node_ids=ids, metric="length")


def _chains(is_node: np.ndarray, piece: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last point of every chain: consecutive node points of the same piece."""
    at = np.flatnonzero(is_node)
    same = piece[at[1:]] == piece[at[:-1]]
    return at[:-1][same], at[1:][same]


def _clashing_chains(a: np.ndarray, b: np.ndarray, bends: np.ndarray, forward: np.ndarray,
                     backward: np.ndarray) -> np.ndarray:
    """Chains that would be dropped as parallel arcs or self-loops and have a bend to split at:
    of the chains giving the same arc, the one with the fewest bends stays whole."""
    fw, bw = np.flatnonzero(forward), np.flatnonzero(backward)
    tails, heads = np.concatenate([a[fw], b[bw]]), np.concatenate([b[fw], a[bw]])
    chain = np.concatenate([fw, bw])
    order = np.lexsort((bends[chain], heads, tails))
    tails, heads, chain = tails[order], heads[order], chain[order]
    repeat = np.zeros(chain.size, dtype=bool)
    repeat[1:] = (tails[1:] == tails[:-1]) & (heads[1:] == heads[:-1])
    clash = np.zeros(a.size, dtype=bool)
    clash[chain[repeat]] = True
    clash |= a == b
    return np.flatnonzero(clash & (bends >= 1))

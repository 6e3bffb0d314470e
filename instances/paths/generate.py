"""Seeded graph generators for the ``paths`` family: grid-like road networks and Chung-Lu graphs.

``road(n, seed)`` lays ``n`` intersections on a jittered square grid with a road hierarchy:
highways every ``4 * arterial_every`` rows and columns (90 km/h), arterials every
``arterial_every`` (50 km/h), local streets between (30 km/h). Access is limited as in real
networks: local streets never join a highway and join arterials at a share ``access`` of the
junctions; arterials meet highways at interchanges. A random spanning tree (preferring main
roads) keeps every node reachable. Each street is at least as long as the straight line, so A*
with Euclidean distances is admissible.

``chung_lu(n, seed)`` draws the expected-degree random graph of F. Chung and L. Lu ("Connected
components in random graphs with given expected degree sequences", 2002) with power-law weights
``w_i ~ (n / i)^(1 / (exponent - 1))``, exponent 2.1-2.9 as in social networks: ``m = sum(w) / 2``
edges with both ends drawn in proportion to ``w`` (parallel edges and loops dropped).

``city(n, seed)`` is a street map as OpenStreetMap would give it, in longitude/latitude (about
Helsinki by default): a slightly turned, jittered grid of about ``n`` intersections of residential
streets (30 km/h, some one-way, some curved, some blocks merged, a few cul-de-sacs) crossed by
primary and secondary arterials (50 and 40 km/h). It is built as OSM ways and read by the same code
as a ``.osm.pbf`` file with the car profile, so it saves to ``.osm.pbf`` and reads back unchanged.

All three return a :class:`~routeopt.instances.paths.PathsProblem` with ``queries`` random pairs drawn
in the largest (strongly) connected component, ``alternatives`` routes asked for each.

>>> p = road(100, seed=1)
>>> p.graph.num_nodes, p.graph.directed, p.graph.durations is not None
(100, False, True)
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..limits import check_memory
from ..params import number
from .graph import Graph
from .problem import PathsProblem

__all__ = ["road", "chung_lu", "city", "GRAPH_GENERATORS"]

MAX_NODES = 50_000_000
ROAD_BYTES_PER_NODE = 700          # measured peak: grid, candidate streets, spanning tree, CSR
CHUNG_LU_BYTES_PER_NODE = 40
CHUNG_LU_BYTES_PER_EDGE = 150      # both ends drawn, both arcs stored, sorted, deduplicated


def _count(n: Any, low: int = 1) -> int:
    return number("n", n, low, MAX_NODES, integer=True)


def _rng(seed: Any) -> np.random.Generator:
    return np.random.default_rng(number("seed", seed, 0, 2**63 - 1, integer=True))


def _number(name: str, value: Any, low: float, high: float) -> float:
    return float(number(name, value, low, high))


def _with_queries(graph: Graph, rng: np.random.Generator, queries: int, name: str, source: str,
                  alternatives: int = 1) -> PathsProblem:
    queries = number("queries", queries, 0, 10_000_000, integer=True)
    alternatives = number("alternatives", alternatives, 1, 50, integer=True)
    pool = graph.largest_component_nodes() if queries else np.arange(0)
    if queries and pool.size < 2:
        pool = np.arange(graph.num_nodes)
    s = pool[rng.integers(pool.size, size=queries)] if queries else []
    t = pool[rng.integers(pool.size, size=queries)] if queries else []
    return PathsProblem(graph, s, t, name=name, source=source, alternatives=alternatives)


def road(n: int = 10_000, seed: int = 0, *, spacing: float = 100.0, removal: float = 0.25,
         diagonals: float = 0.05, arterial_every: int = 8, access: float = 0.3, interchange: float = 0.5,
         one_way: float = 0.0, queries: int = 1, alternatives: int = 1) -> PathsProblem:
    """Hierarchical grid road network: metres (>= straight line) and seconds by road class.

    ``removal``: share of local streets dropped; ``diagonals``: share of cells given a diagonal
    street; ``access``: share of local streets that join an arterial (none join a highway);
    ``interchange``: share of arterial-highway junctions kept; ``one_way``: share of streets made
    one-way (the graph is then directed). A random spanning tree is always kept.
    """
    n = _count(n)
    removal = _number("removal", removal, 0, 1)
    diagonals = _number("diagonals", diagonals, 0, 1)
    access = _number("access", access, 0, 1)
    interchange = _number("interchange", interchange, 0, 1)
    one_way = _number("one_way", one_way, 0, 1)
    every = int(_number("arterial_every", arterial_every, 1, 1_000_000))
    spacing = _number("spacing", spacing, 1e-6, 1e9)
    check_memory(ROAD_BYTES_PER_NODE * n, f"a road network of {n:,} nodes", field="n")
    rng = _rng(seed)
    side = max(1, math.isqrt(n - 1) + 1) if n > 1 else 1
    ids = np.arange(n)
    row, col = ids // side, ids % side
    xy = np.column_stack([col, row]).astype(float) * spacing
    xy += rng.uniform(-0.3, 0.3, (n, 2)) * spacing

    def line_class(k: np.ndarray) -> np.ndarray:            # 2 highway, 1 arterial, 0 local
        return np.where(k % (4 * every) == 0, 2, np.where(k % every == 0, 1, 0))

    node_class = np.maximum(line_class(row), line_class(col))
    right = ids[(col + 1 < side) & (ids + 1 < n)]
    down = ids[ids + side < n]
    diag = ids[(col + 1 < side) & (ids + side + 1 < n)]
    diag = diag[rng.random(diag.size) < diagonals]
    u = np.concatenate([right, down, diag])
    v = np.concatenate([right + 1, down + side, diag + side + 1])
    road_class = np.concatenate([line_class(row[right]), line_class(col[down]), np.zeros(diag.size, dtype=int)])
    touches = np.maximum(node_class[u], node_class[v])
    draw = rng.random(u.size)
    # limited access: local streets never join highways and join arterials at a few points only
    rule = np.where(road_class == 2, True,
                    np.where(road_class == 1, (touches < 2) | (draw < interchange),
                             np.where(touches == 2, False, np.where(touches == 1, draw < access, draw >= removal))))
    # a random spanning tree keeps every node reachable; it prefers main roads and allowed streets
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    cost = rng.random(u.size) + np.where(road_class > 0, 0.0, np.where(touches == 2, 100.0, np.where(touches == 1, 10.0, 1.0)))
    mst = minimum_spanning_tree(coo_matrix((cost + 1.0, (u, v)), shape=(n, n))).tocoo()
    tree = np.zeros(u.size, dtype=bool)
    if mst.nnz:
        key = np.minimum(u, v) * n + np.maximum(u, v)
        tkey = np.minimum(mst.row, mst.col).astype(np.int64) * n + np.maximum(mst.row, mst.col)
        tree = np.isin(key, tkey)
    keep = tree | rule
    u, v, tree, road_class = u[keep], v[keep], tree[keep], road_class[keep]
    straight = np.linalg.norm(xy[u] - xy[v], axis=1)
    length = np.ceil(straight * rng.uniform(1.0, 1.3, u.size) * 10 + 1e-9) / 10     # decimetres, >= straight
    speed = np.array([30.0, 50.0, 90.0])[road_class] / 3.6                          # m/s
    duration = length / speed
    directed = one_way > 0
    if directed:
        oneway = ~tree & (rng.random(u.size) < one_way)
        flip = oneway & (rng.random(u.size) < 0.5)
        u, v = np.where(flip, v, u), np.where(flip, u, v)
        two = ~oneway
        u, v = np.concatenate([u, v[two]]), np.concatenate([v, u[two]])
        length = np.concatenate([length, length[two]])
        duration = np.concatenate([duration, duration[two]])
    graph = Graph.from_edges(n, u, v, length, directed=directed, durations=duration, coordinates=xy,
                             metric="length")
    call = (f"generate('road', n={n}, seed={seed}, spacing={spacing:g}, removal={removal:g}, "
            f"diagonals={diagonals:g}, arterial_every={every}, access={access:g}, interchange={interchange:g}, "
            f"one_way={one_way:g}, queries={queries}, alternatives={alternatives})")
    return _with_queries(graph, rng, queries, f"road-n{n}-s{seed}", call, alternatives)


def chung_lu(n: int = 10_000, seed: int = 0, *, exponent: float = 2.5, average_degree: float = 10.0,
             max_degree: float | None = None, weighted: bool = False, queries: int = 1,
             alternatives: int = 1) -> PathsProblem:
    """Chung-Lu power-law graph (undirected; unit weights, or integer weights 1-10 if ``weighted``).

    ``exponent``: power-law exponent of the degree distribution (2.1-2.9 typical of social
    networks); ``average_degree``: expected mean degree; ``max_degree``: cap on expected degrees.
    """
    n = _count(n, 2)
    exponent = _number("exponent", exponent, 2.01, 5.0)
    average_degree = _number("average_degree", average_degree, 0.1, n - 1)
    check_memory(CHUNG_LU_BYTES_PER_NODE * n + CHUNG_LU_BYTES_PER_EDGE * n * average_degree / 2,
                 f"a Chung-Lu graph of {n:,} nodes and about {round(n * average_degree / 2):,} edges", field="n")
    rng = _rng(seed)
    gamma = 1.0 / (exponent - 1.0)
    w = average_degree * (exponent - 2.0) / (exponent - 1.0) * (n / np.arange(1, n + 1)) ** gamma
    if max_degree is not None:
        w = np.minimum(w, _number("max_degree", max_degree, 1, n))
    w = w[rng.permutation(n)]                     # node numbers say nothing about degree
    m = int(round(w.sum() / 2))
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    u = np.minimum(np.searchsorted(cdf, rng.random(m), side="right"), n - 1)
    v = np.minimum(np.searchsorted(cdf, rng.random(m), side="right"), n - 1)
    weights = rng.integers(1, 11, m).astype(float) if weighted else None
    graph = Graph.from_edges(n, u, v, weights, directed=False, metric="weight" if weighted else "hops")
    call = (f"generate('chung-lu', n={n}, seed={seed}, exponent={exponent:g}, average_degree={average_degree:g}, "
            f"max_degree={max_degree}, weighted={weighted}, queries={queries}, alternatives={alternatives})")
    return _with_queries(graph, rng, queries, f"chung-lu-n{n}-s{seed}", call, alternatives)


MAX_CITY = 4_000_000                  # intersections: the ways are built point by point in Python


def city(n: int = 2000, seed: int = 0, *, lon: float = 24.94, lat: float = 60.17, spacing: float = 120.0,
         arterial_every: int = 6, one_way: float = 0.3, removal: float = 0.1, dead_ends: float = 0.05,
         bends: float = 0.25, queries: int = 1, alternatives: int = 1) -> PathsProblem:
    """A small city's street map in lon/lat around (``lon``, ``lat``), about ``n`` intersections.

    ``spacing``: block size in metres; ``arterial_every``: rows/columns between arterials;
    ``one_way``: share of inner residential rows that are one-way (alternating directions);
    ``removal``: share of inner residential cross-street blocks left out (T-junctions);
    ``dead_ends``: cul-de-sacs per intersection; ``bends``: share of residential blocks that curve.
    The border streets and every cross street are two-way, so every intersection can reach every
    other one.
    """
    from .osm import graph_from_ways
    from .graph import EARTH_RADIUS
    n = number("n", n, 4, MAX_CITY, integer=True)
    lon0, lat0 = _number("lon", lon, -180, 180), _number("lat", lat, -80, 80)
    spacing = _number("spacing", spacing, 1.0, 10_000.0)
    every = int(_number("arterial_every", arterial_every, 2, 1_000_000))
    one_way, removal = _number("one_way", one_way, 0, 1), _number("removal", removal, 0, 1)
    dead_ends, bends = _number("dead_ends", dead_ends, 0, 1), _number("bends", bends, 0, 1)
    rng = _rng(seed)
    cols = max(2, math.isqrt(n - 1) + 1)
    rows = max(2, round(n / cols))
    angle = rng.uniform(-0.35, 0.35)                    # real grids are seldom aligned with north
    grid = np.stack(np.meshgrid(np.arange(cols), np.arange(rows)), axis=-1).reshape(-1, 2) * spacing
    grid = grid - grid.mean(axis=0) + rng.uniform(-0.15, 0.15, grid.shape) * spacing      # centred
    points = [*(grid @ np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]]))]
    ways: list[tuple[list[int], dict[str, str]]] = []

    def node(r: int, c: int) -> int:
        return r * cols + c

    def street(line: list[int], tags: dict[str, str], curvy: bool) -> None:
        """A way through intersections ``line``; a curvy one bends in some blocks."""
        ids = [line[0]]
        for a, b in zip(line[:-1], line[1:]):
            if curvy and rng.random() < bends:
                pa, pb = points[a], points[b]
                normal = np.array([pa[1] - pb[1], pb[0] - pa[0]])
                lift = rng.uniform(0.05, 0.2) * rng.choice([-1, 1])
                k = int(rng.integers(1, 4))
                for t in np.arange(1, k + 1) / (k + 1):
                    ids.append(len(points))
                    points.append(pa + t * (pb - pa) + math.sin(math.pi * t) * lift * normal)
            ids.append(b)
        ways.append((ids, tags))

    def kind(k: int, count: int) -> tuple[dict[str, str], bool]:
        if k % every == every // 2:
            major = (k // every) % 2 == 0
            return {"highway": "primary" if major else "secondary", "maxspeed": "50" if major else "40"}, False
        return {"highway": "residential", "maxspeed": "30"}, k not in (0, count - 1)

    for r in range(rows):
        tags, inner = kind(r, rows)
        if inner and rng.random() < one_way:
            tags = {**tags, "oneway": "yes" if r % 2 else "-1"}
        street([node(r, c) for c in range(cols)], tags, tags["highway"] == "residential")
    for c in range(cols):
        tags, inner = kind(c, cols)
        run = [node(0, c)]
        for r in range(1, rows):
            if inner and rng.random() < removal:        # this block is left out: the street breaks
                if len(run) > 1:
                    street(run, tags, True)
                run = []
            run.append(node(r, c))
        if len(run) > 1:
            street(run, tags, tags["highway"] == "residential")
    for v in np.flatnonzero(rng.random(rows * cols) < dead_ends).tolist():
        turn = angle + math.pi / 4 + math.pi / 2 * int(rng.integers(4))     # into a block, off the streets
        points.append(points[v] + 0.4 * spacing * np.array([math.cos(turn), math.sin(turn)]))
        ways.append(([v, len(points) - 1], {"highway": "residential", "maxspeed": "30"}))
    xy = np.asarray(points)
    lat_deg = lat0 + np.degrees(xy[:, 1] / EARTH_RADIUS)
    lon_deg = lon0 + np.degrees(xy[:, 0] / (EARTH_RADIUS * math.cos(math.radians(lat0))))
    # on OSM's 1e-7 degree grid, so that writing and reading an .osm.pbf changes nothing
    lon_deg, lat_deg = np.round(lon_deg * 1e7) / 1e7, np.round(lat_deg * 1e7) / 1e7
    graph = graph_from_ways(((np.asarray(ids) + 1, lon_deg[ids], lat_deg[ids], tags) for ids, tags in ways),
                            profile="car")
    call = (f"generate('city', n={n}, seed={seed}, lon={lon0:g}, lat={lat0:g}, spacing={spacing:g}, "
            f"arterial_every={every}, one_way={one_way:g}, removal={removal:g}, dead_ends={dead_ends:g}, "
            f"bends={bends:g}, queries={queries}, alternatives={alternatives})")
    return _with_queries(graph, rng, queries, f"city-n{n}-s{seed}", call, alternatives)


GRAPH_GENERATORS: dict[str, Callable[..., PathsProblem]] = {"road": road, "chung-lu": chung_lu, "city": city}

"""A shortest-path answer over its graph: the best route bold, alternatives thinner in other
colours, source and target marked, the graph's streets in light grey behind.

With coordinates the graph is drawn where it lies; a big graph (over ``BIG_GRAPH`` arcs) only
around the routes (their bounding box enlarged by 20 %), subsampled past ``MAX_EDGES``. Without
coordinates the 2-hop neighbourhood of the routes (at most ``NEIGHBOURHOOD`` nodes) is laid out by
a spring layout with the best route held on a straight line.

>>> import routeopt
>>> p = routeopt.generate("road", n=400, seed=0)
>>> fig = routeopt.solve(p, "dijkstra").solution.plot(p, "route.png")     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InputError
from .. import _plot
from .problem import PathsProblem, PathsSolution

BIG_GRAPH = 20_000        # arcs above which only the surroundings of the routes are drawn
MAX_EDGES = 40_000        # grey segments drawn at most (a seeded sample beyond)
NEIGHBOURHOOD = 300       # nodes laid out at most when the graph has no coordinates
BEST = "#1565c0"
# alternatives: no blue (the best route), green or red (source and target)
OTHERS = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]


def _routes(problem: PathsProblem, solution: PathsSolution, query: int) -> list[np.ndarray]:
    """The best path then its alternatives for pair ``query`` (those given and non-empty)."""
    best = solution.paths[query] if solution.paths is not None and query < len(solution.paths) else None
    alts = (solution.alternatives[query] if solution.alternatives is not None
            and query < len(solution.alternatives) else [])
    routes = [best] + list(alts)
    n = problem.graph.num_nodes
    return [p for p in routes if p is not None and p.size and p.min() >= 0 and p.max() < n]


def _undirected_arcs(graph: Any) -> tuple[np.ndarray, np.ndarray]:
    tails, heads = graph.tails(), graph.indices
    if not graph.directed:                     # each edge is stored both ways: draw it once
        keep = tails < heads
        tails, heads = tails[keep], heads[keep]
    return tails, heads


def _sample(tails: np.ndarray, heads: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    if tails.size <= cap:
        return tails, heads
    pick = np.sort(np.random.default_rng(0).choice(tails.size, cap, replace=False))
    return tails[pick], heads[pick]


def _window(problem: PathsProblem, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of a big graph to draw: the routes' bounding box enlarged by 20 % (10 % of its
    longer side each way) and no side under half the other; None: draw the whole graph."""
    graph = problem.graph
    if graph.coordinates is None or graph.num_arcs <= BIG_GRAPH or drawn.size == 0:
        return None
    xy = graph.coordinates
    lo, hi = xy[drawn].min(axis=0), xy[drawn].max(axis=0)
    margin = max(0.1 * float((hi - lo).max()), 0.01 * float(np.ptp(xy, axis=0).max()), 1e-9)
    lo, hi = lo - margin, hi + margin
    short = np.maximum(0.5 * float((hi - lo).max()) - (hi - lo), 0.0)
    return lo - short / 2, hi + short / 2


def _with_coordinates(ax: Any, problem: PathsProblem, window: Any) -> tuple[np.ndarray, str]:
    """Grey background from the graph's own coordinates; returns the coordinates and a note."""
    graph = problem.graph
    xy = graph.coordinates
    tails, heads = _undirected_arcs(graph)
    note = ""
    if window is not None:
        lo, hi = window
        inside = np.all((xy >= lo) & (xy <= hi), axis=1)
        keep = inside[tails] | inside[heads]
        tails, heads = tails[keep], heads[keep]
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        note = "streets around the routes"
    shown = tails.size
    tails, heads = _sample(tails, heads, MAX_EDGES)
    if tails.size < shown:
        note = (note + ", " if note else "") + f"{tails.size:,} of {shown:,} edges drawn"
    _background(ax, xy, tails, heads, linewidth=0.6 if tails.size < 5000 else 0.35, autoscale=window is None)
    aspect = 1.0 / max(np.cos(np.radians(float(np.mean(xy[:, 1])))), 1e-3) if graph.geographic else 1.0
    # a window on a big graph keeps its limits and shapes the box; the whole graph may widen them
    ax.set_aspect(aspect, adjustable="datalim" if window is None else "box")
    return xy, note


def _background(ax: Any, xy: np.ndarray, tails: np.ndarray, heads: np.ndarray, linewidth: float,
                autoscale: bool = True) -> None:
    from matplotlib.collections import LineCollection
    segments = np.stack([xy[tails], xy[heads]], axis=1)
    ax.add_collection(LineCollection(segments, colors=_plot.GREY, linewidths=linewidth, zorder=1),
                      autolim=autoscale)
    if autoscale:
        ax.autoscale_view()


def _neighbourhood(problem: PathsProblem, drawn: np.ndarray) -> dict[int, int]:
    """``drawn`` and nodes within 2 hops of it (either direction), at most ``NEIGHBOURHOOD``:
    node -> the node it was reached from (itself for ``drawn``). Each node of a hop brings an
    equal share of the room left, a seeded sample of its neighbours when they do not fit."""
    graph = problem.graph
    rng = np.random.default_rng(0)
    parent = {v: v for v in drawn.tolist()}
    sides = [graph] if not graph.directed else [graph, graph.reverse()]
    frontier = list(parent)
    for _ in range(2):
        room = NEIGHBOURHOOD - len(parent)
        if room <= 0 or not frontier:
            break
        share = max(1, room // len(frontier))
        nxt: list[int] = []
        for u in frontier:
            near = np.unique(np.concatenate([g.indices[g.indptr[u]:g.indptr[u + 1]] for g in sides]))
            near = [v for v in near.tolist() if v not in parent]
            if len(near) > share:
                near = sorted(rng.choice(near, share, replace=False).tolist())
            for v in near[: NEIGHBOURHOOD - len(parent)]:
                parent[v] = u
                nxt.append(v)
        frontier = nxt
    return parent


def _spring(ax: Any, problem: PathsProblem, routes: list[np.ndarray], drawn: np.ndarray) -> tuple[dict, str]:
    """Spring layout of the neighbourhood, the best route held on a line and every other node
    starting beside the node it was reached from; returns node -> position and a note."""
    import networkx as nx
    parent = _neighbourhood(problem, drawn)
    nodes = np.array(list(parent), dtype=np.int64)
    ax.set_xticks([])
    ax.set_yticks([])
    if nodes.size == 0:
        return {}, "no query, and no coordinates to draw the graph by"
    tails, heads = _undirected_arcs(problem.graph.subgraph(nodes))
    tails, heads = nodes[tails], nodes[heads]
    G = nx.Graph()
    G.add_nodes_from(nodes.tolist())
    G.add_edges_from(zip(tails.tolist(), heads.tolist()))
    rng = np.random.default_rng(0)
    best = list(dict.fromkeys(routes[0].tolist())) if routes else list(dict.fromkeys(drawn.tolist()))
    spacing = 2.0 / max(len(best) - 1, 1)
    pos = {v: np.array([x, 0.0]) for v, x in zip(best, np.linspace(-1.0, 1.0, len(best)))}
    for v in nodes.tolist():                       # parents come first: dict order is discovery order
        if v not in pos:
            origin = pos.get(parent[v], np.zeros(2))
            pos[v] = origin + rng.normal(0.0, 0.3 * spacing, 2)
    layout = nx.spring_layout(G, pos=pos, fixed=best if len(best) > 1 else None, seed=0,
                              k=0.3 * spacing, iterations=100)
    index = {v: i for i, v in enumerate(nodes.tolist())}
    local = np.array([layout[v] for v in nodes.tolist()]).reshape(-1, 2)
    sub_t = np.array([index[v] for v in tails.tolist()], dtype=np.int64)
    sub_h = np.array([index[v] for v in heads.tolist()], dtype=np.int64)
    sub_t, sub_h = _sample(sub_t, sub_h, MAX_EDGES)
    _background(ax, local, sub_t, sub_h, linewidth=0.5)
    ax.scatter(local[:, 0], local[:, 1], s=6, color=_plot.GREY, zorder=1, linewidths=0)
    note = (f"no coordinates: spring layout of {nodes.size:,} nodes within 2 hops of the routes"
            + (" (a sample)" if nodes.size >= NEIGHBOURHOOD else "") + f", of {problem.graph.num_nodes:,}")
    return {v: local[i] for v, i in index.items()}, note


def plot(problem: PathsProblem, solution: PathsSolution, path: Any = None, **options: Any) -> Any:
    """The routes of pair ``query`` (default 0) over the graph; writes ``path`` when given.

    Options: ``query``, ``title``, ``figsize``, ``dpi``.
    """
    path = _plot.check_path(path)
    opts = _plot.options(options, {"query": 0}, "paths")
    query = opts["query"]
    whole = isinstance(query, (int, np.integer)) and not isinstance(query, bool)
    if not whole or not 0 <= query < max(problem.num_pairs, 1):
        raise InputError(f"query must be an integer in 0..{problem.num_pairs - 1}, got {query!r}", field="query")
    query = int(query)
    evaluation = problem.evaluate(solution)
    graph = problem.graph
    src, dst = problem.pair_arrays()
    ends = np.array([src[query], dst[query]], dtype=np.int64) if problem.num_pairs else np.zeros(0, np.int64)
    routes = _routes(problem, solution, query)
    drawn = np.unique(np.concatenate([ends, *routes])) if routes or ends.size else np.zeros(0, np.int64)

    window = _window(problem, drawn)
    size = (8.0, 7.0)
    if window is not None:
        ratio = float((window[1] - window[0])[1] / (window[1] - window[0])[0])
        size = (8.0, max(4.0, 7.0 * ratio + 1.3)) if ratio <= 1 else (max(4.5, 6.5 / ratio + 1.0), 7.5)
    fig = _plot.figure(opts["figsize"] or size)
    ax = fig.add_subplot()
    if graph.coordinates is not None:
        xy, note = _with_coordinates(ax, problem, window)
    else:
        pos, note = _spring(ax, problem, routes, drawn)

    def where(nodes: Any) -> np.ndarray:
        if graph.coordinates is not None:
            return xy[np.asarray(nodes)]
        return np.array([pos[v] for v in np.asarray(nodes).tolist()]).reshape(-1, 2)

    lengths = [float(graph.edge_weights(p[:-1], p[1:]).sum()) for p in routes]
    for k, (route, length) in enumerate(zip(routes, lengths)):
        pts = where(route)
        if k == 0:
            label = f"best: {_plot.number(length)}"
        else:
            label = f"alternative {k}: {_plot.number(length)}"
            if lengths[0] > 0:
                label += f" (+{100 * (length / lengths[0] - 1):.1f} %)"
        colour = BEST if k == 0 else OTHERS[(k - 1) % len(OTHERS)]
        dots = graph.coordinates is None and route.size <= 40      # a drawn layout: show each hop
        ax.plot(pts[:, 0], pts[:, 1], color=colour, linewidth=3.4 if k == 0 else 1.6,
                marker="o" if dots else None, markersize=5 if k == 0 else 3,
                alpha=1.0 if k == 0 else 0.9, zorder=4 if k == 0 else 3, label=label, gid=f"route{k}",
                solid_capstyle="round")
    if ends.size:
        for node, colour, marker, name in ((ends[0], _plot.SOURCE, "o", "source"),
                                           (ends[1], _plot.TARGET, "X", "target")):
            at = where([node])
            ax.scatter(at[:, 0], at[:, 1], s=130, marker=marker, color=colour, edgecolors="white", linewidths=1.2,
                       zorder=6, label=f"{name} {int(node)}")
    if graph.coordinates is None and routes and routes[0].size <= 40:
        for v in routes[0].tolist():                 # a drawn layout has no place names: say which node
            ax.annotate(str(v), where([v])[0], textcoords="offset points", xytext=(0, 7), fontsize=7,
                        ha="center", color=BEST, zorder=7)
    if routes or ends.size:
        ax.legend(loc="best", fontsize=8, framealpha=0.85)
    if note:
        ax.set_xlabel(note, fontsize=8)

    d = float(solution.distances[query]) if query < solution.distances.size else float("nan")
    title = f"{problem.name} | {problem.variant} | "
    if not ends.size:
        title += "no query"
    elif routes:
        title += (f"query {query}: {int(ends[0])} -> {int(ends[1])}\n{graph.metric} of each route: "
                  + ", ".join(_plot.number(x) for x in lengths))
    else:
        title += (f"query {query}: {int(ends[0])} -> {int(ends[1])} | "
                  + ("unreachable" if np.isinf(d) else f"distance {_plot.number(d)}, no path given"))
    return _plot.finish(fig, title, opts, path, evaluation.violations)

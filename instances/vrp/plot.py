"""A VRP answer in the plane: one coloured line per route, depots as squares, clients as dots,
and beside it each route's load against its vehicle's capacity.

Instances given only as a matrix are laid out by classical multidimensional scaling of the
symmetrised matrix (Torgerson): the two leading eigenvectors of ``-1/2 J D^2 J``; the title says so.

>>> import routeopt
>>> p = routeopt.generate("cvrp", n=20, seed=0)
>>> r = routeopt.solve(p, "pyvrp", time_limit=1)             # doctest: +SKIP
>>> fig = r.solution.plot(p, "cvrp.png")                      # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _plot
from .problem import VRPProblem, VRPSolution

ARROWS_UP_TO = 300          # nodes up to which an asymmetric instance's arcs get direction arrows
DENSE_MDS_UP_TO = 200       # nodes up to which MDS uses a full eigendecomposition (then Lanczos)


def mds_layout(distance: np.ndarray) -> np.ndarray:
    """2-D coordinates whose Euclidean distances approximate the symmetrised ``distance``."""
    d = np.asarray(distance, dtype=float)
    d = (d + d.T) / 2.0
    n = d.shape[0]
    if n == 1:
        return np.zeros((1, 2))
    sq = d * d
    # double centring without forming J: subtract row and column means, add the grand mean
    row = sq.mean(axis=1)
    b = -0.5 * (sq - row[:, None] - row[None, :] + row.mean())
    if n <= DENSE_MDS_UP_TO:
        values, vectors = np.linalg.eigh(b)
        values, vectors = values[-2:][::-1], vectors[:, -2:][:, ::-1]
    else:
        from scipy.sparse.linalg import eigsh
        values, vectors = eigsh(b, k=2, which="LA")
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
    xy = vectors * np.sqrt(np.clip(values, 0.0, None))
    if xy.shape[1] < 2:
        xy = np.column_stack([xy, np.zeros(n)])
    return xy


def _route_load(problem: VRPProblem, solution: VRPSolution) -> tuple[list[float], list[float]] | None:
    """First-dimension load and capacity of every non-empty route, or None without capacities."""
    if problem.demand is None or not any(vt.capacity for vt in problem.vehicle_types):
        return None
    loads, caps = [], []
    for route in solution.routes:
        if not route.visits:
            continue                                  # one bar per drawn route, in the same colours
        ok = [c for c in route.visits if 0 <= c < problem.num_nodes]
        loads.append(float(problem.demand[ok, 0].sum()))
        known = 0 <= route.vehicle_type < len(problem.vehicle_types)
        vt = problem.vehicle_types[route.vehicle_type] if known else None
        caps.append(vt.capacity[0] if vt is not None and vt.capacity else np.nan)
    return loads, caps


def plot(problem: VRPProblem, solution: VRPSolution, path: Any = None, **options: Any) -> Any:
    """Routes in the plane and load per route; writes ``path`` (.png, .svg, .pdf) when given.

    Options: ``title``, ``figsize``, ``dpi``, ``labels`` (write client numbers; default: up to
    60 clients), ``loads`` (draw the load panel; default: when the instance has capacities).
    """
    path = _plot.check_path(path)
    opts = _plot.options(options, {"labels": None, "loads": None}, "vrp")
    evaluation = problem.evaluate(solution)
    routes = [r for r in solution.routes if r.visits]
    depots = problem.num_depots
    n = problem.num_nodes

    from_matrix = problem.coordinates is None
    xy = mds_layout(problem.distance) if from_matrix else problem.coordinates
    load = _route_load(problem, solution) if opts["loads"] is not False else None

    fig = _plot.figure(opts["figsize"] or ((11.0, 6.4) if load else (7.6, 6.6)))
    if load:
        grid = fig.add_gridspec(1, 2, width_ratios=[2.6, 1.0])
        ax, side = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    else:
        ax, side = fig.add_subplot(), None

    small = problem.num_clients <= 200
    arrows = n <= ARROWS_UP_TO and not problem.is_symmetric
    colours = _plot.colours(max(1, len(routes)))
    for k, route in enumerate(routes):
        vt = problem.vehicle_types[route.vehicle_type] if 0 <= route.vehicle_type < len(problem.vehicle_types) else None
        start = route.start_depot if route.start_depot is not None else (vt.start_depot if vt else 0)
        end = route.end_depot if route.end_depot is not None else (vt.end_depot if vt else 0)
        nodes = np.array([start, *route.visits, end])
        nodes = nodes[(nodes >= 0) & (nodes < n)]
        ax.plot(xy[nodes, 0], xy[nodes, 1], color=colours[k], linewidth=1.6 if small else 0.9,
                alpha=0.9, zorder=2, gid=f"route{k}")
        if arrows and nodes.size > 1:
            mid = (xy[nodes[:-1]] + xy[nodes[1:]]) / 2
            step = xy[nodes[1:]] - xy[nodes[:-1]]
            step = step / np.maximum(np.linalg.norm(step, axis=1, keepdims=True), 1e-12)
            # unit vectors at a fixed screen size: they say which way the arc runs, not how long
            ax.quiver(mid[:, 0], mid[:, 1], step[:, 0], step[:, 1], color=colours[k], angles="xy",
                      pivot="mid", scale=45, width=0.003, headwidth=5, headlength=5, headaxislength=4.5,
                      zorder=3)

    clients = np.arange(depots, n)
    served = np.zeros(n, dtype=bool)
    served[[c for r in routes for c in r.visits if 0 <= c < n]] = True
    ax.scatter(xy[clients[served[clients]], 0], xy[clients[served[clients]], 1], s=14 if small else 4,
               color=_plot.DARK, zorder=4, linewidths=0, label="clients")
    idle = clients[~served[clients]]                  # skipped optional clients, or missing ones
    if idle.size:
        ax.scatter(xy[idle, 0], xy[idle, 1], s=22 if small else 8, facecolors="white", edgecolors=_plot.RED,
                   linewidths=0.9, zorder=4, label=f"not served ({idle.size})")
    ax.scatter(xy[:depots, 0], xy[:depots, 1], s=90, marker="s", color="white", edgecolors="black",
               linewidths=1.6, zorder=5, label="depot" if depots == 1 else "depots")
    labels = opts["labels"] if opts["labels"] is not None else problem.num_clients <= 60
    if labels:
        for c in clients.tolist():
            ax.annotate(str(c), xy[c], textcoords="offset points", xytext=(3, 3), fontsize=6, color="#555555")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    if from_matrix:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("layout from the distance matrix (classical MDS)", fontsize=8)

    if side is not None and load is not None:
        loads, caps = load
        k = np.arange(len(loads))
        over = [lo > c + 1e-6 for lo, c in zip(loads, caps)]
        side.bar(k, loads, width=0.8 if len(k) <= 60 else 1.0, color=colours[: len(loads)],
                 edgecolor=[_plot.RED if o else "none" for o in over], linewidth=1.5)
        side.step(np.r_[k - 0.5, k[-1:] + 0.5] if len(k) else [], np.r_[caps, caps[-1:]] if caps else [],
                  where="post", color=_plot.RED, linewidth=1.2)
        dims = problem.demand_dims
        side.set_xlabel("route")
        side.set_ylabel("load" + (" (first of %d dimensions)" % dims if dims > 1 else ""))
        side.set_title("load per route (red: capacity)", fontsize=9)
        finite = [c for c in caps if np.isfinite(c)]
        side.set_ylim(0, 1.08 * max([*loads, *finite, 1e-9]))
        if len(loads) <= 25:
            side.set_xticks(k)
        side.tick_params(labelsize=7)

    name = problem.name + (" (layout from the distance matrix)" if from_matrix else "")
    title = (f"{name} | {problem.variant} | objective {_plot.number(evaluation.objective)} | "
             f"{len(routes)} route{'s' * (len(routes) != 1)} | {problem.num_clients:,} clients")
    if evaluation.violations:
        title += f" | {len(evaluation.violations)} violations"
    return _plot.finish(fig, title, opts, path, evaluation.violations)

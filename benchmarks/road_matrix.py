"""Road matrices for a street-map VRP: routeopt's contraction hierarchy against pandana (C++
contraction hierarchies), igraph and scipy, side by side in one run on the same generated road network.

    python benchmarks/road_matrix.py                         # 200,000 and 1,000,000 nodes
    python benchmarks/road_matrix.py --nodes 50000 --big 0   # quick look, no large network

Protocol: each network is ``road(n, seed)`` routed on travel time (every tool gets the same arc
weights; pandana stores them as integer thousandths, so its answers differ in the third
decimal). Kernels are compiled on a small graph first, off the clock. Rows:

- build: routeopt's hierarchy (numba, every core: rounds of independent nodes contracted side by
  side; and, for reference, one node at a time) against ``pandana.Network(x, y, from, to,
  weights, twoway=False)``, whose constructor contracts the graph (OpenMP, every core).
- query: ``queries`` random pairs, batched in one call for both (``ContractionHierarchy.distances``,
  ``Network.shortest_path_lengths``); time per query.
- matrix: ``points x points`` random sources and targets. routeopt answers travel times AND the
  lengths of those routes in one bucket pass (``road_matrices(..., by="time")``); pandana answers
  the travel times through ``shortest_path_lengths`` on all pairs; igraph (``Graph.distances``)
  and scipy (``csgraph.dijkstra`` per source) give the exact travel times; routeopt's Dijkstra
  per source (``method="dijkstra"``) gives both metrics again, checking the lengths; the
  batched point-to-point queries on all pairs show what the buckets save.

Every answer is compared with the exact one (scipy; on the large network, where scipy, igraph
and a Dijkstra per source take minutes, routeopt's Dijkstra on the first 20 rows) and the largest
relative difference is printed. Wall-clock seconds, one run each; the
machine is shared, so only ratios within one run mean much.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone

import numpy as np


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not np.array_equal(np.isinf(a), np.isinf(b)):
        return float("inf")
    ok = np.isfinite(a)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-12))) if ok.any() else 0.0


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _pandana(g):
    import pandas as pd
    import pandana
    tails = g.tails()
    w = pd.DataFrame({"time": g.weights})
    xy = g.coordinates
    return pandana.Network(pd.Series(xy[:, 0]), pd.Series(xy[:, 1]), pd.Series(tails), pd.Series(g.indices), w,
                           twoway=False)


def network(n: int, seed: int, queries: int, points: int, tools: set[str], rows: list, say,
            check_rows: int = 20) -> None:
    import numba

    from routeopt.instances.paths.generate import road
    from routeopt.solvers.paths.ch import ContractionHierarchy, build
    from routeopt.solvers.paths.matrix import road_matrices

    g = road(n, seed, queries=0).graph.with_metric("travel_time")
    label = f"{g.num_nodes:,} nodes"
    say(f"road network: {label}, {g.num_arcs:,} arcs")
    rng = np.random.default_rng(seed + 1)
    qs, qt = rng.integers(g.num_nodes, size=queries), rng.integers(g.num_nodes, size=queries)
    pts = rng.choice(g.num_nodes, size=2 * points, replace=False)
    src, dst = pts[:points], pts[points:]

    ch, t_build = _timed(lambda: build(g))
    info = ch.info()
    threads = numba.get_num_threads()
    rows.append((label, "build", f"routeopt CH (numba, {threads} thread{'s' * (threads > 1)})", t_build,
                 f"{info['shortcuts']:,} shortcuts, {info['index_bytes'] / 2**20:.0f} MiB", ""))
    say(f"routeopt CH built in {t_build:.1f} s")
    one, t = _timed(lambda: ContractionHierarchy(g, rounds=False))
    rows.append((label, "build", "routeopt CH, one node at a time", t, f"{one.shortcuts:,} shortcuts", ""))
    del one
    say(f"routeopt CH (one node at a time) built in {t:.1f} s")
    net = None
    if "pandana" in tools:
        net, t = _timed(lambda: _pandana(g))
        rows.append((label, "build", "pandana Network (OpenMP)", t, "contraction in the constructor", ""))
        say(f"pandana built in {t:.1f} s")

    ours, t = _timed(lambda: ch.distances(qs, qt))
    rows.append((label, f"query x{queries:,}", "routeopt CH distances()", t / queries, "per query", ""))
    if net is not None:
        theirs, t = _timed(lambda: np.asarray(net.shortest_path_lengths(qs, qt, imp_name="time"), dtype=float))
        theirs[theirs >= 4294967.295] = np.inf
        rows.append((label, f"query x{queries:,}", "pandana shortest_path_lengths", t / queries, "per query",
                     f"{_rel(theirs, ours):.1e}"))
        say("queries done")

    (time_m, length_m), t_ch = _timed(lambda: road_matrices(g, src, dst, by="time", method="ch"))
    shape = f"matrix {points}x{points}"
    exact = None
    later = []
    if "scipy" in tools:
        from scipy.sparse.csgraph import dijkstra
        exact, t = _timed(lambda: np.atleast_2d(dijkstra(g.to_scipy(), directed=True, indices=src))[:, dst])
        later.append((label, shape, "scipy dijkstra per source", t, "time only", "exact"))
    rows_checked = points if "scipy" in tools else min(points, check_rows)
    (dj_time, dj_length), t = _timed(lambda: road_matrices(g, src[:rows_checked], dst, by="time", method="dijkstra"))
    later.append((label, shape, "routeopt Dijkstra per source" + ("" if rows_checked == points else
                  f" ({rows_checked} rows, as a check)"), t, "both metrics",
                  f"{_rel(dj_time, exact):.1e}" if exact is not None else "reference"))
    exact = dj_time if exact is None else exact
    k = rows_checked
    rows.append((label, shape, "routeopt CH buckets, time + length", t_ch, "both metrics, one pass",
                 f"{_rel(time_m[:k], exact[:k]):.1e}; length {_rel(length_m[:k], dj_length):.1e}"))
    rows.extend(later)
    a, b = np.repeat(src, points), np.tile(dst, points)
    pairwise, t = _timed(lambda: ch.distances(a, b))
    rows.append((label, shape, "routeopt CH distances(), all pairs", t, "time only",
                 f"{_rel(pairwise.reshape(points, points)[:k], exact[:k]):.1e}"))
    if net is not None:
        pm, t = _timed(lambda: np.asarray(net.shortest_path_lengths(a, b, imp_name="time"), dtype=float))
        pm[pm >= 4294967.295] = np.inf
        rows.append((label, shape, "pandana shortest_path_lengths, all pairs", t, "time only",
                     f"{_rel(pm.reshape(points, points)[:k], exact[:k]):.1e}"))
    if "igraph" in tools:
        import igraph
        G = igraph.Graph(n=g.num_nodes, edges=np.column_stack([g.tails(), g.indices]).tolist(), directed=True)
        im, t = _timed(lambda: np.asarray(G.distances(source=src.tolist(), target=dst.tolist(),
                                                      weights=g.weights.tolist(), mode="out"), dtype=float))
        rows.append((label, shape, "igraph distances", t, "time only", f"{_rel(im, exact):.1e}"))
    say(f"{label} done")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--points", type=int, default=300)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=1_000_000, help="second network (0: none)")
    ap.add_argument("--big-points", type=int, default=1_000)
    ap.add_argument("--no-pandana-big", action="store_true", help="skip pandana on the large network")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="also write the table to this file")
    a = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from routeopt.instances.paths.generate import road
    from routeopt.solvers.paths.ch import ContractionHierarchy
    from routeopt.solvers.paths.matrix import road_matrices

    console = Console(stderr=True)
    small = road(500, 1, queries=0).graph.with_metric("travel_time")          # compile, off the clock
    ch = ContractionHierarchy(small)
    ContractionHierarchy(small, rounds=False)
    ch.matrices([0, 1], [2, 3]), ch.distances([0, 1], [2, 3]), road_matrices(small, [0], [1], method="dijkstra")
    rows: list = []
    network(a.nodes, a.seed, a.queries, a.points, {"pandana", "igraph", "scipy"}, rows, console.log)
    if a.big:
        network(a.big, a.seed, a.queries, a.big_points, set() if a.no_pandana_big else {"pandana"}, rows,
                console.log)

    table = Table(title="road matrices: routeopt contraction hierarchies vs pandana, igraph, scipy (travel time)")
    for col, just in (("network", "left"), ("task", "left"), ("method", "left"), ("seconds", "right"),
                      ("note", "left"), ("max rel. diff", "right")):
        table.add_column(col, justify=just)
    for net, task, method, secs, note, diff in rows:
        shown = f"{secs * 1e3:.3f} ms" if secs < 1 else f"{secs:.2f} s"
        table.add_row(net, task, method, shown, note, diff)
    out = Console(record=True, width=160)
    out.print(table)
    if a.out:
        head = (f"python benchmarks/road_matrix.py {' '.join(argv or [])}".rstrip() +
                f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()}, "
                f"{os.cpu_count()} cores (shared); max rel. diff against scipy's exact travel times (routeopt's "
                f"Dijkstra's lengths for the length matrix)\n")
        with open(a.out, "w") as f:
            f.write(head + out.export_text())


if __name__ == "__main__":
    main()

"""Many-to-many matrices on a generated road network: contraction-hierarchy buckets against
pairwise CH queries and one scipy Dijkstra per source, for the same k x k matrix.

    python benchmarks/ch_matrix.py                   # 200,000 nodes, 300 x 300, travel times
    python benchmarks/ch_matrix.py --nodes 100000 --points 100 --metric length

Protocol: the graph is generated once; the kernels are compiled on a small graph first (outside
the timings); the hierarchy is built once (its build time is its own row) and serves both the
bucket matrix and the pairwise queries; sources and targets are distinct random nodes (seeded);
the three matrices are checked equal (1e-9 relative) before the table is printed. Wall-clock
seconds, one run each.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--points", type=int, default=300, help="sources = targets = this many nodes")
    ap.add_argument("--metric", default="travel_time", choices=["travel_time", "length"])
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    import routeopt
    from scipy.sparse.csgraph import dijkstra
    from routeopt.solvers.paths.ch import ContractionHierarchy

    small = routeopt.generate("road", n=500, seed=1).graph
    ContractionHierarchy(small).matrix([0, 1], [2, 3])          # compile / load the kernels
    ContractionHierarchy(small).query(0, 3, False)

    t = time.perf_counter()
    g = routeopt.generate("road", n=a.nodes, seed=a.seed).graph.with_metric(a.metric)
    gen = time.perf_counter() - t
    rng = np.random.default_rng(a.seed)
    pts = rng.choice(g.num_nodes, size=2 * a.points, replace=False)
    src, dst = pts[: a.points], pts[a.points:]

    t = time.perf_counter()
    ch = ContractionHierarchy(g)
    build = time.perf_counter() - t

    t = time.perf_counter()
    buckets = ch.matrix(src, dst)
    bucket_time = time.perf_counter() - t

    t = time.perf_counter()
    pairwise = np.array([[ch.query(int(s), int(d), False)[0] for d in dst] for s in src])
    pairwise_time = time.perf_counter() - t

    t = time.perf_counter()
    ref = np.atleast_2d(dijkstra(g.to_scipy(), directed=True, indices=src))[:, dst]
    scipy_time = time.perf_counter() - t

    np.testing.assert_allclose(buckets, ref, rtol=1e-9)
    np.testing.assert_allclose(pairwise, ref, rtol=1e-9)
    k = a.points
    print(f"road network: {g.num_nodes:,} nodes, {g.num_arcs:,} arcs (generated in {gen:.1f} s); "
          f"{k} x {k} matrix, metric {a.metric}; index: {ch.num_arcs:,} arcs, {ch.shortcuts:,} shortcuts")
    print(f"{'method':<36}{'seconds':>10}")
    for name, sec in (("CH build (once)", build), ("CH buckets (many-to-many)", bucket_time),
                      (f"CH pairwise queries ({k * k:,})", pairwise_time),
                      (f"scipy Dijkstra per source ({k})", scipy_time)):
        print(f"{name:<36}{sec:>10.3f}")
    print("all three matrices equal (1e-9 relative)")


if __name__ == "__main__":
    main()

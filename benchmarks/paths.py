"""Shortest paths: contraction hierarchies against networkx and scipy on a generated road network,
WormHole against bidirectional BFS on a Chung-Lu graph; ratios measured side by side in one run.

    python benchmarks/paths.py                       # 1,000,000-node road network, 300,000-node Chung-Lu
    python benchmarks/paths.py --nodes 50000 --social-nodes 50000 --queries 2000

The protocol is in ``routeopt.cli.paths_bench``; ``routeopt paths bench`` runs the same.
"""

from __future__ import annotations

import argparse

from routeopt.cli.paths_bench import run_bench


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1_000_000, help="road network nodes")
    ap.add_argument("--social-nodes", type=int, default=300_000, help="Chung-Lu nodes")
    ap.add_argument("--queries", type=int, default=10_000, help="WormHole/BiBFS queries")
    ap.add_argument("--ch-queries", type=int, default=1_000, help="CH queries")
    ap.add_argument("--slow-queries", type=int, default=10, help="pairs also answered by networkx and scipy")
    ap.add_argument("--metric", default="travel_time", choices=["travel_time", "length"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--exponent", type=float, default=2.5, help="Chung-Lu power-law exponent (2.1-2.9)")
    ap.add_argument("--skip", choices=["road", "social"])
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    a = ap.parse_args(argv)
    run_bench(nodes=a.nodes, social_nodes=a.social_nodes, queries=a.queries, ch_queries=a.ch_queries,
              slow_queries=a.slow_queries, metric=a.metric, seed=a.seed, exponent=a.exponent, skip=a.skip,
              as_json=a.json)


if __name__ == "__main__":
    main()

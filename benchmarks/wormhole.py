"""WormHole against bidirectional BFS on Chung-Lu power-law graphs across exponents.

    python benchmarks/wormhole.py                                  # 300,000 nodes, exponents 2.1 2.5 2.9
    python benchmarks/wormhole.py --nodes 50000 --queries 2000 --out /tmp/wormhole.txt

Protocol: for each exponent, ``chung_lu(nodes, seed, exponent=e)`` (mean degree 10); ``queries``
pairs drawn uniformly from the largest component (the same pairs for both methods); BiBFS gives the
exact hop distance and the nodes it touches; WormHole runs with its defaults (core size chosen from
the degree distribution) and is scored against BiBFS: share of exact answers, largest additive
error, whether every certified bound holds (answer - bound <= distance <= answer), nodes touched
(BiBFS / WormHole), time per query. Kernels are compiled before any clock starts.
Targets, at every exponent: >= 95 % exact, all within +2, >= 5x fewer nodes touched than BiBFS.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from routeopt.instances.paths.generate import chung_lu
from routeopt.solvers.paths.bidirectional import BFSEngine
from routeopt.solvers.paths.wormhole import WormHole


def measure(nodes: int, exponent: float, queries: int, seed: int) -> dict[str, Any]:
    graph = chung_lu(nodes, seed, exponent=exponent, queries=0).graph
    pool = graph.largest_component_nodes()
    rng = np.random.default_rng(seed + 2)
    src = pool[rng.integers(pool.size, size=queries)].tolist()
    dst = pool[rng.integers(pool.size, size=queries)].tolist()
    bfs = BFSEngine(graph)
    exact = np.empty(queries)
    b_touched = 0
    start = time.perf_counter()
    for i, (s, t) in enumerate(zip(src, dst)):
        exact[i] = bfs.query(s, t, True)[0]
        b_touched += bfs.last_touched
    b_time = (time.perf_counter() - start) / queries
    wh = WormHole(graph)
    info = wh.info()
    answer, bound = np.empty(queries), np.empty(queries)
    w_touched = 0
    start = time.perf_counter()
    for i, (s, t) in enumerate(zip(src, dst)):
        answer[i], _, bound[i] = wh.query(s, t, True)
        w_touched += wh.last_touched
    w_time = (time.perf_counter() - start) / queries
    err = answer - exact
    return {"exponent": exponent, "nodes": graph.num_nodes, "edges": graph.num_edges, "queries": queries,
            "core_size": info["core_size"], "bridges": info["core_bridges"], "build_time": info["build_time"],
            "index_mib": info["index_bytes"] / 2**20, "exact": float((err == 0).mean()),
            "max_error": float(err.max()), "min_error": float(err.min()),
            "bound_holds": bool(((err >= 0) & (err <= bound)).all()), "certified_exact": float((bound == 0).mean()),
            "touched_bibfs": b_touched / queries, "touched_wormhole": w_touched / queries,
            "ratio": b_touched / max(w_touched, 1), "time_bibfs": b_time, "time_wormhole": w_time}


def report(rows: list[dict[str, Any]], console: Console) -> bool:
    r0 = rows[0]
    t = Table(title=f"WormHole (default options) against bidirectional BFS: Chung-Lu graphs of {r0['nodes']:,} "
                    f"nodes, mean degree 10, {r0['queries']:,} random pairs of the largest component each",
              title_justify="left")
    for col in ("exponent", "edges", "core (bridges)", "build", "index", "exact", "max error", "bound holds",
                "certified exact", "touched BiBFS / WH", "ratio", "time / query WH / BiBFS"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(f"{r['exponent']:g}", f"{r['edges']:,}", f"{r['core_size']:,} ({r['bridges']:,})",
                  f"{r['build_time']:.2f} s", f"{r['index_mib']:.0f} MiB", f"{100 * r['exact']:.2f} %",
                  f"+{r['max_error']:g}", str(r["bound_holds"]), f"{100 * r['certified_exact']:.1f} %",
                  f"{r['touched_bibfs']:.0f} / {r['touched_wormhole']:.0f}", f"{r['ratio']:.1f}x",
                  f"{1e3 * r['time_wormhole']:.3f} / {1e3 * r['time_bibfs']:.3f} ms")
    console.print(t)
    checks = Table(title="targets (every exponent)", title_justify="left")
    for col in ("exponent", ">= 95 % exact", "within +2 and never below", ">= 5x fewer nodes touched"):
        checks.add_column(col, justify="right")
    ok = True
    for r in rows:
        marks = (r["exact"] >= 0.95, r["max_error"] <= 2 and r["min_error"] >= 0 and r["bound_holds"], r["ratio"] >= 5)
        ok &= all(marks)
        checks.add_row(f"{r['exponent']:g}", *(("met" if m else "missed") for m in marks))
    console.print(checks)
    return ok


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=300_000)
    ap.add_argument("--exponents", type=float, nargs="+", default=[2.1, 2.5, 2.9])
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="also write the tables to this text file")
    a = ap.parse_args(argv)
    WormHole(chung_lu(300, 1, queries=0).graph).query(0, 1)       # compile/load kernels off the clock
    BFSEngine(chung_lu(300, 1, queries=0).graph).query(0, 1)
    rows = []
    for e in a.exponents:
        rows.append(measure(a.nodes, e, a.queries, a.seed))
        print(f"exponent {e:g}: done", flush=True)
    console = Console(record=True, width=200)
    report(rows, console)
    if a.out:
        with open(a.out, "w") as f:
            f.write(console.export_text())


if __name__ == "__main__":
    main()

"""Routing on real wide-area networks: each method's maximum link congestion over the arc LP
optimum (the bound over all routings), and its time, side by side on ten Topology Zoo networks.

Protocol: the topologies as the topohub package ships them (Internet Topology Zoo; the largest
connected part, links weighted by their length in km, every link 10 Gbit/s since the Zoo's
speeds are not in topohub), gravity traffic among all PoPs (log-normal node masses, seed 0, one
unit per PoP in all: the ratios do not depend on the scale). Every answer is re-scored by the
problem (``routeopt.solve``); the reference is ``mcf-lp``, proved optimal. Methods run one after
another in this process, each with ``--time-limit`` seconds, after one untimed warm-up run each
(imports). The exact unsplittable MILP fits only small traffic (200 flows), so a second table routes
gravity traffic among 12 PoPs of each network (132 flows, the PoPs a seeded random choice; all
11 of Abilene) with the
single-path methods and the MILP (``--milp-time-limit`` seconds, its best answer when not proved).

    python benchmarks/wan.py --quick          # three small networks; prints the table only
    python benchmarks/wan.py --out            # the full protocol (minutes), recorded in
                                              # benchmarks/results/wan.txt
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import routeopt
from routeopt.solvers.registry import solver_class

RESULTS = Path(__file__).resolve().parent / "results" / "wan.txt"
NETWORKS = ["Abilene", "Aarnet", "Sunet", "Agis", "Janetbackbone", "SwitchL3", "BtNorthAmerica", "Geant2012",
            "Uunet", "Dfn"]
QUICK = ["Abilene", "Aarnet", "Sunet"]
REFERENCE = "mcf-lp"
SMALL_POPS = 12
# (column title, solver, options): single-path methods first, then multipath
METHODS = [
    ("shortest path", "shortest-path", {}),
    ("ECMP", "ecmp", {}),
    ("greedy k=8", "network-greedy", {"paths": 8}),
    ("spray (ECMP LP)", "spray", {}),
    ("split", "split", {}),
    ("ksp-LP k=4", "ksp-lp", {"paths": 4}),
    ("ksp-LP k=16", "ksp-lp", {"paths": 16}),
]


UNSPLITTABLE = [
    ("shortest path", "shortest-path", {}),
    ("ECMP", "ecmp", {}),
    ("greedy k=8", "network-greedy", {"paths": 8}),
    ("MILP k=8", "network-milp", {"paths": 8}),     # greedy's candidates: it starts from greedy's answer
]


def warm_up(methods: list) -> None:
    """One untimed run of every method, so that no timed one pays for imports."""
    p = routeopt.generate("wan", seed=0, topology="Abilene", n=4)
    for _, solver, options in [("", REFERENCE, {})] + methods:
        routeopt.solve(p, solver=solver, time_limit=5, **options)


def run(networks: list[str], time_limit: float, seed: int, methods: list = METHODS, n: int | None = None,
        limits: dict | None = None) -> list[dict]:
    rows = []
    for name in networks:
        pops = n
        if n is not None:                        # Abilene has fewer PoPs than SMALL_POPS: all of them
            from routeopt.instances.network.topology import from_topohub
            pops = min(n, len(from_topohub(name).nodes))
        p = routeopt.generate("wan", seed=seed, topology=name, n=pops)
        t0 = time.perf_counter()
        ref = routeopt.solve(p, solver=REFERENCE, time_limit=time_limit, seed=seed)
        row = {"network": name, "nodes": len(p.nodes), "links": len(p.links) // 2, "flows": p.size,
               "lp": ref.objective, "lp_status": ref.status.value, "lp_time": time.perf_counter() - t0, "cells": {}}
        for title, solver, options in methods:
            cls = solver_class(solver)
            if cls.max_size is not None and p.size > cls.max_size:
                row["cells"][title] = None
                continue
            t0 = time.perf_counter()
            limit = (limits or {}).get(solver, time_limit)
            r = routeopt.solve(p, solver=solver, time_limit=limit, seed=seed, **options)
            ok = r.status in (routeopt.Status.OPTIMAL, routeopt.Status.FEASIBLE)
            row["cells"][title] = {"ratio": r.objective / ref.objective if ok and ref.objective else None,
                                   "status": r.status.value, "time": time.perf_counter() - t0,
                                   "subflows": r.metadata.get("subflows_per_flow"),
                                   "proved": r.metadata.get("status") == "Optimal"}
        rows.append(row)
        print(f"{name} ({p.size} flows): done", flush=True)
    return rows


def table(rows: list[dict], title: str, methods: list = METHODS):
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in ("network", "nodes", "links", "flows", "arc LP", "LP time"):
        t.add_column(col, justify="left" if col == "network" else "right")
    for name, *_ in methods:
        t.add_column(name, justify="right")
    for r in rows:
        cells = []
        for title_, *_ in methods:
            c = r["cells"][title_]
            if c is None:
                cells.append("- (size)")
            elif c["ratio"] is None:
                cells.append(c["status"])
            else:
                mark = {"OPTIMAL": "", "FEASIBLE": ""}.get(c["status"], f" {c['status']}")
                if c.get("proved") and title_.startswith("MILP"):
                    mark = " opt"
                cells.append(f"{c['ratio']:.3f} {c['time']:.2f}s{mark}")
        t.add_row(r["network"], str(r["nodes"]), str(r["links"]), str(r["flows"]), f"{r['lp']:.4f}",
                  f"{r['lp_time']:.2f}s", *cells)
    return t


def summary(rows: list[dict], methods: list = METHODS) -> list[str]:
    """Per method: the geometric mean ratio and how often it reaches the LP."""
    import math

    out = ["", "geometric mean of congestion / arc LP over the networks (reaches LP: within 0.1%):"]
    for title, *_ in methods:
        got = [r["cells"][title] for r in rows if r["cells"][title] and r["cells"][title]["ratio"]]
        if not got:
            continue
        gm = math.exp(sum(math.log(c["ratio"]) for c in got) / len(got))
        hit = sum(c["ratio"] <= 1.001 for c in got)
        out.append(f"  {title:16s} {gm:6.3f}   reaches LP on {hit}/{len(got)}   "
                   f"total time {sum(c['time'] for c in got):7.2f}s")
    return out


def main(argv: list[str] | None = None) -> None:
    from rich.console import Console

    ap = argparse.ArgumentParser(prog="benchmarks/wan.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="three small networks (seconds)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--milp-time-limit", type=float, default=15.0, help="seconds per MILP run (second table)")
    ap.add_argument("--seed", type=int, default=0, help="gravity traffic and hashing seed")
    ap.add_argument("--out", nargs="?", const=str(RESULTS), default=None,
                    help=f"also write the table to this file (default {RESULTS.relative_to(RESULTS.parents[2])})")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    warm_up(METHODS + UNSPLITTABLE)
    networks = QUICK if args.quick else NETWORKS
    rows = run(networks, args.time_limit, args.seed)
    small = run(networks, args.time_limit, args.seed, UNSPLITTABLE, n=SMALL_POPS,
                limits={"network-milp": args.milp_time_limit})
    tables = [table(rows, f"WAN routing, Topology Zoo (topohub), gravity traffic among all PoPs: max link "
                          f"congestion / arc-LP optimum, and time (limit {args.time_limit:g} s per run)"),
              table(small, f"Unsplittable routing, gravity traffic among {SMALL_POPS} PoPs of each network: "
                           f"congestion / arc-LP optimum, and time (MILP limit {args.milp_time_limit:g} s; opt: "
                           f"proved over its candidates)", UNSPLITTABLE)]
    notes = summary(rows) + ["", f"among {SMALL_POPS} PoPs:"] + summary(small, UNSPLITTABLE)[1:]
    notes.append(f"total wall time {time.perf_counter() - start:.0f} s; command: python benchmarks/wan.py"
                 + (" --quick" if args.quick else "") + (" --out" if args.out else ""))
    for tab in tables:
        Console(width=230).print(tab)
    print("\n".join(notes))
    if args.out:
        from routeopt.instances._io import atomic_write
        record = Console(record=True, width=230, file=io.StringIO(), color_system=None)
        for tab in tables:
            record.print(tab)
        atomic_write(Path(args.out), record.export_text(styles=False) + "\n".join(notes) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

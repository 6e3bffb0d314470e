"""Packet routing in datacenter fabrics: each method's maximum link congestion over the LP
optimum (ideal packet spraying), sub-flows per flow and solve time.

Protocol: every flow of size 1, fabric links of capacity 1 (full bisection), host links of ample
capacity so that the fabric is what is measured; participants placed at random (seeded), so rings
and permutations cross the fabric. Methods run one after another in this process, each with
``--time-limit`` seconds.

- Leaf-spine 16 leaves x 16 spines x 16 hosts, all-to-all (among at most ``--max-hosts`` hosts:
  flows grow as n^2) and ring traffic: one row per method.
- Fat-trees k = 8 and k = 16, all-to-all (among at most ``--max-hosts``), ring, permutation and
  incast (all hosts): one row per case, side by side: the LP, minimal splitting (congestion over
  the LP, sub-flows per flow, time), greedy and ECMP (the seed's draw and the mean over 20) for
  reference, and the unsplittable MILP where it is small enough (at most 200 flows).

    python benchmarks/network.py --quick          # small fabrics, seconds; prints the tables only
    python benchmarks/network.py --out            # the full protocol (minutes), recorded in
                                                  # benchmarks/results/network.txt
    python benchmarks/network.py --out FILE       # ... recorded in FILE
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import routeopt
from routeopt.cli.common import fmt_number, fmt_time
from routeopt.instances.network.generate import generate_network
from routeopt.solvers.registry import solver_class

RESULTS = Path(__file__).resolve().parent / "results" / "network.txt"
FABRIC_ONLY = 1e6        # host-link capacity: the fabric, not the NICs, is measured
PATTERNS = ("all-to-all", "ring", "permutation", "incast")


def arguments(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="benchmarks/network.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small fabrics only (seconds)")
    ap.add_argument("--out", "-o", nargs="?", const=str(RESULTS), default=None, metavar="FILE",
                    help=f"also write the tables (or the JSON rows) to FILE (default {RESULTS.name})")
    ap.add_argument("--time-limit", "-t", type=float, default=120.0, help="seconds per run")
    ap.add_argument("--max-hosts", type=int, default=256, help="all-to-all among at most this many hosts")
    ap.add_argument("--seed", type=int, default=0, help="placement and hashing seed")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    return ap.parse_args(argv)


def run(net, method: str, args: argparse.Namespace) -> dict[str, Any] | None:
    cls = solver_class(method)
    if cls.max_size is not None and net.size > cls.max_size:
        return None
    t0 = time.perf_counter()
    r = routeopt.solve(net, solver=method, time_limit=args.time_limit, seed=args.seed)
    return {"solver": method, "status": str(r.status), "congestion": r.objective, "time": time.perf_counter() - t0,
            "subflows_per_flow": r.metadata.get("subflows_per_flow"), "mean": r.metadata.get("congestion_mean"),
            "reason": r.metadata.get("reason")}


def leaf_spine_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    shapes = [(4, 4, 4), (6, 4, 3)] if args.quick else [(16, 16, 16)]
    rows = []
    for leaves, spines, per_leaf in shapes:
        for pattern in ("all-to-all", "ring"):
            n = min(leaves * per_leaf, args.max_hosts) if pattern == "all-to-all" else leaves * per_leaf
            net = generate_network("leafspine", args.seed, leaves=leaves, spines=spines, hosts_per_leaf=per_leaf,
                                   spine_capacity=1.0, host_capacity=FABRIC_ONLY, traffic=pattern, hosts=n)
            lp = None
            for method in ("spray", "split", "network-greedy", "ecmp", "network-milp"):
                r = run(net, method, args)
                if r is None:
                    continue
                if method == "spray" and r["status"] == "OPTIMAL":
                    lp = r["congestion"]
                r.update(instance=net.name, flows=net.size,
                         ratio=None if lp is None or r["congestion"] is None else r["congestion"] / lp,
                         ratio_mean=None if lp is None or r["mean"] is None else r["mean"] / lp)
                rows.append(r)
    return rows


def fat_tree_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for k in ((4,) if args.quick else (8, 16)):
        for pattern in PATTERNS:
            total = k ** 3 // 4
            n = min(total, args.max_hosts) if pattern == "all-to-all" else total
            net = generate_network("fattree", args.seed, k=k, traffic=pattern, hosts=n, host_capacity=FABRIC_ONLY)
            row: dict[str, Any] = {"instance": net.name, "flows": net.size}
            for method in ("spray", "split", "network-greedy", "ecmp", "network-milp"):
                r = run(net, method, args)
                row[method] = r
            lp = row["spray"]["congestion"] if row["spray"]["status"] == "OPTIMAL" else None
            row["lp"] = lp
            for method in ("split", "network-greedy", "ecmp", "network-milp"):
                r = row[method]
                if r is not None:
                    r["ratio"] = None if lp is None or r["congestion"] is None else r["congestion"] / lp
                    r["ratio_mean"] = None if lp is None or r["mean"] is None else r["mean"] / lp
            rows.append(row)
            print(f"  {net.name}: split / LP = {fmt_number(row['split']['ratio'], 4)}", file=sys.stderr, flush=True)
    return rows


def tables(ls_rows: list[dict], ft_rows: list[dict]) -> list[Table]:
    a = Table(title="leaf-spine: max link congestion / LP optimum (ideal spraying)", title_justify="left")
    for name in ("instance", "flows", "solver", "status", "congestion", "/ LP", "ECMP mean / LP", "sub-flows/flow",
                 "time"):
        a.add_column(name, justify="left" if name in ("instance", "solver", "status") else "right")
    for r in ls_rows:
        a.add_row(r["instance"], str(r["flows"]), r["solver"], r["status"], fmt_number(r["congestion"], 3),
                  fmt_number(r["ratio"], 3), fmt_number(r["ratio_mean"], 3), fmt_number(r["subflows_per_flow"], 2),
                  fmt_time(r["time"]))
    b = Table(title="fat-tree: minimal splitting beside the LP optimum (ideal spraying); others / LP for reference",
              title_justify="left")
    for name in ("instance", "flows", "LP", "LP time", "split", "split / LP", "pieces/flow", "split time",
                 "greedy / LP", "ECMP / LP", "ECMP mean / LP", "MILP / LP", "MILP time"):
        b.add_column(name, justify="left" if name == "instance" else "right")
    for r in ft_rows:
        sp, milp = r["split"], r["network-milp"]
        b.add_row(r["instance"], str(r["flows"]), fmt_number(r["lp"], 3), fmt_time(r["spray"]["time"]),
                  fmt_number(sp["congestion"], 3), fmt_number(sp["ratio"], 4), fmt_number(sp["subflows_per_flow"], 3),
                  fmt_time(sp["time"]), fmt_number(r["network-greedy"]["ratio"], 3), fmt_number(r["ecmp"]["ratio"], 3),
                  fmt_number(r["ecmp"]["ratio_mean"], 3),
                  "-" if milp is None else fmt_number(milp["ratio"], 3) + ("" if milp["status"] == "OPTIMAL" else "*"),
                  "-" if milp is None else fmt_time(milp["time"]))
    return [a, b]


def notes(ft_rows: list[dict]) -> str:
    lines = ["MILP: '-' above 200 flows; '*' not proved optimal within the time limit."]
    for r in ft_rows:
        if r["split"].get("reason"):
            lines.append(f"{r['instance']}: {r['split']['reason']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    ls_rows, ft_rows = leaf_spine_rows(args), fat_tree_rows(args)
    if args.json:
        text = json.dumps({"leafspine": ls_rows, "fattree": ft_rows}, indent=1, default=str) + "\n"
        print(text, end="")
    else:
        record = Console(record=True, width=220, file=io.StringIO(), color_system=None)
        for t in tables(ls_rows, ft_rows):
            record.print(t)
        record.print(notes(ft_rows))
        text = record.export_text(styles=False)
        print(text, end="")
    if args.out:
        from routeopt.instances._io import atomic_write
        atomic_write(Path(args.out), text)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

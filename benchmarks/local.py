"""``local`` beside PyVRP (and OR-Tools) through the comparator, on every kind of VRP it solves.

Parts (each one ``routeopt.compare`` run: every run in its own process under a hard deadline,
seeds 0..S-1, every answer scored by the instance's own ``evaluate``, stored in --db so that
rerunning the same command resumes):

* ``x``: the CVRPLIB X instances in ../shared/instances/cvrp-x (best-known cost in the .sol
  beside each), ``local`` and ``pyvrp`` at each budget of ``--x-budgets``;
* ``solomon``: the Solomon VRPTW instances in ../shared/instances/vrptw-solomon, at
  ``--solomon-budget``;
* ``fleet``: generated MDVRP, HFVRP and PVRP (preferences, zones) instances of ``--sizes``
  clients, with ``ortools`` too, at ``--fleet-budget``;
* ``vrptw``: generated Solomon-like VRPTW instances (random, clustered and mixed layouts, tight
  windows) of ``--vrptw-sizes`` clients, the sizes of the Gehring-Homberger sets, at
  ``--vrptw-budget``.

For each part and budget it prints the comparator's summary (mean gap to the best-known cost, or
to the best answer of the run where none is known; wins) and one line: local's mean gap against
PyVRP's, and on how many instances local's mean objective over the seeds is lower, equal or
higher. ``--out`` writes the same as Markdown.

    python benchmarks/local.py                                  # the full protocol (hours)
    python benchmarks/local.py --parts x --x-budgets 1 --seeds 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "instances"
FLEET_KINDS = {"mdvrp": {}, "hfvrp": {}, "pvrp-preferences": {"mode": "preferences"},
               "pvrp-zones": {"mode": "zones"}}


def fleet_problems(sizes: list[int]) -> list:
    import routeopt
    problems = []
    for kind, params in FLEET_KINDS.items():
        for n in sizes:
            p = routeopt.generate(kind.split("-")[0], n=n, seed=1000 + n, **params)
            p.name = f"{kind}-n{n}"
            problems.append(p)
    return problems


def vrptw_problems(sizes: list[int]) -> list:
    import routeopt
    problems = []
    for n in sizes:
        for layout in ("random", "clustered", "mixed"):
            p = routeopt.generate("vrptw", n=n, seed=2000 + n, layout=layout)
            p.name = f"vrptw-{layout}-n{n}"
            problems.append(p)
    return problems


def head_to_head(report, ours: str = "local", theirs: str = "pyvrp") -> str:
    """Mean gaps and per-instance wins of ``ours`` against ``theirs`` (mean objective over seeds)."""
    better = equal = worse = 0
    gaps: dict[str, list[float]] = {ours: [], theirs: []}
    for inst in report.instances:
        a, b = report.cell(inst, ours), report.cell(inst, theirs)
        if not (a and b and a["ranked"] and b["ranked"]):
            continue
        for s, c in ((ours, a), (theirs, b)):
            gaps[s] += c["gaps"]
        tie = 1e-9 * max(1.0, abs(b["value"]))
        if a["value"] < b["value"] - tie:
            better += 1
        elif a["value"] > b["value"] + tie:
            worse += 1
        else:
            equal += 1
    mean = {s: sum(g) / len(g) if g else float("nan") for s, g in gaps.items()}
    return (f"{ours} mean gap {mean[ours]:.3f} % vs {theirs} {mean[theirs]:.3f} % "
            f"({mean[ours] - mean[theirs]:+.3f} points); {ours} lower mean objective on {better}, "
            f"equal on {equal}, higher on {worse} instances")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", default=["x", "solomon", "fleet", "vrptw"],
                        choices=["x", "solomon", "fleet", "vrptw"])
    parser.add_argument("--x-budgets", nargs="+", type=float, default=[1.0, 10.0, 30.0])
    parser.add_argument("--solomon-budget", type=float, default=10.0)
    parser.add_argument("--fleet-budget", type=float, default=30.0)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 200, 400])
    parser.add_argument("--vrptw-budget", type=float, default=30.0)
    parser.add_argument("--vrptw-sizes", nargs="+", type=int, default=[200, 400, 1000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="runs at a time (default: CPU cores)")
    parser.add_argument("--db", type=Path, default=Path("local-bench.db"))
    parser.add_argument("--out", type=Path, default=None, help="write the tables as Markdown")
    args = parser.parse_args(argv)

    from rich.console import Console

    import routeopt

    console = Console()
    workers = args.workers or len(os.sched_getaffinity(0))
    md = [f"$ python benchmarks/local.py {' '.join(argv if argv is not None else sys.argv[1:])}",
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU cores, {workers} runs at a time, "
          f"load average {os.getloadavg()[0]:.1f} at start)", ""]
    runs = []
    if "x" in args.parts:
        files = sorted((SHARED / "cvrp-x").glob("*.vrp"))
        runs += [(f"X instances, {t:g} s", files, ["local", "pyvrp"], t) for t in args.x_budgets]
    if "solomon" in args.parts:
        files = sorted((SHARED / "vrptw-solomon").glob("*.txt"))
        runs.append((f"Solomon, {args.solomon_budget:g} s", files, ["local", "pyvrp"], args.solomon_budget))
    if "fleet" in args.parts:
        runs.append((f"generated MDVRP/HFVRP/PVRP, {args.fleet_budget:g} s", fleet_problems(args.sizes),
                     ["local", "pyvrp", "ortools"], args.fleet_budget))
    if "vrptw" in args.parts:
        runs.append((f"generated VRPTW, {args.vrptw_budget:g} s", vrptw_problems(args.vrptw_sizes),
                     ["local", "pyvrp"], args.vrptw_budget))
    for title, problems, solvers, budget in runs:
        if not problems:
            console.print(f"{title}: skipped, no instances (../shared/instances is absent)")
            continue
        console.rule(title)
        report = routeopt.compare(problems, solvers, time_limit=budget, seeds=args.seeds, db=args.db,
                                  workers=workers)
        report.table()
        line = head_to_head(report)
        console.print(line)
        md += [f"## {title}, seeds 0-{args.seeds - 1}", "", report.to_markdown(), "", line, ""]
    if args.out:
        args.out.write_text("\n".join(md) + "\n")
        console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time to prove: the exact VRP solver's backends side by side on small CVRPs.

Instances: the small CVRPLIB instances in ../shared/instances/cvrp-small (skipped when absent)
and CVRPs of ``--sizes`` clients from the X generator (``--seeds`` each, or one count per size).
Every instance is solved by ``vrp-milp`` with each backend of ``--backends`` (auto: branch-price-
and-cut, handing over to SCIP on a weak root; bpc: branch-price-and-cut alone; scip: SCIP's
branch-and-cut with the cuts inside the tree; highs: the MIP re-solved after each round of cuts),
every answer scored by the instance's own ``evaluate``. The table gives the status, the seconds,
the answer and the proved bound, then per run the method, the root bound, the edges kept and the
nodes; a row where two backends prove different optima, or a bound above an answer, fails the run.

    python benchmarks/exact.py --sizes 30 40 50 --seeds 7 7 6 --backends auto --time-limit 600
    python benchmarks/exact.py --sizes 30 --seeds 2 --time-limit 60
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _report import finish

SHARED = Path(__file__).resolve().parents[2] / "shared" / "instances" / "cvrp-small"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[30, 40, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[3],
                        help="seeds per size: one number for every size, or one per size")
    parser.add_argument("--backends", nargs="+", default=["auto", "scip"], choices=["auto", "bpc", "scip", "highs", "cbc"])
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=None, help="write the table as Markdown")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    import routeopt

    problems = [routeopt.load(f) for f in sorted(SHARED.glob("*.vrp"))]
    seeds = args.seeds * len(args.sizes) if len(args.seeds) == 1 else args.seeds
    if len(seeds) != len(args.sizes):
        parser.error("--seeds: one number, or one per size")
    problems += [routeopt.generate("cvrp", n=n, seed=s) for n, k in zip(args.sizes, seeds) for s in range(k)]
    console = Console()
    rows, failures, details = [], [], []
    with Progress(console=console) as progress:
        task = progress.add_task("solving", total=len(problems) * len(args.backends))
        for p in problems:
            cells, proved = [], {}
            for backend in args.backends:
                progress.update(task, description=f"{p.name} {backend}")
                t0 = time.perf_counter()
                r = routeopt.solve(p, solver="milp", time_limit=args.time_limit, backend=backend)
                seconds = time.perf_counter() - t0
                if r.solution is not None and not p.evaluate(r.solution).feasible:
                    failures.append(f"{p.name} {backend}: infeasible answer")
                if r.bound is not None and r.objective is not None and r.bound > r.objective + 1e-6:
                    failures.append(f"{p.name} {backend}: bound {r.bound} above answer {r.objective}")
                if r.status.value == "OPTIMAL":
                    proved[backend] = r.objective
                cells.append((r.status.value, seconds, r.objective, r.bound))
                meta = r.metadata
                details.append(f"| {p.name} | {backend} | {meta.get('backend', '-')} | {meta.get('root_bound', '-')} | "
                               f"{meta.get('edges_kept', '-')} | {meta.get('nodes', '-')} | {seconds:.1f} |")
                progress.advance(task)
            if len({round(v, 6) for v in proved.values()}) > 1:
                failures.append(f"{p.name}: backends prove different optima {proved}")
            if p.best_known is not None and any(abs(v - p.best_known) > 1e-6 for v in proved.values()):
                failures.append(f"{p.name}: proved {proved}, best known {p.best_known}")
            rows.append((p, cells))

    def fmt(cell) -> str:
        status, seconds, objective, bound = cell
        if status == "OPTIMAL":
            return f"{seconds:.1f} s ✓ {objective:g}"
        gap = "" if objective is None or bound is None else f", gap {100 * (objective - bound) / objective:.2f} %"
        return f"{status} {objective if objective is not None else '-'} / bound {bound if bound is not None else '-'}{gap}"

    table = Table(title=f"vrp-milp: time to prove ({args.time_limit:g} s per run)")
    table.add_column("instance")
    table.add_column("clients", justify="right")
    table.add_column("best known", justify="right")
    for b in args.backends:
        table.add_column(b, justify="right")
    md = [f"$ python benchmarks/exact.py {' '.join(argv if argv is not None else sys.argv[1:])}",
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU cores, one run at a time, load average "
          f"{os.getloadavg()[0]:.1f} at the end)", "",
          "✓ = proved optimal, with the seconds it took; otherwise the answer, the proved bound and the gap.", "",
          "| instance | clients | best known | " + " | ".join(args.backends) + " |",
          "| --- | ---: | ---: |" + " ---: |" * len(args.backends)]
    for p, cells in rows:
        known = "-" if p.best_known is None else f"{p.best_known:g}"
        table.add_row(p.name, str(p.num_clients), known, *map(fmt, cells))
        md.append(f"| {p.name} | {p.num_clients} | {known} | " + " | ".join(map(fmt, cells)) + " |")
    md += ["", "Per run: the method the backend used, the column generation's root bound (ng-routes), "
           "the edges left after reduced-cost elimination, the search nodes.", "",
           "| instance | backend | method | root bound | edges kept | nodes | seconds |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: |", *details]
    for i, b in enumerate(args.backends):
        times = [c[i][1] for _, c in rows if c[i][0] == "OPTIMAL"]
        line = (f"{b}: proved {len(times)} of {len(rows)}"
                + (f", longest proof {max(times):.1f} s" if times else ""))
        console.print(line)
        md += ["", line]
    console.print(table)
    return finish(console, md, args.out, failures)


if __name__ == "__main__":
    sys.exit(main())

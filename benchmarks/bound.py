"""Proved bounds for large CVRPs: ``vrp-milp`` in mode ``bound`` on the X instances.

Each instance in ../shared/instances/cvrp-x (skipped when absent) is solved by ``vrp-milp`` with
``mode="bound"`` and the given time limit: ``local`` for a twentieth of it, column and cut
generation for the rest. The table gives the proved bound, its gap to the best-known value
(the instance's .sol), the answer and its proved gap, and the seconds; a bound above the
best-known value fails the run (a bound can never exceed an optimum).

    python benchmarks/bound.py --time-limit 60
    python benchmarks/bound.py --instances X-n101-k25 X-n936-k151 --time-limit 30
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _report import finish

SHARED = Path(__file__).resolve().parents[2] / "shared" / "instances" / "cvrp-x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument("--instances", nargs="+", default=None, help="names (default: every X instance)")
    parser.add_argument("--out", type=Path, default=None, help="write the table as Markdown")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    import routeopt

    files = sorted(SHARED.glob("*.vrp"))
    if args.instances:
        files = [f for f in files if f.stem in args.instances]
    if not files:
        print(f"no instances in {SHARED}")
        return 0
    console = Console()
    rows, failures = [], []
    with Progress(console=console) as progress:
        task = progress.add_task("bounding", total=len(files))
        for f in files:
            p = routeopt.load(f)
            progress.update(task, description=f"{p.name} ({p.size_text})")
            t0 = time.perf_counter()
            r = routeopt.solve(p, solver="milp", mode="bound", time_limit=args.time_limit)
            seconds = time.perf_counter() - t0
            if r.solution is not None and not p.evaluate(r.solution).feasible:
                failures.append(f"{p.name}: infeasible answer")
            if r.bound is not None and p.best_known is not None and r.bound > p.best_known + 1e-6:
                failures.append(f"{p.name}: bound {r.bound:g} above the best known {p.best_known:g}")
            rows.append((p, r, seconds))
            progress.advance(task)

    def pct(a, b):
        return None if a is None or b is None else 100.0 * (a - b) / a

    table = Table(title=f"vrp-milp mode bound, {args.time_limit:g} s per instance")
    for col in ("instance", "best known", "bound", "gap to best known %", "answer", "proved gap %", "seconds", "stopped"):
        table.add_column(col, justify="left" if col in ("instance", "stopped") else "right")
    md = [f"$ python benchmarks/bound.py {' '.join(argv if argv is not None else sys.argv[1:])}",
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU cores, one instance at a time, load average "
          f"{os.getloadavg()[0]:.1f} at the end)", "",
          "| instance | best known | bound | gap to best known % | answer | proved gap % | seconds | stopped |",
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    gaps = []
    for p, r, seconds in rows:
        gap = pct(p.best_known, r.bound)
        proved = pct(r.objective, r.bound)
        if gap is not None:
            gaps.append(gap)
        cells = [p.name, f"{p.best_known:g}", "-" if r.bound is None else f"{r.bound:g}",
                 "-" if gap is None else f"{gap:.2f}", "-" if r.objective is None else f"{r.objective:g}",
                 "-" if proved is None else f"{proved:.2f}", f"{seconds:.1f}", str(r.metadata.get("root_stopped", "-"))]
        table.add_row(*cells)
        md.append("| " + " | ".join(cells) + " |")
    line = (f"mean gap of the bound to the best known: {sum(gaps) / len(gaps):.2f} % over {len(gaps)} instances"
            f" (no bound on {len(rows) - len(gaps)})" if gaps else "no bound")
    console.print(table)
    console.print(line)
    md += ["", line]
    return finish(console, md, args.out, failures)


if __name__ == "__main__":
    sys.exit(main())

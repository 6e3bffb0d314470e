"""Does ``threads=2`` help the ``local`` solver at the same wall-clock budget?

Protocol: three CVRPLIB X instances (``../shared/instances/cvrp-x``; the .sol beside each gives
the best-known cost), ``local`` with ``threads=1`` and ``threads=2`` at the same time limit and
seed, one run after the other (never side by side, so that the two searches of ``threads=2`` have
the machine's cores). ``threads=2`` runs the seed's search in this process and seed+1 in a second
one, whose start-up (a new interpreter loading the compiled kernels) comes out of its own search
time. Prints the objectives and gaps to the best-known cost, and each search's objective, step
count and (for the second) start-up seconds. On a machine whose cores are busy with other work the
second search gets little time, and threads=2 gains little; the title gives the load average.

    python benchmarks/local_threads.py --time-limit 10
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

INSTANCES = ("X-n101-k25", "X-n214-k11", "X-n502-k39")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "instances" / "cvrp-x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of the X instances")
    parser.add_argument("--instances", nargs="+", default=list(INSTANCES))
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    import routeopt
    from routeopt.solvers.vrp.local import warm_up

    console = Console()
    paths = [args.dir / f"{name}.vrp" for name in args.instances]
    missing = [p for p in paths if not p.exists()]
    if missing:
        console.print(f"skipped: {', '.join(str(p) for p in missing)} not found "
                      f"(the X instances live in ../shared/instances/cvrp-x)")
        return 0
    warm_up()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    table = Table(title=f"local, threads=1 vs threads=2: {args.time_limit:g} s each, seed {args.seed}, "
                        f"{cores} CPU cores (load average {os.getloadavg()[0]:.1f} at start)")
    for col in ("instance", "BKS", "threads=1", "gap", "threads=2", "gap", "searches (seed: objective, steps[, start-up])",
                "wall t=1 / t=2"):
        table.add_column(col, justify="left" if col.startswith(("instance", "searches")) else "right")
    gaps: dict[int, list[float]] = {1: [], 2: []}
    for path in paths:
        problem = routeopt.load(path)
        row = [problem.name, f"{problem.best_known:g}" if problem.best_known else "-"]
        walls = []
        searches = ""
        for threads in (1, 2):
            result = routeopt.solve(problem, solver="local", time_limit=args.time_limit, seed=args.seed,
                                    threads=threads)
            walls.append(result.runtime)
            ok = result.status.value == "FEASIBLE"
            row += [f"{result.objective:g}" if ok else str(result.status),
                    f"{result.gap:.2f} %" if result.gap is not None else "-"]
            if result.gap is not None:
                gaps[threads].append(result.gap)
            if threads == 2:
                searches = "; ".join(
                    f"{s['seed']}: {s['objective']:g}, {s['iterations']}"
                    + (f", {s['start_up']:.1f} s" if "start_up" in s else "") if s["objective"] is not None
                    else f"{s['seed']}: none ({s.get('error', '')})" for s in result.metadata["searches"])
        table.add_row(*row, searches, f"{walls[0]:.1f} / {walls[1]:.1f} s")
    if all(len(g) == len(paths) for g in gaps.values()):
        table.add_row("mean", "", "", f"{sum(gaps[1]) / len(paths):.2f} %", "",
                      f"{sum(gaps[2]) / len(paths):.2f} %", "", "", end_section=True)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

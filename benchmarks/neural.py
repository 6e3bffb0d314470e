"""How good and how fast are the neural solvers? A benchmark command (not a test).

Protocol:

1. ``--n-instances`` generated TSP50 and CVRP50 instances (``routeopt.generate``, seeds 0..N-1;
   training instances use seeds >= 2**40, so none of these was seen in training).
2. Reference per instance, one process per worker: TSP with the exact solver (``milp``, time
   limit ``--ref-time``; its answer is optimal where proved), CVRP with PyVRP at ``--ref-time``.
3. Each neural solver x decode (default ``pomo`` greedy and augment) solves all instances in one
   batched call (:func:`routeopt.neural.solver.solve_batch`); every answer is scored by the
   instance. Reported: mean gap to the reference, time per instance (batch time / N) and
   instances per second, on the device used (``--device``).
4. CVRP100 (``--hybrid-instances``): ``pomo+ls`` against ``pyvrp`` at the same short budget
   (``--hybrid-time``, 1 s): mean gap of each to the better of the two, and wins.

    python benchmarks/neural.py --n-instances 50 --ref-time 2
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table


def reference(kind: str, n: int, seed: int, solver: str, time_limit: float) -> tuple[float | None, str]:
    import routeopt

    p = routeopt.generate(kind, n=n, seed=seed)
    r = routeopt.solve(p, solver=solver, time_limit=time_limit, seed=0)
    ok = r.status.value in ("OPTIMAL", "FEASIBLE")
    return (r.objective if ok else None), r.status.value


def warm_up(device: str) -> None:
    """Per worker process: import torch and rl4co and load the checkpoint before any timed run,
    as the comparator does with ``Solver.prepare``."""
    import torch

    import routeopt

    torch.set_num_threads(1)
    routeopt.solve(routeopt.generate("cvrp", n=100, seed=10**6), solver="pomo", decode="greedy",
                   device=device)


def hybrid(n: int, seed: int, solver: str, time_limit: float, device: str,
           checkpoint: str | None = None) -> tuple[float | None, float]:
    import torch

    import routeopt

    torch.set_num_threads(1)
    p = routeopt.generate("cvrp", n=n, seed=seed)
    options = {"device": device} if solver == "pomo+ls" else {}
    if solver == "pomo+ls" and checkpoint:
        options.update(checkpoint=checkpoint, any_size=True)
    r = routeopt.solve(p, solver=solver, time_limit=time_limit, seed=0, **options)
    ok = r.status.value in ("OPTIMAL", "FEASIBLE")
    return (r.objective if ok else None), r.runtime


def _gap(value: float | None, ref: float | None) -> float | None:
    if value is None or ref is None:
        return None
    return 100.0 * (value - ref) / ref


def _mean(values: list[float | None]) -> str:
    vals = [v for v in values if v is not None]
    return "-" if not vals else f"{statistics.fmean(vals):+.2f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-instances", type=int, default=1000)
    parser.add_argument("--size", type=int, default=50, help="TSP cities / CVRP clients (50)")
    parser.add_argument("--problems", default="tsp,cvrp")
    parser.add_argument("--solvers", default="pomo", help="neural solvers, comma-separated")
    parser.add_argument("--decodes", default="greedy,augment")
    parser.add_argument("--ref-time", type=float, default=10.0, help="reference time limit (s)")
    parser.add_argument("--tsp-reference", default="milp", help="exact solver for TSP (milp)")
    parser.add_argument("--hybrid-instances", type=int, default=None,
                        help="CVRP100 instances for pomo+ls vs pyvrp (default min(N, 100); 0: skip)")
    parser.add_argument("--hybrid-size", type=int, default=100)
    parser.add_argument("--hybrid-time", type=float, default=1.0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", type=int, default=2, help="processes for the classical runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the neural runs")
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--checkpoint", action="append", default=[], metavar="KIND=PATH",
                        help="the checkpoint for a problem (e.g. cvrp=runs/sl-cvrp50/model.pt); "
                             "default: the shipped one nearest in size")
    args = parser.parse_args(argv)

    import torch

    import routeopt
    from routeopt.neural.inference import resolve_device
    from routeopt.neural.solver import solve_batch

    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    chosen: dict[str, list[str | None]] = {}
    for item in args.checkpoint:
        kind, sep, path = item.partition("=")
        if not sep or not (path == "shipped" or Path(path).is_file()):
            parser.error(f"--checkpoint {item}: give KIND=PATH of an existing file (or KIND=shipped)")
        chosen.setdefault(kind.strip().lower(), []).append(None if path == "shipped" else path)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({args.threads} thread)"
    console = Console(highlight=False, markup=False)
    if not console.is_terminal:
        console = Console(highlight=False, markup=False, width=160)
    n = args.n_instances
    rows: list[dict] = []
    table = Table(title=f"neural solvers on {n} generated instances per problem · {where}",
                  title_justify="left")
    for col in ("problem", "solver", "checkpoint", "decode", "reference", "mean gap", "worst gap", "time / inst",
                "inst / s", "feasible"):
        table.add_column(col, justify="left" if col in ("problem", "solver", "checkpoint", "decode", "reference")
                         else "right")

    for kind in [k.strip() for k in args.problems.split(",") if k.strip()]:
        ref_solver = args.tsp_reference if kind == "tsp" else "pyvrp"
        problems = [routeopt.generate(kind, n=args.size, seed=s) for s in range(n)]
        console.print(f"[{kind}{args.size}] reference {ref_solver} at {args.ref_time:g} s on {n} instances "
                      f"with {args.workers} workers ...")
        start = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            refs = list(pool.map(reference, [kind] * n, [args.size] * n, range(n), [ref_solver] * n,
                                 [args.ref_time] * n))
        console.print(f"  done in {time.perf_counter() - start:.0f} s; proved optimal: "
                      f"{sum(s == 'OPTIMAL' for _, s in refs)}/{n}")
        runs = [(solver, ckpt, decode) for solver in [s.strip() for s in args.solvers.split(",") if s.strip()]
                for ckpt in chosen.get(kind, [None])
                for decode in [d.strip() for d in args.decodes.split(",") if d.strip()]]
        for solver, ckpt, decode in runs:
            extra = {"checkpoint": ckpt} if ckpt else {}
            solve_batch(problems[:1], solver, decode=decode, device=str(device), **extra)  # load, warm up
            start = time.perf_counter()
            results = solve_batch(problems, solver, decode=decode, device=str(device),
                                  threads=args.threads, **extra)
            seconds = time.perf_counter() - start
            ok = [r.status.value == "FEASIBLE" for r in results]
            gaps = [_gap(r.objective if good else None, ref)
                    for r, good, (ref, _) in zip(results, ok, refs)]
            vals = [g for g in gaps if g is not None]
            used = results[0].metadata.get("checkpoint")
            table.add_row(f"{kind.upper()}{args.size}", solver, Path(str(used)).name if used else "-", decode,
                          f"{ref_solver} {args.ref_time:g}s", _mean(gaps),
                          "-" if not vals else f"{max(vals):+.2f}%", f"{1000 * seconds / n:.1f} ms",
                          f"{n / seconds:.1f}", f"{sum(ok)}/{n}")
            rows.append({"problem": f"{kind}{args.size}", "solver": solver, "decode": decode,
                         "reference": ref_solver, "ref_time": args.ref_time,
                         "mean_gap": statistics.fmean(vals) if vals else None,
                         "seconds": seconds, "instances": n, "feasible": sum(ok),
                         "device": where, "checkpoint": results[0].metadata.get("checkpoint")})
    console.print(table)

    m = min(n, 100) if args.hybrid_instances is None else args.hybrid_instances
    if m > 0:
        console.print(f"[cvrp{args.hybrid_size}] pomo+ls vs pyvrp at {args.hybrid_time:g} s on {m} "
                      f"instances ...")
        out = {}
        for solver in ("pyvrp", "pomo+ls"):
            # spawn: a forked child cannot use CUDA once the parent has
            with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=warm_up, initargs=(str(device),)) as pool:
                out[solver] = list(pool.map(hybrid, [args.hybrid_size] * m, range(m), [solver] * m,
                                            [args.hybrid_time] * m, [str(device)] * m,
                                            [(chosen.get("cvrp") or [None])[-1]] * m))
        best = [min(v for v in (a[0], b[0]) if v is not None) if (a[0] or b[0]) else None
                for a, b in zip(out["pyvrp"], out["pomo+ls"])]
        t2 = Table(title=f"CVRP{args.hybrid_size}: pomo+ls vs pyvrp, {args.hybrid_time:g} s each, "
                         f"{m} instances", title_justify="left")
        for col in ("solver", "mean gap to better", "wins", "ties", "mean runtime"):
            t2.add_column(col, justify="left" if col == "solver" else "right")
        for solver, other in (("pyvrp", "pomo+ls"), ("pomo+ls", "pyvrp")):
            mine, theirs = out[solver], out[other]
            wins = sum(1 for a, b in zip(mine, theirs) if a[0] is not None and (b[0] is None or a[0] < b[0] - 1e-9))
            ties = sum(1 for a, b in zip(mine, theirs) if a[0] is not None and b[0] is not None
                       and abs(a[0] - b[0]) <= 1e-9)
            gaps = [_gap(a[0], ref) for a, ref in zip(mine, best)]
            t2.add_row(solver, _mean(gaps), str(wins), str(ties),
                       f"{statistics.fmean(a[1] for a in mine):.2f} s")
            rows.append({"problem": f"cvrp{args.hybrid_size}", "solver": solver, "decode": "",
                         "reference": "better of pyvrp and pomo+ls", "ref_time": args.hybrid_time,
                         "mean_gap": statistics.fmean([g for g in gaps if g is not None] or [float("nan")]),
                         "seconds": sum(a[1] for a in mine), "instances": m,
                         "feasible": sum(a[0] is not None for a in mine), "device": where,
                         "checkpoint": None})
        console.print(t2)
    if args.csv is not None:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

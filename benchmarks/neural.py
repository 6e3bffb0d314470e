"""How good and how fast are the neural solvers? A benchmark command (not a test).

Protocol:

1. ``--n-instances`` generated instances per problem of ``--problems`` (``tsp50,cvrp50,cvrp100``:
   kind and size; ``routeopt.generate``, seeds 0..N-1; training instances use seeds >= 2**40, so
   none of these was seen in training).
2. Reference per instance, one process per worker: TSP with the exact solver (``milp``, time
   limit ``--ref-time``; its answer is optimal where proved), CVRP and VRPTW with PyVRP at
   ``--ref-time``. ``--ref-cache FILE`` keeps them (a CSV keyed by problem, seed, solver and time)
   so that a second run compares models without solving them again.
3. Each neural solver x decode (default ``pomo`` greedy and augment) solves all instances in one
   batched call (:func:`routeopt.neural.solver.solve_batch`); every answer is scored by the
   instance. Reported: mean gap to the reference, time per instance (batch time / N) and
   instances per second, on the device used (``--device``).
4. The improvement step (``--improve-time``, 1 s): ``pomo+ls`` (x8 augmentation, then the search
   ``--ls`` seeded with the model's answer, within the time limit) on every instance, one process
   per worker.
5. ``--target KINDSIZE=PCT`` (defaults: TSP50 1 %, CVRP50 3 %, CVRP100 4 %): the augment and
   improvement rows must be within that mean gap, or the command lists them as failed and exits 1.
6. CVRP100 (``--hybrid-instances``): ``pomo+ls`` against ``pyvrp`` at the same short budget
   (``--hybrid-time``, 1 s): mean gap of each to the best answer, wins and losses; with
   ``--ls local`` the local search alone as well, which shows what the model's answer adds.

    python benchmarks/neural.py --problems tsp50,cvrp50 --n-instances 50 --ref-time 2
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import finish  # noqa: E402

TARGETS = {"tsp50": 1.0, "cvrp50": 3.0, "cvrp100": 4.0}


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


def one(kind: str, n: int, seed: int, solver: str, time_limit: float, device: str,
        checkpoint: str | None = None, decode: str | None = None, ls: str | None = None
        ) -> tuple[float | None, float]:
    """One instance solved by a (non-batched) solver in a worker: objective (None if not feasible)
    and runtime."""
    import torch

    import routeopt

    torch.set_num_threads(1)
    p = routeopt.generate(kind, n=n, seed=seed)
    options: dict = {}
    if solver == "pomo+ls":
        options = {"device": device, **({"decode": decode} if decode else {}), **({"ls": ls} if ls else {})}
        if checkpoint:
            options.update(checkpoint=checkpoint, any_size=True)
    r = routeopt.solve(p, solver=solver, time_limit=time_limit, seed=0, **options)
    ok = r.status.value in ("OPTIMAL", "FEASIBLE")       # routeopt.solve scored it: feasible
    return (r.objective if ok else None), r.runtime


def _gap(value: float | None, ref: float | None) -> float | None:
    if value is None or ref is None:
        return None
    return 100.0 * (value - ref) / ref


def _mean(values: list[float | None]) -> str:
    vals = [v for v in values if v is not None]
    return "-" if not vals else f"{statistics.fmean(vals):+.2f}%"


def _each(workers: int, device: str, runs: list[tuple]) -> list[list[tuple[float | None, float]]]:
    """Every run's instances solved by :func:`one` on one pool of warmed-up workers (spawned: a
    forked child cannot use CUDA once the parent has), one list of answers per run."""
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=warm_up, initargs=(device,)) as pool:
        return [list(pool.map(one, *columns)) for columns in runs]


def _md_row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _spec(text: str, size: int) -> tuple[str, int]:
    m = re.fullmatch(r"([a-z]+)(\d*)", text.strip().lower())
    if not m:
        raise ValueError(text)
    return m.group(1), int(m.group(2) or size)


class RefCache:
    """References kept in a CSV (problem, seed, solver, time, objective, status) between runs."""

    FIELDS = ("problem", "seed", "solver", "time", "objective", "status")

    def __init__(self, path: Path | None):
        self.path, self.rows = path, {}
        if path is not None and path.exists():
            with open(path, newline="") as fh:
                for r in csv.DictReader(fh):
                    key = (r["problem"], int(r["seed"]), r["solver"], float(r["time"]))
                    self.rows[key] = (float(r["objective"]) if r["objective"] else None, r["status"])

    def get(self, key):
        return self.rows.get(key)

    def put(self, values: dict) -> None:
        self.rows.update(values)
        if self.path is None:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(self.FIELDS)
            for (prob, seed, solver, t), (obj, status) in sorted(self.rows.items()):
                w.writerow([prob, seed, solver, t, "" if obj is None else repr(obj), status])
        tmp.replace(self.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-instances", type=int, default=100)
    parser.add_argument("--size", type=int, default=50, help="size of a problem given without one (50)")
    parser.add_argument("--problems", default="tsp50,cvrp50,cvrp100",
                        help="kind and size, comma-separated (tsp50, cvrp100, vrptw50)")
    parser.add_argument("--solvers", default="pomo", help="neural solvers, comma-separated")
    parser.add_argument("--decodes", default="greedy,augment")
    parser.add_argument("--ref-time", type=float, default=10.0, help="reference time limit (s)")
    parser.add_argument("--tsp-reference", default="vrp-milp", help="exact solver for TSP (vrp-milp)")
    parser.add_argument("--ref-cache", type=Path, default=None, help="CSV keeping the references between runs")
    parser.add_argument("--improve-time", type=float, default=1.0,
                        help="time limit of the improvement-step row, pomo+ls with x8 augmentation (0: skip)")
    parser.add_argument("--ls", default="pyvrp", choices=("pyvrp", "local"), help="search of that step")
    parser.add_argument("--target", action="append", default=[], metavar="PROBLEM=PCT",
                        help="mean gap the augment and improvement rows must reach (defaults: "
                             + ", ".join(f"{k}={v:g}" for k, v in TARGETS.items()) + ")")
    parser.add_argument("--hybrid-instances", type=int, default=None,
                        help="CVRP instances for pomo+ls vs pyvrp (default min(N, 50); 0: skip)")
    parser.add_argument("--hybrid-size", type=int, default=100)
    parser.add_argument("--hybrid-time", type=float, default=1.0)
    parser.add_argument("--hybrid-decode", default=None, choices=("greedy", "multistart", "augment"),
                        help="pomo+ls's decode there (default its own: greedy on a CPU, augment on a GPU)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", type=int, default=2, help="processes for the per-instance runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the batched neural runs")
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="write the tables here (Markdown)")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="PROBLEM=PATH",
                        help="the checkpoint for a problem, by kind or kind and size (e.g. "
                             "cvrp=runs/sl-cvrp50/model.pt, cvrp100=...; repeat for several side by side; "
                             "PATH 'shipped': the shipped one nearest in size)")
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
            parser.error(f"--checkpoint {item}: give PROBLEM=PATH of an existing file (or PROBLEM=shipped)")
        chosen.setdefault(kind.strip().lower(), []).append(None if path == "shipped" else path)
    targets = dict(TARGETS)
    for item in args.target:
        key, sep, value = item.partition("=")
        try:
            targets[key.strip().lower()] = float(value)
        except ValueError:
            parser.error(f"--target {item}: give PROBLEM=PERCENT, e.g. cvrp50=3")
    try:
        specs = [_spec(t, args.size) for t in args.problems.split(",") if t.strip()]
    except ValueError as exc:
        parser.error(f"--problems: '{exc}' is not a kind and size such as cvrp100")

    def checkpoints(kind: str, size: int) -> list[str | None]:
        return chosen.get(f"{kind}{size}") or chosen.get(kind) or [None]

    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({args.threads} thread)"
    console = Console(highlight=False, markup=False)
    if not console.is_terminal:
        console = Console(highlight=False, markup=False, width=170)
    n = args.n_instances
    cache = RefCache(args.ref_cache)
    rows: list[dict] = []
    failures: list[str] = []
    md: list[str] = []
    columns = ("problem", "solver", "checkpoint", "decode", "reference", "mean gap", "worst gap", "time / inst",
               "inst / s", "feasible", "target")
    table = Table(title=f"neural solvers on {n} generated instances per problem · {where}",
                  title_justify="left")
    for col in columns:
        table.add_column(col, justify="left" if col in ("problem", "solver", "checkpoint", "decode", "reference")
                         else "right")
    md += [_md_row(columns), "|" + " --- |" * len(columns)]

    def add(label: str, solver: str, ckpt: str, decode: str, ref_name: str, gaps: list[float | None],
            seconds: float, per_instance: float, feasible: int, check: bool) -> None:
        vals = [g for g in gaps if g is not None]
        target = targets.get(label.lower()) if check else None
        verdict = "-"
        if target is not None:
            good = bool(vals) and feasible == len(gaps) and statistics.fmean(vals) <= target
            verdict = f"<= {target:g}% " + ("yes" if good else "NO")
            if not good:
                failures.append(f"{label} {solver} {decode} ({ckpt}): mean gap {_mean(gaps)}, "
                                f"{feasible}/{len(gaps)} feasible; target {target:g} %")
        cells = [label, solver, ckpt, decode, ref_name, _mean(gaps), "-" if not vals else f"{max(vals):+.2f}%",
                 f"{1000 * per_instance:.1f} ms", f"{1 / per_instance:.1f}" if per_instance > 0 else "-",
                 f"{feasible}/{len(gaps)}", verdict]
        table.add_row(*cells)
        md.append(_md_row(cells))
        rows.append({"problem": label.lower(), "solver": solver, "decode": decode, "reference": ref_name,
                     "ref_time": args.ref_time, "mean_gap": statistics.fmean(vals) if vals else None,
                     "seconds": seconds, "instances": len(gaps), "feasible": feasible, "device": where,
                     "checkpoint": ckpt})

    for kind, size in specs:
        label = f"{kind.upper()}{size}"
        ref_solver = args.tsp_reference if kind == "tsp" else "pyvrp"
        problems = [routeopt.generate(kind, n=size, seed=s) for s in range(n)]
        keys = [(f"{kind}{size}", s, ref_solver, args.ref_time) for s in range(n)]
        missing = [k for k in keys if cache.get(k) is None]
        console.print(f"[{kind}{size}] reference {ref_solver} at {args.ref_time:g} s on {n} instances "
                      f"({len(keys) - len(missing)} kept) with {args.workers} workers ...")
        start = time.perf_counter()
        if missing:
            with ProcessPoolExecutor(args.workers) as pool:
                got = list(pool.map(reference, [kind] * len(missing), [size] * len(missing),
                                    [k[1] for k in missing], [ref_solver] * len(missing),
                                    [args.ref_time] * len(missing)))
            cache.put(dict(zip(missing, got)))
        refs = [cache.get(k) for k in keys]
        console.print(f"  done in {time.perf_counter() - start:.0f} s; proved optimal: "
                      f"{sum(s == 'OPTIMAL' for _, s in refs)}/{n}")
        ref_name = f"{ref_solver} {args.ref_time:g}s"
        runs = [(solver, ckpt, decode) for solver in [s.strip() for s in args.solvers.split(",") if s.strip()]
                for ckpt in checkpoints(kind, size)
                for decode in [d.strip() for d in args.decodes.split(",") if d.strip()]]
        for solver, ckpt, decode in runs:
            extra = {"checkpoint": ckpt, "any_size": True} if ckpt else {}
            solve_batch(problems[:1], solver, decode=decode, device=str(device), **extra)  # load, warm up
            start = time.perf_counter()
            results = solve_batch(problems, solver, decode=decode, device=str(device),
                                  threads=args.threads, **extra)
            seconds = time.perf_counter() - start
            ok = [r.status.value == "FEASIBLE" for r in results]      # scored by solve_batch
            gaps = [_gap(r.objective if good else None, ref) for r, good, (ref, _) in zip(results, ok, refs)]
            used = results[0].metadata.get("checkpoint")
            add(label, solver, Path(str(used)).name if used else "-", decode, ref_name, gaps, seconds,
                seconds / n, sum(ok), decode == "augment")
        if args.improve_time > 0:
            ckpt = checkpoints(kind, size)[-1]
            console.print(f"[{kind}{size}] pomo+ls (augment, then {args.ls}) at {args.improve_time:g} s ...")
            start = time.perf_counter()
            got, = _each(args.workers, str(device), [
                ([kind] * n, [size] * n, range(n), ["pomo+ls"] * n, [args.improve_time] * n, [str(device)] * n,
                 [ckpt] * n, ["augment"] * n, [args.ls] * n)])
            seconds = time.perf_counter() - start
            gaps = [_gap(v, ref) for (v, _), (ref, _) in zip(got, refs)]
            add(label, "pomo+ls", Path(ckpt).name if ckpt else "shipped", f"augment+{args.ls} {args.improve_time:g}s",
                ref_name, gaps, seconds, statistics.fmean(t for _, t in got), sum(v is not None for v, _ in got),
                True)
    console.print(table)

    m = min(n, 50) if args.hybrid_instances is None else args.hybrid_instances
    if m > 0:
        size = args.hybrid_size
        ckpt = checkpoints("cvrp", size)[-1]
        console.print(f"[cvrp{size}] pomo+ls vs pyvrp at {args.hybrid_time:g} s on {m} instances ...")
        # the search alone beside its model-seeded run shows what the model's answer adds
        contenders = ["pyvrp", "pomo+ls"] + (["local"] if args.ls == "local" else [])
        out = dict(zip(contenders, _each(args.workers, str(device), [
            (["cvrp"] * m, [size] * m, range(m), [solver] * m, [args.hybrid_time] * m, [str(device)] * m,
             [ckpt] * m, [args.hybrid_decode] * m, [args.ls] * m) for solver in contenders])))
        best = [min((o[i][0] for o in out.values() if o[i][0] is not None), default=None) for i in range(m)]
        title = (f"CVRP{size}: pomo+ls ({args.hybrid_decode or 'default decode'}, then {args.ls}) vs pyvrp, {args.hybrid_time:g} s each, {m} instances; "
                 f"checkpoint {Path(ckpt).name if ckpt else 'shipped'}")
        t2 = Table(title=title, title_justify="left")
        cols2 = ("solver", "mean gap to best", "against", "wins", "losses", "ties", "mean runtime")
        for col in cols2:
            t2.add_column(col, justify="left" if col in ("solver", "against") else "right")
        md += ["", title, "", _md_row(cols2), "|" + " --- |" * len(cols2)]
        won = {}
        for solver in contenders:
            other = "pyvrp" if solver == "pomo+ls" else "pomo+ls"
            mine, theirs = out[solver], out[other]
            wins = sum(1 for a, b in zip(mine, theirs) if a[0] is not None and (b[0] is None or a[0] < b[0] - 1e-9))
            ties = sum(1 for a, b in zip(mine, theirs) if a[0] is not None and b[0] is not None
                       and abs(a[0] - b[0]) <= 1e-9)
            won[solver] = wins
            gaps = [_gap(a[0], ref) for a, ref in zip(mine, best)]
            cells = [solver, _mean(gaps), other, str(wins), str(m - wins - ties), str(ties),
                     f"{statistics.fmean(a[1] for a in mine):.2f} s"]
            t2.add_row(*cells)
            md.append(_md_row(cells))
            rows.append({"problem": f"cvrp{size}", "solver": solver, "decode": "",
                         "reference": "best of " + ", ".join(contenders), "ref_time": args.hybrid_time,
                         "mean_gap": statistics.fmean([g for g in gaps if g is not None] or [float("nan")]),
                         "seconds": sum(a[1] for a in mine), "instances": m,
                         "feasible": sum(a[0] is not None for a in mine), "device": where,
                         "checkpoint": ckpt})
        console.print(t2)
        if won["pomo+ls"] <= won["pyvrp"]:
            failures.append(f"CVRP{size} pomo+ls won {won['pomo+ls']} of {m} against pyvrp's {won['pyvrp']}")
    if args.csv is not None and rows:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return finish(console, md, args.out, failures)


if __name__ == "__main__":
    sys.exit(main())

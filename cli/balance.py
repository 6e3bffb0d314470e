"""``routeopt balance``: what only MoE load balancing has: a stream simulator and the benchmark grid.
One batch is solved like any instance: ``routeopt solve --generate balance-zipf -p n=4096 -p m=64 -s bip``.

    routeopt balance simulate -g balance-drift --n 4096 --m 64 --k 2 --steps 50 -s bip,lossfree
    routeopt balance bench --quick
    routeopt balance bench --exact -t 120      # exact solver vs BIP vs MILP, BIP's gap per generator
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from .common import console, print_json

balance_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                          help="MoE load balancing: simulate a stream of batches, benchmark the methods "
                               "(one batch: 'routeopt solve --generate balance-zipf').")

_KIND = typer.Option("--generate", "-g", metavar="KIND", help="Generator: balance-gaussian, balance-zipf, "
                                                              "balance-hot, balance-drift.")


def _threads() -> None:
    import torch

    torch.set_num_threads(max(1, min(torch.get_num_threads(), 8)))


def _methods(text: Optional[str]) -> Optional[list[str]]:
    return None if not text else [w.strip() for w in text.split(",") if w.strip()]


def _f(x, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def _sim_table(title: str, rows: list[dict]) -> Table:
    t = Table(title=title)
    for col in ("method", "first MaxVio", "AvgMaxVio", "SupMaxVio", "Avg after warm-up",
                "Sup after warm-up", "score kept", "guard moved", "ms/step"):
        t.add_column(col, justify="left" if col == "method" else "right")
    for r in rows:
        t.add_row(r["method"], _f(r["first_max_vio"]), _f(r["avg_max_vio"]), _f(r["sup_max_vio"]),
                  _f(r["avg_max_vio_after_warmup"]), _f(r["sup_max_vio_after_warmup"]),
                  _f(r["score_ratio"]), _pct(r.get("guard_moved")), f"{r['ms_per_step']:.1f}")
    return t


@balance_app.command()
def simulate(
    kind: Annotated[str, _KIND] = "balance-zipf",
    n: Annotated[int, typer.Option("--n", min=1, help="Tokens per batch.")] = 4096,
    m: Annotated[int, typer.Option("--m", min=1, help="Experts.")] = 16,
    k: Annotated[int, typer.Option("--k", min=1, help="Experts per token.")] = 2,
    steps: Annotated[int, typer.Option(min=1, help="Batches.")] = 50,
    warmup: Annotated[int, typer.Option(min=0, help="Steps left out of the after-warm-up figures.")] = 10,
    capacity_factor: Annotated[float, typer.Option(help="Expert capacity = ceil(c k n / m).")] = 1.0,
    methods: Annotated[Optional[str], typer.Option("--solvers", "-s", help="Comma-separated: topk, bip, bip-causal, "
                                                   "bip-causal-raw, lossfree, sinkhorn, greedy, expert-choice "
                                                   "(default: all).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Stream seed.")] = 0,
    device: Annotated[str, typer.Option(help="torch device (cpu, cuda).")] = "cpu",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Feed a stream of batches to the balancing methods; MaxVio, score kept and time per step."""
    from ..solvers.balance.simulate import simulate as run

    _threads()
    rep = run(kind, n, m, k, steps, seed, capacity_factor=capacity_factor, methods=_methods(methods),
              warmup=warmup, device=device)
    if as_json:
        print_json(rep.to_dict())
        return
    console().print(_sim_table(f"{kind}: n={n} m={m} k={k} c={capacity_factor:g}, {steps} steps "
                               f"(warm-up {warmup}) on {rep.device}", rep.rows()))


def bench_table(rows: list[dict]) -> Table:
    t = Table(title="MoE load balancing (capacity factor 1; MaxVio on raw routing; objective on the first "
                    "batch, capacity-repaired, vs the exact BIP)")
    for col in ("n", "m", "k", "method", "first MaxVio", "AvgMaxVio", "SupMaxVio", "Avg after warm-up",
                "Sup after warm-up", "score kept", "guard moved", "gap to MILP", "ms/step", "device"):
        t.add_column(col, justify="left" if col in ("method", "device") else "right")
    for r in rows:
        gap = r.get("gap_to_milp_pct")
        t.add_row(str(r["n"]), str(r["m"]), str(r["k"]), r["method"], _f(r["first_max_vio"]),
                  _f(r["avg_max_vio"]), _f(r["sup_max_vio"]), _f(r["avg_max_vio_after_warmup"]),
                  _f(r["sup_max_vio_after_warmup"]), _f(r["score_ratio"]), _pct(r.get("guard_moved")),
                  "-" if gap is None else f"{gap:.3f}%", f"{r['ms_per_step']:.1f}", r["device"])
    return t


def _unsigned(pct: float) -> float:
    """A proved gap below the table's last digit is 0: the LP's rounding can put the bound a few
    ulps under the objective, which would print as -0.0000%."""
    return 0.0 if abs(pct) < 5e-5 else pct


def exact_table(rows: list[dict]) -> Table:
    t = Table(title="Exact balance: the exact solver, BIP and the MILP side by side (capacity factor 1; "
                    "gap to the proved optimum; proved gap = (bound - objective) / objective)")
    for col in ("case", "n", "m", "k", "method", "status", "objective", "bound", "proved gap", "gap to optimum",
                "seconds"):
        t.add_column(col, justify="left" if col in ("case", "method", "status") else "right")
    last = None
    for r in rows:
        new_case = (r["case"], r["n"]) != last
        last = (r["case"], r["n"])
        t.add_row(r["case"] if new_case else "", str(r["n"]) if new_case else "", str(r["m"]) if new_case else "",
                  str(r["k"]) if new_case else "", r["method"], r["status"],
                  "-" if r["objective"] is None else f"{r['objective']:.6f}",
                  "-" if r["bound"] is None else f"{r['bound']:.6f}",
                  "-" if r["proved_gap_pct"] is None else f"{_unsigned(r['proved_gap_pct']):.4f}%",
                  "-" if r["gap_pct"] is None else f"{r['gap_pct']:.4f}%", f"{r['seconds']:.2f}",
                  end_section=False)
    return t


@balance_app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="A small grid (n=1024, m in {16, 64}, k in {1, 2}, "
                                        "10 steps) that runs in about a minute.")] = False,
    kind: Annotated[str, _KIND] = "balance-zipf",
    steps: Annotated[int, typer.Option(min=1, help="Batches per cell.")] = 20,
    warmup: Annotated[int, typer.Option(min=0, help="Steps left out of the after-warm-up figures.")] = 10,
    device: Annotated[str, typer.Option(help="torch device (cpu, cuda).")] = "cpu",
    milp_time: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds for each exact MILP.")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Instead of the grid: the exact solver, BIP and the MILP "
                                        "on one n=32768 m=256 k=8 batch (MILP limited to --time-limit), and "
                                        "their gaps to the optimum on every generator at n=4096 m=64 k=2 "
                                        "(--quick: n=2048 m=64 k=4, and n=1024 m=16 k=2).")] = False,
) -> None:
    """The benchmark grid n in {4096, 32768}, m in {16, 64, 256}, k in {1, 2, 8} (or --quick)."""
    from ..solvers.balance.bench import run_bench, run_exact_bench

    _threads()
    if exact:
        err = console(stderr=True)
        big, small = ((2048, 64, 4), (1024, 16, 2)) if quick else ((32768, 256, 8), (4096, 64, 2))
        rows = run_exact_bench(*big, kind=kind, gap_size=small, device=device, milp_time=milp_time,
                               progress=lambda text: err.print(f"[bench] {text}"))
        if as_json:
            print_json(rows)
        else:
            console().print(exact_table(rows))
        return
    grid = ([1024], [16, 64], [1, 2]) if quick else ([4096, 32768], [16, 64, 256], [1, 2, 8])
    if quick:
        steps, warmup = min(steps, 10), min(warmup, 5)
    err = console(stderr=True)
    rows = run_bench(*grid, kind=kind, steps=steps, warmup=warmup, device=device, milp_time=milp_time,
                     progress=lambda text: err.print(f"[bench] {text}"))
    if as_json:
        print_json(rows)
    else:
        console().print(bench_table(rows))

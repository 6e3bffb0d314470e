"""The balance benchmark: every method on streams over a grid of (tokens, experts, top-k).

Protocol per grid cell ``(n, m, k)`` (capacity factor 1, ``kind`` stream, seed 0):

1. the stream simulator runs every router for ``steps`` batches: MaxVio from the first step on
   (first, average, supremum), AvgMaxVio/SupMaxVio after ``warmup`` steps (the causal mode's
   figure), the score kept relative to unconstrained top-k, and milliseconds per step;
2. on the stream's first batch, each one-shot solver answers with capacity repair (feasible
   answers) and its objective is compared with the exact BIP (``balance-milp``) where the MILP
   runs (``n * m <= milp_pairs`` and within ``milp_time`` seconds).

>>> rows = run_bench([256], [8], [2], steps=3, warmup=1, methods=["bip"], milp_time=10)
>>> rows[0]["method"], rows[0]["gap_to_milp_pct"] is not None
('bip', True)
"""

from __future__ import annotations

from typing import Any, Sequence

from .simulate import DEFAULT_METHODS, simulate

__all__ = ["run_bench", "run_exact_bench", "ONE_SHOT", "EXACT_CASES"]

# the registered solver answering a method's routing on one batch (bip-causal and topk have none:
# on a first batch causal BIP has no earlier prices, and top-k ignores capacity)
# (the grid's bip is the paper's routing, top-k of s - q: the one-shot solver with that finish)
ONE_SHOT = {"bip": ("bip", {"finish": "topk"}), "lossfree": ("lossfree", {}), "sinkhorn": ("sinkhorn", {}),
            "greedy": ("greedy", {}), "expert-choice": ("expert-choice", {})}


def run_bench(ns: Sequence[int], ms: Sequence[int], ks: Sequence[int], *, kind: str = "balance-zipf",
              steps: int = 20, warmup: int = 10, methods: Sequence[str] | None = None,
              device: str = "cpu", milp_pairs: int = 1 << 18, milp_time: float = 60.0,
              seed: int = 0, progress: Any = None) -> list[dict[str, Any]]:
    """One row per grid cell and method; ``progress(text)`` is called before each cell."""
    from ...instances.balance.generate import generate_balance
    from ..registry import solve

    methods = list(methods or DEFAULT_METHODS)
    rows = []
    for n in ns:
        for m in ms:
            for k in ks:
                if k > m:
                    continue
                if progress:
                    progress(f"n={n} m={m} k={k}")
                rep = simulate(kind, n, m, k, steps, seed, methods=methods, warmup=warmup, device=device)
                problem = generate_balance(kind, n, seed, m=m, k=k)
                milp = None
                if n * m <= milp_pairs:
                    r = solve(problem, "balance-milp", time_limit=milp_time)
                    milp = r.objective if r.status.value == "OPTIMAL" else None
                for row in rep.rows():
                    name, options = ONE_SHOT.get(row["method"], (None, {}))
                    objective, gap = None, None
                    if name is not None:
                        r = solve(problem, name, time_limit=milp_time, device=device, **options)
                        if r.status.value in ("OPTIMAL", "FEASIBLE"):
                            objective = r.objective
                            if milp is not None:
                                gap = 100.0 * (milp - objective) / max(abs(milp), 1e-12)
                    rows.append({"n": n, "m": m, "k": k, "device": rep.device, **row,
                                 "objective": objective, "milp": milp, "gap_to_milp_pct": gap})
    return rows


# every generator at its defaults, and raw logits with a few strongly preferred experts (large
# per-expert offsets): where routing by the BIP prices alone is furthest from the optimum
EXACT_CASES = [("balance-gaussian", {}), ("balance-zipf", {}), ("balance-hot", {}), ("balance-drift", {"step": 50}),
               ("balance-gaussian", {"spread": 2.0, "activation": "none"})]


def run_exact_bench(n: int = 32768, m: int = 256, k: int = 8, *, kind: str = "balance-zipf",
                    gap_size: tuple[int, int, int] = (4096, 64, 2), cases=None, device: str = "cpu",
                    milp_time: float = 120.0, seed: int = 0, progress: Any = None) -> list[dict[str, Any]]:
    """The exact solver against BIP and the MILP, and BIP's gap to the optimum on every generator.

    1. On one ``kind`` batch ``(n, m, k)``: ``exact``, ``bip`` (default: exact finish), ``bip`` with
       the paper's top-k routing, and ``balance-milp`` with ``milp_time`` seconds: status,
       objective, proved bound, proved gap, gap to the best proved optimum, seconds.
    2. On a batch of each of ``cases`` (generator, parameters) at ``gap_size``: the same methods,
       the MILP to optimality, so the gaps are to the MILP's optimum.
    """
    from ...instances.balance.generate import generate_balance
    from ..registry import solve

    methods = [("exact", {}), ("bip", {}), ("bip", {"finish": "topk"}), ("balance-milp", {})]
    plan = [(kind, {}, (n, m, k), milp_time)]
    plan += [(c_kind, law, gap_size, 600.0) for c_kind, law in (cases or EXACT_CASES)]
    rows = []
    for c_kind, law, (cn, cm, ck), limit in plan:
        problem = generate_balance(c_kind, cn, seed, m=cm, k=ck, **law)
        label = c_kind + "".join(f" {key}={v}" for key, v in law.items())
        cell = []
        for name, options in methods:
            if progress:
                progress(f"{label} n={cn} m={cm} k={ck}: {name} {options or ''}")
            extra = {"device": device} if name != "balance-milp" else {}
            r = solve(problem, name, time_limit=limit, **extra, **options)
            cell.append({"case": label, "n": cn, "m": cm, "k": ck,
                         "method": name + "".join(f" {key}={v}" for key, v in options.items()),
                         "status": r.status.value, "objective": r.objective, "bound": r.bound,
                         "proved_gap_pct": r.proved_gap, "seconds": r.runtime, "message": r.message})
        proved = [c["objective"] for c in cell if c["status"] == "OPTIMAL"]
        optimum = max(proved) if proved else None
        for c in cell:
            c["optimum"] = optimum
            c["gap_pct"] = (None if optimum is None or c["objective"] is None or c["status"] not in ("OPTIMAL", "FEASIBLE")
                            else 100.0 * (optimum - c["objective"]) / max(abs(optimum), 1e-12))
        rows += cell
    return rows

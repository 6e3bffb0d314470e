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

__all__ = ["run_bench", "ONE_SHOT"]

# the registered solver answering a method's routing on one batch (bip-causal and topk have none:
# on a first batch causal BIP has no earlier prices, and top-k ignores capacity)
ONE_SHOT = {"bip": "bip", "lossfree": "lossfree", "sinkhorn": "sinkhorn", "greedy": "greedy",
            "expert-choice": "expert-choice"}


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
                    name = ONE_SHOT.get(row["method"])
                    objective, gap = None, None
                    if name is not None:
                        r = solve(problem, name, time_limit=milp_time, device=device)
                        if r.status.value in ("OPTIMAL", "FEASIBLE"):
                            objective = r.objective
                            if milp is not None:
                                gap = 100.0 * (milp - objective) / max(abs(milp), 1e-12)
                    rows.append({"n": n, "m": m, "k": k, "device": rep.device, **row,
                                 "objective": objective, "milp": milp, "gap_to_milp_pct": gap})
    return rows

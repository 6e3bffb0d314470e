"""The packet-routing benchmark: each method's maximum link congestion over the LP optimum.

Protocol: leaf-spine 16 leaves x 16 spines x 16 hosts (all-to-all and ring) and fat-trees k = 8
and 16 (all-to-all, ring, permutation, incast); all-to-all among at most ``max_hosts`` random
hosts (flows grow as n^2), the other patterns over every host, placed at random (seeded) so that
traffic crosses the fabric; every flow of size 1, fabric links of capacity 1 (full bisection),
host links of ample capacity so that the fabric is what is measured. The LP optimum is ``spray``'s
(ideal spraying, proved on fabrics); methods run one after another, each with ``time_limit``.
``quick``: leaf-spines 4x4x4 and 6x4x3 and a k = 4 fat-tree (seconds).

>>> rows = run_bench(quick=True, methods=["spray", "split"], time_limit=10)
>>> sorted({r["fabric"] for r in rows}), all(r["ratio"] >= 1 - 1e-9 for r in rows)
(['fattree', 'leafspine'], True)
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

__all__ = ["run_bench", "DEFAULT_METHODS", "FABRIC_ONLY"]

DEFAULT_METHODS = ("spray", "split", "network-greedy", "ecmp", "network-milp")
FABRIC_ONLY = 1e6       # host-link capacity: the fabric, not the NICs, is measured
FAT_TREE_PATTERNS = ("all-to-all", "ring", "permutation", "incast")


def settings(quick: bool, max_hosts: int) -> list[tuple[str, dict[str, Any]]]:
    """(kind, generator parameters) of every instance of the protocol."""
    out: list[tuple[str, dict[str, Any]]] = []
    for leaves, spines, per_leaf in ([(4, 4, 4), (6, 4, 3)] if quick else [(16, 16, 16)]):
        for pattern in ("all-to-all", "ring"):
            total = leaves * per_leaf
            out.append(("leafspine", {"leaves": leaves, "spines": spines, "hosts_per_leaf": per_leaf,
                                      "spine_capacity": 1.0, "traffic": pattern, "host_capacity": FABRIC_ONLY,
                                      "hosts": min(total, max_hosts) if pattern == "all-to-all" else total}))
    for k in ((4,) if quick else (8, 16)):
        for pattern in FAT_TREE_PATTERNS:
            total = k ** 3 // 4
            out.append(("fattree", {"k": k, "traffic": pattern, "host_capacity": FABRIC_ONLY,
                                    "hosts": min(total, max_hosts) if pattern == "all-to-all" else total}))
    return out


def run_bench(*, quick: bool = False, methods: Sequence[str] = DEFAULT_METHODS, time_limit: float = 120.0,
              max_hosts: int = 256, seed: int = 0, say: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """One row per (instance, method): congestion, ratio to the LP (and ECMP's mean over its draws),
    sub-flows per flow, time, and for ``split`` why single paths cannot reach the LP where it can tell.
    A method over its declared size limit is left out of that instance."""
    from ...instances.network.generate import generate_network
    from ..base import Status
    from ..registry import solve, solver_class

    rows: list[dict[str, Any]] = []
    for kind, params in settings(quick, max_hosts):
        net = generate_network(kind, seed, **params)
        lp = None
        done = []
        for method in methods:
            cls = solver_class(method)
            if cls.max_size is not None and net.size > cls.max_size:
                continue
            t0 = time.perf_counter()
            r = solve(net, method, time_limit=time_limit, seed=seed)
            elapsed = time.perf_counter() - t0
            if method == "spray" and r.status == Status.OPTIMAL:
                lp = r.objective
            mean = r.metadata.get("congestion_mean")
            done.append({"fabric": kind, "instance": net.name, "flows": net.size, "solver": method,
                         "status": str(r.status), "congestion": r.objective, "mean": mean, "time": elapsed,
                         "subflows_per_flow": r.metadata.get("subflows_per_flow"), "reason": r.metadata.get("reason")})
        for row in done:                       # the LP may come after a method in the list
            row["lp"] = lp
            row["ratio"] = None if lp is None or row["congestion"] is None else row["congestion"] / lp
            row["ratio_mean"] = None if lp is None or row["mean"] is None else row["mean"] / lp
        rows += done
        if say is not None:
            split = next((r for r in done if r["solver"] == "split"), None)
            if split is not None and split["ratio"] is not None:
                say(f"{net.name}: split / LP = {split['ratio']:.4f}")
    return rows

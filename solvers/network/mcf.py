"""The arc LP: fractional min-max-congestion multicommodity flow over all paths (HiGHS), the bound
every routing of any network is measured against.

Flows are aggregated by source (one commodity per source node: a fractional flow from one source
to many destinations splits into per-destination paths afterwards, so nothing is lost), with one
column per (source, link) and conservation rows per (source, node): S x L columns instead of the
exponentially many paths of a path LP. A second solve, congestion held at its optimum, minimises
the flow's total link weight: the flow then has no cycles and no detours that cost nothing, and
splits into simple paths (largest incoming share first, walking back from each destination).

>>> import routeopt
>>> p = routeopt.generate("wan", seed=0, topology="Abilene")
>>> r = routeopt.solve(p, solver="mcf-lp")
>>> r.status.value, abs(r.objective - r.bound) < 1e-6
('OPTIMAL', True)
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...instances.network.problem import NetworkProblem, NetworkSolution
from ..base import Budget, Result, Solver, Status
from ..highs import session

_DUST = 1e-9                # relative to the source's demand: LP round-off, not flow


def solve_arc_lp(problem: NetworkProblem, budget: Budget) -> dict:
    """Per-source link flows ``x`` (sources x links), the optimum ``t`` and HiGHS's report."""
    import highspy

    p = problem
    N, L = len(p.nodes), len(p.links)
    sources, src_of = np.unique(p.flows[:, 0], return_inverse=True)
    S = len(sources)
    supply = np.zeros((S, N))
    np.add.at(supply, (src_of, p.flows[:, 0]), p.demand)
    np.add.at(supply, (src_of, p.flows[:, 1]), -p.demand)
    tail, head = p.links[:, 0], p.links[:, 1]
    # column (s, e): +1 in row (s, tail), -1 in row (s, head), +1 in capacity row e
    block = np.arange(S)[:, None] * N
    index = np.stack([block + tail, block + head, S * N + np.broadcast_to(np.arange(L), (S, L))], axis=2)
    value = np.broadcast_to(np.array([1.0, -1.0, 1.0]), (S, L, 3))
    ncol = S * L
    start_clock = time.perf_counter()
    h = session(budget.time_limit, budget.threads, budget.seed)
    inf = highspy.kHighsInf
    rows = supply.reshape(-1)
    h.addRows(S * N + L, np.concatenate([rows, np.full(L, -inf)]), np.concatenate([rows, np.zeros(L)]),
              0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
    h.addCols(ncol, np.zeros(ncol), np.zeros(ncol), np.full(ncol, inf), 3 * ncol,
              (3 * np.arange(ncol)).astype(np.int32), index.reshape(-1).astype(np.int32),
              value.reshape(-1).astype(float))
    h.addCols(1, np.ones(1), np.zeros(1), np.array([inf]), L, np.zeros(1, dtype=np.int32),
              (S * N + np.arange(L)).astype(np.int32), -p.capacity.astype(float))
    h.run()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    out = {"status": h.modelStatusToString(h.getModelStatus()), "rows": S * N + L, "columns": ncol + 1,
           "sources": sources, "x": None, "t": None, "optimal": optimal}
    if not optimal:
        out["solver_time"] = h.getRunTime()
        return out
    t = float(h.getInfo().objective_function_value)
    out["t"] = t
    first = np.array(h.getSolution().col_value[:ncol])
    # second solve: the same congestion, the least total weight (no cycles, no free detours)
    left = budget.time_limit - (time.perf_counter() - start_clock)
    weight = p.weight if p.weight is not None else np.ones(L)
    h.changeColBounds(ncol, 0.0, t * (1 + 1e-9) + 1e-12)
    h.changeColsCost(ncol + 1, np.arange(ncol + 1, dtype=np.int32),
                     np.append(np.tile(weight / weight.mean(), S), 0.0))
    h.setOptionValue("time_limit", float(max(0.01, left)))
    h.run()
    second = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.array(h.getSolution().col_value[:ncol]) if second else first
    out.update(x=x.reshape(S, L), solver_time=h.getRunTime(), cleaned=second)
    return out


def decompose(problem: NetworkProblem, sources: np.ndarray, x: np.ndarray) -> NetworkSolution:
    """Each flow's simple paths and fractions from the per-source link flows ``x``."""
    p = problem
    into: list[list[int]] = [[] for _ in p.nodes]
    for e, (u, v) in enumerate(p.links.tolist()):
        into[v].append(e)
    tail = p.links[:, 0]
    row_of = {int(s): i for i, s in enumerate(sources.tolist())}
    need: dict[tuple[int, int], float] = {}
    for (s, t), z in zip(p.flows.tolist(), p.demand.tolist()):
        need[(s, t)] = need.get((s, t), 0.0) + z
    routes: dict[tuple[int, int], list[tuple[list[int], float]]] = {}
    for (s, t), demand in sorted(need.items()):
        flow = x[row_of[s]]
        eps = _DUST * max(1.0, float(flow.max(initial=0.0)))
        remain, found = demand, []
        while remain > eps * 10:
            path, links = [t], []
            v = t
            while v != s:
                best = max(into[v], key=lambda e: flow[e], default=None)
                if best is None or flow[best] <= eps:
                    break
                u = int(tail[best])
                if u in path:                   # a cycle of round-off: cancel it and walk again
                    cut = path.index(u)
                    cycle = links[cut:] + [best]
                    flow[cycle] -= flow[cycle].min()
                    path, links = path[:cut + 1], links[:cut]
                    v = path[-1]
                    continue
                path.append(u)
                links.append(best)
                v = u
            if v != s:
                break                           # what is left is round-off
            amount = min(remain, float(flow[links].min()))
            flow[links] -= amount
            remain -= amount
            found.append((path[::-1], amount))
        if not found:                           # never for an optimal flow; a valid answer all the same
            from ...instances.network.wan import PathIndex
            found = [(PathIndex(p).shortest_path(s, t), 1.0)]
        total = sum(a for _, a in found)
        routes[(s, t)] = [(path, a / total) for path, a in found]
    return NetworkSolution([list(routes[(s, t)]) for s, t in p.flows.tolist()])


class ArcLPSolver(Solver):
    name = "mcf-lp"
    family = "network"
    kind = "exact"
    supports = frozenset({"unequal_sizes"})
    library = "highspy"
    description = "arc LP: fractional min-max-congestion multicommodity flow over all paths (the bound)"

    def _solve(self, problem: NetworkProblem, budget: Budget) -> Result:
        out = solve_arc_lp(problem, budget)
        meta = {k: out.get(k) for k in ("status", "rows", "columns", "solver_time", "cleaned")}
        if out["x"] is None:
            return Result(self.name, problem.name, Status.NO_SOLUTION, message=f"HiGHS: {out['status']}",
                          metadata=meta)
        solution = decompose(problem, out["sources"], out["x"].copy())
        bound = out["t"] if math.isfinite(out["t"]) else None
        return Result(self.name, problem.name, Status.OPTIMAL, objective=out["t"], bound=bound,
                      solution=solution, metadata=meta)

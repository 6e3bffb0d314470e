"""Branch-price-and-cut for symmetric CVRPs: the column generation of :mod:`.bound` at every node.

The root is solved as in :func:`.bound.root_bound`; every edge whose Lagrangian bound with a
route forced through it (:func:`.bound.edge_bounds`) reaches the incumbent's cost is removed
(it is in no better answer). A node whose bound reaches the incumbent is pruned; one whose edge
values are integral (and violate no rounded capacity cut) is an answer; otherwise it branches on
the edge whose value is nearest half-way between two integers: ``x_e <= floor`` (for 0: the
edge is removed from the pricing and every route that uses it is barred) and ``x_e >= ceil``
(a master row whose dual joins the edge's priced cost). Both keep the pricing a q-route
dynamic program (robust branching, as the cuts). Nodes are taken best bound first, so the
smallest open bound is the proved bound at any time.

The master and its routes are shared by all nodes: a node sets its edge bounds and rows, and
the pool keeps the routes the others generated.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ...instances.vrp.problem import Route, VRPProblem, VRPSolution
from ..stop import stop_requested
from .bound import ColumnGeneration, edge_bounds
from .cuts import violated_sets

_INTEGRAL = 1e-6


@dataclass
class Outcome:
    """The search's result: the best answer (the start if nothing beat it), the proved bound
    (problem units), whether the answer is proved optimal, and counts."""

    solution: VRPSolution | None
    bound: float | None
    optimal: bool
    nodes: int = 0
    open_nodes: int = 0
    root_bound: float | None = None
    root_seconds: float = 0.0
    edges_kept: int = 0
    tree: bool = True
    infeasible: bool = False          # the search is over and found that no answer exists
    allowed: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)


def _routes_of(n: int, u: np.ndarray, v: np.ndarray, x: np.ndarray) -> list[list[int]] | None:
    """Routes of integral edge values (depot edges may carry 2: a one-client route), or None if
    they do not form routes from the depot covering every client once."""
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b, val in zip(u.tolist(), v.tolist(), np.rint(x).astype(int).tolist()):
        for _ in range(val):
            adj[a].append(b)
            adj[b].append(a)
    if any(len(adj[c]) != 2 for c in range(1, n)):
        return None
    seen = np.zeros(n, bool)
    routes = []
    for first in adj[0]:
        if seen[first]:
            continue
        route, prev, cur = [], 0, first
        while cur != 0:
            if seen[cur]:
                return None
            seen[cur] = True
            route.append(cur)
            a, b = adj[cur]
            prev, cur = cur, (b if a == prev else a)
        routes.append(route)
    return routes if seen[1:].all() else None


def _branching_edge(u: np.ndarray, v: np.ndarray, x: np.ndarray) -> int | None:
    """The edge whose value is nearest half-way between two integers (None: all integral)."""
    frac = np.abs(x - np.rint(x))
    if frac.max(initial=0) <= _INTEGRAL:
        return None
    score = -np.abs(x - np.floor(x) - 0.5)
    score[frac <= _INTEGRAL] = -np.inf
    return int(np.argmax(score))


def branch_and_price(problem: VRPProblem, time_limit: float, start: VRPSolution | None = None,
                     k_range: tuple[int, int] | None = None, root_share: float = 0.5, ng: int = 6,
                     max_tree_gap: float | None = None) -> Outcome:
    """Prove the optimum of a symmetric CVRP (see the module) within ``time_limit`` seconds;
    ``start`` is the answer to beat. The root gets at most ``root_share`` of the time; ``ng``:
    the ng-set size of the pricing (0: q-routes). With ``max_tree_gap``, a root whose gap to
    ``start`` is larger ends the search there (``Outcome.tree`` False), for another method to
    go on with the edges it kept (``Outcome.allowed``)."""
    t0 = time.perf_counter()
    n = problem.num_nodes

    def left() -> float:
        return time_limit - (time.perf_counter() - t0)

    cg = ColumnGeneration(problem, start=start, k_range=k_range, ng=ng)
    scale, exact = cg.scale, cg.exact
    step = 1.0 if exact else 0.0                 # model units a better answer saves at least
    best = start
    # No answer costs more than 2n of the longest edge: without a start, that (plus one) is the
    # cost to beat, and a node whose bound reaches it holds no answer at all.
    ceiling = 2.0 * n * float(cg.cost.max()) + 1.0
    upper = problem.evaluate(start).objective * scale if start is not None else ceiling

    def worse_or_equal(bound_model: float) -> bool:
        return bound_model >= upper - (1e-6 if exact else 1e-9 * max(1.0, abs(upper)))

    root, lam = cg.run(root_share * left(), target=upper if math.isfinite(upper) else None)
    out = Outcome(best, None, False, nodes=1, root_bound=root.bound, root_seconds=root.seconds)
    out.metadata["root_stopped"] = root.stopped
    forbidden = np.zeros((n, n), bool)
    if root.bound is not None and math.isfinite(upper):
        through = edge_bounds(problem, root, cg.k_range, ng=ng)
        if through is not None:
            forbidden = through * scale >= upper - step + 1e-6
            np.fill_diagonal(forbidden, False)
    out.edges_kept = int(np.triu(~forbidden, 1).sum())
    out.allowed = ~forbidden
    if (max_tree_gap is not None and root.bound is not None and start is not None
            and upper - root.bound * scale > max_tree_gap * upper):
        out.tree = False
        out.bound = min(root.bound, upper / scale)
        out.optimal = root.bound * scale >= upper - (1e-6 if exact else 0.0)
        return out
    counter = 0
    heap: list = []

    def push(bound_model: float, forbid: np.ndarray, rows: list) -> None:
        nonlocal counter
        counter += 1
        heapq.heappush(heap, (bound_model, -counter, forbid, rows))

    def solved(result) -> float:
        return result.bound * scale if result.bound is not None else -math.inf

    pending = (solved(root), forbidden, [], root, lam)
    if forbidden.any():
        pending = None
        push(solved(root), forbidden, [])
    while True:
        if pending is None:
            if not heap or left() <= 0.05 or stop_requested():
                break
            parent_bound, _, forbid, rows = heapq.heappop(heap)
            if worse_or_equal(parent_bound):
                continue
            cg.set_node(forbid, rows)
            result, lam = cg.run(left(), target=upper if math.isfinite(upper) else None)
            out.nodes += 1
            node_bound = max(parent_bound, solved(result))
        else:
            node_bound, forbid, rows, result, lam = pending
            pending = None
        if worse_or_equal(node_bound):
            continue
        if lam is None or result.stopped in ("time limit", "stop requested") or result.stopped.startswith("master LP"):
            push(node_bound, forbid, rows)           # unresolved: its bound stays open
            out.metadata["stopped"] = result.stopped
            break
        u, v, x = cg.master.edge_values(lam)
        if cg.master.artificial_used(lam):
            # converged with an artificial column in use, yet a bound below any answer's cost:
            # dearer artificial columns, and the node again (a node without routes meeting its
            # rows then bounds past the ceiling); past 10^6 times, it stays open
            if cg.master.penalty > 1e6 * ceiling:
                push(node_bound, forbid, rows)
                out.metadata["stopped"] = "an artificial column in a converged master"
                break
            cg.master.raise_penalty(100.0)
            push(node_bound, forbid, rows)
            continue
        e = _branching_edge(u, v, x)
        if e is None:
            if violated_sets(n, u, v, x, cg.demand.astype(float), float(cg.Q)):
                push(node_bound, forbid, rows)        # the cuts were not converged: try again
                continue
            routes = _routes_of(n, u, v, x)
            if routes is not None:
                found = VRPSolution([Route(r) for r in routes])
                checked = problem.evaluate(found)
                if checked.feasible and checked.objective * scale < upper:
                    best, upper = found, checked.objective * scale
            continue
        a, b, value = int(u[e]), int(v[e]), float(x[e])
        low, high = math.floor(value), math.ceil(value)
        if low == 0:
            f = forbid.copy()
            f[a, b] = f[b, a] = True
            push(node_bound, f, rows)
        else:
            push(node_bound, forbid, rows + [("edge", a, b, "<=", float(low))])
        push(node_bound, forbid, rows + [("edge", a, b, ">=", float(high))])
    open_bounds = [entry[0] for entry in heap if not worse_or_equal(entry[0])]
    out.open_nodes = len(open_bounds)
    out.solution = best
    if not open_bounds:
        out.optimal = best is not None
        out.infeasible = best is None        # every node's bound reached the ceiling
        out.bound = upper / scale if best is not None else None
    else:
        low = min(open_bounds)
        out.bound = (math.ceil(low - 1e-6) if exact else low) / scale
        if best is not None:
            out.bound = min(out.bound, upper / scale)
    out.metadata.update({"columns": cg.master.routes, "cuts": len(cg.master.cuts)})
    return out


__all__ = ["branch_and_price", "Outcome", "warm_up"]


_WARM = False


def warm_up() -> float:
    """Compile (or load from the numba cache) the pricing and separation kernels once per
    process, on a small generated CVRP (a tree, so the ng-route kernels too); returns seconds."""
    global _WARM
    if _WARM:
        return 0.0
    from ...instances.generate import generate
    from .bound import root_bound

    start = time.perf_counter()
    p = generate("cvrp", n=14, seed=0)
    root_bound(p, time_limit=30.0)
    branch_and_price(p, 30.0)
    _WARM = True
    return time.perf_counter() - start

"""Proved lower bounds for CVRPs of hundreds of clients: column and cut generation.

The master is the set-covering LP over q-routes (:mod:`.pricing`) with rounded capacity cuts
``x(δ(S)) >= 2 k(S)`` on the edges the routes use (:mod:`.cuts`): the robust bound of Fukasawa et
al. (2006), with 2-cycle-free q-routes instead of elementary ones (covering rather than
partitioning: the same bound under the triangle inequality, a relaxation without it, and
nonnegative client duals, which steadies the column generation). HiGHS solves it round after round:

1. Start from the routes of a heuristic answer, one route per client, and artificial columns at
   a prohibitive cost, so that the master is feasible whatever the fleet and the branching.
2. Price q-routes on the ``neighbours`` nearest arcs of every client, against duals smoothed
   towards the best seen so far (Wentges, with the automatic weight of Pessoa et al. 2018): the
   degenerate master's own duals swing wildly. When no route is left there, price on the
   complete graph.
3. When the complete graph has none either, the column generation has converged: separate
   rounded capacity cuts on the edge values of the routes and go on; stop when none is violated,
   on tailing off, or at the time limit. Unused routes are dropped when the pool passes
   ``4 n`` (measured on X-n936: 0.6 % gap at 60 s with the pool, 36 % without).

The bound is never the master's value: every pricing on the complete graph turns the duals
``pi`` (clients), ``beta >= 0`` (cuts) and those of branching rows into the Lagrangian value

    sum pi + sum 2 k(S) beta_S + sum rhs_e gamma_e + (routes' part),

where the routes' part is the cheapest q-route's reduced cost (without the vehicle dual) times
``k_min`` or ``k_max``, or the cheapest per unit of load times the total demand, whichever is
larger. It is valid for any duals because q-routes relax routes; the best is kept (rounded up
when costs are integers). Clients need whole, positive demands (the pricing's states are loads).

>>> import routeopt
>>> from routeopt.solvers.vrp.bound import root_bound
>>> p = routeopt.generate("cvrp", n=30, seed=0)
>>> root_bound(p, time_limit=5).bound <= 12708        # the proved optimum
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ...instances.vrp.problem import VRPProblem, VRPSolution
from ..stop import stop_requested
from .cuts import violated_sets
from .master import RouteMaster, priced_costs
from .pricing import complete_graph, qroutes, route, through_edges

_INF = 1e30
POOL = 4              # routes kept in the master, per client, before unused ones are dropped
SMOOTHING = 0.9       # the starting weight of the best duals in the duals priced


@dataclass
class RootBound:
    """What the column generation proved: ``bound`` in the problem's units (None if no
    complete pricing ran in time), the master's last value, counts, and why it stopped."""

    bound: float | None
    lp_value: float | None = None
    rounds: int = 0
    columns: int = 0
    cuts: int = 0
    seconds: float = 0.0
    stopped: str = ""
    history: list[tuple[float, float]] = field(default_factory=list)   # (seconds, bound)
    # the duals of the best bound: clients (pi, depot first as 0), vehicles, cuts (beta, sets, k)
    duals: tuple | None = field(default=None, repr=False)


def supports(problem: VRPProblem) -> str | None:
    """Why the column generation cannot bound ``problem``, or None."""
    f = problem.features
    if problem.variant != "CVRP" or f - {"capacity"}:
        return f"bounds symmetric CVRPs (one depot, one vehicle type); '{problem.name}' is {problem.variant}"
    d = problem.demand[1:, 0]
    Q = problem.vehicle_types[0].capacity[0]
    if not (np.all(d == np.rint(d)) and d.min(initial=1) >= 1 and Q == int(Q)):
        return "needs whole, positive client demands and a whole capacity"
    if not problem.is_symmetric:
        return "needs a symmetric distance matrix"
    return None


def _neighbour_graph(cost: np.ndarray, demand: np.ndarray, Q: int, k: int):
    """CSR of each client's ``k`` nearest clients it can share a route with (as predecessors)."""
    n = cost.shape[0]
    c = cost[1:, 1:].astype(float).copy()
    np.fill_diagonal(c, np.inf)
    c[(demand[1:, None] + demand[None, 1:]) > Q] = np.inf
    k = min(k, n - 2)
    near = np.sort(np.argsort(c, axis=1)[:, :k], axis=1) + 1    # by index: rows read in order
    ok = np.isfinite(np.take_along_axis(c, near - 1, axis=1))
    indptr = np.zeros(n + 1, np.int64)
    indptr[2:] = np.cumsum(ok.sum(axis=1))
    return indptr, near[ok].astype(np.int64)


def _routes_part(rho: float, per_load: np.ndarray, k_range: tuple[int, int], total_demand: float):
    """The routes' part of the Lagrangian given the cheapest q-route reduced cost ``rho``
    (vehicle dual left out) and the cheapest of each load: bounded both by the vehicle count
    (``k_min..k_max`` routes) and by the demand the routes carry (loads add up to ``d(all)``),
    whichever is larger. Returns it, the minimiser's route multiplicity and, when the demand term
    wins, the load of its route (else None: the cheapest route)."""
    times = k_range[0] if rho >= 0 else k_range[1]
    by_count = times * rho
    q = np.arange(per_load.size)
    ok = (per_load < 1e29) & (q > 0)
    if ok.any():
        ratio = np.where(ok, per_load / np.maximum(q, 1), np.inf)
        best_q = int(np.argmin(ratio))
        by_load = total_demand * float(ratio[best_q])
        if by_load > by_count:
            return by_load, total_demand / best_q, best_q
    return by_count, times, None


class ColumnGeneration:
    """The master, its pricings and its stabilisation, for one CVRP; :meth:`run` works at the
    current node (forbidden edges, branching rows) until the bound is proved or time is up."""

    def __init__(self, problem: VRPProblem, neighbours: int = 25, start: VRPSolution | None = None,
                 k_range: tuple[int, int] | None = None, ng: int = 0):
        why = supports(problem)
        if why:
            raise ValueError(why)
        self.problem = problem
        n = self.n = problem.num_nodes
        self.exact = problem.precision is not None
        self.scale = problem.integer_scale() if self.exact else 1
        self.cost = np.rint(problem.distance * self.scale) if self.exact else problem.distance.astype(float)
        demand = np.rint(problem.demand[:, 0]).astype(np.int64)
        demand[0] = 0
        self.demand = demand
        self.total = float(demand.sum())
        vt = problem.vehicle_types[0]
        self.Q = int(vt.capacity[0])
        if k_range is None:
            k_range = (max(1, math.ceil(self.total / self.Q - 1e-9)), min(vt.count, n - 1))
        self.k_range = k_range
        # above the cost of any set of routes (at most 2n edges), so that an artificial column
        # in a converged master means no routes meet its rows
        penalty = 2.0 * n * float(self.cost.max()) + 1.0
        self.master = RouteMaster(self.cost, k_range, penalty)
        self.master.add_routes([np.array([c]) for c in range(1, n)])
        if start is not None:
            self.master.add_routes([np.asarray(r.visits, np.int64) for r in start.routes if r.visits])
        self.near = _neighbour_graph(self.cost, demand, self.Q, neighbours)
        self.full = complete_graph(n)
        self.forbidden = np.zeros((n, n), bool)
        self.ng = None
        if ng:
            from .pricing import ng_sets
            _, shift, pos = ng_sets(self.cost, ng)
            self.ng = (pos, shift)
        self.center: tuple[np.ndarray, float] | None = None
        self.alpha = SMOOTHING
        self.columns = 10.0
        self.clock = {"master": 0.0, "pricing": 0.0, "full": 0.0}

    # ------------------------------------------------------------------ duals
    def _split(self, y: np.ndarray):
        """Client duals (depot first, 0), vehicle dual, cut duals (>= 0) with their sets and k,
        edge-row duals (signed by their sense) with their edges and right-hand sides."""
        n = self.n
        pi = np.concatenate([[0.0], np.maximum(y[:n - 1], 0.0)])
        extra = y[n:]
        cuts, beta, cut_k, edges = [], [], [], []
        for value, row in zip(extra, self.master.extra):
            if row[0] == "cut":
                cuts.append(row[1])
                cut_k.append(row[2])
                beta.append(max(value, 0.0))
            else:
                gamma = max(value, 0.0) if row[3] == ">=" else min(value, 0.0)
                edges.append((row[1], row[2], row[4], gamma))
        return pi, y[n - 1], np.array(beta), cuts, cut_k, edges

    def _priced(self, beta, cuts, edges) -> np.ndarray:
        priced = priced_costs(self.cost, cuts, beta)
        for u, v, _, gamma in edges:
            priced[u, v] -= gamma
            priced[v, u] -= gamma
        priced[self.forbidden] = _INF
        return priced

    def price(self, y: np.ndarray, complete: bool, want: int):
        """Routes with a negative reduced cost at duals ``y``, the Lagrangian value there, and a
        subgradient."""
        pi, mu, beta, cuts, cut_k, edges = self._split(y)
        priced = self._priced(beta, cuts, edges)
        d, Q = self.demand, self.Q
        arcs = self.full if complete else self.near
        if self.ng is not None:
            return self._price_ng(priced, pi, mu, beta, cut_k, edges, arcs, y.size, want)
        value, load, per_load, paths, *tables = qroutes(priced, pi, d, Q, *arcs)
        part, times, at_load = _routes_part(float(value.min()), per_load, self.k_range, self.total)
        lagrangian = float(pi.sum() + 2.0 * np.dot(beta, cut_k) + sum(r * g for _, _, r, g in edges) + part)
        k = int(np.argmin(value)) if at_load is None else int(np.argmin(paths[at_load] + priced[:, 0]))
        star = route(k, int(load[k]) if at_load is None else at_load, d, *tables)
        gradient = self._subgradient(y.size, star, times)
        tol = -1e-9 * max(1.0, abs(lagrangian))
        ends = np.flatnonzero(value - mu < tol)
        if ends.size >= want:
            ends = ends[np.argsort(value[ends])][:want]
            return [route(k, int(load[k]), d, *tables) for k in ends], lagrangian, gradient
        # fewer ends than routes wanted: the best few loads of each end (an expensive pricing,
        # when Q is large, then feeds the master more)
        closed = paths[:, ends] + priced[ends, 0][None, :] - mu
        per_end = min(3, max(1, -(-want // max(1, ends.size))))
        best_q = np.argsort(closed, axis=0)[:per_end]
        picks = sorted((closed[q, j], int(q), int(k)) for j, k in enumerate(ends) for q in best_q[:, j]
                       if closed[q, j] < tol)
        return [route(k, q, d, *tables) for _, q, k in picks[:want]], lagrangian, gradient

    def _price_ng(self, priced, pi, mu, beta, cut_k, edges, arcs, size, want):
        from .pricing import ng_route, ngroutes

        d = self.demand
        value, load, per_load, paths, memo, pn, pm, f = ngroutes(priced, pi, d, self.Q, *arcs, *self.ng)
        part, times, at_load = _routes_part(float(value.min()), per_load, self.k_range, self.total)
        lagrangian = float(pi.sum() + 2.0 * np.dot(beta, cut_k) + sum(r * g for _, _, r, g in edges) + part)
        if at_load is None:
            k = int(np.argmin(value))
            star = ng_route(k, int(load[k]), int(memo[k]), d, pn, pm)
        else:
            k = int(np.argmin(paths[at_load] + priced[:, 0]))
            star = ng_route(k, at_load, int(np.argmin(f[at_load, k])), d, pn, pm)
        gradient = self._subgradient(size, star, times)
        ends = np.flatnonzero(value - mu < -1e-9 * max(1.0, abs(lagrangian)))
        ends = ends[np.argsort(value[ends])][:want]
        return [ng_route(k, int(load[k]), int(memo[k]), d, pn, pm) for k in ends], lagrangian, gradient

    def _subgradient(self, size: int, star: np.ndarray, times: float) -> np.ndarray:
        """Where ``times`` copies of route ``star`` minimise the Lagrangian: 1 - times * visits
        per client, the row's right-hand side less times its coefficient for the others, 0 for
        the vehicles (kept in the subproblem)."""
        n = self.n
        g = np.zeros(size)
        g[:n - 1] = 1.0
        np.subtract.at(g, star - 1, times)
        path = np.concatenate([[0], star, [0]])
        u, v = path[:-1], path[1:]
        for k, row in enumerate(self.master.extra):
            rhs = 2.0 * row[2] if row[0] == "cut" else row[4]
            g[n + k] = rhs - times * self.master._coefficients(row, u, v)
        return g

    def reduced_costs(self, routes, y) -> np.ndarray:
        pi, mu, beta, cuts, _, edges = self._split(y)
        priced = self._priced(beta, cuts, edges)
        return np.array([priced[np.r_[0, r], np.r_[r, 0]].sum() - pi[r].sum() - mu for r in routes])

    # ------------------------------------------------------------------ the node
    def set_node(self, forbidden: np.ndarray, edge_rows: list[tuple]) -> None:
        """Branching decisions: edges no route may use, rows ``("edge", u, v, sense, rhs)``."""
        self.forbidden = forbidden
        self.master.forbid(forbidden)
        self.master.delete_edge_rows()
        self.master.add_rows(edge_rows)
        self.center = None
        self.alpha = SMOOTHING

    def run(self, time_limit: float, target: float | None = None, cuts: bool = True,
            progress=None) -> tuple[RootBound, np.ndarray | None]:
        """Column and cut generation at the current node within ``time_limit`` seconds. ``target``
        (model units): stop once the bound reaches it. Returns the result and the master's last
        primal values (None if it never solved)."""
        t0 = time.perf_counter()
        n, master, scale = self.n, self.master, self.scale
        out = RootBound(bound=None)
        best, lam = -math.inf, None
        last_cut_value, stalled = -math.inf, 0

        def left() -> float:
            return time_limit - (time.perf_counter() - t0)

        def valid(y) -> list[np.ndarray]:
            nonlocal best
            t = time.perf_counter()
            routes, lagrangian, _ = self.price(y, True, max(10, n // 2))
            self.clock["full"] = max(self.clock["full"], time.perf_counter() - t)
            if lagrangian > best:
                best = lagrangian
                out.history.append((time.perf_counter() - t0, best / scale))
                pi, mu, beta, cut_sets, cut_k, edges = self._split(y)
                out.duals = (pi, mu, beta, cut_sets, cut_k, edges)
            return routes

        def reached() -> bool:
            return target is not None and best >= target - (1 - 1e-6 if self.exact else 1e-9 * abs(target))

        while left() > 1.5 * self.clock["full"] and not stop_requested():
            t = time.perf_counter()
            status, lam, y = master.solve(left() - 1.5 * self.clock["full"])
            self.clock["master"] = 0.7 * self.clock["master"] + 0.3 * (time.perf_counter() - t)
            out.rounds += 1
            if status != master.hs.HighsModelStatus.kOptimal:
                out.stopped = f"master LP: {master.h.modelStatusToString(status)}"
                lam = None
                break
            out.lp_value = master.value() / scale
            if master.routes > POOL * n:
                lam = master.drop_routes(lam, POOL * n // 2)
            added = self._near_round(y)
            if progress is not None:
                progress(out, best / scale if math.isfinite(best) else None)
            if added:
                continue
            routes = valid(y)              # nothing on the near arcs: the complete graph
            if reached():
                out.stopped = "bound reaches the target"
                break
            if master.add_routes(routes):
                continue
            # the column generation has converged for these cuts
            if not cuts:
                out.stopped = "converged"
                break
            u, v, x = master.edge_values(lam)
            sets = violated_sets(n, u, v, x, self.demand.astype(float), float(self.Q), limit=max(10, n // 5))
            if not sets:
                out.stopped = "no violated cut found"
                break
            if out.lp_value > last_cut_value + 1e-4 * abs(out.lp_value):
                last_cut_value, stalled = out.lp_value, 0
            else:
                stalled += 1
                if stalled >= 5:
                    out.stopped = "tailing off"
                    break
            master.add_rows([("cut", S, k) for S, k, _ in sets])
        else:
            out.stopped = "stop requested" if stop_requested() else "time limit"
        if self.center is not None and not reached() and out.stopped not in ("no violated cut found", "converged"):
            # the best duals of the near pricing may bound better than the last ones
            c = self.center[0]
            valid(np.concatenate([c, np.zeros(n + len(master.extra) - c.size)])[:n + len(master.extra)])
        out.columns, out.cuts = master.routes, len(master.cuts)
        out.seconds = time.perf_counter() - t0
        if math.isfinite(best):
            out.bound = (math.ceil(best - 1e-6) if self.exact else best) / scale
        return out, lam

    def _near_round(self, y: np.ndarray) -> int:
        """Price on the near arcs at smoothed duals, smoothing less after each mispricing;
        returns how many routes joined."""
        n = self.n
        center = self.center
        if center is not None and center[0].size != y.size:     # rows came or went: dual 0 there
            c = center[0][:y.size] if center[0].size > y.size else np.concatenate([center[0], np.zeros(y.size - center[0].size)])
            center = self.center = (c, center[1])
        alpha = self.alpha if center is not None else 0.0
        while True:
            y_sep = alpha * center[0] + (1 - alpha) * y if alpha > 0 else y
            t = time.perf_counter()
            routes, lagrangian, gradient = self.price(y_sep, False, int(self.columns))
            self.clock["pricing"] = 0.7 * self.clock["pricing"] + 0.3 * (time.perf_counter() - t)
            # routes per pricing: the master's solves about as long as the pricings (few routes
            # keep a degenerate master fast; many save pricings when Q is large)
            if self.clock["master"] < 0.5 * self.clock["pricing"]:
                self.columns = min(n / 2, self.columns * 1.3)
            elif self.clock["master"] > 2 * self.clock["pricing"]:
                self.columns = max(5.0, self.columns / 1.3)
            if center is not None and alpha > 0:
                # Pessoa et al.: the subgradient at the priced duals points towards the master's
                # (ascent that way): smooth less; else smooth more
                if float(np.dot(gradient, y - center[0])) > 0:
                    self.alpha = max(0.0, self.alpha - 0.1)
                else:
                    self.alpha = min(0.99, self.alpha + 0.1 * (1 - self.alpha))
            if center is None or lagrangian > center[1]:
                center = self.center = (y_sep.copy(), lagrangian)
            added = 0
            if routes:
                rc = self.reduced_costs(routes, y)
                keep = np.flatnonzero(rc < -1e-9 * max(1.0, abs(lagrangian)))
                added = self.master.add_routes([routes[i] for i in keep[np.argsort(rc[keep])]])
            if added or alpha == 0:
                return added
            alpha = max(0.0, alpha - 0.3)


def root_bound(problem: VRPProblem, time_limit: float = 60.0, neighbours: int = 25,
               start: VRPSolution | None = None, k_range: tuple[int, int] | None = None,
               progress=None) -> RootBound:
    """Lower bound of a symmetric CVRP within ``time_limit`` seconds (see the module). ``start``
    seeds the master with a heuristic answer's routes and ends the rounds once the bound
    reaches its cost. ``progress(result, bound)`` is called after each master solve."""
    t0 = time.perf_counter()
    cg = ColumnGeneration(problem, neighbours, start, k_range)
    target = problem.evaluate(start).objective * cg.scale if start is not None else None
    out, _ = cg.run(time_limit - (time.perf_counter() - t0), target, progress=progress)
    out.seconds = time.perf_counter() - t0
    return out


def edge_bounds(problem: VRPProblem, root: RootBound, k_range: tuple[int, int] | None = None,
                forbidden: np.ndarray | None = None, ng: int = 0) -> np.ndarray | None:
    """``out[i, j]``: a lower bound on the cost of any solution that uses edge ``i-j`` (problem
    units; inf where no route can), from the duals of ``root``'s best bound: the Lagrangian
    value with one route forced through the edge (the cheapest such q-route, by
    :func:`.pricing.through_edges`) and the others at the cheapest route's reduced cost. An
    edge whose bound is not below the cost of a known answer is in no better answer: it may be
    left out of the search for one. ``ng``: the ng-set size the duals were priced with (0: q-routes)."""
    if root.duals is None:
        return None
    pi, mu, beta, cuts, cut_k, edges = root.duals
    n = problem.num_nodes
    exact = problem.precision is not None
    scale = problem.integer_scale() if exact else 1
    cost = np.rint(problem.distance * scale) if exact else problem.distance.astype(float)
    demand = np.rint(problem.demand[:, 0]).astype(np.int64)
    demand[0] = 0
    Q = int(problem.vehicle_types[0].capacity[0])
    if k_range is None:
        k_range = (max(1, math.ceil(demand.sum() / Q - 1e-9)), min(problem.vehicle_types[0].count, n - 1))
    priced = priced_costs(cost, cuts, beta)
    for u, v, _, gamma in edges:
        priced[u, v] -= gamma
        priced[v, u] -= gamma
    if forbidden is not None:
        priced[forbidden] = _INF
    if ng:
        from .pricing import ng_sets, ngroutes
        _, shift, pos = ng_sets(cost, ng)
        value, _, _, paths, *_ = ngroutes(priced, pi, demand, Q, *complete_graph(n), pos, shift)
    else:
        value, _, _, paths, *_ = qroutes(priced, pi, demand, Q, *complete_graph(n))
    rho = float(value.min())
    others = (k_range[0] - 1 if rho >= 0 else k_range[1] - 1) * rho
    base = float(pi.sum() + 2.0 * np.dot(beta, cut_k) + sum(r * g for _, _, r, g in edges)) + others
    through = through_edges(paths, priced, Q)
    through[0, 1:] = through[1:, 0] = value[1:]           # a route from the depot ending at j
    out = np.where(through < 1e29, base + through, np.inf)
    np.fill_diagonal(out, np.inf)
    return out / scale


__all__ = ["root_bound", "RootBound", "supports", "edge_bounds", "ColumnGeneration"]

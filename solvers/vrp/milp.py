"""Exact VRP: branch-price-and-cut for CVRP, a SCIP branch-and-cut for TSP, HiGHS or CBC (through
PuLP) with cuts separated between re-solves for the rest; proved bounds for CVRPs of any size.

CVRP (``backend="auto"`` or ``"bpc"``, whole demands, symmetric distances): the column and cut
generation of :mod:`.bound` with ng-route pricing at the root, the edges that can be in no
answer better than ``local``'s removed by their route reduced costs, then
:mod:`.branch_price`'s tree. With ``auto``, a root more than ``BPC_TREE_GAP`` below the start
hands its kept edges to SCIP's branch-and-cut below instead (branching in edge space does better
there). Past ``LIMITS["CVRP"]`` clients, or with ``mode="bound"``, no proof is attempted: the
answer is ``local``'s and the bound the root's, with q-route pricing (any size up to
``BOUND_MAX_CLIENTS``).

TSP and CVRP (``backend="scip"``): the edge formulation below in SCIP, with a
constraint handler that separates the cuts on every LP of the search tree (fractional LPs: as
cutting planes; integer ones: enforced) and rejects an integer answer that violates one. HiGHS
offers no lazy constraints (highspy 1.12 defines the callback type but gives it no way to add a
row), hence SCIP. Measured here: generated 30-client CVRPs proved in 1-11 s by SCIP against 70 s
and not within 120 s by the re-solves; TSP100 about the same either way.

Two formulations share one cutting-plane loop:

* ``edges`` (symmetric TSP/CVRP): ``x_e`` on undirected edges, 0..2 on depot edges for CVRP,
  client degree 2, depot degree ``2K``;
* ``arcs`` (ATSP, asymmetric CVRP, VRPTW): ``x_ij`` on arcs, in = out = 1 at clients and ``K``
  at the depot; with time windows, start times with big-M links and lifted MTZ loads.

Both rely on the same family of cuts for client sets ``S``: ``x(inside S) <= |S| - k(S)`` with
``k(S) = max(1, ceil(d(S) / Q))`` -- subtour elimination for the TSP, rounded capacity
inequalities for the CVRP. PuLP has no lazy-constraint callback, so HiGHS and CBC loop: solve
the LP relaxation and add cuts found by heuristics (support components at several thresholds, greedy
growth from each client, a global minimum cut) until none is violated; then solve the MIP, add
a cut for every violated set in its integer answer, and re-solve. Every round is a relaxation of
the true problem, so its bound is a valid lower bound; the answer is proved optimal only when a
MIP solved to optimality has an integer answer violating no cut.

Costs are the problem's distances times ``integer_scale()`` (exact integers when the instance has
a precision), so the optimality gap can be closed exactly.

Incumbent first: the heuristic ``local`` runs for a tenth of the time limit (0.2-2 s) and its
answer is the one to beat. With HiGHS every MIP round gets its cost as a cutoff (``objective_bound``:
only strictly better integer answers are searched for), so a round that finds none proves the
incumbent optimal; whatever happens later, the answer returned is never worse than it. A tight
fleet, where the MIP alone often finds no integer answer at all, thus still gets the heuristic's.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ...errors import UnsupportedError
from ...instances.vrp.problem import VRPProblem, Route, VRPSolution
from ..base import Budget, Option, Result, Solver, Status
from ..highs import reset_scheduler
from ..stop import stop_on_signals

_EPS = 1e-6
_HINT = "use solver='pyvrp' or 'ortools' (heuristics) for larger instances"
# Largest instance (clients) per formulation: beyond these a proof rarely fits in minutes.
LIMITS = {"TSP": 150, "ATSP": 100, "CVRP": 50, "ACVRP": 30, "VRPTW": 25}


def _kind(problem: VRPProblem) -> str:
    f = problem.features
    if problem.variant in ("TSP", "ATSP"):
        return problem.variant
    if "time_windows" in f:
        return "VRPTW"
    return "ACVRP" if "asymmetric" in f else "CVRP"


def _fleet_range(problem: VRPProblem, kind: str) -> tuple[int, int]:
    """Fewest vehicles the total demand needs, and the most the fleet (or the clients) allow."""
    if kind in ("TSP", "ATSP"):
        return 1, 1
    vt = problem.vehicle_types[0]
    k_min = 1
    if "capacity" in problem.features:
        k_min = max(1, math.ceil(problem.demand[:, 0].sum() / vt.capacity[0] - 1e-9))
    return k_min, min(vt.count, problem.num_clients)


class _Model:
    """The PuLP model, its cut pool, and the separation routines."""

    def __init__(self, problem: VRPProblem, kind: str):
        import pulp

        self.p, self.kind = problem, kind
        self.features = features = problem.features      # computed, not stored: read it once
        n = self.n = problem.num_nodes
        self.directed = kind in ("ATSP", "ACVRP", "VRPTW")
        self.exact = problem.precision is not None
        scale = problem.integer_scale() if self.exact else 1
        self.scale = scale
        cost = np.rint(problem.distance * scale) if self.exact else problem.distance
        self.demand = problem.demand[:, 0] if "capacity" in features else np.zeros(n)
        vt = problem.vehicle_types[0]
        self.Q = vt.capacity[0] if "capacity" in features else math.inf
        tsp = kind in ("TSP", "ATSP")
        self.k_range = k_min, k_max = _fleet_range(problem, kind)
        self.prob = pulp.LpProblem("vrp", pulp.LpMinimize)
        self.pairs: list[tuple[int, int]] = []
        for i in range(n):
            for j in range(n) if self.directed else range(i + 1, n):
                if i != j and self._arc_possible(i, j):
                    self.pairs.append((i, j))
        depot_ub = 1 if tsp else 2
        self.x = []
        for i, j in self.pairs:
            ub = depot_ub if (not self.directed and i == 0) else 1
            self.x.append(self.var(f"x_{i}_{j}", 0, ub, pulp.LpInteger))
        self.prob += pulp.lpSum(float(cost[i, j]) * v for (i, j), v in zip(self.pairs, self.x))
        self.K = self.var("K", k_min, k_max, pulp.LpInteger)
        inc: list[list[Any]] = [[] for _ in range(n)]
        out: list[list[Any]] = [[] for _ in range(n)]
        for (i, j), v in zip(self.pairs, self.x):
            out[i].append(v)
            inc[j].append(v)
        for c in range(1, n):
            if self.directed:
                self.prob += pulp.lpSum(out[c]) == 1
                self.prob += pulp.lpSum(inc[c]) == 1
            else:
                self.prob += pulp.lpSum(out[c] + inc[c]) == 2
        if self.directed:
            self.prob += pulp.lpSum(out[0]) == self.K
            self.prob += pulp.lpSum(inc[0]) == self.K
        else:
            self.prob += pulp.lpSum(out[0]) == 2 * self.K
        self.index = {pair: k for k, pair in enumerate(self.pairs)}
        self.cuts: set[frozenset[int]] = set()
        if self.directed:          # 2-cycles between clients: the smallest subtours
            for i, j in self.pairs:
                if 0 < i < j and (j, i) in self.index:
                    self._add_cut(frozenset((i, j)))
        if kind == "VRPTW":
            self._add_times_and_loads()

    # ------------------------------------------------------------------ formulation
    def var(self, name: str, low: float, up: float, cat: str = "Continuous"):
        import pulp

        if hasattr(self.prob, "add_variable"):          # PuLP >= 3.3 (the 4.0 spelling)
            return self.prob.add_variable(name, low, up, cat)
        return pulp.LpVariable(name, low, up, cat)

    def _arc_possible(self, i: int, j: int) -> bool:
        p = self.p
        if i and j and "capacity" in self.features and p.demand[i, 0] + p.demand[j, 0] > self.Q + _EPS:
            return False
        if p.time_windows is not None and i and j:
            tw, s = p.time_windows, p.service_time
            svc = 0.0 if s is None else s[i]
            if tw[i, 0] + svc + p.duration[i, j] > tw[j, 1] + _EPS:
                return False     # time windows are only modelled on arcs
        return True

    def _add_times_and_loads(self) -> None:
        import pulp

        p, n = self.p, self.n
        tw = p.time_windows.copy()
        svc = np.zeros(n) if p.service_time is None else p.service_time
        finite = np.isfinite(tw[:, 1])
        if not finite.all():
            tw[~finite, 1] = tw[finite, 1].max(initial=0) + p.duration.max() * n + svc.sum()
        dur = p.duration
        t = [None] + [self.var(f"t_{j}", max(tw[j, 0], tw[0, 0] + dur[0, j]), tw[j, 1])
                      for j in range(1, n)]
        loads = "capacity" in self.features
        d, Q = self.demand, self.Q
        u = [None] + [self.var(f"u_{j}", d[j], Q) for j in range(1, n)] if loads else None
        for (i, j), v in zip(self.pairs, self.x):
            if i == 0:
                continue
            if j == 0:   # back at the depot by its closing time
                big = max(0.0, tw[i, 1] + svc[i] + dur[i, 0] - tw[0, 1])
                self.prob += t[i] + svc[i] + dur[i, 0] <= tw[0, 1] + big * (1 - v)
                continue
            big = max(0.0, tw[i, 1] + svc[i] + dur[i, j] - tw[j, 0])
            self.prob += t[j] >= t[i] + svc[i] + dur[i, j] - big * (1 - v)
            if loads:
                back = self.x[self.index[(j, i)]] if (j, i) in self.index else 0
                self.prob += u[j] >= u[i] + d[j] - Q * (1 - v) + (Q - d[i] - d[j]) * back

    def _add_cut(self, S: frozenset[int]) -> None:
        """x(inside S) <= |S| - k(S), i.e. at least k(S) vehicles enter S."""
        import pulp

        self.cuts.add(S)
        members = sorted(S)
        terms = [self.x[self.index[(i, j)]] for i in members for j in members
                 if (i, j) in self.index]
        self.prob += pulp.lpSum(terms) <= len(S) - _k_of(S, self.demand, self.Q)

    # ------------------------------------------------------------------ separation
    def weights(self) -> np.ndarray:
        """Symmetric matrix W with W[i, j] = x_ij (+ x_ji); every client has W-degree 2."""
        w = np.zeros((self.n, self.n))
        for (i, j), v in zip(self.pairs, self.x):
            val = v.varValue or 0.0
            w[i, j] += val
            w[j, i] += val
        return w

    def separate(self, w: np.ndarray, fractional: bool) -> int:
        """Add cuts violated by W; returns how many were new."""
        found = _violated_sets(w, self.demand, self.Q, fractional, self.cuts)
        for S in found:
            self._add_cut(S)
        return len(found)

    # ------------------------------------------------------------------ answers
    def successors(self) -> dict[int, int]:
        """Next node of each node in an integer TSP answer (a union of cycles)."""
        if self.directed:
            return {i: j for (i, j), v in zip(self.pairs, self.x) if (v.varValue or 0) > 0.5}
        adj: dict[int, list[int]] = {i: [] for i in range(self.n)}
        for (i, j), v in zip(self.pairs, self.x):
            if (v.varValue or 0) > 0.5:
                adj[i].append(j)
                adj[j].append(i)
        succ: dict[int, int] = {}
        for start in range(self.n):
            if start in succ:
                continue
            prev, cur = None, start
            while cur not in succ:
                nxt = adj[cur][0] if adj[cur][0] != prev else adj[cur][1]
                succ[cur], prev, cur = nxt, cur, nxt
        return succ

    def routes(self, w: np.ndarray) -> list[list[int]]:
        """Routes of an integer answer (clients in visiting order), then its subtours if any."""
        routes = []
        if self.directed:
            succ = {i: j for (i, j), v in zip(self.pairs, self.x) if (v.varValue or 0) > 0.5 and i}
            for (i, j), v in zip(self.pairs, self.x):
                if i == 0 and j and (v.varValue or 0) > 0.5:
                    route = [j]
                    while succ[route[-1]] != 0:
                        route.append(succ[route[-1]])
                    routes.append(route)
            seen = {c for r in routes for c in r}
            for c in range(1, self.n):        # subtours, when the answer violates cuts
                if c not in seen:
                    cycle = [c]
                    while succ[cycle[-1]] != c:
                        cycle.append(succ[cycle[-1]])
                    seen.update(cycle)
                    routes.append(cycle)
            return routes
        return _edge_routes(w)


def _k_of(S, demand: np.ndarray, Q: float) -> int:
    """Vehicles client set ``S`` needs at least: ``ceil(d(S) / Q)``, 1 without capacities."""
    return max(1, math.ceil(demand[list(S)].sum() / Q - 1e-9)) if Q < math.inf else 1


def _violated_sets(w: np.ndarray, demand: np.ndarray, Q: float, fractional: bool,
                   known: set | frozenset = frozenset()) -> list[frozenset[int]]:
    """Client sets S whose cut ``x(inside S) <= |S| - k(S)`` W violates, most violated first (at
    most max(10, n)): components of the support at several thresholds; on a fractional W also
    sets grown greedily from every client and the sides of a global minimum cut."""
    from scipy.sparse.csgraph import connected_components

    n, found = w.shape[0], {}

    def consider(S) -> None:
        S = frozenset(int(c) for c in S)
        if not S or S in known or S in found:
            return
        idx = np.fromiter(S, int)
        k = _k_of(S, demand, Q)
        boundary = 2 * len(S) - w[np.ix_(idx, idx)].sum()   # x(δ(S)) (twice x(δ+(S)) on arcs)
        if boundary < 2 * k - 1e-4:
            found[S] = boundary - 2 * k

    clients = w[1:, 1:]
    for thr in ((0.5,) if not fractional else (_EPS, 0.3, 0.5, 0.7)):
        count, labels = connected_components(clients > thr, directed=False)
        for c in range(count):
            consider(np.flatnonzero(labels == c) + 1)
    if fractional and not found and Q < math.inf:
        _grow_sets(w, demand, Q, consider)
    if fractional and not found and n > 3:
        for side in _min_cut_sides(w):
            consider(side)
    return sorted(found, key=found.get)[:max(10, n)]


def _grow_sets(w: np.ndarray, d: np.ndarray, Q: float, consider) -> None:
    """Grow a set from every client, adding the most connected client each step; the boundary
    changes by ``2 - 2 x(j, S)`` when client ``j`` joins (its W-degree is 2)."""
    n = w.shape[0]
    for seed in range(1, n):
        inside = np.zeros(n, bool)
        inside[seed] = True
        conn = w[seed].copy()
        boundary, load = 2.0, d[seed]
        for _ in range(n - 2):
            conn[0] = -1
            conn[inside] = -1
            j = int(np.argmax(conn))
            if conn[j] <= _EPS:
                break
            inside[j] = True
            boundary += 2 - 2 * conn[j]
            load += d[j]
            conn += w[j]
            if boundary < 2 * math.ceil(load / Q - 1e-9) - 1e-4:
                consider(np.flatnonzero(inside))


def _edge_routes(w: np.ndarray) -> list[list[int]]:
    """Routes of an integer answer on edges (W symmetric, depot edges count trips), then its
    subtours if any."""
    n = w.shape[0]
    adj = w > 0.5
    seen: set[int] = set()
    routes = []
    starts = [int(j) for j in np.flatnonzero(w[0] > 0.5)]
    starts += [c for c in range(1, n) if c not in starts]   # then subtours, if any
    for j in starts:
        if j in seen:
            continue
        route, prev = [j], 0
        seen.add(j)
        while True:
            nxt = [int(k) for k in np.flatnonzero(adj[route[-1]]) if k and k != prev and k not in seen]
            if not nxt:
                break
            prev = route[-1]
            route.append(nxt[0])
            seen.add(nxt[0])
        routes.append(route)
    return routes


def _nearest_neighbour(distance: np.ndarray) -> list[int]:
    """Clients in nearest-neighbour order from the depot."""
    n = distance.shape[0]
    free = np.ones(n, bool)
    free[0], tour = False, [0]
    for _ in range(n - 1):
        row = np.where(free, distance[tour[-1]], np.inf)
        tour.append(int(np.argmin(row)))
        free[tour[-1]] = False
    return tour[1:]


def _split(problem: VRPProblem, giant: list[int], max_routes: int) -> VRPSolution | None:
    """Best cut of ``giant`` into at most ``max_routes`` consecutive feasible routes (Prins' split)."""
    n = len(giant)
    cost: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n + 1):
            e = problem.evaluate(VRPSolution([Route(giant[i:j])]))
            broken = {v.kind for v in e.violations} - {"missing"}   # the other routes serve the rest
            if "capacity" in broken:
                break                           # longer segments carry even more
            if not broken:
                cost[i, j] = e.objective
    best = np.full((max_routes + 1, n + 1), np.inf)
    back = np.zeros((max_routes + 1, n + 1), dtype=int)
    best[0, 0] = 0.0
    for k in range(1, max_routes + 1):
        for (i, j), c in cost.items():
            if best[k - 1, i] + c < best[k, j]:
                best[k, j], back[k, j] = best[k - 1, i] + c, i
    k = int(np.argmin(best[:, n]))
    if not np.isfinite(best[k, n]):
        return None
    routes, j = [], n
    while k:
        i = back[k, j]
        routes.append(Route(giant[i:j]))
        j, k = i, k - 1
    return VRPSolution(routes[::-1])


def _patch_tour(distance: np.ndarray, succ: dict[int, int]) -> list[int]:
    """One tour from the subtours of ``succ``: merge each into the tour at the cheapest pair of
    arcs to exchange (either orientation). Returns the clients in order after the depot."""
    cycles, left = [], set(succ)
    while left:
        c = [min(left)] if 0 not in left else [0]
        while succ[c[-1]] != c[0]:
            c.append(succ[c[-1]])
        left -= set(c)
        cycles.append(c)
    tour = next(c for c in cycles if c[0] == 0)
    for other in sorted((c for c in cycles if c[0] != 0), key=len, reverse=True):
        a = np.array(tour)
        best = None
        for b in (np.array(other), np.array(other[::-1])):
            a1, b1 = np.roll(a, -1), np.roll(b, -1)
            delta = (distance[a[:, None], b1[None, :]] + distance[b[None, :], a1[:, None]]
                     - distance[a, a1][:, None] - distance[b, b1][None, :])
            k, m = np.unravel_index(int(np.argmin(delta)), delta.shape)
            if best is None or delta[k, m] < best[0]:
                best = (delta[k, m], k, np.roll(b, -(m + 1)).tolist())
        _, k, part = best
        tour = tour[: k + 1] + part + tour[k + 1:]
    return tour[1:]


def _min_cut_sides(w: np.ndarray) -> list[np.ndarray]:
    """For each client t, the t side of a minimum cut between the depot and t in W
    (max-flow in integer micro-units; a set is tried once)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    n = w.shape[0]
    cap = np.floor(np.where(w > _EPS, w, 0) * 1e6).astype(np.int32)
    graph = csr_matrix(cap)
    done = np.zeros(n, bool)
    sides = []
    for t in range(1, n):
        if done[t]:
            continue
        res = maximum_flow(graph, 0, t)
        if res.flow_value >= 2e6 - 100:
            continue
        residual = graph - res.flow
        residual.data[residual.data < 0] = 0
        residual.eliminate_zeros()
        reach = breadth_first_order(residual, 0, directed=True, return_predecessors=False)
        side = np.ones(n, bool)
        side[reach] = False
        done |= side
        sides.append(np.flatnonzero(side))
    return sides


def _highs_class():
    """PuLP's HiGHS interface with the model loaded in bulk: PuLP sets integrality one column at
    a time, which costs HiGHS quadratic time (0.6 s for the 4950 edges of a 100-node TSP)."""
    import highspy
    import pulp

    class BulkHiGHS(pulp.HiGHS):
        def buildSolverModel(self, lp):
            inf, h = highspy.kHighsInf, lp.solverModel
            sign = -1 if lp.sense == pulp.LpMaximize else 1
            variables = lp.variables()
            for k, v in enumerate(variables):
                v.index = k
            cost = np.array([sign * lp.objective.get(v, 0.0) for v in variables], dtype=float)
            lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
            upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
            empty = np.zeros(0, dtype=np.int32)
            h.addCols(len(variables), cost, lower, upper, 0, empty, empty, np.zeros(0))
            if self.mip:
                ints = np.array([v.index for v in variables if v.cat == pulp.LpInteger], dtype=np.int32)
                if ints.size:
                    h.changeColsIntegrality(ints.size, ints, np.full(ints.size, highspy.HighsVarType.kInteger))
            starts, index, value, rlo, rup = [], [], [], [], []
            constraints = lp.constraints() if callable(lp.constraints) else lp.constraints.values()
            for k, c in enumerate(constraints):
                c.index = k
                starts.append(len(index))
                for v, a in c.items():
                    if a:
                        index.append(v.index)
                        value.append(a)
                lb, ub = c.getLb(), c.getUb()
                rlo.append(-inf if lb is None else lb)
                rup.append(inf if ub is None else ub)
            h.addRows(len(starts), np.array(rlo, dtype=float), np.array(rup, dtype=float), len(index),
                      np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32),
                      np.array(value, dtype=float))

    return BulkHiGHS


_SCIP_KINDS = ("TSP", "CVRP")     # the edge formulation, on which the branch-and-cut runs
ROOT_SHARE = 0.3                  # of the time limit, at most, for the column-and-cut root
# Branch-price-and-cut goes on past its root when the root is within this of the start's cost;
# beyond it SCIP's branch-and-cut takes over on the edges the root kept. Measured on generated
# CVRPs of 30-50 clients (ng-6 root): roots within 0.3 % proved in 12-61 s where SCIP alone
# failed in 600 s on two of them; the one at 0.9 % took 180 s against SCIP's 50 s.
BPC_TREE_GAP = 0.005
BOUND_MAX_CLIENTS = 2000
# Typical seconds to prove a CVRP with backend auto by clients, measured on this 2-core machine
# (benchmarks/results/exact.md, generated X-like CVRPs, 7 seeds of 30 and 40 clients, 6 of 50):
# medians 4, 4.5 and 35 s (slowest 37, 67 and 48 s); CVRPLIB E-n13, P-n16 and A-n32 in 0.3-1.8 s.
# Between the sizes, linear; beyond the last, no prediction.
PROOF_SECONDS = ((15, 1.0), (30, 4.0), (40, 5.0), (50, 35.0))
# A fleet carrying at least this share of its capacity proved (or proved infeasible) in 5-7 s at
# 20-40 clients (9 generated fleets with just enough vehicles): the bin packing prunes the search.
TIGHT_FLEET, TIGHT_SECONDS = 0.9, 7.0
BOUND_HEURISTIC_SHARE = 0.05      # of the time limit for local's answer in mode 'bound' (the rest, if the bound converges early)


def _backend(option: str, kind: str) -> str:
    """``auto``: branch-price-and-cut for CVRP (the scip backend for a CVRP the column
    generation does not take: fractional demands, an asymmetric matrix), SCIP's branch-and-cut
    for TSP (measured: a 30-client CVRP proved in 1-11 s against 70 s and not in 120 s by HiGHS
    re-solves), HiGHS re-solves for the rest."""
    if option != "auto":
        return option
    return "bpc" if kind == "CVRP" else "scip" if kind in _SCIP_KINDS else "highs"


def _bpc_supports(problem: VRPProblem) -> bool:
    from .bound import supports
    return supports(problem) is None


def _branch_and_cut(problem: VRPProblem, kind: str, k_range: tuple[int, int], seconds: float, seed: int,
                    start: VRPSolution | None, allowed: np.ndarray | None = None,
                    ) -> tuple[str, list[list[int]] | None, float | None, dict]:
    """One SCIP branch-and-cut on the edge formulation (TSP, CVRP): the cuts of
    :func:`_violated_sets` separated on every LP of the tree (fractional ones as cutting planes,
    integer ones enforced), ``start`` given as the first solution. ``allowed`` (n x n): the
    edges to model, the others being in no answer better than ``start``. Returns SCIP's status,
    the routes of its best answer (None without one), its dual bound in model units, and counts."""
    import pyscipopt
    from pyscipopt import SCIP_RESULT, quicksum

    n = problem.num_nodes
    exact = problem.precision is not None
    scale = problem.integer_scale() if exact else 1
    cost = np.rint(problem.distance * scale) if exact else problem.distance
    tsp = kind == "TSP"
    capacitated = "capacity" in problem.features
    demand = problem.demand[:, 0] if capacitated else np.zeros(n)
    Q = problem.vehicle_types[0].capacity[0] if capacitated else math.inf
    m = pyscipopt.Model()
    m.hideOutput()
    m.setParam("limits/time", max(0.1, seconds))
    m.setParam("limits/absgap", 0.999 if exact else 1e-7)
    m.setParam("randomization/randomseedshift", seed % 2**31)
    m.setBoolParam("misc/allowstrongdualreds", False)    # the cuts live in a handler without constraints
    edges: list[tuple[int, int]] = []
    x = []
    for i in range(n):
        for j in range(i + 1, n):
            if i and demand[i] + demand[j] > Q + _EPS:
                continue
            if allowed is not None and not allowed[i, j]:
                continue
            edges.append((i, j))
            x.append(m.addVar(vtype="I", lb=0, ub=2 if (i == 0 and not tsp) else 1, obj=float(cost[i, j])))
    index = {e: k for k, e in enumerate(edges)}
    K = m.addVar(vtype="I", lb=k_range[0], ub=k_range[1])
    incident: list[list] = [[] for _ in range(n)]
    for (i, j), v in zip(edges, x):
        incident[i].append(v)
        incident[j].append(v)
    for c in range(1, n):
        m.addCons(quicksum(incident[c]) == 2)
    m.addCons(quicksum(incident[0]) == 2 * K)
    counts = {"cuts": 0}

    class Capacity(pyscipopt.Conshdlr):
        def weights(self, sol) -> np.ndarray:
            w = np.zeros((n, n))
            for (i, j), v in zip(edges, x):
                val = self.model.getSolVal(sol, v)
                w[i, j] += val
                w[j, i] += val
            return w

        def terms(self, S):
            members = sorted(S)
            return [x[index[(a, b)]] for k, a in enumerate(members) for b in members[k + 1:] if (a, b) in index]

        def conscheck(self, constraints, solution, checkintegrality, checklprows, printreason, completely,
                      **kwargs):
            bad = _violated_sets(self.weights(solution), demand, Q, False)
            return {"result": SCIP_RESULT.INFEASIBLE if bad else SCIP_RESULT.FEASIBLE}

        def consenfolp(self, constraints, nusefulconss, solinfeasible):
            bad = _violated_sets(self.weights(None), demand, Q, False)
            for S in bad:
                self.model.addCons(quicksum(self.terms(S)) <= len(S) - _k_of(S, demand, Q))
            counts["cuts"] += len(bad)
            return {"result": SCIP_RESULT.CONSADDED if bad else SCIP_RESULT.FEASIBLE}

        def consenfops(self, constraints, nusefulconss, solinfeasible, objinfeasible):
            bad = _violated_sets(self.weights(None), demand, Q, False)
            return {"result": SCIP_RESULT.INFEASIBLE if bad else SCIP_RESULT.FEASIBLE}

        def conssepalp(self, constraints, nusefulconss):
            bad = _violated_sets(self.weights(None), demand, Q, True)
            for S in bad:
                row = self.model.createEmptyRowUnspec("capacity", -self.model.infinity(),
                                                      len(S) - _k_of(S, demand, Q), False, False, True)
                self.model.cacheRowExtensions(row)
                for v in self.terms(S):
                    self.model.addVarToRow(row, v, 1.0)
                self.model.flushRowExtensions(row)
                self.model.addCut(row, False)
            counts["cuts"] += len(bad)
            return {"result": SCIP_RESULT.SEPARATED if bad else SCIP_RESULT.DIDNOTFIND}

        def conslock(self, constraint, locktype, nlockspos, nlocksneg):
            for v in x:                 # any edge may open or close a cut: locked both ways
                self.model.addVarLocks(v, nlockspos + nlocksneg, nlockspos + nlocksneg)

    m.includeConshdlr(Capacity(), "capacity", "rounded capacity and subtour cuts", sepapriority=1000,
                      enfopriority=-1000, chckpriority=-1000, sepafreq=1, needscons=False)
    if start is not None:
        sol = m.createSol()
        used = 0
        for route in start.routes:
            if not route.visits:
                continue
            used += 1
            path = [0, *route.visits, 0]
            for a, b in zip(path[:-1], path[1:]):
                e = (min(a, b), max(a, b))
                if e in index:
                    m.setSolVal(sol, x[index[e]], m.getSolVal(sol, x[index[e]]) + 1)
        m.setSolVal(sol, K, used)
        counts["start_accepted"] = bool(m.addSol(sol, free=True))
    m.optimize()
    status = m.getStatus()
    counts["nodes"] = int(m.getNNodes())
    routes = None
    if m.getNSols():
        best = m.getBestSol()
        w = np.zeros((n, n))
        for (i, j), v in zip(edges, x):
            val = round(m.getSolVal(best, v))
            w[i, j] += val
            w[j, i] += val
        routes = _edge_routes(w)
    bound = m.getDualbound()
    return status, routes, (bound if math.isfinite(bound) else None), counts | {"scale": scale, "exact": exact}


def predicted_proof_seconds(problem: VRPProblem) -> float | None:
    """Seconds the exact solver typically needs to prove ``problem`` optimal here (see
    ``PROOF_SECONDS``), or None where nothing was measured (not a CVRP the branch-price-and-cut
    takes, or more clients than the table). ``auto`` picks the exact solver when this fits the
    time limit."""
    if problem.family != "vrp" or _kind(problem) != "CVRP" or not _bpc_supports(problem):
        return None
    n = problem.num_clients
    sizes = [s for s, _ in PROOF_SECONDS]
    if n > sizes[-1]:
        return None
    seconds = float(np.interp(n, sizes, [t for _, t in PROOF_SECONDS]))
    vt = problem.vehicle_types[0]
    carried = float(problem.demand[:, 0].sum()) / max(1e-9, vt.count * vt.capacity[0])
    if carried >= TIGHT_FLEET and n <= 40:
        seconds = min(seconds, TIGHT_SECONDS)
    return seconds


class MILPSolver(Solver):
    """Exact MILP with iterative cut separation: TSP/ATSP (DFJ), CVRP (rounded capacity cuts),
    small VRPTW / asymmetric CVRP (arcs, big-M start times, lifted MTZ loads)."""

    name = "vrp-milp"
    family = "vrp"
    kind = "exact"
    supports = frozenset({"asymmetric", "capacity", "time_windows", "service_times"})
    # proofs stop at LIMITS per formulation (checked below); mode 'bound' takes CVRPs up to this
    # (the complete-graph pricing holds n^2 edge costs and a load x client table)
    max_size = BOUND_MAX_CLIENTS
    library = "pulp"
    description = ("Exact: branch-price-and-cut for CVRP (ng-route pricing, rounded capacity cuts); "
                   "SCIP branch-and-cut for TSP; PuLP + HiGHS or CBC re-solves between rounds of cuts for "
                   "ATSP, VRPTW and asymmetric CVRP (big-M time windows). Proofs for small instances; "
                   "a proved bound beside local's answer for CVRPs of any size (mode 'bound').")

    @classmethod
    def version(cls) -> str | None:
        from importlib.metadata import PackageNotFoundError, version
        found = []
        for library in ("pyscipopt", "pulp", "highspy"):
            try:
                found.append(f"{library} {version(library)}")
            except PackageNotFoundError:
                pass
        return ", ".join(found) or None
    OPTIONS = (
        Option("backend", str, "auto", "auto: branch-price-and-cut for CVRP (q-/ng-route pricing, "
               "rounded capacity cuts), handing over to SCIP's branch-and-cut on the edges it kept "
               "when its root gap is large; SCIP branch-and-cut for TSP; HiGHS re-solves for the "
               "rest. bpc, scip, highs or cbc to choose one",
               choices=("auto", "bpc", "scip", "highs", "cbc")),
        Option("mode", str, "auto", "prove: search for a proof; bound: the heuristic's answer with a "
               "proved lower bound from column and cut generation (CVRP of any size); auto: prove "
               "up to the size the proof usually fits in, bound beyond",
               choices=("auto", "prove", "bound")),
        Option("incumbent", bool, True, "start from the heuristic 'local' (a tenth of the time limit, "
               "0.2-2 s): its answer is returned at least, and with HiGHS cuts off every MIP node "
               "that cannot beat it"),
    )

    @classmethod
    def prepare(cls) -> None:
        from . import branch_price, local
        local.warm_up()
        branch_price.warm_up()

    def check(self, problem) -> None:
        # Size first, per formulation and with a hint; then what the base class checks.
        if problem.family == self.family and not problem.features - self.supports:
            kind = _kind(problem)
            if self.options["backend"] == "bpc" and (kind != "CVRP" or not _bpc_supports(problem)):
                from .bound import supports
                raise UnsupportedError(f"solver '{self.name}': backend 'bpc' "
                                       f"{supports(problem) or 'solves CVRPs only'}: use backend 'auto'")
            if self.options["backend"] == "scip" and kind not in _SCIP_KINDS:
                raise UnsupportedError(f"solver '{self.name}': backend 'scip' solves TSP and CVRP; "
                                       f"'{problem.name}' is {kind}: use backend 'auto' or 'highs'")
            if self._bounds(problem, kind):
                pass
            elif self.options["mode"] == "bound":
                from .bound import supports
                raise UnsupportedError(f"solver '{self.name}' mode 'bound' {supports(problem) or 'bounds CVRPs only'}")
            elif problem.size > LIMITS[kind]:
                raise UnsupportedError(
                    f"solver '{self.name}' proves {kind} optimality for at most {LIMITS[kind]} clients; "
                    f"'{problem.name}' has {problem.size}: {_HINT}")
        super().check(problem)

    def _bounds(self, problem: VRPProblem, kind: str) -> bool:
        """Whether this run only bounds: mode 'bound', or 'auto' past the proof's size limit,
        on a CVRP the column generation supports."""
        mode = self.options["mode"]
        if mode == "prove" or kind != "CVRP" or (mode == "auto" and problem.size <= LIMITS[kind]):
            return False
        from .bound import supports
        return supports(problem) is None

    # ------------------------------------------------------------------ one solve
    def _run(self, model: _Model, mip: bool, seconds: float, threads: int, seed: int,
             cutoff: float | None = None):
        """Solve the current model; returns (has_solution, proved_optimal, bound or None,
        infeasible), and the solver's time. ``cutoff`` (HiGHS, MIP only): look only for answers
        costing less; none found reads as infeasible."""
        import pulp

        gap_abs = 0.999 if model.exact else 1e-7
        if self.options["backend"] == "cbc":
            import warnings

            with warnings.catch_warnings():   # PuLP 3.3 deprecates its bundled CBC for 4.0
                warnings.simplefilter("ignore", DeprecationWarning)
                solver = pulp.PULP_CBC_CMD(mip=mip, msg=False, timeLimit=max(0.1, seconds),
                                           threads=threads, gapRel=0, gapAbs=gap_abs)
            model.prob.solve(solver)
            optimal = model.prob.sol_status == pulp.LpSolutionOptimal
            has = model.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
            infeasible = model.prob.status == pulp.LpStatusInfeasible
            bound = pulp.value(model.prob.objective) if optimal else None
            return (has, optimal, bound, infeasible), model.prob.solutionTime
        import highspy

        reset_scheduler()
        extra = {"objective_bound": cutoff} if mip and cutoff is not None else {}
        solver = _highs_class()(mip=mip, msg=False, timeLimit=seconds, threads=threads,
                                gapRel=0, gapAbs=gap_abs, random_seed=seed,
                                mip_feasibility_tolerance=1e-9, primal_feasibility_tolerance=1e-9, **extra)
        model.prob.solve(solver)
        h = model.prob.solverModel
        status, info = h.getModelStatus(), h.getInfo()
        if status == highspy.HighsModelStatus.kNotset:
            raise RuntimeError("HiGHS did not run (model status kNotset)")
        optimal = status == highspy.HighsModelStatus.kOptimal
        infeasible = status == highspy.HighsModelStatus.kInfeasible
        has = info.primal_solution_status == 2
        if mip:
            bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
        else:
            bound = info.objective_function_value if optimal else None
        return (has, optimal, bound, infeasible), h.getRunTime()

    def _incumbent(self, problem: VRPProblem, budget: Budget, meta: dict) -> VRPSolution | None:
        """``local``'s answer after 20 steps per client, within a tenth of the time limit (0.2-2
        s, at most half), if feasible. (On the small instances this solver takes, its answer
        rarely improves after that many steps.)"""
        from .local import LocalSearchSolver

        seconds = min(2.0, max(0.2, 0.1 * budget.time_limit), 0.5 * budget.time_limit)
        t0 = time.perf_counter()
        heuristic = LocalSearchSolver(iterations=20 * max(10, problem.num_clients))
        result = heuristic.solve(problem, Budget(time_limit=seconds, seed=budget.seed))
        meta["incumbent_time"] = time.perf_counter() - t0
        if result.solution is None:
            return None
        found = problem.evaluate(result.solution)
        if not found.feasible:
            return None
        meta["incumbent_objective"] = found.objective
        return result.solution

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        # SIGINT/SIGTERM: the column generation and the tree stop at their next step and the
        # best answer so far comes back, marked so
        with stop_on_signals() as stop:
            return stop.mark(self._solve_within(problem, budget))

    def _solve_within(self, problem: VRPProblem, budget: Budget) -> Result:
        compile_time = 0.0
        if self.options["incumbent"]:
            # local's kernels compile once per machine (minutes, then cached on disk): not charged
            # to this run's time limit, which would otherwise end before the MIP starts
            from .local import warm_up
            compile_time = warm_up()
        kind = _kind(problem)
        backend = _backend(self.options["backend"], kind)
        if kind == "CVRP" and backend in ("auto", "bpc") and _bpc_supports(problem):
            from .branch_price import warm_up as warm_pricing     # the same, for the pricing kernels
            compile_time += warm_pricing()
        start = time.perf_counter()
        meta: dict[str, Any] = {"formulation": kind, "backend": backend}
        if compile_time > 0.5:
            meta["compile_time"] = compile_time
        if problem.num_clients <= 1:
            sol = VRPSolution([Route(list(problem.clients))] if problem.num_clients else [])
            return Result(self.name, problem.name, Status.OPTIMAL, solution=sol,
                          bound=problem.evaluate(sol).objective, metadata=meta)
        k_range = _fleet_range(problem, kind)
        if k_range[0] > k_range[1]:
            return Result(self.name, problem.name, Status.INFEASIBLE, metadata=meta,
                          message=f"the demand needs {k_range[0]} vehicles; the fleet has {k_range[1]}")
        # Something to return however short the time limit: the heuristic's answer, or a tour
        # split into routes.
        best: VRPSolution | None = None
        if self.options["incumbent"]:
            best = self._incumbent(problem, budget, meta)
        if best is None:
            giant = _nearest_neighbour(problem.distance)
            best = (VRPSolution([Route(giant)]) if kind in ("TSP", "ATSP") else _split(problem, giant, k_range[1]))
            if best is not None and not problem.evaluate(best).feasible:
                best = None
        if self._bounds(problem, kind):
            return self._solve_bound(problem, k_range, budget, start, best, meta)
        if backend == "bpc" and kind == "CVRP" and _bpc_supports(problem):
            return self._solve_bpc(problem, kind, k_range, budget, start, best, meta, backend)
        if backend in ("scip", "bpc"):
            return self._solve_scip(problem, kind, k_range, budget, start, best, meta)
        model = _Model(problem, kind)

        overhead = [0.05]   # PuLP's model building and our separation, per round (the worst seen)

        def left() -> float:
            return budget.time_limit - (time.perf_counter() - start) - overhead[0]

        last_end = [None]

        def run(mip: bool, cutoff: float | None = None):
            # Non-solver time of a round: separating cuts before it, building the model in it.
            t0 = time.perf_counter()
            between = 0.0 if last_end[0] is None else t0 - last_end[0]
            outcome, solver_time = self._run(model, mip, left(), budget.threads, budget.seed, cutoff)
            last_end[0] = time.perf_counter()
            overhead[0] = max(overhead[0], 1.5 * (between + last_end[0] - t0 - solver_time) + 0.02)
            return outcome

        bound, rounds, lp_rounds = -math.inf, 0, 0

        def cutoff() -> float | None:
            """Model cost an integer answer must stay below to beat ``best`` (HiGHS only)."""
            if best is None or backend != "highs":
                return None
            cost = problem.evaluate(best).objective * model.scale
            return round(cost) - 0.5 if model.exact else cost - 1e-9 * max(1.0, abs(cost))

        def better(candidate: VRPSolution) -> bool:
            e = problem.evaluate(candidate)
            return e.feasible and (best is None or e.objective < problem.evaluate(best).objective)
        # Cutting planes on the LP relaxation first: cheap rounds, and most cuts a MIP needs.
        while left() > 0.1 and lp_rounds < 200:
            has, optimal, lp_bound, infeasible = run(False)
            lp_rounds += 1
            if infeasible:
                return Result(self.name, problem.name, Status.INFEASIBLE, metadata=meta,
                              message="the LP relaxation is infeasible: no solution exists")
            if not optimal:
                break
            bound = max(bound, lp_bound)
            if not model.separate(model.weights(), fractional=True):
                break
        proved = False
        while left() > 0.1:
            limit = cutoff()
            has, optimal, mip_bound, infeasible = run(True, limit)
            rounds += 1
            if infeasible and limit is not None:
                proved = True           # no answer of a relaxation beats the incumbent: it is optimal
                break
            if infeasible:
                return Result(self.name, problem.name, Status.INFEASIBLE, metadata=meta,
                              message="the MILP is infeasible: no solution exists")
            if mip_bound is not None:
                bound = max(bound, mip_bound)
            if not has:
                break
            w = np.rint(model.weights())
            if model.separate(w, fractional=False):
                if kind in ("TSP", "ATSP"):     # an integer answer with subtours: patch it
                    repaired = VRPSolution([Route(_patch_tour(problem.distance, model.successors()))])
                else:                            # or split its pieces, end to end, into routes
                    repaired = _split(problem, [c for r in model.routes(w) for c in r], model.k_range[1])
                if repaired is not None and better(repaired):
                    best = repaired
                continue
            sol = VRPSolution([Route(r) for r in model.routes(w)])
            found = problem.evaluate(sol)
            if found.feasible:
                if best is None or found.objective <= problem.evaluate(best).objective:
                    best = sol
                proved = optimal
            else:   # feasible for the model only within its tolerances: keep the bound, claim nothing
                meta["rejected"] = found.violations[0].message
            break
        meta.update({"lp_rounds": lp_rounds, "mip_rounds": rounds, "cuts": len(model.cuts)})
        bound_out = None
        if math.isfinite(bound):
            bound_out = (math.ceil(bound - 1e-6) if model.exact else bound) / model.scale
        return self._answer(problem, best, bound_out, proved, meta)

    def _solve_bound(self, problem: VRPProblem, k_range: tuple[int, int], budget: Budget, start: float,
                     best: VRPSolution | None, meta: dict) -> Result:
        """Mode 'bound': ``local`` for a twentieth of the time, then column and cut generation
        (:func:`.bound.root_bound`, seeded with local's routes) for the rest; the answer is
        local's, the bound proved."""
        from .bound import root_bound
        from .local import LocalSearchSolver

        seconds = BOUND_HEURISTIC_SHARE * (budget.time_limit - (time.perf_counter() - start))
        found = LocalSearchSolver().solve(problem, Budget(time_limit=max(0.1, seconds), seed=budget.seed))
        if found.solution is not None and problem.evaluate(found.solution).feasible:
            if best is None or problem.evaluate(found.solution).objective <= problem.evaluate(best).objective:
                best = found.solution
                meta["incumbent_objective"] = problem.evaluate(best).objective
        left = budget.time_limit - (time.perf_counter() - start) - 0.05
        root = root_bound(problem, time_limit=left, start=best, k_range=k_range)
        meta.update({"mode": "bound", "root_bound": root.bound, "root_time": round(root.seconds, 3),
                     "root_stopped": root.stopped, "rounds": root.rounds, "columns": root.columns, "cuts": root.cuts})
        left = budget.time_limit - (time.perf_counter() - start) - 0.1
        if left > 0.5 and root.bound is not None and best is not None and root.bound < problem.evaluate(best).objective:
            # the bound converged early: the rest of the time improves the answer
            more = LocalSearchSolver(initial_solution=best).solve(problem, Budget(time_limit=left, seed=(budget.seed + 1) % 2**32))
            if (more.solution is not None and problem.evaluate(more.solution).feasible
                    and problem.evaluate(more.solution).objective < problem.evaluate(best).objective):
                best = more.solution
        return self._answer(problem, best, root.bound, False, meta)

    def _solve_bpc(self, problem: VRPProblem, kind: str, k_range: tuple[int, int], budget: Budget,
                   start: float, best: VRPSolution | None, meta: dict, backend: str) -> Result:
        """Branch-price-and-cut; with backend 'auto', when the root gap is over ``BPC_TREE_GAP``,
        only its root, to leave out edges, then SCIP's branch-and-cut."""
        from .branch_price import branch_and_price

        left = budget.time_limit - (time.perf_counter() - start) - 0.05
        gap = None if self.options["backend"] == "bpc" else BPC_TREE_GAP
        out = branch_and_price(problem, left, start=best, k_range=k_range, root_share=ROOT_SHARE, max_tree_gap=gap)
        meta.update({"root_bound": out.root_bound, "root_time": round(out.root_seconds, 3),
                     "edges_kept": f"{out.edges_kept} of {problem.num_nodes * (problem.num_nodes - 1) // 2}",
                     **{k: v for k, v in out.metadata.items() if k in ("root_stopped", "columns", "cuts")}})
        if out.infeasible:
            return Result(self.name, problem.name, Status.INFEASIBLE, metadata=meta,
                          message="the branch-price-and-cut proved that no solution exists")
        if out.tree or out.optimal or best is None:
            meta.update({"backend": "bpc", "nodes": out.nodes, "open_nodes": out.open_nodes})
            return self._answer(problem, out.solution, out.bound, out.optimal, meta)
        meta["backend"] = "bpc root + scip"
        return self._solve_scip(problem, kind, k_range, budget, start, best, meta,
                                root=out.bound, allowed=out.allowed)

    def _solve_scip(self, problem: VRPProblem, kind: str, k_range: tuple[int, int], budget: Budget,
                    start: float, best: VRPSolution | None, meta: dict, root: float | None = None,
                    allowed: np.ndarray | None = None) -> Result:
        if allowed is not None and best is not None:
            allowed = allowed.copy()
            for r in best.routes:                                   # the start stays expressible
                path = [0, *r.visits, 0]
                for a, b in zip(path[:-1], path[1:]):
                    allowed[a, b] = allowed[b, a] = True
        seconds = budget.time_limit - (time.perf_counter() - start) - 0.05
        status, routes, bound, counts = _branch_and_cut(problem, kind, k_range, seconds, budget.seed, best, allowed)
        meta.update({"nodes": counts["nodes"], "cuts": counts["cuts"], "scip_status": status})
        if "start_accepted" in counts:
            meta["start_accepted"] = counts["start_accepted"]
        if status == "infeasible" and best is None:
            return Result(self.name, problem.name, Status.INFEASIBLE, metadata=meta,
                          message="the branch-and-cut proved that no solution exists")
        proved = False
        if routes is not None:
            found = VRPSolution([Route(r) for r in routes])
            checked = problem.evaluate(found)
            if checked.feasible and (best is None or checked.objective <= problem.evaluate(best).objective):
                best, proved = found, status == "optimal"
            elif not checked.feasible:   # feasible for the model only within its tolerances
                meta["rejected"] = checked.violations[0].message
        bound_out = None
        if bound is not None:
            bound_out = (math.ceil(bound - 1e-6) if counts["exact"] else bound) / counts["scale"]
            if allowed is not None and best is not None:
                # the model without the edges left out bounds only the answers it holds: the
                # others cost at least the start's
                bound_out = min(bound_out, problem.evaluate(best).objective)
        if root is not None:
            bound_out = root if bound_out is None else max(bound_out, root)
        return self._answer(problem, best, bound_out, proved, meta)

    def _answer(self, problem: VRPProblem, best: VRPSolution | None, bound_out: float | None,
                proved: bool, meta: dict) -> Result:
        """The result: the best answer, OPTIMAL when proved or when the bound reaches it."""
        if best is None:
            return Result(self.name, problem.name, Status.NO_SOLUTION, bound=bound_out, metadata=meta,
                          message="no cut-free integer solution within the time limit")
        objective = problem.evaluate(best).objective
        if proved:
            bound_out = objective
        elif bound_out is not None and bound_out >= objective - 1e-9 * max(1.0, abs(objective)):
            proved, bound_out = True, objective
        return Result(self.name, problem.name, Status.OPTIMAL if proved else Status.FEASIBLE,
                      objective=objective, bound=bound_out, solution=best, metadata=meta)


__all__ = ["MILPSolver", "LIMITS", "predicted_proof_seconds"]

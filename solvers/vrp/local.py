"""The project's own VRP heuristic: construction, granular local search, ruin and recreate.

Method (capacity in one or several dimensions, time windows, service times, asymmetric
matrices; several depots and vehicle types, each with its count, capacity, fixed cost, start and
end depots, maximum duration, forbidden clients (zones) and preference scores (PVRP); optional
clients with prizes):

1. Construction: Clarke-Wright parallel savings (``s_ij = d_i0 + d_0j - d_ij``, directed, so it
   is valid for asymmetric matrices), sweep by polar angle (needs coordinates) or nearest
   neighbour. Routes beyond the fleet are dissolved and their clients inserted at least cost.
   With several depots or vehicle types the first solution is built by cheapest insertion
   instead (largest demand first), over one route slot per vehicle: every slot prices its own
   depots, capacity, fixed cost (paid when the route is not empty) and duration limit.
2. Local search (first improvement) over granular neighbour lists (the ``neighbours`` nearest
   clients, default 20): relocate and Or-opt of 1-3 clients, swaps and small cross-exchanges of
   up to 3+3 clients, 2-opt* (tails exchange), intra-route Or-opt, swap and 2-opt (priced by
   walking the new route, so reversals are exact on asymmetric matrices and with time windows),
   moves into an empty route (one of each type), and SWAP* (Vidal 2022) once those are
   exhausted: for two routes holding neighbouring clients, u and v change routes, each to its
   cheapest place in the other (found from each client's three cheapest insertion positions),
   the best pair priced exactly. Tails exchanged between slots ending at
   different depots are priced to the new slot's end depot. Capacity excess and time warp (plus
   duration beyond the maximum, as in PyVRP) are penalised with weights that
   adapt towards 45 % feasible local optima; infeasible optima are repaired with 10x penalties.
   What a type pays to serve a client (its preference as a cost; a client in its forbidden zone
   at a cost above any detour, and infeasible) is part of every route's cost, so every move
   prices it; moves between types of different costs walk the moved part. Optional clients are
   dropped when the saving exceeds their prize and put back when a route near them changes and
   the cheapest insertion costs less than the prize. Several demand dimensions are packed into
   one integer load (each dimension's total fits its bits, so the sums are exact) and the excess
   is summed over the dimensions.
3. Iterated local search: SISR-style ruin (strings around a random client in nearby routes)
   and greedy recreate with blinks, then local search; simulated-annealing acceptance with a
   temperature decaying geometrically over the budget; the best feasible solution is kept.

The kernels (``local_kernels``) are compiled by numba with ``cache=True``: the first run on a
machine compiles them (tens of seconds) and writes the cache next to the module; later processes
load it in about a second. That time is spent *inside* the budget (the solver's clock starts on
entry) and reported as ``metadata["compile_time"]``; call ``warm_up()`` beforehand to keep it out.
The clock is checked between chunks of ruin-and-recreate steps sized to about 20 ms.
With ``iterations=N`` the search stops after N steps and is reproducible for a given seed
(the temperature then follows the step count, not the clock).

Options: ``construction`` ("savings", "sweep", "nearest"), ``iterations``, ``swap_star`` (on),
``neighbours`` (20),
``start_temperature`` / ``final_temperature`` (0.1 and 0.001, as fractions of the mean arc cost).
``initial_solution``: a :class:`Solution` to start from instead of a construction.

>>> import routeopt
>>> p = routeopt.generate("cvrp", n=20, seed=0)
>>> routeopt.solve(p, solver="local", time_limit=1, iterations=200).status.value   # doctest: +SKIP
'FEASIBLE'
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ...errors import UnsupportedError
from ...instances.vrp.problem import VRPProblem, Route, VRPSolution
from ..base import Budget, Option, Result, Solver, Status
from ..stop import stop_on_signals, stop_requested
from .common import BIG, to_integers
from .progress import in_objective_units

CONSTRUCTIONS = ("savings", "sweep", "nearest")
_WARM = False


@contextlib.contextmanager
def _one_compiler() -> Iterator[None]:
    """Processes that warm up at the same time compile the kernels once: the first holds an
    exclusive lock while it compiles (or loads) them; the others wait for it, then load its cache
    side by side. (Without it, N processes started on a cold cache, such as a comparison's cells
    or ``threads=N``'s searches, each compiled for minutes.)"""
    try:
        import fcntl
    except ImportError:             # not POSIX: each process compiles for itself
        yield
        return
    from . import local_kernels
    key = hashlib.sha1(str(Path(local_kernels.__file__).resolve()).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"routeopt-local-kernels-{os.getuid()}-{key}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fcntl.flock(fd, fcntl.LOCK_SH)     # another process compiles: wait for its cache
        yield
    finally:
        os.close(fd)                            # releases the lock


def warm_up() -> float:
    """Compile (or load from the numba cache) every kernel once per process; returns seconds."""
    global _WARM
    if _WARM:
        return 0.0
    start = time.perf_counter()
    with _one_compiler():
        _compile()
    _WARM = True
    return time.perf_counter() - start


def _compile() -> None:
    from ...instances.vrp.problem import VehicleType
    xy = np.array([[0, 0], [1, 2], [3, 1], [2, 4], [5, 5], [4, 0]], dtype=float)
    d = np.rint(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * 10)
    tiny = VRPProblem(distance=d, demand=[0, 1, 1, 1, 1, 1], coordinates=xy,
               time_windows=[[0, 1000]] * 6, service_time=[0, 1, 1, 1, 1, 1], name="warm-up",
               vehicle_types=[VehicleType(count=5, capacity=(3,))])
    _run(tiny, Budget(time_limit=1e6, seed=0), LocalSearchSolver.check_options({"iterations": 3}),
         time.perf_counter())
    fleet = VRPProblem(distance=d, num_depots=2, demand=[0, 0, 1, 1, 1, 1], name="warm-up-fleet",
                       vehicle_types=[VehicleType(count=2, capacity=(3,), fixed_cost=5),
                                      VehicleType(count=2, capacity=(2,), start_depot=1, end_depot=0)])
    _run(fleet, Budget(time_limit=1e6, seed=0), LocalSearchSolver.check_options({"iterations": 3}),
         time.perf_counter())     # several types start from insertion, a kernel of its own


class LocalSearchSolver(Solver):
    """Built-in iterated local search with ruin and recreate (numba-compiled)."""

    name = "local"
    family = "vrp"
    kind = "heuristic"
    library = "numba"
    supports = frozenset({"capacity", "asymmetric", "time_windows", "service_times", "multi_depot",
                          "heterogeneous_fleet", "fixed_cost", "max_duration", "open_depots", "zones",
                          "preferences", "prizes", "multi_dimensional_demand"})
    description = ("built-in construction (savings, sweep, nearest) + granular local search + "
                   "ruin and recreate; capacity (several dimensions), time windows, asymmetric, "
                   "several depots and vehicle types (fixed costs, max durations, zones, "
                   "preferences), optional clients with prizes")
    OPTIONS = (
        Option("construction", str, "savings", "first solution: Clarke-Wright savings, sweep by polar "
               "angle (needs coordinates) or nearest neighbour", choices=CONSTRUCTIONS),
        Option("iterations", int, None, "stop after this many ruin-and-recreate steps (reproducible for a "
               "seed; the temperature follows the step count); none: time limit only", low=1, none_ok=True),
        Option("swap_star", bool, True, "SWAP* between routes with neighbouring clients (each client "
               "to its cheapest place in the other route)"),
        Option("neighbours", int, 20, "granular neighbour list: nearest clients considered per move", low=1),
        # the annealing divides by the start temperature: it must be positive
        Option("start_temperature", float, 0.1, "annealing start temperature, a fraction of the mean "
               "arc cost", low=1e-9),
        Option("final_temperature", float, 0.001, "annealing final temperature, a fraction of the mean "
               "arc cost (0: accept only improvements at the end)", low=0.0),
        Option("initial_solution", VRPSolution, None, "a VRPSolution to start from instead of a "
               "construction (Python only; e.g. pomo+ls)", none_ok=True),
    )

    @classmethod
    def prepare(cls) -> None:
        warm_up()      # fills numba's on-disk cache, so runs in fresh processes load in ~1 s

    def check(self, problem: VRPProblem) -> None:
        super().check(problem)
        if self.options["construction"] == "sweep" and problem.coordinates is None:
            raise UnsupportedError(f"construction 'sweep' needs coordinates, which instance "
                                   f"'{problem.name}' lacks; use 'savings' or 'nearest'")

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        start = time.perf_counter()
        with stop_on_signals() as stop:
            if budget.threads > 1:      # independent searches in processes (the kernels hold the GIL)
                from .local_parallel import run_parallel
                return stop.mark(run_parallel(problem, budget, self.options, start))
            compile_time = warm_up()
            return stop.mark(_run(problem, budget, self.options, start, compile_time))


# ----------------------------------------------------------------------------- driver
def _neighbours(D: np.ndarray, k: int, depots: int = 1) -> np.ndarray:
    """Each node's ``k`` nearest clients by ``d_ij + d_ji``, ties by index: the same lists as a
    stable sort of each row, found by a partition on a key that also holds the index."""
    n = D.shape[0]
    k = max(1, min(k, n - depots - 1))
    sym = (D + D.T).astype(np.int64)
    big = int(sym.max(initial=0)) + 1
    sym[:, :depots] = big
    np.fill_diagonal(sym, big)
    if big < (2**62) // max(n, 1) and k < n - 1:
        key = sym * n + np.arange(n)
        idx = np.argpartition(key, k - 1, axis=1)[:, :k]
        nb = np.take_along_axis(idx, np.argsort(np.take_along_axis(key, idx, 1), axis=1), 1)
    else:
        nb = np.argsort(sym, axis=1, kind="stable")[:, :k]
    nb[:depots] = nb[depots] if n > depots else 0
    return np.ascontiguousarray(nb, dtype=np.int64)


def _construct(method: str, problem: VRPProblem, prob: tuple, kernels) -> list[list[int]]:
    D, T, svc, early, late, dem, neigh, par = prob[:8]
    n = D.shape[0]
    cap, use_tw = int(par[0]), bool(par[1])
    if method == "savings":
        flat = np.empty(2 * n, dtype=np.int64)
        if n <= 1500:                   # every pair of clients, by decreasing saving (ties: i, then j)
            key = D[1:, 1:] - D[1:, :1] - D[:1, 1:]
            if 3 * int(np.abs(D).max(initial=0)) < 2**31 - 1:
                key = key.astype(np.int32)          # a third faster to sort
            np.fill_diagonal(key, np.iinfo(key.dtype).max)
            order = np.argsort(key.ravel(), kind="stable")[: (n - 1) * (n - 2)]
            i, j = order // (n - 1) + 1, order % (n - 1) + 1
        else:                           # pairs of granular neighbours
            i, j = np.repeat(np.arange(n), neigh.shape[1]), neigh.ravel()
            keep = (i != j) & (i > 0) & (j > 0)
            i, j = i[keep], j[keep]
            order = np.argsort(D[i, j] - D[i, 0] - D[0, j], kind="stable")
            i, j = i[order], j[order]
        m = kernels.savings(prob, i.astype(np.int64), j.astype(np.int64), flat)
        return _unflat(flat[:m])
    if method == "sweep":
        xy = problem.coordinates
        ang = np.arctan2(xy[1:, 1] - xy[0, 1], xy[1:, 0] - xy[0, 0])
        clients = list(np.argsort(ang, kind="stable") + 1)
    else:
        clients = None
    routes: list[list[int]] = []
    unvisited = np.ones(n, dtype=bool)
    unvisited[0] = False
    cur: list[int] = []
    load = 0
    t = int(early[0])
    last = 0

    def fits(c: int) -> bool:
        if load + dem[c] > cap:
            return False
        if not use_tw:
            return True
        arrive = t + T[last, c]
        return arrive <= late[c] and max(arrive, early[c]) + svc[c] + T[c, 0] <= late[0]

    while unvisited.any():
        if clients is not None:
            c = clients.pop(0)
            ok = fits(c)
        else:
            cand = np.flatnonzero(unvisited)
            cand = cand[np.argsort(D[last, cand], kind="stable")]
            c = next((int(x) for x in cand if fits(int(x))), int(cand[0]))
            ok = fits(c)
        if not ok and cur:
            routes.append(cur)
            cur, load, t, last = [], 0, int(early[0]), 0
        cur.append(int(c))
        unvisited[c] = False
        load += dem[c]
        t = max(t + T[last, c], early[c]) + svc[c]
        last = c
    if cur:
        routes.append(cur)
    return routes


def _pack(problem: VRPProblem, data, rdat: np.ndarray, caps: np.ndarray, prize: np.ndarray,
          D: np.ndarray) -> list[tuple[int, list[int]]] | None:
    """Required clients packed into the vehicle slots by capacity alone (every dimension, zones
    respected): largest first, each into the slot it leaves least room in (a used one on ties),
    then each route ordered by nearest neighbour from its depot. None when one does not fit."""
    nd, n = problem.num_nodes - problem.num_clients, problem.num_nodes
    demand = data.demand.astype(np.int64)
    if demand.shape[1] == 0:
        return None
    kinds = rdat[:, 5]
    left = caps[kinds].astype(np.float64)
    scale = np.maximum(left.max(axis=0), 1.0)
    types = problem.vehicle_types
    clients = [c for c in range(nd, n) if prize[c] < 0]
    clients.sort(key=lambda c: (-float((demand[c] / scale).sum()), c))
    bins: list[list[int]] = [[] for _ in range(len(kinds))]
    allowed = np.ones(len(kinds), dtype=bool)
    for c in clients:
        for k, vt in enumerate(types):
            allowed[kinds == k] = c not in vt.forbidden
        fits = allowed & (left >= demand[c]).all(axis=1)
        if not fits.any():
            return None
        room = ((left - demand[c]) / scale).sum(axis=1)
        room[~fits] = np.inf
        room -= 1e-9 * np.array([len(b) > 0 for b in bins])
        r = int(np.argmin(room))
        left[r] -= demand[c]
        bins[r].append(c)
    out = []
    for r, members in enumerate(bins):
        seq, last, todo = [], int(rdat[r, 0]), list(members)
        while todo:
            nxt = min(todo, key=lambda c: (D[last, c], c))
            todo.remove(nxt)
            seq.append(nxt)
            last = nxt
        if seq:
            out.append((r, seq))
    return out


def _unflat(flat: np.ndarray) -> list[list[int]]:
    routes, k = [], 0
    while k < len(flat):
        L = int(flat[k])
        routes.append([int(c) for c in flat[k + 1:k + 1 + L]])
        k += 1 + L
    return routes


def _run(problem: VRPProblem, budget: Budget, options: dict[str, Any], start: float,
         compile_time: float = 0.0) -> Result:
    from . import local_kernels as K

    data = to_integers(problem)
    n = problem.num_nodes
    nd = problem.num_depots
    ncl = n - nd
    meta: dict[str, Any] = {"compile_time": compile_time, "scale": data.scale}
    if ncl == 0:
        return Result("local", problem.name, Status.FEASIBLE, solution=VRPSolution([]), metadata=meta)
    types = problem.vehicle_types
    dem, caps, bits = _loads(problem, data)
    use_tw = int(data.has_time or bool(data.service.any()))
    D = np.ascontiguousarray(data.distance, dtype=np.int64)
    T = np.ascontiguousarray(data.duration, dtype=np.int64)
    neigh = _neighbours(D, options["neighbours"], nd)
    X, zone_cost, prize = _service_costs(problem, data, D)
    dims = caps.shape[1]
    # a client's size for insertion orders: its demand as a share of the largest capacity, summed
    size = (data.demand / np.maximum(caps.max(axis=0), 1)).sum(axis=1) if data.demand.shape[1] else np.zeros(n)
    prob = (D, T, data.service.astype(np.int64), np.ascontiguousarray(data.time_windows[:, 0]),
            np.ascontiguousarray(data.time_windows[:, 1]), dem, neigh,
            np.array([int(caps[:, 0].max()), use_tw, int(np.array_equal(D, D.T) and np.array_equal(T, T.T)),
                      nd, len(types), dims, bits, int(X.any()), int((prize >= 0).any()), zone_cost,
                      int(options["swap_star"])],
                     dtype=np.int64), X, prize)

    # One slot per vehicle (at most one per client), grouped by type: (start, end, capacity,
    # fixed cost, max duration, type, capacities of further demand dimensions) per slot.
    rdat = np.array([(vt.start_depot, vt.end_depot, caps[k, 0], data.fixed_cost[k], data.max_duration[k], k,
                      *caps[k, 1:])
                     for k, vt in enumerate(types) for _ in range(max(1, min(vt.count, ncl)))],
                    dtype=np.int64)
    R = rdat.shape[0]
    maxl = ncl + 4
    sol = (np.zeros((R, maxl), np.int64), np.zeros(R, np.int64), np.full(n, -1, np.int64),
           np.zeros(n, np.int64), np.zeros((n, 6), np.int64), np.zeros((n, 6), np.int64),
           np.zeros((R, 3), np.int64), np.zeros(R, np.int64), np.full(n, -1, np.int64),
           np.zeros((R, maxl), np.int64), np.zeros(R, np.int64), np.zeros(R, np.bool_),
           np.zeros(R, np.int64), np.zeros(3, np.int64), rdat,
           np.zeros((2, maxl, 3), np.int64), np.zeros((2, maxl, 3), np.float64), np.zeros(R + 1, np.int64),
           np.zeros(R, np.int64))
    pen = np.array([max(0.1, min(1000.0, float(D.max()) / max(1, int(data.demand.max(initial=0))))), 10.0])
    # An overload must cost more per unit than the vehicles it saves: a type's fixed cost and its
    # mean trip to a client and back, per unit of capacity (without this the search sat at 40 %
    # overload on a fleet with fixed costs, repairing about a thousand moves every step).
    per_unit = max((float(data.fixed_cost[k]) + float(D[vt.start_depot, nd:].mean())
                    + float(D[nd:, vt.end_depot].mean())) / max(1, int(caps[k, 0]))
                   for k, vt in enumerate(types))
    pen[0] = max(pen[0], min(per_unit, 1e6))

    K.seed_rng(int(budget.seed) % (2**32))
    initial = options["initial_solution"]     # a Solution to start from (e.g. a neural one)
    # The constructions build routes from depot 0 for one vehicle type; other fleets start from
    # cheapest insertion, which prices every slot's own depots and type.
    simple = len(types) == 1 and nd == 1 and dims <= 1
    if initial is not None:
        routes = [(list(r.visits), r.vehicle_type if 0 <= r.vehicle_type < len(types) else 0)
                  for r in initial.routes if r.visits]
    elif simple:
        routes = [(r, 0) for r in _construct(options["construction"], problem, prob, K)]
    else:
        routes = []
    routes.sort(key=lambda r: -float(size[r[0]].sum()))
    free = {k: list(np.flatnonzero(rdat[:, 5] == k)) for k in range(len(types))}
    placed = np.zeros(n, dtype=bool)
    for visits, k in routes:
        visits = [c for c in dict.fromkeys(visits) if nd <= c < n and not placed[c]]
        if visits and free[k]:
            r = free[k].pop(0)
            sol[0][r, :len(visits)] = visits
            sol[1][r] = len(visits)
            placed[visits] = True
    for r in range(R):
        K.update_route(prob, sol, r)
    bufA = np.zeros(maxl, np.int64)
    bufB = np.zeros(maxl, np.int64)
    # clients no route holds (no construction, routes beyond the fleet, a partial start): inserted
    # largest first; an optional one only where it pays for itself
    extra = np.array(sorted(np.flatnonzero(~placed[nd:]) + nd, key=lambda c: -float(size[c])), dtype=np.int64)
    if extra.size:
        K.insert_all(prob, sol, pen, extra, bufA)
    order = np.arange(nd, n, dtype=np.int64)
    K.shuffle(order)
    meta["initial_routes"] = len(routes) if routes else int((sol[1] > 0).sum())
    best_flat = np.zeros(n + R + 1, np.int64)
    state_f = np.array([0.0, np.inf])

    def keep_if_best() -> tuple:
        cost, dist, excess, warp = K.total(prob, sol, pen)
        if excess == 0 and warp == 0 and dist < state_f[1]:
            state_f[1] = dist
            K.save_flat(sol, best_flat)
        return cost, dist, excess, warp

    keep_if_best()                      # the construction itself may be the best feasible answer
    # (seconds, best feasible cost) each time it improves: the comparator's gap-over-time curves
    progress = []
    if math.isfinite(state_f[1]):
        meta["construction_objective"] = float(state_f[1]) / data.scale
        progress.append((time.perf_counter() - start, float(state_f[1])))
    K.local_search(prob, sol, pen, order, bufA, bufB)
    cost, dist, excess, warp = keep_if_best()
    for mult in (10.0, 100.0):
        if excess == 0 and warp == 0:
            break
        K.mark_infeasible(prob, sol)
        pen *= mult
        K.local_search(prob, sol, pen, order, bufA, bufB)
        pen /= mult
        cost, dist, excess, warp = keep_if_best()
    if excess > 0:
        # Still over capacity after the searches with ten and a hundred times the penalty: a
        # tight fleet of large demands, a bin packing first of all. Start over from a packing of
        # the clients into the vehicles (best fit, largest first), then the same searches.
        packed = _pack(problem, data, rdat, caps, prize, D)
        if packed is not None:
            meta["packed_start"] = True
            sol[2][nd:] = -1
            for r in range(R):
                K.set_route(prob, sol, r, bufA, 0)
            for r, seq in packed:
                bufA[:len(seq)] = seq
                K.set_route(prob, sol, r, bufA, len(seq))
            pen *= 100.0
            K.local_search(prob, sol, pen, order, bufA, bufB)
            pen /= 100.0
            cost, dist, excess, warp = keep_if_best()
    state_f[0] = cost
    fallback = np.zeros(n + R + 1, np.int64)
    K.save_flat(sol, fallback)
    state_i = np.zeros(6, np.int64)
    state_i[5] = int(bool(meta.get("packed_start")))   # the search has no feasible step of its own yet
    removed = np.zeros(n, np.bool_)
    ruined = np.zeros(R, np.bool_)
    rem = np.zeros(n, np.int64)
    keys = np.zeros(n, np.float64)

    iterations = options["iterations"]
    deadline = start + budget.time_limit - 0.05
    # Start and final temperatures as fractions of the mean arc cost of the first solution (arcs
    # only: fixed costs, service costs and prizes would heat the search far beyond what a move
    # between neighbours changes).
    arcs = 0
    for r in range(R):
        if sol[1][r]:
            path = [rdat[r, 0], *sol[0][r, :sol[1][r]], rdat[r, 1]]
            arcs += int(D[path[:-1], path[1:]].sum())
    arc = max(float(arcs), 1.0) / max(ncl, 1)
    t0 = options["start_temperature"] * arc
    t1 = options["final_temperature"] * arc
    chunk = 10
    done = 0
    search_start = time.perf_counter()
    progress_best = float(state_f[1])
    if math.isfinite(progress_best) and (not progress or progress_best < progress[-1][1]):
        progress.append((search_start - start, progress_best))
    meta["setup_time"] = search_start - start
    while True:
        now = time.perf_counter()
        if now >= deadline or (iterations is not None and done >= iterations) or stop_requested():
            break
        frac = (done / iterations if iterations is not None
                else (now - search_start) / max(deadline - search_start, 1e-9))
        temp = t0 * (t1 / t0) ** min(1.0, frac)
        steps = chunk if iterations is None else min(chunk, iterations - done)
        K.ils_chunk(prob, sol, pen, order, bufA, bufB, removed, ruined, rem, keys, best_flat,
                    state_f, state_i, steps, temp, 0)
        done += steps
        if state_f[1] < progress_best:
            progress_best = float(state_f[1])
            progress.append((time.perf_counter() - start, progress_best))
        spent = time.perf_counter() - now
        if iterations is None and spent < 0.02:
            chunk = min(chunk * 2, 10_000)
        elif iterations is None and spent > 0.05 and chunk > 1:
            chunk //= 2
    meta["iterations"] = done
    meta["repaired_iterations"] = int(state_i[4])   # steps whose search ended over capacity or late
    meta["progress"] = [(t, c / data.scale) for t, c in progress]
    meta["search_time"] = time.perf_counter() - search_start
    if math.isfinite(state_f[1]):
        flat, status, message = best_flat, Status.FEASIBLE, ""
        if _exact_in_integers(problem, data.scale):
            meta["claimed_objective"] = float(state_f[1]) / data.scale
    else:
        flat, status = fallback, Status.INFEASIBLE
        message = "local search found no feasible solution in the time limit"
    solution = VRPSolution([Route(r, int(rdat[k, 5]))
                            for k, r in enumerate(_unflat(flat[: _flat_len(flat, R)])) if r])
    if status is Status.FEASIBLE:
        meta["progress"] = in_objective_units(problem, progress, data.scale, float(state_f[1]), solution)
    return Result("local", problem.name, status, solution=solution, message=message, metadata=meta)


def _loads(problem: VRPProblem, data) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-node loads (several demand dimensions packed into one int64), per-type capacities
    (types x dimensions, at least one column) and the bits per packed dimension."""
    n, dims = problem.num_nodes, data.demand.shape[1]
    if dims == 0:
        return np.zeros(n, np.int64), np.full((len(problem.vehicle_types), 1), int(BIG), np.int64), 63
    demand = data.demand.astype(np.int64)
    caps = np.array([[min(int(c), int(BIG)) for c in data.capacity[k]]
                     for k in range(len(problem.vehicle_types))], dtype=np.int64)
    if dims == 1:
        return demand[:, 0].copy(), caps, 63
    bits = 63 // dims
    totals = demand.sum(axis=0)
    if (demand < 0).any() or int(totals.max()) >= 1 << bits:
        raise UnsupportedError(f"multi_dimensional_demand: local packs {dims} demand dimensions into "
                               f"{bits} bits each; instance '{problem.name}' has a total demand of "
                               f"{int(totals.max())} in one dimension, beyond {(1 << bits) - 1}")
    # a capacity at or above the dimension's total never binds: clipped to fit its field
    caps = np.minimum(caps, (1 << bits) - 1)
    packed = np.zeros(n, np.int64)
    for d in range(dims):
        packed += demand[:, d] << (bits * d)
    return packed, caps, bits


def _service_costs(problem: VRPProblem, data, D: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """What each vehicle type pays to serve each client (types x nodes: preferences as costs, and
    the forbidden cost for clients in its zones), that forbidden cost (0: no zones), and each
    client's prize (-1: required)."""
    types = problem.vehicle_types
    n = problem.num_nodes
    prize = np.where(problem.required, -1, data.prize).astype(np.int64)
    prize[: problem.num_depots] = -1
    X = np.zeros((len(types), n), np.int64)
    for k, extra in enumerate(data.arc_extra):
        if extra is not None:
            X[k] = extra
    zone_cost = 0
    if any(vt.forbidden for vt in types):
        # above any detour, fixed cost, preference or prize a move could trade it for
        worst = int(D.max()) * 2 + int(X.max()) + max(data.fixed_cost) + max(int(prize.max()), 0)
        zone_cost = min(10 * worst + 1, 2**62 // (4 * n))
        for k, vt in enumerate(types):
            X[k, sorted(vt.forbidden)] += zone_cost
    return np.ascontiguousarray(X), int(zone_cost), prize


def _exact_in_integers(problem: VRPProblem, scale: float) -> bool:
    """Whether the integer cost is the objective times ``scale``: not with preferences (rounded
    per client), nor with distances, fixed costs or prizes that the scale does not make whole."""
    if any(vt.preferences is not None for vt in problem.vehicle_types):
        return False
    prize = problem.prize[~problem.required] if problem.prize is not None else np.zeros(0)
    fixed = np.array([vt.fixed_cost for vt in problem.vehicle_types])
    return all(np.allclose(x * scale, np.rint(x * scale), rtol=0, atol=1e-6)
               for x in (problem.distance, prize, fixed))


def _flat_len(flat: np.ndarray, R: int) -> int:
    k = 0
    for _ in range(R):
        k += 1 + int(flat[k])
    return k


__all__ = ["LocalSearchSolver", "warm_up", "CONSTRUCTIONS"]

"""PyVRP (hybrid genetic search / iterated local search) for every variant it can express.

Each node gets its own PyVRP location and every arc an explicit edge, so asymmetric and real-world
matrices go through unchanged. Zones and preferences become PyVRP profiles: one profile per vehicle
type whose arcs into forbidden clients are missing and whose arcs into client ``i`` carry the
type's preference shift (see ``common``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...instances.vrp.problem import VRPProblem, Route, VRPSolution
from ..base import Budget, Option, Result, Solver, Status
from ..stop import stop_on_signals, stop_requested
from .common import to_integers
from .progress import in_objective_units

_ALL = frozenset({
    "asymmetric", "capacity", "multi_dimensional_demand", "time_windows", "service_times",
    "multi_depot", "heterogeneous_fleet", "fixed_cost", "max_duration", "zones", "preferences",
    "prizes", "open_depots",
})


MISSING = 1 << 44   # PyVRP's own "no such edge" distance


def build_data(problem: VRPProblem):
    """``pyvrp.ProblemData`` equivalent to ``problem`` (in integer units) and the integer data."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    data = to_integers(problem)
    nd, n = problem.num_depots, problem.num_nodes
    coords = problem.coordinates if problem.coordinates is not None else np.zeros((n, 2))
    locations = [Location(float(x), float(y)) for x, y in coords]
    tw = data.time_windows
    depots = [Depot(d, tw_early=int(tw[d, 0]), tw_late=int(tw[d, 1])) for d in range(nd)]
    dims = data.demand.shape[1]
    clients = [Client(i, delivery=[int(x) for x in data.demand[i]] if dims else [],
                      service_duration=int(data.service[i]), tw_early=int(tw[i, 0]),
                      tw_late=int(tw[i, 1]), prize=int(data.prize[i]),
                      required=bool(problem.required[i]))
               for i in range(nd, n)]

    profiled = any(vt.forbidden for vt in problem.vehicle_types) or any(
        e is not None for e in data.arc_extra)
    types, distances = [], []
    for k, vt in enumerate(problem.vehicle_types):
        types.append(VehicleType(
            num_available=vt.count, capacity=data.capacity[k] if dims else [],
            start_depot=vt.start_depot, end_depot=vt.end_depot, fixed_cost=data.fixed_cost[k],
            tw_early=int(tw[vt.start_depot, 0]), tw_late=int(tw[vt.end_depot, 1]),
            shift_duration=data.max_duration[k], profile=k if profiled else 0,
            name=vt.name or f"type{k}"))
        if profiled:
            # One profile per type: preference shifts on arcs into each client, and no arcs
            # into or out of the clients this type may not serve.
            cost = data.distance.copy()
            if data.arc_extra[k] is not None:
                cost += data.arc_extra[k][None, :]
            if vt.forbidden:
                banned = sorted(vt.forbidden)
                cost[:, banned] = MISSING
                cost[banned, :] = MISSING
            np.fill_diagonal(cost, 0)
            distances.append(cost)
    if not profiled:
        distances = [data.distance]
    durations = [data.duration] * len(distances)
    pd = ProblemData(locations, clients, depots, types, distances, durations)
    return pd, data


def to_solution(problem: VRPProblem, best) -> VRPSolution:
    """Routes of a PyVRP solution, in the problem's node numbers."""
    from pyvrp import ActivityType

    nd = problem.num_depots
    routes = []
    for route in best.routes():
        visits = [nd + a.idx for a in route.schedule() if a.type == ActivityType.CLIENT]
        if visits:
            routes.append(Route(visits, vehicle_type=int(route.vehicle_type())))
    return VRPSolution(routes)


class PyVRPSolver(Solver):
    """Hybrid genetic search of PyVRP, seeded, stopped at the time limit."""

    name = "pyvrp"
    family = "vrp"
    kind = "heuristic"
    supports = _ALL
    library = "pyvrp"
    description = ("PyVRP iterated local search: capacities, time windows, multi-depot, "
                   "heterogeneous fleet, zones and preferences as profiles, prizes")
    OPTIONS = (
        Option("iterations", int, None, "stop after this many iterations as well as at the time limit "
               "(same seed and iterations: same answer); none: time limit only", low=1, none_ok=True),
        Option("progress", bool, True, "record the best cost over time in metadata['progress']"),
        # a pyvrp.Solution (built on this problem's ProblemData): only from Python, e.g. pomo+ls
        Option("initial_solution", object, None, "a pyvrp.Solution to start the search from "
               "(Python only)", none_ok=True),
    )

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        with stop_on_signals() as stop:
            return stop.mark(self._search(problem, budget))

    def _search(self, problem: VRPProblem, budget: Budget) -> Result:
        from pyvrp import solve as pyvrp_solve
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        start = time.perf_counter()
        pd, data = build_data(problem)
        built = time.perf_counter() - start
        remaining = max(0.01, budget.time_limit - built - 0.02)
        criteria = [MaxRuntime(remaining), StopRequested()]
        if self.options["iterations"] is not None:  # reproducible: same seed and iterations, same answer
            criteria.append(MaxIterations(self.options["iterations"]))
        stop = MultipleCriteria(criteria)
        track = self.options["progress"]
        res = pyvrp_solve(pd, stop, seed=budget.seed, display=False,
                          collect_stats=track, initial_solution=self.options["initial_solution"])
        best = res.best
        meta: dict[str, Any] = {"iterations": int(res.num_iterations), "build_time": built,
                                "scale": data.scale}
        points = _progress(res.stats, built) if track else []
        if track:
            meta["progress"] = [(t, c / data.scale) for t, c in points]
        if best.num_routes() == 0 and problem.num_clients and problem.required[problem.num_depots:].any():
            return Result(self.name, problem.name, Status.NO_SOLUTION, metadata=meta,
                          message="PyVRP returned no routes")
        solution = to_solution(problem, best)
        status = Status.FEASIBLE if best.is_feasible() else Status.INFEASIBLE
        message = "" if best.is_feasible() else "PyVRP found no feasible solution in the time limit"
        if track and best.is_feasible():
            meta["progress"] = in_objective_units(problem, points, data.scale, res.cost(), solution)
        return Result(self.name, problem.name, status, objective=None, solution=solution,
                      message=message, metadata=meta)


class StopRequested:
    """PyVRP stopping criterion: true once SIGINT/SIGTERM asked the solve to stop."""

    def __call__(self, best_cost: float) -> bool:
        return stop_requested()


def _progress(stats, offset: float) -> list[tuple[float, float]]:
    """(seconds, integer cost) each time PyVRP's best feasible solution improved."""
    out: list[tuple[float, float]] = []
    elapsed = offset
    for runtime, datum in zip(stats.runtimes, stats.data):
        elapsed += runtime
        if datum.best_feas and (not out or datum.best_cost < out[-1][1]):
            out.append((elapsed, datum.best_cost))
    return out


__all__ = ["PyVRPSolver", "build_data", "to_solution"]

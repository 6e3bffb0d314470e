"""OR-Tools routing: a first-solution strategy, then guided local search until the time limit.

Capacities (any number of dimensions), time windows with service times and waiting, route
duration limits, heterogeneous fleets with fixed costs, several depots and open start/end
depots, clients a vehicle type may not serve (``SetAllowedVehiclesForIndex``), optional clients
with their prize as the disjunction penalty, and per-type preference costs (per-vehicle arc
costs). Matrices go in as integer transit matrices, not Python callbacks.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...instances.vrp.problem import VRPProblem, Route, VRPSolution
from ..base import Budget, Option, Result, Solver, Status
from ..stop import stop_on_signals, stop_requested
from .common import BIG, fleet_cap, to_integers
from .progress import in_objective_units

_FIRST = ("AUTOMATIC", "SAVINGS", "PATH_CHEAPEST_ARC", "PARALLEL_CHEAPEST_INSERTION",
          "LOCAL_CHEAPEST_INSERTION", "GLOBAL_CHEAPEST_ARC", "CHRISTOFIDES", "SWEEP")
_META = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GREEDY_DESCENT", "AUTOMATIC")


class ORToolsSolver(Solver):
    """OR-Tools routing with savings (or cheapest arc) and guided local search."""

    name = "ortools"
    family = "vrp"
    kind = "heuristic"
    supports = frozenset({
        "asymmetric", "capacity", "multi_dimensional_demand", "time_windows", "service_times",
        "multi_depot", "heterogeneous_fleet", "fixed_cost", "max_duration", "zones",
        "preferences", "prizes", "open_depots",
    })
    library = "ortools"
    description = ("OR-Tools routing: savings/cheapest-arc start, guided local search; capacities, "
                   "time windows, fleet, depots, allowed vehicles, optional clients")
    OPTIONS = (
        Option("first_solution", str, "auto", "first-solution strategy (auto: savings for plain CVRP, "
               "parallel cheapest insertion with time windows, else path cheapest arc)",
               choices=("auto",) + tuple(f.lower() for f in _FIRST)),
        Option("metaheuristic", str, "guided_local_search", "local search metaheuristic after the first solution",
               choices=tuple(m.lower() for m in _META)),
    )

    def first_solution(self, problem: VRPProblem) -> str:
        """Savings for plain symmetric CVRP (where it shines), parallel cheapest insertion with
        time windows (cheapest arc often finds nothing on tight Solomon R1/RC1 windows),
        cheapest arc elsewhere."""
        choice = self.options["first_solution"].upper()
        if choice != "AUTO":
            return choice
        f = problem.features
        if "capacity" in f and not f & {"time_windows", "asymmetric", "multi_depot", "zones",
                                        "preferences", "open_depots"}:
            return "SAVINGS"
        if "time_windows" in f:
            return "PARALLEL_CHEAPEST_INSERTION"
        return "PATH_CHEAPEST_ARC"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        with stop_on_signals() as stop:
            return stop.mark(self._search(problem, budget))

    def _search(self, problem: VRPProblem, budget: Budget) -> Result:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        start = time.perf_counter()
        data = to_integers(problem)
        n, nd = problem.num_nodes, problem.num_depots
        counts = fleet_cap(problem)
        vtype = [k for k, c in enumerate(counts) for _ in range(c)]
        starts = [problem.vehicle_types[k].start_depot for k in vtype]
        ends = [problem.vehicle_types[k].end_depot for k in vtype]
        # Every vehicle needs its own start and end index; OR-Tools handles depots shared by many.
        manager = pywrapcp.RoutingIndexManager(n, len(vtype), starts, ends)
        routing = pywrapcp.RoutingModel(manager)

        # Arc costs: one matrix per distinct preference profile, shared by vehicles of that type.
        cost_cb: dict[int, int] = {}
        for k in range(len(problem.vehicle_types)):
            extra = data.arc_extra[k]
            key = -1 if extra is None else k
            if key not in cost_cb:
                m = data.distance if extra is None else data.distance + extra[None, :]
                cost_cb[key] = routing.RegisterTransitMatrix(m.tolist())
        for v, k in enumerate(vtype):
            key = -1 if data.arc_extra[k] is None else k
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[key], v)
            if data.fixed_cost[k]:
                routing.SetFixedCostOfVehicle(data.fixed_cost[k], v)

        for dim in range(data.demand.shape[1]):
            demand = [int(x) for x in data.demand[:, dim]]
            cb = routing.RegisterUnaryTransitVector(demand)
            caps = [int(min(data.capacity[k][dim], BIG)) for k in vtype]
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load{dim}")

        if data.has_time:
            # Transit i -> j: service at i plus travel; waiting is slack.
            transit = data.duration + data.service[:, None]
            np.fill_diagonal(transit, 0)
            tcb = routing.RegisterTransitMatrix(transit.tolist())
            horizon = int(min(max(data.horizon, int(transit.max()) * (n + 1)), BIG))
            routing.AddDimension(tcb, horizon, horizon, False, "time")
            time_dim = routing.GetDimensionOrDie("time")
            tw = data.time_windows
            for node in range(nd, n):
                time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(tw[node, 0]),
                                                                      int(min(tw[node, 1], horizon)))
            for v in range(len(vtype)):
                s, e = routing.Start(v), routing.End(v)
                time_dim.CumulVar(s).SetRange(int(tw[starts[v], 0]), int(min(tw[starts[v], 1], horizon)))
                time_dim.CumulVar(e).SetRange(int(tw[ends[v], 0]), int(min(tw[ends[v], 1], horizon)))
                limit = data.max_duration[vtype[v]]
                if limit < BIG:
                    time_dim.SetSpanUpperBoundForVehicle(int(limit), v)
                # Leave as late as possible (no needless waiting) and come back as early as possible.
                routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(s))
                routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(e))

        # Zones: restrict each client to the vehicles whose type may serve it.
        if any(vt.forbidden for vt in problem.vehicle_types):
            for node in range(nd, n):
                # (SetAllowedVehiclesForIndex's Python binding rejects lists in OR-Tools 9.15.)
                banned = [v for v, k in enumerate(vtype) if node in problem.vehicle_types[k].forbidden]
                if banned:
                    routing.VehicleVar(manager.NodeToIndex(node)).RemoveValues(banned)
        # Optional clients: skipping costs their prize.
        for node in range(nd, n):
            if not problem.required[node]:
                routing.AddDisjunction([manager.NodeToIndex(node)], int(data.prize[node]))

        params = pywrapcp.DefaultRoutingSearchParameters()
        first = self.first_solution(problem)
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
        meta_name = self.options["metaheuristic"].upper()
        params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, meta_name)
        built = time.perf_counter() - start
        remaining = max(0.01, budget.time_limit - built - 0.05)
        params.time_limit.FromMilliseconds(int(remaining * 1000))
        params.log_search = False

        progress: list[tuple[float, float]] = []   # (seconds, integer cost) of each improving solution

        def on_solution() -> None:
            cost = routing.CostVar().Value()
            if not progress or cost < progress[-1][1]:
                progress.append((time.perf_counter() - start, cost))
        routing.AddAtSolutionCallback(on_solution)
        # Ctrl-C / SIGTERM: the search checks this limit often, and calling into Python there
        # also runs the signal handler that sets the flag (the C++ search holds the interpreter).
        stop_limit = routing.solver().CustomLimit(stop_requested)
        routing.AddSearchMonitor(stop_limit)
        assignment = routing.SolveWithParameters(params)
        meta: dict[str, Any] = {"first_solution": first, "metaheuristic": meta_name,
                                "vehicles_modelled": len(vtype), "build_time": built,
                                "scale": data.scale, "routing_status": int(routing.status()),
                                "progress": [(t, c / data.scale) for t, c in progress]}
        if assignment is None:
            return Result(self.name, problem.name, Status.NO_SOLUTION, metadata=meta,
                          message=f"OR-Tools found no solution (routing status {routing.status()})")
        routes = []
        for v in range(len(vtype)):
            index = routing.Start(v)
            visits = []
            index = assignment.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                visits.append(manager.IndexToNode(index))
                index = assignment.Value(routing.NextVar(index))
            if visits:
                routes.append(Route(visits, vehicle_type=vtype[v]))
        solution = VRPSolution(routes)
        meta["progress"] = in_objective_units(problem, progress, data.scale, assignment.ObjectiveValue(), solution)
        return Result(self.name, problem.name, Status.FEASIBLE, solution=solution, metadata=meta)

"""The built-in local search on the rest of the model: zones and preferences per vehicle type
(PVRP), optional clients with prizes, several demand dimensions, and all of them at once with
several depots, types and time windows. Every answer is feasible under ``evaluate``, no worse
than the solution the search started from, and close to PyVRP's at the same 1 s budget."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import routeopt
from routeopt.errors import UnsupportedError
from routeopt.instances.vrp.problem import Route, VRPProblem, VRPSolution, VehicleType
from routeopt.solvers.registry import solver_class
from routeopt.solvers.vrp import local
from tests.test_local_fleet import check as fleet_check, local_and_pyvrp

pytest.importorskip("numba")


@pytest.fixture(scope="module", autouse=True)
def compiled():
    local.warm_up()


def prizes(seed: int, n: int = 60) -> VRPProblem:
    """CVRP where every other client is optional, with prizes about one out-and-back trip."""
    p = routeopt.generate("cvrp", n=n, seed=seed)
    rng = np.random.default_rng(seed)
    required = np.ones(p.num_nodes, dtype=bool)
    required[1::2] = False
    prize = np.where(required, 0.0, np.rint(rng.uniform(0, 2, p.num_nodes) * p.distance[0].mean()))
    return dataclasses.replace(p, required=required, prize=prize, name=f"prizes-{seed}")


def two_dimensions(seed: int, n: int = 60) -> VRPProblem:
    """CVRP with a second demand (volume) whose capacity binds as often as the first."""
    p = routeopt.generate("cvrp", n=n, seed=seed)
    volume = np.random.default_rng(seed).integers(1, 20, p.num_nodes)
    volume[0] = 0
    routes = p.demand[:, 0].sum() / p.vehicle_types[0].capacity[0]
    vt = dataclasses.replace(p.vehicle_types[0],
                             capacity=(p.vehicle_types[0].capacity[0], int(volume.sum() / routes) + 10))
    return dataclasses.replace(p, demand=np.column_stack([p.demand[:, 0], volume]), vehicle_types=[vt],
                               name=f"two-dimensions-{seed}")


def everything(seed: int) -> VRPProblem:
    """Two depots; two vehicle types with their own depots, capacities (two dimensions), fixed
    costs, shift limits, zones and preferences; time windows; a third of the clients optional."""
    p = routeopt.generate("vrptw", n=45, seed=seed)
    rng = np.random.default_rng(seed)
    n = p.num_nodes + 1                     # a second depot, put in front as node 1
    order = [0, 0, *range(1, p.num_nodes)]
    xy = p.coordinates[order].copy()
    xy[1] += 5.0
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    demand = np.column_stack([p.demand[order, 0], rng.integers(1, 5, n)])
    demand[:2] = 0
    windows = p.time_windows[order].copy()
    service = p.service_time[order].copy()
    cap = p.vehicle_types[0].capacity[0]
    far = [c for c in range(2, n) if xy[c, 0] > np.median(xy[2:, 0])]
    prefs = np.clip(1 - np.hypot(*(xy - xy[2]).T) / d.max(), 0, 1)
    prefs[:2] = 0
    types = [VehicleType(count=8, capacity=(cap, 40), fixed_cost=30, start_depot=0, end_depot=0,
                         preferences=tuple(prefs)),
             VehicleType(count=8, capacity=(round(0.7 * cap), 30), fixed_cost=10, start_depot=1, end_depot=1,
                         max_duration=float(windows[0, 1]), forbidden=frozenset(far[::3]),
                         preferences=tuple(1 - prefs))]
    required = np.ones(n, dtype=bool)
    required[2::3] = False
    prize = np.where(required, 0.0, rng.uniform(0, 60, n))
    return VRPProblem(distance=d, num_depots=2, demand=demand, time_windows=windows, service_time=service,
                      coordinates=xy, vehicle_types=types, required=required, prize=prize,
                      preference_weight=20.0, name=f"everything-{seed}")


CASES = {
    "preferences": lambda s: routeopt.generate("pvrp", n=60, seed=s),
    "zones": lambda s: routeopt.generate("pvrp", n=60, seed=s, mode="zones"),
    "prizes": prizes,
    "two_dimensions": two_dimensions,
    "everything": everything,
}


def check(problem, result) -> None:
    fleet_check(problem, result, exact=False)
    for route in result.solution.routes:
        assert not set(route.visits) & problem.vehicle_types[route.vehicle_type].forbidden


def test_the_model_has_no_feature_left_that_local_refuses():
    problem = everything(0)
    assert {"multi_depot", "heterogeneous_fleet", "fixed_cost", "max_duration", "zones", "preferences",
            "prizes", "multi_dimensional_demand", "time_windows"} <= problem.features
    solver_class("local")().check(problem)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_feasible_and_no_worse_than_start(kind):
    problem = CASES[kind](1)
    start = routeopt.solve(problem, solver="local", time_limit=5, seed=1, iterations=1)
    result = routeopt.solve(problem, solver="local", time_limit=1.5, seed=1)
    check(problem, start)
    check(problem, result)
    assert result.objective <= start.objective + 1e-9


@pytest.mark.parametrize("kind", sorted(CASES))
def test_close_to_pyvrp(kind):
    problem = CASES[kind](2)
    ours, theirs = local_and_pyvrp(problem, 1)
    check(problem, ours)
    assert ours.objective <= theirs.objective + 0.10 * abs(theirs.objective)   # preferences can make it negative


def test_prizes_decide_which_clients_are_served():
    coords = np.array([[0, 0], [1, 0], [0, 1], [100, 0], [0, 100]], dtype=float)
    d = np.round(np.hypot(*(coords[:, None] - coords[None]).transpose(2, 0, 1)))
    # client 3: 200 to fetch, prize 1 (skipped); client 4: 200 to fetch, prize 500 (served)
    problem = VRPProblem(distance=d, prize=[0, 0, 0, 1, 500], required=[True, True, True, False, False])
    result = routeopt.solve(problem, solver="local", time_limit=1, seed=0, iterations=20)
    check(problem, result)
    served = {c for r in result.solution.routes for c in r.visits}
    assert served == {1, 2, 4}
    assert result.objective == pytest.approx(problem.evaluate(result.solution).objective)


def test_preferences_pull_clients_to_the_type_that_likes_them():
    # two identical vehicles at one depot; type 1 likes client 2 so much it is worth its own trip
    d = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float)
    likes = [VehicleType(count=1, capacity=(10,), preferences=(0, 0, 0)),
             VehicleType(count=1, capacity=(10,), preferences=(0, 0, 5))]
    problem = VRPProblem(distance=d, demand=[0, 1, 1], vehicle_types=likes, preference_weight=1.0)
    result = routeopt.solve(problem, solver="local", time_limit=1, seed=0, iterations=20)
    check(problem, result)
    assert problem.evaluate(result.solution).details["preference"] == 5
    assert result.objective == pytest.approx(3 - 5)


def test_demand_too_large_to_pack_is_refused_by_name():
    p = routeopt.generate("cvrp", n=40, seed=0)
    demand = np.column_stack([p.demand[:, 0] * 1000] * 4)
    vt = dataclasses.replace(p.vehicle_types[0], capacity=(p.vehicle_types[0].capacity[0] * 1000,) * 4)
    problem = dataclasses.replace(p, demand=demand, vehicle_types=[vt])
    with pytest.raises(UnsupportedError, match="multi_dimensional_demand"):
        routeopt.solve(problem, solver="local", time_limit=1)


def test_a_partial_start_gets_its_missing_clients():
    problem = prizes(3, n=30)
    start = VRPSolution([Route([2, 4, 6, 4]), Route([8, 10])])      # most clients missing, 4 twice
    result = routeopt.solve(problem, solver="local", time_limit=5, seed=0, iterations=5,
                            initial_solution=start)
    check(problem, result)
    served = [c for r in result.solution.routes for c in r.visits]
    assert len(served) == len(set(served))
    assert set(np.flatnonzero(problem.required[1:]) + 1) <= set(served)

"""The built-in local search on several vehicle types: multi-depot, heterogeneous fleet with
fixed costs, routes starting and ending at different depots, maximum route durations. Every
answer is feasible under ``evaluate``, no worse than the solution the search started from, and
close to PyVRP's at the same small budget."""

from __future__ import annotations

import dataclasses

import pytest

import routeopt
from routeopt import Status
from routeopt.instances.vrp.problem import VRPProblem, VehicleType
from routeopt.solvers.vrp import local

pytest.importorskip("numba")


@pytest.fixture(scope="module", autouse=True)
def compiled():
    local.warm_up()


def open_depots(seed: int) -> VRPProblem:
    """MDVRP whose vehicles of depot j end their shift at depot j + 1."""
    p = routeopt.generate("mdvrp", n=60, seed=seed, depots=3)
    m = p.num_depots
    types = [dataclasses.replace(vt, end_depot=(j + 1) % m) for j, vt in enumerate(p.vehicle_types)]
    return dataclasses.replace(p, vehicle_types=types, name=f"open-depots-{seed}")


def max_duration(seed: int) -> VRPProblem:
    """CVRP with a shift limit just above the longest out-and-back trip, so that it binds."""
    p = routeopt.generate("cvrp", n=60, seed=seed)
    trip = max(p.distance[0, c] + p.distance[c, 0] for c in p.clients)
    vt = dataclasses.replace(p.vehicle_types[0], max_duration=1.05 * float(trip))
    return dataclasses.replace(p, vehicle_types=[vt], name=f"max-duration-{seed}")


def mixed(seed: int) -> VRPProblem:
    """Two depots and two types of different capacity, fixed cost and shift limit."""
    p = routeopt.generate("mdvrp", n=50, seed=seed, depots=2)
    cap = p.vehicle_types[0].capacity[0]
    trip = max(p.distance[d, c] + p.distance[c, d] for c in p.clients for d in (0, 1))
    types = [VehicleType(count=6, capacity=(cap,), fixed_cost=500, start_depot=0, end_depot=1),
             VehicleType(count=12, capacity=(round(0.6 * cap),), fixed_cost=200, start_depot=1,
                         end_depot=1, max_duration=1.5 * float(trip))]
    return dataclasses.replace(p, vehicle_types=types, name=f"mixed-{seed}")


CASES = {
    "mdvrp": lambda s: routeopt.generate("mdvrp", n=80, seed=s),
    "hfvrp": lambda s: routeopt.generate("hfvrp", n=80, seed=s),
    "open_depots": open_depots,
    "max_duration": max_duration,
    "mixed": mixed,
}


def check(problem, result, exact: bool = True) -> None:
    """FEASIBLE, feasible under ``evaluate``, the objective its score; the search's own cost is the
    one evaluate gives (``exact``: it must say it; otherwise only where it does: with preferences
    or fractional distances the integer cost is rounded and not claimed)."""
    assert result.status == Status.FEASIBLE, (result.status, result.message)
    evaluation = problem.evaluate(result.solution)
    assert evaluation.feasible, evaluation.violations
    assert result.objective == pytest.approx(evaluation.objective)
    claimed = result.metadata.get("claimed_objective")
    if exact or claimed is not None:
        assert claimed == pytest.approx(evaluation.objective)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_feasible_and_no_worse_than_start(kind):
    problem = CASES[kind](1)
    assert not problem.features & {"zones", "preferences", "prizes", "multi_dimensional_demand"}
    start = routeopt.solve(problem, solver="local", time_limit=5, seed=1, iterations=1)
    result = routeopt.solve(problem, solver="local", time_limit=1.5, seed=1)
    check(problem, start)
    check(problem, result)
    assert result.objective <= start.objective + 1e-9
    if "construction_objective" in result.metadata:
        assert result.objective <= result.metadata["construction_objective"] + 1e-9


def local_and_pyvrp(problem, seconds: float):
    """Both solvers' answers on ``problem`` at the same budget and seed; PyVRP's is feasible."""
    pytest.importorskip("pyvrp")
    ours = routeopt.solve(problem, solver="local", time_limit=seconds, seed=1)
    theirs = routeopt.solve(problem, solver="pyvrp", time_limit=seconds, seed=1)
    assert theirs.status == Status.FEASIBLE
    return ours, theirs


@pytest.mark.parametrize("kind", ["mdvrp", "hfvrp", "open_depots", "max_duration"])
def test_close_to_pyvrp(kind):
    problem = CASES[kind](2)
    ours, theirs = local_and_pyvrp(problem, 2)
    check(problem, ours)
    assert ours.objective <= 1.10 * theirs.objective


def test_routes_keep_their_vehicle_type():
    problem = mixed(3)
    result = routeopt.solve(problem, solver="local", time_limit=1, seed=0, iterations=100)
    check(problem, result)
    used = problem.evaluate(result.solution).details["vehicles_by_type"]
    assert all(u <= vt.count for u, vt in zip(used, problem.vehicle_types))
    assert {r.vehicle_type for r in result.solution.routes} <= {0, 1}


def test_initial_solution_of_several_types():
    problem = routeopt.generate("hfvrp", n=40, seed=4)
    from routeopt.instances.vrp.generate import feasible_solution
    first = feasible_solution(problem)
    result = routeopt.solve(problem, solver="local", time_limit=5, seed=0, iterations=50,
                            initial_solution=first)
    check(problem, result)
    assert result.objective <= problem.evaluate(first).objective


@pytest.mark.parametrize("n", [60, 100])
def test_a_tight_fleet_is_packed_feasibly(n):
    """Three vehicle types with fixed costs, a few clients whose demand only the largest type can
    carry and many small ones: a bin-packing puzzle where the cheapest routes overload. The search
    starts its capacity penalty at what a vehicle costs per unit, raises it fast while it has no
    feasible answer, and lets two vehicles of different types trade their routes; with the first
    alone it ended every one of its 300 steps over capacity. Fixed iterations on both sides: the
    same answers on any machine."""
    pytest.importorskip("pyvrp")
    problem = routeopt.generate("hfvrp", n=n, seed=1, route_size=2.5)
    ours = routeopt.solve(problem, solver="local", time_limit=120, seed=0, iterations=300)
    theirs = routeopt.solve(problem, solver="pyvrp", time_limit=120, seed=0, iterations=2000)
    check(problem, ours)
    assert theirs.status == Status.FEASIBLE and problem.evaluate(theirs.solution).feasible
    assert ours.metadata["repaired_iterations"] < 300
    assert ours.objective <= 1.05 * theirs.objective, (ours.objective, theirs.objective)


def test_a_fleet_the_search_cannot_fill_starts_from_a_packing():
    """120 clients of large demand, 32 vehicles of three types: every search step ended over
    capacity, so local returned INFEASIBLE though PyVRP finds answers. Still over capacity after its
    first searches, it packs the clients into the vehicles by capacity alone (best fit, largest
    first) and starts over from there: a feasible answer, never worse than that start."""
    problem = routeopt.generate("hfvrp", n=120, seed=4, route_size=2.5)
    result = routeopt.solve(problem, solver="local", time_limit=60, seed=0, iterations=100)
    check(problem, result)
    assert result.metadata["packed_start"]
    assert result.objective <= result.metadata["progress"][0][1] + 1e-9

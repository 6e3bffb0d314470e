"""The exact MILP solver: proofs checked against known optima, brute force and PyVRP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import routeopt
from routeopt import Result, Status
from routeopt.errors import UnsupportedError
from routeopt.instances.io import load
from routeopt.solvers import registry
from routeopt.solvers.vrp.milp import MILPSolver
from tests.conftest import shared



def check(problem, result: Result, optimal: bool = True) -> None:
    """Feasible, scored by the problem itself, and a bound that never exceeds the objective."""
    if optimal:
        assert result.status == Status.OPTIMAL, (result.status, result.message)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE), (result.status, result.message)
    evaluation = problem.evaluate(result.solution)
    assert evaluation.feasible, evaluation.violations
    assert result.objective == pytest.approx(evaluation.objective)
    assert result.bound is not None and result.bound <= result.objective + 1e-9
    if result.status == Status.OPTIMAL:
        assert result.bound == pytest.approx(result.objective)


def held_karp(d: np.ndarray) -> float:
    """Optimal tour length by dynamic programming over subsets (independent of any solver)."""
    n = d.shape[0]
    best = {(1 << j, j): d[0, j] for j in range(1, n)}
    for size in range(2, n):
        for subset in itertools.combinations(range(1, n), size):
            mask = sum(1 << j for j in subset)
            for j in subset:
                prev = mask ^ (1 << j)
                best[mask, j] = min(best[prev, k] + d[k, j] for k in subset if k != j)
    full = (1 << n) - 2
    return min(best[full, j] + d[j, 0] for j in range(1, n))


def brute_force_tour(d: np.ndarray) -> float:
    n = d.shape[0]
    return min(sum(d[a, b] for a, b in zip((0, *perm), (*perm, 0)))
               for perm in itertools.permutations(range(1, n)))


@pytest.mark.parametrize("name,optimum", [("E-n13-k4", 247), ("P-n16-k8", 450), ("A-n32-k5", 784)])
def test_proves_cvrplib_optimum(name, optimum):
    problem = load(shared("cvrp-small", f"{name}.vrp"))
    result = routeopt.solve(problem, solver="milp", time_limit=120)
    check(problem, result)
    assert result.objective == optimum
    assert result.bound == optimum
    assert result.metadata["formulation"] == "CVRP"


def test_tsp_matches_held_karp():
    problem = routeopt.generate("tsp", n=9, seed=3)
    result = routeopt.solve(problem, solver="milp", time_limit=30)
    check(problem, result)
    assert result.objective == pytest.approx(held_karp(problem.distance), abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_atsp_matches_brute_force(seed):
    problem = routeopt.generate("atsp", n=8, seed=seed)
    assert problem.variant == "ATSP"
    result = routeopt.solve(problem, solver="milp", time_limit=30)
    check(problem, result)
    assert result.objective == brute_force_tour(problem.distance)


@pytest.mark.parametrize("seed", [0, 1])
def test_tsp30_optimal_never_worse_than_pyvrp(seed):
    problem = routeopt.generate("tsp", n=30, seed=seed)
    result = routeopt.solve(problem, solver="milp", time_limit=60)
    check(problem, result)
    heuristic = routeopt.solve(problem, solver="pyvrp", time_limit=1)
    assert result.objective <= heuristic.objective + 1e-9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vrptw_optimal_never_worse_than_pyvrp(seed):
    problem = routeopt.generate("vrptw", n=8, seed=seed)
    assert problem.variant == "VRPTW"
    result = routeopt.solve(problem, solver="milp", time_limit=60)
    check(problem, result)
    assert result.metadata["formulation"] == "VRPTW"
    heuristic = routeopt.solve(problem, solver="pyvrp", time_limit=1)
    assert result.objective <= heuristic.objective + 1e-9


def test_asymmetric_cvrp_optimal_never_worse_than_pyvrp():
    problem = routeopt.generate("acvrp", n=10, seed=0)
    result = routeopt.solve(problem, solver="milp", time_limit=60)
    check(problem, result)
    heuristic = routeopt.solve(problem, solver="pyvrp", time_limit=1)
    assert result.objective <= heuristic.objective


@pytest.mark.parametrize("time_limit", [0.3, 1.0])
def test_short_time_limit_never_claims_a_false_optimum(time_limit):
    problem = load(shared("cvrp-small", "A-n32-k5.vrp"))
    result = routeopt.solve(problem, solver="milp", time_limit=time_limit)
    assert result.runtime < time_limit + 0.5
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION), result.status
    assert result.bound is None or result.bound <= 784
    if result.status != Status.NO_SOLUTION:
        check(problem, result, optimal=False)
        assert result.objective >= 784
    if result.status == Status.OPTIMAL:      # the heuristic's answer proved by the bound: only if true
        assert result.objective == 784


def test_short_time_limit_on_tsp_returns_a_tour_and_a_bound():
    problem = routeopt.generate("tsp", n=100, seed=0)
    result = routeopt.solve(problem, solver="milp", time_limit=1)
    assert result.runtime < 1.5
    check(problem, result, optimal=False)
    if result.status == Status.OPTIMAL:     # only if really proved
        assert result.objective == pytest.approx(7.871863269, abs=1e-6)


def tight_fleet(n: int, seed: int):
    """A CVRP of about 2.5 clients per route and just enough vehicles for the total demand."""
    import math

    problem = routeopt.generate("cvrp", n=n, seed=seed, route_size=2.5)
    q = problem.vehicle_types[0].capacity[0]
    problem.vehicle_types = [routeopt.VehicleType(count=math.ceil(problem.demand[:, 0].sum() / q),
                                                  capacity=(q,))]
    return problem


def test_auto_answers_a_tight_fleet_with_the_heuristic_incumbent():
    # 7 vehicles for 92 % of their capacity: the MIP alone found no integer answer in 20 s
    # (bound 12977); local finds 13412 in a fraction of a second, as PyVRP does in 5 s
    problem = tight_fleet(17, 3)
    assert registry.choose(problem, routeopt.Budget(time_limit=5)) == "vrp-milp"
    result = routeopt.solve(problem, solver="auto", time_limit=5)
    check(problem, result, optimal=False)
    assert result.objective <= result.metadata["incumbent_objective"]
    assert result.bound <= result.objective


@pytest.mark.parametrize("seed", [1, 2])
def test_the_incumbent_cutoff_proves_the_same_optimum(seed):
    problem = tight_fleet(17, seed)
    results = [routeopt.solve(problem, solver="milp", time_limit=60, incumbent=flag) for flag in (True, False)]
    for result in results:
        check(problem, result)
    assert results[0].objective == results[1].objective
    assert results[0].metadata["incumbent_objective"] >= results[0].objective
    assert "incumbent_objective" not in results[1].metadata


def cvrp_optimum(d: np.ndarray, demand: np.ndarray, q: float, vehicles: int) -> float:
    """Optimal CVRP cost by dynamic programming, independent of any solver: the cheapest route
    through every client set that fits (Held-Karp from the depot), then the cheapest partition
    of all clients into at most ``vehicles`` such sets."""
    m = d.shape[0] - 1
    full = (1 << m) - 1
    load = [sum(demand[j + 1] for j in range(m) if mask >> j & 1) for mask in range(full + 1)]
    path = {}                                   # (mask, last) -> cheapest depot..last through mask
    for j in range(m):
        path[1 << j, j] = d[0, j + 1]
    for mask in range(1, full + 1):
        for j in range(m):
            if (mask, j) in path:
                for k in range(m):
                    if not mask >> k & 1 and load[mask | 1 << k] <= q:
                        key = (mask | 1 << k, k)
                        path[key] = min(path.get(key, np.inf), path[mask, j] + d[j + 1, k + 1])
    route = np.full(full + 1, np.inf)
    for (mask, j), c in path.items():
        route[mask] = min(route[mask], c + d[j + 1, 0])
    best = np.full((vehicles + 1, full + 1), np.inf)
    best[0, 0] = 0.0
    for k in range(1, vehicles + 1):
        for mask in range(1, full + 1):
            low = mask & -mask
            sub = mask
            while sub:
                if sub & low and route[sub] < np.inf:
                    best[k, mask] = min(best[k, mask], route[sub] + best[k - 1, mask ^ sub])
                sub = (sub - 1) & mask
    return float(best[:, full].min())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("backend", ["scip", "highs"])
def test_cvrp_optimum_equals_dynamic_programming(seed, backend):
    # odd seeds: just enough vehicles for the total demand (a bin packing inside the routing)
    problem = tight_fleet(8, seed) if seed % 2 else routeopt.generate("cvrp", n=8, seed=seed, route_size=3)
    vt = problem.vehicle_types[0]
    reference = cvrp_optimum(problem.distance, problem.demand[:, 0], vt.capacity[0], min(vt.count, 8))
    result = routeopt.solve(problem, solver="milp", time_limit=60, backend=backend)
    check(problem, result)
    assert result.objective == pytest.approx(reference)
    assert result.metadata["backend"] == backend


@pytest.mark.parametrize("seed", range(4))
def test_asymmetric_cvrp_optimum_equals_dynamic_programming(seed):
    problem = routeopt.generate("acvrp", n=8, seed=seed)
    vt = problem.vehicle_types[0]
    reference = cvrp_optimum(problem.distance, problem.demand[:, 0], vt.capacity[0], min(vt.count, 8))
    result = routeopt.solve(problem, solver="milp", time_limit=60)
    check(problem, result)
    assert result.objective == pytest.approx(reference)


def vrptw_optimum(problem) -> float:
    """Optimal VRPTW cost by enumeration, independent of any solver: every order of every client
    set that fits, served at the earliest time its window allows, then the cheapest partition;
    the winning routes are scored by ``evaluate`` to show the enumeration's rules are the model's."""
    d, t, tw = problem.distance, problem.duration, problem.time_windows
    s = np.zeros(problem.num_nodes) if problem.service_time is None else problem.service_time
    q, m = problem.vehicle_types[0].capacity[0], problem.num_clients
    route: dict[int, tuple[float, tuple]] = {}
    for mask in range(1, 1 << m):
        members = [j + 1 for j in range(m) if mask >> j & 1]
        if problem.demand[members, 0].sum() > q:
            continue
        for order in itertools.permutations(members):
            clock, last, cost = tw[0, 0], 0, 0.0
            for c in order:
                clock = max(clock + t[last, c], tw[c, 0])
                if clock > tw[c, 1] + 1e-9:
                    break
                clock += s[c]
                cost += d[last, c]
                last = c
            else:
                if clock + t[last, 0] <= tw[0, 1] + 1e-9 and cost + d[last, 0] < route.get(mask, (np.inf,))[0]:
                    route[mask] = (cost + d[last, 0], order)
    best: dict[int, tuple[float, list]] = {0: (0.0, [])}
    for mask in range(1, 1 << m):
        low = mask & -mask
        sub, found = mask, (np.inf, [])
        while sub:
            if sub & low and sub in route and best[mask ^ sub][0] + route[sub][0] < found[0]:
                found = (best[mask ^ sub][0] + route[sub][0], best[mask ^ sub][1] + [route[sub][1]])
            sub = (sub - 1) & mask
        best[mask] = found
    cost, routes = best[(1 << m) - 1]
    evaluation = problem.evaluate(routeopt.VRPSolution([routeopt.Route(list(r)) for r in routes]))
    assert evaluation.feasible and evaluation.objective == pytest.approx(cost)
    return cost


@pytest.mark.parametrize("seed", range(4))
def test_vrptw_optimum_equals_enumeration(seed):
    problem = routeopt.generate("vrptw", n=6, seed=seed)
    reference = vrptw_optimum(problem)
    result = routeopt.solve(problem, solver="milp", time_limit=60)
    check(problem, result)
    assert result.objective == pytest.approx(reference)


@pytest.mark.parametrize("backend", ["auto", "scip"])
def test_branch_and_cut_proves_a_30_client_cvrp(backend):
    # measured here: SCIP with the cuts inside the tree 1.2 s; HiGHS re-solves 70 s
    problem = routeopt.generate("cvrp", n=30, seed=2)
    result = routeopt.solve(problem, solver="milp", time_limit=120, backend=backend)
    check(problem, result)
    assert result.status is Status.OPTIMAL
    assert result.metadata["backend"] == ("bpc" if backend == "auto" else "scip")
    assert result.objective <= result.metadata["incumbent_objective"]
    heuristic = routeopt.solve(problem, solver="pyvrp", time_limit=1)
    assert result.objective <= heuristic.objective


def test_scip_backend_names_what_it_cannot_solve():
    with pytest.raises(UnsupportedError, match="backend 'scip' solves TSP and CVRP"):
        routeopt.solve(routeopt.generate("vrptw", n=8, seed=0), solver="milp", time_limit=5, backend="scip")


def test_too_big_is_refused_with_a_hint():
    with pytest.raises(UnsupportedError, match="pyvrp"):
        routeopt.solve(routeopt.generate("tsp", n=200, seed=0), solver="milp", time_limit=1)
    with pytest.raises(UnsupportedError, match="at most 50 clients"):
        routeopt.solve(routeopt.generate("cvrp", n=80, seed=0), solver="milp", time_limit=1, mode="prove")
    with pytest.raises(UnsupportedError, match="at most 30 clients"):     # no bound mode for ACVRP
        routeopt.solve(routeopt.generate("acvrp", n=40, seed=0), solver="milp", time_limit=1)


def test_unsupported_features_are_named():
    with pytest.raises(UnsupportedError, match="multi_depot"):
        routeopt.solve(routeopt.generate("mdvrp", n=10, seed=0), solver="milp", time_limit=1)


def test_cbc_backend():
    problem = load(shared("cvrp-small", "E-n13-k4.vrp"))
    result = routeopt.solve(problem, solver="milp", time_limit=60, backend="cbc")
    check(problem, result)
    assert result.objective == 247
    tsp = routeopt.generate("tsp", n=9, seed=3)
    result = routeopt.solve(tsp, solver="milp", time_limit=60, backend="cbc")
    check(tsp, result)
    assert result.objective == pytest.approx(held_karp(tsp.distance), abs=1e-9)


def test_threads_can_change_between_runs():
    problem = routeopt.generate("tsp", n=20, seed=5)
    first = routeopt.solve(problem, solver="milp", time_limit=30, threads=2)
    second = routeopt.solve(problem, solver="milp", time_limit=30, threads=1)
    check(problem, first)
    check(problem, second)
    assert first.objective == pytest.approx(second.objective)


@pytest.mark.slow
def test_tsp100_proved_optimal():
    problem = routeopt.generate("tsp", n=100, seed=0)
    result = routeopt.solve(problem, solver="milp", time_limit=300)
    check(problem, result)
    heuristic = routeopt.solve(problem, solver="pyvrp", time_limit=5)
    assert result.objective <= heuristic.objective + 1e-9


def test_milp_and_ortools_share_one_process():
    """OR-Tools and highspy both ship libhighs.so.1: mismatched versions break whichever loads second."""
    import subprocess
    import sys
    code = ("import routeopt\n"
            "p = routeopt.generate('tsp', n=12, seed=0)\n"
            "a = routeopt.solve(p, solver='ortools', time_limit=0.3)\n"
            "b = routeopt.solve(p, solver='milp', time_limit=10)\n"
            "assert b.status.value == 'OPTIMAL', b.message\n"
            "assert b.objective <= a.objective + 1e-9\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]

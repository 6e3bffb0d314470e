"""Column and cut generation bounds and the branch-price-and-cut: checked against independent
optima (a dynamic program, CVRPLIB's proved optima and best-known values)."""

from __future__ import annotations

import numpy as np
import pytest

import routeopt
from routeopt import Status
from routeopt.instances.io import load
from routeopt.solvers.vrp.bound import ColumnGeneration, edge_bounds, root_bound
from routeopt.solvers.vrp.branch_price import branch_and_price
from tests.conftest import shared
from tests.test_milp import check, cvrp_optimum, tight_fleet


def small(seed: int):
    """8-9 clients: odd seeds with just enough vehicles, even ones of about 3 clients a route."""
    n = 8 + seed % 2
    return tight_fleet(n, seed) if seed % 2 else routeopt.generate("cvrp", n=n, seed=seed, route_size=3)


def reference(problem) -> float:
    vt = problem.vehicle_types[0]
    return cvrp_optimum(problem.distance, problem.demand[:, 0], vt.capacity[0],
                        min(vt.count, problem.num_clients))


@pytest.mark.parametrize("seed", range(12))
def test_branch_price_and_cut_equals_dynamic_programming(seed):
    problem = small(seed)
    optimum = reference(problem)
    result = routeopt.solve(problem, solver="milp", time_limit=60, backend="bpc")
    if not np.isfinite(optimum):       # the fleet cannot carry the demand (a bin packing fails)
        assert result.status is Status.INFEASIBLE, result.status
        return
    check(problem, result)
    assert result.objective == pytest.approx(optimum)
    assert result.metadata["backend"] == "bpc"


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("ng", [0, 6])
def test_every_bound_is_below_the_optimum(seed, ng):
    problem = small(seed)
    optimum = reference(problem)
    if not np.isfinite(optimum):
        pytest.skip("no answer exists")
    cg = ColumnGeneration(problem, ng=ng)
    root, _ = cg.run(30)
    assert root.bound is not None and root.bound <= optimum + 1e-9
    # an edge of an optimal answer is never said to force a cost above it
    best = routeopt.solve(problem, solver="milp", time_limit=60, backend="bpc")
    through = edge_bounds(problem, root, cg.k_range, ng=ng)
    for r in best.solution.routes:
        path = [0, *r.visits, 0]
        for a, b in zip(path[:-1], path[1:]):
            assert through[a, b] <= optimum + 1e-6, (a, b, through[a, b], optimum)


def test_ng_routes_bound_at_least_as_well_as_q_routes_on_a_50_client_cvrp():
    problem = routeopt.generate("cvrp", n=50, seed=1)          # proved optimum 8557
    q_routes, _ = ColumnGeneration(problem, ng=0).run(60)
    ng_routes, _ = ColumnGeneration(problem, ng=6).run(60)
    assert q_routes.bound <= ng_routes.bound <= 8557
    assert (8557 - ng_routes.bound) / 8557 < 0.005            # measured 0.28 % (q-routes 1.0 %)


@pytest.mark.parametrize("name, optimum", [("E-n13-k4", 247), ("P-n16-k8", 450), ("A-n32-k5", 784)])
def test_cvrplib_optima_proved_by_branch_price_and_cut(name, optimum):
    problem = load(shared("cvrp-small", f"{name}.vrp"))
    start = routeopt.solve(problem, solver="local", time_limit=1, iterations=50).solution
    out = branch_and_price(problem, 60, start=start)
    assert out.optimal and problem.evaluate(out.solution).objective == optimum
    assert out.root_bound <= optimum


def test_root_bound_on_an_x_instance():
    problem = load(shared("cvrp-x", "X-n101-k25.vrp"))
    bound = root_bound(problem, time_limit=30)
    assert bound.bound <= problem.best_known                  # 27591
    assert (problem.best_known - bound.bound) / problem.best_known < 0.015   # measured 0.67 %
    assert bound.history and all(b <= problem.best_known for _, b in bound.history)


def test_bound_mode_answers_a_cvrp_beyond_the_proof_size():
    problem = routeopt.generate("cvrp", n=120, seed=3)
    result = routeopt.solve(problem, solver="milp", time_limit=15)
    check(problem, result, optimal=False)
    assert result.metadata["mode"] == "bound"
    assert result.bound is not None
    anchor = routeopt.solve(problem, solver="pyvrp", time_limit=5)
    assert result.bound <= anchor.objective
    assert (result.objective - result.bound) / result.objective < 0.06


def test_bound_mode_is_refused_where_the_column_generation_cannot_run():
    with pytest.raises(routeopt.errors.UnsupportedError, match="symmetric CVRPs"):
        routeopt.solve(routeopt.generate("vrptw", n=10, seed=0), solver="milp", time_limit=5, mode="bound")


def test_a_tight_fleet_is_proved_through_branching():
    # 7 vehicles at 92 % of their capacity: branching rows and barred edges, artificial columns
    problem = tight_fleet(17, 3)
    result = routeopt.solve(problem, solver="milp", time_limit=120, backend="bpc")
    check(problem, result)
    anchor = routeopt.solve(problem, solver="pyvrp", time_limit=2)
    assert result.objective <= anchor.objective
    assert result.status is Status.OPTIMAL
    assert np.isfinite(result.bound)


@pytest.mark.parametrize("n, time_limit, tight, expected", [
    (30, 10, False, "vrp-milp"),      # typically proved in 4 s
    (50, 10, False, "pyvrp"),         # typically 35 s
    (50, 60, False, "vrp-milp"),
    (40, 10, True, "vrp-milp"),       # a tight fleet: 5-7 s
    (80, 600, False, "pyvrp"),        # nothing measured: the heuristic
])
def test_auto_picks_the_exact_solver_by_predicted_proof_time(n, time_limit, tight, expected):
    from routeopt.solvers.base import Budget
    from routeopt.solvers.registry import choose

    problem = tight_fleet(n, 0) if tight else routeopt.generate("cvrp", n=n, seed=0)
    assert choose(problem, Budget(time_limit=time_limit)) == expected

"""PyVRP and OR-Tools through ``routeopt.solve`` on every variant; each answer checked by evaluate."""

from __future__ import annotations

import numpy as np
import pytest

import routeopt
from routeopt import Result, Solver, Status, VehicleType, VRPProblem
from routeopt.errors import InputError, UnknownSolverError, UnsupportedError
from routeopt.instances.io import load
from routeopt.solvers import registry
from routeopt.solvers.vrp.common import to_integers
from tests.conftest import shared

SOLVERS = ["pyvrp", "ortools"]
KINDS = [("tsp", {}), ("atsp", {}), ("cvrp", {}), ("acvrp", {}), ("vrptw", {}), ("hfvrp", {}),
         ("mdvrp", {}), ("pvrp", {"mode": "preferences"}), ("pvrp", {"mode": "zones"})]


def check(problem, result: Result) -> None:
    """The result is feasible and its objective is the problem's own score of its solution."""
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL), (result.status, result.message)
    evaluation = problem.evaluate(result.solution)
    assert evaluation.feasible, evaluation.violations
    assert result.objective == pytest.approx(evaluation.objective)
    assert not result.violations


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind,params", KINDS, ids=[k + "-" + "-".join(p.values()) for k, p in KINDS])
def test_every_generated_variant(solver, kind, params):
    problem = routeopt.generate(kind, n=25, seed=7, **params)
    result = routeopt.solve(problem, solver=solver, time_limit=0.5, seed=1)
    check(problem, result)
    assert result.solver == solver
    assert result.metadata["solver_version"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name,optimum", [("E-n13-k4", 247), ("P-n16-k8", 450), ("A-n32-k5", 784)])
def test_small_cvrplib_reaches_optimum(solver, name, optimum):
    problem = load(shared("cvrp-small", f"{name}.vrp"))
    assert problem.best_known == optimum
    result = routeopt.solve(problem, solver=solver, time_limit=2)
    check(problem, result)
    assert result.objective >= optimum          # no answer beats a proved optimum
    assert result.gap == pytest.approx(100 * (result.objective - optimum) / optimum)
    if solver == "pyvrp":
        assert result.objective == optimum


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ["C101", "R101", "RC201"])
def test_solomon_dimacs_convention(solver, name):
    problem = load(shared("vrptw-solomon", f"{name}.txt"))
    result = routeopt.solve(problem, solver=solver, time_limit=2)
    check(problem, result)
    assert result.objective >= problem.best_known - 1e-6
    assert result.gap < 10


def test_real_world_asymmetric_ortec_instance():
    path = shared("ORTEC-VRPTW-ASYM-00c5356f-d1-n258-k12.txt")
    problem = load(path)
    assert problem.variant == "AVRPTW"
    result = routeopt.solve(problem, solver="pyvrp", time_limit=3)
    check(problem, result)


def test_x_instance_gap_is_reported():
    problem = load(shared("cvrp-x", "X-n101-k25.vrp"))
    result = routeopt.solve(problem, solver="pyvrp", time_limit=2)
    check(problem, result)
    assert 0 <= result.gap < 5


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_is_honoured(solver):
    problem = routeopt.generate("cvrp", n=200, seed=2)
    result = routeopt.solve(problem, solver=solver, time_limit=1.0)
    check(problem, result)
    # A correctness check with generous slack, not a speed assertion.
    assert result.runtime < 1.0 + 1.5


def test_pyvrp_same_seed_same_answer():
    problem = routeopt.generate("cvrp", n=40, seed=3)
    runs = [routeopt.solve(problem, solver="pyvrp", time_limit=30, iterations=200, seed=5) for _ in range(2)]
    assert runs[0].solution.to_dict() == runs[1].solution.to_dict()


def test_prizes_optional_clients_are_skipped_when_not_worth_it():
    # Client 3 is far away with a tiny prize: skipping it (cost 1) beats the 200 detour.
    coords = np.array([[0, 0], [1, 0], [0, 1], [100, 0]], dtype=float)
    d = np.round(np.hypot(*(coords[:, None] - coords[None]).transpose(2, 0, 1)))
    problem = VRPProblem(distance=d, prize=[0, 0, 0, 1], required=[True, True, True, False])
    assert "prizes" in problem.features
    for solver in SOLVERS:
        result = routeopt.solve(problem, solver=solver, time_limit=0.5)
        check(problem, result)
        assert result.objective == pytest.approx(3 + 1)   # tour 0-1-2-0 (sqrt 2 rounds to 1) + prize


def test_fixed_costs_choose_the_cheaper_vehicle():
    d = np.array([[0, 5, 5], [5, 0, 1], [5, 1, 0]], dtype=float)
    fleet = [VehicleType(count=1, capacity=(10,), fixed_cost=100),
             VehicleType(count=1, capacity=(10,), fixed_cost=3)]
    problem = VRPProblem(distance=d, demand=[0, 1, 1], vehicle_types=fleet)
    for solver in SOLVERS:
        result = routeopt.solve(problem, solver=solver, time_limit=0.5)
        check(problem, result)
        assert result.objective == 11 + 3
        assert [r.vehicle_type for r in result.solution.routes] == [1]


def test_zones_are_respected():
    problem = routeopt.generate("pvrp", n=30, seed=4, mode="zones")
    for solver in SOLVERS:
        result = routeopt.solve(problem, solver=solver, time_limit=0.5)
        check(problem, result)
        for route in result.solution.routes:
            assert not set(route.visits) & problem.vehicle_types[route.vehicle_type].forbidden


def test_integer_scaling_is_conservative_for_time():
    problem = routeopt.generate("tsp", n=10, seed=0)
    data = to_integers(problem)
    assert data.scale >= 10**5   # six significant digits of the longest arc
    assert (data.duration >= problem.duration * data.scale - 1e-6).all()


def test_unknown_solver_suggests_a_name():
    problem = routeopt.generate("tsp", n=5, seed=0)
    with pytest.raises(UnknownSolverError, match="did you mean 'pyvrp'"):
        routeopt.solve(problem, solver="pyvpr")


class _TSPOnly(Solver):
    name = "tsp-only"
    family = "vrp"
    kind = "heuristic"
    supports = frozenset({"asymmetric"})
    max_size = 10

    def _solve(self, problem, budget):
        return Result(self.name, problem.name, Status.FEASIBLE,
                      solution=routeopt.VRPSolution([routeopt.Route(list(problem.clients))]))


class _Crashing(_TSPOnly):
    name = "crashing"

    def _solve(self, problem, budget):
        raise ZeroDivisionError("boom")


class _Liar(_TSPOnly):
    name = "liar"

    def _solve(self, problem, budget):
        visits = list(problem.clients)[:-1]   # drops a client and claims a tiny cost
        return Result(self.name, problem.name, Status.OPTIMAL, objective=0.0,
                      solution=routeopt.VRPSolution([routeopt.Route(visits)]))


def test_unsupported_feature_is_named():
    problem = routeopt.generate("cvrp", n=8, seed=0)
    with pytest.raises(UnsupportedError, match="does not support capacity"):
        routeopt.solve(problem, solver=_TSPOnly())
    big = routeopt.generate("tsp", n=30, seed=0)
    with pytest.raises(UnsupportedError, match="at most 10 clients"):
        routeopt.solve(big, solver=_TSPOnly())


def test_crash_becomes_error_result():
    problem = routeopt.generate("tsp", n=6, seed=0)
    result = routeopt.solve(problem, solver=_Crashing())
    assert result.status == Status.ERROR
    assert "ZeroDivisionError: boom" in result.message


def test_claims_are_re_evaluated():
    problem = routeopt.generate("tsp", n=6, seed=0)
    result = routeopt.solve(problem, solver=_Liar())
    assert result.status == Status.INFEASIBLE
    assert result.metadata["claimed_objective"] == 0.0
    assert result.objective > 0
    assert any(v.kind == "missing" for v in result.violations)


def test_registry_lists_solvers_with_support():
    names = {d["name"]: d for d in routeopt.list_solvers("vrp")}
    assert {"pyvrp", "ortools"} <= set(names)
    assert "time_windows" in names["ortools"]["supports"]



def test_auto_rule_exact_when_it_can_prove_else_best_heuristic():
    small_tsp = routeopt.generate("tsp", n=30, seed=0)
    assert registry.choose(small_tsp, routeopt.Budget(time_limit=10)) == "vrp-milp"
    assert registry.choose(small_tsp, routeopt.Budget(time_limit=1)) == "pyvrp"      # too short to prove
    big_cvrp = routeopt.generate("cvrp", n=200, seed=0)
    assert registry.choose(big_cvrp, routeopt.Budget(time_limit=60)) == "pyvrp"       # too big to prove
    md = routeopt.generate("mdvrp", n=10, seed=0)
    assert registry.choose(md, routeopt.Budget(time_limit=60)) == "pyvrp"             # milp lacks multi_depot
    result = routeopt.solve(small_tsp, time_limit=10)
    assert result.solver == "vrp-milp" and result.status == Status.OPTIMAL
    check(small_tsp, result)


def test_bad_solver_option_is_one_line():
    problem = routeopt.generate("cvrp", n=8, seed=0)
    with pytest.raises(InputError, match="first_solution='nope' is not one of") as err:
        routeopt.solve(problem, solver="ortools", time_limit=0.2, first_solution="nope")
    assert "\n" not in str(err.value)

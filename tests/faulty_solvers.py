"""Solvers that misbehave on purpose, for the comparator's fault-isolation tests.

They are plugged in as ``"tests/faulty_solvers.py:ClassName"`` exactly as a user plugs in a
solver file of their own. ``Steady`` is well-behaved and deterministic (seed-dependent, slow on
demand), so that interrupted and uninterrupted runs can be compared row for row.
"""

from __future__ import annotations

import os
import signal
import time

from routeopt.instances.vrp.problem import VRPProblem, Route, VRPSolution
from routeopt.solvers.base import Budget, Option, Result, Solver, Status

ALL = frozenset({"capacity", "time_windows", "service_times", "asymmetric", "multi_depot",
                 "heterogeneous_fleet", "fixed_cost", "max_duration", "prizes", "zones", "preferences",
                 "multi_dimensional_demand", "open_depots"})


class _Base(Solver):
    family = "vrp"
    kind = "heuristic"
    supports = ALL


def greedy_routes(problem: VRPProblem, seed: int) -> VRPSolution:
    """Clients in index order rotated by ``seed``, a new route whenever the capacity is full."""
    clients = list(problem.clients)
    shift = seed % max(1, len(clients))
    clients = clients[shift:] + clients[:shift]
    cap = problem.vehicle_types[0].capacity[0] if problem.vehicle_types[0].capacity else float("inf")
    routes, current, load = [], [], 0.0
    for c in clients:
        d = float(problem.demand[c][0]) if problem.demand is not None else 0.0
        if current and load + d > cap:
            routes.append(Route(current))
            current, load = [], 0.0
        current.append(c)
        load += d
    if current:
        routes.append(Route(current))
    return VRPSolution(routes)


class Steady(_Base):
    """Deterministic: the same answer for the same instance and seed, after ``delay`` seconds."""

    name = "steady"
    OPTIONS = (Option("delay", float, 0.0, "seconds to sleep before answering", low=0),)

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        time.sleep(self.options["delay"])
        return Result(self.name, problem.name, Status.FEASIBLE, solution=greedy_routes(problem, budget.seed))


class Crash(_Base):
    """Kills its own interpreter with a segmentation fault."""

    name = "crash"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(10)
        raise AssertionError("unreachable")


class Hang(_Base):
    """Ignores its budget and never returns."""

    name = "hang"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        while True:
            time.sleep(0.05)


class Infeasible(_Base):
    """Drops a client and claims a tiny cost: must be marked INFEASIBLE, never ranked."""

    name = "infeasible"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        routes = greedy_routes(problem, budget.seed).routes
        routes[0] = Route(routes[0].visits[1:])
        return Result(self.name, problem.name, Status.FEASIBLE, objective=1.0, solution=VRPSolution(routes))


class Raising(_Base):
    """A plain Python bug."""

    name = "raising"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        raise ZeroDivisionError("bug in the solver")


class Hog(_Base):
    """Allocates memory until it is stopped."""

    name = "hog"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        blocks = []
        while True:
            blocks.append(bytearray(256 * 2**20))


class Spawner(_Base):
    """Starts helper processes (a ``sleep 300`` and a multiprocessing worker), writes their process
    ids to ``pid_file``, then hangs: killing the compare run must take the helpers down too."""

    name = "spawner"
    OPTIONS = (Option("pid_file", str, "", "where to write the helpers' process ids"),)

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        import multiprocessing
        import subprocess
        sleeper = subprocess.Popen(["sleep", "300"])
        worker = multiprocessing.get_context("fork").Process(target=time.sleep, args=(300,))
        worker.start()
        with open(self.options["pid_file"] + ".tmp", "w") as fh:
            fh.write(f"{sleeper.pid} {worker.pid}\n")
        os.replace(self.options["pid_file"] + ".tmp", self.options["pid_file"])
        while True:
            time.sleep(0.05)


class BadCheckpoint(Steady):
    """Its class-level prepare() fails as loading a checkpoint with the wrong weight shapes does."""

    name = "badcheckpoint"

    @classmethod
    def prepare(cls) -> None:
        raise RuntimeError("Error(s) in loading state_dict for AttentionModel:\n\tsize mismatch for "
                           "encoder.init_embedding.weight: copying a param with shape torch.Size([128, 3])"
                           " from checkpoint,\n\tthe shape in current model is torch.Size([128, 2]).")


class Warner(Steady):
    """Answers correctly, after warnings that print on several lines (numpy, a library)."""

    name = "warner"

    @classmethod
    def prepare(cls) -> None:
        import warnings
        warnings.warn("compiled kernels\nare stale:\n  recompiling", UserWarning)

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        import warnings

        import numpy as np
        np.mean(np.array([]))                                      # RuntimeWarning: Mean of empty slice
        warnings.warn("penalty bound\nis too small:\n  raise it", UserWarning)
        return super()._solve(problem, budget)

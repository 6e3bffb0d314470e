"""``threads=N`` for the ``local`` solver: N searches with seeds seed..seed+N-1 in processes, the
best feasible answer returned, the budget and a stop honoured, no process left behind."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import routeopt
from routeopt import Status
from routeopt.solvers.stop import request_stop
from routeopt.solvers.vrp import local

pytest.importorskip("numba")


@pytest.fixture(scope="module", autouse=True)
def compiled():
    local.warm_up()      # fills numba's cache, which the search processes then load


def searches_left() -> list[int]:
    """Process ids of this process's children that still run a search (Linux; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"local_parallel" in cmd:
            found.append(int(stat.parent.name))
    return found


def test_two_searches_no_worse_than_one():
    problem = routeopt.generate("cvrp", n=50, seed=8)
    one = routeopt.solve(problem, solver="local", time_limit=30, seed=5, iterations=200)
    start = time.perf_counter()
    two = routeopt.solve(problem, solver="local", time_limit=30, seed=5, threads=2, iterations=200)
    assert time.perf_counter() - start < 30 + 10
    assert two.status == Status.FEASIBLE, two.message
    assert problem.evaluate(two.solution).feasible
    assert two.objective <= one.objective
    meta = two.metadata
    assert meta["threads"] == 2 and [s["seed"] for s in meta["searches"]] == [5, 6]
    # the first search is the threads=1 one (same seed, same steps); the second one answered too
    assert meta["searches"][0]["objective"] == pytest.approx(one.objective)
    assert all(s["feasible"] and s["iterations"] == 200 for s in meta["searches"]), meta["searches"]
    assert two.objective == pytest.approx(min(s["objective"] for s in meta["searches"]))
    assert ("threads_note" in meta) == (meta["cpu_cores"] < 2)
    # one best-so-far curve over both searches, on the solve's clock, ending at the answer
    times, costs = zip(*meta["progress"])
    assert list(times) == sorted(times) and all(b < a for a, b in zip(costs, costs[1:]))
    assert costs[-1] == pytest.approx(two.objective)
    assert not searches_left()


def test_time_limit_respected():
    problem = routeopt.generate("cvrp", n=100, seed=2)
    start = time.perf_counter()
    result = routeopt.solve(problem, solver="local", time_limit=3, seed=0, threads=2)
    assert time.perf_counter() - start < 3 + 10
    assert result.status == Status.FEASIBLE
    assert len(result.metadata["searches"]) == 2
    assert not searches_left()


def test_stop_returns_best_so_far_and_ends_the_searches():
    problem = routeopt.generate("cvrp", n=100, seed=3)
    timer = threading.Timer(2.0, request_stop)
    timer.start()
    start = time.perf_counter()
    try:
        result = routeopt.solve(problem, solver="local", time_limit=60, seed=0, threads=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 2 + 10
    assert result.status == Status.FEASIBLE
    assert result.metadata.get("interrupted") == "request"
    assert not searches_left()


@pytest.mark.parametrize("threads", [0, -2])
def test_bad_threads_is_one_line_input_error(threads):
    problem = routeopt.generate("cvrp", n=10, seed=0)
    with pytest.raises(routeopt.InputError, match="threads") as info:
        routeopt.solve(problem, solver="local", time_limit=1, threads=threads)
    assert "\n" not in str(info.value)

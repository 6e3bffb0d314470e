"""Neural solvers on CPU with tiny models: conversion round trips, ``routeopt train`` end to end,
shipped checkpoints, clear errors for checkpoints that do not fit, and ``pomo+ls``."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("rl4co")

import routeopt  # noqa: E402
from routeopt.errors import InputError, UnsupportedError  # noqa: E402
from routeopt.instances.vrp.problem import VRPProblem, Route, VRPSolution, VehicleType  # noqa: E402
from routeopt.neural import checkpoints as ckpts  # noqa: E402
from routeopt.neural.convert import kind_of, to_actions, to_solution, to_tensordict  # noqa: E402
from routeopt.solvers.base import Status  # noqa: E402

torch.set_num_threads(1)


def _euclidean(xy: np.ndarray) -> np.ndarray:
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def _exact_cvrp(n: int = 12, seed: int = 0) -> VRPProblem:
    """A CVRP whose distances are exact Euclidean (so rl4co's tour length matches to float error)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 500, (n + 1, 2))
    demand = np.concatenate([[0], rng.integers(1, 10, n)])
    return VRPProblem(distance=_euclidean(xy), coordinates=xy, demand=demand, precision=None,
               vehicle_types=[VehicleType(count=n, capacity=(20,))], name=f"exact-cvrp{n}")


def _reward(env, td, actions) -> float:
    td = env.reset(td)
    return float(env.get_reward(td, torch.as_tensor([actions])).item())


# ----------------------------------------------------------------------------- conversion
def test_tsp_round_trip_matches_reward_in_original_units():
    from routeopt.neural.envs import make_env

    xy = routeopt.generate("tsp", n=15, seed=3).coordinates * 250 + 40     # not the unit square
    p = VRPProblem(distance=_euclidean(xy), coordinates=xy, precision=None, name="tsp-scaled")
    td, (scaling,) = to_tensordict([p])
    assert td["locs"].min() >= 0 and td["locs"].max() <= 1 + 1e-6
    rng = np.random.default_rng(0)
    tour = list(rng.permutation(p.num_nodes))
    sol = to_solution(p, tour, "tsp")
    assert sol.routes[0].visits[0] != 0 and sorted(sol.routes[0].visits) == list(range(1, 15))
    cost = -_reward(make_env("tsp", 15), td, tour) * scaling.scale
    assert p.evaluate(sol).objective == pytest.approx(cost, rel=1e-5)


def test_cvrp_round_trip_matches_reward_and_splits_routes():
    from routeopt.neural.envs import make_env

    p = _exact_cvrp(12, seed=1)
    td, (scaling,) = to_tensordict([p])
    assert td["demand"].max() <= 1 and td["depot"].shape == (1, 2)
    routes = [[3, 1, 7], [2, 4], [5, 6, 8, 9], [10, 11, 12]]
    actions = [a for r in routes for a in (*r, 0)] + [0, 0]            # trailing padding
    sol = to_solution(p, actions, "cvrp")
    assert [r.visits for r in sol.routes] == routes
    assert to_actions(p, sol, "cvrp")[:-1] == actions[:-3]
    cost = -_reward(make_env("cvrp", 12), td, actions) * scaling.scale
    assert p.evaluate(sol).objective == pytest.approx(cost, rel=1e-5)


def test_matrix_and_time_window_conversion():
    from routeopt.neural.envs import make_env

    p = routeopt.generate("atsp", n=8, seed=0)
    td, (scaling,) = to_tensordict([p])
    assert td["cost_matrix"].max() == pytest.approx(1.0)
    tour = [4, 0, 2, 1, 3, 7, 6, 5]
    cost = -_reward(make_env("atsp", 8), td, tour) * scaling.scale
    assert p.evaluate(to_solution(p, tour, "atsp")).objective == pytest.approx(cost, rel=1e-5)

    q = routeopt.generate("acvrp", n=8, seed=0)
    td, (scaling,) = to_tensordict([q], "acvrp")
    actions = [1, 2, 3, 0, 4, 5, 6, 7, 8, 0]
    sol = to_solution(q, actions, "acvrp")
    cost = -_reward(make_env("acvrp", 8), td, actions) * scaling.scale
    assert q.evaluate(sol).objective == pytest.approx(cost, rel=1e-5)

    w = routeopt.generate("vrptw", n=10, seed=0)
    td, (scaling,) = to_tensordict([w])
    assert td["time_windows"].shape == (1, 11, 2) and td["durations"].shape == (1, 11)
    windows = td["time_windows"][0].numpy() * scaling.scale + scaling.time_offset
    assert windows[1:] == pytest.approx(w.time_windows[1:], rel=1e-5)
    assert windows[0, 1] > w.time_windows[0, 1]        # the depot never closes for the environment


def test_batches_and_unsupported_instances():
    ps = [routeopt.generate("cvrp", n=10, seed=s) for s in range(5)]
    td, scalings = to_tensordict(ps)
    assert td.batch_size == torch.Size([5]) and len(scalings) == 5
    with pytest.raises(UnsupportedError, match="one size"):
        to_tensordict([ps[0], routeopt.generate("cvrp", n=11, seed=0)])
    with pytest.raises(UnsupportedError, match="MDVRP|multi_depot|neural"):
        kind_of(routeopt.generate("mdvrp", n=20, seed=0))
    no_xy = VRPProblem(distance=ps[0].distance, demand=ps[0].demand, vehicle_types=ps[0].vehicle_types)
    with pytest.raises(UnsupportedError, match="coordinates"):
        kind_of(no_xy)
    assert kind_of(no_xy, matrix=True) == "acvrp"


# ----------------------------------------------------------------------------- train, then solve
@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """``routeopt train`` for real: a tiny POMO on CVRP10, two steps, on CPU."""
    from routeopt.cli.app import main

    out = tmp_path_factory.mktemp("train")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--problem", "cvrp", "--size", "10", "--model", "pomo", "--preset", "tiny",
              "--epochs", "1", "--batch-size", "4", "--train-size", "8", "--val-size", "4",
              "--accelerator", "cpu", "--threads", "1", "--out", str(out), "--no-progress"])
    assert exit_info.value.code == 0
    return out


def test_train_writes_resumable_checkpoint_with_metadata(tiny_checkpoint):
    model = ckpts.read(tiny_checkpoint / "model.pt")
    assert (model.kind, model.size, model.model) == ("cvrp", 10, "pomo")
    meta = model.meta
    assert meta["command"].startswith("routeopt train") and "--problem cvrp" in meta["command"]
    assert meta["versions"]["rl4co"] and meta["versions"]["torch"] and meta["global_step"] == 2
    assert list(tiny_checkpoint.glob("logs/version_*/metrics.csv"))
    last = ckpts.read(tiny_checkpoint / "checkpoints" / "last.ckpt")
    assert last.lightning and set(last.state_dict) == set(model.state_dict)


def test_resume_continues_training(tiny_checkpoint, tmp_path):
    from routeopt.neural.train import train

    summary = train(epochs=2, batch_size=4, train_size=8, val_size=4, accelerator="cpu", progress=False,
                    out=tmp_path, resume=tiny_checkpoint / "checkpoints" / "last.ckpt")
    assert summary["global_step"] == 4 and summary["problem"] == "cvrp"
    with pytest.raises(InputError, match="does not match"):
        train("tsp", epochs=2, resume=tiny_checkpoint / "checkpoints" / "last.ckpt", progress=False)
    with pytest.raises(InputError, match="Lightning checkpoint"):
        train(epochs=2, resume=tiny_checkpoint / "model.pt", progress=False)


@pytest.mark.parametrize("decode", ["greedy", "multistart", "augment", "sampling"])
def test_trained_checkpoint_solves_and_answer_is_scored(tiny_checkpoint, decode):
    p = routeopt.generate("cvrp", n=10, seed=7)
    r = routeopt.solve(p, solver="pomo", checkpoint=str(tiny_checkpoint / "model.pt"), decode=decode,
                       samples=8)
    assert r.status == Status.FEASIBLE and not r.violations
    assert r.objective == p.evaluate(r.solution).objective
    # rl4co's own cost uses unrounded distances; the instance rounds them (X convention)
    assert abs(r.objective - r.metadata["rl4co_cost"]) <= 0.5 * (p.num_clients + r.metadata["routes"])


def test_solve_batch(tiny_checkpoint):
    from routeopt.neural.solver import solve_batch

    ps = [routeopt.generate("cvrp", n=10, seed=s) for s in range(6)]
    results = solve_batch(ps, "pomo", checkpoint=str(tiny_checkpoint / "model.pt"), decode="multistart")
    assert [r.problem for r in results] == [p.name for p in ps]
    assert all(r.status == Status.FEASIBLE and r.metadata["batch"] == 6 for r in results)
    with pytest.raises(UnsupportedError, match="batches neural"):
        solve_batch(ps, "pyvrp")


def test_mismatched_checkpoint_gives_clear_error(tiny_checkpoint):
    path = str(tiny_checkpoint / "model.pt")
    with pytest.raises(UnsupportedError, match="trained on CVRP.*TSP instance"):
        routeopt.solve(routeopt.generate("tsp", n=10, seed=0), solver="pomo", checkpoint=path)
    with pytest.raises(UnsupportedError, match="far outside"):
        routeopt.solve(routeopt.generate("cvrp", n=60, seed=0), solver="pomo", checkpoint=path)
    with pytest.raises(UnsupportedError, match="use solver 'pomo'"):
        routeopt.solve(routeopt.generate("acvrp", n=10, seed=0), solver="matnet", checkpoint=path)
    with pytest.raises(UnsupportedError, match="does not support asymmetric"):
        routeopt.solve(routeopt.generate("acvrp", n=10, seed=0), solver="pomo", checkpoint=path)
    with pytest.raises(InputError, match="decode='beam' is not one of"):
        routeopt.solve(routeopt.generate("cvrp", n=10, seed=0), solver="pomo", checkpoint=path,
                       decode="beam")
    with pytest.raises(InputError, match="has no option 'ls'"):
        routeopt.solve(routeopt.generate("cvrp", n=10, seed=0), solver="pomo", checkpoint=path, ls="local")
    with pytest.raises(InputError, match="not found"):
        routeopt.solve(routeopt.generate("cvrp", n=10, seed=0), solver="pomo", checkpoint="nope.pt")
    with pytest.warns(UserWarning, match="poor answer"):
        r = routeopt.solve(routeopt.generate("cvrp", n=25, seed=0), solver="pomo", checkpoint=path)
    assert r.status == Status.FEASIBLE and "poor answer" in r.message


@pytest.mark.parametrize("kind, model, solver", [("tsp", "am", "am"), ("vrptw", "symnco", "symnco"),
                                                  ("atsp", "matnet", "matnet"), ("acvrp", "matnet", "matnet")])
def test_every_model_trains_and_solves(tmp_path, kind, model, solver):
    from routeopt.neural.train import train

    summary = train(kind, 8, model, epochs=1, batch_size=4, train_size=4, val_size=4, preset="tiny",
                    accelerator="cpu", out=tmp_path, progress=False)
    p = routeopt.generate(kind, n=8, seed=99)
    r = routeopt.solve(p, solver=solver, checkpoint=summary["export"], decode="augment")
    assert r.status == Status.FEASIBLE and not r.violations
    # equal up to float32 and, for VRPTW, the instance's one-decimal truncated distances
    slack = 0.1 * (p.num_nodes + r.metadata["routes"]) if kind == "vrptw" else 0.0
    assert r.objective == pytest.approx(r.metadata["rl4co_cost"], rel=1e-5, abs=slack + 1e-6)


@pytest.mark.parametrize("ls", ["pyvrp", "local"])
def test_pomo_ls_is_feasible_and_not_worse_than_its_seed(tiny_checkpoint, ls):
    p = routeopt.generate("cvrp", n=10, seed=3)
    r = routeopt.solve(p, solver="pomo+ls", checkpoint=str(tiny_checkpoint / "model.pt"), ls=ls,
                       time_limit=1.0)
    assert r.status == Status.FEASIBLE and not r.violations
    assert r.objective <= r.metadata["neural_objective"] + 1e-9
    assert r.metadata["ls"] == ls


# ----------------------------------------------------------------------------- shipped checkpoints
SHIPPED = sorted(ckpts.CHECKPOINT_DIR.glob("*.pt"))


def test_shipped_checkpoints_exist_small_and_tracked():
    names = {p.name for p in SHIPPED}
    assert {"pomo-tsp50.pt", "pomo-cvrp50.pt"} <= names
    assert all(p.stat().st_size < 5 * 2**20 for p in SHIPPED)
    assert (ckpts.CHECKPOINT_DIR / "README.md").is_file()
    git = shutil.which("git")
    if git and (ckpts.CHECKPOINT_DIR.parents[1] / ".git").exists():
        ignored = subprocess.run([git, "check-ignore", *map(str, SHIPPED)], capture_output=True, text=True,
                                 cwd=ckpts.CHECKPOINT_DIR)
        assert ignored.stdout == "", f"git ignores shipped checkpoints: {ignored.stdout}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_checkpoint_loads_and_solves(path):
    ckpt = ckpts.read(path)
    assert ckpt.meta["command"].startswith("routeopt train")
    generator = {"tsp": "tsp", "cvrp": "cvrp", "vrptw": "vrptw", "atsp": "atsp", "acvrp": "acvrp"}
    p = routeopt.generate(generator[ckpt.kind], n=ckpt.size, seed=12345)
    solver = "matnet" if ckpt.model == "matnet" else ckpt.model
    r = routeopt.solve(p, solver=solver, decode="greedy")          # the default checkpoint: this one
    assert r.metadata["checkpoint"] == str(path)
    assert r.status == Status.FEASIBLE and math.isfinite(r.objective)

"""Supervised training from teachers, for real on tiny instances: PyVRP labels generated TSPs, CVRPs
and VRPTWs; every label is the teacher's answer (scored again by the instance's own evaluate);
the augmentations keep labels valid; one supervised epoch writes a checkpoint that solves;
labelling and training resume; bad settings are refused in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import routeopt
import routeopt.cli.app as cli_app
from routeopt.errors import InputError
from routeopt.instances.generate import generate
from routeopt.neural import checkpoints as ckpts
from routeopt.neural import teacher as T
from routeopt.neural.convert import to_solution
from routeopt.neural.imitation import LabelledSet, _dihedral, augment_actions
from routeopt.neural.train import train

SIZE = 10


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """20 train + 4 val instances per kind, PyVRP 0.1 s each (two shards: 16 and 4)."""
    out = {}
    for kind in ("tsp", "cvrp", "vrptw"):
        folder = tmp_path_factory.mktemp(kind)
        settings = T.Settings(kind, SIZE, "pyvrp", 0.1, 0)
        summary = T.label(folder, settings, {"train": 20, "val": 4}, workers=1, progress=False)
        out[kind] = folder, settings, summary
    return out


@pytest.mark.parametrize("kind", ["tsp", "cvrp", "vrptw"])
def test_labels_are_the_teachers_feasible_answers(labelled, kind):
    folder, settings, summary = labelled[kind]
    assert summary["labelled"] + len(summary["failed"]) == 24 and summary["found"] == 0
    assert len(summary["failed"]) <= 2, summary["failed"]          # VRPTW: rounded windows, rarely
    data = T.load(folder, "train")
    assert len(data) >= 18
    planned = {s for part in T.seeds(settings, "train", 20) for s in part}
    assert set(data.seed.tolist()) <= planned
    for i in range(len(data)):
        p = generate(kind, n=SIZE, seed=int(data.seed[i]))
        sol = to_solution(p, data.actions[i, :data.lengths[i]], kind)
        ev = p.evaluate(sol)
        assert ev.feasible, ev
        assert ev.objective == pytest.approx(data.cost[i])
    # the splits never share an instance, and no seed is one the tests and benchmarks use
    val = T.load(folder, "val")
    assert not set(val.seed.tolist()) & set(data.seed.tolist())
    assert data.seed.min() >= T.SEED_LOW


def test_the_exact_teacher_labels_optimal_tours(tmp_path):
    settings = T.Settings("tsp", SIZE, "milp", 5.0, 0)
    summary = T.label(tmp_path, settings, {"train": 4, "val": 0}, workers=1, progress=False)
    assert summary["labelled"] == 4 and summary["proved"] == 4 and not summary["failed"]
    data = T.load(tmp_path, "train")
    for i in range(len(data)):
        p = generate("tsp", n=SIZE, seed=int(data.seed[i]))
        other = routeopt.solve(p, solver="pyvrp", time_limit=0.2, seed=1)     # no tour is shorter
        assert data.cost[i] <= p.evaluate(other.solution).objective + 1e-6
        assert p.evaluate(to_solution(p, data.actions[i, :data.lengths[i]], "tsp")).objective == \
            pytest.approx(data.cost[i])


@pytest.mark.parametrize("kind", ["tsp", "cvrp", "vrptw"])
def test_augmentations_keep_the_label_valid(labelled, kind):
    folder, _, _ = labelled[kind]
    data = T.load(folder, "train")
    rng = np.random.default_rng(0)
    xy = rng.random((7, 2))
    dist = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    for k in range(8):
        moved = _dihedral(xy, k)
        assert np.allclose(np.hypot(*(moved[:, None] - moved[None]).transpose(2, 0, 1)), dist)
        assert moved.min() >= 0 and moved.max() <= 1
    assert len({tuple(np.round(_dihedral(xy, k)[0], 9)) for k in range(8)}) == 8
    changed = 0
    for i in range(len(data)):
        p = generate(kind, n=SIZE, seed=int(data.seed[i]))
        a = augment_actions(kind, data.actions[i], int(data.lengths[i]), rng)
        assert a.shape == data.actions[i].shape
        changed += not np.array_equal(a, data.actions[i])
        ev = p.evaluate(to_solution(p, a, kind))
        assert ev.feasible and ev.objective == pytest.approx(data.cost[i], rel=1e-9, abs=1e-6)
    assert changed > len(data) // 2
    item = LabelledSet(data, kind, np.random.default_rng(1))[0]
    assert set(item) >= {"locs", "actions"}


def test_labelling_resumes_where_it_stopped_and_refuses_other_settings(labelled, tmp_path):
    folder, settings, _ = labelled["cvrp"]
    before = T.load(folder, "train")
    again = T.label(folder, settings, {"train": 20, "val": 4}, workers=1, progress=False)
    assert again["found"] == 24 and again["labelled"] == 0
    more = T.label(folder, settings, {"train": 24, "val": 4}, workers=1, progress=False)
    assert more["found"] == 24 and more["labelled"] + len(more["failed"]) == 4
    after = T.load(folder, "train")
    assert set(before.seed.tolist()) < set(after.seed.tolist())
    assert len(T.load(folder, "train", settings, 20)) == len(before)     # a smaller run takes its own
    other = T.Settings("cvrp", SIZE, "local", 0.1, 0)
    with pytest.raises(InputError, match="other settings: teacher 'pyvrp'"):
        T.label(folder, other, {"train": 20}, progress=False)


@pytest.fixture(scope="module")
def supervised(tmp_path_factory):
    out = tmp_path_factory.mktemp("sup") / "run"
    summary = train("cvrp", SIZE, "pomo", epochs=1, batch_size=8, train_size=16, val_size=8, preset="tiny",
                    lr=1e-3, out=out, progress=False, teacher="pyvrp", teacher_time=0.1, workers=2)
    return out, summary


def test_one_supervised_epoch_gives_a_checkpoint_that_solves(supervised):
    out, s = supervised
    assert s["teacher"] == "pyvrp" and s["teacher_time"] == 0.1 and s["global_step"] == 2
    assert s["labelling"]["train"] == 16 and s["labelling"]["val"] == 8 and s["labelling"]["workers"] == 2
    assert s["val_gap"] is not None and -50 < s["val_gap"] < 1e4          # greedy vs the teacher, in %
    assert np.isfinite(s["val_reward"]) and s["val_reward"] < 0
    assert (out / "teacher" / "manifest.json").is_file() and (out / "checkpoints" / "last.ckpt").is_file()
    p = routeopt.generate("cvrp", n=SIZE, seed=5)
    for decode in ("greedy", "augment"):
        r = routeopt.solve(p, solver="pomo", checkpoint=str(out / "model.pt"), decode=decode, time_limit=10)
        assert r.solution is not None and p.evaluate(r.solution).feasible
        assert r.objective == pytest.approx(p.evaluate(r.solution).objective)
    meta = ckpts.read(out / "model.pt").meta
    assert meta["teacher"] == "pyvrp" and meta["labelling"]["train"] == 16


def test_resume_continues_the_same_supervised_run(supervised):
    out, first = supervised
    s = train(epochs=2, resume=out / "checkpoints" / "last.ckpt", progress=False)
    assert s["global_step"] == 2 * first["global_step"] and s["teacher"] == "pyvrp"
    assert s["labelling"]["seconds"] < 5 and s["labelling"]["train"] == 16      # nothing labelled again
    with pytest.raises(InputError, match="does not match the checkpoint"):
        train(epochs=3, resume=out / "checkpoints" / "last.ckpt", teacher="local", progress=False)


def test_a_failed_run_keeps_its_labels(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(InputError, match="before its first step"):
        train("tsp", SIZE, "pomo", epochs=1, batch_size=4, train_size=4, val_size=4, preset="tiny",
              out=out, progress=False, teacher="pyvrp", teacher_time=0.1, workers=1, max_time=1e-9)
    assert sorted(p.name for p in out.iterdir()) == ["teacher"]
    assert len(T.load(out / "teacher", "train")) == 4
    again = T.label(out / "teacher", T.Settings("tsp", SIZE, "pyvrp", 0.1, 0), {"train": 4, "val": 4},
                    progress=False)
    assert again["found"] == 8


@pytest.mark.parametrize("args, message", [
    (["--teacher-time", "1"], "--teacher-time applies to supervised training; give --teacher too"),
    (["--teacher", "hgs"], "--teacher"),
    (["--teacher", "local", "--teacher-time", "0"], "--teacher-time must be a positive number"),
    (["--teacher", "local", "--problem", "atsp", "--model", "matnet"], "supervised training takes tsp, cvrp, vrptw"),
    (["--teacher", "local", "--model", "symnco"], "--teacher trains the pomo or am network"),
    (["--teacher", "local", "--num-starts", "4"], "--num-starts applies to RL training"),
    (["--teacher", "local", "--workers", "0"], "--workers"),
])
def test_bad_teacher_options_are_one_line_errors(tmp_path, args, message):
    result = CliRunner().invoke(cli_app.app, ["train", "--size", "10", "--out", str(tmp_path / "r"), *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not (tmp_path / "r").exists()


def test_cli_supervised_run_prints_the_teacher(tmp_path):
    out = tmp_path / "r"
    result = CliRunner().invoke(cli_app.app, [
        "train", "--problem", "tsp", "--size", str(SIZE), "--preset", "tiny", "--batch-size", "4",
        "--train-size", "4", "--val-size", "4", "--teacher", "pyvrp", "--teacher-time", "0.1",
        "--workers", "1", "--out", str(out), "--no-progress", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["teacher"] == "pyvrp" and summary["labelling"]["train"] == 4
    assert (out / "model.pt").is_file()


def test_rl_fine_tuning_starts_from_the_supervised_weights(supervised, tmp_path):
    out, _ = supervised
    s = train(size=SIZE, model="pomo", epochs=1, batch_size=4, train_size=8, val_size=4, lr=1e-12,
              num_starts=4, init=out / "model.pt", out=tmp_path / "rl", progress=False)
    assert s["problem"] == "cvrp" and s["preset"] == "tiny" and s["teacher"] is None
    assert s["init"]["teacher"] == "pyvrp" and s["init"]["path"] == str((out / "model.pt").resolve())
    start, tuned = ckpts.read(out / "model.pt").state_dict, ckpts.read(tmp_path / "rl" / "model.pt").state_dict
    assert start.keys() == tuned.keys()
    assert all(np.allclose(start[k].numpy(), tuned[k].numpy(), atol=1e-6) for k in start)   # lr ~ 0
    with pytest.raises(InputError, match="holds a cvrp model, not tsp"):
        train("tsp", SIZE, init=out / "model.pt", out=tmp_path / "x", progress=False)
    with pytest.raises(InputError, match="give one of them"):
        train(epochs=5, init=out / "model.pt", resume=out / "checkpoints" / "last.ckpt", progress=False)

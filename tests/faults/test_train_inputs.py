"""``routeopt train`` and the neural solvers: every bad value refused where it enters (one line,
exit 2, nothing written), outputs that are not ours never touched, failed runs cleaned up, Ctrl-C
obeyed with the last checkpoint kept, resumed runs continuing in their own folder, checkpoints
loaded before the clock starts, and checkpoints that do not fit refused by name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")
pytest.importorskip("rl4co")

import routeopt  # noqa: E402
from routeopt.cli.app import app  # noqa: E402
from routeopt.errors import InputError  # noqa: E402
from routeopt.neural import checkpoints as ckpts  # noqa: E402
from tests.conftest import one_line_error  # noqa: E402

TINY = ["--problem", "cvrp", "--size", "10", "--model", "pomo", "--preset", "tiny", "--epochs", "1",
        "--batch-size", "4", "--train-size", "8", "--val-size", "4", "--accelerator", "cpu",
        "--threads", "1", "--no-progress"]


def invoke(*args):
    return CliRunner().invoke(app, ["train", *[str(a) for a in args]])


def tiny(**changes) -> list[str]:
    """TINY with some options replaced (value None: dropped)."""
    args, out = list(TINY), []
    i = 0
    while i < len(args):
        key = args[i]
        takes = i + 1 < len(args) and not args[i + 1].startswith("--")
        name = key[2:].replace("-", "_")
        if name in changes:
            if changes[name] is not None:
                out += [key, str(changes.pop(name))]
            else:
                changes.pop(name)
        else:
            out += args[i:i + 2] if takes else [key]
        i += 2 if takes else 1
    for name, value in changes.items():
        out += [f"--{name.replace('_', '-')}", str(value)]
    return out


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """An empty current folder, so that a default output (runs/...) would show up in it."""
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    return here


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A tiny real run (two steps) whose folder the tests below resume or copy from."""
    from routeopt.neural.train import train

    out = tmp_path_factory.mktemp("run") / "run"
    train("cvrp", 10, "pomo", epochs=1, batch_size=4, train_size=8, val_size=4, preset="tiny",
          accelerator="cpu", threads=1, out=out, progress=False)
    return out


# ----------------------------------------------------------------------------- 1. --max-time
@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf"])
def test_max_time_must_be_a_positive_finite_number(workdir, value):
    one_line_error(invoke(*tiny(max_time=value)), "--max-time")
    assert not any(workdir.iterdir())                   # no untrained model, no run folder


# ----------------------------------------------------------------------------- 2. every value
BAD_VALUES = [
    ({"lr": "-1"}, "--lr"), ({"lr": "nan"}, "--lr"), ({"lr": "0"}, "--lr"), ({"lr": "inf"}, "--lr"),
    ({"precision": "7-bit"}, "--precision"), ({"size": "100000000"}, "GiB"), ({"size": "1"}, "--size"),
    ({"epochs": "0"}, "--epochs"), ({"batch_size": "0"}, "--batch-size"), ({"train_size": "0"}, "--train-size"),
    ({"val_size": "-3"}, "--val-size"), ({"num_starts": "1"}, "--num-starts"),
    ({"num_starts": "11"}, "--num-starts"), ({"accelerator": "tpu"}, "--accelerator"),
    ({"devices": "0"}, "--devices"), ({"devices": "many"}, "--devices"), ({"devices": "100000"}, "--devices"),
    ({"seed": "-1"}, "--seed"), ({"seed": str(2**32)}, "--seed"), ({"threads": "0"}, "--threads"),
    ({"max_steps": "0"}, "--max-steps"), ({"max_steps": "-7"}, "--max-steps"), ({"problem": "cvpr"}, "--problem"),
    ({"model": "pomoo"}, "--model"), ({"preset": "huge"}, "--preset"), ({"data": "web"}, "--data"),
    ({"model": "matnet"}, "--model"), ({"data": "rl4co", "problem": "vrptw"}, "--data"),
    ({"precision": "16-mixed"}, "--precision"), ({"problem": "atsp", "model": "matnet", "size": "500"}, "--size"),
    ({"model": "am", "num_starts": "4"}, "--num-starts"),
]


@pytest.mark.parametrize("changes,word", BAD_VALUES, ids=[" ".join(f"{k}={v}" for k, v in c.items())
                                                         for c, _ in BAD_VALUES])
def test_every_value_is_checked_where_it_enters(workdir, changes, word):
    start = time.perf_counter()
    one_line_error(invoke(*tiny(**changes)), word)
    assert not any(workdir.iterdir())
    assert time.perf_counter() - start < 30              # refused up front, not after a run


def test_a_size_too_large_is_refused_with_an_estimate(workdir):
    line = one_line_error(invoke(*tiny(size=100_000_000)), "--size", "needs about", "ROUTEOPT_MAX_MEMORY")
    assert "CVRP100000000" in line


# ----------------------------------------------------------------------------- 3. --out, --export
def test_out_that_is_not_ours_is_refused_before_training(workdir, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    one_line_error(invoke(*tiny(out=a_file)), "--out", "file")
    assert a_file.read_text() == "mine"
    one_line_error(invoke(*tiny(out=a_file / "run")), "--out")
    busy = tmp_path / "project"
    busy.mkdir()
    (busy / "thesis.tex").write_text("chapter 1")
    one_line_error(invoke(*tiny(out=busy)), "--out", "thesis.tex")
    assert [p.name for p in busy.iterdir()] == ["thesis.tex"]
    one_line_error(invoke(*tiny(out="/proc/routeopt-run")), "--out")
    if os.geteuid() != 0:                                 # root writes through permissions
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            one_line_error(invoke(*tiny(out=locked / "run")), "--out", "not writable")
        finally:
            locked.chmod(0o700)
    other = tmp_path / "weights.pt"
    other.write_bytes(b"someone else's weights")
    one_line_error(invoke(*tiny(out=tmp_path / "new", export=other)), "--export")
    assert other.read_bytes() == b"someone else's weights"
    assert not (tmp_path / "new").exists() and not any(workdir.iterdir())


# ----------------------------------------------------------------------------- 4. cleanup
def test_a_failed_run_removes_what_it_created_and_only_that(tmp_path, monkeypatch):
    import routeopt.neural.train as neural_train

    def broken(*args, **kwargs):
        raise InputError("the model could not be built")

    monkeypatch.setattr(neural_train, "build_model", broken)
    fresh = tmp_path / "a" / "b" / "run"
    one_line_error(invoke(*tiny(out=fresh)), "could not be built")
    assert not (tmp_path / "a").exists()
    old = tmp_path / "old-run"                            # an earlier run's folder: kept as it was
    (old / "checkpoints").mkdir(parents=True)
    (old / "model.pt").write_bytes(b"earlier model")
    (old / "checkpoints" / "last.ckpt").write_bytes(b"earlier checkpoint")
    one_line_error(invoke(*tiny(out=old)), "could not be built")
    assert sorted(str(p.relative_to(old)) for p in old.rglob("*")) == [
        "checkpoints", "checkpoints/last.ckpt", "model.pt"]
    assert (old / "model.pt").read_bytes() == b"earlier model"


# ----------------------------------------------------------------------------- 5. Ctrl-C
def test_ctrl_c_stops_cleanly_keeps_the_last_checkpoint_and_exits_130(tmp_path):
    out = tmp_path / "run"
    args = tiny(epochs=100_000, train_size=8, max_time=300, out=out)
    proc = subprocess.Popen([sys.executable, "-m", "routeopt", "train", *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    last = out / "checkpoints" / "last.ckpt"
    deadline = time.monotonic() + 240
    while not last.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert time.monotonic() - sent < 30
    assert proc.returncode == 130, stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "interrupted" in errors[0] and str(last) in errors[0], stderr
    assert "Traceback" not in stderr and not stdout.strip()
    kept = ckpts.read(last)
    assert kept.lightning and kept.meta["global_step"] > 0


# ----------------------------------------------------------------------------- 6. resume
def test_resume_alone_continues_in_the_runs_own_folder(trained, tmp_path, workdir):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(trained, run)
    before = ckpts.read(run / "model.pt").meta["global_step"]
    result = invoke("--resume", run / "checkpoints" / "last.ckpt", "--epochs", 2, "--accelerator", "cpu",
                    "--threads", 1, "--no-progress")
    assert result.exit_code == 0, result.output
    assert not any(workdir.iterdir())                     # nothing in runs/ of the current folder
    assert ckpts.read(run / "model.pt").meta["global_step"] == before + 2
    assert ckpts.read(run / "checkpoints" / "last.ckpt").meta["global_step"] == before + 2


# ----------------------------------------------------------------------------- 7. prepare()
def test_prepare_loads_the_shipped_checkpoint_so_the_solve_only_decodes(monkeypatch):
    from routeopt.neural import inference, models
    from routeopt.neural.solver import POMOSolver

    POMOSolver.prepare()

    def no_loading(*args, **kwargs):
        raise AssertionError("the network was built inside the timed solve")

    monkeypatch.setattr(models, "build_policy", no_loading)
    monkeypatch.setattr(torch, "load", no_loading)
    p = routeopt.generate("cvrp", n=50, seed=0)
    start = time.perf_counter()
    r = routeopt.solve(p, solver="pomo", time_limit=1, seed=0)
    assert r.status.value == "FEASIBLE", r.message
    assert time.perf_counter() - start < 5
    assert any("pomo-cvrp50" in key[0] for key in inference._POLICIES)


# ----------------------------------------------------------------------------- 8. bad checkpoints
def test_a_checkpoint_that_does_not_fit_is_a_one_line_input_error(tmp_path):
    data = torch.load(ckpts.CHECKPOINT_DIR / "pomo-cvrp50.pt", map_location="cpu", weights_only=True)
    name = next(iter(data["state_dict"]))
    data["state_dict"][name] = torch.zeros(3, 3)
    data["routeopt"]["created"] = "reshaped"
    bad = tmp_path / "reshaped.pt"
    torch.save(data, bad)
    p = routeopt.generate("cvrp", n=50, seed=0)
    with pytest.raises(InputError, match="does not match the pomo model") as err:
        routeopt.solve(p, solver="pomo", time_limit=1, checkpoint=str(bad))
    assert str(bad) in str(err.value) and "\n" not in str(err.value) and name in str(err.value)
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes((ckpts.CHECKPOINT_DIR / "pomo-cvrp50.pt").read_bytes()[:5000])
    with pytest.raises(InputError, match="not a readable checkpoint") as err:
        routeopt.solve(p, solver="pomo", time_limit=1, checkpoint=str(corrupt))
    assert str(corrupt) in str(err.value) and "\n" not in str(err.value)
    result = CliRunner().invoke(app, ["solve", "--generate", "cvrp", "-p", "n=50", "-s", "pomo", "-t", "1",
                                      "-O", f"checkpoint={bad}"])
    one_line_error(result, "does not match the pomo model", str(bad))

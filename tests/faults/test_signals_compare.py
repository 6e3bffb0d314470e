"""Trust, for real: solvers stopped by SIGINT/SIGTERM return their best answer; a compare run that is
terminated or killed leaves no helper process behind; bad numbers, foreign or missing databases and
outputs that would replace an instance are refused before anything runs, without touching a byte;
a solver that cannot even prepare costs its own cells; progress curves end at the reported
objective; warnings are one line each."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import routeopt
import routeopt.cli.app as cli_app
from routeopt.errors import InputError, UnknownSolverError
from routeopt.instances.generate import generate
from routeopt.instances.io import save
from routeopt.solvers.compare import compare

TESTS = Path(__file__).resolve().parents[1]
FAULTY = TESTS / "faulty_solvers.py"
PY = sys.executable
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def spec(name: str) -> str:
    return f"{FAULTY}:{name}"


def run(*args):
    return CliRunner().invoke(cli_app.app, [str(a) for a in args])


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(TESTS.parent.parent), e.get("PYTHONPATH", "")])
    return e


# ------------------------------------------------------------------ SIGINT / SIGTERM stop every solver
SOLVE_SCRIPT = """
import json, sys, time, routeopt
from routeopt.solvers.registry import solver_class
solver = sys.argv[1]
solver_class(solver).prepare()
p = routeopt.generate("cvrp", n=150, seed=0)
print("ready", flush=True)
r = routeopt.solve(p, solver=solver, time_limit=1e6)
print(json.dumps({"status": str(r.status), "message": r.message, "objective": r.objective,
                  "interrupted": r.metadata.get("interrupted"), "runtime": r.runtime,
                  "stopped_in": r.runtime - r.metadata.get("interrupted_after", 0.0)}), flush=True)
"""


def stop_solver(tmp_path: Path, solver: str, sig: signal.Signals, after: float = 2.0) -> tuple[float, dict]:
    """Send ``sig`` to a solve ``after`` seconds in; return the seconds until the process ended and
    its answer. ``stopped_in`` in the answer is the solver's own time from the signal to its return,
    measured in the process (the process's exit and the machine's load are not in it)."""
    script = tmp_path / "solve.py"
    script.write_text(SOLVE_SCRIPT)
    proc = subprocess.Popen([PY, str(script), solver], stdout=subprocess.PIPE, text=True, env=env())
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(after)
        sent = time.perf_counter()
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=20)
        took = time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    return took, json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("solver", ["ortools", "pyvrp", "local", "vrp-milp"])     # vrp-milp: mode bound at 150 clients
def test_sigint_stops_each_solver_within_a_second_with_its_best_answer(tmp_path, solver):
    took, result = stop_solver(tmp_path, solver, signal.SIGINT)
    assert result["stopped_in"] < 1.0, f"{solver} took {result['stopped_in']:.2f} s to stop"
    assert took < 10, f"{solver}'s process took {took:.2f} s to end"
    assert result["status"] == "FEASIBLE" and result["objective"] > 0
    assert result["interrupted"] == "SIGINT" and "interrupted by SIGINT after" in result["message"]


BOUND_SCRIPT = """
import json, os, signal, threading, routeopt
from routeopt.solvers.registry import solver_class
solver_class("vrp-milp").prepare()
p = routeopt.generate("cvrp", n=150, seed=0)
threading.Timer(6.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
r = routeopt.solve(p, solver="vrp-milp", time_limit=40)     # local 2 s, then the column generation
print(json.dumps({"status": str(r.status), "objective": r.objective, "bound": r.bound,
                  "interrupted": r.metadata.get("interrupted"), "message": r.message,
                  "stopped_in": r.runtime - r.metadata.get("interrupted_after", 0.0)}), flush=True)
"""


def test_sigint_in_the_column_generation_returns_the_bound_so_far(tmp_path):
    script = tmp_path / "bound.py"
    script.write_text(BOUND_SCRIPT)
    out = subprocess.run([PY, str(script)], capture_output=True, text=True, env=env(), timeout=120)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["stopped_in"] < 1.0, result
    assert result["status"] == "FEASIBLE" and result["interrupted"] == "SIGINT"
    assert result["bound"] is not None and 0 < result["bound"] <= result["objective"], result


def test_sigterm_stops_ortools_too(tmp_path):
    took, result = stop_solver(tmp_path, "ortools", signal.SIGTERM, after=1.0)
    assert result["stopped_in"] < 1.0 and took < 10
    assert result["status"] == "FEASIBLE" and result["interrupted"] == "SIGTERM"


def test_cli_solve_interrupted_prints_the_answer_so_far_and_exits_130(tmp_path):
    instance, out = tmp_path / "a.vrp", tmp_path / "answer.sol"
    save(generate("cvrp", n=150, seed=0), instance)
    proc = subprocess.Popen([PY, "-m", "routeopt", "solve", str(instance), "-s", "ortools", "-t", "2000000",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**env(), "COLUMNS": "200"})
    try:
        time.sleep(4.0)
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
        took = time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (stdout, stderr)
    assert took < 1.5
    assert "interrupted" in stdout and "FEASIBLE" in stdout
    assert "Traceback" not in stderr


# ------------------------------------------------------------------ numbers checked where they enter
@pytest.mark.parametrize("kwargs, needle", [
    ({"time_limit": 1e300}, "30 days"),
    ({"time_limit": float("nan")}, "time_limit must be a positive number"),
    ({"grace": -1}, "grace must be a number of seconds, 0 or more"),
    ({"grace": float("inf")}, "grace must be"),
    ({"memory_limit": -5}, "memory_limit must be a number of MiB"),
    ({"memory_limit": float("nan")}, "memory_limit must be"),
    ({"threads": 0}, "threads must be a whole number"),
    ({"threads": 10**6}, "threads must be a whole number"),
    ({"workers": 2.5}, "workers must be a whole number"),
    ({"seeds": 0}, "seeds must be a whole number"),
    ({"seeds": [-1]}, "seeds must be whole numbers from 0"),
    ({"seeds": [2**40]}, "seeds must be whole numbers from 0"),
])
def test_compare_api_refuses_bad_numbers_before_running(tmp_path, kwargs, needle):
    db = tmp_path / "r.db"
    with pytest.raises(InputError, match=needle) as info:
        compare([generate("cvrp", n=5, seed=0)], [spec("Steady")], progress=False, db=db,
                **{"time_limit": 1, **kwargs})
    assert "\n" not in str(info.value)
    assert not db.exists()


@pytest.mark.parametrize("args, needle", [
    (["--grace", "-1"], "--grace must be a number of seconds, 0 or more"),
    (["--memory-limit", "-100"], "--memory-limit must be a number of MiB"),
    (["-t", "1e300"], "30 days"),
    (["--grace", "nan"], "--grace must be"),
])
def test_cli_compare_refuses_bad_numbers(tmp_path, args, needle):
    save(generate("cvrp", n=5, seed=0), tmp_path / "a.vrp")
    db = tmp_path / "r.db"
    line = one_error_line(run("compare", tmp_path / "a.vrp", "-s", spec("Steady"), "--db", db, *args))
    assert needle in line
    assert not db.exists()


# ------------------------------------------------------------------ a killed compare leaves nothing behind
def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@linux
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_terminated_or_killed_compare_takes_the_solvers_helpers_down(tmp_path, sig):
    instance, pid_file, db = tmp_path / "a.vrp", tmp_path / "pids", tmp_path / "r.db"
    save(generate("cvrp", n=5, seed=0), instance)
    proc = subprocess.Popen([PY, "-m", "routeopt", "compare", str(instance), "-s", spec("Spawner"),
                             "-O", f"spawner.pid_file={pid_file}", "-t", "120", "--db", str(db), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env())
    try:
        deadline = time.time() + 60
        while not pid_file.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert pid_file.exists(), proc.stderr.read() if proc.poll() is not None else "no helpers started"
        helpers = [int(x) for x in pid_file.read_text().split()]
        assert all(_alive(p) for p in helpers)
        proc.send_signal(sig)
        proc.wait(timeout=20)
        deadline = time.time() + 5
        while any(_alive(p) for p in helpers) and time.time() < deadline:
            time.sleep(0.05)
        survivors = [p for p in helpers if _alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in [int(x) for x in pid_file.read_text().split()] if pid_file.exists() else []:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert not survivors, f"helper processes {survivors} outlived the compare run"
    if sig == signal.SIGTERM:
        assert proc.returncode == 130 and "interrupted" in proc.stderr.read().decode()


# ------------------------------------------------------------------ files that are not ours
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _foreign(kind: str, path: Path) -> None:
    if kind == "text":
        path.write_text("name,score\nada,3\n")
        return
    db = sqlite3.connect(path)
    if kind == "sqlite":
        db.execute("CREATE TABLE people (name TEXT, score INTEGER)")
        db.execute("INSERT INTO people VALUES ('ada', 3)")
    else:   # someone else's 'runs' table
        db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, started REAL)")
    db.commit()
    db.close()


@pytest.mark.parametrize("kind", ["sqlite", "runs", "text"])
def test_foreign_db_is_refused_and_left_byte_for_byte(tmp_path, kind):
    folder = tmp_path / "data"
    folder.mkdir()
    _foreign(kind, folder / "other.db")
    instance = tmp_path / "a.vrp"
    save(generate("cvrp", n=5, seed=0), instance)
    before = _snapshot(folder)
    for args in ([instance, "-s", spec("Steady")], []):           # a run, and a report of the file
        line = one_error_line(run("compare", *args, "--db", folder / "other.db"))
        assert "not a routeopt results database" in line and "other.db" in line
        assert _snapshot(folder) == before                          # no -wal, no -shm, not a byte
    with pytest.raises(InputError, match="not a routeopt results database"):
        compare([instance], [spec("Steady")], db=folder / "other.db", progress=False)
    assert _snapshot(folder) == before


def test_db_in_a_missing_folder_says_so(tmp_path):
    save(generate("cvrp", n=5, seed=0), tmp_path / "a.vrp")
    line = one_error_line(run("compare", tmp_path / "a.vrp", "-s", spec("Steady"), "--db",
                              tmp_path / "nowhere" / "r.db"))
    assert "folder" in line and "does not exist" in line and "not a routeopt" not in line
    assert not (tmp_path / "nowhere").exists()


def test_own_db_still_resumes(tmp_path):
    problems = [generate("cvrp", n=6, seed=0)]
    db = tmp_path / "r.db"
    first = compare(problems, [spec("Steady")], time_limit=1, db=db, progress=False)
    again = compare(problems, [spec("Steady")], time_limit=1, db=db, progress=False)
    assert [r["key"] for r in first.rows] == [r["key"] for r in again.rows]
    assert [r["finished_at"] for r in first.rows] == [r["finished_at"] for r in again.rows]


# ------------------------------------------------------------------ outputs never replace inputs
@pytest.mark.parametrize("option", ["--json", "--csv", "--markdown", "--plot", "--db"])
def test_output_equal_to_an_instance_is_refused(tmp_path, option):
    suffix = {"--json": ".json", "--csv": ".csv", "--markdown": ".md", "--plot": ".png", "--db": ".json"}[option]
    folder = tmp_path / "set"
    folder.mkdir()
    instance = folder / f"g{suffix}" if suffix == ".json" else folder / "g.json"
    save(generate("cvrp", n=5, seed=0), instance)
    target = instance
    if suffix != ".json":                       # the same file reached through a symbolic link
        target = tmp_path / f"link{suffix}"
        target.symlink_to(instance)
    before = instance.read_bytes()
    line = one_error_line(run("compare", folder, "-s", spec("Steady"), option, target))
    assert "would overwrite the input file" in line and option in line
    assert instance.read_bytes() == before


def test_api_db_equal_to_an_instance_is_refused(tmp_path):
    instance = tmp_path / "g.json"
    save(generate("cvrp", n=5, seed=0), instance)
    before = instance.read_bytes()
    with pytest.raises(InputError, match="would overwrite the input file"):
        compare([tmp_path], [spec("Steady")], db=instance, progress=False)
    assert instance.read_bytes() == before


# ------------------------------------------------------------------ a solver that cannot prepare
def test_failing_prepare_costs_its_own_cells(tmp_path):
    problems = [generate("cvrp", n=6, seed=s) for s in range(2)]
    report = compare(problems, [spec("Steady"), spec("BadCheckpoint")], time_limit=1, db=tmp_path / "r.db",
                     progress=False)
    cells = {(r["instance"], r["solver"]): r for r in report.rows}
    assert len(cells) == 4
    for p in problems:
        assert cells[(p.name, "steady")]["status"] == "FEASIBLE"
        bad = cells[(p.name, "badcheckpoint")]
        assert bad["status"] == "ERROR" and "size mismatch" in bad["message"] and "\n" not in bad["message"]


def test_solver_file_with_a_syntax_error_is_a_one_line_input_error(tmp_path):
    bad = tmp_path / "mysolver.py"
    bad.write_text("from routeopt.solvers.base import Solver\n\nclass Mine(Solver)\n    name = 'mine'\n")
    save(generate("cvrp", n=5, seed=0), tmp_path / "a.vrp")
    line = one_error_line(run("compare", tmp_path / "a.vrp", "-s", f"{bad}:Mine"))
    assert f"{bad}:3" in line and "syntax" in line
    with pytest.raises(UnknownSolverError, match="mysolver.py:3"):
        compare([tmp_path / "a.vrp"], [f"{bad}:Mine"], progress=False)


# ------------------------------------------------------------------ progress ends at the objective
@pytest.mark.parametrize("solver, kind", [("pyvrp", "pvrp"), ("ortools", "pvrp"), ("local", "vrptw"),
                                          ("local", "cvrp")])
def test_last_progress_point_is_the_reported_objective(solver, kind):
    problem = routeopt.generate(kind, n=30, seed=0)
    result = routeopt.solve(problem, solver=solver, time_limit=1, seed=0)
    assert result.status.value == "FEASIBLE"
    progress = result.metadata["progress"]
    assert progress and all(b[1] <= a[1] + 1e-9 for a, b in zip(progress, progress[1:]))
    assert math.isclose(progress[-1][1], result.objective, rel_tol=1e-6), (progress[-1], result.objective)


def test_compare_pvrp_curve_and_table_agree():
    problem = routeopt.generate("pvrp", n=30, seed=0)
    report = compare([problem], ["pyvrp", "ortools"], time_limit=1, progress=False)
    for row in report.rows:
        assert row["status"] == "FEASIBLE"
        assert math.isclose(row["progress"][-1][1], row["objective"], rel_tol=1e-6), row["solver"]


# ------------------------------------------------------------------ warnings: one line each
def test_warnings_are_one_line_each_and_kept_in_the_row(tmp_path):
    save(generate("cvrp", n=5, seed=0), tmp_path / "a.vrp")
    db = tmp_path / "r.db"
    proc = subprocess.run([PY, "-m", "routeopt", "compare", str(tmp_path / "a.vrp"), "-s", spec("Warner"),
                           "-t", "1", "--db", str(db), "-q"], capture_output=True, text=True, env=env(),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert any(ln.startswith("warning: UserWarning: compiled kernels are stale: recompiling") for ln in lines)
    assert all(ln.startswith("warning: ") for ln in lines), proc.stderr   # no continuation lines
    row = sqlite3.connect(db).execute("SELECT status, message FROM runs").fetchone()
    assert row[0] == "FEASIBLE"
    assert "RuntimeWarning: Mean of empty slice" in row[1] and "penalty bound is too small: raise it" in row[1]
    assert "\n" not in row[1]

"""The comparator, run for real: solver processes that crash, hang, lie or eat memory; a compare run
killed with SIGKILL and resumed; the same grid on local processes and on Ray; a real SQLite file;
every stored answer re-scored here by ``problem.evaluate``."""

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
from routeopt.instances.io import load, save
from routeopt.instances.generate import generate
from routeopt.solvers.compare import compare
from routeopt.solvers.compare.plots import profile_ratios
from routeopt.solvers.compare.report import Report
from routeopt.solvers.compare.store import ResultStore
from tests.conftest import shared

FAULTY = Path(__file__).resolve().parent / "faulty_solvers.py"


def spec(name: str) -> str:
    return f"{FAULTY}:{name}"


def small_problems(count: int = 2, n: int = 12):
    return [generate("cvrp", n=n, seed=s) for s in range(count)]


def rows_by_cell(report: Report) -> dict[tuple[str, str, int], dict]:
    return {(r["instance"], r["solver"], r["seed"]): r for r in report.rows}


def assert_scored(problems, report: Report) -> None:
    """Every stored answer evaluates, here, to the stored objective and status."""
    by_name = {p.name: p for p in problems}
    for row in report.rows:
        if row["solution"] is None:
            assert row["objective"] is None and row["status"] not in ("OPTIMAL", "FEASIBLE")
            continue
        problem = by_name[row["instance"]]
        ev = problem.evaluate(problem.solution_from_dict(row["solution"]))
        assert math.isclose(ev.objective, row["objective"], rel_tol=1e-9)
        assert (row["status"] == "INFEASIBLE") == bool(ev.violations), row


# ------------------------------------------------------------------ faults cost one cell each
def test_faulty_solvers_cost_one_cell_each(tmp_path):
    problems = small_problems()
    solvers = ["pyvrp", spec("Crash"), spec("Hang"), spec("Infeasible"), spec("Raising"), spec("Steady")]
    report = compare(problems, solvers, time_limit=1, grace=1.5, workers=3, db=tmp_path / "r.db",
                     progress=False, options={"pyvrp": {"iterations": 300}})
    cells = rows_by_cell(report)
    assert len(report.rows) == len(problems) * len(solvers)
    for p in problems:
        good = cells[(p.name, "pyvrp", 0)]
        assert good["status"] == "FEASIBLE" and good["violations"] is None
        assert cells[(p.name, "steady", 0)]["status"] == "FEASIBLE"
        crash = cells[(p.name, "crash", 0)]
        assert crash["status"] == "ERROR" and "SIGSEGV" in crash["message"]
        hang = cells[(p.name, "hang", 0)]
        assert hang["status"] == "TIMEOUT" and "1 s limit plus 1.5 s grace" in hang["message"]
        assert 2.4 <= hang["runtime"] < 10
        bug = cells[(p.name, "raising", 0)]
        assert bug["status"] == "ERROR" and "ZeroDivisionError: bug in the solver" in bug["message"]
        liar = cells[(p.name, "infeasible", 0)]
        assert liar["status"] == "INFEASIBLE" and "not visited" in liar["violations"][0]
        assert "solver claimed 1" in liar["message"] and liar["gap"] is None
        # never ranked: pyvrp is the best of the row
        assert report.cell(p.name, "pyvrp")["best"] and not report.cell(p.name, "infeasible").get("best")
    summary = report.summary().set_index("solver")
    assert summary.loc["infeasible", "wins"] == 0 and summary.loc["infeasible", "infeasible"] == 2
    assert summary.loc["hang", "timeout"] == 2 and summary.loc["crash", "error"] == 2
    assert summary.loc["pyvrp", "wins"] == 2 and summary.loc["pyvrp", "feasible"] == 2
    assert math.isinf(profile_ratios(report)["crash"][0]) and profile_ratios(report)["pyvrp"] == [1.0, 1.0]
    assert_scored(problems, report)


def test_memory_hog_is_stopped_by_the_memory_limit():
    problems = small_problems(1)
    report = compare(problems, [spec("Hog"), "pyvrp"], time_limit=3, memory_limit=1500, progress=False,
                     options={"pyvrp": {"iterations": 200}})
    cells = rows_by_cell(report)
    hog = cells[(problems[0].name, "hog", 0)]
    assert hog["status"] == "ERROR" and "out of memory" in hog["message"] and "1500 MiB" in hog["message"]
    assert cells[(problems[0].name, "pyvrp", 0)]["status"] == "FEASIBLE"


# ------------------------------------------------------------------ resume after SIGKILL
def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        try:
            return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_mid_run_then_resume_equals_uninterrupted_run(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    for s in range(4):
        save(generate("cvrp", n=10 + s, seed=s), folder / f"c{s}.vrp")
    db = tmp_path / "killed.db"
    args = [sys.executable, "-m", "routeopt", "compare", str(folder / "*.vrp"),
            "--solvers", f"{spec('Steady')},pyvrp", "-O", "steady.delay=0.8", "-O", "pyvrp.iterations=150",
            "--seeds", "2", "--time-limit", "5", "--workers", "2", "--quiet"]
    total = 4 * 2 * 2
    proc = subprocess.Popen(args + ["--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while _count(db) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    kids = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _count(db)
    assert 4 <= stored < total, "the run should have been killed mid-way"
    gone = time.time() + 15
    while [k for k in kids if _alive(k)] and time.time() < gone:
        time.sleep(0.1)
    assert kids and not [k for k in kids if _alive(k)], "cell processes must die with the compare run"

    resumed = subprocess.run(args + ["--db", str(db)], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    with sqlite3.connect(db) as con:
        keys = [k for (k,) in con.execute("SELECT key FROM runs")]
    assert len(keys) == total == len(set(keys))

    problems = [load(folder / f"c{s}.vrp") for s in range(4)]
    again = compare([folder / "*.vrp"], [spec("Steady"), "pyvrp"], seeds=2, time_limit=5, progress=False,
                    db=tmp_path / "straight.db", workers=2,
                    options={"steady": {"delay": 0.8}, "pyvrp": {"iterations": 150}})
    with ResultStore(db) as store:
        killed = Report(store.rows(), [p.name for p in problems], ["steady", "pyvrp"], time_limit=5)
    project = ["status", "objective", "gap", "solution", "instance_hash"]
    a, b = rows_by_cell(killed), rows_by_cell(again)
    assert a.keys() == b.keys()
    assert all({k: a[c][k] for k in project} == {k: b[c][k] for k in project} for c in a)
    assert killed.per_instance().equals(again.per_instance())
    assert killed.to_markdown().split("\n\n")[1] == again.to_markdown().split("\n\n")[1]   # per-instance table
    assert_scored(problems, again)


def test_resume_skips_finished_cells_and_retries_failed_on_request(tmp_path):
    problems = small_problems(2, n=8)
    db = tmp_path / "r.db"
    events = []
    solvers = [spec("Steady"), spec("Raising")]
    compare(problems, solvers, time_limit=1, db=db, progress=lambda e, row: events.append((e, row["solver"])))
    assert sum(e == "start" for e, _ in events) == 4
    events.clear()
    report = compare(problems, solvers, time_limit=1, db=db, progress=lambda e, row: events.append(e))
    assert events == [] and len(report.rows) == 4
    compare(problems, solvers, time_limit=1, db=db, retry_failed=True, progress=lambda e, row: events.append(e))
    assert events.count("start") == 2 and _count(db) == 4          # the two ERROR cells, replaced
    # another seed or time limit is another cell; a changed instance is another instance
    compare(problems, solvers, time_limit=1, seeds=[0, 1], db=db, progress=False)
    assert _count(db) == 6 + 2
    changed = type(problems[0]).from_dict(problems[0].to_dict())      # a copy, then an edit
    changed.demand[1, 0] += 1
    compare([changed], [spec("Steady")], time_limit=1, db=db, progress=False)
    assert _count(db) == 9


# ------------------------------------------------------------------ Ray
def test_ray_executor_gives_the_same_table_as_local_processes(tmp_path):
    pytest.importorskip("ray")
    problems = small_problems(3, n=10)
    grid = dict(solvers=[spec("Steady"), "pyvrp", spec("Crash")], seeds=2, time_limit=5, workers=2,
                progress=False, options={"pyvrp": {"iterations": 150}})
    local = compare(problems, db=tmp_path / "local.db", **grid)
    ray = compare(problems, executor="ray", db=tmp_path / "ray.db", **grid)
    assert {r["executor"] for r in ray.rows} == {"ray"} and {r["executor"] for r in local.rows} == {"local"}
    a, b = rows_by_cell(local), rows_by_cell(ray)
    assert a.keys() == b.keys() and len(a) == 3 * 3 * 2
    assert all((a[c]["status"], a[c]["objective"]) == (b[c]["status"], b[c]["objective"]) for c in a)
    assert all(b[c]["status"] == "ERROR" and "SIGSEGV" in b[c]["message"] for c in b if c[1] == "crash")
    assert local.per_instance().equals(ray.per_instance())
    assert_scored(problems, ray)


def test_ray_cluster_given_by_address(tmp_path):
    pytest.importorskip("ray")
    import socket
    port = 52365                      # Ray's own default ports (dashboard agent 52365, dashboard 8265) are taken
    while port in (52365, 8265, 6379):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    ray_bin = Path(sys.executable).with_name("ray")
    start = subprocess.run([str(ray_bin), "start", "--head", "--port", str(port), "--num-cpus", "2",
                            "--include-dashboard=false", "--disable-usage-stats"],
                           capture_output=True, text=True, timeout=180)
    assert start.returncode == 0, start.stderr[-2000:]
    try:
        address = next(line.split("--address=")[1].strip().strip("'") for line in start.stdout.splitlines() + start.stderr.splitlines()
                       if "ray start --address=" in line)
        save(generate("cvrp", n=10, seed=3), tmp_path / "a.vrp")
        db = tmp_path / "r.db"
        # a fresh process, as from a shell: Ray reads its auth settings when it is imported
        result = subprocess.run([sys.executable, "-m", "routeopt", "compare", str(tmp_path / "a.vrp"), "--solvers",
                                 f"{spec('Steady')},pyvrp", "-O", "pyvrp.iterations=100", "--executor", "ray",
                                 "--ray-address", address, "--db", str(db), "-t", "5", "-q"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "steady" in result.stdout and "pyvrp" in result.stdout
        with ResultStore(db) as store:
            rows = store.rows()
        assert len(rows) == 2 and {r["executor"] for r in rows} == {"ray"}
        assert {r["status"] for r in rows} == {"FEASIBLE"}
    finally:
        subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True, timeout=120)


# ------------------------------------------------------------------ real instances, exact answers
def test_real_instances_with_best_known_and_an_exact_solver(tmp_path):
    files = [shared("cvrp-small", "E-n13-k4.vrp"), shared("cvrp-small", "P-n16-k8.vrp")]
    problems = [load(f) for f in files]
    report = compare(files, ["milp", "pyvrp"], time_limit=10, workers=2, progress=False,
                     options={"pyvrp": {"iterations": 2000}})
    for p in problems:
        exact = report.cell(p.name, "milp")
        assert exact["optimal"] == 1 and exact["best"] and abs(exact["gap"]) < 1e-9
        row = rows_by_cell(report)[(p.name, "milp", 0)]
        assert row["best_known"] == p.best_known and row["proved_gap"] is not None and row["proved_gap"] < 1e-6
        assert report.refs[p.name] == (p.best_known, "best known")
    assert_scored(problems, report)
    md = report.to_markdown()
    assert "E-n13-k4" in md and "**247 (0.00) ✓**" in md


# ------------------------------------------------------------------ report arithmetic
def _row(inst, solver, seed, status, objective, sense="min", best_known=None):
    return {"key": f"{inst}{solver}{seed}", "instance": inst, "solver": solver, "seed": seed, "status": status,
            "objective": objective, "sense": sense, "best_known": best_known, "runtime": 1.0, "cpu_time": 1.0,
            "variant": "X", "size": 1}


def test_report_ranks_only_all_feasible_pairs_and_computes_gaps():
    rows = [_row("a", "s1", 0, "FEASIBLE", 110, best_known=100), _row("a", "s1", 1, "FEASIBLE", 130, best_known=100),
            _row("a", "s2", 0, "FEASIBLE", 100, best_known=100), _row("a", "s2", 1, "TIMEOUT", None, best_known=100),
            _row("b", "s1", 0, "FEASIBLE", 50), _row("b", "s2", 0, "FEASIBLE", 50),
            _row("b", "s1", 1, "FEASIBLE", 50), _row("b", "s2", 1, "FEASIBLE", 50)]
    report = Report(rows, ["a", "b"], ["s1", "s2"], time_limit=1)
    a1, a2 = report.cell("a", "s1"), report.cell("a", "s2")
    assert a1["value"] == 120 and a1["gap"] == pytest.approx(20.0) and a1["best"]
    assert a2["value"] == 100 and not a2["ranked"] and not a2.get("best")      # one seed timed out
    assert report.refs["b"] == (50, "best found")
    assert report.cell("b", "s1")["best"] and report.cell("b", "s2")["best"]   # ties: both win
    s = report.summary().set_index("solver")
    assert s.loc["s1", "wins"] == 2 and s.loc["s2", "wins"] == 1 and s.loc["s2", "timeout"] == 1
    gaps = [10.0, 30.0, 0.0, 0.0]
    assert s.loc["s1", "mean_gap"] == pytest.approx(10.0)
    assert s.loc["s1", "sgm_gap"] == pytest.approx(math.exp(sum(math.log(g + 1) for g in gaps) / 4) - 1)
    assert profile_ratios(report) == {"s1": [1.0, 1.0], "s2": [math.inf, 1.0]}


def test_report_for_a_maximisation_problem():
    rows = [_row("m", "s1", 0, "FEASIBLE", 90, sense="max", best_known=100),
            _row("m", "s2", 0, "FEASIBLE", 95, sense="max", best_known=100)]
    report = Report(rows, ["m"], ["s1", "s2"])
    assert report.cell("m", "s2")["best"] and not report.cell("m", "s1").get("best")
    assert report.cell("m", "s1")["gap"] == pytest.approx(10.0)
    assert profile_ratios(report)["s1"] == [pytest.approx(1 + 5 / 95)]


def test_summary_leaves_out_solvers_that_ran_nothing_and_says_why():
    from rich.console import Console
    rows = [_row("a", "s1", 0, "FEASIBLE", 110, best_known=100)]
    report = Report(rows, ["a"], ["s1", "idle"], unsupported=[("a", "idle", "no checkpoint for CVRP\nmore")])
    console = Console(width=200, record=True)
    console.print(report.summary_table())
    text = console.export_text()
    assert "s1" in text and "idle: no instance run (no checkpoint for CVRP)" in text
    assert not any(line.lstrip("│ ").startswith("idle ") for line in text.splitlines())
    assert report.summary().set_index("solver").loc["idle", "runs"] == 0     # still in the data


def test_exports_and_plot(tmp_path):
    problems = small_problems(2, n=15)
    report = compare(problems, ["pyvrp", "ortools", "local"], time_limit=1, workers=2, progress=False)
    plot = report.plot(tmp_path / "profile.png")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    frame = report.to_frame()
    assert len(frame) == 6 and "solution" not in frame.columns
    data = json.loads(report.to_json(tmp_path / "r.json"))
    assert {s["solver"] for s in data["summary"]} == {"pyvrp", "ortools", "local"}
    assert json.loads((tmp_path / "r.json").read_text()) == data
    progress = [r["progress"] for r in report.rows]
    assert all(p and all(b[1] <= a[1] for a, b in zip(p, p[1:])) for p in progress)   # improving curves
    assert all(r["progress"][-1][1] >= r["objective"] - 1e-6 for r in report.rows)
    assert report.to_csv(tmp_path / "r.csv").read_text().startswith("key,")


def test_bad_arguments_are_clear():
    problems = small_problems(1, n=5)
    with pytest.raises(UnknownSolverError, match="did you mean 'pyvrp'"):
        compare(problems, ["pyvrpp"])
    with pytest.raises(UnknownSolverError, match="listed twice"):
        compare(problems, ["pyvrp", "pyvrp"])
    with pytest.raises(UnknownSolverError, match="not compared: ortools"):
        compare(problems, ["pyvrp"], options={"ortools": {}})
    with pytest.raises(UnknownSolverError, match="'auto'"):
        compare(problems, ["auto"])
    with pytest.raises(UnknownSolverError, match="not found"):
        compare(problems, ["/nonexistent/x.py:Cls"])
    with pytest.raises(InputError, match="executor"):
        compare(problems, ["pyvrp"], executor="slurm")
    with pytest.raises(InputError, match="no file matches"):
        compare(["/nonexistent/*.vrp"], ["pyvrp"])


# ------------------------------------------------------------------ CLI
def run(*args):
    return CliRunner().invoke(cli_app.app, [str(a) for a in args])


def test_cli_compare_writes_every_output_and_reports_from_the_db(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    for s in range(2):
        save(generate("cvrp", n=10, seed=s), folder / f"g{s}.vrp")
    db, out = tmp_path / "r.db", {k: tmp_path / f"r.{k}" for k in ("png", "csv", "md", "json")}
    result = run("compare", folder, "--solvers", "pyvrp,ortools", "-t", 0.5, "--db", db, "--workers", 2,
                 "--plot", out["png"], "--csv", out["csv"], "--markdown", out["md"], "--json", out["json"], "-q")
    assert result.exit_code == 0, result.output
    assert all(p.exists() for p in out.values())
    for needle in ("g0", "g1", "pyvrp", "ortools", "per solver", "★"):
        assert needle in result.stdout
    stored = run("compare", "--db", db, "--solvers", "pyvrp,ortools")
    assert stored.exit_code == 0 and stored.stdout == result.stdout
    assert "ortools" not in run("compare", "--db", db, "--solvers", "pyvrp").stdout
    assert "no stored results for local" in run("compare", "--db", db, "--solvers", "local").stderr


@pytest.mark.parametrize("args, needle", [
    (["--solvers", "pyvrp,ortols"], "did you mean 'ortools'"),
    (["--solvers", "pyvrp", "--executor", "slurm"], "unknown executor"),
    (["--solvers", "pyvrp", "-O", "pyvrp"], "SOLVER.KEY=VALUE"),
    (["--solvers", "pyvrp", "--plot", "x.gif"], "--plot must end in"),
    (["--solvers", "pyvrp", "-t", "0"], "positive number of seconds"),
])
def test_cli_compare_bad_input_is_one_line(tmp_path, args, needle):
    save(generate("cvrp", n=5, seed=0), tmp_path / "a.vrp")
    result = run("compare", tmp_path / "a.vrp", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr


def test_cli_compare_missing_inputs(tmp_path):
    for args, needle in (([tmp_path / "none.vrp"], "no such file"), ([], "give instance files"),
                         (["--db", tmp_path / "nothing.db"], "no such results file")):
        result = run("compare", *args)
        assert result.exit_code == 2 and needle in result.stderr and "Traceback" not in result.output

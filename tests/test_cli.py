"""The command line, run for real: both VRP solvers on generated and shared instances, every answer
re-scored here by ``problem.evaluate``; listings; instance files; bad input as one line on stderr
with a non-zero exit and no output file; a quick demo and benchmark; ``python -m routeopt``."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import routeopt.cli.app as cli_app
from routeopt.instances.io import load, load_solution, save
from routeopt.instances.vrp.generate import GENERATORS
from routeopt.instances.generate import generate
from routeopt.instances.vrp.problem import Route, VRPSolution
from routeopt.solvers.base import Result, Status
from routeopt.solvers.registry import finalize
from tests.conftest import shared, shared_files

SOLVERS = ["pyvrp", "ortools"]


def run(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli_app.app, [str(a) for a in args], env=env)


def assert_one_line_error(result, *needles: str, code: int = 2) -> str:
    """Exit ``code``, nothing on stdout, exactly one ``error: ...`` line on stderr, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A generated CVRP (.vrp) and heterogeneous-fleet instance (.json) on disk."""
    folder = tmp_path_factory.mktemp("instances")
    return {"cvrp": save(generate("cvrp", n=20, seed=4), folder / "cvrp-n20.vrp"),
            "hfvrp": save(generate("hfvrp", n=15, seed=2), folder / "hfvrp-n15.json")}


# ---------------------------------------------------------------------------- solve
@pytest.mark.parametrize("solver", SOLVERS)
def test_solve_json_is_rescored_and_out_file_matches(solver, files, tmp_path):
    out = tmp_path / f"answer-{solver}.sol"
    result = run("solve", files["cvrp"], "--solver", solver, "--time-limit", 0.5, "--seed", 3, "--json", "--out", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)                         # the whole of stdout is one JSON object
    problem = load(files["cvrp"])
    assert data["status"] == "FEASIBLE" and data["solver"] == solver and data["violations"] == []
    assert data["solver_version"] == version(solver)
    assert data["instance"]["variant"] == "CVRP" and data["instance"]["size"] == 20
    assert data["out"] == str(out) and data["time_limit"] == 0.5 and data["seed"] == 3
    answer = problem.evaluate(VRPSolution.from_dict(data["solution"]))
    assert answer.feasible and answer.objective == data["objective"]
    written = problem.evaluate(load_solution(out, problem))
    assert written.feasible and written.objective == data["objective"]
    assert data["runtime"] < 0.5 + 1.5


def test_solve_rich_summary_on_shared_instance_reports_bks_and_gap(tmp_path):
    path = shared("cvrp-small", "E-n13-k4.vrp")
    result = run("solve", path, "--time-limit", 0.5)
    assert result.exit_code == 0, result.output
    text = result.stdout
    for needle in ("E-n13-k4", "CVRP", "12 clients", "pyvrp", "FEASIBLE", "best known", "247", "gap +", "vehicles"):
        assert needle in text, needle
    data = json.loads(run("solve", path, "--solver", "ortools", "--time-limit", 0.5, "--json").stdout)
    assert data["best_known"] == 247 and data["instance"]["best_known"] == 247
    assert data["gap"] == pytest.approx(100 * (data["objective"] - 247) / 247) and data["gap"] >= 0


def test_solve_heterogeneous_fleet_writes_json_solution_not_sol(files, tmp_path):
    problem = load(files["hfvrp"])
    sol = tmp_path / "hf.sol"
    assert_one_line_error(run("solve", files["hfvrp"], "--out", sol), "3 vehicle types", ".json")
    assert not sol.exists()
    out = tmp_path / "hf.json"
    result = run("solve", files["hfvrp"], "--time-limit", 0.5, "--out", out)
    assert result.exit_code == 0, result.output
    assert "HFCVRP" in result.stdout and "small" in result.stdout       # vehicles used per type
    answer = problem.evaluate(load_solution(out, problem))
    assert answer.feasible and json.loads(out.read_text())["cost"] == answer.objective


def test_solve_without_feasible_answer_exits_1_and_writes_nothing(files, tmp_path, monkeypatch):
    def half_answer(problem, solver, **budget):
        result = Result("fake", problem.name, Status.FEASIBLE, solution=VRPSolution([Route([1, 2])]))
        return finalize(problem, result)             # the problem finds the missing clients

    monkeypatch.setattr(cli_app, "solve_problem", half_answer)
    out = tmp_path / "none.sol"
    result = run("solve", files["cvrp"], "--json", "--out", out)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "INFEASIBLE" and data["out"] is None and "not visited" in data["violations"][0]
    assert not out.exists()
    result = run("solve", files["cvrp"], "--out", out)
    assert result.exit_code == 1 and "INFEASIBLE" in result.stdout and "missing" in result.stdout
    assert not out.exists()


# ---------------------------------------------------------------------------- bad input
CVRP_HEAD = "NAME : t\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\nNODE_COORD_SECTION\n"
CVRP_TAIL = "DEPOT_SECTION\n1\n-1\nEOF\n"


def _truncated(folder: Path) -> Path:
    whole = save(generate("cvrp", n=30, seed=1), folder / "whole.vrp").read_text()
    path = folder / "truncated.vrp"
    path.write_text(whole[: len(whole) // 3])
    return path


BAD = {
    "malformed": (lambda d: _text(d, "bad.vrp", CVRP_HEAD + "1 0 0\n2 1 x\n3 2 2\nDEMAND_SECTION\n1 0\n2 1\n3 1\n"
                                  + CVRP_TAIL), [], ["bad.vrp:8", "malformed number 'x'"]),
    "truncated": (_truncated, [], ["truncated.vrp", "section ends"]),
    "negative demand": (lambda d: _text(d, "neg.vrp", CVRP_HEAD + "1 0 0\n2 1 1\n3 2 2\nDEMAND_SECTION\n1 0\n2 -3\n"
                                        "3 1\n" + CVRP_TAIL), [], ["neg.vrp:12", "negative"]),
    "client heavier than every vehicle": (
        lambda d: _text(d, "heavy.vrp", CVRP_HEAD + "1 0 0\n2 1 1\n3 2 2\nDEMAND_SECTION\n1 0\n2 30\n3 1\n"
                        + CVRP_TAIL), [], ["heavy.vrp", "demand 30", "capacity 10"]),
    "NaN distance": (lambda d: _text(d, "nan.json", '{"family": "vrp", "distance": '
                                                   '[[0, 1, NaN], [1, 0, 1], [2, 1, 0]]}'), [],
                     ["nan.json", "distance[0][2]", "finite"]),
    "missing file": (lambda d: d / "nowhere.vrp", [], ["nowhere.vrp", "no such file"]),
    "unknown solver": (lambda d: save(generate("tsp", n=6, seed=0), d / "ok.vrp"), ["--solver", "pyvpr"],
                       ["unknown solver 'pyvpr'", "did you mean 'pyvrp'"]),
    "bad time limit": (lambda d: save(generate("tsp", n=6, seed=0), d / "ok.vrp"), ["--time-limit", "0"],
                       ["--time-limit", "positive"]),
    "unknown option": (lambda d: save(generate("tsp", n=6, seed=0), d / "ok.vrp"), ["--bogus"],
                       ["No such option", "--bogus"]),
}


def _text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("as_json", [False, True], ids=["rich", "json"])
def test_bad_input_is_one_line_exit_2_and_no_output_file(case, as_json, tmp_path):
    make, extra, needles = BAD[case]
    path = make(tmp_path)
    out = tmp_path / "answer.sol"
    args = ["solve", path, "--time-limit", 0.3, "--out", out, *extra] + (["--json"] if as_json else [])
    assert_one_line_error(run(*args), *needles)
    assert not out.exists() and not list(tmp_path.glob(".answer.sol*"))


def test_unexpected_error_is_one_line_with_debug_hint(files, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(cli_app.flags, "load_or_generate", broken)
    line = assert_one_line_error(run("solve", files["cvrp"]), "unexpected RuntimeError", "disk on fire second line",
                                 "ROUTEOPT_DEBUG=1", code=3)
    assert line.count("error:") == 1
    result = run("solve", files["cvrp"], env={"ROUTEOPT_DEBUG": "1"})
    assert result.exit_code == 3 and "Traceback" in result.stderr and "RuntimeError" in result.stderr


# ---------------------------------------------------------------------------- listings and instances
def test_solvers_table_and_json():
    result = run("solvers")
    assert result.exit_code == 0, result.output
    for needle in ("pyvrp", "ortools", "vrp", "heuristic", version("pyvrp"), version("ortools"), "time_windows"):
        assert needle in result.stdout, needle
    rows = {r["name"]: r for r in json.loads(run("solvers", "--family", "vrp", "--json").stdout)}
    assert set(SOLVERS) <= set(rows)
    assert rows["pyvrp"]["version"] == version("pyvrp") and "capacity" in rows["ortools"]["supports"]
    assert_one_line_error(run("solvers", "--family", "nope"), "no solver for family 'nope'", "vrp")


def test_version_and_bare_help():
    assert run("--version").stdout.strip().startswith("routeopt ")
    bare = run()
    assert "solve" in bare.output and "compare" in bare.output and "error:" not in bare.output
    for command in ("solve", "solvers", "demo", "compare", "instances"):
        assert run(command, "--help").exit_code == 0, command


def test_instances_show(files):
    result = run("instances", "show", files["hfvrp"])
    assert result.exit_code == 0, result.output
    for needle in ("HFCVRP", "heterogeneous_fleet", "fleet", "small", "medium", "large", "round", "unknown"):
        assert needle in result.stdout, needle
    info = json.loads(run("instances", "show", files["hfvrp"], "--json").stdout)
    problem = load(files["hfvrp"])
    assert info["variant"] == "HFCVRP" and info["num_clients"] == 15 and info["num_depots"] == 1
    assert [t["capacity"] for t in info["fleet"]] == [list(vt.capacity) for vt in problem.vehicle_types]
    assert [t["fixed_cost"] for t in info["fleet"]] == [vt.fixed_cost for vt in problem.vehicle_types]
    assert_one_line_error(run("instances", "show", "nowhere.json"), "no such file")


def test_instances_show_shared_instance_with_its_bks():
    path = shared("cvrp-small", "E-n13-k4.vrp")
    result = run("instances", "show", path)
    assert result.exit_code == 0 and "247" in result.stdout and "E-n13-k4" in result.stdout
    info = json.loads(run("instances", "show", path, "--json").stdout)
    assert info["best_known"] == 247 and info["convention"] == "explicit" and info["fleet"][0]["capacity"] == [6000]


def test_instances_generate_round_trip(tmp_path):
    out = tmp_path / "c.vrp"
    result = run("instances", "generate", "cvrp", "--n", 15, "--seed", 3, "--out", out)
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout and "CVRP" in result.stdout
    expected = generate("cvrp", n=15, seed=3)
    assert np.array_equal(load(out).distance, expected.distance)
    assert np.array_equal(load(out).demand, expected.demand)

    out = tmp_path / "tw.json"
    result = run("instances", "generate", "vrptw", "-n", 12, "--seed", 1, "--out", out,
                 "--param", "windows=wide", "--param", "capacity=100")
    assert result.exit_code == 0, result.output
    expected, got = generate("vrptw", n=12, seed=1, windows="wide", capacity=100), load(out)
    assert np.array_equal(got.time_windows, expected.time_windows) and got.vehicle_types == expected.vehicle_types

    kinds = run("instances", "kinds")
    assert kinds.exit_code == 0 and all(k in kinds.stdout for k in GENERATORS)
    assert all(k in run("instances", "generate", "--help").stdout for k in GENERATORS)

    bad = tmp_path / "bad.vrp"
    assert_one_line_error(run("instances", "generate", "cvpr", "--out", bad), "unknown kind 'cvpr'", "'cvrp'")
    assert_one_line_error(run("instances", "generate", "cvrp", "--out", bad, "--param", "layout=x"),
                          "unknown parameter 'layout'")
    assert_one_line_error(run("instances", "generate", "cvrp", "--out", bad, "--param", "oops"), "key=value")
    assert_one_line_error(run("instances", "generate", "hfvrp", "-n", 10, "--out", bad), ".vrp format cannot",
                          ".json")
    assert not list(tmp_path.glob("*bad*"))


# ---------------------------------------------------------------------------- demo and benchmark
def test_demo_quick(tmp_path):
    out = tmp_path / "demo"
    result = run("demo", "--out", out, "--time-limit", 0.3, "--n", 8)
    assert result.exit_code == 0, result.output
    saved = sorted(p.name for p in out.iterdir() if p.suffix in (".vrp", ".json"))
    assert len(saved) == 7 and any(s.endswith(".vrp") for s in saved) and any(s.endswith(".json") for s in saved)
    assert {"report.md", "runs.csv", "profile.png"} <= {p.name for p in out.iterdir()}
    for name in saved:
        assert Path(name).stem in result.stdout, name
    for needle in ("CVRP", "VRPTW", "TSP", "HFCVRP", "MDCVRP", "PVRP", "pyvrp", "ortools", "(0.00) ★"):
        assert needle in result.stdout, needle
    rows = list(csv.DictReader((out / "runs.csv").open()))
    assert {r["status"] for r in rows} <= {"FEASIBLE", "OPTIMAL"}          # no failure, no infeasible answer
    assert sum(r["solver"] in SOLVERS for r in rows) == 14                # pyvrp and ortools on all 7
    for r in rows:
        problem = load(next(out.glob(f"{r['instance']}.*")))
        assert float(r["objective"]) >= 0 and r["instance_hash"] == problem.fingerprint()

    only = run("demo", "--out", out, "--time-limit", 0.2, "--n", 6, "--solvers", "pyvrp")
    assert only.exit_code == 0 and "ortools" not in only.stdout
    assert len(list(csv.DictReader((out / "runs.csv").open()))) == 7
    assert_one_line_error(run("demo", "--out", out, "--solvers", "pyvrpp"), "did you mean 'pyvrp'")


# ---------------------------------------------------------------------------- the real entry point
def test_python_dash_m_routeopt(files, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ROUTEOPT_DEBUG"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "routeopt", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=60)

    proc = cli("solve", files["cvrp"], "--solver", "pyvrp", "--time-limit", 0.3, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    problem = load(files["cvrp"])
    assert data["objective"] == problem.evaluate(VRPSolution.from_dict(data["solution"])).objective
    out = tmp_path / "x.sol"
    proc = cli("solve", tmp_path / "missing.vrp", "--out", out)
    assert proc.returncode == 2 and proc.stdout == "" and not out.exists()
    assert proc.stderr.splitlines() == [f"error: {tmp_path / 'missing.vrp'}: no such file"]


"""Every family through the same commands: generate a file, solve it with --json --out --plot,
compare solvers on it; the picture opens and shows the answer, the JSON has the family's fields."""

from __future__ import annotations

import json

import matplotlib.image
import pytest
from typer.testing import CliRunner

import routeopt
from routeopt.cli.app import app

# kind, extra generator parameters, file, solver, solvers to compare, fields of the family in the JSON
FAMILIES = [
    ("cvrp", ["--n", "25"], "c.vrp", "pyvrp", "pyvrp,local", ("routes", "distance")),
    ("road", ["--n", "900", "-p", "queries=5"], "g.gr", "ch", "dijkstra,ch", ("pairs", "unreachable")),
    ("balance-hot", ["--n", "512", "-p", "m=8"], "b.npz", "bip", "bip,balance-greedy", ("max_vio", "loads")),
    ("leafspine", ["-p", "traffic=ring"], "n.json", "split", "spray,split,ecmp", ("max_congestion_link", "subflows")),
]


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("kind, params, filename, solver, solvers, fields", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_generate_solve_plot_compare(tmp_path, kind, params, filename, solver, solvers, fields):
    instance = tmp_path / filename
    res = invoke("instances", "generate", kind, *params, "--out", instance)
    assert res.exit_code == 0, res.output
    problem = routeopt.load(instance)

    out, png = tmp_path / "answer.json", tmp_path / "answer.png"
    res = invoke("solve", instance, "-s", solver, "-t", 5, "--json", "--out", out, "--plot", png)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] in ("OPTIMAL", "FEASIBLE") and data["violations"] == []
    assert data["instance"]["family"] == problem.family and data["instance"]["size_unit"] == problem.size_unit
    assert all(f in data["metadata"] for f in fields), sorted(data["metadata"])
    assert data["out"] == str(out) and data["plot"] == str(png)
    solution = routeopt.load_solution(out, problem)
    assert problem.evaluate(solution).feasible
    assert problem.evaluate(solution).objective == pytest.approx(data["objective"])
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 200 and image.shape[1] > 200 and image.std() > 0.01

    res = invoke("compare", instance, "--solvers", solvers, "-t", 5, "--csv", tmp_path / "runs.csv")
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "runs.csv").read_text().splitlines()
    assert len(lines) == 1 + len(solvers.split(","))
    assert all(",FEASIBLE," in line or ",OPTIMAL," in line for line in lines[1:]), lines


def test_the_panel_speaks_the_family(tmp_path):
    res = invoke("solve", "--generate", "balance-zipf", "-p", "n=256", "-p", "m=8", "-s", "bip")
    assert res.exit_code == 0 and "256 tokens" in res.stdout and "MaxVio" in res.stdout
    assert "clients" not in res.stdout and "vehicles" not in res.stdout
    res = invoke("solve", "--generate", "fattree", "-s", "greedy")
    assert res.exit_code == 0 and "flows" in res.stdout and "hottest link" in res.stdout
    assert "network-greedy" in res.stdout


@pytest.mark.parametrize("args, words", [
    (["solve"], ["FILE or --generate"]),
    (["solve", "--generate", "cvrpp"], ["unknown kind", "did you mean 'cvrp'"]),
    (["solve", "--generate", "cvrp", "-p", "depto=centre"], ["depto", "did you mean 'depot'"]),
    (["solve", "--generate", "cvrp", "-s", "pyvrp", "-O", "iteration=5"], ["iteration", "did you mean 'iterations'"]),
    (["solve", "--generate", "cvrp", "-s", "pyvrp", "-O", "iterations=abc"], ["iterations", "integer"]),
    (["solve", "--generate", "balance-zipf", "-s", "bip", "-O", "iterations=0"], ["iterations", "out of range"]),
    (["solve", "--generate", "road", "-p", "n=400", "--out", "x.sol"], [".sol holds VRP solutions"]),
    (["solve", "--generate", "road", "-p", "n=400", "--plot", "x.gif"], ["--plot must end in"]),
    (["solve", "--generate", "road", "-s", "milp"], ["no milp solver for paths"]),
    (["solvers", "milpp"], ["unknown solver 'milpp'", "did you mean"]),
])
def test_bad_input_is_one_line(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), res.output
    assert all(w in lines[0] for w in words), lines[0]
    assert not any(tmp_path.iterdir())


def test_solvers_name_lists_options_and_support():
    res = invoke("solvers", "pyvrp")
    assert res.exit_code == 0 and "iterations" in res.stdout and "time_windows" in res.stdout
    res = invoke("solvers", "milp")
    assert res.exit_code == 0 and all(n in res.stdout for n in ("vrp-milp", "balance-milp", "network-milp"))
    data = json.loads(invoke("solvers", "bip", "--json").stdout)
    assert data["family"] == "balance" and {o["name"] for o in data["options"]} >= {"iterations"}

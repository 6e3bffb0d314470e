"""Values checked where they enter the command line and the Python API, outputs that would destroy an
input refused before any work, library warnings folded into one line."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

import routeopt
from routeopt.cli.app import app
from routeopt.solvers.base import Budget
from tests.conftest import one_line_error


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def instance(tmp_path):
    path = tmp_path / "g.json"
    routeopt.save(routeopt.generate("cvrp", n=10, seed=0), path)
    return path


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_an_output_never_overwrites_the_input(instance, option):
    before = instance.read_bytes()
    target = instance if option == "--out" else instance.with_suffix(".png")
    if option == "--plot":                       # the same file reached through another name
        target.symlink_to(instance)
    one_line_error(invoke("solve", instance, option, target), "would overwrite the input file")
    assert instance.read_bytes() == before


def test_out_and_plot_may_not_name_one_file(instance, tmp_path):
    one_line_error(invoke("solve", instance, "--out", tmp_path / "a.json", "--plot", tmp_path / "a.json"),
                   "--plot must end in")


def test_a_solution_beside_its_instance_would_become_the_best_known(tmp_path):
    vrp = tmp_path / "h.vrp"
    routeopt.save(routeopt.generate("cvrp", n=10, seed=0), vrp)
    one_line_error(invoke("solve", vrp, "-t", 1, "--out", tmp_path / "h.sol"), "best-known", "another name")
    assert not (tmp_path / "h.sol").exists()
    assert invoke("solve", vrp, "-t", 1, "--out", tmp_path / "mine.sol").exit_code == 0
    assert routeopt.load(vrp).best_known is None          # the user's answer is not taken as a reference


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e300"])
def test_time_limit_checked_for_every_family(value):
    for kind in ("cvrp", "balance-zipf", "leafspine", "road"):
        one_line_error(invoke("solve", "--generate", kind, "-t", value), "--time-limit")


@pytest.mark.parametrize("args, words", [
    (["--seed", "4294967296"], ["seed", "[0, 4294967295]"]),
    (["--threads", "2000"], ["threads", "1024"]),
])
def test_budget_values_checked(args, words):
    one_line_error(invoke("solve", "--generate", "tsp", "-p", "n=8", *args), *words)


@pytest.mark.parametrize("kw, field", [({"time_limit": -1}, "time_limit"), ({"time_limit": math.nan}, "time_limit"),
                                       ({"time_limit": 1e300}, "time_limit"), ({"seed": 2**32}, "seed"),
                                       ({"seed": -1}, "seed"), ({"threads": 0}, "threads"),
                                       ({"time_limit": "ten"}, "time_limit")])
def test_budget_in_python_is_an_input_error(kw, field):
    with pytest.raises(routeopt.InputError) as err:
        Budget(**kw)
    assert err.value.field == field
    with pytest.raises(routeopt.InputError):
        routeopt.solve(routeopt.generate("tsp", n=6, seed=0), "pyvrp", **kw)


def test_library_warnings_are_one_line(tmp_path):
    solver = tmp_path / "warner.py"
    solver.write_text(textwrap.dedent('''
        import warnings
        from routeopt.solvers.vrp.pyvrp import PyVRPSolver

        class Warner(PyVRPSolver):
            name = "warner"

            def _solve(self, problem, budget):
                for _ in range(3):
                    warnings.warn("overflow encountered\\nin a second line", RuntimeWarning)
                return super()._solve(problem, budget)
    '''))
    proc = subprocess.run([sys.executable, "-m", "routeopt", "solve", "--generate", "tsp", "-p", "n=8", "-t", "0.5",
                           "-s", f"{solver}:Warner"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "overflow encountered" in line]
    assert lines == ["warning: RuntimeWarning: overflow encountered in a second line"], proc.stderr


def test_family_commands_never_overwrite_their_inputs(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x,y\n0,0\n300,300\n")
    before = points.read_bytes()
    one_line_error(invoke("paths", "matrix", "-g", "road", "-p", "n=400", "--points", points, "--out", points),
                   "would overwrite the input file")
    assert points.read_bytes() == before
    topology = tmp_path / "t.json"           # a topology file may not be replaced by the instance built from it
    topology.write_text("a b 1\nb c 1\nc a 1\n")
    before = topology.read_bytes()
    one_line_error(invoke("network", "build", topology, "--traffic", "ring", "--out", topology),
                   "would overwrite the input file")
    assert topology.read_bytes() == before

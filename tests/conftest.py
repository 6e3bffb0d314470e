"""Shared fixtures: where the real instances live, and a skip when they are absent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "instances"


def shared(*parts: str) -> Path:
    """Path under ../shared/instances; the calling test is skipped when it does not exist."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared/instances is absent on this machine)")
    return path


def shared_files(subdir: str, pattern: str) -> list[Path]:
    """Files for parametrisation; an empty list (tests then skip) when ../shared is absent."""
    base = SHARED / subdir
    return sorted(base.glob(pattern)) if base.is_dir() else []


def one_line_error(result, *words: str, code: int = 2) -> str:
    """A CLI result (typer's CliRunner) that failed with exit ``code`` and exactly one ``error: ...``
    line holding every one of ``words``; returns that line."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


# The numba kernels of `local` and of the path solvers take minutes to compile on a fresh clone
# (numba's cache then keeps them). A second process compiles them while the first tests, which
# need none, run on the other core; `local` processes that start meanwhile wait for its cache
# instead of compiling the same kernels again (see ``local._one_compiler``).
WARMER = """
from routeopt.solvers.vrp.local import warm_up
warm_up()
from routeopt.solvers.registry import solver_class, solver_names
for name in solver_names():
    cls = solver_class(name)
    if cls.family == "paths":
        cls.prepare()
"""


def pytest_sessionstart(session):
    if os.environ.get("ROUTEOPT_TEST_WARMER", "1") == "0":
        return
    session.config._routeopt_warmer = subprocess.Popen(
        [sys.executable, "-c", WARMER], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def pytest_sessionfinish(session):
    proc = getattr(session.config, "_routeopt_warmer", None)
    if proc is not None and proc.poll() is None:
        proc.kill()
    if proc is not None:
        proc.wait()

"""The README is a contract: its shell and Python examples run as written on a fresh clone.

Blocks fenced as ``sh`` and ``python`` are run, in order, in one empty folder with the installed
``routeopt`` on the PATH and no ../shared; ``text`` blocks (the two make commands, benchmarks, GPU
training, the reference instances) are shown only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text()) if lang == language]


def test_readme_opens_with_the_two_commands():
    first = FENCE.search(README.read_text())
    commands = [line.split("#")[0].strip() for line in first.group(2).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


@pytest.fixture(scope="module")
def clone_dir(tmp_path_factory):
    """An empty working folder: what a newcomer has, without ../shared."""
    return tmp_path_factory.mktemp("readme")


def run(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "160", "ROUTEOPT_DEBUG": ""}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, **kw)


def test_readme_examples_run_as_written(clone_dir):
    assert (Path(sys.executable).parent / "routeopt").exists(), "routeopt is not installed beside this Python"
    sh, py = blocks("sh"), blocks("python")
    assert len(sh) >= 5 and len(py) >= 2
    for block in sh:
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            proc = run(["bash", "-c", line], clone_dir)
            assert proc.returncode == 0, f"README command failed: {line}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            assert "Traceback" not in proc.stderr, line
    for block in py:
        proc = run([sys.executable, "-c", block], clone_dir)
        assert proc.returncode == 0, f"README Python block failed:\n{block}\n{proc.stderr[-3000:]}"
    # what the examples promised to write is there, and the pictures open
    for name in ("routes.png", "path.png", "experts.png", "links.png", "query.png", "alternatives.png",
                 "ring.png", "moe-profile.png"):
        image = matplotlib.image.imread(clone_dir / name)
        assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0, name
    for name in ("routes.json", "c40.vrp", "moe.npz", "fabric.json", "c40.md", "grid.gr", "matrix.csv",
                 "depot-and-stops.json", "ring.json", "c60.vrp", "c60.sol", "results.db"):
        assert (clone_dir / name).stat().st_size > 0, name


def test_readme_bad_option_example_says_what_is_wrong(clone_dir):
    proc = run(["routeopt", "solve", "--generate", "balance-zipf", "-s", "bip", "-O", "iteration=8"], clone_dir)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "iteration" in lines[0] and "did you mean 'iterations'" in lines[0]

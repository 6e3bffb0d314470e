"""The benchmark scripts run on a user's own folder, not only on the reference instances."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import routeopt

ROOT = Path(__file__).resolve().parents[2]


def test_vrp_direct_runs_on_any_folder(tmp_path):
    routeopt.save(routeopt.generate("cvrp", n=20, seed=0), tmp_path / "mine.vrp")
    routeopt.save(routeopt.generate("tsp", n=20, seed=0), tmp_path / "tour.vrp")      # not a CVRP: skipped
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "vrp_direct.py"), str(tmp_path),
                           "--time-limit", "0.5"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "mine" in proc.stdout and "*" in proc.stdout          # gap to the best of the row: no .sol
    assert "tour.vrp (TSP)" in proc.stderr and "Traceback" not in proc.stderr
    missing = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "vrp_direct.py"), str(tmp_path / "nope")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [f"error: {tmp_path / 'nope'}: no such file or folder"]

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


def test_neural_benchmark_checks_targets_and_keeps_references(tmp_path):
    cache, md = tmp_path / "refs.csv", tmp_path / "neural.md"
    script = str(ROOT / "benchmarks" / "neural.py")
    common = ["--problems", "cvrp20", "--n-instances", "3", "--ref-time", "0.3", "--ref-cache", str(cache),
              "--workers", "1", "--decodes", "augment"]
    proc = subprocess.run([sys.executable, script, *common, "--improve-time", "0.5", "--hybrid-instances", "2",
                           "--hybrid-size", "20", "--hybrid-time", "0.3", "--target", "cvrp20=-100",
                           "--out", str(md)], capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1                        # no answer is 100 % below PyVRP's
    assert "FAILED CVRP20 pomo augment" in proc.stdout and "target -100 %" in proc.stdout
    text = md.read_text()
    assert "| CVRP20 | pomo+ls |" in text and "augment+pyvrp 0.5s" in text and "<= -100% NO" in text
    assert "CVRP20: pomo+ls (default decode, then pyvrp) vs pyvrp" in text
    assert len(cache.read_text().splitlines()) == 1 + 3
    again = subprocess.run([sys.executable, script, *common, "--improve-time", "0", "--hybrid-instances", "0",
                            "--target", "cvrp20=1000"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "(3 kept)" in again.stdout and "<= 1000% yes" in again.stdout

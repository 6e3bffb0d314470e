"""Plots of a comparison: Dolan-Moré performance profile and gap over time.

Performance profile: for each instance the ratio of a solver's value to the best value of the
row (``1 + gap to the row's best``, so it also works for objectives near zero and for
maximisation); a solver that was not ranked on an instance (a failed or infeasible seed) has an
infinite ratio there. The curve is the fraction of instances with ratio <= tau.

Gap over time: solvers that report ``(seconds, objective)`` progress points; at each time the
mean over that solver's runs of the gap of its best answer so far to the instance's reference,
drawn from the moment every one of those runs has an answer (so the mean is over a fixed set).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .report import Report


def profile_ratios(report: "Report") -> dict[str, list[float]]:
    """solver -> one ratio per instance (inf where not ranked)."""
    out: dict[str, list[float]] = {s: [] for s in report.solvers}
    for inst in report.instances:
        cells = {s: report.cell(inst, s) for s in report.solvers}
        ranked = {s: c for s, c in cells.items() if c is not None and c["ranked"]}
        if not ranked:
            continue
        sense = next(iter(ranked.values()))["sense"]
        best = (min if sense == "min" else max)(c["value"] for c in ranked.values())
        for s in report.solvers:
            c = ranked.get(s)
            if c is None:
                out[s].append(math.inf)
            else:
                diff = c["value"] - best if sense == "min" else best - c["value"]
                out[s].append(1.0 + diff / max(abs(best), 1e-9))
    return out


def gap_curves(report: "Report", points: int = 200) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """solver -> (times, mean gap %, instances) for solvers that reported progress."""
    curves = {}
    horizon = report.time_limit or max((r.get("runtime") or 0 for r in report.rows), default=1.0)
    for s in report.solvers:
        traces = []
        for inst in report.instances:
            ref = report.refs.get(inst, (None, ""))[0]
            c = report.cell(inst, s)
            if ref is None or c is None:
                continue
            for run in c["runs"]:
                prog = run.get("progress")
                if run["status"] in ("OPTIMAL", "FEASIBLE") and prog:
                    pts = sorted((float(t), float(v)) for t, v in prog)
                    sense = c["sense"]
                    traces.append([(t, 100.0 * ((v - ref) if sense == "min" else (ref - v)) / max(abs(ref), 1e-9))
                                   for t, v in pts])
        if not traces:
            continue
        start = max(1e-3, max(tr[0][0] for tr in traces))   # once every run has an answer
        times = np.geomspace(start, max(horizon, start * 1.01), points)
        sums, counts = np.zeros(points), np.zeros(points)
        for tr in traces:
            ts = np.array([t for t, _ in tr])
            gs = np.minimum.accumulate(np.array([g for _, g in tr]))
            idx = np.searchsorted(ts, times, side="right") - 1
            have = idx >= 0
            sums[have] += gs[idx[have]]
            counts[have] += 1
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        curves[s] = (times, mean, len(traces))
    return curves


def plot_report(report: "Report", path: Path) -> Path:
    from ...instances._plot import check_path, figure, save

    path = check_path(path)
    ratios = profile_ratios(report)
    curves = gap_curves(report)
    panels = 2 if curves else 1
    fig = figure((6.4 * panels, 4.6))          # no pyplot: a notebook's backend is left alone
    axes = [fig.subplots(1, panels, squeeze=False)[0]]
    ax = axes[0][0]
    finite = [r for rs in ratios.values() for r in rs if math.isfinite(r)]
    top = max(finite + [1.0])
    tau_max = 1.0 + max(1.1 * (top - 1.0), 0.01)
    for s, rs in ratios.items():
        if not rs or not any(report.cell(i, s) for i in report.instances):   # never run: unsupported
            continue
        xs = np.sort(np.array(rs))
        xs_finite = xs[np.isfinite(xs)]
        steps_x = np.concatenate([[1.0], xs_finite, [tau_max]])
        steps_y = np.concatenate([[0.0], np.arange(1, len(xs_finite) + 1) / len(xs), [len(xs_finite) / len(xs)]])
        ax.step(steps_x, steps_y, where="post", label=s, linewidth=1.8)
    ax.set_xlim(1.0, tau_max)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("τ: objective / best of the row")
    ax.set_ylabel("fraction of instances within τ")
    n = len(next(iter(ratios.values()), []))
    title = f"performance profile ({n} instances"
    ax.set_title(title + (f", {report.time_limit:g} s)" if report.time_limit else ")"))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    if curves:
        ax2 = axes[0][1]
        for s, (times, mean, count) in curves.items():
            ax2.plot(times, mean, label=f"{s} ({count} runs)", linewidth=1.8)
        ax2.set_xscale("log")
        ax2.set_xlabel("seconds")
        ax2.set_ylabel("mean gap to reference, %")
        ax2.set_title("gap over time (best so far)")
        ax2.grid(alpha=0.3, which="both")
        ax2.legend(loc="upper right")
    save(fig, path)
    return path

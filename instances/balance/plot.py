"""An expert assignment's balance: tokens per expert as bars against the capacity and the mean
load, MaxVio and score in the title; with a placement, tokens per device beside.

>>> import routeopt
>>> p = routeopt.generate("balance-hot", n=256, seed=0, m=8, k=2)
>>> fig = routeopt.solve(p, "bip").solution.plot(p, "loads.png")      # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _plot
from .problem import BalanceProblem, BalanceSolution

BAR = "#4c72b0"


def _loads(problem: BalanceProblem, solution: BalanceSolution, details: dict[str, Any]) -> np.ndarray:
    """Tokens per expert: from the evaluation, or counted here when the answer was malformed."""
    if "loads" in details:
        return np.asarray(details["loads"], dtype=float)
    e = np.asarray(getattr(solution, "experts", np.zeros((0, 0))))
    e = e[(e >= 0) & (e < problem.num_experts)] if e.dtype.kind in "iu" else np.zeros(0, dtype=int)
    return np.bincount(e.astype(np.int64).ravel(), minlength=problem.num_experts).astype(float)


def plot(problem: BalanceProblem, solution: BalanceSolution, path: Any = None, **options: Any) -> Any:
    """Tokens per expert (and per device); writes ``path`` when given.

    Options: ``title``, ``figsize``, ``dpi``.
    """
    path = _plot.check_path(path)
    opts = _plot.options(options, {}, "balance")
    evaluation = problem.evaluate(solution)
    details = evaluation.details
    loads = _loads(problem, solution, details)
    m, cap = problem.num_experts, problem.capacity
    mean = problem.k * problem.num_tokens / m
    devices = problem.placement is not None

    width = min(11.0, max(7.0, 0.08 * m + 5.0))
    fig = _plot.figure(opts["figsize"] or ((width + 3.5, 5.4) if devices else (width, 5.2)))
    if devices:
        grid = fig.add_gridspec(1, 2, width_ratios=[3.0, 1.0])
        ax, side = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    else:
        ax, side = fig.add_subplot(), None

    experts = np.arange(m)
    if devices:
        palette = _plot.colours(problem.num_devices)
        colours = [palette[d] for d in problem.placement.tolist()]
    else:
        colours = [BAR] * m
    over = loads > cap
    if not devices:                                  # with devices the fill says which device
        colours = ["#e57373" if o else c for o, c in zip(over, colours)]
    ax.bar(experts, loads, width=0.8 if m <= 64 else 1.0, color=colours,
           edgecolor=[_plot.RED if o else "none" for o in over], linewidth=1.5, zorder=2)
    ax.axhline(cap, color=_plot.RED, linestyle="--", linewidth=1.3, zorder=3, label=f"capacity {cap:,}")
    ax.axhline(mean, color=_plot.DARK, linestyle=":", linewidth=1.3, zorder=3, label=f"mean load {mean:,.4g}")
    ax.set_xlabel("expert" + (" (colour: device)" if devices else ""))
    ax.set_ylabel("tokens")
    ax.set_xlim(-0.7, m - 0.3)
    ax.set_ylim(0, max(cap, float(loads.max()) if m else 0.0) * 1.15)
    if m <= 32:
        ax.set_xticks(experts)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)

    if side is not None:
        dev = (np.asarray(details["device_loads"], dtype=float) if "device_loads" in details
               else np.bincount(problem.placement, weights=loads, minlength=problem.num_devices))
        d = np.arange(dev.size)
        side.bar(d, dev, color=_plot.colours(dev.size), zorder=2)
        side.axhline(float(dev.mean()) if dev.size else 0.0, color=_plot.DARK, linestyle=":", linewidth=1.3,
                     zorder=3, label=f"mean {float(dev.mean()):,.4g}")
        side.set_title(f"tokens per device (MaxVio {details.get('device_max_vio', float('nan')):.3f})", fontsize=9)
        side.set_xlabel("device")
        if dev.size <= 32:
            side.set_xticks(d)
        side.set_ylim(0, float(dev.max()) * 1.15 if dev.size and dev.max() > 0 else 1.0)
        side.grid(axis="y", alpha=0.3, zorder=0)
        side.legend(loc="upper right", fontsize=8)

    maxvio = details.get("max_vio", float(loads.max() / mean - 1.0) if mean > 0 and m else 0.0)
    title = (f"{problem.name} | {problem.variant} | {problem.num_tokens:,} tokens, {m} experts"
             f"\nMaxVio {maxvio:.3f} | score {_plot.number(evaluation.objective)}")
    if details.get("score_ratio") is not None:
        title += f" ({100 * details['score_ratio']:.2f} % of unconstrained top-{problem.k})"
    return _plot.finish(fig, title, opts, path, evaluation.violations)

"""A routing's link loads, tier by tier: every link's load / capacity as a point (uplinks and
downlinks side by side) over a box per tier, against the capacity line 1.0, the hottest links named.

Tiers come from the node names of the generated fabrics (``h``, ``leaf``, ``spine``; ``edge``,
``agg``, ``core``); a graph read from a file whose names say nothing is tiered by hop distance
from the hosts.

>>> import routeopt
>>> p = routeopt.generate("fattree", seed=0)
>>> fig = routeopt.solve(p, "ecmp").solution.plot(p, "loads.png")       # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import numpy as np

from .. import _plot
from .problem import NetworkProblem, NetworkSolution

LEVELS = {"host": 0, "tor": 1, "leaf": 1, "edge": 1, "agg": 2, "aggregation": 2, "spine": 3, "core": 3}
UP, DOWN, ACROSS = "#1f77b4", "#ff7f0e", "#2ca02c"


def roles(problem: NetworkProblem) -> tuple[list[str], list[int]]:
    """Role name and level (0: hosts, upward) of every node."""
    hosts = set(problem.hosts)
    words = [(re.match(r"[A-Za-z]*", name).group(0).lower() if k not in hosts else "host")
             for k, name in enumerate(problem.nodes)]
    if all(w in LEVELS for w in words):
        return words, [LEVELS[w] for w in words]
    # names that say nothing: hop distance from the nearest host
    n = len(problem.nodes)
    level = [-1] * n
    queue = deque(problem.hosts)
    for h in problem.hosts:
        level[h] = 0
    out: list[list[int]] = [[] for _ in range(n)]
    for u, v in problem.links.tolist():
        out[u].append(v)
    while queue:
        u = queue.popleft()
        for v in out[u]:
            if level[v] < 0:
                level[v] = level[u] + 1
                queue.append(v)
    level = [lv if lv >= 0 else n for lv in level]
    return ["host" if lv == 0 else f"L{lv}" for lv in level], level


def plot(problem: NetworkProblem, solution: NetworkSolution, path: Any = None, **options: Any) -> Any:
    """Load / capacity of every link by tier, hottest links named; writes ``path`` when given.

    Options: ``hottest`` (links named, default 5), ``title``, ``figsize``, ``dpi``.
    """
    path = _plot.check_path(path)
    opts = _plot.options(options, {"hottest": 5}, "network")
    evaluation = problem.evaluate(solution)
    load = np.asarray(evaluation.details.get("link_load", np.zeros(len(problem.links))), dtype=float)
    congestion = load / problem.capacity
    role, level = roles(problem)
    tails, heads = problem.links[:, 0], problem.links[:, 1]
    lo = np.where(np.take(level, tails) <= np.take(level, heads), tails, heads)
    hi = np.where(lo == tails, heads, tails)
    tier_of, order = [], {}
    for a, b in zip(lo.tolist(), hi.tolist()):
        tier_of.append(f"{role[a]}-{role[b]}")
        order.setdefault(tier_of[-1], (level[b], level[a]))     # tiers left to right, bottom up
    tiers = sorted(order, key=order.get)
    step = np.sign(np.take(level, heads) - np.take(level, tails))      # 1 up, -1 down, 0 across

    fig = _plot.figure(opts["figsize"] or (max(7.0, 2.2 * len(tiers) + 3.0), 5.6))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)
    x = np.zeros(len(congestion))
    labels = []
    for i, tier in enumerate(tiers):
        mine = np.array([t == tier for t in tier_of])
        ax.boxplot(congestion[mine], positions=[i], widths=0.75, showfliers=False, patch_artist=True,
                   boxprops={"facecolor": "#f2f2f2", "edgecolor": "#999999"},
                   medianprops={"color": "#666666"}, whiskerprops={"color": "#999999"},
                   capprops={"color": "#999999"})
        x[mine] = i - 0.17 * step[mine] + rng.uniform(-0.12, 0.12, int(mine.sum()))
        labels.append(f"{tier}\n{int(mine.sum()):,} links")
    small = len(congestion) <= 2000
    for which, colour, name in ((step > 0, UP, "uplink"), (step < 0, DOWN, "downlink"),
                                (step == 0, ACROSS, "same tier")):
        if which.any():
            ax.scatter(x[which], congestion[which], s=16 if small else 5, color=colour, alpha=0.75,
                       linewidths=0, zorder=3, label=f"{name} ({int(which.sum()):,})", gid=f"links {name}")
    ax.axhline(1.0, color=_plot.RED, linestyle="--", linewidth=1.2, zorder=2, label="capacity (1.0)")

    link = lambda k: f"{problem.nodes[tails[k]]}->{problem.nodes[heads[k]]}"     # noqa: E731
    # a stable sort puts the first most congested link first, the one evaluate names
    hottest = np.argsort(-congestion, kind="stable")[: max(0, int(opts["hottest"]))] if len(congestion) else []
    lines = []
    for rank, k in enumerate(hottest, 1):
        ax.scatter([x[k]], [congestion[k]], s=90, facecolors="none", edgecolors=_plot.RED, linewidths=1.4, zorder=4)
        ax.annotate(str(rank), (x[k], congestion[k]), textcoords="offset points",
                    xytext=(9 * (1 if rank % 2 else -1) - 3, 4 + 3 * (rank // 2)), fontsize=8, color=_plot.RED,
                    zorder=5)
        lines.append(f"{rank}. {link(k)}  {congestion[k]:.3g}")
    if lines:
        ax.text(0.01, 0.99, "hottest links\n" + "\n".join(lines), transform=ax.transAxes, va="top", ha="left",
                fontsize=8, family="monospace", zorder=6,
                bbox={"facecolor": "white", "edgecolor": "#999999", "alpha": 0.9, "boxstyle": "round"})
    ax.set_xticks(range(len(tiers)), labels, fontsize=8)
    ax.set_xlim(-0.6, len(tiers) - 0.4)
    top = float(congestion.max()) if len(congestion) else 1.0
    ax.set_ylim(0, max(1.1, top) * 1.35)            # room for the list of hottest links
    ax.set_ylabel("load / capacity")
    if any(r.startswith("L") for r in role):
        ax.set_xlabel("tiers by hops from the hosts (L1: switches next to hosts)", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)

    title = f"{problem.name} | {problem.variant} | {len(problem.flows):,} flows"
    if len(congestion):
        worst = link(int(np.argmax(congestion)))
        title += f"\nmax congestion {evaluation.objective:.4g} on {worst} | mean {float(congestion.mean()):.3g}"
    if problem.best_known is not None:
        title += f" | best known {problem.best_known:.4g}"
    return _plot.finish(fig, title, opts, path, evaluation.violations)

"""The panel ``routeopt solve`` prints: the same frame for every family, the rows each family needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.panel import Panel
from rich.text import Text

from ..instances.base import Problem
from ..solvers.base import Result, Status
from .common import STATUS_STYLE, fmt_gap, fmt_number, fmt_time, key_value_grid, one_line

OK = (Status.OPTIMAL, Status.FEASIBLE)
OBJECTIVE = {"vrp": "cost", "paths": "total distance", "balance": "score (max)", "network": "max congestion"}


def summary_panel(problem: Problem, result: Result, asked: str, time_limit: float,
                  written: dict[str, Path]) -> Panel:
    grid = key_value_grid()
    source = getattr(problem, "source", None)
    grid.add_row("instance", Text(problem.name) + Text(f"  ({source})" if source else "", style="dim"))
    grid.add_row("problem", f"{problem.family} · {problem.variant} · {problem.size_text}"
                 + "".join(f" · {part}" for part in _shape(problem)))
    version = result.metadata.get("solver_version")
    who = Text(result.solver) + Text(f" {version}" if version else "", style="dim")
    if asked == "auto":
        who += Text("  (chosen by auto)", style="dim")
    elif asked != result.solver:
        who += Text(f"  ({asked} for {problem.family})", style="dim")
    grid.add_row("solver", who)
    grid.add_row("status", Text(str(result.status), style=STATUS_STYLE.get(str(result.status), "")))
    digits = 4 if problem.family in ("balance", "network") else 2
    grid.add_row(OBJECTIVE.get(problem.family, "objective"), Text(fmt_number(result.objective, digits), style="bold"))
    if problem.best_known is not None:
        gap = result.gap
        style = "green" if gap is not None and gap <= 1e-6 else ("yellow" if gap is not None else "")
        grid.add_row("best known", Text(fmt_number(problem.best_known)) + Text("   gap ")
                     + Text(fmt_gap(gap), style=style))
    note = getattr(problem, "best_known_note", None)
    if note:
        grid.add_row("" if problem.best_known is not None else "best known", Text(one_line(note), style="dim"))
    if result.bound is not None:
        grid.add_row("bound", f"{fmt_number(result.bound, digits)}   proved gap {fmt_gap(result.proved_gap)}")
    grid.add_row("runtime", f"{fmt_time(result.runtime)} (limit {time_limit:g} s)")
    if result.solution is not None:
        details = problem.evaluate(result.solution).details
        for label, value in _family_rows(problem, details):
            grid.add_row(label, value)
    if result.violations:
        shown = result.violations[:8]
        lines = Text("\n").join(Text(f"{v.kind}: {v.message}", style="red") for v in shown)
        if len(result.violations) > len(shown):
            lines += Text(f"\n... and {len(result.violations) - len(shown)} more", style="red")
        grid.add_row(Text("violations", style="bold red"), lines)
    if result.message:
        grid.add_row("message", Text(one_line(result.message), style="yellow" if result.status not in OK else "dim"))
    for what, path in written.items():
        grid.add_row(what, str(path))
    border = "green" if result.status in OK else "red"
    return Panel(grid, title="routeopt solve", title_align="left", border_style=border, expand=False)


def _shape(problem: Problem) -> list[str]:
    if problem.family == "vrp":
        return [f"{problem.num_depots} depot(s)"]
    if problem.family == "paths":
        g = problem.graph
        return [f"{g.num_edges:,} edges", f"{problem.num_pairs:,} queries", f"metric {g.metric}"]
    if problem.family == "balance":
        extra = [f"{problem.num_experts} experts", f"top-{problem.k}", f"capacity {problem.capacity}"]
        return extra + ([f"{problem.num_devices} devices"] if problem.placement is not None else [])
    if problem.family == "network":
        return [f"{len(problem.nodes)} nodes", f"{len(problem.links)} links"]
    return []


def _family_rows(problem: Problem, d: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    if problem.family == "vrp":
        types, used = getattr(problem, "vehicle_types", None), d.get("vehicles_by_type")
        if types and used is not None:
            rows.append(("vehicles", f"{used[0]} of {types[0].count}" if len(types) == 1 else
                         ", ".join(f"{vt.name or f'type {k}'} {u}/{vt.count}"
                                   for k, (vt, u) in enumerate(zip(types, used)))))
        parts = [f"{key.replace('_', ' ')} {fmt_number(d[key])}"
                 for key in ("distance", "fixed_cost", "prizes_missed", "preference") if d.get(key)]
        if len(parts) > 1:
            rows.append(("breakdown", " · ".join(parts)))
    elif problem.family == "paths":
        rows.append(("answered", f"{d.get('pairs', 0) - d.get('unreachable', 0):,} of {d.get('pairs', 0):,} pairs"
                     + (f" ({d['unreachable']:,} unreachable)" if d.get("unreachable") else "")))
        if d.get("exact_checked"):
            rows.append(("exact", f"{d.get('exact', 0):,} pairs; max additive error "
                                  f"{fmt_number(d.get('max_additive_error'), 3)}"))
    elif problem.family == "balance":
        rows.append(("expert load", f"max {d['max_load']} · mean {fmt_number(d['mean_load'], 1)} · capacity "
                                    f"{d['capacity']} · MaxVio {d['max_vio']:.4f}"))
        rows.append(("score kept", f"{100 * d['score_ratio']:.2f} % of the unconstrained top-{problem.k}"))
        if "device_max_vio" in d:
            rows.append(("device load", f"max {d['device_max_load']} · MaxVio {d['device_max_vio']:.4f}"))
    elif problem.family == "network":
        rows.append(("hottest link", f"{d.get('max_congestion_link')} (load {fmt_number(d.get('max_link_load'), 4)})"))
        rows.append(("sub-flows", f"{d.get('subflows', 0):,} ({fmt_number(d.get('subflows_per_flow'), 2)} per flow)"))
    return rows

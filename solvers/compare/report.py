"""What a comparison says: per-instance table, per-solver summary, exports and plots.

Conventions (the same in every view):

- A run counts only when its status is OPTIMAL or FEASIBLE as re-scored by the problem.
- An (instance, solver) pair is *ranked* only when every one of its seeds gave a feasible answer;
  its value is the mean objective over those seeds. Infeasible, failed and timed-out runs are
  shown and counted, never ranked.
- Gaps are in percent, positive when worse, against the best-known value when the instance has
  one and against the best answer any compared solver found when it has none (``ref`` column).
- Shifted geometric mean of gaps: ``exp(mean(log(gap + 1))) - 1`` (shift 1 %), robust to the
  many near-zero gaps of good solvers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

OK = ("OPTIMAL", "FEASIBLE")
SGM_SHIFT = 1.0
_TIE = 1e-9


def _gap(value: float, ref: float, sense: str) -> float:
    diff = value - ref if sense == "min" else ref - value
    return 100.0 * diff / max(abs(ref), 1e-9)


def _better(a: float, b: float, sense: str) -> bool:
    return a < b if sense == "min" else a > b


class Report:
    """Rows of a comparison (one per run) and the views computed from them."""

    def __init__(self, rows: Sequence[dict[str, Any]], instances: Sequence[str], solvers: Sequence[str],
                 unsupported: Sequence[tuple[str, str, str]] = (), time_limit: float | None = None):
        self.rows = list(rows)
        self.instances = list(dict.fromkeys(instances))
        self.solvers = list(solvers)
        self.unsupported = list(unsupported)
        self.time_limit = time_limit
        self._cells = self._aggregate()
        self.info = {r["instance"]: {"variant": r.get("variant"), "size": r.get("size")} for r in self.rows}

    # ----------------------------------------------------------------- aggregation
    def _aggregate(self) -> dict[tuple[str, str], dict[str, Any]]:
        cells: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.rows:
            c = cells.setdefault((row["instance"], row["solver"]), {"runs": [], "sense": row.get("sense") or "min",
                                                                    "best_known": row.get("best_known")})
            c["runs"].append(row)
        self.refs: dict[str, tuple[float | None, str]] = {}
        for inst in self.instances:
            mine = [c for (i, _), c in cells.items() if i == inst]
            sense = mine[0]["sense"] if mine else "min"
            bks = next((c["best_known"] for c in mine if c["best_known"] is not None), None)
            found = [r["objective"] for c in mine for r in c["runs"] if r["status"] in OK]
            if bks is not None:
                self.refs[inst] = (bks, "best known")
            elif found:
                self.refs[inst] = ((min if sense == "min" else max)(found), "best found")
            else:
                self.refs[inst] = (None, "")
        # The best proved bound of each instance, from any run: every answer's proved gap is
        # measured against it, so heuristic answers get one when an exact solver ran beside them.
        self.bounds: dict[str, float | None] = {}
        self.bound_conflicts: list[str] = []
        for inst in self.instances:
            mine = [r for (i, _), c in cells.items() if i == inst for r in c["runs"]]
            sense = mine[0].get("sense") or "min" if mine else "min"
            bounds = [r["bound"] for r in mine if r.get("bound") is not None
                      and r["status"] not in ("ERROR", "INFEASIBLE")]
            best = (max if sense == "min" else min)(bounds) if bounds else None
            self.bounds[inst] = best
            found = [r["objective"] for r in mine if r["status"] in OK]
            if best is not None and found:
                top = (min if sense == "min" else max)(found)
                if _better(top, best, sense) and abs(top - best) > 1e-6 * max(1.0, abs(top)):
                    self.bound_conflicts.append(f"{inst}: a bound {best:g} beyond an answer {top:g}")
        for (inst, _), c in cells.items():
            ok = [r for r in c["runs"] if r["status"] in OK]
            c["ok"] = len(ok)
            c["ranked"] = bool(ok) and len(ok) == len(c["runs"])
            c["value"] = sum(r["objective"] for r in ok) / len(ok) if ok else None
            ref = self.refs[inst][0]
            c["gaps"] = [_gap(r["objective"], ref, c["sense"]) for r in ok] if ref is not None else []
            c["gap"] = sum(c["gaps"]) / len(c["gaps"]) if c["gaps"] else None
            c["optimal"] = sum(r["status"] == "OPTIMAL" for r in c["runs"])
        for inst in self.instances:
            ranked = [(s, cells[(inst, s)]) for s in self.solvers if (inst, s) in cells and cells[(inst, s)]["ranked"]]
            best = None
            for _, c in ranked:
                if best is None or _better(c["value"], best, c["sense"]):
                    best = c["value"]
            for _, c in ranked:
                c["best"] = abs(c["value"] - best) <= _TIE * max(1.0, abs(best))
        return cells

    def proved_gap(self, run: dict) -> float | None:
        """Percent between a feasible run's answer and the best bound any run proved for its
        instance (its own included)."""
        bound = self.bounds.get(run["instance"])
        if run["status"] not in OK or bound is None or run.get("objective") is None:
            return run.get("proved_gap") if run["status"] in OK else None
        obj = run["objective"]
        diff = obj - bound if (run.get("sense") or "min") == "min" else bound - obj
        return 100.0 * max(diff, 0.0) / max(abs(obj), 1e-9)

    def cell(self, instance: str, solver: str) -> dict[str, Any] | None:
        return self._cells.get((instance, solver))

    # ----------------------------------------------------------------- frames
    def to_frame(self, solutions: bool = False):
        """One row per run (pandas DataFrame)."""
        import pandas as pd
        drop = () if solutions else ("solution", "progress")
        return pd.DataFrame([{k: v for k, v in r.items() if k not in drop} for r in self.rows])

    def per_instance(self):
        """One row per instance: reference value, then each solver's mean objective, gap and
        whether it is the best of the row (pandas DataFrame)."""
        import pandas as pd
        records = []
        for inst in self.instances:
            ref, kind = self.refs.get(inst, (None, ""))
            rec: dict[str, Any] = {"instance": inst, "reference": ref, "reference_kind": kind,
                                   "proved_bound": self.bounds.get(inst)}
            for s in self.solvers:
                c = self._cells.get((inst, s))
                rec[f"{s}_objective"] = None if c is None else c["value"]
                rec[f"{s}_gap"] = None if c is None else c["gap"]
                rec[f"{s}_feasible"] = None if c is None else f"{c['ok']}/{len(c['runs'])}"
                rec[f"{s}_best"] = bool(c and c.get("best"))
            records.append(rec)
        return pd.DataFrame(records)

    def summary(self):
        """One row per solver: runs, feasible, optimal, failures, mean and shifted geometric mean
        gap, max gap, wins, mean time (pandas DataFrame)."""
        import pandas as pd
        records = []
        for s in self.solvers:
            cells = [self._cells[(i, s)] for i in self.instances if (i, s) in self._cells]
            runs = [r for c in cells for r in c["runs"]]
            gaps = [g for c in cells for g in c["gaps"]]
            times = [r["runtime"] for r in runs if r.get("runtime") is not None]
            cpus = [r["cpu_time"] for r in runs if r.get("cpu_time") is not None]
            proved = [g for r in runs if (g := self.proved_gap(r)) is not None]
            count = {st: sum(r["status"] == st for r in runs) for st in
                     ("INFEASIBLE", "NO_SOLUTION", "TIMEOUT", "ERROR")}
            records.append({
                "solver": s, "instances": len(cells),
                "unsupported": sum(1 for _, us, _ in self.unsupported if us == s),
                "runs": len(runs), "feasible": sum(r["status"] in OK for r in runs),
                "optimal": sum(r["status"] == "OPTIMAL" for r in runs),
                **{k.lower(): v for k, v in count.items()},
                "mean_gap": sum(gaps) / len(gaps) if gaps else None,
                "sgm_gap": (math.exp(sum(math.log(max(g, 0.0) + SGM_SHIFT) for g in gaps) / len(gaps)) - SGM_SHIFT
                            if gaps else None),
                "max_gap": max(gaps) if gaps else None,
                "proved_gap": sum(proved) / len(proved) if proved else None,
                "wins": sum(bool(c.get("best")) for c in cells),
                "mean_time": sum(times) / len(times) if times else None,
                "mean_cpu": sum(cpus) / len(cpus) if cpus else None,
            })
        return pd.DataFrame(records)

    # ----------------------------------------------------------------- rich tables
    def table(self, file=None) -> None:
        """Print both tables (per instance, then per solver) on stdout or ``file``: the same in a
        script, a terminal and a notebook."""
        from rich.console import Console
        Console(file=file, highlight=False, markup=False).print(self.tables())

    def tables(self):
        """Both tables as one rich renderable, to print where you choose."""
        from rich.console import Group
        return Group(self.instance_table(), self.summary_table())

    def instance_table(self):
        from rich.table import Table
        from rich.text import Text
        title = "objective (gap %) per instance; ★ best of the row, ✓ proved optimal"
        if self.time_limit is not None:
            title += f"; {self.time_limit:g} s per run"
        t = Table(title=title, title_justify="left")
        t.add_column("instance", style="bold", no_wrap=True)
        t.add_column("variant", no_wrap=True)
        t.add_column("size", justify="right")
        t.add_column("reference", justify="right", no_wrap=True)
        with_bound = any(b is not None for b in self.bounds.values())
        if with_bound:
            t.add_column("proved bound", justify="right", no_wrap=True)
        shown = [s for s in self.solvers if any((i, s) in self._cells for i in self.instances)]
        for s in shown:
            t.add_column(s, justify="right")
        for inst in self.instances:
            ref, kind = self.refs.get(inst, (None, ""))
            info = self.info.get(inst, {})
            cells: list[Any] = [inst, info.get("variant") or "-", str(info.get("size") or "-"), Text(f"{ref:,.6g}" + ("" if kind == "best known" else " *"))
                                if ref is not None else Text("-", style="dim")]
            if with_bound:
                b = self.bounds.get(inst)
                cells.append(Text(f"{b:,.6g}") if b is not None else Text("-", style="dim"))
            for s in shown:
                cells.append(self._cell_text(inst, s))
            t.add_row(*cells)
        notes = []
        if any(kind == "best found" for _, kind in self.refs.values()):
            notes.append("* no best-known value: gaps are to the best answer found here")
        if with_bound:
            notes.append("proved bound: the best lower bound any run proved; 'proved gap %' below is "
                         "each answer's distance to it")
        notes += [f"! {c}: one of them is wrong" for c in self.bound_conflicts]
        hidden = [s for s in self.solvers if s not in shown]
        if hidden:
            notes.append(f"not shown, no instance they support: {', '.join(hidden)}")
        t.caption = "\n".join(notes) or None
        return t

    def _cell_text(self, inst: str, s: str):
        from rich.text import Text
        c = self._cells.get((inst, s))
        if c is None:
            reason = next((r for i, us, r in self.unsupported if i == inst and us == s), "")
            return Text("unsupported" if reason else "-", style="dim")
        if not c["ok"]:
            statuses = sorted({r["status"] for r in c["runs"]})
            return Text("/".join(statuses), style="red" if "ERROR" in statuses or "INFEASIBLE" in statuses
                        else "yellow")
        text = Text(f"{c['value']:,.6g}")
        if c["gap"] is not None:
            text.append(f" ({c['gap']:.2f})", style="dim")
        if not c["ranked"]:
            text.append(f" {c['ok']}/{len(c['runs'])} ok", style="yellow")
        if c["optimal"] == len(c["runs"]):
            text.append(" ✓", style="cyan")           # proved optimal on every seed
        if c.get("best"):
            text.stylize("bold green")
            text.append(" ★", style="bold green")
        return text

    def summary_table(self):
        from rich.table import Table
        t = Table(title="per solver", title_justify="left")
        df = self.summary()
        heads = [("solver", "solver"), ("runs", "runs"), ("feasible", "feasible"), ("optimal", "optimal"),
                 ("infeasible", "infeasible"), ("timeout", "timeout"), ("error", "error"),
                 ("mean_gap", "mean gap %"), ("sgm_gap", "sgm gap %"), ("max_gap", "max gap %"),
                 ("proved_gap", "proved gap %"), ("wins", "wins"), ("mean_time", "mean time s"),
                 ("mean_cpu", "mean cpu s")]
        for _, head in heads:
            t.add_column(head, justify="left" if head == "solver" else "right")
        idle = []
        for rec in df.to_dict("records"):
            if rec["runs"] == 0 and rec["unsupported"]:
                idle.append(rec["solver"])      # supports none of the instances: a row of dashes says nothing
                continue
            t.add_row(*[_fmt(rec[k]) for k, _ in heads])
        notes = []
        if self.unsupported:
            notes.append(f"{len(self.unsupported)} instance/solver pair(s) not run: unsupported")
        for s in idle:
            reason = next((r for _, us, r in self.unsupported if us == s and r), "")
            notes.append(f"{s}: no instance run" + (f" ({_first_line(reason)})" if reason else ""))
        t.caption = "\n".join(notes) or None
        return t

    # ----------------------------------------------------------------- exports
    def to_csv(self, path: str | Path) -> Path:
        from ...instances._io import atomic_write
        return atomic_write(Path(path), self.to_frame().to_csv(index=False))

    def to_json(self, path: str | Path | None = None, solutions: bool = False) -> str:
        data = {"time_limit": self.time_limit, "solvers": self.solvers, "instances": self.instances,
                "summary": _records(self.summary()), "per_instance": _records(self.per_instance()),
                "unsupported": [{"instance": i, "solver": s, "reason": r} for i, s, r in self.unsupported],
                "runs": [{k: v for k, v in r.items() if solutions or k != "solution"} for r in self.rows]}
        text = json.dumps(data, indent=1, default=str)
        if path is not None:
            from ...instances._io import atomic_write
            atomic_write(Path(path), text + "\n")
        return text

    def to_markdown(self, path: str | Path | None = None) -> str:
        lines = []
        if self.time_limit is not None:
            lines.append(f"Time limit {self.time_limit:g} s per run. Gap in % to the reference "
                         "(best known; * = best found here). **Bold** = best of the row; ✓ = proved optimal.\n")
        with_bound = any(b is not None for b in self.bounds.values())
        lines.append("| instance | reference | " + ("proved bound | " if with_bound else "")
                     + " | ".join(self.solvers) + " |")
        lines.append("| --- | ---: | " + ("---: | " if with_bound else "") + " | ".join("---:" for _ in self.solvers) + " |")
        for inst in self.instances:
            ref, kind = self.refs.get(inst, (None, ""))
            out = [inst, "-" if ref is None else f"{ref:.6g}" + ("" if kind == "best known" else " *")]
            if with_bound:
                out.append("-" if self.bounds.get(inst) is None else f"{self.bounds[inst]:.6g}")
            for s in self.solvers:
                out.append(_md_cell(self._cells.get((inst, s))))
            lines.append("| " + " | ".join(out) + " |")
        lines.append("")
        df = self.summary()
        cols = ["solver", "runs", "feasible", "optimal", "infeasible", "timeout", "error", "mean_gap",
                "sgm_gap", "max_gap", "proved_gap", "wins", "mean_time", "mean_cpu"]
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("| --- | " + " | ".join("---:" for _ in cols[1:]) + " |")
        for rec in df.to_dict("records"):
            lines.append("| " + " | ".join(_fmt(rec[c]) for c in cols) + " |")
        text = "\n".join(lines) + "\n"
        if path is not None:
            from ...instances._io import atomic_write
            atomic_write(Path(path), text)
        return text

    def plot(self, path: str | Path) -> Path:
        """Performance profile, and gap over time when any solver reported its progress."""
        from .plots import plot_report
        return plot_report(self, Path(path))

    def __repr__(self) -> str:
        return f"Report({len(self.rows)} runs, {len(self.instances)} instances, solvers={self.solvers})"


def _md_cell(c: dict[str, Any] | None) -> str:
    if c is None:
        return "n/a"
    if not c["ok"]:
        return "/".join(sorted({r["status"] for r in c["runs"]}))
    text = f"{c['value']:.6g}" + (f" ({c['gap']:.2f})" if c["gap"] is not None else "")
    if not c["ranked"]:
        text += f" {c['ok']}/{len(c['runs'])} ok"
    if c["optimal"] == len(c["runs"]):
        text += " ✓"
    return f"**{text}**" if c.get("best") else text


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _records(df) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
            for rec in df.to_dict("records")]


def _first_line(text: str, width: int = 100) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= width else line[:width - 1] + "…"

"""The comparator's progress bar: cells done, running and failed, and an ETA."""

from __future__ import annotations

import time
from typing import Any, Callable

OK = ("OPTIMAL", "FEASIBLE")
_STYLE = {"OPTIMAL": "bold green", "FEASIBLE": "green", "INFEASIBLE": "red", "NO_SOLUTION": "yellow",
          "TIMEOUT": "yellow", "ERROR": "bold red"}


class CompareProgress:
    """A rich bar on stderr with one line per finished cell above it; or a callback; or nothing.

    The ETA is the mean wall time of the cells finished in this run times the cells left,
    divided by how many run at once (resumed cells do not count: they took no time now).
    """

    def __init__(self, total: int, already: int, enabled: bool | Callable[[str, dict[str, Any]], None] = True):
        self.total, self.done, self.running, self.failed = total, already, 0, 0
        self.callback = enabled if callable(enabled) else None
        self.enabled = bool(enabled) and self.callback is None
        self.walls: list[float] = []
        self.starts: dict[str, float] = {}
        self.max_running = 1
        self.progress = None

    def __enter__(self) -> "CompareProgress":
        if self.enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)
            self.progress = Progress(
                SpinnerColumn(), TextColumn("compare"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[state]}"), TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"),
                console=_console(), transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("compare", total=self.total, completed=self.done,
                                               state=self._state(), eta="-")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def _state(self) -> str:
        return f"running {self.running} · failed {self.failed}"

    def _eta(self) -> str:
        left = self.total - self.done
        if not self.walls:
            return "-"
        seconds = left * (sum(self.walls) / len(self.walls)) / max(1, self.max_running)
        return time.strftime("%H:%M:%S", time.gmtime(seconds)) if left else "0:00:00"

    def started(self, row: dict[str, Any]) -> None:
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        self.starts[row["key"]] = time.perf_counter()
        if self.callback:
            self.callback("start", row)
        elif self.progress is not None:
            self.progress.update(self.task, state=self._state())

    def finished(self, row: dict[str, Any]) -> None:
        self.running -= 1
        self.done += 1
        self.walls.append(time.perf_counter() - self.starts.pop(row["key"], time.perf_counter()))
        if row["status"] not in OK:
            self.failed += 1
        if self.callback:
            self.callback("done", row)
        elif self.progress is not None:
            from rich.text import Text
            gap = row.get("gap")
            line = Text.assemble(
                (f"{row['instance']:<22} ", "bold"), f"{row['solver']:<10} seed {row['seed']:<3} ",
                (f"{row['status']:<11}", _STYLE.get(row["status"], "")),
                f" {row['objective']:>12.6g}" if row.get("objective") is not None else " " * 13,
                f"  gap {gap:6.2f}%" if gap is not None else "",
                f"  {row['runtime']:.1f}s" if row.get("runtime") is not None else "",
                (f"  {row['message'][:100]}" if row["status"] not in OK and row.get("message") else "", "dim"))
            self.progress.console.print(line)
            self.progress.update(self.task, completed=self.done, state=self._state(), eta=self._eta())


def _console():
    """stderr; 160 columns when it is not a terminal, so logged lines are not wrapped at 80."""
    from rich.console import Console
    c = Console(stderr=True, highlight=False, markup=False)
    return c if c.is_terminal else Console(stderr=True, highlight=False, markup=False, width=160)

"""CVRPLIB solutions (``.sol``): one ``Route #k: c1 c2 ...`` line per route, then ``Cost X``.

Client numbers are node indices, depots first (``0 .. num_depots-1``), as VRPLIB numbers
them: for a file that lists its depot(s) first this is the file's id minus one, and it is
always our node numbering. For an instance whose depots are not listed first (renumbered on
reading, see :mod:`.tsplib`) the numbers refer to the renumbered nodes;
``problem.file_node_ids`` translates them to the file's ids. Lines with other words
(``Time 12.3``) are metadata and skipped. The format has no vehicle types: every route reads
as type 0.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ...errors import InputError
from .problem import VRPProblem, Route, VRPSolution
from .._io import number, to_floats

_ROUTE = re.compile(r"route\s*#?\s*(\d+)\s*:(.*)$", re.I)
_COST = re.compile(r"cost\b\s*:?\s*(.*)$", re.I)


def read_sol(path: Path, text: str, problem: VRPProblem | None = None) -> tuple[VRPSolution, float | None]:
    """Routes and the stated cost (None when there is no ``Cost`` line)."""
    routes: list[Route] = []
    cost: float | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s:
            continue
        if (m := _ROUTE.match(s)) is not None:
            tokens = m.group(2).split()
            values = to_floats(tokens, np.full(len(tokens), lineno), path, "Route")
            with np.errstate(invalid="ignore"):
                bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)) | (values < 1)
                                     | (values >= 2**31))
            if bad.size:
                raise InputError(f"client number {tokens[bad[0]]!r} is not a positive integer (0 is the depot)",
                                 path=path, line=lineno, field=f"Route #{m.group(1)}")
            if problem is not None and values.size and values.max() >= problem.num_nodes:
                raise InputError(f"client number {number(values.max())} is not a node of {problem.name} "
                                 f"({problem.num_nodes} nodes)", path=path, line=lineno,
                                 field=f"Route #{m.group(1)}")
            routes.append(Route(values.astype(int).tolist()))
        elif (m := _COST.match(s)) is not None:
            if cost is not None:
                raise InputError("a second Cost line", path=path, line=lineno, field="Cost")
            try:
                cost = float(m.group(1))
            except ValueError:
                raise InputError(f"malformed cost {m.group(1)!r}", path=path, line=lineno, field="Cost") from None
            if not np.isfinite(cost):
                raise InputError(f"cost {m.group(1)!r} is not a finite number", path=path, line=lineno,
                                 field="Cost")
        elif not s[0].isalpha() or s[:5].lower() == "route":   # a route line that is not one: never skip it
            raise InputError(f"expected 'Route #k: ...' or 'Cost X', got {s[:40]!r}", path=path, line=lineno)
    if not routes:
        raise InputError("no 'Route #k: ...' line: not a CVRPLIB solution", path=path)
    return VRPSolution(routes), cost


def format_cost(value: float, precision: int | None = None) -> str:
    """An integer when integral, else ``precision`` decimals when exact at that precision, else 9."""
    if abs(value - round(value)) <= 1e-9 * max(1.0, abs(value)):
        return str(int(round(value)))
    if precision is not None and abs(value - round(value, precision)) <= 1e-6:
        return f"{value:.{precision}f}"
    return number(round(value, 9))


def format_sol(solution: VRPSolution, problem: VRPProblem | None, path: Path) -> Iterator[str]:
    """The ``.sol`` text, numbered from 1 and without empty routes; ``Cost`` needs the problem."""
    typed = [r for r in solution.routes if r.visits and r.vehicle_type != 0]
    if typed:
        raise InputError(f"a route uses vehicle type {typed[0].vehicle_type}; the .sol format has no "
                         f"vehicle types, save as .json instead", path=path)
    lines = []
    for r in (r for r in solution.routes if r.visits):
        lines.append(f"Route #{len(lines) + 1}: {' '.join(map(str, r.visits))}\n")
    if problem is not None:
        lines.append(f"Cost {format_cost(problem.evaluate(solution).objective, problem.precision)}\n")
    return iter(lines)

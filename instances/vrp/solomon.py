"""Solomon (and Gehring-Homberger) VRPTW ``.txt`` files.

Layout: the instance name, a ``VEHICLE`` block (``NUMBER CAPACITY`` header, one line with
both numbers), then a ``CUSTOMER`` block (header, then one line per node: number, x, y,
demand, ready time, due date, service time; node 0 is the depot). Distances and travel
times follow the DIMACS convention, Euclidean truncated to one decimal; a time window is
[ready, due] for the start of service, and the depot's window is the planning horizon.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...errors import InputError
from .problem import VRPProblem, VehicleType
from .._io import to_floats
from ..limits import check_memory
from .distances import EUCLIDEAN, PRECISION, coordinate_distances, matrix_bytes

_COLUMNS = "CUST NO., XCOORD., YCOORD., DEMAND, READY TIME, DUE DATE, SERVICE TIME"


def is_solomon(text: str) -> bool:
    head = text[:2000]
    return bool(re.search(r"^\s*VEHICLE\s*$", head, re.M) and re.search(r"^\s*CUSTOMER\s*$", head, re.M))


def read_solomon(path: Path, text: str, convention: str | None = None) -> VRPProblem:
    """Parse a Solomon ``text`` (read from ``path``); ``convention`` replaces DIMACS truncation."""
    convention = convention or "dimacs"
    if convention not in EUCLIDEAN:
        raise InputError(f"unknown convention {convention!r} for a Solomon file; use one of "
                         f"{', '.join(EUCLIDEAN)}", path=path)
    lines = [(i, s.strip()) for i, s in enumerate(text.splitlines(), 1) if s.strip()]
    labels = [s.upper() for _, s in lines]
    try:
        v, c = labels.index("VEHICLE"), labels.index("CUSTOMER")
    except ValueError:
        raise InputError("not a Solomon file: VEHICLE and CUSTOMER headers are required", path=path) from None
    if not v < c:
        raise InputError("the VEHICLE block must come before CUSTOMER", path=path, line=lines[c][0])

    fleet = [(ln, s.split()) for ln, s in lines[v + 1: c] if not s[0].isalpha()]
    if len(fleet) != 1 or len(fleet[0][1]) != 2:
        where = fleet[0][0] if fleet else lines[c][0]
        raise InputError("the VEHICLE block needs one line with NUMBER and CAPACITY", path=path,
                         line=where, field="VEHICLE")
    count, capacity = to_floats(fleet[0][1], np.full(2, fleet[0][0]), path, "VEHICLE")
    if not (np.isfinite(count) and np.isfinite(capacity)) or count != int(count) or count < 1 or capacity < 0:
        raise InputError(f"vehicle NUMBER {count:g} / CAPACITY {capacity:g} are not a positive count and a "
                         f"non-negative capacity", path=path, line=fleet[0][0], field="VEHICLE")

    rest = lines[c + 1:]
    start = next((k for k, (_, s) in enumerate(rest) if not s[0].isalpha()), len(rest))  # skip the header
    body = [(ln, s.split()) for ln, s in rest[start:]]
    if not body:
        raise InputError("the CUSTOMER block lists no nodes", path=path, line=lines[c][0], field="CUSTOMER")
    for ln, toks in body:
        if len(toks) != 7:
            raise InputError(f"row has {len(toks)} values, expected 7 ({_COLUMNS})", path=path, line=ln,
                             field="CUSTOMER")
    row_lines = np.array([ln for ln, _ in body])
    table = to_floats([t for _, toks in body for t in toks], np.repeat(row_lines, 7), path,
                      "CUSTOMER").reshape(-1, 7)
    n = len(table)
    wrong = np.flatnonzero(table[:, 0] != np.arange(n))
    if wrong.size:
        i = int(wrong[0])
        raise InputError(f"customer number {table[i, 0]:g} where {i} was expected (nodes are numbered "
                         f"0, 1, 2, ... with the depot 0)", path=path, line=int(row_lines[i]), field="CUSTOMER")
    bad = np.flatnonzero(~np.isfinite(table).all(axis=1) | (table[:, [3, 4, 5, 6]] < 0).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"customer {i} has a negative or non-finite demand, time or service time",
                         path=path, line=int(row_lines[i]), field="CUSTOMER")
    late = np.flatnonzero(table[:, 4] > table[:, 5])
    if late.size:
        i = int(late[0])
        raise InputError(f"customer {i} has an empty time window [{table[i, 4]:g}, {table[i, 5]:g}]",
                         path=path, line=int(row_lines[i]), field="CUSTOMER")
    heavy = np.flatnonzero(table[1:, 3] > capacity) + 1
    if heavy.size:
        i = int(heavy[0])
        raise InputError(f"customer {i} has demand {table[i, 3]:g} > vehicle capacity {capacity:g}",
                         path=path, line=int(row_lines[i]), field="CUSTOMER")

    coordinates = table[:, 1:3]
    try:
        check_memory(matrix_bytes(n, convention), f"the {n:,}-node distance matrix", path=path)
    except InputError as exc:
        raise InputError(exc.message, path=path, line=int(row_lines[-1]), field="CUSTOMER") from None
    try:
        return VRPProblem(distance=coordinate_distances(coordinates, convention), demand=table[:, 3],
                   service_time=table[:, 6], time_windows=table[:, 4:6], coordinates=coordinates,
                   vehicle_types=[VehicleType(count=int(count), capacity=(float(capacity),))],
                   name=lines[0][1] if not lines[0][1][0].isdigit() else path.stem,
                   convention=convention, precision=PRECISION[convention], source=str(path))
    except InputError as exc:
        raise InputError(exc.message, path=path, line=exc.line, field=exc.field) from None

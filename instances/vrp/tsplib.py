"""TSPLIB / CVRPLIB instances (``.vrp``, ``.tsp``, ``.atsp``, ``.hcp``) and the EURO-NeurIPS (ORTEC) ``.txt``.

The reader is line-aware so every error names its line, and vectorised with numpy. It reads
the specification keywords NAME, COMMENT, TYPE, DIMENSION, CAPACITY (one value per demand
dimension), VEHICLES (fleet size; absent: unlimited, one vehicle per client), DISTANCE
(maximum route duration), SERVICE_TIME (one value for every client), EDGE_WEIGHT_TYPE,
EDGE_WEIGHT_FORMAT, EDGE_DATA_FORMAT, NODE_COORD_TYPE, DISPLAY_DATA_TYPE, and the sections
NODE_COORD, DISPLAY_DATA, EDGE_WEIGHT, EDGE_DATA (HCP), DEMAND, DEPOT, SERVICE_TIME and
TIME_WINDOW. Anything else is an error naming the keyword and its line.

A capacitated file (TYPE CVRP, DCVRP, CVRPTW, MDCVRP, or any DEMAND_SECTION) must give both the
demands and CAPACITY; TYPE DCVRP also DISTANCE (the route length limit, service times included,
as in Christofides, Mingozzi and Toth). DEPOT_SECTION ends with -1, or (as LKH-3 writes it) with
the section. A DIMENSION whose distance matrix would not fit in memory is refused as soon as the
header is read (``ROUTEOPT_MAX_MEMORY``, see :mod:`routeopt.instances.limits`).

Node numbering: depots come first, in DEPOT_SECTION order, then the other nodes in file
order; with the depot listed first (every CVRPLIB file) node ``i`` is the file's id ``i + 1``.
When the rule moves any node, the problem gets a ``file_node_ids`` array (``file_node_ids[i]``
= the file's 1-based id of node ``i``); ``.sol`` files always use the node numbers, depots
first, as VRPLIB solutions do. VEHICLES in a multi-depot file is the fleet at each depot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...errors import InputError
from .problem import VRPProblem, VehicleType
from .._io import number, to_floats
from ..limits import check_memory
from .distances import (EDGE_WEIGHT_TYPES, EUCLIDEAN, PRECISION, coordinate_distances, matrix_bytes,
                        matrix_precision)

SECTIONS = frozenset({
    "NODE_COORD_SECTION", "DISPLAY_DATA_SECTION", "EDGE_WEIGHT_SECTION", "EDGE_DATA_SECTION",
    "DEMAND_SECTION", "DEPOT_SECTION", "SERVICE_TIME_SECTION", "TIME_WINDOW_SECTION",
})
SPECS = frozenset({
    "NAME", "COMMENT", "TYPE", "DIMENSION", "CAPACITY", "VEHICLES", "DISTANCE", "SERVICE_TIME",
    "EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_FORMAT", "EDGE_DATA_FORMAT", "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE",
})
TYPES = frozenset({"TSP", "ATSP", "HCP", "CVRP", "DCVRP", "VRP", "VRPTW", "CVRPTW", "MDVRP", "MDCVRP"})
# types whose clients have demands and whose vehicles a capacity: both must be given
CAPACITATED = frozenset({"CVRP", "DCVRP", "CVRPTW", "MDCVRP"})
# the scanner keeps each number of a section as text until the section is parsed: a Python str
# (about 50 bytes), its list slot (8) and the float it becomes (8)
_TOKEN_BYTES = 66

# EDGE_WEIGHT_FORMAT -> (triangle, include diagonal); column-wise formats of a symmetric matrix
# list the same numbers in the same order as the opposite row-wise triangle.
_TRIANGLES = {
    "LOWER_ROW": ("lower", False), "UPPER_COL": ("lower", False),
    "UPPER_ROW": ("upper", False), "LOWER_COL": ("upper", False),
    "LOWER_DIAG_ROW": ("lower", True), "UPPER_DIAG_COL": ("lower", True),
    "UPPER_DIAG_ROW": ("upper", True), "LOWER_DIAG_COL": ("upper", True),
}
_KEYWORD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(:?)\s*(.*)$")
_MARKER = re.compile(r"routeopt:\s*convention=(\w+)(?:\s+precision=(\w+))?")


@dataclass
class _Section:
    name: str
    line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    end: int = 0  # the line that ended it (next keyword, EOF or the last line)

    def flat(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        """All numbers of the section in order, and the line of each."""
        tokens = [t for _, toks in self.rows for t in toks]
        lines = np.repeat(np.array([ln for ln, _ in self.rows], dtype=int),
                          [len(toks) for _, toks in self.rows])
        return to_floats(tokens, lines, path, self.name), lines


@dataclass
class _File:
    path: Path
    specs: dict[str, tuple[str, int]]
    sections: dict[str, _Section]

    def error(self, message: str, line: int | None = None, field: str | None = None) -> InputError:
        return InputError(message, path=self.path, line=line, field=field)

    def spec(self, key: str) -> str | None:
        return self.specs[key][0] if key in self.specs else None

    def number(self, key: str, *, integer: bool = False, positive: bool = False) -> float | None:
        if key not in self.specs:
            return None
        text, line = self.specs[key]
        try:
            value = float(text)
        except ValueError:
            raise self.error(f"{key} must be a number, got {text!r}", line, key) from None
        if not np.isfinite(value):
            raise self.error(f"{key} must be a finite number, got {text!r}", line, key)
        if integer and value != int(value):
            raise self.error(f"{key} must be an integer, got {text!r}", line, key)
        if positive and not value > 0:
            raise self.error(f"{key} must be positive, got {text!r}", line, key)
        return int(value) if integer else value


def is_tsplib(text: str) -> bool:
    """Whether ``text`` looks like TSPLIB/VRPLIB (``KEY : value`` lines or an EDGE_WEIGHT_SECTION)."""
    head = text[:4000]
    return bool(re.search(r"^\s*(NAME|TYPE|DIMENSION)\s*:", head, re.M)) or "EDGE_WEIGHT_SECTION" in text


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _scan(text: str, path: Path) -> _File:
    """Split the file into specification keywords and sections, remembering every line number."""
    specs: dict[str, tuple[str, int]] = {}
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    lineno = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s:
            continue
        match = _KEYWORD.match(s)
        if match is None or _is_number(match.group(1)):  # nan/inf start data lines, not keywords
            if current is None:
                raise InputError(f"numbers outside any section: {s[:40]!r}", path=path, line=lineno)
            current.rows.append((lineno, s.split()))
            continue
        if current is not None:
            current.end = lineno
            current = None
        key, value = match.group(1).upper(), match.group(3).strip()
        if key == "EOF":
            break
        if key in SECTIONS:
            if not sections:   # the header is read: refuse a size that cannot fit before reading the data
                _check_size(specs, path)
            if key in sections:
                raise InputError(f"{key} appears twice (first at line {sections[key].line})",
                                 path=path, line=lineno, field=key)
            current = sections[key] = _Section(key, lineno)
            if value:
                current.rows.append((lineno, value.split()))
        elif key.endswith("_SECTION"):
            raise InputError(f"unknown section {key}", path=path, line=lineno, field=key)
        elif key in SPECS:
            if key in specs and key != "COMMENT":
                raise InputError(f"{key} given twice (first at line {specs[key][1]})",
                                 path=path, line=lineno, field=key)
            specs[key] = (value, lineno)
        else:
            raise InputError(f"unknown keyword {key}", path=path, line=lineno, field=key)
    if current is not None:
        current.end = lineno
    return _File(path, specs, sections)


def _check_size(specs: dict[str, tuple[str, int]], path: Path, n: int | None = None) -> None:
    """Refuse a DIMENSION whose distance matrix would not fit in memory (InputError with the estimate)."""
    if "DIMENSION" not in specs:
        return
    text, line = specs["DIMENSION"]
    if n is None:
        try:
            n = int(text)
        except ValueError:
            return                     # not an integer: read_tsplib says so
    if n < 1:
        return
    weight_type = specs.get("EDGE_WEIGHT_TYPE", ("", 0))[0].strip().upper()
    nbytes = matrix_bytes(n, EDGE_WEIGHT_TYPES.get(weight_type))
    if weight_type == "EXPLICIT":
        fmt = specs.get("EDGE_WEIGHT_FORMAT", ("FULL_MATRIX", 0))[0].strip().upper()
        entries = n * n if fmt not in _TRIANGLES else n * (n + 1) // 2
        nbytes += entries * _TOKEN_BYTES
    try:
        check_memory(nbytes, f"the {n:,}-node distance matrix", path=path, field="DIMENSION")
    except InputError as exc:
        raise InputError(exc.message, path=path, line=line, field="DIMENSION") from None


def _expect_count(f: _File, section: _Section, found: int, expected: int, what: str,
                  extra_line: int | None) -> None:
    if found < expected:
        raise f.error(f"section ends after {found} of {expected} {what}", section.end, section.name)
    if found > expected:
        raise f.error(f"section has {found} {what}, expected {expected}", extra_line, section.name)


def _table(f: _File, name: str, n: int, widths: range,
           nonnegative: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """A node-indexed section (``id value...`` per line) as ``(n, width - 1)`` values and lines, by id."""
    section = f.sections.get(name)
    if section is None:
        return None
    rows_ = section.rows
    _expect_count(f, section, len(rows_), n, "nodes",
                  rows_[n][0] if len(rows_) > n else None)
    width = len(rows_[0][1])
    if width not in widths:
        expected = f"at least {widths[0]}" if len(widths) > 1 else str(widths[0])
        hint = " (3-D coordinates are not supported)" if name.endswith("COORD_SECTION") and width == 4 else ""
        raise f.error(f"row has {width} values, expected {expected}{hint}", rows_[0][0], name)
    for line, toks in rows_:
        if len(toks) != width:
            raise f.error(f"row has {len(toks)} values, expected {width} like the first row", line, name)
    values, token_lines = section.flat(f.path)
    values = values.reshape(n, width)
    lines = token_lines[::width]
    ids = values[:, 0]
    bad = np.flatnonzero((ids != np.round(ids)) | (ids < 1) | (ids > n))
    if bad.size:
        raise f.error(f"node id {number(ids[bad[0]])} is not in 1..{n}", int(lines[bad[0]]), name)
    index = ids.astype(int) - 1
    seen = np.zeros(n, dtype=int)
    np.add.at(seen, index, 1)
    if (seen > 1).any():
        dup = int(np.flatnonzero(seen > 1)[0])
        at = np.flatnonzero(index == dup)[1]
        raise f.error(f"node {dup + 1} is listed twice", int(lines[at]), name)
    data = values[:, 1:]
    if not np.isfinite(data).all() or (nonnegative and (data < 0).any()):
        r = int(np.flatnonzero(~np.isfinite(data).all(axis=1) | (nonnegative & (data < 0)).any(axis=1))[0])
        what = "negative" if np.isfinite(data[r]).all() else "not finite"
        label = name.removesuffix("_SECTION").lower().replace("_", " ")
        raise f.error(f"{label} of node {int(ids[r])} is {what}: {' '.join(map(number, data[r]))}",
                      int(lines[r]), name)
    out = np.empty_like(data)
    out[index] = data
    by_node = np.empty(n, dtype=int)
    by_node[index] = lines
    return out, by_node


def _explicit(f: _File, n: int) -> np.ndarray:
    fmt = (f.spec("EDGE_WEIGHT_FORMAT") or "").upper()
    if not fmt:
        raise f.error("EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_FORMAT", f.specs["EDGE_WEIGHT_TYPE"][1],
                      "EDGE_WEIGHT_FORMAT")
    if fmt != "FULL_MATRIX" and fmt not in _TRIANGLES:
        raise f.error(f"unsupported EDGE_WEIGHT_FORMAT {fmt}", f.specs["EDGE_WEIGHT_FORMAT"][1],
                      "EDGE_WEIGHT_FORMAT")
    section = f.sections.get("EDGE_WEIGHT_SECTION")
    if section is None:
        raise f.error("EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION", field="EDGE_WEIGHT_SECTION")
    values, lines = section.flat(f.path)
    if fmt == "FULL_MATRIX":
        expected = n * n
    else:
        triangle, diagonal = _TRIANGLES[fmt]
        expected = n * (n + 1) // 2 if diagonal else n * (n - 1) // 2
    _expect_count(f, section, values.size, expected, f"entries ({fmt}, DIMENSION {n})",
                  int(lines[expected]) if values.size > expected else None)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        v = values[bad[0]]
        raise f.error(f"distance {number(v)} is {'negative' if v < 0 else 'not finite'}",
                      int(lines[bad[0]]), section.name)
    if fmt == "FULL_MATRIX":
        matrix = values.reshape(n, n)
    else:
        k = 0 if diagonal else 1
        i, j = np.tril_indices(n, -k) if triangle == "lower" else np.triu_indices(n, k)
        matrix = np.zeros((n, n))
        matrix[i, j] = values
        matrix[j, i] = values
    matrix = matrix.copy()
    # TSPLIB puts "forbidden" sentinels on the diagonal; a route never travels i -> i.
    np.fill_diagonal(matrix, 0.0)
    return matrix


def _hcp(f: _File, n: int) -> np.ndarray:
    """HCP as a TSP: edges cost 0, non-edges 1; a tour of length 0 is a Hamiltonian cycle."""
    section = f.sections.get("EDGE_DATA_SECTION")
    if section is None:
        raise f.error("HCP needs an EDGE_DATA_SECTION", field="EDGE_DATA_SECTION")
    fmt = (f.spec("EDGE_DATA_FORMAT") or "EDGE_LIST").upper()
    values, lines = section.flat(f.path)
    ends = np.flatnonzero(values == -1)
    if not ends.size:
        raise f.error("section is not terminated by -1", section.end, section.name)
    bad = np.flatnonzero((values != -1) & ((values < 1) | (values > n) | (values != np.round(values))))
    if bad.size:
        raise f.error(f"node id {number(values[bad[0]])} is not in 1..{n}", int(lines[bad[0]]), section.name)
    adjacency = np.ones((n, n))
    if fmt == "EDGE_LIST":
        pairs = values[: ends[0]]
        if pairs.size % 2:
            raise f.error("EDGE_LIST has an odd number of node ids", int(lines[ends[0]]), section.name)
        i, j = pairs.reshape(-1, 2).astype(int).T - 1
    elif fmt == "ADJ_LIST":
        groups = np.split(values, ends + 1)
        i_list, j_list = [], []
        for g in groups:
            g = g[g != -1].astype(int) - 1
            if g.size > 1:
                i_list.append(np.full(g.size - 1, g[0]))
                j_list.append(g[1:])
        i = np.concatenate(i_list) if i_list else np.zeros(0, dtype=int)
        j = np.concatenate(j_list) if j_list else np.zeros(0, dtype=int)
    else:
        raise f.error(f"unsupported EDGE_DATA_FORMAT {fmt}", f.specs["EDGE_DATA_FORMAT"][1], "EDGE_DATA_FORMAT")
    adjacency[i, j] = adjacency[j, i] = 0.0
    np.fill_diagonal(adjacency, 0.0)
    return adjacency


def _depots(f: _File, n: int) -> list[int]:
    section = f.sections.get("DEPOT_SECTION")
    if section is None:
        return [0]
    values, lines = section.flat(f.path)
    ends = np.flatnonzero(values == -1)
    # TSPLIB ends the list with -1; LKH-3's CVRPLIB files (and vrplib) let the section end it
    end = int(ends[0]) if ends.size else values.size
    if end + 1 < values.size:
        raise f.error(f"unexpected {number(values[end + 1])} after the terminating -1",
                      int(lines[end + 1]), section.name)
    ids = values[:end]
    if not ids.size:
        raise f.error("no depot listed" + (" before -1" if ends.size else ""),
                      int(lines[end]) if ends.size else section.line, section.name)
    bad = np.flatnonzero((ids != np.round(ids)) | (ids < 1) | (ids > n))
    if bad.size:
        raise f.error(f"depot {number(ids[bad[0]])} is not a node id in 1..{n}", int(lines[bad[0]]), section.name)
    depots = [int(d) - 1 for d in ids]
    if len(set(depots)) < len(depots):
        raise f.error("a depot is listed twice", int(lines[0]), section.name)
    if len(depots) >= n:
        raise f.error(f"{len(depots)} depots leave no client among {n} nodes", int(lines[0]), section.name)
    return depots


def _distance(f: _File, n: int, coordinates: np.ndarray | None,
              convention: str | None) -> tuple[np.ndarray, str, int | None]:
    """The distance matrix, its convention and precision, from EDGE_WEIGHT_TYPE."""
    weight_type = (f.spec("EDGE_WEIGHT_TYPE") or "").upper()
    at = f.specs.get("EDGE_WEIGHT_TYPE", ("", None))[1]
    if "EDGE_WEIGHT_SECTION" in f.sections and weight_type != "EXPLICIT":
        raise f.error(f"EDGE_WEIGHT_SECTION given but EDGE_WEIGHT_TYPE is {weight_type or 'missing'}",
                      f.sections["EDGE_WEIGHT_SECTION"].line, "EDGE_WEIGHT_SECTION")
    if weight_type == "EXPLICIT":
        if convention is not None:
            raise f.error(f"convention {convention!r} cannot re-round an explicit matrix", at, "EDGE_WEIGHT_TYPE")
        distance = _explicit(f, n)
        if (marker := _MARKER.search(f.spec("COMMENT") or "")) is not None:  # written by format_vrp
            precision = None if marker.group(2) in (None, "None") else int(marker.group(2))
            return distance, marker.group(1), precision
        return distance, "explicit", matrix_precision(distance)
    if weight_type in EDGE_WEIGHT_TYPES:
        own = EDGE_WEIGHT_TYPES[weight_type]
        if convention is not None and (own not in EUCLIDEAN or convention not in EUCLIDEAN):
            raise f.error(f"convention {convention!r} cannot replace {weight_type}; only Euclidean types "
                          f"accept {', '.join(EUCLIDEAN)}", at, "EDGE_WEIGHT_TYPE")
        if coordinates is None:
            raise f.error(f"EDGE_WEIGHT_TYPE {weight_type} needs a NODE_COORD_SECTION", at, "NODE_COORD_SECTION")
        convention = convention or own
        return coordinate_distances(coordinates, convention), convention, PRECISION[convention]
    if weight_type:
        raise f.error(f"unsupported EDGE_WEIGHT_TYPE {weight_type}", at, "EDGE_WEIGHT_TYPE")
    if (f.spec("TYPE") or "").upper().startswith("HCP") or "EDGE_DATA_SECTION" in f.sections:
        return _hcp(f, n), "hcp", 0
    raise f.error("EDGE_WEIGHT_TYPE is missing", field="EDGE_WEIGHT_TYPE")


def _capacity(f: _File, demand: np.ndarray | None) -> np.ndarray | None:
    """CAPACITY as one value per demand dimension (a single value applies to all)."""
    if "CAPACITY" not in f.specs:
        return None
    text, line = f.specs["CAPACITY"]
    try:
        capacity = np.array(text.split(), dtype=float)
    except ValueError:
        raise f.error(f"CAPACITY must be numbers, got {text!r}", line, "CAPACITY") from None
    if not capacity.size:
        raise f.error("CAPACITY is empty", line, "CAPACITY")
    dims = demand.shape[1] if demand is not None else capacity.size
    if capacity.size == 1:
        capacity = np.repeat(capacity, dims)
    if capacity.size != dims or not (np.isfinite(capacity) & (capacity >= 0)).all():
        raise f.error(f"CAPACITY {text!r} must be {dims} non-negative number(s), one per demand dimension",
                      line, "CAPACITY")
    return capacity


def _require_capacity(f: _File, kind: str, has_demand: bool, has_capacity: bool) -> None:
    """A capacitated file must give both demands and the capacity: with one missing it would
    silently become an uncapacitated problem (one vehicle, or demands ignored)."""
    at = f.specs["TYPE"][1] if "TYPE" in f.specs else None
    if kind in CAPACITATED and not has_demand:
        raise f.error(f"TYPE {kind} needs a DEMAND_SECTION", at, "DEMAND_SECTION")
    if not has_capacity and (has_demand or kind in CAPACITATED):
        why = f"TYPE {kind}" if kind in CAPACITATED else "DEMAND_SECTION"
        where = at if kind in CAPACITATED else f.sections["DEMAND_SECTION"].line
        raise f.error(f"{why} needs CAPACITY (the vehicle capacity), which is missing", where, "CAPACITY")


def _service_times(f: _File, n: int, depots: list[int]) -> np.ndarray | None:
    if (t := _table(f, "SERVICE_TIME_SECTION", n, range(2, 3))) is not None:
        return t[0][:, 0]
    if (scalar := f.number("SERVICE_TIME")) is None:
        return None
    if scalar < 0:
        raise f.error(f"SERVICE_TIME is negative ({number(scalar)})", f.specs["SERVICE_TIME"][1], "SERVICE_TIME")
    service = np.full(n, scalar)
    service[depots] = 0.0
    return service


def _time_windows(f: _File, n: int) -> np.ndarray | None:
    if (t := _table(f, "TIME_WINDOW_SECTION", n, range(3, 4), nonnegative=False)) is None:
        return None
    windows, lines = t
    bad = np.flatnonzero(windows[:, 0] > windows[:, 1])
    if bad.size:
        i = int(bad[0])
        raise f.error(f"node {i + 1} has an empty time window [{number(windows[i, 0])}, {number(windows[i, 1])}]",
                      int(lines[i]), "TIME_WINDOW_SECTION")
    return windows


def read_tsplib(path: Path, text: str, convention: str | None = None) -> VRPProblem:
    """Parse TSPLIB/CVRPLIB/ORTEC ``text`` (read from ``path``) into a :class:`VRPProblem`."""
    f = _scan(text, path)
    kind = (f.spec("TYPE") or "").upper().split()
    if kind and kind[0] not in TYPES:
        raise f.error(f"unsupported TYPE {kind[0]}", f.specs["TYPE"][1], "TYPE")
    n = f.number("DIMENSION", integer=True, positive=True)
    if n is None:
        raise f.error("DIMENSION is missing", field="DIMENSION")
    _check_size(f.specs, path, n)
    coordinates = _table(f, "NODE_COORD_SECTION", n, range(3, 4), nonnegative=False)
    display = _table(f, "DISPLAY_DATA_SECTION", n, range(3, 4), nonnegative=False)
    coordinates = coordinates[0] if coordinates is not None else None
    distance, convention, precision = _distance(f, n, coordinates, convention)
    if coordinates is None and display is not None:
        coordinates = display[0]

    demand = demand_lines = None
    if (t := _table(f, "DEMAND_SECTION", n, range(2, 64))) is not None:
        demand, demand_lines = t
    capacity = _capacity(f, demand)
    depots = _depots(f, n)
    service = _service_times(f, n, depots)
    time_windows = _time_windows(f, n)
    _require_capacity(f, kind[0] if kind else "", demand is not None, capacity is not None)
    vehicles = f.number("VEHICLES", integer=True, positive=True)
    max_duration = f.number("DISTANCE", positive=True)
    if kind and kind[0] == "DCVRP" and max_duration is None:
        raise f.error("TYPE DCVRP needs DISTANCE (the maximum route length)", f.specs["TYPE"][1], "DISTANCE")
    if demand is not None and capacity is not None:
        # checked here, not only by the model, to name the line of the offending client
        over = np.flatnonzero((demand > capacity + 1e-9).any(axis=1))
        over = over[~np.isin(over, depots)]
        if over.size:
            i = int(over[0])
            raise f.error(f"client {i + 1} has demand {' '.join(map(number, demand[i]))} > vehicle capacity "
                          f"{' '.join(map(number, capacity))}", int(demand_lines[i]), "DEMAND_SECTION")

    is_depot = set(depots)
    order = np.array(depots + [i for i in range(n) if i not in is_depot])
    renumbered = bool((order != np.arange(n)).any())
    if renumbered:
        distance = distance[np.ix_(order, order)]
        coordinates, demand, service, time_windows = (
            None if a is None else a[order] for a in (coordinates, demand, service, time_windows))
    if vehicles is None:  # unlimited: one vehicle per client
        vehicles = n - len(depots) if demand is not None or capacity is not None else 1
    fleet = [VehicleType(count=vehicles, capacity=() if capacity is None else tuple(capacity),
                         start_depot=d, end_depot=d, max_duration=np.inf if max_duration is None else max_duration)
             for d in range(len(depots))]
    try:
        problem = VRPProblem(distance=distance, num_depots=len(depots), demand=demand, service_time=service,
                      time_windows=time_windows, vehicle_types=fleet, coordinates=coordinates,
                      name=f.spec("NAME") or path.stem, convention=convention, precision=precision,
                      source=str(path))
    except InputError as exc:
        raise InputError(exc.message, path=path, line=exc.line, field=exc.field) from None
    if renumbered:
        problem.file_node_ids = order + 1  # type: ignore[attr-defined]
    return problem

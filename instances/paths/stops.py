"""Stop lists for routing on a street map: a CSV with one row per stop.

=====================================  ==============================================================
column (case-insensitive)              meaning
=====================================  ==============================================================
``id`` (``name``, ``stop``)            the stop's name in every output; the row number when absent
``lat``/``lon`` (``latitude``, ...)    WGS84 degrees (``lng``, ``long``, ``longitude`` for lon)
``demand``                             what is delivered there (one number; 0 when blank)
``tw_start``/``tw_end``                time window: clock times ``08:30``, ``8:30:15`` or seconds
(``ready``/``due``, ``earliest``/      from midnight; ``time_window`` ``08:30-12:00`` in one column.
``latest``, ``open``/``close``)        A blank window means the whole day
``service`` (``service_time``)         seconds at the stop, or ``mm:ss`` / ``h:mm:ss``
``depot``                              ``1``/``yes``/``true``/``depot`` marks a depot row; without
                                       the column the first row is the depot
=====================================  ==============================================================

>>> import io
>>> s = read_stops(io.StringIO("id,lat,lon,demand,tw_start,tw_end,depot\\n"
...                            "hub,60.17,24.94,,07:00,18:00,1\\nA,60.171,24.95,3,08:30,10:00,0\\n"))
>>> s.ids, s.depot.tolist(), s.time_windows[1].tolist()
(['hub', 'A'], [True, False], [30600.0, 36000.0])
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ...errors import InputError
from .._io import read_text

__all__ = ["Stops", "read_stops", "write_stops", "random_stops", "stops_from_frame", "parse_clock", "clock_text", "DAY"]

DAY = 86_400.0


@dataclass
class Stops:
    """A stop list as read from a CSV: one row per stop, in the file's order.

    ``lonlat``: (k, 2) longitude, latitude; ``depot``: which rows are depots; ``demand`` (k,) or
    (k, d); ``time_windows`` (k, 2) seconds from midnight; ``service_time`` (k,) seconds."""

    ids: list[str]
    lonlat: np.ndarray
    depot: np.ndarray
    demand: np.ndarray | None = None
    time_windows: np.ndarray | None = None
    service_time: np.ndarray | None = None
    source: str | None = None
    lines: list[int] | None = None        # the CSV line of each row, for messages

    def __len__(self) -> int:
        return len(self.ids)

    def where(self, k: int) -> str:
        """How a message names row ``k``."""
        return f"stop {self.ids[k]!r}"

    def line(self, k: int) -> int | None:
        """The CSV line of row ``k`` (None when the stops did not come from a file)."""
        return self.lines[k] if self.lines is not None else None


_ALIASES = {
    "id": ("id", "name", "stop", "stop_id"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "demand": ("demand", "load", "quantity"),
    "tw_start": ("tw_start", "ready", "ready_time", "earliest", "open", "start", "from"),
    "tw_end": ("tw_end", "due", "due_time", "latest", "close", "end", "to"),
    "time_window": ("time_window", "tw", "window"),
    "service": ("service", "service_time", "duration"),
    "depot": ("depot", "is_depot", "type", "kind"),
}
_CLOCK = re.compile(r"^(\d{1,3}):([0-5]?\d)(?::([0-5]?\d(?:\.\d*)?))?$")
_YES = {"1", "yes", "y", "true", "t", "depot", "x"}
_NO = {"0", "no", "n", "false", "f", "", "client", "customer", "stop", "-"}


def parse_clock(text: str, *, duration: bool = False) -> float:
    """Seconds from ``08:30``, ``8:30:15``, ``510:00`` or a plain number of seconds; ``duration``
    reads ``mm:ss`` for two fields (a service of ``5:00`` is five minutes, not five hours)."""
    t = text.strip()
    m = _CLOCK.match(t)
    if m:
        a, b, c = int(m.group(1)), int(m.group(2)), m.group(3)
        if c is not None:
            return a * 3600.0 + b * 60.0 + float(c)
        return a * 60.0 + b if duration else a * 3600.0 + b * 60.0
    value = float(t)                                       # ValueError for the caller to name
    if not np.isfinite(value):
        raise ValueError(t)
    return value


def _columns(header: list[str], where: str) -> dict[str, int]:
    names = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in header]
    found: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        hits = [i for i, name in enumerate(names) if name in aliases]
        if len(hits) > 1:
            raise InputError(f"columns {', '.join(header[i] for i in hits)} all mean {key}; keep one", path=where,
                             line=1)
        if hits:
            found[key] = hits[0]
    for key in ("lat", "lon"):
        if key not in found:
            raise InputError(f"no {key} column (columns: {', '.join(header)}); a stop list needs id, lat, lon "
                             f"and optionally demand, tw_start, tw_end, service, depot", path=where, line=1)
    if ("tw_start" in found) != ("tw_end" in found):
        have, miss = ("tw_start", "tw_end") if "tw_start" in found else ("tw_end", "tw_start")
        raise InputError(f"a {have} column without {miss}: give both ends of the time window", path=where, line=1)
    if "time_window" in found and "tw_start" in found:
        raise InputError("both time_window and tw_start/tw_end columns; keep one form", path=where, line=1)
    return found


def read_stops(source: str | Path | TextIO, *, name: str | None = None) -> Stops:
    """The stops of a CSV file (or open text); see the module docstring for the columns."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        where = str(path)
        text = read_text(path)
    else:
        where = name or "stops"
        text = source.read()
    rows = [r for r in csv.reader(io.StringIO(text))]
    numbered = [(i + 1, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    if not numbered:
        raise InputError("empty stop list", path=where)
    (_, header), body = numbered[0], numbered[1:]
    if not body:
        raise InputError("no stops below the header line", path=where, line=1)
    col = _columns(header, where)
    ids: list[str] = []
    lonlat = np.empty((len(body), 2))
    demand = np.zeros(len(body))
    windows = np.tile([0.0, np.nan], (len(body), 1))
    service = np.zeros(len(body))
    depot = np.zeros(len(body), dtype=bool)

    def cell(row: list[str], key: str) -> str:
        i = col.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    for k, (line, row) in enumerate(body):
        if len(row) > len(header):
            raise InputError(f"{len(row)} fields for the {len(header)} columns of the header", path=where, line=line)
        ids.append(cell(row, "id") or str(k))

        def num(key: str, low: float = -np.inf, high: float = np.inf, parse=float) -> float:
            text = cell(row, key)
            try:
                value = parse(text)
            except (ValueError, OverflowError):
                raise InputError(f"{text!r} is not a number" if text else "missing value", path=where, line=line,
                                 field=key) from None
            if not (low <= value <= high):
                raise InputError(f"{value:g} is outside {low:g}..{high:g}", path=where, line=line, field=key)
            return value

        lonlat[k] = num("lon", -180, 180), num("lat", -90, 90)
        if "demand" in col and cell(row, "demand"):
            demand[k] = num("demand", 0)
        if "service" in col and cell(row, "service"):
            service[k] = num("service", 0, DAY, lambda t: parse_clock(t, duration=True))
        if "tw_start" in col and (cell(row, "tw_start") or cell(row, "tw_end")):
            windows[k] = num("tw_start", 0, 7 * DAY, parse_clock), num("tw_end", 0, 7 * DAY, parse_clock)
        elif "time_window" in col and cell(row, "time_window"):
            parts = re.split(r"\s*(?:-|–|to)\s*", cell(row, "time_window"))
            try:
                if len(parts) != 2:
                    raise ValueError
                windows[k] = parse_clock(parts[0]), parse_clock(parts[1])
            except (ValueError, OverflowError):
                raise InputError(f"{cell(row, 'time_window')!r} is not a window like 08:30-12:00", path=where,
                                 line=line, field="time_window") from None
        if windows[k, 0] > windows[k, 1]:
            raise InputError(f"the window closes ({windows[k, 1]:g} s) before it opens ({windows[k, 0]:g} s)",
                             path=where, line=line, field="tw_end")
        if "depot" in col:
            flag = cell(row, "depot").lower()
            if flag not in _YES | _NO:
                raise InputError(f"{cell(row, 'depot')!r}: write 1/yes for a depot and 0/no (or blank) for a stop",
                                 path=where, line=line, field="depot")
            depot[k] = flag in _YES
    if "depot" not in col:
        depot[0] = True                                 # documented: the first row is the depot
    lines = [line for line, _ in body]
    seen: dict[str, int] = {}
    for k, sid in enumerate(ids):
        if sid in seen:
            raise InputError(f"stop id {sid!r} is used twice (rows on lines {lines[seen[sid]]} and {lines[k]})",
                             path=where, line=lines[k], field="id")
        seen[sid] = k
    if not depot.any():
        raise InputError("no depot: mark one row with depot=1", path=where, field="depot")
    if depot.all():
        raise InputError("every row is a depot: no stop to visit", path=where, field="depot")
    if (demand[depot] > 0).any():
        k = int(np.flatnonzero(depot & (demand > 0))[0])
        raise InputError(f"depot {ids[k]!r} has a demand; a depot's demand must be 0 or blank", path=where,
                         line=lines[k], field="demand")
    has_windows = ("tw_start" in col or "time_window" in col) and np.isfinite(windows[:, 1]).any()
    if has_windows:
        # a blank window is the whole day (or up to the latest window given, if that is later)
        windows[~np.isfinite(windows[:, 1]), 1] = max(DAY, float(np.nanmax(windows[:, 1])))
    return Stops(ids=ids, lonlat=lonlat, depot=depot,
                 demand=demand if "demand" in col else None,
                 time_windows=windows if has_windows else None,
                 service_time=service if "service" in col else None, source=where,
                 lines=lines)


def stops_from_frame(frame: Any) -> Stops:
    """The same from a pandas DataFrame (columns as in the CSV)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    buf.seek(0)
    return read_stops(buf, name="DataFrame")


def clock_text(seconds: float) -> str:
    """``08:30`` (``08:30:15`` when there are seconds), as :func:`parse_clock` reads it back."""
    s = int(round(float(seconds)))
    return f"{s // 3600:02d}:{s // 60 % 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")


def write_stops(stops: Stops, path: str | Path) -> Path:
    """The stop list as a CSV :func:`read_stops` reads back (clock times for windows), atomically."""
    from .._io import atomic_write, number
    clock = clock_text

    cols = ["id", "lat", "lon"] + (["demand"] if stops.demand is not None else []) \
        + (["tw_start", "tw_end"] if stops.time_windows is not None else []) \
        + (["service"] if stops.service_time is not None else []) + ["depot"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for k, sid in enumerate(stops.ids):
        row = [sid, f"{stops.lonlat[k, 1]:.7f}", f"{stops.lonlat[k, 0]:.7f}"]
        if stops.demand is not None:
            row.append(number(float(np.ravel(stops.demand[k])[0])))
        if stops.time_windows is not None:
            row += [clock(stops.time_windows[k, 0]), clock(stops.time_windows[k, 1])]
        if stops.service_time is not None:
            row.append(number(float(stops.service_time[k])))
        row.append("1" if stops.depot[k] else "0")
        w.writerow(row)
    return atomic_write(Path(path), buf.getvalue())


def random_stops(graph: Any, n: int, seed: int = 0, *, demand: bool = True, time_windows: bool = True,
                 service: float = 300.0, spread: float = 25.0) -> Stops:
    """``n`` stops and one depot near the roads of a geographic ``graph`` (seeded): each a few
    metres (up to ``spread``) off a node of the map's main strongly connected part, the depot near
    its centre; demands 1-10, two- to four-hour windows between 08:00 and 18:00 (depot 07:00-20:00),
    ``service`` seconds at each stop."""
    from ..params import number as check_number
    n = check_number("n", n, 1, 100_000, integer=True)
    if not getattr(graph, "geographic", False):
        raise InputError("stops are placed on a map with longitude/latitude coordinates", field="graph")
    rng = np.random.default_rng(seed)
    nodes = graph.largest_component_nodes()
    if nodes.size < 2:
        raise InputError("the map's connected part is too small to place stops on", field="graph")
    xy = graph.coordinates[nodes]
    centre = int(nodes[np.argmin(np.linalg.norm(xy - xy.mean(axis=0), axis=1))])
    picked = rng.choice(nodes[nodes != centre], size=n, replace=n > nodes.size - 1)
    lat0 = np.radians(float(graph.coordinates[:, 1].mean()))
    angle, radius = rng.uniform(0, 2 * np.pi, n + 1), rng.uniform(0, spread, n + 1)
    offset_m = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    deg = np.degrees(offset_m / np.array([6_371_008.8 * np.cos(lat0), 6_371_008.8]))
    lonlat = graph.coordinates[np.concatenate([[centre], picked])] + deg
    k = n + 1
    windows = None
    if time_windows:
        start = rng.uniform(8 * 3600, 14 * 3600, k)
        windows = np.column_stack([start, np.minimum(start + rng.uniform(2, 4, k) * 3600, 18 * 3600)])
        windows = np.round(windows / 300) * 300                  # on the five minutes, as people write them
        windows[0] = (7 * 3600, 20 * 3600)
    dem = np.concatenate([[0.0], rng.integers(1, 11, n).astype(float)]) if demand else None
    svc = np.concatenate([[0.0], np.full(n, float(service))]) if service else None
    ids = ["depot"] + [f"S{i:03d}" for i in range(1, n + 1)]
    depot = np.zeros(k, dtype=bool)
    depot[0] = True
    return Stops(ids=ids, lonlat=lonlat, depot=depot, demand=dem, time_windows=windows, service_time=svc,
                 source=None)

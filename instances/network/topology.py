"""Wide-area topologies: Internet Topology Zoo GraphML, SNDlib native files and the topohub package.

Every reader gives a :class:`NetworkProblem` with ``topology="wan"``: every node (a point of
presence) is a host that sends, receives and forwards traffic, every link is a duplex cable (two
directed links), and each link has a routing ``weight``:

- its great-circle length in km (haversine) when both ends have coordinates; a link at a node
  without coordinates weighs the median length of the others (the Zoo leaves some nodes
  unplaced); with no coordinates at all every link weighs 1 (hop count);
- parallel cables between two nodes (Zoo graphs are multigraphs) add their capacities.

Capacities, in Gbit/s for the Topology Zoo: ``LinkSpeedRaw`` (bit/s), else ``LinkSpeed`` with
``LinkSpeedUnits`` (k, M, G, T); a link with neither gets ``default_capacity``
(:data:`DEFAULT_CAPACITY`, 10 Gbit/s: the Zoo labels fewer than half of its links). SNDlib
capacities are in the file's own unit: the pre-installed capacity, else the largest installable
module, else the largest capacity found in the file.

SNDlib demands become the problem's flows (directed, source to target); a Zoo file has no
traffic: :func:`~.wan.gravity` makes some.

Data: topohub (MIT) ships the Topology Zoo graphs (Knight et al., IEEE JSAC 2011; the Zoo's
data are CC BY-SA 3.0) and the SNDlib networks (Orlowski et al., Networks 2010) as JSON; they
are read from the installed package, nothing is downloaded.

>>> net = from_topohub("Abilene")
>>> net.name, len(net.nodes), len(net.links), net.topology
('Abilene', 11, 28, 'wan')
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError
from .problem import NetworkProblem
from .io import _number

__all__ = ["DEFAULT_CAPACITY", "ZOO_KEYS", "is_zoo_graphml", "is_sndlib", "read_zoo_graphml", "read_sndlib",
           "from_topohub", "haversine"]

DEFAULT_CAPACITY = 10.0           # Gbit/s, for a link whose speed the file does not say
MIN_LENGTH_KM = 1.0               # co-located PoPs: a link still costs something to cross
ZOO_KEYS = ("Latitude", "Longitude", "LinkSpeed", "LinkSpeedRaw", "LinkLabel")
_UNITS = {"": 1e-9, "k": 1e-6, "m": 1e-3, "g": 1.0, "t": 1e3}       # to Gbit/s
SNDLIB_HEADER = "?SNDlib native format"


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two (longitude, latitude) points in degrees (the street
    maps' formula and Earth radius).

    >>> round(haversine(-74.01, 40.71, -87.65, 41.85))    # New York - Chicago
    1146
    """
    from ..paths.osm import haversine as metres
    return float(metres(lon1, lat1, lon2, lat2)) / 1000.0


# ---------------------------------------------------------------------------- the common builder
def wan_network(name: str, source: str | None, names: list[str], coords: list[tuple[float, float] | None],
                cables: list[tuple[int, int, float | None]], default_capacity: float,
                path: Path | None = None, lengths: list[float | None] | None = None) -> NetworkProblem:
    """A WAN from node names, (lon, lat) or None per node, and cables ``(u, v, capacity or None)``;
    ``lengths`` (km per cable, None: from the coordinates) when the source already measured them."""
    known = [coords[u] is not None and coords[v] is not None for u, v, _ in cables]
    length = [lengths[k] if lengths is not None and lengths[k] is not None
              else haversine(*coords[u], *coords[v]) if known[k] else None
              for k, (u, v, _) in enumerate(cables)]
    measured = [x for x in length if x is not None]
    fill = float(np.median(measured)) if measured else 1.0
    weight: dict[tuple[int, int], float] = {}
    cap: dict[tuple[int, int], float] = {}
    for (u, v, c), km in zip(cables, length):
        w = 1.0 if not measured else max(MIN_LENGTH_KM, km if km is not None else fill)
        c = default_capacity if c is None else c
        for pair in ((u, v), (v, u)):
            cap[pair] = cap.get(pair, 0.0) + c
            weight[pair] = min(weight.get(pair, math.inf), w)
    if not cap:
        raise InputError("no links found", path=path)
    from .io import _check_connected
    _check_connected(path or Path(name), names, list(range(len(names))), cap)
    links = np.array(list(cap), dtype=np.int64).reshape(-1, 2)
    try:
        return NetworkProblem(names, list(range(len(names))), links, np.array(list(cap.values())),
                              np.zeros((0, 2)), np.zeros(0), name=name, topology="wan", source=source,
                              weight=np.array([weight[p] for p in cap]))
    except InputError as exc:
        raise InputError(exc.message, path=path, field=exc.field) from None


def _unique(names: list[str], ids: list[str]) -> list[str]:
    """Zoo labels repeat (two PoPs in one city); such a name gets its node id appended."""
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return [n if seen[n] == 1 and n else f"{n or 'node'}#{i}" for n, i in zip(names, ids)]


# ---------------------------------------------------------------------------- Topology Zoo GraphML
def is_zoo_graphml(text: str) -> bool:
    """Whether GraphML ``text`` declares a Topology Zoo attribute (coordinates or link speeds)."""
    head = text[:20000]
    return "<graphml" in head and any(f'attr.name="{k}"' in head for k in ZOO_KEYS)


def read_zoo_graphml(path: str | Path, text: str | None = None, *,
                     default_capacity: float = DEFAULT_CAPACITY) -> NetworkProblem:
    """A WAN from a Topology Zoo GraphML file (see the module's rules for weights and capacities).

    Parsed with expat so that every error names the line of the node or edge at fault."""
    import xml.parsers.expat

    path = Path(path)
    if text is None:
        from .._io import read_text
        text = read_text(path)
    keys: dict[str, str] = {}                  # key id -> attribute name
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    parser = xml.parsers.expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = tag.rsplit(":", 1)[-1]
        line = parser.CurrentLineNumber
        if tag == "key":
            keys[attrs.get("id", "")] = attrs.get("attr.name", attrs.get("id", ""))
        elif tag == "node":
            if "id" not in attrs:
                raise InputError("a <node> without an id", path=path, line=line)
            item = {"id": attrs["id"], "line": line, "data": {}}
            nodes.append(item)
            stack.append(item)
        elif tag == "edge":
            for end in ("source", "target"):
                if end not in attrs:
                    raise InputError(f"an <edge> without a {end}", path=path, line=line)
            item = {"source": attrs["source"], "target": attrs["target"], "line": line, "data": {}}
            edges.append(item)
            stack.append(item)
        elif tag == "data" and stack:
            stack[-1]["key"] = keys.get(attrs.get("key", ""), attrs.get("key", ""))
            stack[-1]["text"] = []
            stack[-1]["data_line"] = line

    def end(tag: str) -> None:
        tag = tag.rsplit(":", 1)[-1]
        if tag in ("node", "edge") and stack:
            stack.pop()
        elif tag == "data" and stack and "key" in stack[-1]:
            item = stack[-1]
            item["data"][item.pop("key")] = ("".join(item.pop("text")).strip(), item.pop("data_line"))

    def chars(data: str) -> None:
        if stack and "text" in stack[-1]:
            stack[-1]["text"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(f"not well-formed GraphML: {xml.parsers.expat.ErrorString(exc.code)}",
                         path=path, line=exc.lineno) from None
    if not nodes:
        raise InputError("no <node> found", path=path)
    index = {n["id"]: k for k, n in enumerate(nodes)}
    if len(index) != len(nodes):
        dup = next(n for k, n in enumerate(nodes) if index[n["id"]] != k)
        raise InputError(f"node id {dup['id']!r} appears twice", path=path, line=dup["line"])
    coords: list[tuple[float, float] | None] = []
    for n in nodes:
        lat, lon = (_float(n["data"].get(k), path, k, n["line"]) for k in ("Latitude", "Longitude"))
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"node {n['id']!r}: Latitude {lat}, Longitude {lon} is not a place on Earth",
                             path=path, line=n["line"])
        coords.append((lon, lat) if lat is not None and lon is not None else None)
    cables: list[tuple[int, int, float | None]] = []
    for e in edges:
        ends = []
        for end_ in ("source", "target"):
            if e[end_] not in index:
                raise InputError(f"edge {e['source']}-{e['target']}: unknown node {e[end_]!r}", path=path,
                                 line=e["line"])
            ends.append(index[e[end_]])
        if ends[0] == ends[1]:
            continue                               # a Zoo self-loop carries nothing between PoPs
        cables.append((ends[0], ends[1], _zoo_speed(e, path)))
    labels = [n["data"].get("label", (n["id"], 0))[0] for n in nodes]
    names = _unique(labels, [n["id"] for n in nodes])
    return wan_network(path.name.split(".")[0] or path.stem, str(path), names, coords, cables,
                       default_capacity, path)


def _float(item: tuple[str, int] | None, path: Path, what: str, line: int) -> float | None:
    if item is None or item[0] == "":
        return None
    return _number(item[0], path, item[1], what)


def _zoo_speed(edge: dict[str, Any], path: Path) -> float | None:
    """The link's speed in Gbit/s, or None when the Zoo does not know it."""
    data = edge["data"]
    raw = _float(data.get("LinkSpeedRaw"), path, "LinkSpeedRaw", edge["line"])
    if raw is None and data.get("LinkSpeed"):
        speed = _float(data["LinkSpeed"], path, "LinkSpeed", edge["line"])
        unit = data.get("LinkSpeedUnits", ("G", 0))[0].strip().lower()[:1]
        if unit not in _UNITS:
            raise InputError(f"LinkSpeedUnits must be k, M, G or T, got {data['LinkSpeedUnits'][0]!r}",
                             path=path, line=data["LinkSpeedUnits"][1])
        raw = None if speed is None else speed * _UNITS[unit] * 1e9
    if raw is None:
        return None
    if raw <= 0:
        where = data.get("LinkSpeedRaw", data.get("LinkSpeed"))
        raise InputError(f"edge {edge['source']}-{edge['target']}: link speed must be positive, got {where[0]!r}",
                         path=path, line=where[1])
    return raw * 1e-9


# ---------------------------------------------------------------------------- SNDlib native
def is_sndlib(text: str) -> bool:
    return text.lstrip("\ufeff").startswith(SNDLIB_HEADER)


_ENTRY = re.compile(r"^(\S+)\s*\(\s*(\S+)\s+(\S+)\s*\)\s*(.*)$")


def read_sndlib(path: str | Path, text: str | None = None) -> tuple[NetworkProblem, list[tuple[int, int, float]]]:
    """A WAN and its demands ``(source, target, value)`` from an SNDlib native file (NODES, LINKS,
    DEMANDS sections; links are duplex, demands directed)."""
    path = Path(path)
    if text is None:
        from .._io import read_text
        text = read_text(path)
    if not is_sndlib(text):
        raise InputError(f"not an SNDlib native file: the first line must start with {SNDLIB_HEADER!r}",
                         path=path, line=1)
    section = None
    names: list[str] = []
    coords: list[tuple[float, float] | None] = []
    index: dict[str, int] = {}
    cables: list[tuple[int, int, float | None]] = []
    demands: list[tuple[int, int, float]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("?"):
            continue
        head = re.match(r"^([A-Z_]+)\s*\($", line)
        if head and section is None:
            section = head.group(1)
            continue
        if line == ")":
            section = None
            continue
        if section == "NODES":
            m = re.match(r"^(\S+)\s*\(\s*(\S+)\s+(\S+)\s*\)$", line)
            if not m:
                raise InputError(f"expected 'NAME ( LONGITUDE LATITUDE )', got {raw.strip()!r}", path=path, line=lineno)
            if m.group(1) in index:
                raise InputError(f"node {m.group(1)!r} appears twice", path=path, line=lineno)
            lon, lat = (_number(x, path, lineno, "coordinate") for x in m.group(2, 3))
            index[m.group(1)] = len(names)
            names.append(m.group(1))
            coords.append((lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None)
        elif section in ("LINKS", "DEMANDS"):
            m = _ENTRY.match(line)
            if not m:
                raise InputError(f"expected 'ID ( SOURCE TARGET ) ...' in {section}, got {raw.strip()!r}",
                                 path=path, line=lineno)
            ends = []
            for end in m.group(2, 3):
                if end not in index:
                    raise InputError(f"unknown node {end!r}", path=path, line=lineno)
                ends.append(index[end])
            rest = m.group(4).replace("(", " ").replace(")", " ").split()
            if section == "LINKS":
                if len(rest) < 4:
                    raise InputError("expected pre-installed capacity, its cost, routing cost and setup cost "
                                     "after the link's ends", path=path, line=lineno)
                values = [_number(x, path, lineno, "link field") for x in rest]
                modules = values[4::2]
                c = values[0] if values[0] > 0 else max(modules, default=0.0)
                if ends[0] != ends[1]:
                    cables.append((ends[0], ends[1], c if c > 0 else None))
            else:
                if len(rest) < 2:
                    raise InputError("expected routing unit and demand value after the demand's ends",
                                     path=path, line=lineno)
                value = _number(rest[1], path, lineno, "demand value")
                if value < 0:
                    raise InputError(f"negative demand {rest[1]}", path=path, line=lineno)
                if value > 0 and ends[0] != ends[1]:
                    demands.append((ends[0], ends[1], value))
    if not names:
        raise InputError("no NODES section found", path=path)
    known = [c for *_, c in cables if c is not None]
    net = wan_network(path.name.split(".")[0] or path.stem, str(path), names, coords, cables,
                      max(known, default=DEFAULT_CAPACITY), path)
    return net, demands


# ---------------------------------------------------------------------------- topohub
def topohub_key(name: str) -> str:
    """``Abilene`` -> ``topozoo/Abilene``; a key with a group (``sndlib/polska``) stays as it is."""
    return name if "/" in name else f"topozoo/{name}"


def from_topohub(name: str, *, default_capacity: float = DEFAULT_CAPACITY
                 ) -> NetworkProblem:
    """A WAN from the topohub package (``Abilene``, ``topozoo/Geant2012``, ``sndlib/polska``);
    :func:`topohub_with_demands` also gives an SNDlib topology's demands.

    Only the largest connected part is kept: topohub drops Zoo nodes that have no coordinates,
    which leaves a few graphs in pieces. topohub has no link speeds: every link gets
    ``default_capacity``."""
    return topohub_with_demands(name, default_capacity=default_capacity)[0]


def topohub_with_demands(name: str, *, default_capacity: float = DEFAULT_CAPACITY
                         ) -> tuple[NetworkProblem, list[tuple[int, int, float]]]:
    try:
        import topohub
    except ImportError:
        raise InputError("the topohub package is not installed: pip install topohub", field="topology") from None
    key = topohub_key(str(name))
    try:
        data = topohub.get(key)
    except (KeyError, RuntimeError, ValueError):
        raise InputError(f"topohub has no topology {key!r} (e.g. topozoo/Abilene, topozoo/Geant2012, "
                         f"sndlib/polska)", field="topology") from None
    ids = [str(n["id"]) for n in data["nodes"]]
    pos = {str(n["id"]): n.get("pos") for n in data["nodes"]}
    at = {i: k for k, i in enumerate(ids)}
    adj: dict[str, set[str]] = {i: set() for i in ids}
    for e in data["edges"]:
        s, t = str(e["source"]), str(e["target"])
        adj[s].add(t)
        adj[t].add(s)
    part = max(_components(ids, adj), key=len)
    keep = [i for i in ids if i in part]
    new = {i: k for k, i in enumerate(keep)}
    names = _unique([str(data["nodes"][at[i]].get("name", i)) for i in keep], keep)
    coords = [tuple(pos[i]) if pos[i] is not None else None for i in keep]
    cables, lengths = [], []
    for e in data["edges"]:
        s, t = str(e["source"]), str(e["target"])
        if s in new and t in new and s != t:
            cables.append((new[s], new[t], None))
            lengths.append(e.get("dist"))
    net = wan_network(key.split("/")[-1], f"topohub:{key}", names, coords, cables, default_capacity,
                      lengths=lengths)
    demands = [(new[str(s)], new[str(t)], float(v)) for s, row in data["graph"].get("demands", {}).items()
               for t, v in row.items() if str(s) in new and str(t) in new and str(s) != str(t) and v > 0]
    return net, demands


def _components(ids: list[str], adj: dict[str, set[str]]) -> list[set[str]]:
    seen: set[str] = set()
    out = []
    for i in ids:
        if i in seen:
            continue
        part, stack = {i}, [i]
        while stack:
            for v in adj[stack.pop()]:
                if v not in part:
                    part.add(v)
                    stack.append(v)
        seen |= part
        out.append(part)
    return out

"""Graph files: DIMACS ``.gr``/``.co``, SNAP-style edge lists, OpenStreetMap, GraphML.

========================  ==================================================================
``.gr`` (``.co`` beside)  9th DIMACS challenge: ``p sp N M``, arcs ``a U V W`` (1-based, directed);
                          ``.co``: ``v ID X Y`` coordinates (``.gr.gz``/``.gr.bz2`` too)
``.edges .edgelist .el``  one edge per line ``U V [W]``; ``#``/``%`` comments; ``.txt`` too
                          when it is neither Solomon nor VRPLIB (SNAP ships ``.txt`` and ``.txt.gz``)
``.osm.pbf .osm``         OpenStreetMap (``.osm.bz2 .osm.gz .pbf`` too) read with pyosmium
                          (:mod:`.osm`): libosmium's C++ reader decodes PBF on several threads and
                          hands over only the highway ways, located, with no GeoDataFrames built
                          (pyrosm) nor networkx graphs (osmnx). Arcs weighted by length (metres),
                          travel times (seconds) as the second metric, for a travel ``profile``
                          (car, bike, walk; :mod:`.profiles`); ``simplify`` keeps intersections as
                          nodes and the bends as arc geometry. :func:`read_place` downloads a
                          place by name with osmnx instead (online only)
``.graphml``              GraphML through networkx: edge attribute ``weight``, node ``x``/``y``
========================  ==================================================================

SNAP edge lists say ``# Directed graph`` or ``# Undirected graph`` in their header; without
it an edge list is read as undirected. Node numbers are kept in ``graph.node_ids``; the graph
numbers nodes 0..N-1 in order of first appearance for edge lists, by DIMACS number otherwise.
"""

from __future__ import annotations

import bz2
import gzip
import re
from pathlib import Path
from typing import Iterable

import numpy as np

from ...errors import InputError
from .graph import MAX_PATH_SUM, Graph, check_graph_size
from .osm import is_osm, read_osm
from .._io import atomic_write, number

SUFFIXES = (".gr", ".edges", ".edgelist", ".el", ".osm", ".osm.pbf", ".osm.bz2", ".graphml")
COMPRESSED = (".gz", ".bz2")
_COUNT = re.compile(r"[0-9]+")
_EDGE_LINE = re.compile(r"^\s*-?\d+\s+-?\d+(\s+[-+0-9.eE]+)?\s*$")


def graph_format(path: Path) -> str | None:
    """``.gr``, ``.edges``, ``.osm`` (every OpenStreetMap file, ``.pbf`` too), ``.graphml`` or
    ``.co`` for a graph file (compressed or not), else None."""
    if is_osm(path):
        return ".osm"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED:
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] == ".txt":
            return ".edges"
    if not suffixes:
        return None
    last = suffixes[-1]
    if last in (".edges", ".edgelist", ".el"):
        return ".edges"
    return last if last in (".gr", ".osm", ".co", ".graphml") else None


def _open_text(path: Path) -> str:
    if not path.exists():
        raise InputError("no such file", path=path)
    if not path.is_file():
        raise InputError("not a file", path=path)
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix.lower())
    try:
        if opener is None:
            return path.read_text(encoding="utf-8", errors="replace")
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            return f.read()
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", path=path) from None


def read_graph(path: str | Path, **options) -> Graph:
    """The graph in ``path`` (format from the extension; see the module docstring)."""
    path = Path(path)
    kind = graph_format(path)
    if kind == ".gr":
        return read_dimacs(path)
    if kind == ".osm":
        return read_osm(path, **options)          # profile="car" | "bike" | "walk", simplify=True
    if kind == ".edges":
        return read_edge_list(path, _open_text(path), **options)
    if kind == ".graphml":
        return read_graphml(path)
    if kind == ".co":
        raise InputError("a .co file holds coordinates only; load the .gr file beside it", path=path)
    raise InputError(f"not a graph file (expected {', '.join(SUFFIXES)})", path=path)


def read_graphml(path: Path, text: str | None = None) -> Graph:
    """A GraphML graph through networkx: edge attribute ``weight`` (1 when absent), ``x``/``y`` node
    attributes as coordinates; directed when the file says so. ``text``: the file's content, read
    from ``path`` when not given."""
    import networkx as nx
    if text is None:
        text = _open_text(path)                        # the same one-line errors for a missing file
    try:
        G = nx.parse_graphml(text)
    except Exception as exc:                           # networkx raises several parser errors
        raise InputError(f"not a GraphML graph: {' '.join(str(exc).split())}", path=path) from None
    try:
        return Graph.from_networkx(G, weight="weight")
    except InputError as exc:
        raise InputError(exc.message, path=path, field=exc.field) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(f"bad GraphML attribute: {' '.join(str(exc).split())}", path=path) from None


# --------------------------------------------------------------------------- DIMACS
def _lines_starting(text: str, letter: str) -> tuple[list[str], np.ndarray]:
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines) if line.startswith(letter)]
    return [lines[i] for i in numbers], np.asarray(numbers, dtype=np.int64) + 1


def _table(path: Path, lines: list[str], numbers: np.ndarray, width: int, what: str) -> np.ndarray:
    """Rows ``letter a b c`` as a float table, naming the first bad line."""
    tokens = " ".join(line[1:] for line in lines).split()          # the letter dropped
    if len(tokens) == (width - 1) * len(lines):
        try:
            return np.array(tokens, dtype=float).reshape(-1, width - 1)
        except ValueError:
            pass
    for line, no in zip(lines, numbers):
        parts = line.split()
        if len(parts) != width:
            raise InputError(f"{what} line has {len(parts)} fields, expected {width}", path=path, line=int(no))
        for tok in parts[1:]:
            try:
                np.array(tok, dtype=float)
            except (ValueError, OverflowError):
                raise InputError(f"malformed number {tok!r}", path=path, line=int(no)) from None
    raise InputError(f"malformed {what} lines", path=path)  # pragma: no cover - caught above


def read_dimacs(path: Path, text: str | None = None, coordinates: str | None = None) -> Graph:
    """A DIMACS ``.gr`` graph with the ``.co`` coordinates beside it; ``text`` and ``coordinates``:
    the two files' content when already read (``path`` then only names them)."""
    text = _open_text(path) if text is None else text
    header, hline = _lines_starting(text, "p")
    if not header:
        raise InputError("no 'p sp N M' line: not a DIMACS .gr file", path=path)
    parts = header[0].split()
    if len(parts) != 4 or parts[1] != "sp" or not _COUNT.fullmatch(parts[2]) or not _COUNT.fullmatch(parts[3]):
        raise InputError(f"expected 'p sp N M', got {header[0].strip()!r}", path=path, line=int(hline[0]))
    n, m = int(parts[2]), int(parts[3])
    check_graph_size(n, m, path=path)
    lines, numbers = _lines_starting(text, "a")
    arcs = _table(path, lines, numbers, 4, "arc") if lines else np.zeros((0, 3))
    if arcs.shape[0] != m:
        raise InputError(f"the p line announces {m} arcs but the file has {arcs.shape[0]} (truncated?)",
                         path=path, line=int(hline[0]))
    u, v, w = arcs[:, 0], arcs[:, 1], arcs[:, 2]
    bad = (u < 1) | (u > n) | (v < 1) | (v > n) | (u != np.round(u)) | (v != np.round(v))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"arc {u[i]:g} -> {v[i]:g} uses a node outside 1..{n}", path=path, line=int(numbers[i]))
    _check_weights(path, w, numbers, n, "arc weight")
    coords = _read_coordinates(path, n, coordinates)
    return Graph.from_edges(n, u.astype(np.int64) - 1, v.astype(np.int64) - 1, w, directed=True,
                            coordinates=coords, node_ids=np.arange(1, n + 1), metric="weight")


def _check_weights(path: Path, w: np.ndarray, numbers, n: int, what: str) -> None:
    """Weights must be finite, >= 0, and small enough that no path sum overflows (line named)."""
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        word = "negative" if w[i] < 0 else "non-finite"
        raise InputError(f"{word} {what} {w[i]:g}", path=path, line=int(numbers[i]) )
    limit = MAX_PATH_SUM / max(1, n - 1)
    if w.size and float(w.max()) > limit:
        i = int(np.argmax(w))
        raise InputError(f"{what} {w[i]:g} is too large: a path of up to {max(1, n - 1):,} arcs could sum past "
                         f"{MAX_PATH_SUM:g} and overflow; rescale the weights", path=path, line=int(numbers[i]))


def _co_path(path: Path) -> Path:
    name = path.name
    for suffix in COMPRESSED:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return path.with_name(name[: -len(".gr")] + ".co")


def _read_coordinates(path: Path, n: int, text: str | None = None) -> np.ndarray | None:
    co = _co_path(path)
    if text is None:
        candidates = [co, *(co.with_name(co.name + s) for s in COMPRESSED)]
        co = next((c for c in candidates if c.is_file()), None)
        if co is None:
            return None
        text = _open_text(co)
    lines, numbers = _lines_starting(text, "v")
    table = _table(co, lines, numbers, 4, "coordinate")
    ids = table[:, 0]
    if table.shape[0] != n or (np.sort(ids) != np.arange(1, n + 1)).any():
        raise InputError(f"{table.shape[0]} coordinates for the {n} nodes of {path.name}", path=co)
    if not np.isfinite(table[:, 1:]).all():
        i = int(np.flatnonzero(~np.isfinite(table[:, 1:]).all(axis=1))[0])
        raise InputError("coordinate is not finite", path=co, line=int(numbers[i]))
    coords = np.empty((n, 2))
    coords[ids.astype(np.int64) - 1] = table[:, 1:]
    return coords


def write_dimacs(graph: Graph, path: Path) -> Path:
    """Write ``.gr`` (and ``.co`` beside it when the graph has coordinates), atomically."""
    def arcs() -> Iterable[str]:
        yield f"c written by routeopt\np sp {graph.num_nodes} {graph.num_arcs}\n"
        tails = graph.tails() + 1
        for a, b, w in zip(tails.tolist(), (graph.indices + 1).tolist(), graph.weights.tolist()):
            yield f"a {a} {b} {number(w)}\n"
    atomic_write(path, arcs())
    if graph.coordinates is not None:
        co = _co_path(path)
        atomic_write(co, [f"p aux sp co {graph.num_nodes}\n",
                          *(f"v {i + 1} {number(x)} {number(y)}\n" for i, (x, y) in enumerate(graph.coordinates))])
    return path


# --------------------------------------------------------------------------- edge lists
def is_edge_list(text: str) -> bool:
    """Does the first data line of ``text`` read ``U V`` or ``U V W``?"""
    for line in text.splitlines():
        s = line.strip()
        if not s or s[0] in "#%":
            continue
        return bool(_EDGE_LINE.match(s))
    return False


def read_edge_list(path: Path, text: str, directed: bool | None = None) -> Graph:
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines) if line.strip() and line.lstrip()[0] not in "#%"]
    if directed is None:
        head = "\n".join(line for line in lines[:50] if line.lstrip().startswith(("#", "%"))).lower()
        directed = "directed" in head and "undirected" not in head
    if not numbers:
        raise InputError("no edges: expected lines 'U V [W]'", path=path)
    data = [lines[i] for i in numbers]
    width = len(data[0].split())
    if width not in (2, 3):
        raise InputError(f"expected 'U V' or 'U V W', got {width} fields", path=path, line=numbers[0] + 1)
    tokens = " ".join(data).split()
    table = None
    if len(tokens) == width * len(data):
        try:
            table = np.array(tokens, dtype=float).reshape(-1, width)
        except ValueError:
            table = None
    if table is None:
        for line, no in zip(data, numbers):
            parts = line.split()
            if len(parts) != width:
                raise InputError(f"edge line has {len(parts)} fields, expected {width} like the first",
                                 path=path, line=no + 1)
            for tok in parts:
                try:
                    np.array(tok, dtype=float)
                except (ValueError, OverflowError):
                    raise InputError(f"malformed number {tok!r}", path=path, line=no + 1) from None
        raise InputError("malformed edge lines", path=path)  # pragma: no cover - caught above
    ends = table[:, :2]
    if not np.isfinite(ends).all() or (np.abs(ends) > 2**62).any():
        i = int(np.flatnonzero(~(np.abs(ends) <= 2**62).all(axis=1))[0])
        raise InputError("node numbers must be integers", path=path, line=numbers[i] + 1)
    if (ends != np.round(ends)).any():
        i = int(np.flatnonzero((ends != np.round(ends)).any(axis=1))[0])
        raise InputError("node numbers must be integers", path=path, line=numbers[i] + 1)
    ids, inverse = np.unique(ends.astype(np.int64).reshape(-1), return_inverse=True)
    if width == 3:
        _check_weights(path, table[:, 2], np.asarray(numbers) + 1, ids.size, "weight")
    inverse = inverse.reshape(-1, 2)
    # number nodes in order of first appearance, as a reader of the file would
    first = np.full(ids.size, inverse.size, dtype=np.int64)
    np.minimum.at(first, inverse.reshape(-1), np.arange(inverse.size))
    order = np.argsort(first, kind="stable")
    rank = np.empty(ids.size, dtype=np.int64)
    rank[order] = np.arange(ids.size)
    u, v = rank[inverse[:, 0]], rank[inverse[:, 1]]
    return Graph.from_edges(ids.size, u, v, table[:, 2] if width == 3 else None, directed=directed,
                            node_ids=ids[order], metric="weight" if width == 3 else "hops")


# --------------------------------------------------------------------------- OpenStreetMap
def read_place(place: str, *, network_type: str = "drive") -> Graph:
    """The road network of a place name (``"Piedmont, California, USA"``) downloaded by osmnx;
    needs the internet. Lengths in metres, travel times in seconds, as for files (the car
    profile's speeds where a street has no maxspeed)."""
    import osmnx as ox

    from .profiles import CAR
    try:
        G = ox.graph_from_place(place, network_type=network_type)
    except Exception as exc:  # geocoding, network or Overpass errors
        raise InputError(f"cannot fetch OpenStreetMap data for {place!r}: {' '.join(str(exc).split())}",
                         field="place") from None
    G = ox.routing.add_edge_speeds(G, hwy_speeds=dict(CAR.speeds), fallback=30)
    G = ox.routing.add_edge_travel_times(G)
    return Graph.from_networkx(G, weight="length", duration="travel_time")

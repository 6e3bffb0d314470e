"""A geographic graph written as OpenStreetMap (``.osm.pbf``, ``.osm``), to be read back by
:func:`~routeopt.instances.paths.osm.read_osm` or opened in JOSM, QGIS or osmium.

Every graph node becomes an OSM node (its ``node_ids`` when they are positive and distinct, else
1..N); every street becomes one way from tail to head through the arc's bends, which get fresh
node ids above the others. An arc whose reverse arc has the same length, travel time and bends is
one two-way way; any other arc is a way of its own tagged ``oneway=yes``. Tags per arc come from
``tags`` (``{"name": [...], "highway": [...]}``, one value per arc, None for none); where not given,
``maxspeed`` is the arc's own speed (length / duration, written exactly, so the car profile reads
back the same travel time) and ``highway`` a class that fits that speed.

Reading the file back with the car profile gives the same graph (nodes, arcs, lengths, travel
times, bends), provided its coordinates sit on OSM's grid of 1e-7 degrees (any graph read from
OSM does) and no node is isolated (an OSM way cannot hold a lone node).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import InputError
from .graph import Graph

__all__ = ["write_osm", "OSM_OUTPUT_SUFFIXES"]

OSM_OUTPUT_SUFFIXES = {".osm.pbf": "pbf", ".pbf": "pbf", ".osm": "osm", ".osm.bz2": "osm.bz2"}
# highway class written for a speed (km/h) when the caller gives none: the fastest that fits
_CLASSES = ((90, "motorway"), (70, "trunk"), (55, "primary"), (45, "secondary"), (35, "tertiary"),
            (0, "residential"))


def _format(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in sorted(OSM_OUTPUT_SUFFIXES.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return kind
    raise InputError(f"an OpenStreetMap file must end in {', '.join(OSM_OUTPUT_SUFFIXES)}", path=path)


def _node_ids(graph: Graph) -> np.ndarray:
    ids = graph.node_ids
    if ids is not None and ids.dtype.kind in "iu" and ids.size and ids.min() > 0 \
            and np.unique(ids).size == ids.size:
        return ids.astype(np.int64)
    return np.arange(1, graph.num_nodes + 1, dtype=np.int64)


def _arc_tags(graph: Graph, tags: Mapping[str, Sequence[Any]] | None) -> list[dict[str, str]]:
    m = graph.num_arcs
    out: list[dict[str, str]] = [{} for _ in range(m)]
    if graph.durations is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            kmh = 3.6 * graph.weights / graph.durations
        for a, speed in enumerate(kmh.tolist()):
            if np.isfinite(speed) and speed > 0:
                out[a]["maxspeed"] = repr(speed)
                out[a]["highway"] = next(name for low, name in _CLASSES if speed >= low)
    for a in range(m):
        out[a].setdefault("highway", "residential")
    for key, values in (tags or {}).items():
        values = list(values)
        if len(values) != m:
            raise InputError(f"tags[{key!r}] has {len(values)} values for {m} arcs", field="tags")
        for a, value in enumerate(values):
            if value is not None:
                out[a][str(key)] = str(value)
    return out


def write_osm(graph: Graph, path: str | Path, tags: Mapping[str, Sequence[Any]] | None = None, *,
              source: str | Path | None = None) -> Path:
    """Write ``graph`` (lon/lat coordinates) as ``.osm.pbf`` or ``.osm`` atomically; ``source``:
    the file the graph came from, which is never overwritten."""
    import osmium
    from osmium.osm import mutable

    path = Path(path)
    kind = _format(path)
    if graph.coordinates is None or not graph.geographic:
        raise InputError("OpenStreetMap holds longitude/latitude: this graph has no geographic coordinates",
                         path=path)
    if source is not None and path.exists() and Path(source).exists() and path.samefile(source):
        raise InputError("refusing to overwrite the input file; write to another name", path=path)
    if not path.parent.is_dir():
        raise InputError("cannot write: the folder does not exist", path=path)
    ids = _node_ids(graph)
    arc_tags = _arc_tags(graph, tags)
    tails, heads = graph.tails(), graph.indices
    reverse = graph.arc_ids(heads, tails)
    ptr = graph.geometry_ptr
    points = graph.geometry_points if ptr is not None else np.zeros((0, 2))
    ptr = ptr if ptr is not None else np.zeros(graph.num_arcs + 1, dtype=np.int64)
    bend_ids = int(ids.max(initial=0)) + 1 + np.arange(points.shape[0])

    def same_street(a: int, b: int) -> bool:
        """Is arc ``b`` arc ``a`` driven the other way (one two-way street)?"""
        if b < 0 or graph.weights[a] != graph.weights[b] or arc_tags[a] != arc_tags[b]:
            return False
        if graph.durations is not None and graph.durations[a] != graph.durations[b]:
            return False
        return np.array_equal(points[ptr[a]:ptr[a + 1]], points[ptr[b]:ptr[b + 1]][::-1])

    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with osmium.SimpleWriter(osmium.io.File(str(tmp), kind)) as writer:
            for i, (lon, lat) in zip(ids.tolist(), graph.coordinates.tolist()):
                writer.add_node(mutable.Node(id=i, location=(lon, lat)))
            for i, (lon, lat) in zip(bend_ids.tolist(), points.tolist()):
                writer.add_node(mutable.Node(id=i, location=(lon, lat)))
            way = 0
            for a in range(graph.num_arcs):
                b = int(reverse[a])
                two_way = same_street(a, b)
                if two_way and b < a:
                    continue                        # written with its twin
                way += 1
                nodes = [int(ids[tails[a]]), *bend_ids[ptr[a]:ptr[a + 1]].tolist(), int(ids[heads[a]])]
                way_tags = dict(arc_tags[a]) if two_way else {**arc_tags[a], "oneway": "yes"}
                writer.add_way(mutable.Way(id=way, nodes=nodes, tags=way_tags))
        os.replace(tmp, path)
    except (RuntimeError, OSError) as exc:
        raise InputError(f"cannot write OpenStreetMap data: {' '.join(str(exc).split())}", path=path) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path

"""Network topologies and traffic matrices from files (WAN-style experiments).

Topologies:

- edge list (``.edges``, ``.txt``, ``.csv``): one cable per line, ``U V [CAPACITY]`` separated by
  spaces or commas (capacity 1 when left out), ``#`` starts a comment; each cable is two
  directed links. A line ``> U V [CAPACITY]`` is a single directed link.
- GraphML (``.graphml``) through networkx: edge attribute ``capacity`` (default 1); a directed
  graph gives directed links, an undirected one two per edge. Nodes with ``type="host"`` are the
  hosts; without any, every node is.
- Internet Topology Zoo GraphML (a ``.graphml`` declaring ``Latitude``/``Longitude`` or
  ``LinkSpeed`` keys) and SNDlib native files (``.txt`` starting ``?SNDlib native format``): a
  wide-area network with link lengths and speeds (:mod:`.topology`). :func:`load_wan` gives the
  instance ``routeopt.load`` returns for them: the SNDlib demands, or gravity traffic (seed 0) for
  a Zoo file, which has none.

Traffic matrix (CSV): ``source,destination,size`` per line (an optional header line starting
with ``source`` or ``src``), node names as in the topology; fields are separated by commas,
semicolons or tabs (then names may hold spaces), else by spaces.

>>> net = read_topology("wan.edges")                         # doctest: +SKIP
>>> net = net.with_flows(read_traffic("tm.csv", net))        # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from ...errors import InputError
from .problem import NetworkProblem

__all__ = ["read_topology", "read_traffic", "load_wan", "is_wan_file", "TOPOLOGY_SUFFIXES"]

TOPOLOGY_SUFFIXES = (".edges", ".txt", ".csv", ".graphml")


def _number(text: str, path: Path, line: int, what: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"{what} must be a number, got {text!r}", path=path, line=line) from None
    if not math.isfinite(x):
        raise InputError(f"{what} must be finite, got {text!r}", path=path, line=line)
    return x


def _text(path: Path) -> str:
    from .._io import read_text
    return read_text(path)


def read_topology(path: str | Path, text: str | None = None) -> NetworkProblem:
    """A :class:`NetworkProblem` without flows from an edge list, GraphML (Topology Zoo's too) or
    SNDlib native file (``text``: its content when already read)."""
    path = Path(path)
    if text is None:
        text = _text(path)
    from .topology import is_sndlib, is_zoo_graphml, read_sndlib, read_zoo_graphml
    if path.suffix.lower() == ".graphml":
        return read_zoo_graphml(path, text) if is_zoo_graphml(text) else _read_graphml(path, text)
    if is_sndlib(text):
        return read_sndlib(path, text)[0]
    nodes: dict[str, int] = {}
    cap: dict[tuple[int, int], float] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        directed = line.startswith(">")
        parts = [p for p in re.split(r"[,\s]+", line.lstrip(">").strip()) if p]
        if len(parts) not in (2, 3):
            raise InputError(f"expected 'U V [CAPACITY]', got {raw.strip()!r}", path=path, line=lineno)
        if lineno == 1 and len(parts) == 3 and parts[2].lower() in ("capacity", "cap", "c"):
            continue                                    # a header line
        c = _number(parts[2], path, lineno, "capacity") if len(parts) == 3 else 1.0
        if c <= 0:
            raise InputError(f"capacity must be positive, got {parts[2]}", path=path, line=lineno)
        u, v = (nodes.setdefault(p, len(nodes)) for p in parts[:2])
        if u == v:
            raise InputError(f"self-loop at {parts[0]!r}", path=path, line=lineno)
        for a, b in [(u, v)] if directed else [(u, v), (v, u)]:
            cap[(a, b)] = cap.get((a, b), 0.0) + c      # parallel cables add up
    if not cap:
        raise InputError("no links found", path=path)
    return _network(path, list(nodes), list(range(len(nodes))), cap)


def _read_graphml(path: Path, text: str) -> NetworkProblem:
    import networkx as nx

    try:
        g = nx.parse_graphml(text)
    except Exception as exc:  # networkx raises several XML and key errors
        raise InputError(f"cannot read GraphML: {' '.join(str(exc).split())}", path=path) from None
    nodes = [str(v) for v in g.nodes]
    index = {v: k for k, v in enumerate(nodes)}
    cap: dict[tuple[int, int], float] = {}
    for u, v, data in g.edges(data=True):
        try:
            c = float(data.get("capacity", 1.0))
        except (TypeError, ValueError):
            raise InputError(f"edge {u}-{v}: capacity {data.get('capacity')!r} is not a number", path=path) from None
        if not (math.isfinite(c) and c > 0):
            raise InputError(f"edge {u}-{v}: capacity must be positive, got {c}", path=path)
        a, b = index[str(u)], index[str(v)]
        for pair in [(a, b)] if g.is_directed() else [(a, b), (b, a)]:
            cap[pair] = cap.get(pair, 0.0) + c
    hosts = [index[str(v)] for v, d in g.nodes(data=True) if d.get("type") == "host"]
    return _network(path, nodes, hosts or list(range(len(nodes))), cap)


def is_wan_file(path: Path, text: str) -> bool:
    """A Topology Zoo GraphML or SNDlib native file (``routeopt.load`` reads it as a WAN)."""
    from .topology import is_sndlib, is_zoo_graphml
    return (path.suffix.lower() == ".graphml" and is_zoo_graphml(text)) or is_sndlib(text)


def load_wan(path: str | Path, text: str | None = None, *, seed: int = 0) -> NetworkProblem:
    """The instance of a Topology Zoo or SNDlib file: its topology carrying the SNDlib demands, or
    for a Zoo file (which has no traffic) the gravity traffic of :func:`~.wan.gravity` (``seed``)."""
    from .topology import is_sndlib, read_sndlib
    from .wan import gravity

    path = Path(path)
    if text is None:
        text = _text(path)
    if is_sndlib(text):
        net, demands = read_sndlib(path, text)
        if demands:
            return net.with_flows(demands, net.name)
    else:
        net = read_topology(path, text)
    out = net.with_flows(gravity(net, seed), f"{net.name}-gravity-s{seed}")
    out.source = str(path)
    return out


def _reach(start: int, out: list[list[int]]) -> list[bool]:
    seen = [False] * len(out)
    seen[start] = True
    stack = [start]
    while stack:
        u = stack.pop()
        for v in out[u]:
            if not seen[v]:
                seen[v] = True
                stack.append(v)
    return seen


def _check_connected(path: Path, nodes: list[str], hosts: list[int], cap: dict[tuple[int, int], float]) -> None:
    """Every host must reach every other: otherwise a flow between them could never be routed."""
    if len(hosts) < 2:
        return
    out: list[list[int]] = [[] for _ in nodes]
    back: list[list[int]] = [[] for _ in nodes]
    for a, b in cap:
        out[a].append(b)
        back[b].append(a)
    first = hosts[0]
    for seen, forward in ((_reach(first, out), True), (_reach(first, back), False)):
        lost = [h for h in hosts if not seen[h]]
        if lost:
            a, b = (first, lost[0]) if forward else (lost[0], first)
            raise InputError(f"the topology is not connected: node {nodes[a]!r} cannot reach node {nodes[b]!r} "
                             f"({len(lost)} of {len(hosts)} hosts are cut off from {nodes[first]!r}); "
                             f"add the missing links", path=path)


def _network(path: Path, nodes: list[str], hosts: list[int], cap: dict[tuple[int, int], float]) -> NetworkProblem:
    _check_connected(path, nodes, hosts, cap)
    links = np.array(list(cap), dtype=np.int64).reshape(-1, 2)
    try:
        return NetworkProblem(nodes, hosts, links, np.array(list(cap.values())), np.zeros((0, 2)), np.zeros(0),
                              name=path.name.split(".")[0] or path.stem, topology="graph", source=str(path))
    except InputError as exc:
        raise InputError(exc.message, path=path, field=exc.field) from None


def read_traffic(path: str | Path, net: NetworkProblem, text: str | None = None) -> list[tuple[int, int, float]]:
    """Flows ``(source, destination, size)`` of a CSV traffic matrix, checked against ``net``
    (``text``: its content when already read)."""
    path = Path(path)
    if text is None:
        text = _text(path)
    index = {v: k for k, v in enumerate(net.nodes)}
    hosts = set(net.hosts)
    flows = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        # a comma, semicolon or tab separates when there is one: WAN node names hold spaces ("New York")
        sep = next((c for c in ",;\t" if c in line), None)
        parts = [p.strip() for p in (line.split(sep) if sep else line.split()) if p.strip()]
        if lineno == 1 and parts and parts[0].lower() in ("source", "src", "from"):
            continue
        if len(parts) != 3:
            raise InputError(f"expected 'source,destination,size', got {raw.strip()!r}", path=path, line=lineno)
        ends = []
        for name in parts[:2]:
            if name not in index or index[name] not in hosts:
                raise InputError(f"unknown host {name!r}", path=path, line=lineno)
            ends.append(index[name])
        size = _number(parts[2], path, lineno, "size")
        if size < 0:
            raise InputError(f"negative size {parts[2]}", path=path, line=lineno)
        if size == 0:
            continue                                    # a zero entry of a matrix is no flow
        if ends[0] == ends[1]:
            raise InputError(f"flow from {parts[0]!r} to itself", path=path, line=lineno)
        flows.append((ends[0], ends[1], size))
    if not flows:
        raise InputError("no flows found", path=path)
    return flows

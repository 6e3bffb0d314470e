"""Graphs as CSR arrays: directed or undirected, weighted or not, with optional coordinates.

An undirected graph stores both arcs of every edge, so every algorithm reads one out-adjacency.
Parallel arcs keep the cheapest one and self-loops are dropped: neither changes a shortest path.
``durations`` is an optional second metric on the same arcs (travel time beside length).

>>> g = Graph.from_edges(3, [0, 1], [1, 2], [2.0, 3.0], directed=False)
>>> g.num_nodes, g.num_edges, g.edge_weights([0, 2], [1, 1]).tolist()
(3, 2, [2.0, 3.0])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from ...errors import InputError

EARTH_RADIUS = 6_371_008.8      # metres, mean radius (as osmnx uses)


# a shortest path sums at most n - 1 arcs: past this, the sum can overflow to infinity and a
# reachable node would read as unreachable
MAX_PATH_SUM = 1e300
BYTES_PER_NODE = 40          # CSR row pointer, node ids, the bincount behind them
BYTES_PER_ARC = 120          # both directions of an edge, sort keys, weights, durations


def _check_metric(name: str, values: Any, m: int, n: int | None = None) -> np.ndarray:
    try:
        a = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers", field=name) from None
    if a.shape[0] != m:
        raise InputError(f"{name} has {a.shape[0]} entries for {m} arcs", field=name)
    bad = ~np.isfinite(a)
    if bad.any():
        raise InputError(f"{name} of arc {int(np.flatnonzero(bad)[0])} is {a[bad][0]}: weights must be finite",
                         field=name)
    if (a < 0).any():
        i = int(np.flatnonzero(a < 0)[0])
        raise InputError(f"{name} of arc {i} is negative ({a[i]:g}); shortest paths here need weights >= 0",
                         field=name)
    if n is not None and m and float(a.max()) * max(1, n - 1) > MAX_PATH_SUM:
        i = int(np.argmax(a))
        raise InputError(f"{name} of arc {i} is {a[i]:g}: a path of up to {max(1, n - 1):,} arcs could sum past "
                         f"{MAX_PATH_SUM:g} and overflow; rescale the {name}", field=name)
    return a


def check_graph_size(num_nodes: int, num_arcs: int, **where: Any) -> None:
    """Refuse a graph too large for memory before its arrays are allocated."""
    from ..limits import check_memory
    check_memory(BYTES_PER_NODE * float(num_nodes) + BYTES_PER_ARC * float(num_arcs),
                 f"a graph of {num_nodes:,} nodes and {num_arcs:,} arcs", **where)


def _check_geometry(geometry: Any, m: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        ptr, points = geometry
        ptr = np.asarray(ptr, dtype=np.int64).reshape(-1)
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError, OverflowError):
        raise InputError("geometry must be (ptr, points): a row pointer and (x, y) points", field="geometry") from None
    if ptr.shape[0] != m + 1 or ptr[0] != 0 or ptr[-1] != points.shape[0] or (np.diff(ptr) < 0).any():
        raise InputError(f"geometry pointer must have {m + 1} increasing entries from 0 to the number of points",
                         field="geometry")
    return ptr, points


def _segments(ptr: np.ndarray, points: np.ndarray, arcs: np.ndarray, flip: Any = False
              ) -> tuple[np.ndarray, np.ndarray]:
    """The inner points of ``arcs`` (in that order) as a new ``(ptr, points)``; where ``flip`` is
    true (a bool or one per arc) an arc's points are reversed, for the arc running the other way."""
    arcs = np.asarray(arcs, dtype=np.int64)
    lengths = ptr[arcs + 1] - ptr[arcs]
    new_ptr = np.zeros(arcs.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_ptr[1:])
    owner = np.repeat(np.arange(arcs.size), lengths)
    offset = np.arange(int(new_ptr[-1])) - new_ptr[owner]
    flip = np.broadcast_to(np.asarray(flip, dtype=bool), arcs.shape)[owner]
    source = np.where(flip, ptr[arcs + 1][owner] - 1 - offset, ptr[arcs][owner] + offset)
    return new_ptr, points[source]


@dataclass(eq=False)
class Graph:
    """CSR adjacency: the out-arcs of node ``u`` are ``indices[indptr[u]:indptr[u+1]]``, sorted.

    ``weighted=False`` means every arc has weight 1 (``weights`` then holds ones). ``coordinates``
    are ``(x, y)`` per node; ``geographic=True`` says they are longitude/latitude in degrees.
    ``node_ids`` keeps the identifiers of the source file (OSM ids, 1-based DIMACS numbers).
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    directed: bool = True
    weighted: bool = True
    coordinates: np.ndarray | None = None
    geographic: bool = False
    durations: np.ndarray | None = None
    node_ids: np.ndarray | None = None
    metric: str = "weight"
    # the shape of every arc between its ends (the street's bends): inner points of arc ``a`` are
    # ``geometry_points[geometry_ptr[a]:geometry_ptr[a + 1]]``, in the coordinates' units, tail to head
    geometry_ptr: np.ndarray | None = None
    geometry_points: np.ndarray | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)   # solver indices (CH, WormHole)

    def __post_init__(self) -> None:
        try:
            self.indptr = np.ascontiguousarray(self.indptr, dtype=np.int64).reshape(-1)
            self.indices = np.ascontiguousarray(self.indices, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            raise InputError("indptr and indices must be lists of node numbers", field="indices") from None
        n, m = self.indptr.shape[0] - 1, self.indices.shape[0]
        if n < 0 or self.indptr[0] != 0 or self.indptr[-1] != m or (np.diff(self.indptr) < 0).any():
            raise InputError("indptr is not a CSR row pointer for the given arcs", field="indptr")
        if m and (self.indices.min() < 0 or self.indices.max() >= n):
            raise InputError(f"an arc points to a node outside 0..{n - 1}", field="indices")
        self.weights = _check_metric("weights", self.weights, m, n)
        if self.durations is not None:
            self.durations = _check_metric("durations", self.durations, m, n)
        if self.coordinates is not None:
            c = np.asarray(self.coordinates, dtype=np.float64)
            if c.shape != (n, 2):
                raise InputError(f"coordinates must have shape ({n}, 2), got {c.shape}", field="coordinates")
            if not np.isfinite(c).all():
                raise InputError("coordinates contain NaN or infinity", field="coordinates")
            self.coordinates = c
        if (self.geometry_ptr is None) != (self.geometry_points is None):
            raise InputError("geometry_ptr and geometry_points go together", field="geometry")
        if self.geometry_ptr is not None:
            self.geometry_ptr = np.ascontiguousarray(self.geometry_ptr, dtype=np.int64).reshape(-1)
            self.geometry_points = np.asarray(self.geometry_points, dtype=np.float64).reshape(-1, 2)
            gp = self.geometry_ptr
            if (gp.shape[0] != m + 1 or gp[0] != 0 or gp[-1] != self.geometry_points.shape[0]
                    or (np.diff(gp) < 0).any()):
                raise InputError("geometry_ptr is not a row pointer over the arcs' inner points", field="geometry")
            if self.coordinates is None:
                raise InputError("arc geometry needs node coordinates", field="geometry")
        if self.node_ids is not None:
            self.node_ids = np.asarray(self.node_ids).reshape(-1)
            if self.node_ids.shape[0] != n:
                raise InputError(f"node_ids has {self.node_ids.shape[0]} entries for {n} nodes", field="node_ids")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_edges(cls, num_nodes: int, tails: Sequence[int], heads: Sequence[int],
                   weights: Sequence[float] | None = None, *, directed: bool = True,
                   durations: Sequence[float] | None = None, geometry: tuple[Any, Any] | None = None,
                   **attrs: Any) -> "Graph":
        """A graph from arc lists; undirected edges are stored both ways, the cheapest parallel arc kept.

        ``geometry=(ptr, points)``: the inner points of input arc ``i`` are ``points[ptr[i]:ptr[i+1]]``
        (tail to head); they follow their arc (reversed for the reverse arc of an undirected edge).
        Among parallel arcs, without geometry the weight and the duration are each the smallest
        found (each metric's shortest paths stay exact); with geometry the cheapest arc by weight is
        kept whole, so a route's length, duration and line all describe one real street.
        """
        n = int(num_nodes)
        if n < 0:
            raise InputError(f"num_nodes must be >= 0, got {n}", field="num_nodes")
        try:
            u = np.asarray(tails, dtype=np.int64).reshape(-1)
            v = np.asarray(heads, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            raise InputError("edge ends must be node numbers", field="edges") from None
        check_graph_size(n, u.size * (1 if directed else 2), field="num_nodes")
        if u.shape != v.shape:
            raise InputError(f"{u.size} tails for {v.size} heads", field="edges")
        if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            bad = int(np.flatnonzero((u < 0) | (u >= n) | (v < 0) | (v >= n))[0])
            raise InputError(f"edge {bad} ({u[bad]}, {v[bad]}) uses a node outside 0..{n - 1}", field="edges")
        weighted = weights is not None
        w = _check_metric("weights", np.ones(u.size) if weights is None else weights, u.size, n)
        d = None if durations is None else _check_metric("durations", durations, u.size, n)
        shape = None if geometry is None else _check_geometry(geometry, u.size)
        arcs, flip = np.arange(u.size), np.zeros(u.size, dtype=bool)
        if not directed:
            u, v = np.concatenate([u, v]), np.concatenate([v, u])
            w = np.concatenate([w, w])
            d = None if d is None else np.concatenate([d, d])
            arcs, flip = np.concatenate([arcs, arcs]), np.concatenate([flip, ~flip])
        keep = u != v
        u, v, w, arcs, flip = u[keep], v[keep], w[keep], arcs[keep], flip[keep]
        d = None if d is None else d[keep]
        # cheapest parallel arc first (the quickest among equally cheap), then keep the first of each (u, v)
        order = np.lexsort((w, v, u) if d is None else (d, w, v, u))
        u, v, w, arcs, flip = u[order], v[order], w[order], arcs[order], flip[order]
        first = np.ones(u.size, dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        if d is not None:
            d = d[order]
            if shape is None:
                # the quickest parallel arc for the second metric, independently of the first
                group = np.cumsum(first) - 1
                best = np.full(int(first.sum()), np.inf)
                np.minimum.at(best, group, d)
                d = best
            else:
                d = d[first]
        u, v, w = u[first], v[first], w[first]
        if shape is not None:
            attrs["geometry_ptr"], attrs["geometry_points"] = _segments(*shape, arcs[first], flip[first])
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
        return cls(indptr, v, w, directed=directed, weighted=weighted, durations=d, **attrs)

    @classmethod
    def from_scipy(cls, matrix: Any, *, directed: bool = True, weighted: bool = True, **attrs: Any) -> "Graph":
        """From a scipy sparse matrix (explicit zeros are zero-weight arcs, as in scipy.sparse.csgraph)."""
        import scipy.sparse as sp
        coo = sp.coo_matrix(matrix)
        if coo.shape[0] != coo.shape[1]:
            raise InputError(f"adjacency matrix must be square, got {coo.shape}", field="matrix")
        return cls.from_edges(coo.shape[0], coo.row, coo.col, coo.data if weighted else None,
                              directed=directed, **attrs)

    @classmethod
    def from_networkx(cls, G: Any, weight: str | None = "weight", duration: str | None = None) -> "Graph":
        """From a networkx (Multi)(Di)Graph; ``x``/``y`` node attributes become coordinates.

        A missing ``weight`` attribute counts 1. Node ids are kept in ``node_ids``.
        """
        nodes = list(G.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        edges = list(G.edges(data=True))
        tails = [index[a] for a, _, _ in edges]
        heads = [index[b] for _, b, _ in edges]
        weights = None if weight is None else [float(data.get(weight, 1.0)) for *_, data in edges]
        durations = None if duration is None else [float(data.get(duration, math.inf)) for *_, data in edges]
        coords = None
        if nodes and all("x" in G.nodes[v] and "y" in G.nodes[v] for v in nodes):
            coords = np.array([[float(G.nodes[v]["x"]), float(G.nodes[v]["y"])] for v in nodes])
        geographic = str(G.graph.get("crs", "")).lower() in ("epsg:4326", "wgs84")
        try:
            ids = np.asarray(nodes) if nodes else None
            ids = ids if ids is not None and ids.dtype.kind in "iuf" else None
        except (ValueError, TypeError):
            ids = None
        return cls.from_edges(len(nodes), tails, heads, weights, directed=G.is_directed(),
                              durations=durations, coordinates=coords, geographic=geographic,
                              node_ids=ids, metric=weight or "hops")

    def to_scipy(self, metric: str | None = None):
        """The adjacency as ``scipy.sparse.csr_matrix`` (``metric="durations"`` for the second metric)."""
        import scipy.sparse as sp
        data = self.durations if metric == "durations" else self.weights
        if data is None:
            raise InputError("this graph has no durations", field="durations")
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.num_nodes, self.num_nodes))

    def to_networkx(self, weight: str = "weight"):
        import networkx as nx
        G = nx.DiGraph() if self.directed else nx.Graph()
        G.add_nodes_from(range(self.num_nodes))
        tails = np.repeat(np.arange(self.num_nodes), np.diff(self.indptr))
        G.add_weighted_edges_from(zip(tails.tolist(), self.indices.tolist(), self.weights.tolist()), weight=weight)
        return G

    # ------------------------------------------------------------------ views
    @property
    def num_nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)

    @property
    def num_arcs(self) -> int:
        return int(self.indices.shape[0])

    @property
    def num_edges(self) -> int:
        """Arcs of a directed graph, edges (arc pairs) of an undirected one."""
        return self.num_arcs if self.directed else self.num_arcs // 2

    @property
    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)

    def tails(self) -> np.ndarray:
        """The tail of every arc, aligned with ``indices``."""
        return np.repeat(np.arange(self.num_nodes, dtype=np.int64), np.diff(self.indptr))

    def reverse(self) -> "Graph":
        """Every arc turned round (the graph itself when undirected); cached."""
        if not self.directed:
            return self
        if "reverse" not in self.cache:
            tails = self.tails()
            order = np.lexsort((tails, self.indices))
            indptr = np.zeros(self.num_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(self.indices, minlength=self.num_nodes), out=indptr[1:])
            self.cache["reverse"] = Graph(
                indptr, tails[order], self.weights[order], directed=True, weighted=self.weighted,
                coordinates=self.coordinates, geographic=self.geographic,
                durations=None if self.durations is None else self.durations[order],
                node_ids=self.node_ids, metric=self.metric,
                **self._geometry_of(order, flip=True))
        return self.cache["reverse"]

    def _geometry_of(self, arcs: np.ndarray, flip: bool = False) -> dict[str, Any]:
        """Graph keywords carrying the geometry of ``arcs`` (none when the graph has no geometry)."""
        if self.geometry_ptr is None:
            return {}
        ptr, points = _segments(self.geometry_ptr, self.geometry_points, arcs, flip)
        return {"geometry_ptr": ptr, "geometry_points": points}

    def with_metric(self, metric: str) -> "Graph":
        """The same graph routed on ``durations`` (``metric="durations"``/``"travel_time"``) or its weights."""
        if metric in ("durations", "travel_time", "duration", "time"):
            if self.durations is None:
                raise InputError("this graph has no travel times (durations)", field="metric")
            return replace(self, weights=self.durations, durations=self.weights, weighted=True,
                           metric="travel_time", cache={})
        if metric in ("weights", "weight", "length", self.metric):
            return self
        raise InputError(f"unknown metric {metric!r}; expected length (the weights) or travel_time",
                         field="metric")

    def arc_ids(self, tails: Any, heads: Any) -> np.ndarray:
        """Position of each arc ``tails[i] -> heads[i]`` in ``indices``, -1 where there is none."""
        u = np.asarray(tails, dtype=np.int64).reshape(-1)
        v = np.asarray(heads, dtype=np.int64).reshape(-1)
        out = np.full(u.shape, -1, dtype=np.int64)
        n = self.num_nodes
        ok = (u >= 0) & (u < n) & (v >= 0) & (v < n)
        if not ok.any() or self.num_arcs == 0:
            return out
        keys = self.cache.get("arc_keys")
        if keys is None:                                    # sorted: rows in order, columns sorted
            keys = self.cache["arc_keys"] = self.tails() * n + self.indices
        want = u[ok] * n + v[ok]
        pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        out[np.flatnonzero(ok)] = np.where(keys[pos] == want, pos, -1)
        return out

    def arc_geometry(self, arc: int) -> np.ndarray:
        """The line of arc ``arc`` (a position in ``indices``) as ``(k, 2)`` coordinates from its tail to
        its head, bends included when the graph keeps them (OSM streets), else the two ends."""
        if self.coordinates is None:
            raise InputError("this graph has no coordinates", field="coordinates")
        arc = int(arc)
        tail = int(np.searchsorted(self.indptr, arc, side="right") - 1)
        ends = self.coordinates[[tail, int(self.indices[arc])]]
        if self.geometry_ptr is None:
            return ends
        inner = self.geometry_points[self.geometry_ptr[arc]:self.geometry_ptr[arc + 1]]
        return np.concatenate([ends[:1], inner, ends[1:]])

    def path_geometry(self, path: Any) -> np.ndarray:
        """The line along a path given as node numbers (each consecutive pair must be an arc)."""
        nodes = np.asarray(path, dtype=np.int64).reshape(-1)
        if nodes.size < 2:
            return np.asarray(self.coordinates)[nodes]
        arcs = self.arc_ids(nodes[:-1], nodes[1:])
        if (arcs < 0).any():
            i = int(np.flatnonzero(arcs < 0)[0])
            raise InputError(f"no arc {nodes[i]} -> {nodes[i + 1]} in the path", field="path")
        parts = [self.arc_geometry(a) for a in arcs.tolist()]
        return np.concatenate([parts[0], *(p[1:] for p in parts[1:])])

    def edge_weights(self, tails: Any, heads: Any, metric: str | None = None) -> np.ndarray:
        """Weight of each arc ``tails[i] -> heads[i]``; ``inf`` where the arc does not exist."""
        ids = self.arc_ids(tails, heads)
        data = self.durations if metric == "durations" else self.weights
        if data is None or data.size == 0:                  # no arcs at all: nothing is reachable
            return np.full(ids.shape, np.inf)
        return np.where(ids >= 0, data[np.maximum(ids, 0)], np.inf)

    def planar_coordinates(self) -> np.ndarray | None:
        """Coordinates in a plane: metres (equirectangular about the mean latitude) when geographic."""
        if self.coordinates is None or not self.geographic:
            return self.coordinates
        lon, lat = np.radians(self.coordinates[:, 0]), np.radians(self.coordinates[:, 1])
        lat0 = float(np.mean(lat)) if lat.size else 0.0
        return np.column_stack([EARTH_RADIUS * math.cos(lat0) * lon, EARTH_RADIUS * lat])

    def components(self, strong: bool = True) -> np.ndarray:
        """Component label of every node (strongly connected for directed graphs unless ``strong=False``)."""
        from scipy.sparse.csgraph import connected_components
        _, labels = connected_components(self.to_scipy(), directed=self.directed,
                                         connection="strong" if strong else "weak")
        return labels

    def largest_component_nodes(self) -> np.ndarray:
        labels = self.components()
        if labels.size == 0:
            return labels
        return np.flatnonzero(labels == np.bincount(labels).argmax())

    def subgraph(self, nodes: Any) -> "Graph":
        """The graph induced by ``nodes`` (renumbered 0..k-1 in the given order)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        new = np.full(self.num_nodes, -1, dtype=np.int64)
        new[nodes] = np.arange(nodes.size)
        tails = new[self.tails()]
        heads = new[self.indices]
        keep = (tails >= 0) & (heads >= 0)
        geometry = None
        if self.geometry_ptr is not None:
            part = self._geometry_of(np.flatnonzero(keep))
            geometry = (part["geometry_ptr"], part["geometry_points"])
        sub = Graph.from_edges(nodes.size, tails[keep], heads[keep], self.weights[keep], directed=True,
                               geometry=geometry,
                               durations=None if self.durations is None else self.durations[keep],
                               coordinates=None if self.coordinates is None else self.coordinates[nodes],
                               geographic=self.geographic,
                               node_ids=None if self.node_ids is None else self.node_ids[nodes],
                               metric=self.metric)
        sub.directed, sub.weighted = self.directed, self.weighted
        return sub

    # ------------------------------------------------------------------ serialisation
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["cache"] = {}                     # indices are rebuilt where needed, not shipped
        return state

    def to_dict(self) -> dict[str, Any]:
        def arr(a):
            return None if a is None else np.asarray(a).tolist()
        return {"num_nodes": self.num_nodes, "indptr": arr(self.indptr), "indices": arr(self.indices),
                "weights": arr(self.weights) if self.weighted else None, "directed": self.directed,
                "coordinates": arr(self.coordinates), "geographic": self.geographic,
                "durations": arr(self.durations), "node_ids": arr(self.node_ids), "metric": self.metric,
                "geometry_ptr": arr(self.geometry_ptr), "geometry_points": arr(self.geometry_points)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Graph":
        try:
            indices = d["indices"]
            weights = d.get("weights")
            return cls(d["indptr"], indices, np.ones(len(indices)) if weights is None else weights,
                       directed=bool(d.get("directed", True)), weighted=weights is not None,
                       coordinates=d.get("coordinates"), geographic=bool(d.get("geographic", False)),
                       durations=d.get("durations"), node_ids=d.get("node_ids"),
                       metric=d.get("metric", "weight"), geometry_ptr=d.get("geometry_ptr"),
                       geometry_points=d.get("geometry_points"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a graph: {exc}", field="graph") from None

    def __repr__(self) -> str:
        kind = ("directed" if self.directed else "undirected") + (", weighted" if self.weighted else "")
        return f"Graph({self.num_nodes} nodes, {self.num_edges} edges, {kind})"

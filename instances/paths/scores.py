"""Scores of alternative routes: stretch, sharing with the best route, local optimality.

Following Abraham, Delling, Goldberg and Werneck ("Alternative routes in road networks", 2013):

- ``stretch``: route length / best route length (1 for the best route itself);
- ``sharing``: the share of the route's length on arcs the best route also uses;
- ``local_optimality``: the largest ``a`` in (0, 1] such that every sub-path of the route no
  longer than ``a`` times its length is a shortest path (1: the route is a shortest path; a
  detour through a side street scores low). Computed with ``scipy.sparse.csgraph.dijkstra``
  from the route's nodes (every node when cheap, else an even sample, which can only overstate
  the value); ``None`` when even that is too costly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import Graph

LOCAL_WORK = 6e7          # Dijkstra work (sources x (nodes + arcs)) spent per route at most
_TOL = 1e-9


def _arc_set(graph: Graph, path: np.ndarray) -> set[tuple[int, int]]:
    arcs = set(zip(path[:-1].tolist(), path[1:].tolist()))
    if not graph.directed:
        arcs |= {(b, a) for a, b in arcs}
    return arcs


def local_optimality(graph: Graph, path: np.ndarray, *, work: float = LOCAL_WORK) -> float | None:
    """See the module docstring; ``None`` when a single Dijkstra already costs more than ``work``."""
    path = np.asarray(path, dtype=np.int64)
    if path.size <= 2:
        return 1.0
    arc = graph.edge_weights(path[:-1], path[1:])
    prefix = np.concatenate([[0.0], np.cumsum(arc)])
    total = float(prefix[-1])
    if total <= 0:
        return 1.0
    per = graph.num_nodes + graph.num_arcs
    budget = int(work // max(per, 1))
    if budget < 1:
        return None
    starts = np.arange(path.size - 1)
    if starts.size > budget:
        starts = np.unique(np.linspace(0, path.size - 2, budget).round().astype(np.int64))
    from scipy.sparse.csgraph import dijkstra
    table = np.atleast_2d(dijkstra(graph.to_scipy(), directed=True, indices=path[starts], limit=total * (1 + 1e-9)))
    alpha = 1.0
    for row, i in enumerate(starts):
        along = prefix[i + 1:] - prefix[i]                  # length of path[i..j] for j > i
        shortest = table[row, path[i + 1:]]
        bad = np.flatnonzero(along > shortest + _TOL * np.maximum(1.0, along))
        if bad.size:
            alpha = min(alpha, float(along[bad[0]]) / total)
    return alpha


def score_alternatives(graph: Graph, best: np.ndarray, routes: list[np.ndarray]) -> list[dict[str, Any]]:
    """One score row for the best route, then one per alternative (lengths in the graph's weights)."""
    best = np.asarray(best, dtype=np.int64)
    best_len = float(graph.edge_weights(best[:-1], best[1:]).sum())
    best_arcs = _arc_set(graph, best)
    rows = [{"length": best_len, "stretch": 1.0, "sharing": 1.0,
             "local_optimality": local_optimality(graph, best)}]
    for p in routes:
        w = graph.edge_weights(p[:-1], p[1:])
        length = float(w.sum())
        shared = np.array([(a, b) in best_arcs for a, b in zip(p[:-1].tolist(), p[1:].tolist())], dtype=bool)
        rows.append({"length": length,
                     "stretch": length / best_len if best_len > 0 else (1.0 if length == 0 else float("inf")),
                     "sharing": float(w[shared].sum()) / length if length > 0 else 1.0,
                     "local_optimality": local_optimality(graph, p)})
    return rows

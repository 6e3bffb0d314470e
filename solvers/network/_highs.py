"""The min-max-congestion model shared by the LP (``spray``) and the MILP (``network-milp``), solved
with highspy directly (a million path columns would take PuLP minutes to build).

Columns: one per (commodity, candidate path) carrying the commodity's share, then ``t``, the
maximum congestion. Rows: each commodity's shares sum to 1; each used link's
``fixed + sum(demand * share) <= capacity * t``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..highs import session

SIMPLEX_COLUMNS = 5000


def solve_min_congestion(commodity: np.ndarray, volume: np.ndarray, path_links: np.ndarray,
                         capacity: np.ndarray, fixed: np.ndarray, *, integer: bool, time_limit: float,
                         threads: int, seed: int, start: np.ndarray | None = None,
                         method: str = "auto") -> dict[str, Any]:
    """``commodity[j]``/``volume[j]``: owner and demand of column ``j``, whose path is
    ``path_links[j]`` (padding = ``len(capacity) - 1``). Returns shares ``x``, objective, bound, status.

    ``method`` (LP only): "simplex", "ipm" (interior point without crossover), or "auto": simplex up
    to ``SIMPLEX_COLUMNS`` columns, else ipm. Min-max congestion on symmetric fabrics is massively
    degenerate: dual simplex took 8 s on a k=10 fat-tree ring (5,700 columns) and did not finish in
    100 s at k=12 (14,000), where interior point needs 2 s, and 32 s at k=16 (65,000 columns)."""
    import highspy

    ncol = len(commodity)
    ncom = int(commodity.max()) + 1 if ncol else 0
    dummy = len(capacity) - 1
    width = path_links.shape[1]
    # link rows: only links some path uses
    used = np.unique(path_links[path_links != dummy])
    row_of = np.full(len(capacity), -1, dtype=np.int64)
    row_of[used] = ncom + np.arange(len(used))
    # column-wise entries: commodity row (1.0), then its links (volume)
    rows = np.concatenate([commodity[:, None], np.where(path_links != dummy, row_of[path_links], -1)], axis=1)
    vals = np.concatenate([np.ones((ncol, 1)), np.repeat(volume[:, None], width, axis=1)], axis=1)
    keep = rows >= 0
    counts = keep.sum(axis=1)
    index = rows[keep].astype(np.int32)
    value = vals[keep].astype(float)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
    t_lb = float(np.max(fixed[:-1] / capacity[:-1])) if len(capacity) > 1 else 0.0

    h = session(time_limit, threads, seed)
    if not integer and (method == "ipm" or (method == "auto" and ncol > SIMPLEX_COLUMNS)):
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    inf = highspy.kHighsInf
    nrow = ncom + len(used)
    lo = np.concatenate([np.ones(ncom), np.full(len(used), -inf)])
    up = np.concatenate([np.ones(ncom), -fixed[used]])
    h.addRows(nrow, lo, up, 0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
    h.addCols(ncol, np.zeros(ncol), np.zeros(ncol), np.ones(ncol), len(index), starts, index, value)
    t_rows = (ncom + np.arange(len(used))).astype(np.int32)
    h.addCols(1, np.ones(1), np.array([t_lb]), np.array([inf]), len(used),
              np.zeros(1, dtype=np.int32), t_rows, -capacity[used].astype(float))
    if integer:
        h.changeColsIntegrality(ncol, np.arange(ncol, dtype=np.int32),
                                np.full(ncol, highspy.HighsVarType.kInteger))
        h.setOptionValue("mip_rel_gap", 1e-7)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(np.append(start.astype(float), 0.0))
            sol.value_valid = True
            h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    x = np.array(h.getSolution().col_value[:ncol]) if has else None
    optimal = status == highspy.HighsModelStatus.kOptimal
    if integer:
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
    else:
        bound = info.objective_function_value if optimal else None
    return {"x": x, "objective": info.objective_function_value if has else None, "bound": bound,
            "optimal": optimal, "status": h.modelStatusToString(status), "rows": nrow, "columns": ncol + 1,
            "solver_time": h.getRunTime()}

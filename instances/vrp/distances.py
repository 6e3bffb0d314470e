"""Distance conventions: how a benchmark turns coordinates into the integers (or decimals) it scores.

A convention is part of an instance: the same coordinates give different optima under
CVRPLIB rounding, DIMACS truncation or TSPLIB's ATT and GEO formulas, so best-known values
only compare under the convention they were computed with.

>>> import numpy as np
>>> points = np.array([[0.0, 0.0], [3.0, 4.5]])
>>> [float(coordinate_distances(points, c)[0, 1]) for c in ("round", "ceil", "dimacs")]
[5.0, 6.0, 5.4]
"""

from __future__ import annotations

import numpy as np

# convention -> decimals in which its distances are exact (None: any float)
PRECISION: dict[str, int | None] = {
    "round": 0, "ceil": 0, "floor": 0, "exact": None, "dimacs": 1,
    "att": 0, "geo": 0, "manhattan": 0, "max": 0,
}

# TSPLIB EDGE_WEIGHT_TYPE <-> convention (EXACT_2D is not TSPLIB: EUC_2D without rounding)
EDGE_WEIGHT_TYPES: dict[str, str] = {
    "EUC_2D": "round", "CEIL_2D": "ceil", "FLOOR_2D": "floor", "EXACT_2D": "exact",
    "ATT": "att", "GEO": "geo", "MAN_2D": "manhattan", "MAX_2D": "max",
}

# conventions a caller may substitute for a file's own Euclidean rounding
EUCLIDEAN = ("round", "ceil", "floor", "exact", "dimacs")

_GEO_PI = 3.141592          # TSPLIB's own value, not math.pi: the published optima depend on it
_EARTH_RADIUS = 6378.388


def _nint(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)


def coordinate_distances(coordinates: np.ndarray, convention: str) -> np.ndarray:
    """Full distance matrix of ``(n, 2)`` coordinates under ``convention``; the diagonal is 0."""
    if convention not in PRECISION:
        raise ValueError(f"unknown distance convention {convention!r}; known: {', '.join(PRECISION)}")
    c = np.asarray(coordinates, dtype=float)
    if convention == "geo":
        d = _geo(c)
    else:
        delta = np.abs(c[:, None, :] - c[None, :, :])
        dx, dy = delta[..., 0], delta[..., 1]
        squared = dx * dx + dy * dy
        if convention == "round":
            d = _nint(np.sqrt(squared))
        elif convention == "ceil":
            d = np.ceil(np.sqrt(squared))
        elif convention == "floor":
            d = np.floor(np.sqrt(squared))
        elif convention == "exact":
            d = np.sqrt(squared)
        elif convention == "dimacs":
            # sqrt(100 s) rather than 10 sqrt(s): exact when 100 s is a perfect square
            d = np.floor(np.sqrt(100.0 * squared)) / 10.0
        elif convention == "att":
            r = np.sqrt(squared / 10.0)
            t = _nint(r)
            d = np.where(t < r, t + 1.0, t)
        elif convention == "manhattan":
            d = _nint(dx + dy)
        else:  # max
            d = np.maximum(_nint(dx), _nint(dy))
    np.fill_diagonal(d, 0.0)
    return d


def _geo(c: np.ndarray) -> np.ndarray:
    """TSPLIB GEO: coordinates are DDD.MM (degrees, minutes), great-circle km truncated + 1."""
    degrees = np.trunc(c)
    radians = _GEO_PI * (degrees + 5.0 * (c - degrees) / 3.0) / 180.0
    lat, lon = radians[:, 0], radians[:, 1]
    q1 = np.cos(lon[:, None] - lon[None, :])
    q2 = np.cos(lat[:, None] - lat[None, :])
    q3 = np.cos(lat[:, None] + lat[None, :])
    cosine = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
    return np.trunc(_EARTH_RADIUS * np.arccos(cosine) + 1.0)


def matrix_precision(matrix: np.ndarray, max_decimals: int = 6) -> int | None:
    """Fewest decimals that represent every entry exactly (None: more than ``max_decimals``)."""
    m = np.asarray(matrix, dtype=float)
    for p in range(max_decimals + 1):
        scaled = m * 10.0**p
        if np.allclose(scaled, np.round(scaled), rtol=0.0, atol=1e-6):
            return p
    return None

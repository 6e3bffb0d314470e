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
    """Full distance matrix of ``(n, 2)`` coordinates under ``convention``; the diagonal is 0.

    Works in place where it can; :func:`matrix_bytes` gives the peak memory.
    """
    if convention not in PRECISION:
        raise ValueError(f"unknown distance convention {convention!r}; known: {', '.join(PRECISION)}")
    c = np.asarray(coordinates, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):   # huge coordinates: inf, which the model refuses
        d = _geo(c[:, None, :], c[None, :, :]) if convention == "geo" else \
            _planar(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1], convention)
    np.fill_diagonal(d, 0.0)
    return d


def pair_distances(a: np.ndarray, b: np.ndarray, convention: str) -> np.ndarray:
    """Distances from each point of ``a`` to the point of ``b`` in the same row (both ``(k, 2)``),
    as :func:`coordinate_distances` computes them off its diagonal; for scoring a few arcs
    without building the matrix."""
    if convention not in PRECISION:
        raise ValueError(f"unknown distance convention {convention!r}; known: {', '.join(PRECISION)}")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = _geo(a, b) if convention == "geo" else _planar(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1], convention)
    return d


def matrix_bytes(n: int, convention: str | None = None) -> int:
    """Peak bytes for an ``n``-node matrix: the matrix and the working arrays that build it."""
    arrays = 6 if convention == "geo" else 4 if convention == "att" else 3
    return arrays * 8 * n * n


def _planar(dx: np.ndarray, dy: np.ndarray, convention: str) -> np.ndarray:
    """Distances from coordinate differences; ``dx`` and ``dy`` are fresh arrays, reused in place."""
    np.abs(dx, out=dx)
    np.abs(dy, out=dy)
    if convention == "manhattan":
        dx += dy
        return _nint(dx)
    if convention == "max":
        return np.maximum(_nint(dx), _nint(dy), out=dx)
    dx *= dx
    dy *= dy
    dx += dy                      # squared distances
    del dy
    if convention == "dimacs":
        # sqrt(100 s) rather than 10 sqrt(s): exact when 100 s is a perfect square
        dx *= 100.0
        np.sqrt(dx, out=dx)
        np.floor(dx, out=dx)
        dx /= 10.0
        return dx
    if convention == "att":
        dx /= 10.0
        np.sqrt(dx, out=dx)
        t = _nint(dx)
        return np.where(t < dx, t + 1.0, t)
    np.sqrt(dx, out=dx)
    if convention == "round":
        dx += 0.5
        np.floor(dx, out=dx)
    elif convention == "ceil":
        np.ceil(dx, out=dx)
    elif convention == "floor":
        np.floor(dx, out=dx)
    return dx                     # exact


def _geo(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """TSPLIB GEO: coordinates are DDD.MM (degrees, minutes), great-circle km truncated + 1."""
    def radians(c: np.ndarray) -> np.ndarray:
        degrees = np.trunc(c)
        return _GEO_PI * (degrees + 5.0 * (c - degrees) / 3.0) / 180.0
    ra, rb = radians(a), radians(b)
    q1 = np.cos(ra[..., 1] - rb[..., 1])
    q2 = np.cos(ra[..., 0] - rb[..., 0])
    q3 = np.cos(ra[..., 0] + rb[..., 0])
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

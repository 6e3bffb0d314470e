"""The integer view of a VRP that OR-Tools and PyVRP both need.

Both libraries work in integers. Matrix entries are scaled by ``problem.integer_scale()`` (1 for
CVRPLIB X, 10 for Solomon's one-decimal DIMACS convention, 10**k otherwise). Durations are rounded
*up* and latest times *down*, so a schedule the library finds feasible is feasible in the
problem's own units too; the answer is re-scored by ``VRPProblem.evaluate`` anyway.

Preferences (PVRP) become per-vehicle-type arc costs: serving client ``i`` with type ``k`` costs
``w * (top - pref[k][i])`` extra on every arc entering ``i``. Every required client is served once,
so this shifts all objectives by the same constant ``w * top * clients``; optional clients get
``w * top`` added to their prize so skipping them keeps the same trade-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...instances.vrp.problem import VRPProblem

BIG = 1 << 40   # "no limit" for times and durations, far below int64 overflow in sums


def _ceil(a: np.ndarray) -> np.ndarray:
    return np.ceil(np.asarray(a, dtype=float) - 1e-9).astype(np.int64)


def _floor(a: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(a, dtype=float) + 1e-9).astype(np.int64)


def _demand_scale(problem: VRPProblem) -> int:
    values = [problem.demand.ravel()] if problem.demand is not None else []
    values += [np.asarray(vt.capacity, dtype=float) for vt in problem.vehicle_types]
    if not values:
        return 1
    allv = np.concatenate(values)
    for scale in (1, 10, 100, 1000, 10**6):
        if np.allclose(allv * scale, np.round(allv * scale), atol=1e-9):
            return scale
    return 10**6


@dataclass
class IntegerData:
    """Integer arrays in solver units; ``scale`` converts costs back (cost / scale)."""

    scale: int
    distance: np.ndarray            # (n, n) int64, rounded
    duration: np.ndarray            # (n, n) int64, rounded up
    service: np.ndarray             # (n,) int64, rounded up
    time_windows: np.ndarray        # (n, 2) int64: early rounded up, late rounded down
    has_time: bool                  # time windows, service times or max durations matter
    demand: np.ndarray              # (n, dims) int64 (dims may be 0)
    capacity: list[list[int]]       # per vehicle type
    prize: np.ndarray               # (n,) int64 (with the preference shift for optional clients)
    fixed_cost: list[int]
    max_duration: list[int]
    arc_extra: list[np.ndarray | None]  # per type: (n,) extra cost on arcs entering each node

    @property
    def horizon(self) -> int:
        return int(self.time_windows[:, 1].max())


def to_integers(problem: VRPProblem) -> IntegerData:
    s = problem.integer_scale()
    n = problem.num_nodes
    distance = np.rint(problem.distance * s).astype(np.int64)
    exact_time = problem.duration is problem.distance and problem.precision is not None
    duration = distance if exact_time else _ceil(problem.duration * s)
    service = (_ceil(problem.service_time * s) if problem.service_time is not None
               else np.zeros(n, dtype=np.int64))
    feats = problem.features
    has_time = bool(feats & {"time_windows", "max_duration"})
    if problem.time_windows is not None:
        tw = problem.time_windows
        early = _ceil(tw[:, 0] * s)
        late = np.where(np.isfinite(tw[:, 1]), np.minimum(_floor(np.nan_to_num(tw[:, 1], posinf=0) * s), BIG), BIG)
        windows = np.stack([early, late], axis=1)
    else:
        windows = np.stack([np.zeros(n, dtype=np.int64), np.full(n, BIG, dtype=np.int64)], axis=1)

    dscale = _demand_scale(problem)
    dims = problem.demand_dims
    demand = (_ceil(problem.demand * dscale) if problem.demand is not None
              else np.zeros((n, 0), dtype=np.int64))
    capacity = []
    for vt in problem.vehicle_types:
        capacity.append([int(math.floor(c * dscale + 1e-9)) for c in vt.capacity] if vt.capacity
                        else [int(BIG)] * dims)

    prize = (np.rint(problem.prize * s).astype(np.int64) if problem.prize is not None
             else np.zeros(n, dtype=np.int64))
    arc_extra: list[np.ndarray | None] = [None] * len(problem.vehicle_types)
    prefs = [vt.preferences for vt in problem.vehicle_types]
    if any(p is not None for p in prefs):
        table = np.array([p if p is not None else [0.0] * n for p in prefs], dtype=float)
        table[:, : problem.num_depots] = 0.0
        top = float(table.max())
        w = problem.preference_weight
        arc_extra = [np.rint(w * s * (top - row)).astype(np.int64) for row in table]
        for extra in arc_extra:
            extra[: problem.num_depots] = 0
        prize = prize + np.where(problem.required, 0, int(round(w * s * top)))
    return IntegerData(
        scale=s, distance=distance, duration=duration, service=service, time_windows=windows,
        has_time=has_time, demand=demand, capacity=capacity, prize=prize,
        fixed_cost=[int(round(vt.fixed_cost * s)) for vt in problem.vehicle_types],
        max_duration=[int(BIG) if math.isinf(vt.max_duration) else int(math.floor(vt.max_duration * s + 1e-9))
                      for vt in problem.vehicle_types],
        arc_extra=arc_extra,
    )


def fleet_cap(problem: VRPProblem) -> list[int]:
    """Vehicles per type worth modelling for solvers that pay per modelled vehicle (OR-Tools).

    An "unlimited" fleet (one vehicle per client) of a single type is cut to twice the bin-packing
    bound plus ten, which no sensible CVRP solution exceeds; other fleets are kept as given.
    """
    counts = [vt.count for vt in problem.vehicle_types]
    if (len(counts) == 1 and counts[0] >= problem.num_clients and problem.demand is not None
            and problem.vehicle_types[0].capacity and "time_windows" not in problem.features):
        cap = np.asarray(problem.vehicle_types[0].capacity)
        need = problem.demand[problem.num_depots:].sum(axis=0) / np.maximum(cap, 1e-12)
        bound = int(math.ceil(float(need.max()) - 1e-9))
        counts[0] = min(counts[0], 2 * bound + 10)
    return counts

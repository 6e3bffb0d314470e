"""Writing CVRPLIB ``.vrp`` files that :mod:`.tsplib` reads back to the same instance.

Coordinates are written as EUC_2D (CEIL_2D, ATT, GEO, ...) when the instance's convention
recomputes its matrix exactly; otherwise the matrix is written EXPLICIT FULL_MATRIX and a
``COMMENT : routeopt: convention=... precision=...`` keeps the convention for the reader.
Time windows and service times use the SERVICE_TIME and TIME_WINDOW sections of the ORTEC
(EURO-NeurIPS) format. Features the format cannot hold raise before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from ...errors import InputError
from .problem import VRPProblem
from .._io import number, rows
from .distances import EDGE_WEIGHT_TYPES, coordinate_distances


def _writable(problem: VRPProblem, path: Path) -> None:
    """Raise unless ``problem`` fits the CVRPLIB format exactly."""
    def no(what: str) -> InputError:
        return InputError(f"the .vrp format cannot hold {what}; save as .json instead", path=path)

    if problem.duration is not problem.distance and not np.array_equal(problem.duration, problem.distance):
        raise no("a duration matrix different from the distance matrix")
    if problem.prize is not None and problem.prize.any() or not problem.required.all():
        raise no("prizes or optional clients")
    if problem.demand is not None and not problem.vehicle_types[0].capacity:
        raise no("demands without a vehicle capacity (a CVRPLIB reader refuses a DEMAND_SECTION "
                 "without CAPACITY)")
    types = problem.vehicle_types
    if len(types) != problem.num_depots:
        raise no(f"{len(types)} vehicle types for {problem.num_depots} depot(s) (one identical type per depot)")
    first = types[0]
    for d, vt in enumerate(types):
        if vt.start_depot != d or vt.end_depot != d:
            raise no(f"vehicle type {d} based at depots {vt.start_depot}/{vt.end_depot} (type d must start "
                     f"and end at depot d)")
        if (vt.count, vt.capacity, vt.max_duration) != (first.count, first.capacity, first.max_duration):
            raise no("a heterogeneous fleet")
        if vt.fixed_cost or vt.forbidden or vt.preferences is not None:
            raise no("fixed costs, zones or preferences")


def _weight_type(problem: VRPProblem) -> str:
    """EDGE_WEIGHT_TYPE that reproduces the matrix from the coordinates, else EXPLICIT."""
    by_convention = {c: t for t, c in EDGE_WEIGHT_TYPES.items() if c != "exact"}
    kind = by_convention.get(problem.convention)
    if kind is None or problem.coordinates is None:
        return "EXPLICIT"
    same = np.array_equal(coordinate_distances(problem.coordinates, problem.convention), problem.distance)
    return kind if same else "EXPLICIT"


def format_vrp(problem: VRPProblem, path: Path) -> Iterator[str]:
    """The CVRPLIB text of ``problem``, line by line; raises before yielding if it does not fit."""
    _writable(problem, path)
    n, vt = problem.num_nodes, problem.vehicle_types[0]
    weight_type = _weight_type(problem)
    tsp = problem.demand is None and problem.time_windows is None and problem.num_vehicles == 1 \
        and problem.num_depots == 1 and not np.isfinite(vt.max_duration)
    if tsp:
        kind = "TSP" if problem.is_symmetric else "ATSP"
    else:
        kind = "VRPTW" if problem.time_windows is not None else "CVRP" if problem.demand is not None else "VRP"
    yield f"NAME : {problem.name}\n"
    if weight_type == "EXPLICIT" and problem.convention != "explicit":
        yield f"COMMENT : routeopt: convention={problem.convention} precision={problem.precision}\n"
    yield f"TYPE : {kind}\n"
    yield f"DIMENSION : {n}\n"
    yield f"EDGE_WEIGHT_TYPE : {weight_type}\n"
    if weight_type == "EXPLICIT":
        yield "EDGE_WEIGHT_FORMAT : FULL_MATRIX\n"
    if vt.capacity:
        yield f"CAPACITY : {' '.join(map(number, vt.capacity))}\n"
    if not tsp:
        yield f"VEHICLES : {vt.count}\n"
    if np.isfinite(vt.max_duration):
        yield f"DISTANCE : {number(vt.max_duration)}\n"
    ids = range(1, n + 1)
    if weight_type == "EXPLICIT":
        yield "EDGE_WEIGHT_SECTION\n"
        yield from rows(problem.distance, sep="\t")
    if problem.coordinates is not None:
        yield "NODE_COORD_SECTION\n"
        yield from rows(problem.coordinates, ids, sep="\t")
    if problem.demand is not None:
        yield "DEMAND_SECTION\n"
        yield from rows(problem.demand, ids, sep="\t")
    yield "DEPOT_SECTION\n"
    yield "".join(f"{d + 1}\n" for d in range(problem.num_depots)) + "-1\n"
    if problem.service_time is not None:
        yield "SERVICE_TIME_SECTION\n"
        yield from rows(problem.service_time, ids, sep="\t")
    if problem.time_windows is not None:
        yield "TIME_WINDOW_SECTION\n"
        yield from rows(problem.time_windows, ids, sep="\t")
    yield "EOF\n"

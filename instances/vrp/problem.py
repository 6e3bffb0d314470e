"""One vehicle routing model for TSP, ATSP, CVRP, VRPTW, multi-depot, heterogeneous fleet and PVRP.

Nodes are numbered depots first (``0 .. num_depots-1``), then clients. Every per-node array has
one row per node; depot rows of ``demand``/``service_time``/``prize`` are zero. A route lists the
clients it visits in order; its depots come from its vehicle type.

>>> import numpy as np
>>> p = VRPProblem(distance=np.array([[0, 2, 3], [2, 0, 1], [3, 1, 0]]))
>>> p.variant, p.evaluate(VRPSolution([Route([1, 2])])).objective
('TSP', 6.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from ...errors import InputError
from ..params import number
from ..base import Evaluation, Problem, Violation
from ..base import Solution as _BaseSolution
from .distances import matrix_precision

INF = math.inf
_TOL = 1e-6


@dataclass(frozen=True)
class VehicleType:
    """A group of identical vehicles.

    ``capacity`` has one entry per demand dimension (empty: uncapacitated). ``forbidden`` holds
    the client nodes this type may not serve (zone constraints); ``preferences`` holds one score
    per node (PVRP with preferences, as in CAMP): serving client ``i`` with this type earns
    ``preference_weight * preferences[i]``.
    """

    count: int = 1
    capacity: tuple[float, ...] = ()
    fixed_cost: float = 0.0
    start_depot: int = 0
    end_depot: int = 0
    max_duration: float = INF
    forbidden: frozenset[int] = frozenset()
    preferences: tuple[float, ...] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        # every field as its type, so a bad value in a file fails here with its name, not in evaluate
        object.__setattr__(self, "count", number("count", self.count, 0, 10**9, integer=True))
        object.__setattr__(self, "fixed_cost", float(number("fixed_cost", self.fixed_cost, 0)))
        for attr in ("start_depot", "end_depot"):
            object.__setattr__(self, attr, number(attr, getattr(self, attr), -10**9, 10**9, integer=True))
        if not (isinstance(self.max_duration, float) and math.isinf(self.max_duration) and self.max_duration > 0):
            object.__setattr__(self, "max_duration", float(number("max_duration", self.max_duration, 0)))
        try:
            object.__setattr__(self, "capacity", tuple(float(c) for c in np.atleast_1d(self.capacity)))
            object.__setattr__(self, "forbidden", frozenset(number("forbidden", c, 0, 10**9, integer=True)
                                                            for c in self.forbidden))
            if self.preferences is not None:
                object.__setattr__(self, "preferences", tuple(float(s) for s in self.preferences))
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad vehicle type: {exc}", field="vehicle_types") from None
        if not isinstance(self.name, str):
            raise InputError(f"vehicle type name must be text, got {self.name!r}", field="name")

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count, "capacity": list(self.capacity), "fixed_cost": self.fixed_cost,
            "start_depot": self.start_depot, "end_depot": self.end_depot,
            "max_duration": None if math.isinf(self.max_duration) else self.max_duration,
            "forbidden": sorted(self.forbidden),
            "preferences": None if self.preferences is None else list(self.preferences),
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VehicleType":
        if not isinstance(d, dict):
            raise InputError(f"a vehicle type must be an object, got {d!r}", field="vehicle_types")
        d = dict(d)
        if d.get("max_duration") is None:
            d["max_duration"] = INF
        d["forbidden"] = frozenset(d.get("forbidden", ()))
        return cls(**d)


@dataclass
class Route:
    """Clients visited in order by one vehicle of ``vehicle_type``.

    ``start_depot``/``end_depot`` are only set when a reader or solver states them explicitly;
    evaluation then checks they match the vehicle type.
    """

    visits: list[int]
    vehicle_type: int = 0
    start_depot: int | None = None
    end_depot: int | None = None

    def __post_init__(self) -> None:
        self.visits = [int(v) for v in self.visits]

    def __len__(self) -> int:
        return len(self.visits)


@dataclass
class VRPSolution(_BaseSolution):
    """A set of routes; empty routes are allowed and cost nothing."""

    routes: list[Route] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"routes": [
            {"visits": r.visits, "vehicle_type": r.vehicle_type,
             **({"start_depot": r.start_depot} if r.start_depot is not None else {}),
             **({"end_depot": r.end_depot} if r.end_depot is not None else {})}
            for r in self.routes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VRPSolution":
        try:
            return cls([Route(**r) if isinstance(r, dict) else Route(list(r)) for r in data["routes"]])
        except (KeyError, TypeError) as exc:
            raise InputError(f"not a VRP solution: {exc}", field="routes") from None

    @property
    def num_routes(self) -> int:
        return sum(1 for r in self.routes if r.visits)


def _decimals(matrix: np.ndarray) -> int | None:
    """Fewest decimals (0-6) in which every entry is exact, None beyond: a sample first, so a
    matrix of arbitrary floats is told apart in a few passes over ten thousand entries, then the
    whole matrix. (Solvers that work in integers scale distances by ``10 ** precision``: a float
    matrix taken as exact in 0 decimals would be optimised rounded to integers.)"""
    flat = matrix.ravel()
    if matrix_precision(flat[:: max(1, flat.size // 10_000)]) is None:
        return None
    return matrix_precision(matrix)


def _as_matrix(name: str, values: Any, n: int | None = None) -> np.ndarray:
    m = np.asarray(values, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InputError(f"{name} matrix must be square, got shape {m.shape}", field=name)
    if n is not None and m.shape[0] != n:
        raise InputError(f"{name} matrix has {m.shape[0]} rows for {n} nodes", field=name)
    bad = ~np.isfinite(m)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(f"{name}[{i}][{j}] is {m[i, j]}: distances must be finite", field=name)
    if (m < 0).any():
        i, j = map(int, np.argwhere(m < 0)[0])
        raise InputError(f"{name}[{i}][{j}] = {m[i, j]:g} is negative", field=name)
    return m


@dataclass
class VRPProblem(Problem):
    """A vehicle routing instance; see the module docstring for node numbering."""

    family = "vrp"
    size_unit = "clients"

    distance: np.ndarray
    duration: np.ndarray | None = None
    num_depots: int = 1
    demand: np.ndarray | None = None          # (nodes, dims)
    service_time: np.ndarray | None = None    # (nodes,)
    time_windows: np.ndarray | None = None    # (nodes, 2): earliest start, latest start
    prize: np.ndarray | None = None           # (nodes,): optional clients carry a prize
    required: np.ndarray | None = None        # (nodes,) bool; False = may be skipped for its prize
    vehicle_types: list[VehicleType] = field(default_factory=list)
    coordinates: np.ndarray | None = None     # (nodes, 2)
    name: str = "vrp"
    convention: str = "explicit"              # how distances were computed: round, dimacs, exact, ...
    # decimals in which distances are exact (None: any float); "auto": the fewest that hold them
    precision: int | str | None = "auto"
    preference_weight: float = 1.0
    best_known: float | None = None
    source: str | None = None
    best_known_note: str | None = None        # where best_known came from, or why there is none

    def __post_init__(self) -> None:
        self.distance = _as_matrix("distance", self.distance)
        n = self.distance.shape[0]
        self.num_depots = number("num_depots", self.num_depots, 1, max(1, n), integer=True)
        self.preference_weight = float(number("preference_weight", self.preference_weight))
        if not isinstance(self.vehicle_types, (list, tuple)) or not all(
                isinstance(vt, VehicleType) for vt in self.vehicle_types):
            raise InputError("vehicle_types must be a list of vehicle types", field="vehicle_types")
        self.duration = self.distance if self.duration is None else _as_matrix("duration", self.duration, n)
        if isinstance(self.precision, str):
            if self.precision != "auto":
                raise InputError(f"precision must be a number of decimals, None or 'auto', got "
                                 f"{self.precision!r}", field="precision")
            self.precision = _decimals(self.distance)
        elif self.precision is not None:
            self.precision = int(number("precision", self.precision, 0, 9, integer=True))
        if not 1 <= self.num_depots < n + (n == 1):
            raise InputError(f"num_depots={self.num_depots} for {n} nodes", field="num_depots")
        self.demand = self._per_node("demand", self.demand, 2)
        self.service_time = self._per_node("service_time", self.service_time, 1)
        self.prize = self._per_node("prize", self.prize, 1)
        if self.required is None:
            self.required = np.ones(n, dtype=bool)
        self.required = np.asarray(self.required, dtype=bool).reshape(n)
        if self.time_windows is not None:
            tw = np.asarray(self.time_windows, dtype=float)
            if tw.shape != (n, 2):
                raise InputError(f"time_windows must have shape ({n}, 2), got {tw.shape}", field="time_windows")
            if np.isnan(tw).any():
                raise InputError("time_windows contain NaN", field="time_windows")
            bad = np.flatnonzero(tw[:, 0] > tw[:, 1] + _TOL)
            if bad.size:
                i = int(bad[0])
                raise InputError(f"node {i} has an empty time window [{tw[i, 0]:g}, {tw[i, 1]:g}]",
                                 field="time_windows")
            self.time_windows = tw
        if self.coordinates is not None:
            self.coordinates = np.asarray(self.coordinates, dtype=float).reshape(n, 2)
        if not self.vehicle_types:
            self.vehicle_types = [VehicleType(count=1 if self.demand is None else max(1, self.num_clients))]
        self._validate_fleet()

    # ----------------------------------------------------------------- construction helpers
    def _per_node(self, name: str, values: Any, ndim: int) -> np.ndarray | None:
        if values is None:
            return None
        n = self.num_nodes
        a = np.asarray(values, dtype=float)
        if ndim == 2 and a.ndim == 1:
            a = a[:, None]
        if a.shape[0] != n or a.ndim != ndim:
            raise InputError(f"{name} must have one entry per node ({n}), got shape {a.shape}", field=name)
        if not np.isfinite(a).all():
            raise InputError(f"{name} of node {int(np.argwhere(~np.isfinite(a))[0][0])} is not finite", field=name)
        if (a < 0).any():
            i = int(np.argwhere(a < 0)[0][0])
            raise InputError(f"{name} of node {i} is negative ({a.reshape(n, -1)[i].tolist()})", field=name)
        return a

    def _validate_fleet(self) -> None:
        dims = self.demand.shape[1] if self.demand is not None else 0
        for k, vt in enumerate(self.vehicle_types):
            where = f"vehicle_types[{k}]"
            if vt.count < 1:
                raise InputError(f"vehicle type {k} has count {vt.count}", field=where)
            for d in (vt.start_depot, vt.end_depot):
                if not 0 <= d < self.num_depots:
                    raise InputError(f"vehicle type {k} uses depot {d}, not one of the "
                                     f"{self.num_depots} depots", field=where)
            if vt.capacity and dims and len(vt.capacity) != dims:
                raise InputError(f"vehicle type {k} has {len(vt.capacity)} capacities for "
                                 f"{dims} demand dimensions", field=where)
            if any(c < 0 or math.isnan(c) for c in vt.capacity):
                raise InputError(f"vehicle type {k} has a negative capacity", field=where)
            if vt.preferences is not None and len(vt.preferences) != self.num_nodes:
                raise InputError(f"vehicle type {k} has {len(vt.preferences)} preferences for "
                                 f"{self.num_nodes} nodes", field=where)
            bad = [c for c in vt.forbidden if not self.is_client(c)]
            if bad:
                raise InputError(f"vehicle type {k} forbids node {bad[0]}, which is not a client", field=where)
        if self.demand is not None and dims:
            # A client no vehicle type can carry makes the instance infeasible: say so up front.
            for i in self.clients:
                if not self.required[i]:
                    continue
                if not any(self._fits(vt, self.demand[i]) and i not in vt.forbidden
                           for vt in self.vehicle_types):
                    raise InputError(
                        f"client {i} has demand {self.demand[i].tolist()} that no vehicle can carry "
                        f"(capacities {[list(vt.capacity) for vt in self.vehicle_types]})", field="demand")

    @staticmethod
    def _fits(vt: VehicleType, load: np.ndarray) -> bool:
        return not vt.capacity or bool(np.all(load <= np.asarray(vt.capacity) + _TOL))

    # ----------------------------------------------------------------- descriptive properties
    @property
    def num_nodes(self) -> int:
        return int(self.distance.shape[0])

    @property
    def num_clients(self) -> int:
        return self.num_nodes - self.num_depots

    @property
    def clients(self) -> range:
        return range(self.num_depots, self.num_nodes)

    def is_client(self, node: int) -> bool:
        return self.num_depots <= node < self.num_nodes

    @property
    def size(self) -> int:
        return self.num_clients

    @property
    def num_vehicles(self) -> int:
        return sum(vt.count for vt in self.vehicle_types)

    @property
    def demand_dims(self) -> int:
        return 0 if self.demand is None else int(self.demand.shape[1])

    @property
    def is_symmetric(self) -> bool:
        def symmetric(m: np.ndarray) -> bool:     # exact equality first: it is the common case, and cheaper
            return bool(np.array_equal(m, m.T) or np.allclose(m, m.T))
        return symmetric(self.distance) and (self.duration is self.distance or symmetric(self.duration))

    @property
    def horizon(self) -> float:
        if self.time_windows is None:
            return INF
        return float(self.time_windows[: self.num_depots, 1].max())

    @property
    def features(self) -> frozenset[str]:
        f = set()
        if not self.is_symmetric:
            f.add("asymmetric")
        if self.demand is not None and self.demand.any() and any(vt.capacity for vt in self.vehicle_types):
            f.add("capacity")
            if self.demand_dims > 1:
                f.add("multi_dimensional_demand")
        if self.time_windows is not None:
            f.add("time_windows")
        if self.service_time is not None and self.service_time.any():
            f.add("service_times")
        if self.num_depots > 1:
            f.add("multi_depot")
        # Types that differ only in depot or profile (zones, preferences) are not a heterogeneous
        # fleet: those show up as multi_depot, zones or preferences.
        if len({(vt.capacity, vt.fixed_cost, vt.max_duration) for vt in self.vehicle_types}) > 1:
            f.add("heterogeneous_fleet")
        if any(vt.fixed_cost for vt in self.vehicle_types):
            f.add("fixed_cost")
        if any(math.isfinite(vt.max_duration) for vt in self.vehicle_types):
            f.add("max_duration")
        if any(vt.forbidden for vt in self.vehicle_types):
            f.add("zones")
        if any(vt.preferences is not None for vt in self.vehicle_types):
            f.add("preferences")
        if not self.required[self.num_depots:].all():
            f.add("prizes")
        if any(vt.start_depot != vt.end_depot for vt in self.vehicle_types):
            f.add("open_depots")
        return frozenset(f)

    @property
    def variant(self) -> str:
        """Conventional name: TSP, ATSP, CVRP, VRPTW, MDVRP, HFVRP, PVRP, with A/PC prefixes."""
        f = self.features
        single = self.num_vehicles == 1 and self.num_depots == 1
        if single and not f & {"capacity", "time_windows", "max_duration", "prizes", "preferences", "zones"}:
            return "ATSP" if "asymmetric" in f else "TSP"
        base = "VRPTW" if "time_windows" in f else ("CVRP" if "capacity" in f else "VRP")
        if f & {"zones", "preferences"}:
            base = "P" + base.removeprefix("C") if base != "CVRP" else "PVRP"
        prefix = ""
        if "asymmetric" in f:
            prefix += "A"
        if "prizes" in f:
            prefix += "PC"
            if base == "CVRP":                   # prize-collecting CVRP is PCVRP, not PCCVRP
                base = "VRP"
        if "multi_depot" in f:
            prefix += "MD"
        if "heterogeneous_fleet" in f:
            prefix += "HF"
        return prefix + base

    def integer_scale(self) -> int:
        """Factor that makes every matrix entry an integer (for solvers working in integers)."""
        if self.precision is not None:
            return 10 ** self.precision
        top = max(float(self.distance.max()), float(self.duration.max()), 1e-9)
        return int(10 ** max(0, 6 - math.ceil(math.log10(top))))

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, solution: _BaseSolution) -> Evaluation:
        """Objective (distance + fixed costs + prizes missed - weighted preferences) and violations."""
        if not isinstance(solution, VRPSolution):
            return Evaluation(INF, [Violation("type", f"expected a VRP Solution, got {type(solution).__name__}")])
        v: list[Violation] = []
        seen = np.zeros(self.num_nodes, dtype=int)
        used = [0] * len(self.vehicle_types)
        distance = fixed = preference = duration_total = 0.0
        for r, route in enumerate(solution.routes):
            if not 0 <= route.vehicle_type < len(self.vehicle_types):
                v.append(Violation("vehicle_type", f"route {r} uses vehicle type {route.vehicle_type}, "
                                                   f"which does not exist"))
                continue
            bad = [c for c in route.visits if not self.is_client(c)]
            if bad:
                kind = "depot" if all(0 <= c < self.num_depots for c in bad) else "unknown_node"
                v.append(Violation(kind, f"route {r} visits node {bad[0]}, which is not a client"))
                continue
            if not route.visits:
                continue
            vt = self.vehicle_types[route.vehicle_type]
            used[route.vehicle_type] += 1
            for attr in ("start_depot", "end_depot"):
                stated = getattr(route, attr)
                if stated is not None and stated != getattr(vt, attr):
                    v.append(Violation("depot", f"route {r} has {attr} {stated} but vehicle type "
                                                f"{route.vehicle_type} uses depot {getattr(vt, attr)}"))
            np.add.at(seen, route.visits, 1)       # counts a client repeated within the route too
            path = [vt.start_depot, *route.visits, vt.end_depot]
            distance += float(self.distance[path[:-1], path[1:]].sum())
            fixed += vt.fixed_cost
            if vt.preferences is not None:
                preference += sum(vt.preferences[c] for c in route.visits)
            forbidden = [c for c in route.visits if c in vt.forbidden]
            if forbidden:
                v.append(Violation("forbidden", f"route {r} serves client {forbidden[0]}, which vehicle "
                                                f"type {route.vehicle_type} may not serve", len(forbidden)))
            if self.demand is not None and vt.capacity:
                load = self.demand[route.visits].sum(axis=0)
                over = load - np.asarray(vt.capacity)
                if (over > _TOL).any():
                    v.append(Violation("capacity", f"route {r} carries {load.tolist()} > capacity "
                                                   f"{list(vt.capacity)}", float(over.max())))
            lateness, duration = self._schedule(path)
            duration_total += duration
            if lateness > _TOL:
                v.append(Violation("time_window", f"route {r} is late by {lateness:g} in total", lateness))
            if duration > vt.max_duration + _TOL:
                v.append(Violation("max_duration", f"route {r} lasts {duration:g} > max duration "
                                                   f"{vt.max_duration:g}", duration - vt.max_duration))
        for k, (n_used, vt) in enumerate(zip(used, self.vehicle_types)):
            if n_used > vt.count:
                v.append(Violation("fleet", f"{n_used} routes use vehicle type {k}, which has "
                                            f"{vt.count} vehicles", n_used - vt.count))
        clients = np.arange(self.num_depots, self.num_nodes)
        twice = clients[seen[clients] > 1]
        if twice.size:
            v.append(Violation("duplicate", f"client {int(twice[0])} is visited {int(seen[twice[0]])} times"
                                            f" ({twice.size} clients visited more than once)", twice.size))
        missing = clients[(seen[clients] == 0) & self.required[clients]]
        if missing.size:
            v.append(Violation("missing", f"client {int(missing[0])} is not visited "
                                          f"({missing.size} required clients missing)", missing.size))
        skipped = clients[(seen[clients] == 0) & ~self.required[clients]]
        prizes_missed = float(self.prize[skipped].sum()) if self.prize is not None else 0.0
        # Rounded to 9 decimals so sums of one-decimal Solomon distances read 1641.4, not 1641.3999999999999.
        objective = round(distance + fixed + prizes_missed - self.preference_weight * preference, 9)
        details = {"distance": distance, "fixed_cost": fixed, "prizes_missed": prizes_missed,
                   "preference": preference, "duration": duration_total,
                   "routes": int(sum(used)), "vehicles_by_type": used}
        return Evaluation(float(objective), v, details)

    def _schedule(self, path: Sequence[int]) -> tuple[float, float]:
        """Total lateness and minimum duration of a route ``depot, clients..., depot`` (see :meth:`schedule`)."""
        lateness, duration, _ = self._departure(path)
        return lateness, duration

    def _departure(self, path: Sequence[int]) -> tuple[float, float, float]:
        """Lateness, minimum duration and the departure time achieving it, in one pass.

        Vehicles leave at the start depot's opening time or later; waiting before a window opens
        is allowed. The duration is the smallest over feasible departure times, so it matches
        solvers that delay departure to avoid waiting (PyVRP, OR-Tools with start slack).
        """
        dur, svc = self.duration, self.service_time
        tw = self.time_windows
        start = 0.0 if tw is None else float(tw[path[0], 0])
        t, lateness = start, 0.0
        # ``latest``: latest departure that makes no on-time stop late; ``elapsed``: travel and
        # service time alone. With waiting, the end time is max(departure + elapsed, t).
        latest, elapsed = INF, 0.0
        for prev, node in zip(path[:-1], path[1:]):
            step = float(dur[prev, node])
            t += step
            elapsed += step
            if tw is not None:
                early, late = tw[node]
                if t > late + _TOL:
                    lateness += t - late
                else:
                    latest = min(latest, late - elapsed)
                t = max(t, float(early))
            if svc is not None and node != path[-1]:
                t += float(svc[node])
                elapsed += float(svc[node])
        if tw is None:
            return 0.0, elapsed, start
        departure = max(start, min(latest, t - elapsed))
        end = max(departure + elapsed, t)
        return lateness, end - departure, departure

    def schedule(self, path: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrival, departure and waiting time at every node of a route ``depot, clients..., depot``,
        by the rule ``evaluate`` scores (the vehicle leaves as late as helps, see :meth:`_departure`).
        At the start depot arrival and departure are the moment it leaves; at the end depot, the
        moment it is back. Times count from 0 when the instance has no time windows."""
        _, _, leave = self._departure(path)
        dur, svc, tw = self.duration, self.service_time, self.time_windows
        arrival, departure, wait = [leave], [leave], [0.0]
        t = leave
        for prev, node in zip(path[:-1], path[1:]):
            t += float(dur[prev, node])
            arrival.append(t)
            if tw is not None:
                t = max(t, float(tw[node, 0]))
            wait.append(t - arrival[-1])
            if svc is not None and node != path[-1]:
                t += float(svc[node])
            departure.append(t)
        return np.array(arrival), np.array(departure), np.array(wait)

    # ----------------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        def arr(a):
            return None if a is None else np.asarray(a).tolist()
        return {
            "family": self.family, "name": self.name, "num_depots": self.num_depots,
            "distance": arr(self.distance),
            "duration": None if self.duration is self.distance else arr(self.duration),
            "demand": arr(self.demand), "service_time": arr(self.service_time),
            "time_windows": arr(self.time_windows), "prize": arr(self.prize),
            "required": arr(self.required), "coordinates": arr(self.coordinates),
            "vehicle_types": [vt.to_dict() for vt in self.vehicle_types],
            "convention": self.convention, "precision": self.precision,
            "preference_weight": self.preference_weight, "best_known": self.best_known,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VRPProblem":
        d = {k: v for k, v in data.items() if k not in ("family",)}
        try:
            d["vehicle_types"] = [VehicleType.from_dict(vt) for vt in d.get("vehicle_types", [])]
            return cls(**d)
        except TypeError as exc:
            raise InputError(f"not a VRP instance: {exc}") from None

    @classmethod
    def solution_from_dict(cls, data: dict[str, Any]) -> VRPSolution:
        return VRPSolution.from_dict(data)

    def with_best_known(self, value: float | None) -> "VRPProblem":
        return replace(self, best_known=value)


VRP = VRPProblem   # the short name, kept: one class

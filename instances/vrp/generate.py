"""Seeded generators for every VRP variant of :mod:`routeopt.instances.vrp`.

``routeopt.generate(kind, n, seed, **params)`` returns a :class:`VRPProblem`. The same arguments always give the
same instance (``numpy.random.default_rng(seed)``), so a name like ``cvrp-n100-s3`` is enough to
rebuild one. ``n`` counts clients, except for ``tsp``/``atsp`` where it counts cities (node 0
included). Parameters left out are drawn from the seed as the papers do; the values drawn are
recorded in ``problem.source`` as a call that rebuilds the instance. Every instance is checked
feasible (``feasible_solution`` must find a solution the problem accepts) before it is returned.

Sources:

- ``cvrp``, ``acvrp``, ``hfvrp``, ``mdvrp``: the X generator of E. Uchoa, D. Pecin, A. Pessoa,
  M. Poggi, T. Vidal, A. Subramanian, "New benchmark instances for the Capacitated Vehicle Routing
  Problem", EJOR 257(3):845-858, 2017 (depot R/C/E, customers R/C/RC, seven demand
  distributions, route size r ~ Triangular(3, 6, 25), capacity ceil(r * sum(d) / n)).
- ``vrptw``: M. M. Solomon, "Algorithms for the vehicle routing and scheduling problems with time
  window constraints", Operations Research 35(2):254-265, 1987; distances truncated to one
  decimal as in the DIMACS 2021 challenge.
- ``tsp``: points in the unit square as in W. Kool, H. van Hoof, M. Welling, "Attention, learn to
  solve routing problems!", ICLR 2019, and rl4co.
- ``atsp``: Y.-D. Kwon et al., "Matrix encoding networks for neural combinatorial optimization"
  (MatNet), NeurIPS 2021: random integer matrix made metric by shortest-path closure.
- ``pvrp``: C. Hua, F. Berto, J. Son, S. Kang, C. Kwon, J. Park, "CAMP: Collaborative Attention
  Model with Profiles for Vehicle Routing Problems", AAMAS 2025 (preferences; angular zones).

>>> p = cvrp(20, seed=1)
>>> p.name, p.variant, p.num_clients
('cvrp-n20-s1', 'CVRP', 20)
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable

import numpy as np
from scipy.sparse.csgraph import shortest_path

from ...errors import InputError
from ..params import choice, number
from .distances import coordinate_distances
from .problem import VRPProblem, Route, VRPSolution, VehicleType

__all__ = ["GENERATORS", "feasible_solution", "tsp", "atsp", "cvrp", "acvrp", "vrptw", "hfvrp", "mdvrp", "pvrp"]

MAX_NODES = 10_000          # dense matrices: 10^4 nodes already take 800 MB
_GRID = 1000                # X instances: integer points of [0, 1000]^2
_DECAY = 40.0               # X clustered customers: attraction exp(-d / 40) to each seed
_DEPOTS = ("random", "centre", "eccentric")
_LAYOUTS = ("random", "clustered", "mixed")
_LAYOUT_ALIASES = {"r": "random", "c": "clustered", "rc": "mixed"}
_DEPOT_ALIASES = {"r": "random", "c": "centre", "center": "centre", "central": "centre",
                  "e": "eccentric", "corner": "eccentric"}
# X demand distributions: (low, high) of U[low, high]; None: position- or mixture-dependent
_DEMANDS: dict[str, tuple[int, int] | None] = {
    "unitary": (1, 1), "small_large_var": (1, 10), "small_small_var": (5, 10),
    "large_large_var": (1, 100), "large_small_var": (50, 100),
    "quadrant": None, "many_small_few_large": None,
}
# Solomon series 1 (tight windows, short horizon) and series 2 (wide, long) depot horizons
_HORIZON = {("random", "tight"): 230, ("clustered", "tight"): 1236, ("mixed", "tight"): 240,
            ("random", "wide"): 1000, ("clustered", "wide"): 3390, ("mixed", "wide"): 960}
_WIDTH = {"tight": (0.05, 0.15), "wide": (0.25, 0.5)}   # window width / horizon
_TOL = 1e-9


# ---------------------------------------------------------------------------- validation
def _pick(rng: np.random.Generator, field: str, value: Any, options: tuple[str, ...],
          aliases: dict[str, str] | None = None) -> str:
    """The given choice, else one drawn uniformly; the draw always happens, so naming the value
    the seed would have drawn rebuilds the same instance."""
    drawn = options[int(rng.integers(len(options)))]
    return drawn if value is None else choice(field, value, options, aliases)


def _rng(n: Any, seed: Any) -> tuple[int, int, np.random.Generator]:
    n = number("n", n, 1, MAX_NODES - 1, integer=True)
    seed = number("seed", seed, 0, 2**63 - 1, integer=True)
    return n, seed, np.random.default_rng(seed)


def _call(kind: str, n: int, seed: int, **params: Any) -> str:
    args = "".join(f", {k}={v!r}" for k, v in params.items())
    return f"generate({kind!r}, n={n}, seed={seed}{args})"


# ---------------------------------------------------------------------------- X (Uchoa et al.)
def _grid_points(rng: np.random.Generator, count: int, occupied: np.ndarray,
                 accept: Callable[[np.ndarray], np.ndarray] | None = None, rate: float = 1.0) -> np.ndarray:
    """``count`` distinct integer points of the grid, none already ``occupied`` (updated)."""
    side = _GRID + 1
    chunks, need = [], count
    while need > 0:
        batch = int(min(200_000, max(64, 2 * need / rate)))
        pts = rng.integers(0, side, size=(batch, 2))
        if accept is not None:
            pts = pts[rng.random(batch) < accept(pts)]
        flat = pts[:, 0] * side + pts[:, 1]
        fresh = ~occupied[flat]
        pts, flat = pts[fresh], flat[fresh]
        first = np.sort(np.unique(flat, return_index=True)[1])[:need]
        occupied[flat[first]] = True
        chunks.append(pts[first])
        need -= first.size
    return np.concatenate(chunks) if chunks else np.empty((0, 2), dtype=np.int64)


def _x_customers(rng: np.random.Generator, n: int, layout: str, occupied: np.ndarray) -> np.ndarray:
    """Random, clustered (S ~ U{3..8} seeds, accept p with prob. sum exp(-d(p,s)/40) / peak) or
    mixed (half random, half clustered) customers, in random order."""
    n_random = {"random": n, "clustered": 0, "mixed": n // 2}[layout]
    parts = [_grid_points(rng, n_random, occupied)]
    if n > n_random:
        num_seeds = min(int(rng.integers(3, 9)), n - n_random)
        seeds = _grid_points(rng, num_seeds, occupied).astype(float)

        def attraction(pts: np.ndarray) -> np.ndarray:
            d = np.sqrt(((pts[:, None, :] - seeds[None, :, :]) ** 2).sum(-1))
            return np.exp(-d / _DECAY).sum(1)

        peak = float(attraction(seeds).max())
        rate = max(1e-3, num_seeds * 2 * math.pi * _DECAY**2 / (_GRID + 1) ** 2 / peak)
        parts += [seeds.astype(np.int64),
                  _grid_points(rng, n - n_random - num_seeds, occupied, lambda p: attraction(p) / peak, rate)]
    points = np.concatenate(parts)
    return points[rng.permutation(n)]


def _x_depot(rng: np.random.Generator, position: str, occupied: np.ndarray) -> np.ndarray:
    if position == "random":
        return _grid_points(rng, 1, occupied)[0]
    xy = np.array([_GRID // 2] * 2 if position == "centre" else [0, 0])
    occupied[xy[0] * (_GRID + 1) + xy[1]] = True
    return xy


def _x_demand(rng: np.random.Generator, kind: str, xy: np.ndarray) -> np.ndarray:
    n = len(xy)
    bounds = _DEMANDS[kind]
    if bounds is not None:
        return rng.integers(bounds[0], bounds[1] + 1, n)
    if kind == "quadrant":
        # as in the CVRPLIB generator: U[51,100] in the lower-left and upper-right quadrants
        low = xy < _GRID / 2
        large = low[:, 0] == low[:, 1]
        return np.where(large, rng.integers(51, 101, n), rng.integers(1, 51, n))
    small = rng.uniform(0.70, 0.95)             # share of small demands, drawn per instance
    demand = rng.integers(1, 11, n)
    big = rng.choice(n, n - int(round(small * n)), replace=False)
    demand[big] = rng.integers(50, 101, big.size)
    return demand


def _x_capacity(demand: np.ndarray, route_size: float) -> int:
    """Q = ceil(r * sum(d) / n), at least the largest demand so every client fits."""
    return int(max(math.ceil(route_size * demand.sum() / len(demand)), demand.max()))


def _x_draw(rng: np.random.Generator, n: int, num_depots: int, depot: Any, customers: Any,
            demand: Any, route_size: Any) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
    """Coordinates (depots first), demand per node and capacity of an X-like instance."""
    depot_at = _pick(rng, "depot", depot, _DEPOTS, _DEPOT_ALIASES) if num_depots == 1 else "random"
    layout = _pick(rng, "customers", customers, _LAYOUTS, _LAYOUT_ALIASES)
    law = _pick(rng, "demand", demand, tuple(_DEMANDS))
    r = float(rng.triangular(3, 6, 25))
    if route_size is not None:
        r = number("route_size", route_size, 1)
    occupied = np.zeros((_GRID + 1) ** 2, dtype=bool)
    depots = np.array([_x_depot(rng, depot_at, occupied) for _ in range(num_depots)])
    xy = _x_customers(rng, n, layout, occupied)
    d = _x_demand(rng, law, xy)
    coords = np.vstack([depots, xy]).astype(float)
    drawn = {"depot": depot_at} if num_depots == 1 else {}
    drawn |= {"customers": layout, "demand": law, "route_size": r}
    return coords, np.concatenate([np.zeros(num_depots, dtype=np.int64), d]), _x_capacity(d, r), drawn


def _metric(matrix: np.ndarray) -> np.ndarray:
    """Shortest-path closure: afterwards d[i, j] <= d[i, k] + d[k, j] for all i, j, k."""
    return shortest_path(matrix, method="FW", directed=True)


# ---------------------------------------------------------------------------- generators
def tsp(n: int = 50, seed: int = 0, *, distribution: str = "uniform", clusters: int | None = None) -> VRPProblem:
    """Euclidean TSP: n cities in the unit square, uniform or in Gaussian clusters (exact distances).

    ``clusters`` (clustered only): number of Gaussian clusters (std 0.05), drawn in 3..8 if omitted.
    """
    n, seed, rng = _rng(n, seed)
    distribution = choice("distribution", distribution, ("uniform", "clustered"))
    drawn: dict[str, Any] = {"distribution": distribution}
    if distribution == "uniform":
        if clusters is not None:
            raise InputError("clusters only applies to distribution='clustered'", field="clusters")
        xy = rng.random((n, 2))
    else:
        k = int(rng.integers(3, 9)) if clusters is None else number("clusters", clusters, 1, n, True)
        centres = rng.random((k, 2))
        xy = np.clip(centres[rng.integers(k, size=n)] + rng.normal(0.0, 0.05, (n, 2)), 0.0, 1.0)
        drawn["clusters"] = k
    return _checked(VRPProblem(distance=coordinate_distances(xy, "exact"), coordinates=xy, name=f"tsp-n{n}-s{seed}",
                        convention="exact", precision=None, source=_call("tsp", n, seed, **drawn)))


def atsp(n: int = 50, seed: int = 0, *, max_distance: int = 1_000_000) -> VRPProblem:
    """Metric ATSP (MatNet): integer matrix U[1, max_distance), closed under shortest paths."""
    n, seed, rng = _rng(n, seed)
    high = number("max_distance", max_distance, 2, 2**31, integer=True)
    raw = rng.integers(1, high, (n, n)).astype(float)
    np.fill_diagonal(raw, 0.0)
    return _checked(VRPProblem(distance=_metric(raw), name=f"atsp-n{n}-s{seed}", convention="explicit", precision=0,
                        source=_call("atsp", n, seed, max_distance=high)))


def cvrp(n: int = 50, seed: int = 0, *, depot: str | None = None, customers: str | None = None,
         demand: str | None = None, route_size: float | None = None) -> VRPProblem:
    """CVRP by the X generator of Uchoa et al. (2017): [0,1000]^2 grid, rounded Euclidean distances.

    ``depot``: random | centre | eccentric (R/C/E); ``customers``: random | clustered | mixed
    (R/C/RC); ``demand``: unitary | small_large_var | small_small_var | large_large_var |
    large_small_var | quadrant | many_small_few_large; ``route_size``: average clients per route r
    (capacity ceil(r * sum(d) / n)). Each one left out is drawn from the seed; the fleet is unlimited.
    """
    n, seed, rng = _rng(n, seed)
    coords, d, capacity, drawn = _x_draw(rng, n, 1, depot, customers, demand, route_size)
    return _checked(VRPProblem(distance=coordinate_distances(coords, "round"), demand=d, coordinates=coords,
                        vehicle_types=[VehicleType(count=n, capacity=(capacity,))], name=f"cvrp-n{n}-s{seed}",
                        convention="round", precision=0, source=_call("cvrp", n, seed, **drawn)))


def acvrp(n: int = 50, seed: int = 0, *, asymmetry: float = 0.3, depot: str | None = None,
          customers: str | None = None, demand: str | None = None, route_size: float | None = None) -> VRPProblem:
    """Asymmetric CVRP: an X instance whose arc (i, j) costs nint(d_ij * (1 + asymmetry * U[0,1])), metric.

    Other parameters as for ``cvrp``.
    """
    n, seed, rng = _rng(n, seed)
    asymmetry = number("asymmetry", asymmetry, 0.0, 10.0)
    coords, d, capacity, drawn = _x_draw(rng, n, 1, depot, customers, demand, route_size)
    stretch = 1.0 + asymmetry * rng.random((n + 1, n + 1))
    raw = np.floor(coordinate_distances(coords, "exact") * stretch + 0.5)
    return _checked(VRPProblem(distance=_metric(raw), demand=d, coordinates=coords,
                        vehicle_types=[VehicleType(count=n, capacity=(capacity,))],
                        name=f"acvrp-n{n}-s{seed}",
                        convention="explicit", precision=0,
                        source=_call("acvrp", n, seed, asymmetry=asymmetry, **drawn)))


def vrptw(n: int = 50, seed: int = 0, *, layout: str | None = None, windows: str = "tight",
          horizon: float | None = None, service_time: float | None = None, density: float = 1.0,
          capacity: int = 200) -> VRPProblem:
    """Solomon-like VRPTW on [0,100]^2: R/C/RC layouts, DIMACS one-decimal distances, capacity 200.

    ``layout``: random | clustered | mixed (drawn if omitted); ``windows``: tight | wide (width
    5-15% or 25-50% of the horizon); ``horizon``: depot closing time (Solomon's series 1 or 2
    value for the layout); ``service_time``: 90 for clustered, else 10; ``density``: share of
    clients with a window (the others may be served any time). Every client can be served alone.
    """
    n, seed, rng = _rng(n, seed)
    layout = _pick(rng, "layout", layout, _LAYOUTS, _LAYOUT_ALIASES)
    windows = choice("windows", windows, tuple(_WIDTH))
    service = 90.0 if layout == "clustered" else 10.0
    service = service if service_time is None else number("service_time", service_time, 0)
    horizon = float(_HORIZON[layout, windows] if horizon is None else number("horizon", horizon, 1))
    density = number("density", density, 0.0, 1.0)
    capacity = number("capacity", capacity, 50, integer=True)
    n_random = {"random": n, "clustered": 0, "mixed": n // 2}[layout]
    k = max(1, round(math.sqrt(n - n_random)))
    centres = rng.uniform(10, 90, (k, 2))
    clustered = np.rint(centres[rng.integers(k, size=n - n_random)] + rng.normal(0, 4, (n - n_random, 2)))
    xy = np.vstack([rng.integers(0, 101, (n_random, 2)), np.clip(clustered, 0, 100)])[rng.permutation(n)]
    coords = np.vstack([[50.0, 50.0], xy])
    dist = coordinate_distances(coords, "dimacs")
    earliest = dist[0, 1:]                                  # arrival when leaving at time 0
    latest = horizon - service - dist[1:, 0]                # latest start that still gets back in time
    if (earliest > latest + _TOL).any():
        need = float((earliest + service + dist[1:, 0]).max())
        raise InputError(f"horizon={horizon:g} is too short: a client needs {need:g} to be served alone",
                         field="horizon")
    centre = earliest + (latest - earliest) * rng.random(n)
    half = horizon * rng.uniform(*_WIDTH[windows], n) / 2
    has_window = rng.random(n) < density
    open_ = np.where(has_window, np.maximum(0.0, np.floor(centre - half)), 0.0)
    close = np.where(has_window, np.minimum(latest, np.ceil(centre + half)), latest)
    tw = np.vstack([[0.0, horizon], np.column_stack([open_, close])])
    d = np.concatenate([[0], rng.integers(1, 51, n)])
    drawn = {"layout": layout, "windows": windows, "horizon": horizon, "service_time": service}
    return _checked(VRPProblem(distance=dist, demand=d, service_time=np.concatenate([[0.0], np.full(n, service)]),
                        time_windows=tw, coordinates=coords,
                        vehicle_types=[VehicleType(count=n, capacity=(capacity,))],
                        name=f"vrptw-n{n}-s{seed}",
                        convention="dimacs", precision=1, source=_call("vrptw", n, seed, **drawn)))


def hfvrp(n: int = 50, seed: int = 0, *, fixed_cost: float = 1000.0, depot: str | None = None,
          customers: str | None = None, demand: str | None = None, route_size: float | None = None) -> VRPProblem:
    """Heterogeneous fleet CVRP: an X instance served by small, medium and large vehicle types.

    Capacities are 40%, 70% and 100% of the X capacity (every client fits the large type);
    fixed costs are proportional to capacity (rounded), ``fixed_cost`` for the large type; each
    type brings about 40% of the total demand in capacity. Other parameters as for ``cvrp``.
    """
    n, seed, rng = _rng(n, seed)
    fixed_cost = number("fixed_cost", fixed_cost, 0)
    coords, d, large, drawn = _x_draw(rng, n, 1, depot, customers, demand, route_size)
    caps = [max(1, math.ceil(share * large)) for share in (0.4, 0.7)] + [large]
    for k in (1, 2):                                         # keep capacities distinct
        caps[k] = max(caps[k], caps[k - 1] + 1)
    types = [VehicleType(count=max(1, math.ceil(0.4 * d.sum() / q)), capacity=(q,),
                         fixed_cost=round(fixed_cost * q / caps[-1]), name=name)
             for q, name in zip(caps, ("small", "medium", "large"))]
    p = VRPProblem(distance=coordinate_distances(coords, "round"), demand=d, coordinates=coords, vehicle_types=types,
            name=f"hfvrp-n{n}-s{seed}", convention="round", precision=0,
            source=_call("hfvrp", n, seed, fixed_cost=fixed_cost, **drawn))
    return _checked(_size_fleet(p))


def mdvrp(n: int = 50, seed: int = 0, *, depots: int | None = None, customers: str | None = None,
          demand: str | None = None, route_size: float | None = None) -> VRPProblem:
    """Multi-depot CVRP: X-like clients, 2-4 random depots (nodes 0..depots-1), one vehicle type each.

    ``depots``: number of depots (drawn in 2..4 if omitted); each depot gets about 25% more
    vehicles than serving its nearest clients needs. Other parameters as for ``cvrp``.
    """
    n, seed, rng = _rng(n, seed)
    m = int(rng.integers(2, 5))
    m = m if depots is None else number("depots", depots, 2, 20, integer=True)
    coords, d, capacity, drawn = _x_draw(rng, n, m, None, customers, demand, route_size)
    types = [VehicleType(count=n, capacity=(capacity,), start_depot=j, end_depot=j, name=f"depot{j}")
             for j in range(m)]
    p = VRPProblem(distance=coordinate_distances(coords, "round"), num_depots=m, demand=d, coordinates=coords,
            vehicle_types=types, name=f"mdvrp-n{n}-s{seed}", convention="round", precision=0,
            source=_call("mdvrp", n, seed, depots=m, **drawn))
    return _checked(_size_fleet(p, slack=1.25))


def pvrp(n: int = 50, seed: int = 0, *, mode: str = "preferences", profiles: int = 3, capacity: int = 40,
         preference_weight: float | None = None, zones: int | None = None) -> VRPProblem:
    """Profiled VRP as in CAMP: unit square, demand U[1,10], one vehicle type per profile.

    ``mode="preferences"``: each profile scores every client 1 - d(client, its centre)/sqrt(2)
    (centre: a random client), earning ``preference_weight`` (default 0.1) per point.
    ``mode="zones"``: clients lie in ``zones`` angular sectors around the depot (default 4); each
    profile is barred from some sectors, every sector stays open to some profile.
    """
    n, seed, rng = _rng(n, seed)
    mode = choice("mode", mode, ("preferences", "zones"))
    m = number("profiles", profiles, 1 if mode == "preferences" else 2, 20, integer=True)
    capacity = number("capacity", capacity, 10, integer=True)
    xy = rng.random((n + 1, 2))
    d = np.concatenate([[0], rng.integers(1, 11, n)])
    drawn: dict[str, Any] = {"mode": mode, "profiles": m, "capacity": capacity}
    weight = 0.1
    if mode == "preferences":
        if zones is not None:
            raise InputError("zones only applies to mode='zones'", field="zones")
        weight = weight if preference_weight is None else number("preference_weight", preference_weight, 0)
        centres = xy[rng.integers(1, n + 1, m)]
        scores = np.clip(1 - np.linalg.norm(xy[None] - centres[:, None], axis=-1) / math.sqrt(2), 0, 1)
        scores[:, 0] = 0.0
        extra = [{"preferences": tuple(s)} for s in scores]
        drawn["preference_weight"] = weight
    else:
        if preference_weight is not None:
            raise InputError("preference_weight only applies to mode='preferences'",
                             field="preference_weight")
        z = 4 if zones is None else number("zones", zones, 2, 64, integer=True)
        rel = xy[1:] - xy[0]
        angle = np.mod(np.arctan2(rel[:, 1], rel[:, 0]), 2 * math.pi)
        zone = np.minimum((angle / (2 * math.pi / z)).astype(int), z - 1)
        barred = max(1, min(z - 1, round(rng.uniform(0, 2 / 3) * z)))   # CAMP: up to 2/3 of the zones
        forbid = np.zeros((m, z), dtype=bool)
        for k in range(m):
            forbid[k, rng.permutation(z)[:barred]] = True
        for s in np.flatnonzero(forbid.all(0)):                         # reopen sectors closed to all
            forbid[int(rng.integers(m)), s] = False
        extra = [{"forbidden": frozenset((np.flatnonzero(forbid[k, zone]) + 1).tolist())} for k in range(m)]
        drawn["zones"] = z
    types = [VehicleType(count=n, capacity=(capacity,), name=f"profile{k}", **extra[k]) for k in range(m)]
    p = VRPProblem(distance=coordinate_distances(xy, "exact"), demand=d, coordinates=xy, vehicle_types=types,
            name=f"pvrp-n{n}-s{seed}", convention="exact", precision=None, preference_weight=weight,
            source=_call("pvrp", n, seed, **drawn))
    return _checked(_size_fleet(p, slack=1.2))


GENERATORS: dict[str, Callable[..., VRPProblem]] = {
    "tsp": tsp, "atsp": atsp, "cvrp": cvrp, "acvrp": acvrp, "vrptw": vrptw,
    "hfvrp": hfvrp, "mdvrp": mdvrp, "pvrp": pvrp,
}


# ---------------------------------------------------------------------------- feasibility
def feasible_solution(problem: VRPProblem) -> VRPSolution | None:
    """A plain feasible solution, or None if this simple method finds none.

    First-fit decreasing by demand over vehicle types (larger capacity, higher preference,
    nearer depot first); one client per route under time windows or duration limits.
    """
    found = _first_fit(problem)
    return found if isinstance(found, VRPSolution) else None


def _first_fit(p: VRPProblem) -> VRPSolution | int:
    """A solution, or the first client it could not place."""
    types = p.vehicle_types
    demand = p.demand if p.demand is not None else np.zeros((p.num_nodes, 1))
    dims = demand.shape[1]
    caps = np.array([vt.capacity if vt.capacity and p.demand is not None else (math.inf,) * dims
                     for vt in types])
    prefs = np.array([vt.preferences or (0.0,) * p.num_nodes for vt in types])
    alone = p.time_windows is not None or any(math.isfinite(vt.max_duration) for vt in types)
    clients = [c for c in p.clients if p.required[c]]
    clients.sort(key=lambda c: -float(demand[c].sum()))
    routes: list[list[list[int]]] = [[] for _ in types]
    loads = [np.zeros((min(vt.count, len(clients)), dims)) for vt in types]
    for c in clients:
        load = demand[c]
        able = [k for k in range(len(types)) if _can_serve(p, k, c)]
        able.sort(key=lambda k: (-caps[k].sum(), -prefs[k, c], p.distance[types[k].start_depot, c],
                                 len(routes[k]) - types[k].count, k))
        placed = False
        for k in [] if alone else able:
            fits = np.flatnonzero((loads[k][: len(routes[k])] + load <= caps[k] + _TOL).all(1))
            if fits.size:
                routes[k][fits[0]].append(c)
                loads[k][fits[0]] += load
                placed = True
                break
        for k in [] if placed else able:
            if len(routes[k]) < types[k].count:
                loads[k][len(routes[k])] = load
                routes[k].append([c])
                placed = True
                break
        if not placed:
            return c
    return VRPSolution([Route(visits, k) for k, group in enumerate(routes) for visits in group])


def _can_serve(p: VRPProblem, k: int, client: int) -> bool:
    vt = p.vehicle_types[k]
    if client in vt.forbidden:
        return False
    return not vt.capacity or p.demand is None or bool((p.demand[client] <= np.add(vt.capacity, _TOL)).all())


def _size_fleet(p: VRPProblem, slack: float | None = None) -> VRPProblem:
    """``p`` with vehicle counts first-fit can serve: the given counts (or ``slack`` times what
    first-fit uses with the given ones), raised one vehicle at a time until it succeeds."""
    counts = [vt.count for vt in p.vehicle_types]
    if slack is not None:
        found = _first_fit(p)
        if not isinstance(found, VRPSolution):
            return p                                 # _checked reports it
        used = np.bincount([r.vehicle_type for r in found.routes], minlength=len(counts))
        counts = [max(1, math.ceil(slack * u)) for u in used]
    while True:
        q = replace(p, vehicle_types=[replace(vt, count=c) for vt, c in zip(p.vehicle_types, counts)])
        found = _first_fit(q)
        if isinstance(found, VRPSolution):
            return q
        for k in range(len(counts)):                 # one more vehicle of every type that could take it
            counts[k] += _can_serve(q, k, found)


def _checked(p: VRPProblem) -> VRPProblem:
    """``p`` itself, once a feasible solution of it is known (a failure here is a generator bug)."""
    found = feasible_solution(p)
    if found is None or not p.evaluate(found).feasible:
        detail = "none found" if found is None else p.evaluate(found).violations[0].message
        raise RuntimeError(f"generated instance {p.name} is not feasible: {detail}")
    return p

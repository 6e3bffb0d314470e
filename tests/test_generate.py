"""Seeded generators: every kind is feasible, reports its variant and is reproducible; the X
generator of Uchoa et al. (2017) follows the paper's distributions; bad input is a one-line error."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from routeopt.errors import InputError
from routeopt.instances.vrp.distances import coordinate_distances
from routeopt.instances.vrp.generate import GENERATORS, feasible_solution
from routeopt.instances.generate import generate
from routeopt.instances.vrp.problem import VRPProblem, Route, VRPSolution

VARIANTS = {
    "tsp": "TSP", "atsp": "ATSP", "cvrp": "CVRP", "acvrp": "ACVRP", "vrptw": "VRPTW",
    "hfvrp": "HFCVRP",
    # types differing only in depot (mdvrp) or profile (pvrp) are not a heterogeneous fleet
    "mdvrp": "MDCVRP", "pvrp": "PVRP",
}


def trivial_solution(p: VRPProblem) -> VRPSolution:
    """One tour for a single vehicle, else one route per client on the first type allowed to serve it."""
    if p.num_vehicles == 1:
        return VRPSolution([Route(list(p.clients))])
    routes = []
    for c in p.clients:
        k = next(k for k, vt in enumerate(p.vehicle_types)
                 if c not in vt.forbidden and np.all(p.demand[c] <= vt.capacity))
        routes.append(Route([c], k))
    return VRPSolution(routes)


def route_dict(p: VRPProblem) -> dict:
    d = p.to_dict()
    d.pop("name")
    return d


def parse_source(p: VRPProblem) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=([^,)]+)", p.source))


def test_every_kind_is_listed_with_a_one_line_summary():
    assert set(GENERATORS) == set(VARIANTS)
    for fn in GENERATORS.values():
        summary = fn.__doc__.strip().splitlines()[0]
        assert summary and len(summary) <= 110


@pytest.mark.parametrize("kind", sorted(GENERATORS))
@pytest.mark.parametrize("n", [1, 2, 40])
def test_every_kind_is_feasible_with_its_variant(kind, n):
    p = generate(kind, n=n, seed=7)
    assert p.name == f"{kind}-n{n}-s7"
    assert p.source.startswith(f"generate('{kind}', n={n}, seed=7")
    if n > 1:
        assert p.variant == VARIANTS[kind]
    found = feasible_solution(p)
    assert found is not None and p.evaluate(found).feasible
    if kind in ("tsp", "atsp", "cvrp", "acvrp", "vrptw"):     # unlimited fleet: no packing needed
        ev = p.evaluate(trivial_solution(p))
        assert ev.feasible, ev.violations


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_same_seed_same_instance_other_seed_differs(kind):
    a, b, c = generate(kind, n=25, seed=11), generate(kind, n=25, seed=11), generate(kind, n=25, seed=12)
    assert route_dict(a) == route_dict(b)
    assert not np.array_equal(a.distance, c.distance)


def test_recorded_choices_rebuild_the_instance():
    p = generate("cvrp", n=60, seed=5)
    drawn = {k: v.strip("'") for k, v in parse_source(p).items() if k not in ("n", "seed")}
    drawn["route_size"] = float(drawn["route_size"])
    q = generate("cvrp", n=60, seed=5, **drawn)
    assert route_dict(p) == route_dict(q)
    # naming one choice keeps everything drawn after it
    r = generate("acvrp", n=60, seed=5, depot=drawn["depot"])
    assert np.array_equal(r.coordinates, p.coordinates) and np.array_equal(r.demand, p.demand)


# ---------------------------------------------------------------------------- tsp / atsp
@pytest.mark.parametrize("distribution", ["uniform", "clustered"])
def test_tsp_points_in_unit_square_with_exact_distances(distribution):
    p = generate("tsp", n=100, seed=0, distribution=distribution)
    xy = p.coordinates
    assert p.num_nodes == 100 and p.num_depots == 1 and p.demand is None
    assert xy.min() >= 0 and xy.max() <= 1
    assert p.convention == "exact" and p.precision is None
    assert np.allclose(p.distance, np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))


def test_tsp_clusters_are_tighter_than_uniform():
    def nearest(p):
        d = p.distance + np.eye(p.num_nodes) * 9
        return d.min(1).mean()
    uniform = generate("tsp", n=200, seed=1)
    clustered = generate("tsp", n=200, seed=1, distribution="clustered", clusters=3)
    assert nearest(clustered) < 0.7 * nearest(uniform)


def test_atsp_is_integer_asymmetric_and_metric():
    p = generate("atsp", n=30, seed=2)
    d = p.distance
    assert p.precision == 0 and np.array_equal(d, np.round(d))
    assert not p.is_symmetric and (np.diag(d) == 0).all() and (d[~np.eye(30, dtype=bool)] >= 1).all()
    assert (d[:, None, :] <= d[:, :, None] + d[None, :, :]).all()     # d[i,j] <= d[i,k] + d[k,j]


# ---------------------------------------------------------------------------- X generator
RANGES = {"unitary": (1, 1), "small_large_var": (1, 10), "small_small_var": (5, 10),
          "large_large_var": (1, 100), "large_small_var": (50, 100)}


@pytest.mark.parametrize("demand", sorted(RANGES) + ["quadrant", "many_small_few_large"])
def test_x_demand_distributions(demand):
    p = generate("cvrp", n=400, seed=3, demand=demand, route_size=8)
    q = p.demand[1:, 0]
    assert p.demand[0, 0] == 0 and np.array_equal(q, np.round(q))
    if demand in RANGES:
        lo, hi = RANGES[demand]
        assert q.min() == lo and q.max() == hi
    elif demand == "quadrant":
        low = p.coordinates[1:] < 500
        large = low[:, 0] == low[:, 1]              # lower-left and upper-right quadrants
        assert q[large].min() >= 51 and q[large].max() <= 100
        assert q[~large].min() >= 1 and q[~large].max() <= 50
    else:
        small = (q >= 1) & (q <= 10)
        assert (small | ((q >= 50) & (q <= 100))).all()
        assert 0.70 - 1 / 400 <= small.mean() <= 0.95 + 1 / 400


@pytest.mark.parametrize("seed", range(4))
def test_x_capacity_formula_and_route_size(seed):
    p = generate("cvrp", n=150, seed=seed)
    r = float(parse_source(p)["route_size"])
    assert 3 <= r <= 25
    q = p.demand[1:, 0]
    assert p.vehicle_types[0].capacity == (max(math.ceil(r * q.sum() / 150), q.max()),)
    assert p.vehicle_types[0].count == 150
    given = generate("cvrp", n=150, seed=seed, route_size=12.5, demand="large_large_var")
    q = given.demand[1:, 0]
    assert given.vehicle_types[0].capacity == (max(math.ceil(12.5 * q.sum() / 150), q.max()),)


@pytest.mark.parametrize("depot,where", [("centre", (500, 500)), ("eccentric", (0, 0)), ("random", None)])
@pytest.mark.parametrize("customers", ["random", "clustered", "mixed"])
def test_x_coordinates(depot, where, customers):
    p = generate("cvrp", n=300, seed=4, depot=depot, customers=customers)
    xy = p.coordinates
    assert np.array_equal(xy, np.round(xy)) and xy.min() >= 0 and xy.max() <= 1000
    assert len(np.unique(xy, axis=0)) == 301                  # no two points coincide
    if where is not None:
        assert tuple(xy[0]) == where
    assert p.convention == "round" and p.precision == 0
    assert np.array_equal(p.distance, coordinate_distances(xy, "round"))


def test_x_clustered_customers_are_closer_together():
    def nearest(p):
        d = p.distance[1:, 1:] + np.eye(p.num_clients) * 1e9
        return d.min(1).mean()
    random = generate("cvrp", n=400, seed=6, customers="random")
    clustered = generate("cvrp", n=400, seed=6, customers="clustered")
    assert nearest(clustered) < 0.8 * nearest(random)


def test_acvrp_is_asymmetric_metric_and_integer():
    p = generate("acvrp", n=40, seed=1, asymmetry=0.5)
    d = p.distance
    assert not p.is_symmetric and np.array_equal(d, np.round(d))
    assert (d[:, None, :] <= d[:, :, None] + d[None, :, :]).all()


# ---------------------------------------------------------------------------- other kinds
@pytest.mark.parametrize("layout,service", [("random", 10), ("clustered", 90), ("mixed", 10)])
@pytest.mark.parametrize("windows", ["tight", "wide"])
def test_vrptw_windows_let_every_client_be_served_alone(layout, service, windows):
    p = generate("vrptw", n=60, seed=2, layout=layout, windows=windows)
    tw, d = p.time_windows, p.distance
    assert p.convention == "dimacs" and p.precision == 1
    assert np.allclose(d * 10, np.round(d * 10)) and p.duration is p.distance
    assert (p.service_time[1:] == service).all() and p.vehicle_types[0].capacity == (200.0,)
    assert tw[0, 0] == 0 and (tw[1:, 0] <= tw[1:, 1]).all()
    start = np.maximum(d[0, 1:], tw[1:, 0])
    assert (d[0, 1:] <= tw[1:, 1] + 1e-9).all()
    assert (start + service + d[1:, 0] <= p.horizon + 1e-9).all()
    assert p.evaluate(trivial_solution(p)).feasible
    if windows == "tight":
        assert np.median(tw[1:, 1] - tw[1:, 0]) < 0.2 * p.horizon


def test_vrptw_horizon_and_density():
    p = generate("vrptw", n=50, seed=0, layout="random", horizon=500, density=0.5, service_time=5)
    assert p.horizon == 500 and (p.service_time[1:] == 5).all()
    with pytest.raises(InputError, match="horizon=20 is too short") as err:
        generate("vrptw", n=50, seed=0, horizon=20)
    assert err.value.field == "horizon"


def test_hfvrp_fleet():
    p = generate("hfvrp", n=120, seed=8)
    caps = [vt.capacity[0] for vt in p.vehicle_types]
    assert len(caps) == 3 and caps == sorted(set(caps))
    assert caps[-1] >= p.demand.max()                          # every client fits the large type
    costs = [vt.fixed_cost for vt in p.vehicle_types]
    assert costs[-1] == 1000 and costs == [round(1000 * c / caps[-1]) for c in caps]
    assert sum(vt.count for vt in p.vehicle_types) < 120        # a limited fleet
    assert sum(vt.count * c for vt, c in zip(p.vehicle_types, caps)) >= p.demand.sum()


def test_mdvrp_depots_first_one_type_each():
    p = generate("mdvrp", n=80, seed=3, depots=3)
    assert p.num_depots == 3 and len(p.vehicle_types) == 3
    assert [(vt.start_depot, vt.end_depot) for vt in p.vehicle_types] == [(0, 0), (1, 1), (2, 2)]
    assert (p.demand[:3] == 0).all() and (p.demand[3:] > 0).all()
    assert "multi_depot" in p.features
    assert 2 <= generate("mdvrp", n=20, seed=9).num_depots <= 4


def test_pvrp_preferences():
    p = generate("pvrp", n=50, seed=1, profiles=4, preference_weight=0.5)
    assert len(p.vehicle_types) == 4 and p.preference_weight == 0.5
    for vt in p.vehicle_types:
        s = np.array(vt.preferences)
        assert s.shape == (51,) and s[0] == 0 and s.min() >= 0 and s.max() <= 1
        assert not vt.forbidden
    assert "preferences" in p.features
    ev = p.evaluate(feasible_solution(p))
    assert ev.feasible
    assert ev.objective == pytest.approx(ev.details["distance"] - 0.5 * ev.details["preference"])


def test_pvrp_zones_leave_every_client_servable():
    for seed in range(5):
        p = generate("pvrp", n=60, seed=seed, mode="zones", zones=3)
        assert "zones" in p.features and all(vt.preferences is None for vt in p.vehicle_types)
        for c in p.clients:
            assert any(c not in vt.forbidden for vt in p.vehicle_types)
        allowed = {k: [c for c in p.clients if c not in vt.forbidden] for k, vt in enumerate(p.vehicle_types)}
        capacity = sum(vt.count * vt.capacity[0] for vt in p.vehicle_types)
        assert capacity >= p.demand.sum() and all(allowed.values())
        assert p.evaluate(feasible_solution(p)).feasible


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,field,text", [
    (lambda: generate("cvpr"), "kind", "did you mean 'cvrp'"),
    (lambda: generate("vrp"), "kind", "valid: tsp, atsp"),
    (lambda: generate("cvrp", depto="centre"), "depto", "did you mean 'depot'"),
    (lambda: generate("cvrp", depot="middle"), "depot", "valid: random, centre, eccentric"),
    (lambda: generate("cvrp", demand="smal_large_var"), "demand", "did you mean 'small_large_var'"),
    (lambda: generate("cvrp", n=0), "n", "out of range"),
    (lambda: generate("tsp", n=-3), "n", "out of range"),
    (lambda: generate("tsp", n="many"), "n", "must be an integer"),
    (lambda: generate("tsp", n=2.5), "n", "must be an integer"),
    (lambda: generate("tsp", n=10**6), "n", "out of range"),
    (lambda: generate("tsp", seed=-1), "seed", "out of range"),
    (lambda: generate("cvrp", route_size=0), "route_size", "out of range"),
    (lambda: generate("tsp", clusters=3), "clusters", "distribution='clustered'"),
    (lambda: generate("mdvrp", depots=1), "depots", "out of range"),
    (lambda: generate("pvrp", mode="zones", profiles=1), "profiles", "out of range"),
    (lambda: generate("pvrp", mode="zones", preference_weight=1), "preference_weight", "mode='preferences'"),
    (lambda: generate("vrptw", windows="loose"), "windows", "valid: tight, wide"),
    (lambda: generate("vrptw", capacity=10), "capacity", "out of range"),
])
def test_bad_input_is_a_one_line_input_error(call, field, text):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
    assert text in str(err.value) and "\n" not in str(err.value)


def test_aliases_and_strings_from_a_command_line():
    a = generate("CVRP", n="30", seed="2", depot="C", customers="RC", route_size="7.5")
    b = generate("cvrp", n=30, seed=2, depot="centre", customers="mixed", route_size=7.5)
    assert route_dict(a) == route_dict(b)

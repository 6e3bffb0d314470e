"""The unified VRP model on small hand-built instances whose answers are worked out in the
comments: objective terms, every violation kind, variant names, features, validation errors,
serialisation, and a property test against a straightforward recomputation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import routeopt
from routeopt.errors import InputError
from routeopt.instances.vrp.problem import VRPProblem, Route, VRPSolution, VehicleType


def line(xs, **kw) -> VRPProblem:
    """Nodes on a line at positions ``xs``; distance = |xi - xj|."""
    x = np.asarray(xs, dtype=float)
    return VRPProblem(distance=np.abs(x[:, None] - x[None, :]), **kw)


def kinds(ev) -> list[str]:
    return sorted(v.kind for v in ev.violations)


def only(ev, kind):
    found = [v for v in ev.violations if v.kind == kind]
    assert len(found) == 1, ev.violations
    return found[0]


# --------------------------------------------------------------------------- objective: TSP / ATSP
TSP4 = [[0, 1, 4, 2],
        [1, 0, 2, 5],
        [4, 2, 0, 3],
        [2, 5, 3, 0]]


def test_tsp_tour_length():
    p = VRPProblem(distance=TSP4)
    # 0->1->2->3->0 = 1 + 2 + 3 + 2 = 8; reversed 0->3->2->1->0 = 2 + 3 + 2 + 1 = 8
    for tour in ([1, 2, 3], [3, 2, 1]):
        ev = p.evaluate(VRPSolution([Route(tour)]))
        assert ev.feasible and ev.objective == 8.0
        assert ev.details["distance"] == 8.0 and ev.details["routes"] == 1
    # 0->1->3->2->0 = 1 + 5 + 3 + 4 = 13
    assert p.evaluate(VRPSolution([Route([1, 3, 2])])).objective == 13.0


def test_atsp_direction_matters():
    p = VRPProblem(distance=[[0, 1, 9], [9, 0, 1], [1, 9, 0]])
    # 0->1->2->0 = 1 + 1 + 1 = 3; 0->2->1->0 = 9 + 9 + 9 = 27
    assert p.evaluate(VRPSolution([Route([1, 2])])).objective == 3.0
    assert p.evaluate(VRPSolution([Route([2, 1])])).objective == 27.0
    assert not p.is_symmetric


def test_empty_routes_cost_nothing_and_count_no_vehicle():
    p = VRPProblem(distance=TSP4)
    ev = p.evaluate(VRPSolution([Route([]), Route([1, 2, 3]), Route([])]))
    assert ev.feasible and ev.objective == 8.0 and ev.details["routes"] == 1
    assert VRPSolution([Route([]), Route([1])]).num_routes == 1


def test_non_vrp_solution_is_a_violation_not_an_exception():
    from routeopt.instances.base import Solution as BaseSolution

    class Other(BaseSolution):
        def to_dict(self):
            return {}

        @classmethod
        def from_dict(cls, data):
            return cls()

    ev = VRPProblem(distance=TSP4).evaluate(Other())
    assert ev.objective == math.inf and kinds(ev) == ["type"]


# --------------------------------------------------------------------------- capacity
def cvrp() -> VRPProblem:
    # positions 0..4 on a line; demands 3, 4, 5, 2; two vehicles of capacity 10
    return line([0, 1, 2, 3, 4], demand=[0, 3, 4, 5, 2], vehicle_types=[VehicleType(count=2, capacity=10)])


def test_capacity_violation_amount():
    p = cvrp()
    # [1,2,3]: load 12 > 10 by 2, distance 1+1+1+3 = 6; [4]: load 2, distance 4+4 = 8
    ev = p.evaluate(VRPSolution([Route([1, 2, 3]), Route([4])]))
    assert ev.objective == 14.0
    v = only(ev, "capacity")
    assert kinds(ev) == ["capacity"] and v.amount == 2.0 and "route 0" in v.message
    # [1,2,4]: load 9, distance 1+1+2+4 = 8; [3]: load 5, distance 3+3 = 6
    ev = p.evaluate(VRPSolution([Route([1, 2, 4]), Route([3])]))
    assert ev.feasible and ev.objective == 14.0


def test_load_equal_to_capacity_is_feasible():
    # demands 4 + 6 = 10 = capacity
    p = line([0, 1, 2], demand=[0, 4, 6], vehicle_types=[VehicleType(capacity=10)])
    assert p.evaluate(VRPSolution([Route([1, 2])])).feasible


def test_multi_dimensional_demand():
    p = line([0, 1, 2, 3], demand=[[0, 0], [3, 1], [2, 5], [1, 1]],
             vehicle_types=[VehicleType(count=2, capacity=(5, 5))])
    assert p.demand_dims == 2 and "multi_dimensional_demand" in p.features
    # [1,2,3]: load (6, 7), over by (1, 2): the amount is the worst dimension, 2
    ev = p.evaluate(VRPSolution([Route([1, 2, 3])]))
    assert only(ev, "capacity").amount == 2.0
    # [1,3]: (4, 2); [2]: (2, 5) = capacity in the second dimension: feasible
    ev = p.evaluate(VRPSolution([Route([1, 3]), Route([2])]))
    assert ev.feasible
    # distance: 0->1->3->0 = 1+2+3 = 6; 0->2->0 = 4
    assert ev.objective == 10.0


def test_one_dimensional_demand_vector_becomes_a_column():
    p = cvrp()
    assert p.demand.shape == (5, 1) and p.vehicle_types[0].capacity == (10.0,)


# --------------------------------------------------------------------------- time windows and duration
def tw_instance(**kw) -> VRPProblem:
    # d(0,1) = 5, d(1,2) = 3, d(0,2) = 4; client 1 opens [10, 20] with service 2, client 2 [0, 12] service 1
    d = [[0, 5, 4], [5, 0, 3], [4, 3, 0]]
    return VRPProblem(distance=d, time_windows=[[0, 100], [10, 20], [0, 12]], service_time=[0, 2, 1], **kw)


def test_time_window_lateness_with_free_waiting_and_service():
    p = tw_instance()
    # [1,2]: arrive 1 at 5, wait to 10 (free), serve until 12, arrive 2 at 15 > 12: late by 3,
    # serve until 16, back at 20. Waiting costs nothing: objective = 5 + 3 + 4 = 12.
    ev = p.evaluate(VRPSolution([Route([1, 2])]))
    assert ev.objective == 12.0 and kinds(ev) == ["time_window"]
    assert only(ev, "time_window").amount == pytest.approx(3.0)
    # [2,1]: arrive 2 at 4, serve to 5, arrive 1 at 8, wait to 10, serve to 12, back at 17: on time.
    ev = p.evaluate(VRPSolution([Route([2, 1])]))
    assert ev.feasible and ev.objective == 12.0
    # Departing at 2 removes the wait: 2 -> 6 -> 7 -> 10 -> 12 -> 17, duration 15 (not 17).
    assert ev.details["duration"] == pytest.approx(15.0)
    assert p._schedule([0, 2, 1, 0]) == pytest.approx((0.0, 15.0))


def test_lateness_sums_over_stops_and_end_depot():
    # d(0,1) = 10, client 1 window [0, 4] (late by 6), depot closes at 15: back at 20, late by 5
    p = VRPProblem(distance=[[0, 10], [10, 0]], time_windows=[[0, 15], [0, 4]])
    ev = p.evaluate(VRPSolution([Route([1])]))
    assert only(ev, "time_window").amount == pytest.approx(11.0)


def test_schedule_delays_departure_to_avoid_waiting():
    # d(0,1) = 2, client 1 opens [10, 20], service 1. Leaving at 0: arrive 2, wait to 10, back at 13
    # (13 long). Leaving at 8: arrive 10, serve to 11, back at 13: duration 5.
    p = VRPProblem(distance=[[0, 2], [2, 0]], time_windows=[[0, 100], [10, 20]], service_time=[0, 1])
    assert p._schedule([0, 1, 0]) == pytest.approx((0.0, 5.0))
    tight = VRPProblem(distance=[[0, 2], [2, 0]], time_windows=[[0, 100], [10, 20]], service_time=[0, 1],
                vehicle_types=[VehicleType(max_duration=4)])
    ev = tight.evaluate(VRPSolution([Route([1])]))
    assert kinds(ev) == ["max_duration"] and only(ev, "max_duration").amount == pytest.approx(1.0)
    ok = VRPProblem(distance=[[0, 2], [2, 0]], time_windows=[[0, 100], [10, 20]], service_time=[0, 1],
             vehicle_types=[VehicleType(max_duration=5)])
    assert ok.evaluate(VRPSolution([Route([1])])).feasible


def test_schedule_delay_is_limited_by_an_earlier_window():
    # d = 2 between any two nodes; client 1 window [0, 3], client 2 [20, 30].
    # Leaving at 0: 1 at 2, 2 at 4, wait to 20, back 22 -> 22 long. Waiting would vanish by leaving
    # at 16, but client 1 must be reached by 3, so the latest departure is 1: 1 at 3, 2 at 5, wait
    # to 20, back at 22: duration 21.
    d = [[0, 2, 2], [2, 0, 2], [2, 2, 0]]
    tw = [[0, 100], [0, 3], [20, 30]]
    p = VRPProblem(distance=d, time_windows=tw)
    assert p._schedule([0, 1, 2, 0]) == pytest.approx((0.0, 21.0))
    for limit, ok in ((21, True), (20, False)):
        q = VRPProblem(distance=d, time_windows=tw, vehicle_types=[VehicleType(max_duration=limit)])
        ev = q.evaluate(VRPSolution([Route([1, 2])]))
        assert ev.feasible == ok
        if not ok:
            assert only(ev, "max_duration").amount == pytest.approx(1.0)


def test_departure_never_before_the_depot_opens():
    # depot opens at 50: leaving at 50 reaches client 1 (window [0, 60]) at 52, back at 54
    p = VRPProblem(distance=[[0, 2], [2, 0]], time_windows=[[50, 100], [0, 60]])
    assert p._schedule([0, 1, 0]) == pytest.approx((0.0, 4.0))
    assert p.horizon == 100.0


def test_duration_without_time_windows_is_travel_plus_service():
    # 0 -> 1 -> 2 -> 0 on positions 0, 1, 2: travel 4, service 3 + 2 = 5 -> 9; the end depot's
    # service is never counted
    p = line([0, 1, 2], service_time=[0, 3, 2], vehicle_types=[VehicleType(max_duration=8)])
    assert p._schedule([0, 1, 2, 0]) == (0.0, 9.0)
    ev = p.evaluate(VRPSolution([Route([1, 2])]))
    assert ev.objective == 4.0 and only(ev, "max_duration").amount == pytest.approx(1.0)
    assert p.horizon == math.inf


def test_separate_duration_matrix_drives_time_not_cost():
    # cost 1 per leg, time 10 per leg; client window [0, 5]: late by 5, cost 2
    p = VRPProblem(distance=[[0, 1], [1, 0]], duration=[[0, 10], [10, 0]], time_windows=[[0, 100], [0, 5]])
    ev = p.evaluate(VRPSolution([Route([1])]))
    assert ev.objective == 2.0 and only(ev, "time_window").amount == pytest.approx(5.0)


# --------------------------------------------------------------------------- objective terms
def test_fixed_costs_per_used_vehicle():
    p = line([0, 1, 2], vehicle_types=[VehicleType(fixed_cost=10), VehicleType(fixed_cost=3)])
    # 0->1->0 = 2 on type 0 (+10), 0->2->0 = 4 on type 1 (+3): 19
    ev = p.evaluate(VRPSolution([Route([1], 0), Route([2], 1)]))
    assert ev.feasible and ev.objective == 19.0
    assert ev.details["fixed_cost"] == 13.0 and ev.details["vehicles_by_type"] == [1, 1]
    # an empty route on type 0 pays nothing: 0->1->2->0 = 4, +3
    ev = p.evaluate(VRPSolution([Route([], 0), Route([1, 2], 1)]))
    assert ev.feasible and ev.objective == 7.0


def test_prizes_of_skipped_optional_clients():
    # client 3 optional with prize 7; client 2 required with prize 100 (irrelevant when missing)
    p = line([0, 1, 2, 3], prize=[0, 0, 100, 7], required=[True, True, True, False])
    # [1,2]: 1 + 1 + 2 = 4, plus 7 missed = 11
    ev = p.evaluate(VRPSolution([Route([1, 2])]))
    assert ev.feasible and ev.objective == 11.0 and ev.details["prizes_missed"] == 7.0
    # [1,2,3]: 1 + 1 + 1 + 3 = 6, nothing missed
    ev = p.evaluate(VRPSolution([Route([1, 2, 3])]))
    assert ev.feasible and ev.objective == 6.0
    # skipping required client 2 is "missing"; its prize is not counted as a trade-off
    ev = p.evaluate(VRPSolution([Route([1])]))
    assert kinds(ev) == ["missing"] and ev.objective == 2.0 + 7.0


def test_preferences_with_weight():
    prefs_a = (0, 4, 1)
    prefs_b = (0, 2, 6)
    p = line([0, 1, 2], preference_weight=0.5,
             vehicle_types=[VehicleType(preferences=prefs_a), VehicleType(preferences=prefs_b)])
    # client 1 on A (4), client 2 on B (6): distance 2 + 4 = 6, minus 0.5 * 10 = 1
    ev = p.evaluate(VRPSolution([Route([1], 0), Route([2], 1)]))
    assert ev.feasible and ev.details["preference"] == 10.0 and ev.objective == 1.0
    # swapped: preference 1 + 2 = 3, distance 4 + 2 = 6 -> 6 - 1.5 = 4.5
    assert p.evaluate(VRPSolution([Route([2], 0), Route([1], 1)])).objective == 4.5


def test_forbidden_clients_zone_violation():
    p = line([0, 1, 2, 3], vehicle_types=[VehicleType(forbidden={2, 3}), VehicleType()])
    ev = p.evaluate(VRPSolution([Route([1, 2, 3], 0)]))
    v = only(ev, "forbidden")
    assert kinds(ev) == ["forbidden"] and v.amount == 2.0 and "client 2" in v.message
    assert p.evaluate(VRPSolution([Route([1], 0), Route([2, 3], 1)])).feasible


# --------------------------------------------------------------------------- structural violations
def two_depots(**kw) -> VRPProblem:
    # depots 0 (at 0) and 1 (at 10); clients 2 (at 1) and 3 (at 9)
    return line([0, 10, 1, 9], num_depots=2,
                vehicle_types=[VehicleType(start_depot=0, end_depot=0), VehicleType(start_depot=1, end_depot=1)],
                **kw)


def test_multi_depot_routes_use_their_types_depots():
    p = two_depots()
    # 0 -> 2 -> 0 = 2 and 1 -> 3 -> 1 = 2
    ev = p.evaluate(VRPSolution([Route([2], 0), Route([3], 1)]))
    assert ev.feasible and ev.objective == 4.0
    # the other way round: 0 -> 3 -> 0 = 18, 1 -> 2 -> 1 = 18
    assert p.evaluate(VRPSolution([Route([3], 0), Route([2], 1)])).objective == 36.0


def test_open_route_between_two_depots():
    p = line([0, 10, 5], num_depots=2, vehicle_types=[VehicleType(start_depot=0, end_depot=1)])
    # 0 -> 2 -> 1 = 5 + 5
    assert p.evaluate(VRPSolution([Route([2])])).objective == 10.0
    assert "open_depots" in p.features


def test_wrong_depot_stated_in_route():
    p = two_depots()
    ev = p.evaluate(VRPSolution([Route([2], 0, start_depot=1), Route([3], 1, start_depot=1, end_depot=1)]))
    v = only(ev, "depot")
    assert kinds(ev) == ["depot"] and "start_depot 1" in v.message
    ev = p.evaluate(VRPSolution([Route([2], 0, end_depot=1), Route([3], 1)]))
    assert kinds(ev) == ["depot"] and "end_depot" in ev.violations[0].message


def test_unknown_node():
    p = VRPProblem(distance=TSP4)
    for bad in (7, 4, -1):
        ev = p.evaluate(VRPSolution([Route([1, bad, 2, 3])]))
        assert "unknown_node" in kinds(ev), bad
        # the broken route is not scored, so its clients are missing too
        assert "missing" in kinds(ev)


def test_depot_inside_a_route():
    p = VRPProblem(distance=TSP4)
    ev = p.evaluate(VRPSolution([Route([1, 0, 2, 3])]))
    assert "depot" in kinds(ev) and "node 0" in only(ev, "depot").message
    p2 = two_depots()
    ev = p2.evaluate(VRPSolution([Route([2, 1], 0), Route([3], 1)]))
    assert "depot" in kinds(ev)


def test_duplicate_across_routes():
    p = line([0, 1, 2, 3], vehicle_types=[VehicleType(count=3)])
    ev = p.evaluate(VRPSolution([Route([1, 2]), Route([2, 3])]))
    v = only(ev, "duplicate")
    assert kinds(ev) == ["duplicate"] and v.amount == 1.0 and "client 2" in v.message


def test_duplicate_within_one_route():
    p = VRPProblem(distance=TSP4)
    # 0->1->2->1->3->0 visits client 1 twice
    ev = p.evaluate(VRPSolution([Route([1, 2, 1, 3])]))
    assert kinds(ev) == ["duplicate"]
    assert "client 1 is visited 2 times" in only(ev, "duplicate").message


def test_missing_clients():
    p = VRPProblem(distance=TSP4)
    ev = p.evaluate(VRPSolution([Route([3])]))
    v = only(ev, "missing")
    assert kinds(ev) == ["missing"] and v.amount == 2.0 and "client 1" in v.message
    assert kinds(p.evaluate(VRPSolution([]))) == ["missing"]


def test_too_many_vehicles_of_a_type():
    p = line([0, 1, 2, 3], vehicle_types=[VehicleType(count=1), VehicleType(count=2)])
    ev = p.evaluate(VRPSolution([Route([1], 0), Route([2], 0), Route([3], 1)]))
    v = only(ev, "fleet")
    assert kinds(ev) == ["fleet"] and v.amount == 1.0 and "vehicle type 0" in v.message
    # empty routes do not use a vehicle
    ev = p.evaluate(VRPSolution([Route([1, 2], 0), Route([], 0), Route([3], 1)]))
    assert ev.feasible


def test_unknown_vehicle_type():
    p = VRPProblem(distance=TSP4)
    for k in (1, -1):
        ev = p.evaluate(VRPSolution([Route([1, 2, 3], k)]))
        assert "vehicle_type" in kinds(ev) and "missing" in kinds(ev)


# --------------------------------------------------------------------------- variant and features
def sym(n):
    x = np.arange(n, dtype=float)
    return np.abs(x[:, None] - x[None, :])


def asym(n):
    d = sym(n)
    d[0, 1] += 1
    return d


@pytest.mark.parametrize("make, name", [
    (lambda: VRPProblem(distance=sym(4)), "TSP"),
    (lambda: VRPProblem(distance=asym(4)), "ATSP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1], vehicle_types=[VehicleType(3, 2)]), "CVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1], vehicle_types=[VehicleType(1, 3)]), "CVRP"),
    (lambda: VRPProblem(distance=asym(4), demand=[0, 1, 1, 1], vehicle_types=[VehicleType(3, 2)]), "ACVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1], time_windows=[[0, 99]] * 4,
                 vehicle_types=[VehicleType(3, 2)]), "VRPTW"),
    (lambda: VRPProblem(distance=asym(4), time_windows=[[0, 99]] * 4, vehicle_types=[VehicleType(3)]), "AVRPTW"),
    (lambda: VRPProblem(distance=sym(4), time_windows=[[0, 99]] * 4), "VRPTW"),
    (lambda: VRPProblem(distance=sym(5), num_depots=2, demand=[0, 0, 1, 1, 1],
                 vehicle_types=[VehicleType(2, 2, start_depot=0, end_depot=0),
                                VehicleType(2, 2, start_depot=1, end_depot=1)]), "MDCVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1],
                 vehicle_types=[VehicleType(2, 2), VehicleType(2, 3)]), "HFCVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1],
                 vehicle_types=[VehicleType(2, 2), VehicleType(2, 2, fixed_cost=5)]), "HFCVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1],
                 vehicle_types=[VehicleType(2, 2), VehicleType(2, 2, forbidden={1})]), "PVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1],
                 vehicle_types=[VehicleType(2, 2, preferences=(0, 1, 2, 3)), VehicleType(2, 2)]), "PVRP"),
    (lambda: VRPProblem(distance=sym(4), vehicle_types=[VehicleType(1, preferences=(0, 1, 2, 3))]), "PVRP"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1], time_windows=[[0, 99]] * 4,
                 vehicle_types=[VehicleType(2, 2, forbidden={1}), VehicleType(2, 2)]), "PVRPTW"),
    (lambda: VRPProblem(distance=sym(4), demand=[0, 1, 1, 1], prize=[0, 5, 5, 5],
                 required=[1, 0, 0, 0], vehicle_types=[VehicleType(3, 2)]), "PCVRP"),
    (lambda: VRPProblem(distance=sym(4), vehicle_types=[VehicleType(3)]), "VRP"),
    (lambda: VRPProblem(distance=sym(4), vehicle_types=[VehicleType(1, max_duration=10)]), "VRP"),
])
def test_variant_names(make, name):
    assert make().variant == name


def test_variant_of_a_single_client_tsp():
    assert VRPProblem(distance=[[0, 3], [3, 0]]).variant == "TSP"


def test_features_of_a_rich_instance():
    p = rich()
    assert p.features == {
        "asymmetric", "capacity", "multi_dimensional_demand", "time_windows", "service_times",
        "multi_depot", "heterogeneous_fleet", "fixed_cost", "max_duration", "zones", "preferences",
        "prizes", "open_depots"}


def test_features_of_plain_instances():
    assert VRPProblem(distance=sym(4)).features == frozenset()
    # demand without any capacity is not a capacity constraint; zero demand likewise
    assert VRPProblem(distance=sym(4), demand=[0, 1, 1, 1]).features == frozenset()
    assert "capacity" not in VRPProblem(distance=sym(4), demand=[0, 0, 0, 0],
                                 vehicle_types=[VehicleType(3, 2)]).features
    # zero service times are not a feature; a different duration matrix makes it asymmetric
    assert VRPProblem(distance=sym(3), service_time=[0, 0, 0]).features == frozenset()
    d = sym(3)
    t = d.copy()
    t[1, 2] += 1
    assert VRPProblem(distance=d, duration=t).features == {"asymmetric"}
    # types differing only in depot are not a heterogeneous fleet
    p = two_depots()
    assert p.features == {"multi_depot"}


def test_default_fleet():
    # no demand: one vehicle (a TSP); with demand: one vehicle per client, uncapacitated
    assert VRPProblem(distance=sym(4)).num_vehicles == 1
    p = VRPProblem(distance=sym(4), demand=[0, 1, 1, 1])
    assert p.num_vehicles == 3 and p.vehicle_types[0].capacity == ()


# --------------------------------------------------------------------------- validation errors
def one_line_error(field: str, make) -> InputError:
    with pytest.raises(InputError) as info:
        make()
    err = info.value
    assert err.field == field, (err.field, str(err))
    assert "\n" not in str(err) and f"[{field}]" in str(err)
    return err


def test_non_square_matrix():
    err = one_line_error("distance", lambda: VRPProblem(distance=[[0, 1, 2], [1, 0, 3]]))
    assert "square" in str(err)
    one_line_error("distance", lambda: VRPProblem(distance=[0, 1, 2]))
    one_line_error("duration", lambda: VRPProblem(distance=sym(3), duration=sym(4)))


def test_nan_and_negative_distances():
    d = sym(3)
    d[1, 2] = np.nan
    assert "distance[1][2]" in str(one_line_error("distance", lambda: VRPProblem(distance=d)))
    d = sym(3)
    d[2, 0] = np.inf
    one_line_error("distance", lambda: VRPProblem(distance=d))
    d = sym(3)
    d[0, 2] = -1
    assert "negative" in str(one_line_error("distance", lambda: VRPProblem(distance=d)))
    t = sym(3)
    t[1, 1] = np.nan
    one_line_error("duration", lambda: VRPProblem(distance=sym(3), duration=t))


def test_negative_or_misshaped_per_node_data():
    assert "node 2" in str(one_line_error("demand", lambda: VRPProblem(distance=sym(3), demand=[0, 1, -3])))
    one_line_error("demand", lambda: VRPProblem(distance=sym(3), demand=[0, 1]))
    one_line_error("demand", lambda: VRPProblem(distance=sym(3), demand=[0, 1, np.nan]))
    one_line_error("service_time", lambda: VRPProblem(distance=sym(3), service_time=[0, -1, 0]))
    one_line_error("prize", lambda: VRPProblem(distance=sym(3), prize=[0, 1, 2, 3]))


def test_empty_or_malformed_time_window():
    err = one_line_error("time_windows", lambda: VRPProblem(distance=sym(3), time_windows=[[0, 9], [5, 4], [0, 9]]))
    assert "node 1" in str(err)
    one_line_error("time_windows", lambda: VRPProblem(distance=sym(3), time_windows=[[0, 9], [0, 9]]))
    one_line_error("time_windows", lambda: VRPProblem(distance=sym(3), time_windows=[[0, 9], [0, np.nan], [0, 9]]))
    # a point window is not empty
    VRPProblem(distance=sym(3), time_windows=[[0, 9], [4, 4], [0, 9]])


def test_depot_index_out_of_range():
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), vehicle_types=[VehicleType(start_depot=1)]))
    one_line_error("vehicle_types[1]", lambda: VRPProblem(distance=sym(4), num_depots=2,
                                                   vehicle_types=[VehicleType(), VehicleType(end_depot=2)]))
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), vehicle_types=[VehicleType(end_depot=-1)]))


def test_client_no_vehicle_can_carry():
    err = one_line_error("demand", lambda: VRPProblem(distance=sym(3), demand=[0, 1, 11],
                                               vehicle_types=[VehicleType(2, 10)]))
    assert "client 2" in str(err)
    # fits only a type that may not serve it
    one_line_error("demand", lambda: VRPProblem(distance=sym(3), demand=[0, 1, 11],
                                         vehicle_types=[VehicleType(2, 10), VehicleType(1, 20, forbidden={2})]))
    # an optional client may be uncarriable: it is simply skipped
    VRPProblem(distance=sym(3), demand=[0, 1, 11], prize=[0, 0, 1], required=[1, 1, 0],
        vehicle_types=[VehicleType(2, 10)])


def test_bad_fleet():
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), vehicle_types=[VehicleType(count=0)]))
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), demand=[0, 1, 1],
                                                   vehicle_types=[VehicleType(capacity=(5, 5))]))
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), demand=[0, 1, 1],
                                                   vehicle_types=[VehicleType(capacity=-1)]))
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), vehicle_types=[VehicleType(forbidden={0})]))
    one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3), vehicle_types=[VehicleType(forbidden={3})]))


def test_preference_vector_of_wrong_length():
    err = one_line_error("vehicle_types[0]", lambda: VRPProblem(distance=sym(3),
                                                         vehicle_types=[VehicleType(preferences=(0, 1))]))
    assert "2 preferences for 3 nodes" in str(err)


@pytest.mark.parametrize("num_depots, n", [(0, 3), (-1, 3), (3, 3), (4, 3), (2, 1)])
def test_invalid_num_depots(num_depots, n):
    one_line_error("num_depots", lambda: VRPProblem(distance=sym(n), num_depots=num_depots))


def test_a_single_node_is_a_depot_without_clients():
    p = VRPProblem(distance=[[0]])
    assert p.num_clients == 0
    ev = p.evaluate(VRPSolution([]))
    assert ev.feasible and ev.objective == 0.0


def test_malformed_dicts():
    with pytest.raises(InputError) as info:
        VRPSolution.from_dict({"paths": []})
    assert info.value.field == "routes"
    with pytest.raises(InputError):
        VRPSolution.from_dict({"routes": [{"stops": [1]}]})
    with pytest.raises(InputError):
        VRPProblem.from_dict({"distance": sym(3).tolist(), "colour": "red"})
    with pytest.raises(InputError):
        VRPProblem.from_dict({"distance": sym(3).tolist(), "vehicle_types": [{"count": 1, "colour": "red"}]})


# --------------------------------------------------------------------------- serialisation
def rich() -> VRPProblem:
    """Every feature at once: 2 depots, 4 clients (nodes 2..5)."""
    rng = np.random.default_rng(3)
    d = rng.integers(1, 20, size=(6, 6)).astype(float)
    np.fill_diagonal(d, 0)
    return VRPProblem(
        distance=d, duration=d * 2, num_depots=2,
        demand=[[0, 0], [0, 0], [1, 2], [2, 1], [3, 3], [1, 0]],
        service_time=[0, 0, 1, 2, 1, 1],
        time_windows=[[0, 500], [0, 500], [0, 100], [10, 200], [0, 300], [50, 400]],
        prize=[0, 0, 0, 0, 0, 9.5], required=[1, 1, 1, 1, 1, 0],
        vehicle_types=[
            VehicleType(2, (5, 5), fixed_cost=10, start_depot=0, end_depot=1, max_duration=300,
                        forbidden={4}, preferences=(0, 0, 1, 2, 3, 4), name="small"),
            VehicleType(1, (8, 8), fixed_cost=20, start_depot=1, end_depot=1, name="big"),
        ],
        coordinates=rng.random((6, 2)), name="rich", precision=None, preference_weight=0.25,
        best_known=123.5,
    )


RICH_SOLUTIONS = [
    VRPSolution([Route([2, 3], 0), Route([4, 5], 1)]),
    VRPSolution([Route([5, 2], 0), Route([3], 0), Route([4], 1, start_depot=1)]),
    VRPSolution([Route([2, 3, 4], 0)]),                        # forbidden, capacity, missing
    VRPSolution([Route([2, 2, 3, 4], 1), Route([], 0)]),       # duplicate
]


def test_round_trip_through_json_preserves_evaluation():
    p = rich()
    text = json.dumps(p.to_dict())
    q = VRPProblem.from_dict(json.loads(text))
    assert q.to_dict() == p.to_dict()
    for attr in ("distance", "duration", "demand", "service_time", "time_windows", "prize",
                 "required", "coordinates"):
        assert np.array_equal(getattr(p, attr), getattr(q, attr)), attr
    assert q.vehicle_types == p.vehicle_types
    assert (q.name, q.precision, q.preference_weight, q.best_known, q.num_depots) == ("rich", None, 0.25, 123.5, 2)
    assert q.variant == p.variant and q.features == p.features
    for s in RICH_SOLUTIONS:
        s2 = VRPProblem.solution_from_dict(json.loads(json.dumps(s.to_dict())))
        assert s2 == s
        a, b = p.evaluate(s), q.evaluate(s2)
        assert a.objective == b.objective and a.violations == b.violations and a.details == b.details


def test_round_trip_of_a_plain_tsp_keeps_duration_shared():
    p = VRPProblem(distance=TSP4)
    d = p.to_dict()
    assert d["duration"] is None and d["family"] == "vrp"
    assert d["vehicle_types"][0]["max_duration"] is None
    q = VRPProblem.from_dict(json.loads(json.dumps(d)))
    assert q.duration is q.distance and q.vehicle_types[0].max_duration == math.inf
    s = VRPSolution([Route([1, 2, 3])])
    assert q.evaluate(s).objective == p.evaluate(s).objective == 8.0


def test_solution_dict_states_depots_only_when_given():
    s = VRPSolution([Route([1, 2], 1, start_depot=0), Route([3])])
    assert s.to_dict() == {"routes": [{"visits": [1, 2], "vehicle_type": 1, "start_depot": 0},
                                      {"visits": [3], "vehicle_type": 0}]}
    # plain lists are accepted as routes of type 0
    assert VRPSolution.from_dict({"routes": [[1, 2], [3]]}) == VRPSolution([Route([1, 2]), Route([3])])


def test_integer_scale():
    assert VRPProblem(distance=sym(3)).integer_scale() == 1
    assert VRPProblem(distance=sym(3), precision=1).integer_scale() == 10
    assert VRPProblem(distance=sym(3) / 100, precision=2).integer_scale() == 100
    # unknown precision: scale so the largest entry has about 6 digits
    assert VRPProblem(distance=sym(3) * 61.7, precision=None).integer_scale() == 1000       # top 123.4
    assert VRPProblem(distance=sym(3) * 0.25, precision=None).integer_scale() == 10 ** 6    # top 0.5
    assert VRPProblem(distance=sym(3), duration=sym(3) * 2500, precision=None).integer_scale() == 100  # top 5000
    assert VRPProblem(distance=sym(3) * 1e7, precision=None).integer_scale() == 1
    s = VRPProblem(distance=sym(3) * 61.7, precision=None)
    assert np.abs(s.distance * s.integer_scale()).max() < 1e6


# --------------------------------------------------------------------------- property test
def simulate(p: VRPProblem, path, departure):
    """Lateness and duration of ``path`` leaving at ``departure``, waiting for windows to open."""
    t, late = departure, 0.0
    for a, b in zip(path[:-1], path[1:]):
        t += p.duration[a, b]
        if p.time_windows is not None:
            if t > p.time_windows[b, 1]:
                late += t - p.time_windows[b, 1]
            t = max(t, p.time_windows[b, 0])
        if p.service_time is not None and b != path[-1]:
            t += p.service_time[b]
    return late, t - departure


def brute_duration(p: VRPProblem, path) -> float:
    """Shortest duration over integer departures that keep the route on time (data are integers)."""
    if p.time_windows is None:
        return simulate(p, path, 0)[1]
    open_, close = p.time_windows[path[0]]
    return min(dur for d in range(int(open_), int(close) + 1)
               for late, dur in [simulate(p, path, d)] if late == 0)


@st.composite
def instance_and_solution(draw):
    n_dep = draw(st.integers(1, 2))
    n_cli = draw(st.integers(1, 6))
    n = n_dep + n_cli
    ints = st.integers(0, 20)
    d = np.array(draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=n, max_size=n)), float)
    np.fill_diagonal(d, 0)
    if draw(st.booleans()):
        d = np.minimum(d, d.T)
    dims = draw(st.integers(1, 2))
    demand = np.array([[0] * dims] * n_dep + draw(st.lists(st.lists(st.integers(0, 5), min_size=dims,
                                                                        max_size=dims),
                                                               min_size=n_cli, max_size=n_cli)), float)
    types = []
    for _ in range(draw(st.integers(1, 2))):
        cap = tuple(demand.max(axis=0) + draw(st.integers(0, 8)))
        types.append(VehicleType(count=draw(st.integers(1, 3)), capacity=cap,
                                 fixed_cost=draw(st.integers(0, 5)),
                                 start_depot=draw(st.integers(0, n_dep - 1)),
                                 end_depot=draw(st.integers(0, n_dep - 1)),
                                 max_duration=draw(st.sampled_from([math.inf, 20, 40, 80]))))
    kw = {}
    if draw(st.booleans()):
        early = draw(st.lists(st.integers(0, 40), min_size=n_cli, max_size=n_cli))
        width = draw(st.lists(st.integers(0, 40), min_size=n_cli, max_size=n_cli))
        kw["time_windows"] = [[0, 150]] * n_dep + [[e, e + w] for e, w in zip(early, width)]
    if draw(st.booleans()):
        kw["service_time"] = [0] * n_dep + draw(st.lists(st.integers(0, 3), min_size=n_cli, max_size=n_cli))
    required = [True] * n_dep + draw(st.lists(st.booleans(), min_size=n_cli, max_size=n_cli))
    prize = [0] * n_dep + draw(st.lists(st.integers(0, 10), min_size=n_cli, max_size=n_cli))
    p = VRPProblem(distance=d, num_depots=n_dep, demand=demand, vehicle_types=types, required=required,
            prize=prize, **kw)

    clients = list(p.clients)
    order = draw(st.permutations(clients))
    order = [c for c in order if p.required[c] or draw(st.booleans())]
    duplicate = bool(order) and draw(st.booleans())
    if duplicate:
        order.insert(draw(st.integers(0, len(order))), draw(st.sampled_from(order)))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), max_size=4)))
    bounds = [0, *cuts, len(order)]
    routes = [Route(order[a:b], draw(st.integers(0, len(types) - 1))) for a, b in zip(bounds, bounds[1:])]
    return p, VRPSolution(routes), duplicate


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance_and_solution())
def test_evaluate_matches_a_straightforward_recomputation(case):
    p, s, duplicate = case
    ev = p.evaluate(s)
    found = set(kinds(ev))

    cost, over, late, too_long, used = 0.0, False, False, False, [0] * len(p.vehicle_types)
    durations = 0.0
    for r in s.routes:
        if not r.visits:
            continue
        vt = p.vehicle_types[r.vehicle_type]
        used[r.vehicle_type] += 1
        path = [vt.start_depot, *r.visits, vt.end_depot]
        cost += sum(p.distance[a, b] for a, b in zip(path[:-1], path[1:])) + vt.fixed_cost
        load = sum(p.demand[c] for c in r.visits)
        over |= any(load[k] > vt.capacity[k] for k in range(p.demand_dims))
        lateness, duration = p._schedule(path)
        assert lateness == pytest.approx(simulate(p, path, p.time_windows[path[0], 0]
                                                  if p.time_windows is not None else 0)[0])
        late |= lateness > 0
        if lateness == 0:
            assert duration == pytest.approx(brute_duration(p, path)), path
            too_long |= duration > vt.max_duration
        durations += duration
    visited = {c for r in s.routes for c in r.visits}
    cost += sum(p.prize[c] for c in p.clients if c not in visited)

    assert ev.objective == pytest.approx(cost)
    assert ev.details["duration"] == pytest.approx(durations)
    assert ev.details["vehicles_by_type"] == used
    assert ("capacity" in found) == over
    assert ("time_window" in found) == late
    if not late:
        assert ("max_duration" in found) == too_long
    assert ("fleet" in found) == any(u > vt.count for u, vt in zip(used, p.vehicle_types))
    assert ("duplicate" in found) == duplicate
    assert "missing" not in found
    assert found <= {"capacity", "time_window", "max_duration", "fleet", "duplicate"}
    assert ev.feasible == (not found)


def test_a_float_matrix_is_not_taken_as_integers():
    """Built from arbitrary floats without saying so, a problem is not exact in 0 decimals: the
    solvers that work in integers would otherwise optimise distances rounded to 0 and 1 (here the
    exact solver claimed 4.56 optimal where 3.90 exists). Every solver now finds the same optimum."""
    rng = np.random.default_rng(0)
    xy = rng.random((11, 2))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    p = VRPProblem(distance=d, demand=[0] + [1] * 10, coordinates=xy,
                   vehicle_types=[VehicleType(count=10, capacity=(4,))], name="float-cvrp")
    assert p.precision is None
    assert VRPProblem(distance=np.rint(d * 100)).precision == 0
    assert VRPProblem(distance=np.rint(d * 100) / 10).precision == 1
    exact = routeopt.solve(p, solver="milp", time_limit=60)
    assert exact.status.value == "OPTIMAL"
    for solver in ("local", "pyvrp"):
        result = routeopt.solve(p, solver=solver, time_limit=1)
        assert p.evaluate(result.solution).feasible
        assert result.objective == pytest.approx(exact.objective)
    with pytest.raises(InputError, match="precision"):
        VRPProblem(distance=d, precision="two")

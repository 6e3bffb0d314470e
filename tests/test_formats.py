"""Instance and solution files: every shared best-known solution reproduces its cost exactly under the
instance's distance convention; TSPLIB ATT/GEO and the other conventions; round trips; bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from routeopt.errors import InputError
from routeopt.instances.io import load, load_solution, read_solution, save, save_solution
from routeopt.instances._io import atomic_write
from routeopt.instances.vrp.distances import coordinate_distances
from routeopt.instances.vrp.sol import format_cost
from routeopt.instances.vrp.problem import VRPProblem, Route, VRPSolution, VehicleType
from tests.conftest import shared, shared_files

SOLUTIONS = shared_files("cvrp-x", "*.sol") + shared_files("cvrp-small", "*.sol") \
    + shared_files("vrptw-solomon", "*.sol")
INSTANCES = shared_files("cvrp-x", "*.vrp") + shared_files("cvrp-small", "*.vrp") \
    + shared_files("vrptw-solomon", "*.txt") + shared_files(".", "*.txt")
ORTEC = "ORTEC-VRPTW-ASYM-00c5356f-d1-n258-k12.txt"


def instance_of(sol: Path) -> Path:
    vrp = sol.with_suffix(".vrp")
    return vrp if vrp.exists() else sol.with_suffix(".txt")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text.lstrip("\n"))
    return path


def tour(*file_ids: int) -> VRPSolution:
    """A TSP tour given in TSPLIB's 1-based ids, starting at node 1."""
    assert file_ids[0] == 1
    return VRPSolution([Route([i - 1 for i in file_ids[1:]])])


def assert_same_problem(a: VRPProblem, b: VRPProblem) -> None:
    assert np.array_equal(a.distance, b.distance)
    assert np.array_equal(a.duration, b.duration)
    for attr in ("demand", "service_time", "time_windows", "coordinates", "prize"):
        x, y = getattr(a, attr), getattr(b, attr)
        assert (x is None) == (y is None), attr
        if x is not None:
            assert np.array_equal(x, y), attr
    assert a.num_depots == b.num_depots
    assert a.vehicle_types == b.vehicle_types
    assert (a.convention, a.precision) == (b.convention, b.precision)


# ------------------------------------------------------------------ the shared benchmark files
def test_shared_files_are_all_there():
    shared()
    assert len(shared_files("cvrp-x", "*.sol")) == 25
    assert len(shared_files("cvrp-small", "*.sol")) == 3
    assert len(shared_files("vrptw-solomon", "*.sol")) == 29


@pytest.mark.parametrize("sol", SOLUTIONS, ids=lambda p: p.stem)
def test_every_shared_solution_reproduces_its_cost(sol: Path):
    problem = load(instance_of(sol))
    solution, cost = read_solution(sol, problem)
    evaluation = problem.evaluate(solution)
    assert evaluation.violations == []
    # compare at the file's own precision (Solomon costs carry one decimal) and to 1e-6 relative
    written = sol.read_text().split("Cost")[-1].strip()
    decimals = len(written.partition(".")[2])
    assert round(evaluation.objective, decimals) == cost
    assert evaluation.objective == pytest.approx(cost, rel=1e-6, abs=1e-6)
    assert problem.best_known == cost


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.name)
def test_every_shared_instance_loads(path: Path):
    problem = load(path)
    assert problem.name == path.stem and problem.source == str(path)
    assert problem.num_clients > 0 and problem.demand is not None
    assert problem.features >= {"capacity"}
    assert problem.num_vehicles >= 1


def test_x_instances_round_and_have_an_unlimited_fleet():
    p = load(shared("cvrp-x", "X-n101-k25.vrp"))
    assert (p.convention, p.precision, p.variant, p.num_nodes) == ("round", 0, "CVRP", 101)
    assert p.num_vehicles == 100  # no VEHICLES keyword: one per client (the BKS uses 26 routes)
    assert p.vehicle_types[0].capacity == (206.0,)
    assert np.array_equal(p.distance, coordinate_distances(p.coordinates, "round"))
    assert p.coordinates[0].tolist() == [365, 689]


def test_explicit_lower_row_instance():
    p = load(shared("cvrp-small", "E-n13-k4.vrp"))
    assert p.coordinates is None and p.convention == "explicit" and p.is_symmetric
    assert p.distance[1, 0] == 9 and p.distance[2, 0] == 14 and p.distance[2, 1] == 21
    assert p.distance[12, 11] == 10 and p.distance[0, 12] == 18  # the last row starts at the 67th value
    assert p.demand[1, 0] == 1200 and p.vehicle_types[0].capacity == (6000.0,)


def test_ortec_instance():
    p = load(shared(ORTEC))
    assert (p.num_nodes, p.num_vehicles, p.variant, p.precision) == (259, 12, "AVRPTW", 0)
    assert p.duration is p.distance  # one matrix is both distance and travel time
    assert p.distance[0, 1] == 1908 and p.distance[1, 0] == 1994
    assert p.coordinates[0].tolist() == [3667, 1732]
    assert p.time_windows[0].tolist() == [0, 41340] and p.time_windows[1].tolist() == [15600, 23100]
    assert p.service_time[0] == 0 and p.service_time[1] == 540
    assert p.vehicle_types[0].capacity == (145.0,) and p.best_known is None


def test_solomon_instance_and_why_truncation_matters():
    p = load(shared("vrptw-solomon", "C101.txt"))
    assert (p.convention, p.precision, p.num_nodes, p.num_vehicles) == ("dimacs", 1, 101, 25)
    assert p.time_windows[0].tolist() == [0, 1236] and p.horizon == 1236
    assert p.service_time[1] == 90 and p.vehicle_types[0].capacity == (200.0,)
    # Node 0 (40, 50) to 1 (45, 68): sqrt(349) = 18.681 -> 18.6
    assert p.distance[0, 1] == 18.6
    # The BKS routes of R105 are only feasible with truncated travel times: with exact ones a
    # vehicle misses a time window, so the convention is part of the instance, not a detail.
    sol = shared("vrptw-solomon", "R105.sol")
    exact = load(sol.with_suffix(".txt"), convention="exact")
    assert [v.kind for v in exact.evaluate(load_solution(sol, exact)).violations] == ["time_window"]
    assert exact.best_known is None  # the .sol cost is a DIMACS cost: no BKS under another convention
    assert load(sol.with_suffix(".txt"), convention="dimacs").best_known == 1355.3
    assert load(sol.with_suffix(".txt")).evaluate(load_solution(sol)).violations == []


# ------------------------------------------------------------------ TSPLIB conventions by hand
ATT48 = [(6734, 1453), (2233, 10), (5530, 1424), (401, 841), (3082, 1644), (7608, 4458), (7573, 3716),
         (7265, 1268), (6898, 1885), (1112, 2049), (5468, 2606), (5989, 2873), (4706, 2674), (4612, 2035),
         (6347, 2683), (6107, 669), (7611, 5184), (7462, 3590), (7732, 4723), (5900, 3561), (4483, 3369),
         (6101, 1110), (5199, 2182), (1633, 2809), (4307, 2322), (675, 1006), (7555, 4819), (7541, 3981),
         (3177, 756), (7352, 4506), (7545, 2801), (3245, 3305), (6426, 3173), (4608, 1198), (23, 2216),
         (7248, 3779), (7762, 4595), (7392, 2244), (3484, 2829), (6271, 2135), (4985, 140), (1916, 1569),
         (7280, 4899), (7509, 3239), (10, 2676), (6807, 2993), (5185, 3258), (3023, 1942)]
ATT48_TOUR = (1, 8, 38, 31, 44, 18, 7, 28, 6, 37, 19, 27, 17, 43, 30, 36, 46, 33, 20, 47, 21, 32, 39, 48,
              5, 42, 24, 10, 45, 35, 4, 26, 2, 29, 34, 41, 16, 22, 3, 23, 14, 25, 13, 11, 12, 15, 40, 9)
ULYSSES16 = """
 1 38.24 20.42
 2 39.57 26.15
 3 40.56 25.32
 4 36.26 23.12
 5 33.48 10.54
 6 37.56 12.19
 7 38.42 13.11
 8 37.52 20.44
 9 41.23 9.10
 10 41.17 13.05
 11 36.08 -5.21
 12 38.47 15.13
 13 38.15 15.35
 14 37.51 15.17
 15 35.49 14.32
 16 39.36 19.56
"""


def coordinate_file(tmp_path: Path, name: str, weight_type: str, coords: list[tuple[float, float]]) -> Path:
    body = "".join(f"{i} {x} {y}\n" for i, (x, y) in enumerate(coords, 1))
    return write(tmp_path, name, f"NAME : {name}\nTYPE : TSP\nDIMENSION : {len(coords)}\n"
                                 f"EDGE_WEIGHT_TYPE : {weight_type}\nNODE_COORD_SECTION\n{body}EOF\n")


def test_att48_optimal_tour(tmp_path):
    p = load(coordinate_file(tmp_path, "att48.tsp", "ATT", ATT48))
    assert (p.variant, p.convention) == ("TSP", "att")
    assert p.evaluate(tour(*ATT48_TOUR)).objective == 10628


def test_ulysses16_optimal_tour(tmp_path):
    path = write(tmp_path, "ulysses16.tsp", "NAME: ulysses16.tsp\nTYPE: TSP\nCOMMENT: Odyssey of Ulysses\n"
                 "DIMENSION: 16\nEDGE_WEIGHT_TYPE: GEO\nDISPLAY_DATA_TYPE: COORD_DISPLAY\nNODE_COORD_SECTION"
                 + ULYSSES16 + " EOF\n")
    p = load(path)
    assert p.convention == "geo"
    assert p.evaluate(tour(1, 14, 13, 12, 7, 6, 15, 5, 11, 9, 10, 16, 3, 2, 4, 8)).objective == 6859


def test_att_and_geo_pairwise_by_hand(tmp_path):
    att = load(coordinate_file(tmp_path, "a.tsp", "ATT", [(0, 0), (10, 0), (0, 30), (30, 10)])).distance
    # r = sqrt(100/10) = 3.16 -> 3 < r -> 4;  sqrt(90) = 9.49 -> 10;  sqrt(1000/10) = 10 exactly -> 10
    assert att[0, 1:].tolist() == [4, 10, 10]
    geo = load(coordinate_file(tmp_path, "g.tsp", "GEO", [(0, 0), (0, 1.0), (0, 0.30), (0, -0.30)])).distance
    # 1 degree of longitude on the equator: int(6378.388 * 3.141592 / 180 + 1) = int(112.32) = 112;
    # DDD.MM: 0.30 is 30 minutes, half a degree -> 56, also westwards (truncation toward zero)
    assert geo[0, 1:].tolist() == [112, 56, 56] and geo[2, 3] == 112


@pytest.mark.parametrize("weight_type, expected", [
    ("EUC_2D", [1, 2, 5, 1, 3]), ("CEIL_2D", [2, 3, 6, 1, 3]), ("FLOOR_2D", [1, 2, 5, 0, 2]),
    ("MAN_2D", [2, 3, 8, 1, 4]), ("MAX_2D", [1, 2, 5, 1, 2]),
])
def test_coordinate_weight_types(tmp_path, weight_type, expected):
    coords = [(0, 0), (1, 1), (1, 2), (3, 4.5), (0.5, 0), (1.4, 2.3)]
    p = load(coordinate_file(tmp_path, "c.tsp", weight_type, coords))
    assert p.distance[0, 1:].tolist() == expected and p.precision == 0


def test_exact_and_dimacs_conventions(tmp_path):
    path = coordinate_file(tmp_path, "c.vrp", "EUC_2D", [(0, 0), (3, 4.5), (1, 1)])
    assert load(path).distance[0, 1] == 5
    exact = load(path, convention="exact")
    assert exact.distance[0, 1] == pytest.approx(5.408326913) and exact.precision is None
    assert load(path, convention="dimacs").distance[0, 1] == 5.4
    exact2d = coordinate_file(tmp_path, "e.tsp", "EXACT_2D", [(0, 0), (3, 4.5)])
    assert load(exact2d).distance[0, 1] == pytest.approx(5.408326913)
    with pytest.raises(InputError, match="cannot replace ATT"):
        load(coordinate_file(tmp_path, "a.tsp", "ATT", [(0, 0), (1, 1)]), convention="exact")


def _wrapped(values: list[float], per_line: int) -> str:
    return "".join(" ".join(map(str, values[i:i + per_line])) + "\n" for i in range(0, len(values), per_line))


SYMMETRIC = np.array([[0, 3, 4, 7, 2], [3, 0, 5, 1, 9], [4, 5, 0, 6, 8], [7, 1, 6, 0, 2], [2, 9, 8, 2, 0]])


@pytest.mark.parametrize("fmt", ["FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
                                 "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL"])
def test_explicit_formats_with_arbitrary_wrapping(tmp_path, fmt):
    m, n = SYMMETRIC, len(SYMMETRIC)
    by_row = {
        "FULL_MATRIX": m.ravel(),
        "UPPER_ROW": m[np.triu_indices(n, 1)], "LOWER_ROW": m[np.tril_indices(n, -1)],
        "UPPER_DIAG_ROW": m[np.triu_indices(n)], "LOWER_DIAG_ROW": m[np.tril_indices(n)],
        # column-wise: the columns of the upper triangle are the rows of the lower one
        "UPPER_COL": m.T[np.tril_indices(n, -1)], "LOWER_COL": m.T[np.triu_indices(n, 1)],
        "UPPER_DIAG_COL": m.T[np.tril_indices(n)], "LOWER_DIAG_COL": m.T[np.triu_indices(n)],
    }[fmt].tolist()
    path = write(tmp_path, "m.vrp", f"NAME : m\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
                 f"EDGE_WEIGHT_FORMAT : {fmt}\nEDGE_WEIGHT_SECTION\n{_wrapped(by_row, 4)}"
                 f"DEMAND_SECTION\n" + "".join(f"{i} {int(i > 1)}\n" for i in range(1, n + 1))
                 + "CAPACITY : 2\nDEPOT_SECTION\n1\n-1\nEOF\n")
    assert np.array_equal(load(path).distance, SYMMETRIC)


def test_atsp_full_matrix_zeroes_the_diagonal(tmp_path):
    path = write(tmp_path, "a.atsp", "NAME: a\nTYPE: ATSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                 "EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n9999 1 2 3 9999\n4 5 6 9999\nEOF\n")
    p = load(path)
    assert p.variant == "ATSP" and p.distance.tolist() == [[0, 1, 2], [3, 0, 4], [5, 6, 0]]
    assert p.evaluate(VRPSolution([Route([1, 2])])).objective == 1 + 4 + 5


@pytest.mark.parametrize("fmt, data", [("EDGE_LIST", "1 2\n2 3 3 4\n4 1\n-1\n"),
                                       ("ADJ_LIST", "1 2 4 -1\n3 2 4 -1\n-1\n")])
def test_hcp_becomes_a_zero_cost_tour_question(tmp_path, fmt, data):
    path = write(tmp_path, "c4.hcp", f"NAME : c4\nTYPE : HCP\nDIMENSION : 4\nEDGE_DATA_FORMAT : {fmt}\n"
                 f"EDGE_DATA_SECTION\n{data}EOF\n")
    p = load(path)
    assert p.evaluate(tour(1, 2, 3, 4)).objective == 0
    assert p.evaluate(tour(1, 3, 2, 4)).objective == 2


def test_vrp_keywords(tmp_path):
    path = write(tmp_path, "k.vrp", """
NAME : k
COMMENT : two demand dimensions, a route length limit, service times
COMMENT : a second comment line is harmless
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10 3
VEHICLES : 2
DISTANCE : 50
SERVICE_TIME : 5
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 0 10
DEMAND_SECTION
1 0 0
2 4 1
3 6 2
4 5 3
DEPOT_SECTION
1
-1
EOF
""")
    p = load(path)
    assert p.demand.shape == (4, 2) and p.vehicle_types[0].capacity == (10.0, 3.0)
    assert p.num_vehicles == 2 and p.vehicle_types[0].max_duration == 50
    assert p.service_time.tolist() == [0, 5, 5, 5]
    ev = p.evaluate(VRPSolution([Route([1, 2]), Route([3])]))
    assert ev.objective == 5 + 5 + 10 + 10 + 10 and ev.violations == []
    assert [v.kind for v in p.evaluate(VRPSolution([Route([1, 2, 3])])).violations] == ["capacity"]


def test_byte_order_mark_latin1_comment_and_crlf(tmp_path):
    path = tmp_path / "b.tsp"
    path.write_bytes(b"\xef\xbb\xbfNAME : b\r\nCOMMENT : Gr\xf6tschel\r\nDIMENSION : 2\r\n"
                     b"EDGE_WEIGHT_TYPE : EUC_2D\r\nNODE_COORD_SECTION\r\n1 0 0\r\n2 3 4\r\nEOF\r\n")
    assert load(path).distance[0, 1] == 5


MULTI = """
NAME : md
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 1 0
2 2 0
3 0 0
4 9 0
5 10 0
DEMAND_SECTION
1 3
2 3
3 0
4 3
5 0
DEPOT_SECTION
{depots}
-1
EOF
"""


def test_depots_come_first_and_sol_files_use_node_numbers(tmp_path):
    path = write(tmp_path, "d.vrp", MULTI.format(depots="3"))
    # node numbers, depot 0: file ids 1, 2 are nodes 1, 2; file id 4 is node 3
    write(tmp_path, "d.sol", "Route #1: 1 2\nRoute #2: 3\nCost 22\n")
    p = load(path)
    assert p.num_depots == 1 and p.file_node_ids.tolist() == [3, 1, 2, 4, 5]
    assert p.coordinates[:, 0].tolist() == [0, 1, 2, 9, 10] and p.demand[:, 0].tolist() == [0, 3, 3, 3, 0]
    s, cost = read_solution(tmp_path / "d.sol", p)
    assert [r.visits for r in s.routes] == [[1, 2], [3]] and cost == 22 and p.best_known is None and "not a feasible solution" in p.best_known_note
    assert [v.kind for v in p.evaluate(s).violations] == ["missing"]  # node 4 (file id 5) has no route
    out = save_solution(s, tmp_path / "out.sol", p)
    assert out.read_text() == "Route #1: 1 2\nRoute #2: 3\nCost 22\n"
    assert load(path).file_node_ids[[1, 2, 3]].tolist() == [1, 2, 4]  # back to the file's ids


def test_multi_depot(tmp_path):
    p = load(write(tmp_path, "md.vrp", MULTI.format(depots="3\n5")))
    assert p.num_depots == 2 and p.file_node_ids.tolist() == [3, 5, 1, 2, 4]
    assert [(vt.start_depot, vt.end_depot, vt.count) for vt in p.vehicle_types] == [(0, 0, 3), (1, 1, 3)]
    s = VRPSolution([Route([2, 3], vehicle_type=0), Route([4], vehicle_type=1)])
    assert p.evaluate(s).objective == 4 + 2 and "multi_depot" in p.features
    again = load(save(p, tmp_path / "again.vrp"))
    assert_same_problem(p, again)


# ------------------------------------------------------------------ round trips
def _random_vrp(seed: int = 0) -> VRPProblem:
    rng = np.random.default_rng(seed)
    n = 9
    coords = rng.integers(0, 100, size=(n, 2)).astype(float)
    tw = np.sort(rng.integers(0, 500, size=(n, 2)), axis=1).astype(float)
    tw[:2] = [0, 1000]
    fleet = [VehicleType(count=3, capacity=(20, 7), start_depot=d, end_depot=d, max_duration=900) for d in (0, 1)]
    return VRPProblem(distance=coordinate_distances(coords, "round"), num_depots=2, coordinates=coords,
               demand=np.vstack([[0, 0], [0, 0], rng.integers(1, 5, size=(n - 2, 2))]),
               service_time=np.r_[0, 0, rng.integers(1, 9, n - 2)].astype(float), time_windows=tw,
               vehicle_types=fleet, name="r", convention="round")


def test_vrp_round_trip_of_a_rich_instance(tmp_path):
    p = _random_vrp()
    path = save(p, tmp_path / "r.vrp")
    assert "EDGE_WEIGHT_TYPE : EUC_2D" in path.read_text()
    assert_same_problem(p, load(path))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a private temp file


def test_exact_coordinates_are_written_as_an_explicit_matrix(tmp_path):
    p = _random_vrp()
    p.distance = coordinate_distances(p.coordinates, "exact")
    p.duration, p.convention, p.precision = p.distance, "exact", None
    path = save(p, tmp_path / "r.vrp")
    assert "EDGE_WEIGHT_TYPE : EXPLICIT" in path.read_text()
    assert_same_problem(p, load(path))


@pytest.mark.parametrize("parts", [("cvrp-x", "X-n101-k25.vrp"), ("cvrp-small", "E-n13-k4.vrp"),
                                   ("vrptw-solomon", "C101.txt"), (ORTEC,)], ids=lambda p: p[-1])
def test_shared_instances_survive_vrp_and_json(tmp_path, parts):
    p = load(shared(*parts))
    for suffix in (".vrp", ".json"):
        again = load(save(p, tmp_path / f"copy{suffix}"))
        assert_same_problem(p, again)
        assert again.name == "copy" and again.variant == p.variant
    sol = shared(*parts).with_suffix(".sol")
    if sol.exists():  # same cost under the reloaded problem
        assert again.evaluate(load_solution(sol, again)).objective == pytest.approx(p.best_known)


def test_json_round_trip_keeps_everything(tmp_path):
    p = _random_vrp()
    p.best_known = 123.0
    again = load(save(p, tmp_path / "r.json"))
    a, b = p.to_dict(), again.to_dict()
    assert a.pop("name") == "r" and b.pop("name") == "r"
    assert a == b


def test_sol_and_json_solution_round_trips(tmp_path):
    p = _random_vrp()
    s = VRPSolution([Route([2, 3, 4], 0), Route([]), Route([5, 6], 1), Route([7, 8], 0)])
    cost = p.evaluate(s).objective
    js = save_solution(s, tmp_path / "s.json", p)
    back, stated = read_solution(js, p)
    assert back == s and stated == cost
    assert json.loads(js.read_text())["instance"] == "r"
    single = VRPSolution([Route([2, 3, 4]), Route([]), Route([5, 6, 7, 8])])
    sol = save_solution(single, tmp_path / "s.sol", p)
    assert sol.read_text().splitlines()[:2] == ["Route #1: 2 3 4", "Route #2: 5 6 7 8"]
    back, stated = read_solution(sol, p)
    assert [r.visits for r in back.routes] == [[2, 3, 4], [5, 6, 7, 8]]
    assert stated == p.evaluate(single).objective
    assert load_solution(save_solution(single, tmp_path / "plain.sol")).routes == back.routes
    with pytest.raises(InputError, match="no vehicle types"):
        save_solution(s, tmp_path / "typed.sol", p)


def test_sol_round_trip_of_a_shared_bks(tmp_path):
    sol = shared("vrptw-solomon", "RC105.sol")
    p = load(sol.with_suffix(".txt"))
    s = load_solution(sol, p)
    out = save_solution(s, tmp_path / "RC105.sol", p)
    assert out.read_text() == "".join(f"{line.rstrip()}\n" for line in sol.read_text().splitlines())


def test_cost_formatting():
    assert format_cost(27591.0) == "27591" and format_cost(827.3000000000001, 1) == "827.3"
    assert format_cost(794.0, 1) == "794" and format_cost(1.234567891234) == "1.234567891"


# ------------------------------------------------------------------ bad input
def _error(path: Path, call=load, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        call(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)), message
    return message


HEADER = "NAME : t\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n"


@pytest.mark.parametrize("body, where, words", [
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\n3 1\nEOF\n", 9,
     ["NODE_COORD_SECTION", "2 of 3"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\nDEMAND_SECTION\n1 0\n2 1\n", 12, ["DEMAND_SECTION", "2 of 3"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1x\n3 2 2\nEOF\n", 8, ["malformed number '1x'"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2\nEOF\n", 9, ["2 values, expected 3"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n2 2 2\nEOF\n", 9, ["node 2 is listed twice"]),
    ("FOO : 1\n", 6, ["unknown keyword FOO"]),
    ("BAR_SECTION\n1 2\n", 6, ["unknown section BAR_SECTION"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\nDEMAND_SECTION\n1 0\n2 -4\n3 1\nEOF\n", 12,
     ["demand of node 2 is negative"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\nDEMAND_SECTION\n1 0\n2 4\n3 11\nEOF\n", 13,
     ["client 3 has demand 11 > vehicle capacity 10"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\nDEPOT_SECTION\n1\n-1\n2\nEOF\n", 13, ["unexpected 2 after the terminating -1"]),
    ("NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\nDEPOT_SECTION\n4\n-1\nEOF\n", 11, ["depot 4 is not a node id"]),
    ("1 2 3\n", 6, ["numbers outside any section"]),
    ("DIMENSION : 4\n", 6, ["DIMENSION given twice"]),
])
def test_bad_tsplib_files_name_the_line(tmp_path, body, where, words):
    message = _error(write(tmp_path, "bad.vrp", HEADER + body))
    assert f"bad.vrp:{where}" in message
    for w in words:
        assert w in message


@pytest.mark.parametrize("fmt, values, where, words", [
    ("LOWER_ROW", "1 2\n", 7, ["EDGE_WEIGHT_SECTION", "2 of 3 entries"]),
    ("LOWER_ROW", "1 2\n3 4\n", 7, ["section has 4 entries", "expected 3"]),
    ("LOWER_ROW", "1\nnan 2\n", 7, ["distance nan is not finite"]),
    ("FULL_MATRIX", "0 1 2\n1 0 -3\n2 3 0\n", 7, ["distance -3 is negative"]),
    ("DIAGONAL", "1 2 3\n", 4, ["unsupported EDGE_WEIGHT_FORMAT DIAGONAL"]),
])
def test_bad_explicit_matrices(tmp_path, fmt, values, where, words):
    text = (f"NAME : m\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : {fmt}\n"
            f"EDGE_WEIGHT_SECTION\n{values}EOF\n")
    message = _error(write(tmp_path, "m.tsp", text))
    assert f"m.tsp:{where}" in message
    for w in words:
        assert w in message


@pytest.mark.parametrize("text, words", [
    ("NAME : t\nTYPE : TSP\n", "DIMENSION is missing"),
    ("NAME : t\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EUC_3D\n", "t.tsp:3 [EDGE_WEIGHT_TYPE]: unsupported"),
    ("NAME : t\nDIMENSION : 2.5\n", "t.tsp:2 [DIMENSION]: DIMENSION must be an integer"),
    ("NAME : t\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EUC_2D\nEOF\n", "needs a NODE_COORD_SECTION"),
    ("NAME : t\nTYPE : TOUR\n", "t.tsp:2 [TYPE]: unsupported TYPE TOUR"),
])
def test_bad_headers(tmp_path, text, words):
    assert words in _error(write(tmp_path, "t.tsp", text))


SOLOMON = """C1

VEHICLE
NUMBER     CAPACITY
  2         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0         0          0          0        100          0
    1      3         4         10          0         50          5
{last}
"""


@pytest.mark.parametrize("last, where, words", [
    ("    2      6         8         10          0", 12, "row has 5 values, expected 7"),
    ("    2      6         8         1o          0         50          5", 12, "malformed number '1o'"),
    ("    3      6         8         10          0         50          5", 12, "customer number 3 where 2"),
    ("    2      6         8         30          0         50          5", 12, "demand 30 > vehicle capacity 20"),
    ("    2      6         8         -1          0         50          5", 12, "negative"),
    ("    2      6         8         10         60         50          5", 12, "empty time window [60, 50]"),
])
def test_bad_solomon_files(tmp_path, last, where, words):
    message = _error(write(tmp_path, "s.txt", SOLOMON.format(last=last)))
    assert f"s.txt:{where}" in message and words in message


def test_solomon_fixture_itself_is_fine(tmp_path):
    p = load(write(tmp_path, "s.txt", SOLOMON.format(last="    2 6 8 10 0 50 5")))
    assert p.name == "s" and p.distance[0, 1:].tolist() == [5, 10] and p.num_vehicles == 2


def test_bad_files_and_extensions(tmp_path):
    assert "no such file" in _error(tmp_path / "absent.vrp")
    assert "unknown instance extension '.xyz'" in _error(write(tmp_path, "a.xyz", "x"))
    (tmp_path / "dir.vrp").mkdir()
    assert "not a file" in _error(tmp_path / "dir.vrp")
    assert "cannot tell the format" in _error(write(tmp_path, "a.txt", "hello\n"))
    assert "a.json:2: invalid JSON" in _error(write(tmp_path, "a.json", "{\n  x\n}"))
    assert "unknown problem family 'nope'" in _error(write(tmp_path, "b.json", '{"family": "nope"}'))
    assert "unknown solution extension" in _error(tmp_path / "a.out", call=load_solution)
    with pytest.raises(InputError, match="unknown instance output extension"):
        save(_random_vrp(), tmp_path / "a.tsp")


def test_json_instance_errors_name_the_file(tmp_path):
    data = _random_vrp().to_dict()
    data["demand"][5] = [99, 1]  # heavier than every vehicle: the model's own check, with the file named
    message = _error(write(tmp_path, "heavy.json", json.dumps(data)))
    assert "[demand]" in message and "no vehicle can carry" in message


@pytest.mark.parametrize("text, where, words", [
    ("Route #1: 1 2x\nCost 3\n", 1, "malformed number '2x'"),
    ("Route #1: 1 0 2\n", 1, "'0' is not a positive integer"),
    ("Route #1: 1\nCost abc\n", 2, "malformed cost 'abc'"),
    ("Route #1: 1\n7 8\n", 2, "expected 'Route #k: ...'"),
    ("Cost 12\n", None, "no 'Route #k: ...' line"),
])
def test_bad_solution_files(tmp_path, text, where, words):
    message = _error(write(tmp_path, "x.sol", text), call=load_solution)
    assert words in message
    assert where is None or f"x.sol:{where}" in message


def test_client_number_beyond_the_problem(tmp_path):
    p = load(write(tmp_path, "d.vrp", MULTI.format(depots="3")))
    message = _error(write(tmp_path, "e.sol", "Route #1: 1 7\n"), call=load_solution, problem=p)
    assert "e.sol:1 [Route #1]: client number 7 is not a node of d (5 nodes)" in message


# ------------------------------------------------------------------ nothing half-written
def test_failed_save_leaves_the_old_file_and_no_debris(tmp_path):
    target = write(tmp_path, "keep.vrp", "old content\n")
    p = _random_vrp()
    p.vehicle_types = [VehicleType(count=2, capacity=(20, 7)), VehicleType(count=1, capacity=(9, 9))]
    with pytest.raises(InputError, match="cannot hold 2 vehicle types for 2 depot|heterogeneous|type 1"):
        save(p, target)
    assert target.read_text() == "old content\n" and sorted(os.listdir(tmp_path)) == ["keep.vrp"]


def test_failure_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = write(tmp_path, "keep.sol", "old\n")

    def chunks():
        yield "Route #1: 1\n"
        raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError):
        atomic_write(target, chunks())
    assert target.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["keep.sol"]

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match="keep.sol: cannot write: Permission denied"):
        save_solution(VRPSolution([Route([1])]), target)
    assert target.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["keep.sol"]


def test_unrepresentable_problems_are_refused_for_vrp(tmp_path):
    p = _random_vrp()
    p.duration = p.distance * 2
    with pytest.raises(InputError, match="duration matrix"):
        save(p, tmp_path / "d.vrp")
    assert not any(tmp_path.iterdir())

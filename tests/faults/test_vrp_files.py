"""Bad VRP files and untrustworthy best-known values: refused up front in one line naming the file,
or (a ``.sol`` beside an instance) checked before it is believed; never a silently wrong answer."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import routeopt
from routeopt.errors import InputError
from routeopt.instances.vrp.problem import Route, VRPProblem, VRPSolution, VehicleType

from tests.conftest import SHARED, shared

CVRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 1 1
3 3 1
4 0 4
DEMAND_SECTION
1 0
2 4
3 4
4 4
DEPOT_SECTION
1
-1
EOF
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def refused(path: Path, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        routeopt.load(path, **kwargs)
    message = str(info.value)
    assert path.name in message and "\n" not in message, message
    return message


def without(text: str, keyword: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(keyword))


# ---------------------------------------------------------------- 1. a CVRP without its capacity
def test_capacitated_file_without_capacity_or_demands_is_refused(tmp_path):
    message = refused(write(tmp_path, "nocap.vrp", without(CVRP, "CAPACITY")))
    assert "nocap.vrp:2 [CAPACITY]" in message and "CAPACITY" in message and "missing" in message
    # TYPE CVRP without a DEMAND_SECTION
    text = CVRP.replace("DEMAND_SECTION\n1 0\n2 4\n3 4\n4 4\n", "")
    assert "needs a DEMAND_SECTION" in refused(write(tmp_path, "nodemand.vrp", text))
    # demands under another TYPE, still without CAPACITY: the DEMAND_SECTION's line is named
    text = without(CVRP, "CAPACITY").replace("TYPE : CVRP", "TYPE : VRP")
    assert "plain.vrp:10 [CAPACITY]: DEMAND_SECTION needs CAPACITY" in refused(write(tmp_path, "plain.vrp", text))
    # the real A-n32-k5 with its CAPACITY line deleted (it used to solve as a one-vehicle TSP)
    real = SHARED / "cvrp-small" / "A-n32-k5.vrp"
    if real.is_file():
        message = refused(write(tmp_path, "A-n32-k5.vrp", without(real.read_text(), "CAPACITY")))
        assert "A-n32-k5.vrp:3 [CAPACITY]" in message
    # our own writer refuses what the reader would refuse, instead of writing it
    p = VRPProblem(distance=np.ones((3, 3)) - np.eye(3), demand=[0, 1, 1], vehicle_types=[VehicleType(count=2)])
    with pytest.raises(InputError, match="demands without a vehicle capacity"):
        routeopt.save(p, tmp_path / "out.vrp")
    assert not (tmp_path / "out.vrp").exists()


# ---------------------------------------------------------------- 2. best-known values are verified
def test_best_known_is_verified_before_it_is_believed(tmp_path):
    # node 0 (0,0), 1 (1,1), 2 (3,1), 3 (0,4): the route 1 2 3 costs 1+2+4+4 = 11 rounded,
    # sqrt(2) + 2 + sqrt(18) + 4 = 11.6569 exact
    path = write(tmp_path, "tiny.vrp", CVRP.replace("CAPACITY : 10", "CAPACITY : 12"))
    sol = path.with_suffix(".sol")

    def load_with(sol_text: str, **kwargs) -> VRPProblem:
        sol.write_text(sol_text)
        return routeopt.load(path, **kwargs)

    p = load_with("Route #1: 99 99\nCost 500\n")           # not even nodes of the instance
    assert p.best_known is None and "tiny.sol not used as best-known" in p.best_known_note
    assert "client number 99" in p.best_known_note
    p = load_with("Route #1: 1 2\nCost 6\n")                # client 3 is not visited
    assert p.best_known is None and "not a feasible solution" in p.best_known_note
    p = load_with("Route #1: 1 2 3\nCost 500\n")            # feasible, but the cost is wrong
    assert p.best_known is None and "states Cost 500 but its routes cost 11 (round)" in p.best_known_note
    p = load_with("Route #1: 1 2 3\nCost 11\n")             # true
    assert p.best_known == 11 and p.best_known_note is None
    # a cost stated under exact distances, as CVRPLIB does for CMT, Golden, Li and Taillard (rounded
    # to 2 decimals): best_known is the same routes as this problem scores them, and the note says so
    p = load_with("Route #1: 1 2 3\nCost 11.66\n")
    assert p.best_known == 11 and "exact (unrounded) distances" in p.best_known_note
    # under another convention the routes are scored under it (they used to give no best-known)
    p = load_with("Route #1: 1 2 3\nCost 11\n", convention="exact")
    assert p.best_known == pytest.approx(np.sqrt(2) + 2 + np.sqrt(18) + 4)
    assert "under exact" in p.best_known_note
    assert p.best_known == p.evaluate(VRPSolution([Route([1, 2, 3])])).objective
    # the note is not part of the instance
    a, b = load_with("Route #1: 1 2 3\nCost 11\n"), load_with("Route #1: 1 2 3\nCost 500\n")
    assert a.fingerprint() == b.fingerprint()
    # a .sol that cannot be read is not used either; the instance still loads
    sol.write_bytes(b"\xff\xfeR\x00")
    assert routeopt.load(path).best_known is None
    # still cheap on the largest shared instance
    big = SHARED / "cvrp-x" / "X-n936-k151.vrp"
    if big.is_file():
        start = time.perf_counter()
        p = routeopt.load(big)
        assert time.perf_counter() - start < 1.0 and p.best_known == 132715 and p.best_known_note is None


# ---------------------------------------------------------------- 3. LKH-3 files and DCVRP, as vrplib reads them
DCVRP = """NAME : CMT-like
COMMENT : LKH-3 style: no -1 after the depot
TYPE : DCVRP
DIMENSION : 5
CAPACITY : 40
DISTANCE : 80
SERVICE_TIME : 10
EDGE_WEIGHT_TYPE : {weight}
NODE_COORD_SECTION
1 30 40
2 37 52
3 49 49
4 52 64
5 20 26
DEMAND_SECTION
1 0
2 7
3 30
4 16
5 9
DEPOT_SECTION
1
EOF
"""


@pytest.mark.parametrize("weight", ["EUC_2D", "EXACT_2D"])
def test_lkh3_depot_section_and_dcvrp_read_as_vrplib_reads_them(tmp_path, weight):
    vrplib = pytest.importorskip("vrplib")
    path = write(tmp_path, "cmt.vrp", DCVRP.format(weight=weight).replace("3 30", "3 3"))
    p = routeopt.load(path)
    ref = vrplib.read_instance(str(path))
    assert p.num_depots == 1 and ref["depot"].tolist() == [0]
    assert np.array_equal(p.coordinates, ref["node_coord"])
    assert np.array_equal(p.demand[:, 0], ref["demand"])
    assert p.vehicle_types[0].capacity == (ref["capacity"],)
    assert p.vehicle_types[0].max_duration == ref["distance"] == 80
    assert np.array_equal(p.service_time, [0] + [ref["service_time"]] * 4)
    if weight == "EUC_2D":      # vrplib leaves EUC_2D unrounded; CVRPLIB rounds to the nearest integer
        assert np.array_equal(p.distance, np.floor(ref["edge_weight"] + 0.5))
    else:                       # vrplib scales EXACT_2D by 1000 (LKH-3's precision); we keep the units
        assert np.allclose(p.distance * 1000, ref["edge_weight"], atol=0.5)
    assert "max_duration" in p.features and "service_times" in p.features
    # the limit counts service: 0-3-0 is 2 x 32.6 + 10 = 75.2; 0-1-2-3-4-0 is 108.5 + 40, over 80
    assert p.evaluate(VRPSolution([Route([1]), Route([2]), Route([3]), Route([4])])).violations == []
    ev = p.evaluate(VRPSolution([Route([1, 2, 3, 4])]))
    assert [v.kind for v in ev.violations] == ["max_duration"]
    # DCVRP without DISTANCE would silently be a CVRP
    message = refused(write(tmp_path, "nodist.vrp", without(DCVRP.format(weight=weight), "DISTANCE")))
    assert "nodist.vrp:3 [DISTANCE]: TYPE DCVRP needs DISTANCE" in message


# ---------------------------------------------------------------- 4. UTF-16 text
def test_utf16_files_are_read_or_refused_with_the_reason(tmp_path):
    utf8 = routeopt.load(write(tmp_path, "plain.vrp", CVRP))
    for codec, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-32-le", b"\xff\xfe\x00\x00")):
        path = tmp_path / f"{codec}.vrp"
        path.write_bytes(bom + CVRP.replace("\n", "\r\n").encode(codec))    # as Windows Notepad saves it
        p = routeopt.load(path)
        assert np.array_equal(p.distance, utf8.distance) and np.array_equal(p.demand, utf8.demand)
    path = tmp_path / "nobom.vrp"
    path.write_bytes(CVRP.encode("utf-16-le"))                               # no byte order mark
    assert "the file is UTF-16 (or UTF-32) encoded without a byte order mark; save it as UTF-8" in refused(path)
    path = tmp_path / "binary.txt"
    path.write_bytes(b"VEHICLE\nCUSTOMER\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 4)
    assert "binary.txt:3: the file holds NUL bytes" in refused(path)
    path = tmp_path / "broken.vrp"
    path.write_bytes(b"\xff\xfe" + CVRP.encode("utf-16-le")[:-1])             # odd length
    assert "UTF-16 byte order mark" in refused(path)


# ---------------------------------------------------------------- 5. sizes refused before allocating
def test_sizes_are_refused_before_anything_is_allocated(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTEOPT_MAX_MEMORY", "1G")
    header = "NAME : big\nTYPE : CVRP\nDIMENSION : 60000\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 100\n"
    path = write(tmp_path, "big.vrp", header + "NODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\n")
    start = time.perf_counter()
    message = refused(path)
    assert time.perf_counter() - start < 1.0
    assert "big.vrp:3 [DIMENSION]: the 60,000-node distance matrix needs about 80.47 GiB" in message
    assert "ROUTEOPT_MAX_MEMORY" in message and "limit of 1.00 GiB" in message
    # an explicit matrix: its text is counted too, and nothing of the section is read
    explicit = ("NAME : m\nTYPE : ATSP\nDIMENSION : 5000\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
                "EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n")
    assert "the 5,000-node distance matrix needs about 2.1" in refused(write(tmp_path, "m.atsp", explicit))
    # Solomon files (no DIMENSION: refused once the table is read, before the matrix is built)
    monkeypatch.setenv("ROUTEOPT_MAX_MEMORY", "1K")
    rows = "".join(f"{i} {i} {i} 0 0 100 0\n" for i in range(20))
    solomon = f"S\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO. X Y D R DUE S\n{rows}"
    assert "[CUSTOMER]: the 20-node distance matrix needs about" in refused(write(tmp_path, "s.txt", solomon))
    monkeypatch.delenv("ROUTEOPT_MAX_MEMORY")
    assert routeopt.load(tmp_path / "s.txt").num_nodes == 20


# ---------------------------------------------------------------- 6. found by fuzzing the readers
@pytest.mark.parametrize("name, old, new, words", [
    ("inf.vrp", "DIMENSION : 4", "DIMENSION : 1e309", "DIMENSION must be a finite number"),
    ("nan.vrp", "DIMENSION : 4", "DIMENSION : nan", "DIMENSION must be a finite number"),
    ("veh.vrp", "CAPACITY : 10", "CAPACITY : 10\nVEHICLES : inf", "VEHICLES must be a finite number"),
    ("cap.vrp", "CAPACITY : 10", "CAPACITY : nan", "CAPACITY 'nan' must be 1 non-negative number"),
    ("capinf.vrp", "CAPACITY : 10", "CAPACITY : inf", "CAPACITY 'inf' must be 1 non-negative number"),
    ("capnone.vrp", "CAPACITY : 10", "CAPACITY :", "CAPACITY is empty"),
    ("dist.vrp", "CAPACITY : 10", "CAPACITY : 10\nDISTANCE : 1e309", "DISTANCE must be a finite number"),
])
def test_non_finite_header_values_are_refused(tmp_path, name, old, new, words):
    message = refused(write(tmp_path, name, CVRP.replace(old, new)))
    assert words in message


@pytest.mark.parametrize("fleet, words", [("1e309 200", "vehicle NUMBER inf"), ("-nan 200", "vehicle NUMBER nan"),
                                          ("2 nan", "CAPACITY nan"), ("2 1e309", "CAPACITY inf")])
def test_non_finite_solomon_fleet_is_refused(tmp_path, fleet, words):
    text = f"S\nVEHICLE\nNUMBER CAPACITY\n{fleet}\nCUSTOMER\nCUST NO.\n0 0 0 0 0 100 0\n1 1 1 1 0 100 0\n"
    message = refused(write(tmp_path, "s.txt", text))
    assert "s.txt:4 [VEHICLE]" in message and words in message


@pytest.mark.parametrize("text", ["Routes: 1 2\nCost 3\n", "Route #1 1 2\nCost 3\n", "route #x: 1\n"])
def test_route_lines_that_do_not_parse_are_not_skipped(tmp_path, text):
    with pytest.raises(InputError, match=r"r\.sol:1: expected 'Route #k: \.\.\.'"):
        routeopt.load_solution(write(tmp_path, "r.sol", text))


@pytest.mark.parametrize("text, words", [("Route #1: 1 1e309\n", "'1e309' is not a positive integer"),
                                         ("Route #1: 1 nan\n", "'nan' is not a positive integer"),
                                         ("Route #1: 1\nCost nan\n", "cost 'nan' is not a finite number")])
def test_non_finite_numbers_in_a_solution_are_refused(tmp_path, text, words):
    with pytest.raises(InputError, match=words):
        routeopt.load_solution(write(tmp_path, "n.sol", text))


def test_real_files_still_load_with_their_best_known():
    p = routeopt.load(shared("cvrp-small", "A-n32-k5.vrp"))
    assert p.best_known == 784 and p.best_known_note is None

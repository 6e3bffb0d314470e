"""Property-based fuzzing of the VRP readers: a real small file, randomly damaged, either loads
(and then scores a trivial solution without raising) or is refused with an ``InputError`` that
names the file; never another exception.

Each reader is fed text directly (no temporary file per example), so thousands of examples run
in seconds. The base files come from ../shared/instances when present, else from instances
generated here and written with ``routeopt.save`` (or as Solomon text), so the test also runs on
a fresh clone.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import routeopt
from routeopt.errors import InputError
from routeopt.instances import jsonio
from routeopt.instances.vrp import io as vrp_io
from routeopt.instances.vrp import sol as vrp_sol
from routeopt.instances.vrp.problem import Route, VRPProblem, VRPSolution

from tests.conftest import SHARED

EXAMPLES = int(__import__("os").environ.get("FUZZ_EXAMPLES", 2000))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
ORTEC = "ORTEC-VRPTW-ASYM-00c5356f-d1-n258-k12.txt"

GARBAGE = ["nan", "-1", "1e309", "", "abc", "0", "-0", "inf", "1.5", "99999999999", "1e-320", "NaN",
           "Infinity", "-", ":", "#", "EOF", "-1 -1", "DEMAND_SECTION", "DEPOT_SECTION", "TYPE : CVRP",
           "\x00", "\ufeff", "é", "1,5", "0x10", "1_000", "٣"]
JSON_GARBAGE = ["NaN", "Infinity", "-Infinity", "-1", "1e309", '""', '"abc"', "[]", "{}", "null", "0", "1.5",
                "true", "[[]]", "-1e309", "[1, 2]", '"vrp"', "99999999999999999999"]

# one mutation: (kind, where, other, replacement, raw bytes)
MUTATION = st.tuples(st.sampled_from(["delete", "duplicate", "swap", "token", "garbage", "header", "truncate",
                                      "bytes"]),
                     st.integers(0, 2**31), st.integers(0, 2**31), st.sampled_from(GARBAGE),
                     st.binary(min_size=1, max_size=6))
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=4)
JSON_MUTATION = st.tuples(st.sampled_from(["token", "garbage", "truncate", "bytes", "delete"]),
                          st.integers(0, 2**31), st.integers(0, 2**31), st.sampled_from(JSON_GARBAGE),
                          st.binary(min_size=1, max_size=6))
JSON_MUTATIONS = st.lists(JSON_MUTATION, min_size=1, max_size=3)


# ---------------------------------------------------------------- the mutations
def mutate_lines(text: str, mutations) -> str:
    """Line-level damage (delete, duplicate, swap), token-level (another token of the file or
    garbage, anywhere or in the first lines, where the header is), truncation and inserted bytes
    (decoded as read_text would)."""
    lines = text.split("\n")
    for kind, a, b, garbage, raw in mutations:
        i, j = a % len(lines), b % len(lines)
        if kind == "header":
            i, kind = a % min(len(lines), 12), "garbage"
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind in ("token", "garbage"):
            tokens = lines[i].split()
            if not tokens:
                continue
            k = b % len(tokens)
            if kind == "token":
                pool = lines[j].split() or [garbage]
                tokens[k] = pool[(a // 7) % len(pool)]
            else:
                tokens[k] = garbage
            lines[i] = " ".join(tokens)
        elif kind == "truncate":
            joined = "\n".join(lines)
            lines = joined[: a % (len(joined) + 1)].split("\n")
        else:  # bytes, decoded the way read_text decodes a file
            joined = "\n".join(lines)
            at = a % (len(joined) + 1)
            lines = (joined[:at] + raw.decode("utf-8", errors="replace") + joined[at:]).split("\n")
    return "\n".join(lines)


_JSON_TOKEN = re.compile(r'-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"[^"]*"|true|false|null|\[\]|\{\}')


def mutate_json(text: str, mutations) -> str:
    for kind, a, b, garbage, raw in mutations:
        spans = [m.span() for m in _JSON_TOKEN.finditer(text)]
        if kind in ("token", "garbage", "delete") and spans:
            s, e = spans[a % len(spans)]
            if kind == "token":
                s2, e2 = spans[b % len(spans)]
                replacement = text[s2:e2]
            else:
                replacement = garbage if kind == "garbage" else ""
            text = text[:s] + replacement + text[e:]
        elif kind == "truncate":
            text = text[: a % (len(text) + 1)]
        elif kind == "bytes":
            at = a % (len(text) + 1)
            text = text[:at] + raw.decode("utf-8", errors="replace") + text[at:]
    return text


# ---------------------------------------------------------------- the contract
def trivial_solutions(problem: VRPProblem) -> list[VRPSolution]:
    clients = list(problem.clients)
    return [VRPSolution([Route(clients)]), VRPSolution([Route([c]) for c in clients]), VRPSolution([])]


def holds(path: Path, read):
    """``read()`` loads (and scores trivial solutions) or raises an InputError naming ``path``."""
    try:
        problem = read()
    except InputError as exc:
        assert path.name in str(exc), f"the message does not name the file: {exc}"
        assert "\n" not in str(exc), f"not one line: {exc!r}"
        return None
    if isinstance(problem, VRPProblem):
        for solution in trivial_solutions(problem):
            problem.evaluate(solution)
    return problem


# ---------------------------------------------------------------- base files
def _first_nodes(text: str, k: int) -> str:
    """A TSPLIB/ORTEC text cut to its first ``k`` nodes (FULL_MATRIX rows cut to ``k`` columns)."""
    out, section, row = [], None, 0
    for line in text.splitlines():
        words = line.split()
        if words and not words[0].lstrip("-").replace(".", "").isdigit():
            section, row = words[0].rstrip(":"), 0
            out.append(f"DIMENSION : {k}" if section == "DIMENSION" else line)
        elif section == "EDGE_WEIGHT_SECTION":
            row += 1
            if row <= k:
                out.append("\t".join(words[:k]))
        elif section == "DEPOT_SECTION" or (words and int(words[0]) <= k):
            out.append(line)
    return "\n".join(out) + "\n"


def _solomon_text(problem: VRPProblem) -> str:
    """A Solomon file for a generated VRPTW (the project writes no Solomon files)."""
    vt = problem.vehicle_types[0]
    rows = [f"{i:5d} {x:10g} {y:10g} {problem.demand[i, 0]:10g} {a:10g} {b:10g} {s:10g}"
            for i, ((x, y), (a, b), s) in enumerate(zip(problem.coordinates, problem.time_windows,
                                                        problem.service_time))]
    return ("GEN\n\nVEHICLE\nNUMBER     CAPACITY\n"
            f"  {vt.count}  {vt.capacity[0]:g}\n\nCUSTOMER\n"
            "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"
            + "\n".join(rows) + "\n")


BASES: dict[str, tuple[Path, str]] = {}     # reader -> (the path its text is said to come from, the text)
SOL_PROBLEM: list[VRPProblem] = []


@pytest.fixture(scope="module", autouse=True)
def bases(tmp_path_factory):
    """Fill BASES (a module global rather than a fixture argument, so that hypothesis reports a
    failing example without the whole base text)."""
    BASES.update(_bases(tmp_path_factory.mktemp("fuzz")))
    sol_path = BASES["sol"][0]
    instance = sol_path.with_suffix(".vrp")
    SOL_PROBLEM.append(vrp_io.parse_vrp(instance, instance.read_text()))
    yield
    BASES.clear()
    SOL_PROBLEM.clear()


def _bases(tmp: Path) -> dict[str, tuple[Path, str]]:
    out: dict[str, tuple[Path, str]] = {}
    real = {"vrp": SHARED / "cvrp-small" / "A-n32-k5.vrp", "explicit": SHARED / "cvrp-small" / "E-n13-k4.vrp",
            "solomon": SHARED / "vrptw-solomon" / "C101.txt", "ortec": SHARED / ORTEC,
            "sol": SHARED / "cvrp-small" / "A-n32-k5.sol"}
    for key, path in real.items():
        if path.is_file():
            out[key] = (path, path.read_text())
    if "ortec" in out:      # its first 30 nodes, every section kept: a 259-node matrix is 20x slower a parse
        out["ortec"] = (out["ortec"][0], _first_nodes(out["ortec"][1], 30))
    if "vrp" not in out or "sol" not in out:
        p = routeopt.generate("cvrp", n=20, seed=3)
        path = routeopt.save(p, tmp / "gen.vrp")
        out["vrp"] = (path, path.read_text())
        from routeopt.instances.vrp.generate import feasible_solution
        sol = routeopt.save_solution(feasible_solution(p), tmp / "gen.sol", p)
        out["sol"] = (sol, sol.read_text())
    if "explicit" not in out:
        p = routeopt.generate("acvrp", n=10, seed=1)
        path = routeopt.save(p, tmp / "gen-explicit.vrp")
        out["explicit"] = (path, path.read_text())
    if "solomon" not in out:
        out["solomon"] = (tmp / "gen.txt", _solomon_text(routeopt.generate("vrptw", n=25, seed=2)))
    if "ortec" not in out:
        p = routeopt.generate("vrptw", n=40, seed=4)
        p.distance = p.duration = np.round(p.distance * 10)
        p.convention, p.precision = "explicit", 0
        path = routeopt.save(p, tmp / "gen-ortec.vrp")
        out["ortec"] = (tmp / "gen-ortec.txt", path.read_text())
    p = routeopt.generate("vrptw", n=12, seed=5)
    path = routeopt.save(p, tmp / "gen.json")
    out["json"] = (path, path.read_text())
    return out


def _vrp_reader(key: str, text: str):
    path = BASES[key][0]
    if not vrp_io.is_vrp_text(path, text):      # routeopt.load would try another family
        return lambda: None
    return lambda: vrp_io.parse_vrp(path, text)


# ---------------------------------------------------------------- the readers
def test_the_bases_load_as_they_are():
    for key, (path, text) in BASES.items():
        if key == "sol":
            continue
        if key == "json":
            problem = jsonio.read_problem(path, text)
        else:
            problem = vrp_io.parse_vrp(path, text)
        assert problem.num_clients > 0


@FUZZ
@given(mutations=MUTATIONS, which=st.sampled_from(["vrp", "explicit"]))
def test_fuzz_tsplib(mutations, which):
    text = mutate_lines(BASES[which][1], mutations)
    holds(BASES[which][0], _vrp_reader(which, text))


@FUZZ
@given(mutations=MUTATIONS)
def test_fuzz_solomon(mutations):
    text = mutate_lines(BASES["solomon"][1], mutations)
    holds(BASES["solomon"][0], _vrp_reader("solomon", text))


@FUZZ
@given(mutations=MUTATIONS)
def test_fuzz_ortec(mutations):
    text = mutate_lines(BASES["ortec"][1], mutations)
    holds(BASES["ortec"][0], _vrp_reader("ortec", text))


@FUZZ
@given(mutations=MUTATIONS)
def test_fuzz_sol(mutations):
    path, base = BASES["sol"]
    sol_problem = SOL_PROBLEM[0]
    text = mutate_lines(base, mutations)

    def read():
        solution, _ = vrp_sol.read_sol(path, text, sol_problem)
        sol_problem.evaluate(solution)
        return None
    holds(path, read)
    # the best-known check never raises: a bad .sol is not used, and the note says why
    problem = copy.copy(sol_problem)
    vrp_io.verify_best_known(problem, path, text, problem.convention)
    assert (problem.best_known is None) == (problem.best_known_note is not None and
                                            "not used" in problem.best_known_note)
    if problem.best_known is not None:
        assert problem.evaluate(vrp_sol.read_sol(path, text, problem)[0]).objective == problem.best_known


@FUZZ
@given(mutations=JSON_MUTATIONS)
def test_fuzz_json(mutations):
    path, base = BASES["json"]
    text = mutate_json(base, mutations)
    holds(path, lambda: jsonio.read_problem(path, text))

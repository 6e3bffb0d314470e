"""VRP files: which reader a text needs, and the best-known cost from the ``.sol`` beside it.

The formats themselves live beside this module: :mod:`.tsplib` (TSPLIB/CVRPLIB keywords, also
EURO-NeurIPS/ORTEC), :mod:`.solomon` (VEHICLE / CUSTOMER blocks), :mod:`.sol` (CVRPLIB solutions)
and :mod:`.tsplib_write`. ``routeopt.load`` comes here for ``.vrp .tsp .atsp .hcp .txt``.

A ``.sol`` beside an instance is verified before its cost is believed: its routes must be a
feasible solution of the instance as loaded, and its stated cost must be what those routes cost
under the file's own distances (or under exact, unrounded distances, as CVRPLIB states the BKS of
its CMT, Golden, Li and Taillard sets). ``best_known`` is then the routes' cost as this problem
scores them; ``best_known_note`` says where it came from, or why there is none.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...errors import InputError
from .._io import read_text
from . import sol, solomon, tsplib
from .distances import EDGE_WEIGHT_TYPES, pair_distances
from .problem import VRPProblem, VRPSolution

TSPLIB_SUFFIXES = (".vrp", ".tsp", ".atsp", ".hcp")
_REL_TOL = 1e-6
_WEIGHT_TYPE = re.compile(r"^\s*EDGE_WEIGHT_TYPE\s*:?\s*(\w+)", re.M | re.I)
_COST_TEXT = re.compile(r"^\s*cost\b\s*:?\s*([-+0-9.eE]+)\s*$", re.M | re.I)


def _is_solomon(path: Path, text: str) -> bool:
    """Solomon blocks in a file whose extension does not name TSPLIB."""
    return path.suffix.lower() not in TSPLIB_SUFFIXES and solomon.is_solomon(text)


def is_vrp_text(path: Path, text: str) -> bool:
    """Does ``text`` (from ``path``) hold a VRP the readers below take?"""
    return path.suffix.lower() in TSPLIB_SUFFIXES or solomon.is_solomon(text) or tsplib.is_tsplib(text)


def read_vrp(path: Path, text: str, convention: str | None = None) -> VRPProblem:
    """The VRP in ``text``, named after the file; ``best_known`` from a verified ``.sol`` beside it."""
    problem = parse_vrp(path, text, convention)
    problem.name = path.stem
    problem.source = str(path)
    beside = path.with_suffix(".sol")
    if beside != path and beside.is_file():
        try:
            sol_text = read_text(beside)
        except InputError as exc:
            problem.best_known_note = f"{beside.name} not used as best-known: {exc.message}"
        else:
            verify_best_known(problem, beside, sol_text, own_convention(path, text, problem, convention))
    return problem


def parse_vrp(path: Path, text: str, convention: str | None = None) -> VRPProblem:
    """The VRP in ``text`` (Solomon or TSPLIB/CVRPLIB/ORTEC), without looking for a ``.sol``."""
    if _is_solomon(path, text):
        return solomon.read_solomon(path, text, convention)
    return tsplib.read_tsplib(path, text, convention)


def own_convention(path: Path, text: str, problem: VRPProblem, convention: str | None) -> str:
    """The distance convention the file itself states (the one its ``.sol`` cost is under)."""
    if convention is None:
        return problem.convention
    if _is_solomon(path, text):
        return "dimacs"
    match = _WEIGHT_TYPE.search(text)
    return EDGE_WEIGHT_TYPES.get(match.group(1).upper(), problem.convention) if match else problem.convention


def verify_best_known(problem: VRPProblem, sol_path: Path, text: str, own: str) -> None:
    """Set ``problem.best_known`` (and ``best_known_note``) from the ``.sol`` ``text`` only when it
    checks out; see the module docstring. Never raises for a wrong ``.sol``: it is not used."""
    problem.best_known, problem.best_known_note = None, None
    name = sol_path.name

    def refuse(why: str) -> None:
        problem.best_known_note = f"{name} not used as best-known: {why}"

    try:
        solution, stated = sol.read_sol(sol_path, text, problem)
    except InputError as exc:
        return refuse(str(exc))
    if stated is None:
        return refuse("it states no Cost")
    evaluation = problem.evaluate(solution)
    if evaluation.violations:
        return refuse(f"its routes are not a feasible solution here ({evaluation.violations[0]})")
    here = evaluation.objective
    under = {problem.convention: here}
    for convention in {own, "exact"} - set(under):
        cost = _cost_under(problem, solution, evaluation, convention)
        if cost is not None:
            under[convention] = cost
    stated_text = f"{sol.format_cost(stated)}"
    if own in under and _same(stated, under[own]):
        problem.best_known = here
        if own != problem.convention:
            problem.best_known_note = (f"{name} states {stated_text} under the file's {own} distances; "
                                       f"best_known is the same routes under {problem.convention}")
        return None
    if own != "exact" and "exact" in under and _same(stated, under["exact"], _decimals(text)):
        problem.best_known = here
        problem.best_known_note = (f"{name} states {stated_text}, the cost of its routes under exact "
                                   f"(unrounded) distances; best_known is the same routes under this "
                                   f"problem's {problem.convention} distances")
        return None
    costs = ", ".join(f"{sol.format_cost(c)} ({k})" for k, c in under.items())
    return refuse(f"it states Cost {stated_text} but its routes cost {costs}")


def _same(stated: float, cost: float, decimals: int | None = None) -> bool:
    """Equal to 1e-6 relative; with ``decimals``, also equal once rounded as the file rounds."""
    tol = _REL_TOL * max(1.0, abs(cost))
    if decimals is not None:
        tol = max(tol, 0.5 * 10.0 ** -decimals + 1e-9)
    return abs(stated - cost) <= tol


def _decimals(text: str) -> int | None:
    """Decimals written in the ``Cost`` line (None: written in exponent form or absent)."""
    match = _COST_TEXT.search(text)
    if match is None or "e" in match.group(1).lower():
        return None
    return len(match.group(1).partition(".")[2])


def _cost_under(problem: VRPProblem, solution: VRPSolution, evaluation, convention: str) -> float | None:
    """The objective of ``solution`` (already evaluated) with its distances under ``convention``,
    from the coordinates along its routes only (no matrix); None without coordinates."""
    if problem.coordinates is None or convention in ("explicit", "hcp"):
        return None
    starts, ends = [], []
    for route in solution.routes:
        if route.visits:
            vt = problem.vehicle_types[route.vehicle_type]
            path = [vt.start_depot, *route.visits, vt.end_depot]
            starts += path[:-1]
            ends += path[1:]
    a, b = np.asarray(starts, dtype=int), np.asarray(ends, dtype=int)
    keep = a != b                      # the matrix diagonal is 0 under every convention
    try:
        distance = float(pair_distances(problem.coordinates[a[keep]], problem.coordinates[b[keep]],
                                        convention).sum())
    except ValueError:                 # a convention pair_distances does not know
        return None
    return round(evaluation.objective - evaluation.details["distance"] + distance, 9)

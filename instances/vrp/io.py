"""VRP files: which reader a text needs, and the best-known cost from the ``.sol`` beside it.

The formats themselves live beside this module: :mod:`.tsplib` (TSPLIB/CVRPLIB keywords, also
EURO-NeurIPS/ORTEC), :mod:`.solomon` (VEHICLE / CUSTOMER blocks), :mod:`.sol` (CVRPLIB solutions)
and :mod:`.tsplib_write`. ``routeopt.load`` comes here for ``.vrp .tsp .atsp .hcp .txt``.
"""

from __future__ import annotations

from pathlib import Path

from .._io import read_text
from . import sol, solomon, tsplib
from .problem import VRPProblem

TSPLIB_SUFFIXES = (".vrp", ".tsp", ".atsp", ".hcp")


def is_vrp_text(path: Path, text: str) -> bool:
    """Does ``text`` (from ``path``) hold a VRP the readers below take?"""
    return path.suffix.lower() in TSPLIB_SUFFIXES or solomon.is_solomon(text) or tsplib.is_tsplib(text)


def read_vrp(path: Path, text: str, convention: str | None = None) -> VRPProblem:
    """The VRP in ``text``, named after the file; ``best_known`` from a ``.sol`` beside it (its cost
    holds under the file's own distance convention only)."""
    problem = _parse(path, text, convention)
    problem.name = path.stem
    problem.source = str(path)
    beside = path.with_suffix(".sol")
    if beside.is_file():
        cost = sol.read_sol(beside, read_text(beside))[1]
        if cost is not None and (convention is None or _parse(path, text, None).convention == convention):
            problem.best_known = cost
    return problem


def _parse(path: Path, text: str, convention: str | None) -> VRPProblem:
    if path.suffix.lower() not in TSPLIB_SUFFIXES and solomon.is_solomon(text):
        return solomon.read_solomon(path, text, convention)
    return tsplib.read_tsplib(path, text, convention)

"""Reading and writing instances and solutions; the format follows the file's extension and content.

========================  ==================================================================
``.vrp .tsp .atsp .hcp``  TSPLIB / CVRPLIB (:mod:`.tsplib`)
``.txt``                  Solomon (VEHICLE / CUSTOMER blocks, :mod:`.solomon`) or VRPLIB-style
                          keywords as in EURO-NeurIPS/ORTEC (:mod:`.tsplib`)
``.json``                 our own ``to_dict`` with a ``family`` key (:mod:`.jsonio`)
``.sol``                  CVRPLIB solutions (:mod:`.sol`); ``.json`` solutions too
``.gr .osm .osm.bz2``     graphs for the ``paths`` family: DIMACS, OpenStreetMap, edge lists
``.edges`` (``.txt``)     (:mod:`.graphs`); they load as a ``PathProblem`` without queries
========================  ==================================================================

>>> p = load("X-n101-k25.vrp")                # doctest: +SKIP
>>> s = load_solution("X-n101-k25.sol", p)    # doctest: +SKIP
>>> p.evaluate(s).objective == p.best_known   # doctest: +SKIP
True

Every error is an :class:`~routeopt.errors.InputError` naming the file and the line or field.
Writing is atomic: a temporary file beside the target is renamed over it only when complete.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ..base import Problem, Solution
from ..vrp import VRP
from . import graphs, jsonio, sol, solomon, tsplib, tsplib_write
from ._io import atomic_write, read_text
from .distances import coordinate_distances

__all__ = ["load", "save", "load_solution", "read_solution", "save_solution", "coordinate_distances"]

TSPLIB_SUFFIXES = (".vrp", ".tsp", ".atsp", ".hcp")
INSTANCE_SUFFIXES = (*TSPLIB_SUFFIXES, ".txt", ".json", *graphs.SUFFIXES)


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputError(f"unknown {what} extension {suffix or '(none)'!r}; expected one of "
                         f"{', '.join(allowed)}", path=path)
    return suffix


def load(path: str | Path, *, convention: str | None = None) -> Problem:
    """Read an instance; a ``.sol`` with the same stem beside it sets ``best_known``.

    ``convention`` replaces a coordinate file's own Euclidean rounding (``round``, ``ceil``,
    ``floor``, ``exact``, ``dimacs``), e.g. ``exact`` for BKS computed without rounding.
    """
    path = Path(path)
    if graphs.graph_format(path) is not None:
        if convention is not None:
            raise InputError("convention applies to coordinate files, not to graphs", path=path)
        return _graph_problem(path, graphs.read_graph(path))
    _suffix(path, INSTANCE_SUFFIXES, "instance")
    text = read_text(path)
    problem = _read(path, text, convention)
    problem.name = path.stem
    if hasattr(problem, "source"):
        problem.source = str(path)
    beside = path.with_suffix(".sol")
    if beside.is_file() and isinstance(problem, VRP):
        cost = sol.read_sol(beside, read_text(beside))[1]
        # the .sol cost holds under the file's own convention only
        if cost is not None and (convention is None or _read(path, text, None).convention == convention):
            problem.best_known = cost
    return problem


def _read(path: Path, text: str, convention: str | None) -> Problem:
    suffix = path.suffix.lower()
    if suffix == ".json":
        if convention is not None:
            raise InputError("convention applies to coordinate files, not to .json", path=path)
        return jsonio.read_problem(path, text)
    if suffix in TSPLIB_SUFFIXES:
        return tsplib.read_tsplib(path, text, convention)
    if solomon.is_solomon(text):
        return solomon.read_solomon(path, text, convention)
    if tsplib.is_tsplib(text):
        return tsplib.read_tsplib(path, text, convention)
    if suffix == ".txt" and convention is None and graphs.is_edge_list(text):
        return _graph_problem(path, graphs.read_edge_list(path, text))
    raise InputError("cannot tell the format: expected Solomon VEHICLE/CUSTOMER blocks, VRPLIB "
                     "keywords (NAME : ..., EDGE_WEIGHT_SECTION) or an edge list ('U V [W]' lines)", path=path)


def _graph_problem(path: Path, graph) -> Problem:
    from ..paths import PathProblem
    name = path.name.split(".")[0] or path.stem
    return PathProblem(graph, name=name, source=str(path))


def save(problem: Problem, path: str | Path) -> Path:
    """Write ``.json`` (any problem), ``.vrp`` (CVRPLIB; VRPs it can represent) or ``.gr`` (the
    graph of a paths problem, with ``.co`` beside when it has coordinates) atomically."""
    path = Path(path)
    suffix = _suffix(path, (".json", ".vrp", ".gr"), "instance output")
    if suffix == ".json":
        atomic_write(path, [jsonio.format_problem(problem)])
    elif suffix == ".gr":
        graph = getattr(problem, "graph", None)
        if graph is None:
            raise InputError(f"only graphs can be saved as .gr, not {problem.family} instances", path=path)
        graphs.write_dimacs(graph, path)
    else:
        if not isinstance(problem, VRP):
            raise InputError(f"only VRP instances can be saved as .vrp, not {problem.family}", path=path)
        atomic_write(path, tsplib_write.format_vrp(problem, path))
    return path


def read_solution(path: str | Path, problem: Problem | None = None) -> tuple[Solution, float | None]:
    """A solution and the cost its file states (None when it states none)."""
    path = Path(path)
    suffix = _suffix(path, (".sol", ".json"), "solution")
    text = read_text(path)
    if suffix == ".json":
        return jsonio.read_solution(path, text, problem)
    if problem is not None and not isinstance(problem, VRP):
        raise InputError(f".sol files hold VRP solutions, not {problem.family}", path=path)
    return sol.read_sol(path, text, problem)


def load_solution(path: str | Path, problem: Problem | None = None) -> Solution:
    """Read a ``.sol`` or ``.json`` solution (numbered as ``problem``'s file when given)."""
    return read_solution(path, problem)[0]


def save_solution(solution: Solution, path: str | Path, problem: Problem | None = None) -> Path:
    """Write ``.sol`` or ``.json`` atomically; the cost is ``problem.evaluate(solution)`` when given."""
    path = Path(path)
    suffix = _suffix(path, (".sol", ".json"), "solution output")
    if suffix == ".json":
        atomic_write(path, [jsonio.format_solution(solution, problem)])
    else:
        if problem is not None and not isinstance(problem, VRP):
            raise InputError(f".sol files hold VRP solutions, not {problem.family}", path=path)
        atomic_write(path, sol.format_sol(solution, problem, path))
    return path

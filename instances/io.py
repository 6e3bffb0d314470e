"""Reading and writing instances and solutions of every family; the format follows the extension.

========================  ==========  ======================================================
extension                 family      format
========================  ==========  ======================================================
``.vrp .tsp .atsp .hcp``  vrp         TSPLIB / CVRPLIB (:mod:`.vrp.io`, :mod:`.vrp.tsplib`)
``.txt``                  vrp         Solomon (VEHICLE / CUSTOMER blocks), or VRPLIB keywords as in
                                      EURO-NeurIPS/ORTEC; paths: an edge list ``U V [W]``
``.sol``                  vrp         CVRPLIB solutions (:mod:`.vrp.sol`)
``.gr .edges .osm``       paths       DIMACS, edge lists, OpenStreetMap (``.osm.pbf`` too), ``.graphml``
                                      (:mod:`.paths.io`); a graph loads as a problem without queries
``.graphml .txt``         network     Topology Zoo GraphML (coordinates, link speeds), SNDlib native:
                                      a wide-area network with gravity or SNDlib traffic (:mod:`.network.io`)
``.npz``                  balance     NumPy archive: ``scores`` (tokens x experts), ``k``,
                                      ``capacity_factor``, optional ``placement`` (:mod:`.balance.io`)
``.json``                 any         ``Problem.to_dict()`` with its ``family`` key
                                      (:mod:`.jsonio`); the documented format of network instances
========================  ==========  ======================================================

>>> import tempfile, os, routeopt
>>> p = routeopt.generate("balance-gaussian", n=32, seed=0, m=4, k=2)
>>> path = save(p, os.path.join(tempfile.mkdtemp(), "b.npz"))
>>> load(path).fingerprint() == p.fingerprint()
True

Every error is an :class:`~routeopt.errors.InputError` naming the file and the line or field.
Writing is atomic: a temporary file beside the target is renamed over it only when complete.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ._io import atomic_write, read_text
from .base import Problem, Solution

__all__ = ["load", "save", "load_solution", "read_solution", "save_solution", "INSTANCE_SUFFIXES",
           "OUTPUT_SUFFIXES"]

TSPLIB_SUFFIXES = (".vrp", ".tsp", ".atsp", ".hcp")
GRAPH_SUFFIXES = (".gr", ".edges", ".edgelist", ".el", ".osm", ".pbf", ".graphml")
INSTANCE_SUFFIXES = (*TSPLIB_SUFFIXES, ".txt", ".json", ".npz", *GRAPH_SUFFIXES)
# what ``save`` writes, and for which family (None: any)
OUTPUT_SUFFIXES: dict[str, str | None] = {".json": None, ".vrp": "vrp", ".gr": "paths", ".osm": "paths",
                                          ".pbf": "paths", ".npz": "balance"}


def _function(target: str) -> Callable[..., Any]:
    """``"module:function"`` under routeopt.instances, imported when first needed."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(f"routeopt.instances.{module}"), name)


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputError(f"unknown {what} extension {suffix or '(none)'!r}; expected one of "
                         f"{', '.join(allowed)}", path=path)
    return suffix


def load(path: str | Path, *, convention: str | None = None) -> Problem:
    """Read an instance of any family; a ``.sol`` with the same stem beside a VRP file sets
    ``best_known``.

    ``convention`` replaces a coordinate file's own Euclidean rounding (``round``, ``ceil``,
    ``floor``, ``exact``, ``dimacs``), e.g. ``exact`` for BKS computed without rounding.
    """
    path = Path(path)
    if path.suffix.lower() in (".graphml", ".txt"):      # Topology Zoo / SNDlib: a wide-area network
        wan_text = read_text(path)
        if _function("network.io:is_wan_file")(path, wan_text):
            if convention is not None:
                raise InputError("convention applies to coordinate files, not to networks", path=path)
            return _function("network.io:load_wan")(path, wan_text)
    graph_format = _function("paths.io:graph_format")
    if graph_format(path) is not None:
        if convention is not None:
            raise InputError("convention applies to coordinate files, not to graphs", path=path)
        return _graph_problem(path, _function("paths.io:read_graph")(path))
    suffix = _suffix(path, INSTANCE_SUFFIXES, "instance")
    if suffix == ".npz":
        if convention is not None:
            raise InputError("convention applies to coordinate files, not to .npz", path=path)
        return _function("balance.io:read_npz")(path)
    text = read_text(path)
    if suffix == ".json":
        if convention is not None:
            raise InputError("convention applies to coordinate files, not to .json", path=path)
        problem = _function("jsonio:read_problem")(path, text)
        problem.name = path.stem                 # a file is known by its name, as for every format
        if hasattr(problem, "source"):
            problem.source = problem.source or str(path)
        return problem
    if _function("vrp.io:is_vrp_text")(path, text):
        return _function("vrp.io:read_vrp")(path, text, convention)
    if suffix == ".txt" and convention is None and _function("paths.io:is_edge_list")(text):
        return _graph_problem(path, _function("paths.io:read_edge_list")(path, text))
    raise InputError("cannot tell the format: expected Solomon VEHICLE/CUSTOMER blocks, VRPLIB "
                     "keywords (NAME : ..., EDGE_WEIGHT_SECTION) or an edge list ('U V [W]' lines)", path=path)


def _graph_problem(path: Path, graph: Any) -> Problem:
    from .paths.problem import PathsProblem
    name = path.name.split(".")[0] or path.stem
    return PathsProblem(graph, name=name, source=str(path))


def save(problem: Problem, path: str | Path) -> Path:
    """Write ``problem`` atomically: ``.json`` (any family), ``.vrp`` (CVRPLIB; VRPs it can
    represent), ``.gr`` (the graph of a paths problem, ``.co`` beside when it has coordinates),
    ``.osm.pbf``/``.osm`` (the graph of a paths problem in lon/lat, as OpenStreetMap) or ``.npz``
    (a balance problem)."""
    path = Path(path)
    suffix = _suffix(path, tuple(OUTPUT_SUFFIXES), "instance output")
    family = OUTPUT_SUFFIXES[suffix]
    if family is not None and problem.family != family:
        raise InputError(f"{suffix} files hold {family} instances, not {problem.family}; use .json",
                         path=path)
    if suffix == ".json":
        atomic_write(path, [_function("jsonio:format_problem")(problem)])
    elif suffix == ".gr":
        _function("paths.io:write_dimacs")(problem.graph, path)
    elif suffix in (".osm", ".pbf"):
        _function("paths.osm_write:write_osm")(problem.graph, path, source=getattr(problem, "source", None))
    elif suffix == ".npz":
        _function("balance.io:write_npz")(problem, path)
    else:
        atomic_write(path, _function("vrp.tsplib_write:format_vrp")(problem, path))
    return path


def read_solution(path: str | Path, problem: Problem | None = None) -> tuple[Solution, float | None]:
    """A solution and the cost its file states (None when it states none)."""
    path = Path(path)
    suffix = _suffix(path, (".sol", ".json"), "solution")
    text = read_text(path)
    if suffix == ".json":
        return _function("jsonio:read_solution")(path, text, problem)
    if problem is not None and problem.family != "vrp":
        raise InputError(f".sol files hold VRP solutions, not {problem.family}", path=path)
    return _function("vrp.sol:read_sol")(path, text, problem)


def load_solution(path: str | Path, problem: Problem | None = None) -> Solution:
    """Read a ``.sol`` or ``.json`` solution (numbered as ``problem``'s file when given)."""
    return read_solution(path, problem)[0]


def save_solution(solution: Solution, path: str | Path, problem: Problem | None = None) -> Path:
    """Write ``.sol`` or ``.json`` atomically; the cost is ``problem.evaluate(solution)`` when given."""
    path = Path(path)
    suffix = _suffix(path, (".sol", ".json"), "solution output")
    if suffix == ".json":
        atomic_write(path, [_function("jsonio:format_solution")(solution, problem)])
    else:
        if problem is not None and problem.family != "vrp":
            raise InputError(f".sol files hold VRP solutions, not {problem.family}", path=path)
        atomic_write(path, _function("vrp.sol:format_sol")(solution, problem, path))
    return path

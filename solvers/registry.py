"""Solver names, capability matching, the ``auto`` choice, and ``solve``.

Solvers are registered by import path so that listing them does not import OR-Tools, PyVRP or
torch; a solver module imports its library inside ``_solve``.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from pathlib import Path
import traceback
from typing import Any

from ..errors import RouteoptError, UnknownSolverError, UnsupportedError
from ..instances.base import Problem
from .base import Budget, Result, Solver, Status

_REGISTRY: dict[str, str] = {
    "pyvrp": "routeopt.solvers.vrp.pyvrp:PyVRPSolver",
    "ortools": "routeopt.solvers.vrp.ortools:ORToolsSolver",
    "vrp-milp": "routeopt.solvers.vrp.milp:MILPSolver",
    "local": "routeopt.solvers.vrp.local:LocalSearchSolver",
    "balance-milp": "routeopt.solvers.balance.milp:BalanceMILPSolver",
    "bip": "routeopt.solvers.balance.bip:BIPSolver",
    "lossfree": "routeopt.solvers.balance.lossfree:LossFreeSolver",
    "sinkhorn": "routeopt.solvers.balance.sinkhorn:SinkhornSolver",
    "balance-greedy": "routeopt.solvers.balance.greedy:GreedySolver",
    "expert-choice": "routeopt.solvers.balance.greedy:ExpertChoiceSolver",
    "llep": "routeopt.solvers.balance.spill:SpillSolver",
    "exact": "routeopt.solvers.balance.exact:ExactSolver",
    "am": "routeopt.neural.solver:AttentionModelSolver",
    "pomo": "routeopt.neural.solver:POMOSolver",
    "symnco": "routeopt.neural.solver:SymNCOSolver",
    "matnet": "routeopt.neural.solver:MatNetSolver",
    "pomo+ls": "routeopt.neural.solver:POMOLocalSearchSolver",
    "ecmp": "routeopt.solvers.network.ecmp:ECMPSolver",
    "spray": "routeopt.solvers.network.lp:SprayLPSolver",
    "split": "routeopt.solvers.network.split:MinimalSplitSolver",
    "network-greedy": "routeopt.solvers.network.greedy:GreedySolver",
    "network-milp": "routeopt.solvers.network.milp:UnsplittableMILPSolver",
    "mcf-lp": "routeopt.solvers.network.mcf:ArcLPSolver",
    "ksp-lp": "routeopt.solvers.network.ksp:KShortestPathsLPSolver",
    "shortest-path": "routeopt.solvers.network.shortest:ShortestPathSolver",
    # shortest paths (family "paths")
    "dijkstra": "routeopt.solvers.paths.dijkstra:DijkstraSolver",
    "bidijkstra": "routeopt.solvers.paths.bidirectional:BidirectionalDijkstraSolver",
    "bibfs": "routeopt.solvers.paths.bidirectional:BidirectionalBFSSolver",
    "astar": "routeopt.solvers.paths.astar:AStarSolver",
    "ch": "routeopt.solvers.paths.ch:CHSolver",
    "wormhole": "routeopt.solvers.paths.wormhole:WormHoleSolver",
    "penalty": "routeopt.solvers.paths.alternatives:PenaltySolver",
    "plateau": "routeopt.solvers.paths.alternatives:PlateauSolver",
    "yen": "routeopt.solvers.paths.alternatives:YenSolver",
}

# The naming rule: a solver is named after its method (lowercase, hyphens). A method implemented
# for several families is registered once per family as ``<family>-<method>``; its bare name
# (below) picks the implementation for the problem's family.
GENERIC: dict[str, dict[str, str]] = {
    "milp": {"vrp": "vrp-milp", "balance": "balance-milp", "network": "network-milp"},
    "greedy": {"balance": "balance-greedy", "network": "network-greedy"},
}

# ``auto``: exact first where it proves optimality within the budget, then the heuristics in
# order of solution quality measured on the X instances (PyVRP best, then our own, then OR-Tools).
_AUTO_ORDER: dict[str, list[str]] = {
    "vrp": ["pyvrp", "local", "ortools"],
    "network": ["spray", "split", "network-greedy", "ecmp"],
    "balance": ["bip", "balance-greedy"],
    # paths: one Dijkstra per source answers every query shape exactly with no index to build;
    # alternative routes by plateaus (locally optimal, two tree searches per pair)
    "paths": ["dijkstra", "plateau"],
}

# Largest sizes (clients) where the exact solver is the better choice, on a 2-core machine. TSP
# and CVRP run SCIP's branch-and-cut (benchmarks/results/exact.md): E-n13-k4 0.1 s, P-n16-k8 0.8 s,
# A-n32-k5 4 s, generated 30-client CVRPs 1-56 s, random TSP100 2-6 s. Up to these sizes it
# starts from local's answer, which already converges there within its share of the time, so
# an unfinished proof still returns that answer and a proved bound with it.
# CVRP: by predicted proof time instead (solvers/vrp/milp.py PROOF_SECONDS); the entry is for a
# CVRP the branch-price-and-cut does not take (fractional demands, an asymmetric matrix).
EXACT_SIZES: dict[str, int] = {"TSP": 100, "ATSP": 50, "CVRP": 30, "ACVRP": 12, "VRPTW": 12, "AVRPTW": 10}
EXACT_MIN_TIME = 5.0   # seconds; below this the heuristics answer better than a cut-short MILP


def register(name: str, target: str | type[Solver]) -> None:
    """Add a solver under ``name``: a class or a ``"module:Class"`` import path."""
    _REGISTRY[name] = target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def resolve(name: str, family: str | None = None) -> str:
    """The registered name ``name`` stands for: itself, or for a bare method name shared by
    several families (``milp``, ``greedy``) the one of ``family``.

    >>> resolve("milp", "balance"), resolve("pyvrp")
    ('balance-milp', 'pyvrp')
    """
    if name in GENERIC:
        choices = GENERIC[name]
        if family is None:
            raise UnknownSolverError(f"'{name}' names a method of several families; say which: "
                                     f"{', '.join(choices.values())}")
        if family not in choices:
            raise UnsupportedError(f"no {name} solver for {family} problems (there are: "
                                   f"{', '.join(choices.values())})")
        return choices[family]
    return name


def solver_class(name: str, family: str | None = None) -> type[Solver]:
    """The class of a registered name (a bare method name such as ``milp`` with ``family``), a
    ``"package.module:Class"`` import path, or a ``"path/to/file.py:Class"`` (a user's own
    solver, e.g. for ``routeopt compare``)."""
    name = resolve(name, family)
    if name not in _REGISTRY:
        if ":" in name:
            return _import_target(name)
        known = list(_REGISTRY) + list(GENERIC) + ["auto"]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UnknownSolverError(f"unknown solver '{name}'{hint} (known: {', '.join(sorted(known))})")
    return _import_target(_REGISTRY[name])


def solver_target(name: str) -> str:
    """What :func:`solver_class` needs to find ``name`` in another process: solvers registered
    at run time in this one are unknown there, so pass their import path instead."""
    return _REGISTRY.get(name, name)


def _import_target(target: str) -> type[Solver]:
    where, _, cls_name = target.rpartition(":")
    try:
        if where.endswith(".py"):
            path = Path(where).resolve()
            if not path.is_file():
                raise UnknownSolverError(f"solver file {where} not found")
            module_name = f"routeopt_user_{path.stem}_{abs(hash(str(path))):x}"
            module = sys.modules.get(module_name)
            if module is None:
                spec = importlib.util.spec_from_file_location(module_name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(module_name, None)     # not half-imported on the next call
                    raise
        else:
            module = importlib.import_module(where)
    except SyntaxError as exc:
        raise UnknownSolverError(f"{exc.filename}:{exc.lineno}: syntax error in solver file: {exc.msg}") from None
    except ImportError as exc:
        raise UnknownSolverError(f"cannot import solver '{target}': {exc}") from None
    cls = getattr(module, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Solver)):
        raise UnknownSolverError(f"'{target}' is not a routeopt Solver class")
    return cls


def solver_names() -> list[str]:
    """Every registered name, without importing any solver module."""
    return sorted(_REGISTRY)


def list_solvers(family: str | None = None) -> list[dict[str, Any]]:
    """Each registered solver's name, family, kind and declared support."""
    out = [solver_class(n).describe() for n in sorted(_REGISTRY)]
    return [d for d in out if family is None or d["family"] == family]


def choose(problem: Problem, budget: Budget | None = None) -> str:
    """The ``auto`` rule.

    1. ``vrp-milp`` for a CVRP whose predicted proof time (``vrp.milp.predicted_proof_seconds``:
       clients and fleet tightness, measured here) fits the time limit; for the other variants
       when the size is in ``EXACT_SIZES`` and the time limit is at least ``EXACT_MIN_TIME``. The
       answer then comes with a proof, and is never worse than ``local``'s, which it starts from.
    2. On a network where equal-cost paths are not all the routes (a wide-area network), ``mcf-lp``.
    3. Otherwise the first registered solver of ``_AUTO_ORDER[family]`` that supports the instance.
    """
    budget = budget or Budget()
    limit = EXACT_SIZES.get(problem.variant)
    exact = False
    if problem.family == "vrp" and "vrp-milp" in _REGISTRY:
        from .vrp.milp import predicted_proof_seconds
        predicted = predicted_proof_seconds(problem)
        if predicted is not None:
            exact = predicted <= budget.time_limit
        else:
            exact = limit is not None and problem.size <= limit and budget.time_limit >= EXACT_MIN_TIME
    if exact:
        try:
            solver_class("vrp-milp")().check(problem)
            return "vrp-milp"
        except UnsupportedError:
            pass
    order = _AUTO_ORDER.get(problem.family, [])
    if problem.family == "network" and "mcf-lp" in _REGISTRY:
        from .network.lp import paths_suffice
        if not paths_suffice(problem):
            # a wide-area network: equal-cost paths are not all the routes, and spraying over
            # them alone was measured 1.85x the optimum (geometric mean, 10 Topology Zoo networks)
            order = ["mcf-lp", *order]
    reasons = []
    for name in order:
        if name not in _REGISTRY:
            continue
        try:
            solver_class(name)().check(problem)
            return name
        except UnsupportedError as exc:
            reasons.append(str(exc))
    raise UnsupportedError(f"no solver supports {problem.variant} instance '{problem.name}': "
                           + "; ".join(reasons))


def get_solver(name: str, problem: Problem | None = None, budget: Budget | None = None,
               **options: Any) -> Solver:
    if name == "auto":
        if problem is None:
            raise UnsupportedError("solver 'auto' needs the problem to choose for")
        name = choose(problem, budget)
    return solver_class(name, None if problem is None else problem.family)(**options)


def solve(problem: Problem, solver: str | Solver = "auto", *, time_limit: float = 10.0,
          seed: int = 0, threads: int = 1, **options: Any) -> Result:
    """Solve ``problem`` and return a ``Result`` whose answer the problem itself has scored.

    Raises ``RouteoptError`` for what the caller can fix (unknown solver, unsupported feature);
    a crash inside the solver becomes a result with status ERROR.

    >>> import routeopt
    >>> p = routeopt.generate("tsp", n=8, seed=0)
    >>> routeopt.solve(p, solver="pyvrp", time_limit=0.2).status.value
    'FEASIBLE'
    """
    budget = Budget(time_limit=time_limit, seed=seed, threads=threads)
    s = solver if isinstance(solver, Solver) else get_solver(solver, problem, budget, **options)
    s.check(problem)
    try:
        result = s.solve(problem, budget)
    except RouteoptError:
        raise
    except Exception as exc:  # a solver bug must not take the caller down
        result = Result(s.name, problem.name, Status.ERROR, message=f"{type(exc).__name__}: {exc}",
                        metadata={"traceback": traceback.format_exc()})
    return finalize(problem, result, s)


def finalize(problem: Problem, result: Result, solver: Solver | None = None) -> Result:
    """Re-score the answer with ``problem.evaluate``: the single source of truth."""
    result.best_known = problem.best_known
    result.sense = problem.sense
    if solver is not None:
        result.metadata.setdefault("solver_version", solver.version())
    if result.solution is None:
        if result.status in (Status.OPTIMAL, Status.FEASIBLE):
            result.status = Status.NO_SOLUTION
        result.objective = None
        return result
    evaluation = problem.evaluate(result.solution)
    if result.objective is not None:
        result.metadata["claimed_objective"] = result.objective
    result.objective = evaluation.objective
    result.violations = evaluation.violations
    result.metadata.update({k: v for k, v in evaluation.details.items() if k != "vehicles_by_type"})
    if evaluation.violations:
        result.status = Status.INFEASIBLE
    elif result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        result.status = Status.FEASIBLE
    return result

"""routeopt: combinatorial routing problems defined once, solved many ways, checked by the problem.

>>> import routeopt
>>> p = routeopt.generate("cvrp", n=20, seed=0)
>>> r = routeopt.solve(p, solver="pyvrp", time_limit=1)
>>> r.status.value, r.violations
('FEASIBLE', [])
"""

from .errors import InputError, RouteoptError, UnknownSolverError, UnsupportedError
from .instances.balance import BalanceProblem, BalanceSolution
from .instances.base import Evaluation, Problem, Solution, Violation
from .instances.generate import generate
from .instances.io import load, load_solution, save, save_solution
from .instances.network import NetworkProblem, NetworkSolution
from .instances.paths import Graph, PathsProblem, PathsSolution, from_road_network
from .instances.vrp import VRP, Route, VehicleType, VRPProblem, VRPSolution
from .solvers.base import Budget, Option, Result, Solver, Status
from .solvers.compare import Report, compare
from .solvers.paths.road_vrp import road_vrp
from .solvers.registry import list_solvers, register, solve

__version__ = "0.1.0"

__all__ = [
    "load", "save", "load_solution", "save_solution", "generate", "solve", "compare", "Report",
    "list_solvers", "register",
    "Problem", "Solution", "Evaluation", "Violation",
    "VRPProblem", "VRPSolution", "VRP", "VehicleType", "Route",
    "PathsProblem", "PathsSolution", "Graph", "from_road_network", "road_vrp",
    "BalanceProblem", "BalanceSolution", "NetworkProblem", "NetworkSolution",
    "Budget", "Option", "Result", "Solver", "Status",
    "RouteoptError", "InputError", "UnsupportedError", "UnknownSolverError", "__version__",
]

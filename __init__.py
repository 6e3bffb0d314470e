"""routeopt: combinatorial routing problems defined once, solved many ways, checked by the problem.

>>> import routeopt
>>> p = routeopt.generate("cvrp", n=20, seed=0)
>>> r = routeopt.solve(p, solver="pyvrp", time_limit=1)
>>> r.status.value, r.violations
('FEASIBLE', [])
"""

from .errors import InputError, RouteoptError, UnknownSolverError, UnsupportedError
from .instances.base import Evaluation, Problem, Violation
from .instances.formats import load, save, save_solution, load_solution
from .instances.generate import generate
from .instances.vrp import VRP, Route, Solution, VehicleType
from .solvers.base import Budget, Result, Solver, Status
from .solvers.compare import Report, compare
from .solvers.registry import list_solvers, register, solve

__version__ = "0.1.0"

__all__ = [
    "load", "save", "load_solution", "save_solution", "generate", "solve", "compare", "Report",
    "list_solvers", "register",
    "Problem", "Evaluation", "Violation", "VRP", "VehicleType", "Route", "Solution",
    "Budget", "Result", "Solver", "Status",
    "RouteoptError", "InputError", "UnsupportedError", "UnknownSolverError", "__version__",
]

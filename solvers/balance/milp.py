"""Exact token-to-expert assignment as a binary integer program, solved by HiGHS.

``max sum s_ij x_ij`` s.t. ``sum_j x_ij = k`` (each token), ``sum_i x_ij <= C`` (each expert),
``x_ij in {0, 1}``. The constraint matrix is that of a bipartite graph, hence totally unimodular:
the LP relaxation has an integral optimum and its value is the bound reported. The model goes to
highspy in bulk as numpy arrays: with ``n * m`` binaries, PuLP's one Python object per variable
costs far more than the solve itself.

>>> import numpy as np
>>> from routeopt.instances.balance import BalanceProblem
>>> from routeopt.solvers.registry import solve
>>> r = solve(BalanceProblem(np.array([[3., 1.], [2., 0.]]), k=1), "balance-milp")
>>> r.status.value, r.objective, r.bound
('OPTIMAL', 3.0, 3.0)
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...errors import UnsupportedError
from ...instances.balance.problem import BalanceProblem, BalanceSolution
from ..base import Budget, Result, Solver, Status
from ..highs import session

__all__ = ["BalanceMILPSolver", "MAX_PAIRS"]

MAX_PAIRS = 1 << 23     # token-expert pairs (binaries); 32768 x 256 is the largest benchmark size


class BalanceMILPSolver(Solver):
    """Exact BIP (highspy): LP relaxation first (its value is ``bound``), then the MIP."""

    name = "balance-milp"
    family = "balance"
    kind = "exact"
    supports = frozenset({"devices"})
    library = "highspy"
    description = "Exact binary integer program (HiGHS); LP bound; at most 2^23 token-expert pairs."

    def check(self, problem) -> None:
        super().check(problem)
        pairs = problem.num_tokens * problem.num_experts
        if pairs > MAX_PAIRS:
            raise UnsupportedError(f"solver '{self.name}' handles at most {MAX_PAIRS} token-expert pairs; "
                                   f"'{problem.name}' has {problem.num_tokens} x {problem.num_experts} = "
                                   f"{pairs}: use 'exact' (same optimum) or 'bip'")

    def _solve(self, problem: BalanceProblem, budget: Budget) -> Result:
        import highspy

        start = time.perf_counter()
        n, m, k, cap = problem.num_tokens, problem.num_experts, problem.k, problem.capacity
        N = n * m
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = N, n + m
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = problem.scores.ravel()
        lp.col_lower_ = np.zeros(N)
        lp.col_upper_ = np.ones(N)
        lp.row_lower_ = np.concatenate([np.full(n, float(k)), np.full(m, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([np.full(n, float(k)), np.full(m, float(cap))])
        # column i*m + j has a 1 in token row i and in expert row n + j
        rows = np.empty(2 * N, dtype=np.int32)
        rows[0::2] = np.repeat(np.arange(n, dtype=np.int32), m)
        rows[1::2] = n + np.tile(np.arange(m, dtype=np.int32), n)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, 2 * N + 1, 2, dtype=np.int32)
        lp.a_matrix_.index_ = rows
        lp.a_matrix_.value_ = np.ones(2 * N)

        h = session(max(0.05, budget.time_limit - (time.perf_counter() - start)), budget.threads, budget.seed)
        h.passModel(lp)
        h.run()
        meta: dict = {"pairs": N}
        bound = None
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            bound = float(h.getInfo().objective_function_value)
            meta["lp_bound"] = bound
        elif h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return Result(self.name, problem.name, Status.INFEASIBLE, metadata=meta,
                          message="the LP relaxation is infeasible: no assignment fits the capacity")
        x = np.asarray(h.getSolution().col_value)
        if bound is not None and x.size == N and np.all(np.abs(x - np.rint(x)) < 1e-6):
            meta["integral_lp"] = True          # the usual case: a simplex vertex is integral here
        else:
            left = budget.time_limit - (time.perf_counter() - start)
            if left <= 0.05:
                return Result(self.name, problem.name, Status.NO_SOLUTION, bound=bound, metadata=meta,
                              message="time limit reached in the LP relaxation")
            h.changeColsIntegrality(N, np.arange(N, dtype=np.int32),
                                    np.full(N, highspy.HighsVarType.kInteger))
            h.setOptionValue("time_limit", left)
            h.run()
            info = h.getInfo()
            if info.primal_solution_status != 2:
                return Result(self.name, problem.name, Status.NO_SOLUTION, bound=bound, metadata=meta,
                              message="no integer solution within the time limit")
            x = np.asarray(h.getSolution().col_value)
            if math.isfinite(info.mip_dual_bound):
                bound = min(bound, info.mip_dual_bound) if bound is not None else info.mip_dual_bound
        chosen = np.rint(x).reshape(n, m) > 0.5
        # exactly k per token when the model is solved; argsort keeps the shape even if not
        experts = np.argsort(~chosen, axis=1, kind="stable")[:, :k]
        objective = float(problem.scores[chosen].sum())
        proved = bound is not None and objective >= bound - 1e-6 * max(1.0, abs(bound))
        return Result(self.name, problem.name, Status.OPTIMAL if proved else Status.FEASIBLE,
                      objective=objective, bound=bound, solution=BalanceSolution(experts), metadata=meta)

"""Progress curves (seconds, objective) in the problem's own units.

OR-Tools, PyVRP and ``local`` see an integer cost: distances scaled by ``scale`` and, for
preferences, a shift of ``w * (top - preference)`` on every arc entering a client (see
``common``). That integer cost differs from ``problem.evaluate``'s objective by a constant
(``w * top * clients``, plus rounding), so the curve is recorded cheaply in integer units during
the search and moved onto the objective afterwards, anchored at the final answer: the last point
of the curve is then exactly the objective the table reports.
"""

from __future__ import annotations

import math

from ...instances.vrp.problem import VRPProblem, VRPSolution


def in_objective_units(problem: VRPProblem, points: list[tuple[float, float]], scale: float,
                       final_cost: float | None, solution: VRPSolution | None) -> list[tuple[float, float]]:
    """``points`` ((seconds, integer cost) of each improvement) as (seconds, objective).

    ``final_cost`` is the integer cost of ``solution``, the answer returned; when it is the last
    point, the whole curve is shifted so that its end equals ``problem.evaluate(solution)``.
    """
    out = [(float(t), float(c) / scale) for t, c in points]
    if not out or solution is None or final_cost is None:
        return out
    if not math.isclose(float(final_cost), float(points[-1][1]), rel_tol=1e-12, abs_tol=0.5):
        return out          # the answer is not the last improvement (no feasible one, say)
    try:
        objective = float(problem.evaluate(solution).objective)
    except Exception:
        return out
    if not math.isfinite(objective):
        return out
    shift = objective - float(final_cost) / scale
    out = [(t, c + shift) for t, c in out]
    out[-1] = (out[-1][0], objective)
    return out


__all__ = ["in_objective_units"]

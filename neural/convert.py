"""Unified :class:`~routeopt.instances.vrp.VRP` instances to rl4co TensorDicts, and tours back.

rl4co's environments expect instances in normalised units; routeopt scores answers in the
instance's own units. The conversion keeps what is needed to map back:

- ``tsp``, ``cvrp``, ``vrptw``: coordinates are shifted to the origin and divided by the larger
  side of their bounding box (``Scaling.scale``), so they lie in the unit square with the aspect
  ratio kept; a tour length in those units times ``scale`` is the length in the instance's units.
  Demands are divided by the vehicle capacity. Time windows and service times are shifted by the
  depot's opening time and divided by the same ``scale`` (travel time = distance, as in Solomon).
- ``atsp``, ``acvrp``: the distance matrix is divided by its largest entry (``scale``), the
  MatNet input; demands as above.

Node numbers are the same on both sides: node 0 is the depot (or city 0 of a TSP), then the
clients in order. A policy's tour goes back to a :class:`Solution` of the original instance with
:func:`to_solution`: depot visits split routes, the zero padding at the end is dropped and a TSP
tour is rotated to start at node 0.

>>> from routeopt.instances.generate import generate
>>> p = generate("cvrp", n=10, seed=0)
>>> td, scales = to_tensordict([p])
>>> sorted(td.keys()), td["locs"].shape
(['capacity', 'demand', 'depot', 'locs'], torch.Size([1, 10, 2]))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..errors import UnsupportedError
from ..instances.vrp.problem import VRPProblem, Route, VRPSolution

# The rl4co-side problem types and the environment each one runs in (``acvrp`` is ours).
KINDS = ("tsp", "cvrp", "vrptw", "atsp", "acvrp")
ENV_NAMES = {"tsp": "tsp", "cvrp": "cvrp", "vrptw": "cvrptw", "atsp": "atsp", "acvrp": "acvrp"}
MATRIX_KINDS = frozenset({"atsp", "acvrp"})
DEPOT_KINDS = frozenset({"cvrp", "vrptw", "acvrp"})   # node 0 is a depot the tour returns to
# where training instances come from: routeopt's generators, or rl4co's own (tsp, cvrp, atsp)
DATA_SOURCES = ("routeopt", "rl4co")
RL4CO_DATA_KINDS = ("tsp", "cvrp", "atsp")
_VARIANT_KIND = {"TSP": "tsp", "ATSP": "atsp", "CVRP": "cvrp", "ACVRP": "acvrp", "VRPTW": "vrptw"}


@dataclass(frozen=True)
class Scaling:
    """How one instance was normalised: original = normalised * ``scale`` (+ offsets)."""

    scale: float
    offset: tuple[float, float] = (0.0, 0.0)   # coordinates subtracted before scaling
    time_offset: float = 0.0                    # the depot's opening time, subtracted from times

    def cost(self, normalised: float) -> float:
        """A tour length in the instance's units."""
        return float(normalised) * self.scale


def kind_of(problem: VRPProblem, matrix: bool = False) -> str:
    """The rl4co problem type that can take ``problem``; ``matrix=True`` asks for the MatNet
    input (a TSP or CVRP then goes through the matrix environments too).

    Raises :class:`UnsupportedError` naming what stands in the way.
    """
    if not isinstance(problem, VRPProblem):
        raise UnsupportedError(f"neural solvers take VRP instances, not {type(problem).__name__}")
    kind = _VARIANT_KIND.get(problem.variant)
    if kind is None:
        extra = sorted(problem.features - {"capacity", "time_windows", "service_times", "asymmetric"})
        why = f" (it has {', '.join(extra)})" if extra else ""
        raise UnsupportedError(f"neural solvers take TSP, ATSP, CVRP, ACVRP and VRPTW instances; "
                               f"'{problem.name}' is {problem.variant}{why}")
    if problem.num_depots != 1 or len(problem.vehicle_types) != 1:
        raise UnsupportedError(f"'{problem.name}': neural solvers need one depot and one vehicle type")
    if matrix:
        if kind == "vrptw":
            raise UnsupportedError(f"'{problem.name}': no matrix (MatNet) model for time windows")
        return {"tsp": "atsp", "cvrp": "acvrp"}.get(kind, kind)
    if kind in ("tsp", "cvrp", "vrptw") and problem.coordinates is None:
        raise UnsupportedError(f"'{problem.name}' has no coordinates, which the {kind.upper()} "
                               f"attention models need; use solver 'matnet' (matrix input)")
    if kind == "vrptw" and not np.allclose(problem.duration, problem.distance):
        raise UnsupportedError(f"'{problem.name}': travel times differ from distances, which the "
                               f"VRPTW attention model assumes equal")
    return kind


def neural_size(problem: VRPProblem, kind: str) -> int:
    """The ``num_loc`` rl4co uses: cities for TSP/ATSP, clients for the depot problems."""
    return problem.num_nodes if kind in ("tsp", "atsp") else problem.num_clients


def _capacity(problem: VRPProblem) -> float:
    cap = problem.vehicle_types[0].capacity
    if not cap or cap[0] <= 0:
        raise UnsupportedError(f"'{problem.name}': capacitated models need a positive capacity")
    return float(cap[0])


def _coordinates(problem: VRPProblem) -> tuple[np.ndarray, Scaling]:
    xy = np.asarray(problem.coordinates, dtype=float)
    low = xy.min(axis=0)
    scale = float((xy.max(axis=0) - low).max())
    scale = scale if scale > 0 else 1.0
    return (xy - low) / scale, Scaling(scale=scale, offset=(float(low[0]), float(low[1])))


def _one(problem: VRPProblem, kind: str) -> tuple[dict[str, np.ndarray], Scaling]:
    """The generator-style fields of one instance (numpy), before ``env.reset``."""
    if kind in MATRIX_KINDS:
        d = np.asarray(problem.distance, dtype=float)
        scale = float(d.max()) if d.max() > 0 else 1.0
        out = {"cost_matrix": d / scale}
        if kind == "acvrp":
            cap = _capacity(problem)
            out["demand"] = problem.demand[1:, 0] / cap
            out["capacity"] = np.array([cap])
        return out, Scaling(scale=scale)
    xy, scaling = _coordinates(problem)
    if kind == "tsp":
        return {"locs": xy}, scaling
    cap = _capacity(problem)
    out = {"locs": xy[1:], "depot": xy[0], "demand": problem.demand[1:, 0] / cap,
           "capacity": np.array([cap])}
    if kind == "vrptw":
        tw = np.asarray(problem.time_windows, dtype=float)
        t0 = float(tw[0, 0])
        late = np.where(np.isfinite(tw[:, 1]), tw[:, 1], tw[0, 1])
        windows = np.stack([np.maximum(tw[:, 0] - t0, 0.0), late - t0], axis=1) / scaling.scale
        service = (problem.service_time if problem.service_time is not None
                   else np.zeros(problem.num_nodes)) / scaling.scale
        service = np.asarray(service, dtype=float).copy()
        service[0] = 0.0
        reach = np.hypot(*(xy[1:] - xy[0]).T)
        late_clients = np.flatnonzero(reach > windows[1:, 1] + 1e-9)
        if late_clients.size:
            # The environment would have no move left for such a client and decode forever.
            i = int(late_clients[0]) + 1
            raise UnsupportedError(f"'{problem.name}': client {i} cannot be reached from the depot "
                                   f"before its time window closes (straight-line distance); the "
                                   f"VRPTW attention model needs every client reachable")
        # rl4co masks the depot when the vehicle would return after it closes; with rounded or
        # truncated instance distances that can leave no move at all (and NaN probabilities), so
        # the environment never closes the depot: evaluate() still checks the real return times.
        windows[0, 1] = windows[:, 1].max() + 2.0 * float(reach.max(initial=0.0)) + 1.0
        out["time_windows"] = windows
        out["durations"] = service
        scaling = Scaling(scale=scaling.scale, offset=scaling.offset, time_offset=t0)
    return out, scaling


def to_tensordict(problems: Sequence[VRPProblem], kind: str | None = None, device: Any = "cpu"):
    """One TensorDict for a batch of instances of the same kind and size, and their scalings.

    ``kind`` defaults to :func:`kind_of` of the first instance; every instance must map to it
    and to the same ``num_loc``. The TensorDict has the fields the rl4co generator of that
    kind produces, so ``env.reset(td)`` takes it as it is.
    """
    import torch
    from tensordict import TensorDict

    if not problems:
        raise ValueError("to_tensordict needs at least one instance")
    kind = kind or kind_of(problems[0])
    if kind not in KINDS:
        raise UnsupportedError(f"unknown neural problem kind '{kind}' (known: {', '.join(KINDS)})")
    fields: dict[str, list[np.ndarray]] = {}
    scalings = []
    size = None
    for p in problems:
        want = kind_of(p, matrix=kind in MATRIX_KINDS)
        if want != kind:
            raise UnsupportedError(f"'{p.name}' is a {want.upper()} instance, not {kind.upper()}")
        n = neural_size(p, kind)
        if size is not None and n != size:
            raise UnsupportedError(f"a batch holds instances of one size: '{p.name}' has {n}, "
                                   f"the first had {size}")
        size = n
        one, scaling = _one(p, kind)
        for key, value in one.items():
            fields.setdefault(key, []).append(np.asarray(value, dtype=np.float32))
        scalings.append(scaling)
    data = {k: torch.as_tensor(np.stack(v), device=device) for k, v in fields.items()}
    return TensorDict(data, batch_size=[len(problems)], device=device), scalings


def to_solution(problem: VRPProblem, tour: Sequence[int], kind: str) -> VRPSolution:
    """The :class:`Solution` of ``problem`` that a policy's action sequence ``tour`` describes."""
    tour = [int(a) for a in np.asarray(tour).ravel()]
    if kind in ("tsp", "atsp"):
        if not tour:
            return VRPSolution([])
        k = tour.index(0) if 0 in tour else 0
        ordered = tour[k:] + tour[:k]
        return VRPSolution([Route([c for c in ordered if c != 0])])
    routes, current = [], []
    for a in tour:
        if a == 0:
            if current:
                routes.append(Route(current))
            current = []
        else:
            current.append(a)
    if current:
        routes.append(Route(current))
    return VRPSolution(routes)


def to_actions(problem: VRPProblem, solution: VRPSolution, kind: str) -> list[int]:
    """The action sequence that makes an rl4co environment follow ``solution`` (for checks)."""
    if kind in ("tsp", "atsp"):
        visits = [c for r in solution.routes for c in r.visits]
        return [0, *visits]
    actions: list[int] = []
    for r in solution.routes:
        if r.visits:
            actions.extend([*r.visits, 0])
    return actions


__all__ = ["KINDS", "ENV_NAMES", "MATRIX_KINDS", "Scaling", "kind_of", "neural_size",
           "to_tensordict", "to_solution", "to_actions"]

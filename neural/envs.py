"""rl4co environments for the neural problem kinds, and where their training instances come from.

Training data (``data=``):

- ``"routeopt"`` (default): each instance is drawn by :func:`routeopt.generate` with a fresh seed
  and converted by :mod:`.convert`, exactly as an instance given to the solver is. The models then
  learn the distribution the project generates and benchmarks (X-like CVRP, Solomon-like VRPTW,
  MatNet ATSP), in the same normalised units they are later applied in.
- ``"rl4co"``: rl4co's own generators (uniform unit square; Kool et al.'s CVRP capacities), for
  TSP, CVRP and ATSP only, to compare with published numbers.

``acvrp`` is not in rl4co: :class:`ACVRPEnv` is its CVRP environment with travel costs read from
an (asymmetric) matrix instead of coordinates, the input of a MatNet encoder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from tensordict import TensorDict
from torchrl.data import Bounded, Composite, Unbounded

from rl4co.envs import ATSPEnv, CVRPEnv, CVRPTWEnv, TSPEnv
from rl4co.envs.routing.atsp.generator import ATSPGenerator
from rl4co.envs.routing.cvrp.generator import CVRPGenerator
from rl4co.envs.routing.cvrptw.generator import CVRPTWGenerator
from rl4co.envs.routing.tsp.generator import TSPGenerator

from ..errors import UnsupportedError
from .convert import DATA_SOURCES, KINDS, RL4CO_DATA_KINDS, to_tensordict



class ACVRPEnv(CVRPEnv):
    """CVRP whose travel costs come from ``cost_matrix`` (depot first), for MatNet.

    Fields before reset: ``cost_matrix`` [B, n+1, n+1], ``demand`` [B, n] (over capacity).
    """

    name = "acvrp"

    def _reset(self, td: TensorDict | None = None, batch_size: list | None = None) -> TensorDict:
        device = td.device
        n = td["demand"].shape[-1]
        td_reset = TensorDict(
            {
                "cost_matrix": td["cost_matrix"],
                "demand": td["demand"],
                "current_node": torch.zeros(*batch_size, 1, dtype=torch.long, device=device),
                "used_capacity": torch.zeros((*batch_size, 1), device=device),
                "vehicle_capacity": torch.full((*batch_size, 1), self.generator.vehicle_capacity,
                                               device=device),
                "visited": torch.zeros((*batch_size, n + 1), dtype=torch.uint8, device=device),
            },
            batch_size=batch_size,
        )
        td_reset.set("action_mask", self.get_action_mask(td_reset))
        return td_reset

    def _get_reward(self, td: TensorDict, actions: torch.Tensor) -> torch.Tensor:
        # Tour from the depot through ``actions`` and back: depot -> a0 -> ... -> a_last -> depot.
        zeros = torch.zeros_like(actions[:, :1])
        path = torch.cat([zeros, actions, zeros], dim=1)
        batch = torch.arange(actions.shape[0], device=actions.device)[:, None]
        return -td["cost_matrix"][batch, path[:, :-1], path[:, 1:]].sum(-1)

    def get_num_starts(self, td: TensorDict) -> int:
        return td["action_mask"].shape[-1] - 1          # every client, not the depot

    def _make_spec(self, generator: Any) -> None:
        n = generator.num_loc
        self.observation_spec = Composite(
            cost_matrix=Bounded(low=0.0, high=1.0, shape=(n + 1, n + 1), dtype=torch.float32),
            current_node=Unbounded(shape=(1,), dtype=torch.int64),
            demand=Bounded(low=0.0, high=1.0, shape=(n,), dtype=torch.float32),
            action_mask=Unbounded(shape=(n + 1,), dtype=torch.bool),
            shape=(),
        )
        self.action_spec = Bounded(shape=(1,), dtype=torch.int64, low=0, high=n + 1)
        self.reward_spec = Unbounded(shape=(1,))
        self.done_spec = Unbounded(shape=(1,), dtype=torch.bool)


class ACVRPMatNetInit(torch.nn.Module):
    """MatNet's initial embeddings for :class:`ACVRPEnv`: rows and columns both start from each
    node's demand and a depot flag; columns get MatNet's random one-hot code on top (so
    ``embed_dim`` must be at least the number of nodes)."""

    def __init__(self, embed_dim: int):
        super().__init__()
        self.embed_dim = embed_dim
        self.row = torch.nn.Linear(2, embed_dim)
        self.col = torch.nn.Linear(2, embed_dim)

    def forward(self, td: TensorDict):
        dmat = td["cost_matrix"]
        b, n, _ = dmat.shape
        demand = torch.cat([torch.zeros_like(td["demand"][:, :1]), td["demand"]], -1)
        flag = torch.zeros_like(demand)
        flag[:, 0] = 1.0
        feats = torch.stack([demand, flag], -1)
        one_hot = torch.zeros(b, n, self.embed_dim, device=dmat.device)
        code = torch.rand(b, n, device=dmat.device).argsort(dim=1)
        one_hot.scatter_(2, code[..., None], 1.0)
        return self.row(feats), self.col(feats) + one_hot, dmat


class _RouteoptData:
    """Mixin for an rl4co generator: instances from :func:`routeopt.generate`, converted."""

    def _setup(self, kind: str, num_loc: int, seed: int | None, params: dict[str, Any]) -> None:
        self.kind = kind
        self.num_loc = num_loc
        self.params = dict(params)
        self.seed = seed
        self.rng: np.random.Generator | None = None

    def _generator(self) -> np.random.Generator:
        if self.rng is None:
            # Under DDP every rank runs this with the same seed: mix in the rank so that the
            # ranks train on different instances.
            rank = torch.distributed.get_rank() if torch.distributed.is_available() and \
                torch.distributed.is_initialized() else 0
            self.rng = np.random.default_rng(None if self.seed is None else [self.seed, rank])
        return self.rng

    def _generate(self, batch_size) -> TensorDict:
        from ..instances.generate import generate

        count = int(np.prod(batch_size)) if len(batch_size) else 1
        # Seeds far above those the benchmarks use (0, 1, 2, ...): no training instance is a test one.
        seeds = self._generator().integers(2**40, 2**62, size=count)
        problems = [generate(self.kind, n=self.num_loc, seed=int(s), **self.params) for s in seeds]
        td, _ = to_tensordict(problems, self.kind)
        return td.reshape(*batch_size) if len(batch_size) else td[0]


class RouteoptTSPGenerator(_RouteoptData, TSPGenerator):
    pass


class RouteoptCVRPGenerator(_RouteoptData, CVRPGenerator):
    pass


class RouteoptCVRPTWGenerator(_RouteoptData, CVRPTWGenerator):
    pass


class RouteoptATSPGenerator(_RouteoptData, ATSPGenerator):
    pass


def _routeopt_generator(kind: str, num_loc: int, seed: int | None, params: dict[str, Any]):
    """A subclass of rl4co's generator for ``kind`` (its attributes give the env its specs)
    that draws routeopt instances. Module-level classes, so checkpoints can pickle them."""
    cls = {"tsp": RouteoptTSPGenerator, "cvrp": RouteoptCVRPGenerator, "vrptw": RouteoptCVRPTWGenerator,
           "atsp": RouteoptATSPGenerator, "acvrp": RouteoptCVRPGenerator}[kind]
    kwargs: dict[str, Any] = {"num_loc": num_loc}
    if kind in ("cvrp", "acvrp"):
        kwargs.update(capacity=1.0, max_demand=1)
    if kind == "vrptw":
        kwargs.update(capacity=1.0, max_demand=1, max_loc=1.0, max_time=1e6)
    gen = cls(**kwargs)
    gen._setup(kind, num_loc, seed, params)
    return gen


def make_env(kind: str, num_loc: int, data: str = "routeopt", seed: int | None = None,
             params: dict[str, Any] | None = None):
    """The rl4co environment for ``kind`` with instances of ``num_loc`` locations.

    ``params`` go to :func:`routeopt.generate` (e.g. ``{"distribution": "clustered"}`` for TSP).
    """
    if kind not in KINDS:
        raise UnsupportedError(f"unknown problem '{kind}' (choose one of {', '.join(KINDS)})")
    if data not in DATA_SOURCES:
        raise UnsupportedError(f"unknown data source '{data}' (choose one of {', '.join(DATA_SOURCES)})")
    env_cls = {"tsp": TSPEnv, "cvrp": CVRPEnv, "vrptw": CVRPTWEnv, "atsp": ATSPEnv, "acvrp": ACVRPEnv}[kind]
    if data == "rl4co":
        if kind not in RL4CO_DATA_KINDS:
            raise UnsupportedError(f"rl4co's own generator is used for tsp, cvrp and atsp only; "
                                   f"train {kind} on data 'routeopt'")
        if params:
            raise UnsupportedError("generator parameters apply to data 'routeopt' only")
        return env_cls(generator_params={"num_loc": num_loc}, check_solution=False, seed=seed)
    # routeopt's evaluate is the checker; rl4co's own checks loop in Python and assume its generators
    return env_cls(generator=_routeopt_generator(kind, num_loc, seed, params or {}),
                   check_solution=False, seed=seed)


__all__ = ["ACVRPEnv", "ACVRPMatNetInit", "DATA_SOURCES", "make_env"]

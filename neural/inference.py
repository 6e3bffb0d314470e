"""Running a trained policy on many instances at once: decoding strategies, batching, devices.

Decoding (``decode=``):

- ``greedy``: one rollout per instance, the most likely node at every step;
- ``multistart``: POMO's rollouts, one greedy rollout from each client (city), the best kept;
- ``augment``: ``multistart`` on 8 transformed copies of each instance (POMO's x8: the dihedral
  symmetries of the unit square; for MatNet, 8 different random one-hot column codes);
- ``sampling``: ``samples`` rollouts sampled from the policy, the best kept.

Instances of one kind and size run as one batch (chunked so that a chunk holds at most
``max_rollouts`` rollouts), on the GPU when there is one (``device="auto"``).
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..errors import InputError, RouteoptError, UnsupportedError
from ..instances.vrp.problem import VRPProblem, VRPSolution
from .checkpoints import Checkpoint
from .convert import MATRIX_KINDS, neural_size, to_solution, to_tensordict

DECODES = ("greedy", "multistart", "augment", "sampling")
AUGMENTATIONS = 8
DEFAULT_MAX_ROLLOUTS = {"cpu": 8192, "cuda": 262144}


@dataclass
class Answer:
    """One instance's decoded tour: the Solution, and its cost as the policy's environment saw it
    (normalised reward times the instance's scale)."""

    solution: VRPSolution
    claimed: float
    rollouts: int


def resolve_device(device: str | None = "auto"):
    import torch

    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UnsupportedError(f"device '{device}' asked for, but torch sees no CUDA device; use 'cpu'")
    return dev


_POLICIES: dict[tuple, Any] = {}


def load_policy(ckpt: Checkpoint, device: Any):
    """The policy network of ``ckpt`` on ``device`` in eval mode (cached per process)."""
    from .models import build_policy

    key = (str(ckpt.path), ckpt.meta.get("created"), str(device))
    if key not in _POLICIES:
        network = f"{ckpt.model} model for {str(ckpt.kind).upper()} it names"
        try:
            with quiet_rl4co():
                policy = build_policy(ckpt.kind, ckpt.model, ckpt.meta["policy_kwargs"])
        except RouteoptError as exc:
            raise InputError(f"checkpoint names a model that cannot be built: {exc}", path=ckpt.path) from None
        except Exception as exc:  # policy arguments rl4co refuses (a bad embedding size, ...)
            raise InputError(f"checkpoint does not match the {network}: {_first_line(exc)}",
                             path=ckpt.path) from None
        try:
            missing, unexpected = policy.load_state_dict(ckpt.state_dict, strict=False)
        except Exception as exc:  # tensors of the wrong shape, or not tensors at all
            raise InputError(f"checkpoint does not match the {network}: {_first_line(exc)}",
                             path=ckpt.path) from None
        if missing:
            raise InputError(f"checkpoint does not match the {network}: missing {len(missing)} weight "
                             f"tensors, e.g. {missing[0]} (trained with rl4co "
                             f"{ckpt.meta.get('versions', {}).get('rl4co')}?)", path=ckpt.path)
        _POLICIES[key] = policy.to(device).eval()
    return _POLICIES[key]


def _first_line(exc: BaseException) -> str:
    """The informative line of a long torch message (``size mismatch for ...``)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    shown = next((ln for ln in lines if "size mismatch" in ln or "copying a param" in ln),
                 lines[0] if lines else type(exc).__name__)
    more = f" (and {len(lines) - 2} more)" if len(lines) > 2 and "size mismatch" in shown else ""
    return " ".join(shown.split())[:300] + more


@contextlib.contextmanager
def quiet_rl4co() -> Iterator[None]:
    logger = logging.getLogger("rl4co")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _rollouts(kind: str, size: int, decode: str, samples: int) -> tuple[int, int]:
    """(augmentations, rollouts per augmented copy)."""
    starts = size               # one per city (tsp, atsp) or per client (the depot problems)
    if decode == "greedy":
        return 1, 1
    if decode == "multistart":
        return 1, starts
    if decode == "augment":
        return AUGMENTATIONS, starts
    return 1, samples


def infer(ckpt: Checkpoint, problems: Sequence[VRPProblem], *, decode: str = "greedy", samples: int = 64,
          device: str | None = "auto", seed: int = 0, max_rollouts: int | None = None) -> list[Answer]:
    """Decode every instance in ``problems`` (all of ``ckpt.kind`` and one size) with ``ckpt``."""
    import torch
    from rl4co.data.transforms import StateAugmentation
    from rl4co.utils.ops import batchify

    from .envs import make_env

    if decode not in DECODES:
        raise UnsupportedError(f"unknown decode '{decode}' (choose one of {', '.join(DECODES)})")
    if not problems:
        return []
    kind = ckpt.kind
    size = neural_size(problems[0], kind)
    dev = resolve_device(device)
    policy = load_policy(ckpt, dev)
    n_aug, n_roll = _rollouts(kind, size, decode, max(1, int(samples)))
    per_instance = n_aug * n_roll
    limit = max_rollouts or DEFAULT_MAX_ROLLOUTS.get(dev.type, 8192)
    chunk = max(1, limit // per_instance)
    answers: list[Answer] = []
    gpus = [dev.index if dev.index is not None else torch.cuda.current_device()] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=gpus), torch.inference_mode(), quiet_rl4co():
        torch.manual_seed(seed)
        env = make_env(kind, size, seed=seed)       # its generator only gives sizes; nothing is drawn
        for lo in range(0, len(problems), chunk):
            part = problems[lo:lo + chunk]
            td, scalings = to_tensordict(part, kind, device=dev)
            td = env.reset(td)
            if n_aug > 1:
                # MatNet: copies differ by their random one-hot column codes, drawn in the encoder
                td = batchify(td, n_aug) if kind in MATRIX_KINDS else \
                    StateAugmentation(num_augment=n_aug, augment_fn="dihedral8")(td)
            if decode in ("multistart", "augment"):
                kw: dict[str, Any] = {"decode_type": "multistart_greedy", "num_starts": n_roll}
            elif decode == "sampling" and n_roll > 1:
                kw = {"decode_type": "sampling", "num_samples": n_roll}
            else:
                kw = {"decode_type": "greedy" if decode == "greedy" else "sampling"}
            # every client once plus a depot visit after each at most: a bound that stops a
            # decoding the environment cannot finish (rl4co logs it; evaluate then reports it)
            out = policy(td, env, phase="test", return_actions=True, calc_reward=True,
                         max_steps=2 * size + 4, **kw)
            b = len(part)
            # rl4co repeats a batch as "(copies batch)": augmentation first, then rollouts
            reward = out["reward"].reshape(n_roll, n_aug, b).permute(2, 1, 0).reshape(b, -1)
            actions = out["actions"].reshape(n_roll, n_aug, b, -1).permute(2, 1, 0, 3)
            actions = actions.reshape(b, per_instance, -1)
            best = reward.argmax(dim=1)
            tours = actions[torch.arange(b, device=actions.device), best].cpu().numpy()
            costs = (-reward[torch.arange(b, device=reward.device), best]).float().cpu().numpy()
            for p, tour, cost, scaling in zip(part, tours, costs, scalings):
                answers.append(Answer(to_solution(p, tour, kind), scaling.cost(cost), per_instance))
    return answers


def timed_infer(ckpt: Checkpoint, problems: Sequence[VRPProblem], **kw: Any) -> tuple[list[Answer], float]:
    start = time.perf_counter()
    answers = infer(ckpt, problems, **kw)
    return answers, time.perf_counter() - start


__all__ = ["DECODES", "Answer", "resolve_device", "load_policy", "infer", "timed_infer"]

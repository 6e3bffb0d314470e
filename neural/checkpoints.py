"""Checkpoints of the neural solvers: what they hold, where the shipped ones are, which one fits.

Two files carry a trained model:

- the Lightning checkpoint ``DIR/checkpoints/last.ckpt`` written while training (weights,
  optimizer and loop state; ``routeopt train --resume`` continues from it);
- the compact export ``DIR/model.pt``: the policy's weights alone and the metadata, a few MB.
  The shipped checkpoints in ``data/checkpoints/`` are such exports.

Both hold the metadata under the key ``"routeopt"``: problem kind, size (rl4co ``num_loc``),
model, preset and policy arguments (enough to rebuild the network, see :mod:`.models`), the data
it was trained on, epochs, steps, training time and device, the versions of rl4co, torch and
lightning, and the command line that trained it. Nothing in either file needs unpickling code:
they load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import math
import os
import platform
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError, UnsupportedError

FORMAT = "routeopt-neural/1"
CHECKPOINT_DIR = Path(__file__).resolve().parents[1] / "data" / "checkpoints"
# Beyond these ratios of instance size to training size the policy is out of its depth: a
# warning past WARN_RATIO, an UnsupportedError past MAX_RATIO (unless the caller insists).
WARN_RATIO = 2.0
MAX_RATIO = 4.0


@dataclass
class Checkpoint:
    path: Path
    meta: dict[str, Any]
    state_dict: dict[str, Any]
    lightning: bool = False        # a full Lightning checkpoint (resumable), not a compact export

    @property
    def kind(self) -> str:
        return self.meta["problem"]

    @property
    def size(self) -> int:
        return int(self.meta["size"])

    @property
    def model(self) -> str:
        return self.meta["model"]

    def describe(self) -> str:
        return f"{self.model} {self.kind}{self.size} ({self.path.name})"


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("routeopt", "rl4co", "torch", "lightning", "tensordict", "torchrl"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


def device_name(accelerator: str) -> str:
    import torch

    if accelerator in ("gpu", "cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} x{torch.cuda.device_count()}"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return f"CPU {cpu} ({torch.get_num_threads()} of {os.cpu_count()} cores used)"


def export(path: str | Path, meta: dict[str, Any], policy: Any) -> Path:
    """Write the compact checkpoint (policy weights + metadata), atomically."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", copy=True) for k, v in policy.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save({"routeopt": dict(meta, format=FORMAT), "state_dict": state}, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read(path: str | Path) -> Checkpoint:
    """Load a compact export or a Lightning checkpoint written by ``routeopt train``."""
    return _read(str(Path(path).resolve()), _mtime(path))


def _mtime(path: str | Path) -> float:
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        raise InputError("checkpoint not found", path=path) from None


@lru_cache(maxsize=16)
def _read(path: str, mtime: float) -> Checkpoint:
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated file, a pickle of something else, ...
        raise InputError(f"not a readable checkpoint ({type(exc).__name__}: {str(exc)[:120]})",
                         path=path) from None
    meta = data.get("routeopt") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or not {"problem", "size", "model", "policy_kwargs"} <= set(meta):
        raise InputError("not a routeopt neural checkpoint (no 'routeopt' metadata); train one "
                         "with 'routeopt train'", path=path)
    state = data.get("state_dict", {})
    lightning = "pytorch-lightning_version" in data
    if lightning:                               # the policy's weights are under "policy."
        state = {k[len("policy."):]: v for k, v in state.items() if k.startswith("policy.")}
    return Checkpoint(Path(path), meta, state, lightning)


def shipped(directory: Path | None = None) -> list[Checkpoint]:
    """Every readable checkpoint in ``data/checkpoints`` (or ``directory``)."""
    directory = directory or CHECKPOINT_DIR
    out = []
    for path in sorted(directory.glob("*.pt")):
        try:
            out.append(read(path))
        except InputError as exc:
            warnings.warn(f"skipping {path.name}: {exc}", stacklevel=2)
    return out


def nearest(model: str, kind: str, size: int, directory: Path | None = None) -> Checkpoint:
    """The shipped checkpoint of ``model`` for ``kind`` whose training size is nearest ``size``
    (by ratio); an :class:`UnsupportedError` that says how to train one when there is none."""
    found = [c for c in shipped(directory) if c.model == model and c.kind == kind]
    if not found:
        raise UnsupportedError(
            f"no shipped {model} checkpoint for {kind.upper()} in {directory or CHECKPOINT_DIR}; train "
            f"one with 'routeopt train --problem {kind} --size {size} --model {model}' and pass "
            f"checkpoint=PATH")
    return min(found, key=lambda c: (abs(math.log(max(size, 1) / max(c.size, 1))), -c.size))


def check_match(ckpt: Checkpoint, model: str, kind: str, size: int, name: str,
                any_size: bool = False) -> str | None:
    """Raise :class:`UnsupportedError` when ``ckpt`` cannot solve a ``kind`` instance of
    ``size``; return a warning text when it can but is far from its training size."""
    from .models import max_nodes

    # am, pomo and symnco share the attention network, so their checkpoints are interchangeable
    # (the network is rebuilt from the checkpoint's metadata); MatNet's is another network.
    if (ckpt.model == "matnet") != (model == "matnet"):
        raise UnsupportedError(f"checkpoint {ckpt.path.name} holds a '{ckpt.model}' model, not "
                               f"'{model}'; use solver '{ckpt.model}'")
    if ckpt.kind != kind:
        raise UnsupportedError(f"checkpoint {ckpt.path.name} was trained on {ckpt.kind.upper()}, "
                               f"but '{name}' is a {kind.upper()} instance")
    limit = max_nodes(ckpt.kind, ckpt.model, ckpt.meta["policy_kwargs"])
    if limit is not None and size > limit:
        raise UnsupportedError(f"checkpoint {ckpt.path.name} takes at most {limit} nodes "
                               f"(embedding size); '{name}' has {size}")
    ratio = max(size / ckpt.size, ckpt.size / max(size, 1))
    if ratio > MAX_RATIO and not any_size:
        raise UnsupportedError(
            f"'{name}' has size {size}, far outside checkpoint {ckpt.path.name}'s training size "
            f"{ckpt.size} (more than {MAX_RATIO:g}x); train a checkpoint near that size or pass "
            f"any_size=True to try anyway")
    if ratio > WARN_RATIO:
        return (f"'{name}' has size {size} but checkpoint {ckpt.path.name} was trained on size "
                f"{ckpt.size}: expect a poor answer")
    return None


__all__ = ["FORMAT", "CHECKPOINT_DIR", "Checkpoint", "versions", "device_name", "export", "read",
           "shipped", "nearest", "check_match"]

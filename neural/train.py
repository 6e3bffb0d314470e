"""Training a neural solver with Lightning: ``routeopt train`` calls :func:`train`.

Lightning does devices (CPU, one GPU, several through DDP), precision, the progress bar, logs
(CSV always, TensorBoard when installed) and checkpoints; rl4co does the RL algorithm. The
output folder gets:

- ``checkpoints/last.ckpt`` (and the best by validation reward): resumable with ``resume=``;
- ``model.pt``: the compact export the solvers load (see :mod:`.checkpoints`);
- ``logs/``: ``metrics.csv`` per version, TensorBoard events when available.

>>> summary = train("tsp", 10, "pomo", epochs=1, batch_size=8, train_size=16, preset="tiny",
...                 out="/tmp/routeopt-train-doctest", progress=False)    # doctest: +SKIP
>>> summary["export"]                                                      # doctest: +SKIP
'/tmp/routeopt-train-doctest/model.pt'
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError
from . import checkpoints as ckpts
from .convert import KINDS
from .envs import DATA_SOURCES, make_env
from .models import MODELS, PRESETS, build_model, build_policy, check_model, policy_kwargs

ACCELERATORS = ("auto", "cpu", "gpu", "cuda")


def _resolve_accelerator(accelerator: str) -> str:
    import torch

    if accelerator not in ACCELERATORS:
        raise InputError(f"--accelerator must be one of {', '.join(ACCELERATORS)}, got {accelerator!r}")
    if accelerator == "auto":
        return "gpu" if torch.cuda.is_available() else "cpu"
    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise InputError(f"--accelerator {accelerator}: no CUDA device is visible to torch "
                         f"{torch.__version__}; use --accelerator cpu")
    return "gpu" if accelerator == "cuda" else accelerator


def _default_precision(accelerator: str) -> str:
    import torch

    if accelerator == "gpu":
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


def _loggers(out: Path) -> list[Any]:
    from lightning.pytorch.loggers import CSVLogger

    loggers: list[Any] = [CSVLogger(str(out), name="logs")]
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        try:
            import tensorboardX  # noqa: F401
        except ImportError:
            return loggers
    from lightning.pytorch.loggers import TensorBoardLogger
    loggers.append(TensorBoardLogger(str(out), name="logs", version=loggers[0].version))
    return loggers


def _metadata_callback(meta: dict[str, Any], previous_time: float):
    from lightning import Callback

    class RouteoptMetadata(Callback):
        """Puts the routeopt metadata in every checkpoint, and keeps Lightning's pickled
        hyper-parameters (env and policy objects) out of it, so it loads with weights_only."""

        def __init__(self) -> None:
            self.start = time.perf_counter()

        def on_save_checkpoint(self, trainer, pl_module, checkpoint) -> None:
            checkpoint["routeopt"] = dict(
                meta, epoch_index=int(trainer.current_epoch), global_step=int(trainer.global_step),
                train_time_s=round(previous_time + time.perf_counter() - self.start, 1))
            checkpoint.pop("hyper_parameters", None)

    return RouteoptMetadata()


@contextlib.contextmanager
def quiet(verbose: bool = True) -> Iterator[None]:
    """rl4co's chatter (an error-level line about unused arguments of its own MatNet policy,
    info lines about datasets) off; Lightning's banner too unless ``verbose``."""
    names = ["rl4co"] + ([] if verbose else ["lightning.pytorch", "lightning.fabric", "lightning"])
    saved = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def train(problem: str | None = None, size: int | None = None, model: str | None = None, *,
          epochs: int = 1, batch_size: int = 64, train_size: int | None = None,
          val_size: int | None = None, preset: str | None = None, lr: float = 1e-4,
          accelerator: str = "auto", devices: int | str = "auto", precision: str | None = None,
          out: str | Path | None = None, resume: str | Path | None = None, seed: int = 0,
          data: str | None = None, max_time: float | None = None, max_steps: int = -1,
          progress: bool = True, command: str | None = None, export: str | Path | None = None,
          threads: int | None = None, num_starts: int | None = None) -> dict[str, Any]:
    """Train ``model`` on ``problem`` instances of ``size`` and return a summary dict.

    ``size`` is rl4co's ``num_loc``: cities for tsp/atsp, clients for cvrp/vrptw/acvrp.
    ``train_size`` instances are drawn fresh every epoch (default ``100 * batch_size``);
    ``max_time`` (seconds) stops training early. With ``resume`` the problem, size, model and
    network come from that checkpoint (values given here must agree) and ``epochs`` counts
    from the start of the first run.
    """
    prior: dict[str, Any] = {}
    if resume is not None:
        found = ckpts.read(resume)
        if not found.lightning:
            raise InputError("--resume needs a Lightning checkpoint (DIR/checkpoints/last.ckpt), not "
                             "the compact model export, which has no optimizer state", path=resume)
        prior = found.meta
        for key, given in (("problem", problem), ("size", size), ("model", model), ("preset", preset),
                           ("data", data)):
            if given is not None and prior.get(key) is not None and given != prior[key]:
                raise InputError(f"--{key} {given} does not match the checkpoint being resumed "
                                 f"({prior[key]})", path=resume)
        problem, size, model = prior["problem"], int(prior["size"]), prior["model"]
        preset, data = prior.get("preset", "small"), prior.get("data", "routeopt")
        num_starts = num_starts or prior.get("num_starts")
    problem = (problem or "cvrp").lower()
    model = (model or "pomo").lower()
    preset = preset or "small"
    data = data or "routeopt"
    size = 50 if size is None else int(size)
    if problem not in KINDS:
        raise InputError(f"--problem must be one of {', '.join(KINDS)}, got {problem!r}")
    if model not in MODELS:
        raise InputError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    if preset not in PRESETS:
        raise InputError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    if data not in DATA_SOURCES:
        raise InputError(f"--data must be one of {', '.join(DATA_SOURCES)}, got {data!r}")
    if size < 2 or epochs < 1 or batch_size < 1:
        raise InputError("--size must be at least 2, --epochs and --batch-size at least 1")
    check_model(problem, model)

    import torch
    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint
    from rl4co.utils.trainer import RL4COTrainer

    if threads:
        torch.set_num_threads(int(threads))
    accel = _resolve_accelerator(accelerator)
    precision = precision or _default_precision(accel)
    train_size = int(train_size or 100 * batch_size)
    val_size = int(val_size or max(batch_size, min(1024, train_size // 20)))
    out = Path(out or f"runs/{model}-{problem}{size}")
    out.mkdir(parents=True, exist_ok=True)

    L.seed_everything(seed, verbose=False)
    pk = prior.get("policy_kwargs") or policy_kwargs(problem, model, preset)
    meta: dict[str, Any] = {
        "format": ckpts.FORMAT, "problem": problem, "size": size, "model": model, "preset": preset,
        "policy_kwargs": pk, "data": data, "seed": seed, "batch_size": batch_size,
        "train_size": train_size, "val_size": val_size, "lr": lr, "epochs": epochs,
        "num_starts": num_starts, "max_time": max_time,
        "accelerator": accel, "devices": str(devices), "precision": precision,
        "device": ckpts.device_name(accel), "versions": ckpts.versions(),
        "command": command or "routeopt.neural.train.train(...)",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if prior:
        meta["resumed_from"] = {"path": str(resume), "command": prior.get("command"),
                                "epochs_done": prior.get("epochs_done", prior.get("epoch_index"))}
    previous = float(prior.get("train_time_s", 0.0))
    keep = _metadata_callback(meta, previous)
    ckpt_cb = ModelCheckpoint(dirpath=str(out / "checkpoints"), filename="best", save_last=True,
                              monitor="val/reward", mode="max", save_top_k=1)
    callbacks: list[Any] = [keep, ckpt_cb]
    if progress:
        try:
            from lightning.pytorch.callbacks import RichProgressBar
            callbacks.append(RichProgressBar(leave=True))
        except Exception:  # rich missing: Lightning's default bar
            pass
    limit = None if max_time is None else _dt.timedelta(seconds=float(max_time))
    with quiet(progress), warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*is an instance of `nn.Module`.*")
        warnings.filterwarnings("ignore", ".*LeafSpec.*")
        warnings.filterwarnings("ignore", ".*smaller than the logging interval.*")
        warnings.filterwarnings("ignore", ".*exists and is not empty.*")
        warnings.filterwarnings("ignore", ".*in eval mode at the start of training.*")  # AM baseline copy
        warnings.filterwarnings("ignore", ".*dirpath has changed.*")
        env = make_env(problem, size, data=data, seed=seed)
        policy = build_policy(problem, model, pk)
        module = build_model(env, problem, model, policy, batch_size=batch_size, train_size=train_size,
                             val_size=val_size, lr=lr, num_starts=num_starts)
        trainer = RL4COTrainer(
            accelerator=accel, devices=devices, precision=precision, max_epochs=epochs,
            max_time=limit, max_steps=max_steps, callbacks=callbacks, logger=_loggers(out),
            enable_progress_bar=progress, default_root_dir=str(out), log_every_n_steps=10,
            enable_model_summary=progress, matmul_precision="high" if accel == "gpu" else None)
        start = time.perf_counter()
        trainer.fit(module, ckpt_path=str(resume) if resume is not None else None)
        elapsed = time.perf_counter() - start

    val = trainer.callback_metrics.get("val/reward")
    meta.update(epochs_done=int(trainer.current_epoch), global_step=int(trainer.global_step),
                train_time_s=round(previous + elapsed, 1),
                val_reward=None if val is None else round(float(val), 5))
    paths = {"out": str(out), "last": str(out / "checkpoints" / "last.ckpt")}
    if trainer.is_global_zero:
        paths["export"] = str(ckpts.export(out / "model.pt", meta, module.policy))
        if export is not None:
            paths["export"] = str(ckpts.export(export, meta, module.policy))
    return {**meta, **paths, "instances_per_second": round(
        (int(trainer.global_step) - int(prior.get("global_step", 0))) * batch_size / max(elapsed, 1e-9), 1)}


__all__ = ["train", "ACCELERATORS"]

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
import math
import os
import shutil
import signal
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError, RouteoptError
from ..instances.limits import check_memory
from ..instances.params import choice, number
from . import checkpoints as ckpts
from .convert import DATA_SOURCES, DEPOT_KINDS, KINDS, MATRIX_KINDS, RL4CO_DATA_KINDS
from .models import MODELS, PRESETS, build_model, build_policy, check_model, max_nodes, policy_kwargs
from .teacher import TEACHERS

ACCELERATORS = ("auto", "cpu", "gpu", "cuda")
PRECISIONS = ("32-true", "64-true", "bf16-mixed", "bf16-true", "16-mixed", "16-true")
PRECISION_ALIASES = {"32": "32-true", "64": "64-true", "16": "16-mixed", "bf16": "bf16-mixed"}
MAX_TIME = 30 * 24 * 3600.0          # seconds, as for every solver's budget
MAX_SEED = 2**32 - 1
MAX_THREADS = 1024
SUPERVISED_KINDS = ("tsp", "cvrp", "vrptw")      # the coordinate problems; labels as rl4co actions
SUPERVISED_MODELS = ("pomo", "am")               # the attention policy (rl4co's AM/POMO network)
# What a run folder holds; a folder with anything else in it is not ours to write into.
RUN_ENTRIES = frozenset({"checkpoints", "logs", "model.pt", "teacher"})
# the labelled instances of a supervised run: kept when the run fails or is stopped (they cost
# teacher time; the same command labels only what is missing)
KEEP_ON_FAILURE = "teacher"


def _resolve_accelerator(accelerator: str) -> str:
    import torch

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


def check_values(*, epochs: Any = 1, batch_size: Any = None, train_size: Any = None, val_size: Any = None,
                 lr: Any = None, accelerator: Any = "auto", devices: Any = "auto", precision: Any = None,
                 seed: Any = 0, max_time: Any = None, max_steps: Any = -1, threads: Any = None,
                 num_starts: Any = None, size: Any = None, problem: Any = None, model: Any = None,
                 preset: Any = None, data: Any = None, teacher: Any = None, teacher_time: Any = None,
                 workers: Any = None) -> dict[str, Any]:
    """Every value of a training run checked where it enters, before anything is imported or
    written; each bad one is a one-line :class:`InputError` naming its option. Returns them
    normalised (numbers as numbers, choices in lower case); None stays None (a default)."""
    def opt(name: str, value: Any, low: float, high: float = math.inf, integer: bool = True) -> Any:
        return None if value is None else number(f"--{name}", value, low, high, integer=integer)

    out = dict(
        epochs=opt("epochs", epochs, 1), batch_size=opt("batch-size", batch_size, 1),
        train_size=opt("train-size", train_size, 1), val_size=opt("val-size", val_size, 1),
        lr=opt("lr", lr, 0, 1, integer=False), seed=opt("seed", seed, 0, MAX_SEED),
        max_time=opt("max-time", max_time, 0, MAX_TIME, integer=False),
        max_steps=opt("max-steps", max_steps, -1), threads=opt("threads", threads, 1, MAX_THREADS),
        num_starts=opt("num-starts", num_starts, 2), size=opt("size", size, 2),
        accelerator=choice("--accelerator", accelerator, ACCELERATORS),
        precision=None if precision is None else choice("--precision", precision, PRECISIONS,
                                                        PRECISION_ALIASES),
        problem=None if problem is None else choice("--problem", problem, KINDS),
        model=None if model is None else choice("--model", model, MODELS),
        preset=None if preset is None else choice("--preset", preset, tuple(PRESETS)),
        data=None if data is None else choice("--data", data, DATA_SOURCES),
        teacher=None if teacher is None else choice("--teacher", teacher, TEACHERS),
        teacher_time=opt("teacher-time", teacher_time, 0, MAX_TIME, integer=False),
        workers=opt("workers", workers, 1, MAX_THREADS),
    )
    if out["teacher_time"] == 0:
        raise InputError("--teacher-time must be a positive number of seconds, got 0", field="--teacher-time")
    if out["teacher"] is None and (out["teacher_time"] is not None or out["workers"] is not None):
        given = "--teacher-time" if out["teacher_time"] is not None else "--workers"
        raise InputError(f"{given} applies to supervised training; give --teacher too", field=given)
    if out["lr"] == 0:
        raise InputError("--lr must be positive, got 0", field="--lr")
    if out["max_time"] == 0:
        raise InputError("--max-time must be a positive number of seconds, got 0", field="--max-time")
    if out["max_steps"] == 0:
        raise InputError("--max-steps must be at least 1 (or -1: no limit), got 0", field="--max-steps")
    if str(devices).strip().lower() == "auto":
        out["devices"] = "auto"
    else:
        out["devices"] = number("--devices", devices, 1, 4096, integer=True)
    return out


def estimate_bytes(problem: str, size: int, model: str, batch_size: int, train_size: int, val_size: int,
                   num_starts: int | None, pk: dict[str, Any]) -> float:
    """A lower estimate of the memory a training run holds at once: its instances, and one step's
    per-step node scores (kept for the gradient) over every rollout of the batch."""
    nodes = size + 1
    per_instance = nodes * nodes * 4 if problem in MATRIX_KINDS else nodes * 6 * 4
    rollouts = {"pomo": num_starts or size, "matnet": num_starts or size, "symnco": 4}.get(model, 2)
    steps = 2 * size if problem in DEPOT_KINDS else size
    heads, layers = int(pk.get("num_heads", 8)), int(pk.get("num_encoder_layers", 3))
    encode = batch_size * max(1, rollouts if model == "symnco" else 1) * layers * heads * nodes * nodes * 4
    decode = batch_size * rollouts * steps * nodes * 4 * 2
    return float((train_size + val_size) * per_instance + encode + decode)


def _check_run(problem: str, size: int, model: str, preset: str, data: str, pk: dict[str, Any],
               batch_size: int, train_size: int, val_size: int, num_starts: int | None,
               teacher: str | None = None) -> None:
    """The checks that need the values together (and, when resuming, the checkpoint's)."""
    try:
        check_model(problem, model)
    except RouteoptError as exc:
        raise InputError(str(exc), field="--model") from None
    if teacher is not None:
        if problem not in SUPERVISED_KINDS:
            raise InputError(f"--teacher: supervised training takes {', '.join(SUPERVISED_KINDS)}, not "
                             f"{problem}", field="--teacher")
        if model not in SUPERVISED_MODELS:
            raise InputError(f"--teacher trains the {' or '.join(SUPERVISED_MODELS)} network, not {model}",
                             field="--model")
        if data != "routeopt":
            raise InputError("--teacher labels routeopt's generated instances; drop --data", field="--data")
        if num_starts is not None:
            raise InputError("--num-starts applies to RL training, not --teacher", field="--num-starts")
    if data == "rl4co" and problem not in RL4CO_DATA_KINDS:
        raise InputError(f"--data rl4co has generators for {', '.join(RL4CO_DATA_KINDS)} only, not "
                         f"{problem}; use --data routeopt", field="--data")
    if num_starts is not None:
        if model not in ("pomo", "matnet"):
            raise InputError(f"--num-starts applies to pomo and matnet, not {model}", field="--num-starts")
        if num_starts > size:
            raise InputError(f"--num-starts {num_starts} is more than the {size} nodes a rollout can "
                             f"start from (--size)", field="--num-starts")
    limit = max_nodes(problem, model, pk)
    if limit is not None and size > limit:
        raise InputError(f"--size {size}: the {model} network of preset {preset} takes at most {limit} "
                         f"nodes (its embedding size)", field="--size")
    need = estimate_bytes(problem, size, model, batch_size, train_size, val_size, num_starts, pk)
    check_memory(need, f"training {model} on {problem.upper()}{size} (batch {batch_size}, "
                       f"{train_size} instances per epoch)", field="--size")


def _check_folder_target(out: Path) -> None:
    """Refuse an ``--out`` that is a file, holds what is not ours, or cannot be written."""
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder for the run, and this is a file; choose another name",
                         path=out)
    if out.is_dir():
        foreign = sorted(e.name for e in out.iterdir() if e.name not in RUN_ENTRIES)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise InputError(f"--out already holds what 'routeopt train' did not write ({shown}); "
                             f"choose a new or empty folder", path=out)
    parent = out
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"cannot create --out: {parent} is a file, not a folder", path=out)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write --out: {parent} is not writable", path=out)


def _check_export(export: Path) -> None:
    if export.suffix != ".pt":
        raise InputError("--export must end in .pt", path=export)
    if export.is_dir():
        raise InputError("cannot write --export: it is a folder", path=export)
    if not export.parent.is_dir():
        raise InputError("cannot write --export: the folder does not exist", path=export)
    if not os.access(export.parent, os.W_OK | os.X_OK):
        raise InputError("cannot write --export: the folder is not writable", path=export)
    if export.exists():
        try:
            ours = not ckpts.read(export).lightning
        except InputError:
            ours = False
        if not ours:
            raise InputError("--export names a file that is not a routeopt model export; it is not "
                             "overwritten: choose another name", path=export)


class _Workspace:
    """The run folder, and what this run added to it: removed again when the run fails."""

    def __init__(self, out: Path):
        self.out = out
        self.before: set[Path] | None = set(out.rglob("*")) if out.is_dir() else None
        top = out
        while not top.parent.exists():
            top = top.parent
        self.created = None if out.exists() else top
        try:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / ".routeopt-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            self.discard()
            raise InputError(f"cannot write --out: {exc.strerror or exc}", path=out) from None

    def new_checkpoint(self) -> Path | None:
        last = self.out / "checkpoints" / "last.ckpt"
        if last.is_file() and (self.before is None or last not in self.before
                               or last.stat().st_mtime > self.started):
            return last
        return None

    def start(self) -> None:
        self.started = time.time()

    def discard(self) -> None:
        """Remove what this run created, and nothing else; labelled teacher data stays."""
        kept = self.out / KEEP_ON_FAILURE
        if kept.is_dir() and any(kept.iterdir()):
            self.created = None
        if self.created is not None:
            shutil.rmtree(self.created, ignore_errors=True)
            return
        for path in sorted(self.out.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if (self.before is not None and path in self.before) or path == kept or kept in path.parents:
                continue
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
            except OSError:
                pass


class _CtrlC:
    """SIGINT during training asks Lightning to stop after the current step (the run then keeps
    its last checkpoint); before training starts, or pressed again, it interrupts at once."""

    def __init__(self) -> None:
        self.trainer: Any = None
        self.count = 0
        self.previous: Any = None
        self.installed = False

    def __enter__(self) -> "_CtrlC":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
            self.installed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous if self.previous is not None else signal.SIG_DFL)

    def _handle(self, signum: int, frame: Any) -> None:
        self.count += 1
        if self.trainer is None or self.count > 1:
            raise KeyboardInterrupt
        self.trainer.should_stop = True


def run_folder(resume: Path | None, model: str, problem: str, size: int) -> Path:
    """Where a run writes when no ``out`` is given: a resumed run continues in its own folder."""
    if resume is not None and resume.resolve().parent.name == "checkpoints":
        return resume.resolve().parent.parent
    return Path(f"runs/{model}-{problem}{size}")


def train(problem: str | None = None, size: int | None = None, model: str | None = None, *,
          epochs: int = 1, batch_size: int | None = None, train_size: int | None = None,
          val_size: int | None = None, preset: str | None = None, lr: float | None = None,
          accelerator: str = "auto", devices: int | str = "auto", precision: str | None = None,
          out: str | Path | None = None, resume: str | Path | None = None, seed: int = 0,
          data: str | None = None, max_time: float | None = None, max_steps: int = -1,
          progress: bool = True, command: str | None = None, export: str | Path | None = None,
          threads: int | None = None, num_starts: int | None = None, teacher: str | None = None,
          teacher_time: float | None = None, workers: int | None = None,
          init: str | Path | None = None) -> dict[str, Any]:
    """Train ``model`` on ``problem`` instances of ``size`` and return a summary dict.

    ``size`` is rl4co's ``num_loc``: cities for tsp/atsp, clients for cvrp/vrptw/acvrp.
    ``batch_size`` defaults to 64 and ``lr`` to 1e-4 (a resumed run: the values it was trained with);
    ``train_size`` instances are drawn fresh every epoch (default ``100 * batch_size``);
    ``max_time`` (seconds) stops training early. With ``resume`` the problem, size, model and
    network come from that checkpoint (values given here must agree), ``epochs`` counts
    from the start of the first run, and the run continues in the checkpoint's own folder
    unless ``out`` is given.

    With ``teacher`` (``local``, ``pyvrp``, ``ortools`` or the exact ``milp``) the policy learns by imitation instead of
    RL: ``train_size`` and ``val_size`` generated instances are labelled by that solver in
    ``teacher_time`` seconds each (default 1), on ``workers`` processes (default: every core),
    into ``OUT/teacher`` (see :mod:`.teacher`; the same command resumes the labelling), and each
    epoch is one pass of teacher forcing over them (see :mod:`.imitation`).

    Every value is checked before anything is written; a run that fails removes what it created
    (but labelled teacher data, which the next run reuses).
    ``init`` starts a new run from the weights of another checkpoint of the same network (export or
    Lightning checkpoint), e.g. RL fine-tuning of a supervised model, or another size; its problem,
    model family and network come from it.
    Ctrl-C (SIGINT) stops after the current step and saves ``OUT/checkpoints/last.ckpt``; the
    summary then has ``interrupted=True``.
    """
    v = check_values(epochs=epochs, batch_size=batch_size, train_size=train_size, val_size=val_size, lr=lr,
                     accelerator=accelerator, devices=devices, precision=precision, seed=seed,
                     max_time=max_time, max_steps=max_steps, threads=threads, num_starts=num_starts,
                     size=size, problem=problem, model=model, preset=preset, data=data, teacher=teacher,
                     teacher_time=teacher_time, workers=workers)
    epochs, batch_size, lr, seed, max_steps = v["epochs"], v["batch_size"], v["lr"], v["seed"], v["max_steps"]
    max_time, threads, devices, num_starts = v["max_time"], v["threads"], v["devices"], v["num_starts"]
    problem, size, model, preset, data = v["problem"], v["size"], v["model"], v["preset"], v["data"]
    export = None if export is None else Path(export)
    if export is not None:
        _check_export(export)
    prior: dict[str, Any] = {}
    start_from = None if init is None else _init_checkpoint(Path(init), resume, problem, model, preset)
    if start_from is not None:
        problem = problem or start_from.kind
        preset = preset or start_from.meta.get("preset")
    if resume is not None:
        resume = Path(resume)
        if not resume.is_file():
            raise InputError("checkpoint to resume not found", path=resume)
        found = ckpts.read(resume)
        if not found.lightning:
            raise InputError("--resume needs a Lightning checkpoint (DIR/checkpoints/last.ckpt), not "
                             "the compact model export, which has no optimizer state", path=resume)
        prior = found.meta
        for key, given in (("problem", problem), ("size", size), ("model", model), ("preset", preset),
                           ("data", data), ("teacher", v["teacher"]), ("teacher_time", v["teacher_time"])):
            if given is not None and prior.get(key) is not None and given != prior[key]:
                raise InputError(f"--{key} {given} does not match the checkpoint being resumed "
                                 f"({prior[key]})", path=resume)
        problem, size, model = prior["problem"], int(prior["size"]), prior["model"]
        preset, data = prior.get("preset", "small"), prior.get("data", "routeopt")
        num_starts = num_starts or prior.get("num_starts")
        if v["teacher"] is not None and prior.get("teacher") is None:
            raise InputError(f"--teacher {v['teacher']}: the run being resumed was trained by RL; start a new "
                             f"run (a new --out) for supervised training", path=resume)
        v["teacher"], v["teacher_time"] = prior.get("teacher"), prior.get("teacher_time")
        done = int(prior.get("epochs_done", prior.get("epoch_index", 0)) or 0)
        if epochs <= done:
            raise InputError(f"--epochs {epochs}: the run being resumed has done {done} epochs already; "
                             f"--epochs counts them, so give more", path=resume)
    batch_size = int(batch_size or prior.get("batch_size") or 64)
    lr = float(lr or prior.get("lr") or 1e-4)
    given_train, given_val = v["train_size"], v["val_size"]
    if prior and batch_size == prior.get("batch_size"):
        given_train = given_train or prior.get("train_size")
        given_val = given_val or prior.get("val_size")
    problem = problem or "cvrp"
    model = model or "pomo"
    preset = preset or "small"
    data = data or "routeopt"
    size = 50 if size is None else int(size)
    train_size = int(given_train or 100 * batch_size)
    val_size = int(given_val or max(batch_size, min(1024, train_size // 20)))
    try:
        pk = prior.get("policy_kwargs") or (start_from.meta["policy_kwargs"] if start_from is not None
                                            else policy_kwargs(problem, model, preset))
    except RouteoptError as exc:
        raise InputError(str(exc), field="--model") from None
    teacher = v["teacher"]
    teacher_time = None if teacher is None else float(v["teacher_time"] or 1.0)
    workers = None if teacher is None else int(v["workers"] or os.cpu_count() or 1)
    _check_run(problem, size, model, preset, data, pk, batch_size, train_size, val_size, num_starts, teacher)
    out = Path(out) if out is not None else run_folder(resume, model, problem, size)
    _check_folder_target(out)

    accel = _resolve_accelerator(v["accelerator"])
    precision = v["precision"] or _default_precision(accel)
    if accel == "cpu" and precision == "16-mixed":
        raise InputError("--precision 16-mixed needs a GPU; on a CPU use 32-true or bf16-mixed",
                         field="--precision")
    if devices != "auto":
        import torch
        have = torch.cuda.device_count() if accel == "gpu" else (os.cpu_count() or 1)
        if devices > have:
            raise InputError(f"--devices {devices}: this machine has {have} "
                             f"{'GPUs' if accel == 'gpu' else 'CPU cores'}", field="--devices")

    workspace = _Workspace(out)
    with _CtrlC() as ctrl_c:
        try:
            return _fit(workspace, ctrl_c, problem=problem, size=size, model=model, preset=preset,
                        data=data, pk=pk, prior=prior, resume=resume, epochs=epochs,
                        batch_size=batch_size, train_size=train_size, val_size=val_size, lr=lr,
                        accel=accel, devices=devices, precision=precision, seed=seed, max_time=max_time,
                        max_steps=max_steps, progress=progress, command=command, export=export,
                        threads=threads, num_starts=num_starts, teacher=teacher,
                        teacher_time=teacher_time, workers=workers, start_from=start_from)
        except KeyboardInterrupt:
            if workspace.new_checkpoint() is None:       # nothing worth keeping yet
                workspace.discard()
            raise
        except BaseException:
            workspace.discard()
            raise


def _fit(workspace: _Workspace, ctrl_c: _CtrlC, *, problem: str, size: int, model: str, preset: str,
         data: str, pk: dict[str, Any], prior: dict[str, Any], resume: Path | None, epochs: int,
         batch_size: int, train_size: int, val_size: int, lr: float, accel: str, devices: int | str,
         precision: str, seed: int, max_time: float | None, max_steps: int, progress: bool,
         command: str | None, export: Path | None, threads: int | None,
         num_starts: int | None, teacher: str | None = None, teacher_time: float | None = None,
         workers: int | None = None, start_from: Any = None) -> dict[str, Any]:
    import torch
    import lightning as L
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.pytorch.callbacks import ModelCheckpoint
    from rl4co.utils.trainer import RL4COTrainer

    from .envs import make_env

    out = workspace.out
    if threads:
        torch.set_num_threads(int(threads))
    L.seed_everything(seed, verbose=False)
    meta: dict[str, Any] = {
        "format": ckpts.FORMAT, "problem": problem, "size": size, "model": model, "preset": preset,
        "policy_kwargs": pk, "data": data, "seed": seed, "batch_size": batch_size,
        "train_size": train_size, "val_size": val_size, "lr": lr, "epochs": epochs,
        "num_starts": num_starts, "max_time": max_time, "teacher": teacher, "teacher_time": teacher_time,
        "accelerator": accel, "devices": str(devices), "precision": precision,
        "device": ckpts.device_name(accel), "versions": ckpts.versions(),
        "command": command or "routeopt.neural.train.train(...)",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if start_from is not None:
        m = start_from.meta
        meta["init"] = {"path": str(start_from.path), "command": m.get("command"), "problem": m.get("problem"),
                        "size": m.get("size"), "teacher": m.get("teacher"), "train_time_s": m.get("train_time_s")}
    if prior:
        meta["resumed_from"] = {"path": str(resume), "command": prior.get("command"),
                                "epochs_done": prior.get("epochs_done", prior.get("epoch_index"))}
    previous = float(prior.get("train_time_s", 0.0))
    previous_steps = int(prior.get("global_step", 0) or 0)
    keep = _metadata_callback(meta, previous)
    ckpt_cb = ModelCheckpoint(dirpath=str(out / "checkpoints"), filename="best", save_last=True,
                              monitor="val/reward", mode="max", save_top_k=1,
                              enable_version_counter=False)    # a run folder holds one run
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
        warnings.filterwarnings("ignore", ".*resuming from a mid-epoch checkpoint.*")
        env = make_env(problem, size, data=data, seed=seed)
        policy = build_policy(problem, model, pk)
        if start_from is not None:
            policy.load_state_dict(start_from.state_dict)
        if teacher is None:
            module = build_model(env, problem, model, policy, batch_size=batch_size, train_size=train_size,
                                 val_size=val_size, lr=lr, num_starts=num_starts)
        else:
            module, meta["labelling"] = _imitation(out, env, policy, problem=problem, size=size, seed=seed,
                                                   teacher=teacher, teacher_time=teacher_time,
                                                   workers=workers, train_size=train_size,
                                                   val_size=val_size, batch_size=batch_size, lr=lr,
                                                   progress=progress)
        try:
            trainer = RL4COTrainer(
                accelerator=accel, devices=devices, precision=precision, max_epochs=epochs,
                max_time=limit, max_steps=max_steps, callbacks=callbacks, logger=_loggers(out),
                enable_progress_bar=progress, default_root_dir=str(out), log_every_n_steps=10,
                enable_model_summary=progress, matmul_precision="high" if accel == "gpu" else None)
        except (MisconfigurationException, ValueError) as exc:
            raise InputError(f"Lightning refused --accelerator {accel} --devices {devices} --precision "
                             f"{precision}: {' '.join(str(exc).split())}") from None
        workspace.start()
        ctrl_c.trainer = trainer
        start = time.perf_counter()
        try:
            trainer.fit(module, ckpt_path=str(resume) if resume is not None else None)
        except SystemExit:        # Lightning exits on a KeyboardInterrupt: Ctrl-C pressed twice
            if ctrl_c.count:
                raise KeyboardInterrupt from None
            raise
        elapsed = time.perf_counter() - start
        interrupted = ctrl_c.count > 0
        ctrl_c.trainer = None                      # from here a Ctrl-C interrupts at once

    steps = int(trainer.global_step)
    val = trainer.callback_metrics.get("val/reward")
    meta.update(epochs_done=int(trainer.current_epoch), global_step=steps,
                train_time_s=round(previous + elapsed, 1),
                val_reward=None if val is None else round(float(val), 5))
    if teacher is not None:
        gap = trainer.callback_metrics.get("val/gap")
        meta["val_gap"] = None if gap is None else round(float(gap), 3)
    last = out / "checkpoints" / "last.ckpt"
    paths = {"out": str(out), "last": str(last)}
    rate = {"instances_per_second": round((steps - previous_steps) * batch_size / max(elapsed, 1e-9), 1)}
    if interrupted:
        if steps == previous_steps:
            raise KeyboardInterrupt                # stopped before the first step: nothing to keep
        trainer.save_checkpoint(str(last))
        return {**meta, **paths, **rate, "interrupted": True}
    if steps == previous_steps:
        raise InputError("training stopped before its first step" + (
            f": --max-time {max_time:g} s is too short" if max_time is not None else "")
            + (f" (it counts the whole run, and the run resumed had trained {previous:.0f} s already)"
               if max_time is not None and previous > 0 else "")
            + "; no model was written", field="--max-time" if max_time is not None else None)
    bad = [name for name, p in module.policy.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise InputError(f"training diverged: {len(bad)} weight tensors are not finite (e.g. {bad[0]}); "
                         f"lower --lr (it was {lr:g}); no model was written", field="--lr")
    if trainer.is_global_zero:
        paths["export"] = str(ckpts.export(out / "model.pt", meta, module.policy))
        if export is not None:
            paths["export"] = str(ckpts.export(export, meta, module.policy))
    return {**meta, **paths, **rate, "interrupted": False}


def _init_checkpoint(path: Path, resume: Any, problem: str | None, model: str | None,
                     preset: str | None) -> Any:
    """The checkpoint ``--init`` names, checked against the other options."""
    if resume is not None:
        raise InputError("--init starts a new run; --resume continues one: give one of them", field="--init")
    found = ckpts.read(path)
    if problem is not None and problem != found.kind:
        raise InputError(f"--init holds a {found.kind} model, not {problem}", path=path)
    if model is not None and (model == "matnet") != (found.model == "matnet"):
        raise InputError(f"--init holds a {found.model} network, which model {model} does not use", path=path)
    if preset is not None and found.meta.get("preset") not in (None, preset):
        raise InputError(f"--init holds a network of preset {found.meta.get('preset')}, not {preset}", path=path)
    return found


def _imitation(out: Path, env: Any, policy: Any, *, problem: str, size: int, seed: int, teacher: str,
               teacher_time: float, workers: int, train_size: int, val_size: int, batch_size: int,
               lr: float, progress: bool) -> tuple[Any, dict[str, Any]]:
    """Label what is missing of the teacher data in OUT/teacher, then the supervised module."""
    from . import teacher as teach
    from .imitation import Imitation

    settings = teach.Settings(problem, size, teacher, teacher_time, seed)
    folder = out / "teacher"
    summary = teach.label(folder, settings, {"val": val_size, "train": train_size}, workers=workers,
                          progress=progress)
    if summary["failed"] and progress:
        warnings.warn(f"{len(summary['failed'])} instances left out (e.g. {summary['failed'][0]})")
    train_set = teach.load(folder, "train", settings, train_size)
    val_set = teach.load(folder, "val", settings, val_size)
    module = Imitation(env, policy, problem, train_set, val_set, batch_size=batch_size, lr=lr, seed=seed)
    return module, {"train": len(train_set), "val": len(val_set), "failed": len(summary["failed"]),
                    "proved": summary["proved"], "seconds": summary["seconds"], "workers": workers}


__all__ = ["train", "check_values", "estimate_bytes", "run_folder", "ACCELERATORS", "PRECISIONS"]

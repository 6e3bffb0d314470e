"""``routeopt train``: train a neural solver (rl4co model, Lightning loop) in one command.

torch, rl4co and lightning are imported only when the command runs, so ``routeopt --help``
stays fast.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .common import EXIT_INTERRUPTED, console, error_line, fmt_time, print_json, stdout_to_stderr

PROBLEMS = "tsp, cvrp, vrptw, atsp, acvrp"


def train(
    problem: Annotated[Optional[str], typer.Option(help=f"Problem: {PROBLEMS} (default cvrp).")] = None,
    size: Annotated[Optional[int], typer.Option(help="Cities (tsp, atsp) or clients (cvrp, vrptw, "
                                                            "acvrp) per instance (default 50).")] = None,
    model: Annotated[Optional[str], typer.Option(help="am, pomo, symnco or matnet (atsp, acvrp) "
                                                      "(default pomo).")] = None,
    epochs: Annotated[int, typer.Option(help="Epochs in all (a resumed run counts the earlier ones).")] = 1,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", help="Instances per step (default 64; "
                                                      "with --resume, the run's).")] = None,
    train_size: Annotated[Optional[int], typer.Option("--train-size", help="Fresh instances per "
                                                      "epoch (default 100 x batch size).")] = None,
    val_size: Annotated[Optional[int], typer.Option("--val-size", help="Validation instances.")] = None,
    preset: Annotated[Optional[str], typer.Option(help="Network size: tiny, small (CPU), base (papers, "
                                                       "GPU) (default small).")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate (default 1e-4; with --resume, "
                                                     "the run's).")] = None,
    num_starts: Annotated[Optional[int], typer.Option("--num-starts", help="pomo/matnet: rollouts "
                                                      "per instance in training (default: one per client).")] = None,
    accelerator: Annotated[str, typer.Option(help="auto, gpu or cpu.")] = "auto",
    devices: Annotated[str, typer.Option(help="Devices (GPUs: several train with DDP) or auto.")] = "auto",
    precision: Annotated[Optional[str], typer.Option(help="Lightning precision, e.g. 32-true, bf16-mixed, "
                                                          "16-mixed (default: bf16-mixed on GPU, 32 on CPU).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default "
                                                "runs/MODEL-PROBLEMSIZE; with --resume, that run's folder).")] = None,
    resume: Annotated[Optional[Path], typer.Option(help="Continue from this Lightning checkpoint "
                                                        "(OUT/checkpoints/last.ckpt).")] = None,
    init: Annotated[Optional[Path], typer.Option(help="Start a new run from this checkpoint's weights "
                                                     "(e.g. RL fine-tuning of a --teacher model).")] = None,
    export: Annotated[Optional[Path], typer.Option(help="Also write the compact checkpoint here (.pt).")] = None,
    data: Annotated[Optional[str], typer.Option(help="Training instances: routeopt (its generators, "
                                                     "default) or rl4co (tsp, cvrp, atsp).")] = None,
    teacher: Annotated[Optional[str], typer.Option(help="Learn by imitation of this solver's answers: local, "
                                                        "pyvrp, ortools or milp (exact; small TSPs) (tsp, cvrp, "
                                                        "vrptw; model pomo or am).")] = None,
    teacher_time: Annotated[Optional[float], typer.Option("--teacher-time", help="Seconds the teacher "
                                                          "spends per instance (default 1).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Teacher processes labelling at once (default: "
                                                        "every core).")] = None,
    max_time: Annotated[Optional[float], typer.Option("--max-time", help="Stop after this many seconds of "
                                                      "training (a resumed run counts its earlier ones).")] = None,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Stop after this many steps (-1: no limit).")] = -1,
    threads: Annotated[Optional[int], typer.Option(help="torch CPU threads.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar or banner.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Train a neural solver; the checkpoint (OUT/model.pt) then solves with solver=MODEL, checkpoint=PATH.

    Lightning picks the device (GPU when present), precision and DDP for several GPUs; logs go to
    OUT/logs (CSV, and TensorBoard when installed), resumable checkpoints to OUT/checkpoints.
    """
    from ..neural.train import train as run_training

    command = "routeopt " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["train"] \
        else "routeopt train " + " ".join(shlex.quote(a) for a in _given(locals()))
    kwargs = dict(epochs=epochs, batch_size=batch_size, train_size=train_size, val_size=val_size,
                  preset=preset, lr=lr, accelerator=accelerator, devices=devices,
                  precision=precision, out=out, resume=resume, seed=seed, data=data, max_time=max_time,
                  max_steps=max_steps, progress=not no_progress and not as_json, command=command,
                  export=export, threads=threads, num_starts=num_starts, teacher=teacher,
                  teacher_time=teacher_time, workers=workers, init=init)
    if as_json:
        with stdout_to_stderr():
            summary = run_training(problem, size, model, **kwargs)
    else:
        summary = run_training(problem, size, model, **kwargs)
    if summary.get("interrupted"):
        last = summary["last"]
        error_line(f"interrupted after {summary['global_step']} steps; the last checkpoint is {last} "
                   f"(continue with: routeopt train --resume {shlex.quote(str(last))})")
        raise typer.Exit(EXIT_INTERRUPTED)
    if as_json:
        print_json(summary)
        return
    table = Table(title="routeopt train", title_justify="left", show_header=False)
    table.add_column(style="bold cyan", justify="right")
    table.add_column()
    rows = [("model", f"{summary['model']} ({summary['preset']}) on {summary['problem']}{summary['size']}"),
            ("device", f"{summary['device']} · {summary['precision']}"),
            ("epochs", f"{summary['epochs_done']} · {summary['global_step']} steps"),
            ("time", fmt_time(summary["train_time_s"])),
            ("throughput", f"{summary['instances_per_second']:g} instances/s"),
            ("val reward", "-" if summary["val_reward"] is None else f"{summary['val_reward']:.4f} "
                                                                     "(normalised units)"),
            *([("teacher", f"{summary['teacher']} ({summary['teacher_time']:g} s each) · "
                           f"{summary['labelling']['train']} + {summary['labelling']['val']} instances"
                           + (f" ({summary['labelling']['proved']} labelled now proved optimal)"
                              if summary['labelling'].get('proved') else "")
                           + (f" · val gap {summary['val_gap']:+.2f} % (greedy)"
                              if summary.get("val_gap") is not None else ""))]
              if summary.get("teacher") else []),
            ("checkpoint", summary.get("export", "-")),
            ("resume with", f"--resume {summary['last']}")]
    for key, value in rows:
        table.add_row(key, str(value))
    console().print(table)


def _given(values: dict) -> list[str]:
    """The options of a call made without a command line (tests, Python), written as options."""
    out = []
    for key in ("problem", "size", "model", "epochs", "batch_size", "train_size", "preset", "lr",
                "num_starts", "teacher", "teacher_time", "init", "accelerator", "out", "resume", "max_time", "max_steps", "seed"):
        value = values.get(key)
        if value is not None and value != -1:
            out += [f"--{key.replace('_', '-')}", str(value)]
    return out


__all__ = ["train"]

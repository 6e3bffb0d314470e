"""Teacher data: generated instances labelled by one of the project's solvers, for supervised
training (``routeopt train --teacher local --teacher-time 1``).

Instances come from :func:`routeopt.generate` with seeds drawn from 2^40 .. 2^62 by a generator
seeded with the run's seed (never the seeds 0, 1, 2, ... that tests and benchmarks use); each is
solved by the teacher within ``teacher_time`` seconds, its answer checked by the instance's own
``evaluate``, converted to the action sequence an rl4co environment follows (:mod:`.convert`)
and checked once more by stepping that environment through it (an action the environment would
mask, e.g. by a rounding of time windows, would make an infinite loss).

The dataset is a folder of shards, ``train/shard-00000.npz`` ... and ``val/...``, each holding
``SHARD`` instances: the converted instance fields, the padded actions, the teacher's cost (in
the instance's units and in normalised units) and the seeds. A shard is written whole (a temporary
file renamed) once its instances are labelled, and ``manifest.json`` records what labelled them,
so the same command started again skips the shards already there and labels the rest; one
labelled with other settings is refused rather than mixed in.

Labelling runs in worker processes (one teacher solve per process at a time, single-threaded)
with a progress bar.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import InputError

TEACHERS = ("local", "pyvrp", "ortools", "milp")
SOLVER = {"milp": "vrp-milp"}         # the teacher's registry name where the short one is ambiguous
FORMAT = "routeopt-teacher/1"
SHARD = 16                       # instances per file: what an interrupted run loses at most
SEED_LOW, SEED_HIGH = 2**40, 2**62


@dataclass(frozen=True)
class Settings:
    """What labels a dataset: two datasets with other settings are not mixed."""

    problem: str
    size: int
    teacher: str
    teacher_time: float
    seed: int

    def manifest(self) -> dict[str, Any]:
        return {"format": FORMAT, "problem": self.problem, "size": self.size, "teacher": self.teacher,
                "teacher_time": self.teacher_time, "seed": self.seed}


def seeds(settings: Settings, split: str, count: int) -> list[list[int]]:
    """The instance seeds of ``split`` ("train" or "val") shard by shard: fixed by the run's seed
    and the shard's number (so a larger count keeps every earlier seed), disjoint splits."""
    stream = {"train": 1, "val": 2}[split]
    out = []
    for i, lo in enumerate(range(0, count, SHARD)):
        drawn = np.random.default_rng([settings.seed, stream, i]).integers(SEED_LOW, SEED_HIGH, size=SHARD)
        out.append([int(x) for x in drawn[:min(SHARD, count - lo)]])
    return out


def max_actions(problem: str, size: int) -> int:
    """Length of the padded action rows: every client and a depot visit after each, at most."""
    return size if problem in ("tsp", "atsp") else 2 * size


def _label_one(problem: str, size: int, teacher: str, teacher_time: float, seed: int) -> dict[str, Any]:
    """One instance, generated and solved in a worker: its fields, actions and costs (or why not)."""
    from ..instances.generate import generate
    from ..solvers.base import Status
    from ..solvers.registry import solve
    from .convert import _one, to_actions

    p = generate(problem, n=size, seed=int(seed))
    r = solve(p, solver=SOLVER.get(teacher, teacher), time_limit=teacher_time, seed=0, threads=1)
    if r.solution is None or not p.evaluate(r.solution).feasible:
        return {"seed": int(seed), "failed": f"{r.status.value}: {r.message}"[:200]}
    fields, scaling = _one(p, problem)
    actions = to_actions(p, r.solution, problem)
    return {"seed": int(seed), "fields": fields, "actions": actions,
            "cost": float(p.evaluate(r.solution).objective), "scale": scaling.scale,
            "proved": r.status is Status.OPTIMAL}


def _env_check(problem: str, size: int, rows: list[dict[str, Any]]) -> list[bool]:
    """Whether the rl4co environment follows each row's actions without masking one of them."""
    import torch
    from tensordict import TensorDict

    from .envs import make_env

    env = make_env(problem, size)
    fields = {k: torch.as_tensor(np.stack([np.asarray(r["fields"][k], dtype=np.float32) for r in rows]))
              for k in rows[0]["fields"]}
    td = env.reset(TensorDict(fields, batch_size=[len(rows)]))
    acts = torch.as_tensor(_padded([r["actions"] for r in rows], max_actions(problem, size)).astype(np.int64))
    ok = torch.ones(len(rows), dtype=torch.bool)
    for step in range(acts.shape[1]):
        if td["done"].all():
            break
        a = acts[:, step]
        allowed = td["action_mask"].gather(1, a[:, None]).squeeze(1)
        ok &= allowed | td["done"].squeeze(-1)
        td.set("action", torch.where(allowed, a, td["action_mask"].float().argmax(1)))
        td = env.step(td)["next"]
    ok &= td["done"].squeeze(-1)
    return ok.tolist()


def _padded(rows: list[list[int]], length: int) -> np.ndarray:
    out = np.zeros((len(rows), length), dtype=np.int16)
    for i, a in enumerate(rows):
        if len(a) > length:
            raise ValueError(f"an action sequence of {len(a)} is longer than {length}")
        out[i, :len(a)] = a
    return out


def _shard_rows(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The labelled rows and the failed seeds of a shard written before."""
    with np.load(path) as z:
        data = {k: z[k] for k in z.files}
    keys = [k for k in data if k.startswith("field_")]
    rows = [{"seed": int(seed), "fields": {k[len("field_"):]: data[k][i] for k in keys},
             "actions": [int(a) for a in data["actions"][i, :data["lengths"][i]]],
             "cost": float(data["cost"][i]), "scale": float(data["scale"][i]),
             "proved": bool(data["proved"][i]) if "proved" in data else False}
            for i, seed in enumerate(data["seed"])]
    return rows, [int(x) for x in data["failed_seed"]]


def _write_shard(path: Path, problem: str, size: int, rows: list[dict[str, Any]], failed: list[int]) -> None:
    arrays: dict[str, np.ndarray] = {}
    if rows:
        arrays = {f"field_{k}": np.stack([np.asarray(r["fields"][k], dtype=np.float32) for r in rows])
                  for k in rows[0]["fields"]}
    arrays.update(actions=_padded([r["actions"] for r in rows], max_actions(problem, size)),
                  lengths=np.array([len(r["actions"]) for r in rows], dtype=np.int32),
                  cost=np.array([r["cost"] for r in rows], dtype=float),
                  scale=np.array([r["scale"] for r in rows], dtype=float),
                  seed=np.array([r["seed"] for r in rows], dtype=np.int64),
                  proved=np.array([bool(r.get("proved")) for r in rows], dtype=bool),
                  failed_seed=np.array(failed, dtype=np.int64))
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)


def check_folder(folder: Path, settings: Settings) -> None:
    """Refuse a dataset folder labelled with other settings (or not a dataset at all)."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return
    try:
        found = json.loads(manifest.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable teacher manifest: {exc}", path=manifest) from None
    want = settings.manifest()
    diff = [k for k in want if found.get(k) != want[k]]
    if diff:
        shown = ", ".join(f"{k} {found.get(k)!r} (asked: {want[k]!r})" for k in diff)
        raise InputError(f"the teacher data here was labelled with other settings: {shown}; use "
                         f"another --out or the same settings", path=manifest)


def label(folder: Path, settings: Settings, counts: dict[str, int], workers: int = 1,
          progress: bool = True, on_row: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Label ``counts[split]`` instances per split into ``folder`` (resuming what is there).

    Returns a summary: labelled now, found already, failed (teacher without a feasible answer or
    actions the environment refused), proved (of those labelled now, answers the teacher proved
    optimal: the exact ``milp`` within its time), seconds.
    """
    check_folder(folder, settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(settings.manifest(), indent=1) + "\n")
    todo: list[tuple[Path, list[int], list[dict[str, Any]], list[int]]] = []
    have = 0
    for split, count in counts.items():
        (folder / split).mkdir(exist_ok=True)
        for i, part in enumerate(seeds(settings, split, count)):
            path = folder / split / f"shard-{i:05d}.npz"
            try:
                rows, gave_up = _shard_rows(path) if path.exists() else ([], [])
            except (OSError, ValueError, KeyError) as exc:
                raise InputError(f"unreadable teacher shard ({exc}); remove it to label it again",
                                 path=path) from None
            known = {r["seed"] for r in rows} | set(gave_up)
            missing = [s for s in part if s not in known]
            have += len(part) - len(missing)
            if missing:
                todo.append((path, missing, rows, gave_up))
    start = time.perf_counter()
    failed: list[str] = []
    done = 0
    proved = 0
    total = sum(len(missing) for _, missing, _, _ in todo)
    if total:
        with _progress(progress, total, settings) as advance, _pool(workers) as pool:
            for path, missing, rows, gave_up in todo:
                args = [(settings.problem, settings.size, settings.teacher, settings.teacher_time, s)
                        for s in missing]
                new = []
                for row in pool.map(_label_one, *zip(*args)):
                    advance()
                    if "failed" in row:
                        failed.append(f"seed {row['seed']}: {row['failed']}")
                        gave_up.append(row["seed"])
                    else:
                        new.append(row)
                if new:
                    ok = _env_check(settings.problem, settings.size, new)
                    for r, good in zip(new, ok):
                        if not good:
                            failed.append(f"seed {r['seed']}: the environment masks one of its actions")
                            gave_up.append(r["seed"])
                    kept = [r for r, good in zip(new, ok) if good]
                    rows = rows + kept
                    proved += sum(r["proved"] for r in kept)
                _write_shard(path, settings.problem, settings.size, rows, gave_up)
                done += len(missing)
    return {"labelled": done - len(failed), "found": have, "failed": failed, "proved": proved,
            "seconds": round(time.perf_counter() - start, 1)}


class _pool:
    """Worker processes (spawned: the parent may hold torch's threads), or this process for one."""

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        self.executor: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> "_pool":
        if self.workers > 1:
            self.executor = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=exc[0] is None, cancel_futures=True)

    def map(self, fn: Callable[..., Any], *iterables: Any) -> Iterator[Any]:
        if self.executor is None:
            return map(fn, *iterables)
        return self.executor.map(fn, *iterables)


class _progress:
    def __init__(self, show: bool, total: int, settings: Settings):
        self.show, self.total, self.settings = show, total, settings
        self.bar: Any = None

    def __enter__(self) -> Callable[[], None]:
        if not self.show:
            return lambda: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), transient=False)
        self.bar.__enter__()
        s = self.settings
        task = self.bar.add_task(f"labelling {s.problem.upper()}{s.size} with {s.teacher} "
                                 f"({s.teacher_time:g} s each)", total=self.total)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@dataclass
class Labelled:
    """A split of a dataset in memory: instance fields [N, ...], actions [N, L], costs."""

    fields: dict[str, np.ndarray]
    actions: np.ndarray
    lengths: np.ndarray
    cost: np.ndarray
    scale: np.ndarray
    seed: np.ndarray

    def __len__(self) -> int:
        return len(self.actions)


def load(folder: Path, split: str, settings: Settings | None = None, count: int | None = None) -> Labelled:
    """The labelled instances of ``split`` in ``folder``, shard by shard (so always in the same
    order); with ``settings`` and ``count``, those of the first ``count`` planned seeds only (a
    folder labelled for a larger run serves a smaller one)."""
    paths = sorted((folder / split).glob("shard-*.npz"))
    planned = None
    if settings is not None and count is not None:
        plan = seeds(settings, split, count)
        paths, planned = paths[:len(plan)], {s for part in plan for s in part}
    parts = []
    for path in paths:
        try:
            with np.load(path) as z:
                part = {k: z[k] for k in z.files if k != "failed_seed"}
        except (OSError, ValueError) as exc:
            raise InputError(f"unreadable teacher shard: {exc}", path=path) from None
        if planned is not None:
            keep = np.isin(part["seed"], list(planned))
            part = {k: v[keep] for k, v in part.items()}
        if len(part.get("seed", ())):
            parts.append(part)
    if not parts:
        raise InputError(f"no labelled {split} instances", path=folder / split)
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    fields = {k[len("field_"):]: v for k, v in cat.items() if k.startswith("field_")}
    return Labelled(fields, cat["actions"].astype(np.int64), cat["lengths"], cat["cost"], cat["scale"],
                    cat["seed"])


__all__ = ["TEACHERS", "Settings", "Labelled", "label", "load", "seeds", "check_folder", "max_actions"]

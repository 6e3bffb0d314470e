"""Where comparator cells run: local processes, or Ray tasks on a cluster.

Both take the same cells and call :func:`~.isolate.run_isolated` for each, so a cell is one
process with a hard deadline either way; they differ only in who starts that process. Results
come back to the caller's thread through ``on_done`` as they finish, in completion order.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ...errors import InputError, RouteoptError
from .isolate import kill_all, run_isolated

EXECUTORS = ("local", "ray")


@dataclass
class Task:
    """One cell ready to run: its key, the payload for the child, its deadline."""

    key: str
    payload: dict[str, Any]
    deadline: float


Callback = Callable[[Task], None]
DoneCallback = Callable[[Task, dict[str, Any]], None]


def run_local(tasks: Sequence[Task], workers: int, on_start: Callback, on_done: DoneCallback) -> None:
    """``workers`` cells at a time, each in its own process (threads only wait on them)."""
    pending = list(reversed(tasks))
    with cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="routeopt-cell") as pool:
        running: dict[cf.Future, Task] = {}
        try:
            while pending or running:
                while pending and len(running) < workers:
                    task = pending.pop()
                    on_start(task)
                    running[pool.submit(run_isolated, task.payload, task.deadline)] = task
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    on_done(running.pop(future), future.result())
        except BaseException:
            for future in running:
                future.cancel()
            kill_all()
            raise


def _ray_cell(payload: dict[str, Any], deadline: float) -> dict[str, Any]:
    """The Ray task: prepare the solver on this node (not timed), then run the cell isolated."""
    from ..registry import solver_class
    try:
        solver_class(payload["solver_target"]).prepare()
    except Exception:   # the cell itself will report the problem with the solver
        pass
    record = run_isolated(payload, deadline)
    record["executor"] = "ray"
    return record


def run_ray(tasks: Sequence[Task], workers: int | None, on_start: Callback, on_done: DoneCallback,
            address: str | None = None, threads: int = 1) -> None:
    """Cells as Ray tasks (``num_cpus=threads`` each) on the cluster at ``address`` or on a local
    Ray started for this run; at most ``workers`` in flight (default: the cluster's CPUs)."""
    if address and "RAY_AUTH_MODE" not in os.environ and (
            os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")
            or os.path.exists(os.path.expanduser("~/.ray/auth_token"))):
        # Clusters started with `ray start` (Ray >= 2.5x) use token auth, but a driver given an
        # explicit address sends the token only when told to, and reads that when Ray is imported.
        os.environ["RAY_AUTH_MODE"] = "token"
    try:
        import ray
    except ImportError:
        raise RouteoptError("--executor ray needs Ray: pip install 'routeopt[distributed]'") from None
    started = not ray.is_initialized()
    if started:
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "configure_logging": False}
        if address:
            kwargs["address"] = address

        elif workers:
            kwargs["num_cpus"] = workers * threads
        try:
            ray.init(**kwargs)
        except (ConnectionError, ray.exceptions.RayError) as exc:
            raise InputError(f"--ray-address {address}: cannot connect to Ray ({str(exc).splitlines()[0]})") from None
    try:
        limit = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // threads))
        remote = ray.remote(num_cpus=threads, max_retries=0)(_ray_cell)
        pending = list(reversed(tasks))
        running: dict[Any, Task] = {}
        try:
            while pending or running:
                while pending and len(running) < limit:
                    task = pending.pop()
                    on_start(task)
                    running[remote.remote(task.payload, task.deadline)] = task
                done, _ = ray.wait(list(running), num_returns=1)
                for ref in done:
                    task = running.pop(ref)
                    try:
                        record = ray.get(ref)
                    except Exception as exc:      # the Ray worker itself died
                        record = {"status": "ERROR", "message": f"Ray task failed: {type(exc).__name__}: "
                                                                f"{str(exc).splitlines()[0] if str(exc) else ''}",
                                  "executor": "ray"}
                    on_done(task, record)
        except BaseException:
            for ref in running:
                ray.cancel(ref, force=True)
            raise
    finally:
        if started:
            ray.shutdown()

"""One comparator cell in its own process, with a hard deadline enforced from outside.

The parent side, :func:`run_isolated`, writes the cell (problem, solver, budget) to a file,
starts ``python -m routeopt.solvers.compare._child PAYLOAD RESULT`` in a new process group and,
once the child says it is ready to solve, waits at most ``deadline`` seconds. A solver that hangs is killed with its whole group (TIMEOUT);
one that crashes the interpreter, is killed by the kernel or runs out of memory costs only its
own cell (ERROR, with the exit signal and the last line it printed). The same function runs
inside a Ray task, so both executors isolate cells identically.

The child dies with its parent (``PR_SET_PDEATHSIG`` on Linux), and so does everything the
solver started: the child forks a watchdog into its process group that holds the read end of a
pipe whose write end only the parent has; when the parent dies, however it dies (``kill -9``
included), the pipe closes and the watchdog kills the whole group, helper processes of the
solver included. Warnings the solver raises are kept, one line each, in the cell's message.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def machine() -> str:
    """Where a cell ran: host, OS, architecture and CPU count."""
    return f"{socket.gethostname()} ({platform.system()} {platform.machine()}, {os.cpu_count()} cpu)"


STARTUP_LIMIT = 180.0   # seconds a cell's process may take to import its solver and get ready


def run_isolated(payload: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Run one cell in a child process; never raises for what the solver does.

    ``deadline`` counts from the moment the child is ready to solve (interpreter started, solver
    imported and prepared), so a loaded machine's slow imports do not eat the solver's budget.
    Returns the child's record, or one with status TIMEOUT / ERROR saying what happened.
    """
    with tempfile.TemporaryDirectory(prefix="routeopt-cell-") as tmp:
        payload_path, result_path, log_path, ready_path = (
            Path(tmp) / n for n in ("cell.pkl", "result.pkl", "log.txt", "ready"))
        payload = {**payload, "ready_path": str(ready_path)}
        payload_path.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        env = dict(os.environ)
        # the child sees what the parent imports from (tests, a user's solver module), first
        env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [env.get("PYTHONPATH", "")])
        env.setdefault("PYTHONUNBUFFERED", "1")
        env["ROUTEOPT_PARENT_PID"] = str(os.getpid())
        lifeline_read, lifeline = os.pipe()          # closes, and so wakes the watchdog, when we die
        env["ROUTEOPT_LIFELINE_FD"] = str(lifeline_read)
        start = time.perf_counter()
        ready_at: float | None = None
        timed_out = ""
        with open(log_path, "wb") as log:
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "routeopt.solvers.compare._child", str(payload_path), str(result_path)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                    start_new_session=True, pass_fds=(lifeline_read,))
            except BaseException:
                os.close(lifeline)
                raise
            finally:
                os.close(lifeline_read)
            with _LIVE_LOCK:
                _LIVE.add(proc)
            try:
                while proc.poll() is None:
                    now = time.perf_counter()
                    if ready_at is None and ready_path.exists():
                        ready_at = now
                    if ready_at is not None and now - ready_at > deadline:
                        timed_out = (f"killed after {now - ready_at:.1f} s: over the {payload['time_limit']:g} s "
                                     f"limit plus {deadline - payload['time_limit']:g} s grace")
                        break
                    if ready_at is None and now - start > STARTUP_LIMIT:
                        timed_out = f"killed: not ready to solve {STARTUP_LIMIT:g} s after starting"
                        break
                    time.sleep(0.02)
                _kill_group(proc)
                code = proc.wait()
            finally:
                _kill_group(proc)
                with _LIVE_LOCK:
                    _LIVE.discard(proc)
                os.close(lifeline)
        now = time.perf_counter()
        base = {"machine": machine(), "wall": now - start}
        if timed_out:
            return {**base, "status": "TIMEOUT", "runtime": now - (ready_at or start), "message": timed_out}
        if result_path.exists():
            try:
                record = pickle.loads(result_path.read_bytes())
                return {**base, **record}
            except Exception as exc:  # a truncated file: the child died while writing it
                return {**base, "status": "ERROR", "runtime": now - (ready_at or start),
                        "message": f"unreadable result ({type(exc).__name__}){_last_line(log_path)}"}
        return {**base, "status": "ERROR", "runtime": now - (ready_at or start),
                "message": f"solver process {_describe_exit(code)}{_last_line(log_path)}"}


def kill_all() -> None:
    """Kill every child still running (on Ctrl-C, or when the run is cancelled)."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # the solver and anything it started (CBC, workers)
    except (ProcessLookupError, PermissionError, AttributeError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {code} without an answer"


def _last_line(log_path: Path) -> str:
    """What the dying process said: its fatal error, else its last line of output."""
    try:
        lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        lines = []
    fatal = [ln for ln in lines if ln.startswith("Fatal Python error")]
    if fatal:
        return f" ({fatal[-1][:200]})"
    return f"; last output: {lines[-1][:300]}" if lines and not lines[-1].startswith("File ") else ""


# --------------------------------------------------------------------------- child side
def _die_with_parent() -> None:
    """Where ``PR_SET_PDEATHSIG`` is missing (not Linux), poll for the parent instead."""
    parent = int(os.environ.get("ROUTEOPT_PARENT_PID", os.getppid()))

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(137)
            time.sleep(0.5)
    threading.Thread(target=watch, daemon=True).start()


def _limit_memory(megabytes: float | None) -> None:
    if not megabytes:
        return
    import resource
    limit = int(megabytes * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _cpu_seconds() -> float | None:
    try:
        import resource
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    except Exception:
        return None


def one_line_warning(message: Warning | str, category: type, filename: str, lineno: int) -> str:
    """A warning as one line: ``Category: message (file:line)``."""
    text = " ".join(str(message).split())
    return f"{category.__name__}: {text} ({Path(filename).name}:{lineno})"


def _keep_warnings(seen: list[str]) -> None:
    """Every warning of this process goes, once and on one line, to ``seen`` and to the log."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = one_line_warning(message, category, filename, lineno)
        if text not in seen:
            seen.append(text)
            print(f"warning: {text}", file=sys.stderr)
    warnings.showwarning = show
    warnings.simplefilter("default")      # each distinct warning once per place, as usual


def child_record(payload: dict[str, Any]) -> dict[str, Any]:
    """Solve the cell in this process and describe the answer (the parent re-scores it)."""
    from ...errors import RouteoptError
    from ..registry import solve, solver_class

    record: dict[str, Any] = {"status": "ERROR"}
    seen: list[str] = []
    _keep_warnings(seen)
    try:
        cls = solver_class(payload["solver_target"])
        solver = cls(**payload.get("options", {}))
        cls.prepare()                             # JIT caches, models: loaded before the clock starts
        if payload.get("ready_path"):
            Path(payload["ready_path"]).touch()   # the parent's deadline starts now
        cpu_start, wall_start = _cpu_seconds(), time.perf_counter()
        result = solve(payload["problem"], solver, time_limit=payload["time_limit"],
                       seed=payload["seed"], threads=payload.get("threads", 1))
        wall = time.perf_counter() - wall_start
    except RouteoptError as exc:
        return {**record, "message": " ".join(str(exc).split())}
    cpu_end = _cpu_seconds()
    if result.message.startswith("MemoryError"):
        limit = payload.get("memory_limit")
        result.message = "out of memory (MemoryError)" + (f" under the {limit:g} MiB limit" if limit else "")
    meta = dict(result.metadata)
    if seen:
        shown = "; ".join(f"warning: {w}" for w in seen[:5]) + (f"; {len(seen) - 5} more warnings"
                                                                 if len(seen) > 5 else "")
        result.message = f"{result.message}; {shown}" if result.message else shown
    record.update({
        "status": str(result.status), "objective": result.objective, "bound": result.bound,
        "runtime": result.runtime or wall, "message": result.message,
        "solution": None if result.solution is None else result.solution.to_dict(),
        "solver_version": meta.pop("solver_version", None) or cls.version(),
        "progress": meta.pop("progress", None), "claimed_objective": meta.get("claimed_objective"),
        "cpu_time": None if cpu_start is None or cpu_end is None else cpu_end - cpu_start,
    })
    return record


def child_main(payload_path: str, result_path: str) -> int:
    _die_with_parent()
    faulthandler.enable()                         # a segfault leaves "Fatal Python error" in the log
    os.dup2(2, 1)                                 # library chatter goes to the log, not the result
    try:
        payload = pickle.loads(Path(payload_path).read_bytes())
        _limit_memory(payload.get("memory_limit"))
        record = child_record(payload)
    except MemoryError:
        record = {"status": "ERROR", "message": "out of memory (MemoryError)"}
    except BaseException as exc:  # report anything, the parent records it as this cell's error
        traceback.print_exc()
        record = {"status": "ERROR", "message": " ".join(f"{type(exc).__name__}: {exc}".split())}
    tmp = Path(result_path + ".tmp")
    tmp.write_bytes(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, result_path)                  # the parent sees a whole record or none
    return 0



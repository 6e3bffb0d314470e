"""``threads=N`` for the ``local`` solver: N independent searches, seeds ``seed .. seed+N-1``.

The kernels hold the GIL (numba without ``nogil``), so threads do not run them in parallel
(measured: two threads in 3 s did 467 steps together, one thread alone 408). The searches run
in processes instead: this process runs the search of ``seed`` itself (exactly the
``threads=1`` search), and N-1 child interpreters run ``python -m
routeopt.solvers.vrp.local_parallel PAYLOAD RESULT`` with the next seeds. Children are plain
subprocesses rather than ``multiprocessing`` ones because spawn and forkserver both re-import
the caller's ``__main__`` in every child: a user script without an ``if __name__ ==
"__main__"`` guard would then start searches recursively.

Every search stops at the same wall-clock deadline (the time limit counted from the solve's
start; a child's start-up, 1.5 s on an idle core and up to 5 s measured on a busy 2-core machine
while numba loads its cache, comes out of its own search time), after ``iterations`` steps when
given (each search then reproducible for its seed), or on a stop. A stop request (SIGINT,
SIGTERM) in this process is relayed to the children through their stdin, which is also their
lifeline: when it closes (this process died, even by SIGKILL) a child exits; on Linux the kernel
also kills it with its parent (``PR_SET_PDEATHSIG``). At the deadline or a stop, a child still
starting is killed at once (it has nothing to give) and a searching one gets a second to hand in
its best, so no search outlives the solve. The best feasible answer under ``problem.evaluate``
wins; ``metadata["searches"]`` lists every search's seed, objective, steps and start-up, and
``metadata["progress"]`` is the best cost over time across all of them.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ..base import Budget, Result, Status
from ..stop import request_stop, stop_on_signals, stop_requested
from .local import _run, warm_up

GRACE = 1.0          # seconds a search may overrun the deadline or a stop before it is killed
MAX_SEED = 2**32


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:       # not Linux
        return os.cpu_count() or 1


def run_parallel(problem, budget: Budget, options: dict[str, Any], start: float) -> Result:
    """``budget.threads`` searches of ``local`` in parallel; the best feasible one's result."""
    n = budget.threads
    seeds = [(budget.seed + i) % MAX_SEED for i in range(n)]
    deadline = time.time() + budget.time_limit - (time.perf_counter() - start)
    with tempfile.TemporaryDirectory(prefix="routeopt-local-") as tmp:
        payload = Path(tmp) / "payload.pkl"
        payload.write_bytes(pickle.dumps({"problem": problem, "options": options, "deadline": deadline},
                                         protocol=pickle.HIGHEST_PROTOCOL))
        children: list[_Child] = []
        try:
            for seed in seeds[1:]:          # started first: their start-up overlaps ours
                children.append(_Child(seed, payload, Path(tmp)))
            compile_time = warm_up()
            own = _run(problem, budget, options, start, compile_time)
            _wait(children, deadline)
        finally:
            for child in children:
                child.kill()
        results = [own] + [child.result() for child in children]
    best = _best(problem, seeds, results, children)
    best.metadata["progress"] = _merged_progress(results, deadline - budget.time_limit)
    return best


def _merged_progress(results: list[Result | None], began: float) -> list[tuple[float, float]]:
    """The best cost over time across all searches, in seconds from the start of the solve (a
    child's own clock starts when it begins searching): the curve the comparator plots."""
    points = []
    for result in results:
        if result is None:
            continue
        offset = result.metadata.get("search_began", began) - began
        points += [(t + offset, c) for t, c in result.metadata.get("progress", [])]
    merged: list[tuple[float, float]] = []
    for t, c in sorted(points):
        if not merged or c < merged[-1][1]:
            merged.append((t, c))
    return merged


def _wait(children: list["_Child"], deadline: float) -> None:
    """Until every child has exited, or a second after the deadline or a stop request."""
    hard_end = deadline + GRACE
    stopped = False
    while any(child.running() for child in children):
        now = time.time()
        if not stopped and (stop_requested() or now >= deadline):
            for child in children:
                if child.searching():
                    child.stop()
                else:                   # still starting: it has nothing to give, and its start-up
                    child.kill()        # (numba loading its cache) cannot be interrupted
            stopped = True
            hard_end = min(hard_end, now + GRACE)
        if now >= hard_end:
            return
        time.sleep(0.02)


def _best(problem, seeds: list[int], results: list[Result | None], children: list["_Child"]) -> Result:
    searches: list[dict[str, Any]] = []
    best, best_key = None, None
    for i, (seed, result) in enumerate(zip(seeds, results)):
        entry: dict[str, Any] = {"seed": seed, "objective": None, "feasible": False, "iterations": None}
        if result is None:
            entry["error"] = children[i - 1].failure()
        elif result.solution is not None:
            evaluation = problem.evaluate(result.solution)
            entry.update(objective=evaluation.objective, feasible=not evaluation.violations,
                         iterations=result.metadata.get("iterations"))
            if "start_up" in result.metadata:
                entry["start_up"] = round(result.metadata["start_up"], 2)
            # feasible first, then the lowest objective (a larger one when the problem maximises)
            key = (not entry["feasible"], evaluation.objective if problem.sense == "min" else -evaluation.objective)
            if best_key is None or key < best_key:
                best, best_key = i, key
        searches.append(entry)
    result = results[0] if best is None else results[best]
    if result is None:         # cannot happen: our own search always answers
        result = Result("local", problem.name, Status.NO_SOLUTION)
    cores = usable_cores()
    result.metadata.update(threads=len(seeds), searches=searches, best_seed=seeds[best or 0], cpu_cores=cores)
    if cores < len(seeds):
        result.metadata["threads_note"] = (f"{len(seeds)} searches on {cores} CPU cores: they share the cores, "
                                           f"so each ran slower than alone")
    return result


class _Child:
    """One search in a child interpreter: its stdin carries the stop request and is its lifeline."""

    def __init__(self, seed: int, payload: Path, tmp: Path) -> None:
        self.seed = seed
        self.result_path = tmp / f"result-{seed}.pkl"
        self.log_path = tmp / f"log-{seed}.txt"
        self.ready_path = tmp / f"ready-{seed}"
        env = dict(os.environ)
        # the child imports routeopt from where we do (a checkout, a virtual environment)
        env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [env.get("PYTHONPATH", "")])
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "routeopt.solvers.vrp.local_parallel", str(payload),
                 str(self.result_path), str(self.ready_path), str(seed), repr(time.time())],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log, env=env)

    def running(self) -> bool:
        # its answer written is enough: the interpreter's exit (numba's teardown) is not waited for
        return self.proc.poll() is None and not self.result_path.exists()

    def searching(self) -> bool:
        return self.ready_path.exists()

    def stop(self) -> None:
        try:
            self.proc.stdin.write(b"s")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def result(self) -> Result | None:
        try:
            return pickle.loads(self.result_path.read_bytes())
        except Exception:          # absent (killed, too late) or truncated
            return None

    def failure(self) -> str:
        code = self.proc.returncode
        if code is not None and code < 0:
            if not self.searching():
                return "still starting (loading the compiled kernels) at the deadline or stop"
            return f"killed by {signal.Signals(-code).name} (no answer by the deadline)"
        lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        return f"exited with code {code}" + (f": {lines[-1][:300]}" if lines else "")


# --------------------------------------------------------------------------- child side
def _child_main(payload_path: str, result_path: str, ready_path: str, seed: int, started: float) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # a Ctrl-C reaches the parent, which relays it
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG: die with the parent
        except Exception:
            pass
    stopped = threading.Event()

    def orphaned() -> None:
        # the parent is gone (it closes our stdin only after we exited), and its clean-up with it
        # (on Linux the kernel's SIGKILL usually comes first and the folder stays in the temp dir)
        shutil.rmtree(Path(payload_path).parent, ignore_errors=True)
        os._exit(1)

    def watch() -> None:
        if not sys.stdin.buffer.read(1):       # end of file
            orphaned()
        stopped.set()
        request_stop("parent")
        sys.stdin.buffer.read()                # then wait for the parent's end as well
        orphaned()

    threading.Thread(target=watch, daemon=True).start()
    data = pickle.loads(Path(payload_path).read_bytes())
    compile_time = warm_up()
    left = data["deadline"] - time.time()
    if stopped.is_set() or left <= 0.1:
        return 0
    Path(ready_path).touch()                   # searching from now on: worth waiting for at the end
    start_up = time.time() - started
    began = time.time()
    with stop_on_signals():                    # SIGTERM sent to this child: stop with the best so far
        if stopped.is_set():                   # asked before the handlers (and the flag) were set up
            request_stop("parent")
        left = max(0.01, data["deadline"] - time.time())
        result = _run(data["problem"], Budget(time_limit=left, seed=seed), data["options"],
                      time.perf_counter(), compile_time)
    result.metadata["start_up"] = start_up     # seconds from the parent's start of this process to searching
    result.metadata["search_began"] = began    # wall clock: places its progress on the solve's clock
    tmp = result_path + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))

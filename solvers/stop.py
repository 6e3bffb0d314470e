"""Stopping a solver from outside: SIGINT (Ctrl-C) or SIGTERM during a solve.

A solve runs inside :func:`stop_on_signals`, which swaps the handlers of SIGINT and SIGTERM for
one that only sets a flag; every solver polls :func:`stop_requested` between its steps (OR-Tools
through a search limit, PyVRP through its stopping criterion, ``local`` between chunks) and
returns the best answer it has. A second signal of the same kind is not waited on: the previous
handler takes it (Ctrl-C twice raises ``KeyboardInterrupt``; SIGTERM twice ends the process).

Handlers can only be installed from the main thread; elsewhere the flag is still polled, and
:func:`request_stop` sets it by hand.

>>> with stop_on_signals() as stop:
...     request_stop()
...     stop_requested()
True
>>> stop.signal
'request'
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from typing import Any, Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_FLAG = threading.Event()
_LOCK = threading.Lock()
_DEPTH = 0
_STATE: "StopState | None" = None


class StopState:
    """What stopped the solve: ``signal`` (``"SIGINT"``, ``"SIGTERM"``, ``"request"``) or None,
    and ``after``, the seconds from the start of the solve to the request."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.signal: str | None = None
        self.after: float | None = None

    def note(self, name: str) -> None:
        if self.signal is None:
            self.signal, self.after = name, time.perf_counter() - self.start

    def mark(self, result: Any) -> Any:
        """Say on ``result`` (a :class:`~routeopt.solvers.base.Result`) that it is the best answer
        found before the stop: ``metadata["interrupted"]`` and a message. Idempotent."""
        if self.signal is None or result is None or result.metadata.get("interrupted"):
            return result
        result.metadata["interrupted"] = self.signal
        result.metadata["interrupted_after"] = self.after
        note = f"interrupted by {self.signal} after {self.after:.1f} s: best answer found so far"
        result.message = f"{note}; {result.message}" if result.message else note
        return result


def stop_requested() -> bool:
    """True once a stop was requested during the current solve. Pure Python on purpose: a call
    from a C++ library's callback lets the interpreter run a pending signal handler first."""
    return _FLAG.is_set()


def request_stop(reason: str = "request") -> None:
    """Ask the running solve to stop and return its best answer (from any thread)."""
    if _STATE is not None:
        _STATE.note(reason)
    _FLAG.set()


def _handler(previous: dict[int, Any]):
    def handle(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if _FLAG.is_set() and _STATE is not None and _STATE.signal == name:
            _second(signum, previous.get(signum), frame)     # asked twice: stop now
            return
        request_stop(name)
    return handle


def _second(signum: int, previous: Any, frame: Any) -> None:
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_IGN:
        return
    elif signum == signal.SIGINT:
        raise KeyboardInterrupt
    else:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopState]:
    """Within the block, SIGINT and SIGTERM set the stop flag instead of interrupting. Nested
    uses share the outermost one's state; the flag is cleared when the outermost one is entered."""
    global _DEPTH, _STATE
    with _LOCK:
        _DEPTH += 1
        outer = _DEPTH == 1
        if outer:
            _FLAG.clear()
            _STATE = StopState()
        state = _STATE
    previous: dict[int, Any] = {}
    if outer and threading.current_thread() is threading.main_thread():
        handle = _handler(previous)
        for sig in SIGNALS:
            try:
                previous[sig] = signal.signal(sig, handle)
            except (ValueError, OSError):       # not allowed here (embedded interpreter)
                pass
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        with _LOCK:
            _DEPTH -= 1
            if outer:
                _STATE = None
                _FLAG.clear()


__all__ = ["stop_on_signals", "stop_requested", "request_stop", "StopState"]

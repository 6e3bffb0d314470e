"""``python -m routeopt.solvers.compare._child PAYLOAD RESULT``: the process of one cell.

Kept apart from :mod:`.isolate` so that running it with ``-m`` does not import it twice. The
first thing it does, before the slow imports, is tie its life to its parent's (a killed compare
run must leave no solver behind).
"""

import os
import signal
import sys

_LIFELINE = os.environ.pop("ROUTEOPT_LIFELINE_FD", None)
if _LIFELINE is not None and hasattr(os, "fork"):
    # The watchdog: it waits for the parent's end of the pipe to close (the cell is over, or the
    # parent died, even by SIGKILL), then kills this whole process group: the solver and every
    # helper process it started. Forked before any thread or heavy import exists.
    if os.fork() == 0:
        try:
            while os.read(int(_LIFELINE), 64):
                pass
        except OSError:
            pass
        os.killpg(0, signal.SIGKILL)
        os._exit(0)
    os.close(int(_LIFELINE))

if sys.platform.startswith("linux"):
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG: die with the parent
    except Exception:
        pass
if os.environ.get("ROUTEOPT_PARENT_PID", str(os.getppid())) != str(os.getppid()):
    os._exit(137)                                      # the parent died before prctl took hold

from .isolate import child_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1], sys.argv[2]))

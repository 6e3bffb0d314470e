"""``python -m routeopt.solvers.compare._child PAYLOAD RESULT``: the process of one cell.

Kept apart from :mod:`.isolate` so that running it with ``-m`` does not import it twice. The
first thing it does, before the slow imports, is tie its life to its parent's (a killed compare
run must leave no solver behind).
"""

import os
import signal
import sys

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

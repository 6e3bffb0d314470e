"""Neural attention solvers (rl4co policies trained with Lightning), first-class routeopt solvers.

Modules: :mod:`.convert` (VRP <-> rl4co TensorDict), :mod:`.envs` (environments, training data),
:mod:`.models` (AM, POMO, Sym-NCO, MatNet), :mod:`.train` (``routeopt train``),
:mod:`.checkpoints`, :mod:`.inference` (decoding, batching) and :mod:`.solver` (the registered
solvers and ``solve_batch``). torch and rl4co are imported by those modules, not here.
"""

import os as _os
import sys as _sys

# Importing rl4co.envs compiles rl4co's TSP 2-opt helper with numba (eager signatures, no cache):
# 10-30 s in every process, for a function routeopt never calls. Marking the module missing makes
# rl4co fall back as it does without numba (TSPEnv.local_search unavailable).
# ROUTEOPT_RL4CO_TSP_LS=1 keeps it.
if not _os.environ.get("ROUTEOPT_RL4CO_TSP_LS"):
    _sys.modules.setdefault("rl4co.envs.routing.tsp.local_search", None)

"""MoE load-balancing benchmark: every method over n in {4096, 32768}, m in {16, 64, 256}, k in {1, 2, 8}.

    python benchmarks/balance.py            # the full grid (CPU; add --device cuda on a GPU)
    python benchmarks/balance.py --quick    # n=1024, m in {16, 64}, k in {1, 2}: about a minute
    python benchmarks/balance.py --exact -t 120   # exact vs bip vs MILP (120 s) at n=32768 m=256 k=8,
                                                  # and the gap to the optimum on every generator

The same as ``routeopt balance bench``; the protocol is in :mod:`routeopt.solvers.balance.bench`.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    from routeopt.cli.app import main

    main(["balance", "bench", *sys.argv[1:]])

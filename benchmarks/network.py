"""Packet routing in datacenter fabrics: each method's maximum link congestion over the LP
optimum (ideal packet spraying), sub-flows per flow and solve time.

Protocol: :mod:`routeopt.solvers.network.bench` (leaf-spine 16 x 16 x 16 with all-to-all and ring
traffic; fat-trees k = 8 and 16 with all-to-all, ring, permutation and incast; flows of size 1,
fabric links of capacity 1, ample host links, methods one after another with ``--time-limit``).

    python benchmarks/network.py --quick          # small fabrics, seconds; prints the table only
    python benchmarks/network.py --out            # the full protocol (minutes), recorded in
                                                  # benchmarks/results/network.txt
    python benchmarks/network.py --out FILE       # ... recorded in FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

from routeopt.cli.network import network_app

RESULTS = Path(__file__).resolve().parent / "results" / "network.txt"


def arguments(argv: list[str]) -> list[str]:
    """``--out`` without a file names the recorded results; nothing is written unless asked."""
    argv = list(argv)
    for i, arg in enumerate(argv):
        if arg in ("--out", "-o") and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            argv.insert(i + 1, str(RESULTS))
            break
    return ["bench", *argv]


if __name__ == "__main__":
    sys.exit(network_app(arguments(sys.argv[1:]), prog_name="benchmarks/network.py"))

"""One HiGHS session set-up for every solver that calls highspy directly (network LP/MILP, the
balance BIP) or through PuLP (the VRP MILP)."""

from __future__ import annotations

from typing import Any


def reset_scheduler() -> None:
    """HiGHS keeps one thread pool per process, sized by its first run; a later run asking for
    another size (here or in another module) fails unless the pool is rebuilt first."""
    import highspy
    highspy.Highs.resetGlobalScheduler(True)


def session(time_limit: float, threads: int, seed: int, **options: Any):
    """A quiet ``highspy.Highs`` with the budget's time limit, threads and seed (and ``options``)."""
    import highspy
    reset_scheduler()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(max(0.01, time_limit)))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", int(seed))
    for key, value in options.items():
        h.setOptionValue(key, value)
    return h

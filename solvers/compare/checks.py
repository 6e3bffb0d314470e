"""Arguments of a compare run checked where they enter, before anything runs: every number in
its range (one line naming the argument, ``--grace`` on the command line) and no output that
would replace an instance file.
"""

from __future__ import annotations

import math
from typing import Any

from ...errors import InputError
from ...instances import _io
from ..base import MAX_SEED, MAX_THREADS, MAX_TIME_LIMIT

MAX_WORKERS = 4096
MAX_SEEDS = 100_000
MIN_MEMORY_MIB = 64          # below this not even the interpreter of a cell starts


def _flag(name: str, cli: bool) -> str:
    return f"--{name.replace('_', '-')}" if cli else name


def check_arguments(*, time_limit: Any, seeds: Any = 1, workers: Any = None, threads: Any = 1,
                    grace: Any = None, memory_limit: Any = None, cli: bool = False) -> dict[str, Any]:
    """Every numeric argument of :func:`compare` checked where it enters: one ``InputError``
    naming the argument (``--grace`` on the command line) and its valid range; returns them
    converted (``seeds`` as the list of seeds)."""
    def num(name: str, value: Any, low: float, high: float, integer: bool = False, what: str = "") -> Any:
        label = _flag(name, cli)
        try:
            if isinstance(value, bool):
                raise TypeError
            x = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{label} must be {'an integer' if integer else 'a number'}, got {value!r}") from None
        if not math.isfinite(x) or (integer and not x.is_integer()) or not low <= x <= high:
            raise InputError(f"{label} must be {what or f'between {low:g} and {high:g}'}, got {value!r}")
        return int(x) if integer else x

    out: dict[str, Any] = {}
    out["time_limit"] = num("time_limit", time_limit, 0, MAX_TIME_LIMIT,
                            what=f"a positive number of seconds up to {MAX_TIME_LIMIT:.0f} (30 days)")
    if out["time_limit"] <= 0:
        raise InputError(f"{_flag('time_limit', cli)} must be a positive number of seconds up to "
                         f"{MAX_TIME_LIMIT:.0f} (30 days), got {time_limit!r}")
    if isinstance(seeds, (int, float, str)) and not isinstance(seeds, bool):
        count = num("seeds", seeds, 1, MAX_SEEDS, integer=True, what=f"a whole number from 1 to {MAX_SEEDS}")
        out["seeds"] = list(range(count))
    else:
        try:
            items = list(seeds)
        except TypeError:
            raise InputError(f"{_flag('seeds', cli)} must be a count or a list of seeds, got {seeds!r}") from None
        if not items:
            raise InputError(f"{_flag('seeds', cli)}: give at least one seed")
        out["seeds"] = [num("seeds", x, 0, MAX_SEED, integer=True, what=f"whole numbers from 0 to {MAX_SEED}")
                        for x in items]
    out["workers"] = None if workers is None else num("workers", workers, 1, MAX_WORKERS, integer=True,
                                                      what=f"a whole number from 1 to {MAX_WORKERS}")
    out["threads"] = num("threads", threads, 1, MAX_THREADS, integer=True,
                         what=f"a whole number from 1 to {MAX_THREADS}")
    out["grace"] = None if grace is None else num("grace", grace, 0, MAX_TIME_LIMIT,
                                                  what="a number of seconds, 0 or more (30 days at most)")
    out["memory_limit"] = None if memory_limit is None else num(
        "memory_limit", memory_limit, MIN_MEMORY_MIB, 2.0**40,
        what=f"a number of MiB, at least {MIN_MEMORY_MIB}")
    return out


check_outputs = _io.check_outputs     # one rule for every command: no output over an input


__all__ = ["check_arguments", "check_outputs"]

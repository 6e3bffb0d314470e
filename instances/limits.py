"""Sizes refused before anything is allocated: the estimate against one memory limit.

The limit is ``ROUTEOPT_MAX_MEMORY`` (a size such as ``8G``, ``512M`` or a number of bytes) or,
when unset, half of this machine's physical memory. A refused size is an ``InputError`` that
gives the estimate, the limit, and how to raise it.

>>> check_memory(20_000 * 20_000 * 8, "a 20,000-node distance matrix", limit=2**30)
Traceback (most recent call last):
...
routeopt.errors.InputError: a 20,000-node distance matrix needs about 2.98 GiB, more than the limit of 1.00 GiB (set ROUTEOPT_MAX_MEMORY, e.g. ROUTEOPT_MAX_MEMORY=64G, to raise it)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import InputError

ENV = "ROUTEOPT_MAX_MEMORY"
_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``8G``, ``512M``, ``1.5T``, ``123456`` (bytes) as a number of bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(?:I?B)?\s*", str(text).upper())
    if match is None:
        raise InputError(f"{ENV}={text!r}: expected a size such as 8G, 512M or a number of bytes")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def memory_limit() -> int:
    """The limit in bytes: ``ROUTEOPT_MAX_MEMORY``, else half of the physical memory."""
    given = os.environ.get(ENV, "").strip()
    if given:
        return parse_size(given)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):     # not POSIX: a conservative 4 GiB
        return 4 * 2**30


def check_memory(nbytes: float, what: str, *, path: str | Path | None = None, field: str | None = None,
                 limit: int | None = None) -> None:
    """Refuse ``what`` when its estimated ``nbytes`` pass the limit, before it is allocated."""
    limit = memory_limit() if limit is None else limit
    if nbytes > limit:
        raise InputError(f"{what} needs about {nbytes / 2**30:.2f} GiB, more than the limit of "
                         f"{limit / 2**30:.2f} GiB (set {ENV}, e.g. {ENV}=64G, to raise it)",
                         path=path, field=field)

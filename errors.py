"""Exceptions shared by every layer.

Each one renders as a single line that says what is wrong and where, so the CLI can print
``str(error)`` and exit non-zero without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class RouteoptError(Exception):
    """Base class of every error routeopt raises on purpose."""


class InputError(RouteoptError, ValueError):
    """Bad input: a malformed file, an impossible instance, a bad field value.

    ``InputError("negative demand -3", path="a.vrp", line=12)`` reads
    ``a.vrp:12: negative demand -3``; ``field`` names the section or attribute when there is
    no line (an in-memory instance).
    """

    def __init__(self, message: str, *, path: str | Path | None = None,
                 line: int | None = None, field: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "")
        if self.field is not None:
            where = f"{where} [{self.field}]" if where else f"[{self.field}]"
        return f"{where}: {self.message}" if where else self.message


class UnsupportedError(RouteoptError):
    """A solver was asked for a problem, feature or size it cannot handle."""


class UnknownSolverError(RouteoptError, KeyError):
    """No solver is registered under that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0] if self.args else ""

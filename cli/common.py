"""What every command shares: consoles, the one-line error contract, exit codes, number formatting.

Exit codes: 0 success; 1 the solver ran but returned no feasible answer; 2 bad input or usage
(any :class:`~routeopt.errors.RouteoptError`, a missing file, a bad option); 3 a bug (an
unexpected exception; ``ROUTEOPT_DEBUG=1`` shows its traceback); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Iterator

import typer
from rich.console import Console

from ..errors import InputError, RouteoptError

try:  # recent typer carries its own copy of click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click.exceptions import ClickException, UsageError

EXIT_OK, EXIT_NO_ANSWER, EXIT_INPUT, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEBUG_ENV = "ROUTEOPT_DEBUG"

STATUS_STYLE = {"OPTIMAL": "bold green", "FEASIBLE": "green", "INFEASIBLE": "red",
                "NO_SOLUTION": "yellow", "TIMEOUT": "yellow", "ERROR": "bold red",
                "UNSUPPORTED": "dim"}


def console(stderr: bool = False) -> Console:
    """A console on the current stdout/stderr; 160 columns when not a terminal so that piped
    tables are not squeezed into 80. Markup is off: instance names and descriptions are data
    (``U[0,1]``, ``[kind]``), so styles come from ``Text`` objects only."""
    c = Console(stderr=stderr, highlight=False, markup=False)
    if not c.is_terminal and "COLUMNS" not in os.environ:
        c = Console(stderr=stderr, highlight=False, markup=False, width=160)
    return c


def key_value_grid():
    """The two-column layout of every panel: a bold label on the right, its value on the left."""
    from rich.table import Table
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", justify="right")
    grid.add_column()
    return grid


def debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0", "false", "no")


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def error_line(message: object) -> None:
    """``error: <message>`` on stderr as exactly one line (red on a terminal)."""
    typer.echo(typer.style("error:", fg="red", bold=True) + " " + one_line(message), err=True)


def fold_warnings() -> None:
    """Library warnings (numpy, PyVRP, Lightning) as one line each on stderr, each text once."""
    import warnings
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = f"warning: {category.__name__}: {one_line(message)}"
        if text not in seen:
            seen.add(text)
            typer.echo(typer.style("warning:", fg="yellow") + text[len("warning:"):], err=True)

    warnings.showwarning = show


def report_exception(exc: BaseException) -> int:
    """Print ``exc`` as one line and return the exit code it deserves."""
    if debug():
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if isinstance(exc, RouteoptError):
        error_line(exc)
        return EXIT_INPUT
    if isinstance(exc, FileNotFoundError):
        error_line(f"{exc.filename}: no such file" if exc.filename else exc)
        return EXIT_INPUT
    if isinstance(exc, (IsADirectoryError, NotADirectoryError, PermissionError)):
        error_line(f"{exc.filename}: {exc.strerror}" if exc.filename else exc)
        return EXIT_INPUT
    hint = "" if debug() else f" (rerun with {DEBUG_ENV}=1 to see the traceback)"
    error_line(f"unexpected {type(exc).__name__}: {one_line(exc) or '(no message)'}{hint}")
    return EXIT_BUG


# --------------------------------------------------------------------------- numbers as text
def fmt_number(x: float | None, digits: int = 2) -> str:
    """An integer without decimals, otherwise ``digits`` decimals; '-' for None/NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return str(int(round(x)))
    return f"{x:.{digits}f}"


def fmt_gap(gap: float | None) -> str:
    return "-" if gap is None else f"{gap:+.2f}%"


def fmt_time(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}s"


def gap_to(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or not math.isfinite(value):
        return None
    return 100.0 * (value - reference) / max(abs(reference), 1e-9)


# --------------------------------------------------------------------------- JSON on stdout
def jsonable(x: Any) -> Any:
    """``x`` with numpy scalars/arrays as Python values and non-finite floats as None (valid JSON)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        items = sorted(x) if isinstance(x, (set, frozenset)) else x
        return [jsonable(v) for v in items]
    if hasattr(x, "tolist") and not isinstance(x, (str, bytes)):
        return jsonable(x.tolist())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, Path):
        return str(x)
    return str(x)


def print_json(data: Any) -> None:
    """One JSON document on stdout: indented for a person at a terminal, one line for a pipe."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(jsonable(data), indent=indent) + "\n")
    sys.stdout.flush()


def quiet_broken_pipe() -> None:
    """After the reader of stdout went away (``| head``): silence the final flush at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send whatever a solver library prints to stderr, so ``--json`` keeps stdout to one object.

    Python-level writes are redirected always; the file descriptor too when stdout has a real
    one (C++ libraries write there directly).
    """
    sys.stdout.flush()
    fd = None
    try:
        fd = sys.stdout.fileno()
        sys.stderr.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        fd = None
    saved = None
    if fd is not None:
        try:
            saved = os.dup(fd)
            os.dup2(sys.stderr.fileno(), fd)
        except OSError:
            saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, fd)
            os.close(saved)


# --------------------------------------------------------------------------- options
def positive_time(value: float, option: str = "--time-limit") -> float:
    """Seconds in (0, 30 days], as every solver's budget takes them."""
    from ..solvers.base import MAX_TIME_LIMIT
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value <= MAX_TIME_LIMIT):
        raise InputError(f"{option} must be a positive number of seconds up to {MAX_TIME_LIMIT:.0f} "
                         f"(30 days), got {value:g}")
    return float(value)


def output_path(path: Path | None, suffixes: tuple[str, ...], option: str) -> Path | None:
    """Check an output path before any work is done: known extension, existing folder."""
    if path is None:
        return None
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{option} must end in {' or '.join(suffixes)}, got "
                         f"{path.suffix or '(no extension)'!r}", path=path)
    if not path.parent.is_dir():
        raise InputError(f"cannot write {option}: the folder does not exist", path=path)
    if path.is_dir():
        raise InputError(f"cannot write {option}: it is a folder", path=path)
    return path

"""What the pictures of every family share: a figure without pyplot, an atomic save, colours.

Figures are made with ``matplotlib.figure.Figure`` on an Agg canvas, never through pyplot, so
drawing an answer neither switches a notebook's backend nor leaves figures open in a global
registry. matplotlib is imported here, inside the functions, only when a picture is asked for.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import InputError
from .params import unknown

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
GREY = "#b8b8b8"
DARK = "#333333"
RED = "#c62828"
SOURCE = "#2e7d32"
TARGET = "#c62828"
DPI = 120
# options every family's plot takes, beside its own
COMMON = {"title": None, "figsize": None, "dpi": DPI}


def check_path(path: Any) -> Path | None:
    """``path`` as a Path after checking its suffix names a format we write (before any drawing)."""
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"cannot draw to a {path.suffix or 'suffix-less'} file: use .png, .svg or .pdf",
                         path=path)
    if not path.parent.is_dir():
        raise InputError("cannot write: the folder does not exist", path=path)
    return path


def options(given: dict[str, Any], own: dict[str, Any], family: str) -> dict[str, Any]:
    """``own`` and the common defaults updated by ``given``; an unknown name is an InputError
    naming the nearest valid one."""
    valid = {**COMMON, **own}
    for key in given:
        if key not in valid:
            raise unknown(f"{family} plot option", key, sorted(valid))
    return {**valid, **given}


def figure(figsize: Sequence[float]):
    """A Figure on an Agg canvas, laid out by the constrained layout engine."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=tuple(figsize), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: Path | None, dpi: float = DPI) -> None:
    """Render ``fig`` in the format of ``path``'s suffix, then write it beside ``path`` and rename
    it over: ``path`` holds its old content or the complete new picture, never half of one."""
    if path is None:
        return
    from ._io import atomic_write
    buf = io.BytesIO()
    fig.savefig(buf, format=FORMATS[path.suffix.lower()], dpi=dpi)
    atomic_write(path, buf.getvalue())


def colours(k: int) -> list[Any]:
    """``k`` distinguishable colours (tab10 up to 10, then tab20, then cycled)."""
    import matplotlib
    cmap = matplotlib.colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def number(x: float) -> str:
    """A value as people read it: ``13,253``, ``130.389``, ``inf``."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == round(x) and abs(x) < 1e15:
        return f"{int(round(x)):,}"
    return f"{x:,.6g}" if abs(x) >= 1e-3 else f"{x:.3g}"


def violations_box(fig: Any, violations: Iterable[Any], limit: int = 4) -> None:
    """List the first broken constraints in red at the foot of the figure, when there are any."""
    found = [str(v) for v in violations]
    if not found:
        return
    lines = found[:limit] + ([f"... and {len(found) - limit} more"] if len(found) > limit else [])
    # a figure-level x label takes part in the constrained layout, so it never covers the axes
    fig.supxlabel("violations:\n" + "\n".join(lines), color=RED, fontsize=8, x=0.01, ha="left",
                  multialignment="left",
                  bbox={"facecolor": "white", "edgecolor": RED, "alpha": 0.9, "boxstyle": "round"})


def finish(fig: Any, title: str, opts: dict[str, Any], path: Path | None, violations: Iterable[Any] = ()) -> Any:
    """Title (``title=`` overrides it), violations box, save; returns the figure."""
    fig.suptitle(opts["title"] if opts["title"] is not None else title, fontsize=10)
    violations_box(fig, violations)
    save(fig, path, opts["dpi"])
    return fig

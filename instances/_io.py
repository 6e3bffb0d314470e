"""Reading text, writing files atomically, and numbers as text, shared by every format."""

from __future__ import annotations

import math
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..errors import InputError


def read_text(path: Path) -> str:
    if not path.exists():
        raise InputError("no such file", path=path)
    if not path.is_file():
        raise InputError("not a file", path=path)
    try:
        # numbers and keywords are ASCII; a stray Latin-1 letter in a COMMENT must not stop the read
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None


def atomic_write(path: Path, chunks: Iterable[str] | str | bytes) -> Path:
    """Write ``chunks`` (text pieces, or one str or bytes) to a temporary file beside ``path``,
    then rename it over ``path``; returns ``path``.

    A failure at any point (while the chunks are still being produced, or on disk) removes
    the temporary file, so ``path`` holds either its old content or the complete new one.
    """
    path = Path(path)
    if isinstance(chunks, (str, bytes)):
        chunks = [chunks]
    if not path.parent.is_dir():
        raise InputError("cannot write: the folder does not exist", path=path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # os.open rather than mkstemp: the new file gets the usual umask permissions, not 0600
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
        return path
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from None
        raise


def number(x: float) -> str:
    """Shortest text that reads back as exactly ``x``; integers without a decimal point."""
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 2**53:
        return str(int(x))
    return repr(x)


def rows(values: np.ndarray, first: Sequence[object] | None = None, sep: str = " ") -> Iterable[str]:
    """One line per row of ``values``, each preceded by ``first[i]`` when given."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    integral = bool(np.all(values == np.round(values))) and bool(np.all(np.abs(values) < 2**53))
    table = values.astype(np.int64).tolist() if integral else values.tolist()
    fmt = str if integral else number
    for i, row in enumerate(table):
        cells = [fmt(v) for v in row]
        if first is not None:
            cells.insert(0, str(first[i]))
        yield sep.join(cells) + "\n"


def to_floats(tokens: list[str], lines: np.ndarray, path: Path, section: str) -> np.ndarray:
    """Parse tokens as floats; a bad token raises naming its line."""
    try:
        return np.array(tokens, dtype=float)
    except ValueError:
        for tok, line in zip(tokens, lines):
            try:
                float(tok)
            except ValueError:
                raise InputError(f"malformed number {tok!r}", path=path, line=int(line),
                                 field=section) from None
        raise

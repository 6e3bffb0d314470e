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


_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def read_text(path: Path) -> str:
    """The text of ``path``: UTF-8 (a stray non-UTF-8 byte becomes U+FFFD), or UTF-16/UTF-32 when
    the file starts with their byte order mark; other text with NUL bytes is refused."""
    if not path.exists():
        raise InputError("no such file", path=path)
    if not path.is_file():
        raise InputError("not a file", path=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    return decode_text(data, path)


def decode_text(data: bytes, path: Path | str | None = None) -> str:
    """``data`` as text, by the rules of :func:`read_text`."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"the file starts with a {name} byte order mark but byte {exc.start + len(bom)} "
                                 f"is not {name}; save it as UTF-8 (or ASCII)", path=path) from None
    if b"\x00" in data:
        at = data.index(b"\x00")
        line = data.count(b"\n", 0, at) + 1
        head = data[:4096]
        if head.count(b"\x00") * 4 >= len(head):   # every other (or every fourth) byte: wide text
            raise InputError("the file is UTF-16 (or UTF-32) encoded without a byte order mark; save it as "
                             "UTF-8 (or ASCII)", path=path, line=line)
        raise InputError("the file holds NUL bytes: not a text file (or a text file in an encoding other "
                         "than UTF-8); save it as UTF-8 (or ASCII)", path=path, line=line)
    # numbers and keywords are ASCII; a stray Latin-1 letter in a COMMENT must not stop the read
    return data.decode("utf-8-sig", errors="replace")


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


def same_file(a: Path, b: Path) -> bool:
    """Do ``a`` and ``b`` name one file (symbolic and hard links included)?"""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return Path(a).exists() and Path(b).exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: dict[str, "str | os.PathLike | None"], inputs: "Iterable[Path | None]") -> None:
    """Refuse, before anything runs, an output (``{"--json": path, ...}``) that is one of the input
    files or another output."""
    given = [(name, Path(os.fspath(p))) for name, p in outputs.items() if p is not None]
    sources = [Path(p) for p in inputs if p is not None]
    for name, path in given:
        for source in sources:
            if same_file(path, source):
                raise InputError(f"{name} would overwrite the input file {source}; choose another file", path=path)
    for i, (name, path) in enumerate(given):
        for other, second in given[i + 1:]:
            if same_file(path, second):
                raise InputError(f"{name} and {other} name the same file; choose different files", path=path)

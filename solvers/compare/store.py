"""Comparator results in SQLite: one row per finished cell, written as soon as it finishes.

A cell's ``key`` hashes what determines its answer (instance content, solver and its options,
seed, time limit, threads); it is the primary key, so a resumed run skips finished cells and a
cell can never be stored twice. Each row is its own committed transaction in WAL mode, so a
``kill -9`` loses at most the cells that were still running.

A file that is not ours is never modified: an existing file is first opened read-only (and
immutable, so not even a ``-wal`` or ``-shm`` file appears beside it) and must hold a routeopt
``runs`` table and nothing else; only then is it opened for writing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

from ...errors import InputError

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED = ("key", "instance", "solver", "seed", "status")     # what no other tool's 'runs' table has

COLUMNS: dict[str, str] = {
    "key": "TEXT PRIMARY KEY",
    "instance": "TEXT NOT NULL",
    "instance_hash": "TEXT NOT NULL",
    "family": "TEXT",
    "variant": "TEXT",
    "size": "INTEGER",
    "solver": "TEXT NOT NULL",
    "solver_version": "TEXT",
    "options": "TEXT",
    "seed": "INTEGER NOT NULL",
    "time_limit": "REAL NOT NULL",
    "threads": "INTEGER",
    "status": "TEXT NOT NULL",
    "objective": "REAL",
    "bound": "REAL",
    "runtime": "REAL",
    "cpu_time": "REAL",
    "best_known": "REAL",
    "gap": "REAL",
    "proved_gap": "REAL",
    "sense": "TEXT",
    "violations": "TEXT",
    "message": "TEXT",
    "solution": "TEXT",
    "progress": "TEXT",
    "machine": "TEXT",
    "executor": "TEXT",
    "routeopt_version": "TEXT",
    "finished_at": "REAL",
}
JSON_COLUMNS = ("options", "violations", "solution", "progress")


def check_results_file(path: Path) -> None:
    """Refuse, without writing anything, a ``--db`` that is not (or cannot become) a routeopt
    results file: its folder missing, a folder, another program's file or SQLite database."""
    if path.is_dir():
        raise InputError("--db must be a file, not a folder", path=path)
    if not path.exists():
        if not path.parent.is_dir():
            raise InputError(f"cannot create the results file: the folder {path.parent} does not exist",
                             path=path)
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InputError(f"cannot read the results file: {exc.strerror}", path=path) from None
    if not head:
        return                                   # an empty file (mktemp): nothing to lose
    if head != SQLITE_HEADER:
        raise InputError("not a routeopt results database (not a SQLite file); it is left untouched",
                         path=path)
    tables = _tables(path)
    if "runs" not in tables or any(t != "runs" and not t.startswith("sqlite_") for t in tables):
        others = ", ".join(sorted(t for t in tables if t != "runs")) or "none"
        raise InputError(f"not a routeopt results database (a SQLite file with tables: {others}); "
                         f"it is left untouched", path=path)
    missing = [c for c in REQUIRED if c not in tables["runs"]]
    if missing:
        raise InputError(f"not a routeopt results database: its 'runs' table lacks {', '.join(missing)}; "
                         f"it is left untouched", path=path)


def _tables(path: Path) -> dict[str, set[str]]:
    """Table name -> column names, read without writing a byte (nor a -wal/-shm file)."""
    from urllib.parse import quote
    live_wal = Path(str(path) + "-wal").exists()      # a run using it now: read through its WAL
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("" if live_wal else "&immutable=1")
    try:
        db = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {n: {r[1] for r in db.execute(f"PRAGMA table_info({_quote(n)})")} for n in names}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not a routeopt results database ({exc}); it is left untouched", path=path) from None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ResultStore:
    """The ``runs`` table of a SQLite file (``":memory:"`` when no file is given)."""

    def __init__(self, path: str | Path | None = None):
        self.path = None if path is None else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        if self.path is not None:
            check_results_file(self.path)
        try:
            self.db = sqlite3.connect(target, timeout=30, isolation_level=None)
            # the table first (an ordinary journalled transaction), WAL after: a file that is
            # interrupted here is either empty or already has its table
            cols = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
            self.db.execute(f"CREATE TABLE IF NOT EXISTS runs ({cols})")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            have = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
        except sqlite3.DatabaseError as exc:
            raise InputError(f"cannot use as a results database: {exc}", path=self.path) from None
        for column in [c for c in COLUMNS if c not in have]:   # files from an older routeopt gain new columns
            self.db.execute(f"ALTER TABLE runs ADD COLUMN {column} {COLUMNS[column].split()[0]}")

    def finished(self, keys: Iterable[str] | None = None) -> dict[str, str]:
        """key -> status of every stored cell (of ``keys`` when given)."""
        rows = self.db.execute("SELECT key, status FROM runs").fetchall()
        wanted = None if keys is None else set(keys)
        return {k: s for k, s in rows if wanted is None or k in wanted}

    def add(self, row: dict[str, Any]) -> bool:
        """Store a finished cell; False when the key was already there (nothing changes)."""
        values = {c: row.get(c) for c in COLUMNS}
        values["finished_at"] = values["finished_at"] or time.time()
        for column in JSON_COLUMNS:
            if values[column] is not None and not isinstance(values[column], str):
                values[column] = json.dumps(values[column])
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.db.execute(f"INSERT OR IGNORE INTO runs ({names}) VALUES ({marks})", list(values.values()))
        return cur.rowcount == 1

    def replace(self, row: dict[str, Any]) -> None:
        """Store a rerun of a cell (``retry_failed``): the old row goes in the same transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM runs WHERE key = ?", (row["key"],))
            self.add(row)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def rows(self, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM runs ORDER BY instance, solver, seed")
        names = [d[0] for d in cur.description]
        wanted = None if keys is None else set(keys)
        out = []
        for values in cur.fetchall():
            row = dict(zip(names, values))
            if wanted is not None and row["key"] not in wanted:
                continue
            for column in JSON_COLUMNS:
                if row.get(column) is not None:
                    row[column] = json.loads(row[column])
            out.append(row)
        return out

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

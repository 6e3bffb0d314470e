"""Shared fixtures: where the real instances live, and a skip when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "instances"


def shared(*parts: str) -> Path:
    """Path under ../shared/instances; the calling test is skipped when it does not exist."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared/instances is absent on this machine)")
    return path


def shared_files(subdir: str, pattern: str) -> list[Path]:
    """Files for parametrisation; an empty list (tests then skip) when ../shared is absent."""
    base = SHARED / subdir
    return sorted(base.glob(pattern)) if base.is_dir() else []


def one_line_error(result, *words: str, code: int = 2) -> str:
    """A CLI result (typer's CliRunner) that failed with exit ``code`` and exactly one ``error: ...``
    line holding every one of ``words``; returns that line."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]

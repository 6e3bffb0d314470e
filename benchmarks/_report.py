"""The end every benchmark script shares: the Markdown table written where asked, the failures
listed in red, the exit status (1 when anything failed)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text


def finish(console, md: list[str], out: Path | None, failures: list[str]) -> int:
    if out:
        out.write_text("\n".join(md) + "\n")
        console.print(f"wrote {out}")
    for f in failures:
        console.print(Text("FAILED", style="red") + Text(f" {f}"))
    return 1 if failures else 0

"""The flags every solving command shares, declared once: the same names, short forms, defaults
and help in ``routeopt solve``, ``compare`` and the family commands.

``-s/--solver  -t/--time-limit  --seed  --threads  -O/--option KEY=VALUE  --json  --out  --plot``
and, where a command can make its own instance, ``-g/--generate KIND  -p/--param KEY=VALUE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import InputError
from ..instances.params import parse_value

DEFAULT_TIME_LIMIT = 10.0
PLOT_SUFFIXES = (".png", ".svg", ".pdf")

Solver = Annotated[str, typer.Option("--solver", "-s", help="Solver name (see 'routeopt solvers'), or auto: "
                                                            "the best declared one for the instance.")]
TimeLimit = Annotated[float, typer.Option("--time-limit", "-t", help="Seconds the solver may run.")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed of the solver.")]
Threads = Annotated[int, typer.Option("--threads", min=1, help="Threads the solver may use.")]
Options = Annotated[Optional[list[str]], typer.Option(
    "--option", "-O", metavar="KEY=VALUE",
    help="A solver option; repeat for more ('routeopt solvers NAME' lists them).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else.")]
Plot = Annotated[Optional[Path], typer.Option("--plot", metavar="FILE.png",
                                              help="Draw the answer (.png, .svg or .pdf).")]
Generate = Annotated[Optional[str], typer.Option("--generate", "-g", metavar="KIND",
                                                 help="Generate the instance instead of reading FILE "
                                                      "(see 'routeopt instances kinds').")]
Params = Annotated[Optional[list[str]], typer.Option(
    "--param", "-p", metavar="KEY=VALUE",
    help="A generator parameter, e.g. n=100 or seed=3; repeat for more.")]


def parse_pairs(items: list[str] | None, option: str) -> dict[str, Any]:
    """``KEY=VALUE`` strings as keyword arguments (numbers, true/false, none read as such)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise InputError(f"{option} expects key=value, got {item!r}", field=option)
        if key in out:
            raise InputError(f"{option} {key} given twice", field=option)
        out[key] = parse_value(raw)
    return out


def check_outputs(outputs: dict[str, Path | None], inputs: list[Path | None]) -> None:
    """Refuse, before any work, an output that would overwrite an input (or another output), and a
    solution written as the ``.sol`` beside its instance (it would be read back as the best known)."""
    from ..instances._io import check_outputs as no_overwrite, same_file

    no_overwrite(outputs, inputs)
    out = outputs.get("--out")
    for source in (p for p in inputs if p is not None):
        if out is not None and out.suffix.lower() == ".sol" and same_file(out, source.with_suffix(".sol")):
            raise InputError(f"--out: a .sol beside {source.name} is read as its best-known solution; "
                             f"choose another name", path=out)


def load_or_generate(file: Path | None, generate: str | None, params: list[str] | None):
    """The instance FILE holds, or the one ``--generate KIND --param ...`` makes."""
    from ..instances.generate import generate as make
    from ..instances.io import load

    if (file is None) == (generate is None):
        raise InputError("give an instance FILE or --generate KIND (not both)")
    if file is not None:
        if params:
            raise InputError("--param goes with --generate, not with an instance file")
        return load(file)
    kw = parse_pairs(params, "--param")
    return make(generate, kw.pop("n", None), kw.pop("seed", 0), **kw)

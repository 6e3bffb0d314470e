"""The one validation layer for parameters: generator keywords, solver options, CLI ``key=value``.

Every check raises a one-line :class:`~routeopt.errors.InputError` that names the parameter and,
for a misspelt name or choice, the nearest valid one.

>>> number("n", "12", 1, 100, integer=True)
12
>>> choice("traffic", "ringg", ("all-to-all", "ring"))
Traceback (most recent call last):
...
routeopt.errors.InputError: [traffic]: unknown traffic 'ringg' (did you mean 'ring'?); valid: all-to-all, ring
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
from typing import Any, Callable, Iterable

from ..errors import InputError

__all__ = ["number", "choice", "hint", "unknown", "check_params", "generator_params", "parse_value"]


def number(field: str, value: Any, low: float = -math.inf, high: float = math.inf,
           integer: bool = False) -> Any:
    """``value`` as a float (or an int) in ``[low, high]``; strings from a command line are accepted."""
    try:
        if isinstance(value, bool):
            raise TypeError
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} must be {'an integer' if integer else 'a number'}, got {value!r}",
                         field=field) from None
    if not math.isfinite(x) or (integer and not x.is_integer()):
        raise InputError(f"{field} must be {'an integer' if integer else 'finite'}, got {value!r}",
                         field=field)
    if not low <= x <= high:
        raise InputError(f"{field}={value!r} is out of range [{_bound(low)}, {_bound(high)}]", field=field)
    return int(x) if integer else x


def _bound(x: float) -> str:
    """A range end as people write it: 4294967295, 0.5, 1e-06, inf."""
    if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))
    return f"{x:g}"


def hint(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``options``, else an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def choice(field: str, value: Any, options: Iterable[str], aliases: dict[str, str] | None = None) -> str:
    """``value`` (case and spaces ignored, ``aliases`` applied) when it is one of ``options``."""
    options = tuple(options)
    word = str(value).strip().lower()
    word = (aliases or {}).get(word, word)
    if word not in options:
        raise InputError(f"unknown {field} {value!r}{hint(word, options)}; valid: {', '.join(options)}",
                         field=field)
    return word


def unknown(what: str, name: str, valid: Iterable[str], owner: str = "", field: str | None = None) -> InputError:
    """The error for a ``what`` called ``name`` that is not among ``valid`` (``field``: where it was
    given, the name itself by default)."""
    valid = list(valid)
    where = f" for {owner}" if owner else ""
    return InputError(f"unknown {what} {name!r}{where}{hint(name, valid)}; valid: {', '.join(valid) or '(none)'}",
                      field=field or name)


def generator_params(fn: Callable[..., Any]) -> list[str]:
    """The parameters a generator takes beyond size and seed: its keyword-only ones."""
    return [name for name, p in inspect.signature(fn).parameters.items() if p.kind is p.KEYWORD_ONLY]


def check_params(fn: Callable[..., Any], kind: str, params: dict[str, Any]) -> None:
    """One-line InputError for a parameter that generator ``fn`` (of ``kind``) does not take."""
    allowed = generator_params(fn)
    for name in params:
        if name not in allowed:
            raise unknown("parameter", name, allowed, f"kind {kind!r}")


def parse_value(text: str) -> Any:
    """A command-line ``value`` as Python: int, float, true/false/none, a JSON object or list
    (``{...}``, ``[...]``), else the string itself."""
    word = text.strip()
    if word[:1] in ("{", "["):
        try:
            return json.loads(word)
        except json.JSONDecodeError:
            return word                     # the option's own check says what is wrong with it
    low = word.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(word)
        except ValueError:
            pass
    return word

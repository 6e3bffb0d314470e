"""Balance instances as NumPy archives (``.npz``): the router scores need no text format.

=====================  =============================================================
array                  meaning
=====================  =============================================================
``scores``             float, tokens x experts (required)
``k``                  int scalar: experts per token (default 1)
``capacity_factor``    float scalar: capacity = ceil(factor * k * tokens / experts) (default 1)
``placement``          int, one device per expert (optional)
``name``, ``source``   str scalars (optional)
=====================  =============================================================

``.json`` (``BalanceProblem.to_dict()``) holds the same fields and suits small instances.

>>> import os, tempfile
>>> from routeopt.instances.balance import BalanceProblem
>>> p = BalanceProblem([[0.9, 0.1], [0.8, 0.2]], k=1, name="tiny")
>>> q = read_npz(write_npz(p, os.path.join(tempfile.mkdtemp(), "tiny.npz")))
>>> q.name, q.num_tokens, q.num_experts, q.capacity
('tiny', 2, 2, 1)
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ...errors import InputError
from .._io import atomic_write
from .problem import BalanceProblem

FIELDS = ("scores", "k", "capacity_factor", "placement", "name", "source")


def write_npz(problem: BalanceProblem, path: str | Path) -> Path:
    """Write ``problem`` to ``path`` atomically (compressed)."""
    arrays = {"scores": problem.scores, "k": np.int64(problem.k),
              "capacity_factor": np.float64(problem.capacity_factor), "name": np.str_(problem.name)}
    if problem.placement is not None:
        arrays["placement"] = problem.placement
    if problem.source:
        arrays["source"] = np.str_(problem.source)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return atomic_write(Path(path), buffer.getvalue())


def read_npz(path: str | Path) -> BalanceProblem:
    """The balance instance in ``path``; one-line errors naming the file and the array."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file" if not path.exists() else "not a file", path=path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError, TypeError, zlib.error,
            NotImplementedError) as exc:
        raise InputError(f"not a NumPy .npz archive: {' '.join(str(exc).split())}", path=path) from None
    unknown = sorted(set(arrays) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown array {unknown[0]!r}; a balance archive holds {', '.join(FIELDS)}",
                         path=path, field=unknown[0])
    if "scores" not in arrays:
        raise InputError("no 'scores' array (tokens x experts)", path=path, field="scores")
    fields: dict = {"scores": arrays["scores"], "name": path.name.split(".")[0]}
    for key in ("k", "capacity_factor", "name", "source"):
        if key in arrays:
            value = arrays[key]
            if value.ndim != 0:
                raise InputError(f"{key} must be a scalar, got shape {value.shape}", path=path, field=key)
            if (value.dtype.kind not in "iuf") if key in ("k", "capacity_factor") else value.dtype.kind != "U":
                raise InputError(f"{key} must be {'a number' if key in ('k', 'capacity_factor') else 'a string'}, "
                                 f"got dtype {value.dtype}", path=path, field=key)
            fields[key] = value.item()
    if "placement" in arrays:
        if arrays["placement"].dtype.kind not in "iuf":
            raise InputError(f"placement must be integers, got dtype {arrays['placement'].dtype}", path=path,
                             field="placement")
        fields["placement"] = arrays["placement"]
    if fields["scores"].dtype.kind not in "fiu":
        raise InputError(f"scores must be numbers, got dtype {fields['scores'].dtype}", path=path, field="scores")
    try:
        return BalanceProblem(**fields)
    except InputError as exc:
        raise InputError(exc.message, path=path, field=exc.field) from None

"""Checks of a chapter's parameters, for runs with other values (papermill).

Papermill injects new values in a cell after a chapter's ``parameters`` cell and only
warns about a name the chapter does not know. A chapter calls :func:`check` right after
it, so a misspelt name or a value of the wrong type stops the run with a clear message.
"""

from __future__ import annotations

import numbers
import types
import typing

__all__ = ["check"]

# Names IPython puts in every namespace.
_IPYTHON = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def _is_type(value, kind) -> bool:
    if kind is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return isinstance(value, (list, tuple, range)) and all(_is_type(v, item) for v in value)
    return isinstance(value, kind)


def check(namespace: dict, spec: dict, choices: dict | None = None) -> dict:
    """Validate a chapter's parameters; returns ``{name: value}`` for the names in ``spec``.

    ``namespace``: the notebook's ``globals()`` right after the parameters (and any
    injected) cell; ``spec``: ``{name: type}`` with ``int``, ``float``, ``str``, ``bool``,
    or ``list[T]`` of one of these; ``choices``: ``{name: allowed values}``.
    Raises ValueError for an unknown name or a value not allowed, TypeError for a wrong type.
    """
    unknown = sorted(
        name for name, value in namespace.items()
        if not name.startswith("_") and name not in _IPYTHON and name not in spec
        and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    )
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}: this chapter takes {', '.join(spec)}")
    values = {}
    for name, kind in spec.items():
        if name not in namespace:
            raise ValueError(f"parameter {name!r} is missing: keep the chapter's parameters cell")
        value = namespace[name]
        if not _is_type(value, kind):
            shown = str(kind) if typing.get_origin(kind) else kind.__name__
            raise TypeError(f"parameter {name}={value!r} must be of type {shown}")
        allowed = (choices or {}).get(name)
        items = value if isinstance(value, (list, tuple, range)) else [value]
        bad = [v for v in items if allowed is not None and v not in allowed]
        if bad:
            raise ValueError(f"parameter {name}={value!r}: {bad[0]!r} is not one of {', '.join(map(str, allowed))}")
        values[name] = value
    return values

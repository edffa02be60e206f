"""Checks of a chapter's parameters, for runs with other values (papermill).

Papermill injects new values in a cell after a chapter's ``parameters`` cell and only
warns about a name the chapter does not know. A chapter calls :func:`check` right after
it, so a misspelt name or a value of the wrong type stops the run with a clear message.

Values arrive the ways papermill users pass them: ``-p seed 1`` (a number), ``-p seeds
"[0, 1, 2]"`` or ``-p device_names PCMO`` (a string, read as YAML for a list or mapping;
a lone item becomes a one-item list), and ``-y "seeds: [0, 1]"`` (already typed).
"""

from __future__ import annotations

import numbers
import types
import typing

import yaml

__all__ = ["check"]

# Names IPython puts in every namespace.
_IPYTHON = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def _shown(kind) -> str:
    return str(kind) if typing.get_origin(kind) else kind.__name__


def _is_type(value, kind) -> bool:
    if kind is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    origin = typing.get_origin(kind)
    if origin is list:
        (item,) = typing.get_args(kind)
        return isinstance(value, list) and all(_is_type(v, item) for v in value)
    if origin is dict:
        key, item = typing.get_args(kind)
        return isinstance(value, dict) and all(
            _is_type(k, key) and _is_type(v, item) for k, v in value.items()
        )
    return isinstance(value, kind)


def _coerce(name: str, value, kind):
    """``value`` as papermill passed it, turned into ``kind`` where the intent is
    plain."""
    origin = typing.get_origin(kind)
    if isinstance(value, str) and kind is not str:
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise ValueError(
                f"parameter {name}: {value!r} is not a valid YAML/JSON value "
                f"({err.problem})"
            ) from None
    if origin is list:
        if isinstance(value, (tuple, range)):
            value = list(value)
        elif not isinstance(value, (list, dict)) and value is not None:
            value = [value]  # -p device_names PCMO
        if isinstance(value, list):
            value = [_coerce(name, v, typing.get_args(kind)[0]) for v in value]
    elif origin is dict and isinstance(value, dict):
        value = {
            k: _coerce(name, v, typing.get_args(kind)[1]) for k, v in value.items()
        }
    elif kind is float and _is_type(value, int):
        value = float(value)
    return value


def check(
    namespace: dict, spec: dict | None = None, choices: dict | None = None
) -> dict:
    """Validate a chapter's parameters; returns ``{name: value}`` for the names in
    ``spec``.

    ``namespace``: the notebook's ``globals()`` right after the parameters (and any
    injected) cell; ``spec``: ``{name: type}`` with ``int``, ``float``, ``str``,
    ``bool``, ``list[T]`` or ``dict[K, T]`` of these, by default the parameters cell's
    own type annotations (``device: str = "PCMO"``); ``choices``: ``{name: allowed
    values}``. Strings given for a list, mapping or number are read as YAML (see the
    module's text) and the typed value is written back into ``namespace``.
    Raises ValueError for an unknown name, a value not allowed or a list that repeats a
    value (each item of a list is one run or one point: a repeat doubles it),
    TypeError for a wrong type.
    """
    if spec is None:
        spec = dict(namespace.get("__annotations__") or {})
        if not spec:
            raise ValueError(
                "the parameters cell declares no types: annotate each parameter "
                '(device: str = "PCMO")'
            )
    unknown = sorted(
        name
        for name, value in namespace.items()
        if not name.startswith("_")
        and name not in _IPYTHON
        and name not in spec
        and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    )
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)}: this chapter takes "
            f"{', '.join(spec)}"
        )
    values = {}
    for name, kind in spec.items():
        if name not in namespace:
            raise ValueError(
                f"parameter {name!r} is missing: keep the chapter's parameters cell"
            )
        value = _coerce(name, namespace[name], kind)
        if not _is_type(value, kind):
            raise TypeError(
                f"parameter {name}={namespace[name]!r} must be of type {_shown(kind)}"
            )
        if isinstance(value, list):  # a grid of runs: a repeated value doubles rows
            twice = [v for i, v in enumerate(value) if v in value[:i]]
            if twice:
                raise ValueError(
                    f"parameter {name}={value!r}: {twice[0]!r} is given more than "
                    "once; give each value once"
                )
        allowed = (choices or {}).get(name)
        items = value if isinstance(value, (list, dict)) else [value]
        bad = [v for v in items if allowed is not None and v not in allowed]
        if bad:
            raise ValueError(
                f"parameter {name}={value!r}: {bad[0]!r} is not one of "
                f"{', '.join(map(str, allowed))}"
            )
        values[name] = namespace[name] = value
    return values

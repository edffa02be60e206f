"""The book's slow results, cached on disk and keyed on everything they depend on.

A chapter is executed twice in a test run (the book build, then nbval) and again by
every reader who re-runs it. :func:`memo` keeps what a slow function returns (Monte
Carlo grids, sweeps over seeds and recipes, bootstrap refits) in a JSON file whose name
is a hash of

* the function's module and name, and its arguments (arrays by their bytes, devices by
  their fields);
* the source code of the whole package (every ``synquant/**/*.py``) and its version;
* the bytes of every cached weights file the package can load.

So a second run with the same inputs reads the result in milliseconds, and an entry
written by other code, other weights or other arguments is never found: a stale cache
cannot show numbers that the current code would not produce. Results are written as
JSON (never pickled); the dataclasses of the package come back as themselves.

The folder is ``$SYNQUANT_CACHE``, else ``.cache/results`` of the checkout, else
``~/.cache/synquant/results``. ``SYNQUANT_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import math
import os
from pathlib import Path

import numpy as np

from .. import __version__, model
from ..files import ROOT, atomic_write, in_checkout

__all__ = ["CACHE_VAR", "cache_dir", "decode", "encode", "memo"]

#: Environment variable naming the cache folder ("off": no cache).
CACHE_VAR = "SYNQUANT_CACHE"
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_dir() -> Path | None:
    """The cache folder (see the module's text), or None when the cache is off."""
    chosen = os.environ.get(CACHE_VAR, "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    if in_checkout():
        return ROOT / ".cache" / "results"
    return Path("~/.cache/synquant/results").expanduser()


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    h = hashlib.sha256(__version__.encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _weights_hash() -> str:
    h = hashlib.sha256()
    for folder in model.weights_dirs():
        for path in sorted(Path(folder).glob("*.npz")):
            h.update(path.name.encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _feed(h, value) -> None:
    """Add ``value`` to the hash ``h``, by type and content."""
    if isinstance(value, np.ndarray):
        h.update(f"array{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        h.update(b"dict")
        for k in sorted(value, key=str):
            _feed(h, k)
            _feed(h, value[k])
    elif isinstance(value, (list, tuple, range)):
        h.update(f"{type(value).__name__}{len(value)}".encode())
        for v in value:
            _feed(h, v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(type(value).__qualname__.encode())
        _feed(h, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    elif isinstance(
        value, (np.generic, bool, int, float, str, bytes, type(None), Path)
    ):
        h.update(f"{type(value).__name__}:{value!r}".encode())
    else:
        raise TypeError(f"cannot key a cache on {type(value).__name__}")


def encode(value):
    """``value`` as JSON-ready data that :func:`decode` turns back into it."""
    if isinstance(value, np.ndarray):
        return {"__array__": encode(value.tolist()), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if isinstance(value, (bool, int, float, str, type(None))):
        return value
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith("synquant."):
            raise TypeError(f"cannot cache a {cls.__qualname__}")
        return {
            "__dataclass__": f"{cls.__module__}:{cls.__qualname__}",
            "fields": {
                f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(cls)
            },
        }
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(data):
    """The value that :func:`encode` made ``data`` of."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        return np.array(decode(data["__array__"]), dtype=np.dtype(data["dtype"]))
    if "__float__" in data:
        return float(data["__float__"])
    if "__dict__" in data:
        return {decode(k): decode(v) for k, v in data["__dict__"]}
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    module, name = data["__dataclass__"].split(":")
    if not module.startswith("synquant."):
        raise ValueError(f"cache entry names {module}: only synquant's own classes")
    cls = importlib.import_module(module)
    for part in name.split("."):
        cls = getattr(cls, part)
    if not dataclasses.is_dataclass(cls):
        raise ValueError(f"cache entry names {name}, which is not a dataclass")
    value = object.__new__(cls)
    for key, v in data["fields"].items():
        object.__setattr__(value, key, decode(v))
    return value


def memo(func):
    """Decorator: return the cached result of ``func`` for the same inputs and code,
    else compute it and cache it (see the module's text)."""

    @functools.wraps(func)
    def cached(*args, **kwargs):
        folder = cache_dir()
        if folder is None:
            return func(*args, **kwargs)
        h = hashlib.sha256(f"{func.__module__}.{func.__qualname__}".encode())
        h.update(_code_hash().encode())
        h.update(_weights_hash().encode())
        try:
            _feed(h, list(args))
            _feed(h, kwargs)
        except TypeError:
            return func(*args, **kwargs)  # an argument that cannot be keyed
        path = folder / f"{func.__name__}-{h.hexdigest()[:32]}.json"
        if path.is_file():
            try:
                return decode(json.loads(path.read_text()))
            except (ValueError, KeyError, AttributeError, TypeError):
                pass  # an unreadable entry is computed again and replaced
        result = func(*args, **kwargs)
        try:
            text = json.dumps(encode(result))
        except TypeError:
            return result
        try:
            atomic_write(path, lambda f: f.write(text.encode()))
        except OSError:
            pass  # a read-only cache folder: the result stands, uncached
        return result

    return cached

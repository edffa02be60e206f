"""Argument checks shared by the package: each names the argument and says what to do.

Every check returns the value it accepted, converted to the plain type the caller
works with (``int``, ``float``, a numpy array, a ``Path``), so that a public function
can write ``levels = checks.integer("levels", levels, least=2)`` and go on. A wrong
type raises TypeError, a value of the right type out of range raises ValueError; the
message always starts with the argument's name.

A public function declares its constraints once, with :func:`validate`, in the way of
scikit-learn's ``validate_params``::

    @checks.validate(levels=checks.Levels(), seed=checks.Seed())
    def sampling_levels(levels, device="PCMO", seed=0): ...

Each constraint (:class:`Integer`, :class:`Levels`, :class:`Number`, :class:`Fraction`,
:class:`Seed`, :class:`Choice`, :class:`Array`, :class:`Optional`) runs the check of the
same name on the argument before the function's body, and passes on what it returned.
"""

from __future__ import annotations

import functools
import inspect
import numbers
from pathlib import Path

import numpy as np

__all__ = [
    "MAX_LEVELS",
    "validate",
    "Array",
    "Choice",
    "Fraction",
    "Integer",
    "Levels",
    "Number",
    "Optional",
    "Seed",
    "fraction",
    "levels",
    "integer",
    "number",
    "probability",
    "seed",
    "choice",
    "finite_array",
    "path",
]


#: Largest number of levels accepted anywhere. The benchmark devices hold 32 to 128
#: states, so more levels than that cannot be told apart on a device; a uniform grid of
#: 1000 magnitudes is within 5e-4 (of the largest weight) of every weight, far below
#: what changes an MNIST accuracy; and each level of a sweep holds one more copy of the
#: network in memory. A larger count is almost always a typo (1000000000 for 10).
MAX_LEVELS = 1000


def _show(value) -> str:
    """A short repr of a value for a message (arrays and long values cut)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def integer(
    name: str, value, least: int | None = None, most: int | None = None, hint: str = ""
) -> int:
    """``value`` as an ``int`` in ``[least, most]`` (either bound optional).

    Booleans, floats (even 5.0) and strings are refused: pass ``int(...)`` explicitly.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {_show(value)} ({type(value).__name__})"
            + (f": {hint}" if hint else "")
        )
    value = int(value)
    if least is not None and value < least:
        raise ValueError(
            f"{name} must be at least {least}, got {value}"
            + (f": {hint}" if hint else "")
        )
    if most is not None and value > most:
        raise ValueError(
            f"{name} must be at most {most}, got {value}"
            + (f": {hint}" if hint else "")
        )
    return value


def levels(value, least: int = 2, name: str = "levels") -> int:
    """A number of levels: an integer from ``least`` to :data:`MAX_LEVELS`."""
    return integer(
        name,
        value,
        least=least,
        most=MAX_LEVELS,
        hint=f"a number of levels between {least} and {MAX_LEVELS}",
    )


def number(
    name: str,
    value,
    least: float | None = None,
    most: float | None = None,
    positive: bool = False,
    hint: str = "",
) -> float:
    """``value`` as a finite ``float`` in ``[least, most]`` (and > 0 when ``positive``).

    Strings such as ``"0.5"`` are refused (papermill and YAML give typed values
    already).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number, got {_show(value)} ({type(value).__name__})"
            + (f": {hint}" if hint else "")
        )
    value = float(value)
    tail = f": {hint}" if hint else ""
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}{tail}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}{tail}")
    if least is not None and value < least:
        raise ValueError(f"{name} must be at least {least}, got {value!r}{tail}")
    if most is not None and value > most:
        raise ValueError(f"{name} must be at most {most}, got {value!r}{tail}")
    return value


def probability(name: str, value) -> float:
    """``value`` as a ``float`` in [0, 1] (a fraction or a probability)."""
    return number(name, value, least=0.0, most=1.0)


def fraction(name: str, value) -> float:
    """``value`` as a ``float`` strictly between 0 and 1 (a significance level, a
    confidence level)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 < value < 1
    ):
        raise ValueError(
            f"{name} must be a number strictly between 0 and 1, got {_show(value)}"
        )
    return float(value)


def seed(value, name: str = "seed") -> int:
    """A random seed: a non-negative integer (numpy's generators take any of them)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a non-negative integer, got {_show(value)} "
            f"({type(value).__name__})"
        )
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def choice(name: str, value, choices) -> str:
    """``value`` when it is one of ``choices``; else an error listing them."""
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:  # unhashable or incomparable
        ok = False
    if not ok:
        raise ValueError(
            f"unknown {name} {_show(value)}: use one of {', '.join(map(str, choices))}"
        )
    return value


def finite_array(name: str, value, ndim: int | None = None) -> np.ndarray:
    """``value`` as a real, finite numpy array (integer or floating dtype kept).

    Refuses strings, objects and complex numbers (TypeError), NaN and infinity
    (ValueError, with their count), and a number of dimensions other than ``ndim``.
    """
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged lists
        raise TypeError(
            f"{name} must be numeric (an array of numbers), got {_show(value)} ({err})"
        ) from None
    if np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError(
            f"{name} must be real numbers, got complex values ({a.dtype}): pass "
            "np.real(...) "
            "if the imaginary part is meant to be dropped"
        )
    if a.dtype == bool or not (
        np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)
    ):
        raise TypeError(
            f"{name} must be numeric (an array of numbers), got {_show(value)} (dtype "
            f"{a.dtype})"
        )
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        raise ValueError(
            f"{name} contain {bad} NaN or infinite values: retrain or reload them"
        )
    return a


def path(name: str, value, suffix: str | None = None) -> Path:
    """``value`` (a str or path-like) as a ``Path``, with the given suffix when one is
    named."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (str, Path))
        and not hasattr(value, "__fspath__")
    ):
        raise TypeError(
            f"{name} must be a file path, got {_show(value)} ({type(value).__name__})"
        )
    p = Path(value)
    if not str(value):
        raise ValueError(f"{name} is empty: pass a file path")
    if suffix is not None and p.suffix.lower() != suffix:
        raise ValueError(f"{name} {str(p)!r} must end in {suffix}")
    return p


# --- declared constraints -----------------------------------------------------------


class _Constraint:
    """A check bound to its options, called as ``constraint(name, value)``."""

    def __init__(self, check, **options):
        self._check, self._options = check, options

    def __call__(self, name: str, value):
        return self._check(name, value, **self._options)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        return f"{type(self).__name__}({shown})"


class Integer(_Constraint):
    """An integer in ``[least, most]`` (:func:`integer`)."""

    def __init__(self, least=None, most=None, hint: str = ""):
        super().__init__(integer, least=least, most=most, hint=hint)


class Levels(_Constraint):
    """A number of levels from ``least`` to :data:`MAX_LEVELS` (:func:`levels`)."""

    def __init__(self, least: int = 2):
        super().__init__(lambda name, v, least: levels(v, least, name), least=least)


class Number(_Constraint):
    """A finite number in ``[least, most]`` (:func:`number`)."""

    def __init__(self, least=None, most=None, positive: bool = False, hint: str = ""):
        super().__init__(number, least=least, most=most, positive=positive, hint=hint)


class Fraction(_Constraint):
    """A number strictly between 0 and 1 (:func:`fraction`)."""

    def __init__(self):
        super().__init__(fraction)


class Seed(_Constraint):
    """A non-negative integer seed (:func:`seed`)."""

    def __init__(self):
        super().__init__(lambda name, v: seed(v, name))


class Choice(_Constraint):
    """One of ``choices`` (:func:`choice`)."""

    def __init__(self, choices):
        super().__init__(choice, choices=tuple(choices))


class Array(_Constraint):
    """A real, finite array, of ``ndim`` dimensions when given
    (:func:`finite_array`)."""

    def __init__(self, ndim: int | None = None):
        super().__init__(finite_array, ndim=ndim)


class Optional(_Constraint):
    """``None``, or a value that meets ``constraint``."""

    def __init__(self, constraint: _Constraint):
        super().__init__(
            lambda name, v, inner: None if v is None else inner(name, v),
            inner=constraint,
        )


def validate(**constraints):
    """Decorator: check the named arguments of a function on every call, before its
    body runs, each by its constraint (``name=Constraint(...)``), and pass the checked
    (converted) values on. Arguments left at their defaults are not checked.

    The constraints are kept as the function's ``constraints`` attribute, so that they
    are declared once and can be read (by the documentation and the tests).
    """

    def decorate(func):
        signature = inspect.signature(func)
        unknown = set(constraints) - set(signature.parameters)
        if unknown:
            raise TypeError(
                f"validate: {func.__qualname__} has no parameter(s) "
                f"{', '.join(sorted(unknown))}"
            )

        @functools.wraps(func)
        def checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            for name, constraint in constraints.items():
                if name in bound.arguments:
                    bound.arguments[name] = constraint(name, bound.arguments[name])
            return func(*bound.args, **bound.kwargs)

        checked.constraints = dict(constraints)
        return checked

    return decorate

"""What a chapter shows of itself when it runs as a notebook (Jupyter, Colab, papermill).

The book pastes numbers into its prose with MyST-NB's ``glue``. :func:`glue` glues each
number and also shows them all in one small table, so that an executed notebook reports
them too (the cell that calls it is removed from the rendered page).
"""

from __future__ import annotations

import numbers

__all__ = ["tidy", "glue"]


def tidy(value, digits: int | None = None):
    """``value`` with numpy scalars made plain and, for a float, rounded to ``digits``
    decimals with a negative zero made positive (so "-0.00" never prints)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        if digits is not None:
            value = round(value, digits)
        return value + 0.0  # -0.0 + 0.0 is 0.0
    return value


def glue(digits: int | None = 2, **values):
    """Glue each ``name=value`` (see :func:`tidy`) and show them as one table; returns it.

    ``digits``: decimals kept of each float (None keeps them all), so that the prose's
    format specification never prints a rounded-away negative zero.
    """
    from myst_nb import glue as _glue

    from .figures import markdown_table

    shown = []
    for name, value in values.items():
        value = tidy(value, digits)
        _glue(name, value, display=False)
        shown.append([f"`{name}`", f"{value:g}" if isinstance(value, float) else value])
    table = markdown_table(["glued name", "value"], shown, align="lr")
    try:
        from IPython.display import display

        display(table)
    except ImportError:  # pragma: no cover - IPython comes with the book extra
        pass
    return table

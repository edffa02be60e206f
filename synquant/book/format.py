"""How the book shows numbers, tables and code in a chapter's own outputs.

The book pastes numbers into its prose with MyST-NB's ``glue``. :func:`glue` glues each
number and also shows them all in one small table, so that an executed notebook reports
them too (the cell that calls it is removed from the rendered page).
:func:`markdown_table` lays out rows of strings as a table that a notebook shows and the
book renders; :func:`show_source` shows the library's own code where a chapter teaches
it.
"""

from __future__ import annotations

import inspect
import numbers

__all__ = ["fixed", "glue", "markdown_table", "show_source", "tidy"]


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


def fixed(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, never "-0.00" (signed values:
    :func:`synquant.stats.signed`)."""
    return f"{tidy(value, digits):.{digits}f}"


def markdown_table(header: list[str], rows: list[list], align: str | None = None):
    """A table for a notebook's output (IPython Markdown); ``align`` like "lrr", one
    letter a column."""
    from IPython.display import Markdown

    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else ":---:" if a == "c" else ":---" for a in align]
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return Markdown("\n".join(lines))


def glue(digits: int | None = 2, **values) -> None:
    """Glue each ``name=value`` (see :func:`tidy`) and show them as one table.

    ``digits``: decimals kept of each float (None keeps them all), so that the prose's
    format specification never prints a rounded-away negative zero.
    """
    from IPython.display import display
    from myst_nb import glue as _glue

    shown = []
    for name, value in values.items():
        value = tidy(value, digits)
        _glue(name, value, display=False)
        shown.append([f"`{name}`", f"{value:g}" if isinstance(value, float) else value])
    display(markdown_table(["glued name", "value"], shown, align="lr"))


def show_source(*functions):
    """The source code of library functions, as a Markdown code block: a chapter
    shows the very code that the library runs."""
    from IPython.display import Markdown

    code = "\n\n".join(inspect.getsource(f).rstrip() for f in functions)
    return Markdown(f"```python\n{code}\n```")

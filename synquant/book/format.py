"""How the book shows numbers, tables and code in a chapter's own outputs.

The book pastes numbers into its prose with MyST-NB's ``glue``. :func:`glue` glues each
number; :func:`say` shows the chapter's key sentences with those numbers filled in,
so that an executed notebook reports them too (the cells that call them are removed from
the rendered page; :mod:`synquant.book.report` fills in the whole prose of an executed
chapter).
:func:`markdown_table` lays out rows of strings as a table that a notebook shows and the
book renders; :func:`show_source` shows the library's own code where a chapter teaches
it.
"""

from __future__ import annotations

import inspect
import numbers

__all__ = [
    "GLUED",
    "fixed",
    "glue",
    "markdown",
    "markdown_table",
    "say",
    "show_source",
    "tidy",
]


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


def markdown(text: str):
    """Text for a notebook's output, rendered as Markdown (IPython Markdown)."""
    from IPython.display import Markdown

    return Markdown(text)


def markdown_table(header: list[str], rows: list[list], align: str | None = None):
    """A table for a notebook's output (IPython Markdown); ``align`` like "lrr", one
    letter a column."""
    from IPython.display import Markdown

    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else ":---:" if a == "c" else ":---" for a in align]
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return Markdown("\n".join(lines))


#: The values glued so far in this kernel, by name (what :func:`say` fills in).
GLUED: dict[str, object] = {}


def glue(digits: int | None = 2, **values) -> None:
    """Glue each ``name=value`` (see :func:`tidy`) for the book's prose.

    ``digits``: decimals kept of each float (None keeps them all), so that the prose's
    format specification never prints a rounded-away negative zero.
    """
    from myst_nb import glue as _glue

    for name, value in values.items():
        GLUED[name] = value = tidy(value, digits)
        _glue(name, value, display=False)


def say(*sentences: str):
    """The chapter's key sentences with the glued values filled in, as Markdown.

    Each sentence is in :meth:`str.format` syntax over the names glued so far
    (``"{software:.2f} % in software"``). A cell that ends with ``say(...)`` shows in
    Jupyter, Colab and a papermill output what the glued prose states, where the prose's
    references are not filled in; the book removes the cell and shows the prose.
    """
    from IPython.display import Markdown

    try:
        return Markdown("\n\n".join(s.format(**GLUED) for s in sentences))
    except KeyError as err:
        raise KeyError(f"say: {err.args[0]!r} has not been glued") from None


def show_source(*functions):
    """The source code of library functions, as a Markdown code block: a chapter
    shows the very code that the library runs."""
    from IPython.display import Markdown

    code = "\n\n".join(inspect.getsource(f).rstrip() for f in functions)
    return Markdown(f"```python\n{code}\n```")

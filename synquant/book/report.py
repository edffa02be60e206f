"""An executed chapter as a report: a standalone HTML file that reads without the book.

A chapter's prose is MyST: its numbers are ``{glue:text}`name:.2f``` references that
only the book fills in, its figures are numbered by ``{numref}``, its exercises are
sphinx-exercise directives. :func:`to_markdown` rewrites the prose of an executed
notebook (papermill, Jupyter, Colab) into plain Markdown with the glued values the run
computed, "Figure k" for each numbered figure (its caption under it), chapter titles for
``{doc}``, the bibliography's authors and year for ``{cite:p}``, and exercises and
solutions as headed paragraphs. :func:`to_html` then converts it with nbconvert, its
``TagRemovePreprocessor`` dropping the set-up and bookkeeping cells (tags
``remove-cell``, ``remove-input``, ``remove-output``), and MathJax inlined from the
book's offline copy when there is one. ``python -m synquant report out.ipynb`` does
both.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

from ..files import ROOT, atomic_write, check_writable

__all__ = ["glued_values", "to_html", "to_markdown"]

#: The book's offline MathJax (tools/mathjax.py), inlined into reports when present.
MATHJAX = ROOT / ".cache" / "static" / "mathjax" / "tex-svg-full.js"
BIBLIOGRAPHY = ROOT / "references.bib"
_PREFIX = "application/papermill.record/"
_TITLES = {"index": "the book's introduction"}


def glued_values(nb) -> dict[str, object]:
    """``{name: value}`` of every value glued in the executed notebook ``nb``."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if not record:
                continue
            text = output.get("data", {}).get(_PREFIX + "text/plain")
            if text is None:
                continue
            try:
                values[record["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[record["name"]] = text
    return values


def _format(value, spec: str) -> str:
    if spec:
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            pass
    return str(value)


def _citations() -> dict[str, str]:
    """``{key: "Surname et al. (year)"}`` from the book's bibliography, when present."""
    if not BIBLIOGRAPHY.is_file():
        return {}
    out = {}
    for key, body in re.findall(
        r"@\w+\{([^,]+),(.*?)\n\}", BIBLIOGRAPHY.read_text(), re.S
    ):
        author = re.search(r"author\s*=\s*\{([^}]*)\}", body)
        year = re.search(r"year\s*=\s*\{?(\d{4})", body)
        names = author.group(1).split(" and ") if author else [key]
        first = names[0].split(",")[0].strip()
        label = first + (" et al." if len(names) > 1 else "")
        out[key.strip()] = f"{label} ({year.group(1)})" if year else label
    return out


def _figures(nb) -> dict[str, tuple[int, str]]:
    """``{figure name: (number, caption)}`` in the order the figure cells come."""
    found = {}
    for cell in nb.cells:
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if cell.cell_type == "code" and figure and figure.get("name"):
            found[figure["name"]] = (len(found) + 1, figure.get("caption", ""))
    return found


def _directives(text: str) -> str:
    """Exercises, solutions and other directives as plain Markdown."""

    def exercise(m):
        body = re.sub(r"^:[\w-]+:.*\n", "", m.group(2), flags=re.M).strip()
        return f"**Exercise.** {body}\n"

    text = re.sub(
        r"^```+\{exercise\}[^\n]*\n(.*?\n)?((?:.|\n)*?)^```+[ \t]*$",
        lambda m: exercise(m),
        text,
        flags=re.M,
    )
    text = re.sub(
        r"^```+\{solution-start\}[^\n]*\n(?:(?::[\w-]+:.*)?\n)*?```+[ \t]*$",
        "**Solution.**",
        text,
        flags=re.M,
    )
    text = re.sub(r"^```+\{solution-end\}\s*\n?```+[ \t]*$", "", text, flags=re.M)
    # the index's execution table and bibliography belong to the book's pages
    text = re.sub(
        r"^```+\{(nb-exec-table|bibliography)\}[^\n]*\n(?:.|\n)*?^```+[ \t]*$",
        "",
        text,
        flags=re.M,
    )
    return text


def to_markdown(text: str, values: dict, figures: dict, citations: dict) -> str:
    """The MyST ``text`` of one markdown cell as plain Markdown (see the module's
    text)."""

    def glue(m):
        name, _, spec = m.group(2).partition(":")
        if name not in values:
            return f"(not computed in this run: {name})"
        return _format(values[name], spec)

    text = re.sub(r"\{glue(:\w+)?\}`([^`]+)`", glue, text)

    def numref(m):
        target = m.group(1)
        inner = re.match(r"(.*)<(.+)>$", target)
        label, name = ("", target)
        if inner:
            label, name = inner.group(1).strip(), inner.group(2)
        number = figures.get(name, (None,))[0]
        shown = f"Figure {number}" if number else "the figure"
        return label.replace("%s", str(number)) if label and number else shown

    text = re.sub(r"\{numref\}`([^`]+)`", numref, text)

    def doc(m):
        target = m.group(1)
        inner = re.match(r"(.*)<(.+)>$", target)
        if inner:
            return inner.group(1).strip()
        name = Path(target).name
        return _TITLES.get(name, name.replace("_", " ").capitalize())

    text = re.sub(r"\{doc\}`([^`]+)`", doc, text)

    def cite(m):
        keys = [k.strip() for k in m.group(2).split(",")]
        return "(" + "; ".join(citations.get(k, k) for k in keys) + ")"

    text = re.sub(r"\{cite(:\w+)?\}`([^`]+)`", cite, text)
    text = re.sub(r"\{sub\}`([^`]+)`", r"<sub>\1</sub>", text)
    text = re.sub(r"\{sup\}`([^`]+)`", r"<sup>\1</sup>", text)
    return _directives(text)


def report_notebook(nb):
    """A copy of the executed notebook ``nb`` whose prose reads as plain Markdown, with
    each numbered figure's caption under it."""
    import nbformat

    nb = copy.deepcopy(nb)
    values, figures, citations = glued_values(nb), _figures(nb), _citations()
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = to_markdown(cell.source, values, figures, citations)
        elif cell.cell_type == "code":  # glued records: read into the prose above
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if "scrapbook" not in o.get("metadata", {})
            ]
        cells.append(cell)
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if cell.cell_type == "code" and figure and figure.get("name") in figures:
            number, caption = figures[figure["name"]]
            text = to_markdown(caption, values, figures, citations)
            cells.append(nbformat.v4.new_markdown_cell(f"*Figure {number}.* {text}"))
    nb.cells = cells
    return nb


def to_html(notebook: Path | str, out: Path | str | None = None, force=False) -> Path:
    """Write the executed ``notebook`` as a standalone HTML report (``out``, default
    beside it with the suffix ``.html``); never over a file without ``force``."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    notebook = Path(notebook)
    if notebook.suffix != ".ipynb":
        raise ValueError(f"{notebook}: give an executed notebook (.ipynb)")
    if not notebook.is_file():
        raise FileNotFoundError(f"{notebook}: no such notebook; run the chapter first")
    out = Path(out) if out else notebook.with_suffix(".html")
    check_writable(out, force=force)
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as err:  # nbformat raises several kinds for a broken file
        raise ValueError(f"{notebook} is not a readable notebook ({err})") from None
    if not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        raise ValueError(
            f"{notebook} has no outputs: execute it first (papermill IN OUT, or "
            "Jupyter's Run All) and give the executed copy"
        )
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    if MATHJAX.is_file():
        exporter.mathjax_url = ""  # inlined below
    html, _ = exporter.from_notebook_node(report_notebook(nb))
    # nothing is fetched from the network: no widgets' loader, no empty MathJax tag
    html = re.sub(r'<script src="(https?:[^"]*require[^"]*|)">\s*</script>', "", html)
    if MATHJAX.is_file():
        script = MATHJAX.read_text().replace("</script", "<\\/script")
        html = html.replace(
            "</head>",
            "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], "
            "['\\\\(', '\\\\)']], processEscapes: true}};</script>\n"
            f"<script>{script}</script>\n</head>",
            1,
        )
    return atomic_write(out, lambda f: f.write(html.encode()))

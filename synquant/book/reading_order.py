"""Sphinx extension: MyST-NB's execution-time table in the book's reading order.

MyST-NB's ``{nb-exec-table}`` lists the executed notebooks sorted by file name, with
columns a reader has no use for (modification time, execution method) and the status as
an emoji that shows as an empty box without an emoji font. Listed in ``_config.yml``
(``sphinx: extra_extensions``), this module makes the table a reader's
(:func:`reading_table`): chapter (its title, linked), run time and status in words, the
rows in the order in which the toctrees include the documents, from the root document
down. :func:`toc_order` reads the same order from ``_toc.yml`` itself, for the tools
that work on the sources (the student edition, the PDF).
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import yaml

__all__ = [
    "HEADER",
    "reading_order",
    "reading_table",
    "setup",
    "sort_rows",
    "toc_order",
]

#: The columns of the execution table.
HEADER = ("Chapter", "Run time", "Status")


def toc_order(book: Path | str) -> list[str]:
    """The documents of the book at ``book`` (its ``_toc.yml``), in reading order: the
    root, then the chapters of each part."""
    toc_path = Path(book) / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(f"no _toc.yml in {book}: give the book's folder")
    toc = yaml.safe_load(toc_path.read_text())
    names = [toc["root"]]
    for part in toc.get("parts", []):
        names += [c["file"] for c in part.get("chapters", [])]
    return names + [c["file"] for c in toc.get("chapters", [])]


def reading_order(includes: dict[str, list[str]], root: str) -> list[str]:
    """Documents in reading order: ``root``, then what its toctrees include, depth
    first (``includes``: Sphinx's ``env.toctree_includes``). Each document once."""
    order, seen, stack = [], set(), [root]
    while stack:
        doc = stack.pop()
        if doc in seen:
            continue
        seen.add(doc)
        order.append(doc)
        stack.extend(reversed(includes.get(doc, [])))
    return order


def sort_rows(table, parent_docname: str, order: list[str]):
    """Reorder the body rows of an execution table (docutils ``table``) in place by the
    position of each row's document in ``order``; documents not in it go last, by name.
    Returns the table."""
    from docutils import nodes
    from sphinx.addnodes import pending_xref

    rank = {doc: i for i, doc in enumerate(order)}

    def key(row):
        ref = next(iter(row.findall(pending_xref)), None)
        doc = (
            ""
            if ref is None
            else posixpath.normpath(
                posixpath.join(posixpath.dirname(parent_docname), ref["reftarget"])
            )
        )
        return rank.get(doc, len(rank)), doc

    for tbody in table.findall(nodes.tbody):
        rows = sorted(tbody.children, key=key)
        tbody.clear()
        tbody.extend(rows)
    return table


def _run_time(seconds) -> str:
    if seconds is None:
        return "not run"
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


def reading_table(parent_docname: str, metadata, order: list[str]):
    """The execution table for a reader (a docutils ``table``): one row per executed
    document of ``metadata`` (MyST-NB's, by document name) in the position of ``order``
    (documents not in it last, by name), with the columns of :data:`HEADER`: the
    chapter's title linked, its run time ("15 s", "2 min 27 s") and "executed" or
    "failed" (the error as the word's tooltip)."""
    from docutils import nodes
    from sphinx.addnodes import pending_xref

    rank = {doc: i for i, doc in enumerate(order)}
    docs = sorted(
        (d for d in metadata if metadata[d].get("exec_data")),
        key=lambda d: (rank.get(d, len(rank)), d),
    )
    table = nodes.table(classes=["colwidths-auto", "execution-table"])
    group = nodes.tgroup(cols=len(HEADER))
    table += group
    for _ in HEADER:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    head += nodes.row("", *(nodes.entry("", nodes.paragraph(text=h)) for h in HEADER))
    body = nodes.tbody()
    group += body
    for doc in docs:
        data = metadata[doc]["exec_data"]
        link = pending_xref(
            refdoc=parent_docname,
            reftarget=posixpath.relpath(doc, posixpath.dirname(parent_docname)),
            reftype="doc",
            refdomain="std",
            refexplicit=False,  # the document's title
            refwarn=True,
            classes=["xref", "doc"],
        )
        link += nodes.inline(text=doc)
        status = nodes.paragraph()
        if data.get("succeeded") is False:
            status += nodes.abbreviation(
                text="failed", explanation=data.get("error") or ""
            )
        else:
            status += nodes.Text("executed")
        body += nodes.row(
            "",
            nodes.entry("", nodes.paragraph("", "", link)),
            nodes.entry("", nodes.paragraph(text=_run_time(data.get("runtime")))),
            nodes.entry("", status),
        )
    return table


def setup(app):
    """Replace MyST-NB's table maker with :func:`reading_table`, in reading order."""
    from myst_nb.ext import execution_tables

    original = execution_tables.make_stat_table
    if not getattr(original, "in_reading_order", False):

        def make_stat_table(parent_docname, metadata):
            order = reading_order(app.env.toctree_includes, app.config.root_doc)
            return reading_table(parent_docname, metadata, order)

        make_stat_table.in_reading_order = True
        execution_tables.make_stat_table = make_stat_table
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Sphinx extension: MyST-NB's execution-time table in the book's reading order.

MyST-NB's ``{nb-exec-table}`` lists the executed notebooks sorted by file name; a reader
(or a teacher planning a session) expects the order of the table of contents. Listed in
``_config.yml`` (``sphinx: extra_extensions``), this module reorders the table's rows by
the order in which the toctrees include the documents, from the root document down.
"""

from __future__ import annotations

import posixpath

__all__ = ["reading_order", "setup", "sort_rows"]


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


def setup(app):
    """Wrap MyST-NB's table maker so that its rows come in reading order."""
    from myst_nb.ext import execution_tables

    original = execution_tables.make_stat_table
    if not getattr(original, "in_reading_order", False):

        def make_stat_table(parent_docname, metadata):
            table = original(parent_docname, metadata)
            order = reading_order(app.env.toctree_includes, app.config.root_doc)
            return sort_rows(table, parent_docname, order)

        make_stat_table.in_reading_order = True
        execution_tables.make_stat_table = make_stat_table
    return {"parallel_read_safe": True, "parallel_write_safe": True}

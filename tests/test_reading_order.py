"""The execution-time table of the index in the order of the table of contents."""

from collections import defaultdict

from synquant.book.reading_order import HEADER, reading_order, reading_table, sort_rows

INCLUDES = {
    "chapters/index": ["chapters/introduction", "chapters/results", "chapters/devices"],
    "chapters/results": ["chapters/results_detail"],
}


def test_reading_order_is_depth_first_from_the_root():
    assert reading_order(INCLUDES, "chapters/index") == [
        "chapters/index",
        "chapters/introduction",
        "chapters/results",
        "chapters/results_detail",
        "chapters/devices",
    ]


def test_reading_order_lists_each_document_once():
    includes = {"a": ["b", "c"], "b": ["a", "c"], "c": []}
    assert reading_order(includes, "a") == ["a", "b", "c"]
    assert reading_order({}, "a") == ["a"]


def test_sort_rows_orders_myst_nb_table_by_reading_order():
    from myst_nb.ext.execution_tables import make_stat_table

    data = {"mtime": 0, "method": "force", "runtime": 1.0, "succeeded": True}
    metadata = defaultdict(dict)
    for doc in (
        "chapters/devices",
        "chapters/introduction",
        "chapters/results",
        "chapters/zzz_not_in_toc",
    ):
        metadata[doc] = {"exec_data": data}
    table = make_stat_table("chapters/index", metadata)

    def documents():
        return [
            row.astext().split("\n")[0]
            for row in table.findall(lambda n: n.tagname == "row")
            if "Document" not in row.astext()
        ]

    assert documents() == sorted(documents())  # MyST-NB's own order: by name
    sort_rows(table, "chapters/index", reading_order(INCLUDES, "chapters/index"))
    assert documents() == [
        "chapters/introduction",
        "chapters/results",
        "chapters/devices",
        "chapters/zzz_not_in_toc",
    ]


def test_reading_table_reads_as_text():
    """Chapter, run time and status in words, in reading order: no emoji, no
    modification time or execution method."""
    metadata = defaultdict(dict)
    metadata["chapters/results"] = {
        "exec_data": {
            "mtime": 0,
            "method": "force",
            "runtime": 147.2,
            "succeeded": True,
        }
    }
    metadata["chapters/introduction"] = {
        "exec_data": {"mtime": 0, "method": "force", "runtime": 15.1, "succeeded": True}
    }
    metadata["chapters/devices"] = {
        "exec_data": {
            "mtime": 0,
            "method": "force",
            "runtime": 3.0,
            "succeeded": False,
            "error": "KeyError",
        }
    }
    metadata["chapters/not_executed"] = {}
    order = reading_order(INCLUDES, "chapters/index")
    table = reading_table("chapters/index", metadata, order)
    rows = [
        [entry.astext() for entry in row.findall(lambda n: n.tagname == "entry")]
        for row in table.findall(lambda n: n.tagname == "row")
    ]
    assert rows == [
        list(HEADER),
        ["chapters/introduction", "15 s", "executed"],
        ["chapters/results", "2 min 27 s", "executed"],
        ["chapters/devices", "3 s", "failed"],
    ]
    assert all(ch.isascii() for row in rows for cell in row for ch in cell)

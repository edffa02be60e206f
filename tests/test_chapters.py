"""Every chapter against the book's conventions (SPEC: chapter conventions; issues 8,
10, 11).

The chapters are executed once per ``make test``: by the book build, which leaves each
executed notebook in ``_build/jupyter_execute/``. The output checks read those; the
checks of the source (first cell, parameters, code lines, exercises) read
``chapters/*.ipynb``.
"""

from __future__ import annotations

import ast
import os
import re

import nbformat
import pytest

from tests import book
from tests.environment import ROOT

CHAPTERS = book.chapters()
LINE_LENGTH = 88  # ruff's line-length, which also runs on the chapters
FIGURE_TYPES = ("image/png", "image/svg+xml")


def _source(chapter: str):
    return nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)


def _executed(chapter: str):
    path = book.EXECUTED / f"{chapter}.ipynb"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(
                f"no executed {path.relative_to(ROOT)}: `make test` builds the book "
                "first"
            )
        pytest.skip(
            f"no executed {path.relative_to(ROOT)}: run `make book` (make test builds "
            "it)"
        )
    return nbformat.read(path, as_version=4)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _code(cell) -> str:
    """A code cell's source as Python (IPython's magics such as ``%pip``
    transformed)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell.source)


def _where(chapter: str, index: int) -> str:
    return f"{chapter}.ipynb cell {index}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_error_outputs(chapter):
    nb = _executed(chapter)
    errors = [
        f"{_where(chapter, i)}: {o.get('ename')}: {o.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_show_in_the_notebook(chapter):
    """A figure cell (``mystnb.figure`` metadata) shows its image in its own outputs
    (issue 8.1)."""
    nb = _executed(chapter)
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "figure" not in cell.metadata.get("mystnb", {}):
            continue
        images = [
            o
            for o in cell.get("outputs", [])
            if any(t in o.get("data", {}) for t in FIGURE_TYPES)
        ]
        if len(images) != 1:
            name = cell.metadata["mystnb"]["figure"].get("name")
            missing.append(
                f"{_where(chapter, i)} ({name}): {len(images)} images, not 1"
            )
    assert not missing, "\n".join(missing)
    glued = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and "{glue:figure}" in c.source
    ]
    assert not glued, (
        f"{chapter}: cells {glued} paste a glued figure (it would not show in the "
        "notebook): give the figure's cell mystnb.figure metadata instead"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_first_cell_installs_synquant(chapter):
    """The Colab/Binder install cell, exactly, removed from the page (the URL is
    pyproject's)."""
    first = _source(chapter).cells[0]
    assert first.cell_type == "code", (
        f"{chapter}: the first cell is {first.cell_type}, not the install cell"
    )
    assert first.source.strip() == book.install_cell(), (
        f"{chapter}: the first cell is not the install cell"
    )
    assert "remove-cell" in _tags(first), (
        f"{chapter}: the install cell is not tagged remove-cell"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_one_parameters_cell(chapter):
    cells = [
        i for i, c in enumerate(_source(chapter).cells) if "parameters" in _tags(c)
    ]
    assert len(cells) == 1, (
        f"{chapter}: {len(cells)} cells tagged parameters (one needed)"
    )
    cell = _source(chapter).cells[cells[0]]
    assert cell.cell_type == "code"
    lines = cell.source.splitlines()
    for node in ast.parse(cell.source).body:
        first = lines[node.lineno - 1]
        assert isinstance(node, ast.AnnAssign) and node.value is not None, (
            f"{chapter}: parameter line {first!r} is not `name: type = value`"
        )
        assert re.search(r"  # \S", first), (
            f"{chapter}: parameter line {first!r} lacks a comment"
        )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_lines_fit_the_page(chapter):
    long = [
        f"{_where(chapter, i)}: {len(line)} chars: {line[:50]}..."
        for i, cell in enumerate(_source(chapter).cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > LINE_LENGTH
    ]
    assert not long, (
        f"{len(long)} code lines longer than {LINE_LENGTH} characters:\n"
        + "\n".join(long)
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_function_or_class_in_a_chapter(chapter):
    """Logic lives in synquant, with unit tests; a chapter holds prose, parameters and
    calls."""
    found = []
    for i, cell in enumerate(_source(chapter).cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(_code(cell))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append(f"{_where(chapter, i)}: {type(node).__name__} {node.name}")
    assert not found, "\n".join(found)


EXERCISE = re.compile(r"^```\{exercise\}[^\n]*\n:label: (\S+)", re.M)
SOLUTION_START = re.compile(r"^```\{solution-start\} (\S+)", re.M)
SOLUTION_END = re.compile(r"^```\{solution-end\}", re.M)


def exercises(nb) -> dict[str, list[int]]:
    """Exercise label -> indices of its solution's cells (start to end, inclusive).

    Raises AssertionError, naming the cell, where the structure is broken.
    """
    labels, solutions, open_ = [], {}, None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for label in EXERCISE.findall(cell.source):
                assert "solution" not in _tags(cell), (
                    f"cell {i}: exercise {label} is tagged solution"
                )
                labels.append(label)
            starts = SOLUTION_START.findall(cell.source)
            assert len(starts) <= 1, (
                f"cell {i}: {len(starts)} solution-start directives in one cell"
            )
            if starts:
                assert open_ is None, (
                    f"cell {i}: solution {starts[0]} starts inside solution {open_}"
                )
                open_ = starts[0]
                solutions[open_] = []
        if open_ is not None:
            solutions[open_].append(i)
            assert "solution" in _tags(cell), (
                f"cell {i} of solution {open_} is not tagged solution"
            )
            if cell.cell_type == "markdown" and SOLUTION_END.search(cell.source):
                open_ = None
    assert open_ is None, f"solution {open_} has no solution-end"
    unmatched = set(labels) ^ set(solutions)
    assert not unmatched, (
        "exercises without a solution or solutions without an exercise: "
        f"{sorted(unmatched)}"
    )
    return {label: solutions[label] for label in labels}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_a_solution_in_cells_tagged_solution(chapter):
    nb = _source(chapter)
    try:
        found = exercises(nb)
    except AssertionError as err:
        pytest.fail(f"{chapter}: {err}")
    for label, cells in found.items():
        assert label.startswith(chapter.rsplit("/", 1)[-1] + "-ex-"), (
            f"{chapter}: label {label}"
        )
        code = [i for i in cells if nb.cells[i].cell_type == "code"]
        assert code, (
            f"{chapter}: solution {label} has no code cell that computes the answer"
        )
        assert any(
            re.search(r"^\s*assert\b", nb.cells[i].source, re.M) for i in code
        ), f"{chapter}: solution {label} asserts nothing"
    stray = [
        i
        for i, c in enumerate(nb.cells)
        if "solution" in _tags(c) and not any(i in cells for cells in found.values())
    ]
    assert not stray, (
        f"{chapter}: cells {stray} are tagged solution outside any solution"
    )
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "```{solution}" not in markdown, (
        f"{chapter}: a static solution directive (use solution-start/-end)"
    )

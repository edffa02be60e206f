"""The student edition (``make student``): every exercise, no solution (issue 10.3).

The unit tests strip a small fixture book; the edition tests compare the two built
editions of the real book, ``_build/html`` and ``_build/student/html``.
"""

from __future__ import annotations

import os
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from synquant.book import student
from tests import book
from tests.environment import ROOT

STUDENT = ROOT / "_build" / "student" / "html"


def fixture_chapter(executed: bool = False):
    """A chapter with one exercise whose solution spans three cells tagged
    ``solution`` (its code cells numbered as run when ``executed``)."""
    solution = {"tags": ["solution"]}
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Tiny\n\nSome prose."),
            new_code_cell("x = 2", metadata={"tags": ["parameters"]}),
            new_markdown_cell(
                "```{exercise}\n:label: tiny-ex-square\n\nWhat is x squared?\n```"
            ),
            new_markdown_cell(
                "```{solution-start} tiny-ex-square\n:class: dropdown\n```\n\nIt is "
                "four.",
                metadata=solution,
            ),
            new_code_cell("answer = x**2\nassert answer == 4", metadata=solution),
            new_markdown_cell("```{solution-end}\n```", metadata=solution),
            new_markdown_cell("More prose after the exercise."),
        ]
    )
    if executed:
        code = [c for c in nb.cells if c.cell_type == "code"]
        for count, cell in enumerate(code, 1):
            cell.execution_count = count
    return nb


def test_strip_solutions_removes_exactly_the_solution_cells():
    nb = fixture_chapter()
    stripped = student.strip_solutions(nb)
    assert [c.source for c in stripped.cells] == [
        nb.cells[i].source for i in (0, 1, 2, 6)
    ]
    assert len(nb.cells) == 7, "the original is left as it was"
    assert student.strip_solutions(stripped).cells == stripped.cells


def test_student_sources_of_a_fixture_book(tmp_path):
    src = tmp_path / "book"
    (src / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(), src / "chapters" / "tiny.ipynb")
    (src / "_toc.yml").write_text("format: jb-book\nroot: chapters/tiny\n")
    (src / "_config.yml").write_text(
        "title: Tiny\nbibtex_bibfiles: [refs.bib]\n"
        "sphinx:\n  config:\n    html_static_path: [static]\n"
    )
    (src / "refs.bib").write_text("")
    executed = tmp_path / "executed"
    (executed / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(executed=True), executed / "chapters" / "tiny.ipynb")
    dst = tmp_path / "student"
    run = ["--executed", str(executed)]
    assert student.main(["student", str(src), str(dst), *run]) == 0
    chapter = nbformat.read(dst / "chapters" / "tiny.ipynb", as_version=4)
    text = "\n".join(c.source for c in chapter.cells)
    assert (
        "tiny-ex-square" in text and "solution-start" not in text and "x**2" not in text
    )
    import yaml

    config = yaml.safe_load((dst / "_config.yml").read_text())
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["config"]["html_static_path"] == [str(src / "static")]
    assert (dst / "refs.bib").is_file() and (dst / "_toc.yml").is_file()
    # the launch buttons open the chapters without solutions that the repository keeps
    assert config["repository"]["path_to_book"] == student.NOTEBOOKS
    # never into the book's own folders
    for unsafe in (src, src / "chapters", tmp_path, executed, executed / "x"):
        assert student.main(["student", str(src), str(unsafe), *run]) == 1
    assert (src / "chapters" / "tiny.ipynb").is_file()
    # a rerun replaces what the first run wrote, and keeps what others put there
    (dst / "_build").mkdir()
    (dst / "_build" / "page.html").write_text("kept")
    assert student.main(["student", str(src), str(dst), *run]) == 0
    assert (dst / "_build" / "page.html").read_text() == "kept"
    assert (dst / "chapters" / "tiny.ipynb").is_file()


def test_glued_values_kept_aside_by_myst_nb_go_back_into_the_edition(tmp_path):
    """MyST-NB moves ``glue(display=False)`` outputs of an executed notebook into
    ``<chapter>.glue.json``; the student edition, built without executing, needs them
    back."""
    import json

    src = tmp_path / "book"
    (src / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(), src / "chapters" / "tiny.ipynb")
    (src / "_toc.yml").write_text("format: jb-book\nroot: chapters/tiny\n")
    (src / "_config.yml").write_text("title: Tiny\n")
    executed = tmp_path / "executed" / "chapters"
    executed.mkdir(parents=True)
    nbformat.write(fixture_chapter(executed=True), executed / "tiny.ipynb")
    record = "application/papermill.record/"
    (executed / "tiny.glue.json").write_text(
        json.dumps(
            {
                "x_value": {
                    "output_type": "display_data",
                    "data": {"text/plain": "2"},
                    "metadata": {
                        "scrapbook": {"name": "x_value", "mime_prefix": record}
                    },
                }
            }
        )
    )
    student.student_sources(src, tmp_path / "student", executed=tmp_path / "executed")
    cells = nbformat.read(
        tmp_path / "student" / "chapters" / "tiny.ipynb", as_version=4
    ).cells
    assert len(cells) == 5 and cells[-1].metadata.tags == ["remove-cell"]
    (output,) = cells[-1].outputs
    assert output.data == {record + "text/plain": "2"}
    assert output.metadata.scrapbook.name == "x_value"


def _editions():
    if not (book.HTML.is_dir() and STUDENT.is_dir()):
        if os.environ.get("CI"):
            pytest.fail(
                "no built editions: `make test` builds the book and the student edition"
            )
        pytest.skip("no built editions: run `make book student`")
    return book.HTML, STUDENT


def _page(html_dir, chapter):
    from bs4 import BeautifulSoup

    return BeautifulSoup((html_dir / f"{chapter}.html").read_text(), "html.parser")


def test_student_edition_has_every_exercise_and_no_solution():
    full, student = _editions()
    labels = 0
    for chapter in book.chapters():
        full_page, student_page = _page(full, chapter), _page(student, chapter)
        exercises = [
            e["id"]
            for e in full_page.select("div.exercise[id], div.exercise [id]")
            if e.get("id")
        ]
        labels += len(exercises)
        for label in exercises:
            assert student_page.find(id=label), (
                f"{chapter}: exercise {label} is missing from the student edition"
            )
        assert not student_page.select(".solution"), (
            f"{chapter}: the student edition shows a solution"
        )
        student_text = " ".join(student_page.get_text(" ").split())
        for solution in full_page.select(".solution"):
            body = solution.select_one(".solution-content, section") or solution
            words = " ".join(body.get_text(" ").split())
            assert words not in student_text, (
                f"{chapter}: solution text {words[:60]!r} in the student edition"
            )
    assert labels, "the full edition has no exercise (sphinx-exercise's div.exercise)"


def test_student_notebooks_have_no_solution_cells():
    _, student = _editions()
    for chapter in book.chapters():
        path = student / "_sources" / f"{chapter}.ipynb"
        assert path.is_file(), (
            f"the student edition offers no notebook {path.name} to download"
        )
        nb = nbformat.read(path, as_version=4)
        tagged = [
            i
            for i, c in enumerate(nb.cells)
            if "solution" in c.get("metadata", {}).get("tags", [])
        ]
        assert not tagged, (
            f"{chapter}: cells {tagged} tagged solution in the downloadable notebook"
        )
        for cell in nb.cells:
            assert not re.search(r"\{solution-(start|end)\}", cell.source), (
                f"{chapter}: a solution directive"
            )


def test_student_notebooks_of_a_fixture_book(tmp_path):
    src = tmp_path / "book"
    (src / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(), src / "chapters" / "tiny.ipynb")
    (src / "_toc.yml").write_text("format: jb-book\nroot: chapters/tiny\n")
    assert student.main(["notebooks", str(src)]) == 0
    nb = nbformat.read(src / student.NOTEBOOKS / "chapters" / "tiny.ipynb", 4)
    text = "\n".join(c.source for c in nb.cells)
    assert "tiny-ex-square" in text and "solution-start" not in text
    assert "x**2" not in text
    (src / "_toc.yml").unlink()
    assert student.main(["notebooks", str(src)]) == 1


def test_the_repositorys_student_notebooks_are_the_chapters_without_solutions(
    tmp_path,
):
    """What the student edition's Binder and Colab buttons open: ``student/chapters``,
    each chapter exactly as ``python -m synquant.book.student notebooks .`` writes it
    (run it after changing a chapter), no solution in any."""
    kept = ROOT / student.NOTEBOOKS
    fresh = student.student_notebooks(ROOT, tmp_path)
    stale = {p.relative_to(kept) for p in kept.rglob("*.ipynb")} - {
        p.relative_to(tmp_path) for p in fresh
    }
    assert not stale, f"{sorted(map(str, stale))} in {kept} are no chapters"
    how = "run `python -m synquant.book.student notebooks .` and commit student/"
    for path in fresh:
        committed = kept / path.relative_to(tmp_path)
        assert committed.is_file(), f"no {committed}: {how}"
        assert committed.read_text() == path.read_text(), (
            f"{committed} is not the chapter without its solutions: {how}"
        )
        nb = nbformat.read(committed, as_version=4)
        for cell in nb.cells:
            assert student.SOLUTION_TAG not in cell.metadata.get("tags", [])
            assert not re.search(r"\{solution-(start|end)\}", cell.source)


def test_student_launch_buttons_open_notebooks_without_solutions():
    """Every Binder or Colab link of the student edition opens a notebook under
    ``student/`` that the repository holds, without solutions."""
    _, built = _editions()
    links = 0
    for chapter in book.chapters():
        for a in _page(built, chapter).select("a[href]"):
            href = a["href"]
            if "mybinder.org" not in href and "colab.research.google.com" not in href:
                continue
            links += 1
            match = re.search(r"(?:urlpath=tree/|/blob/[^/]+/)([^?&]+\.ipynb)", href)
            assert match, f"{chapter}: launch link {href} names no notebook"
            target = match.group(1).replace("%2F", "/")
            assert target == f"{student.NOTEBOOKS}/{chapter}.ipynb", (
                f"{chapter}: the student edition launches {target}"
            )
            nb = nbformat.read(ROOT / target, as_version=4)
            assert not any(
                student.SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells
            )
    assert links, "the student edition has no launch button"

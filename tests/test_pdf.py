"""The book as PDFs (``make pdf``): both editions printed whole, with every figure of
the pages, no raw markup, a table of contents, and no solution in the student's.

The unit test joins a fixture site; the others read the PDFs that ``make test`` prints
(``make pdf`` after ``make book student``), with poppler's ``pdftotext``, ``pdfinfo``
and ``pdfimages``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup

from synquant.book import pdf
from tests import book
from tests.environment import ROOT

FULL = book.HTML / "synquant.pdf"
STUDENT = ROOT / "_build" / "student" / "html" / "synquant-student.pdf"

#: What must never reach the printed page: MyST roles and directives, raw math.
RAW = (
    "{glue",
    "{numref",
    "{ref}",
    "{doc}",
    "{cite",
    "```",
    "{exercise}",
    "{solution",
    ":label:",
    ":class:",
    "{figure}",
    "{nb-exec-table}",
    "{bibliography}",
    "$$",
    "\\(",
    "\\[",
)


def test_a_folder_without_the_built_book_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="must be the book's HTML build"):
        pdf.combined_page(ROOT, tmp_path)
    assert pdf.main([str(ROOT), str(tmp_path), str(tmp_path / "book.pdf")]) == 1
    assert not (tmp_path / "book.pdf").exists()


def test_combined_page_of_a_fixture_site(tmp_path):
    """Chapters in the table of contents' order, after a title page and the contents,
    each from a new page, solutions unfolded, the page's frame kept once."""
    src, site = tmp_path / "book", tmp_path / "html"
    src.mkdir()
    (src / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/index\nparts:\n  - chapters:\n"
        "      - file: chapters/b\n      - file: chapters/a\n"
    )
    (src / "_config.yml").write_text("title: Tiny book\nauthor: Someone\n")
    (site / "chapters").mkdir(parents=True)
    for name, title in (("index", "Tiny book"), ("a", "2. Aaa"), ("b", "1. Bbb")):
        (site / "chapters" / f"{name}.html").write_text(
            f'<html><head></head><body><nav>menu</nav><article class="bd-article">'
            f"<h1>{title}<a class='headerlink'>#</a></h1><p>text of {name}</p>"
            f'<div class="solution dropdown admonition">answer</div><img src="x.png" '
            f'loading="lazy"></article><footer>foot</footer></body></html>'
        )
    page, titles = pdf.combined_page(src, site, pages=[3, 4, 7])
    assert titles == ["About this book", "1. Bbb", "2. Aaa"]
    assert (
        page.index("text of index") < page.index("text of b") < page.index("text of a")
    )
    assert page.count('class="pdf-chapter"') == 3
    assert page.count("<nav>menu</nav>") == 1 and page.count("<footer>") == 1
    assert 'class="solution dropdown' not in page and "loading=" not in page
    contents = page[
        page.index("<section class='pdf-contents'>") : page.index('class="pdf-chapter"')
    ]
    assert re.search(r"1\. Bbb.*?<span>4</span>", contents)
    assert "Tiny book" in page[: page.index("<section class='pdf-contents'>")]
    assert "@page" in page  # the print style
    (src / "_toc.yml").write_text("format: jb-book\nroot: chapters/missing\n")
    with pytest.raises(FileNotFoundError, match="chapters/missing"):
        pdf.combined_page(src, site)


def _pdfs():
    if not (shutil.which("pdftotext") and shutil.which("pdfimages")):
        pytest.skip("no poppler-utils here: apt-get install poppler-utils")
    if not (FULL.is_file() and STUDENT.is_file()):
        if os.environ.get("CI"):
            pytest.fail("no PDFs: `make test` prints them (make pdf)")
        pytest.skip("no PDFs: run `make book student pdf`")
    return FULL, STUDENT


def _run(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _text(path) -> str:
    return _run("pdftotext", "-layout", str(path), "-")


def _pages(path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(path)), re.M)[1])


def _figures(html_dir):
    """``{number: image file}`` of the numbered figures of a built edition."""
    found = {}
    for chapter in book.chapters():
        page = html_dir / f"{chapter}.html"
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for fig in soup.select("figure"):
            number, img = fig.select_one(".caption-number"), fig.select_one("img")
            if number and img:
                found[number.get_text().strip()] = img["src"]
    return found


@pytest.mark.book
def test_pdfs_have_their_pages_and_no_raw_markup():
    full, student = _pdfs()
    chapters = len(book.chapters())
    for path in (full, student):
        pages = _pages(path)
        # a title page, the contents, and at least a page a chapter; not a page a line
        assert chapters + 2 <= pages <= 40 * chapters, f"{path.name}: {pages} pages"
        text = _text(path)
        for raw in RAW:
            assert raw not in text, f"{path.name}: raw markup {raw!r} in the PDF"
        assert "Traceback" not in text, f"{path.name} prints a traceback"
        contents = text.split("\f")[1]
        assert contents.lstrip().startswith("Contents")
        listed = re.findall(r"^\s*(\d+\.\s.+?)\s+(\d+)\s*$", contents, re.M)
        assert len(listed) == chapters - 1, f"{path.name}: contents {listed}"
        pages_of = [int(p) for _, p in listed]
        assert pages_of == sorted(pages_of) and pages_of[-1] <= pages
    assert _pages(student) < _pages(full), "the student edition has no solutions"


@pytest.mark.book
def test_every_figure_of_the_pages_is_in_the_pdf():
    full, student = _pdfs()
    for path, html_dir in ((full, book.HTML), (student, STUDENT.parent)):
        figures = _figures(html_dir)
        assert figures, f"no numbered figure in {html_dir}"
        text = " ".join(_text(path).split())
        missing = [n for n in figures if n not in text]
        assert not missing, f"{path.name}: no caption {missing}"
        images = [
            line.split()
            for line in _run("pdfimages", "-list", str(path)).splitlines()[2:]
        ]
        pictures = [row for row in images if row[2] == "image"]
        assert len(pictures) >= len(set(figures.values())), (
            f"{path.name}: {len(pictures)} images for {len(figures)} figures"
        )


@pytest.mark.book
def test_student_pdf_has_no_solution():
    full, student = _pdfs()
    assert "Solution to" in _text(full), "the full PDF shows its solutions"
    text = _text(student)
    assert "Solution to" not in text
    assert "Exercise" in text, "the student PDF keeps the exercises"

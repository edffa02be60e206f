"""The rendered book, opened page by page in headless Chromium with the network off.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and a
built book in ``_build/html`` (``make test`` builds it first). The browser reaches
nothing but the files of the book: every host name fails to resolve and DevTools'
network emulation is offline, so math must be typeset by the MathJax that the book
serves itself. A full-height screenshot of every page, at a desktop's 1280 px and a
phone's 412 px, is saved under ``_build/screenshots/``. The student edition
(``_build/student/html``) is opened too: neither its pages nor the notebooks its launch
buttons open may hold a solution's text.
"""

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from synquant.book import figures, pdf, student
from tests import book
from tests.environment import ROOT

pytestmark = pytest.mark.book  # builds, installs or runs chapters: not in `make unit`

HTML = ROOT / "_build" / "html"
STUDENT = ROOT / "_build" / "student" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
HOW = (
    "install Debian's chromium and chromium-driver (apt-get install chromium "
    "chromium-driver), as .ci/run does"
)


def _pages() -> list[Path]:
    return sorted((HTML / "chapters").glob("*.html")) if HTML.is_dir() else []


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.skip(f"no Chromium here: {HOW}")
    if not _pages():
        if os.environ.get("CI"):
            pytest.fail(
                "no built book in _build/html: `make test` builds it before the tests"
            )
        pytest.skip(
            "no built book in _build/html: run `make book` (make test builds it)"
        )
    driver = pdf.browser()
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {
            "offline": True,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _open(driver, page: Path):
    """Load ``page`` and wait for its images and for MathJax to finish typesetting."""
    driver.get(page.as_uri())
    driver.set_script_timeout(60)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];const images = "
        "Promise.all([...document.images].map(  i => i.complete ? 0 : new Promise(r "
        "=> {i.onload = i.onerror = r;})));const math = new Promise(r => {  let "
        "waited = 0;  const poll = () => {    const s = window.MathJax && "
        "window.MathJax.startup;    if (s && s.promise) { s.promise.then(r, r); }   "
        " else if (waited > 10000) { r(); } else { waited += 100; setTimeout(poll, "
        "100); }  };  poll();});Promise.all([images, math]).then(() => done());"
    )


def _screenshot(driver, page: Path, width: int = 1280, prefix: str = ""):
    driver.set_window_size(width, 1000)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 16000))
    driver.save_screenshot(str(SHOTS / f"{prefix}{page.stem}-{width}.png"))
    driver.set_window_size(1280, 1000)


CHAPTERS = [
    "index",
    "introduction",
    "proposed_method",
    "results",
    "conclusion",
    "reproduction_notes",
    "devices",
    "nonidealities",
    "optimal_levels",
    "device_aware_training",
]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_built(name):
    if not HTML.is_dir():
        pytest.skip("no built book in _build/html: run `make book`")
    assert (HTML / "chapters" / f"{name}.html").is_file()


def test_every_page_renders_without_errors(browser):
    assert {p.stem for p in _pages()} >= set(CHAPTERS)
    for page in _pages():
        _open(browser, page)
        text = browser.find_element("tag name", "body").text
        assert "Traceback" not in text, f"{page.name} shows a traceback"
        assert not re.search(r"\b\w+Error\b:", text), f"{page.name} shows an error"
        errors = browser.find_elements(
            "css selector", ".output.traceback, .output.error, .cell_output .stderr"
        )
        assert not errors, f"{page.name} shows {len(errors)} error or stderr outputs"
        # every image, glued figures included, has loaded and has a size on the page
        for img in browser.find_elements("tag name", "img"):
            natural = browser.execute_script(
                "return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img
            )
            src = img.get_attribute("src")
            assert min(natural) > 0, f"{page.name}: image {src} did not load"
            if img.is_displayed():
                assert img.size["width"] > 0 and img.size["height"] > 0, (
                    f"{page.name}: image {src} has no size"
                )


def test_figures_are_numbered_images(browser):
    expected = {
        "introduction": 1,
        "proposed_method": 2,
        "results": 1,
        "reproduction_notes": 4,
        "devices": 2,
        "nonidealities": 2,
        "optimal_levels": 2,
    }
    for name, least in expected.items():
        _open(browser, HTML / "chapters" / f"{name}.html")
        figures = browser.find_elements("css selector", "figure, div.figure")
        with_image = [f for f in figures if f.find_elements("tag name", "img")]
        assert len(with_image) >= least, (
            f"{name}: {len(with_image)} figures with an image"
        )
        for fig in with_image:
            caption = fig.find_element("css selector", "figcaption, .caption").text
            assert re.match(r"Fig\. \d+(\.\d+)*", caption), (
                f"{name}: figure caption {caption!r} is not numbered"
            )


def test_results_page_equals_results_file(browser):
    rows = list(
        csv.DictReader(
            (ROOT / "data" / "results" / "figure2-PCMO-paper-seed0.csv").open()
        )
    )
    acc = {(r["method"], r["levels"]): float(r["accuracy_pct"]) for r in rows}
    _open(browser, HTML / "chapters" / "results.html")
    table = browser.find_elements("css selector", "table")[0]
    shown = [
        [td.text for td in tr.find_elements("tag name", "td")]
        for tr in table.find_elements("tag name", "tr")
    ]
    shown = [r for r in shown if r]
    assert len(shown) == 21
    for levels, sampling, proposed, diff in shown:
        assert float(sampling) == pytest.approx(acc[("sampling", levels)], abs=0.005)
        assert float(proposed) == pytest.approx(acc[("proposed", levels)], abs=0.005)
        assert float(diff) == pytest.approx(
            acc[("proposed", levels)] - acc[("sampling", levels)], abs=0.011
        )
    pasted = [e.text for e in browser.find_elements("css selector", ".pasted-text")]
    for key in (
        ("software", ""),
        ("proposed", "10"),
        ("proposed", "5"),
        ("sampling", "5"),
    ):
        assert f"{acc[key]:.2f}" in pasted, (
            f"{key} = {acc[key]:.2f} is not among the glued numbers {pasted}"
        )


# The visible text of the page without code: math left as TeX would show here.
_PROSE = """
const body = document.body.cloneNode(true);
body.querySelectorAll('pre, code, script, style, mjx-container, .highlight')
  .forEach(e => e.remove());
document.body.appendChild(body);
body.style.position = 'absolute';
body.style.left = '-99999px';
const text = body.innerText; body.remove(); return text;
"""


def test_math_is_typeset_offline(browser):
    """Every page with math shows it typeset by the book's own MathJax, with no
    network."""
    with_math = 0
    for page in _pages():
        _open(browser, page)
        math = browser.find_elements("css selector", "span.math, div.math")
        if not math:
            continue
        with_math += 1
        state = browser.execute_script(
            "return window.MathJax && window.MathJax.version"
        )
        assert state, (
            f"{page.name}: MathJax did not load (the book must serve it: make book "
            "fetches it)"
        )
        untypeset = browser.execute_script(
            "return [...document.querySelectorAll('span.math, div.math')].filter(e => "
            "!e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))"
        )
        assert not untypeset, (
            f"{page.name}: {len(untypeset)} formulas not typeset, e.g. {untypeset[:3]}"
        )
        errors = browser.find_elements("css selector", "mjx-merror, [data-mjx-error]")
        assert not errors, f"{page.name}: MathJax reports {len(errors)} TeX errors"
        prose = browser.execute_script(_PROSE)
        for raw in ("\\(", "\\)", "$$"):
            assert raw not in prose, f"{page.name}: raw {raw!r} in the visible text"
    assert with_math, "no page has math: the check would have nothing to look at"


def test_mathjax_is_the_books_own():
    """The pages load MathJax from the book's _static folder, never from a CDN."""
    if not _pages():
        pytest.skip("no built book in _build/html: run `make book`")
    for page in _pages():
        html = page.read_text()
        scripts = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', html, re.I)
        if 'class="math' in html:
            assert scripts, f"{page.name} has math but loads no MathJax"
        for src in scripts:
            assert "://" not in src, f"{page.name} loads MathJax from {src}"
            assert (page.parent / src.split("?")[0]).resolve().is_file(), (
                f"{page.name}: {src} is not in the build"
            )


# Code cells, their outputs and tables that are wider than their box on the page.
_OVERFLOW = """
const wide = [];
for (const e of document.querySelectorAll('div.highlight pre, table')) {
  if (!e.offsetParent) continue;  // not displayed (e.g. a folded cell)
  const box = e.tagName === 'TABLE' ? e.parentElement : e;
  const width = e.tagName === 'TABLE' ? e.offsetWidth : e.scrollWidth;
  if (width > box.clientWidth + 1) {
    wide.push(`${e.tagName.toLowerCase()} ${width} px in ${box.clientWidth} px: `
              + e.innerText.split('\\n').sort((a, b) => b.length - a.length)[0]
                .slice(0, 70));
  }
}
return wide;
"""


def test_no_code_or_table_overflows_the_page(browser):
    """Code cells and tables fit the page's width (1280 px window): nothing cut off at
    the edge."""
    problems = []
    for page in _pages():
        _open(browser, page)
        problems += [f"{page.name}: {w}" for w in browser.execute_script(_OVERFLOW)]
    assert not problems, (
        f"{len(problems)} code blocks or tables wider than the page:\n"
        + "\n".join(problems)
    )


#: Widths of the screenshots: a desktop window and a phone (CSS px).
WIDTHS = (1280, 412)
#: Smallest text of a figure on the page (CSS px): FONT_MIN points at the figures' DPI,
#: scaled as the page shows the image.
MIN_FIGURE_TEXT_PX = 10
_FIGURE_TEXT = """
const px = arguments[0];
return [...document.querySelectorAll('figure img, div.cell_output img')]
  .filter(i => i.offsetParent && i.naturalWidth > 0)
  .map(i => [i.getAttribute('src').split('/').pop(),
             px * i.getBoundingClientRect().width / i.naturalWidth]);
"""
# Boxes of the figures' images and captions that overlap one another.
_FIGURE_OVERLAP = """
const parts = [...document.querySelectorAll(
  'figure img, figure figcaption, div.cell_output img')].filter(e => e.offsetParent);
const box = e => e.getBoundingClientRect();
const hits = [];
for (let i = 0; i < parts.length; i++) {
  for (let j = i + 1; j < parts.length; j++) {
    if (parts[i].contains(parts[j]) || parts[j].contains(parts[i])) continue;
    const a = box(parts[i]), b = box(parts[j]);
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) {
      hits.push(`${parts[i].tagName} overlaps ${parts[j].tagName}: `
                + (parts[i].innerText || parts[i].getAttribute('src')).slice(0, 60));
    }
  }
}
return hits;
"""

# The verdict column of every table that has one, where it lies past the window's edge
# (a table scrolls sideways inside the page; its verdict must show without scrolling).
_VERDICT_OFF_SCREEN = """
return [...document.querySelectorAll('table')].flatMap(t => {
  const v = [...t.querySelectorAll('th')].find(
    th => th.innerText.trim().toLowerCase() === 'verdict');
  if (!v || !v.offsetParent) return [];
  const r = v.getBoundingClientRect();
  return r.right > window.innerWidth
    ? [`the verdict column of a table lies at ${Math.round(r.left)} px`] : [];
});
"""


def test_pages_at_desktop_and_phone_width(browser):
    """Every page at 1280 px and 412 px, screenshot saved: figure text at least
    MIN_FIGURE_TEXT_PX high, no figure's image or caption on another, and no figure
    whose drawn text overlaps (figures.check_readable warns as the chapter draws it;
    the warning would show on the page), and no table whose verdict column lies past
    the window's edge."""
    text_px = figures.FONT_MIN * figures.DPI / 72  # smallest figure text, image px
    problems = []
    for width in WIDTHS:
        for page in _pages():
            browser.set_window_size(width, 1000)
            _open(browser, page)
            _screenshot(browser, page, width)
            browser.set_window_size(width, 1000)
            for src, px in browser.execute_script(_FIGURE_TEXT, text_px):
                if px < MIN_FIGURE_TEXT_PX:
                    problems.append(
                        f"{page.name} at {width} px: figure {src} text {px:.1f} px high"
                    )
            problems += [
                f"{page.name} at {width} px: {hit}"
                for hit in browser.execute_script(_FIGURE_OVERLAP)
                + browser.execute_script(_VERDICT_OFF_SCREEN)
            ]
            shown = browser.find_element("tag name", "body").text
            if "does not read" in shown:
                problems.append(
                    f"{page.name}: a figure does not read (its cell shows the warning)"
                )
    browser.set_window_size(1280, 1000)
    assert not problems, "\n".join(problems)


def _solution_sentences(driver, page: Path) -> list[str]:
    """The sentences of the solutions on a page of the full edition (at least 40
    characters each: long enough to be the solution's own words)."""
    _open(driver, page)
    text = driver.execute_script(
        "return [...document.querySelectorAll('.solution p')].map(p => p.textContent)"
    )
    sentences = []
    for paragraph in text:
        for sentence in re.split(r"(?<=[.:;])\s+", " ".join(paragraph.split())):
            if len(sentence) >= 40:
                sentences.append(sentence)
    return sentences


def _chapter_solutions(chapter: str) -> list[str]:
    """The lines of a chapter's solution cells (40 characters or more) that no other
    cell of the chapter has."""
    import nbformat

    nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    mine, others = [], set()
    for cell in nb.cells:
        lines = [line.strip() for line in cell.source.splitlines()]
        if student.SOLUTION_TAG in cell.metadata.get("tags", []):
            mine += [line for line in lines if len(line) >= 40]
        else:
            others.update(lines)
    return [line for line in mine if line not in others]


def test_student_pages_and_launch_targets_hold_no_solution(browser):
    """The student edition's pages show no sentence of a solution, and every Binder or
    Colab button of theirs opens a notebook of the repository that holds no line of a
    solution cell."""
    if not STUDENT.is_dir():
        if os.environ.get("CI"):
            pytest.fail("no student edition: `make test` builds it (make student)")
        pytest.skip("no student edition: run `make student`")
    leaks, launches, solutions = [], 0, 0
    for chapter in book.chapters():
        sentences = _solution_sentences(browser, HTML / f"{chapter}.html")
        solutions += len(sentences)
        page = STUDENT / f"{chapter}.html"
        _open(browser, page)
        _screenshot(browser, page, 1280, prefix="student-")
        shown = " ".join(
            browser.execute_script("return document.body.textContent").split()
        )
        leaks += [f"{chapter} (page): {s[:70]!r}" for s in sentences if s in shown]
        links = browser.execute_script(
            "return [...document.querySelectorAll('a[href]')].map(a => a.href)"
            ".filter(h => h.includes('mybinder.org') || h.includes('colab.research'))"
        )
        lines = _chapter_solutions(chapter)
        for href in links:
            launches += 1
            match = re.search(r"(?:urlpath=tree/|/blob/[^/]+/)([^?&#]+\.ipynb)", href)
            assert match, f"{chapter}: launch button {href} names no notebook"
            target = ROOT / match.group(1).replace("%2F", "/")
            assert target.is_file(), (
                f"{chapter}: {href} opens {target}, not in the repo"
            )
            source = target.read_text()
            leaks += [
                f"{chapter} (launches {target.relative_to(ROOT)}): {line[:70]!r}"
                for line in lines
                if json.dumps(line, ensure_ascii=False)[1:-1] in source
            ]
    assert solutions, "the full edition shows no solution: nothing to look for"
    assert launches, "the student edition has no launch button"
    assert not leaks, "solution text in the student edition:\n" + "\n".join(leaks)

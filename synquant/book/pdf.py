"""The book as one PDF: Chromium's print of the built pages (build tooling).

``python -m synquant.book.pdf BOOK HTML OUT`` joins the chapters of a built book
(``HTML``, the HTML build of the book whose sources are in ``BOOK``) into one page in
reading order, behind a title page and a table of contents, lets the book's own MathJax
typeset it, and prints it with headless Chromium (Debian's ``chromium`` and
``chromium-driver``, through Selenium) to ``OUT``: A4, the figures, tables, math,
exercises (and the solutions, where the edition has them) and the bibliography as the
pages show them, page numbers in the footer and in the table of contents (found with
poppler's ``pdftotext`` in a first print). ``make pdf`` prints the book and its student
edition.
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from ..files import atomic_write
from .reading_order import toc_order

__all__ = ["browser", "combined_page", "main", "page_numbers", "print_pdf"]

#: What the printed page leaves out of the HTML page: navigation, buttons, search.
PRINT_CSS = """
@page { size: A4; margin: 15mm 14mm 17mm 14mm; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
.bd-footer, .bd-footer-article, .bd-footer-content, .prev-next-area, .prev-next-footer,
footer, .headerlink, .copybtn, .onlyprint, .skip-link, #pst-back-to-top,
.search-button-field,
.header-article-items, .pst-scrollable-table-container::-webkit-scrollbar {
  display: none !important;
}
html, body, .bd-page-width, .bd-container, .bd-container__inner, .bd-main,
.bd-content, .bd-article-container, .bd-article {
  max-width: none !important; width: auto !important; margin: 0 !important;
  padding: 0 !important; display: block !important; overflow: visible !important;
}
body { font-size: 10.5pt; }
.bd-main .bd-content .bd-article .pdf-chapter h1:first-of-type {
  display: block !important; font-size: 2em; text-align: left;
}
.bd-main .bd-content .bd-article h1.pdf-root { display: block !important; }
.pdf-chapter { break-before: page; }
.pdf-title { text-align: center; padding-top: 30%; break-after: page; }
.pdf-title h1 { font-size: 2rem; }
.pdf-contents ol { list-style: none; padding: 0; }
.pdf-contents li { display: flex; gap: 0.5em; margin: 0.4em 0; }
.pdf-contents .dots { flex: 1; border-bottom: 1px dotted #999; margin-bottom: 0.3em; }
figure, table, img, .math, mjx-container[display="true"] { break-inside: avoid; }
h1, h2, h3, .admonition-title { break-after: avoid; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
"""

#: Resolves once every image has loaded and MathJax has typeset the page.
_READY = """
const done = arguments[arguments.length - 1];
const images = Promise.all([...document.images].map(
  i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
const math = new Promise(r => {
  let waited = 0;
  const poll = () => {
    const s = window.MathJax && window.MathJax.startup;
    if (s && s.promise) { s.promise.then(r, r); }
    else if (waited > 20000) { r(); } else { waited += 100; setTimeout(poll, 100); }
  };
  poll();
});
Promise.all([images, math]).then(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  done(document.querySelectorAll('mjx-merror, [data-mjx-error]').length);
});
"""

_FOOTER = (
    '<div style="font-size:8pt;width:100%;text-align:center;color:#555;'
    'font-family:sans-serif"><span class="pageNumber"></span></div>'
)


def _article(page: str) -> str:
    """The article of a built page (its main text), without the page's frame."""
    match = re.search(r'<article class="bd-article"[^>]*>(.*?)</article>', page, re.S)
    if match is None:
        raise ValueError('no <article class="bd-article"> in the page')
    return match.group(1)


def _title(article: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", article, re.S)
    text = re.sub(r"<[^>]+>", "", match.group(1)) if match else ""
    return html.unescape(text).replace("#", "").replace("¶", "").strip()


def combined_page(book: Path | str, site: Path | str, pages=None) -> tuple[str, list]:
    """One HTML page of the whole book at ``site`` (built from ``book``): the root
    page's frame around a title page, a table of contents (``pages``: the page number
    of each chapter, None for none yet) and every chapter's article, each from a new
    page, solutions unfolded. Returns the page and the chapters' titles."""
    book, site = Path(book), Path(site)
    names = toc_order(book)
    config = yaml.safe_load((book / "_config.yml").read_text())
    if not (site / f"{names[0]}.html").is_file():
        raise FileNotFoundError(
            f"no {names[0]}.html in {site}: HTML must be the book's HTML build (run "
            "make book, and make student for the student edition)"
        )
    frame = (site / f"{names[0]}.html").read_text()
    bodies, titles = [], []
    for name in names:
        path = site / f"{name}.html"
        if not path.is_file():
            raise FileNotFoundError(f"{name} of the table of contents: no {path}")
        if path.parent != site / Path(names[0]).parent:
            raise ValueError(f"{name}: every chapter must sit beside {names[0]}")
        article = _article(path.read_text())
        titles.append(_title(article) if titles else "About this book")
        # solutions print unfolded; every image loads at once
        article = re.sub(r'(class="solution) dropdown', r"\1", article)
        article = article.replace(' loading="lazy"', "")
        bodies.append(f'<section class="pdf-chapter">{article}</section>')
    pages = pages or [None] * len(names)
    rows = "".join(
        f"<li><span>{html.escape(t)}</span><span class='dots'></span>"
        f"<span>{'' if p is None else p}</span></li>"
        for t, p in zip(titles, pages, strict=True)
    )
    front = (
        f"<section class='pdf-title'><h1>{html.escape(config.get('title', ''))}</h1>"
        f"<p>{html.escape(config.get('author', ''))}</p>"
        f"<p>{html.escape(str(config.get('copyright', '')))}</p></section>"
        f"<section class='pdf-contents'><h2>Contents</h2><ol>{rows}</ol></section>"
    )
    start = re.search(r'<article class="bd-article"[^>]*>', frame)
    end = frame.index("</article>", start.end())
    page = frame[: start.end()] + front + "".join(bodies) + frame[end:]
    page = page.replace("</head>", f"<style>{PRINT_CSS}</style></head>", 1)
    return page, titles


def browser():
    """Headless Chromium through Selenium, offline (no host resolves: the book serves
    its own math): Debian's ``chromium`` and ``chromium-driver``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        raise RuntimeError(
            "no Chromium here: install Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver), as .ci/run does"
        )
    os.environ["SE_OFFLINE"] = "true"  # Selenium must not look for drivers online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(300)
    driver.set_script_timeout(300)
    return driver


def print_pdf(driver, page: Path) -> bytes:
    """``page`` (an HTML file) printed by Chromium once its images and math are in."""
    driver.get(page.resolve().as_uri())
    errors = driver.execute_async_script(_READY)
    if errors:
        raise RuntimeError(f"{page.name}: MathJax reports {errors} TeX errors")
    result = driver.execute_cdp_cmd(
        "Page.printToPDF",
        {
            "printBackground": True,
            "preferCSSPageSize": True,
            "displayHeaderFooter": True,
            "headerTemplate": "<span></span>",
            "footerTemplate": _FOOTER,
            "generateDocumentOutline": True,
        },
    )
    return base64.b64decode(result["data"])


def page_numbers(pdf: Path, titles: list[str]) -> list[int]:
    """The page of ``pdf`` on which each of ``titles`` first stands, in order, each
    after the one before (poppler's ``pdftotext``): the first (the root page's) on page
    3, after the title page and the contents."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = [" ".join(p.split()) for p in text.split("\f")]
    found, at = [3], 2  # the title page, the contents, then the root's text
    for title in titles[1:]:
        words = " ".join(title.split())
        for i in range(at, len(pages)):
            if words and words in pages[i]:
                found.append(i + 1)
                at = i + 1
                break
        else:
            raise ValueError(f"{pdf}: the chapter {title!r} is on no page")
    return found


def build(book: Path | str, site: Path | str, out: Path | str) -> int:
    """Print the book at ``site`` (built from ``book``) to ``out``; returns its
    pages."""
    if shutil.which("pdftotext") is None:
        raise RuntimeError(
            "no pdftotext here: install poppler-utils (apt-get install poppler-utils)"
        )
    site, out = Path(site), Path(out)
    root = toc_order(book)[0]
    folder = (site / root).parent
    driver = browser()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            first = Path(tmp) / "first.pdf"
            # beside the chapters, so that their relative links and images resolve
            page = folder / ".synquant-print.html"
            try:
                combined, titles = combined_page(book, site)
                page.write_text(combined)
                first.write_bytes(print_pdf(driver, page))
                numbers = page_numbers(first, titles)
                page.write_text(combined_page(book, site, numbers)[0])
                data = print_pdf(driver, page)
            finally:
                page.unlink(missing_ok=True)
    finally:
        driver.quit()
    atomic_write(out, lambda f: f.write(data))
    info = subprocess.run(
        ["pdfinfo", str(out)], check=True, capture_output=True, text=True
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m synquant.book.pdf",
        description="The built book as one PDF (Chromium's print).",
    )
    p.add_argument("book", type=Path, help="the book's folder (with _toc.yml)")
    p.add_argument("html", type=Path, help="its HTML build (_build/html)")
    p.add_argument("out", type=Path, help="the PDF to write")
    args = p.parse_args(argv)
    try:
        pages = build(args.book, args.html, args.out)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{args.out}: {pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The student edition of the book (build tooling, not library code).

The student edition is the book without its solutions: every cell tagged ``solution``
removed (:func:`strip_solutions`), built with sphinx-exercise's ``hide_solutions``.
``python -m synquant.book.student student SRC DST`` writes its sources
(``make student``). Its launch buttons (Binder, Colab) open the chapters without their
solutions that the repository keeps under ``student/`` (:data:`NOTEBOOKS`):
``python -m synquant.book.student notebooks SRC`` writes them, and a test holds them to
the chapters.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
from pathlib import Path

import yaml

from ..files import atomic_write

__all__ = [
    "NOTEBOOKS",
    "SOLUTION_TAG",
    "chapter_names",
    "strip_solutions",
    "student_notebooks",
    "student_sources",
]

SOLUTION_TAG = "solution"
#: Where the repository keeps the chapters without solutions, relative to the book's
#: folder: what the student edition's launch buttons open.
NOTEBOOKS = "student"


def strip_solutions(nb):
    """A copy of the notebook ``nb`` (nbformat) without its cells tagged
    ``solution``."""
    stripped = copy.deepcopy(nb)
    stripped.cells = [
        c for c in nb.cells if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])
    ]
    return stripped


def student_sources(
    source: Path | str, dest: Path | str, executed: Path | str | None = None
) -> list[Path]:
    """Write the student edition's sources for the book at ``source`` into ``dest``.

    The table of contents, the bibliography and a ``_config.yml`` that hides solutions
    and does not execute; each chapter of the table of contents without its solution
    cells, taken from ``executed`` (the full build's executed notebooks, so that the
    edition shows the same outputs) where it has the chapter, else from ``source``.
    Returns the chapters written. ``dest`` is emptied first.
    """
    import nbformat

    source, dest = Path(source).resolve(), Path(dest)
    config_path, toc_path = source / "_config.yml", source / "_toc.yml"
    for path in (config_path, toc_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"no {path.name} in {source}: SRC must be the book's folder"
            )
    config = yaml.safe_load(config_path.read_text())
    files = chapter_names(source)
    mine = [source / "_config.yml"] + [source / f"{name}.ipynb" for name in files]
    if any(dest.resolve() == f.parent or dest.resolve() in f.parents for f in mine):
        raise ValueError(
            f"{dest} holds the book's own sources: give the student edition a folder "
            "of its own"
        )
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)

    config["title"] = f"{config.get('title', 'The book')} (student edition)"
    # launch buttons and source links: the chapters without solutions (NOTEBOOKS)
    repository = config.setdefault("repository", {})
    book_path = str(repository.get("path_to_book") or "").strip("/")
    repository["path_to_book"] = f"{book_path}/{NOTEBOOKS}".lstrip("/")
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["hide_solutions"] = True
    # static folders stay where they are (MathJax, for one)
    sphinx["html_static_path"] = [
        str(source / p) for p in sphinx.get("html_static_path", [])
    ]
    for bib in config.get("bibtex_bibfiles", []):
        shutil.copy2(source / bib, dest / bib)
    (dest / "_config.yml").write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    )
    shutil.copy2(toc_path, dest / "_toc.yml")

    written = []
    for name in files:
        origin = source / f"{name}.ipynb"
        if executed is not None and (Path(executed) / f"{name}.ipynb").is_file():
            origin = Path(executed) / f"{name}.ipynb"
        if not origin.is_file():
            raise FileNotFoundError(f"{name} of the table of contents: no {origin}")
        nb = strip_solutions(nbformat.read(origin, as_version=4))
        glued = origin.with_suffix(".glue.json")
        if glued.is_file():
            nb.cells.append(_glued_cell(glued))
        target = dest / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def chapter_names(source: Path | str) -> list[str]:
    """The documents of the book at ``source`` (its ``_toc.yml``), in reading order."""
    toc_path = Path(source) / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(
            f"no {toc_path.name} in {source}: SRC must be the book's folder"
        )
    toc = yaml.safe_load(toc_path.read_text())
    files = [toc["root"]] + [
        c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])
    ]
    return files + [c["file"] for c in toc.get("chapters", [])]


def student_notebooks(source: Path | str, dest: Path | str | None = None) -> list[Path]:
    """Write each chapter of the book at ``source`` without its solution cells into
    ``dest`` (default: ``source``/:data:`NOTEBOOKS`), as the repository keeps them for
    the student edition's launch buttons; returns the notebooks written, in the
    chapters' own layout (nbformat's)."""
    import nbformat

    source = Path(source)
    dest = source / NOTEBOOKS if dest is None else Path(dest)
    written = []
    for name in chapter_names(source):
        origin = source / f"{name}.ipynb"
        if not origin.is_file():
            raise FileNotFoundError(f"{name} of the table of contents: no {origin}")
        nb = strip_solutions(nbformat.read(origin, as_version=4))
        text = nbformat.writes(nb) + "\n"
        target = dest / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, lambda f, text=text: f.write(text.encode()))
        written.append(target)
    return written


def _glued_cell(path: Path):
    """A hidden cell holding the values that MyST-NB kept aside
    (``<chapter>.glue.json``).

    MyST-NB moves the outputs of ``glue(..., display=False)`` out of the notebooks it
    executed; an unexecuted build finds glued values only in outputs, so they go back
    in.
    """
    import nbformat

    outputs = []
    for output in json.loads(path.read_text()).values():
        # kept aside without the record's prefix on its MIME types: put it back
        prefix = output.get("metadata", {}).get("scrapbook", {}).get("mime_prefix", "")
        data = {
            k if k.startswith(prefix) else prefix + k: v
            for k, v in output.get("data", {}).items()
        }
        outputs.append(nbformat.from_dict({**output, "data": data}))
    return nbformat.v4.new_code_cell(
        "# the numbers glued into the text, as the full build computed them",
        metadata={"tags": ["remove-cell"]},
        outputs=outputs,
        execution_count=None,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m synquant.book.student",
        description="The book's student edition.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser(
        "student", help="write the student edition's sources (no solution cells)"
    )
    s.add_argument(
        "src", type=Path, help="the book's folder (with _config.yml and _toc.yml)"
    )
    s.add_argument(
        "dst",
        type=Path,
        help="folder for the student edition's sources (emptied first)",
    )
    s.add_argument(
        "--executed",
        type=Path,
        help="the full build's executed notebooks (_build/jupyter_execute)",
    )
    n = sub.add_parser(
        "notebooks",
        help=f"write the chapters without solutions into SRC/{NOTEBOOKS} (the student "
        "edition's launch buttons open them)",
    )
    n.add_argument(
        "src", type=Path, help="the book's folder (with _config.yml and _toc.yml)"
    )
    args = p.parse_args(argv)
    try:
        if args.command == "notebooks":
            written = student_notebooks(args.src)
            where = args.src / NOTEBOOKS
        else:
            written = student_sources(args.src, args.dst, args.executed)
            where = args.dst
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(written)} chapters without solutions in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The student edition of the book (build tooling, not library code).

The student edition is the book without its solutions: every cell tagged ``solution``
removed (:func:`strip_solutions`), built with sphinx-exercise's ``hide_solutions``.
``python -m synquant.book.student student SRC DST --executed DIR`` writes its sources
(``make student``) from the full build's executed chapters in DIR. It refuses, before
writing anything, a DST that is, holds or lies in the book's sources, DIR or the built
book, and a DIR that lacks a chapter or holds unexecuted ones; in DST it replaces only
what an earlier run wrote there (listed in ``.student-edition.json``) and deletes
nothing else. Its launch buttons (Binder, Colab) open the chapters without their
solutions that the repository keeps under ``student/`` (:data:`NOTEBOOKS`):
``python -m synquant.book.student notebooks SRC`` writes them, and a test holds them to
the chapters.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import yaml

from ..files import atomic_write
from .reading_order import toc_order

__all__ = [
    "NOTEBOOKS",
    "student_notebooks",
    "strip_solutions",
    "student_sources",
    "StudentError",
    "SOLUTION_TAG",
    "MARKER",
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


#: The file in a student edition's folder that lists what this command wrote there:
#: a rerun replaces those files and deletes nothing else.
MARKER = ".student-edition.json"


class StudentError(ValueError):
    """A student edition that cannot be written safely; the message names the folder."""


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (both resolved)."""
    return path == folder or folder in path.parents


def _check_folders(source: Path, dest: Path, executed: Path, own: list[Path]) -> None:
    """Refuse a ``dest`` that is, holds or lies in the book's own files, its executed
    notebooks or its built book (``_build/html``, ``_build/jupyter_execute``)."""
    built = [source / "_build" / "html", source / "_build" / "jupyter_execute"]
    for kept in (*own, executed, *built):
        if _inside(kept, dest):
            raise StudentError(
                f"{dest} holds {kept}: the student edition would write over the "
                "book's own files; give it a folder of its own, such as "
                "_build/student/src"
            )
    folders = {p.parent for p in own} - {source}
    for kept in (executed, *built, *sorted(folders)):
        if _inside(dest, kept):
            raise StudentError(
                f"{dest} lies in {kept}: the student edition would write into the "
                "book's sources or its built book; give it a folder of its own, such "
                "as _build/student/src"
            )


def _check_executed(executed: Path, files: list[str]) -> list[Path]:
    """The executed notebook of each chapter, or StudentError naming what is missing."""
    if not executed.is_dir():
        raise StudentError(
            f"--executed {executed}: no such folder; the student edition is built "
            "from the executed chapters: run `make book` first"
        )
    origins = [executed / f"{name}.ipynb" for name in files]
    missing = [str(p.relative_to(executed)) for p in origins if not p.is_file()]
    if missing:
        raise StudentError(
            f"--executed {executed} lacks the executed chapter(s) "
            f"{', '.join(missing)}: run `make book` first"
        )
    return origins


def _unexecuted(nb) -> bool:
    """Whether a notebook has code cells and none of them was run."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    return bool(code) and all(
        c.get("execution_count") is None and not c.get("outputs") for c in code
    )


def _clear_previous(dest: Path, targets: list[Path]) -> None:
    """Delete what an earlier run of this command wrote into ``dest`` (listed in its
    :data:`MARKER`), and nothing else; refuse a folder with other files in the way."""
    marker = dest / MARKER
    if dest.exists() and not dest.is_dir():
        raise StudentError(f"{dest} is a file: give the student edition a folder")
    previous: list[Path] = []
    if marker.is_file():
        try:
            listed = json.loads(marker.read_text(encoding="utf-8"))["files"]
            previous = [dest / name for name in listed]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise StudentError(
                f"{marker} is not a student edition's list of files: delete {dest} "
                "yourself, or give another folder"
            ) from None
        if any(not _inside(p.resolve(), dest.resolve()) for p in previous):
            raise StudentError(f"{marker} lists files outside {dest}: delete it")
    elif dest.is_dir() and any(dest.iterdir()):
        raise StudentError(
            f"{dest} is not empty and holds no student edition written by this "
            "command: give an empty or new folder (nothing was deleted)"
        )
    in_the_way = [t for t in targets if t.exists() and t not in previous]
    if in_the_way:
        raise StudentError(
            f"{in_the_way[0]} is in the way and was not written by this command: "
            "move it, or give another folder (nothing was deleted)"
        )
    for path in previous:
        if path.is_file() and not path.is_symlink():
            path.unlink()
    for path in sorted({p.parent for p in previous}, key=lambda p: -len(p.parts)):
        while _inside(path.resolve(), dest.resolve()) and path != dest:
            if not path.is_dir() or any(path.iterdir()):
                break
            path.rmdir()
            path = path.parent


def student_sources(
    source: Path | str, dest: Path | str, executed: Path | str
) -> list[Path]:
    """Write the student edition's sources for the book at ``source`` into ``dest``.

    The table of contents, the bibliography and a ``_config.yml`` that hides solutions
    and does not execute; each chapter of the table of contents without its solution
    cells, taken from ``executed`` (the full build's executed notebooks, so that the
    edition shows the same outputs); every chapter must be there, executed.
    Returns the chapters written.

    ``dest`` must be new, empty, or an earlier student edition of this command: the
    files listed in its :data:`MARKER` are replaced, nothing else is deleted. It may
    not be, hold or lie in the book's sources, ``executed`` or the built book. Raises
    :class:`StudentError` (a ValueError) naming the folder before anything is written.
    """
    import nbformat

    if executed is None:
        raise StudentError(
            "--executed is required: the student edition is built from the executed "
            "chapters (_build/jupyter_execute, after `make book`)"
        )
    source, dest = Path(source).resolve(), Path(dest).resolve()
    executed = Path(executed).resolve()
    config_path, toc_path = source / "_config.yml", source / "_toc.yml"
    for path in (config_path, toc_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"no {path.name} in {source}: SRC must be the book's folder"
            )
    config = yaml.safe_load(config_path.read_text())
    files = toc_order(source)
    bibs = list(config.get("bibtex_bibfiles", []))
    own = [config_path, toc_path] + [source / b for b in bibs]
    own += [source / f"{name}.ipynb" for name in files]
    _check_folders(source, dest, executed, own)
    origins = _check_executed(executed, files)
    notebooks = [strip_solutions(nbformat.read(o, as_version=4)) for o in origins]
    unrun = [
        str(o) for o, nb in zip(origins, notebooks, strict=True) if _unexecuted(nb)
    ]
    if unrun:
        raise StudentError(
            f"{unrun[0]} was never executed (no code cell has run): --executed must "
            "name the full build's executed chapters (_build/jupyter_execute)"
        )
    for nb, origin in zip(notebooks, origins, strict=True):
        glued = origin.with_suffix(".glue.json")
        if glued.is_file():
            nb.cells.append(_glued_cell(glued))

    targets = [dest / "_config.yml", dest / "_toc.yml"] + [dest / b for b in bibs]
    targets += [dest / f"{name}.ipynb" for name in files]
    _clear_previous(dest, targets)
    dest.mkdir(parents=True, exist_ok=True)
    listing = {"files": [str(t.relative_to(dest)) for t in targets]}
    text = json.dumps(listing, indent=1) + "\n"
    atomic_write(dest / MARKER, lambda f: f.write(text.encode("utf-8")))

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
    for bib in bibs:
        data = (source / bib).read_bytes()
        atomic_write(dest / bib, lambda f, data=data: f.write(data))
    config_text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    atomic_write(dest / "_config.yml", lambda f: f.write(config_text.encode("utf-8")))
    toc_bytes = toc_path.read_bytes()
    atomic_write(dest / "_toc.yml", lambda f: f.write(toc_bytes))

    written = []
    for name, nb in zip(files, notebooks, strict=True):
        target = dest / f"{name}.ipynb"
        text = nbformat.writes(nb)
        atomic_write(target, lambda f, text=text: f.write(text.encode("utf-8")))
        written.append(target)
    return written


def student_notebooks(source: Path | str, dest: Path | str | None = None) -> list[Path]:
    """Write each chapter of the book at ``source`` without its solution cells into
    ``dest`` (default: ``source``/:data:`NOTEBOOKS`), as the repository keeps them for
    the student edition's launch buttons; returns the notebooks written, in the
    chapters' own layout (nbformat's)."""
    import nbformat

    source = Path(source)
    dest = source / NOTEBOOKS if dest is None else Path(dest)
    written = []
    for name in toc_order(source):
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
        help="folder for the student edition's sources: new, empty, or an earlier "
        "edition (only the files this command wrote there are replaced)",
    )
    s.add_argument(
        "--executed",
        type=Path,
        required=True,
        help="the full build's executed notebooks (_build/jupyter_execute, after "
        "make book)",
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

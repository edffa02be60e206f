"""Every command the book prints runs as printed (issue 8.2).

The commands are the lines of the ```` ```bash ```` blocks of README.md and of every
chapter's markdown cells. Each runs, exactly as printed, in bash in a scratch copy of
the repository (the files git knows, with ``.venv`` linked in and ``.venv/bin`` first on
PATH, MNIST from ``SYNQUANT_MNIST``), so ``out.ipynb`` and any other file a command
writes lands in that copy. The lines of one block share one copy and run in order, as a
reader types them one after another; each block gets a fresh copy. No command may change
a file that the repository ships.

Skipped: comment-only lines, and ``make book`` / ``make test``: they are what runs this
suite (``make test`` builds the book and then runs these tests), so they are tested by
running at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from tests import book
from tests.environment import ROOT

pytestmark = pytest.mark.book  # builds, installs or runs chapters: not in `make unit`

LIMIT_S = 300  # a printed command should take about a minute; this stops a runaway one
#: Commands that run the whole book, with the limit each gets (seconds).
LIMITS = {"pytest --nbval-lax chapters/": 1200}
SKIPPED = {"make book", "make test"}  # what runs this suite


def _blocks(markdown: str) -> list[str]:
    return re.findall(r"^```bash[ \t]*\n(.*?)^```", markdown, re.M | re.S)


def _lines(markdown: str, where: str) -> list[tuple[str, str]]:
    """(block's name, line) of every line of every bash block of ``markdown``."""
    return [
        (f"{where} block {k}", line.strip())
        for k, block in enumerate(_blocks(markdown))
        for line in block.splitlines()
    ]


def _command(line: str) -> str:
    """The line without a trailing comment (`` # ...``), for deciding whether to skip
    it."""
    return re.sub(r"\s+#.*$", "", line).strip() if not line.startswith("#") else ""


def printed_commands() -> list[tuple[str, str]]:
    """(where, line) of every printed command, in reading order: README, then the
    chapters.

    ``where`` names the file, the cell and the bash block: ``chapters/x.ipynb cell 3
    block 0``.
    """
    found = _lines((ROOT / "README.md").read_text(), "README.md")
    for chapter in book.chapters():
        nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                found += _lines(cell.source, f"{chapter}.ipynb cell {i}")
    return [
        (where, line)
        for where, line in found
        if _command(line) and _command(line) not in SKIPPED
    ]


COMMANDS = printed_commands()


def _files(root: Path) -> list[str]:
    """The files git has (tracked, or new and not ignored), relative to ``root``."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [f for f in out.split("\0") if f and (root / f).is_file()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_COPIES: dict[str, tuple] = {}


@pytest.fixture
def scratch(tmp_path_factory, where):
    """The copy of the repository for the block ``where`` (made at its first line)."""
    if not os.environ.get("SYNQUANT_MNIST"):
        pytest.skip("no offline MNIST: set SYNQUANT_MNIST")
    if where not in _COPIES:
        _COPIES[where] = _copy(tmp_path_factory)
    return _COPIES[where]


def _copy(tmp_path_factory):
    """A copy of the repository to run commands in, its environment, its files'
    digests."""
    copy = tmp_path_factory.mktemp("repository")
    tracked = _files(ROOT)
    for name in tracked:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    # make's install rule compares these with .venv/.installed: the copy must not
    # reinstall the linked environment, so they are as old as can be.
    for name in ("pyproject.toml", "constraints.txt"):
        os.utime(copy / name, (0, 0))
    env = {
        **os.environ,
        "PATH": f"{copy / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(copy),
        "KERAS_HOME": str(tmp_path_factory.mktemp("keras")),
    }
    env.pop("VIRTUAL_ENV", None)
    committed = {name: _digest(copy / name) for name in tracked}
    return copy, env, committed


def test_commands_are_found():
    """The README prints the terminal commands, and the chapters their "Run it yourself"
    lines."""
    where = {w for w, _ in COMMANDS}
    assert any(w.startswith("README.md") for w in where)
    assert any(w.startswith("chapters/") for w in where)
    assert all(not line.startswith("$ ") for _, line in COMMANDS), (
        "print commands as typed, without '$ '"
    )


@pytest.mark.parametrize(
    "where, line", COMMANDS, ids=[f"{w}: {_command(c)}" for w, c in COMMANDS]
)
def test_printed_command_runs(scratch, where, line):
    copy, env, committed = scratch
    start = time.perf_counter()
    limit = LIMITS.get(_command(line), LIMIT_S)
    try:
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{where}: `{line}` ran past {limit} s: print a smaller command")
    seconds = time.perf_counter() - start
    assert done.returncode == 0, (
        f"{where}: `{line}` exited {done.returncode} after {seconds:.0f} "
        f"s\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    changed = [
        name
        for name, digest in committed.items()
        if not (copy / name).is_file() or _digest(copy / name) != digest
    ]
    assert not changed, (
        f"{where}: `{line}` changed files the repository ships: {changed}"
    )
    if "papermill" in line and " out.ipynb" in line:
        assert (copy / "out.ipynb").is_file()

"""What several tests need to know about the book: its chapters, its build, its
address."""

from __future__ import annotations

import tomllib

import yaml

from tests.environment import ROOT

BUILD = ROOT / "_build"
HTML = BUILD / "html"
# MyST-NB leaves each notebook it executed here, outputs included (path as the book's
# source).
EXECUTED = BUILD / "jupyter_execute"


def chapters() -> list[str]:
    """The chapters in the table of contents, in reading order: ``["chapters/index",
    ...]``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def repository_url() -> str:
    """The repository's address, from its one place: pyproject.toml's [project.urls]."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return meta["project"]["urls"]["Repository"]


def install_cell() -> str:
    """The exact first cell of every chapter (it installs synquant on Colab or
    Binder)."""
    return (
        "# Colab, Binder or a bare Jupyter: install synquant when it is missing.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("synquant") is None:\n'
        f'    %pip install -q "synquant[book] @ git+{repository_url()}@main"'
    )

"""The repository's own files agree: its address, licence and citation (issues 8.5,
10.6).

The address has one place, pyproject.toml's ``[project.urls] Repository``; every other
file that names it (the book's launch buttons, the chapters' install cell, CITATION.cff,
the README, Binder) must name the same.
"""

from __future__ import annotations

import re
import tomllib

import nbformat
import yaml

from tests import book
from tests.environment import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
URL = book.repository_url()
OWNER_REPO = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", URL)


def _texts() -> dict[str, str]:
    texts = {
        name: (ROOT / name).read_text()
        for name in ("README.md", "_config.yml", "CITATION.cff")
    }
    for path in sorted((ROOT / "binder").iterdir()):
        texts[f"binder/{path.name}"] = path.read_text()
    for chapter in book.chapters():
        nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
        texts[f"{chapter}.ipynb"] = "\n".join(c.source for c in nb.cells)
    return texts


def test_the_address_is_a_github_repository():
    assert OWNER_REPO, (
        f"pyproject.toml's Repository {URL!r} is not https://github.com/OWNER/NAME"
    )


def test_every_file_names_the_one_address():
    owner_repo = OWNER_REPO.group(1)
    wrong = []
    for name, text in _texts().items():
        for found in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", text):
            if found != URL:
                wrong.append(f"{name}: {found}")
        for pattern in (
            r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)",
            r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)",
        ):
            wrong += [
                f"{name}: {m}" for m in re.findall(pattern, text) if m != owner_repo
            ]
    assert not wrong, f"addresses other than {URL}:\n" + "\n".join(wrong)


def test_the_configuration_and_the_citation_use_the_address():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == URL
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["repository-code"] == URL
    assert URL in (ROOT / "README.md").read_text()


def test_licence_and_citation_match_pyproject():
    licence = PYPROJECT["project"]["license"]["text"]
    assert (ROOT / "LICENSE").read_text().splitlines()[0] == f"{licence} License"
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["license"] == licence
    assert citation["version"] == PYPROJECT["project"]["version"]
    assert (
        citation["title"] == yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    )
    paper = [
        r
        for r in citation["references"]
        if r["title"] == "Uniform Quantization Method for Synaptic Device"
    ]
    assert len(paper) == 1
    assert [a["family-names"] for a in paper[0]["authors"]] == [
        "Lee",
        "Lee",
        "Lee",
        "Kim",
        "Seo",
    ]
    assert "How to cite" in (ROOT / "README.md").read_text()


def test_binder_installs_the_book_extra_from_the_checkout():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install .*-c constraints\.txt .*\"?\.\[book\]\"?", post)
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, (
        "postBuild must be executable"
    )
    version = (ROOT / "binder" / "runtime.txt").read_text().strip()
    required = PYPROJECT["project"]["requires-python"]
    assert re.fullmatch(r"python-3\.\d+", version)
    assert int(version.split(".")[1]) >= int(required.split(".")[1]), (
        f"{version} vs {required}"
    )


def test_the_extras_are_pinned():
    """Every package that an extra names has its version in constraints.txt."""
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        for requirement in requirements:
            name = re.match(r"[\w.-]+", requirement).group(0).lower().replace("_", "-")
            assert name in pinned, (
                f"{name} of the {extra} extra is not in constraints.txt"
            )

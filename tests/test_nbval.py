"""nbval is the test that the chapters reproduce the paper (the design card).

``pytest --nbval-lax chapters/`` executes every chapter: each asserts the paper's
claims on the book's network, and the cells tagged ``nbval-check-output`` (tables that
are deterministic by construction) must print what the chapter stores. Here: a weights
file that says it is the book's network, but is not, makes nbval fail, naming the claim.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import numpy as np
import pytest
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from synquant import model
from tests.environment import ROOT

pytestmark = pytest.mark.book  # executes a chapter: not in `make unit`


def _checked_cells(chapter: str) -> list:
    nb = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    return [c for c in nb.cells if "nbval-check-output" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("chapter", ["results", "devices"])
def test_deterministic_tables_are_checked_against_stored_outputs(chapter):
    cells = _checked_cells(chapter)
    assert cells, f"{chapter}: no cell tagged nbval-check-output"
    assert all(c.outputs for c in cells), f"{chapter}: a checked cell stores no output"


def test_nbval_fails_naming_the_claim_when_the_reproduction_breaks(tmp_path):
    weights, meta = model.load_weights(model.weights_path("paper", 0))
    rng = np.random.default_rng(0)
    noisy = {
        k: (v + 0.5 * np.abs(v).max() * rng.standard_normal(v.shape)).astype(v.dtype)
        if k.startswith("W")
        else v
        for k, v in weights.items()
    }
    broken = model.save_weights(tmp_path / "paper-seed0-broken.npz", noisy, meta)
    nb = load_notebook_node(str(ROOT / "chapters" / "results.ipynb"))
    nb = parameterize_notebook(
        nb, {"weights": str(broken), "write_results": False}, report_mode=False
    )
    chapter = tmp_path / "results.ipynb"
    nbformat.write(nb, chapter)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", str(chapter), "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout + done.stderr
    assert done.returncode != 0, out[-3000:]
    assert "the run does not reproduce the paper" in out
    assert "software accuracy: measured" in out

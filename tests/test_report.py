"""An executed chapter as a report (synquant.book.report, python -m synquant report)."""

from __future__ import annotations

import re

import nbformat
import papermill
import pytest

from synquant.__main__ import main
from synquant.book import report
from tests import book
from tests.environment import ROOT

VALUES = {"software": 96.381, "device": "PCMO", "n_test": 10000, "words": "p < 0.05"}
FIGURES = {"fig-figure2": (1, "Accuracy against {glue:text}`device` levels.")}


def test_prose_gets_its_numbers_references_and_exercises():
    text = (
        "With {glue:text}`device`, {glue:text}`software:.2f` % on "
        "{glue:text}`n_test:,` images ({numref}`fig-figure2`; {doc}`proposed_method`; "
        "{cite:p}`lee_uniform`), Pr{sub}`0.7`, {glue:text}`missing`.\n\n"
        "```{exercise}\n:label: results-ex-x\n\nWhich method suffers?\n```\n\n"
        "```{solution-start} results-ex-x\n:class: dropdown\n```\n\n"
        "The sampling one.\n\n"
        "```{solution-end}\n```\n"
    )
    out = report.to_markdown(text, VALUES, FIGURES, {"lee_uniform": "Lee et al."})
    assert "With PCMO, 96.38 % on 10,000 images (Figure 1; Proposed method; " in out
    assert "(Lee et al.)), Pr<sub>0.7</sub>" in out
    assert "(not computed in this run: missing)" in out
    assert "**Exercise.** Which method suffers?" in out
    assert "**Solution.**" in out and "The sampling one." in out
    assert not re.search(r"\{(glue|numref|doc|cite|sub|exercise|solution)", out)
    assert ":label:" not in out and ":class:" not in out


def test_bad_input_is_refused_before_converting(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the chapter first"):
        report.to_html(tmp_path / "missing.ipynb")
    with pytest.raises(ValueError, match="executed notebook"):
        report.to_html(tmp_path / "out.html")
    unexecuted = tmp_path / "unexecuted.ipynb"
    nbformat.write(nbformat.read(ROOT / "chapters" / "index.ipynb", 4), unexecuted)
    with pytest.raises(ValueError, match="has no outputs: execute it first"):
        report.to_html(unexecuted)
    assert main(["report", str(tmp_path / "missing.ipynb")]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unexecuted.ipynb"]


def _body(html: str) -> str:
    """The report's text without its scripts and styles."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<style.*?</style>", "", html, flags=re.S)


@pytest.mark.book
@pytest.mark.parametrize("chapter", book.chapters())
def test_papermill_output_of_every_chapter_reads_as_a_report(chapter, tmp_path, mnist):
    executed = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(ROOT / f"{chapter}.ipynb"),
        str(executed),
        kernel_name="python3",
        parameters={"write_results": False} if chapter.endswith("results") else {},
        cwd=str(ROOT / "chapters"),
        progress_bar=False,
    )
    assert main(["report", str(executed)]) == 0
    html = (tmp_path / "out.html").read_text()
    body = _body(html)
    leaks = re.findall(r"\{(glue|numref|doc|cite|exercise|solution)[^}]*\}", body)
    assert not leaks and ":label:" not in body and "glued name" not in body
    assert "not computed in this run" not in body
    source = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    figures = [c for c in source.cells if c.metadata.get("mystnb", {}).get("figure")]
    assert body.count("<img") >= len(figures)
    for k in range(1, len(figures) + 1):
        assert f"Figure {k}." in body
    assert "importlib.util.find_spec" not in body  # the install cell is removed
    assert "np.float64(" not in body and "{&#x27;" not in body  # no raw reprs
    if chapter.endswith("results"):
        assert "96.47" in body and "95.75" in body  # the paper's claims, with numbers
    # math offline: MathJax inlined, nothing loaded from the network
    assert "MathJax" in html and not re.search(r'<script[^>]+src="https?:', html)

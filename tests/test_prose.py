"""The chapters' comparative words stand beside their glued numbers (issue 21).

A sentence of a chapter's prose that says "ahead", "matters", "does not", "costs
little" or "only" must carry a glued value (``{glue:text}``) in the same sentence:
the test or the number that backs the word, or the word itself chosen by its test
(``synquant.stats.word``, ``synquant.stats.phrase``). Fenced blocks (commands,
exercise statements, which ask rather than claim) and quotations in double quotes (the
paper's own words, such as "ahead at every level") are left out.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from synquant import stats
from tests import book
from tests.environment import ROOT

CHAPTERS = book.chapters()

#: The comparative words that need a glued value beside them.
WORDS = ("ahead", "matter", "matters", "does not", "do not", "costs little", "only")
PATTERN = re.compile(r"\b(" + "|".join(map(re.escape, WORDS)) + r")\b", re.IGNORECASE)
GLUE = "{glue:text}`"
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.MULTILINE | re.DOTALL)
QUOTED = re.compile(r'"[^"]*"|“[^”]*”')


def sentences(markdown: str) -> list[str]:
    """The sentences of a Markdown cell: fenced blocks dropped; headings, list items
    and paragraphs split apart; then split after ".", "?" or "!" followed by a
    space."""
    text = FENCE.sub("\n\n", markdown)
    blocks = re.split(r"\n\s*\n|\n(?=#)|\n(?=\s*[-*] )|(?<=\n)(?=#)", "\n" + text)
    out = []
    for block in blocks:
        block = " ".join(block.split())
        out += [s for s in re.split(r"(?<=[.?!])\s+", block) if s]
    return out


def unbacked(markdown: str) -> list[str]:
    """Sentences with a comparative word of :data:`WORDS` and no glued value."""
    return [
        s
        for s in sentences(markdown)
        if PATTERN.search(QUOTED.sub("", s)) and GLUE not in s
    ]


def test_the_check_finds_an_unbacked_word_and_passes_a_backed_one():
    text = (
        "# Where it matters\n\nThe lead is {glue:text}`lead:.1f` points, ahead. "
        "Snapping costs little here.\n\n- only {glue:text}`n` of them.\n"
        "- The paper does not say.\n\n```{exercise}\nWhich matters more?\n```\n"
        'The paper says "ahead at every level".\n'
    )
    assert unbacked(text) == [
        "# Where it matters",
        "Snapping costs little here.",
        "- The paper does not say.",
    ]
    assert unbacked("Speed is 0.5 points ahead of {glue:text}`x`.") == []


def test_the_phrases_follow_the_test():
    class Result:
        def __init__(self, pvalue):
            self.pvalue = pvalue

    for key, (significant, otherwise) in stats.PHRASES.items():
        assert stats.phrase(Result(0.01), key) == significant
        assert stats.phrase(Result(0.43), key) == otherwise
        assert (
            "not detected" in otherwise
            or "no " in otherwise
            or "not shown" in otherwise
        )
    with pytest.raises(ValueError, match="'costs little'"):
        stats.phrase(Result(0.01), "cheap")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_comparative_word_stands_beside_a_glued_value(chapter):
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    found = [
        f"cell {i}: {sentence}"
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown"
        for sentence in unbacked(cell.source)
    ]
    assert not found, (
        f"{chapter}: comparative words with no glued value in the sentence (glue the "
        "number or the test that backs them, or choose the words with "
        "sq.stats.phrase):\n" + "\n".join(found)
    )

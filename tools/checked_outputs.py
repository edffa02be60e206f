"""Store, in the chapters, the outputs that nbval checks.

A chapter's cells tagged ``nbval-check-output`` print tables that are deterministic by
construction (the claims on the book's network, the device table). ``pytest --nbval-lax
chapters/`` compares what they print with the outputs stored in the chapter. After a
change that is meant to change such a table, ``make book`` and then
``python tools/checked_outputs.py`` (``make outputs``) copies the new outputs from the
book's executed notebooks into the chapters, for review in the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

TAG = "nbval-check-output"
ROOT = Path(__file__).resolve().parent.parent


def store(executed: Path, chapters: Path) -> list[str]:
    """Copy the checked cells' outputs from ``executed`` into ``chapters``; returns
    the cells updated, as ``chapter:cell id``."""
    updated = []
    for path in sorted(chapters.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        checked = [c for c in nb.cells if TAG in c.metadata.get("tags", [])]
        if not checked:
            continue
        source = executed / path.name
        if not source.is_file():
            raise FileNotFoundError(f"{source}: run `make book` first")
        ran = {c.get("id"): c for c in nbformat.read(source, as_version=4).cells}
        for cell in checked:
            if cell.get("id") not in ran:
                missing = cell.get("id")
                raise ValueError(f"{source}: no cell {missing}: rebuild the book")
            cell.outputs = ran[cell["id"]].outputs
            # nbval takes a cell without an execution count for one never run
            cell.execution_count = 1
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = 1
            updated.append(f"{path.stem}:{cell['id']}")
        nbformat.write(nb, path)
    return updated


if __name__ == "__main__":
    done = store(ROOT / "_build" / "jupyter_execute" / "chapters", ROOT / "chapters")
    print(f"{len(done)} checked outputs stored: {', '.join(done)}")
    sys.exit(0)

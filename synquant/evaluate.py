"""Test accuracy of weight sets in plain numpy, sweeps over levels, and results files.

Results are tidy rows, one per measurement, with the columns of :data:`COLUMNS`;
``accuracy_pct`` is in percent. The unquantized network is the row with
``method="software"`` and empty ``levels``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from . import devices, model, quantize
from .files import atomic_write, check_new

__all__ = ["predict", "correct", "accuracy", "accuracies", "sweep", "lookup", "write_csv", "read_csv", "results_path", "COLUMNS", "LEVELS",
           "RESULTS_DIR"]

RESULTS_DIR = Path(__file__).resolve().parent.parent / "data" / "results"

#: The paper's range of levels, 5 to 25.
LEVELS = tuple(range(5, 26))
COLUMNS = ("device", "method", "levels", "seed", "recipe", *quantize.OPTIONS, "trial", "accuracy_pct")


def predict(weights: dict, x: np.ndarray) -> np.ndarray:
    """Class scores, shape (N, 10), of the ReLU network for inputs ``x`` of shape (N, 784)."""
    hidden = np.maximum(x @ weights["W1"] + weights.get("b1", 0), 0)
    return hidden @ weights["W2"] + weights.get("b2", 0)


def _test_set(x, y):
    if x is None or y is None:
        from . import data

        _, (x_test, y_test) = data.load_mnist()
        return x_test, y_test
    return np.asarray(x, dtype=np.float32), np.asarray(y)


def accuracy(weights: dict, x: np.ndarray | None = None, y: np.ndarray | None = None) -> float:
    """Fraction in [0, 1] of inputs classified correctly (default: the 10,000 MNIST test images)."""
    weights = model.check_weights(weights)
    x, y = _test_set(x, y)
    return float(np.mean(np.argmax(predict(weights, x), axis=1) == y))


def correct(weights: dict, x: np.ndarray | None = None, y: np.ndarray | None = None) -> np.ndarray:
    """Whether each input is classified correctly: bool array, shape (N,) (default: the
    10,000 MNIST test images), for paired tests between two weight sets."""
    weights = model.check_weights(weights)
    x, y = _test_set(x, y)
    return np.argmax(predict(weights, x), axis=1) == y


def accuracies(weight_sets: list[dict], x: np.ndarray | None = None, y: np.ndarray | None = None,
               chunk: int = 16) -> np.ndarray:
    """Accuracy (fraction) of many weight sets at once, shape (len(weight_sets),).

    The hidden layers of ``chunk`` sets run as one matrix multiply, which is several
    times faster than one small multiply each; inputs that are zero in every image (the
    border pixels of MNIST) are left out of it, which changes no result. The sets are
    taken as valid (see :func:`synquant.model.check_weights`).
    """
    x, y = _test_set(x, y)
    active = np.flatnonzero(np.any(x != 0, axis=0))
    x = x[:, active]
    out = []
    for start in range(0, len(weight_sets), chunk):
        group = weight_sets[start:start + chunk]
        w1 = np.concatenate([w["W1"][active] for w in group], axis=1)
        b1 = np.concatenate([np.broadcast_to(w.get("b1", 0), w["W1"].shape[1:]) for w in group])
        hidden = np.maximum(x @ w1 + b1, 0).reshape(len(x), len(group), -1)
        w2 = np.stack([w["W2"] for w in group])
        b2 = np.stack([np.broadcast_to(w.get("b2", 0), w["W2"].shape[1:]) for w in group])
        scores = np.matmul(hidden.transpose(1, 0, 2), w2) + b2[:, None, :]
        out.extend(np.mean(np.argmax(scores, axis=2) == y, axis=1))
    return np.asarray(out, dtype=np.float64)


def sweep(weights: dict, levels=LEVELS, methods=("sampling", "proposed", "uniform"), device="PCMO",
          seed: int | None = None, recipe: str = "", x=None, y=None, **options) -> list[dict]:
    """Accuracy of every method at every number of levels, as tidy rows (see :data:`COLUMNS`).

    The first row is the unquantized network (``method="software"``, empty ``levels``).
    ``options`` are the readings of :data:`synquant.quantize.OPTIONS`.
    """
    device = devices.get(device)
    weights = model.check_weights(weights)
    levels = list(levels)
    if not levels:
        raise ValueError("levels is empty: pass at least one number of levels, e.g. range(5, 26)")
    opt = {**quantize.DEFAULTS, **options}
    sets = [weights] + [quantize.network(weights, m, L, device, **options) for m in methods for L in levels]
    acc = accuracies(sets, x, y)
    base = {"device": device.name, "seed": "" if seed is None else int(seed), "recipe": recipe, **opt, "trial": ""}
    rows = [{**base, "method": "software", "levels": "", "accuracy_pct": float(100 * acc[0])}]
    pairs = [(m, L) for m in methods for L in levels]
    rows += [{**base, "method": m, "levels": L, "accuracy_pct": float(100 * a)} for (m, L), a in zip(pairs, acc[1:])]
    return [{c: row[c] for c in COLUMNS} for row in rows]


def results_path(device="PCMO", seed: int = 0, recipe: str = "paper", prefix: str = "figure2", levels=LEVELS,
                 directory: Path | str | None = None, **options) -> Path:
    """``<directory>/<prefix>-<device>-<recipe>-seed<k>[-levels<a>-<b>][-<options>].csv``.

    Only what differs from the book's defaults is named (levels other than 5..25, readings
    off their default), so a run with other parameters never writes over the book's file.
    ``directory`` defaults to the project's ``data/results``.
    """
    device = devices.get(device)
    levels = sorted(levels)
    changed = [] if tuple(levels) == LEVELS else [
        f"levels{levels[0]}-{levels[-1]}" if levels == list(range(levels[0], levels[-1] + 1))
        else "levels" + "_".join(map(str, levels))]
    changed += [f"{k}-{v}" for k, v in {**quantize.DEFAULTS, **options}.items() if quantize.DEFAULTS.get(k) != v]
    slug = "".join(c if c.isalnum() else "_" for c in device.name)
    name = "-".join([prefix, slug, recipe, f"seed{int(seed)}", *changed]) + ".csv"
    return Path(directory or RESULTS_DIR) / name


def lookup(rows: list[dict]) -> dict[tuple[str, int | None], float]:
    """Accuracy (%) by ``(method, levels)``; the software row is ``("software", None)``.

    For rows of one run (one seed, device and reading): a later row with the same key wins.
    """
    return {(r["method"], None if r["levels"] in ("", None) else r["levels"]): r["accuracy_pct"] for r in rows}


def write_csv(rows: list[dict], path: Path | str, force: bool = False) -> Path:
    """Write rows to a CSV file atomically; refuses to overwrite unless ``force``."""
    path = Path(path)
    check_new(path, force=force)
    if not rows:
        raise ValueError("no rows to write")
    columns = list(COLUMNS) + [c for c in rows[0] if c not in COLUMNS]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: (f"{row[c]:.4f}" if c == "accuracy_pct" else row.get(c, "")) for c in columns})
    atomic_write(path, lambda f: f.write(text.getvalue().encode()))
    return path


def read_csv(path: Path | str) -> list[dict]:
    """Rows of a results file, with ``levels``, ``seed`` and ``trial`` as int (or None) and accuracy as float."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no results file at {path}: run `python -m synquant sweep --out {path}`")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key in ("levels", "seed", "trial"):
            if key in row:
                row[key] = int(row[key]) if row[key] not in ("", None) else None
        row["accuracy_pct"] = float(row["accuracy_pct"])
    return rows

"""Test accuracy of weight sets in plain numpy, sweeps over levels, and results files.

Results are tidy rows, one per measurement, with the columns of :data:`COLUMNS`;
``accuracy_pct`` is in percent. The unquantized network is the row with
``method="software"`` and empty ``levels``.
"""

from __future__ import annotations

import csv
import io
import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import checks, data, devices, model, quantize, stats
from .files import ROOT, atomic_write, check_writable, in_checkout

__all__ = [
    "predict",
    "correct",
    "accuracy",
    "accuracies",
    "sweep",
    "paired_over_levels",
    "lookup",
    "write_csv",
    "read_csv",
    "results_path",
    "results_dir",
    "COLUMNS",
    "LEVELS",
    "RESULTS_DIR",
    "LOCAL_RESULTS_DIR",
]

#: ``data/results`` of the source checkout (it exists only when running from one).
RESULTS_DIR = ROOT / "data" / "results"
#: Where results go outside a checkout without a ``directory``: relative to the working
# folder.
LOCAL_RESULTS_DIR = Path("synquant-results")

#: The paper's range of levels, 5 to 25.
LEVELS = tuple(range(5, 26))
COLUMNS = (
    "device",
    "method",
    "levels",
    "seed",
    "recipe",
    *quantize.OPTIONS,
    "trial",
    "accuracy_pct",
)


def predict(weights: dict, x: np.ndarray) -> np.ndarray:
    """Class scores, shape (N, 10), of the ReLU network for inputs ``x`` of shape (N,
    784)."""
    hidden = np.maximum(x @ weights["W1"] + weights.get("b1", 0), 0)
    return hidden @ weights["W2"] + weights.get("b2", 0)


def test_set(x, y):
    """Inputs (N, 784) float32 and labels (N,): both given, or neither (the MNIST test
    set)."""
    if x is None and y is None:
        _, (x_test, y_test) = data.load_mnist()
        return x_test, y_test
    if x is None or y is None:
        given, absent = ("x", "y") if y is None else ("y", "x")
        raise ValueError(
            f"{given} was given without {absent}: pass both x and y, or neither for "
            "the MNIST test set"
        )
    x = checks.finite_array("x", x)
    y = checks.finite_array("y", y)
    if x.ndim != 2 or x.shape[1] != 784:
        raise ValueError(
            "x must have shape (N, 784), one flattened 28 x 28 image per row, got "
            f"{x.shape}"
        )
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"y must be 1-D integer class labels 0..9, got shape {y.shape} and dtype "
            f"{y.dtype}"
        )
    if len(x) != len(y):
        raise ValueError(
            f"x has {len(x)} images but y has {len(y)} labels: pass one label per image"
        )
    if len(x) == 0:
        raise ValueError("x and y are empty: pass at least one image and its label")
    return x.astype(np.float32, copy=False), y


def accuracy(
    weights: dict, x: np.ndarray | None = None, y: np.ndarray | None = None
) -> float:
    """Fraction in [0, 1] of inputs classified correctly (default: the 10,000 MNIST test
    images).

    ``x`` (N, 784) and ``y`` (N,) are given together or not at all.
    """
    weights = model.check_weights(weights)
    x, y = test_set(x, y)
    return float(np.mean(np.argmax(predict(weights, x), axis=1) == y))


def correct(
    weights: dict, x: np.ndarray | None = None, y: np.ndarray | None = None
) -> np.ndarray:
    """Whether each input is classified correctly: bool array, shape (N,) (default: the
    10,000 MNIST test images), for paired tests between two weight sets."""
    weights = model.check_weights(weights)
    x, y = test_set(x, y)
    return np.argmax(predict(weights, x), axis=1) == y


#: Memory for the hidden layers of one chunk of :func:`accuracies` (bytes): 16 of the
#: paper's networks over the 10 000 test images take 82 MB.
CHUNK_BYTES = 256 * 2**20


def accuracies(
    weight_sets: list[dict],
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    chunk: int = 16,
) -> np.ndarray:
    """Accuracy (fraction) of many weight sets at once, shape (len(weight_sets),).

    The hidden layers of ``chunk`` sets (fewer where their float32 hidden layers would
    exceed :data:`CHUNK_BYTES`) run as one matrix multiply, which is several times
    faster than one small multiply each; inputs that are zero in every image (the
    border pixels of MNIST) are left out of it, which changes no result. The sets are
    taken as valid (see :func:`synquant.model.check_weights`).
    """
    x, y = test_set(x, y)
    active = np.flatnonzero(np.any(x != 0, axis=0))
    x = x[:, active]
    if weight_sets:  # a chunk's hidden layers stay within CHUNK_BYTES
        width = max(w["W1"].shape[1] for w in weight_sets)
        chunk = max(1, min(chunk, CHUNK_BYTES // (4 * len(x) * width)))
    out = []
    for start in range(0, len(weight_sets), chunk):
        group = weight_sets[start : start + chunk]
        w1 = np.concatenate([w["W1"][active] for w in group], axis=1)
        b1 = np.concatenate(
            [np.broadcast_to(w.get("b1", 0), w["W1"].shape[1:]) for w in group]
        )
        hidden = np.maximum(x @ w1 + b1, 0).reshape(len(x), len(group), -1)
        w2 = np.stack([w["W2"] for w in group])
        b2 = np.stack(
            [np.broadcast_to(w.get("b2", 0), w["W2"].shape[1:]) for w in group]
        )
        scores = np.matmul(hidden.transpose(1, 0, 2), w2) + b2[:, None, :]
        out.extend(np.mean(np.argmax(scores, axis=2) == y, axis=1))
    return np.asarray(out, dtype=np.float64)


def _levels_list(levels) -> list[int]:
    if isinstance(levels, (numbers.Number, str)) or not hasattr(levels, "__iter__"):
        raise TypeError(
            f"levels must be a list of numbers of levels, e.g. [{levels!r}] or "
            "range(5, 26), "
            f"got {levels!r}"
        )
    levels = [checks.levels(L) for L in levels]
    if not levels:
        raise ValueError(
            "levels is empty: pass at least one number of levels, e.g. range(5, 26)"
        )
    return levels


def _methods_list(methods) -> list[str]:
    if isinstance(methods, str) or not hasattr(methods, "__iter__"):
        raise TypeError(
            f"methods must be a list of method names, e.g. ({methods!r},), got "
            f"{methods!r}"
        )
    methods = [quantize.check_method(m) for m in methods]
    if not methods:
        raise ValueError(
            f"methods is empty: pass at least one of {', '.join(quantize.METHODS)}"
        )
    return methods


def sweep(
    weights: dict,
    levels=LEVELS,
    methods=("sampling", "proposed", "uniform"),
    device="PCMO",
    seed: int | None = None,
    recipe: str = "",
    x=None,
    y=None,
    **options,
) -> list[dict]:
    """Accuracy of every method at every number of levels, as tidy rows (see
    :data:`COLUMNS`).

    The first row is the unquantized network (``method="software"``, empty ``levels``).
    ``levels``: a list of numbers of levels (each 2 to
    :data:`synquant.quantize.MAX_LEVELS`);
    ``methods``: a list of :data:`synquant.quantize.METHODS`; ``options`` are the
    readings
    of :data:`synquant.quantize.OPTIONS`. Everything is checked before the first network
    is quantized.
    """
    device = devices.get(device)
    weights = model.check_weights(weights)
    levels = _levels_list(levels)
    methods = _methods_list(methods)
    opt = quantize.check_options(options)
    seed = None if seed is None else checks.seed(seed)
    x, y = test_set(x, y)
    sets = [weights] + [
        quantize.network(weights, m, L, device, **options)
        for m in methods
        for L in levels
    ]
    acc = accuracies(sets, x, y)
    base = {
        "device": device.name,
        "seed": "" if seed is None else seed,
        "recipe": recipe,
        **opt,
        "trial": "",
    }
    rows = [
        {
            **base,
            "method": "software",
            "levels": "",
            "accuracy_pct": float(100 * acc[0]),
        }
    ]
    pairs = [(m, L) for m in methods for L in levels]
    rows += [
        {**base, "method": m, "levels": L, "accuracy_pct": float(100 * a)}
        for (m, L), a in zip(pairs, acc[1:], strict=True)
    ]
    return [{c: row[c] for c in COLUMNS} for row in rows]


def paired_over_levels(
    weights: dict,
    method_a: str,
    method_b: str,
    levels,
    device="PCMO",
    x=None,
    y=None,
    **options,
) -> dict[int, stats.McNemar]:
    """:func:`synquant.stats.mcnemar` of ``method_a`` against ``method_b`` at each
    number of levels.

    Both quantize the same ``weights`` (``quantize.network`` with ``device`` and the
    readings ``options``) and are scored on the same test images (``x``, ``y``; default:
    the 10,000 MNIST test images). ``"software"`` names the unquantized network, for
    either method. Returns ``{levels: McNemar}`` in the order of ``levels``.
    """
    device = devices.get(device)
    levels = list(levels)
    if not levels:
        raise ValueError(
            "levels is empty: pass at least one number of levels, e.g. [5, 10]"
        )
    for name, method in (("method_a", method_a), ("method_b", method_b)):
        if method != "software" and method not in quantize.METHODS:
            raise ValueError(
                f"{name}={method!r} is not a method: use 'software' or one of "
                f"{', '.join(quantize.METHODS)}"
            )
    if (x is None) != (y is None):
        raise ValueError("pass both x and y (the test images and labels), or neither")
    # the unquantized network is scored once, and only when a side names it
    software = correct(weights, x, y) if "software" in (method_a, method_b) else None

    def scored(method, k):
        if method == "software":
            return software
        return correct(quantize.network(weights, method, k, device, **options), x, y)

    return {
        int(k): stats.mcnemar(scored(method_a, k), scored(method_b, k)) for k in levels
    }


def results_dir(directory: Path | str | None = None) -> Path:
    """The folder of results files: ``directory`` when given; else the checkout's
    ``data/results`` when the package runs from a source checkout; else
    ``./synquant-results`` in the working folder (:data:`LOCAL_RESULTS_DIR`), so that an
    installed package never writes into its own install."""
    if directory:
        return Path(directory)
    if in_checkout():
        return RESULTS_DIR
    return LOCAL_RESULTS_DIR


def results_path(
    device="PCMO",
    seed: int = 0,
    recipe: str = "paper",
    prefix: str = "figure2",
    levels=LEVELS,
    directory: Path | str | None = None,
    **options,
) -> Path:
    """``<directory>/<prefix>-<device>-<recipe>-seed<k>[-levels<a>-<b>][-<options>].csv``.

    Only what differs from the book's defaults is named (levels other than 5..25,
    readings
    off their default), so a run with other parameters never writes over the book's
    file.
    Where the file goes (:func:`results_dir`): ``directory`` when given; else the
    checkout's ``data/results`` when the package runs from a source checkout; else
    ``./synquant-results`` under the working folder (an installed package).
    """
    device = devices.get(device)
    levels = sorted(_levels_list(levels))
    opt = quantize.check_options(options)
    seed = checks.seed(seed)
    changed = (
        []
        if tuple(levels) == LEVELS
        else [
            f"levels{levels[0]}-{levels[-1]}"
            if levels == list(range(levels[0], levels[-1] + 1))
            else "levels" + "_".join(map(str, levels))
        ]
    )
    changed += [f"{k}-{v}" for k, v in opt.items() if quantize.DEFAULTS.get(k) != v]
    slug = "".join(c if c.isalnum() else "_" for c in device.name)
    name = "-".join([prefix, slug, str(recipe), f"seed{seed}", *changed]) + ".csv"
    return results_dir(directory) / name


def lookup(rows: list[dict]) -> dict[tuple[str, int | None], float]:
    """Accuracy (%) by ``(method, levels)``; the software row is ``("software", None)``.

    For rows of one run (one seed, device and reading): a later row with the same key
    wins.
    """
    return {
        (r["method"], None if r["levels"] in ("", None) else r["levels"]): r[
            "accuracy_pct"
        ]
        for r in rows
    }


def write_csv(rows: list[dict], path: Path | str, force: bool = False) -> Path:
    """Write rows to a CSV file atomically; refuses to overwrite unless ``force``.

    Every row needs the columns of :data:`COLUMNS` (extra columns of the first row are
    kept); all is checked before the file is written.
    """
    path = checks.path("results file", path)
    if not isinstance(rows, (list, tuple)) or not rows:
        raise ValueError("no rows to write: pass the list of rows of evaluate.sweep")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(
                f"row {i} must be a dict of columns, got {type(row).__name__}"
            )
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise ValueError(
                f"row {i} lacks the column(s) {', '.join(missing)}: a results row has "
                f"{', '.join(COLUMNS)}"
            )
        checks.number(f"row {i} accuracy_pct", row["accuracy_pct"])
    check_writable(path, force=force)
    columns = list(COLUMNS) + [c for c in rows[0] if c not in COLUMNS]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                c: (f"{row[c]:.4f}" if c == "accuracy_pct" else row.get(c, ""))
                for c in columns
            }
        )
    atomic_write(path, lambda f: f.write(text.getvalue().encode()))
    return path


def read_csv(path: Path | str) -> list[dict]:
    """Rows of a results file, with ``levels``, ``seed`` and ``trial`` as int (or None)
    and accuracy as float."""
    path = checks.path("results file", path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no results file at {path}: run `python -m synquant sweep --out {path}`"
        )
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as err:
        raise ValueError(
            f"{path} is not a text CSV file ({err}): pass a results file written by "
            "`python -m synquant sweep --out`"
        ) from None
    if "accuracy_pct" not in header:
        raise ValueError(
            f"{path} has no accuracy_pct column (columns: "
            f"{', '.join(header) or 'none'}): "
            "pass a results file written by `python -m synquant sweep --out`"
        )
    for i, row in enumerate(rows, start=2):
        try:
            for key in ("levels", "seed", "trial"):
                if key in row:
                    row[key] = int(row[key]) if row[key] not in ("", None) else None
            row["accuracy_pct"] = float(row["accuracy_pct"])
        except (TypeError, ValueError):
            raise ValueError(
                f"{path}, line {i}: a value is not a number ({row}); the file is "
                "damaged"
            ) from None
    return rows

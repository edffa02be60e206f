"""Bad inputs over the API, the CLI and papermill, one table row each (issues 11, 22).

Every row asserts the exception type (or exit status), that the message names the input
(the argument, the value or the file), and that no file under the checkout was created
or changed. CLI rows run in a temporary working folder, with training and sweeping
replaced by a failure, so an error that would come only after the expensive work fails
the test.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from synquant import (
    data,
    devices,
    evaluate,
    fit,
    model,
    nonideal,
    optimal,
    quantize,
    stats,
)
from synquant.__main__ import main
from synquant.book import student, sweeps
from tests.conftest import DEFAULT_WEIGHTS, random_weight_set
from tests.environment import ROOT

W = random_weight_set()
W8 = np.array([0.1, -0.6, 0.3])
REF_DEVICE = devices.get("PCMO")
REF = REF_DEVICE.reference_levels()
X = np.random.default_rng(0).random((20, 784), dtype=np.float32)
Y = np.arange(20) % 10
PAPER = model.get_recipe("paper")
ROW = {c: "" for c in evaluate.COLUMNS} | {"accuracy_pct": 90.0}
PAPER_META = {"recipe": model.dataclasses.asdict(PAPER), "seed": 0}


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def _snapshot() -> tuple[str, dict]:
    """``git status --porcelain`` and the mtime of every file git sees (tracked or
    untracked, not ignored)."""
    git = _git
    files = git("ls-files", "-co", "--exclude-standard", "-z").split("\0")
    return git("status", "--porcelain"), {
        f: (ROOT / f).stat().st_mtime_ns for f in files if (ROOT / f).is_file()
    }


@pytest.fixture
def checkout_unchanged():
    before = _snapshot()
    yield
    assert _snapshot() == before, (
        "a bad input created or changed a file under the checkout"
    )


@pytest.fixture(scope="module")
def input_files(tmp_path_factory):
    """Bad input files in a temporary folder, made once (no test may write there)."""
    tmp_path = tmp_path_factory.mktemp("inputs")
    np.save(tmp_path / "x.npy", np.zeros((3, 3)))
    shutil.copy(
        ROOT / "data" / "results" / "figure2-PCMO-paper-seed0.csv",
        tmp_path / "results.csv",
    )
    np.savez(tmp_path / "nobias.npz", W1=W["W1"], W2=W["W2"])
    np.savez(tmp_path / "list.npz", **W)
    (tmp_path / "list.json").write_text("[1, 2, 3]")
    np.savez(
        tmp_path / "badrecipe.npz",
        **W,
        **{model.META_KEY: np.array('{"recipe": {"epochs": -3}}')},
    )
    model.save_weights(tmp_path / "paper.npz", W, PAPER_META)
    (tmp_path / "j.json").write_text("{}")
    (tmp_path / "dir.npz").mkdir()
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("a file, not a folder")
    (tmp_path / "existing.csv").write_text("x\n")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "noacc.csv").write_text("device,method\nPCMO,proposed\n")
    np.savez(tmp_path / "complex.npz", **{**W, "W1": W["W1"].astype(np.complex64)})
    _fit_files(tmp_path)
    np.savez(tmp_path / "objects.npz", **{**W, "W1": np.array([None, 1], dtype=object)})
    return tmp_path


def _long(path: Path, pulse, values, header="pulse,conductance", encoding="utf-8"):
    rows = "".join(f"{p:g},{float(v)!r}\n" for p, v in zip(pulse, values, strict=True))
    path.write_text(f"{header}\n{rows}", encoding=encoding)


def _fit_files(folder: Path) -> None:
    """Pulse-response files that ``fit`` must refuse before its bootstrap."""
    p = np.arange(60)
    rng = np.random.default_rng(0)
    rise = 1e-7 * (2 - np.exp(-p / 20))
    _long(folder / "bump.csv", p, 1e-7 * (1 + np.sin(np.pi * p / 59)))
    _long(folder / "rise-fall.csv", p, 1e-7 * (1 + np.sin(np.pi * p / 80)))
    _long(folder / "noise.csv", p, 1e-7 * (1 + rng.random(60)))
    _long(folder / "step.csv", p, 1e-7 * (1 + (p >= 30)))
    _long(folder / "huge.csv", p, 1e300 * (2 - np.exp(-p / 20)))
    _long(folder / "span.csv", p * 1e12, rise)
    _long(folder / "rise.csv", p, rise)
    _long(folder / "constant.csv", p, np.full(60, 1e-7))
    _long(folder / "three.csv", p[:3], rise[:3])
    _long(folder / "negative.csv", p, rise - 1.5e-7)
    _long(folder / "nan-mid.csv", p, np.where(p == 30, np.nan, rise))
    _long(folder / "current.csv", p, 1e-3 * rise, header="pulse,I (A)")
    wide = np.tile(rise[:10, None], (1, 4))
    cells = [[f"{float(v)!r}" for v in row] for row in wide]
    cells[4][1] = ""
    (folder / "wide-gap.csv").write_text(
        "run1,run2,run3,run4\n" + "".join(",".join(r) + "\n" for r in cells)
    )
    (folder / "wide-units.csv").write_text(
        "run1 (uS),run2 (nS)\n"
        + "".join(f"{1 + k / 10},{1000 + 100 * k}\n" for k in range(10))
    )


@pytest.fixture
def inputs(input_files, tmp_path, monkeypatch):
    """The folder of bad input files as the current folder; nothing new may appear in
    it."""
    before = sorted(p.name for p in input_files.iterdir())
    monkeypatch.chdir(input_files)
    monkeypatch.setenv("SYNQUANT_HOME", str(tmp_path / "home"))
    yield input_files
    assert sorted(p.name for p in input_files.iterdir()) == before, (
        "a bad input wrote a file"
    )


def no_weights_and_a_file(name):
    return lambda: model.load_weights(name)


# (id, call, exception type, text the message must contain: it names the input)
API = [
    # quantize
    (
        "normalize-empty",
        lambda: quantize.normalize([]),
        ValueError,
        "weights are empty",
    ),
    (
        "normalize-scale-str",
        lambda: quantize.normalize(W8, scale="x"),
        TypeError,
        "scale must be a number, got 'x'",
    ),
    (
        "normalize-scale-zero",
        lambda: quantize.normalize(W8, scale=0),
        ValueError,
        "scale must be a positive number",
    ),
    (
        "normalize-scale-nan",
        lambda: quantize.normalize(W8, scale=np.nan),
        ValueError,
        "scale must be a finite number",
    ),
    (
        "normalize-strings",
        lambda: quantize.normalize(["a"]),
        TypeError,
        "weights must be numeric",
    ),
    (
        "normalize-complex",
        lambda: quantize.normalize(W8 + 1j),
        TypeError,
        "weights must be real numbers",
    ),
    (
        "normalize-nan",
        lambda: quantize.normalize([0.1, np.nan]),
        ValueError,
        "weights contain 1 NaN",
    ),
    (
        "normalize-zeros",
        lambda: quantize.normalize(np.zeros(3)),
        ValueError,
        "all-zero weights",
    ),
    (
        "uniform-levels-1",
        lambda: quantize.uniform(W8, 1),
        ValueError,
        "levels must be at least 2, got 1",
    ),
    (
        "uniform-levels-float",
        lambda: quantize.uniform(W8, 2.5),
        TypeError,
        "levels must be an integer, got 2.5",
    ),
    (
        "uniform-levels-bool",
        lambda: quantize.uniform(W8, True),
        TypeError,
        "levels must be an integer, got True",
    ),
    (
        "uniform-levels-huge",
        lambda: quantize.uniform(W8, 10**9),
        ValueError,
        "levels must be at most 1000",
    ),
    (
        "uniform-not-normalized",
        lambda: quantize.uniform([2.0], 5),
        ValueError,
        "weights must be normalized",
    ),
    (
        "snap-strings",
        lambda: quantize.snap(W8, ["a", "b"]),
        TypeError,
        "reference levels must be numeric",
    ),
    (
        "snap-negative",
        lambda: quantize.snap(W8, [-0.5, -0.2]),
        ValueError,
        "reference levels must be non-negative",
    ),
    (
        "snap-unsorted",
        lambda: quantize.snap(W8, [1, 0]),
        ValueError,
        "reference levels must be sorted",
    ),
    (
        "snap-empty",
        lambda: quantize.snap(W8, []),
        ValueError,
        "reference levels must be a non-empty 1-D",
    ),
    (
        "snap-2d",
        lambda: quantize.snap(W8, [[0, 1]]),
        ValueError,
        "reference levels must be a non-empty 1-D",
    ),
    (
        "snap-nan",
        lambda: quantize.snap(W8, [0, np.nan]),
        ValueError,
        "reference levels contain 1 NaN",
    ),
    (
        "proposed-negative",
        lambda: quantize.proposed(W8, 5, [-1, 1]),
        ValueError,
        "reference levels must be non-neg",
    ),
    (
        "sampling-device",
        lambda: quantize.sampling_levels(5, "Nope"),
        ValueError,
        "unknown device 'Nope'",
    ),
    (
        "sampling-branch",
        lambda: quantize.sampling_levels(5, "PCMO", "up"),
        ValueError,
        "unknown branch 'up'",
    ),
    (
        "device-levels-mapping",
        lambda: quantize.device_levels(5, mapping="single"),
        ValueError,
        "unknown mapping 'single'",
    ),
    (
        "device-levels-signed-2",
        lambda: quantize.device_levels(2, counting="signed"),
        ValueError,
        "levels must be at least 3",
    ),
    (
        "network-method",
        lambda: quantize.network(W, "best", 5),
        ValueError,
        "unknown method 'best'",
    ),
    (
        "network-two-methods",
        lambda: quantize.network(W, "proposed,sampling", 5),
        ValueError,
        "method 'proposed,sampling' is one method",
    ),
    (
        "network-option",
        lambda: quantize.network(W, "proposed", 5, colour="red"),
        ValueError,
        "unknown option(s) colour",
    ),
    (
        "network-bias",
        lambda: quantize.network(W, "proposed", 5, bias="analog"),
        ValueError,
        "unknown bias 'analog'",
    ),
    (
        "network-w1-3x3",
        lambda: quantize.network({**W, "W1": np.ones((3, 3))}, "proposed", 5),
        model.WeightsError,
        "W1 has shape (3, 3)",
    ),
    (
        "network-no-w2",
        lambda: quantize.network({"W1": W["W1"]}, "proposed", 5),
        model.WeightsError,
        "missing W2",
    ),
    (
        "network-complex",
        lambda: quantize.network({**W, "W1": W["W1"] + 0j}, "proposed", 5),
        model.WeightsError,
        "W1 must be real numbers",
    ),
    (
        "network-path",
        lambda: quantize.network("w.npz", "proposed", 5),
        TypeError,
        "weights must be a dict",
    ),
    (
        "layers-levels-str",
        lambda: quantize.layers(W, "proposed", "5"),
        TypeError,
        "levels must be an integer",
    ),
    # optimal
    (
        "optimal-levels-0",
        lambda: optimal.levels(REF, 0, [0.1]),
        ValueError,
        "levels must be at least 1",
    ),
    (
        "optimal-negative",
        lambda: optimal.levels(REF, 5, [-0.1]),
        ValueError,
        "magnitudes must be non-negative",
    ),
    (
        "optimal-above-1",
        lambda: optimal.levels(REF, 5, [1.5]),
        ValueError,
        "magnitudes must lie in [0, 1]",
    ),
    (
        "optimal-empty",
        lambda: optimal.levels(REF, 5, []),
        ValueError,
        "magnitudes are empty",
    ),
    (
        "optimal-mse-empty",
        lambda: optimal.mse([0.1], []),
        ValueError,
        "chosen levels are empty",
    ),
    (
        "optimal-quantize-str",
        lambda: optimal.quantize(W8, "5", REF),
        TypeError,
        "levels must be an integer",
    ),
    (
        "optimal-ref-negative",
        lambda: optimal.levels([-1, 0.5], 1, [0.1]),
        ValueError,
        "reference levels must be non-negative",
    ),
    # model: recipes, paths, files
    (
        "recipe-lr-str",
        lambda: model.Recipe(learning_rate="0.5"),
        TypeError,
        "learning_rate must be a number, got '0.5'",
    ),
    (
        "recipe-lr-negative",
        lambda: model.Recipe(learning_rate=-1),
        ValueError,
        "learning_rate must be a positive",
    ),
    (
        "recipe-momentum",
        lambda: model.Recipe(momentum=-1),
        ValueError,
        "momentum must be at least 0",
    ),
    (
        "recipe-momentum-1",
        lambda: model.Recipe(momentum=1),
        ValueError,
        "momentum must be below 1",
    ),
    (
        "recipe-initializer",
        lambda: model.Recipe(initializer="bogus"),
        ValueError,
        "unknown initializer 'bogus'",
    ),
    (
        "recipe-loss",
        lambda: model.Recipe(loss="hinge"),
        ValueError,
        "unknown loss 'hinge'",
    ),
    (
        "recipe-epochs-0",
        lambda: model.Recipe(epochs=0),
        ValueError,
        "epochs must be a positive integer, got 0",
    ),
    (
        "recipe-batch-float",
        lambda: model.Recipe(batch_size=2.5),
        ValueError,
        "batch_size must be a positive integer",
    ),
    (
        "recipe-hidden-0",
        lambda: model.Recipe(hidden=0),
        ValueError,
        "hidden must be at least 1",
    ),
    (
        "recipe-hidden-str",
        lambda: model.Recipe(hidden="128"),
        TypeError,
        "hidden must be an integer, got '128'",
    ),
    ("recipe-name", lambda: model.Recipe(name="a b"), ValueError, "recipe name 'a b'"),
    (
        "recipe-use-bias",
        lambda: model.Recipe(use_bias="yes"),
        TypeError,
        "use_bias must be True or False",
    ),
    (
        "recipe-unknown",
        lambda: model.get_recipe("fast"),
        ValueError,
        "unknown recipe 'fast'",
    ),
    (
        "recipe-field",
        lambda: PAPER.replace(batchsize=1),
        ValueError,
        "unknown recipe field(s) batchsize",
    ),
    (
        "weights-path-seed-str",
        lambda: model.weights_path("paper", "abc"),
        TypeError,
        "seed must be a non-negative integer, got 'abc'",
    ),
    (
        "weights-path-seed-neg",
        lambda: model.weights_path("paper", -1),
        ValueError,
        "seed must be a non-negative integer, got -1",
    ),
    (
        "train-seed",
        lambda: model.train("paper", seed=-1),
        ValueError,
        "seed must be a non-negative integer, got -1",
    ),
    (
        "train-epochs",
        lambda: model.train("paper", epochs=0),
        ValueError,
        "epochs must be a positive integer, got 0",
    ),
    (
        "load-npy",
        no_weights_and_a_file("x.npy"),
        model.WeightsError,
        "x.npy is not a readable weights file: it is a .npy",
    ),
    (
        "load-csv",
        no_weights_and_a_file("results.csv"),
        model.WeightsError,
        "results.csv is not a readable weights",
    ),
    (
        "load-missing",
        no_weights_and_a_file("absent.npz"),
        model.WeightsError,
        "no weights file at absent.npz",
    ),
    (
        "load-dir",
        no_weights_and_a_file("folder"),
        model.WeightsError,
        "no weights file at folder",
    ),
    (
        "load-no-bias",
        no_weights_and_a_file("nobias.npz"),
        model.WeightsError,
        "nobias.npz: missing b1, b2",
    ),
    (
        "load-list-sidecar",
        no_weights_and_a_file("list.npz"),
        model.WeightsError,
        "list.json must hold a JSON object",
    ),
    (
        "load-bad-recipe",
        no_weights_and_a_file("badrecipe.npz"),
        model.WeightsError,
        "badrecipe.npz: its recipe is not a valid Recipe",
    ),
    (
        "load-complex",
        no_weights_and_a_file("complex.npz"),
        model.WeightsError,
        "complex.npz: W1 must be real",
    ),
    (
        "load-objects",
        no_weights_and_a_file("objects.npz"),
        model.WeightsError,
        "objects.npz holds Python objects (an object array), which are never",
    ),
    (
        "load-other-recipe",
        lambda: model.load_weights("paper.npz", "mse"),
        model.WeightsError,
        "not the 'mse' asked for: name 'paper' (not 'mse'), loss 'crossentropy' (not "
        "'mse')",
    ),
    (
        "save-suffix",
        lambda: model.save_weights("w.txt", W),
        ValueError,
        "weights file must end in .npz, got w.txt",
    ),
    (
        "save-meta-object",
        lambda: model.save_weights("w.npz", W, {"a": object()}),
        TypeError,
        "metadata a is a object",
    ),
    (
        "save-meta-list",
        lambda: model.save_weights("w.npz", W, [1, 2, 3]),
        TypeError,
        "meta must be a dict",
    ),
    (
        "save-stray-sidecar",
        lambda: model.save_weights("j.npz", W, {}),
        FileExistsError,
        "j.json already exists",
    ),
    (
        "save-under-a-file",
        lambda: model.save_weights("afile/w.npz", W),
        NotADirectoryError,
        "cannot write afile/w.npz: afile is a file",
    ),
    (
        "save-proc",
        lambda: model.save_weights("/proc/w.npz", W),
        OSError,
        "cannot write /proc/w.npz",
    ),
    (
        "save-dir",
        lambda: model.save_weights("dir.npz", W),
        IsADirectoryError,
        "dir.npz is a directory",
    ),
    (
        "save-bad-weights",
        lambda: model.save_weights("w.npz", {**W, "b1": W["b1"][:5]}),
        model.WeightsError,
        "b1 has shape (5,)",
    ),
    (
        "check-nan",
        lambda: model.check_weights({**W, "W1": W["W1"] * np.nan}),
        model.WeightsError,
        "W1 contain",
    ),
    (
        "resolve-uncached",
        lambda: model.resolve_weights(None, "paper", 99),
        model.WeightsError,
        "no cached weights paper-seed99.npz",
    ),
    (
        "resolve-npy",
        lambda: model.resolve_weights("x.npy"),
        model.WeightsError,
        "x.npy is not a readable weights",
    ),
    # evaluate
    (
        "accuracy-y-only",
        lambda: evaluate.accuracy(W, None, Y),
        ValueError,
        "y was given without x",
    ),
    (
        "accuracy-x-only",
        lambda: evaluate.accuracy(W, X, None),
        ValueError,
        "x was given without y",
    ),
    (
        "accuracy-lengths",
        lambda: evaluate.accuracy(W, X, Y[:9]),
        ValueError,
        "x has 20 images but y has 9 labels",
    ),
    (
        "accuracy-width",
        lambda: evaluate.accuracy(W, X[:, :100], Y),
        ValueError,
        "x must have shape (N, 784)",
    ),
    (
        "accuracy-float-labels",
        lambda: evaluate.accuracy(W, X, Y.astype(float)),
        ValueError,
        "y must be 1-D integer class labels",
    ),
    (
        "correct-y-only",
        lambda: evaluate.correct(W, None, Y),
        ValueError,
        "y was given without x",
    ),
    (
        "sweep-int-levels",
        lambda: evaluate.sweep(W, 5),
        TypeError,
        "levels must be a list of numbers of levels, e.g. [5]",
    ),
    (
        "sweep-str-methods",
        lambda: evaluate.sweep(W, [5], methods="proposed"),
        TypeError,
        "methods must be a list of method names, e.g. ('proposed',)",
    ),
    (
        "sweep-no-methods",
        lambda: evaluate.sweep(W, [5], methods=()),
        ValueError,
        "methods is empty",
    ),
    ("sweep-no-levels", lambda: evaluate.sweep(W, []), ValueError, "levels is empty"),
    (
        "sweep-level-1",
        lambda: evaluate.sweep(W, [5, 1]),
        ValueError,
        "levels must be at least 2, got 1",
    ),
    (
        "sweep-device",
        lambda: evaluate.sweep(W, [5], device="Nope"),
        ValueError,
        "unknown device 'Nope'",
    ),
    (
        "sweep-mapping",
        lambda: evaluate.sweep(W, [5], mapping="single"),
        ValueError,
        "unknown mapping 'single'",
    ),
    (
        "sweep-seed",
        lambda: evaluate.sweep(W, [5], seed="abc"),
        TypeError,
        "seed must be a non-negative integer",
    ),
    (
        "write-csv-column",
        lambda: evaluate.write_csv(
            [{k: v for k, v in ROW.items() if k != "device"}], "r.csv"
        ),
        ValueError,
        "row 0 lacks the column(s) device",
    ),
    (
        "write-csv-empty",
        lambda: evaluate.write_csv([], "r.csv"),
        ValueError,
        "no rows to write",
    ),
    (
        "write-csv-exists",
        lambda: evaluate.write_csv([ROW], "existing.csv"),
        FileExistsError,
        "existing.csv already",
    ),
    (
        "write-csv-dir",
        lambda: evaluate.write_csv([ROW], "folder"),
        IsADirectoryError,
        "folder is a directory",
    ),
    (
        "write-csv-proc",
        lambda: evaluate.write_csv([ROW], "/proc/x.csv"),
        OSError,
        "cannot write /proc/x.csv",
    ),
    (
        "read-csv-binary",
        lambda: evaluate.read_csv("binary.csv"),
        ValueError,
        "binary.csv is not a text CSV file",
    ),
    (
        "read-csv-no-accuracy",
        lambda: evaluate.read_csv("noacc.csv"),
        ValueError,
        "noacc.csv has no accuracy_pct",
    ),
    (
        "read-csv-missing",
        lambda: evaluate.read_csv("none.csv"),
        FileNotFoundError,
        "no results file at none.csv",
    ),
    (
        "results-path-seed",
        lambda: evaluate.results_path(seed=-1),
        ValueError,
        "seed must be a non-negative integer",
    ),
    (
        "results-path-levels",
        lambda: evaluate.results_path(levels=5),
        TypeError,
        "levels must be a list",
    ),
    (
        "results-path-option",
        lambda: evaluate.results_path(colour="red"),
        ValueError,
        "unknown option(s) colour",
    ),
    # nonideal
    (
        "mc-seed-negative",
        lambda: nonideal.monte_carlo(W, "proposed", 5, seed=-1),
        ValueError,
        "seed must be a non-negative integer, got -1",
    ),
    (
        "mc-seed-str",
        lambda: nonideal.monte_carlo(W, "proposed", 5, seed="abc"),
        TypeError,
        "seed must be a non-negative integer, got 'abc'",
    ),
    (
        "mc-read-sigma-str",
        lambda: nonideal.monte_carlo(W, "proposed", 5, read_sigma="x"),
        TypeError,
        "read_sigma must be a number, got 'x'",
    ),
    (
        "mc-trials-0",
        lambda: nonideal.monte_carlo(W, "proposed", 5, trials=0),
        ValueError,
        "trials must be at least 1, got 0",
    ),
    (
        "mc-stuck",
        lambda: nonideal.monte_carlo(W, "proposed", 5, stuck_min=2),
        ValueError,
        "stuck_min is a fraction",
    ),
    (
        "mc-keyword",
        lambda: nonideal.monte_carlo(W, "proposed", 5, read_noise=0.1),
        ValueError,
        "unknown keyword(s) read_noise",
    ),
    (
        "mc-x-only",
        lambda: nonideal.monte_carlo(W, "proposed", 5, x=X),
        ValueError,
        "x was given without y",
    ),
    (
        "perturb-rng",
        lambda: nonideal.perturb(quantize.layers(W, "proposed", 5), "PCMO", 2, 0),
        TypeError,
        "rng must be a numpy Generator",
    ),
    (
        "ci-one-trial",
        lambda: nonideal.confidence_interval([0.9]),
        ValueError,
        "at least 2 trials",
    ),
    # sizes: each bound declared, checked before any array is made (issue 22)
    (
        "recipe-hidden-huge",
        lambda: model.Recipe(hidden=100000),
        ValueError,
        "hidden must be at most 4096, got 100000",
    ),
    (
        "shapes-hidden-huge",
        lambda: model.shapes(100000),
        ValueError,
        "hidden must be at most 4096",
    ),
    (
        "device-states-huge",
        lambda: devices.Device("x", 10**9, 1, -1, 1e6, 10, 0.01),
        ValueError,
        "x: device field states=1000000000: states must be an integer from 2 to",
    ),
    (
        "reference-states-huge",
        lambda: REF_DEVICE.reference_levels(states=10**9),
        ValueError,
        "states=1000000000: states must be an integer from 2 to 10001",
    ),
    (
        "with-states-huge",
        lambda: REF_DEVICE.with_states(1e300),
        ValueError,
        "states=1e+300",
    ),
    (
        "mc-trials-huge",
        lambda: nonideal.monte_carlo(W, "proposed", 5, trials=10**6),
        ValueError,
        "trials must be at most 1000, got 1000000",
    ),
    (
        "bootstrap-resamples-huge",
        lambda: stats.bootstrap_accuracy(np.ones(10, bool), n_resamples=10**9),
        ValueError,
        "n_resamples must be at most 100000, got 1000000000",
    ),
    (
        "rank-resamples-huge",
        lambda: stats.rank_correlation(range(20), range(20), n_resamples=10**9),
        ValueError,
        "n_resamples must be at most 100000",
    ),
    (
        "grid-twice",
        lambda: sweeps.grid_runs({"device": ["PCMO"], "seed": [0, 1, 0]}, "r", "o"),
        ValueError,
        "grid['seed'] gives 0 more than once",
    ),
    (
        "optimal-reference-huge",
        lambda: optimal.levels(np.linspace(0, 1, 5000), 5, [0.1]),
        ValueError,
        "reference levels: 5000 distinct values, above 2000",
    ),
]


@pytest.mark.parametrize("name, call, error, text", API, ids=[row[0] for row in API])
def test_api(name, call, error, text, inputs, checkout_unchanged):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


def test_mnist_given_as_npy(inputs, monkeypatch, checkout_unchanged):
    monkeypatch.setenv(data.ENV_VAR, str(inputs / "x.npy"))
    with pytest.raises(data.MNISTError, match="x.npy is not a readable .npz file"):
        data.load_mnist()
    monkeypatch.setenv(data.ENV_VAR, str(inputs / "absent.npz"))
    with pytest.raises(
        data.MNISTError, match="SYNQUANT_MNIST=.*absent.npz does not name a file"
    ):
        data.load_mnist()


# (argv, exit status, text of the error): 1 is the package's one-line error, 2
# argparse's
CLI = [
    (["train", "--epochs", "0"], 1, "epochs must be a positive integer, got 0"),
    (["train", "--epochs", "-1"], 1, "epochs must be a positive integer, got -1"),
    (["train", "--hidden", "0"], 1, "hidden must be at least 1"),
    (["train", "--batch-size", "0"], 1, "batch_size must be a positive integer"),
    (["train", "--seed", "-1"], 1, "--seed must be a non-negative integer, got -1"),
    (["train", "--out", "w.txt"], 1, "--out w.txt: a weights file must end in .npz"),
    (["train", "--out", "j.npz"], 1, "j.json already exists"),
    (["train", "--out", "dir.npz"], 1, "dir.npz is a directory"),
    (["train", "--out", "afile/w.npz"], 1, "cannot write afile/w.npz: afile is a file"),
    (["train", "--out", "/proc/w.npz"], 1, "cannot write /proc/w.npz"),
    (["train", "--out", "paper.npz"], 1, "paper.npz already exists"),
    (["train", "--recipe", "fast"], 2, "invalid choice: 'fast'"),
    (["train", "--epochs", "two"], 2, "invalid int value: 'two'"),
    (["sweep", "--out", "/proc/x.csv"], 1, "cannot write /proc/x.csv"),
    (["sweep", "--out", "folder"], 1, "folder is a directory"),
    (["sweep", "--out", "afile/x.csv"], 1, "cannot write afile/x.csv: afile is a file"),
    (["sweep", "--out", "existing.csv"], 1, "existing.csv already exists"),
    (["sweep", "--levels", "25:5"], 2, "levels '25:5' is an empty range"),
    (
        ["sweep", "--levels", "1000000000"],
        2,
        "levels '1000000000': every number of levels must be at most 1000",
    ),
    (
        ["sweep", "--levels", "1"],
        2,
        "levels '1': every number of levels must be at least 2",
    ),
    (["sweep", "--levels", "a:b"], 2, "levels 'a:b': use 5:25"),
    (["sweep", "--methods", ","], 1, "--methods ',' names no method"),
    (["sweep", "--methods", "best"], 1, "unknown method 'best'"),
    (["sweep", "--device", "Nope"], 1, "unknown device 'Nope'"),
    (
        ["sweep", "--weights", "results.csv"],
        1,
        "results.csv is not a readable weights file: it is a text file",
    ),
    (
        ["sweep", "--weights", "x.npy"],
        1,
        "x.npy is not a readable weights file: it is a .npy array file",
    ),
    (["sweep", "--weights", "absent.npz"], 1, "no weights file at absent.npz"),
    (["sweep", "--weights", "nobias.npz"], 1, "nobias.npz: missing b1, b2"),
    (["sweep", "--weights", "list.npz"], 1, "list.json must hold a JSON object"),
    (["sweep", "--weights", "complex.npz"], 1, "complex.npz: W1 must be real numbers"),
    (["sweep", "--seed", "99"], 1, "no cached weights paper-seed99.npz"),
    (["sweep", "--hidden", "0"], 1, "hidden must be at least 1"),
    (["sweep", "--hidden", "100000"], 1, "hidden must be at most 4096, got 100000"),
    (["train", "--hidden", "100000"], 1, "hidden must be at most 4096, got 100000"),
    (["sweep", "--mapping", "single"], 2, "invalid choice: 'single'"),
]


@pytest.mark.parametrize(
    "argv, status, text", CLI, ids=[" ".join(a) for a, _, _ in CLI]
)
def test_cli(argv, status, text, inputs, monkeypatch, capsys, checkout_unchanged):
    monkeypatch.setattr(
        model, "train", lambda *a, **k: pytest.fail("training started before the error")
    )
    monkeypatch.setattr(
        evaluate,
        "sweep",
        lambda *a, **k: pytest.fail("the sweep started before the error"),
    )
    if status == 2:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
    else:
        assert main(argv) == status
    err = capsys.readouterr().err
    assert text in err
    if status == 1:  # one line, never a traceback
        assert (
            err.startswith("error: ")
            and err.count("\n") == 1
            and "Traceback" not in err
        )


# fit: (argv after "fit", text of the one-line error: it names the file); each is
# refused before the bootstrap (replaced by a failure) and writes no device file
FIT = [
    (["--potentiation", "bump.csv"], "bump.csv: the potentiation branch has no clear"),
    (
        ["--potentiation", "rise-fall.csv"],
        "rise-fall.csv: the potentiation branch rises",
    ),
    (
        ["--potentiation", "noise.csv"],
        "noise.csv: the potentiation branch has no clear",
    ),
    (["--potentiation", "step.csv"], "step.csv: the best curve of NeuroSim's model is"),
    (
        ["--potentiation", "huge.csv"],
        "huge.csv: row 2: conductance 1e+300 S is above 1",
    ),
    (["--potentiation", "span.csv"], "span.csv: the potentiation branch spans 5.9e+13"),
    (["--potentiation", "constant.csv"], "constant.csv: the conductance is 1e-07 S on"),
    (["--potentiation", "three.csv"], "three.csv: the potentiation branch has 3 data"),
    (["--potentiation", "negative.csv"], "negative.csv: row 2: conductance -5e-08 S"),
    (["--potentiation", "nan-mid.csv"], "nan-mid.csv: row 32: conductance is nan"),
    (["--potentiation", "current.csv"], "current.csv: the values are read currents"),
    (
        ["--potentiation", "rise.csv", "--read-voltage", "0.1"],
        "rise.csv: the header says the values are conductances",
    ),
    (["--potentiation", "wide-gap.csv"], "wide-gap.csv: column 'run2', row 6: empty"),
    (
        ["--potentiation", "wide-units.csv"],
        "wide-units.csv: the columns have different",
    ),
    (["--depression", "rise.csv", "--potentiation", "absent.csv"], "absent.csv"),
    (
        ["--potentiation", "rise.csv", "--bootstrap", "1000000000"],
        "--bootstrap 1000000000: use 0 (no intervals) to 100000",
    ),
    (
        ["--potentiation", "rise.csv", "--layout", "wide", "--pulse-column", "1"],
        "rise.csv: column options name a long file's columns",
    ),
    (
        ["--potentiation", "rise.csv", "--value-column", "G"],
        "rise.csv: no value column named 'G'",
    ),
]


@pytest.mark.parametrize("argv, text", FIT, ids=[" ".join(a) for a, _ in FIT])
def test_cli_fit(argv, text, inputs, monkeypatch, capsys, checkout_unchanged):
    monkeypatch.setattr(
        fit, "_bootstrap", lambda *a, **k: pytest.fail("the bootstrap started")
    )
    assert main(["fit", *argv, "--name", "x", "--out", "d.json"]) == 1
    err = capsys.readouterr().err
    assert text in err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_weights_file_sets_recipe_and_seed(
    tmp_path, monkeypatch, capsys, mnist, checkout_unchanged
):
    monkeypatch.chdir(tmp_path)
    meta = {**PAPER_META, "seed": 7, "tag": "paper"}
    model.save_weights("seven.npz", model.load_weights(DEFAULT_WEIGHTS)[0], meta)
    assert (
        main(["sweep", "--weights", "seven.npz", "--levels", "5", "--out", "r.csv"])
        == 0
    )
    assert {r["seed"] for r in evaluate.read_csv("r.csv")} == {7}


def test_the_table_is_long_enough():
    assert len(API) + len(CLI) + len(FIT) + 2 >= 80


# papermill: the results chapter refuses bad parameters before any sweep (about 10 s
# each)
PAPERMILL = [
    (["-p", "levels_min", "30"], "levels_min=30"),
    (["-p", "device", "Nope"], "Nope"),
]


@pytest.mark.book
@pytest.mark.parametrize(
    "params, text", PAPERMILL, ids=[" ".join(p) for p, _ in PAPERMILL]
)
def test_papermill(params, text, tmp_path, checkout_unchanged):
    papermill = Path(sys.executable).parent / "papermill"
    if not papermill.exists():
        pytest.skip("papermill is not installed")
    done = subprocess.run(
        [
            str(papermill),
            str(ROOT / "chapters" / "results.ipynb"),
            str(tmp_path / "out.ipynb"),
            *params,
            "--cwd",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode != 0
    assert text in done.stderr


# --- the surfaces of issue 22: device files, sweeps, the student edition, chapters --


def _tree(folder: Path) -> dict:
    """Every file and folder under ``folder`` with its mtime (what a bad input must
    leave as it was)."""
    return {
        str(p.relative_to(folder)): p.lstat().st_mtime_ns for p in folder.rglob("*")
    }


@pytest.fixture
def device_files(inputs):
    """Bad device files, made in a folder of their own (the current folder)."""
    folder = inputs.parent / f"{inputs.name}-devices"
    folder.mkdir(exist_ok=True)
    good = devices.get("PCMO").to_dict()
    for name, change in {
        "billion.json": {"states": 1000000000},
        "huge.json": {"states": 1e300},
        "half.json": {"states": 50.5},
        "curvy.json": {"nl_increase": 50},
    }.items():
        (folder / name).write_text(json.dumps({**good, "name": name, **change}))
    (folder / "latin1.json").write_bytes('{"name": "caf\xe9"}'.encode("latin-1"))
    (folder / "pcmo.json").write_text(json.dumps(good))
    (folder / "existing.csv").write_text("x\n")
    (folder / "afile").write_text("a file, not a folder")
    (folder / "folder").mkdir(exist_ok=True)
    return folder


# (file, text of the error: it names the file and the field)
DEVICE_FILES = [
    ("billion.json", "device field states=1000000000: states must be an integer from"),
    ("huge.json", "device field states=1e+300: states must be an integer from 2 to"),
    ("half.json", "device field states=50.5"),
    ("curvy.json", "device field nl_increase=50"),
    ("latin1.json", "latin1.json: not a text file"),
]


@pytest.mark.parametrize("name, text", DEVICE_FILES, ids=[n for n, _ in DEVICE_FILES])
def test_device_file(name, text, device_files, monkeypatch, capsys, checkout_unchanged):
    """Through the API and through ``sweep --device``, before any array is made."""
    monkeypatch.chdir(device_files)
    before = _tree(device_files)
    with pytest.raises(devices.DeviceFileError) as info:
        devices.get(name)
    assert text in str(info.value) and name in str(info.value)
    monkeypatch.setattr(
        evaluate, "sweep", lambda *a, **k: pytest.fail("the sweep started")
    )
    assert main(["sweep", "--device", name, "--weights", str(DEFAULT_WEIGHTS)]) == 1
    err = capsys.readouterr().err
    assert name in err and text in err
    assert _tree(device_files) == before


# python -m synquant.book.sweeps: (argv, text of the one-line error)
SWEEPS = [
    (["--seeds", "0", "0"], "--seeds names 0 more than once"),
    (["--devices", "PCMO", "PCMO"], "--devices names PCMO more than once"),
    (["--devices", "PCMO", "pcmo"], "--devices names PCMO and pcmo more than once"),
    (["--devices", "pcmo.json", "pcmo.json"], "--devices names pcmo.json more than"),
    (["--devices", "billion.json"], "billion.json: device field states=1000000000"),
    (["--devices", "Nope"], "unknown device 'Nope'"),
    (["--collect", "/proc/x.csv"], "cannot write /proc/x.csv"),
    (["--collect", "existing.csv"], "existing.csv already exists"),
    (["--collect", "folder"], "folder is a directory"),
    (["--collect", "afile/x.csv"], "cannot write afile/x.csv: afile is a file"),
    (["--workers", "0"], "workers=0"),
    (
        ["--seeds", "7", "--scheduler", "127.0.0.1:1"],
        "--scheduler 127.0.0.1:1: no Dask scheduler answered there within 1 s",
    ),
]


@pytest.mark.parametrize("argv, text", SWEEPS, ids=[" ".join(a) for a, _ in SWEEPS])
def test_sweeps(argv, text, device_files, monkeypatch, capsys, checkout_unchanged):
    """Each refused before any training or notebook run, within a few seconds."""
    monkeypatch.chdir(device_files)
    before = _tree(device_files)
    monkeypatch.setattr(sweeps, "CONNECT_TIMEOUT", 1)
    monkeypatch.setattr(
        model, "load_or_train", lambda *a, **k: pytest.fail("training started")
    )
    for runner in ("_sequential", "run_one"):
        monkeypatch.setattr(
            sweeps, runner, lambda *a, **k: pytest.fail("a notebook run started")
        )
    start = time.perf_counter()
    assert sweeps.main(argv) == 1
    assert time.perf_counter() - start < 15
    err = capsys.readouterr().err
    assert text in err and err.startswith("error: ") and "Traceback" not in err
    assert _tree(device_files) == before


def _book(folder: Path) -> tuple[Path, Path]:
    """A one-chapter book at ``folder`` with a built book beside its sources
    (``_build/html``, ``_build/jupyter_execute`` holding the executed chapter)."""
    from tests.test_student import fixture_chapter

    (folder / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(), folder / "chapters" / "tiny.ipynb")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: chapters/tiny\n")
    (folder / "_config.yml").write_text("title: Tiny\n")
    executed = folder / "_build" / "jupyter_execute"
    (executed / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(executed=True), executed / "chapters" / "tiny.ipynb")
    (folder / "unrun" / "chapters").mkdir(parents=True)
    nbformat.write(fixture_chapter(), folder / "unrun" / "chapters" / "tiny.ipynb")
    (folder / "_build" / "html").mkdir()
    (folder / "_build" / "html" / "index.html").write_text("the built book")
    (folder / "other").mkdir()
    (folder / "other" / "notes.txt").write_text("someone's notes")
    (folder / "a_file").write_text("a file")
    return folder, executed


# the student edition: (DST, --executed, text of the error); "" leaves --executed out.
# Paths are relative to the book's folder, the current folder.
STUDENT = [
    ("_build", "_build/jupyter_execute", "_build holds"),
    (".", "_build/jupyter_execute", "holds"),
    ("chapters", "_build/jupyter_execute", "chapters holds"),
    ("chapters/student", "_build/jupyter_execute", "lies in"),
    ("_build/html", "_build/jupyter_execute", "_build/html holds"),
    ("_build/html/student", "_build/jupyter_execute", "_build/html: the student"),
    ("_build/jupyter_execute/s", "_build/jupyter_execute", "lies in"),
    ("other", "_build/jupyter_execute", "other is not empty and holds no student"),
    ("a_file", "_build/jupyter_execute", "a_file is a file"),
    ("_build/student", "_build/missing", "_build/missing: no such folder"),
    ("_build/student", "other", "lacks the executed chapter(s) chapters/tiny.ipynb"),
    ("_build/student", "unrun", "chapters/tiny.ipynb was never executed"),
    ("_build/student", "", "the following arguments are required: --executed"),
]


@pytest.mark.parametrize("dst, executed, text", STUDENT, ids=[s[0] for s in STUDENT])
def test_student(dst, executed, text, tmp_path, monkeypatch, capsys):
    """Refused before anything is written or deleted."""
    src, _ = _book(tmp_path / "book")
    monkeypatch.chdir(src)
    before = _tree(tmp_path)
    argv = ["student", ".", dst] + (["--executed", executed] if executed else [])
    if executed:
        assert student.main(argv) == 1
    else:
        with pytest.raises(SystemExit) as exit_:
            student.main(argv)
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert text in err
    assert _tree(tmp_path) == before, "the student command changed the book's folder"


def test_student_writes_beside_the_built_book(tmp_path, monkeypatch):
    """The good case of the table's folders: _build/student/src, written twice."""
    src, executed = _book(tmp_path / "book")
    monkeypatch.chdir(src)
    argv = ["student", ".", "_build/student/src", "--executed", str(executed)]
    assert student.main(argv) == 0 and student.main(argv) == 0
    assert (src / "_build" / "html" / "index.html").read_text() == "the built book"
    assert (src / "_build/student/src/chapters/tiny.ipynb").is_file()


# papermill: one run per bad parameter, each must stop in the cell that checks the
# parameters (the one after papermill's injected cell), naming the input, before any
# work; nothing under the checkout or the run's folder changes. About 10 s each.
CHAPTER_PARAMETERS = [
    ("conclusion", ["-p", "batch_recipes", "[nope]"], "'nope' is not one of"),
    ("devices", ["-p", "branch", "sideways"], "'sideways' is not one of"),
    ("devices", ["-p", "device_names", "[PCMO, EpiRAM, PCMO]"], "'PCMO' is given mo"),
    ("conclusion", ["-p", "seeds", "[0, 1, 0]"], "seeds=[0, 1, 0]: 0 is given more"),
    ("index", ["-p", "seed", "abc"], "parameter seed='abc' must be of type int"),
    ("introduction", ["-p", "seed", "1.5"], "parameter seed=1.5 must be of type int"),
    ("nonidealities", ["-p", "nl_spreads", "[0.0, .nan]"], "nl_spreads must be a fin"),
    ("nonidealities", ["-p", "trials", "1000000"], "trials=1000000: use 2 to 1000"),
    ("nonidealities", ["-p", "stuck_fractions", "[2]"], "stuck_fractions must be at"),
    ("optimal_levels", ["-p", "levels_shown", "1"], "parameter levels_shown=1"),
    ("proposed_method", ["-p", "loss", "hinge"], "'hinge' is not one of"),
    ("reproduction_notes", ["-p", "recipes", "[fast]"], "'fast' is not one of"),
    ("results", ["-p", "levels_min", "5", "-p", "levels_max", "6"], "levels_max=6:"),
    ("results", ["-p", "levels_max", "1000000000"], "levels_max=1000000000"),
    ("results", ["-p", "results_dir", "/proc"], "results_dir /proc: /proc does not"),
    ("results", ["-p", "device", "billion.json"], "device field states=1000000000"),
    ("your_device", ["-p", "out", "existing.json"], "existing.json already exists"),
    ("your_device", ["-p", "out", "/proc/d.json"], "cannot write /proc/d.json"),
    ("your_device", ["-p", "out", "d.txt"], "out='d.txt': name the device file"),
]


@pytest.mark.book
@pytest.mark.parametrize(
    "chapter, params, text",
    CHAPTER_PARAMETERS,
    ids=[f"{c} {' '.join(p[1:])}" for c, p, _ in CHAPTER_PARAMETERS],
)
def test_chapter_parameters(chapter, params, text, tmp_path, checkout_unchanged):
    papermill = Path(sys.executable).parent / "papermill"
    if not papermill.exists():
        pytest.skip("papermill is not installed")
    work = tmp_path / "work"
    work.mkdir()
    (work / "existing.json").write_text("{}")
    good = {**devices.get("PCMO").to_dict(), "states": 1000000000}
    (work / "billion.json").write_text(json.dumps(good))
    before = _tree(work)
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [str(papermill), str(ROOT / "chapters" / f"{chapter}.ipynb"), str(out)]
        + [*params, "--cwd", str(work)],
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode != 0
    assert text in done.stderr
    cells = nbformat.read(out, as_version=4).cells
    failed = [
        i
        for i, c in enumerate(cells)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    assert failed, "no cell failed"
    before_failed = [  # papermill puts a cell tagged for its error link before it
        c
        for c in cells[: failed[0]]
        if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
    ]
    tags = before_failed[-1].get("metadata", {}).get("tags", [])
    assert "injected-parameters" in tags, (
        f"{chapter} failed in a later cell, not in the one that checks its parameters"
    )
    assert _tree(work) == before

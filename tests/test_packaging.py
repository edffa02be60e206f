"""A non-editable install carries the default recipe's weights and finds them (issue 8).

The wheel is built from a copy of the sources in a temporary folder (nothing is written
into the checkout), then unpacked with pip into another folder and imported from a
working folder outside the checkout, as a user of ``pip install .`` would.
"""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.environment import ROOT

PACKAGED = sorted(p.name for p in (ROOT / "data" / "weights").glob("paper-seed[0-4].*"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "synquant",
        src / "synquant",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "data" / "weights", src / "data" / "weights")
    (src / "data" / "results").mkdir()
    spread = ROOT / "data" / "results" / "tolerance-seeds.json"
    shutil.copy(spread, src / "data" / "results" / spread.name)
    (src / "data" / "results" / "figure2-x.csv").write_text("not packaged\n")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        cwd=src,
    )
    (found,) = out.glob("synquant-*.whl")
    return found


@pytest.mark.slow
def test_wheel_holds_the_default_weights_and_nothing_else_of_data(wheel):
    assert len(PACKAGED) == 10  # paper-seed0..4, .npz and .json
    names = zipfile.ZipFile(wheel).namelist()
    data = sorted(n for n in names if "/_data/" in n)
    assert data == ["synquant/_data/results/tolerance-seeds.json"] + [
        f"synquant/_data/weights/{p}" for p in PACKAGED
    ]
    assert not any(n.startswith("data/") for n in names)  # no top-level data package


@pytest.mark.slow
def test_installed_package_finds_its_weights_outside_the_checkout(wheel, tmp_path):
    target, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import synquant, synquant.model as m, synquant.evaluate as e\n"
        "w, meta = m.resolve_weights(None, 'paper', 3)\n"
        "print(synquant.__file__, m.weights_path('paper', 3), meta['seed'], "
        "w['W1'].shape, "
        "m.default_dir(), e.results_dir())\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        "SYNQUANT_HOME": str(tmp_path / "home"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    module, path, seed, *rest = done.stdout.split(" ", 3)
    assert (
        module.startswith(str(target))
        and path == f"{target}/synquant/_data/weights/paper-seed3.npz"
    )
    assert seed == "3" and rest[0].startswith("(784, 128)")
    assert (
        f"{tmp_path}/home/weights synquant-results" in done.stdout
    )  # new weights and results: not in site

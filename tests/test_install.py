"""A non-editable install runs a chapter away from the checkout (issue 8.5).

As on Colab or Binder: a wheel built from the checkout, installed without ``-e`` into a
fresh virtual environment, executes the results chapter with papermill from a working
folder outside the checkout, offline (MNIST from ``SYNQUANT_MNIST``), and writes nothing
into the checkout. The fresh environment takes its dependencies from ``.venv`` (a
``.pth`` file naming .venv's site-packages, after its own), so the test needs no network
and installs only the wheel.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from tests.environment import ROOT
from tests.test_commands import _files

pytestmark = pytest.mark.book  # builds, installs or runs chapters: not in `make unit`


def _run(args, **kwargs):
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, **kwargs
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} exited "
        f"{done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    return done


def _state() -> dict[str, str]:
    """Every file of the checkout that git sees (tracked or new) with its digest."""
    return {
        name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()
        for name in _files(ROOT)
    }


def test_a_wheel_in_a_fresh_environment_runs_the_results_chapter(tmp_path):
    if not os.environ.get("SYNQUANT_MNIST"):
        pytest.skip("no offline MNIST: set SYNQUANT_MNIST")
    before = _state()
    # the wheel, built from a copy so that the build's own files stay out of the
    # checkout
    source = tmp_path / "source"
    for name in _files(ROOT):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            tmp_path / "dist",
            source,
        ]
    )
    (wheel,) = (tmp_path / "dist").glob("synquant-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    # the dependencies: .venv's site-packages, after the fresh one (its .pth files, the
    # editable synquant among them, are not read from there)
    (
        tmp_path / "venv" / site.split(str(venv) + "/", 1)[1] / "dependencies.pth"
    ).write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            wheel,
        ]
    )
    _run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"])

    work = tmp_path / "work"
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH"}
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        KERAS_HOME=str(tmp_path / "keras"),
    )
    where = _run(
        [python, "-c", "import synquant; print(synquant.__file__)"], cwd=work, env=env
    ).stdout.strip()
    assert where.startswith(site), (
        f"synquant imported from {where}, not from the fresh install"
    )

    shutil.copy2(
        ROOT / "chapters" / "results.ipynb", work / "results.ipynb"
    )  # as downloaded
    _run(
        [
            python,
            "-m",
            "papermill",
            "results.ipynb",
            "out.ipynb",
            "-k",
            "python3",
            "--cwd",
            work,
        ],
        cwd=work,
        env=env,
        timeout=600,
    )
    assert (work / "out.ipynb").is_file()
    after = _state()
    changed = sorted(
        n for n in set(before) | set(after) if before.get(n) != after.get(n)
    )
    assert not changed, f"the run changed the checkout: {changed}"

"""Fixtures shared by the tests; the environment itself is set in
tests/environment.py."""

import hashlib
import os

import numpy as np
import pytest

from tests.environment import ROOT, SHARED_MNIST

DEFAULT_WEIGHTS = ROOT / "data" / "weights" / "paper-seed0.npz"


@pytest.fixture(scope="session")
def mnist():
    """((x_train, y_train), (x_test, y_test)) from the offline copy; skips without
    one."""
    from synquant import data

    if not os.environ.get("SYNQUANT_MNIST"):
        pytest.skip(
            "no offline MNIST: set SYNQUANT_MNIST to a Keras-layout mnist.npz "
            f"({SHARED_MNIST})"
        )
    return data.load_mnist()


@pytest.fixture(scope="session")
def trained():
    """The committed weights of the default recipe, seed 0, and their metadata."""
    from synquant import model

    return model.load_weights(DEFAULT_WEIGHTS)


def random_weight_set(seed: int = 0) -> dict:
    """A weight set of the right shapes from a seeded generator (no training needed)."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 0.05, (784, 128)).astype(np.float32),
        "b1": rng.normal(0, 0.05, 128).astype(np.float32),
        "W2": rng.normal(0, 0.2, (128, 10)).astype(np.float32),
        "b2": rng.normal(0, 0.1, 10).astype(np.float32),
    }


@pytest.fixture
def random_weights():
    """A fresh :func:`random_weight_set` for each test (tests may change it)."""
    return random_weight_set()


def _data_files() -> dict[str, str]:
    """Every file under data/, ignored ones included, with its digest."""
    return {
        str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((ROOT / "data").rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session", autouse=True)
def data_left_as_found():
    """A test run leaves data/ as it found it: no new file, no changed one (ignored
    folders included)."""
    before = _data_files()
    yield
    after = _data_files()
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in before if k in after and after[k] != before[k])
    assert not added and not changed, f"tests left in data/: {added + changed}"

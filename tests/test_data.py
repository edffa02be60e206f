import numpy as np
import pytest

from synquant import data


def test_load_mnist_shapes_and_range(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.uint8
    assert 0 <= x_test.min() and x_test.max() == 1
    assert sorted(np.unique(y_test)) == list(range(10))
    with pytest.raises(ValueError):
        x_test[0, 0] = 1  # cached and shared, so read-only


def _write(path, arrays):
    np.savez(path, **arrays)
    return path


@pytest.fixture
def raw(mnist):
    (x_train, y_train), (x_test, y_test) = mnist

    def to_u8(x):
        return np.round(x * 255).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "x_train": to_u8(x_train),
        "y_train": y_train,
        "x_test": to_u8(x_test),
        "y_test": y_test,
    }


def test_checksums_identify_the_arrays(raw):
    for key, digest in data.CHECKSUMS.items():
        assert data.checksum(raw[key]) == digest


def test_missing_file(monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "nowhere.npz"))
    with pytest.raises(
        data.MNISTError, match="does not name a file: set SYNQUANT_MNIST"
    ):
        data.load_mnist()


def test_corrupt_file_fails_checksum(monkeypatch, tmp_path, raw):
    raw = dict(raw, y_test=raw["y_test"].copy())
    raw["y_test"][0] ^= 1
    monkeypatch.setenv(data.ENV_VAR, str(_write(tmp_path / "bad.npz", raw)))
    with pytest.raises(
        data.MNISTError, match="y_test .* does not match the standard MNIST checksum"
    ):
        data.load_mnist()


def test_truncated_file(monkeypatch, tmp_path, raw):
    good = _write(tmp_path / "good.npz", raw)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:100_000])
    monkeypatch.setenv(data.ENV_VAR, str(cut))
    with pytest.raises(data.MNISTError, match="not a readable .npz file"):
        data.load_mnist()


def test_missing_arrays(monkeypatch, tmp_path, raw):
    monkeypatch.setenv(
        data.ENV_VAR, str(_write(tmp_path / "part.npz", {"x_train": raw["x_train"]}))
    )
    with pytest.raises(
        data.MNISTError, match="lacks the arrays x_test, y_test, y_train"
    ):
        data.load_mnist()


def test_pickled_arrays_are_never_loaded(monkeypatch, tmp_path, raw):
    arrays = dict(raw, y_test=np.array([object()] * 3, dtype=object))
    monkeypatch.setenv(data.ENV_VAR, str(_write(tmp_path / "pickle.npz", arrays)))
    with pytest.raises(data.MNISTError, match="not a readable .npz file"):
        data.load_mnist()


def test_no_file_and_no_network(monkeypatch, tmp_path):
    import keras

    def offline():
        raise OSError("network is unreachable")

    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setattr(data, "PROJECT_FILE", tmp_path / "mnist.npz")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(
        data.MNISTError,
        match="could not be downloaded .*network is unreachable.*set SYNQUANT_MNIST",
    ):
        data.load_mnist()


def test_npy_file_named_as_mnist(monkeypatch, tmp_path, raw):
    np.save(tmp_path / "x.npy", raw["x_test"])
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "x.npy"))
    with pytest.raises(
        data.MNISTError,
        match=r"x.npy is not a readable .npz file \(it is a .npy array file\)",
    ):
        data.load_mnist()

"""MNIST as flat float arrays, checked against known checksums.

Where the file comes from, first found wins:

1. the path in the environment variable ``SYNQUANT_MNIST`` (tests and CI set it);
2. ``data/mnist.npz`` in the project (put a copy there to work offline; never commit
   it);
3. Keras' own download (``keras.datasets.mnist``), when the machine is online.

Whatever the source, the four arrays must match the SHA-256 checksums of the standard
MNIST arrays. The file is read with ``allow_pickle=False``: nothing is ever unpickled.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from .files import ROOT

__all__ = [
    "load_mnist",
    "mnist_path",
    "checksum",
    "CHECKSUMS",
    "ENV_VAR",
    "PROJECT_FILE",
]

ENV_VAR = "SYNQUANT_MNIST"
PROJECT_FILE = ROOT / "data" / "mnist.npz"

#: SHA-256 of each array's bytes in C order, as in the standard Keras layout.
CHECKSUMS = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}

HOW_TO_PROVIDE = (
    f"set {ENV_VAR} to the path of a Keras-layout mnist.npz, copy one to "
    f"{PROJECT_FILE}, "
    "or run once with network access so that Keras can download it"
)


class MNISTError(RuntimeError):
    """MNIST is missing, unreadable or not the standard arrays."""


def checksum(array: np.ndarray) -> str:
    """SHA-256 hex digest of an array's bytes in C order."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def mnist_path() -> Path | None:
    """The local MNIST file to use, or None when Keras should download it.

    Raises MNISTError when ``SYNQUANT_MNIST`` names a file that does not exist.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise MNISTError(f"{ENV_VAR}={env} does not name a file: {HOW_TO_PROVIDE}")
        return path
    return PROJECT_FILE if PROJECT_FILE.is_file() else None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as f:
            head = f.read(6)
        what = (
            "it is a .npy array file"
            if head == b"\x93NUMPY"
            else "not a zip archive, or a truncated one"
        )
        raise MNISTError(
            f"{path} is not a readable .npz file ({what}); MNIST is a Keras-layout "
            "mnist.npz "
            f"with x_train, y_train, x_test, y_test: {HOW_TO_PROVIDE}"
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = set(CHECKSUMS) - set(f.files)
            if missing:
                raise MNISTError(
                    f"{path} lacks the arrays {', '.join(sorted(missing))}: "
                    f"{HOW_TO_PROVIDE}"
                )
            return {key: f[key] for key in CHECKSUMS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise MNISTError(
            f"{path} is not a readable .npz file ({err}): {HOW_TO_PROVIDE}"
        ) from err


def _download() -> dict[str, np.ndarray]:
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as err:  # no network, no keras: say what to do instead
        raise MNISTError(
            f"MNIST was not found locally and could not be downloaded ({err}): "
            f"{HOW_TO_PROVIDE}"
        ) from err
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _verify(arrays: dict[str, np.ndarray], source: str) -> None:
    for key, digest in CHECKSUMS.items():
        a = arrays[key]
        if a.shape != SHAPES[key] or a.dtype != np.uint8 or checksum(a) != digest:
            raise MNISTError(
                f"{source}: array {key} (shape {a.shape}, dtype {a.dtype}) does not "
                "match the "
                "standard MNIST checksum; the file is corrupt or not MNIST: "
                f"{HOW_TO_PROVIDE}"
            )


@functools.lru_cache(maxsize=2)
def _load(
    path: Path | None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    arrays = _download() if path is None else _read_npz(path)
    _verify(arrays, str(path) if path else "Keras' download")
    flat = {
        k: (arrays[k].reshape(len(arrays[k]), 784).astype(np.float32) / np.float32(255))
        for k in ("x_train", "x_test")
    }
    for a in (*flat.values(), arrays["y_train"], arrays["y_test"]):
        a.setflags(write=False)  # cached and shared: nobody may change them
    return (flat["x_train"], arrays["y_train"]), (flat["x_test"], arrays["y_test"])


def load_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST as ``((x_train, y_train), (x_test, y_test))``.

    ``x``: float32, shape (N, 784), pixel / 255 in [0, 1]; ``y``: uint8 labels, shape
    (N,).
    N is 60,000 for training and 10,000 for test. The arrays are read-only and cached.
    Raises MNISTError, saying how to provide the file, when it is missing or corrupt.
    """
    return _load(mnist_path())


def mnist_checksum() -> str:
    """One SHA-256 over the four array checksums: names the data a network was trained
    on."""
    return hashlib.sha256(
        "".join(CHECKSUMS[k] for k in sorted(CHECKSUMS)).encode()
    ).hexdigest()

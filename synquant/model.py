"""The paper's 784-128-10 ReLU network: its training recipe, training, and its weight files.

The paper states the layer sizes, ReLU, a learning rate of 0.5 and 200 epochs. Every
other choice is a field of :class:`Recipe` with a documented default; the defaults were
chosen by the search described in the book's reproduction notes.

Weight files: ``data/weights/<recipe>-seed<k>.npz`` with float32 arrays ``W1`` (784, 128),
``b1`` (128,), ``W2`` (128, 10), ``b2`` (10,) (a network without biases stores zeros),
and a JSON sidecar with the recipe, seed, epochs, test accuracy, package versions and the
MNIST checksum. Files are written atomically and never overwritten unless forced.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data
from .files import atomic_write, check_new

__all__ = [
    "Recipe",
    "RECIPES",
    "SHAPES",
    "WeightsError",
    "check_weights",
    "build",
    "train",
    "save_weights",
    "load_weights",
    "weights_path",
    "load_or_train",
    "resolve_weights",
    "WEIGHTS_DIR",
]

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "data" / "weights"
SHAPES = {"W1": (784, 128), "b1": (128,), "W2": (128, 10), "b2": (10,)}


class WeightsError(ValueError):
    """A weights file is missing, unreadable or not a 784-128-10 network."""


@dataclass(frozen=True)
class Recipe:
    """How the network is trained. The paper fixes ``learning_rate`` and ``epochs``.

    Attributes:
        name: names the weight files; a recipe that differs from the registered one of
            the same name gets a hash of its fields appended (see :attr:`tag`).
        learning_rate: plain SGD step size (paper: 0.5).
        epochs: passes over the 60,000 training images (paper: 200).
        batch_size: images per SGD step (not stated; 20,000 lands the paper's software
            accuracy, see the reproduction notes).
        loss: "crossentropy" (softmax output) or "mse" (linear output, one-hot targets).
        initializer: Keras initializer of both weight matrices.
        use_bias: whether the two layers have biases (initialized to zero).
        momentum: SGD momentum (not stated; 0 is plain SGD).
    """

    name: str = "paper"
    learning_rate: float = 0.5
    epochs: int = 200
    batch_size: int = 20000
    loss: str = "crossentropy"
    initializer: str = "glorot_uniform"
    use_bias: bool = True
    momentum: float = 0.0

    def __post_init__(self):
        if self.loss not in ("crossentropy", "mse"):
            raise ValueError(f"unknown loss {self.loss!r}: use 'crossentropy' or 'mse'")
        for field in ("epochs", "batch_size"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field} must be a positive integer, got {value!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        if not self.name or not all(c.isalnum() or c in "-_." for c in self.name):
            raise ValueError(f"recipe name {self.name!r} must be letters, digits, '-', '_' or '.'")

    @property
    def tag(self) -> str:
        """File-name stem: the name, plus a hash of the fields when they differ from the registered recipe."""
        if RECIPES.get(self.name) == self:
            return self.name
        fields = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return f"{self.name}-{hashlib.sha256(fields.encode()).hexdigest()[:8]}"

    def replace(self, **changes) -> "Recipe":
        """A copy with some fields changed; unknown fields raise a clear error."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(
                f"unknown recipe field(s) {', '.join(sorted(unknown))}: use "
                f"{', '.join(f.name for f in dataclasses.fields(self))}"
            )
        return dataclasses.replace(self, **changes)


#: Registered recipes by name. "paper" is the default of the book; the others are the
#: variants that the reproduction notes compare with it, one unstated choice changed each.
RECIPES: dict[str, Recipe] = {
    "paper": Recipe(),
    **{f"batch-{b}": Recipe(name=f"batch-{b}", batch_size=b) for b in (100, 1000, 5000, 10000, 15000, 30000, 60000)},
    "mse": Recipe(name="mse", loss="mse"),
    "no-bias": Recipe(name="no-bias", use_bias=False),
    "he-init": Recipe(name="he-init", initializer="he_normal"),
}


def get_recipe(recipe: str | Recipe = "paper") -> Recipe:
    """A registered recipe by name; a Recipe passes through."""
    if isinstance(recipe, Recipe):
        return recipe
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}: use one of {', '.join(RECIPES)}")
    return RECIPES[recipe]


def build(recipe: Recipe | str = "paper"):
    """The 784-128-10 ReLU network as an uncompiled ``keras.Sequential``."""
    import keras

    recipe = get_recipe(recipe)
    output = "softmax" if recipe.loss == "crossentropy" else None
    return keras.Sequential(
        [
            keras.Input((SHAPES["W1"][0],)),
            keras.layers.Dense(SHAPES["W1"][1], activation="relu", use_bias=recipe.use_bias,
                               kernel_initializer=recipe.initializer, name="hidden"),
            keras.layers.Dense(SHAPES["W2"][1], activation=output, use_bias=recipe.use_bias,
                               kernel_initializer=recipe.initializer, name="output"),
        ],
        name="mlp_784_128_10",
    )


def _weights_of(model) -> dict[str, np.ndarray]:
    hidden, output = model.get_layer("hidden"), model.get_layer("output")
    out = {}
    for k, layer in (("1", hidden), ("2", output)):
        out["W" + k] = np.asarray(layer.kernel, dtype=np.float32)
        bias = layer.bias if layer.use_bias else np.zeros(layer.units)
        out["b" + k] = np.asarray(bias, dtype=np.float32)
    return out


def _progress(epochs: int):
    """A one-line progress bar over epochs, shown only in a terminal."""
    import keras

    class EpochBar(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = keras.utils.Progbar(epochs, unit_name="epoch")

        def on_epoch_end(self, epoch, logs=None):
            self.bar.update(epoch + 1, [(k, v) for k, v in (logs or {}).items()])

    return [EpochBar()] if sys.stdout.isatty() else []


def train(recipe: Recipe | str = "paper", seed: int = 0, epochs: int | None = None) -> tuple[dict, dict]:
    """Train the network on MNIST; deterministic for a seed on a given machine.

    Returns ``(weights, meta)``: the arrays of :data:`SHAPES` (float32) and a dict with the
    recipe, seed, epochs, test accuracy (fraction), package versions and data checksum.
    ``epochs`` overrides the recipe's count (for quick runs and tests).
    """
    import keras

    recipe = get_recipe(recipe)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    epochs = recipe.epochs if epochs is None else epochs
    (x_train, y_train), (x_test, y_test) = data.load_mnist()

    keras.utils.set_random_seed(int(seed))
    net = build(recipe)
    if recipe.loss == "crossentropy":
        loss, targets = "sparse_categorical_crossentropy", y_train
    else:
        loss, targets = "mean_squared_error", np.eye(10, dtype=np.float32)[y_train]
    net.compile(optimizer=keras.optimizers.SGD(recipe.learning_rate, momentum=recipe.momentum), loss=loss)
    net.fit(x_train, targets, batch_size=recipe.batch_size, epochs=epochs, shuffle=True, verbose=0,
            callbacks=_progress(epochs))

    weights = _weights_of(net)
    predicted = np.argmax(net.predict(x_test, batch_size=len(x_test), verbose=0), axis=1)
    meta = {
        "recipe": dataclasses.asdict(recipe),
        "tag": recipe.tag,
        "seed": int(seed),
        "epochs": int(epochs),
        "test_accuracy": float(np.mean(predicted == y_test)),
        "versions": _versions(),
        "mnist_sha256": data.mnist_checksum(),
    }
    return weights, meta


def _versions() -> dict[str, str]:
    import jax
    import keras

    return {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
            "jax": jax.__version__, "backend": keras.backend.backend(), "machine": platform.machine()}


def weights_path(recipe: Recipe | str = "paper", seed: int = 0, directory: Path | str | None = None) -> Path:
    """``<directory>/<recipe tag>-seed<seed>.npz`` (directory defaults to data/weights)."""
    return Path(directory or WEIGHTS_DIR) / f"{get_recipe(recipe).tag}-seed{int(seed)}.npz"


def check_weights(weights: dict, source: str = "weights") -> dict[str, np.ndarray]:
    """The weight set as float32 arrays of :data:`SHAPES` (missing biases as zeros).

    Raises WeightsError, naming ``source``, for a missing matrix, a wrong shape or NaN values.
    """
    missing = {"W1", "W2"} - set(weights)
    if missing:
        raise WeightsError(f"{source}: missing {', '.join(sorted(missing))}; a weight set needs W1, b1, W2, b2")
    out = {}
    for key, shape in SHAPES.items():
        a = np.asarray(weights[key], dtype=np.float32) if key in weights else np.zeros(shape, np.float32)
        if a.shape != shape:
            raise WeightsError(f"{source}: {key} has shape {a.shape}, expected {shape} (a 784-128-10 network)")
        if not np.all(np.isfinite(a)):
            raise WeightsError(f"{source}: {key} contains NaN or infinite values; retrain the network")
        out[key] = a
    return out


def save_weights(path: Path | str, weights: dict, meta: dict | None = None, force: bool = False) -> Path:
    """Save a weight set as ``.npz`` (and ``meta`` as a ``.json`` sidecar), atomically.

    Refuses to overwrite an existing file unless ``force``.
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"weights file must end in .npz, got {path}")
    sidecar = path.with_suffix(".json")
    check_new(path, sidecar, force=force)
    arrays = check_weights(weights, "weights to save")
    atomic_write(path, lambda f: np.savez(f, **arrays))
    if meta is not None:
        atomic_write(sidecar, lambda f: f.write((json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()))
    return path


def load_weights(path: Path | str) -> tuple[dict[str, np.ndarray], dict | None]:
    """Read a weights file: ``(weights, meta)``, meta None when there is no sidecar.

    Raises WeightsError, saying what to do, for a missing, truncated or malformed file.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"no weights file at {path}: train one with `python -m synquant train`")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise WeightsError(
            f"{path} is not a readable weights file ({err}); it may be truncated: "
            "retrain with `python -m synquant train --force`"
        ) from err
    weights = check_weights(arrays, str(path))
    sidecar = path.with_suffix(".json")
    meta = None
    if sidecar.is_file():
        try:
            meta = json.loads(sidecar.read_text())
        except json.JSONDecodeError as err:
            raise WeightsError(f"{sidecar} is not valid JSON ({err}); delete it or retrain") from err
    return weights, meta


def resolve_weights(weights: Path | str | None = None, recipe: Recipe | str = "paper",
                    seed: int = 0) -> tuple[dict[str, np.ndarray], dict | None]:
    """The network a chapter or command runs on: ``(weights, meta)``.

    ``weights``: a weights file of the user's (its metadata names recipe and seed); empty
    or None takes the cached weights of ``recipe`` and ``seed``.
    """
    if weights:
        return load_weights(weights)
    return load_weights(weights_path(recipe, seed))


def load_or_train(recipe: Recipe | str = "paper", seed: int = 0, directory: Path | str | None = None,
                  save: bool = True) -> tuple[dict, dict | None]:
    """Cached weights of a recipe and seed, training (and saving) them when there are none.

    A changed recipe has another :attr:`Recipe.tag`, so it never reads stale weights.
    """
    recipe = get_recipe(recipe)
    path = weights_path(recipe, seed, directory)
    if path.exists():
        return load_weights(path)
    weights, meta = train(recipe, seed)
    if save:
        save_weights(path, weights, meta)
    return weights, meta

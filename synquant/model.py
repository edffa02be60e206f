"""The paper's 784-128-10 ReLU network: its recipe, its training and its weight files.

The paper states the layer sizes, ReLU, a learning rate of 0.5 and 200 epochs. Every
other choice is a field of :class:`Recipe` with a documented default; the defaults were
chosen by the search described in the book's reproduction notes. The hidden width is a
field too (:attr:`Recipe.hidden`, 128 in the paper): every shape check follows the
recipe, or a file's own shapes, 784-H-10 for any H >= 1.

Weight files: ``<recipe tag>-seed<k>.npz`` with float32 arrays ``W1`` (784, H), ``b1``
(H,), ``W2`` (H, 10), ``b2`` (10,) (a network without biases stores zeros) and, in the
same file, the metadata as a JSON string (key :data:`META_KEY`: recipe, seed, epochs,
test accuracy, package versions, MNIST checksum). One file is one unit: it is written by
one atomic rename, so the weights and their metadata can never disagree. A ``.json``
copy of the metadata is written beside it for people to read; it is read back only for
old files that carry no metadata of their own. Files are never overwritten unless
forced.

Where cached weights are found (:func:`weights_dirs`), first found wins:

1. ``data/weights`` of the source checkout, when the package runs from one;
2. the user's cache ``$SYNQUANT_HOME/weights`` (default ``~/.cache/synquant/weights``);
   newly trained weights go there when the package does not run from a checkout;
3. the weights of the default recipe packaged with a (non-editable) install.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import numbers
import os
import platform
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import checks, data
from .files import ROOT, atomic_write, check_writable, in_checkout

__all__ = [
    "Recipe",
    "RECIPES",
    "INITIALIZERS",
    "SHAPES",
    "META_KEY",
    "HOME_VAR",
    "WeightsError",
    "shapes",
    "get_recipe",
    "check_weights",
    "build",
    "train",
    "fit",
    "weights_of",
    "versions",
    "save_weights",
    "load_weights",
    "weights_path",
    "weights_dirs",
    "default_dir",
    "load_or_train",
    "resolve_weights",
    "WEIGHTS_DIR",
    "PACKAGED_DIR",
]

#: ``data/weights`` of the source checkout (it exists only when running from one).
WEIGHTS_DIR = ROOT / "data" / "weights"
#: The default recipe's weights inside an installed package (``pip install .``).
PACKAGED_DIR = Path(__file__).resolve().parent / "_data" / "weights"
#: Environment variable naming the user's synquant folder (cached weights in
# ``weights/``).
HOME_VAR = "SYNQUANT_HOME"
#: Key of the metadata (a JSON string) inside a weights file.
META_KEY = "meta_json"
#: Largest hidden width accepted: 32 times the paper's 128. One evaluation of such a
#: network over the 10 000 test images holds a 10 000 x 4096 float32 hidden layer
#: (164 MB), and its training a batch of 20 000 of them; a wider one (100 000: 4 GB
#: per evaluation, 31 million weights) is almost always a typo. Checked by
#: :class:`Recipe` and :func:`shapes` before any array is made.
MAX_HIDDEN = 4096
#: Keras initializers a recipe may name (checked without building a network; a test
#: checks that Keras knows each of them).
INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "zeros",
    "ones",
)


def shapes(hidden: int = 128) -> dict[str, tuple[int, ...]]:
    """Array shapes of a 784-``hidden``-10 network: ``{"W1", "b1", "W2", "b2"}``."""
    hidden = checks.integer("hidden", hidden, least=1, most=MAX_HIDDEN)
    return {"W1": (784, hidden), "b1": (hidden,), "W2": (hidden, 10), "b2": (10,)}


#: Shapes of the paper's 784-128-10 network.
SHAPES = shapes(128)


class WeightsError(ValueError):
    """A weights file is missing, unreadable, not a 784-H-10 network, or not the recipe
    asked for."""


@dataclass(frozen=True)
class Recipe:
    """How the network is trained. The paper fixes ``learning_rate``, ``epochs`` and
    ``hidden``.

    Attributes:
        name: names the weight files; a recipe that differs from the registered one of
            the same name gets a hash of its fields appended (see :attr:`tag`).
        learning_rate: plain SGD step size (paper: 0.5).
        epochs: passes over the 60,000 training images (paper: 200).
        batch_size: images per SGD step (not stated; 20,000 lands the paper's software
            accuracy, see the reproduction notes).
        loss: "crossentropy" (softmax output) or "mse" (linear output, one-hot targets).
        initializer: Keras initializer of both weight matrices (one of
        :data:`INITIALIZERS`).
        use_bias: whether the two layers have biases (initialized to zero).
        momentum: SGD momentum in [0, 1) (not stated; 0 is plain SGD).
        hidden: width of the hidden layer (paper: 128).
    """

    name: str = "paper"
    learning_rate: float = 0.5
    epochs: int = 200
    batch_size: int = 20000
    loss: str = "crossentropy"
    initializer: str = "glorot_uniform"
    use_bias: bool = True
    momentum: float = 0.0
    hidden: int = 128

    def __post_init__(self):
        if (
            not isinstance(self.name, str)
            or not self.name
            or not all(c.isalnum() or c in "-_." for c in self.name)
        ):
            raise ValueError(
                f"recipe name {self.name!r} must be letters, digits, '-', '_' or '.'"
            )
        checks.number(
            "learning_rate", self.learning_rate, positive=True, hint="e.g. 0.5"
        )
        for field in ("epochs", "batch_size"):
            value = getattr(self, field)
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Integral)
                or value < 1
            ):
                raise ValueError(f"{field} must be a positive integer, got {value!r}")
        checks.choice("loss", self.loss, ("crossentropy", "mse"))
        checks.choice("initializer", self.initializer, INITIALIZERS)
        if not isinstance(self.use_bias, bool):
            raise TypeError(f"use_bias must be True or False, got {self.use_bias!r}")
        momentum = checks.number(
            "momentum", self.momentum, least=0.0, hint="use 0 (plain SGD) up to below 1"
        )
        if momentum >= 1:
            raise ValueError(
                f"momentum must be below 1, got {momentum!r}: use 0 (plain SGD) up to "
                "below 1"
            )
        checks.integer(
            "hidden",
            self.hidden,
            least=1,
            most=MAX_HIDDEN,
            hint=f"a width from 1 to {MAX_HIDDEN} (the paper's is 128)",
        )

    @property
    def tag(self) -> str:
        """File-name stem: the name, plus a hash of the fields when they differ from the
        registered recipe."""
        if RECIPES.get(self.name) == self:
            return self.name
        fields = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return f"{self.name}-{hashlib.sha256(fields.encode()).hexdigest()[:8]}"

    def replace(self, **changes) -> Recipe:
        """A copy with some fields changed; unknown fields raise a clear error."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(
                f"unknown recipe field(s) {', '.join(sorted(unknown))}: use "
                f"{', '.join(f.name for f in dataclasses.fields(self))}"
            )
        return dataclasses.replace(self, **changes)

    def differences(self, other: Recipe) -> list[str]:
        """The fields that differ from ``other``, as ``"epochs 1 (not 200)"``."""
        return [
            f"{f.name} {getattr(self, f.name)!r} (not {getattr(other, f.name)!r})"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]


#: Registered recipes by name. "paper" is the default of the book; the others are the
#: variants that the reproduction notes compare with it, one unstated choice changed
#: each.
RECIPES: dict[str, Recipe] = {
    "paper": Recipe(),
    **{
        f"batch-{b}": Recipe(name=f"batch-{b}", batch_size=b)
        for b in (100, 1000, 5000, 10000, 15000, 30000, 60000)
    },
    "mse": Recipe(name="mse", loss="mse"),
    "no-bias": Recipe(name="no-bias", use_bias=False),
    "he-init": Recipe(name="he-init", initializer="he_normal"),
}


def get_recipe(recipe: str | Recipe = "paper") -> Recipe:
    """A registered recipe by name; a Recipe passes through."""
    if isinstance(recipe, Recipe):
        return recipe
    if not isinstance(recipe, str) or recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}: use one of {', '.join(RECIPES)}")
    return RECIPES[recipe]


def recipe_of(meta: dict | None, source: str = "metadata") -> Recipe | None:
    """The :class:`Recipe` recorded in a weights file's metadata (None when it records
    none)."""
    if not meta or "recipe" not in meta:
        return None
    fields = meta["recipe"]
    if not isinstance(fields, dict):
        raise WeightsError(
            f"{source}: 'recipe' must be a JSON object of recipe fields, got {fields!r}"
        )
    try:
        return Recipe(**fields)
    except (TypeError, ValueError) as err:
        raise WeightsError(
            f"{source}: its recipe is not a valid Recipe ({err}); retrain the network"
        ) from None


def build(recipe: Recipe | str = "paper"):
    """The 784-H-10 ReLU network (H = ``recipe.hidden``) as an uncompiled
    ``keras.Sequential``."""
    import keras

    recipe = get_recipe(recipe)
    output = "softmax" if recipe.loss == "crossentropy" else None
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(
                recipe.hidden,
                activation="relu",
                use_bias=recipe.use_bias,
                kernel_initializer=recipe.initializer,
                name="hidden",
            ),
            keras.layers.Dense(
                10,
                activation=output,
                use_bias=recipe.use_bias,
                kernel_initializer=recipe.initializer,
                name="output",
            ),
        ],
        name=f"mlp_784_{recipe.hidden}_10",
    )


def weights_of(model) -> dict[str, np.ndarray]:
    """The weight set ``{"W1", "b1", "W2", "b2"}`` (float32) of a built 784-H-10 Keras
    network (layers "hidden" and "output"; zeros for absent biases)."""
    hidden, output = model.get_layer("hidden"), model.get_layer("output")
    out = {}
    for k, layer in (("1", hidden), ("2", output)):
        out["W" + k] = np.asarray(layer.kernel, dtype=np.float32)
        bias = layer.bias if layer.use_bias else np.zeros(layer.units)
        out["b" + k] = np.asarray(bias, dtype=np.float32)
    return out


def _loss_fn(loss: str):
    """The per-image loss of a ``loss`` name as Keras' ``compile`` takes it."""
    import keras

    if loss == "sparse_categorical_crossentropy":
        return keras.losses.sparse_categorical_crossentropy
    return keras.losses.mean_squared_error


def fit(
    net, x, targets, recipe: Recipe, loss: str, progress: bool = False
) -> list[float]:
    """Train ``net`` in place by SGD as ``net.fit(x, targets, shuffle=True)`` would.

    The same draws and arithmetic as Keras' ``fit`` (a seed gives the same network, bit
    for bit: the cached weights were trained by ``fit``), without its per-batch work:
    the data stay on the device, and one jitted ``jax.lax.scan`` runs the SGD steps of
    an epoch. Keras' ``fit`` draws one permutation of the images (``np.random``) before
    its first epoch (to build the model on one batch) and one per epoch; so does this.
    A last batch smaller than ``recipe.batch_size`` is one more step, as in ``fit``.

    ``net``: a built Keras model whose forward pass may draw random numbers (Keras
    ``SeedGenerator`` state travels as its non-trainable variables); ``x`` (N, 784)
    float32; ``targets`` (N,) labels or (N, 10) one-hot; ``loss``:
    ``"sparse_categorical_crossentropy"`` or ``"mean_squared_error"``. Returns the mean
    training loss of each epoch.
    """
    import jax
    import jax.numpy as jnp
    import keras

    per_image = _loss_fn(loss)
    optimizer = keras.optimizers.SGD(recipe.learning_rate, momentum=recipe.momentum)
    optimizer.build(net.trainable_variables)
    n, size = len(x), recipe.batch_size
    full = n // size

    def loss_of(trainable, non_trainable, xb, yb):
        out, non_trainable = net.stateless_call(
            trainable, non_trainable, xb, training=True
        )
        return jnp.mean(per_image(yb, out)), non_trainable

    def step(state, xb, yb):
        trainable, non_trainable, opt = state
        (value, non_trainable), grads = jax.value_and_grad(loss_of, has_aux=True)(
            trainable, non_trainable, xb, yb
        )
        trainable, opt = optimizer.stateless_apply(opt, grads, trainable)
        return (trainable, non_trainable, opt), value

    @jax.jit
    def epoch(state, batches, xs, ys):
        return jax.lax.scan(lambda c, i: step(c, xs[i], ys[i]), state, batches)

    last = jax.jit(lambda state, i, xs, ys: step(state, xs[i], ys[i]))

    xs, ys = jnp.asarray(x), jnp.asarray(targets)
    state = (
        [v.value for v in net.trainable_variables],
        [v.value for v in net.non_trainable_variables],
        [v.value for v in optimizer.variables],
    )
    bar = keras.utils.Progbar(recipe.epochs, unit_name="epoch") if progress else None
    np.random.permutation(n)  # the batch Keras' fit draws to build the model
    history = []
    for e in range(recipe.epochs):
        order = np.random.permutation(n).astype(np.int32)
        state, losses = epoch(
            state, jnp.asarray(order[: full * size].reshape(full, size)), xs, ys
        )
        total, count = jnp.sum(losses) * size, full * size
        if full * size < n:
            state, value = last(state, jnp.asarray(order[full * size :]), xs, ys)
            total, count = total + value * (n - full * size), n
        history.append(float(total) / count)
        if bar is not None:
            bar.update(e + 1, [("loss", history[-1])])
    for variable, value in zip(net.trainable_variables, state[0], strict=True):
        variable.assign(value)
    for variable, value in zip(net.non_trainable_variables, state[1], strict=True):
        variable.assign(value)
    return history


def train(
    recipe: Recipe | str = "paper", seed: int = 0, epochs: int | None = None
) -> tuple[dict, dict]:
    """Train the network on MNIST; deterministic for a seed on a given machine.

    Returns ``(weights, meta)``: the arrays of :func:`shapes` (float32) and a dict with
    the
    recipe, its tag, seed, epochs, test accuracy (fraction), package versions and data
    checksum. ``epochs`` overrides the recipe's count (for quick runs and tests): it is
    ``recipe.replace(epochs=epochs)``, so the result carries that recipe's own tag and
    is
    never taken for the registered recipe's network.
    """
    recipe = get_recipe(recipe)
    seed = checks.seed(seed)
    if epochs is not None:
        recipe = recipe.replace(epochs=epochs)
    import keras  # after the checks: importing Keras takes seconds

    (x_train, y_train), (x_test, y_test) = data.load_mnist()

    keras.utils.set_random_seed(seed)
    net = build(recipe)
    if recipe.loss == "crossentropy":
        loss, targets = "sparse_categorical_crossentropy", y_train
    else:
        loss, targets = "mean_squared_error", np.eye(10, dtype=np.float32)[y_train]
    fit(net, x_train, targets, recipe, loss, progress=sys.stdout.isatty())

    weights = weights_of(net)
    predicted = np.argmax(
        net.predict(x_test, batch_size=len(x_test), verbose=0), axis=1
    )
    meta = {
        "recipe": dataclasses.asdict(recipe),
        "tag": recipe.tag,
        "seed": seed,
        "epochs": recipe.epochs,
        "test_accuracy": float(np.mean(predicted == y_test)),
        "versions": versions(),
        "mnist_sha256": data.mnist_checksum(),
    }
    return weights, meta


def versions() -> dict[str, str]:
    """The versions a network was trained with (Python, numpy, Keras, JAX, machine)."""
    import jax
    import keras

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "jax": jax.__version__,
        "backend": keras.backend.backend(),
        "machine": platform.machine(),
    }


def cache_dir() -> Path:
    """The user's folder of trained weights: ``$SYNQUANT_HOME/weights`` or
    ``~/.cache/synquant/weights``."""
    home = os.environ.get(HOME_VAR) or "~/.cache/synquant"
    return Path(home).expanduser() / "weights"


def default_dir() -> Path:
    """Where newly trained weights are saved: the checkout's ``data/weights``, else
    :func:`cache_dir`."""
    return WEIGHTS_DIR if in_checkout() else cache_dir()


def weights_dirs() -> list[Path]:
    """The folders searched for cached weights, in order (see the module docstring)."""
    dirs = [WEIGHTS_DIR] if in_checkout() else []
    dirs.append(cache_dir())
    if PACKAGED_DIR.is_dir():
        dirs.append(PACKAGED_DIR)
    return dirs


def weights_path(
    recipe: Recipe | str = "paper", seed: int = 0, directory: Path | str | None = None
) -> Path:
    """``<directory>/<recipe tag>-seed<seed>.npz``.

    Without ``directory``: the first of :func:`weights_dirs` that holds the file, else
    where a new one is saved (:func:`default_dir`).
    """
    name = f"{get_recipe(recipe).tag}-seed{checks.seed(seed)}.npz"
    if directory is not None:
        return Path(directory) / name
    for folder in weights_dirs():
        if (folder / name).is_file():
            return folder / name
    return default_dir() / name


def check_weights(
    weights: dict, source: str = "weights", recipe: Recipe | str | None = None
) -> dict[str, np.ndarray]:
    """The weight set ``{"W1", "b1", "W2", "b2"}`` as float32 arrays of a 784-H-10
    network.

    ``H`` is ``recipe.hidden`` when a recipe is given, else the width of ``W1``. Biases
    are required unless the recipe says ``use_bias=False`` (then a missing bias is
    zeros). Raises WeightsError, naming ``source``, for a missing array, a wrong shape,
    a non-numeric or complex array, or NaN values.
    """
    if not isinstance(weights, Mapping):
        raise TypeError(
            f"{source} must be a dict of arrays W1, b1, W2, b2, got "
            f"{type(weights).__name__}"
        )
    recipe = None if recipe is None else get_recipe(recipe)
    need = {"W1", "W2"} | ({"b1", "b2"} if recipe is None or recipe.use_bias else set())
    missing = need - set(weights)
    if missing:
        raise WeightsError(
            f"{source}: missing {', '.join(sorted(missing))}; a weight set needs W1, "
            "b1, W2, b2 "
            "(zeros for the biases of a network without them)"
        )
    try:
        w1 = checks.finite_array(f"{source}: W1", weights["W1"])
    except (TypeError, ValueError) as err:
        raise WeightsError(str(err)) from None
    if recipe is not None:
        hidden = recipe.hidden
    elif w1.ndim == 2 and w1.shape[1] > MAX_HIDDEN:
        raise WeightsError(
            f"{source}: W1 has {w1.shape[1]} columns, a hidden layer wider than "
            f"{MAX_HIDDEN} (model.MAX_HIDDEN), which the package does not evaluate"
        )
    elif w1.ndim == 2 and w1.shape[1] >= 1:
        hidden = w1.shape[1]
    else:
        raise WeightsError(
            f"{source}: W1 has shape {w1.shape}, expected (784, H) for a 784-H-10 "
            "network"
        )
    out = {}
    for key, shape in shapes(hidden).items():
        try:
            a = (
                checks.finite_array(f"{source}: {key}", weights[key])
                if key in weights
                else np.zeros(shape)
            )
        except (TypeError, ValueError) as err:
            raise WeightsError(str(err)) from None
        if a.shape != shape:
            why = (
                f"recipe {recipe.tag!r}"
                if recipe is not None
                else f"W1 has {hidden} columns"
            )
            raise WeightsError(
                f"{source}: {key} has shape {a.shape}, expected {shape} (a "
                f"784-{hidden}-10 network: {why})"
            )
        out[key] = a.astype(np.float32)
    return out


def _plain(value, where: str):
    """``value`` with numpy numbers as Python numbers; TypeError if not JSON."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"metadata key {where}{k!r} must be a string")
            out[k] = _plain(v, f"{where}{k}.")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}{i}.") for i, v in enumerate(value)]
    if isinstance(value, (np.generic, np.ndarray)):
        return _plain(value.tolist(), where)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(
            f"metadata {where.rstrip('.')} is {value!r}: JSON has no NaN or infinity"
        )
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"metadata {where.rstrip('.')} is a {type(value).__name__}: metadata must be "
        "JSON "
        "(numbers, strings, lists, dicts)"
    )


def _meta_json(meta: dict) -> str:
    if not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a dict (JSON object), got {type(meta).__name__}")
    return (
        json.dumps(_plain(meta, ""), indent=2, sort_keys=True, allow_nan=False) + "\n"
    )


def save_weights(
    path: Path | str, weights: dict, meta: dict | None = None, force: bool = False
) -> Path:
    """Save a weight set and its metadata as one ``.npz`` file, atomically.

    Everything is checked before anything is written: the path (ends in ``.npz``, can be
    written, neither it nor its ``.json`` exists unless ``force``), the arrays
    (:func:`check_weights`, following ``meta``'s recipe) and the metadata (JSON;
    numpy numbers become Python numbers). The metadata goes into the ``.npz``
    (:data:`META_KEY`), which is renamed into place in one step; then a readable
    ``.json``
    copy is written beside it (with ``meta=None`` a stale one is removed).
    """
    path = checks.path("weights file", path)
    if path.suffix != ".npz":
        raise ValueError(f"weights file must end in .npz, got {path}")
    sidecar = path.with_suffix(".json")
    check_writable(path, sidecar, force=force)
    text = None if meta is None else _meta_json(meta)
    arrays = check_weights(weights, "weights to save", recipe_of(meta, "meta"))
    if text is not None:
        arrays[META_KEY] = np.array(text)
    atomic_write(path, lambda f: np.savez(f, **arrays))
    if text is not None:
        atomic_write(sidecar, lambda f: f.write(text.encode()))
    else:
        sidecar.unlink(missing_ok=True)
    return path


def _not_npz(path: Path) -> str:
    """What a file that is not a readable .npz looks like, for the error message."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"\x93NUMPY"):
        return (
            "it is a .npy array file, not a .npz weight set: save the weights with "
            "np.savez(path, W1=..., b1=..., W2=..., b2=...) or "
            "synquant.model.save_weights"
        )
    if head.startswith(b"PK"):
        return "it may be truncated: retrain with `python -m synquant train --force`"
    if head and all(32 <= c < 127 or c in b"\r\n\t" for c in head):
        return (
            "it is a text file (a results CSV?), not a .npz weight set: "
            "pass a weights file (.npz)"
        )
    return (
        "it is not a .npz weight set: "
        "pass a weights file saved by `python -m synquant train`"
    )


def _parse_meta(text: str, source: str) -> dict:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as err:
        raise WeightsError(
            f"{source} is not valid JSON ({err}); delete it or retrain"
        ) from None
    if not isinstance(meta, dict):
        raise WeightsError(
            f"{source} must hold a JSON object of metadata, got {type(meta).__name__}; "
            "delete it or retrain"
        )
    return meta


def load_weights(
    path: Path | str, recipe: Recipe | str | None = None
) -> tuple[dict[str, np.ndarray], dict | None]:
    """Read a weights file: ``(weights, meta)``, meta None when it records none.

    The metadata is the one inside the file; a ``.json`` beside it is read only for old
    files without. When ``recipe`` is given and the metadata records another one, the
    file is refused. Raises WeightsError, saying what to do, for a missing, truncated or
    malformed file.
    """
    path = checks.path("weights file", path)
    if not path.is_file():
        raise WeightsError(
            f"no weights file at {path}: train one with `python -m synquant train`"
        )
    arrays = None
    if zipfile.is_zipfile(path):
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
        except ValueError as err:
            if "allow_pickle" in str(err):  # never unpickled: say so, not "truncated"
                raise WeightsError(
                    f"{path} holds Python objects (an object array), which are never "
                    "unpickled: save the weights as numeric arrays with "
                    "synquant.model.save_weights"
                ) from None
            arrays = None
        except (OSError, EOFError, zipfile.BadZipFile):
            arrays = None
    if arrays is None:
        raise WeightsError(f"{path} is not a readable weights file: {_not_npz(path)}")
    meta = None
    if META_KEY in arrays:
        meta = _parse_meta(str(arrays.pop(META_KEY)), f"metadata in {path}")
    else:
        sidecar = path.with_suffix(".json")
        if sidecar.is_file():
            meta = _parse_meta(sidecar.read_text(errors="replace"), str(sidecar))
    recorded = recipe_of(meta, str(path))
    if recipe is not None and recorded is not None:
        asked = get_recipe(recipe)
        if recorded != asked:
            raise WeightsError(
                f"{path} holds the network of recipe {recorded.tag!r}, not the "
                f"{asked.tag!r} asked for: "
                f"{', '.join(recorded.differences(asked))}; pass the recipe it was "
                "trained with, or "
                f"retrain it (`python -m synquant train --recipe {asked.name} --force`)"
            )
    weights = check_weights(
        arrays, str(path), recorded or (None if recipe is None else get_recipe(recipe))
    )
    return weights, meta


def _check_seed_of(path: Path, meta: dict | None, seed: int) -> None:
    if meta and "seed" in meta and meta["seed"] != seed:
        raise WeightsError(
            f"{path} holds the network of seed {meta['seed']!r}, not seed {seed} as "
            "its name "
            "says: delete it or retrain"
        )


def resolve_weights(
    weights: Path | str | None = None, recipe: Recipe | str = "paper", seed: int = 0
) -> tuple[dict[str, np.ndarray], dict | None]:
    """The network a chapter or command runs on: ``(weights, meta)``.

    ``weights``: a weights file of the user's (its metadata names recipe and seed, and
    ``recipe`` and ``seed`` are ignored); empty or None takes the cached weights of
    ``recipe`` and ``seed`` from the first of :func:`weights_dirs` that has them (the
    checkout, the user's cache, the installed package). A cached file whose metadata
    records another recipe or seed is refused.
    """
    if weights:
        return load_weights(weights)
    recipe, seed = get_recipe(recipe), checks.seed(seed)
    path = weights_path(recipe, seed)
    if not path.is_file():
        looked = ", ".join(str(d) for d in weights_dirs())
        raise WeightsError(
            f"no cached weights {path.name} for recipe {recipe.tag!r}, seed {seed} "
            f"(looked in {looked}): "
            f"train them with `python -m synquant train --recipe {recipe.name} --seed "
            f"{seed}` "
            "or pass a weights file"
        )
    out = load_weights(path, recipe)
    _check_seed_of(path, out[1], seed)
    return out


def load_or_train(
    recipe: Recipe | str = "paper",
    seed: int = 0,
    directory: Path | str | None = None,
    save: bool = True,
) -> tuple[dict, dict | None]:
    """Cached weights of a recipe and seed, training (and saving) them when there are
    none.

    A changed recipe has another :attr:`Recipe.tag`, so it never reads stale weights; a
    cached file whose metadata records another recipe or seed is refused. Without
    ``directory`` the file is looked for in :func:`weights_dirs` and saved into
    :func:`default_dir`.
    """
    recipe, seed = get_recipe(recipe), checks.seed(seed)
    path = weights_path(recipe, seed, directory)
    if path.exists():
        out = load_weights(path, recipe)
        _check_seed_of(path, out[1], seed)
        return out
    if save:
        check_writable(path, path.with_suffix(".json"))
    weights, meta = train(recipe, seed)
    if save:
        save_weights(path, weights, meta)
    return weights, meta

"""Device-aware training: the paper's network trained through the device's levels.

The paper trains in software and maps the trained weights onto the device afterwards
(post-training quantization). Here the mapping is in the loop. In every forward pass,
each layer's kernel is normalized by its largest magnitude, quantized by a method and
scaled back:

* ``"proposed"``: uniform to ``L`` levels, then snap to the device's reference levels;
* ``"sampling"``: snap to the device curve sampled at ``L`` pulses;
* ``"uniform"``: ``L`` evenly spaced levels (no device).

The gradient reaches the latent float kernel by the straight-through estimator: the
forward pass uses ``Q(w)``, the backward pass takes the gradient with respect to
``Q(w)`` as the gradient of ``w`` (``Q(w) + (w - stop_gradient(w))``). Biases stay
float, the book's default reading (``bias="digital"``), and so do the other readings
(:data:`synquant.quantize.DEFAULTS`). The network that goes on the chip is the latent
network quantized by :func:`synquant.quantize.network` with the same method, levels and
device: bit for bit the kernels of the forward pass (:func:`levels_table`).

Optional write noise, as hardware-aware training injects it (aihwkit) with NeuroSim's
model of it (as in :mod:`synquant.nonideal`): in each training forward pass the
programmed device's conductance gets ``N(0, sigma) * sqrt(P)``, ``P`` the pulses from
Gmin to its level, clipped to [0, 1], drawn afresh for every batch. Inference is
noise-free.

Two starts: ``"scratch"`` (the recipe's initialization, learning rate and epochs: 200
in the paper) and ``"finetune"`` (the book's cached network of the recipe and seed,
trained :data:`FINETUNE_EPOCHS` more epochs at the recipe's learning rate).

Trained networks are weight files of :mod:`synquant.model` (metadata inside), in an
``aware`` folder beside the book's weights, named by :func:`weights_path` after the
recipe, method, levels, device, start, epochs, learning rate (when not the recipe's),
write noise and seed, e.g. ``paper-aware-proposed-L5-PCMO-finetune20-lr0.1-seed0.npz``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import checks, data, devices, evaluate, model, nonideal, quantize
from .files import atomic_write, check_writable

__all__ = [
    "METHODS",
    "STARTS",
    "FINETUNE_EPOCHS",
    "Config",
    "levels_table",
    "build",
    "train",
    "save",
    "load",
    "weights_path",
    "load_or_train",
    "train_to",
    "quantized_network",
    "correct_key",
    "read_correct",
    "run_grid",
    "Grid",
    "main",
]

#: Methods with fixed levels that training can see (the "optimal" method picks its
#: levels from the trained weights, so it has no levels to train through).
METHODS = ("proposed", "sampling", "uniform")
STARTS = ("scratch", "finetune")
#: Epochs of the fine-tuning start (at the recipe's learning rate and batch size).
FINETUNE_EPOCHS = 20
#: Learning rate of the fine-tuning start.
FINETUNE_LEARNING_RATE = 0.1
#: Folder of the device-aware networks inside a weights folder.
SUBDIR = "aware"


@dataclass(frozen=True)
class Config:
    """One device-aware training: what :func:`train` is asked for, checked.

    ``device`` is the :class:`synquant.devices.Device` itself (a benchmark name or a
    device file resolves to it); ``epochs`` is the number actually trained; ``sigma``
    the write noise in units of (Gmax - Gmin) per sqrt(pulse), 0 for none.
    """

    method: str
    levels: int
    device: devices.Device
    seed: int
    recipe: model.Recipe
    start: str
    epochs: int
    sigma: float
    learning_rate: float

    @property
    def trained_recipe(self) -> model.Recipe:
        """The recipe with the epochs and learning rate actually trained (recorded in
        the weights file)."""
        return self.recipe.replace(epochs=self.epochs, learning_rate=self.learning_rate)

    @property
    def training(self) -> str:
        """The label of this training in results files: ``aware-scratch``,
        ``aware-finetune``, ``noise-aware-finetune``..."""
        return ("noise-aware-" if self.sigma else "aware-") + self.start

    def describe(self) -> dict:
        """The metadata block ``"aware"`` of the weights file (JSON)."""
        return {
            "method": self.method,
            "levels": self.levels,
            "device": self.device.to_dict(),
            "start": self.start,
            "epochs": self.epochs,
            "sigma": self.sigma,
            "learning_rate": self.learning_rate,
            "base_recipe": self.recipe.tag,
        }


def _device(device) -> devices.Device:
    """A device, or an error naming the input and saying what to pass."""
    try:
        return devices.get(device)
    except (OSError, ValueError) as err:
        raise ValueError(
            f"device {str(device)!r} cannot be used: {err}. Pass a benchmark name "
            f"({', '.join(devices.names())}) or a device file that loads "
            "(synquant.devices.load)"
        ) from None


def configure(
    method: str = "proposed",
    levels: int = 5,
    device="PCMO",
    seed: int = 0,
    recipe: model.Recipe | str = "paper",
    start: str = "scratch",
    epochs: int | None = None,
    sigma: float | None = 0.0,
    learning_rate: float | None = None,
) -> Config:
    """Check every argument of a training (before anything expensive) into a
    :class:`Config`.

    ``epochs`` None: the recipe's for ``"scratch"``, :data:`FINETUNE_EPOCHS` for
    ``"finetune"``; ``sigma`` None: the device's own write noise; ``learning_rate``
    None: the recipe's for ``"scratch"``, :data:`FINETUNE_LEARNING_RATE` for
    ``"finetune"``.
    """
    if method == "optimal":
        raise ValueError(
            "method 'optimal' picks its levels from the trained weights, so training "
            f"cannot go through them: use one of {', '.join(METHODS)}"
        )
    method = checks.choice("method", method, METHODS)
    levels = checks.levels(levels)
    device = _device(device)
    seed = checks.seed(seed)
    recipe = model.get_recipe(recipe)
    start = checks.choice("start", start, STARTS)
    if epochs is None:
        epochs = recipe.epochs if start == "scratch" else FINETUNE_EPOCHS
    epochs = checks.integer("epochs", epochs, least=1, hint="e.g. 20 for fine-tuning")
    sigma = device.sigma if sigma is None else sigma
    sigma = checks.number(
        "sigma", sigma, least=0.0, hint="the write noise per sqrt(pulse), 0 for none"
    )
    if learning_rate is None:
        learning_rate = (
            recipe.learning_rate if start == "scratch" else FINETUNE_LEARNING_RATE
        )
    learning_rate = checks.number(
        "learning_rate", learning_rate, positive=True, hint="e.g. 0.5 (the paper's)"
    )
    return Config(
        method, levels, device, seed, recipe, start, epochs, float(sigma), learning_rate
    )


# -- the quantizer as a lookup table -------------------------------------------------


def _magnitudes(method: str, levels: int, device: devices.Device):
    """The method on magnitudes in [0, 1] (float32 in, float32 out)."""
    if method == "proposed":
        reference = device.reference_levels()
        return lambda m: quantize.proposed(m, levels, reference)
    if method == "sampling":
        return lambda m: quantize.sampling(m, levels, device)
    return lambda m: quantize.uniform(m, levels)


def levels_table(
    method: str, levels: int, device="PCMO"
) -> tuple[np.ndarray, np.ndarray]:
    """``(thresholds, values)``, float32, shapes (K - 1,) and (K,): the method as a
    table.

    A normalized magnitude ``m`` (float32 in [0, 1]) quantizes to
    ``values[searchsorted(thresholds, m, side="right")]``, exactly (bit for bit) what
    :mod:`synquant.quantize` gives: ``values`` are the method's K distinct outputs,
    ascending, and each threshold is the smallest float32 that the method sends to the
    next value, found by bisection over the float32 numbers of [0, 1].
    """
    config = configure(method, levels, device)
    f = _magnitudes(config.method, config.levels, config.device)
    candidates = np.concatenate(
        [
            np.linspace(0, 1, 1 << 16, dtype=np.float32),
            np.arange(config.levels, dtype=np.float32) / np.float32(config.levels - 1),
            quantize.sampling_levels(config.levels, config.device).astype(np.float32),
        ]
    )
    values = np.unique(f(np.clip(candidates, 0, 1)))
    bits = np.float32
    lo = np.zeros(values.size - 1, dtype=np.int64)  # f(0) is below every next value
    hi = np.full(values.size - 1, np.array(1, dtype=bits).view(np.int32), np.int64)
    while np.any(hi - lo > 1):  # non-negative float32 order as their bit patterns
        mid = (lo + hi) // 2
        up = f(mid.astype(np.int32).view(bits)) >= values[1:]
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    return hi.astype(np.int32).view(bits), values.astype(np.float32)


@functools.cache
def _device_dense():
    """The class :class:`DeviceDense`, made at first use (importing Keras takes
    seconds, so ``import synquant`` does not)."""
    import keras
    from keras import ops

    class DeviceDense(keras.layers.Dense):
        """A Dense layer whose kernel goes through a device's levels in the forward
        pass.

        ``thresholds``, ``values``: :func:`levels_table`; ``noise``: None, or the write
        noise's standard deviation at each value (shape of ``values``, in units of
        (Gmax - Gmin)), drawn in training only from a Keras ``SeedGenerator(seed)``. The
        gradient of the kernel is straight-through (see the module's docstring).
        """

        def __init__(self, units, thresholds, values, noise=None, seed=0, **kwargs):
            super().__init__(units, **kwargs)
            self.thresholds = np.asarray(thresholds, dtype=np.float32)
            self.values = np.asarray(values, dtype=np.float32)
            self.noise = None if noise is None else np.asarray(noise, dtype=np.float32)
            self.seed_generator = (
                None if noise is None else keras.random.SeedGenerator(seed)
            )

        def quantized_kernel(self, training=False):
            """The kernel the forward pass uses, shape (inputs, units): sign times the
            quantized magnitude times the layer's largest magnitude."""
            w = self.kernel
            scale = ops.max(ops.abs(w))
            u = w / scale
            k = ops.searchsorted(
                self.thresholds, ops.reshape(ops.abs(u), (-1,)), "right"
            )
            g = ops.reshape(ops.take(self.values, k), ops.shape(w))
            if training and self.noise is not None:
                spread = ops.reshape(ops.take(self.noise, k), ops.shape(w))
                draw = keras.random.normal(ops.shape(w), seed=self.seed_generator)
                g = ops.clip(g + spread * draw, 0.0, 1.0)
            q = ops.where(u < 0, -g, g) * scale
            return ops.stop_gradient(q) + (w - ops.stop_gradient(w))

        def call(self, inputs, training=None):
            out = ops.matmul(inputs, self.quantized_kernel(training))
            if self.use_bias:
                out = ops.add(out, self.bias)
            return self.activation(out) if self.activation is not None else out

    DeviceDense.__qualname__ = "DeviceDense"
    return DeviceDense


def __getattr__(name: str):
    if name == "DeviceDense":
        return _device_dense()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build(config: Config):
    """The recipe's 784-H-10 network with :class:`DeviceDense` layers, an uncompiled
    ``keras.Sequential``."""
    import keras

    dense = _device_dense()
    recipe = config.recipe
    thresholds, values = levels_table(config.method, config.levels, config.device)
    noise = None
    if config.sigma:
        noise = config.sigma * np.sqrt(nonideal.pulses(values, config.device))
    output = "softmax" if recipe.loss == "crossentropy" else None
    layers = [
        dense(
            units,
            thresholds,
            values,
            noise,
            seed=2 * config.seed + i,
            activation=activation,
            use_bias=recipe.use_bias,
            kernel_initializer=recipe.initializer,
            name=name,
        )
        for i, (units, activation, name) in enumerate(
            ((recipe.hidden, "relu", "hidden"), (10, output, "output"))
        )
    ]
    return keras.Sequential(
        [keras.Input((784,)), *layers], name=f"aware_784_{recipe.hidden}_10"
    )


def _start_weights(config: Config, initial) -> tuple[dict, str]:
    """The fine-tuning start: ``(weights, source)``, checked against the recipe's
    shapes."""
    if initial is None:
        weights, meta = model.resolve_weights(None, config.recipe, config.seed)
        source = model.weights_path(config.recipe, config.seed).name
    elif isinstance(initial, (str, Path)):
        weights, meta = model.load_weights(initial)
        source = Path(initial).name
    else:
        weights, source = initial, "the given weights"
    try:
        weights = model.check_weights(weights, source, config.recipe)
    except model.WeightsError as err:
        raise model.WeightsError(
            f"fine-tuning start {source} does not fit recipe {config.recipe.tag!r} "
            f"(784-{config.recipe.hidden}-10): {err}; start from a network of that "
            "recipe, or pass its recipe"
        ) from None
    return weights, source


def _set_weights(net, weights: dict) -> None:
    for k, name in (("1", "hidden"), ("2", "output")):
        layer = net.get_layer(name)
        layer.kernel.assign(weights["W" + k])
        if layer.use_bias:
            layer.bias.assign(weights["b" + k])


def quantized_network(weights: dict, config: Config) -> dict:
    """The chip's network: the latent ``weights`` quantized as in training, by
    :func:`synquant.quantize.network`."""
    return quantize.network(weights, config.method, config.levels, config.device)


def train(
    method: str = "proposed",
    levels: int = 5,
    device="PCMO",
    seed: int = 0,
    recipe: model.Recipe | str = "paper",
    start: str = "scratch",
    epochs: int | None = None,
    sigma: float | None = 0.0,
    learning_rate: float | None = None,
    initial=None,
) -> tuple[dict, dict]:
    """Train the network through a device's levels; deterministic for a seed.

    Returns ``(weights, meta)`` as :func:`synquant.model.train`: the latent float
    weights (quantize them with :func:`quantized_network` for the chip) and metadata
    with the recipe trained, ``"aware"`` (:meth:`Config.describe`), the fine-tuning
    start, the training time (``train_seconds``), the latent network's test accuracy
    and ``quantized_accuracy``, the fraction that the forward pass with quantized
    kernels gets right. ``initial``: the fine-tuning start (None: the book's cached
    network of ``recipe`` and ``seed``; a weights file or a weight set). Every
    argument is checked before training (:func:`configure`).
    """
    config = configure(
        method, levels, device, seed, recipe, start, epochs, sigma, learning_rate
    )
    import keras  # after the checks: importing Keras takes seconds

    if config.start == "finetune":
        initial, source = _start_weights(config, initial)
    elif initial is not None:
        raise ValueError(
            "initial weights are for start='finetune'; a 'scratch' training starts "
            "from the recipe's initialization"
        )
    (x_train, y_train), (x_test, y_test) = data.load_mnist()

    keras.utils.set_random_seed(config.seed)
    net = build(config)
    if config.start == "finetune":
        _set_weights(net, initial)
    if config.recipe.loss == "crossentropy":
        loss, targets = "sparse_categorical_crossentropy", y_train
    else:
        loss, targets = "mean_squared_error", np.eye(10, dtype=np.float32)[y_train]
    begin = time.perf_counter()
    history = model.fit(
        net, x_train, targets, config.trained_recipe, loss, sys.stdout.isatty()
    )
    seconds = time.perf_counter() - begin

    weights = model.weights_of(net)
    scores = net.predict(x_test, batch_size=len(x_test), verbose=0)
    meta = {
        "recipe": dataclasses.asdict(config.trained_recipe),
        "tag": config.trained_recipe.tag,
        "seed": config.seed,
        "epochs": config.epochs,
        "aware": config.describe(),
        "start": "scratch" if config.start == "scratch" else source,
        "train_seconds": round(seconds, 3),
        "final_loss": history[-1],
        "test_accuracy": evaluate.accuracy(weights, x_test, y_test),
        "quantized_accuracy": float(np.mean(np.argmax(scores, axis=1) == y_test)),
        "versions": model.versions(),
        "mnist_sha256": data.mnist_checksum(),
    }
    return weights, meta


# -- cached networks -----------------------------------------------------------------


def _slug(device: devices.Device) -> str:
    """The device in a file name: its name, plus a hash of its fields when it is not
    the benchmark device of that name."""
    slug = "".join(c if c.isalnum() else "_" for c in device.name)
    if devices.BENCHMARK.get(device.name) == device:
        return slug
    fields = json.dumps(device.to_dict(), sort_keys=True)
    return f"{slug}-{hashlib.sha256(fields.encode()).hexdigest()[:8]}"


def _name(config: Config) -> str:
    noise = f"-sigma{config.sigma:g}" if config.sigma else ""
    if config.learning_rate != config.recipe.learning_rate:
        noise = f"-lr{config.learning_rate:g}{noise}"
    return (
        f"{config.recipe.tag}-aware-{config.method}-L{config.levels}-"
        f"{_slug(config.device)}-{config.start}{config.epochs}{noise}-seed{config.seed}"
        ".npz"
    )


def weights_path(config: Config, directory: Path | str | None = None) -> Path:
    """Where the network of ``config`` is cached: ``<directory>/<name>``; without
    ``directory`` the first ``aware`` folder of :func:`synquant.model.weights_dirs`
    that holds it, else the one new networks go to (beside
    :func:`synquant.model.default_dir`)."""
    name = _name(config)
    if directory is not None:
        return Path(directory) / name
    for folder in model.weights_dirs():
        if (folder / SUBDIR / name).is_file():
            return folder / SUBDIR / name
    return model.default_dir() / SUBDIR / name


def save(path: Path | str, weights: dict, meta: dict, force: bool = False) -> Path:
    """Save a device-aware network (:func:`synquant.model.save_weights`: atomic, never
    over an existing file unless ``force``)."""
    return model.save_weights(path, weights, meta, force=force)


def load(path: Path | str, config: Config | None = None) -> tuple[dict, dict]:
    """Read a device-aware network; with ``config``, refuse one trained otherwise."""
    weights, meta = model.load_weights(path)
    if not meta or "aware" not in meta:
        raise model.WeightsError(
            f"{path} is not a device-aware network (its metadata has no 'aware' "
            "record): train one with `python -m synquant.aware train`"
        )
    if config is not None:
        want = {**config.describe(), "seed": config.seed}
        have = {**meta["aware"], "seed": meta.get("seed")}
        differ = [k for k in want if want[k] != have.get(k)]
        if differ:
            raise model.WeightsError(
                f"{path} holds another training ({', '.join(differ)} differ: "
                f"{', '.join(f'{k}={have.get(k)!r}' for k in differ)}); delete it or "
                "retrain with force"
            )
    return weights, meta


def load_or_train(
    config: Config, directory: Path | str | None = None, force: bool = False
) -> tuple[dict, dict]:
    """The cached network of ``config``, training and saving it when there is none
    (or, with ``force``, always)."""
    path = weights_path(config, directory)
    if path.exists() and not force:
        return load(path, config)
    return train_to(config, path, force)


def train_to(config: Config, path: Path, force: bool = False) -> tuple[dict, dict]:
    """Train ``config`` and save the network at ``path`` (checked first, never over a
    file without ``force``): ``(weights, meta)``."""
    check_writable(path, path.with_suffix(".json"), force=force)
    c = config
    weights, meta = train(
        c.method,
        c.levels,
        c.device,
        c.seed,
        c.recipe,
        c.start,
        c.epochs,
        c.sigma,
        c.learning_rate,
    )
    save(path, weights, meta, force=force)
    return weights, meta


# -- the book's comparison -----------------------------------------------------------

#: Columns of the comparison's results beyond :data:`synquant.evaluate.COLUMNS`:
#: ``training`` ("post-training", "aware-scratch", "aware-finetune",
#: "noise-aware-finetune"), its ``epochs``, ``learning_rate``, training write noise
#: ``sigma``, ``train_seconds``, and ``eval_sigma``, the write noise of the Monte Carlo
#: (empty: ideal devices).
EXTRA_COLUMNS = (
    "training",
    "epochs",
    "learning_rate",
    "sigma",
    "train_seconds",
    "eval_sigma",
)
#: The comparison's results and the test images each network gets right.
RESULTS_NAME = "aware-comparison.csv"
CORRECT_NAME = "aware-correct.npz"


@dataclass(frozen=True)
class Grid:
    """The comparison of ``make aware``: which networks are trained.

    Fine-tuned (the broad grid): PCMO at ``levels`` for seed 0, at ``seed_levels``
    for every one of ``seeds``, and every benchmark device at ``device_levels``
    (seed 0); from scratch: PCMO at ``scratch_levels`` for ``scratch_seeds``; with
    write noise in training (fine-tuned): ``noise_levels``, seed 0, proposed, at each
    of ``noise_sigmas`` (None: PCMO's own), where the Monte Carlo of
    :func:`synquant.nonideal.monte_carlo` (``trials``) then scores the post-training,
    the device-aware and the noise-aware network.
    The defaults fit about an hour of two shared cores (a fine-tuning takes about 20 s
    of CPU, a training from scratch ten times that).
    Every fixed-level method of ``methods`` each time. ``keep``: the networks saved
    into the checkout (the others go to the user's cache, :func:`model.cache_dir`).
    """

    methods: tuple[str, ...] = ("proposed", "sampling")
    levels: tuple[int, ...] = (5, 6, 7, 8, 10, 12, 15, 20, 25)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    seed_levels: tuple[int, ...] = (5,)
    device_levels: tuple[int, ...] = (5, 10)
    scratch_levels: tuple[int, ...] = (5,)
    scratch_seeds: tuple[int, ...] = (0,)
    noise_levels: tuple[int, ...] = (5, 10)
    noise_sigmas: tuple[float | None, ...] = (None, 0.05)
    trials: int = 20
    finetune_epochs: int = FINETUNE_EPOCHS
    scratch_epochs: int | None = None

    def configs(self) -> list[Config]:
        """Every training of the grid, each once, the most needed first (so that an
        interrupted run leaves the core of the comparison): PCMO at ``seed_levels`` for
        every seed, PCMO's levels, the noise-aware networks, every device at the first
        of ``device_levels``, the trainings from scratch, then the devices at the other
        levels."""
        m = self.methods
        out = [
            self._finetune(k, L, "PCMO", s)
            for L in self.seed_levels
            for s in self.seeds
            for k in m
        ]
        out += [self._finetune(k, L, "PCMO", 0) for L in self.levels for k in m]
        out += [
            self._finetune("proposed", L, "PCMO", 0, sigma=sigma)
            for sigma in self.noise_sigmas
            for L in self.noise_levels
        ]
        devices_at = [
            [self._finetune(k, L, d, 0) for d in devices.names() for k in m]
            for L in self.device_levels
        ]
        scratch = [
            configure(k, L, "PCMO", s, start="scratch", epochs=self.scratch_epochs)
            for s in self.scratch_seeds
            for L in self.scratch_levels
            for k in m
        ]
        out += (devices_at[0] if devices_at else []) + scratch
        for more in devices_at[1:]:
            out += more
        return list(dict.fromkeys(out))

    def _finetune(self, method, levels, device, seed, sigma=0.0) -> Config:
        return configure(
            method,
            levels,
            device,
            seed,
            start="finetune",
            epochs=self.finetune_epochs,
            sigma=sigma,
        )

    def kept(self, config: Config) -> bool:
        """Whether a network is kept in the checkout: PCMO at 5 levels, seed 0."""
        return config.device.name == "PCMO" and config.levels == 5 and config.seed == 0


def _row(config: Config, method: str, levels, seed, accuracy: float, **extra) -> dict:
    row = {
        "device": config.device.name,
        "method": method,
        "levels": levels,
        "seed": seed,
        "recipe": config.recipe.tag,
        **quantize.DEFAULTS,
        "trial": "",
        "accuracy_pct": 100 * accuracy,
        "training": "post-training",
        "epochs": config.recipe.epochs,
        "learning_rate": config.recipe.learning_rate,
        "sigma": 0.0,
        "train_seconds": "",
        "eval_sigma": "",
    }
    row.update(extra)
    return row


def correct_key(training: str, device: str, method: str, levels: int, seed: int) -> str:
    """The name of a network's per-image correctness in ``aware-correct.npz``."""
    slug = "".join(c if c.isalnum() else "_" for c in device)
    return f"{training}__{slug}__{method}__L{levels}__seed{seed}"


def run_grid(
    grid: Grid | None = None,
    results: Path | str | None = None,
    force: bool = False,
    retrain: bool = False,
    log=None,
) -> Path:
    """Train (or read cached) every network of ``grid``, score it, and write the
    results: tidy rows (:data:`EXTRA_COLUMNS` beside the usual ones) into
    ``<results>/aware-comparison.csv`` and each network's per-image correctness on the
    10,000 test images (``np.packbits``) into ``aware-correct.npz``, for paired tests.

    Post-training rows are the book's cached networks of the same seeds, quantized as
    :func:`synquant.evaluate.sweep` does. Networks already cached are read, not
    retrained, unless ``retrain`` (so an interrupted run resumes). The results files
    are overwritten only with ``force``.
    """
    grid = grid or Grid()
    log = log or functools.partial(print, flush=True)
    folder = evaluate.results_dir(results)
    csv_path, correct_path = folder / RESULTS_NAME, folder / CORRECT_NAME
    check_writable(csv_path, correct_path, force=force)
    configs = grid.configs()
    _, (x_test, y_test) = data.load_mnist()
    rows, correct = [], {}

    def score(weights, config, method, levels, training):
        chip = quantize.network(weights, method, levels, config.device)
        hits = evaluate.correct(chip, x_test, y_test)
        key = correct_key(training, config.device.name, method, levels, config.seed)
        correct[key] = np.packbits(hits)
        return float(np.mean(hits))

    # post-training: the book's networks of every seed and device in the grid
    seen = set()
    for c in configs:
        key = (c.device.name, c.seed)
        if key in seen:
            continue
        seen.add(key)
        base, _ = model.resolve_weights(None, c.recipe, c.seed)
        levels = evaluate.LEVELS if c.device.name == "PCMO" else grid.device_levels
        rows.append(
            _row(c, "software", "", c.seed, evaluate.accuracy(base, x_test, y_test))
        )
        for m in grid.methods:
            for L in levels:
                rows.append(
                    _row(c, m, L, c.seed, score(base, c, m, L, "post-training"))
                )

    for i, c in enumerate(configs, 1):
        directory = None if grid.kept(c) else model.cache_dir() / SUBDIR
        path = weights_path(c, directory)
        begin = time.perf_counter()
        weights, meta = load_or_train(c, directory, force=retrain)
        log(
            f"[{i}/{len(configs)}] {path.name}: "
            f"{100 * meta['quantized_accuracy']:.2f} % "
            f"({time.perf_counter() - begin:.1f} s)"
        )
        trained = {
            "training": c.training,
            "epochs": c.epochs,
            "learning_rate": c.learning_rate,
            "sigma": c.sigma,
            "train_seconds": meta["train_seconds"],
        }
        acc = score(weights, c, c.method, c.levels, c.training)
        rows.append(_row(c, c.method, c.levels, c.seed, acc, **trained))

    # write noise: the book's network against the device-aware and noise-aware ones
    for sigma in grid.noise_sigmas:
        for L in grid.noise_levels:
            noisy = grid._finetune("proposed", L, "PCMO", 0, sigma=sigma)
            plain = grid._finetune("proposed", L, "PCMO", 0)
            base, _ = model.resolve_weights(None, plain.recipe, 0)
            nets = [("post-training", base, {})]
            for c in (plain, noisy):
                directory = None if grid.kept(c) else model.cache_dir() / SUBDIR
                weights, meta = load(weights_path(c, directory), c)
                info = {
                    "training": c.training,
                    "epochs": c.epochs,
                    "learning_rate": c.learning_rate,
                    "sigma": c.sigma,
                    "train_seconds": meta["train_seconds"],
                }
                nets.append((c.training, weights, info))
            for training, weights, info in nets:
                acc = nonideal.monte_carlo(
                    weights,
                    "proposed",
                    L,
                    "PCMO",
                    trials=grid.trials,
                    seed=0,
                    sigma=noisy.sigma,
                )
                rows += [
                    _row(
                        plain,
                        "proposed",
                        L,
                        0,
                        a,
                        trial=t,
                        eval_sigma=noisy.sigma,
                        **({"training": training} | info),
                    )
                    for t, a in enumerate(acc)
                ]

    evaluate.write_csv(rows, csv_path, force=force)
    atomic_write(correct_path, lambda f: np.savez_compressed(f, **correct))
    return csv_path


def read_correct(path: Path | str | None = None) -> dict[str, np.ndarray]:
    """The per-image correctness of the comparison's networks: ``{key: bool array
    (10000,)}``, keys ``<training>__<device>__<method>__L<levels>__seed<k>``."""
    path = Path(path) if path else evaluate.results_dir() / CORRECT_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"no results file at {path}: run `make aware` (python -m synquant.aware "
            "grid)"
        )
    with np.load(path, allow_pickle=False) as f:
        return {k: np.unpackbits(f[k])[:10000].astype(bool) for k in f.files}


# -- command line --------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m synquant.aware",
        description="Device-aware training of the paper's network.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one network through a device's levels")
    t.add_argument("--method", default="proposed", help=", ".join(METHODS))
    t.add_argument("--levels", type=int, default=5)
    t.add_argument("--device", default="PCMO", help="benchmark name or device file")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--recipe", default="paper")
    t.add_argument("--start", default="finetune", help=", ".join(STARTS))
    t.add_argument("--epochs", type=int, default=None)
    t.add_argument("--learning-rate", type=float, default=None)
    t.add_argument(
        "--sigma",
        default="0",
        help="write noise in training: a number, or 'device' for the device's own",
    )
    t.add_argument("--out", default=None, help="weights file (default: the cache)")
    t.add_argument("--force", action="store_true", help="overwrite an existing file")
    g = sub.add_parser("grid", help="the book's comparison (make aware)")
    g.add_argument("--results", default=None, help="folder of the results files")
    g.add_argument("--force", action="store_true", help="overwrite the results")
    g.add_argument("--retrain", action="store_true", help="retrain cached networks")
    g.add_argument(
        "--device-levels",
        type=int,
        nargs="*",
        default=None,
        help="levels of every benchmark device (default: 5 10)",
    )
    g.add_argument(
        "--scratch-seeds",
        type=int,
        nargs="*",
        default=None,
        help="seeds trained from scratch (default: 0)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "grid":
            changes = {
                k: tuple(v)
                for k, v in (
                    ("device_levels", args.device_levels),
                    ("scratch_seeds", args.scratch_seeds),
                )
                if v is not None
            }
            grid = Grid(**changes)
            grid.configs()  # checks every training before the first
            print(run_grid(grid, args.results, args.force, args.retrain))
            return 0
        sigma = None if args.sigma == "device" else float(args.sigma)
        config = configure(
            args.method,
            args.levels,
            args.device,
            args.seed,
            args.recipe,
            args.start,
            args.epochs,
            sigma,
            args.learning_rate,
        )
        path = Path(args.out) if args.out else weights_path(config)
        if path.suffix != ".npz":
            raise ValueError(f"--out must end in .npz, got {path}")
        _, meta = train_to(config, path, force=args.force)
        print(
            f"{path}: quantized test accuracy {100 * meta['quantized_accuracy']:.2f} % "
            f"({meta['train_seconds']:.1f} s)"
        )
        return 0
    except (ValueError, TypeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

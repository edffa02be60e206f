"""On-chip (in-situ) training on a synaptic device, after NeuroSim's MLP simulator V3.0.

NeuroSim trains its 400-100-10 network on the crossbar itself: every weight update is a
train of identical pulses on the device's nonlinear curve, with cycle-to-cycle noise,
and the network reads its weights back from the conductances. This module re-implements
that loop in JAX (``jax.lax.scan`` under ``jit``), one device run in about a minute:

* the data: MNIST cropped to 20 x 20 and binarized at 0.5 (:func:`prepare`);
* the network: 400-100-10, sigmoid units, weights in [-1, 1], initialized to one of
  {-1, -2/3, ..., 1} at random (:func:`initial_weights`);
* the forward pass in hardware: one device per weight and a reference column, read
  through an 8-bit ADC; the hidden layer passes on one bit, a1 >= 0.5
  (:func:`forward`);
* SGD, one image per update, learning rates 0.4 (input to hidden) and 0.2 (hidden to
  output), on epochs of 8,000 training images drawn with replacement;
* each update ``dW`` written as ``round(|dW| / 2 * Pmax)`` pulses on the potentiation
  (dW > 0) or depression branch, from the pulse position the present conductance has on
  that branch, plus N(0, sigma * sqrt(pulses)) noise, clipped at Gmin/Gmax
  (:func:`write`), and read back as ``W = 2 (I - Imin) / (Imax - Imin) - 1``
  (:func:`read_back`).

Where NeuroSim's source and manual leave a choice open, or where this module simplifies,
the choice is a named option in :data:`OPTIONS` (first value: the default), each read
as follows:

``crop``
    ``"center"``: rows and columns 4 to 23 of the 28 x 28 image (4 pixels off each
    edge). NeuroSim ships its own cropped files, whose offsets are not documented.
``adc``
    ``"neurosim"``: each column current and the reference current are converted to
    ``floor(255 * I / (rows * (Imax - Imin)))`` (``numBitPartialSum = 8``) and
    subtracted, as in ``Train.cpp``; ``"ideal"``: no ADC, the exact difference.
``access``
    ``"none"``: the read current is ``I = Vr G``. ``"neurosim"``: a 15 kOhm access
    transistor in series with every cell (``resistanceAccess = 15e3``, the default 1T1R
    cell of NeuroSim's ``Cell.cpp``), except a FeFET, which has none; the read current
    ``I = Vr / (1/G + R_access)`` and with it the read-back weight are then not linear
    in G, and for GST PCM (R_on 4.71 kOhm) the weights read back far above their
    conductances. Table II's own remarks say the transistors were widened for the
    devices with small R_on; "none" is that reading taken to its limit.
``init``
    ``"neurosim"``: the initial weights are written as ``G = (W + 1)/2 (Gmax - Gmin)``
    without the Gmin offset and clipped at Gmin, as ``Array::WriteCell`` does (the
    read-back initial weights sit below the drawn ones); ``"offset"``: with the offset.
``noise``
    ``"pool"``: each epoch draws a pool of 2**21 standard normals and each update
    reads its cycle-to-cycle draws from a window of it at a random offset (about 60x
    faster than fresh draws; each draw is N(0, 1), draws of one update are independent,
    and those of different updates almost so); ``"exact"``: fresh draws every update.
``hidden``
    ``"binary"``: the hidden layer sends one bit (a1 >= 0.5) to the output array, and
    the backward pass uses the analog a1 (NeuroSim, ``numBitInput = 1``); ``"analog"``:
    the output array sees a1 itself.

Other readings, fixed: Pmax, the pulses from Gmin to Gmax, is the table's number of
states (NeuroSim's ``maxNumLevelLTP/LTD``) on both branches; the reference column sits
at (Imax + Imin)/2, so that the hardware's weighted sum is ``sum(x W) / 2``; wire
resistance, read noise and device-to-device variation are left out (NeuroSim's defaults
turn off the last two); a cell with no pulse keeps its conductance exactly.

Write energy (:func:`write_energy`) follows ``AnalogNVM::WriteEnergyCalculation`` in
NeuroSim's ``Cell.cpp`` for a 1T1R cell: ``V^2 (G_before + G_after)/2 * t`` per pulse
(a FeFET: ``V^2 C_gate`` per pulse), the wire capacitance left out; the pulse voltages
and widths are those of NeuroSim's Table II (:data:`PULSES`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from . import checks, data, devices, files, nonideal, quantize, stats

__all__ = [
    "IDEAL",
    "OPTIONS",
    "DEFAULTS",
    "PULSES",
    "TABLE_II",
    "Pulse",
    "Run",
    "prepare",
    "initial_weights",
    "pulse_count",
    "write",
    "read_back",
    "forward",
    "train",
    "write_energy",
    "mapping_cost",
    "run_grid",
    "summary",
    "compare",
]

#: NeuroSim V3.0 manual, Table II: on-chip ("online learning") accuracy in percent.
TABLE_II = {
    "Ag:a-Si": 72.0,
    "TaOx/HfOx": 80.0,
    "PCMO": 33.0,
    "AlOx/HfO2": 20.0,
    "GST PCM": 89.0,
    "EpiRAM": 92.0,
    "HZO FeFET": 88.0,
}

#: The ideal linear device, NeuroSim's IdealDevice: 64 levels, no nonlinearity and no
#: noise, Gmax 5 uS and Gmin 100 nS.
IDEAL = devices.Device("ideal", 64, 0.0, 0.0, 200e3, 50.0, 0.0)

#: Network and training of NeuroSim's Param.cpp.
SIZES = (400, 100, 10)
RATES = (0.4, 0.2)
IMAGES_PER_EPOCH = 8000
EPOCHS = 125
#: NeuroSim's 1T1R access transistor (ohm) and its ADC resolution (bits).
ACCESS_RESISTANCE = 15e3
ADC_BITS = 8
#: NeuroSim's FeFET gate capacitance (F).
FEFET_GATE_CAPACITANCE = 2.1717e-18

OPTIONS: dict[str, tuple[str, ...]] = {
    "crop": ("center", "top-left"),
    "adc": ("neurosim", "ideal"),
    "access": ("none", "neurosim"),
    "init": ("neurosim", "offset"),
    "hidden": ("binary", "analog"),
    "noise": ("pool", "exact"),
}
DEFAULTS = {name: values[0] for name, values in OPTIONS.items()}
CROPS = {"center": (4, 4), "top-left": (0, 0)}


@dataclass(frozen=True)
class Pulse:
    """Write pulses of a device: voltage (V) and width (s) on each branch."""

    v_up: float
    t_up: float
    v_down: float
    t_down: float
    fefet: bool = False


#: NeuroSim V3.0 manual, Table II: weight increase / decrease pulses (magnitudes; GST's
#: and the FeFET's are the table's averages). The ideal device takes NeuroSim's
#: IdealDevice values (2 V, 10 ns).
PULSES: dict[str, Pulse] = {
    "Ag:a-Si": Pulse(3.2, 300e-6, 2.8, 300e-6),
    "TaOx/HfOx": Pulse(1.6, 50e-9, 1.6, 50e-9),
    "PCMO": Pulse(2.0, 1e-3, 2.0, 1e-3),
    "AlOx/HfO2": Pulse(0.9, 100e-6, 1.0, 100e-6),
    "GST PCM": Pulse(0.7, 6e-6, 3.0, 125e-9),
    "EpiRAM": Pulse(5.0, 5e-6, 3.0, 5e-6),
    "HZO FeFET": Pulse(3.65, 75e-9, 2.95, 75e-9, fefet=True),
    "ideal": Pulse(2.0, 10e-9, 2.0, 10e-9),
}


def _device(device) -> devices.Device:
    if isinstance(device, str) and device.lower() == "ideal":
        return IDEAL
    return devices.get(device)


def _options(options: dict) -> dict[str, str]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(
            f"unknown option(s) {', '.join(unknown)}: use {', '.join(OPTIONS)}"
        )
    for name, value in options.items():
        checks.choice(name, value, OPTIONS[name])
    return {**DEFAULTS, **options}


# -- data ----------------------------------------------------------------------------


def prepare(x, crop: str = "center") -> np.ndarray:
    """MNIST images (N, 784) in [0, 1] cropped to 20 x 20 and binarized at 0.5.

    Returns uint8 (N, 400) of 0 and 1 (a pixel >= 0.5 is 1, NeuroSim's ``truncate``
    with threshold 0.5).
    """
    checks.choice("crop", crop, OPTIONS["crop"])
    x = checks.finite_array("images", x, ndim=2)
    if x.shape[1] != 784:
        raise ValueError(f"images must have 784 pixels (28 x 28), got {x.shape[1]}")
    r, c = CROPS[crop]
    patch = x.reshape(-1, 28, 28)[:, r : r + 20, c : c + 20].reshape(-1, 400)
    return (patch >= 0.5).astype(np.uint8)


def initial_weights(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """NeuroSim's initial weights: each one of {-1, -2/3, ..., 1}, drawn uniformly.

    Shapes (100, 400) and (10, 100), float32.
    """
    rng = np.random.default_rng(checks.seed(seed))
    n_in, n_hid, n_out = SIZES
    w1 = rng.integers(-3, 4, size=(n_hid, n_in)) / 3
    w2 = rng.integers(-3, 4, size=(n_out, n_hid)) / 3
    return w1.astype(np.float32), w2.astype(np.float32)


# -- the device, in normalized conductance g = (G - Gmin) / (Gmax - Gmin) -------------


#: |a| at and above which a branch is taken as linear: float32 cannot resolve the curve
#: of a larger a (1 - exp(-1/a) vanishes), and the curve of a = 1000 is within 1.3e-4
#: of the straight line.
LINEAR_A = 1e3


@dataclass(frozen=True)
class _Physics:
    """The constants of one device that the jitted loop needs."""

    a_up: float  # curve parameter of the potentiation branch (LINEAR_A: linear)
    a_down: float
    pmax: float  # pulses from Gmin to Gmax
    sigma: float  # cycle-to-cycle noise, fraction of (Gmax - Gmin) per sqrt(pulse)
    g_min: float  # Gmin / Gmax
    r_access: float  # R_access * Gmax


def _physics(device: devices.Device, access: str) -> _Physics:
    def finite(a):
        return float(np.clip(a, -LINEAR_A, LINEAR_A))

    fefet = "fefet" in device.name.lower()
    r = 0.0 if access == "none" or fefet else ACCESS_RESISTANCE
    return _Physics(
        finite(device.a("potentiation")),
        finite(device.a("depression")),
        float(device.states),
        float(device.sigma),
        1.0 / device.on_off,
        r / device.r_on,
    )


def pulse_count(dw, pmax: int):
    """Pulses that write the weight change ``dw`` (weights in [-1, 1]): NeuroSim's
    ``truncate(dw / 2, Pmax) * Pmax``, i.e. ``|dw| / 2 * Pmax`` rounded half up, signed.
    """
    dw = jnp.asarray(dw)
    return jnp.sign(dw) * jnp.floor(jnp.abs(dw) * (0.5 * pmax) + 0.5)


def _curve(u, a):
    """The branch curve f(u) = (1 - exp(-u/a)) / (1 - exp(-1/a)), any sign of a."""
    return jnp.expm1(-u / a) / jnp.expm1(-1.0 / a)


def _position(g, a):
    """The inverse of :func:`_curve`: pulse position u (in Pmax) of conductance g."""
    return -a * jnp.log1p(g * jnp.expm1(-1.0 / a))


def write(g, n, z, a_up, a_down, pmax, sigma):
    """Conductances after ``n`` pulses (signed, whole numbers; + potentiation).

    ``g``: normalized conductances in [0, 1]; ``z``: standard normal draws of the shape
    of ``g``; ``a_up``, ``a_down``, ``pmax``, ``sigma``: Python floats. Each cell moves
    from the pulse position of ``g`` on the branch's curve (:func:`_curve`) by
    ``n / pmax``, gains ``sigma * sqrt(|n|) * z`` and is clipped to [0, 1]; a cell with
    ``n = 0`` keeps ``g``. Returns the new ``g`` (same shape).
    """
    up = n > 0
    if abs(a_up) >= LINEAR_A and abs(a_down) >= LINEAR_A:  # a linear device
        new = g + n * (1.0 / pmax) + sigma * jnp.sqrt(jnp.abs(n)) * z
        return jnp.where(n == 0, g, jnp.clip(new, 0.0, 1.0))
    a_up, a_down = (float(np.clip(a, -LINEAR_A, LINEAR_A)) for a in (a_up, a_down))
    # per-branch constants chosen per cell (selects, no per-cell division)
    e_up, e_down = math.expm1(-1.0 / a_up), math.expm1(-1.0 / a_down)
    a = jnp.where(up, a_up, a_down)
    inv_a = jnp.where(up, 1.0 / a_up, 1.0 / a_down)
    e = jnp.where(up, e_up, e_down)
    inv_e = jnp.where(up, 1.0 / e_up, 1.0 / e_down)
    u = -a * jnp.log(1.0 + g * e) + n * (1.0 / pmax)
    new = (jnp.exp(-jnp.clip(u, -2.0, 3.0) * inv_a) - 1.0) * inv_e
    new = new + sigma * jnp.sqrt(jnp.abs(n)) * z
    return jnp.where(n == 0, g, jnp.clip(new, 0.0, 1.0))


def read_back(g, g_min, r_access):
    """Weights in [-1, 1] read from normalized conductances ``g`` against the reference.

    ``I = 1 / (1/G + R)`` with G = g_min + g (1 - g_min) in units of Gmax and R the
    access resistance times Gmax; ``W = 2 (I - Imin) / (Imax - Imin) - 1``.
    """

    def current(G):
        return G / (1.0 + r_access * G)

    G = g_min + g * (1.0 - g_min)
    i_min, i_max = current(g_min), current(1.0)
    return 2.0 * (current(G) - i_min) / (i_max - i_min) - 1.0


def _adc_offset(g_min, r_access):
    """Imin / (Imax - Imin): where the ADC's range starts."""
    i_min = g_min / (1.0 + r_access * g_min)
    i_max = 1.0 / (1.0 + r_access)
    return i_min / (i_max - i_min)


def forward(w, x, offset, adc: bool):
    """One array's weighted sum as NeuroSim's hardware computes it.

    ``w`` (out, in) read-back weights, ``x`` (..., in) inputs of 0 and 1, ``offset``
    Imin / (Imax - Imin). The column current minus the reference column's, in units of
    (Imax - Imin), is ``sum(x W) / 2``; with ``adc`` both currents first pass an 8-bit
    ADC whose full scale is ``in * (Imax - Imin)``. Returns (..., out).
    """
    rows = w.shape[1]
    active = jnp.sum(x, axis=-1, keepdims=True)
    column = 0.5 * (x @ w.T + active) + active * offset  # I / (Imax - Imin)
    reference = active * (0.5 + offset)
    if not adc:
        return column - reference
    scale = (2**ADC_BITS - 1) / rows
    return (jnp.floor(column * scale) - jnp.floor(reference * scale)) / scale


# -- training ------------------------------------------------------------------------


def _sigmoid(v):
    return 1.0 / (1.0 + jnp.exp(-v))


def _network(w1, w2, x, offset, adc: bool, binary: bool):
    a1 = _sigmoid(forward(w1, x, offset, adc))
    h = (a1 >= 0.5).astype(a1.dtype) if binary else a1
    a2 = _sigmoid(forward(w2, h, offset, adc))
    return a1, a2


@dataclass
class Run:
    """One on-chip training run: per-epoch test accuracy (%), write pulses and energy.

    ``accuracy``: (epochs,); ``pulses``: (epochs, 2) potentiation and depression
    pulses written in each epoch; ``energy``: (epochs,) joules (:func:`write_energy`);
    ``seconds``: wall time of the run; ``weights``: the final read-back (w1, w2).
    """

    device: str
    seed: int
    accuracy: np.ndarray
    pulses: np.ndarray
    energy: np.ndarray
    seconds: float
    weights: tuple[np.ndarray, np.ndarray]


POOL = 2**21


def _epoch_fn(phys: _Physics, adc: bool, binary: bool, rates, pool: bool):
    alpha1, alpha2 = rates
    offset = _adc_offset(phys.g_min, phys.r_access)
    cells = SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]

    def layer(g, dw, z):
        """Write ``dw`` on one array: the new g, its read-back weights, and the
        potentiation and depression pulses with their conductance-weighted sums."""
        n = pulse_count(dw, phys.pmax)
        new = write(g, n, z, phys.a_up, phys.a_down, phys.pmax, phys.sigma)
        work = phys.g_min + (g + new) * (0.5 * (1 - phys.g_min))  # mean G, in Gmax
        pos, neg = jnp.maximum(n, 0.0), jnp.maximum(-n, 0.0)
        # column sums by matrix-vector products, then four short sums: cheaper on
        # the CPU than four full reductions inside the loop
        rows = jnp.ones(g.shape[0], g.dtype)
        sums = [rows @ v for v in (pos, neg, pos * work, neg * work)]
        tally = jnp.stack([v.sum() for v in sums])
        return new, read_back(new, phys.g_min, phys.r_access), tally

    def step(carry, inputs, table):
        g1, w1, g2, w2, tally = carry
        x, y, noise = inputs
        x = x.astype(jnp.float32)
        a1, a2 = _network(w1, w2, x, offset, adc, binary)
        # the output array saw the binary hidden layer; the update uses the analog a1
        s2 = -2.0 * a2 * (1.0 - a2) * (y - a2)
        s1 = a1 * (1.0 - a1) * (w2.T @ s2)
        if pool:  # a window of the epoch's pool at this update's offset
            z = jax.lax.dynamic_slice(table, (noise,), (cells,))
        else:  # fresh draws from this update's key
            z = jax.random.normal(noise, (cells,), jnp.float32)
        n1 = g1.size
        z1, z2 = z[:n1].reshape(g1.shape), z[n1:].reshape(g2.shape)
        g1, w1, t1 = layer(g1, -alpha1 * jnp.outer(s1, x), z1)
        g2, w2, t2 = layer(g2, -alpha2 * jnp.outer(s2, a1), z2)
        return (g1, w1, g2, w2, tally + t1 + t2), None

    @jax.jit
    def epoch(state, xs, ys, key):
        k_pool, k_steps = jax.random.split(key)
        if pool:
            table = jax.random.normal(k_pool, (POOL,), jnp.float32)
            noise = jax.random.randint(k_steps, (xs.shape[0],), 0, POOL - cells)
        else:
            table = None
            noise = jax.random.split(k_steps, xs.shape[0])
        carry = (*state, jnp.zeros(4, jnp.float32))
        carry, _ = jax.lax.scan(lambda c, i: step(c, i, table), carry, (xs, ys, noise))
        return carry[:4], carry[4]

    @jax.jit
    def accuracy(w1, w2, x, y):
        _, a2 = _network(w1, w2, x.astype(jnp.float32), offset, adc, binary)
        return jnp.mean(jnp.argmax(a2, axis=1) == y) * 100.0

    return epoch, accuracy


def _initial_g(w, device: devices.Device, init: str) -> np.ndarray:
    """Normalized conductances of the initial weights (see option ``init``)."""
    g = (w + 1.0) / 2.0
    if init == "neurosim":  # G = (W+1)/2 (Gmax - Gmin), no Gmin, clipped at Gmin
        g = g - 1.0 / (device.on_off - 1.0)
    return np.clip(g, 0.0, 1.0).astype(np.float32)


def _check_data(x, y, name):
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != SIZES[0] or len(x) == 0:
        raise ValueError(
            f"{name} images must be (N, 400) from insitu.prepare, got shape {x.shape}"
        )
    if not np.isin(x, (0, 1)).all():
        raise ValueError(f"{name} images must be 0 and 1 (insitu.prepare binarizes)")
    y = np.asarray(y)
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} labels must be {len(x)} integers, got {y.shape}")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"{name} labels must lie in 0..9")
    return x.astype(np.uint8), y.astype(np.int32)


def train(
    device="PCMO",
    seed: int = 0,
    epochs: int = EPOCHS,
    images: int = IMAGES_PER_EPOCH,
    train_data=None,
    test_data=None,
    rates=RATES,
    progress=None,
    **options,
) -> Run:
    """Train the 400-100-10 network on ``device``, NeuroSim's way (module docstring).

    ``device``: a benchmark name, a Device, a device file, or ``"ideal"``;
    ``epochs`` of ``images`` single-image SGD updates, drawn with replacement from
    ``train_data`` = (x, y) (default: MNIST's 60,000, :func:`prepare`d); accuracy on
    ``test_data`` (default: MNIST's 10,000) after each epoch. ``options``: see
    :data:`OPTIONS`. ``progress(epoch, accuracy)`` is called after each epoch.
    Every argument is checked before any work.
    """
    dev = _device(device)
    seed = checks.seed(seed)
    epochs = checks.integer("epochs", epochs, least=1, most=10_000)
    images = checks.integer("images", images, least=1, most=1_000_000)
    rates = tuple(
        checks.number(f"rates[{i}]", r, positive=True, most=10.0)
        for i, r in enumerate(rates)
    )
    if len(rates) != 2:
        raise ValueError("rates must be two learning rates (input-hidden, hidden-out)")
    opts = _options(options)
    if train_data is None or test_data is None:
        (xt, yt), (xs, ys) = data.load_mnist()
        if train_data is None:
            train_data = (prepare(xt, opts["crop"]), yt)
        if test_data is None:
            test_data = (prepare(xs, opts["crop"]), ys)
    x_train, y_train = _check_data(*train_data, "training")
    x_test, y_test = _check_data(*test_data, "test")

    phys = _physics(dev, opts["access"])
    epoch_fn, accuracy_fn = _epoch_fn(
        phys,
        opts["adc"] == "neurosim",
        opts["hidden"] == "binary",
        rates,
        opts["noise"] == "pool",
    )
    w1, w2 = initial_weights(seed)
    g1, g2 = (_initial_g(w, dev, opts["init"]) for w in (w1, w2))
    state = tuple(
        jnp.asarray(v)
        for v in (
            g1,
            read_back(g1, phys.g_min, phys.r_access),
            g2,
            read_back(g2, phys.g_min, phys.r_access),
        )
    )
    xs_all = jnp.asarray(x_train)
    onehot = jnp.asarray(np.eye(10, dtype=np.float32)[y_train])
    x_test_j, y_test_j = jnp.asarray(x_test), jnp.asarray(y_test)
    rng = np.random.default_rng(seed)
    key = jax.random.PRNGKey(seed)
    acc = np.zeros(epochs)
    tally = np.zeros((epochs, 4))
    start = time.perf_counter()
    for e in range(epochs):
        idx = jnp.asarray(rng.integers(0, len(x_train), images))
        state, t = epoch_fn(state, xs_all[idx], onehot[idx], jax.random.fold_in(key, e))
        acc[e] = float(accuracy_fn(state[1], state[3], x_test_j, y_test_j))
        tally[e] = np.asarray(t, dtype=np.float64)
        if progress is not None:
            progress(e + 1, acc[e])
    seconds = time.perf_counter() - start
    pulse = PULSES.get(dev.name)
    energy = (
        write_energy(dev, tally[:, 2], tally[:, 3], tally[:, 0], tally[:, 1], pulse)
        if pulse is not None
        else np.full(epochs, np.nan)
    )
    return Run(
        dev.name,
        seed,
        acc,
        tally[:, :2],
        energy,
        seconds,
        (np.asarray(state[1]), np.asarray(state[3])),
    )


# -- costs -----------------------------------------------------------------------------


def write_energy(device, work_up, work_down, pulses_up, pulses_down, pulse=None):
    """Write energy in joules, NeuroSim's ``Cell.cpp`` cell term (wires left out).

    Resistive cell: ``V^2 * t * sum(pulses * (G_before + G_after) / 2)`` per branch,
    where ``work_*`` is that sum in units of Gmax (so times ``1 / r_on``). A FeFET
    (``pulse.fefet``): ``V^2 * C_gate`` per pulse. ``pulse`` defaults to the device's
    entry in :data:`PULSES`. Arrays broadcast.
    """
    dev = _device(device)
    pulse = PULSES.get(dev.name) if pulse is None else pulse
    if pulse is None:
        raise ValueError(
            f"no write pulses known for {dev.name!r}: pass pulse=Pulse(v_up, t_up, "
            "v_down, t_down)"
        )
    if pulse.fefet:
        c = FEFET_GATE_CAPACITANCE
        return pulse.v_up**2 * c * np.asarray(pulses_up) + pulse.v_down**2 * c * (
            np.asarray(pulses_down)
        )
    g_max = dev.g_max
    return g_max * (
        pulse.v_up**2 * pulse.t_up * np.asarray(work_up)
        + pulse.v_down**2 * pulse.t_down * np.asarray(work_down)
    )


def mapping_cost(weights: dict, method: str, levels: int, device="PCMO") -> dict:
    """Pulses and energy to program a trained network once from Gmin, by a mapping
    method.

    ``weights``: a weight set (``model.load_weights``); the paper's defaults of
    :func:`synquant.quantize.network` (a differential pair, the idle device at Gmin):
    each weight's magnitude is written on the potentiation branch, ``P`` pulses from
    Gmin (:func:`synquant.nonideal.pulses`, rounded to whole pulses). Returns
    ``{"pulses": total, "devices": count, "energy_j": joules}``.
    """
    dev = _device(device)
    q = quantize.network(weights, method, levels, dev)
    total, work, count = 0.0, 0.0, 0
    for name, value in q.items():
        if not name.upper().startswith("W"):  # the weight matrices, not the biases
            continue
        g = np.abs(np.asarray(value, dtype=np.float64))
        p = np.rint(nonideal.pulses(g, dev))
        total += float(p.sum())
        count += 2 * g.size  # a pair of devices per weight
        # G rises from Gmin along the curve; NeuroSim's per-pulse G averages, summed.
        steps = np.arange(dev.states)
        curve_g = dev.g_min + dev.conductance(steps / (dev.states - 1)) * (
            dev.g_max - dev.g_min
        )
        mid = np.concatenate([[0.0], np.cumsum((curve_g[:-1] + curve_g[1:]) / 2)])
        work += float(mid[p.astype(int)].sum()) / dev.g_max
    energy = float(write_energy(dev, work, 0.0, total, 0.0))
    return {"pulses": total, "devices": count, "energy_j": energy}


# -- the cached grid -----------------------------------------------------------------

DEVICES = (*devices.names(), "ideal")
CSV_FIELDS = (
    "device",
    "seed",
    "epoch",
    "accuracy_pct",
    "pulses_up",
    "pulses_down",
    "energy_j",
    "seconds",
    "option",
    "value",
)
RESULTS = Path(__file__).resolve().parent.parent / "data" / "results" / "insitu.csv"


def _csv_text(runs: list[tuple[Run, str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r, option, value in runs:
        for e in range(len(r.accuracy)):
            w.writerow(
                [
                    r.device,
                    r.seed,
                    e + 1,
                    f"{r.accuracy[e]:.2f}",
                    f"{r.pulses[e, 0]:.0f}",
                    f"{r.pulses[e, 1]:.0f}",
                    f"{r.energy[e]:.6g}",
                    f"{r.seconds:.1f}",
                    option,
                    value,
                ]
            )
    return out.getvalue()


def run_grid(
    device_names=DEVICES,
    seeds=(0, 1, 2),
    epochs: int = EPOCHS,
    path: Path | str = RESULTS,
    force: bool = False,
    log=print,
    vary=(),
    **options,
) -> Path:
    """Train every device x seed and write the tidy CSV (:data:`CSV_FIELDS`), rewritten
    atomically after each run so that a stopped grid keeps what it finished; a JSON
    beside it records the grid, the options and the command. Checks the output path,
    devices, seeds and options before any training.

    ``vary``: names of :data:`OPTIONS`; instead of one run per device and seed, one
    run per other value of each named option (the sensitivity rows, ``option`` and
    ``value`` in the CSV; empty for the runs at the chosen options).
    """
    path = checks.path("output", path, suffix=".csv")
    files.check_writable(path, path.with_suffix(".json"), force=force)
    names = [_device(d).name for d in device_names]
    if not names:
        raise ValueError("devices: name at least one device")
    seeds = [checks.seed(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    epochs = checks.integer("epochs", epochs, least=1, most=10_000)
    opts = _options(options)
    vary = list(vary)
    for name in vary:
        checks.choice("option to vary", name, OPTIONS)
    variants = [
        (name, value) for name in vary for value in OPTIONS[name] if value != opts[name]
    ] or [("", "")]
    meta = {
        "command": "python -m synquant insitu "
        + " ".join(
            ["--devices", *(f'"{n}"' if " " in n else n for n in names)]
            + ["--seeds", *map(str, seeds), "--epochs", str(epochs)]
            + [f"--{k} {v}" for k, v in opts.items() if v != DEFAULTS[k]]
            + (["--vary", *vary] if vary else [])
            + ["--out", str(path), "--force"]
        ),
        "devices": names,
        "seeds": seeds,
        "epochs": epochs,
        "images_per_epoch": IMAGES_PER_EPOCH,
        "options": opts,
        "vary": vary,
        "finished": [],
    }
    runs: list[tuple[Run, str, str]] = []
    for seed in seeds:  # every device once before the next seed
        for name in names:
            for option, value in variants:
                changed = {**opts, option: value} if option else opts
                run = train(name, seed, epochs, **changed)
                runs.append((run, option, value))
                log(
                    f"{name} seed {seed}{f' {option}={value}' if option else ''}: "
                    f"{run.accuracy[-1]:.2f} % after {epochs} epochs "
                    f"({run.seconds:.0f} s)"
                )
                text = _csv_text(runs)
                files.atomic_write(path, lambda f, t=text: f.write(t.encode()))
                meta["finished"].append([name, seed, option, value, run.seconds])
                js = json.dumps(meta, indent=2) + "\n"
                files.atomic_write(
                    path.with_suffix(".json"), lambda f, t=js: f.write(t.encode())
                )
    return path


def summary(table, last: int = 10) -> dict[str, dict[str, float]]:
    """Final accuracy per device: the mean over seeds of the mean of the last ``last``
    epochs, and its spread over seeds. ``table``: rows of the CSV as dicts (or a path).
    Returns ``{device: {"accuracy": %, "sd": %, "seeds": n}}``.
    """
    if isinstance(table, (str, Path)):
        with open(table, newline="") as f:
            table = list(csv.DictReader(f))
    last = checks.integer("last", last, least=1)
    per: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for row in table:
        key = (row["device"], int(row["seed"]))
        per.setdefault(key, []).append((int(row["epoch"]), float(row["accuracy_pct"])))
    out: dict[str, list[float]] = {}
    for (name, _), rows in per.items():
        rows.sort()
        out.setdefault(name, []).append(float(np.mean([a for _, a in rows[-last:]])))
    return {
        name: {
            "accuracy": float(np.mean(v)),
            "sd": float(np.std(v, ddof=1)) if len(v) > 1 else math.nan,
            "seeds": len(v),
        }
        for name, v in out.items()
    }


def compare(final: dict, within: float = 10.0) -> dict:
    """This book's on-chip accuracies against Table II (:data:`TABLE_II`).

    ``final``: :func:`summary`'s output (the ideal device, if present, is left out).
    Returns ``{"rows": [{device, neurosim, measured, sd, difference, within}],
    "rank": Spearman's rho over the devices with its exact permutation p-value
    (:func:`synquant.stats.rank_correlation`), "rho": its value, "bottom": the three
    lowest here, "top": the three highest here, "bottom_ok": PCMO and AlOx/HfO2
    among the bottom three, "top_ok": EpiRAM, GST PCM and HZO FeFET the top three}``.
    Raises ValueError when a Table II device is missing.
    """
    missing = [d for d in TABLE_II if d not in final]
    if missing:
        raise ValueError(
            f"no results for {', '.join(missing)}: run python -m synquant insitu "
            "for every benchmark device"
        )
    rows = []
    for name, ref in TABLE_II.items():
        got = final[name]["accuracy"]
        rows.append(
            {
                "device": name,
                "neurosim": ref,
                "measured": got,
                "sd": final[name]["sd"],
                "difference": got - ref,
                "within": abs(got - ref) <= within,
            }
        )
    names = [r["device"] for r in rows]
    measured = [r["measured"] for r in rows]
    order = [names[i] for i in np.argsort(measured, kind="stable")]
    bottom, top = order[:3], order[-3:][::-1]
    rank = stats.rank_correlation([r["neurosim"] for r in rows], measured)
    return {
        "rows": rows,
        "rank": rank,
        "rho": rank.rho,
        "bottom": bottom,
        "top": top,
        "bottom_ok": {"PCMO", "AlOx/HfO2"} <= set(bottom),
        "top_ok": set(top) == {"EpiRAM", "GST PCM", "HZO FeFET"},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m synquant insitu",
        description="On-chip training (NeuroSim V3.0) on the benchmark devices: "
        "writes a tidy CSV per device, seed and epoch.",
    )
    parser.add_argument("--devices", nargs="+", default=list(DEVICES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--force", action="store_true")
    parser.add_argument(
        "--vary",
        nargs="+",
        default=[],
        choices=list(OPTIONS),
        help="sensitivity rows: one run per other value of each named option",
    )
    for name, values in OPTIONS.items():
        parser.add_argument(f"--{name}", choices=values, default=values[0])
    args = parser.parse_args(argv)
    opts = {k: getattr(args, k) for k in OPTIONS}
    try:
        path = run_grid(
            args.devices,
            args.seeds,
            args.epochs,
            args.out,
            args.force,
            vary=args.vary,
            **opts,
        )
    except (ValueError, TypeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0

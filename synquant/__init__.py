"""synquant: uniform quantization of MLP weights onto synaptic-device conductances.

A reproduction of J. E. Lee et al., "Uniform Quantization Method for Synaptic Device"
(Kwangwoon University). The library, one concept a module, in the order data flows:

``data`` (MNIST) -> ``model`` (train, save and load weights) -> ``devices`` (conductance
curves, reference levels; ``fit`` makes a device from measured pulse data) -> ``levels``
(snap to reference levels) -> ``quantize`` (normalize, uniform, snap, proposed,
sampling; ``optimal`` levels) -> ``nonideal`` (Monte Carlo) -> ``evaluate`` (accuracy,
sweeps, results files) and ``stats`` (paired tests, intervals); ``aware`` trains the
network through a device's levels, ``insitu`` trains on the device itself, after
NeuroSim. ``checks`` and ``files`` are the small shared pieces.

``import synquant as sq`` gives every library module (``sq.quantize.network(...)``).
The book's chapters present it through :mod:`synquant.book`, which the library never
imports.
"""

import os

# Keras reads its backend once, at its first import: choose JAX on the CPU before that.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

from . import (  # noqa: E402  (after the backend is chosen)
    aware,
    checks,
    data,
    devices,
    evaluate,
    files,
    fit,
    insitu,
    levels,
    model,
    nonideal,
    optimal,
    quantize,
    stats,
)

__all__ = [
    "aware",
    "checks",
    "data",
    "devices",
    "evaluate",
    "files",
    "fit",
    "insitu",
    "levels",
    "model",
    "nonideal",
    "optimal",
    "quantize",
    "stats",
]

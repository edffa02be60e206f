"""synquant: uniform quantization of MLP weights onto synaptic-device conductances.

A reproduction of J. E. Lee et al., "Uniform Quantization Method for Synaptic Device"
(Kwangwoon University). Modules, each one concept, in the order data flows:

``data`` (MNIST) -> ``model`` (train, save and load weights) -> ``devices`` (conductance
curves, reference levels) -> ``quantize`` (normalize, uniform, snap, proposed, sampling)
-> ``evaluate`` (accuracy, sweeps, results files).
"""

import os

# Keras reads its backend once, at its first import: choose JAX on the CPU before that.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

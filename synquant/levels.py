"""Reference levels, and snapping to the nearest of them: the step that every
quantization method shares.

:mod:`synquant.quantize` (the paper's methods, uniform levels snapped to the device's
reference levels, or the sampling method's levels) and :mod:`synquant.optimal` (levels
chosen from the weights) both build on it. :func:`synquant.quantize.snap` is the same
function.
"""

from __future__ import annotations

import numpy as np

from . import checks

__all__ = ["snap", "check_reference"]


def check_reference(reference, name: str = "reference levels") -> np.ndarray:
    """Reference levels as a float64 array: 1-D, non-empty, finite, ascending,
    non-negative."""
    ref = checks.finite_array(name, reference)
    if ref.ndim != 1 or ref.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {ref.shape}")
    ref = ref.astype(np.float64)
    if np.any(np.diff(ref) < 0):
        raise ValueError(
            f"{name} must be sorted in ascending order: pass np.sort(reference)"
        )
    if ref[0] < 0:
        raise ValueError(
            f"{name} must be non-negative magnitudes (smallest {ref[0]:.4g}): signs "
            "are kept "
            "apart, so pass the device's normalized conductances in [0, 1]"
        )
    return ref


def snap(w, reference) -> np.ndarray:
    """Move each magnitude to the nearest reference level; signs are kept.

    ``reference``: 1-D, ascending, non-negative levels. Ties go to the larger level. A
    zero
    counts as positive, so it too lands on a reference level (itself, when 0 is one).
    """
    ref = check_reference(reference)
    w = checks.finite_array("weights", w)
    magnitude = np.abs(w)
    upper = np.clip(
        np.searchsorted(ref, magnitude, side="left"), 1, max(ref.size - 1, 1)
    )
    lower = upper - 1
    if ref.size == 1:
        nearest = np.full_like(magnitude, ref[0], dtype=np.float64)
    else:
        go_up = (ref[upper] - magnitude) <= (magnitude - ref[lower])
        nearest = np.where(go_up, ref[upper], ref[lower])
    out = np.where(w < 0, -1.0, 1.0) * nearest
    return out.astype(w.dtype) if np.issubdtype(w.dtype, np.floating) else out

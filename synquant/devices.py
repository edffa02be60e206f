"""Synaptic devices: NeuroSim's nonlinear conductance curve and the benchmark table.

A device programmed by ``P`` identical pulses out of ``Pmax`` follows, normalized to
``x = P / Pmax`` in [0, 1] and conductance in [0, 1],

    f(x) = (1 - exp(-x / a)) / (1 - exp(-1 / a)),

with ``a = A / Pmax`` (NeuroSim V3.0 manual, section 5.1). A negative ``a`` bends the
curve the other way, which is the depression branch read from Gmax down. Device tables
quote a nonlinearity label ``NL`` instead of ``a``; NeuroSim's own table from one to the
other satisfies ``max_x |f(x) - x| = 0.099 * |NL|``, and :func:`nl_to_a` inverts it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

__all__ = [
    "Device",
    "BENCHMARK",
    "DEFAULT_DEVICE",
    "get",
    "names",
    "nl_to_a",
    "max_gap",
    "curve",
]

#: NeuroSim's label-to-curve rule: the largest gap between f(x) and x is GAP_PER_NL * |NL|.
GAP_PER_NL = 0.099
#: Largest |NL| whose gap stays below 1 (the gap of a step function).
NL_MAX = 1 / GAP_PER_NL
#: Step of NeuroSim's 900-entry label table.
NEUROSIM_GRID = 0.01
#: Entries of NeuroSim's table for the labels of the benchmark devices (|NL| -> a). The
#: root of the gap rule agrees with them to about 1e-4; they are used as they are so
#: that a benchmark device's curve is NeuroSim's own.
NEUROSIM_TABLE = {
    0.04: 31.566827, 0.10: 12.625807, 0.50: 2.519877, 0.61: 2.063266, 0.63: 1.997332,
    1.46: 0.848677, 1.75: 0.702081, 1.85: 0.661941, 1.94: 0.629249, 2.40: 0.499181,
    3.68: 0.300644, 4.88: 0.200303, 6.76: 0.100251,
}


def max_gap(a: float) -> float:
    """Largest vertical gap between the curve of parameter ``a`` > 0 and the line y = x.

    Closed form: the gap f(x) - x peaks where f'(x) = 1.
    """
    a = float(a)
    if not np.isfinite(a) or a <= 0:
        raise ValueError(f"max_gap needs a finite a > 0, got {a!r}")
    norm = -np.expm1(-1 / a)  # 1 - exp(-1/a), accurate for large a
    x_star = -a * np.log(a * norm)
    return float(-np.expm1(-x_star / a) / norm - x_star)


@functools.cache
def nl_to_a(nl: float, grid: float | None = NEUROSIM_GRID, table: bool = True) -> float:
    """Curve parameter ``a`` (= A / Pmax, dimensionless) for a nonlinearity label ``nl``.

    The sign of ``a`` follows the sign of ``nl``; ``nl = 0`` is a linear device and gives
    ``a = inf``. NeuroSim reads its table at ``|nl|`` truncated to steps of ``grid``
    (0.01: the label 0.105 reads as 0.10); ``grid=None`` takes the label as given. With
    ``table`` a label found in :data:`NEUROSIM_TABLE` takes NeuroSim's entry; any other is
    solved from the gap rule by root finding. Raises ValueError for a label outside
    (-1/0.099, 1/0.099).
    """
    nl = float(nl)
    if not np.isfinite(nl) or abs(nl) >= NL_MAX:
        raise ValueError(
            f"nonlinearity label {nl!r} is out of range: use a finite value with "
            f"|NL| < {NL_MAX:.2f} (0 is a linear device)"
        )
    magnitude = abs(nl)
    if grid is not None:
        # the small epsilon keeps labels such as 1.85 (184.99999... steps) on their step
        magnitude = np.floor(magnitude / grid + 1e-6) * grid
    if magnitude == 0:
        return float("inf")
    key = round(magnitude, 6)
    if table and key in NEUROSIM_TABLE:
        return float(np.copysign(NEUROSIM_TABLE[key], nl))
    target = GAP_PER_NL * magnitude
    # max_gap falls monotonically from 1 (a -> 0) to 0 (a -> inf); bracket the root.
    lo, hi = 1e-4, 1e6
    a = brentq(lambda a: max_gap(a) - target, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500)
    return float(np.copysign(a, nl))


def curve(x, a) -> np.ndarray:
    """Normalized conductance f(x) in [0, 1] at normalized pulse numbers ``x`` in [0, 1].

    ``x`` and ``a`` broadcast (one ``a`` per device is fine); ``a = +-inf`` is the linear
    device f(x) = x. A negative ``a`` is evaluated as ``1 - f_{|a|}(1 - x)``, the same curve
    without overflow in ``exp(1/|a|)``.
    """
    x = np.asarray(x)
    x = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0 and np.isinf(a):
        return x.copy()
    b = np.minimum(np.abs(a), 1e30)  # an infinite |a| is linear to far below float precision
    rising = a > 0
    y = np.where(rising, x, 1 - x)
    f = np.expm1(-y / b) / np.expm1(-1 / b)
    return np.where(rising, f, 1 - f).astype(x.dtype)


BRANCHES = ("potentiation", "depression")


@dataclass(frozen=True)
class Device:
    """An analog synaptic device from NeuroSim's benchmark table.

    Attributes:
        name: device name as in the table.
        states: number of conductance states (programming pulses + 1 ... the table's count).
        nl_increase: nonlinearity label of the potentiation branch.
        nl_decrease: nonlinearity label of the depression branch.
        r_on: on resistance in ohm (Gmax = 1 / r_on).
        on_off: on/off ratio (Gmin = Gmax / on_off).
        sigma: cycle-to-cycle variation, a fraction of (Gmax - Gmin).
    """

    name: str
    states: int
    nl_increase: float
    nl_decrease: float
    r_on: float
    on_off: float
    sigma: float

    def __post_init__(self):
        if int(self.states) != self.states or self.states < 2:
            raise ValueError(f"{self.name}: states must be an integer >= 2, got {self.states!r}")
        for label in (self.nl_increase, self.nl_decrease):
            nl_to_a(label)  # validates the range

    @property
    def g_max(self) -> float:
        """Largest conductance in siemens."""
        return 1.0 / self.r_on

    @property
    def g_min(self) -> float:
        """Smallest conductance in siemens."""
        return self.g_max / self.on_off

    def a(self, branch: str = "potentiation") -> float:
        """Curve parameter ``a`` of a branch ('potentiation' or 'depression')."""
        return nl_to_a(self.nl_increase if _check_branch(branch) == "potentiation" else self.nl_decrease)

    def conductance(self, x, branch: str = "potentiation") -> np.ndarray:
        """Normalized conductance in [0, 1] at normalized pulse numbers ``x`` in [0, 1]."""
        return curve(x, self.a(branch))

    def reference_levels(self, branch: str = "potentiation", states: int | None = None) -> np.ndarray:
        """The device's reachable normalized conductances, shape (states,), ascending in [0, 1].

        The branch's curve sampled at ``states`` evenly spaced pulse numbers, first and
        last included (the paper's "reference values"). ``states`` defaults to the
        device's own count; another count keeps the same nonlinearity.
        """
        n = self.states if states is None else states
        if isinstance(n, bool) or int(n) != n or n < 2:
            raise ValueError(f"states must be an integer >= 2, got {n!r}")
        return self.conductance(np.linspace(0.0, 1.0, int(n)), branch)

    def with_states(self, states: int) -> Device:
        """The same device with another number of states (same nonlinearity)."""
        return Device(self.name, states, self.nl_increase, self.nl_decrease, self.r_on, self.on_off, self.sigma)


def _check_branch(branch: str) -> str:
    if branch not in BRANCHES:
        raise ValueError(f"unknown branch {branch!r}: use one of {', '.join(BRANCHES)}")
    return branch


#: NeuroSim V3.0 manual, Table II (32 nm), after Chen and Yu (IEEE Design & Test, 2018).
#: Where the table gives a range or a bound (GST's 100-120 states, "< 1 %"), the value
#: used is the first number (100 states) or the bound itself.
BENCHMARK: dict[str, Device] = {
    d.name: d
    for d in (
        Device("Ag:a-Si", 97, 2.4, -4.88, 26e6, 12.5, 0.035),
        Device("TaOx/HfOx", 128, 0.04, -0.63, 100e3, 10.0, 0.037),
        Device("PCMO", 50, 3.68, -6.76, 23e6, 6.84, 0.01),
        Device("AlOx/HfO2", 40, 1.94, -0.61, 16.9e3, 4.43, 0.05),
        Device("GST PCM", 100, 0.105, 2.4, 4.71e3, 19.8, 0.015),
        Device("EpiRAM", 64, 0.5, -0.5, 81e3, 50.2, 0.02),
        Device("HZO FeFET", 32, 1.75, 1.46, 559.28e3, 45.0, 0.005),
    )
}

DEFAULT_DEVICE = "PCMO"


def names() -> list[str]:
    """Names of the benchmark devices, in table order."""
    return list(BENCHMARK)


def get(name: str | Device = DEFAULT_DEVICE) -> Device:
    """A benchmark device by name (case-insensitive); a Device passes through."""
    if isinstance(name, Device):
        return name
    for key, device in BENCHMARK.items():
        if str(name).lower() == key.lower():
            return device
    raise ValueError(f"unknown device {name!r}: use one of {', '.join(BENCHMARK)}")

"""Synaptic devices: NeuroSim's nonlinear conductance curve and the benchmark table.

A device programmed by ``P`` identical pulses out of ``Pmax`` follows, normalized to
``x = P / Pmax`` in [0, 1] and conductance in [0, 1],

    f(x) = (1 - exp(-x / a)) / (1 - exp(-1 / a)),

with ``a = A / Pmax`` (NeuroSim V3.0 manual, section 5.1). A negative ``a`` bends the
curve the other way, which is the depression branch read from Gmax down. Device tables
quote a nonlinearity label ``NL`` instead of ``a``; NeuroSim's own table from one to the
other satisfies ``max_x |f(x) - x| = 0.099 * |NL|``, and :func:`nl_to_a` inverts it.

A device of one's own is a JSON file with the fields of :class:`Device` (see
:func:`load`, :func:`save`); :func:`get` takes a benchmark name or such a file's path.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from .files import atomic_write, check_new

__all__ = [
    "BENCHMARK",
    "DEFAULTS",
    "DEFAULT_DEVICE",
    "Device",
    "DeviceFileError",
    "MAX_STATES",
    "a_to_nl",
    "curve",
    "from_dict",
    "get",
    "load",
    "max_gap",
    "names",
    "nl_to_a",
    "save",
]

#: NeuroSim's label-to-curve rule: the largest gap between f(x) and x is
#: GAP_PER_NL * |NL|.
GAP_PER_NL = 0.099
#: Largest |NL| whose gap stays below 1 (the gap of a step function).
NL_MAX = 1 / GAP_PER_NL
#: Step of NeuroSim's 900-entry label table.
NEUROSIM_GRID = 0.01
#: Entries of NeuroSim's table for the labels of the benchmark devices (|NL| -> a). The
#: root of the gap rule agrees with them to about 1e-4; they are used as they are so
#: that a benchmark device's curve is NeuroSim's own.
NEUROSIM_TABLE = {
    0.04: 31.566827,
    0.10: 12.625807,
    0.50: 2.519877,
    0.61: 2.063266,
    0.63: 1.997332,
    1.46: 0.848677,
    1.75: 0.702081,
    1.85: 0.661941,
    1.94: 0.629249,
    2.40: 0.499181,
    3.68: 0.300644,
    4.88: 0.200303,
    6.76: 0.100251,
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


def nl_to_a(nl: float, grid: float | None = NEUROSIM_GRID, table: bool = True) -> float:
    """Curve parameter ``a`` (= A / Pmax, dimensionless) for a nonlinearity label
    ``nl``.

    The sign of ``a`` follows the sign of ``nl``; ``nl = 0`` is a linear device and
    gives ``a = inf``. NeuroSim reads its table at ``|nl|`` truncated to steps of
    ``grid`` (0.01: the label 0.105 reads as 0.10); ``grid=None`` takes the label as
    given. With ``table`` a label found in :data:`NEUROSIM_TABLE` takes NeuroSim's
    entry; any other is solved from the gap rule by root finding. Raises ValueError for
    a label outside (-1/0.099, 1/0.099), TypeError for a label that is not a number.
    """
    if isinstance(nl, bool) or not isinstance(nl, numbers.Real):
        raise TypeError(
            f"nonlinearity label {nl!r} is not a number: pass a float such as 3.68 (0 "
            "is linear)"
        )
    if grid is not None and (
        isinstance(grid, bool) or not isinstance(grid, numbers.Real) or not grid > 0
    ):
        raise ValueError(
            f"grid={grid!r}: use a positive step such as 0.01, or None for the label "
            "as given"
        )
    return _nl_to_a(float(nl), None if grid is None else float(grid), bool(table))


@functools.cache
def _nl_to_a(nl: float, grid: float | None, table: bool) -> float:
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
    a = brentq(
        lambda a: max_gap(a) - target, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500
    )
    return float(np.copysign(a, nl))


def curve(x, a) -> np.ndarray:
    """Normalized conductance f(x) in [0, 1] at normalized pulse numbers ``x`` in
    [0, 1].

    ``x`` and ``a`` broadcast (one ``a`` per device is fine); ``a = +-inf`` is the
    linear device f(x) = x. A negative ``a`` is evaluated as ``1 - f_{|a|}(1 - x)``, the
    same curve without overflow in ``exp(1/|a|)``.
    """
    x = np.asarray(x)
    x = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0 and np.isinf(a):
        return x.copy()
    # an infinite |a| is linear to far below float precision
    b = np.minimum(np.abs(a), 1e30)
    rising = a > 0
    y = np.where(rising, x, 1 - x)
    f = np.expm1(-y / b) / np.expm1(-1 / b)
    return np.where(rising, f, 1 - f).astype(x.dtype)


def a_to_nl(a: float) -> float:
    """Nonlinearity label of the curve parameter ``a``: the inverse of :func:`nl_to_a`.

    The same rule read the other way, in closed form: ``NL = sign(a) * max_gap(|a|) /
    0.099``; ``a = +-inf`` (linear) gives 0. ``nl_to_a(a_to_nl(a), grid=None,
    table=False)`` returns ``a`` again.
    """
    if (
        isinstance(a, bool)
        or not isinstance(a, numbers.Real)
        or math.isnan(a)
        or a == 0
    ):
        raise ValueError(
            f"curve parameter a={a!r}: use a nonzero number (+-inf is the linear "
            "device)"
        )
    if math.isinf(a):
        return 0.0
    return float(math.copysign(max_gap(abs(a)) / GAP_PER_NL, a))


BRANCHES = ("potentiation", "depression")

#: Most conductance states a device may have (10 000 programming pulses + 1). The
#: benchmark devices hold 32 to 128 and measured pulse trains rarely exceed a few
#: thousand pulses; a larger count is almost always a typo or a unit slip (1e9 states
#: would need 8 GB for the reference levels alone). Checked before any array is made.
MAX_STATES = 10_001

#: Values that a device file may leave out, and why they are harmless there: the
#: book's quantization reads only the normalized curves (states and NL); r_on and on_off
#: set the conductances in siemens, sigma the write noise of the non-idealities chapter.
DEFAULTS = {"nl_decrease": None, "r_on": 1e6, "on_off": 10.0, "sigma": 0.0}
#: Fields that a device file must give.
REQUIRED = ("name", "states", "nl_increase")


def _number(name: str, value, what: str, ok) -> float:
    """``value`` as a float, or ValueError naming the field ``name`` and saying
    ``what``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not ok(value)
    ):
        raise ValueError(f"device field {name}={value!r}: {what}")
    return float(value)


@dataclass(frozen=True)
class Device:
    """An analog synaptic device: NeuroSim's model of its two branches.

    Attributes:
        name: device name (a non-empty string).
        states: number of conductance states, programming pulses + 1 (an integer from
            2 to :data:`MAX_STATES`).
        nl_increase: nonlinearity label of the potentiation branch (|NL| < 10.1).
        nl_decrease: nonlinearity label of the depression branch (|NL| < 10.1).
        r_on: on resistance in ohm (Gmax = 1 / r_on), > 0.
        on_off: on/off ratio (Gmin = Gmax / on_off), > 1.
        sigma: cycle-to-cycle variation, a fraction of (Gmax - Gmin) per sqrt(pulse),
            >= 0.

    A bad value raises ValueError (TypeError for a name that is not a string) naming the
    field and saying what it takes.
    """

    name: str
    states: int
    nl_increase: float
    nl_decrease: float
    r_on: float
    on_off: float
    sigma: float

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(
                f"device field name={self.name!r}: give the device a name (a string)"
            )
        if not self.name.strip():
            raise ValueError("device field name='': give the device a non-empty name")
        object.__setattr__(self, "states", _states(self.states, self.name))
        for field in ("nl_increase", "nl_decrease"):
            value = _number(
                field,
                getattr(self, field),
                f"use a finite number with |NL| < {NL_MAX:.2f} (0 is a linear device)",
                lambda v: abs(v) < NL_MAX,
            )
            object.__setattr__(self, field, value)
        checks = {
            "r_on": (
                "the on resistance must be a finite number of ohms > 0",
                lambda v: v > 0,
            ),
            "on_off": (
                "the on/off ratio must be a finite number > 1 (Gmax / Gmin)",
                lambda v: v > 1,
            ),
            "sigma": (
                "the cycle-to-cycle variation must be a finite fraction >= 0 (0.01 is "
                "1 %)",
                lambda v: v >= 0,
            ),
        }
        for field, (what, ok) in checks.items():
            object.__setattr__(
                self, field, _number(field, getattr(self, field), what, ok)
            )

    def to_dict(self) -> dict:
        """The device's fields as a plain dict (the JSON of a device file, without
        "fit")."""
        return asdict(self)

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
        return nl_to_a(
            self.nl_increase
            if check_branch(branch) == "potentiation"
            else self.nl_decrease
        )

    def conductance(self, x, branch: str = "potentiation") -> np.ndarray:
        """Normalized conductance in [0, 1] at normalized pulse numbers ``x`` in
        [0, 1]."""
        return curve(x, self.a(branch))

    def reference_levels(
        self, branch: str = "potentiation", states: int | None = None
    ) -> np.ndarray:
        """The device's reachable normalized conductances, shape (states,), ascending in
        [0, 1].

        The branch's curve sampled at ``states`` evenly spaced pulse numbers, first and
        last included (the paper's "reference values"). ``states`` defaults to the
        device's own count; another count keeps the same nonlinearity.
        """
        n = self.states if states is None else _states(states)
        return self.conductance(np.linspace(0.0, 1.0, n), branch)

    def with_states(self, states: int) -> Device:
        """The same device with another number of states (same nonlinearity)."""
        return Device(
            self.name,
            states,
            self.nl_increase,
            self.nl_decrease,
            self.r_on,
            self.on_off,
            self.sigma,
        )


FIELDS = tuple(f.name for f in fields(Device))


def _states(states, device: str = "") -> int:
    """``states`` as an int from 2 to :data:`MAX_STATES` (an integral float such as
    50.0 from a JSON file is fine); else ValueError naming the field and the device."""
    ok = (
        not isinstance(states, bool)
        and isinstance(states, numbers.Real)
        and math.isfinite(states)
        and int(states) == states
    )
    if not ok or not 2 <= states <= MAX_STATES:
        where = f"{device}: device field " if device else ""
        raise ValueError(
            f"{where}states={states!r}: states must be an integer from 2 to "
            f"{MAX_STATES} (the number of conductance states, pulses + 1)"
        )
    return int(states)


def check_branch(branch: str) -> str:
    """``branch`` when it is one of :data:`BRANCHES`; else an error listing them."""
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


class DeviceFileError(ValueError):
    """A device file that cannot be read as a device; the message names the file and
    field."""


def from_dict(data: dict, source: str = "device") -> Device:
    """A Device from a mapping of its fields (missing optional ones take
    :data:`DEFAULTS`).

    Keys other than the fields of :class:`Device` are an error, except ``"fit"`` (the
    record of :mod:`synquant.fit`). Raises DeviceFileError naming ``source`` and the
    field.
    """
    if not isinstance(data, dict):
        raise DeviceFileError(
            f"{source}: a device file holds one JSON object with the fields "
            f"{', '.join(FIELDS)}, not {type(data).__name__}"
        )
    unknown = sorted(set(data) - set(FIELDS) - {"fit"})
    if unknown:
        raise DeviceFileError(
            f"{source}: unknown field(s) {', '.join(map(repr, unknown))}; a "
            "device file "
            f'takes {", ".join(FIELDS)} (and a "fit" record)'
        )
    missing = [f for f in REQUIRED if f not in data]
    if missing:
        raise DeviceFileError(
            f"{source}: missing field(s) {', '.join(missing)}; a device file needs "
            f"{', '.join(REQUIRED)} (optional: {', '.join(DEFAULTS)})"
        )
    values = {**DEFAULTS, **{k: v for k, v in data.items() if k != "fit"}}
    if values["nl_decrease"] is None:
        nl = values["nl_increase"]
        # the symmetric device: the depression branch bends like the potentiation branch
        values["nl_decrease"] = (
            -nl if isinstance(nl, numbers.Real) and not isinstance(nl, bool) else nl
        )
    try:
        return Device(**values)
    except (TypeError, ValueError) as err:
        raise DeviceFileError(f"{source}: {err}") from None


def load(path: Path | str) -> Device:
    """The device of a device file (JSON; see :func:`from_dict` and :func:`save`).

    Raises DeviceFileError (a ValueError) naming the file, and the field where one is at
    fault; FileNotFoundError for a missing file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no device file at {path}: give a device name ({', '.join(BENCHMARK)}) or "
            "the path of a device JSON file"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DeviceFileError(
            f"{path}: not a text file; a device file is JSON with the fields "
            f"{', '.join(FIELDS)}"
        ) from None
    except json.JSONDecodeError as err:
        raise DeviceFileError(
            f"{path}: not valid JSON (line {err.lineno}: {err.msg}); a device file is "
            f"JSON with the fields {', '.join(FIELDS)}"
        ) from None
    return from_dict(data, str(path))


def save(
    device: Device, path: Path | str, force: bool = False, extra: dict | None = None
) -> Path:
    """Write ``device`` as a device file (JSON), atomically; refuses to overwrite unless
    ``force``.

    ``extra``: more top-level entries; only ``{"fit": {...}}`` is allowed (what
    :func:`load` accepts). Returns the path.
    """
    if not isinstance(device, Device):
        raise TypeError(f"save needs a Device, got {type(device).__name__}")
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise ValueError(f"device file {path}: name it with a .json suffix")
    extra = dict(extra or {})
    unknown = sorted(set(extra) - {"fit"})
    if unknown:
        raise ValueError(
            f"extra entries {', '.join(map(repr, unknown))}: a device file "
            'takes only a "fit" record'
        )
    check_new(path, force=force)
    text = json.dumps({**device.to_dict(), **extra}, indent=2, allow_nan=False) + "\n"
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def _is_path(x) -> bool:
    if isinstance(x, Path):
        return True
    return str(x).lower().endswith(".json") or Path(str(x)).is_file()


def get(name: str | Path | Device = DEFAULT_DEVICE) -> Device:
    """A device: a benchmark name (case-insensitive), a Device (passes through), or the
    path of a device file (a ``Path``, a string ending in ``.json``, or an existing
    file).

    Raises ValueError for an unknown name, DeviceFileError (a ValueError) naming the
    file and field for a bad device file, FileNotFoundError for a missing one.
    """
    if isinstance(name, Device):
        return name
    if not isinstance(name, (str, Path)):
        raise TypeError(
            f"device {name!r}: give a device name ({', '.join(BENCHMARK)}), a Device, "
            "or the path of a device JSON file"
        )
    if isinstance(name, str):
        for key, device in BENCHMARK.items():
            if name.lower() == key.lower():
                return device
    if _is_path(name):
        return load(name)
    raise ValueError(
        f"unknown device {name!r}: use one of {', '.join(BENCHMARK)}, or the path of a "
        "device JSON file"
    )

"""The chapter "Training with the device": its figure, tables and tests, read from the
cached comparison of :func:`synquant.aware.run_grid` (``make aware``).

Rows are those of ``data/results/aware-comparison.csv``: the columns of
:data:`synquant.evaluate.COLUMNS` plus :data:`synquant.aware.EXTRA_COLUMNS`; the label
``training`` is "post-training" (the paper: train, then map), "aware-finetune",
"aware-scratch" or "noise-aware-finetune". Accuracies are in percent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats as scipy_stats

from .. import aware, evaluate, nonideal, stats
from . import figures

__all__ = [
    "TRAININGS",
    "Goal",
    "read",
    "accuracy",
    "seeds_of",
    "paired",
    "four_curves",
    "device_table",
    "seed_table",
    "noise_table",
    "NoiseTest",
    "noise_test",
    "goal",
]

#: Labels of the trainings, for legends and tables.
TRAININGS = {
    "post-training": "post-training (paper)",
    "aware-finetune": "device-aware, fine-tuned",
    "aware-scratch": "device-aware, from scratch",
    "noise-aware-finetune": "noise-aware, fine-tuned",
}
_NUMBERS = ("epochs", "learning_rate", "sigma", "train_seconds", "eval_sigma")


def read(path: Path | str | None = None) -> list[dict]:
    """The comparison's rows, numbers as numbers (empty fields as None)."""
    path = Path(path) if path else evaluate.results_dir() / aware.RESULTS_NAME
    rows = evaluate.read_csv(path)
    missing = [c for c in ("training", *_NUMBERS) if rows and c not in rows[0]]
    if missing:
        raise ValueError(
            f"{path} lacks the column(s) {', '.join(missing)}: it is not the "
            "comparison of `make aware`"
        )
    for row in rows:
        for key in _NUMBERS:
            row[key] = None if row[key] in ("", None) else float(row[key])
    return rows


def _ideal(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["eval_sigma"] is None]


def accuracy(
    rows: list[dict], training: str, method: str, device: str = "PCMO", seed=0
) -> dict[int, float]:
    """``{levels: accuracy %}`` of one training, method, device and seed (ideal
    devices); method "software" gives ``{0: accuracy}``."""
    return {
        (r["levels"] or 0): r["accuracy_pct"]
        for r in _ideal(rows)
        if r["training"] == training
        and r["method"] == method
        and r["device"] == device
        and r["seed"] == seed
    }


def seeds_of(
    rows: list[dict], training: str, method: str, levels: int, device: str = "PCMO"
) -> dict[int, float]:
    """``{seed: accuracy %}`` at one number of levels."""
    return {
        r["seed"]: r["accuracy_pct"]
        for r in _ideal(rows)
        if (r["training"], r["method"], r["levels"], r["device"])
        == (training, method, levels, device)
    }


def paired(
    correct: dict[str, np.ndarray],
    method: str,
    levels,
    training: str = "aware-finetune",
    against: str = "post-training",
    device: str = "PCMO",
    seed: int = 0,
) -> dict[int, stats.McNemar]:
    """McNemar's test of ``training`` (A) against ``against`` (B) at each number of
    levels, on the same 10,000 test images (``correct``: :func:`aware.read_correct`);
    levels missing for either side are left out."""
    out = {}
    for k in levels:
        a = correct.get(aware.correct_key(training, device, method, k, seed))
        b = correct.get(aware.correct_key(against, device, method, k, seed))
        if a is not None and b is not None:
            out[int(k)] = stats.mcnemar(a, b)
    if not out:
        raise ValueError(
            f"no networks of {training!r} and {against!r} for {method} on {device}, "
            f"seed {seed}: run `make aware`"
        )
    return out


def four_curves(rows: list[dict], tests: dict[str, dict], seed: int = 0):
    """Above: PCMO's accuracy against the number of levels for post-training (dashed)
    and device-aware fine-tuned (solid) networks, both methods, with the software
    network as reference. Below: the points device-aware training gains at each
    number of levels; a ring marks a McNemar p < 0.05 (``tests[method]``: the result
    of :func:`paired`)."""
    fig, (top, bottom) = figures.new(2, 1, width=6.4, height=7.2, sharex=True)
    software = accuracy(rows, "post-training", "software", seed=seed)[0]
    top.axhline(
        software, color=figures.COLORS["software"], ls="--", lw=1, label="software"
    )
    for method in ("sampling", "proposed"):
        color = figures.COLORS[method]
        post = accuracy(rows, "post-training", method, seed=seed)
        tuned = accuracy(rows, "aware-finetune", method, seed=seed)
        top.plot(
            sorted(post),
            [post[k] for k in sorted(post)],
            ":",
            color=color,
            lw=1.5,
            label=f"{method}, post-training",
        )
        top.plot(
            sorted(tuned),
            [tuned[k] for k in sorted(tuned)],
            "o-",
            ms=4,
            color=color,
            label=f"{method}, device-aware",
        )
        gain = {k: tuned[k] - post[k] for k in sorted(tuned) if k in post}
        bottom.plot(list(gain), list(gain.values()), "o-", ms=4, color=color)
        marked = [k for k, t in tests[method].items() if t.pvalue < 0.05 and k in gain]
        bottom.plot(
            marked,
            [gain[k] for k in marked],
            "o",
            ms=11,
            mfc="none",
            mec="k",
            mew=1.2,
            label="p < 0.05 (McNemar)" if method == "proposed" else None,
        )
    top.set_ylabel("MNIST test accuracy (%)")
    top.grid(alpha=0.3)
    bottom.axhline(0, color="0.5", lw=0.8)
    bottom.set_ylabel("gain (points)")
    bottom.set_yscale("symlog", linthresh=1)
    bottom.grid(alpha=0.3)
    figures.levels_axis(bottom)
    figures.panel_legend(fig, [top, bottom])  # below the axes, off the data
    return fig


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "\u2212")


def device_table(rows: list[dict], levels=(5, 10), seed: int = 0):
    """``(header, rows)``: every device at ``levels``, each method post-training and
    device-aware (fine-tuned), in percent, and the gain in points."""
    header = ["device", "L"]
    for m in ("proposed", "sampling"):
        header += [f"{m} post", f"{m} aware", "gain"]
    devices = list(dict.fromkeys(r["device"] for r in rows))
    body = []
    for d in devices:
        for k in levels:
            line = [d, str(k)]
            for m in ("proposed", "sampling"):
                post = accuracy(rows, "post-training", m, d, seed).get(k)
                tuned = accuracy(rows, "aware-finetune", m, d, seed).get(k)
                if post is None or tuned is None:
                    break
                line += [f"{post:.2f}", f"{tuned:.2f}", _signed(tuned - post)]
            else:
                body.append(line)
    return header, body


def seed_table(rows: list[dict], levels: int = 5, device: str = "PCMO"):
    """``(header, rows)``: mean, standard deviation, lowest and highest accuracy over
    the seeds of each training and method at ``levels``."""
    header = ["training", "method", "seeds", "mean (%)", "sd", "lowest", "highest"]
    body = []
    for training, label in TRAININGS.items():
        for m in ("proposed", "sampling"):
            acc = np.array(list(seeds_of(rows, training, m, levels, device).values()))
            if acc.size == 0:
                continue
            sd = f"{acc.std(ddof=1):.2f}" if acc.size > 1 else ""
            body.append(
                [
                    label,
                    m,
                    str(acc.size),
                    f"{acc.mean():.2f}",
                    sd,
                    f"{acc.min():.2f}",
                    f"{acc.max():.2f}",
                ]
            )
    return header, body


def noise_table(rows: list[dict]):
    """``(header, rows, summary)``: the write-noise Monte Carlo of each network at each
    noise and number of levels, mean and 95 % interval over the trials;
    ``summary[(eval_sigma, training, levels)]`` is ``(mean, low, high)``."""
    noisy = [r for r in rows if r["eval_sigma"] is not None]
    summary = {}
    for sigma in sorted({r["eval_sigma"] for r in noisy}):
        for k in sorted({r["levels"] for r in noisy}):
            for training in dict.fromkeys(r["training"] for r in noisy):
                acc = [
                    r["accuracy_pct"]
                    for r in noisy
                    if (r["eval_sigma"], r["training"], r["levels"])
                    == (sigma, training, k)
                ]
                if len(acc) > 1:
                    summary[(sigma, training, k)] = nonideal.confidence_interval(acc)
    header = ["write noise", "L", "network", "mean (%)", "95 % interval"]
    body = [
        [f"{s:g}", str(k), TRAININGS.get(t, t), f"{m:.2f}", f"{lo:.2f} to {hi:.2f}"]
        for (s, t, k), (m, lo, hi) in summary.items()
    ]
    return header, body, summary


@dataclass(frozen=True)
class NoiseTest:
    """Two networks under the same write-noise Monte Carlo: ``difference`` (mean of A
    minus mean of B, points) and Welch's two-sided t-test over the trials
    (``pvalue``)."""

    difference: float
    pvalue: float
    trials: int

    def text(self) -> str:
        return f"{self.difference:+.2f} points over {self.trials} trials each, " + (
            stats.format_p(self.pvalue)
        )


def noise_test(
    rows: list[dict], sigma: float, levels: int, a: str, b: str = "post-training"
) -> NoiseTest:
    """:class:`NoiseTest` of training ``a`` against ``b`` at write noise ``sigma`` and
    ``levels`` (the trials of the comparison's Monte Carlo)."""
    acc = {
        t: [
            r["accuracy_pct"]
            for r in rows
            if r["eval_sigma"] is not None
            and np.isclose(r["eval_sigma"], sigma)
            and (r["training"], r["levels"]) == (t, levels)
        ]
        for t in (a, b)
    }
    if min(len(v) for v in acc.values()) < 2:
        raise ValueError(
            f"no Monte Carlo of {a!r} and {b!r} at sigma {sigma:g}, {levels} levels: "
            "run `make aware`"
        )
    result = scipy_stats.ttest_ind(acc[a], acc[b], equal_var=False)
    return NoiseTest(
        float(np.mean(acc[a]) - np.mean(acc[b])),
        float(result.pvalue),
        min(len(v) for v in acc.values()),
    )


@dataclass(frozen=True)
class Goal:
    """The issue's goal at ``levels`` on PCMO, over the fine-tuned seeds.

    ``proposed``: device-aware (proposed) accuracy of each seed; ``reached``: all of
    them at least ``target`` %. ``deficit_post`` and ``deficit_aware``: the sampling
    method's mean shortfall below each seed's software network (points);
    ``shrink``: the fraction of it that device-aware training removes (goal: 0.5)."""

    levels: int
    target: float
    proposed: dict[int, float]
    reached: bool
    deficit_post: float
    deficit_aware: float
    shrink: float


def goal(rows: list[dict], levels: int = 5, target: float = 95.5) -> Goal:
    """The goal of :class:`Goal`, from the comparison's rows."""
    proposed = seeds_of(rows, "aware-finetune", "proposed", levels)
    if not proposed:
        raise ValueError(f"no fine-tuned networks at {levels} levels: run `make aware`")
    post = seeds_of(rows, "post-training", "sampling", levels)
    tuned = seeds_of(rows, "aware-finetune", "sampling", levels)
    seeds = sorted(set(post) & set(tuned))
    software = {
        k: accuracy(rows, "post-training", "software", seed=k)[0] for k in seeds
    }
    before = float(np.mean([software[k] - post[k] for k in seeds]))
    after = float(np.mean([software[k] - tuned[k] for k in seeds]))
    return Goal(
        levels,
        target,
        proposed,
        all(v >= target for v in proposed.values()),
        before,
        after,
        1 - after / before,
    )

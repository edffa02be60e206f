"""The chapter "Training with the device": book.aware's tables, tests and figure on a
made-up comparison written and read back as `make aware` writes it."""

import numpy as np
import pytest

from synquant import aware, evaluate, nonideal, stats
from synquant.book import aware as chapter
from synquant.book import figures

SEEDS = (0, 1, 2)
LEVELS = (5, 10)
DEVICES = ("PCMO", "EpiRAM")


def _made_up(rng) -> list[dict]:
    """Rows of every kind the grid writes, with random accuracies."""
    config = aware.configure("proposed", 5, "PCMO")
    rows = []
    for device in DEVICES:
        c = aware.configure("proposed", 5, device)
        for seed in SEEDS:
            rows.append(aware._row(c, "software", "", seed, rng.uniform(0.95, 0.97)))
            for method in ("proposed", "sampling"):
                for k in LEVELS:
                    rows.append(aware._row(c, method, k, seed, rng.uniform(0.8, 0.96)))
                    rows.append(
                        aware._row(
                            c,
                            method,
                            k,
                            seed,
                            rng.uniform(0.9, 0.97),
                            training="aware-finetune",
                            epochs=20,
                            learning_rate=0.1,
                            train_seconds=12.5,
                        )
                    )
    for sigma in (0.01, 0.05):
        for training in ("post-training", "noise-aware-finetune"):
            rows += [
                aware._row(
                    config,
                    "proposed",
                    5,
                    0,
                    rng.uniform(0.9, 0.96),
                    trial=t,
                    eval_sigma=sigma,
                    training=training,
                )
                for t in range(4)
            ]
    return rows


@pytest.fixture
def made_up(tmp_path):
    rows = _made_up(np.random.default_rng(0))
    path = evaluate.write_csv(rows, tmp_path / aware.RESULTS_NAME)
    return chapter.read(path)


def test_read_gives_numbers_and_refuses_other_results(made_up, tmp_path):
    row = next(r for r in made_up if r["training"] == "aware-finetune")
    assert row["epochs"] == 20.0 and row["train_seconds"] == 12.5
    assert row["eval_sigma"] is None and isinstance(row["levels"], int)
    plain = [{k: r[k] for k in evaluate.COLUMNS} for r in made_up[:3]]
    path = evaluate.write_csv(plain, tmp_path / "figure2.csv")
    with pytest.raises(ValueError, match="training"):
        chapter.read(path)


def test_goal_is_the_mean_deficit_over_seeds(made_up):
    result = chapter.goal(made_up, levels=5, target=95.0)

    def pick(training, method, seed):
        (value,) = [
            r["accuracy_pct"]
            for r in made_up
            if (r["training"], r["method"], r["seed"], r["device"])
            == (training, method, seed, "PCMO")
            and r["levels"] in (5, None)
            and r["eval_sigma"] is None
        ]
        return value

    software = np.array([pick("post-training", "software", k) for k in SEEDS])
    post = np.array([pick("post-training", "sampling", k) for k in SEEDS])
    tuned = np.array([pick("aware-finetune", "sampling", k) for k in SEEDS])
    proposed = np.array([pick("aware-finetune", "proposed", k) for k in SEEDS])
    assert result.deficit_post == pytest.approx(np.mean(software - post))
    assert result.shrink == pytest.approx(
        1 - np.mean(software - tuned) / np.mean(software - post)
    )
    assert result.reached == bool(np.all(proposed >= 95.0))
    assert sorted(result.proposed) == list(SEEDS)


def test_paired_is_mcnemar_on_the_cached_correctness():
    rng = np.random.default_rng(1)
    correct = {
        aware.correct_key(t, "PCMO", "sampling", k, 0): rng.random(10000) < p
        for t, p in (("post-training", 0.86), ("aware-finetune", 0.95))
        for k in LEVELS
    }
    tests = chapter.paired(correct, "sampling", [5, 10, 25])
    assert list(tests) == [5, 10]  # 25 has no networks
    a = correct[aware.correct_key("aware-finetune", "PCMO", "sampling", 5, 0)]
    b = correct[aware.correct_key("post-training", "PCMO", "sampling", 5, 0)]
    assert tests[5] == stats.mcnemar(a, b)
    with pytest.raises(ValueError, match="make aware"):
        chapter.paired(correct, "proposed", LEVELS)


def test_four_curves_reads_on_the_page_and_rings_the_significant(made_up):
    rng = np.random.default_rng(2)
    correct = {
        aware.correct_key(t, "PCMO", m, k, 0): rng.random(10000) < p
        for m in ("proposed", "sampling")
        for t, p in (("post-training", 0.9), ("aware-finetune", 0.95))
        for k in LEVELS
    }
    tests = {m: chapter.paired(correct, m, LEVELS) for m in ("proposed", "sampling")}
    fig = chapter.four_curves(made_up, tests)
    assert figures.check_readable(fig) == []
    top, bottom = fig.axes
    assert len(top.lines) == 5  # software and two curves per method
    rings = [
        line
        for line in bottom.lines
        if line.get_marker() == "o" and line.get_ms() == 11
    ]
    significant = sum(t.pvalue < 0.05 for m in tests.values() for t in m.values())
    assert sum(len(line.get_xdata()) for line in rings) == significant


def test_tables_follow_the_rows(made_up):
    header, body = chapter.device_table(made_up, LEVELS)
    assert len(body) == len(DEVICES) * len(LEVELS) and len(header) == len(body[0])
    post = chapter.accuracy(made_up, "post-training", "sampling", "EpiRAM")[10]
    tuned = chapter.accuracy(made_up, "aware-finetune", "sampling", "EpiRAM")[10]
    row = next(r for r in body if r[:2] == ["EpiRAM", "10"])
    assert row[-1].replace("\u2212", "-") == f"{tuned - post:+.2f}"

    header, body = chapter.seed_table(made_up, 5)
    seeds = chapter.seeds_of(made_up, "aware-finetune", "proposed", 5)
    row = next(r for r in body if r[:2] == ["device-aware, fine-tuned", "proposed"])
    assert row[2:5] == [
        str(len(SEEDS)),
        f"{np.mean(list(seeds.values())):.2f}",
        f"{np.std(list(seeds.values()), ddof=1):.2f}",
    ]

    header, body, summary = chapter.noise_table(made_up)
    assert len(body) == len(summary) == 4
    trials = [
        r["accuracy_pct"]
        for r in made_up
        if r["eval_sigma"] == 0.05 and r["training"] == "post-training"
    ]
    assert summary[(0.05, "post-training", 5)] == pytest.approx(
        nonideal.confidence_interval(trials)
    )


def test_noise_test_is_welch_over_the_trials(made_up):
    from scipy import stats as scipy_stats

    result = chapter.noise_test(made_up, 0.01, 5, "noise-aware-finetune")
    trials = {
        t: [
            r["accuracy_pct"]
            for r in made_up
            if r["eval_sigma"] == 0.01 and r["training"] == t
        ]
        for t in ("noise-aware-finetune", "post-training")
    }
    welch = scipy_stats.ttest_ind(*trials.values(), equal_var=False)
    assert result.pvalue == pytest.approx(welch.pvalue)
    assert result.difference == pytest.approx(
        np.mean(trials["noise-aware-finetune"]) - np.mean(trials["post-training"])
    )
    with pytest.raises(ValueError, match="make aware"):
        chapter.noise_test(made_up, 0.2, 5, "noise-aware-finetune")

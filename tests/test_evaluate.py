import numpy as np
import pytest

from synquant import evaluate, quantize


def test_accuracies_equal_one_by_one(trained, mnist):
    weights, _ = trained
    sets = [weights] + [quantize.network(weights, m, L) for m in ("sampling", "proposed") for L in (5, 9, 17)]
    batched = evaluate.accuracies(sets, chunk=3)
    single = [evaluate.accuracy(w) for w in sets]
    np.testing.assert_allclose(batched, single, atol=1e-12)


def test_sweep_rows(trained, mnist):
    weights, meta = trained
    rows = evaluate.sweep(weights, levels=[5, 10, 25], methods=("sampling", "proposed", "uniform"), seed=meta["seed"],
                          recipe=meta["tag"])
    assert len(rows) == 1 + 3 * 3
    assert rows[0]["method"] == "software" and rows[0]["levels"] == ""
    assert rows[0]["accuracy_pct"] == pytest.approx(100 * meta["test_accuracy"], abs=0.02)
    assert all(tuple(r) == evaluate.COLUMNS for r in rows)
    by = {(r["method"], r["levels"]): r["accuracy_pct"] for r in rows}
    # 25 uniform levels of the magnitude are nearly lossless
    assert abs(by[("uniform", 25)] - rows[0]["accuracy_pct"]) < 0.5
    assert all(0 <= r["accuracy_pct"] <= 100 for r in rows)


def test_sweep_options_reach_the_rows(random_weights, mnist):
    _, (x, y) = mnist
    rows = evaluate.sweep(random_weights, levels=[5], methods=("proposed",), x=x[:200], y=y[:200],
                          mapping="reference", branch="depression")
    assert rows[1]["mapping"] == "reference" and rows[1]["branch"] == "depression"
    with pytest.raises(ValueError, match="levels is empty"):
        evaluate.sweep(random_weights, levels=[])


def test_csv_round_trip_and_no_overwrite(tmp_path, random_weights, mnist):
    _, (x, y) = mnist
    rows = evaluate.sweep(random_weights, levels=[5, 6], methods=("proposed",), seed=1, x=x[:100], y=y[:100])
    path = evaluate.write_csv(rows, tmp_path / "r.csv")
    back = evaluate.read_csv(path)
    assert [r["levels"] for r in back] == [None, 5, 6] and back[1]["seed"] == 1
    assert [r["accuracy_pct"] for r in back] == pytest.approx([r["accuracy_pct"] for r in rows], abs=1e-4)
    assert path.read_text().splitlines()[0].endswith("accuracy_pct")
    with pytest.raises(FileExistsError, match="pass force=True"):
        evaluate.write_csv(rows, path)
    with pytest.raises(FileNotFoundError, match="python -m synquant sweep"):
        evaluate.read_csv(tmp_path / "none.csv")


def test_mean_rows_average_over_seeds():
    from synquant import sensitivity

    rows = [{"method": m, "levels": L, "seed": s, "accuracy_pct": a}
            for s, a in ((0, 90.0), (1, 94.0)) for m in ("sampling", "proposed") for L in (5, 6)]
    rows += [{"method": "software", "levels": "", "seed": s, "accuracy_pct": 96.0 + s} for s in (0, 1)]
    mean = sensitivity.mean_rows(rows)
    assert len(mean) == 5 and all(r["seed"] == "" for r in mean)
    assert {(r["method"], r["levels"]): r["accuracy_pct"] for r in mean}[("proposed", 5)] == 92.0
    assert [r["accuracy_pct"] for r in mean if r["method"] == "software"] == [96.5]


@pytest.mark.parametrize("change, message", [
    (lambda w: w.update(W1=w["W1"][:, :64]), r"b1 has shape \(128,\), expected \(64,\).*W1 has 64 columns"),
    (lambda w: w.update(W1=w["W1"][:100]), r"W1 has shape \(100, 128\), expected \(784, 128\)"),
    (lambda w: w["b2"].__setitem__(3, np.inf), "b2 contain 1 NaN or infinite"),
])
def test_bad_weights_get_a_clear_error(random_weights, change, message):
    from synquant import model

    change(random_weights)
    with pytest.raises(model.WeightsError, match=message):
        evaluate.sweep(random_weights, levels=[5])
    with pytest.raises(model.WeightsError, match=message):
        evaluate.accuracy(random_weights)


def test_lookup_keys_software_as_none():
    rows = [{"method": "software", "levels": "", "accuracy_pct": 96.0},
            {"method": "proposed", "levels": 5, "accuracy_pct": 95.0}]
    assert evaluate.lookup(rows) == {("software", None): 96.0, ("proposed", 5): 95.0}
    assert evaluate.lookup([{**rows[0], "levels": None}]) == {("software", None): 96.0}

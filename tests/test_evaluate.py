import numpy as np
import pytest

from synquant import evaluate, quantize


def test_accuracies_equal_one_by_one(trained, mnist):
    weights, _ = trained
    sets = [weights] + [
        quantize.network(weights, m, L)
        for m in ("sampling", "proposed")
        for L in (5, 9, 17)
    ]
    batched = evaluate.accuracies(sets, chunk=3)
    single = [evaluate.accuracy(w) for w in sets]
    np.testing.assert_allclose(batched, single, atol=1e-12)


def test_sweep_rows(trained, mnist):
    weights, meta = trained
    rows = evaluate.sweep(
        weights,
        levels=[5, 10, 25],
        methods=("sampling", "proposed", "uniform"),
        seed=meta["seed"],
        recipe=meta["tag"],
    )
    assert len(rows) == 1 + 3 * 3
    assert rows[0]["method"] == "software" and rows[0]["levels"] == ""
    assert rows[0]["accuracy_pct"] == pytest.approx(
        100 * meta["test_accuracy"], abs=0.02
    )
    by = {(r["method"], r["levels"]): r["accuracy_pct"] for r in rows}
    # each row is the accuracy of that method's network, computed one by one
    for method, L in (("sampling", 5), ("proposed", 10), ("uniform", 25)):
        alone = evaluate.accuracy(quantize.network(weights, method, L))
        assert by[(method, L)] == pytest.approx(100 * alone, abs=1e-9)
    # 25 uniform levels of the magnitude are nearly lossless
    assert abs(by[("uniform", 25)] - rows[0]["accuracy_pct"]) < 0.5


def test_sweep_options_reach_the_rows(random_weights, mnist):
    _, (x, y) = mnist
    rows = evaluate.sweep(
        random_weights,
        levels=[5],
        methods=("proposed",),
        x=x[:200],
        y=y[:200],
        mapping="reference",
        branch="depression",
    )
    assert rows[1]["mapping"] == "reference" and rows[1]["branch"] == "depression"
    with pytest.raises(ValueError, match="levels is empty"):
        evaluate.sweep(random_weights, levels=[])


def test_csv_round_trip_and_no_overwrite(tmp_path, random_weights, mnist):
    _, (x, y) = mnist
    rows = evaluate.sweep(
        random_weights,
        levels=[5, 6],
        methods=("proposed",),
        seed=1,
        x=x[:100],
        y=y[:100],
    )
    path = evaluate.write_csv(rows, tmp_path / "r.csv")
    back = evaluate.read_csv(path)
    assert [r["levels"] for r in back] == [None, 5, 6] and back[1]["seed"] == 1
    assert [r["accuracy_pct"] for r in back] == pytest.approx(
        [r["accuracy_pct"] for r in rows], abs=1e-4
    )
    assert path.read_text().splitlines()[0].endswith("accuracy_pct")
    with pytest.raises(FileExistsError, match="pass force=True"):
        evaluate.write_csv(rows, path)
    with pytest.raises(FileNotFoundError, match="python -m synquant sweep"):
        evaluate.read_csv(tmp_path / "none.csv")


def test_mean_rows_average_over_seeds():
    from synquant.book import sensitivity

    rows = [
        {"method": m, "levels": L, "seed": s, "accuracy_pct": a}
        for s, a in ((0, 90.0), (1, 94.0))
        for m in ("sampling", "proposed")
        for L in (5, 6)
    ]
    rows += [
        {"method": "software", "levels": "", "seed": s, "accuracy_pct": 96.0 + s}
        for s in (0, 1)
    ]
    mean = sensitivity.mean_rows(rows)
    assert len(mean) == 5 and all(r["seed"] == "" for r in mean)
    assert {(r["method"], r["levels"]): r["accuracy_pct"] for r in mean}[
        ("proposed", 5)
    ] == 92.0
    assert [r["accuracy_pct"] for r in mean if r["method"] == "software"] == [96.5]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda w: w.update(W1=w["W1"][:, :64]),
            r"b1 has shape \(128,\), expected \(64,\).*W1 has 64 columns",
        ),
        (
            lambda w: w.update(W1=w["W1"][:100]),
            r"W1 has shape \(100, 128\), expected \(784, 128\)",
        ),
        (lambda w: w["b2"].__setitem__(3, np.inf), "b2 contain 1 NaN or infinite"),
    ],
)
def test_bad_weights_get_a_clear_error(random_weights, change, message):
    from synquant import model

    change(random_weights)
    with pytest.raises(model.WeightsError, match=message):
        evaluate.sweep(random_weights, levels=[5])
    with pytest.raises(model.WeightsError, match=message):
        evaluate.accuracy(random_weights)


def test_lookup_keys_software_as_none():
    rows = [
        {"method": "software", "levels": "", "accuracy_pct": 96.0},
        {"method": "proposed", "levels": 5, "accuracy_pct": 95.0},
    ]
    assert evaluate.lookup(rows) == {("software", None): 96.0, ("proposed", 5): 95.0}
    assert evaluate.lookup([{**rows[0], "levels": None}]) == {("software", None): 96.0}


def test_x_and_y_come_together(random_weights, mnist):
    _, (x, y) = mnist
    for args, name in (
        ((None, y[:10]), "y was given without x"),
        ((x[:10], None), "x was given without y"),
    ):
        with pytest.raises(ValueError, match=name):
            evaluate.accuracy(random_weights, *args)
        with pytest.raises(ValueError, match=name):
            evaluate.correct(random_weights, *args)
    with pytest.raises(ValueError, match="x has 10 images but y has 9 labels"):
        evaluate.accuracy(random_weights, x[:10], y[:9])
    with pytest.raises(ValueError, match=r"x must have shape \(N, 784\).*\(10, 100\)"):
        evaluate.accuracy(random_weights, x[:10, :100], y[:10])
    # given both, the given images are the ones evaluated
    right = evaluate.predict(random_weights, x[:50]).argmax(axis=1)
    assert evaluate.accuracy(random_weights, x[:50], right) == 1.0


def test_results_go_to_the_folder_asked_then_the_checkout_then_the_working_folder(
    tmp_path, monkeypatch
):
    assert evaluate.results_path(directory=tmp_path).parent == tmp_path
    assert evaluate.results_path().parent == evaluate.RESULTS_DIR  # a checkout
    monkeypatch.setattr(evaluate, "in_checkout", lambda: False)  # an installed copy
    assert (
        evaluate.results_path().parent
        == evaluate.LOCAL_RESULTS_DIR
        == evaluate.Path("synquant-results")
    )
    name = evaluate.results_path("EpiRAM", 1, levels=[5, 10], mapping="reference").name
    assert name == "figure2-EpiRAM-paper-seed1-levels5_10-mapping-reference.csv"


def test_write_csv_checks_rows_before_writing(tmp_path):
    row = {c: "" for c in evaluate.COLUMNS} | {"accuracy_pct": 90.0}
    with pytest.raises(ValueError, match="row 1 lacks the column.*device"):
        evaluate.write_csv(
            [row, {k: v for k, v in row.items() if k != "device"}], tmp_path / "r.csv"
        )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(IsADirectoryError, match="is a directory"):
        evaluate.write_csv([row], tmp_path)


def test_read_csv_names_a_file_that_is_no_results_file(tmp_path):
    (tmp_path / "b.csv").write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="b.csv is not a text CSV file"):
        evaluate.read_csv(tmp_path / "b.csv")
    (tmp_path / "n.csv").write_text("device,method\nPCMO,proposed\n")
    with pytest.raises(ValueError, match="n.csv has no accuracy_pct column"):
        evaluate.read_csv(tmp_path / "n.csv")

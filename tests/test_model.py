import json

import numpy as np
import pytest

from synquant import evaluate, model


@pytest.mark.slow
def test_network_shapes():
    net = model.build()
    assert [tuple(w.shape) for w in net.weights] == [
        model.SHAPES[k] for k in ("W1", "b1", "W2", "b2")
    ]
    assert net.get_layer("hidden").activation.__name__ == "relu"


@pytest.mark.slow
def test_numpy_forward_equals_keras(random_weights, mnist):
    net = model.build()
    net.set_weights([random_weights[k] for k in ("W1", "b1", "W2", "b2")])
    _, (x, _) = mnist
    logits = evaluate.predict(random_weights, x[:500])
    keras_probs = np.asarray(net.predict(x[:500], verbose=0))
    np.testing.assert_array_equal(np.argmax(logits, 1), np.argmax(keras_probs, 1))


@pytest.mark.slow
def test_training_is_deterministic(mnist):
    a, meta_a = model.train("paper", seed=3, epochs=2)
    b, meta_b = model.train("paper", seed=3, epochs=2)
    c, _ = model.train("paper", seed=4, epochs=2)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["W1"], c["W1"])
    assert (
        meta_a == meta_b and meta_a["epochs"] == 2 and 0.5 < meta_a["test_accuracy"] < 1
    )


def test_recipe_fields_and_tags():
    paper = model.get_recipe("paper")
    assert (paper.learning_rate, paper.epochs) == (
        0.5,
        200,
    )  # the paper's stated values
    assert paper.tag == "paper"
    other = paper.replace(batch_size=100)
    assert (
        other.tag.startswith("paper-")
        and other.tag != paper.replace(batch_size=200).tag
    )
    assert model.weights_path(other, 2).name == f"{other.tag}-seed2.npz"
    with pytest.raises(ValueError, match="unknown recipe field.*batchsize"):
        paper.replace(batchsize=100)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        paper.replace(batch_size=0)
    with pytest.raises(ValueError, match="unknown loss"):
        paper.replace(loss="hinge")
    with pytest.raises(ValueError, match="unknown recipe 'fast'"):
        model.get_recipe("fast")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        model.train("paper", seed=-1)


def test_committed_weights_match_their_sidecar(trained, mnist):
    weights, meta = trained
    assert model.recipe_of(meta) == model.get_recipe("paper")
    assert meta["seed"] == 0 and meta["epochs"] == 200
    assert evaluate.accuracy(weights) == pytest.approx(meta["test_accuracy"], abs=2e-4)
    from synquant import data

    assert meta["mnist_sha256"] == data.mnist_checksum()


def test_save_load_round_trip(tmp_path, random_weights):
    path = model.save_weights(tmp_path / "w.npz", random_weights, {"seed": 1})
    weights, meta = model.load_weights(path)
    assert meta == {"seed": 1}
    for key in random_weights:
        np.testing.assert_array_equal(weights[key], random_weights[key])


def test_missing_biases_are_an_error_unless_the_recipe_has_none(
    tmp_path, random_weights
):
    np.savez(tmp_path / "nobias.npz", W1=random_weights["W1"], W2=random_weights["W2"])
    with pytest.raises(model.WeightsError, match="nobias.npz: missing b1, b2"):
        model.load_weights(tmp_path / "nobias.npz")
    with pytest.raises(model.WeightsError, match="nobias.npz: missing b1, b2"):
        model.load_weights(tmp_path / "nobias.npz", recipe="paper")
    weights, meta = model.load_weights(tmp_path / "nobias.npz", recipe="no-bias")
    assert meta is None and not weights["b1"].any() and weights["b2"].shape == (10,)
    # a file whose own metadata says the network has no biases
    meta = {"recipe": model.dataclasses.asdict(model.get_recipe("no-bias")), "seed": 0}
    no_bias = {"W1": random_weights["W1"], "W2": random_weights["W2"]}
    path = model.save_weights(tmp_path / "own.npz", no_bias, meta)
    weights, back = model.load_weights(path)
    assert back == meta and not weights["b2"].any()


def test_never_overwrites_unless_forced(tmp_path, random_weights):
    path = model.save_weights(tmp_path / "w.npz", random_weights, {"seed": 1})
    before = path.read_bytes()
    with pytest.raises(
        FileExistsError, match="already exists; delete it or pass force=True"
    ):
        model.save_weights(path, {k: v * 2 for k, v in random_weights.items()})
    assert path.read_bytes() == before
    model.save_weights(
        path, {k: v * 2 for k, v in random_weights.items()}, {"seed": 2}, force=True
    )
    assert json.loads(path.with_suffix(".json").read_text()) == {"seed": 2}


def test_failed_write_leaves_no_file(tmp_path, random_weights, monkeypatch):
    def broken(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(model.np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save_weights(tmp_path / "w.npz", random_weights)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "change, match",
    [
        (
            lambda w: w.update(W1=w["W1"][:100]),
            r"W1 has shape \(100, 128\), expected \(784, 128\)",
        ),
        (lambda w: w["W2"].__setitem__((0, 0), np.nan), "W2 contain 1 NaN"),
        (lambda w: w.pop("W2"), "missing W2"),
    ],
)
def test_bad_weights(tmp_path, random_weights, change, match):
    change(random_weights)
    with pytest.raises(model.WeightsError, match=match):
        model.save_weights(tmp_path / "w.npz", random_weights)
    assert not (tmp_path / "w.npz").exists()


def test_truncated_weights_file(tmp_path, random_weights):
    path = model.save_weights(tmp_path / "w.npz", random_weights)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(model.WeightsError, match="may be truncated: retrain"):
        model.load_weights(path)
    with pytest.raises(
        model.WeightsError, match="no weights file .*python -m synquant train"
    ):
        model.load_weights(tmp_path / "absent.npz")


@pytest.mark.slow
def test_load_or_train_caches(tmp_path, mnist):
    recipe = model.get_recipe("paper").replace(epochs=1)
    first, meta = model.load_or_train(recipe, seed=0, directory=tmp_path)
    path = model.weights_path(recipe, 0, tmp_path)
    assert path.is_file() and meta["tag"] == recipe.tag
    stamp = path.stat().st_mtime_ns
    again, _ = model.load_or_train(recipe, seed=0, directory=tmp_path)
    assert path.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(first["W1"], again["W1"])


def test_metadata_lives_inside_the_weights_file(tmp_path, random_weights):
    path = model.save_weights(tmp_path / "w.npz", random_weights, {"seed": 1})
    with np.load(path, allow_pickle=False) as f:
        assert json.loads(str(f[model.META_KEY])) == {"seed": 1}
    # the readable copy beside it is not what is read back
    path.with_suffix(".json").write_text('{"seed": 99}')
    assert model.load_weights(path)[1] == {"seed": 1}
    # forced over an existing pair without metadata: the stale copy goes too
    model.save_weights(path, random_weights, None, force=True)
    assert (
        model.load_weights(path)[1] is None and not path.with_suffix(".json").exists()
    )


def test_killed_between_the_two_writes_keeps_weights_and_metadata_together(
    tmp_path, random_weights, monkeypatch
):
    path = model.save_weights(tmp_path / "w.npz", random_weights, {"seed": 1})
    writes = []

    def dies_on_the_sidecar(p, write):
        writes.append(p)
        if p.suffix == ".json":
            raise KeyboardInterrupt  # the process dies after the .npz is in place
        return real(p, write)

    real = model.atomic_write
    monkeypatch.setattr(model, "atomic_write", dies_on_the_sidecar)
    doubled = {k: 2 * v for k, v in random_weights.items()}
    with pytest.raises(KeyboardInterrupt):
        model.save_weights(path, doubled, {"seed": 2}, force=True)
    weights, meta = model.load_weights(path)
    assert meta == {"seed": 2}
    np.testing.assert_array_equal(weights["W1"], doubled["W1"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "w.json",
        "w.npz",
    ]  # no stray temporary file


def test_metadata_must_be_json_before_anything_is_written(tmp_path, random_weights):
    with pytest.raises(
        TypeError, match="metadata acc is a object: metadata must be JSON"
    ):
        model.save_weights(tmp_path / "w.npz", random_weights, {"acc": object()})
    with pytest.raises(ValueError, match="metadata acc is nan"):
        model.save_weights(tmp_path / "w.npz", random_weights, {"acc": float("nan")})
    with pytest.raises(TypeError, match="meta must be a dict"):
        model.save_weights(tmp_path / "w.npz", random_weights, [1, 2, 3])
    assert list(tmp_path.iterdir()) == []
    # numpy numbers become Python numbers, and a retry is not refused
    path = model.save_weights(
        tmp_path / "w.npz", random_weights, {"acc": np.float32(0.5), "n": np.int64(3)}
    )
    assert model.load_weights(path)[1] == {"acc": 0.5, "n": 3}
    assert json.loads(path.with_suffix(".json").read_text()) == {"acc": 0.5, "n": 3}


def test_old_files_read_their_sidecar(tmp_path, random_weights):
    np.savez(tmp_path / "old.npz", **random_weights)
    (tmp_path / "old.json").write_text('{"seed": 4}')
    assert model.load_weights(tmp_path / "old.npz")[1] == {"seed": 4}
    (tmp_path / "old.json").write_text("[1, 2, 3]")
    with pytest.raises(model.WeightsError, match="old.json must hold a JSON object"):
        model.load_weights(tmp_path / "old.npz")


@pytest.mark.slow
@pytest.mark.parametrize(
    "hidden", [1, 16, 256]
)  # the paper's 128 is tested everywhere else
def test_hidden_width_follows_the_recipe_or_the_file(tmp_path, hidden):
    recipe = model.get_recipe("paper").replace(hidden=hidden)
    assert recipe.tag != "paper" and model.shapes(hidden)["W2"] == (hidden, 10)
    net = model.build(recipe)
    assert [tuple(w.shape) for w in net.weights] == list(model.shapes(hidden).values())
    weights = {k: np.full(s, 0.01, np.float32) for k, s in model.shapes(hidden).items()}
    path = model.save_weights(
        tmp_path / "w.npz", weights, {"recipe": model.dataclasses.asdict(recipe)}
    )
    assert model.load_weights(path)[0]["W1"].shape == (784, hidden)
    assert model.check_weights(weights)["b1"].shape == (
        hidden,
    )  # no recipe: the file's own width
    with pytest.raises(
        model.WeightsError,
        match=r"W1 has shape .*expected \(784, 128\).*recipe 'paper'",
    ):
        model.check_weights(weights, recipe="paper")


def test_cached_file_of_another_recipe_or_seed_is_refused(tmp_path, random_weights):
    short = model.get_recipe("paper").replace(epochs=1)
    meta = {"recipe": model.dataclasses.asdict(short), "tag": short.tag, "seed": 0}
    model.save_weights(model.weights_path("paper", 0, tmp_path), random_weights, meta)
    with pytest.raises(
        model.WeightsError,
        match=r"recipe '.*', not the 'paper' asked for: epochs 1 \(not 200\)",
    ):
        model.load_or_train("paper", 0, directory=tmp_path)
    meta = {
        "recipe": model.dataclasses.asdict(model.get_recipe("paper")),
        "tag": "paper",
        "seed": 3,
    }
    model.save_weights(
        model.weights_path("paper", 0, tmp_path), random_weights, meta, force=True
    )
    with pytest.raises(model.WeightsError, match="seed 3, not seed 0"):
        model.load_or_train("paper", 0, directory=tmp_path)


def test_resolve_weights_looks_in_checkout_then_cache_then_package(
    tmp_path, random_weights, monkeypatch
):
    checkout, home, packaged = (
        tmp_path / "checkout",
        tmp_path / "home",
        tmp_path / "packaged",
    )
    monkeypatch.setattr(model, "WEIGHTS_DIR", checkout)
    monkeypatch.setattr(model, "PACKAGED_DIR", packaged)
    monkeypatch.setenv(model.HOME_VAR, str(home))
    assert (
        model.weights_dirs()
        == [checkout, home / "weights", packaged][: 2 + packaged.is_dir()]
    )
    meta = {"recipe": model.dataclasses.asdict(model.get_recipe("paper")), "seed": 0}
    with pytest.raises(
        model.WeightsError,
        match=r"no cached weights paper-seed0.npz .*python -m synquant train",
    ):
        model.resolve_weights("", "paper", 0)
    for i, folder in enumerate((packaged, home / "weights", checkout)):
        model.save_weights(
            folder / "paper-seed0.npz",
            {k: v + i for k, v in random_weights.items()},
            meta,
        )
        weights, _ = model.resolve_weights(None, "paper", 0)
        np.testing.assert_array_equal(
            weights["W1"], random_weights["W1"] + i
        )  # the latest folder wins
    assert model.weights_path("paper", 0) == checkout / "paper-seed0.npz"
    # outside a checkout, new weights go to the user's cache
    monkeypatch.setattr(model, "in_checkout", lambda: False)
    assert (
        model.default_dir() == home / "weights" and checkout not in model.weights_dirs()
    )
    # a user's file: recipe and seed from its metadata, the arguments ignored
    mine = model.save_weights(
        tmp_path / "mine.npz", random_weights, {**meta, "seed": 7}
    )
    assert model.resolve_weights(mine, "no-bias", 2)[1]["seed"] == 7


def test_recipe_fields_are_checked_without_keras():
    paper = model.get_recipe("paper")
    with pytest.raises(TypeError, match="learning_rate must be a number, got '0.5'"):
        paper.replace(learning_rate="0.5")
    with pytest.raises(ValueError, match="momentum must be at least 0"):
        paper.replace(momentum=-1)
    with pytest.raises(ValueError, match="momentum must be below 1"):
        paper.replace(momentum=1.0)
    with pytest.raises(
        ValueError, match="unknown initializer 'bogus': use one of glorot_uniform"
    ):
        paper.replace(initializer="bogus")
    with pytest.raises(ValueError, match="hidden must be at least 1"):
        paper.replace(hidden=0)
    with pytest.raises(TypeError, match="use_bias must be True or False"):
        paper.replace(use_bias="no")


def test_every_listed_initializer_is_known_to_keras():
    import keras

    for name in model.INITIALIZERS:
        assert keras.initializers.get(name) is not None
    with pytest.raises(ValueError):
        keras.initializers.get("bogus")

import json

import numpy as np
import pytest

from synquant import evaluate, model


def test_network_shapes():
    net = model.build()
    assert [tuple(w.shape) for w in net.weights] == [model.SHAPES[k] for k in ("W1", "b1", "W2", "b2")]
    assert net.get_layer("hidden").activation.__name__ == "relu"


def test_numpy_forward_equals_keras(random_weights, mnist):
    net = model.build()
    net.set_weights([random_weights[k] for k in ("W1", "b1", "W2", "b2")])
    _, (x, _) = mnist
    logits = evaluate.predict(random_weights, x[:500])
    keras_probs = np.asarray(net.predict(x[:500], verbose=0))
    np.testing.assert_array_equal(np.argmax(logits, 1), np.argmax(keras_probs, 1))


def test_training_is_deterministic(mnist):
    a, meta_a = model.train("paper", seed=3, epochs=2)
    b, meta_b = model.train("paper", seed=3, epochs=2)
    c, _ = model.train("paper", seed=4, epochs=2)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["W1"], c["W1"])
    assert meta_a == meta_b and meta_a["epochs"] == 2 and 0.5 < meta_a["test_accuracy"] < 1


def test_recipe_fields_and_tags():
    paper = model.get_recipe("paper")
    assert (paper.learning_rate, paper.epochs) == (0.5, 200)  # the paper's stated values
    assert paper.tag == "paper"
    other = paper.replace(batch_size=100)
    assert other.tag.startswith("paper-") and other.tag != paper.replace(batch_size=200).tag
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


def test_missing_biases_are_an_error_unless_the_recipe_has_none(tmp_path, random_weights):
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
    with pytest.raises(FileExistsError, match="already exists; delete it or pass force=True"):
        model.save_weights(path, {k: v * 2 for k, v in random_weights.items()})
    assert path.read_bytes() == before
    model.save_weights(path, {k: v * 2 for k, v in random_weights.items()}, {"seed": 2}, force=True)
    assert json.loads(path.with_suffix(".json").read_text()) == {"seed": 2}


def test_failed_write_leaves_no_file(tmp_path, random_weights, monkeypatch):
    def broken(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(model.np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save_weights(tmp_path / "w.npz", random_weights)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("change, match", [
    (lambda w: w.update(W1=w["W1"][:100]), r"W1 has shape \(100, 128\), expected \(784, 128\)"),
    (lambda w: w["W2"].__setitem__((0, 0), np.nan), "W2 contain 1 NaN"),
    (lambda w: w.pop("W2"), "missing W2"),
])
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
    with pytest.raises(model.WeightsError, match="no weights file .*python -m synquant train"):
        model.load_weights(tmp_path / "absent.npz")


def test_load_or_train_caches(tmp_path, mnist):
    recipe = model.get_recipe("paper").replace(epochs=1)
    first, meta = model.load_or_train(recipe, seed=0, directory=tmp_path)
    path = model.weights_path(recipe, 0, tmp_path)
    assert path.is_file() and meta["tag"] == recipe.tag
    stamp = path.stat().st_mtime_ns
    again, _ = model.load_or_train(recipe, seed=0, directory=tmp_path)
    assert path.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(first["W1"], again["W1"])

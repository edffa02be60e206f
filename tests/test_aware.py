"""Device-aware training (synquant.aware) and the training loop it shares with
model.train (model.fit)."""

import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from synquant import aware, data, devices, evaluate, model, nonideal, quantize
from tests.conftest import DEFAULT_WEIGHTS, random_weight_set
from tests.environment import ROOT

KEPT = ROOT / "data" / "weights" / aware.SUBDIR


@pytest.mark.parametrize("method", aware.METHODS)
@pytest.mark.parametrize("levels", [2, 5, 10, 25])
@pytest.mark.parametrize("device", ["PCMO", "GST PCM", "HZO FeFET"])
def test_levels_table_is_the_method_bit_for_bit(method, levels, device):
    thresholds, values = aware.levels_table(method, levels, device)
    assert thresholds.dtype == values.dtype == np.float32
    assert values.size == thresholds.size + 1 and np.all(np.diff(values) > 0)
    rng = np.random.default_rng(levels)
    below = np.nextafter(thresholds, np.float32(0))  # the last float below each step
    m = np.concatenate([rng.random(50_000, dtype=np.float32), thresholds, below])
    m = np.concatenate([m, np.float32([0, 1])])
    table = values[np.searchsorted(thresholds, m, side="right")]
    expected = aware._magnitudes(method, levels, devices.get(device))(m)
    np.testing.assert_array_equal(table, expected)


def _layer(levels=5, sigma=None, units=3, inputs=4, seed=0):
    thresholds, values = aware.levels_table("proposed", levels, "PCMO")
    noise = None
    if sigma:
        noise = sigma * np.sqrt(nonideal.pulses(values, "PCMO"))
    layer = aware.DeviceDense(units, thresholds, values, noise, seed=seed)
    layer.build((None, inputs))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.normal(0, 1, (inputs, units)).astype(np.float32))
    layer.bias.assign(rng.normal(0, 0.1, units).astype(np.float32))
    return layer


def test_quantized_kernel_is_the_proposed_method():
    layer = _layer(levels=5, units=30, inputs=784)
    w = np.asarray(layer.kernel)
    expected = quantize.network(
        {"W1": w, "b1": np.zeros(30), "W2": np.ones((30, 10)), "b2": np.zeros(10)},
        "proposed",
        5,
    )["W1"]
    np.testing.assert_array_equal(np.asarray(layer.quantized_kernel()), expected)


def test_straight_through_gradient_is_the_gradient_at_the_quantized_weights():
    """STE: the gradient of the latent kernel is the loss's gradient at Q(w), checked
    against central finite differences of the float layer at Q(w) (float64)."""
    layer = _layer(levels=5)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (8, 4)).astype(np.float32)
    target = rng.normal(0, 1, (8, 3))
    kernel, bias = (np.asarray(v.value) for v in layer.trainable_variables)

    def loss(k):
        out, _ = layer.stateless_call([k, jnp.asarray(bias)], [], x, training=True)
        return jnp.sum(jnp.tanh(out) * target)

    gradient = np.asarray(jax.grad(loss)(jnp.asarray(kernel)))

    q = np.asarray(layer.quantized_kernel(), dtype=np.float64)
    x64, b64 = x.astype(np.float64), bias.astype(np.float64)

    def float_loss(w):
        return np.sum(np.tanh(x64 @ w + b64) * target)

    h = 1e-6
    reference = np.zeros_like(q)
    for i, j in np.ndindex(q.shape):
        step = np.zeros_like(q)
        step[i, j] = h
        reference[i, j] = (float_loss(q + step) - float_loss(q - step)) / (2 * h)
    assert np.any(q != kernel)  # the quantization moved the weights
    np.testing.assert_allclose(gradient, reference, rtol=1e-4, atol=1e-5)


def test_write_noise_in_training_only_with_neurosims_spread():
    sigma = 0.01
    layer = _layer(levels=5, sigma=sigma, units=200, inputs=500)
    clean = np.asarray(layer.quantized_kernel(training=False))
    np.testing.assert_array_equal(clean, np.asarray(layer.quantized_kernel()))
    noisy = np.asarray(layer.quantized_kernel(training=True))
    again = np.asarray(layer.quantized_kernel(training=True))
    assert not np.array_equal(noisy, again)  # a fresh draw for every batch
    w = np.asarray(layer.kernel)
    scale = np.max(np.abs(w))
    _, values = aware.levels_table("proposed", 5, "PCMO")
    level = np.abs(clean) / scale
    pulses = nonideal.pulses(values, "PCMO")
    for v, p in zip(values, pulses, strict=True):
        on = np.isclose(level, v)
        error = (np.abs(noisy[on]) - np.abs(clean[on])) / scale
        if p == 0:  # a device left at Gmin takes no pulse and no noise
            np.testing.assert_array_equal(error, 0)
        elif v < 0.9:  # away from the clipping at Gmax
            assert np.std(error) == pytest.approx(sigma * np.sqrt(p), rel=0.1)


def test_network_of_the_book_through_the_layers_scores_as_evaluate_sweep(mnist):
    """The quantized forward pass of DeviceDense scores what evaluate.sweep measures for
    the same latent network (here the book's cached one), image for image."""
    _, (x_test, y_test) = mnist
    weights, _ = model.load_weights(DEFAULT_WEIGHTS)
    for method in ("proposed", "sampling"):
        config = aware.configure(method, 5, "PCMO")
        net = aware.build(config)
        aware._set_weights(net, weights)
        scores = np.asarray(net(x_test, training=False))
        ours = 100 * np.mean(np.argmax(scores, axis=1) == y_test)
        rows = evaluate.sweep(weights, levels=[5], methods=[method])
        assert ours == pytest.approx(rows[1]["accuracy_pct"], abs=1e-9)


@pytest.mark.skipif(not KEPT.is_dir(), reason="no cached device-aware networks")
def test_cached_aware_networks_score_as_evaluate_sweep(mnist):
    """Each cached device-aware network: its recorded quantized accuracy (the training's
    own forward pass) is what evaluate.sweep measures for it."""
    paths = sorted(KEPT.glob("*.npz"))
    assert paths
    for path in paths:
        weights, meta = aware.load(path)
        a = meta["aware"]
        rows = evaluate.sweep(
            weights,
            levels=[a["levels"]],
            methods=[a["method"]],
            device=devices.from_dict(a["device"]),
        )
        assert rows[1]["accuracy_pct"] == pytest.approx(
            100 * meta["quantized_accuracy"], abs=1e-9
        ), path.name


# -- bad inputs: a clear error before any training -----------------------------------


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started before the error")

    monkeypatch.setattr(model, "fit", refuse)
    monkeypatch.setattr(data, "load_mnist", refuse)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"levels": 1}, ValueError, "levels"),
        ({"levels": 5.0}, TypeError, "levels"),
        ({"method": "nearest"}, ValueError, "method"),
        ({"method": "optimal"}, ValueError, "optimal"),
        ({"start": "warm"}, ValueError, "start"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"sigma": -0.1}, ValueError, "sigma"),
        ({"learning_rate": 0}, ValueError, "learning_rate"),
        ({"device": "NoSuchDevice"}, ValueError, "NoSuchDevice"),
        ({"start": "scratch", "initial": random_weight_set()}, ValueError, "initial"),
    ],
)
def test_bad_arguments_fail_before_training(no_training, kwargs, error, words):
    with pytest.raises(error, match=words):
        aware.train(**kwargs)


def test_device_file_that_fails_to_load(no_training, tmp_path):
    bad = tmp_path / "mine.json"
    bad.write_text(json.dumps({"name": "mine", "states": 1, "nl_increase": 1.0}))
    with pytest.raises(ValueError, match="mine.json") as err:
        aware.train(device=bad)
    assert "states" in str(err.value)
    missing = tmp_path / "absent.json"
    with pytest.raises(ValueError, match="absent.json"):
        aware.train(device=missing)


def test_finetuning_start_of_other_shapes(no_training, tmp_path):
    wide = random_weight_set()
    narrow = {k: v[..., :64] if k in ("W1", "b1") else v for k, v in wide.items()}
    narrow["W2"] = wide["W2"][:64]
    with pytest.raises(model.WeightsError, match="fine-tuning start.*784-128-10"):
        aware.train(start="finetune", initial=narrow)
    path = model.save_weights(tmp_path / "narrow.npz", narrow)
    with pytest.raises(model.WeightsError, match="narrow.npz"):
        aware.train(start="finetune", initial=path)


@pytest.mark.slow
def test_cli_bad_levels_exits_with_a_message():
    out = subprocess.run(
        [sys.executable, "-m", "synquant.aware", "train", "--levels", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 2 and "levels" in out.stderr


# -- the training loop ---------------------------------------------------------------


@pytest.fixture
def small_mnist(monkeypatch, mnist):
    """MNIST cut to 3,500 training and 1,000 test images, for training in seconds."""
    (x, y), (xt, yt) = mnist
    small = ((x[:3500], y[:3500]), (xt[:1000], yt[:1000]))
    monkeypatch.setattr(data, "load_mnist", lambda: small)
    return small


@pytest.mark.slow
def test_fit_is_keras_fit_bit_for_bit(small_mnist):
    """model.fit (one jitted scan per epoch) against Keras' own fit: the same draws
    and arithmetic, with momentum and a last batch smaller than the others."""
    (x, y), _ = small_mnist
    recipe = model.Recipe(name="t", epochs=2, batch_size=1000, momentum=0.5)
    out = []
    for ours in (False, True):
        keras.utils.set_random_seed(3)
        net = model.build(recipe)
        if ours:
            model.fit(net, x, y, recipe, "sparse_categorical_crossentropy")
        else:
            net.compile(
                optimizer=keras.optimizers.SGD(0.5, momentum=0.5),
                loss="sparse_categorical_crossentropy",
            )
            net.fit(x, y, batch_size=1000, epochs=2, shuffle=True, verbose=0)
        out.append(model.weights_of(net))
    for key in out[0]:
        np.testing.assert_array_equal(out[0][key], out[1][key], err_msg=key)


@pytest.mark.slow
def test_tiny_training_caches_and_scores(small_mnist, tmp_path):
    """Fine-tune 2 epochs on a small MNIST: the network improves on the post-training
    mapping of its start, records its training, and is cached and reread; a second
    save refuses to overwrite without force."""
    (_, _), (xt, yt) = small_mnist
    config = aware.configure("sampling", 5, "PCMO", start="finetune", epochs=2)
    path = aware.weights_path(config, tmp_path)
    weights, meta = aware.load_or_train(config, tmp_path)
    assert path.is_file() and meta["aware"]["method"] == "sampling"
    assert meta["epochs"] == 2 and meta["start"] == DEFAULT_WEIGHTS.name
    start, _ = model.load_weights(DEFAULT_WEIGHTS)
    rows = evaluate.sweep(weights, levels=[5], methods=["sampling"], x=xt, y=yt)
    before = evaluate.sweep(start, levels=[5], methods=["sampling"], x=xt, y=yt)
    assert rows[1]["accuracy_pct"] == pytest.approx(100 * meta["quantized_accuracy"])
    assert rows[1]["accuracy_pct"] > before[1]["accuracy_pct"]
    again, meta2 = aware.load_or_train(config, tmp_path)  # read, not retrained
    assert meta2 == meta
    with pytest.raises(FileExistsError):
        aware.save(path, weights, meta)
    other = aware.configure("proposed", 5, "PCMO", start="finetune", epochs=2)
    with pytest.raises(model.WeightsError, match="method"):
        aware.load(path, other)

"""Speed benchmarks (`make bench`): each figure against numpy's matmul throughput in the
same run.

Shared machines are noisy, so the targets are ratios to a bound measured here and now,
never absolute times in a test:

* training: 200 epochs of the default recipe against the time numpy's matrix multiply
  needs for the same floating-point work (forward and backward, both layers), per epoch
  in steady state; target: within plain PyTorch's ratio (2.15), timed beside it when
  torch is installed (optional, not a dependency), with Keras' own fit for reference;
* device-aware training (synquant.aware): one fine-tuning per method, as a ratio to
  plain training of the same epochs;
* sweep: 21 levels x 2 methods on the 10,000 test images under 1 second;
* sensitivity: the quantize-and-evaluate work of the reproduction notes under a minute;
* Monte Carlo: 20 trials x 21 levels of one device within seconds.
* sweeps: the default grid of ``make sweeps`` (7 devices x 5 seeds of the results
  chapter) on the local Dask cluster against the same runs one after another, as a ratio
  measured in this run (``SWEEPS_BENCH=0`` skips it: it runs the grid twice, minutes).
* device fit: both branches, 100 points each, with a 1,000-resample bootstrap under 5 s;
  and the real measurement of data/devices/crosssim (both branches, 13,417 points) under
  5 s per device.
* on-chip training (synquant.insitu): one device run of 125 epochs x 8,000 single-image
  updates (the first epoch with its compilation, then 5 epochs scaled to the other 124)
  under 2 minutes, with its ratio to the loop's arithmetic
  (forward, backward, outer products and one operation per weight written) at numpy's
  matmul throughput.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

import tests.environment  # noqa: E402,F401  (offline MNIST, Keras home)
from synquant import data, evaluate, model, nonideal  # noqa: E402


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_gflops(m=20000, k=784, n=128, repeat=5) -> float:
    """float32 GEMM throughput at the training's own shapes, GFLOP/s."""
    rng = np.random.default_rng(0)
    a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    a @ b
    return 2 * m * k * n / best_of(lambda: a @ b, repeat) / 1e9


def report(name, seconds, bound, target):
    """One line: the time, the matmul bound and their ratio (where a bound applies), the
    target."""
    against = (
        f"bound {bound:8.2f} s   ratio {seconds / bound:5.2f}"
        if bound
        else f"{'(no matmul bound)':<31}"
    )
    print(f"{name:<44} {seconds:8.2f} s   {against}   target {target}")


def main():
    (x_train, _), (x_test, y_test) = data.load_mnist()
    gflops = matmul_gflops()
    print(f"numpy float32 matmul: {gflops:.0f} GFLOP/s on {os.cpu_count()} cores\n")

    # Training: forward (2 matmuls) and backward (weight and input gradients) per image.
    per_image = 2 * (784 * 128 + 128 * 10) + 2 * (784 * 128 + 2 * 128 * 10)
    recipe = model.get_recipe("paper")
    bound = per_image * len(x_train) * recipe.epochs / (gflops * 1e9)
    loops = training_benchmark(recipe)
    for name, per_epoch in loops.items():
        report(
            f"train {recipe.epochs} epochs: {name}",
            per_epoch * recipe.epochs,
            bound,
            "ratio <= 2.15 (PyTorch's)" if name == "synquant" else "",
        )
    if "PyTorch 2.13 (peer)" in loops:
        print(
            f"{'':<44} synquant / PyTorch: "
            f"{loops['synquant'] / loops['PyTorch 2.13 (peer)']:.2f} (target <= 1)"
        )
    aware_benchmark()

    weights, _ = model.load_weights(model.weights_path("paper", 0))
    flops = 2 * len(x_test) * (784 * 128 + 128 * 10) * (1 + 2 * 21)
    sweep = best_of(lambda: evaluate.sweep(weights, methods=("sampling", "proposed")))
    report("sweep 21 levels x 2 methods", sweep, flops / (gflops * 1e9), "< 1 s")

    from synquant.book import sensitivity

    seconds = best_of(sensitivity.benchmark, repeat=1)
    report("reproduction notes: quantize and evaluate", seconds, None, "< 60 s")

    mc = best_of(
        lambda: [
            nonideal.monte_carlo(weights, "proposed", L, trials=20, seed=0)
            for L in evaluate.LEVELS
        ],
        repeat=1,
    )
    report(
        "Monte Carlo 20 trials x 21 levels (PCMO)",
        mc,
        flops / 43 * 420 / (gflops * 1e9),
        "a few seconds",
    )

    report(
        "device fit: 2 x 100 points, 1,000 resamples", fit_benchmark(), None, "< 5 s"
    )
    report(
        "device fit: CrossSim's measurement, 1,000 resamples",
        fit_real_benchmark(),
        None,
        "< 5 s per device",
    )

    bench_insitu(gflops)

    if os.environ.get("SWEEPS_BENCH", "1") != "0":
        bench_sweeps()


def _epoch_seconds(train, epochs: int = 20) -> float:
    """Seconds per epoch in steady state: a run of 1 + ``epochs`` epochs minus a run of
    1 (setup, compilation and evaluation cancel)."""
    one = best_of(lambda: train(1), repeat=1)
    more = best_of(lambda: train(1 + epochs), repeat=1)
    return max(more - one, 0.0) / epochs


def training_benchmark(recipe) -> dict[str, float]:
    """Seconds per epoch of the paper's recipe: synquant's loop (model.fit), Keras' own
    fit (the loop before it), and plain PyTorch when it is installed (not a
    dependency: ``pip install torch`` to time it)."""
    import keras

    (x, y), _ = data.load_mnist()
    out = {"synquant": _epoch_seconds(lambda e: model.train(recipe, 0, epochs=e))}

    def keras_fit(epochs):
        keras.utils.set_random_seed(0)
        net = model.build(recipe)
        net.compile(
            optimizer=keras.optimizers.SGD(recipe.learning_rate),
            loss="sparse_categorical_crossentropy",
        )
        net.fit(x, y, batch_size=recipe.batch_size, epochs=epochs, verbose=0)

    out["Keras fit (the loop before)"] = _epoch_seconds(keras_fit)
    try:
        import torch
    except ImportError:
        print("(PyTorch is not installed: its peer timing is skipped)")
        return out

    def torch_fit(epochs):
        torch.manual_seed(0)
        xs, ys = torch.tensor(x), torch.tensor(y.astype(np.int64))
        net = torch.nn.Sequential(
            torch.nn.Linear(784, recipe.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(recipe.hidden, 10),
        )
        optimizer = torch.optim.SGD(net.parameters(), lr=recipe.learning_rate)
        loss = torch.nn.CrossEntropyLoss()
        for _ in range(epochs):
            order = torch.randperm(len(xs))
            for start in range(0, len(xs), recipe.batch_size):
                batch = order[start : start + recipe.batch_size]
                optimizer.zero_grad()
                loss(net(xs[batch]), ys[batch]).backward()
                optimizer.step()

    try:
        out["PyTorch 2.13 (peer)"] = _epoch_seconds(torch_fit)
    except ImportError as err:  # an install without torch's own dependencies
        print(f"(PyTorch cannot train here, {err}: its peer timing is skipped)")
    return out


def aware_benchmark(epochs: int = 20) -> None:
    """Device-aware training, one configuration each (fine-tuning, PCMO, 5 levels), as
    a ratio to plain training of the same epochs (both whole calls: setup, compilation,
    training, evaluation)."""
    from synquant import aware

    plain = best_of(lambda: model.train("paper", 0, epochs=epochs), repeat=1)
    report(f"plain training, {epochs} epochs", plain, None, "")
    for name, kwargs in (
        ("proposed", {}),
        ("sampling", {"method": "sampling"}),
        ("proposed, write noise", {"sigma": None}),
    ):
        seconds = best_of(
            lambda kw=kwargs: aware.train(start="finetune", epochs=epochs, **kw),
            repeat=1,
        )
        report(
            f"device-aware, {name}",
            seconds,
            None,
            f"{seconds / plain:.2f}x plain training",
        )


def bench_insitu(gflops: float, epochs: int = 6) -> float:
    """One on-chip training run (PCMO) of 125 epochs: the first epoch (with the
    compilation) as timed, the other 124 at the pace of the next ``epochs - 1``."""
    from synquant import insitu

    stamps = []
    start = time.perf_counter()
    insitu.train(
        "PCMO",
        seed=0,
        epochs=epochs,
        progress=lambda epoch, accuracy: stamps.append(time.perf_counter()),
    )
    per_epoch = (stamps[-1] - stamps[0]) / (epochs - 1)
    total = (stamps[0] - start) + per_epoch * (insitu.EPOCHS - 1)
    n_in, n_hid, n_out = insitu.SIZES
    weights = n_in * n_hid + n_hid * n_out
    # forward (2 flops per weight), error into the hidden layer, outer products, the
    # write (counted as one operation per weight)
    per_update = 2 * weights + 2 * n_hid * n_out + weights + weights
    bound = per_update * insitu.IMAGES_PER_EPOCH * insitu.EPOCHS / (gflops * 1e9)
    report(
        f"on-chip run, 125 x 8,000 updates ({per_epoch:.2f} s an epoch)",
        total,
        bound,
        "< 120 s",
    )
    return total


def bench_sweeps(device_names=None, seeds=(0, 1, 2, 3, 4)):
    """The default sweep grid (every device, 5 seeds) on the local Dask cluster against
    the sequential run."""
    import tempfile

    from synquant import devices
    from synquant.book import sweeps

    grid = {"device": list(device_names or devices.names()), "seed": list(seeds)}
    runs = len(grid["device"]) * len(grid["seed"])
    seconds = {}
    for name, workers in (("sequential", 1), ("dask", None)):
        with tempfile.TemporaryDirectory(prefix="synquant-bench-") as tmp:
            start = time.perf_counter()
            try:
                sweeps.run(grid, results_dir=tmp, workers=workers)
            except sweeps.SweepError as err:  # every run finished; the timing stands
                print(f"({name}) {str(err).splitlines()[0]}")
            seconds[name] = time.perf_counter() - start
    report(f"sweeps {runs} runs, one after another", seconds["sequential"], None, "")
    report(
        f"sweeps {runs} runs, Dask on {os.cpu_count()} cores",
        seconds["dask"],
        None,
        f"speed-up {seconds['sequential'] / seconds['dask']:.2f}x (ideal "
        f"{os.cpu_count()}x)",
    )


def fit_benchmark() -> float:
    """Seconds to fit both branches (100 points each: 4 cycles of 25) with 1,000
    resamples."""
    from synquant import devices, fit

    device = devices.Device("bench", 25, 2.5, -3.2, 1e6, 5.0, 0.01)
    data = {b: fit.simulate(device, b, cycles=4, seed=0) for b in devices.BRANCHES}
    fit.fit(**data, bootstrap=10)  # imports and first calls outside the timing
    return best_of(lambda: fit.fit(**data, bootstrap=1000, seed=0), repeat=1)


def fit_real_benchmark() -> float:
    """Seconds to read and fit both branches of the real measurement in
    data/devices/crosssim (7,362 + 6,055 points, wide CSVs of read currents) with
    1,000 resamples."""
    from synquant import fit

    def run():
        data = {
            b: fit.read_csv(p, b, read_voltage=fit.CROSSSIM_READ_VOLTAGE)
            for b, p in fit.CROSSSIM_FILES.items()
        }
        return fit.fit(**data, name="crosssim", bootstrap=1000, seed=0)

    fit.fit(
        fit.read_csv(fit.CROSSSIM_FILES["potentiation"], read_voltage=0.1), bootstrap=10
    )  # imports and first calls outside the timing
    return best_of(run, repeat=1)


if __name__ == "__main__":
    main()

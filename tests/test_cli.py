import pytest

from synquant.__main__ import main
from tests.conftest import DEFAULT_WEIGHTS


def test_devices(capsys):
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "PCMO" in out and "HZO FeFET" in out and "0.3006" in out


def test_devices_shows_a_device_file(tmp_path, capsys):
    from synquant import devices

    mine = devices.Device("MyRRAM", 40, 1.5, -2.5, 2e6, 8.0, 0.02)
    devices.save(mine, tmp_path / "mine.json")
    assert (
        main(["devices", "--device", str(tmp_path / "mine.json"), "--device", "PCMO"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["MyRRAM", "PCMO"]
    assert lines[1].split()[1:4] == ["40", "1.5", "-2.5"]
    assert main(["devices", "--device", str(tmp_path / "none.json")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "none.json" in captured.err


def test_sweep_prints_and_writes(tmp_path, capsys, mnist):
    out_csv = tmp_path / "r.csv"
    assert (
        main(
            [
                "sweep",
                "--weights",
                str(DEFAULT_WEIGHTS),
                "--levels",
                "5,10",
                "--out",
                str(out_csv),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "software accuracy" in out and "proposed" in out and out_csv.is_file()
    assert (
        main(
            [
                "sweep",
                "--weights",
                str(DEFAULT_WEIGHTS),
                "--levels",
                "5",
                "--out",
                str(out_csv),
            ]
        )
        == 1
    )
    assert (
        "already exists; delete it or pass force=True (--force)"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sweep", "--device", "unobtainium"], "unknown device 'unobtainium'"),
        (["sweep", "--weights", "missing.npz"], "no weights file at missing.npz"),
        (["sweep", "--methods", "best"], "unknown method 'best'"),
    ],
)
def test_errors_are_one_line(argv, message, capsys, mnist):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_bad_levels_exit_by_argparse(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--levels", "1"])
    assert exc.value.code == 2 and "at least 2" in capsys.readouterr().err


@pytest.mark.slow
def test_train_refuses_to_overwrite(tmp_path, capsys, mnist):
    out = tmp_path / "w.npz"
    assert main(["train", "--epochs", "1", "--out", str(out)]) == 0
    assert out.is_file() and "test accuracy" in capsys.readouterr().out
    assert main(["train", "--epochs", "1", "--out", str(out)]) == 1
    assert (
        "already exists; delete it or pass force=True (--force)"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize("epochs", ["0", "-1"])
def test_train_refuses_no_epochs_before_training(tmp_path, capsys, monkeypatch, epochs):
    from synquant import model

    monkeypatch.setattr(model, "train", lambda *a, **k: pytest.fail("training started"))
    assert main(["train", "--epochs", epochs, "--out", str(tmp_path / "w.npz")]) == 1
    assert f"epochs must be a positive integer, got {epochs}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_short_training_gets_its_own_tag(tmp_path, capsys, monkeypatch, mnist):
    from synquant import model

    monkeypatch.setattr(
        model, "WEIGHTS_DIR", tmp_path
    )  # the checkout's folder, for this test
    monkeypatch.setenv("SYNQUANT_HOME", str(tmp_path / "home"))
    assert main(["train", "--seed", "5", "--epochs", "1", "--hidden", "16"]) == 0
    recipe = model.get_recipe("paper").replace(epochs=1, hidden=16)
    saved = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert saved == [f"{recipe.tag}-seed5.npz"] and recipe.tag != "paper"
    assert f"tag {recipe.tag}" in capsys.readouterr().out
    weights, meta = model.load_weights(tmp_path / saved[0])
    assert (
        weights["W1"].shape == (784, 16)
        and meta["tag"] == recipe.tag
        and meta["epochs"] == 1
    )
    # the paper recipe's name finds nothing: the short run is never taken for the
    # paper's network
    with pytest.raises(model.WeightsError, match="no cached weights paper-seed5.npz"):
        model.resolve_weights(None, "paper", 5)
    # a 784-16-10 network sweeps from its file, and from the cache by its overrides
    assert main(["sweep", "--weights", str(tmp_path / saved[0]), "--levels", "5"]) == 0
    assert (
        main(
            ["sweep", "--seed", "5", "--epochs", "1", "--hidden", "16", "--levels", "5"]
        )
        == 0
    )
    assert "software accuracy" in capsys.readouterr().out


def test_debug_prints_the_traceback(capsys):
    assert main(["sweep", "--methods", ",", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().splitlines()[-1].startswith(
        "error: --methods ','"
    )
    assert main(["--debug", "sweep", "--methods", ","]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_fit_reads_crosssim_and_sweep_runs_on_it(tmp_path, capsys, monkeypatch, mnist):
    from synquant import devices, fit

    monkeypatch.chdir(tmp_path)
    pot, dep = (str(p) for p in fit.CROSSSIM_FILES.values())
    argv = ["fit", "--potentiation", pot, "--depression", dep, "--read-voltage", "0.1"]
    assert (
        main([*argv, "--name", "crosssim", "--out", "d.json", "--bootstrap", "100"])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    # what was read comes first, before the fit's report
    assert out[0].startswith(f"read {pot} (potentiation): 7362 points, 39 cycle(s)")
    assert "wide layout" in out[0] and "read current (A) / 0.1 V" in out[0]
    assert out[1].startswith(f"read {dep} (depression): 6055 points, 40 cycle(s)")
    text = "\n".join(out)
    assert "mS" in text and "e+0" not in text.split("NeuroSim parameters")[0]
    assert "RMS distance from the data" in text and "bends the other way" in text
    device = devices.get(tmp_path / "d.json")
    assert device.states == 192 and 1.5e-3 < device.g_min < device.g_max < 2.6e-3
    assert main(["sweep", "--device", "d.json", "--levels", "5,10"]) == 0
    assert capsys.readouterr().out.startswith("crosssim,")
    # without the read voltage the values are taken for siemens, and the first line
    # says so (a unit in the header, e.g. "rmp1 (A)", would make it refuse instead)
    assert main([*argv[:-2], "--name", "x", "--out", "e.json", "--bootstrap", "0"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "conductance 160.6 to 248.5 uS" in first and "conductance (S)" in first

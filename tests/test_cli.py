import pytest

from synquant.__main__ import main
from tests.conftest import DEFAULT_WEIGHTS


def test_devices(capsys):
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "PCMO" in out and "HZO FeFET" in out and "0.3006" in out


def test_sweep_prints_and_writes(tmp_path, capsys, mnist):
    out_csv = tmp_path / "r.csv"
    assert main(["sweep", "--weights", str(DEFAULT_WEIGHTS), "--levels", "5,10", "--out", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "software accuracy" in out and "proposed" in out and out_csv.is_file()
    assert main(["sweep", "--weights", str(DEFAULT_WEIGHTS), "--levels", "5", "--out", str(out_csv)]) == 1
    assert "already exists; pass --force" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["sweep", "--device", "unobtainium"], "unknown device 'unobtainium'"),
    (["sweep", "--weights", "missing.npz"], "no weights file at missing.npz"),
    (["sweep", "--methods", "best"], "unknown method 'best'"),
])
def test_errors_are_one_line(argv, message, capsys, mnist):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_bad_levels_exit_by_argparse(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--levels", "1"])
    assert exc.value.code == 2 and "at least 2" in capsys.readouterr().err


def test_train_refuses_to_overwrite(tmp_path, capsys, mnist):
    out = tmp_path / "w.npz"
    assert main(["train", "--epochs", "1", "--out", str(out)]) == 0
    assert out.is_file() and "test accuracy" in capsys.readouterr().out
    assert main(["train", "--epochs", "1", "--out", str(out)]) == 1
    assert "pass --force" in capsys.readouterr().err

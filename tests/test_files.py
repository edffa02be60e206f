import signal
import subprocess
import sys

import pytest

from synquant import files


def test_check_writable_names_the_path_and_writes_nothing(tmp_path):
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "old.csv").write_text("x")
    cases = [
        (tmp_path, IsADirectoryError, f"{tmp_path} is a directory"),
        (
            tmp_path / "a_file" / "x.csv",
            NotADirectoryError,
            "a_file is a file, not a folder",
        ),
        (tmp_path / "old.csv", FileExistsError, "old.csv already exists"),
    ]
    for path, error, text in cases:
        with pytest.raises(error, match=text):
            files.check_writable(path)
    files.check_writable(tmp_path / "old.csv", force=True)
    files.check_writable(
        tmp_path / "new" / "deeper" / "x.csv"
    )  # folders made on writing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "old.csv"]


def test_a_folder_that_takes_no_files(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # root may write into a chmod 555 folder, so the refusal is simulated
    monkeypatch.setattr(files.tempfile, "TemporaryFile", read_only)
    with pytest.raises(
        PermissionError, match=r"cannot write .*x.csv: .* \(Permission denied\)"
    ):
        files.check_writable(tmp_path / "x.csv")


def test_proc_takes_no_files():
    with pytest.raises(
        OSError, match="cannot write /proc/x.csv: /proc does not take new files"
    ):
        files.check_writable("/proc/x.csv")


def test_atomic_write_cleans_up_and_names_the_path(tmp_path):
    def broken(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(tmp_path / "x.bin", broken)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(OSError, match="cannot write .*a_file/x.bin") as info:
        files.atomic_write(tmp_path / "a_file" / "x.bin", lambda f: None)
    assert ".tmp" not in str(info.value)


def test_atomic_write_gives_the_permissions_of_a_plain_write(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"x")
    atomic = files.atomic_write(tmp_path / "atomic.txt", lambda f: f.write(b"x"))
    assert atomic.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_write_cut_off_by_kill_9_leaves_nothing_after_the_next_write(tmp_path):
    """A writer killed mid-write (kill -9) leaves its hidden ``.x.csv.*.tmp``; the next
    write of ``x.csv`` deletes it, but never the file of a write still in progress, nor
    a file of another name."""
    out = tmp_path / "x.csv"
    script = (
        "import importlib.util, time\n"  # files.py alone: no package import, fast
        f"spec = importlib.util.spec_from_file_location('f', {files.__file__!r})\n"
        "files = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(files)\n"
        "def slow(f):\n"
        "    f.write(b'half')\n"
        "    f.flush()\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        f"files.atomic_write({str(out)!r}, slow)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        (live,) = tmp_path.glob(".x.csv.*.tmp")
        assert files.remove_stale(out) == [] and live.is_file(), "a live write"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
    assert live.is_file() and not out.exists()
    others = [tmp_path / ".y.csv.abcdefgh.tmp", tmp_path / ".x.csv.backup.tmp"]
    for other in others:
        other.write_text("not ours")
    files.atomic_write(out, lambda f: f.write(b"whole"))
    assert out.read_bytes() == b"whole"
    assert not live.exists(), "the stale temporary file survived the rerun"
    assert all(other.read_text() == "not ours" for other in others)

"""Output files: checked first, written atomically, overwritten only when asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["ROOT", "atomic_write", "check_new", "check_writable", "in_checkout"]

#: The folder above the package: the source checkout, when the package runs from one.
ROOT = Path(__file__).resolve().parent.parent


def in_checkout() -> bool:
    """Whether the package runs from a source checkout (``data/`` beside
    ``pyproject.toml``), rather than from an installed copy."""
    return (ROOT / "pyproject.toml").is_file() and (ROOT / "data").is_dir()


def check_new(*paths: Path, force: bool = False) -> None:
    """Raise FileExistsError, saying how to overwrite, if any path exists and not
    ``force``."""
    for path in paths:
        if not force and Path(path).exists():
            raise FileExistsError(
                f"{path} already exists; delete it or pass force=True (--force) to "
                "overwrite"
            )


def check_writable(*paths: Path | str, force: bool = False) -> None:
    """Check, before any expensive work, that each path can be written as a new file.

    Raises (naming the path, never a temporary file):

    * FileExistsError when a path exists and not ``force``;
    * IsADirectoryError when a path is an existing directory;
    * NotADirectoryError when a folder on the way is a file;
    * PermissionError (or the OSError of the system) when the folder cannot take a new
      file: read-only, a virtual file system such as ``/proc``, missing permissions.

    Missing folders are fine when the nearest existing one is writable (they are created
    on writing). The probe is an anonymous temporary file, so nothing appears in the
    folder.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a directory: name a file inside it")
        check_new(path, force=force)
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise NotADirectoryError(
                f"cannot write {path}: {folder} is a file, not a folder"
            )
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise type(err)(
                f"cannot write {path}: {folder} does not take new files ({reason}); "
                "choose another folder"
            ) from None


def atomic_write(path: Path | str, write) -> Path:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it
    into place.

    A reader sees the old file or the whole new one, never a half-written file; on any
    error the temporary file is removed and ``path`` is left as it was, and the error
    names ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as err:
        raise type(err)(f"cannot write {path}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

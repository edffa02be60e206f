"""Output files: checked first, written atomically, overwritten only when asked."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

try:  # POSIX: a writer holds a lock on its temporary file while it writes
    import fcntl
except ImportError:  # pragma: no cover (Windows: stale files are left alone)
    fcntl = None

__all__ = [
    "ROOT",
    "atomic_write",
    "check_folder",
    "check_new",
    "check_writable",
    "in_checkout",
    "remove_stale",
]

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


def check_folder(folder: Path | str, name: str = "folder") -> Path:
    """Check, before any expensive work, that ``folder`` can take new files; returns it.

    A missing folder is fine when the nearest existing one above it takes files (it is
    created on writing). Raises NotADirectoryError when ``folder`` or a folder above it
    is a file, and PermissionError (or the OSError of the system) naming ``name`` and
    ``folder`` when it cannot take a new file (read-only, ``/proc``). Nothing appears in
    the folder.
    """
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(
            f"{name} {folder}: {existing} is a file, not a folder; name a folder"
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise type(err)(
            f"{name} {folder}: {existing} does not take new files ({reason}); "
            "choose another folder"
        ) from None
    return folder


def _umask() -> int:
    """The process's umask (read by setting it, then restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_names(path: Path) -> re.Pattern:
    """The names :func:`atomic_write` gives its temporary files for ``path``
    (``.<name>.<8 random characters>.tmp``, those of :func:`tempfile.mkstemp`)."""
    return re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")


def remove_stale(path: Path | str) -> list[Path]:
    """Delete the temporary files of earlier writes of ``path`` that were cut off (a
    process killed mid-write leaves its ``.<name>.*.tmp`` beside ``path``); returns
    them.

    Only files of exactly that name pattern, and only those no live writer holds: each
    write holds a lock on its temporary file until it is renamed into place, and the
    system drops the lock of a killed process. Without ``fcntl`` (Windows) nothing is
    deleted.
    """
    path = Path(path)
    if fcntl is None or not path.parent.is_dir():
        return []
    names = _temporary_names(path)
    removed = []
    for entry in os.scandir(path.parent):
        if not names.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a write in progress
            os.close(fd)
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def atomic_write(path: Path | str, write) -> Path:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it
    into place.

    A reader sees the old file or the whole new one, never a half-written file; on any
    error the temporary file is removed and ``path`` is left as it was, and the error
    names ``path``. The file gets the permissions a plain write would give (0666 less
    the umask), not the owner-only ones of a temporary file. Temporary files of earlier
    writes of ``path`` cut off by a kill are deleted first (:func:`remove_stale`).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path)
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as err:
        raise type(err)(f"cannot write {path}: {err.strerror or err}") from None
    try:
        if fcntl is not None:  # held until the rename: remove_stale leaves it alone
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, path)  # before the file (and its lock) is closed
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

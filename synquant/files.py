"""Safe output files: written atomically, never overwritten unless asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "check_new"]


def check_new(*paths: Path, force: bool = False) -> None:
    """Raise FileExistsError, saying how to overwrite, if any path exists and not ``force``."""
    for path in paths:
        if not force and Path(path).exists():
            raise FileExistsError(f"{path} already exists; delete it or pass force=True (--force) to overwrite")


def atomic_write(path: Path | str, write) -> Path:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it into place.

    A reader sees the old file or the whole new one, never a half-written file; on any
    error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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

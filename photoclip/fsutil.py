"""Atomic file writes (a temporary file beside the target, flushed to disk, then os.replace), and telling a full
disk from other failures."""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call write(tmp_path) and move the result over `path` in one step; a crash leaves the old file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    def _write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write(path, _write)


FULL_BELOW = 1 << 20  # free bytes under which a failed write is put down to a full disk


def disk_full(error: BaseException, folder: str | os.PathLike) -> bool:
    """Whether `error` (an OSError or SQLite's error) comes from the disk that holds `folder` being full.
    SQLite says "database or disk is full", or only "disk I/O error" when it could not even grow its -shm file."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    text = str(error).lower()
    if "disk is full" in text:
        return True
    if "disk i/o error" in text or "unable to open" in text:
        return has_room(folder) is False
    return False


def has_room(folder: str | os.PathLike) -> bool | None:
    """Whether the disk holding `folder` has more than FULL_BELOW bytes free (None when that cannot be told)."""
    try:
        return shutil.disk_usage(folder).free >= FULL_BELOW
    except OSError:
        return None


def full_disk_message(folder: str | os.PathLike) -> str:
    return f"The disk holding {folder} is full; free some space there, and photoclip carries on."


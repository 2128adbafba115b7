"""Which process holds the library: one lock file, one small state file, one private socket.

A library has one writer process at a time: a `photoclip watch`, the app, or one `photoclip index` run.  It
holds an exclusive lock on `live.lock` for its whole life, through filelock (flock on Linux and macOS,
msvcrt's byte lock on Windows; the OS drops it if the process dies, so a crash never leaves the library locked,
and whether a holder lives is asked of the lock, never of a pid: on Windows os.kill(pid, 0) ends the process) and writes `live.json` — its pid, what it is, whether it is paused, and where it
answers — only when that changes.  Everything here is cheap to import: the CLI reads it before deciding
whether to talk to a running service or to open the library itself.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import time

from filelock import FileLock, Timeout

from .fsutil import atomic_write_bytes
from .paths import AppPaths
from .errors import PhotoclipError


class HolderError(PhotoclipError):
    """str(e) is one sentence for the user."""


def _lock(paths: AppPaths) -> FileLock:
    """The library's process lock, the same on every platform: never a soft lock (a file left by a crash would
    lock the library for good), the file kept (removing it while others wait on it breaks flock's promise), and
    released by whichever thread stops the service."""
    return FileLock(paths.live_lock, timeout=0, thread_local=False, fallback_to_soft=False, preserve_lock_file=True)


def current(paths: AppPaths) -> dict | None:
    """The holder's state, or None when no live process holds the library (a stale file is ignored)."""
    try:
        state = json.loads(paths.live_state.read_text())
    except (OSError, ValueError):
        return None
    probe = _lock(paths)
    try:
        probe.acquire()
    except Timeout:
        return state  # someone holds the lock: it is alive
    except OSError:
        return state  # the lock cannot be tried: assume the state file is right rather than write beside it
    probe.release()
    return None  # we could take the lock: nobody holds it (a stale state file)


def describe(state: dict) -> str:
    kind = {"watch": "photoclip watch", "app": "photoclip window", "index": "photoclip index"}.get(
        state.get("kind"), "photoclip process")
    return f"a {kind} (pid {state.get('pid')})"


def auth_key(paths: AppPaths) -> bytes:
    """The library's service key: made once, readable by the user alone (mode 0600)."""
    path = paths.data / "service.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
    return path.read_bytes()


class Holder:
    """The lock and the state file of the process that holds the library."""

    def __init__(self, paths: AppPaths, kind: str):
        self.paths = paths
        self.kind = kind
        self.state: dict = {}
        self._lock_file = None

    def acquire(self) -> "Holder":
        lock = _lock(self.paths)
        try:
            lock.acquire()
        except Timeout:
            other = current(self.paths)
            raise HolderError(f"{describe(other).capitalize() if other else 'Another photoclip process'} "
                              "already holds this library; stop it first, or let it do the work.") from None
        self._lock_file = lock
        self.update(pid=os.getpid(), kind=self.kind, paused=False, address=None, started=time.time())
        return self

    def update(self, **changes) -> None:
        """Write the state file, only when something in it changed."""
        new = {**self.state, **changes}
        if new == self.state:
            return
        self.state = new
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.paths.live_state, json.dumps(new).encode())

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.paths.live_state.unlink()
        if self._lock_file is not None:
            self._lock_file.release()
            self._lock_file = None

"""Which process holds the library: one lock file, one small state file, one private socket.

A library has one writer process at a time: a `photoclip watch`, the app, or one `photoclip index` run.  It
holds an exclusive lock on `live.lock` for its whole life (the OS drops the lock if it dies, so a crash never
leaves the library locked) and writes `live.json` — its pid, what it is, whether it is paused, and where it
answers — only when that changes.  Everything here is cheap to import: the CLI reads it before deciding
whether to talk to a running service or to open the library itself.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import time

from .fsutil import atomic_write_bytes
from .paths import AppPaths

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


class HolderError(Exception):
    """str(e) is one sentence for the user."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def current(paths: AppPaths) -> dict | None:
    """The holder's state, or None when no live process holds the library (a stale file is ignored)."""
    try:
        state = json.loads(paths.live_state.read_text())
    except (OSError, ValueError):
        return None
    if fcntl is not None:
        try:
            with open(paths.live_lock, "a+") as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
                return None  # we could take the lock: nobody holds it (a stale state file)
        except OSError:
            return state
    return state if _pid_alive(int(state.get("pid", -1))) else None


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
        if fcntl is not None:
            f = open(self.paths.live_lock, "a+")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                other = current(self.paths)
                raise HolderError(f"{describe(other).capitalize() if other else 'Another photoclip process'} "
                                  "already holds this library; stop it first, or let it do the work.") from None
            self._lock_file = f
        else:  # pragma: no cover - Windows: a pid check instead of a lock
            other = current(self.paths)
            if other and other.get("pid") != os.getpid():
                raise HolderError(f"{describe(other).capitalize()} already holds this library; stop it first.")
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
            self._lock_file.close()
            self._lock_file = None

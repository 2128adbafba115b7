"""One way in: `LibraryClient`, what the window, the CLI and the self-test use to reach a library.

Three verbs, the same whoever answers:

    query(op, **params)   the operation's answer (ops.OPERATIONS; a write waits until it is carried out)
    submit(op, **params)  a Future of that answer, for callers that must not wait (the window)
    events()              a subscription to the service's events (events.py), an iterable of dicts

`session.Session.client()` (the CLI) and the window pick the implementation: over the socket when another
process (a `photoclip watch`, the app) hosts the library, else in this process.  `ServiceClient` is the
in-process one for a host itself (the window or `watch` runs the `LibraryService`).  This module and the socket client import nothing heavy (no
numpy, PyTorch or Qt): a CLI command answered by a running watch stays fast.
"""
from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from . import ipc, ops
from .errors import ServiceStopped

NO_SERVICE = ("No photoclip watch or window is running for this library; start one with: photoclip watch")


class LibraryClient:
    """The client API; see the module's docstring."""

    def query(self, op: str, **params) -> dict:
        raise NotImplementedError

    def submit(self, op: str, **params) -> Future:
        return self._pool().submit(self.query, op, **params)

    def events(self):
        raise NotImplementedError

    @property
    def remote(self) -> bool:
        return False

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if getattr(self, "_executor", None) is None:
                self._executor = ThreadPoolExecutor(4, thread_name_prefix="photoclip-client")
            return self._executor

    _lock = threading.Lock()

    def close(self) -> None:
        executor = getattr(self, "_executor", None)
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


class SocketClient(LibraryClient):
    """Someone else hosts the library: every verb crosses its local socket (ipc.py)."""

    def __init__(self, paths, model: str | None = None, switch_model: bool = False):
        self.paths = paths
        self.model = model
        self.switch_model = switch_model

    @property
    def remote(self) -> bool:
        return True

    def query(self, op: str, **params) -> dict:
        ops.get(op)  # an unknown name is a usage error here, as it is in the service
        data = ipc.call(self.paths, op, params, model=self.model, switch_model=self.switch_model)
        if data is None:
            raise ServiceStopped("The photoclip process that held this library has stopped; start photoclip "
                                 "again to go on.")
        return data

    def events(self):
        stream = ipc.subscribe(self.paths)
        if stream is None:
            raise ServiceStopped(NO_SERVICE)
        return stream


class ServiceClient(LibraryClient):
    """This process hosts the library (`LibraryService`): reads run on the caller's thread, writes on the
    service's worker, events come from its hub."""

    def __init__(self, service):
        self.service = service

    def query(self, op: str, **params) -> dict:
        return self.service.query(op, **params)

    def submit(self, op: str, **params) -> Future:
        if ops.get(op).write:
            return self.service.submit(op, **params)
        return super().submit(op, **params)

    def events(self):
        return self.service.hub.subscribe()


class LocalClient(LibraryClient):
    """Nobody hosts the library: reads run here, writes here too under the library's lock (holder.py), so no
    service can start in the middle of one.  `library()` opens it on first use (the model loads only when an
    operation needs it).  There are no events without a service."""

    def __init__(self, open_library, paths, owns_library: bool = True):
        self._open = open_library
        self.paths = paths
        self._lib = None
        self._owns = owns_library  # close() closes the library too

    def library(self):
        if self._lib is None:
            self._lib = self._open()
        return self._lib

    def query(self, op: str, **params) -> dict:
        known = ops.get(op)
        if known.needs_service:
            raise ServiceStopped(NO_SERVICE)
        lib = self.library()
        if not known.write:
            return known(lib, **params)
        with self.writing():
            return known(lib, **params)

    @contextlib.contextmanager
    def writing(self):
        """Hold the library for an in-process write; the index is saved under the lock (readers never save)."""
        from .holder import Holder

        holder = Holder(self.paths, "cli").acquire()
        try:
            yield
            if self._lib is not None:
                self._lib.index.save()
        finally:
            holder.release()

    def events(self):
        raise ServiceStopped(NO_SERVICE)

    def close(self) -> None:
        super().close()
        if self._lib is not None and self._owns:
            self._lib.close()
        self._lib = None


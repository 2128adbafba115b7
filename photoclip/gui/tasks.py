"""One way to run work off the GUI thread: run_task(func, on_done, on_error) on a named worker pool.

The outcome comes back on the GUI thread through a queued signal, so callers never touch widgets from a
worker.  Named pools: "general" (views and other reads), "model" (loading the model).  Workers are plain
Python threads; the outcome stays on the task object and the queued signal only says that it is there.
The GUI never writes the catalog itself: writes are commands to the library service, and `when_done`
brings their answers back to the GUI thread.
"""
from __future__ import annotations

import logging
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

_pools: dict[str, ThreadPoolExecutor] = {}


def pool(name: str, threads: int) -> ThreadPoolExecutor:
    if name not in _pools:
        _pools[name] = ThreadPoolExecutor(threads, thread_name_prefix=f"photoclip-{name}")
    return _pools[name]


class _Task(QObject):
    finished = Signal()

    def __init__(self, func: Callable[[], Any]):
        super().__init__()  # created on the GUI thread, so `finished` is delivered there
        self.func = func
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.func()
        except BaseException as e:  # delivered to the GUI thread, never lost
            log.debug("task failed", exc_info=True)
            self.error = e
        self.finished.emit()


_alive: set[_Task] = set()  # keep tasks alive until their outcome is delivered


def run_task(func: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, pool_name: str = "general",
             threads: int = 2, owner: QObject | None = None) -> None:
    """Run func on the named pool; on_done/on_error run on the GUI thread, unless `owner` is gone by then."""
    task = _Task(func)
    _alive.add(task)

    def delivered():
        _alive.discard(task)
        if owner is not None and (not shiboken6.isValid(owner) or getattr(owner, "closed", False)):
            return  # the window that asked has been closed: drop the result
        if task.error is not None:
            (on_error or (lambda e: log.error("background task: %s", e)))(task.error)
        elif on_done is not None:
            on_done(task.result)

    task.finished.connect(delivered)
    pool(pool_name, threads).submit(task.run)


class Bridge(QObject):
    """Carries LibraryService events and finished commands from other threads to the GUI thread.

    Items wait in a thread-safe queue; the queued signal carries nothing but the news that they are there.
    The GUI thread applies them in time-boxed batches (Picard's idea): after BATCH_MS it yields to the event
    loop and goes on at the next turn, so a flood of "photo indexed" events never freezes the window.
    """
    BATCH_MS = 50
    event = Signal(object)  # emitted on the GUI thread only
    _arrived = Signal()

    def __init__(self):
        super().__init__()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._draining = False
        self._arrived.connect(self._drain)

    def post(self, ev) -> None:  # any thread
        self._queue.put(ev)
        self._arrived.emit()

    def call_soon(self, func: Callable[[], None]) -> None:  # any thread: run func on the GUI thread
        self.post(func)

    def _drain(self) -> None:
        deadline = time.monotonic() + self.BATCH_MS / 1000
        while time.monotonic() < deadline:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            try:
                item() if callable(item) else self.event.emit(item)
            except Exception:  # one listener's bug must not stop the rest
                log.exception("GUI update failed")
        QTimer.singleShot(0, self._drain)  # more waiting: let the window breathe first


def when_done(future, bridge: Bridge, on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None) -> None:
    """Deliver a concurrent Future's outcome on the GUI thread."""
    def deliver(f):
        error = f.exception()
        if error is not None:
            (on_error or (lambda e: log.error("command failed: %s", e)))(error)
        elif on_done is not None:
            on_done(f.result())

    future.add_done_callback(lambda f: bridge.call_soon(lambda: deliver(f)))

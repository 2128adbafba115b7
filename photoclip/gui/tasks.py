"""One way to run work off the GUI thread: run_task(func, on_done, on_error) on a named worker pool.

The outcome comes back on the GUI thread through a queued signal, so callers never touch widgets from a
worker.  Named pools: "general" (views), "model" (loading the model), "writes" (one thread, so catalog
writes from the GUI never race).  Workers are plain Python threads; the outcome stays on the task object
and the queued signal only says that it is there.
"""
from __future__ import annotations

import logging
import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

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
    """Carries LibraryService events from its worker thread to the GUI thread.

    Events wait in a thread-safe queue; the queued signal carries nothing but the news that they are there.
    """
    event = Signal(object)  # emitted on the GUI thread only
    _arrived = Signal()

    def __init__(self):
        super().__init__()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._arrived.connect(self._drain)

    def post(self, ev) -> None:  # any thread
        self._queue.put(ev)
        self._arrived.emit()

    def _drain(self) -> None:
        while True:
            try:
                ev = self._queue.get_nowait()
            except queue.Empty:
                return
            self.event.emit(ev)

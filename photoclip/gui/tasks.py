"""One way to run work off the GUI thread: run_task(func, on_done, on_error) on a named worker pool.

The outcome comes back on the GUI thread through a queued signal, so callers never touch widgets from a
worker.  The pools belong to the window (`TaskPools`): "general" (views and other reads), "model" (loading
the model).  The window drains them when it closes, before the library they read is closed.  Workers are
plain Python threads; the outcome stays on the task object and the queued signal only says that it is there.
The GUI never writes the catalog itself: writes are commands to the library service, and `when_done`
brings their answers back to the GUI thread.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


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


class TaskPools:
    """The named worker pools of one window.  They belong to it and are drained when it closes, before the
    library they read is closed: a worker must never be left reading a catalog that is closing under it."""

    def __init__(self):
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._running: set[Future] = set()
        self._alive: set[_Task] = set()  # keep tasks alive until their outcome is delivered
        self._lock = threading.Lock()
        self.closed = False

    def run(self, func: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, pool_name: str = "general",
            threads: int = 2, owner: QObject | None = None) -> None:
        """Run func on the named pool; on_done/on_error run on the GUI thread, unless `owner` is gone by then."""
        if self.closed:
            return  # the window is closing: no new work
        task = _Task(func)
        self._alive.add(task)

        def delivered():
            self._alive.discard(task)
            if owner is not None and (not shiboken6.isValid(owner) or getattr(owner, "closed", False)):
                return  # the window that asked has been closed: drop the result
            if task.error is not None:
                (on_error or (lambda e: log.error("background task: %s", e)))(task.error)
            elif on_done is not None:
                on_done(task.result)

        task.finished.connect(delivered)
        with self._lock:
            pool = self._pools.get(pool_name)
            if pool is None:
                pool = self._pools[pool_name] = ThreadPoolExecutor(threads, thread_name_prefix=f"photoclip-{pool_name}")
            future = pool.submit(task.run)
            self._running.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._running.discard(future)

    def busy(self) -> int:
        """Tasks queued or running."""
        with self._lock:
            return len(self._running)

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel what has not started, wait up to `timeout` in all for what has, and end the threads.  True when
        every thread ended; a task that outlives the bound (a model still downloading) finds the catalog closed
        and ends with CatalogClosed, never on a connection closed under it."""
        self.closed = True
        with self._lock:
            pools = dict(self._pools)
        for pool in pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        ended = True
        for pool in pools.values():
            for thread in list(getattr(pool, "_threads", ())):  # the executor keeps no public handle on them
                thread.join(max(0.0, deadline - time.monotonic()))
                ended &= not thread.is_alive()
        if not ended:
            log.warning("background tasks still running after %.0fs; closing without them", timeout)
        return ended


def run_task(func: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, pool_name: str = "general",
             threads: int = 2, owner: QObject | None = None, pools: TaskPools | None = None) -> None:
    """Run func on a window's pools (`pools`, else those of the window that `owner` belongs to)."""
    if pools is None:
        pools = _pools_of(owner)
    pools.run(func, on_done, on_error, pool_name, threads, owner)


def _pools_of(owner: QObject | None) -> TaskPools:
    widget = owner
    while widget is not None:
        found = getattr(widget, "tasks", None)
        if isinstance(found, TaskPools):
            return found
        widget = widget.parent() if hasattr(widget, "parent") else None
    raise RuntimeError("run_task needs the window's pools: pass pools= or an owner inside a MainWindow")


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

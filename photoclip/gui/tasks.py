"""One way to run work off the GUI thread: run_task(func, on_done, on_error) on a named QThreadPool.

The result (or the exception) comes back on the GUI thread through a queued signal, so callers never
touch widgets from a worker.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

_pools: dict[str, QThreadPool] = {}
_alive: set["_Task"] = set()  # keep tasks' signal objects alive until delivered


def pool(name: str, threads: int) -> QThreadPool:
    if name not in _pools:
        p = QThreadPool()
        p.setMaxThreadCount(threads)
        _pools[name] = p
    return _pools[name]


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, func: Callable[[], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.func = func
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.func()
        except BaseException as e:  # delivered to the GUI thread, never lost
            log.debug("task failed", exc_info=True)
            self.signals.failed.emit(e)
        else:
            self.signals.done.emit(result)


def run_task(func: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, pool_name: str = "general",
             threads: int = 2, owner: QObject | None = None) -> None:
    """Run func on the named pool; on_done/on_error run on the GUI thread, unless `owner` is gone by then."""
    task = _Task(func)
    _alive.add(task)

    def finish(handler, value):
        _alive.discard(task)
        if owner is not None and (not shiboken6.isValid(owner) or getattr(owner, "closed", False)):
            return  # the window that asked has been closed: drop the result
        if handler is not None:
            handler(value)

    task.signals.done.connect(lambda r: finish(on_done, r))
    task.signals.failed.connect(lambda e: finish(on_error or (lambda e: log.error("background task: %s", e)), e))
    pool(pool_name, threads).start(task)


def wait_all(timeout_ms: int = 10_000) -> None:
    for p in _pools.values():
        p.waitForDone(timeout_ms)

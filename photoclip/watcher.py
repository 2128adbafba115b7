"""File-system watching with watchdog: raw events go into a thread-safe queue, nothing else happens here.

Each library folder gets its own observer.  When the OS refuses more watches (inotify's limit) the folder
falls back to a polling observer and the caller is told, so watching never silently stops.  When the kernel's
event queue overflows (a burst of tens of thousands of files), events were lost: watchdog says so only in its
log, so a handler on that logger turns it into an "overflow" event and the service rescans the folders.
"""
from __future__ import annotations

import errno
import logging
import os
import threading
import queue
from dataclasses import dataclass
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

LIMIT_ERRNOS = {errno.ENOSPC, errno.EMFILE, errno.ENFILE}


@dataclass
class RawEvent:
    kind: str  # created | modified | deleted | moved | closed | overflow (events were lost: rescan)
    path: str
    dest: str | None
    is_dir: bool


OVERFLOW_LOGGER = "watchdog.observers.inotify_c"  # where watchdog reports a lost event queue


class _OverflowListener(logging.Handler):
    """watchdog's "Inotify queue overflowed" log record -> an overflow event for every running watcher."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.queues: "set[queue.Queue]" = set()
        self.queues_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            with self.queues_lock:
                queues = list(self.queues)
            for q in queues:
                q.put(RawEvent("overflow", "", None, True))


_overflow = _OverflowListener()
_overflow_logger = logging.getLogger(OVERFLOW_LOGGER)
_overflow_logger.addHandler(_overflow)
_overflow_logger.setLevel(logging.WARNING)  # heard even when the CLI silences other libraries' logs


class _Forward(FileSystemEventHandler):
    def __init__(self, q: "queue.Queue[RawEvent]"):
        self.q = q

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write"):
            return
        if kind == "closed":
            kind = "modified"  # a file finished writing: worth a settle check
        dest = getattr(event, "dest_path", None) or None
        self.q.put(RawEvent(kind, _s(event.src_path), _s(dest) if dest else None, event.is_directory))


def _s(p) -> str:
    return os.fsdecode(p)  # a name that is not UTF-8 keeps its bytes as surrogate escapes


class FolderWatcher:
    """Watches a set of folders; events are put on `events`."""

    def __init__(self, events: "queue.Queue[RawEvent]", on_notice: Callable[[str], None] = lambda m: None,
                 force_polling: bool = False, poll_interval: float = 2.0):
        self.events = events
        self.on_notice = on_notice
        self.force_polling = force_polling
        self.poll_interval = poll_interval
        self._observers: dict[str, Observer] = {}
        self.polling: set[str] = set()
        # The service's worker watches and unwatches; stop() comes from the thread that stops the service.
        self._lock = threading.RLock()
        self._stopped = False
        with _overflow.queues_lock:
            _overflow.queues.add(events)

    def watch(self, folder: str) -> None:
        with self._lock:
            if folder not in self._observers and not self._stopped:
                self._watch(folder)

    def _watch(self, folder: str) -> None:
        handler = _Forward(self.events)
        if not self.force_polling:
            obs = Observer()
            try:
                obs.schedule(handler, folder, recursive=True)
                obs.start()
                self._observers[folder] = obs
                return
            except OSError as e:
                _stop(obs)
                if e.errno not in LIMIT_ERRNOS:
                    log.warning("cannot watch %s: %s", folder, e)
                    return
                self.on_notice(f"The system refused more file watches for {folder} (inotify limit); "
                               f"photoclip checks that folder by polling every {self.poll_interval:g}s instead. "
                               "Raise fs.inotify.max_user_watches for instant updates.")
        obs = PollingObserver(timeout=self.poll_interval)
        obs.schedule(handler, folder, recursive=True)
        obs.start()
        self._observers[folder] = obs
        self.polling.add(folder)

    def unwatch(self, folder: str) -> None:
        with self._lock:
            obs = self._observers.pop(folder, None)
            self.polling.discard(folder)
        if obs is not None:
            _stop(obs)

    def stop(self) -> None:
        """Stop every observer; a later watch() does nothing (the service is shutting down)."""
        with self._lock:
            self._stopped = True
            folders = list(self._observers)
        with _overflow.queues_lock:
            _overflow.queues.discard(self.events)
        for folder in folders:
            self.unwatch(folder)


def _stop(obs) -> None:
    try:
        obs.stop()
        if obs.is_alive():
            obs.join(timeout=5)
    except Exception:  # pragma: no cover - best effort at shutdown
        pass

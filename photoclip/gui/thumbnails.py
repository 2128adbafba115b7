"""Thumbnails: an LRU of QPixmaps in front of an atomic disk cache, filled by a LIFO worker queue.

Only cells that are painted ask for a thumbnail; the newest requests are served first (the user scrolled
there), workers build QImages (QPixmap only on the GUI thread), and results for stale requests are kept
in the disk cache but not forced into the view.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from .. import imageio
from ..fsutil import atomic_write_bytes

log = logging.getLogger(__name__)

THUMB = 160


def cache_key(path: str) -> str:
    try:
        st = os.stat(path)
        sig = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        sig = path
    return hashlib.sha1(sig.encode()).hexdigest()


def render(path: str, cache_dir: str) -> QImage | None:
    """Disk cache hit, or decode + shrink + store. Runs on a worker thread."""
    key = cache_key(path)
    cached = os.path.join(cache_dir, key[:2], key + ".jpg")
    img = QImage(cached) if os.path.exists(cached) else QImage()
    if not img.isNull():
        return img
    try:
        f, _st = imageio.open_readonly(path)
        with f:
            decoded = imageio.decode(f, THUMB)
    except imageio.PhotoError:
        return None
    pil = decoded.image
    pil.thumbnail((THUMB, THUMB))
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=85)
    try:
        atomic_write_bytes(cached, buf.getvalue())
    except OSError as e:
        log.debug("thumbnail cache write failed: %s", e)
    return QImage.fromData(buf.getvalue(), "JPEG")


class _Job(QRunnable):
    def __init__(self, loader: "ThumbnailLoader"):
        super().__init__()
        self.loader = loader

    def run(self) -> None:
        path = self.loader._next()
        if path is not None:
            self.loader._delivered.emit(path, render(path, self.loader.cache_dir))


class ThumbnailLoader(QObject):
    ready = Signal(str)  # a path whose thumbnail is now in memory
    _delivered = Signal(str, object)

    def __init__(self, cache_dir: str, capacity: int = 600, threads: int = 2):
        super().__init__()
        self.cache_dir = cache_dir
        self.capacity = capacity
        self._lru: OrderedDict[str, QPixmap] = OrderedDict()
        self._stack: list[str] = []  # LIFO: the most recently painted cells first
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(threads)
        self._delivered.connect(self._on_delivered)
        self.failed: set[str] = set()

    def get(self, path: str) -> QPixmap | None:
        pix = self._lru.get(path)
        if pix is not None:
            self._lru.move_to_end(path)
            return pix
        if path not in self.failed:
            with self._lock:
                if path not in self._queued:
                    self._queued.add(path)
                    self._stack.append(path)
                    self._pool.start(_Job(self))
        return None

    def _next(self) -> str | None:
        with self._lock:
            return self._stack.pop() if self._stack else None

    def _on_delivered(self, path: str, image) -> None:
        self._queued.discard(path)
        if image is None or image.isNull():
            self.failed.add(path)
            return
        self._lru[path] = QPixmap.fromImage(image)
        while len(self._lru) > self.capacity:
            self._lru.popitem(last=False)
        self.ready.emit(path)

    def wait(self, ms: int = 10_000) -> None:
        self._pool.waitForDone(ms)

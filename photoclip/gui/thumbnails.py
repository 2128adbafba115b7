"""Thumbnails: an LRU of QPixmaps in front of an atomic disk cache, filled by a LIFO worker queue.

A thumbnail is asked for by path, or by (path, seconds) for the frame of a video that a search matched.

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

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from .. import imageio
from ..fsutil import atomic_write_bytes

log = logging.getLogger(__name__)

THUMB = 160


def to_qimage(pil) -> QImage:
    """A Pillow picture as a QImage of its own (RGB, copied out of Pillow's buffer)."""
    pil = pil.convert("RGB")
    return QImage(pil.tobytes(), pil.width, pil.height, 3 * pil.width, QImage.Format_RGB888).copy()


def cache_key(path: str, size: int = THUMB, at: float | None = None) -> str:
    try:
        st = os.stat(path)
        sig = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        sig = path
    if size != THUMB:  # a HiDPI screen's larger thumbnails live beside the others
        sig += f"|{size}"
    if at is not None:  # a video's frame
        sig += f"|t={at:.3f}"
    return hashlib.sha1(sig.encode("utf-8", "surrogateescape")).hexdigest()


def render(source, cache_dir: str, size: int = THUMB) -> QImage | None:
    """Disk cache hit, or decode + shrink + store, `size` pixels on the long side, of a path or a video's
    (path, seconds). Runs on a worker thread."""
    path, at = source if isinstance(source, tuple) else (source, None)
    key = cache_key(path, size, at)
    cached = os.path.join(cache_dir, key[:2], key + ".jpg")
    img = QImage(cached) if os.path.exists(cached) else QImage()
    if not img.isNull():
        return img
    try:
        f, _st = imageio.open_readonly(path)
        with f:
            if at is None:
                pil = imageio.decode(f, size).image
            else:
                from .. import video

                pil = video.frame_at(f, at, size)
    except (imageio.PhotoError, imageio.VideoError):
        return None
    pil.thumbnail((size, size))
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=85)
    try:
        atomic_write_bytes(cached, buf.getvalue())
    except OSError as e:
        log.debug("thumbnail cache write failed: %s", e)
    return QImage.fromData(buf.getvalue(), "JPEG")


class ThumbnailLoader(QObject):
    ready = Signal(object)  # a path (or (path, seconds)) whose thumbnail is now in memory (object: Qt strings drop
    # the undecodable bytes of a name)
    _delivered = Signal(object)  # not str: a Qt string drops the undecodable bytes of a name, and the lookup fails

    def __init__(self, cache_dir: str, capacity: int = 600, threads: int = 2, scale: float = 1.0):
        """`scale`: the screen's device pixel ratio; thumbnails are rendered with that many more pixels and drawn
        at their logical size, so they are crisp on a HiDPI screen."""
        super().__init__()
        self.cache_dir = cache_dir
        self.scale = max(1.0, float(scale))
        self.size = round(THUMB * self.scale)
        self.capacity = capacity
        self._lru: OrderedDict[str, QPixmap] = OrderedDict()
        self._stack: list[str] = []  # LIFO: the most recently painted cells first
        self._queued: set[str] = set()
        self._results: dict[str, QImage | None] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="photoclip-thumbs")
        self._delivered.connect(self._on_delivered)
        self.failed: set[str] = set()
        self._closed = False

    def get(self, path: str) -> QPixmap | None:
        pix = self._lru.get(path)
        if pix is not None:
            self._lru.move_to_end(path)
            return pix
        if path not in self.failed and not self._closed:
            with self._lock:
                if path not in self._queued:
                    self._queued.add(path)
                    self._stack.append(path)
                    self._pool.submit(self._work)
        return None

    def _work(self) -> None:
        """On a worker thread: render the newest request; only its path crosses back in the signal."""
        with self._lock:
            path = self._stack.pop() if self._stack else None
        if path is None:
            return
        image = render(path, self.cache_dir, self.size)
        with self._lock:
            self._results[path] = image
        self._delivered.emit(path)

    def _on_delivered(self, path: str) -> None:
        with self._lock:
            image = self._results.pop(path, None)
        self._queued.discard(path)
        if image is None or image.isNull():
            self.failed.add(path)
            return
        pix = QPixmap.fromImage(image)
        pix.setDevicePixelRatio(self.scale)
        self._lru[path] = pix
        while len(self._lru) > self.capacity:
            self._lru.popitem(last=False)
        self.ready.emit(path)

    def shutdown(self) -> None:
        """Drop queued requests and wait for the renders in flight (each is one bounded decode)."""
        with self._lock:
            self._closed = True
            self._stack.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

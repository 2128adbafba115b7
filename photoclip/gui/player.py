"""Videos and Live Photos in the viewer: a bar under the picture to play them in the window (silently, from the
frame a search matched), jump to each sampled scene, or open the video in the system's player.

Playback decodes on a thread of its own (video.frames_from, PyAV) at the size the window shows, paced by the
frames' own times, and hands each picture to the viewer through a queued signal: the GUI thread never decodes.
It has no sound: photoclip is a photo library, and "Open in player" hands the file to the player the user
chose, at the same moment where that player takes a start time (mpv, VLC), else from its beginning.
A Live Photo's movie (or a Motion Photo's, inside the photo's own file) plays over its still and gives the
still back when it ends.  Stopping (pause, another
photo, closing the viewer) ends the thread before anything it uses goes away.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .. import imageio
from ..video import format_duration
from .grid import file_url
from .thumbnails import to_qimage

PLAY_SIDE = 720  # pixels on the short side the in-window player decodes at most


def external_player(path: str, at: float) -> list[str] | None:
    """The command that opens `path` at `at` seconds in a player that takes a start time (None: none here)."""
    if shutil.which("mpv"):
        return ["mpv", f"--start={at:.2f}", "--", path]
    if shutil.which("vlc"):
        return ["vlc", f"--start-time={at:.2f}", path]
    return None


class FramePump(QObject):
    """Decodes frames from a time on, on its own thread, one picture at a time, at the frames' own pace."""
    frame = Signal(object, float)  # QImage, seconds
    ended = Signal()

    def __init__(self):
        super().__init__()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, path: str, at: float, side: int = PLAY_SIDE, offset: int | None = None) -> None:
        """Play `path` from `at` seconds (a Motion Photo's movie: from byte `offset` of the file)."""
        self.stop()
        self._stop = threading.Event()
        stop = self._stop
        self._thread = threading.Thread(target=self._run, args=(path, at, side, offset, stop),
                                        name="photoclip-player", daemon=True)
        self._thread.start()

    def _run(self, path: str, at: float, side: int, offset: int | None, stop: threading.Event) -> None:
        from .. import video

        try:
            f, _st = imageio.open_readonly(path)
            with f:
                source = f if offset is None else video.Slice(f, offset)
                began, first = time.monotonic(), None
                for t, picture in video.frames_from(source, at, side, stop.is_set):
                    first = t if first is None else first
                    wait = (t - first) - (time.monotonic() - began)
                    if wait > 0 and stop.wait(wait):
                        return
                    self.frame.emit(to_qimage(picture), t)
        except (imageio.PhotoError, imageio.VideoError):
            pass
        if not stop.is_set():
            self.ended.emit()

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def stop(self) -> None:
        """End the decode thread and wait for it (at most one frame's decode)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None


class VideoBar(QWidget):
    """Under the viewer's picture, for a video (play, time, scenes, open in player) or a Live Photo (play)."""

    def __init__(self, viewer):
        super().__init__(viewer)
        self.viewer = viewer
        self.pump = FramePump()
        self.pump.frame.connect(self._frame)
        self.pump.ended.connect(self._ended)
        self.item: str | None = None  # the viewer's item the bar is for
        self.path: str | None = None  # what plays: the video, or the Live Photo's movie
        self.live = False
        self.offset: int | None = None  # a Motion Photo's movie: where it begins in the photo's file
        self.at = 0.0
        self.duration: float | None = None
        self.play_button = QPushButton()
        self.play_button.clicked.connect(self.toggle)
        self.time_label = QLabel()
        self.scenes = QHBoxLayout()
        self.open_button = QPushButton(self.tr("Open in player"))
        self.open_button.clicked.connect(self.open_external)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.play_button)
        row.addWidget(self.time_label)
        row.addSpacing(12)
        row.addLayout(self.scenes)
        row.addStretch()
        row.addWidget(self.open_button)
        for b in (self.play_button, self.open_button):
            b.setFocusPolicy(Qt.NoFocus)  # the arrow keys stay the viewer's
        viewer.finished.connect(self.stop)
        self.hide()

    def show_for(self, path: str, info: dict | None, at: float | None) -> None:
        """The bar for the item on show (hidden for a photo)."""
        self.stop()
        self.item, self.offset = path, None
        info = info or {}
        while self.scenes.count():
            w = self.scenes.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if info.get("duration") is not None:
            self.path, self.live, self.duration, self.at = path, False, info["duration"], at or 0.0
            frames = info.get("frames") or []
            if len(frames) > 1:
                self.scenes.addWidget(QLabel(self.tr("Scenes:")))
                for t in frames[:12]:
                    b = QPushButton(format_duration(t))
                    b.setFocusPolicy(Qt.NoFocus)
                    b.setMaximumWidth(b.fontMetrics().horizontalAdvance("0:00:00") + 20)
                    b.setToolTip(self.tr("Show the scene at {0}").format(format_duration(t)))
                    b.clicked.connect(lambda _=False, t=t: self.seek(t))
                    self.scenes.addWidget(b)
        elif info.get("live"):
            self.path, self.live, self.duration, self.at = info["live"], True, None, 0.0
            self.offset = info.get("live_offset")
        else:
            self.path = None
        self.open_button.setVisible(not self.live)
        self._labels()
        self.setVisible(self.path is not None)

    def _labels(self) -> None:
        playing = self.pump.playing
        if self.live:
            self.play_button.setText(self.tr("■ Stop") if playing else self.tr("▶ Play Live Photo"))
            self.time_label.setText("")
            return
        self.play_button.setText(self.tr("❚❚ Pause") if playing else self.tr("▶ Play"))
        self.time_label.setText(f"{format_duration(self.at)} / {format_duration(self.duration)}")

    def toggle(self) -> None:
        if self.pump.playing:
            self.stop()
            if self.live:
                self.viewer.show_photo(self.viewer.index)
        elif self.path:
            if self.duration and self.at >= self.duration - 0.1:
                self.at = 0.0  # played to the end: again from the start
            self.pump.start(self.path, self.at, offset=self.offset)
        self._labels()

    def seek(self, t: float) -> None:
        """Show the scene at `t` (and play on from there if playing)."""
        playing = self.pump.playing
        self.stop()
        self.at = t
        self.viewer.show_photo(self.viewer.index, at=t)
        if playing:
            self.pump.start(self.path, t)
        self._labels()

    def _frame(self, image: QImage, t: float) -> None:
        if not self.pump.playing:
            return  # a frame that was in flight when playback stopped
        self.at = t if not self.live else 0.0
        self.viewer.show_frame(image)
        self._labels()

    def _ended(self) -> None:
        self.stop()
        if self.live:
            self.viewer.show_photo(self.viewer.index)
        self._labels()

    def stop(self) -> None:
        self.pump.stop()

    def open_external(self) -> None:
        if not self.path:
            return
        command = external_player(self.path, self.at)
        if command is not None:
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, cwd=os.path.dirname(self.path))
        else:
            QDesktopServices.openUrl(file_url(self.path))

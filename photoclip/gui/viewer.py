"""The viewer: one photo at a time, as large as the window allows, with its facts beside it.

Left and Right (or the buttons) go through the photos of the view it was opened from; "Actual size" shows
every pixel (scroll to look around), "Fit" the whole picture again; "Find similar" puts the photo into the
search box as an example, as the grid's menu does.  The picture is decoded on a worker at the size it is shown
(JPEGs straight at that size), and its facts come through the window's client: the GUI thread reads no
catalog and decodes no full-size image.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from .grid import display_name
from .tasks import run_task

FIT = QSize(1600, 1200)  # the largest picture "fit" decodes; the label scales it to the window
ACTUAL_MAX = 12_000  # pixels on the long side that "actual size" decodes at most (a bomb stays bounded)


def load_picture(client, path: str, size: QSize | None) -> tuple[dict | None, QImage]:
    """On a worker: the photo's facts (photo_info through the client) and its picture, at most `size` (None:
    actual size, up to ACTUAL_MAX), upright (EXIF orientation)."""
    info = client.query("photo_info", path=path)["photo"]
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    limit = size or QSize(ACTUAL_MAX, ACTUAL_MAX)
    if full.isValid() and (full.width() > limit.width() or full.height() > limit.height()):
        full.scale(limit, Qt.KeepAspectRatio)
        reader.setScaledSize(full)
    image = reader.read()
    return info, image


class Viewer(QDialog):
    loaded = Signal()  # the photo on show has its picture and facts

    def __init__(self, window, paths: list[str], index: int):
        super().__init__(window)
        self.window_ = window
        self.paths = paths
        self.index = index
        self.actual = False
        self._request = 0
        self.image = QImage()
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignCenter)
        self.scroll = QScrollArea()
        self.scroll.setAlignment(Qt.AlignCenter)
        self.scroll.setWidget(self.picture)
        self.scroll.setWidgetResizable(True)
        side = QWidget()
        self.facts = QFormLayout(side)
        side.setMinimumWidth(260)
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.zoom_button = QPushButton(self.tr("Actual size"))
        self.similar_button = QPushButton(self.tr("Find similar"))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.zoom_button.clicked.connect(self.toggle_zoom)
        self.similar_button.clicked.connect(self.find_similar)
        buttons = QHBoxLayout()
        for b in (self.prev_button, self.next_button, self.zoom_button, self.similar_button):
            b.setFocusPolicy(Qt.NoFocus)  # the arrow keys stay the viewer's
            buttons.addWidget(b)
        buttons.addStretch()
        left = QVBoxLayout()
        left.addWidget(self.scroll, 1)
        left.addLayout(buttons)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 1)
        lay.addWidget(side)
        for key, slot in ((Qt.Key_Left, lambda: self.step(-1)), (Qt.Key_Right, lambda: self.step(1)),
                          (Qt.Key_Plus, self.toggle_zoom), (Qt.Key_Minus, self.toggle_zoom)):
            QShortcut(QKeySequence(key), self, activated=slot)
        self.resize(window.size() if window is not None else QSize(1100, 760))
        self.show_photo(index)

    @property
    def path(self) -> str:
        return self.paths[self.index]

    def step(self, delta: int) -> None:
        i = self.index + delta
        if 0 <= i < len(self.paths):
            self.show_photo(i)

    def toggle_zoom(self) -> None:
        self.actual = not self.actual
        self.zoom_button.setText(self.tr("Fit") if self.actual else self.tr("Actual size"))
        self.show_photo(self.index)

    def find_similar(self) -> None:
        path = self.path
        self.accept()
        self.window_.find_similar(path)

    def show_photo(self, index: int) -> None:
        self.index = index
        self.setWindowTitle(display_name(os.path.basename(self.path)))
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.paths) - 1)
        self._request += 1
        req, path, size = self._request, self.path, None if self.actual else FIT
        client = self.window_.client
        run_task(lambda: load_picture(client, path, size), lambda r: self._shown(req, path, *r), owner=self)

    def _shown(self, req: int, path: str, info: dict | None, image: QImage) -> None:
        if req != self._request:
            return  # the user moved on meanwhile
        self.image = image
        self.scroll.setWidgetResizable(not self.actual)
        self._place()
        while self.facts.rowCount():
            self.facts.removeRow(0)
        self.facts.addRow(self.tr("Path"), self._label(display_name(path)))
        try:
            self.facts.addRow(self.tr("Size"), self._label(f"{os.path.getsize(path) / 1024:,.0f} KB"))
        except OSError:
            pass
        if info:
            self.facts.addRow(self.tr("Dimensions"), self._label(f"{info['width']} × {info['height']}"
                                                                 if info["width"] else self.tr("unknown")))
            self.facts.addRow(self.tr("Date taken"), self._label((info["taken"] or "").replace("T", " ")
                                                                 or self.tr("unknown")))
            self.facts.addRow(self.tr("Camera"), self._label(info["camera"] or self.tr("unknown")))
            self.facts.addRow(self.tr("Albums"), self._label(", ".join(
                f"{a['name']} ({a['score']:.2f})" for a in info["albums"]) or self.tr("none")))
        self.loaded.emit()

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        return label

    def _place(self) -> None:
        if self.image.isNull():
            self.picture.setPixmap(QPixmap())
            self.picture.setText(self.tr("cannot show this file"))
            return
        pix = QPixmap.fromImage(self.image)
        if not self.actual:  # fit the room there is, never enlarged
            room = self.scroll.viewport().size()
            if pix.width() > room.width() or pix.height() > room.height():
                pix = pix.scaled(room, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.picture.setText("")
        self.picture.setPixmap(pix)
        if self.actual:
            self.picture.adjustSize()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.actual and not self.image.isNull():
            self._place()

"""Side by side: the copy that stays and a look-alike, large enough for a person to decide, with a 100% zoom
whose two views scroll together.  Both pictures are decoded on a worker thread, never on the GUI thread."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QLabel, QPushButton, QScrollArea,
                               QSizePolicy, QVBoxLayout, QWidget)

from .. import imageio
from .grid import display_name
from .thumbnails import to_qimage
from .tasks import run_task


def load_full(path: str) -> QImage:
    """The whole picture, upright (Qt's reader; Pillow for what Qt cannot read, such as HEIC).  Worker thread."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    image = reader.read()
    if not image.isNull():
        return image
    try:
        f, _st = imageio.open_readonly(path)
        with f:
            pil = imageio.decode(f, 1 << 30).image
    except imageio.PhotoError:
        return QImage()
    return to_qimage(pil)


class ComparePane(QWidget):
    """The kept copy and a look-alike side by side, each as large as the room allows; "Actual size" shows both
    at 100%, and then the two views scroll together.  The Duplicates window has one beside its list; a
    double-click opens one in a window of its own (CompareDialog)."""

    loaded = Signal()  # both pictures are on screen (tests wait for it)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.paths: tuple[str, str] | tuple = ()
        self.images: list[QImage | None] = [None, None]
        self.full_size = False
        self._request = 0
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.views: list[QScrollArea] = []
        self.labels: list[QLabel] = []
        self.headings: list[QLabel] = []
        for col in range(2):
            heading = QLabel()
            heading.setWordWrap(True)
            picture = QLabel()
            picture.setAlignment(Qt.AlignCenter)
            picture.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)
            view = QScrollArea()
            view.setWidget(picture)
            view.setWidgetResizable(True)
            view.setAlignment(Qt.AlignCenter)
            grid.addWidget(heading, 0, col)
            grid.addWidget(view, 1, col)
            self.views.append(view)
            self.labels.append(picture)
            self.headings.append(heading)
        grid.setRowStretch(1, 1)
        # The two views move together, so the same detail is side by side at 100%.
        for a, b in ((0, 1), (1, 0)):
            self.views[a].horizontalScrollBar().valueChanged.connect(self.views[b].horizontalScrollBar().setValue)
            self.views[a].verticalScrollBar().valueChanged.connect(self.views[b].verticalScrollBar().setValue)
        self.zoom = QPushButton(self.tr("Actual size (100%)"))
        self.zoom.setCheckable(True)
        self.zoom.toggled.connect(self.set_full_size)
        grid.addWidget(self.zoom, 2, 0, 1, 2, Qt.AlignRight)

    def show_pair(self, kept: str, other: str, facts: tuple[str, str] = ("", "")) -> None:
        """Decode both on workers; a newer pair replaces one still loading."""
        self.paths = (kept, other)
        self.images = [None, None]
        self._request += 1
        req = self._request
        for i, (title, path, fact) in enumerate(zip((self.tr("Kept"), self.tr("Look-alike")), self.paths, facts)):
            self.headings[i].setText(f"<b>{title}</b> · {display_name(os.path.basename(path))}<br>"
                                     f"<small>{display_name(os.path.dirname(path))} {fact}</small>")
            self.headings[i].setToolTip(display_name(path))
            self.labels[i].setPixmap(QPixmap())
            self.labels[i].setText(self.tr("Loading…"))
            run_task(lambda p=path: load_full(p), lambda img, i=i: self._show(req, i, img), owner=self)

    def _show(self, req: int, i: int, image: QImage) -> None:
        if req != self._request:
            return  # the user chose another pair meanwhile
        self.images[i] = image
        if image.isNull():
            self.labels[i].setText(self.tr("cannot show this file"))
        self._render()
        if all(img is not None for img in self.images):
            self.loaded.emit()

    def set_full_size(self, on: bool) -> None:
        self.full_size = on
        for view in self.views:
            view.setWidgetResizable(not on)
        self._render()

    def _render(self) -> None:
        for label, view, image in zip(self.labels, self.views, self.images):
            if image is None or image.isNull():
                continue
            pix = QPixmap.fromImage(image)
            label.setText("")
            if self.full_size:
                label.setPixmap(pix)
                label.resize(pix.size())
            else:
                room = view.viewport().size()
                if pix.width() > room.width() or pix.height() > room.height():
                    pix = pix.scaled(room, Qt.KeepAspectRatio, Qt.SmoothTransformation)
                label.setPixmap(pix)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.full_size:
            self._render()


class CompareDialog(QDialog):
    """A ComparePane in a window of its own, for a closer look."""

    def __init__(self, kept: str, other: str, parent, facts: tuple[str, str] = ("", "")):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare"))
        self.resize(1200, 760)
        self.pane = ComparePane(self)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pane, 1)
        layout.addWidget(buttons)
        self.loaded, self.zoom, self.labels = self.pane.loaded, self.pane.zoom, self.pane.labels
        self.pane.show_pair(kept, other, facts)

    @property
    def paths(self) -> tuple:
        return self.pane.paths

    @property
    def images(self) -> list:
        return self.pane.images

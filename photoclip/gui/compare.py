"""Side by side: the copy that stays and a look-alike, large enough for a person to decide, with a 100% zoom
whose two views scroll together.  Both pictures are decoded on a worker thread, never on the GUI thread."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QLabel, QPushButton, QScrollArea,
                               QSizePolicy)

from .. import imageio
from .grid import display_name
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
            pil = imageio.decode(f, 1 << 30).image.convert("RGB")
    except imageio.PhotoError:
        return QImage()
    data = pil.tobytes()
    return QImage(data, pil.width, pil.height, 3 * pil.width, QImage.Format_RGB888).copy()


class CompareDialog(QDialog):
    loaded = Signal()  # both pictures are on screen (tests wait for it)

    def __init__(self, kept: str, other: str, parent, facts: tuple[str, str] = ("", "")):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare"))
        self.resize(1200, 760)
        self.paths = (kept, other)
        self.images: list[QImage | None] = [None, None]
        self.full_size = False
        grid = QGridLayout(self)
        self.views: list[QScrollArea] = []
        self.labels: list[QLabel] = []
        for col, (title, path, fact) in enumerate(zip((self.tr("Kept"), self.tr("Look-alike")), self.paths, facts)):
            heading = QLabel(f"<b>{title}</b> · {display_name(os.path.basename(path))} {fact}")
            heading.setToolTip(display_name(path))
            picture = QLabel(self.tr("Loading…"))
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
        grid.setRowStretch(1, 1)
        # The two views move together, so the same detail is side by side at 100%.
        for a, b in ((0, 1), (1, 0)):
            self.views[a].horizontalScrollBar().valueChanged.connect(self.views[b].horizontalScrollBar().setValue)
            self.views[a].verticalScrollBar().valueChanged.connect(self.views[b].verticalScrollBar().setValue)
        self.zoom = QPushButton(self.tr("Actual size (100%)"))
        self.zoom.setCheckable(True)
        self.zoom.toggled.connect(self.set_full_size)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(self.zoom, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        grid.addWidget(buttons, 2, 0, 1, 2)
        for i, path in enumerate(self.paths):
            run_task(lambda p=path: load_full(p), lambda img, i=i: self._show(i, img), owner=self)

    def _show(self, i: int, image: QImage) -> None:
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
            if self.full_size:
                label.setPixmap(pix)
                label.resize(pix.size())
            else:
                label.setPixmap(pix.scaled(view.viewport().size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.full_size:
            self._render()

"""The photo grid: QListView + QAbstractListModel + a delegate, thumbnails loaded lazily per painted cell."""
from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from .thumbnails import THUMB, ThumbnailLoader

PathRole = Qt.UserRole + 1
ScoreRole = Qt.UserRole + 2
IdRole = Qt.UserRole + 3
CELL = QSize(THUMB + 16, THUMB + 34)


@dataclass
class Item:
    id: int
    path: str
    score: float | None = None


class PhotoModel(QAbstractListModel):
    def __init__(self, thumbs: ThumbnailLoader):
        super().__init__()
        self.items: list[Item] = []
        self._rows: dict[str, int] = {}
        self.thumbs = thumbs
        self.placeholder = QPixmap(THUMB, THUMB)
        self.placeholder.fill(QColor("#d8d8d8"))
        thumbs.ready.connect(self._thumb_ready)

    def set_items(self, items: list[Item]) -> None:
        self.beginResetModel()
        self.items = items
        self._rows = {it.path: i for i, it in enumerate(items)}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.items)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.items):
            return None
        it = self.items[index.row()]
        if role == Qt.DisplayRole:
            return os.path.basename(it.path)
        if role == Qt.DecorationRole:
            return self.thumbs.get(it.path) or self.placeholder  # a miss queues a render
        if role == Qt.ToolTipRole:
            return it.path + (f"\nscore {it.score:.3f}" if it.score is not None else "")
        if role == PathRole:
            return it.path
        if role == ScoreRole:
            return it.score
        if role == IdRole:
            return it.id
        return None

    def flags(self, index):
        return super().flags(index) | Qt.ItemIsDragEnabled

    def mimeTypes(self):  # noqa: N802
        return ["text/uri-list"]

    def mimeData(self, indexes):  # noqa: N802 - drag photos out to other apps as file URLs
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(self.items[i.row()].path) for i in indexes if i.isValid()])
        return mime

    def _thumb_ready(self, path: str) -> None:
        row = self._rows.get(path)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Qt.DecorationRole])


class PhotoDelegate(QStyledItemDelegate):
    def sizeHint(self, option, index):  # noqa: N802
        return CELL

    def paint(self, painter: QPainter, option, index) -> None:
        painter.save()
        if option.state & QStyle.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        pix = index.data(Qt.DecorationRole)
        r = option.rect
        if pix is not None:
            x = r.x() + (r.width() - pix.width()) // 2
            y = r.y() + 6 + (THUMB - pix.height()) // 2
            painter.drawPixmap(x, y, pix)
        text = index.data(Qt.DisplayRole) or ""
        score = index.data(ScoreRole)
        if score is not None:
            text = f"{score:.2f}  {text}"
        painter.setPen(option.palette.highlightedText().color() if option.state & QStyle.State_Selected
                       else option.palette.text().color())
        text_rect = QRect(r.x() + 4, r.y() + THUMB + 10, r.width() - 8, 20)
        painter.drawText(text_rect, Qt.AlignHCenter | Qt.AlignVCenter,
                         painter.fontMetrics().elidedText(text, Qt.ElideMiddle, text_rect.width()))
        painter.restore()


class PhotoGrid(QListView):
    preview_requested = Signal(str)

    def __init__(self, model: PhotoModel):
        super().__init__()
        self.setModel(model)
        self.setItemDelegate(PhotoDelegate(self))
        self.setViewMode(QListView.IconMode)
        self.setUniformItemSizes(True)  # constant-time layout, even for 100,000 photos
        self.setGridSize(CELL)
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setLayoutMode(QListView.Batched)
        self.setBatchSize(500)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.activated.connect(lambda idx: self.preview_requested.emit(idx.data(PathRole)))

    def selected_paths(self) -> list[str]:
        return [i.data(PathRole) for i in sorted(self.selectedIndexes(), key=lambda i: i.row())]

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key_Space and self.currentIndex().isValid():
            self.preview_requested.emit(self.currentIndex().data(PathRole))
            return
        if event.matches(QKeySequence.Copy):
            QGuiApplication.clipboard().setText("\n".join(self.selected_paths()))
            return
        super().keyPressEvent(event)

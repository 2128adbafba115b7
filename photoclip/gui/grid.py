"""The photo grid: QListView + QAbstractListModel + a delegate, thumbnails loaded lazily per painted cell."""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, replace
from urllib.parse import quote

from PySide6.QtCore import (QAbstractListModel, QByteArray, QCoreApplication, QDate, QLocale, QMimeData,
                            QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, QTimer, QUrl, Signal)
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from .thumbnails import THUMB, ThumbnailLoader

translate = QCoreApplication.translate

MAX_MOVES = 64  # update_items: more photos than this changing places is applied as a fresh list
PathRole = Qt.UserRole + 1
ScoreRole = Qt.UserRole + 2
IdRole = Qt.UserRole + 3
HeaderRole = Qt.UserRole + 4
BadgeRole = Qt.UserRole + 5
CELL = QSize(THUMB + 8, THUMB + 8)  # a tight grid of pictures: names and scores are on hover, not under each


def display_name(path: str) -> str:
    """A path as text for the screen: bytes that are not UTF-8 show as � (Qt would drop them silently)."""
    return os.fsencode(path).decode("utf-8", "replace")


def file_url(path: str) -> QUrl:
    """A file URL that keeps every byte of the name (QUrl.fromLocalFile loses the ones that are not UTF-8)."""
    return QUrl.fromEncoded(QByteArray(("file://" + quote(os.fsencode(path))).encode("ascii")))


@dataclass
class Item:
    id: int
    path: str
    score: float | None = None
    taken: str | None = None  # ISO 8601, in date order
    header: str | None = None  # "March 2024" on the first photo of each month, in date order
    duration: float | None = None  # a video's length in seconds
    at: float | None = None  # the time of the video's frame a search matched (its thumbnail shows that frame)
    live: bool = False  # a Live Photo (a still with its movie)

    @property
    def thumb(self):
        """What the thumbnail loader is asked for: the path, or a video's (path, seconds) of the matched frame."""
        return (self.path, self.at) if self.at is not None else self.path


def badge_text(it: Item) -> str | None:
    """The corner label of a video ("0:42", or "0:12 / 0:42" where a search matched that frame) or a Live Photo."""
    from ..video import format_duration

    if it.duration is not None:
        return (f"{format_duration(it.at)} / " if it.at is not None else "") + format_duration(it.duration)
    return translate("PhotoModel", "LIVE") if it.live else None


def month_header(taken: str | None) -> str:
    """The header of a month in the user's language ("March 2024", "2024年3月")."""
    if not taken or len(taken) < 7 or not taken[:4].isdigit() or not taken[5:7].isdigit():
        return translate("PhotoModel", "Date unknown")
    return QLocale().toString(QDate(int(taken[:4]), int(taken[5:7]), 1), "MMMM yyyy")


class _Newest:
    """Sort key: newest taken first, then by path (the catalog's listing order)."""
    __slots__ = ("taken", "path")

    def __init__(self, it: Item):
        self.taken, self.path = it.taken or "", it.path

    def __lt__(self, other: "_Newest") -> bool:
        return self.taken > other.taken if self.taken != other.taken else self.path < other.path


def date_key(it: Item) -> _Newest:
    return _Newest(it)


def in_date_order(items: list[Item]) -> list[Item]:
    """Newest first (date taken: EXIF, else the file's time, as every answer carries it), with a header on the
    first photo of each month.  Grid cells stay uniform (constant-time layout for 100,000 photos), so a header
    is a band over that cell."""
    out = [replace(it, header=None) for it in items]
    out.sort(key=date_key)  # newest first, then by path: the catalog's order
    month = object()
    for it in out:
        if (it.taken or "")[:7] != month:
            month = (it.taken or "")[:7]
            it.header = month_header(it.taken)
    return out


class PhotoModel(QAbstractListModel):
    def __init__(self, thumbs: ThumbnailLoader):
        super().__init__()
        self.items: list[Item] = []
        self._rows: dict[str, int] = {}
        self._row_of: dict[int, int] = {}  # photo id -> row
        self._stale = False
        self._ids: set[int] = set()  # the ids shown, kept current by every change (membership without the maps)
        self.thumbs = thumbs
        self._placeholder: tuple[int, QPixmap] | None = None
        thumbs.ready.connect(self._thumb_ready)

    def placeholder(self) -> QPixmap:
        """The square a thumbnail takes until it arrives, in the theme's own muted colour (light or dark): made
        once per palette (a theme change drops it), never per painted cell."""
        if self._placeholder is None:
            pix = QPixmap(THUMB, THUMB)
            pix.fill(QGuiApplication.palette().color(QPalette.Mid))
            self._placeholder = (0, pix)
            app = QGuiApplication.instance()
            if app is not None and not getattr(self, "_follows_palette", False):
                app.paletteChanged.connect(self._palette_changed)
                self._follows_palette = True
        return self._placeholder[1]

    def _palette_changed(self, _palette) -> None:
        self._placeholder = None

    def set_items(self, items: list[Item]) -> None:
        """Show a different list (another view): a reset."""
        self.beginResetModel()
        self.items = list(items)
        self._reindex()
        self.endResetModel()

    def update_items(self, items: list[Item]) -> None:
        """Show a new version of the same view as row removals, insertions, moves and dataChanged, so the
        selection, the current item and the scroll position survive (calibre's cover grid does the same)."""
        new_ids = {it.id for it in items}
        end = len(self.items) - 1
        while end >= 0:  # removals, bottom up, in contiguous runs
            if self.items[end].id in new_ids:
                end -= 1
                continue
            start = end
            while start > 0 and self.items[start - 1].id not in new_ids:
                start -= 1
            self.beginRemoveRows(QModelIndex(), start, end)
            del self.items[start:end + 1]
            self.endRemoveRows()
            end = start - 1
        known = {it.id for it in self.items}
        it_by_id = {it.id: it for it in self.items}
        moves = 0
        target = 0
        while target < len(items):
            it = items[target]
            if it.id not in known:  # a run of new photos: one insertion
                end = target
                while end + 1 < len(items) and items[end + 1].id not in known:
                    end += 1
                self.beginInsertRows(QModelIndex(), target, end)
                self.items[target:target] = items[target:end + 1]
                self.endInsertRows()
                target = end + 1
                continue
            if self.items[target].id != it.id:  # the same photo moved in the order (renamed, re-dated)
                moves += 1
                if moves > MAX_MOVES:  # many photos changed places: a fresh list is cheaper than moves
                    self.set_items(items)
                    return
                source = self.items.index(it_by_id[it.id], target + 1)
                self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), target)
                self.items.insert(target, self.items.pop(source))
                self.endMoveRows()
            if self.items[target] != it:
                self.items[target] = it
                idx = self.index(target)
                self.dataChanged.emit(idx, idx)
            target += 1
        self._reindex()

    def _reindex(self) -> None:
        """Rows moved: the path and id maps are rebuilt when next asked (once per batch, not per change)."""
        self._stale = True
        self._ids = {it.id for it in self.items}

    def _maps(self) -> tuple[dict[str, int], dict[int, int]]:
        if self._stale:
            self._rows = {it.path: i for i, it in enumerate(self.items)}
            self._row_of = {it.id: i for i, it in enumerate(self.items)}
            self._stale = False
        return self._rows, self._row_of

    def row_of(self, photo_id: int) -> int | None:
        return self._maps()[1].get(photo_id)

    def apply_changes(self, removed: set[int], inserted: list[Item]) -> None:
        """A batch of the service's photo events on a view in date order (newest first): rows leave and rows
        arrive where they belong, each as one removal or insertion (selection and scroll stay), and the month
        headers around them are fixed.  No re-read of the listing: O(changes x log n) plus one re-index."""
        ids = self._ids
        if any(it.id in ids for it in inserted):  # already shown as it is (a view read raced the event): its
            _, row_of = self._maps()              # row, selection and all stay
            same = {it.id for it in inserted if (r := row_of.get(it.id)) is not None
                    and (self.items[r].path, self.items[r].taken) == (it.path, it.taken)}
            removed = set(removed) - same
            inserted = [it for it in inserted if it.id not in same]
        gone = [i for i in removed if i in ids]
        row_of = self._maps()[1] if gone else {}
        rows = sorted(row_of[i] for i in gone)
        end = len(rows) - 1
        while end >= 0:  # contiguous runs, bottom up
            start = end
            while start > 0 and rows[start - 1] == rows[start] - 1:
                start -= 1
            self.beginRemoveRows(QModelIndex(), rows[start], rows[end])
            del self.items[rows[start]:rows[end] + 1]
            self.endRemoveRows()
            self._fix_header(rows[start])  # the photo after the gap may now begin its month
            end = start - 1
        ids.difference_update(gone)
        for it in sorted(inserted, key=date_key):
            if it.id in ids:
                continue
            row = bisect.bisect_left(self.items, date_key(it), key=date_key)
            self.beginInsertRows(QModelIndex(), row, row)
            self.items.insert(row, it)
            self.endInsertRows()
            self._fix_header(row)
            self._fix_header(row + 1)
            ids.add(it.id)
        self._stale = True  # `ids` is already current

    def _fix_header(self, row: int) -> None:
        """A month's first photo carries its header; no other photo does."""
        if row >= len(self.items):
            return
        it = self.items[row]
        month = (it.taken or "")[:7]
        header = None if row > 0 and (self.items[row - 1].taken or "")[:7] == month else month_header(it.taken)
        if header != it.header:
            it.header = header
            self.dataChanged.emit(self.index(row), self.index(row), [HeaderRole])

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.items)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.items):
            return None
        it = self.items[index.row()]
        if role == Qt.DisplayRole:
            return display_name(os.path.basename(it.path))
        if role == Qt.DecorationRole:
            return self.thumbs.get(it.thumb) or self.placeholder()  # a miss queues a render
        if role == Qt.ToolTipRole:  # the name, the date and how well it matches: on hover
            lines = [display_name(os.path.basename(it.path))]
            if it.taken:
                lines.append(it.taken[:16].replace("T", " "))
            if it.score is not None:
                lines.append(translate("PhotoModel", "match {0}").format(f"{it.score:.2f}"))
            if it.at is not None:
                from ..video import format_duration

                lines.append(translate("PhotoModel", "best match at {0}").format(format_duration(it.at)))
            lines.append(display_name(os.path.dirname(it.path)))
            return "\n".join(lines)
        if role == PathRole:
            return it.path
        if role == ScoreRole:
            return it.score
        if role == IdRole:
            return it.id
        if role == HeaderRole:
            return it.header
        if role == BadgeRole:
            return badge_text(it)
        return None

    def flags(self, index):
        return super().flags(index) | Qt.ItemIsDragEnabled

    def mimeTypes(self):  # noqa: N802
        return ["text/uri-list"]

    def mimeData(self, indexes):  # noqa: N802 - drag photos out to other apps as file URLs
        mime = QMimeData()
        mime.setUrls([file_url(self.items[i.row()].path) for i in indexes if i.isValid()])
        return mime

    def _thumb_ready(self, key) -> None:
        row = self._maps()[0].get(key[0] if isinstance(key, tuple) else key)
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
            ratio = pix.devicePixelRatio() or 1.0  # a HiDPI thumbnail is drawn at its logical size
            x = r.x() + (r.width() - round(pix.width() / ratio)) // 2
            y = r.y() + (r.height() - round(pix.height() / ratio)) // 2
            painter.drawPixmap(x, y, pix)
        badge = index.data(BadgeRole)
        if badge and pix is not None:  # a video's length (or a Live Photo), bottom right on the picture
            metrics = painter.fontMetrics()
            w, h = metrics.horizontalAdvance(badge) + 10, metrics.height() + 2
            box = QRect(x + round(pix.width() / ratio) - w - 4, y + round(pix.height() / ratio) - h - 4, w, h)
            painter.setRenderHint(QPainter.Antialiasing)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(box, Qt.AlignCenter, badge)
        header = index.data(HeaderRole)
        if header:  # where a month begins (date order): a band across the top of the cell
            band = QRect(r.x(), r.y(), r.width(), painter.fontMetrics().height() + 4)
            painter.fillRect(band, option.palette.highlight())
            painter.setPen(option.palette.highlightedText().color())
            painter.drawText(band.adjusted(4, 0, -4, 0), Qt.AlignLeft | Qt.AlignVCenter,
                             painter.fontMetrics().elidedText(header, Qt.ElideRight, band.width() - 8))
        painter.restore()


class PhotoGrid(QListView):
    preview_requested = Signal(object)

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
        self.activated.connect(lambda idx: self.preview_requested.emit(self.path_at(idx)))

    def resizeEvent(self, event) -> None:  # noqa: N802
        """Columns fill the width: no unused strip on the right, whatever the window's size."""
        super().resizeEvent(event)
        width = self.viewport().width()
        size = QSize(width // max(1, width // CELL.width()), CELL.height())
        if size != self.gridSize() and self.model() is not None:
            # The photo under the user's eye stays where it is while the columns change.
            self._keeping_view(lambda _model: self.setGridSize(size))

    def update_keeping_view(self, items: list[Item]) -> None:
        """Apply a new version of the shown list while the photo under the user's eye stays where it is."""
        self._keeping_view(lambda model: model.update_items(items))

    def apply_keeping_view(self, removed: set[int], inserted: list[Item]) -> None:
        """Apply a batch of photo events (PhotoModel.apply_changes) the same way."""
        self._keeping_view(lambda model: model.apply_changes(removed, inserted))

    def _keeping_view(self, change) -> None:
        """Run `change(model)`, then scroll so the anchor photo is where it was on screen: the current photo if
        it is on screen, else the top-left one."""
        model: PhotoModel = self.model()
        anchor = self.currentIndex()
        if not anchor.isValid() or not self.viewport().rect().intersects(self.visualRect(anchor)):
            anchor = self.indexAt(QPoint(CELL.width() // 2, CELL.height() // 2))
        before = self.visualRect(anchor).top() if anchor.isValid() else 0
        kept = QPersistentModelIndex(anchor)  # Qt moves it with its row through inserts, removals and moves
        change(model)
        if not kept.isValid():
            return
        row = kept.row()
        self.doItemsLayout()
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.visualRect(model.index(row)).top() - before)

    def selected_paths(self) -> list[str]:
        # From the model's own items, never through Qt's strings: a name that is not UTF-8 stays exact.
        items = self.model().items
        return [items[i.row()].path for i in sorted(self.selectedIndexes(), key=lambda i: i.row())]

    def path_at(self, index) -> str:
        return self.model().items[index.row()].path

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key_Space and self.currentIndex().isValid():
            self.preview_requested.emit(self.path_at(self.currentIndex()))
            return
        if event.matches(QKeySequence.Copy):
            QGuiApplication.clipboard().setText("\n".join(self.selected_paths()))
            return
        super().keyPressEvent(event)


class LiveRows:
    """Photo events (events.py: indexed, moved, removed, failed) for a date-ordered view, gathered while the
    Bridge hands them over and applied to the grid in one pass once it yields: rows arrive and leave, nothing is
    read again."""

    def __init__(self, grid: PhotoGrid, parent, on_applied=lambda: None):
        self.grid = grid
        self.removed: set[int] = set()
        self.inserted: dict[int, Item] = {}
        self.on_applied = on_applied
        self.timer = QTimer(parent, singleShot=True, interval=0, timeout=self.apply)

    def take(self, ev: dict, folder: str | None) -> None:
        """Queue one event for a view of the library (folder None) or of one folder."""
        from ..scanner import is_within

        self.removed.add(ev["id"])
        self.inserted.pop(ev["id"], None)
        if ev["event"] in ("indexed", "moved") and (folder is None or is_within(ev["path"], folder)):
            self.inserted[ev["id"]] = Item(ev["id"], ev["path"], None, ev.get("taken"), duration=ev.get("duration"))
        if not self.timer.isActive():
            self.timer.start()

    def apply(self) -> None:
        removed, inserted = self.removed, list(self.inserted.values())
        self.removed, self.inserted = set(), {}
        if removed or inserted:
            self.grid.apply_keeping_view(removed, inserted)
            self.on_applied()

    def drop(self) -> None:
        """The view changed: what was queued belongs to the old one."""
        self.timer.stop()
        self.removed, self.inserted = set(), {}

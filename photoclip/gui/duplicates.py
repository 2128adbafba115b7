"""The Duplicates window: groups of copies with the best one marked and kept; the checked extras go to the system
trash only after a confirmation that lists every one of them.  Nothing is deleted any other way.

Only byte-identical copies come checked (the core's `preselect`); a near-duplicate differs in bytes, so the user
compares it with the kept copy (double-click: side by side) and ticks it; links are shown as links and never
checked.  The trash request carries what was listed, and the service checks it again before moving anything.

The list names each photo by its file name (its whole path on hover); the pane beside it shows the selected
photo and the copy its group keeps side by side, as large as the window allows."""
from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMessageBox, QPushButton, QSplitter,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout)

from .. import ops
from .compare import CompareDialog, ComparePane
from .grid import display_name
from .tasks import run_task


class DuplicatesDialog(QDialog):
    loaded = Signal()  # the list is on screen (tests wait for it)

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle(self.tr("Duplicates"))
        self.resize(1280, 760)
        self.paths: list[str] = []  # row data points here: paths never pass through Qt strings
        self.groups: list[dict] = []
        self.summary = QLabel(self.tr("Looking for duplicates…"))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Photo"), self.tr("What it is"), self.tr("Size"), self.tr("Similarity")])
        self.tree.setIconSize(QSize(72, 72))  # to find a group again; the pane beside shows them large
        self.tree.setUniformRowHeights(False)
        self.pane = ComparePane()
        self.tree.currentItemChanged.connect(lambda item, _old: self._select(item))
        self._rows: dict[str, QTreeWidgetItem] = {}
        window.thumbs.ready.connect(self._thumb_ready)
        self.tree.itemChanged.connect(lambda *_: self._update_button())
        self.tree.itemDoubleClicked.connect(self._compare_item)
        self.trash_button = QPushButton(self.tr("Move checked to trash…"))
        self.trash_button.clicked.connect(self.confirm_trash)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(self.trash_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(self.pane)
        split.setSizes([440, 840])
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.trash_button.setEnabled(False)
        run_task(lambda: self.window_.client.query("duplicates"), self._show, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.summary.setText(str(error))
        self.loaded.emit()

    def _show(self, data: dict) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        self.groups = data["groups"]
        self.paths = []
        self._rows = {}
        for g in data["groups"]:
            kind = self.tr("Exact copies ({0})") if g["kind"] == "exact" else self.tr(
                "Look alike ({0}): compare before you tick (double-click a photo)")
            top = QTreeWidgetItem([kind.format(len(g["photos"]))])
            top.setFlags(Qt.ItemIsEnabled)
            for p in g["photos"]:
                self.paths.append(p["path"])
                dims = f"{p['width']} × {p['height']}" if p["width"] else ""
                role = (self.tr("kept") if p["best"] else self.tr("link, frees nothing") if p["link"]
                        else self.tr("same bytes") if p["exact"] else self.tr("looks the same"))
                it = QTreeWidgetItem([display_name(os.path.basename(p["path"])), role,
                                      ops.megabytes(p["size"]), "" if p["best"] else f"{p['score']:.3f}"])
                it.setData(0, Qt.UserRole, len(self.paths) - 1)
                it.setToolTip(0, display_name(p["path"]))
                it.setToolTip(2, dims)
                self._rows[p["path"]] = it
                pix = self.window_.thumbs.get(p["path"])  # a miss queues a render: _thumb_ready sets it
                if pix is not None:
                    it.setIcon(0, QIcon(pix))
                if p["best"]:  # the copy that stays can never be checked
                    it.setFlags(Qt.ItemIsEnabled)
                else:
                    it.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable | Qt.ItemIsSelectable)
                    it.setCheckState(0, Qt.Checked if p["preselect"] else Qt.Unchecked)
                top.addChild(it)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        for column in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(column)
        self.tree.blockSignals(False)
        first = self.tree.topLevelItem(0)
        if first is not None and first.childCount() > 1:  # the first pair is on show at once
            self.tree.setCurrentItem(first.child(1))
        self.summary.setText(self.tr(
            "{0} groups; {1} extra copies ({2}). The best copy of each group (largest, then oldest) is kept. Only "
            "byte-identical copies are ticked; tick a look-alike yourself once you have compared it.").format(
            len(data["groups"]), data["extra"], ops.megabytes(data["extra_bytes"])) if data["groups"] else self.tr("No duplicates."))
        self._update_button()
        self.loaded.emit()

    def _compare_item(self, item: QTreeWidgetItem) -> None:
        row = item.data(0, Qt.UserRole)
        if row is not None:
            self.compare(self.paths[row])

    def _pair(self, path: str) -> tuple[str, str, tuple[str, str]] | None:
        """(the kept copy, `path`, their facts) for a photo of a group; the kept copy itself pairs with the
        group's first extra."""
        for g in self.groups:
            photos = g["photos"]
            if any(p["path"] == path for p in photos) and len(photos) > 1:
                other = next(p for p in photos if p["path"] == path) if path != photos[0]["path"] else photos[1]
                facts = tuple(f"· {ops.megabytes(p['size'])}"
                              + (f" · {p['width']} × {p['height']}" if p["width"] else "") for p in (photos[0], other))
                return photos[0]["path"], other["path"], facts
        return None

    def _select(self, item: QTreeWidgetItem | None) -> None:
        row = item.data(0, Qt.UserRole) if item is not None else None
        pair = self._pair(self.paths[row]) if row is not None else None
        if pair:
            self.pane.show_pair(*pair)

    def compare(self, path: str) -> CompareDialog | None:
        """The photo beside the copy its group keeps, in a window of its own (double-click a row)."""
        pair = self._pair(path)
        if pair is None or pair[0] == path:
            return None
        kept, other, facts = pair
        dlg = CompareDialog(kept, other, self, facts)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def _thumb_ready(self, path: str) -> None:
        it = self._rows.get(path)
        pix = self.window_.thumbs.get(path) if it is not None else None
        if pix is not None:
            it.setIcon(0, QIcon(pix))

    def checked_paths(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                it = top.child(j)
                if it.flags() & Qt.ItemIsUserCheckable and it.checkState(0) == Qt.Checked:
                    out.append(self.paths[it.data(0, Qt.UserRole)])
        return out

    def _update_button(self) -> None:
        n = len(self.checked_paths())
        self.trash_button.setEnabled(n > 0)
        self.trash_button.setText(self.tr("Move {0} to trash…").format(n) if n else self.tr("Move checked to trash…"))

    def confirm_trash(self) -> None:
        paths = self.checked_paths()
        if not paths:
            return
        box = QMessageBox(QMessageBox.Question, self.tr("Move to trash"), self.tr(
            "Move {0} photos to the system trash? The best copy of each group stays; the trash can restore them."
        ).format(len(paths)), QMessageBox.Yes | QMessageBox.Cancel, self)
        box.setDetailedText("\n".join(display_name(p) for p in paths))
        box.setDefaultButton(QMessageBox.Cancel)
        if box.exec() != QMessageBox.Yes:
            return
        self.trash_button.setEnabled(False)
        self.window_.command("trash", self._trashed, lambda e: self._failed(e),
                             items=ops.trash_items(self.groups, paths), confirmed=True)

    def _trashed(self, result: dict) -> None:
        if result["failed"]:
            QMessageBox.warning(self, self.tr("Move to trash"), self.tr("{0} photos were left where they are:").format(
                len(result["failed"])) + "\n"
                                + "\n".join(f"{display_name(f['path'])}: {f['reason']}" for f in result["failed"]))
        self.window_.refresh()
        self.reload()

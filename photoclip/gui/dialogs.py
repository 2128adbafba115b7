"""Dialogs: create/edit a smart album with a live threshold preview, photo preview, skipped files, settings."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QPlainTextEdit,
                               QPushButton, QSlider, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ..albums import Album, AlbumError, calibrated_threshold, starter_albums
from ..modelspec import DEFAULT_MODEL, normalize_spec
from .tasks import run_task


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [ln.strip() for ln in edit.toPlainText().splitlines() if ln.strip()]


class AlbumDialog(QDialog):
    """Name, prompts, negatives and a threshold slider that previews the member count and borderline photos."""
    scores_ready = Signal()

    saved = Signal()  # the service has created or changed the album

    def __init__(self, library, album: Album | None = None, parent=None, submit=None):
        super().__init__(parent)
        self.lib = library
        self.album = album
        self.submit = submit  # the window's command(op, on_done, on_error, **params); None: write here
        self.setWindowTitle("Edit album" if album else "New smart album")
        self.ids = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0, dtype=np.float32)
        self._request = 0
        form = QFormLayout()
        self.starter = QComboBox()
        self.starter.addItem("Start from scratch")
        for s in starter_albums():
            self.starter.addItem(s["name"], s)
        self.starter.currentIndexChanged.connect(self._use_starter)
        if album is None:
            form.addRow("Starter album", self.starter)
        self.name = QLineEdit(album.name if album else "")
        self.name.setReadOnly(album is not None)
        self.prompts = QPlainTextEdit("\n".join(album.prompts) if album else "")
        self.prompts.setPlaceholderText("one description per line, e.g. a receipt")
        self.negatives = QPlainTextEdit("\n".join(album.negatives) if album else "")
        self.negatives.setPlaceholderText("what does not belong, e.g. a screenshot")
        for w in (self.prompts, self.negatives):
            w.setFixedHeight(70)
            w.textChanged.connect(self._schedule_scores)
        self.auto = QCheckBox("calibrate automatically")
        self.auto.setChecked(album is None or album.threshold is None)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(int(round(100 * (album.effective_threshold if album else 0.5))))
        self.slider.valueChanged.connect(self._threshold_moved)
        self.auto.toggled.connect(self._update_preview)
        self.count = QLabel("…")
        self.borderline = QListWidget()
        self.borderline.setMinimumHeight(8 * self.borderline.fontMetrics().height() + 12)
        form.addRow("Name", self.name)
        form.addRow("Prompts", self.prompts)
        form.addRow("Not these", self.negatives)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.auto)
        form.addRow("Threshold", row)
        form.addRow("Members", self.count)
        form.addRow("Borderline", self.borderline)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.slider.setMinimumWidth(260)
        self.setMinimumSize(560, 600)  # room for the prompts, a usable slider and whole borderline rows
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self._timer = QTimer(self, singleShot=True, interval=350, timeout=self._compute_scores)
        self._schedule_scores()

    def _use_starter(self, i: int) -> None:
        s = self.starter.itemData(i)
        if s:
            self.name.setText(s["name"])
            self.prompts.setPlainText("\n".join(s["prompts"]))
            self.negatives.setPlainText("\n".join(s["negatives"]))

    def draft(self) -> Album:
        a = self.album
        return Album(a.id if a else -1, self.name.text().strip(), _lines(self.prompts), _lines(self.negatives),
                     None if self.auto.isChecked() else self.slider.value() / 100, None,
                     a.templates if a else "personal")

    def _schedule_scores(self) -> None:
        self._timer.start()

    def _compute_scores(self) -> None:
        draft = self.draft()
        if not draft.prompts:
            self.count.setText("type at least one prompt")
            return
        self._request += 1
        req = self._request
        run_task(lambda: self.lib.albums.library_scores(draft), lambda r: self._scores_done(req, r),
                 lambda e: self.error.setText(str(e)), owner=self)

    def _scores_done(self, req: int, result) -> None:
        if req != self._request:
            return  # a newer edit is on its way: drop stale results
        self.ids, self.scores = result
        if self.auto.isChecked() and len(self.scores):
            self.slider.blockSignals(True)
            self.slider.setValue(int(round(100 * calibrated_threshold(self.scores))))
            self.slider.blockSignals(False)
        self._update_preview()
        self.scores_ready.emit()

    def _threshold_moved(self) -> None:
        self.auto.setChecked(False)
        self._update_preview()

    def member_count(self) -> int:
        return int((self.scores >= self.slider.value() / 100).sum())

    def _update_preview(self) -> None:
        t = self.slider.value() / 100
        self.count.setText(f"{self.member_count()} photos at threshold {t:.2f}")
        self.borderline.clear()
        if len(self.scores):
            near = np.argsort(np.abs(self.scores - t))[:8]
            paths = self.lib.catalog.paths_for(self.ids[near].tolist())
            for i in near:
                pid = int(self.ids[i])
                if pid in paths:
                    side = "in " if self.scores[i] >= t else "out"
                    self.borderline.addItem(f"{side} {self.scores[i]:.3f}  {os.path.basename(paths[pid])}")

    def accept(self) -> None:
        """Send the album to the library service; the dialog closes once it is saved, or shows why not."""
        d = self.draft()
        op = "albums_add" if self.album is None else "albums_edit"
        params = {"name": d.name, "prompts": d.prompts, "negatives": d.negatives, "threshold": d.threshold}
        if self.submit is None:
            from .. import ops

            try:
                ops.WRITES[op](self.lib, **params)
            except AlbumError as e:
                self._failed(e)
                return
            self._saved(None)
            return
        self.ok_button.setEnabled(False)
        self.error.setText("")
        self.submit(op, self._saved, self._failed, **params)

    def _saved(self, _result) -> None:
        self.saved.emit()
        super().accept()

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(str(error))


class PreviewDialog(QDialog):
    def __init__(self, library, path: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(os.path.basename(path))
        reader = QImageReader(path)
        reader.setAutoTransform(True)  # EXIF orientation
        image = reader.read()
        picture = QLabel()
        picture.setAlignment(Qt.AlignCenter)
        if not image.isNull():
            picture.setPixmap(QPixmap.fromImage(image).scaled(720, 540, Qt.KeepAspectRatio, Qt.SmoothTransformation))
        else:
            picture.setText("cannot show this file")
        photo = library.catalog.photo_by_path(path)
        facts = QFormLayout()
        facts.addRow("Path", QLabel(path))
        try:
            facts.addRow("Size", QLabel(f"{os.path.getsize(path) / 1024:.0f} KB"))
        except OSError:
            pass
        if photo:
            facts.addRow("Dimensions", QLabel(f"{photo.width} × {photo.height}" if photo.width else "unknown"))
            facts.addRow("Date taken", QLabel(photo.taken or "unknown"))
            facts.addRow("Camera", QLabel(photo.camera or "unknown"))
            albums = library.albums.albums_of(photo.id)
            facts.addRow("Albums", QLabel(", ".join(f"{n} ({s:.2f})" for n, s in albums) or "none"))
        self.facts = facts
        lay = QVBoxLayout(self)
        lay.addWidget(picture, 1)
        lay.addLayout(facts)
        for label in self.findChildren(QLabel):
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)


class FailuresDialog(QDialog):
    def __init__(self, failures: list[dict], parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Skipped files ({len(failures)})")
        self.table = QTableWidget(len(failures), 2)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        for i, f in enumerate(failures):
            self.table.setItem(i, 0, QTableWidgetItem(f["path"]))
            self.table.setItem(i, 1, QTableWidgetItem(f["reason"]))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.resize(800, 400)
        QVBoxLayout(self).addWidget(self.table)


class SettingsDialog(QDialog):
    """Model, device, CPU threads, excluded folders; saved to settings.json, applied on the next start."""

    def __init__(self, settings, parent=None, model_in_use: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.model_in_use = model_in_use
        self.model = QLineEdit(model_in_use or settings.model or "")
        self.model.setPlaceholderText(f"default ({DEFAULT_MODEL})")
        self.model.setMinimumWidth(self.model.fontMetrics().horizontalAdvance("x" * 48))
        browse = QPushButton("Model folder…")
        browse.clicked.connect(self._browse)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda", "mps"])
        self.device.setCurrentText(settings.device)
        self.threads = QSpinBox()
        self.threads.setRange(0, os.cpu_count() or 64)
        self.threads.setSpecialValueText("automatic")
        self.threads.setValue(settings.threads or 0)
        self.excluded = QPlainTextEdit("\n".join(settings.excluded))
        self.excluded.setPlaceholderText("one folder per line")
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("Model", holder)
        form.addRow("Device", self.device)
        form.addRow("CPU threads", self.threads)
        form.addRow("Excluded folders", self.excluded)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("A new model re-encodes the library in the background (after you confirm).\n"
                             "Device and thread changes apply the next time photoclip starts."))
        lay.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with open_clip_config.json")
        if folder:
            self.model.setText(f"local-dir:{folder}")

    def chosen_model(self) -> str | None:
        text = self.model.text().strip()
        return normalize_spec(text) if text else None

    def apply(self) -> None:
        s = self.settings
        s.model = self.chosen_model()  # also the model a new library starts with
        s.device = self.device.currentText()
        s.threads = self.threads.value() or None
        s.excluded = _lines(self.excluded)

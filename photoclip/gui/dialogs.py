"""Dialogs: create/edit a smart album with a live threshold preview, skipped files, settings (the viewer: viewer.py)."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QCoreApplication, QLocale, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit,
                               QPushButton, QSlider, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from .. import models
from ..albums import default_templates, starter_albums
from ..models import DEFAULT_MODEL, normalize_spec
from . import i18n
from .tasks import run_task
from .theme import error_color

translate = QCoreApplication.translate
BORDER_THUMB = 88  # the album dialog's pictures: its members and the borderline photos
MEMBERS_SHOWN = 40  # the album's best members shown as pictures (the count says how many there are in all)
BORDERLINE_SHOWN = 8


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [ln.strip() for ln in edit.toPlainText().splitlines() if ln.strip()]


class AlbumDialog(QDialog):
    """Name, prompts, negatives and a threshold slider that previews the member count and borderline photos."""
    scores_ready = Signal()

    saved = Signal()  # the service has created or changed the album

    def __init__(self, window, album: dict | None = None):
        """`album`: the `albums_show` answer of the album to edit, or None for a new one.  Everything goes
        through the window's client: the preview's scores (`album_preview`), the borderline photos' names and the
        save (a command to the service)."""
        super().__init__(window)
        self.client = window.client
        self.album = album
        self.submit = window.command  # command(op, on_done, on_error, **params): the service writes
        self.setWindowTitle(self.tr("Edit album") if album else self.tr("New smart album"))
        self.ids = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0, dtype=np.float32)
        self.text_in = np.zeros(0, dtype=bool)  # photos the text rule puts in, whatever their score
        self.people_in = np.zeros(0, dtype=bool)  # photos the people rule lets in (all, without one)
        self._request = 0
        self._starter_templates = None
        form = QFormLayout()
        self.starter = QComboBox()
        self.starter.addItem(self.tr("Start from scratch"))
        for s in starter_albums(QLocale().name(), multilingual_model=models.languages(window.lib.model_id) != ["en"]):
            self.starter.addItem(s["name"], s)
        self.starter.currentIndexChanged.connect(self._use_starter)
        if album is None:
            form.addRow(self.tr("Starter album"), self.starter)
        self.name = QLineEdit(album["name"] if album else "")
        self.name.setReadOnly(album is not None)
        self.prompts = QPlainTextEdit("\n".join(album["prompts"]) if album else "")
        self.prompts.setPlaceholderText(self.tr("one description per line, e.g. a receipt"))
        self.negatives = QPlainTextEdit("\n".join(album["negatives"]) if album else "")
        self.negatives.setPlaceholderText(self.tr("what does not belong, e.g. a screenshot"))
        for w in (self.prompts, self.negatives):
            w.setFixedHeight(70)
            w.textChanged.connect(self._schedule_scores)
        self.auto = QCheckBox(self.tr("calibrate automatically"))
        self.auto.setChecked(album is None or album["automatic"])
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(int(round(100 * (album["threshold"] if album else 0.5))))
        self._paths: dict[int, str] = {}  # photo id -> path, for the borderline photos (read on a worker)
        self.marks: dict[str, bool] = {}  # photos the user clicked in (True) or out (False) of the album
        self.thumbs = window.thumbs
        self.slider.valueChanged.connect(self._threshold_moved)
        self.auto.toggled.connect(self._update_preview)
        self.count = QLabel("…")
        # The album's best members, and the photos nearest the threshold, as pictures: click one to take it out or
        # put it in (album feedback).
        self.members = self._picture_list(rows=1)
        self.borderline = self._picture_list(rows=2)
        self.thumbs.ready.connect(self._thumb_ready)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Prompts"), self.prompts)
        form.addRow(self.tr("Not these"), self.negatives)
        # The album's text rule: a photo whose text (read in it) holds any of these words belongs too.
        self.text_any = QLineEdit(", ".join(album.get("text_any", [])) if album else "")
        self.text_any.setPlaceholderText(self.tr("words, comma-separated, e.g. total, 合计, 发票"))
        self.text_any.textChanged.connect(self._schedule_scores)
        form.addRow(self.tr("Text contains any of"), self.text_any)
        # The album's people rule: only photos in which every one of these people appears.
        self.people = QLineEdit(", ".join(album.get("people", [])) if album else "")
        self.people.setPlaceholderText(self.tr("names, comma-separated: only photos with all of them"))
        self.people.textChanged.connect(self._schedule_scores)
        form.addRow(self.tr("With these people"), self.people)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.auto)
        form.addRow(self.tr("Threshold"), row)
        form.addRow(self.tr("Members"), self.count)
        form.addRow("", self.members)
        form.addRow(self.tr("Borderline"), self.borderline)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.slider.setMinimumWidth(260)
        self.setMinimumSize(640, 720)  # room for the prompts, a usable slider, members and borderline rows
        self.error = QLabel("")
        self.error.setStyleSheet(f"color: {error_color(self.palette())}")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self._timer = QTimer(self, singleShot=True, interval=350, timeout=self._compute_scores)
        self._schedule_scores()

    def _picture_list(self, rows: int) -> QListWidget:
        pictures = QListWidget()
        pictures.setViewMode(QListWidget.IconMode)
        pictures.setIconSize(QSize(BORDER_THUMB, BORDER_THUMB))
        cell = QSize(BORDER_THUMB + 16, BORDER_THUMB + 2 * self.fontMetrics().height() + 8)
        pictures.setGridSize(cell)
        pictures.setResizeMode(QListWidget.Adjust)
        pictures.setMovement(QListWidget.Static)
        pictures.setWordWrap(True)
        if rows == 1:  # one row that scrolls sideways
            pictures.setFlow(QListWidget.LeftToRight)
            pictures.setWrapping(False)
        pictures.setMinimumHeight(rows * cell.height() + 8 + (self.style().pixelMetric(
            self.style().PixelMetric.PM_ScrollBarExtent) if rows == 1 else 0))
        pictures.itemClicked.connect(self._toggle_mark)
        return pictures

    def _use_starter(self, i: int) -> None:
        s = self.starter.itemData(i)
        self._starter_templates = s["templates"] if s else None
        if s:
            self.name.setText(s["name"])
            self.prompts.setPlainText("\n".join(s["prompts"]))
            self.negatives.setPlainText("\n".join(s["negatives"]))

    def draft(self) -> dict:
        prompts = _lines(self.prompts)
        templates = (self.album["templates"] if self.album else
                     (self._starter_templates or default_templates(prompts) if prompts else None))
        return {"name": self.name.text().strip(), "prompts": prompts, "negatives": _lines(self.negatives),
                "threshold": None if self.auto.isChecked() else self.slider.value() / 100, "templates": templates,
                "text_any": [w.strip() for w in self.text_any.text().replace("，", ",").split(",") if w.strip()],
                "people": [w.strip() for w in self.people.text().replace("，", ",").split(",") if w.strip()]}

    def _schedule_scores(self) -> None:
        self._timer.start()

    def _compute_scores(self) -> None:
        d = self.draft()
        if not d["prompts"]:
            self.count.setText(self.tr("type at least one prompt"))
            return
        self._request += 1
        req = self._request
        params = {"prompts": d["prompts"], "negatives": d["negatives"], "templates": d["templates"],
                  "name": self.album["name"] if self.album else None, "text_any": d["text_any"],
                  "people": d["people"]}
        run_task(lambda: self.client.query("album_preview", **params), lambda r: self._scores_done(req, r),
                 lambda e: self.error.setText(str(e)), owner=self)

    def _scores_done(self, req: int, result: dict) -> None:
        if req != self._request:
            return  # a newer edit is on its way: drop stale results
        self.ids = np.asarray(result["ids"], dtype=np.int64)
        self.scores = np.asarray(result["scores"], dtype=np.float32)
        self.text_in = np.isin(self.ids, np.asarray(result.get("text_ids", []), dtype=np.int64))
        with_people = result.get("people_ids")
        self.people_in = np.ones(len(self.ids), dtype=bool) if with_people is None else \
            np.isin(self.ids, np.asarray(with_people, dtype=np.int64))
        self.error.setText("")
        if self.auto.isChecked() and result["calibrated"] is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(int(round(100 * result["calibrated"])))
            self.slider.blockSignals(False)
        self._update_preview()
        self.scores_ready.emit()

    def _threshold_moved(self) -> None:
        self.auto.setChecked(False)
        self._update_preview()

    def member_count(self) -> int:
        """Photos in at this threshold: their score clears it, or the text rule puts them in; and the people
        rule lets them."""
        return int((((self.scores >= self.slider.value() / 100) | self.text_in) & self.people_in).sum())

    def _update_preview(self) -> None:
        """The count at this threshold (from the scores in memory) and the photos nearest to it, named once
        their names arrive from a worker (no catalog read on the GUI thread)."""
        t = self.slider.value() / 100
        self.count.setText(self.tr("{0} photos at threshold {1}").format(self.member_count(), f"{t:.2f}"))
        if not len(self.scores):
            self.members.clear()
            self.borderline.clear()
            return
        shown = self._members_shown() + self._borderline_shown()
        missing = [int(self.ids[i]) for i in shown if int(self.ids[i]) not in self._paths]
        if missing:
            def fetch():
                return self.client.query("photo_info", ids=missing)["paths"]

            run_task(fetch, lambda rows: (self._paths.update({r["id"]: r["path"] for r in rows}),
                                          self._fill_pictures()), owner=self)
        self._fill_pictures()

    def _members_shown(self) -> list[int]:
        """The album's best members at this threshold (positions in self.scores), best first."""
        t = self.slider.value() / 100
        inside = ((self.scores >= t) | self.text_in) & self.people_in
        order = np.argsort(-(self.scores + inside))  # members first (the text rule's too), best first
        return [int(i) for i in order[:MEMBERS_SHOWN] if inside[i]]

    def _borderline_shown(self) -> list[int]:
        t = self.slider.value() / 100
        return [int(i) for i in np.argsort(np.abs(self.scores - t))[:BORDERLINE_SHOWN]]

    def _fill_pictures(self) -> None:
        self.members.clear()
        self.borderline.clear()
        if not len(self.scores):
            return
        for pictures, shown in ((self.members, self._members_shown()), (self.borderline, self._borderline_shown())):
            for i in shown:
                item = self._picture_item(i)
                if item is not None:
                    pictures.addItem(item)

    def _picture_item(self, i: int) -> QListWidgetItem | None:
        t = self.slider.value() / 100
        path = self._paths.get(int(self.ids[i]))
        if path is None:
            return None
        inside = self.marks.get(path, bool(self.scores[i] >= t or self.text_in[i]))
        mark = "" if path not in self.marks else " ✓" if inside else " ✗"
        item = QListWidgetItem((self.tr("in") if inside else self.tr("out")) + mark)
        item.setData(Qt.UserRole, path)
        item.setToolTip(self.tr("{0}\nscore {1} — click to put it {2}").format(
            os.path.basename(path), f"{self.scores[i]:.3f}", self.tr("out") if inside else self.tr("in")))
        pix = self.thumbs.get(path)  # a miss asks for it; _thumb_ready fills it in
        if pix is not None:
            item.setIcon(QIcon(pix))
        return item

    def _thumb_ready(self, path) -> None:
        for pictures in (self.members, self.borderline):
            for row in range(pictures.count()):
                item = pictures.item(row)
                if item.data(Qt.UserRole) == path and (pix := self.thumbs.get(path)) is not None:
                    item.setIcon(QIcon(pix))

    def _toggle_mark(self, item) -> None:
        """A click puts the photo in, or keeps it out: for an album that exists, feedback sent to the service at
        once (its look-alikes follow, and the preview is scored again); for a new one, sent once it is saved."""
        path = item.data(Qt.UserRole)
        inside = item.text().startswith(self.tr("in"))
        self.marks[path] = not inside
        if self.album is not None:
            self.submit("albums_mark", lambda _r: self._schedule_scores(), lambda e: self.error.setText(str(e)),
                        name=self.album["name"], paths=[path], belongs=not inside)
        self._fill_pictures()

    def accept(self) -> None:
        """Send the album to the library service; the dialog closes once it is saved, or shows why not."""
        d = self.draft()
        op = "albums_add" if self.album is None else "albums_edit"
        params = {"name": d["name"], "prompts": d["prompts"], "negatives": d["negatives"], "threshold": d["threshold"],
                  "text_any": d["text_any"], "people": d["people"]}
        if self.album is None:
            params["templates"] = d["templates"]
        self.ok_button.setEnabled(False)
        self.error.setText("")
        self.submit(op, self._saved, self._failed, **params)

    def _saved(self, _result) -> None:
        if self.album is None and self.marks:  # the new album exists now: the clicks become its feedback
            name = self.draft()["name"]
            for belongs in (True, False):
                paths = [p for p, b in self.marks.items() if b is belongs]
                if paths:
                    self.submit("albums_mark", None, None, name=name, paths=paths, belongs=belongs)
        self.saved.emit()
        super().accept()

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(str(error))


class FailuresDialog(QDialog):
    def __init__(self, failures: list[dict], parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Skipped files ({0})").format(len(failures)))
        self.table = QTableWidget(len(failures), 2)
        self.table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Reason")])
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
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.model_in_use = model_in_use
        self.model = QLineEdit(model_in_use or settings.model or "")
        self.model.setPlaceholderText(self.tr("default ({0})").format(DEFAULT_MODEL))
        self.model.setMinimumWidth(self.model.fontMetrics().horizontalAdvance("x" * 48))
        # Presets by name, with their languages and speed; choosing one fills in its model.
        self.preset = QComboBox()
        self.preset.addItem(self.tr("Other model (type it below)"), None)
        for p in models.presets():
            langs = self.tr("many languages") if p.multilingual else self.tr("English only")
            speed = (self.tr("{0} photos/s on a 2-core CPU").format(f"{p.cpu_images_per_s:g}") if p.cpu_images_per_s
                     else self.tr("needs a GPU"))
            self.preset.addItem(f"{translate('models', p.name)} — {langs}, {speed}", p.model)
        current = self.preset.findData(normalize_spec(self.model.text().strip() or DEFAULT_MODEL))
        self.preset.setCurrentIndex(max(0, current))
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.model.textEdited.connect(lambda text: self.preset.setCurrentIndex(
            max(0, self.preset.findData(normalize_spec(text.strip())) if text.strip() else 0)))
        self.language = QComboBox()
        for key, label in i18n.LANGUAGES.items():
            self.language.addItem(label or self.tr("As the system (now: {0})").format(
                i18n.LANGUAGES[i18n.ui_language("system")]), key)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        browse = QPushButton(self.tr("Model folder…"))
        browse.clicked.connect(self._browse)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda", "mps"])
        self.device.setCurrentText(settings.device)
        self.threads = QSpinBox()
        self.threads.setRange(0, os.cpu_count() or 64)
        self.threads.setSpecialValueText(self.tr("automatic"))
        self.threads.setValue(settings.threads or 0)
        self.excluded = QPlainTextEdit("\n".join(settings.excluded))
        self.excluded.setPlaceholderText(self.tr("one folder per line"))
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow(self.tr("Model"), self.preset)
        form.addRow("", holder)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("CPU threads"), self.threads)
        form.addRow(self.tr("Excluded folders"), self.excluded)
        # Text in photos: the models that ship read Chinese and English (Latin script); no other is offered,
        # since another would have to be downloaded.
        self.read_text = QCheckBox(self.tr("Read the text in photos (Chinese and English), so searches find it"))
        self.read_text.setChecked(settings.read_text)
        self.read_text.setToolTip(self.tr("Turning it off deletes all text read so far; turning it on reads it "
                                          "again in the background."))
        form.addRow(self.tr("Text in photos"), self.read_text)
        self.find_faces = QCheckBox(self.tr("Find faces and group them into people, on this computer"))
        self.find_faces.setChecked(settings.find_faces)
        self.find_faces.setToolTip(self.tr("Turning it off deletes every face and person, names included; turning "
                                           "it on finds the faces again in the background."))
        form.addRow(self.tr("People"), self.find_faces)
        # Albums given back to other apps as sidecar keywords: off, beside the photos, or in a folder of their own.
        self.album_sidecars = QComboBox()
        for label, mode in ((self.tr("Off"), "off"), (self.tr("As keywords in .xmp sidecars beside the photos"),
                                                      "beside"),
                            (self.tr("As keywords in .xmp sidecars in a folder of their own:"), "folder")):
            self.album_sidecars.addItem(label, mode)
        self.album_sidecars.setCurrentIndex(max(0, self.album_sidecars.findData(settings.album_sidecars)))
        self.album_sidecars.setToolTip(self.tr("For digiKam, Lightroom and darktable; the photos themselves are never "
                                               "changed. Off takes back every keyword photoclip wrote."))
        self.sidecar_folder = QLineEdit(settings.sidecar_folder or "")
        self.sidecar_folder.setPlaceholderText(self.tr("a folder outside the library"))
        choose = QPushButton(self.tr("Choose…"))
        choose.clicked.connect(self._choose_sidecar_folder)
        self.album_sidecars.currentIndexChanged.connect(
            lambda _i: [w.setEnabled(self.album_sidecars.currentData() == "folder") for w in (self.sidecar_folder,
                                                                                              choose)])
        self.album_sidecars.currentIndexChanged.emit(self.album_sidecars.currentIndex())
        folder_row = QWidget()  # under the choice, as the model's folder is under the model
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sidecar_folder, 1)
        row.addWidget(choose)
        form.addRow(self.tr("Albums and people for other apps"), self.album_sidecars)
        form.addRow("", folder_row)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel(self.tr("A new model re-encodes the library in the background (after you confirm).\n"
                                     "Language, device and thread changes apply the next time photoclip starts.")))
        lay.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder with open_clip_config.json"))
        if folder:
            self.model.setText(f"local-dir:{folder}")

    def _preset_chosen(self, i: int) -> None:
        model = self.preset.itemData(i)
        if model:
            self.model.setText(model)

    def read_text_changed(self) -> bool:
        return self.read_text.isChecked() != self.settings.read_text

    def find_faces_changed(self) -> bool:
        return self.find_faces.isChecked() != self.settings.find_faces

    def _choose_sidecar_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the albums' sidecars"))
        if folder:
            self.sidecar_folder.setText(folder)

    def sidecar_choice(self) -> tuple[str, str | None]:
        """(mode, folder): "off", "beside", or "folder" with the folder typed or chosen (None when empty)."""
        mode = self.album_sidecars.currentData()
        return mode, (self.sidecar_folder.text().strip() or None) if mode == "folder" else None

    def album_sidecars_changed(self) -> bool:
        return self.sidecar_choice() != (self.settings.album_sidecars, self.settings.sidecar_folder
                                         if self.settings.album_sidecars == "folder" else None)

    def chosen_model(self) -> str | None:
        text = self.model.text().strip()
        return normalize_spec(text) if text else None

    def apply(self) -> None:
        """Copy the choices into the settings.  Reading text is also a command to the service (off deletes
        what was read; read_text_changed says whether to send it); the value is copied too, so that whichever
        process saves the settings last saves the same choice."""
        s = self.settings
        s.model = self.chosen_model()  # also the model a new library starts with
        s.device = self.device.currentText()
        s.threads = self.threads.value() or None
        s.excluded = _lines(self.excluded)
        s.language = self.language.currentData()
        s.read_text = self.read_text.isChecked()
        s.find_faces = self.find_faces.isChecked()
        if self.album_sidecars_changed():  # the same choice the command makes, whichever process saves last
            s.album_sidecars, s.sidecar_folder = self.sidecar_choice()

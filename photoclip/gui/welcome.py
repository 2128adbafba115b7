"""The first page a new user sees: where the photos are (the system's Pictures folder offered when it exists,
else a folder to choose) and which model reads them (the presets with their download sizes and languages).
The model's download itself shows above the page (ModelState), so it stays in sight once photos arrive."""
from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout,
                               QWidget)

from .. import models, paths

translate = QCoreApplication.translate


def languages_text(preset: models.Preset) -> str:
    if preset.multilingual:
        return translate("Welcome", "Chinese, English and about 100 more languages")
    return translate("Welcome", "English only")


def preset_line(preset: models.Preset) -> str:
    """'Fast (English only) — 605 MB · English only' in the window's language."""
    size = preset.download_mb
    size_text = translate("Welcome", "{0} MB").format(f"{size:,}") if size else translate("Welcome", "size unknown")
    return f"{translate('models', preset.name)} — {size_text} · {languages_text(preset)}"


class Welcome(QWidget):
    """Signals what the user chose; the window does it (through its client)."""

    add_folder = Signal(str)  # a folder to add (the Pictures folder)
    choose_folder = Signal()  # ask the user for one
    preset_chosen = Signal(str)  # a preset's model spec

    def __init__(self, current_model: str, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch()
        title = QLabel("<h2>" + self.tr("Welcome to photoclip") + "</h2><p>" + self.tr(
            "Add the folders that hold your photos. photoclip indexes them on this computer — nothing leaves it — "
            "and keeps up as they change.") + "</p>")
        title.setAlignment(Qt.AlignCenter)
        title.setWordWrap(True)
        layout.addWidget(title)

        self.pictures = paths.pictures_folder()
        row = QHBoxLayout()
        row.addStretch()
        self.add_pictures = QPushButton()
        self.add_pictures.setDefault(True)
        if self.pictures:
            self.add_pictures.setText(self.tr("Add my Pictures folder ({0})").format(os.path.basename(self.pictures)))
            self.add_pictures.setToolTip(self.pictures)
            self.add_pictures.clicked.connect(lambda: self.add_folder.emit(self.pictures))
            row.addWidget(self.add_pictures)
        else:
            self.add_pictures.hide()
        self.choose = QPushButton(self.tr("Choose a folder…") if not self.pictures else
                                  self.tr("Choose another folder…"))
        self.choose.clicked.connect(self.choose_folder.emit)
        row.addWidget(self.choose)
        row.addStretch()
        layout.addLayout(row)

        # The model: which one reads the photos, chosen before anything is encoded with it.
        self.model_box = QFrame()
        self.model_box.setFrameShape(QFrame.StyledPanel)
        box = QVBoxLayout(self.model_box)
        box.addWidget(QLabel("<b>" + self.tr("The model that understands your photos") + "</b>"))
        hint = QLabel(self.tr("It is downloaded once and then works offline. You can change it later in "
                              "Settings."))
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for preset in models.presets():
            button = QRadioButton(preset_line(preset))
            button.setToolTip(translate("models", preset.note))
            button.setProperty("model", preset.model)
            self.group.addButton(button)
            self.buttons[preset.model] = button
            box.addWidget(button)
        self.select(current_model)
        self.group.buttonClicked.connect(lambda b: self.preset_chosen.emit(b.property("model")))
        self.model_box.setMaximumWidth(720)
        outer = QHBoxLayout()
        outer.addStretch()
        outer.addWidget(self.model_box, 1)
        outer.addStretch()
        layout.addSpacing(16)
        layout.addLayout(outer)
        layout.addStretch()

    def select(self, model: str) -> None:
        """Mark the model in use; a model that is no preset (a folder) marks none."""
        button = self.buttons.get(models.normalize_spec(model))
        self.group.setExclusive(False)
        for b in self.buttons.values():
            b.setChecked(b is button)
        self.group.setExclusive(True)

    def show_model_choice(self, shown: bool) -> None:
        """Only while nothing is encoded: afterwards a change of model is a switch (Settings)."""
        self.model_box.setVisible(shown)

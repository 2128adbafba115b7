"""The Chinese interface: every user-visible string of the window, its menus and dialogs is translated."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from helpers import ROOT, draw_folder

pytest.importorskip("PySide6")
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QLabel, QLineEdit, QPlainTextEdit,  # noqa: E402
                               QProgressBar, QTableWidget, QTreeWidget, QWidget)

from photoclip import models  # noqa: E402
from photoclip.gui import i18n  # noqa: E402

WAIT = 60_000
# Words that are names, not English to translate: the product, file names, model and device identifiers.
ALLOWED = {"photoclip", "CPU", "GPU", "SigLIP", "Ctrl", "English", "open_clip_config", "json",
           "open_clip_model", "safetensors", "auto", "cpu", "cuda", "mps", "local", "dir", "KB", "MB",
           "XLM", "RoBERTa", "Gemma", "large",
           "digiKam", "Lightroom", "darktable", "xmp"}  # other apps, a file type; the towers' and tokenizers' names in the presets' notes
for p in models.presets():
    ALLOWED |= set(re.findall(r"[A-Za-z]+", p.model))


def english_words(text: str, user_data=()) -> list[str]:
    """English words in a text once the user's own data (file names, album names, paths) is taken out."""
    for item in sorted(user_data, key=len, reverse=True):
        text = text.replace(item, " ")
    if not text or text.startswith("/"):  # a path is the user's own name
        return []
    return [w for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", " ", text)) if w not in ALLOWED]


def texts_of(widget: QWidget) -> list[str]:
    """Everything a user can read in a widget tree (labels, buttons, actions, placeholders, items, titles)."""
    out = [widget.windowTitle()]
    for w in [widget, *widget.findChildren(QWidget)]:
        if isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QAbstractButton):
            out.append(w.text())
        elif isinstance(w, (QLineEdit, QPlainTextEdit)):
            out.append(w.placeholderText())
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QProgressBar):
            out.append(w.format())
        elif isinstance(w, QTreeWidget):
            out += [w.headerItem().text(c) for c in range(w.columnCount())]
            for i in range(w.topLevelItemCount()):
                out.append(w.topLevelItem(i).text(0))
        elif isinstance(w, QTableWidget):
            out += [w.horizontalHeaderItem(c).text() for c in range(w.columnCount())]
        out += [a.text() for a in w.actions()]
        out.append(w.toolTip())
    return out


@pytest.fixture
def chinese(qapp):
    assert i18n.install(qapp, "zh_CN") == "zh_CN"
    yield
    i18n.install(qapp, "en")


def _loaded(qtbot, viewer):
    qtbot.waitUntil(lambda: viewer.facts.rowCount() > 3, timeout=WAIT)  # its facts are read on a worker
    return viewer


def test_the_chinese_interface_has_no_untranslated_english(chinese, library, tmp_path, qtbot, monkeypatch):
    from photoclip.gui.dialogs import AlbumDialog, FailuresDialog, SettingsDialog
    from photoclip.gui.viewer import Viewer
    from photoclip.gui.window import MainWindow

    truth = draw_folder(tmp_path / "pics", seed=5, count=8)
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    library.albums.create("Beach", ["beach"])
    w = MainWindow(library, settle_s=0.3)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() == len(truth), timeout=WAIT)
    shown = texts_of(w)
    shown += [a.text() for a in w.photo_menu([next(iter(truth))]).actions()]
    w.mode = ("album", "Beach")
    shown += [a.text() for a in w.photo_menu([next(iter(truth))]).actions()]
    for make in (lambda: AlbumDialog(w), lambda: SettingsDialog(library.settings, w, library.model_id),
                 lambda: FailuresDialog([{"path": "/x.jpg", "reason": "x"}], w),
                 lambda: _loaded(qtbot, Viewer(w, sorted(truth), 0)),
                 lambda: w.show_duplicates()):
        dlg = make()
        qtbot.addWidget(dlg)
        shown += texts_of(dlg)
    for key in ("Describe a photo", "Add folder", "All photos"):  # the English is really gone
        assert not any(key in t for t in shown)
    from photoclip.models import short_name

    user_data = {"Beach", library.model_id, short_name(library.model_id), *truth,
                 *(os.path.basename(p) for p in truth)}
    left = sorted({(t, word) for t in shown for word in english_words(t, user_data)})
    assert not left, f"untranslated: {left}"
    assert any(t.startswith("全部照片") for t in shown) and "智能相册" in shown
    w.close()


def test_the_language_follows_the_system_unless_settings_choose(qapp):
    assert i18n.ui_language("system", "zh_CN") == "zh_CN"
    assert i18n.ui_language("system", "zh_TW") == "zh_CN"  # the closest we have
    assert i18n.ui_language("system", "de_DE") == "en"
    assert i18n.ui_language("en", "zh_CN") == "en"
    assert i18n.ui_language("zh_CN", "en_US") == "zh_CN"


def test_translations_are_complete_and_compiled():
    """Every string lupdate finds in the GUI has a Chinese translation, and the shipped .qm is built from the
    .ts (PySide6's own lupdate and lrelease)."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "update_translations.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_preset_names_are_translated(chinese):
    from PySide6.QtCore import QCoreApplication

    data = json.loads((ROOT / "photoclip" / "data" / "models.json").read_text())
    for p in data["presets"]:
        assert QCoreApplication.translate("models", p["name"]) != p["name"]

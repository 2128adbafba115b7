"""The app's language: Simplified Chinese or English, from the system locale unless Settings says otherwise.

User-visible strings go through Qt's translation system (`self.tr`, `translate`); the Chinese catalogue is
translations/photoclip_zh_CN.ts, compiled to .qm with PySide6's lrelease (tools/update_translations.py).
Qt's own catalogue (qtbase) translates the standard buttons (Save, Cancel, Yes, ...).
"""
from __future__ import annotations

import os

from PySide6.QtCore import QT_TRANSLATE_NOOP, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")
# Settings value -> how the choice is shown (in its own language, so anyone can find theirs).
LANGUAGES = {"system": None, "en": "English", "zh_CN": "简体中文"}
# Data shown in the window that lupdate cannot see in its JSON files: the model presets' names and notes.
PRESET_NAMES = (
    QT_TRANSLATE_NOOP("models", "Balanced (multilingual)"),
    QT_TRANSLATE_NOOP("models", "Sharper English, multilingual (SigLIP 2)"),
    QT_TRANSLATE_NOOP("models", "Fast (English only)"),
    QT_TRANSLATE_NOOP("models", "English only (photoclip 0.x default)"),
    QT_TRANSLATE_NOOP("models", "Best quality (GPU)"),
)
PRESET_NOTES = (
    QT_TRANSLATE_NOOP("models", "XLM-RoBERTa text tower (about 100 languages) with a ViT-B/32 image tower; best "
                                "Chinese retrieval of the fast models"),
    QT_TRANSLATE_NOOP("models", "Gemma tokenizer (many languages); the best English retrieval of the fast models, "
                                "weaker in Chinese"),
    QT_TRANSLATE_NOOP("models", "the smallest download and the quickest text queries; English only"),
    QT_TRANSLATE_NOOP("models", "the previous default: strong English zero-shot, no other language"),
    QT_TRANSLATE_NOOP("models", "ViT-H/14 with XLM-RoBERTa large: for a machine with a GPU; far too slow to index "
                                "on a laptop CPU"),
)

_installed: list[QTranslator] = []


def ui_language(setting: str | None, system: str | None = None) -> str:
    """"zh_CN" or "en": the Settings choice, or the system locale's language when it is "system"."""
    if setting in ("en", "zh_CN"):
        return setting
    system = system or QLocale.system().name()
    return "zh_CN" if system.startswith("zh") else "en"


def install(app, setting: str | None = "system") -> str:
    """Load the translations for the chosen language into `app`; returns the language in use."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    language = ui_language(setting)
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.English))
        return language
    for name, folder in ((f"photoclip_{language}", TRANSLATIONS),
                         (f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.TranslationsPath))):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
    QLocale.setDefault(QLocale(language))  # month names in date headers, number formats
    return language

"""Light and dark, as the system says.  Qt's own styles follow the system's colour scheme where their platform
tells them (macOS, Windows 11, GNOME and KDE through their platform themes); where the system says "dark" and
the style still paints light (an older Windows style, a bare X11 session with a dark desktop setting), this
switches to Fusion with a dark palette, and back when the system turns light again.  The window's own
drawing takes its colours from the palette, so it follows either way."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette


def dark_palette() -> QPalette:
    """Fusion's colours for a dark scheme (the palette Qt's Fusion style itself uses when the system is dark)."""
    p = QPalette()
    window, base, text, disabled = QColor(45, 45, 45), QColor(30, 30, 30), QColor(230, 230, 230), QColor(130, 130, 130)
    for role, color in ((QPalette.Window, window), (QPalette.WindowText, text), (QPalette.Base, base),
                        (QPalette.AlternateBase, QColor(40, 40, 40)), (QPalette.ToolTipBase, QColor(60, 60, 60)),
                        (QPalette.ToolTipText, text), (QPalette.PlaceholderText, disabled), (QPalette.Text, text),
                        (QPalette.Button, QColor(55, 55, 55)), (QPalette.ButtonText, text),
                        (QPalette.BrightText, QColor(255, 90, 90)), (QPalette.Light, QColor(75, 75, 75)),
                        (QPalette.Midlight, QColor(62, 62, 62)), (QPalette.Mid, QColor(70, 70, 70)),
                        (QPalette.Dark, QColor(25, 25, 25)), (QPalette.Shadow, QColor(0, 0, 0)),
                        (QPalette.Highlight, QColor(42, 130, 218)), (QPalette.HighlightedText, QColor(255, 255, 255)),
                        (QPalette.Link, QColor(100, 170, 255))):
        p.setColor(role, color)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, disabled)
    return p


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.Window).lightness() < 128


class SystemTheme:
    """Applies the system's scheme now and whenever it changes (QStyleHints.colorSchemeChanged)."""

    def __init__(self, app):
        self.app = app
        self.forced = False  # this set the dark palette (so it also takes it away)
        self.apply(app.styleHints().colorScheme())
        app.styleHints().colorSchemeChanged.connect(self.apply)

    def apply(self, scheme) -> None:
        if scheme == Qt.ColorScheme.Dark and not is_dark(self.app.palette()):
            self.app.setStyle("Fusion")
            self.app.setPalette(dark_palette())
            self.forced = True
        elif scheme != Qt.ColorScheme.Dark and self.forced:
            self.app.setPalette(self.app.style().standardPalette())
            self.forced = False


def error_color(palette: QPalette) -> str:
    """Red that reads on this background: dark red on light, light red on dark."""
    return "#ff8a80" if is_dark(palette) else "#b00020"

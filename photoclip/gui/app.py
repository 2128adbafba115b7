"""Starting the desktop app: `photoclip gui [--query TEXT] [--screenshot PNG]`, or `photoclip` alone."""
from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 120


def display_problem(environ=os.environ, platform: str = sys.platform, find_library=None) -> str | None:
    """Why Qt could not open a window here, in one sentence, or None.  Checked before Qt is imported: Qt
    itself aborts the process (SIGABRT) with a page of plugin text when it has no display to use."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None  # macOS and Windows always have their platform plugin; an explicit choice is respected
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return ("There is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): run "
                "photoclip in a desktop session, or use the command line (photoclip --help).")
    if environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        if find_library is None:
            from ctypes.util import find_library
        if not find_library("xcb-cursor"):
            return ("Qt needs the system library libxcb-cursor to open a window on X11: install it (Debian/Ubuntu: "
                    "sudo apt install libxcb-cursor0; Fedora: sudo dnf install xcb-util-cursor), then start "
                    "photoclip again.")
    return None


def run_gui(library, query: str | None = None, screenshot: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    from . import i18n

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("photoclip")
    i18n.install(app, library.settings.language)
    window = MainWindow(library)
    if query:
        window.search.setText(query)
    window.show()
    if screenshot:
        take_screenshot_when_ready(window, screenshot, bool(query))
    code = app.exec()
    return code


def take_screenshot_when_ready(window, png: str, wait_for_query: bool) -> None:
    """Once the model is loaded, the view shows its photos and visible thumbnails are in: save and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    started = time.monotonic()
    state = {"loaded": False}

    def on_view():
        if window.lib.encoder.loaded and (not wait_for_query or window.mode[0] == "search"):
            state["loaded"] = True

    window.view_loaded.connect(on_view)
    window.model_failed.connect(lambda _m: state.update(loaded=True))

    def poll():
        timed_out = time.monotonic() - started > SCREENSHOT_TIMEOUT_S
        idle = window.service is None or window.service.wait_idle(0)
        thumbs_done = not window.thumbs._queued
        if (state["loaded"] and idle and thumbs_done) or timed_out:
            window.grid.viewport().update()
            QApplication.processEvents()
            os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
            window.grab().save(png)
            window.close()
            QApplication.quit()
            return
        QTimer.singleShot(200, poll)

    QTimer.singleShot(200, poll)

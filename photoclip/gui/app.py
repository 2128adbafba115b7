"""Starting the desktop app: `photoclip gui [--query TEXT] [--screenshot PNG]`, or `photoclip` alone."""
from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 120


def run_gui(library, query: str | None = None, screenshot: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("photoclip")
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

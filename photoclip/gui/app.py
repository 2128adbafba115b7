"""Starting the desktop app: `photoclip gui [--query TEXT] [--screenshot PNG]`, or `photoclip` alone."""
from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 120
# What Qt 6's xcb platform plugin links against beyond libxcb itself (ldd libqxcb.so / libQt6XcbQpa.so), with the
# Debian package of each; a missing one makes Qt abort the process instead of opening a window.
X11_LIBRARIES = (("xcb-cursor", "libxcb-cursor0"), ("xcb-icccm", "libxcb-icccm4"), ("xcb-keysyms", "libxcb-keysyms1"),
                 ("xcb-image", "libxcb-image0"), ("xcb-render-util", "libxcb-render-util0"),
                 ("xkbcommon-x11", "libxkbcommon-x11-0"))


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
        missing = [package for lib, package in X11_LIBRARIES if not find_library(lib)]
        if missing:
            return ("Qt needs these system libraries to open a window on X11: " + ", ".join(missing) + " (Debian/"
                    f"Ubuntu: sudo apt install {' '.join(missing)}; Fedora: sudo dnf install xcb-util-cursor "
                    "xcb-util-wm xcb-util-keysyms xcb-util-image xcb-util-renderutil libxkbcommon-x11), then start "
                    "photoclip again.")
    return None


def run_gui(library, query: str | None = None, screenshot: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    from . import i18n

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("photoclip")
    i18n.install(app, library.settings.language)
    from .theme import SystemTheme

    app._photoclip_theme = SystemTheme(app)  # light or dark, as the system says, now and when it changes
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
        if window.ready and (not wait_for_query or window.mode[0] == "search"):
            state["loaded"] = True

    window.view_loaded.connect(on_view)
    window.model_failed.connect(lambda _m: state.update(loaded=True))

    def poll():
        timed_out = time.monotonic() - started > SCREENSHOT_TIMEOUT_S
        if timed_out:  # a screenshot of a window that never got ready is no screenshot: fail, and say why
            print(f"photoclip: the window was not ready within {SCREENSHOT_TIMEOUT_S}s; no screenshot was taken.",
                  file=sys.stderr)
            window.close()
            QApplication.exit(1)
            return
        idle = window.service is None or window.service.wait_idle(0)
        thumbs_done = not window.thumbs._queued
        if state["loaded"] and idle and thumbs_done:
            window.grid.viewport().update()
            QApplication.processEvents()
            os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
            window.grab().save(png)
            window.close()
            QApplication.quit()
            return
        QTimer.singleShot(200, poll)

    QTimer.singleShot(200, poll)


def check_window(lib, photos: int) -> str:
    """For `photoclip --self-test`: open the main window offscreen over `lib` and check that it shows its
    `photos` photos; returns a short fact for the verdict line, raises RuntimeError if not."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    qInstallMessageHandler(lambda *_: None)  # the offscreen platform's notes are not the verdict
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(lib, start_service=False)
    window.show()
    loop = QEventLoop()
    window.view_loaded.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    if window.model.rowCount() != photos:
        loop.exec()
    shown = window.model.rowCount()
    image = window.grab()
    window.close()
    app.processEvents()
    if shown != photos or image.isNull() or image.width() < 200:
        raise RuntimeError(f"the window showed {shown} of {photos} photos")
    return f"window {image.width()}x{image.height()}"

"""Make the Windows and macOS icons from resources/photoclip.svg (the one drawn icon).

    python tools/make_icons.py    # writes resources/photoclip.ico (16-256 px) and resources/photoclip.icns

Qt's SVG renderer draws the artwork at 1024 px and Pillow writes both formats, so no platform tool (iconutil,
ImageMagick) is needed.  The outputs are committed: a build needs neither Qt's renderer nor this script.
"""
from __future__ import annotations

import io
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SVG = os.path.join(ROOT, "resources", "photoclip.svg")
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def render(size: int = 1024):
    """The SVG as a square RGBA Pillow image."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QImage painting needs one
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    QSvgRenderer(SVG).render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> int:
    big = render()
    big.save(os.path.join(ROOT, "resources", "photoclip.ico"), sizes=ICO_SIZES)
    big.save(os.path.join(ROOT, "resources", "photoclip.icns"))
    print("wrote resources/photoclip.ico and resources/photoclip.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())

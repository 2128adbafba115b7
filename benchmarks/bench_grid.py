"""The photo grid with 100,000 photos: time to show them and to scroll, against a QListWidget baseline.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_grid.py [--photos 100000]

The grid (QListView + list model + delegate, uniform item sizes, thumbnails only for painted cells) is
filled and then scrolled page by page through the whole list, repainting each page; the baseline builds a
QListWidget with one item per photo, as a naive grid would.  Thumbnails point at one real photo on disk.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from PIL import Image  # noqa: E402
from PySide6.QtWidgets import QApplication, QListWidget, QListWidgetItem  # noqa: E402

from photoclip.gui.grid import Item, PhotoGrid, PhotoModel  # noqa: E402
from photoclip.gui.thumbnails import ThumbnailLoader  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=100_000)
    args = p.parse_args()
    app = QApplication.instance() or QApplication([])
    tmp = tempfile.mkdtemp()
    for i in range(200):
        Image.new("RGB", (640, 480), (i, 140, 200)).save(os.path.join(tmp, f"p{i}.jpg"))
    # Every photo has its own path (most do not exist: their thumbnail fails fast, like a vanished file).
    items = [Item(i, os.path.join(tmp, f"p{i}.jpg"), 0.5) for i in range(args.photos)]

    thumbs = ThumbnailLoader(os.path.join(tmp, "thumbs"))
    model = PhotoModel(thumbs)
    grid = PhotoGrid(model)
    grid.resize(1200, 800)
    grid.show()
    t = time.perf_counter()
    model.set_items(items)
    app.processEvents()
    fill = time.perf_counter() - t
    while grid.verticalScrollBar().maximum() < (args.photos // 8) * 100:  # batched layout: let it finish
        app.processEvents()
    laid_out = time.perf_counter() - t
    bar = grid.verticalScrollBar()
    pages = 0
    t = time.perf_counter()
    frames = []
    for value in range(0, bar.maximum() + 1, max(1, bar.pageStep())):
        f = time.perf_counter()
        bar.setValue(value)
        grid.viewport().repaint()
        app.processEvents()
        frames.append(time.perf_counter() - f)
        pages += 1
    scroll = time.perf_counter() - t
    frames.sort()

    t = time.perf_counter()
    widget = QListWidget()
    widget.setViewMode(QListWidget.IconMode)
    for it in items:
        QListWidgetItem(os.path.basename(it.path), widget)
    widget.resize(1200, 800)
    widget.show()
    app.processEvents()
    baseline = time.perf_counter() - t
    print(f"{args.photos:,} photos: grid shown in {fill * 1000:.0f} ms (QListWidget baseline {baseline * 1000:.0f} ms, "
          f"x{baseline / fill:.0f}), fully laid out in {laid_out * 1000:.0f} ms; scrolled through {pages} pages in {scroll:.1f} s, "
          f"frame p50 {frames[len(frames) // 2] * 1000:.1f} ms, p95 {frames[int(len(frames) * 0.95)] * 1000:.1f} ms; "
          f"{len(thumbs._queued) + len(thumbs._lru) + len(thumbs.failed)} thumbnails requested (only painted cells)")


if __name__ == "__main__":
    main()

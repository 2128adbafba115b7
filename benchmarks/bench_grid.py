"""The photo grid with 100,000 photos: time to show them and to scroll, against a QListWidget baseline; and
1,000 new photos arriving while the 100,000-photo view is open, applied as row deltas against the old way.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_grid.py [--photos 100000] [--arriving 1000]

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

from photoclip.gui.grid import Item, LiveRows, PhotoGrid, PhotoModel, in_date_order  # noqa: E402
from photoclip.gui.tasks import Bridge  # noqa: E402
from photoclip.gui.thumbnails import ThumbnailLoader  # noqa: E402


def _taken(i: int) -> str:
    """A date for photo i: spread over ten years, a few photos a day."""
    day = i // 27
    return f"{2015 + day // 365:04d}-{1 + (day % 365) // 31:02d}-{1 + day % 28:02d}T12:{i % 60:02d}:00"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] * 1000


def live(app, tmp: str, photos: int, arriving: int, batch: int = 32) -> None:
    """`arriving` new photos reach an open view of `photos` in batches of `batch` (the indexer's), as the
    service's events through the real Bridge, from another thread.  New: LiveRows applies each Bridge batch as
    row inserts.  Baseline: what the window did before, per batch the whole listing as a new list through
    update_items (its SQL re-read ran on a worker and is not counted)."""
    import threading

    base = in_date_order([Item(i, os.path.join(tmp, f"x{i}.jpg"), None, _taken(i)) for i in range(photos)])
    new = [Item(photos + j, os.path.join(tmp, f"new{j}.jpg"), None, _taken((j * 7919) % photos)) for j in
           range(arriving)]

    def view():
        model = PhotoModel(ThumbnailLoader(os.path.join(tmp, "thumbs2")))
        grid = PhotoGrid(model)
        grid.resize(1200, 800)
        grid.show()
        model.set_items(base)
        app.processEvents()
        grid.setCurrentIndex(model.index(photos // 2))
        grid.scrollTo(model.index(photos // 2))
        return model, grid

    # New: events through the Bridge, rows applied in one pass per Bridge batch.
    model, grid = view()
    bridge = Bridge()
    applies: list[float] = []
    rows = LiveRows(grid, None)
    real_apply = rows.apply

    def timed_apply():
        t = time.perf_counter()
        real_apply()
        applies.append(time.perf_counter() - t)

    rows.timer.timeout.disconnect()
    rows.timer.timeout.connect(timed_apply)
    bridge.event.connect(lambda ev: rows.take(ev, None))
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    from PySide6.QtCore import QTimer

    ticker = QTimer(interval=5, timeout=tick)
    ticker.start()

    def send():
        for k in range(0, arriving, batch):
            for it in new[k:k + batch]:
                bridge.post({"event": "indexed", "id": it.id, "path": it.path, "taken": it.taken, "albums": []})
            time.sleep(0.02)

    t0 = time.perf_counter()
    sender = threading.Thread(target=send)
    sender.start()
    while sender.is_alive() or model.rowCount() < photos + arriving:
        app.processEvents()
    total_new = time.perf_counter() - t0
    ticker.stop()
    assert model.rowCount() == photos + arriving and grid.currentIndex().row() > photos // 2
    stall = [g - 0.005 for g in gaps[1:]]

    # Baseline: one whole-list update per arriving batch.
    model, grid = view()
    olds = []
    current = list(base)
    for k in range(0, arriving, batch):
        current = in_date_order(current + new[k:k + batch])
        t = time.perf_counter()
        grid.update_keeping_view(current)
        app.processEvents()
        olds.append(time.perf_counter() - t)
    print(f"{arriving:,} photos arriving in batches of {batch} into an open {photos:,}-photo view:\n"
          f"  deltas (LiveRows): {len(applies)} applies, GUI-thread apply max {max(applies) * 1000:.1f} ms, "
          f"p99 {_pct(applies, 0.99):.1f} ms, total {sum(applies) * 1000:.0f} ms; event-loop stall max "
          f"{max(stall) * 1000:.1f} ms, p99 {_pct(stall, 0.99):.1f} ms; all shown {total_new:.2f} s after the first "
          f"event (the sender spaces batches 20 ms apart)\n"
          f"  baseline (re-read list + update_items per batch): max {max(olds) * 1000:.0f} ms, p99 "
          f"{_pct(olds, 0.99):.0f} ms, total {sum(olds) * 1000:.0f} ms per run; "
          f"x{sum(olds) / max(sum(applies), 1e-9):.0f} the GUI-thread time of the deltas")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=100_000)
    p.add_argument("--arriving", type=int, default=1000, help="new photos arriving while the view is open")
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
    live(app, tmp, args.photos, args.arriving)


if __name__ == "__main__":
    main()

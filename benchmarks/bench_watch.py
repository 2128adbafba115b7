"""Live-library latency: a burst of new files, and a move of a folder of already-indexed photos.

    python benchmarks/bench_watch.py [--burst 1000] [--moved 10000]

Runs the real LibraryService (watchdog + worker) with the toy model over real folders and reports the time
from the file-system change until search results are current, and how many photos the move re-encoded
(must be 0: moves keep their vectors).  Baseline in the same run: a cold `index` of the burst (what a
scan-only tool would redo), for scale.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import toyworld  # noqa: E402

from photoclip.library import Library  # noqa: E402
from photoclip.service import LibraryService  # noqa: E402

MODEL = f"local-dir:{os.path.join(ROOT, 'photoclip', 'data', 'toyclip')}"


def draw(folder: str, count: int, seed: int) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    out = []
    for i, (img, _pic) in enumerate(toyworld.draw_set(seed, count, sizes=((128, 96),))):
        path = os.path.join(folder, f"{seed}_{i:05d}.png")
        img.save(path)
        out.append(path)
    return out


def wait_until(cond, timeout=3600) -> float:
    t = time.perf_counter()
    while not cond():
        if time.perf_counter() - t > timeout:
            raise TimeoutError
        time.sleep(0.05)
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--burst", type=int, default=1000)
    p.add_argument("--moved", type=int, default=10_000)
    args = p.parse_args()
    tmp = tempfile.mkdtemp()
    root = os.path.join(tmp, "Photos")
    draw(os.path.join(root, "album"), args.moved, seed=1)
    staged = draw(os.path.join(tmp, "staging"), args.burst, seed=2)

    lib = Library(home=os.path.join(tmp, "home"), model=MODEL, device="cpu")
    encoded = [0]
    real = lib.encoder.encode_images
    lib.encoder.encode_images = lambda t: (encoded.__setitem__(0, encoded[0] + len(t)), real(t))[1]
    lib.add_folders([root])
    t0 = time.perf_counter()
    svc = LibraryService(lib).start()
    svc.wait_idle(3600)
    print(f"initial catch-up of {args.moved:,} photos: {time.perf_counter() - t0:.1f}s")

    def visible() -> int:
        return lib.catalog.counts(lib.model_id)["photos"]

    # A burst of new files copied in at once.
    t0 = time.perf_counter()
    for path in staged:
        shutil.copy(path, os.path.join(root, os.path.basename(path)))
    copy_s = time.perf_counter() - t0
    burst_s = wait_until(lambda: visible() == args.moved + args.burst) + copy_s
    print(f"burst of {args.burst:,} new files: results current {burst_s:.1f}s after the copy began "
          f"({args.burst / burst_s:.0f} photos/s, settle delay {svc.settle_s:g}s included)")

    # Move a folder of already-indexed photos.
    svc.wait_idle(3600)
    before = encoded[0]
    t0 = time.perf_counter()
    os.rename(os.path.join(root, "album"), os.path.join(root, "moved-album"))
    moved = os.path.join(root, "moved-album")
    move_s = wait_until(lambda: len(lib.catalog.listing(moved)) == args.moved)
    svc.wait_idle(3600)
    reencoded = encoded[0] - before
    print(f"move of a folder of {args.moved:,} indexed photos: results current in {move_s:.2f}s; "
          f"re-encoded {reencoded} photos (must be 0)")
    svc.stop()

    # Baseline: a fresh library indexing the burst from scratch with `index`.
    base = Library(home=os.path.join(tmp, "home2"), model=MODEL, device="cpu")
    base.encoder = lib.encoder
    base.add_folders([os.path.join(tmp, "staging")])
    t0 = time.perf_counter()
    base.index_now()
    cold = time.perf_counter() - t0
    print(f"baseline: cold index of the same {args.burst:,} files {cold:.1f}s; "
          f"live burst / cold index ratio {burst_s / cold:.2f}")
    if reencoded:
        print("FAIL: the move re-encoded photos")


if __name__ == "__main__":
    main()

"""Peak memory while decoding a folder of very large images (issue: a 169-megapixel PNG of a few hundred KB).

    python benchmarks/bench_memory.py [--megapixels 169] [--images 4] [--workers 2] [--quick]

Each decoder runs in its own process over the same generated PNGs with --workers threads, as the indexer's
decode pool does, and reports its peak resident memory (VmHWM).  Baseline in the same run: the decoder
as it was before this change (photoclip/imageio.py at commit 30f56c0, read from git), which decoded several
huge images at once and converted them to RGB at full size.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BASELINE_COMMIT = "30f56c0"

WORKER = r"""
import importlib.util, json, sys, time
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("decoder", sys.argv[2])
decoder = importlib.util.module_from_spec(spec); sys.modules["decoder"] = decoder; spec.loader.exec_module(decoder)
paths, workers = json.loads(sys.argv[3]), int(sys.argv[4])
def status(key):  # VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1]) / 1024
base = status("VmHWM:")
t = time.perf_counter()
with ThreadPoolExecutor(workers) as pool:
    sizes = list(pool.map(lambda p: decoder.load(p, 256)[0].image.size, paths))
print(json.dumps({"peak_mb": status("VmHWM:"), "base_mb": base,
                  "seconds": time.perf_counter() - t, "sizes": sizes}))
"""


def make_images(folder: str, megapixels: float, count: int) -> list[str]:
    from PIL import Image, ImageDraw

    side = int((megapixels * 1e6) ** 0.5)
    paths = []
    for i in range(count):
        img = Image.new("RGB", (side, side), (30 + 40 * i, 90, 160))
        draw = ImageDraw.Draw(img)
        for k in range(12):  # a few shapes: compresses to a small file, decodes to a huge bitmap
            draw.ellipse([k * side // 14, k * side // 20, k * side // 14 + side // 6, k * side // 20 + side // 6],
                         fill=(250 - 15 * k, 200, 20 * k))
        path = os.path.join(folder, f"huge{i}.png")
        img.save(path, optimize=False)
        paths.append(path)
        del img, draw
    return paths


def run(decoder_path: str, paths: list[str], workers: int) -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, ROOT, decoder_path, json.dumps(paths), str(workers)],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the decoder run failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--megapixels", type=float, default=169)
    p.add_argument("--images", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="2 images of 60 MP")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.megapixels, args.images = 60, 2
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        paths = make_images(tmp, args.megapixels, args.images)
        size_kb = sum(os.path.getsize(x) for x in paths) / len(paths) / 1024
        print(f"made {args.images} PNGs of {args.megapixels:g} MP ({size_kb:.0f} KB each) in "
              f"{time.perf_counter() - t:.0f}s", file=sys.stderr)
        old = os.path.join(tmp, "old_imageio.py")
        with open(old, "w") as f:
            f.write(subprocess.run(["git", "-C", ROOT, "show", f"{BASELINE_COMMIT}:photoclip/imageio.py"],
                                   capture_output=True, text=True, check=True).stdout.replace("from .", "from photoclip."))
        now = run(os.path.join(ROOT, "photoclip", "imageio.py"), paths, args.workers)
        before = run(old, paths, args.workers)
    result = {"megapixels": args.megapixels, "images": args.images, "workers": args.workers,
              "photoclip": now, "previous": before}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.images} PNGs of {args.megapixels:g} MP, {args.workers} decode threads:")
    for name, r in (("photoclip", now), ("previous decoder", before)):
        print(f"  {name:17s} peak {r['peak_mb']:7.0f} MB (process at start {r['base_mb']:.0f} MB), "
              f"{r['seconds']:.1f} s")
    print(f"  peak above start: {now['peak_mb'] - now['base_mb']:.0f} MB vs "
          f"{before['peak_mb'] - before['base_mb']:.0f} MB "
          f"({(before['peak_mb'] - before['base_mb']) / max(1, now['peak_mb'] - now['base_mb']):.1f}x less)")


if __name__ == "__main__":
    main()

"""Indexing throughput (photos/s) through the real pipeline, on the chosen device against the CPU.

    python benchmarks/bench_index.py [--count 600] [--model local-dir:tests/fixtures/toyclip] [--device auto]

Draws toy-world JPEGs of phone-like size (so decoding and draft-mode reduction are part of the cost),
indexes them with a fresh library on --device and again on the CPU (the baseline), prints both rates and
their ratio, and checks that the two devices' vectors agree (cosine >= 0.99; GPUs run in half precision).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import toyworld  # noqa: E402

from photoclip.library import Library  # noqa: E402


def draw(folder: str, count: int) -> None:
    os.makedirs(folder, exist_ok=True)
    for i, (img, _pic) in enumerate(toyworld.draw_set(77, count, sizes=((2016, 1512), (1512, 2016)))):
        img.save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)


def index_once(folder: str, model: str, device: str) -> tuple[float, Library]:
    lib = Library(home=tempfile.mkdtemp(), model=model, device=device)
    lib.encoder.load()
    lib.add_folders([folder])
    t = time.perf_counter()
    out = lib.index_now()
    return out["indexed"] / (time.perf_counter() - t), lib


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=600)
    p.add_argument("--model", default=f"local-dir:{os.path.join(ROOT, 'tests', 'fixtures', 'toyclip')}")
    p.add_argument("--device", default="auto")
    args = p.parse_args()
    folder = os.path.join(tempfile.mkdtemp(), "photos")
    draw(folder, args.count)
    index_once(folder, args.model, args.device)  # warm-up: first kernels, file cache
    rate, lib = index_once(folder, args.model, args.device)
    base, cpu = index_once(folder, args.model, "cpu")
    ids, a = lib.catalog.vectors_for(lib.model_id)
    _, b = cpu.catalog.vectors_for(cpu.model_id)
    agree = float(np.min(np.sum(a * b, axis=1)))
    print(f"{args.count} photos of 3 MP, model {lib.model_id}")
    print(f"device {lib.encoder.device}: {rate:.1f} photos/s   cpu baseline: {base:.1f} photos/s   "
          f"ratio x{rate / base:.2f}   min cosine between devices {agree:.4f}")


if __name__ == "__main__":
    main()

"""Faces: how fast the faces stage finds and describes faces in 12 MP photos, and how fast a new face finds its
person among 100,000.

    python benchmarks/bench_faces.py [--photos 12] [--faces 100000]
    PYTHONPATH=FOLDER python benchmarks/bench_faces.py   # with the dlib module built in FOLDER instead
                                                         # (packaging/cpu_baseline.py build_dlib: the packages')

Photos: 4000x3000 JPEGs (quality 90, camera-like noise), each with 1 to 6 copies of the two public-domain
portraits of photoclip/data/faces side by side (none covering another), at face widths from 2.5 % of the photo's
width (a group photo of a dozen) to 12 % (a portrait), so every planted face is counted found or missed, in two
bands: under 4 % of the width and over.

Baselines, in the same run: (1) the detector on the full-resolution decode, as a program that hands dlib the
photo as it is would run it; (2) the nearest-face lookup as an exact scan (one matrix product over all 100,000
descriptors) instead of the face index (hnswlib).  The lookup's figures come from clustered synthetic
descriptors (10,000 people, 10 faces each, spread like dlib's: a person's faces within about 0.4 of each other).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from photoclip import faces as faces_mod  # noqa: E402

SIZE = (4000, 3000)


def draw_photos(folder: str, n: int, seed: int = 11) -> list[tuple[str, list[tuple[float, float]]]]:
    """(path, planted face centres as fractions) for n photos."""
    rng = np.random.default_rng(seed)
    portraits = [Image.open(os.path.join(faces_mod.__file__.rsplit(os.sep, 1)[0], "data", "faces", f)).convert("RGB")
                 for f in ("astronaut.jpg", "grace_hopper.jpg")]
    face_share = {0: 0.18, 1: 0.36}  # a face's width as a share of its portrait's width
    out = []
    for i in range(n):
        base = rng.normal(120, 25, size=(SIZE[1] // 8, SIZE[0] // 8, 3)).clip(0, 255).astype(np.uint8)
        img = Image.fromarray(base).resize(SIZE, Image.BILINEAR)
        count = 1 + i % 6
        cols, rows = (1, 1) if count == 1 else (3, 2)  # a portrait alone, or up to six people side by side
        slots = rng.permutation(cols * rows)[:count]
        centres = []
        for j, slot in enumerate(slots):
            k = int(rng.integers(0, 2))
            cell_w, cell_h = SIZE[0] / cols, SIZE[1] / rows
            # the portrait must fit its cell, so no face is covered by another portrait
            fit = min(cell_w, cell_h * portraits[k].width / portraits[k].height) * face_share[k] / SIZE[0]
            share = 0.12 if count == 1 else 0.025 + 0.095 * rng.random()
            face_w = SIZE[0] * min(share, fit * 0.95)
            scale = face_w / (portraits[k].width * face_share[k])
            p = portraits[k].resize((max(8, round(portraits[k].width * scale)), max(8, round(portraits[k].height * scale))))
            cx, cy = (slot % cols + 0.5) / cols, (slot // cols + 0.5) / rows
            x, y = round(cx * SIZE[0] - p.width / 2), round(cy * SIZE[1] - p.height / 2)
            img.paste(p, (x, y))
            fx, fy = (0.43, 0.24) if k == 0 else (0.53, 0.39)  # where the face sits in each portrait
            centres.append(((x + fx * p.width) / SIZE[0], (y + fy * p.height) / SIZE[1], face_w / SIZE[0]))
        noisy = np.asarray(img, dtype=np.int16) + rng.normal(0, 4, size=(SIZE[1], SIZE[0], 3)).astype(np.int16)
        path = os.path.join(folder, f"p{i:02d}.jpg")
        Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(path, quality=90)
        out.append((path, centres))
    return out


def found_count(boxes, centres, band=(0.0, 1.0)) -> int:
    return sum(any(x <= cx <= x + w and y <= cy <= y + h for x, y, w, h in boxes)
               for cx, cy, width in centres if band[0] <= width < band[1])


BANDS = ((0.0, 0.04), (0.04, 1.0))


def bench_photos(n: int) -> None:
    engine = faces_mod.FaceEngine()
    engine.check()
    import dlib

    detector = dlib.get_frontal_face_detector()
    with tempfile.TemporaryDirectory() as tmp:
        photos = draw_photos(tmp, n)
        planted = sum(len(c) for _, c in photos)
        engine.find_photo(photos[0][0])  # models loaded, caches warm
        engine.spent = {k: 0.0 for k in engine.spent}
        engine.seen = {k: 0 for k in engine.seen}
        t0 = time.perf_counter()
        ours, ours_by = 0, [0, 0]
        for path, centres in photos:
            boxes = [f.box for f in engine.find_photo(path)]
            ours += found_count(boxes, centres)
            ours_by = [n + found_count(boxes, centres, b) for n, b in zip(ours_by, BANDS)]
        total = time.perf_counter() - t0
        spent, seen = engine.spent, engine.seen
        t1 = time.perf_counter()
        full_found, full_decode = 0, 0.0
        for path, centres in photos:
            d0 = time.perf_counter()
            pixels = np.asarray(Image.open(path).convert("RGB"))
            full_decode += time.perf_counter() - d0
            rects, scores, _ = detector.run(pixels, 0, 0.0)
            boxes = [(r.left() / SIZE[0], r.top() / SIZE[1], r.width() / SIZE[0], r.height() / SIZE[1])
                     for r, s in zip(rects, scores) if s >= faces_mod.MIN_SCORE]
            full_found += found_count(boxes, centres)
        full = time.perf_counter() - t1
    print(f"{n} photos of {SIZE[0]}x{SIZE[1]}, {planted} faces planted (widths 2.5-12 % of the photo)")
    print(f"  photoclip (draft decode, detector at {faces_mod.DETECT_LONG} px, descriptors): {total:.2f} s, "
          f"{n / total:.2f} photos/s, {seen['faces'] / total:.2f} faces/s in all")
    print(f"    decode {spent['decode'] / n * 1000:.0f} ms/photo, detection {spent['detect'] / n * 1000:.0f} ms/photo "
          f"({n / max(spent['detect'], 1e-9):.2f} photos/s), description "
          f"{spent['describe'] / max(seen['faces'], 1) * 1000:.0f} ms/face "
          f"({seen['faces'] / max(spent['describe'], 1e-9):.1f} faces/s)")
    in_band = [sum(1 for _, c in photos for *_xy, w in c if b[0] <= w < b[1]) for b in BANDS]
    print(f"    found {ours} of {planted} planted faces ({ours / planted:.3f}); {seen['faces']} faces in all; "
          f"faces under 4 % of the width: {ours_by[0]} of {in_band[0]}, 4 % and over: {ours_by[1]} of {in_band[1]}")
    print(f"  baseline (full decode, detector at full size, no descriptors): {full:.2f} s "
          f"({full / n * 1000:.0f} ms/photo, of which decode {full_decode / n * 1000:.0f} ms); "
          f"found {full_found} of {planted} ({full_found / planted:.3f})")
    print(f"  ratio: photoclip's whole pass (with descriptors) takes {total / full:.2f}x the baseline's detection")


def bench_lookup(count: int, queries: int = 1000) -> None:
    from photoclip.catalog import Catalog
    from photoclip.people import FaceIndex

    rng = np.random.default_rng(5)
    people = count // 10
    centres = rng.normal(size=(people, 128)).astype(np.float32)
    centres *= 0.6 / np.linalg.norm(centres, axis=1, keepdims=True) * 1.2  # people ~0.7+ apart
    owner = rng.integers(0, people, count)
    vecs = (centres[owner] + rng.normal(size=(count, 128)) * (0.2 / np.sqrt(128))).astype(np.float32)
    q_owner = rng.integers(0, people, queries)
    qs = (centres[q_owner] + rng.normal(size=(queries, 128)) * (0.2 / np.sqrt(128))).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalog(os.path.join(tmp, "c.sqlite3"))
        cat.claim_writes()
        with cat.write() as c:
            c.execute("INSERT INTO folders(path, added) VALUES('/x', 0)")
            c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/x/a', 1, 'indexed', 0, 'h')")
            c.executemany("INSERT INTO faces(photo_id, box, landmarks, descriptor, quality) VALUES (1,'[]','[]',?,1)",
                          [(v.tobytes(),) for v in vecs])
        index = FaceIndex(tmp, cat)
        t0 = time.perf_counter()
        index.nearest(qs[:1])
        build = time.perf_counter() - t0
        index.save()
        t0 = time.perf_counter()
        FaceIndex(tmp, cat).nearest(qs[:1])
        load = time.perf_counter() - t0
        times, hits = [], []
        for q in qs:
            t = time.perf_counter()
            labels, _d = index.nearest(q[None, :])
            times.append(time.perf_counter() - t)
            hits.append(int(labels[0, 0]))
        exact_times, exact = [], []
        for q in qs[:200]:
            t = time.perf_counter()
            d = ((vecs - q) ** 2).sum(1)
            exact.append(int(np.argmin(d)) + 1)
            exact_times.append(time.perf_counter() - t)
        cat.release_writes()
        cat.close()
    recall = np.mean([h == e for h, e in zip(hits[:200], exact)])
    same_person = np.mean([owner[h - 1] == o for h, o in zip(hits, q_owner)])
    p50, p95 = statistics.median(times) * 1000, sorted(times)[int(0.95 * len(times))] * 1000
    ex50 = statistics.median(exact_times) * 1000
    print(f"{count:,} faces ({people:,} people): the face index")
    print(f"  built from the catalog in {build:.1f} s (once; then saved), loaded in {load:.2f} s")
    print(f"  nearest faces for one new face: p50 {p50:.3f} ms, p95 {p95:.3f} ms; recall@1 against exact "
          f"{recall:.3f}; nearest face is the right person {same_person:.3f}")
    print(f"  baseline (exact scan of {count:,} descriptors): p50 {ex50:.2f} ms; the index is {ex50 / p50:.0f}x faster")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=12)
    p.add_argument("--faces", type=int, default=100_000)
    args = p.parse_args(argv)
    import _dlib_pybind11
    import dlib

    print(f"dlib {dlib.__version__} ({'AVX' if getattr(dlib, 'USE_AVX_INSTRUCTIONS', False) else 'no AVX'}, "
          f"{'BLAS' if getattr(dlib, 'DLIB_USE_BLAS', False) else 'no BLAS'}: {_dlib_pybind11.__file__}), "
          f"{os.cpu_count()} CPUs")
    bench_photos(args.photos)
    bench_lookup(args.faces)
    return 0


if __name__ == "__main__":
    sys.exit(main())

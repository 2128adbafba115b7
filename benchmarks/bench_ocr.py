"""Reading the text in photos: what the gate costs and saves, how fast the reader is, and what the whole text
pass costs against indexing the same photos by meaning, in one run.

    python benchmarks/bench_ocr.py [--photos 100] [--text-share 0.1] [--recall-photos 40] [--size 4000x3000]
                                   [--model SPEC]

1. A mixed library: --photos 12 MP JPEGs (camera-like noise) of which --text-share carry text (receipts in
   English and Chinese, a sign in an outdoor scene, a phone screenshot, a whiteboard: photoclip/textworld.py)
   and the rest are toy-world scenes without text.
2. Baseline, in the same run: indexing that library by meaning with the default preset's image tower
   (ViT-B/32, random weights: the real model's speed; `photoclip index`'s service, reading text off).
3. The text pass over the same library, as the service's text stage runs it (ocr.TextReader.read_photo): the
   gate (decode small, detect) on every photo, the reading (decode larger, detect, recognise) where the gate
   saw text.  Reported: photos/s of the gate, the reader's detector and recogniser; the gate's skip rate; the
   pass's time against the baseline's.
4. Recall: --recall-photos more pictures with text (every kind in turn); the share the gate lets through, and
   the share of their written lines the reader gets right (normalised, as search compares them).

Figures, not assertions: the machine is shared and noisy.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]

from photoclip import ocr, textworld  # noqa: E402
from photoclip.textnorm import normalize  # noqa: E402


def camera_noise(img, rng: np.random.Generator):
    a = np.asarray(img, dtype=np.int16)
    a = a + rng.normal(0, 4, a.shape).astype(np.int16)
    from PIL import Image
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def write_set(folder: str, pictures: list[textworld.TextPicture], seed: int) -> list[tuple[str, textworld.TextPicture]]:
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i, pic in enumerate(pictures):
        path = os.path.join(folder, f"{i:04d}_{pic.kind}{pic.ext}")
        if pic.ext == ".png":  # a screenshot: the phone's own pixels, no camera noise
            pic.image.save(path)
        else:
            camera_noise(pic.image, rng).save(path, quality=90)
        out.append((path, pic))
    return out


def index_run(folder: str, model: str, read_text: bool) -> dict:
    """`photoclip index` of `folder` in a fresh library (model loaded beforehand), with reading text on or
    off: the seconds, and with text on the reader's own figures and what it read."""
    from photoclip.library import Library

    os.environ["PHOTOCLIP_READ_TEXT"] = "1" if read_text else "0"
    home = tempfile.mkdtemp(prefix="bench-ocr-home-")
    try:
        lib = Library(home=home, model=model, device="cpu")
        lib.encoder.load()
        reader = lib.text_reader
        if read_text:
            reader._engines()  # loading the OCR models is not part of the pass
        lib.add_folders([folder])
        t0 = time.perf_counter()
        out = lib.index_now()
        seconds = time.perf_counter() - t0
        assert out["indexed"] > 0
        result = {"seconds": seconds}
        if read_text:
            result.update(spent=dict(reader.spent), seen=dict(reader.seen), status=lib.status()["text"])
            rows = lib.catalog.conn.execute("SELECT p.path, t.lines FROM photo_text t JOIN photos p ON p.id=t.photo_id "
                                            "WHERE t.state='read'").fetchall()
            result["found"] = {p: [d["text"] for d in __import__("json").loads(ls)] for p, ls in rows}
        lib.close()
        return result
    finally:
        shutil.rmtree(home, ignore_errors=True)


def text_pass(items, reader: ocr.TextReader, looked: dict | None = None) -> dict:
    """The text stage's work on every photo (TextReader.read_photo, as the service calls it), with the time of
    each step as the reader counts it.  `looked`: what the indexer's first look saw, per path (then the
    look is not repeated here, as in the service)."""
    reader.spent = dict.fromkeys(reader.spent, 0.0)
    reader.seen = dict.fromkeys(reader.seen, 0)
    found = {}
    t0 = time.perf_counter()
    for path, _pic in items:
        lines, _skipped = reader.read_photo(path, looked.get(path) if looked else None)
        if lines is not None:
            found[path] = [ln.text for ln in lines]
    return {"total_s": time.perf_counter() - t0, "spent": dict(reader.spent), "seen": dict(reader.seen),
            "found": found}


def line_accuracy(items, found: dict) -> float:
    """Share of written lines whose normalised text is in what was read (a line split into two counts)."""
    right = total = 0
    for path, pic in items:
        read = normalize(" ".join(found.get(path, []))).replace(" ", "")
        for line in pic.lines:
            total += 1
            right += normalize(line).replace(" ", "") in read
    return right / total if total else 0.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=100)
    p.add_argument("--text-share", type=float, default=0.1)
    p.add_argument("--recall-photos", type=int, default=40)
    p.add_argument("--size", default="4000x3000")
    p.add_argument("--model", default=None, help="the model of the baseline (default: ViT-B-32, random weights)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = p.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    work = tempfile.mkdtemp(prefix="bench-ocr-")
    try:
        from bench_index import random_model

        model = args.model or random_model("ViT-B-32")
        print(f"{os.cpu_count()} cores; photos {w}x{h} JPEG q90 with camera-like noise; reader "
              f"{ocr.engine_version()}, {args.threads} threads", flush=True)
        mixed = write_set(os.path.join(work, "mixed"),
                          textworld.mixed_set(1, args.photos, args.text_share, (w, h)), seed=1)
        with_text = sum(1 for _, pic in mixed if pic.lines)
        print(f"mixed library: {len(mixed)} photos, {with_text} with text", flush=True)
        base = index_run(os.path.join(work, "mixed"), model, read_text=False)
        clip_s = base["seconds"]
        print(f"baseline: indexing by meaning, text off: {clip_s:.1f} s ({len(mixed) / clip_s:.2f} photos/s)",
              flush=True)
        t = index_run(os.path.join(work, "mixed"), model, read_text=True)
        sp, seen, n = t["spent"], t["seen"], len(mixed)
        print(f"the same with text on: {t['seconds']:.1f} s; the indexer's first look (on its own decode, "
              f"{n - seen['gate']} photos settled there) is inside it")
        print(f"1. look on the small decode (in the text stage, for the {seen['look']} photos the indexer's look "
              f"sent on): {1000 * sp['look'] / max(seen['look'], 1):.0f} ms each; {seen['gate']} went on to the gate")
        if seen["gate"]:
            print(f"2. gate (detector at {ocr.GATE_LONG} px): {seen['gate'] / sp['gate']:.1f} photos/s, "
                  f"{1000 * sp['gate'] / seen['gate']:.0f} ms each; passed {seen['read']} of "
                  f"{seen['gate']}")
        if seen["read"]:
            k = seen["read"]
            print(f"3. reading: decode {1000 * sp['decode'] / k:.0f} ms; detector {k / sp['detect']:.2f} photos/s "
                  f"({1000 * sp['detect'] / k:.0f} ms); recogniser {k / max(sp['recognise'], 1e-9):.2f} photos/s "
                  f"({1000 * sp['recognise'] / k:.0f} ms)")
        read_ok = sum(1 for p, pic in mixed if pic.lines and p in t["found"])
        print(f"skip rate: {(n - seen['read']) / n:.0%} of the photos were not read ({n - with_text} carry no "
              f"text); read {seen['read']}, {read_ok} of the {with_text} with text; status {t['status']}")
        extra = t["seconds"] - clip_s
        print(f"text pass: +{extra:.1f} s = {extra / clip_s:.2f} x the indexing by meaning (goal: at most 0.50)",
              flush=True)
        rng = random.Random(2)
        recall_set = write_set(os.path.join(work, "recall"),
                               [textworld.draw(textworld.KINDS[i % 4], i // 4, w, h, rng)
                                for i in range(args.recall_photos)], seed=2)
        reader = ocr.TextReader(threads=args.threads)
        reader._engines()  # loading the models is not part of the pass
        r = text_pass(recall_set, reader)
        by_kind: dict[str, list[bool]] = {}
        for path, pic in recall_set:
            by_kind.setdefault(pic.kind, []).append(path in r["found"])
        passed = sum(path in r["found"] for path, _ in recall_set)  # read (look and gate let it through)
        print(f"recall of the look and the gate on {len(recall_set)} photos with text: "
              f"{passed / len(recall_set):.3f} (goal: at "
              f"least 0.95); by kind: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in by_kind.items()))
        print(f"lines read right (normalised): {line_accuracy(recall_set, r['found']):.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

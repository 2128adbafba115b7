"""Grouping duplicates at library size (photoclip's graph neighbours + fingerprints against all pairs), and how
right the near test is on drawn pictures.

    python benchmarks/bench_duplicates.py [--photos 100000] [--quick] [--json]

A catalog of --photos rows is written through the real catalog API with clustered 512-d unit vectors (2,000
clusters: many pictures of similar scenes, the hard case, since every one of them is a candidate for its
neighbours) and a random fingerprint each.  1% of the photos get an exact copy (same content hash, same
vector) and 1% a near copy (the vector nudged to cosine ~0.98, the fingerprint nudged by a few levels, as a
resized or recompressed copy does).  Then:

- photoclip: `duplicates.find` over the real catalog and HNSW index (the graph build is reported separately:
  a live library has it already);
- baseline in the same run: every pair of vectors compared exactly (a blocked matrix product), the same
  thresholds applied - what grouping without the graph costs.

Reports both times, the ratio, and how many planted copies each found (and how many other pairs were grouped).
The synthetic photos have no files, so the finer look (imageio.structure_similarity) is given a stand-in picture
per photo: random pixels, a near copy's with a little noise added.

Then, on real drawn pictures of the toy world (seed 101, never used to calibrate), the near test's recall per
kind of copy people make (toyworld.copy_kinds: resized, recompressed, thumbnails, cropped, re-toned) and its
precision against other shots of the same scene (same scene and size, another picture) and burst frames panned
6% and 10%: what the Duplicates window would group.  Pictures count as other shots only when they show
something (an object): an empty toy scene is two or three flat bands whose edges move by a few percent between
draws, which is the same picture re-framed, and a person would call them copies too.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from photoclip import duplicates, imageio  # noqa: E402
from photoclip.catalog import Catalog  # noqa: E402
from photoclip.index import VectorIndex  # noqa: E402

MODEL = "bench"
DIM = 512


def build(home: str, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    clusters = rng.standard_normal((2000, DIM)).astype(np.float32)
    base = n - 2 * (n // 100)
    vecs = clusters[rng.integers(0, 2000, base)] + 0.35 * rng.standard_normal((base, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    prints = rng.integers(0, 256, (base, imageio.FINGERPRINT_BYTES), dtype=np.uint8)
    hashes = [f"{i:032x}" for i in range(base)]
    exact_src = rng.choice(base, n // 100, replace=False)
    near_src = rng.choice(np.setdiff1d(np.arange(base), exact_src), n // 100, replace=False)
    nudged = vecs[near_src] + 0.012 * rng.standard_normal((len(near_src), DIM)).astype(np.float32)
    nudged /= np.linalg.norm(nudged, axis=1, keepdims=True)
    near_prints = np.clip(prints[near_src].astype(int) + rng.integers(-3, 4, prints[near_src].shape), 0, 255)
    vecs = np.vstack([vecs, vecs[exact_src], nudged])
    prints = np.vstack([prints, prints[exact_src], near_prints.astype(np.uint8)])
    hashes += [hashes[i] for i in exact_src] + [f"n{i:031x}" for i in near_src]
    cat = Catalog(os.path.join(home, "catalog.sqlite3"))
    fid = cat.add_folder("/bench")
    with cat.write():
        for i in range(n):
            cat.upsert_pending(fid, f"/bench/{i:07d}.jpg", 1000 + i, i)
    ids = list(range(1, n + 1))  # rows were inserted in order
    for start in range(0, n, 5000):
        with cat.write():
            cat.put_vectors(MODEL, ids[start:start + 5000], vecs[start:start + 5000])
            for i in range(start, min(n, start + 5000)):
                cat.mark_indexed(ids[i], 1000 + i, i, hashes[i], {"width": 100, "height": 100,
                                                                 "fingerprint": prints[i].tobytes()})
    cat.set_library_model(MODEL)
    planted = {(int(s) + 1, base + k + 1) for k, s in enumerate(exact_src)}
    planted |= {(int(s) + 1, base + len(exact_src) + k + 1) for k, s in enumerate(near_src)}
    return cat, vecs, prints, hashes, planted, StandIns(base, exact_src, near_src)


class StandIns:
    """A stand-in picture per synthetic photo (no files exist): random pixels from the photo's own seed; an exact
    copy shares its source's, a near copy adds a little noise, as recompression does."""

    def __init__(self, base: int, exact_src, near_src):
        self.source = {base + k: int(s) for k, s in enumerate(exact_src)}
        self.noisy = {base + len(exact_src) + k: int(s) for k, s in enumerate(near_src)}

    def __call__(self, path: str):
        from PIL import Image

        i = int(path.rsplit("/", 1)[1].split(".")[0])
        src = self.source.get(i, self.noisy.get(i, i))
        px = np.random.default_rng(src).integers(0, 256, (96, 96, 3), dtype=np.int16)
        if i in self.noisy:
            px = np.clip(px + np.random.default_rng(i).integers(-3, 4, px.shape), 0, 255)
        return Image.fromarray(px.astype(np.uint8), "YCbCr")


def pairs_of(groups) -> set[tuple[int, int]]:
    out = set()
    for g in groups:
        ids = sorted(c.id for c in g.photos)
        out |= {(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]}
    return out


def all_pairs(vecs: np.ndarray, prints: np.ndarray, hashes: list[str], look, block: int = 4096) -> set[tuple[int, int]]:
    """The baseline: every pair's cosine, then the same fingerprint and finer checks on the ones above it."""
    found = set()
    for start in range(0, len(vecs), block):
        sims = vecs[start:start + block] @ vecs.T
        rows, cols = np.nonzero(sims >= duplicates.NEAR_COSINE)
        for r, c in zip(rows.tolist(), cols.tolist()):
            a = start + r
            if a >= c:
                continue
            if hashes[a] == hashes[c] or (
                    imageio.fingerprint_distance(prints[a].tobytes(), prints[c].tobytes()) <= duplicates.NEAR_LOOK
                    and imageio.structure_similarity(look(f"/{a:07d}.jpg"), look(f"/{c:07d}.jpg"))
                    >= duplicates.NEAR_STRUCTURE):
                found.add((a + 1, c + 1))
    return found


def near_test(seed: int = 101, count: int = 160) -> dict:
    """Recall per kind of copy and precision against other shots and bursts, on drawn pictures."""
    import itertools

    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import toyworld

    pics = [(img, pic) for img, pic in toyworld.draw_set(seed, count, sizes=((1024, 768), (768, 1024)))
            if pic.objects]
    t = time.perf_counter()
    recall = {name: sum(duplicates.looks_alike(img, make(img)) for img, _ in pics[:30]) / len(pics[:30])
              for name, make in toyworld.copy_kinds().items()}
    copies_s = time.perf_counter() - t
    by_scene: dict = {}
    for img, pic in pics:
        by_scene.setdefault((pic.scene, img.size), []).append(img)
    others = [(a, b) for imgs in by_scene.values() for a, b in itertools.combinations(imgs[:8], 2)]
    bursts = [toyworld.panned(img, part) for img, pic in pics[:40] for part in (0.06, 0.1)]
    false_others = sum(duplicates.looks_alike(a, b) for a, b in others)
    false_bursts = sum(duplicates.looks_alike(a, b) for a, b in bursts)
    copies = 30 * len(recall)
    found = round(sum(recall.values()) * 30)
    return {"copy_pairs": copies, "recall": round(found / copies, 3),
            "recall_by_kind": {k: round(v, 3) for k, v in recall.items()},
            "other_shot_pairs": len(others), "other_shots_grouped": false_others,
            "burst_pairs": len(bursts), "bursts_grouped": false_bursts,
            "precision": round(found / (found + false_others + false_bursts), 3),
            "ms_per_pair": round(1000 * copies_s / copies, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=100_000)
    p.add_argument("--quick", action="store_true", help="20,000 photos")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    n = 20_000 if args.quick else args.photos
    home = tempfile.mkdtemp(prefix="photoclip-bench-dup-")
    t = time.perf_counter()
    cat, vecs, prints, hashes, planted, look = build(home, n)
    built = time.perf_counter() - t
    index = VectorIndex(os.path.join(home, "index"), MODEL, cat, threads=os.cpu_count() or 1)
    t = time.perf_counter()
    index.ensure_loaded()
    graph = time.perf_counter() - t
    t = time.perf_counter()
    groups = duplicates.find(cat, index, MODEL, read_structure=look)
    ours = time.perf_counter() - t
    got = pairs_of(groups)
    t = time.perf_counter()
    truth = all_pairs(vecs, prints, hashes, look)
    base = time.perf_counter() - t
    r = {"photos": n, "cpus": os.cpu_count(), "catalog_s": round(built, 1), "graph_build_s": round(graph, 1),
         "photoclip_s": round(ours, 2), "all_pairs_s": round(base, 2), "speedup": round(base / ours, 1),
         "planted": len(planted), "planted_found": len(planted & got), "groups": len(groups),
         "other_pairs_grouped": len(got - planted), "all_pairs_found": len(truth),
         "all_pairs_missed_by_photoclip": len(truth - got), "near_test": near_test()}
    if args.json:
        print(json.dumps(r))
    else:
        print(f"{n:,} photos ({r['cpus']} CPUs); catalog written in {built:.1f}s, graph built in {graph:.1f}s")
        print(f"photoclip duplicates: {ours:.2f}s, {len(groups):,} groups; found {r['planted_found']:,} of "
              f"{len(planted):,} planted copies, {r['other_pairs_grouped']} other pairs")
        print(f"baseline, all pairs compared: {base:.2f}s ({r['speedup']}x slower); it finds {len(truth):,} pairs, "
              f"{r['all_pairs_missed_by_photoclip']} of which photoclip missed")
        nt = r["near_test"]
        print(f"near test on drawn pictures (seed 101): recall {nt['recall']:.3f} over {nt['copy_pairs']} copies "
              f"({nt['ms_per_pair']} ms a pair); precision {nt['precision']:.3f}: {nt['other_shots_grouped']} of "
              f"{nt['other_shot_pairs']} other shots and {nt['bursts_grouped']} of {nt['burst_pairs']} burst frames "
              "grouped")
        print("  recall by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in nt["recall_by_kind"].items()))


if __name__ == "__main__":
    main()

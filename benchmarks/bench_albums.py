"""Auto-tagging speed: one vectorised pass of an album over 100,000 photos, against a per-photo loop.

    python benchmarks/bench_albums.py [--photos 100000]

Uses the real Albums code with the toy model for the text side and random normalised 64-d image vectors
stored in a real catalog; times the scoring pass over the in-memory matrix (what an album create/edit and
the threshold slider do), the full retag (catalog read + scoring + rewriting tags), and a baseline that
scores photo by photo.
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

from photoclip.albums import Albums  # noqa: E402
from photoclip.catalog import Catalog  # noqa: E402
from photoclip.encoder import Encoder  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=100_000)
    args = p.parse_args()
    enc = Encoder(f"local-dir:{os.path.join(ROOT, 'photoclip', 'data', 'toyclip')}", device="cpu").load()
    cat = Catalog(os.path.join(tempfile.mkdtemp(), "catalog.sqlite3"))
    fid = cat.add_folder("/bench")
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((args.photos, 64)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with cat.write() as c:
        c.executemany("INSERT INTO photos(id, path, folder_id, status, updated) VALUES(?, ?, ?, 'indexed', 0)",
                      [(i + 1, f"/bench/{i}.jpg", fid) for i in range(args.photos)])
        cat.put_vectors(enc.model_id, list(range(1, args.photos + 1)), vecs)
    albums = Albums(cat, enc)
    album = albums.create("beach", ["a beach", "the seaside"], negatives=["a swimming pool"])
    ids, mat = cat.vectors_for(enc.model_id)
    albums.score(album, mat[:10])  # text embeddings cached
    t = time.perf_counter()
    scores = albums.score(album, mat)
    vectorised = time.perf_counter() - t
    t = time.perf_counter()
    for row in mat[:2000]:
        albums.score(album, row[None, :])
    loop = (time.perf_counter() - t) * len(mat) / 2000
    t = time.perf_counter()
    albums.retag(album)
    retag = time.perf_counter() - t
    print(f"{len(mat):,} photos: vectorised scoring {vectorised * 1000:.0f} ms, "
          f"per-photo loop (extrapolated) {loop:.1f} s, speed-up x{loop / vectorised:.0f}; "
          f"full retag incl. catalog read and tag writes {retag:.2f} s; members {albums.count(album):,} "
          f"(mean score {scores.mean():.3f})")


if __name__ == "__main__":
    main()

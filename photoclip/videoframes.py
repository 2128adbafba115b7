"""A video matches a search by its best frame: the sampled frames' vectors (catalog_video.py), scored exactly.

Each video is in the vector index by its poster (what indexing encoded), so it is found like a photo; its
other frames live in one matrix per model, held in memory and reloaded only when the frames change (a cheap
stamp query per search).  Exact scoring over the matrix is a matrix-vector product: 50,000 frames (about
5,000 videos of phone length) take 8 ms on two cores and 98 MB of memory (benchmarks/bench_formats.py).  A
video's score is its best frame's, and the answer says that frame's time.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np

_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # catalog -> {model: (stamp, ids, ts, mat)}
_lock = threading.Lock()


def _matrix(catalog, model: str):
    stamp = catalog.frames_stamp(model)
    with _lock:
        held = _cache.setdefault(catalog, {}).get(model)
        if held is not None and held[0] == stamp:
            return held[1:]
    ids, ts, mat = catalog.frame_matrix(model)
    with _lock:
        _cache.setdefault(catalog, {})[model] = (stamp, ids, ts, mat)
    return ids, ts, mat


def best(catalog, model: str, vector: np.ndarray, allowed: set[int] | None = None,
         limit: int = 1000) -> dict[int, tuple[float, float, np.ndarray]]:
    """video id -> (its best frame's score, that frame's time, its vector), for the `limit` best videos (among
    `allowed` when given)."""
    ids, ts, mat = _matrix(catalog, model)
    if not len(ids) or mat.shape[1] != vector.shape[0]:
        return {}
    scores = mat @ vector.astype(np.float32)
    if allowed is not None:
        scores = np.where(np.isin(ids, np.fromiter(allowed, np.int64, len(allowed))), scores, -np.inf)
    order = np.argsort(-scores, kind="stable")
    out: dict[int, tuple[float, float, np.ndarray]] = {}
    for j in order:
        if not np.isfinite(scores[j]) or len(out) >= limit:
            break
        vid = int(ids[j])
        if vid not in out:  # the first seen is the video's best frame
            out[vid] = (float(scores[j]), float(ts[j]), mat[j])
    return out


def merge(hits: list[tuple[int, float]], frames: dict, exclude: set[int] | frozenset = frozenset()
          ) -> tuple[list[tuple[int, float]], dict[int, float]]:
    """The index's candidates with each video scored by its best frame where that beats its poster, and the
    videos the index did not bring joining; best first.  Returns (hits, video id -> the matched frame's time)."""
    scores = dict(hits)
    at: dict[int, float] = {}
    for vid, (score, t, _vec) in frames.items():
        if vid in exclude:
            continue
        if score >= scores.get(vid, -np.inf):
            scores[vid] = score
            at[vid] = t
    return sorted(scores.items(), key=lambda kv: -kv[1]), at

"""The catalog's videos (a mixin of Catalog): each video's length, and the frames the video stage sampled at
its scene changes with their vectors (video.py, service_video.py, videoframes.py).

`photos.duration` is set when a video is indexed (NULL for photos: it is what tells a video).  `video_frames`
holds one row per sampled frame and model: its time in seconds and its vector (float16, as `vectors`).  `video_sampled` records that a
video's bytes (`hash`) were sampled for a model: how many frames, how far the sampling reached, a note when it
stopped early, or the reason it failed.  Other bytes, or another model, are sampled again; a moved video keeps
its rows (its id stays)."""
from __future__ import annotations

import time
from typing import Iterable

import numpy as np

from .catalog_photos import unpack_vectors
from .records import VISIBLE, from_db

# Schema 12: videos; Motion Photos (a still with its movie inside: photo_meta.motion, the movie's offset); places'
# Chinese names (catalog_places.py).  Every photo is looked at once more by the places stage (a millisecond or
# two each), for both.
MIGRATION = """
ALTER TABLE photos ADD COLUMN duration REAL;
ALTER TABLE photo_meta ADD COLUMN motion INTEGER;
ALTER TABLE photo_places ADD COLUMN place_zh TEXT;
ALTER TABLE photo_places ADD COLUMN place_aliases TEXT;
DELETE FROM photo_places;
CREATE TABLE video_frames (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    t REAL NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (photo_id, model, t)
);
CREATE INDEX video_frames_model ON video_frames(model);
CREATE TABLE video_sampled (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    hash TEXT,
    frames INTEGER NOT NULL DEFAULT 0,
    reached REAL,
    note TEXT,
    reason TEXT,
    updated REAL NOT NULL,
    PRIMARY KEY (photo_id, model)
)
"""

# The stills that are Live Photos: one with a Live Photo's movie paired to it, or a Motion Photo's inside it.
LIVE_IDS = ("SELECT pair_of FROM photos WHERE pair_of IS NOT NULL AND duration IS NOT NULL "
            "UNION SELECT photo_id FROM photo_meta WHERE motion IS NOT NULL")

_TODO = (f"FROM photos p LEFT JOIN video_sampled s ON s.photo_id=p.id AND s.model=? WHERE {VISIBLE} "
         "AND p.status='indexed' AND p.duration IS NOT NULL AND (s.photo_id IS NULL OR s.hash IS NOT p.hash)")


class VideoQueries:
    def frames_todo(self, model: str, limit: int) -> list[tuple[int, str, str]]:
        """(id, path, hash) of indexed videos not yet sampled for `model` (in these bytes), newest first."""
        return [(r[0], from_db(r[1]), r[2]) for r in self._rows(
            f"SELECT p.id, p.path, p.hash {_TODO} ORDER BY p.id DESC LIMIT ?", (model, limit))]

    def frames_pending(self, model: str) -> int:
        return self._one(f"SELECT count(*) {_TODO}", (model,))

    def store_frames(self, photo_id: int, model: str, digest: str | None, times: list[float] | None = None,
                     vecs: np.ndarray | None = None, *, reached: float | None = None, note: str | None = None,
                     reason: str | None = None) -> None:
        """A video's sampled frames for `model` (replacing whatever any model had), or the reason it failed."""
        times = times or []
        with self.write() as c:
            if c.execute("SELECT 1 FROM photos WHERE id=?", (photo_id,)).fetchone() is None:
                return  # gone while it was sampled
            c.execute("DELETE FROM video_frames WHERE photo_id=?", (photo_id,))
            c.executemany("INSERT OR REPLACE INTO video_frames(photo_id, model, t, vec) VALUES(?, ?, ?, ?)",
                          [(photo_id, model, float(t), np.asarray(v, np.float16).tobytes())
                           for t, v in zip(times, vecs if vecs is not None else [])])
            c.execute("DELETE FROM video_sampled WHERE photo_id=?", (photo_id,))
            c.execute("INSERT INTO video_sampled(photo_id, model, hash, frames, reached, note, reason, updated) "
                      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                      (photo_id, model, digest, len(times), reached, note, reason, time.time()))

    def frames_stamp(self, model: str) -> tuple:
        """Changes whenever the frames of `model` change (one index range: cheap enough for every search), the
        frame matrix's key.  A video that left the results since (offline, deleted) is dropped from an answer
        by its path lookup (`paths_for`), as every result is."""
        return tuple(self._rows("SELECT count(*), max(rowid) FROM video_frames WHERE model=?", (model,))[0])

    def frame_matrix(self, model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(video ids, times, vectors) of every sampled frame of the visible videos, for `model`."""
        rows = self._rows(f"SELECT f.photo_id, f.t, f.vec FROM video_frames f JOIN photos p ON p.id=f.photo_id "
                          f"WHERE f.model=? AND {VISIBLE} ORDER BY f.photo_id, f.t", (model,))
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros((0, 0), np.float32)
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        ts = np.fromiter((r[1] for r in rows), np.float32, len(rows))
        return ids, ts, unpack_vectors([r[2] for r in rows])

    def frame_vectors(self, model: str, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(video id per frame, vectors) of the sampled frames of the videos among `ids`, for `model`."""
        rows = self._rows_for_ids("SELECT photo_id, vec FROM video_frames WHERE model=? AND photo_id IN ({ids})",
                                  ids, (model,))
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        owners = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        return owners, unpack_vectors([r[1] for r in rows])

    def frames_of(self, photo_id: int, model: str) -> list[float]:
        return [r[0] for r in self._rows("SELECT t FROM video_frames WHERE photo_id=? AND model=? ORDER BY t",
                                         (photo_id, model))]

    def sampling(self, photo_id: int, model: str) -> dict | None:
        """How the video's frames were sampled for `model`: frames, reached, note, reason (None: not yet)."""
        rows = self._rows("SELECT frames, reached, note, reason FROM video_sampled WHERE photo_id=? AND model=?",
                          (photo_id, model))
        return dict(zip(("frames", "reached", "note", "reason"), rows[0])) if rows else None

    def durations(self, ids: Iterable[int]) -> dict[int, float]:
        """The length of each video among `ids` (photos are left out)."""
        return {r[0]: r[1] for r in self._rows_for_ids(
            "SELECT id, duration FROM photos WHERE id IN ({ids}) AND duration IS NOT NULL", ids)}

    def mark_videos(self, rows: list[dict]) -> list[dict]:
        """Give each row ({"id", ...}) of a listing its "duration" when it is a video and "live": true when it is
        a Live Photo's still or a Motion Photo (what the grid's corner label shows); returns `rows`."""
        videos = dict(self._rows("SELECT id, duration FROM photos WHERE duration IS NOT NULL AND pair_of IS NULL"))
        live = {r[0] for r in self._rows(LIVE_IDS)}
        for row in rows:
            if row["id"] in videos:
                row.setdefault("duration", videos[row["id"]])
            elif row["id"] in live:
                row["live"] = True
        return rows

    def video_counts(self, model: str) -> dict[str, int]:
        """Videos shown (as `status` counts photos), sampled for `model`, waiting, failed."""
        row = self._rows(
            f"SELECT count(*), sum(s.reason IS NULL AND s.hash IS p.hash), sum(s.reason IS NOT NULL) "
            f"FROM photos p LEFT JOIN video_sampled s ON s.photo_id=p.id AND s.model=? "
            f"WHERE {VISIBLE} AND p.status='indexed' AND p.duration IS NOT NULL", (model,))[0]
        return {"videos": row[0] or 0, "sampled": row[1] or 0, "failed": row[2] or 0,
                "pending": self.frames_pending(model)}

"""The catalog's questions and changes about folders, photos and vectors (a mixin of Catalog: it runs on
Catalog's connections and transactions)."""
from __future__ import annotations

import sqlite3
import time
from typing import Iterable

import numpy as np

from .records import TAKEN, UNDER, VISIBLE, _PHOTO_COLS, Photo, _photo, from_db, to_db, under_args

# The photos that `status` counts (indexed with the model, online), written once so that every count the user
# sees (status, a folder's count in `folders list` and the sidebar) is the same number.
COUNTED = ("FROM photos p JOIN vectors v ON v.photo_id=p.id AND v.model=? WHERE p.status='indexed' AND p.offline=0 "
           "AND p.pair_of IS NULL")  # a RAW+JPEG pair counts once, as the grid shows it


def unpack_vectors(blobs: list[bytes]) -> np.ndarray:
    """Stored vectors (float16 blobs, as `vectors` and `video_frames` keep them) as one float32 matrix."""
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), -1).astype(np.float32)


class PhotoQueries:
    # -- folders ----------------------------------------------------------------------------------
    def add_folder(self, path: str) -> int:
        with self.write() as c:
            c.execute("INSERT OR IGNORE INTO folders(path, added) VALUES(?, ?)", (to_db(path), time.time()))
            return c.execute("SELECT id FROM folders WHERE path=?", (to_db(path),)).fetchone()[0]

    def remove_folder(self, path: str) -> list[int]:
        """Forget a folder and its photos; returns the ids of the photos that left the catalog."""
        with self.write() as c:
            row = c.execute("SELECT id FROM folders WHERE path=?", (to_db(path),)).fetchone()
            if row is None:
                return []
            ids = [r[0] for r in c.execute("SELECT id FROM photos WHERE folder_id=?", (row[0],))]
            c.execute("DELETE FROM folders WHERE id=?", (row[0],))
            return ids

    def folders(self) -> list[dict]:
        return [{"id": r[0], "path": from_db(r[1]), "online": bool(r[2])}
                for r in self._rows("SELECT id, path, online FROM folders ORDER BY path")]

    def folder_counts(self, model: str) -> dict[int, int]:
        """Photos per folder id, counted as `counts` counts "photos" (indexed with the model, online)."""
        return {r[0]: r[1] for r in self._rows(
            f"SELECT p.folder_id, count(*) {COUNTED} GROUP BY p.folder_id", (model,))}

    def set_folder_online(self, folder_id: int, online: bool) -> list[int]:
        """Returns the ids of the folder's photos (they leave or rejoin results)."""
        with self.write() as c:
            c.execute("UPDATE folders SET online=? WHERE id=?", (int(online), folder_id))
            c.execute("UPDATE photos SET offline=? WHERE folder_id=?", (int(not online), folder_id))
            return [r[0] for r in c.execute("SELECT id FROM photos WHERE folder_id=?", (folder_id,))]

    # -- photos -----------------------------------------------------------------------------------
    def photo_by_path(self, path: str) -> Photo | None:
        row = self.conn.execute(f"SELECT {_PHOTO_COLS} FROM photos p WHERE path=?", (to_db(path),)).fetchone()
        return _photo(row) if row else None

    def photo(self, photo_id: int) -> Photo | None:
        row = self.conn.execute(f"SELECT {_PHOTO_COLS} FROM photos p WHERE id=?", (photo_id,)).fetchone()
        return _photo(row) if row else None

    def photos_in_folder(self, folder_id: int) -> dict[str, tuple[int, int | None, int | None, str]]:
        """path -> (id, size, mtime_ns, status) for a reconcile scan."""
        rows = self.conn.execute("SELECT path, id, size, mtime_ns, status FROM photos WHERE folder_id=?",
                                 (folder_id,))
        return {from_db(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}

    def ids_under(self, path: str, *, exclude_status: str | None = None) -> list[int]:
        """Ids of the photos at `path` or beneath it."""
        sql = f"SELECT p.id FROM photos p WHERE {UNDER}" + (" AND p.status<>?" if exclude_status else "")
        args = under_args(to_db(path)) + ((exclude_status,) if exclude_status else ())
        return [r[0] for r in self._rows(sql, args)]

    def paths_for(self, ids: Iterable[int]) -> dict[int, str]:
        """Visible photos (indexed or queued, in an online folder) among `ids`."""
        rows = self._rows_for_ids(f"SELECT p.id, p.path FROM photos p WHERE p.id IN ({{ids}}) AND {VISIBLE}", ids)
        return {r[0]: from_db(r[1]) for r in rows}

    def listing(self, folder: str | None = None) -> list[tuple[int, str]]:
        """(id, path) of the visible photos, newest taken first (EXIF, else the file's time: the date every
        answer shows), then by path; optionally under one folder."""
        where, args = ("", ()) if folder is None else (f" AND {UNDER}", under_args(to_db(folder)))
        rows = self._rows(f"SELECT p.id, p.path FROM photos p WHERE {VISIBLE} AND p.hash IS NOT NULL{where} "
                          f"ORDER BY {TAKEN} DESC, p.path", args)
        return [(r[0], from_db(r[1])) for r in rows]

    def upsert_pending(self, folder_id: int, path: str, size: int | None, mtime_ns: int | None,
                       priority: int = 0) -> None:
        """Queue a new or changed file; an existing row keeps its id, vector and album tags."""
        with self.write() as c:
            c.execute(
                "INSERT INTO photos(path, folder_id, size, mtime_ns, status, priority, updated) "
                "VALUES(?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT(path) DO UPDATE SET "
                "size=excluded.size, mtime_ns=excluded.mtime_ns, status='pending', reason=NULL, "
                "priority=max(photos.priority, excluded.priority), offline=0, updated=excluded.updated",
                (to_db(path), folder_id, size, mtime_ns, priority, time.time()))

    def record_failure(self, folder_id: int, path: str, size: int | None, mtime_ns: int | None, reason: str,
                       hash_: str | None = None) -> int:
        """The file cannot be indexed: keep it (with the reason) out of results and albums; returns its id."""
        with self.write() as c:
            c.execute(
                "INSERT INTO photos(path, folder_id, size, mtime_ns, hash, status, reason, updated) "
                "VALUES(?, ?, ?, ?, ?, 'failed', ?, ?) ON CONFLICT(path) DO UPDATE SET size=excluded.size, "
                "mtime_ns=excluded.mtime_ns, hash=excluded.hash, status='failed', reason=excluded.reason, "
                "priority=0, updated=excluded.updated",
                (to_db(path), folder_id, size, mtime_ns, hash_, reason, time.time()))
            pid = c.execute("SELECT id FROM photos WHERE path=?", (to_db(path),)).fetchone()[0]
            c.execute("DELETE FROM vectors WHERE photo_id=?", (pid,))
            c.execute("DELETE FROM album_members WHERE photo_id=?", (pid,))
            return pid

    def mark_missing(self, ids: Iterable[int]) -> None:
        with self.write() as c:
            c.executemany("UPDATE photos SET status='missing', updated=? WHERE id=?",
                          [(time.time(), i) for i in ids])

    def missing_since(self) -> float | None:
        """When the oldest photo still marked missing (online folders only) went missing."""
        return self._one("SELECT min(updated) FROM photos WHERE status='missing' AND offline=0")

    def purge_missing(self, missing_before: float | None = None) -> list[int]:
        """Delete photos whose files are gone (and were not found moved), optionally only those missing
        since before `missing_before` (a time.time() value); returns their ids."""
        cond = "status='missing' AND offline=0" + (" AND updated < ?" if missing_before is not None else "")
        args = (missing_before,) if missing_before is not None else ()
        with self.write() as c:
            ids = [r[0] for r in c.execute(f"SELECT id FROM photos WHERE {cond}", args)]
            c.execute(f"DELETE FROM photos WHERE {cond}", args)
            return ids

    def pending(self, limit: int) -> list[Photo]:
        """The next work, newest-priority first."""
        rows = self._rows(f"SELECT {_PHOTO_COLS} FROM photos p WHERE status='pending' AND offline=0 "
                          "ORDER BY priority DESC, id LIMIT ?", (limit,))
        return [_photo(r) for r in rows]

    def count_pending(self) -> int:
        return self._one("SELECT count(*) FROM photos WHERE status='pending' AND offline=0")

    def counts(self, model: str) -> dict[str, int]:
        indexed = self._one(f"SELECT count(*) {COUNTED}", (model,))
        failed = self._one("SELECT count(*) FROM photos WHERE status='failed'")
        offline = self._one("SELECT count(*) FROM photos WHERE offline=1 AND status<>'missing'")
        return {"photos": indexed, "pending": self.count_pending(), "failed": failed, "offline": offline}

    def count_failed(self) -> int:
        return self._one("SELECT count(*) FROM photos WHERE status='failed'")

    def failures(self) -> list[tuple[str, str]]:
        return [(from_db(r[0]), r[1])
                for r in self._rows("SELECT path, reason FROM photos WHERE status='failed' ORDER BY path")]

    def find_by_hash(self, hash_: str, model: str) -> list[tuple[int, str, str, bool]]:
        """Rows with this content hash: (id, path, status, has_vector)."""
        return [(r[0], from_db(r[1]), r[2], bool(r[3])) for r in self._rows(
            "SELECT p.id, p.path, p.status, EXISTS(SELECT 1 FROM vectors v WHERE v.photo_id=p.id AND v.model=?) "
            "FROM photos p WHERE hash=? AND status IN ('indexed', 'missing', 'pending')", (model, hash_))]

    def mark_indexed(self, photo_id: int, size: int, mtime_ns: int, hash_: str, meta: dict | None = None) -> None:
        meta = meta or {}
        with self.write() as c:
            c.execute(
                "UPDATE photos SET size=?, mtime_ns=?, hash=?, status='indexed', reason=NULL, priority=0, "
                "width=coalesce(?, width), height=coalesce(?, height), taken=coalesce(?, taken), "
                "camera=coalesce(?, camera), fingerprint=coalesce(?, fingerprint), duration=coalesce(?, duration), "
                "text_look=CASE WHEN hash IS ? THEN coalesce(?, text_look) ELSE ? END, updated=? WHERE id=?",
                (size, mtime_ns, hash_, meta.get("width"), meta.get("height"), meta.get("taken"),
                 meta.get("camera"), meta.get("fingerprint"), meta.get("duration"), hash_, meta.get("text_look"),
                 meta.get("text_look"), time.time(), photo_id))
            # Other bytes now: what was read in the old ones goes at once (the text stage reads the new ones).
            c.execute("DELETE FROM photo_text WHERE photo_id=? AND hash IS NOT ?", (photo_id, hash_))
            self.pair_siblings(c, photo_id)

    def move_photo(self, from_id: int, to_path: str, folder_id: int) -> None:
        """The file of photo `from_id` now lives at `to_path`: keep its id (vector, tags), drop any other row
        at that path (a queued duplicate, or a file the move overwrote)."""
        with self.write() as c:
            c.execute("DELETE FROM photos WHERE path=? AND id<>?", (to_db(to_path), from_id))
            old = c.execute("SELECT path FROM photos WHERE id=?", (from_id,)).fetchone()
            c.execute("UPDATE photos SET path=?, folder_id=?, offline=0, updated=? WHERE id=?",
                      (to_db(to_path), folder_id, time.time(), from_id))
            c.execute("UPDATE photos SET pair_of=NULL WHERE pair_of=?", (from_id,))  # its old pair, if any
            if old:
                self.pair_siblings(c, None, from_db(old[0]))
            self.pair_siblings(c, from_id)

    @staticmethod
    def pair_siblings(c: sqlite3.Connection, photo_id: int | None, path: str | None = None) -> None:
        """Pair a RAW with the photo beside it of the same name (IMG_1.CR2 with IMG_1.JPG), and a Live Photo's
        movie with its still (IMG_1.MOV, at most video.LIVE_MAX_S long, with IMG_1.HEIC): the companion's
        `pair_of` points at the JPEG (or HEIC, or another picture), which shows the pair; the companion leaves
        every listing, result and count, its file listed with the still's.  For the photo `photo_id` (or the
        name at `path`) and its siblings, in the caller's transaction."""
        import os

        from .rawimage import is_raw_name
        from .video import LIVE_MAX_S, is_video_name

        if path is None:
            row = c.execute("SELECT path FROM photos WHERE id=?", (photo_id,)).fetchone()
            if row is None:
                return
            path = from_db(row[0])
        stem = os.path.splitext(path)[0]
        prefix = to_db(stem + ".")
        siblings = [(i, from_db(p), status, duration) for i, p, status, duration in c.execute(
            "SELECT id, path, status, duration FROM photos WHERE substr(path, 1, ?)=?", (len(prefix), prefix))]
        siblings = [s for s in siblings if "." not in s[1][len(stem) + 1:] and os.sep not in s[1][len(stem) + 1:]]
        companions = [s for s in siblings if is_raw_name(s[1]) or (
            s[1].lower().endswith((".mov", ".mp4")) and (s[3] is None or s[3] <= LIVE_MAX_S))]
        faces = [s for s in siblings if not is_raw_name(s[1]) and not is_video_name(s[1])
                 and s[2] in ("indexed", "pending")]
        rank = {".jpg": 0, ".jpeg": 0, ".jpe": 0, ".heic": 1, ".heif": 1}
        face = min(faces, key=lambda s: (rank.get(os.path.splitext(s[1])[1].lower(), 2), s[1]), default=None)
        for s in siblings:
            target = face[0] if face is not None and s in companions else None
            c.execute("UPDATE photos SET pair_of=? WHERE id=? AND pair_of IS NOT ?", (target, s[0], target))

    def pair_shown(self) -> set[int]:
        """The photos that show a RAW+JPEG pair."""
        return {r[0] for r in self._rows("SELECT DISTINCT pair_of FROM photos WHERE pair_of IS NOT NULL")}

    def pair_files(self, photo_id: int) -> list[str]:
        """The other files of the pair a photo shows (its RAW, its Live Photo movie), beside its own."""
        return [from_db(r[0]) for r in self._rows("SELECT path FROM photos WHERE pair_of=? ORDER BY path",
                                                   (photo_id,))]

    def rename_prefix(self, old: str, new: str, folder_id: int) -> int:
        """A folder moved inside the library: rewrite the paths beneath it; returns rows changed."""
        old_db, new_db = to_db(old), to_db(new)
        with self.write() as c:
            cur = c.execute(
                "UPDATE OR REPLACE photos SET path=? || substr(path, ?), folder_id=?, updated=? "
                f"WHERE {UNDER.replace('p.path', 'path')}",
                (new_db, len(old_db) + 1, folder_id, time.time(), *under_args(old_db)))
            return cur.rowcount

    # -- vectors ----------------------------------------------------------------------------------
    def _next_seq(self, c: sqlite3.Connection, n: int) -> int:
        """Reserve n sequence numbers; they only ever grow, so the index can tell what it has seen."""
        row = c.execute("SELECT value FROM meta WHERE key='vec_seq'").fetchone()
        start = int(row[0]) + 1 if row else 1
        c.execute("INSERT INTO meta(key, value) VALUES('vec_seq', ?) ON CONFLICT(key) DO UPDATE "
                  "SET value=excluded.value", (str(start + n - 1),))
        return start

    def vector_seq(self) -> int:
        return int(self.get_meta("vec_seq", "0"))

    def put_vectors(self, model: str, ids: list[int], vecs: np.ndarray) -> None:
        with self.write() as c:
            start = self._next_seq(c, len(ids))
            blobs = vecs.astype(np.float16)
            c.executemany("INSERT OR REPLACE INTO vectors(photo_id, model, seq, vec) VALUES(?, ?, ?, ?)",
                          [(pid, model, start + i, blobs[i].tobytes()) for i, pid in enumerate(ids)])

    def copy_vector(self, model: str, from_id: int, to_id: int) -> None:
        """A byte-identical copy: it takes the vector and what was read from the bytes (pixels, date taken,
        camera, fingerprint, the text in it), so it is shown, compared and found like the photo it copies."""
        with self.write() as c:
            start = self._next_seq(c, 1)
            c.execute("INSERT OR REPLACE INTO vectors(photo_id, model, seq, vec) "
                      "SELECT ?, model, ?, vec FROM vectors WHERE photo_id=? AND model=?",
                      (to_id, start, from_id, model))
            c.execute("UPDATE photos SET (width, height, taken, camera, fingerprint) = (SELECT "
                      "coalesce(photos.width, s.width), coalesce(photos.height, s.height), "
                      "coalesce(photos.taken, s.taken), coalesce(photos.camera, s.camera), "
                      "coalesce(photos.fingerprint, s.fingerprint) FROM photos s WHERE s.id=?) WHERE id=?",
                      (from_id, to_id))
            self.copy_text(from_id, to_id)

    def vector(self, photo_id: int, model: str) -> np.ndarray | None:
        blob = self._one("SELECT vec FROM vectors WHERE photo_id=? AND model=?", (photo_id, model))
        return np.frombuffer(blob, dtype=np.float16).astype(np.float32) if blob is not None else None

    def vector_dim(self, model: str) -> int | None:
        """The length of this model's vectors, from one stored vector (None when there is none yet)."""
        n = self._one("SELECT length(vec) FROM vectors WHERE model=? LIMIT 1", (model,))
        return n // 2 if n else None

    def searchable(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, seqs) of the photos that belong in the search index for `model`."""
        rows = self._rows(f"SELECT v.photo_id, v.seq FROM vectors v JOIN photos p ON p.id=v.photo_id "
                          f"WHERE v.model=? AND {VISIBLE}", (model,))
        arr = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def vectors_for(self, model: str, ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, float32 matrix) for the given photo ids, or every searchable photo when ids is None."""
        if ids is None:
            rows = self._rows(f"SELECT v.photo_id, v.vec FROM vectors v JOIN photos p ON p.id=v.photo_id "
                              f"WHERE v.model=? AND {VISIBLE} ORDER BY v.photo_id", (model,))
        else:
            rows = self._rows_for_ids("SELECT photo_id, vec FROM vectors WHERE model=? AND photo_id IN ({ids})",
                                      ids, (model,))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        out_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return out_ids, unpack_vectors([r[1] for r in rows])

"""The SQLite catalog: library folders, photos and their state, vectors per model, albums.

WAL mode, one connection per thread (`Catalog` keeps a thread-local connection), writes in short
`BEGIN IMMEDIATE` transactions, a schema version with step-by-step migrations.  The catalog is the
source of truth; the vector index is derived from it.  It doubles as the indexing queue: a photo row with
status 'pending' is work to do, so a crash loses nothing queued.
"""
from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

# Photo status values.
PENDING, INDEXED, FAILED, MISSING = "pending", "indexed", "failed", "missing"

_MIGRATIONS = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT UNIQUE NOT NULL,
        online INTEGER NOT NULL DEFAULT 1,
        added REAL NOT NULL
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        path TEXT UNIQUE NOT NULL,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        size INTEGER, mtime_ns INTEGER, hash TEXT,
        width INTEGER, height INTEGER, taken TEXT, camera TEXT,
        status TEXT NOT NULL, reason TEXT,
        priority INTEGER NOT NULL DEFAULT 0,
        offline INTEGER NOT NULL DEFAULT 0,
        updated REAL NOT NULL
    );
    CREATE INDEX photos_hash ON photos(hash);
    CREATE INDEX photos_status ON photos(status, priority);
    CREATE INDEX photos_folder ON photos(folder_id);
    CREATE TABLE vectors (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        seq INTEGER NOT NULL,
        vec BLOB NOT NULL,
        PRIMARY KEY (photo_id, model)
    );
    CREATE INDEX vectors_seq ON vectors(model, seq);
    CREATE TABLE albums (
        id INTEGER PRIMARY KEY,
        name TEXT UNIQUE NOT NULL COLLATE NOCASE,
        prompts TEXT NOT NULL,          -- JSON list
        negatives TEXT NOT NULL,        -- JSON list
        threshold REAL,                 -- set by the user, or NULL to use `calibrated`
        calibrated REAL,                -- the automatic threshold from the last full pass
        templates TEXT NOT NULL DEFAULT 'personal',
        created REAL NOT NULL
    );
    CREATE TABLE album_feedback (
        album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        belongs INTEGER NOT NULL,
        PRIMARY KEY (album_id, photo_id)
    );
    CREATE TABLE album_members (
        album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        PRIMARY KEY (album_id, photo_id)
    );
    CREATE INDEX album_members_photo ON album_members(photo_id);
    CREATE TABLE text_cache (
        model TEXT NOT NULL, templates TEXT NOT NULL, prompt TEXT NOT NULL, vec BLOB NOT NULL,
        PRIMARY KEY (model, templates, prompt)
    );
    """,
}


@dataclass
class Photo:
    id: int
    path: str
    folder_id: int
    size: int | None
    mtime_ns: int | None
    hash: str | None
    width: int | None
    height: int | None
    taken: str | None
    camera: str | None
    status: str
    reason: str | None
    priority: int
    offline: int
    updated: float


_PHOTO_COLS = ", ".join(Photo.__dataclass_fields__)


class CatalogError(Exception):
    pass


class Catalog:
    """Thread-safe access to the catalog file: each thread gets its own connection."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._migrate()

    # -- connections and transactions -------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            try:
                c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                c.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as e:
                raise CatalogError(f"The catalog {self.path} cannot be opened ({e}).") from e
            c.execute("PRAGMA foreign_keys=ON")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA busy_timeout=30000")
            c.row_factory = sqlite3.Row
            self._local.conn = c
            with self._all_lock:
                self._all.append(c)
        return c

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front so it never deadlocks."""
        c = self.conn
        if c.in_transaction:  # nested: join the outer transaction
            yield c
            return
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    def close(self) -> None:
        with self._all_lock:
            for c in self._all:
                with contextlib.suppress(Exception):
                    c.close()
            self._all.clear()
        self._local = threading.local()

    def _migrate(self) -> None:
        with self.write() as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise CatalogError(
                    f"The catalog {self.path} was made by a newer photoclip (schema {version}); upgrade photoclip.")
            for v in range(version + 1, SCHEMA_VERSION + 1):
                log.info("migrating catalog to schema %d", v)
                for stmt in _MIGRATIONS[v].split(";"):
                    if stmt.strip():
                        c.execute(stmt)
                c.execute(f"PRAGMA user_version={v}")

    # -- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as c:
            c.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                      (key, value))

    # -- folders ----------------------------------------------------------------------------------
    def add_folder(self, path: str) -> int:
        with self.write() as c:
            c.execute("INSERT OR IGNORE INTO folders(path, added) VALUES(?, ?)", (path, time.time()))
            return c.execute("SELECT id FROM folders WHERE path=?", (path,)).fetchone()[0]

    def remove_folder(self, path: str) -> list[int]:
        """Forget a folder and its photos; returns the ids of the photos that left the catalog."""
        with self.write() as c:
            row = c.execute("SELECT id FROM folders WHERE path=?", (path,)).fetchone()
            if row is None:
                return []
            ids = [r[0] for r in c.execute("SELECT id FROM photos WHERE folder_id=?", (row[0],))]
            c.execute("DELETE FROM folders WHERE id=?", (row[0],))
            return ids

    def folders(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT id, path, online FROM folders ORDER BY path").fetchall()

    def set_folder_online(self, folder_id: int, online: bool) -> None:
        with self.write() as c:
            c.execute("UPDATE folders SET online=? WHERE id=?", (int(online), folder_id))
            c.execute("UPDATE photos SET offline=? WHERE folder_id=?", (int(not online), folder_id))

    # -- photos -----------------------------------------------------------------------------------
    def photo_by_path(self, path: str) -> Photo | None:
        row = self.conn.execute(f"SELECT {_PHOTO_COLS} FROM photos WHERE path=?", (path,)).fetchone()
        return Photo(*row) if row else None

    def photo(self, photo_id: int) -> Photo | None:
        row = self.conn.execute(f"SELECT {_PHOTO_COLS} FROM photos WHERE id=?", (photo_id,)).fetchone()
        return Photo(*row) if row else None

    def photos_in_folder(self, folder_id: int) -> dict[str, tuple[int, int | None, int | None, str]]:
        """path -> (id, size, mtime_ns, status) for a reconcile scan."""
        rows = self.conn.execute("SELECT path, id, size, mtime_ns, status FROM photos WHERE folder_id=?",
                                 (folder_id,))
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def paths_for(self, ids: Iterable[int]) -> dict[int, str]:
        """Visible (indexed, online) photos among `ids`."""
        ids = list(ids)
        out: dict[int, str] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = (f"SELECT id, path FROM photos WHERE id IN ({','.join('?' * len(chunk))}) "
                 f"AND offline=0 AND status IN ('{INDEXED}', '{PENDING}')")
            out.update({r[0]: r[1] for r in self.conn.execute(q, chunk)})
        return out

    def upsert_pending(self, c: sqlite3.Connection, folder_id: int, path: str, size: int, mtime_ns: int,
                       priority: int = 0) -> None:
        """Queue a new or changed file; an existing row keeps its id, vector and album tags."""
        c.execute(
            "INSERT INTO photos(path, folder_id, size, mtime_ns, status, priority, updated) "
            "VALUES(?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT(path) DO UPDATE SET "
            "size=excluded.size, mtime_ns=excluded.mtime_ns, status='pending', reason=NULL, "
            "priority=max(photos.priority, excluded.priority), offline=0, updated=excluded.updated",
            (path, folder_id, size, mtime_ns, priority, time.time()))

    def record_failure(self, c: sqlite3.Connection, folder_id: int, path: str, size: int | None,
                       mtime_ns: int | None, reason: str, hash_: str | None = None) -> None:
        c.execute(
            "INSERT INTO photos(path, folder_id, size, mtime_ns, hash, status, reason, updated) "
            "VALUES(?, ?, ?, ?, ?, 'failed', ?, ?) ON CONFLICT(path) DO UPDATE SET size=excluded.size, "
            "mtime_ns=excluded.mtime_ns, hash=excluded.hash, status='failed', reason=excluded.reason, "
            "updated=excluded.updated",
            (path, folder_id, size, mtime_ns, hash_, reason, time.time()))
        # A failed file has no usable vector: it must leave search results and albums.
        pid = c.execute("SELECT id FROM photos WHERE path=?", (path,)).fetchone()[0]
        c.execute("DELETE FROM vectors WHERE photo_id=?", (pid,))
        c.execute("DELETE FROM album_members WHERE photo_id=?", (pid,))

    def mark_missing(self, c: sqlite3.Connection, photo_id: int) -> None:
        c.execute("UPDATE photos SET status='missing', updated=? WHERE id=?", (time.time(), photo_id))

    def purge_missing(self, missing_before: float | None = None) -> list[int]:
        """Delete photos whose files are gone (and were not found moved), optionally only those missing
        since before `missing_before` (a time.time() value); returns their ids."""
        cond = "status='missing' AND offline=0" + (" AND updated < ?" if missing_before is not None else "")
        args = (missing_before,) if missing_before is not None else ()
        with self.write() as c:
            ids = [r[0] for r in c.execute(f"SELECT id FROM photos WHERE {cond}", args)]
            c.execute(f"DELETE FROM photos WHERE {cond}", args)
            return ids

    def delete_photos(self, c: sqlite3.Connection, ids: Iterable[int]) -> None:
        c.executemany("DELETE FROM photos WHERE id=?", [(i,) for i in ids])

    def pending(self, model: str, limit: int) -> list[Photo]:
        """The next work: pending rows (newest-priority first), then indexed photos lacking this model's vector."""
        rows = self.conn.execute(
            f"SELECT {_PHOTO_COLS} FROM photos WHERE status='pending' AND offline=0 "
            f"ORDER BY priority DESC, id LIMIT ?", (limit,)).fetchall()
        if len(rows) < limit:
            rows += self.conn.execute(
                f"SELECT {_PHOTO_COLS} FROM photos p WHERE status='indexed' AND offline=0 AND NOT EXISTS "
                f"(SELECT 1 FROM vectors v WHERE v.photo_id=p.id AND v.model=?) ORDER BY id LIMIT ?",
                (model, limit - len(rows))).fetchall()
        return [Photo(*r) for r in rows]

    def count_pending(self, model: str) -> int:
        return self.conn.execute(
            "SELECT (SELECT count(*) FROM photos WHERE status='pending' AND offline=0) + "
            "(SELECT count(*) FROM photos p WHERE status='indexed' AND offline=0 AND NOT EXISTS "
            "(SELECT 1 FROM vectors v WHERE v.photo_id=p.id AND v.model=?))", (model,)).fetchone()[0]

    def counts(self, model: str) -> dict[str, int]:
        c = self.conn
        indexed = c.execute(
            "SELECT count(*) FROM photos p JOIN vectors v ON v.photo_id=p.id AND v.model=? "
            "WHERE p.status='indexed' AND p.offline=0", (model,)).fetchone()[0]
        failed = c.execute("SELECT count(*) FROM photos WHERE status='failed'").fetchone()[0]
        offline = c.execute("SELECT count(*) FROM photos WHERE offline=1 AND status<>'missing'").fetchone()[0]
        return {"photos": indexed, "pending": self.count_pending(model), "failed": failed, "offline": offline}

    def failures(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT path, reason FROM photos WHERE status='failed' ORDER BY path").fetchall()

    def find_by_hash(self, hash_: str, model: str) -> list[sqlite3.Row]:
        """Rows with this content hash: (id, path, status, has_vector)."""
        return self.conn.execute(
            "SELECT p.id, p.path, p.status, EXISTS(SELECT 1 FROM vectors v WHERE v.photo_id=p.id AND v.model=?) "
            "FROM photos p WHERE hash=? AND status IN ('indexed', 'missing')", (model, hash_)).fetchall()

    def mark_indexed(self, c: sqlite3.Connection, photo_id: int, size: int, mtime_ns: int, hash_: str,
                     meta: dict | None = None) -> None:
        meta = meta or {}
        c.execute(
            "UPDATE photos SET size=?, mtime_ns=?, hash=?, status='indexed', reason=NULL, priority=0, "
            "width=coalesce(?, width), height=coalesce(?, height), taken=coalesce(?, taken), "
            "camera=coalesce(?, camera), updated=? WHERE id=?",
            (size, mtime_ns, hash_, meta.get("width"), meta.get("height"), meta.get("taken"),
             meta.get("camera"), time.time(), photo_id))

    def move_photo(self, c: sqlite3.Connection, from_id: int, to_path: str, folder_id: int) -> None:
        """The file of photo `from_id` now lives at `to_path`: keep its id (vector, tags), drop any other row
        at that path (a queued duplicate, or a file the move overwrote)."""
        c.execute("DELETE FROM photos WHERE path=? AND id<>?", (to_path, from_id))
        c.execute("UPDATE photos SET path=?, folder_id=?, offline=0, updated=? WHERE id=?",
                  (to_path, folder_id, time.time(), from_id))

    def rename_prefix(self, old: str, new: str, folder_id: int) -> int:
        """A folder moved inside the library: rewrite the paths beneath it; returns rows changed."""
        with self.write() as c:
            cur = c.execute(
                "UPDATE OR REPLACE photos SET path=? || substr(path, ?), folder_id=?, updated=? "
                "WHERE path=? OR substr(path, 1, ?)=?",
                (new, len(old) + 1, folder_id, time.time(), old, len(old) + 1, old + "/"))
            return cur.rowcount

    # -- vectors ----------------------------------------------------------------------------------
    def _next_seq(self, c: sqlite3.Connection, n: int) -> int:
        """Reserve n sequence numbers; they only ever grow, so the index can tell what it has seen."""
        row = c.execute("SELECT value FROM meta WHERE key='vec_seq'").fetchone()
        start = int(row[0]) + 1 if row else 1
        c.execute("INSERT INTO meta(key, value) VALUES('vec_seq', ?) ON CONFLICT(key) DO UPDATE "
                  "SET value=excluded.value", (str(start + n - 1),))
        return start

    def put_vectors(self, c: sqlite3.Connection, model: str, ids: list[int], vecs: np.ndarray) -> None:
        start = self._next_seq(c, len(ids))
        blobs = vecs.astype(np.float16)
        c.executemany("INSERT OR REPLACE INTO vectors(photo_id, model, seq, vec) VALUES(?, ?, ?, ?)",
                      [(pid, model, start + i, blobs[i].tobytes()) for i, pid in enumerate(ids)])

    def copy_vector(self, c: sqlite3.Connection, model: str, from_id: int, to_id: int) -> None:
        start = self._next_seq(c, 1)
        c.execute("INSERT OR REPLACE INTO vectors(photo_id, model, seq, vec) "
                  "SELECT ?, model, ?, vec FROM vectors WHERE photo_id=? AND model=?", (to_id, start, from_id, model))

    def vector(self, photo_id: int, model: str) -> np.ndarray | None:
        row = self.conn.execute("SELECT vec FROM vectors WHERE photo_id=? AND model=?", (photo_id, model)).fetchone()
        return np.frombuffer(row[0], dtype=np.float16).astype(np.float32) if row else None

    def searchable(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, seqs) of the photos that belong in the search index for `model`."""
        rows = self.conn.execute(
            "SELECT v.photo_id, v.seq FROM vectors v JOIN photos p ON p.id=v.photo_id "
            "WHERE v.model=? AND p.offline=0 AND p.status IN ('indexed', 'pending')", (model,)).fetchall()
        arr = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def vectors_for(self, model: str, ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, float32 matrix) for the given photo ids, or every searchable photo when ids is None."""
        if ids is None:
            rows = self.conn.execute(
                "SELECT v.photo_id, v.vec FROM vectors v JOIN photos p ON p.id=v.photo_id "
                "WHERE v.model=? AND p.offline=0 AND p.status IN ('indexed', 'pending') ORDER BY v.photo_id",
                (model,)).fetchall()
        else:
            ids = list(ids)
            rows = []
            for i in range(0, len(ids), 900):
                chunk = ids[i:i + 900]
                rows += self.conn.execute(
                    f"SELECT photo_id, vec FROM vectors WHERE model=? AND photo_id IN ({','.join('?' * len(chunk))})",
                    [model, *chunk]).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        out_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), -1)
        return out_ids, mat.astype(np.float32)

    def models(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT model FROM vectors")]

"""The SQLite catalog: library folders, photos and their state, vectors per model, albums.  All SQL lives here.

WAL mode, so readers never wait for a writer; one connection per thread, closed when its thread ends; every
write goes through `write()`, one `BEGIN IMMEDIATE` transaction that nested calls join.  While a library
service runs it claims the writes (`claim_writes`), and a write from any other thread is refused
(`WriteOwnershipError`): one owner for every change, enforced rather than promised.

The catalog is the source of truth and the indexing queue (a row with status 'pending' is work to do, so a
crash loses nothing queued); the vector index is derived from it.  Paths are stored losslessly: a file name
that is not valid UTF-8 (Python hands it over with surrogate escapes) is stored with an escape character.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .fsutil import disk_full, full_disk_message
from .paths import make_private
from .errors import PhotoclipError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3

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
    # The library remembers its model, and "pending" means exactly status='pending': a photo that lacks the
    # library model's vector is queued as pending, so counting the queue is one index range, never a scan.
    2: """
    CREATE INDEX photos_queue ON photos(status, offline, priority);
    INSERT OR IGNORE INTO meta(key, value)
        SELECT 'model', model FROM vectors ORDER BY seq DESC LIMIT 1;
    UPDATE photos SET status='pending' WHERE status='indexed' AND NOT EXISTS (
        SELECT 1 FROM vectors v WHERE v.photo_id=photos.id
        AND v.model=(SELECT value FROM meta WHERE key='model'));
    """,
    # Each photo's fingerprint (imageio.fingerprint), taken while it is decoded for the model; photos indexed
    # before have none until `duplicates` needs one (it reads those few files then).
    3: """
    ALTER TABLE photos ADD COLUMN fingerprint BLOB;
    """,
}

# Conditions written once.
VISIBLE = "p.offline=0 AND p.status IN ('indexed', 'pending')"  # a photo that may appear in results
# When a photo was taken: EXIF's date, else the file's modification time (local time, like EXIF's).
TAKEN = "coalesce(p.taken, strftime('%Y-%m-%dT%H:%M:%S', p.mtime_ns / 1e9, 'unixepoch', 'localtime'))"
UNDER = "(p.path=? OR substr(p.path, 1, ?)=?)"  # at a folder or beneath it; parameters from under_args()


# -- lossless paths -----------------------------------------------------------------------------------
# Python decodes a file name that is not valid UTF-8 with surrogate escapes (byte 0xFF -> U+DCFF), which
# SQLite cannot store.  Such a character is stored as ESC + two hex digits, and ESC itself as ESC ESC.
# The escape works character by character, so "path under folder" prefixes still compare correctly.
_ESC = "\uffff"


def to_db(path: str) -> str:
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
        if _ESC not in path:
            return path
    except UnicodeEncodeError:
        pass
    out = []
    for ch in path:
        o = ord(ch)
        if ch == _ESC:
            out.append(_ESC + _ESC)
        elif 0xDC80 <= o <= 0xDCFF:
            out.append(f"{_ESC}{o - 0xDC00:02x}")
        elif 0xD800 <= o <= 0xDFFF:  # not from a file system; keep the text storable
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def from_db(text: str) -> str:
    if _ESC not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch != _ESC:
            out.append(ch)
            i += 1
        elif text[i + 1:i + 2] == _ESC:
            out.append(_ESC)
            i += 2
        else:
            out.append(chr(0xDC00 + int(text[i + 1:i + 3], 16)))
            i += 3
    return "".join(out)


def under_args(folder: str) -> tuple:
    """The three parameters of UNDER for `folder` (already in catalog form)."""
    prefix = folder.rstrip(os.sep) + os.sep
    return folder, len(prefix), prefix


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


_PHOTO_COLS = ", ".join(f"p.{f}" for f in Photo.__dataclass_fields__)


def _photo(row) -> Photo:
    p = Photo(*row)
    p.path = from_db(p.path)
    return p


class CatalogError(PhotoclipError):
    """str(e) is one sentence for the user."""


class WriteOwnershipError(RuntimeError):
    """A catalog write from a thread other than the library service's worker: a bug, never user input."""


class CatalogClosed(CatalogError):
    """The catalog was closed (photoclip is shutting down or switched libraries) before this read or write."""


class _ThreadConnection:
    """Holds one thread's connection; when the thread ends its thread-local dies and this closes it.  A
    connection is only ever closed by the thread that opened it (here, or in `close_thread`): closing one that
    another thread is using is undefined behaviour in SQLite, and it crashed the process."""

    def __init__(self, catalog: "Catalog", conn: sqlite3.Connection):
        self.conn = conn
        self._open = catalog._open
        self._open_lock = catalog._open_lock

    def __del__(self):
        with self._open_lock:
            self._open.pop(self.conn, None)
        with contextlib.suppress(Exception):
            self.conn.close()


class Catalog:
    """Thread-safe access to the catalog file: each thread gets its own connection, and closes it itself."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._open: dict[sqlite3.Connection, str] = {}  # connection -> the name of the thread that owns it
        self._open_lock = threading.Lock()
        self._closed = False
        self._writer: int | None = None
        self._migrate()
        for suffix in ("", "-wal", "-shm"):  # the user's alone (in a folder that is the user's alone too)
            make_private(Path(f"{self.path}{suffix}"), 0o600)

    # -- connections, transactions, ownership -----------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._closed:
            self.close_thread()  # a late caller: release its own connection, then say why it has none
            raise CatalogClosed(f"The catalog {self.path} is closed; photoclip is shutting down.")
        holder = getattr(self._local, "holder", None)
        if holder is None:
            try:
                c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                c.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as e:
                if disk_full(e, self.path.parent):
                    raise CatalogError(full_disk_message(self.path.parent)) from e
                raise CatalogError(f"The catalog {self.path} cannot be opened ({e}).") from e
            c.execute("PRAGMA foreign_keys=ON")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA busy_timeout=30000")
            holder = self._local.holder = _ThreadConnection(self, c)
            with self._open_lock:
                self._open[c] = threading.current_thread().name
        return holder.conn

    @property
    def closed(self) -> bool:
        return self._closed

    def open_connections(self) -> int:
        return len(self._open)

    def connection_owners(self) -> list[str]:
        """The names of the threads that still hold a connection (for shutdown checks and tests)."""
        with self._open_lock:
            return sorted(self._open.values())

    def close_thread(self) -> None:
        """Close this thread's connection now (threads that end close theirs anyway)."""
        holder = getattr(self._local, "holder", None)
        if holder is not None:
            del self._local.holder

    def claim_writes(self) -> None:
        """From now on only the calling thread may write (the library service's worker)."""
        self._writer = threading.get_ident()

    def release_writes(self) -> None:
        self._writer = None

    def may_write(self) -> bool:
        return self._writer is None or self._writer == threading.get_ident()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front so it never deadlocks.
        Nested calls join the outer transaction."""
        if not self.may_write():
            raise WriteOwnershipError(
                f"catalog write from thread {threading.current_thread().name!r}: the library service's "
                "worker owns every write while it runs; submit a command to it instead")
        c = self.conn
        if c.in_transaction:
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
        """Close the catalog: this thread's connection now; every other thread's connection is closed by that
        thread, when it ends or at its next use, which raises CatalogClosed instead of touching a closed
        connection.  Whoever owns worker threads stops and drains them before calling this (the service, the
        window's task pools); this method never waits for them and never closes a connection under them."""
        self._closed = True
        self.close_thread()

    def _migrate(self) -> None:
        # Read first: opening a current catalog takes no write lock, so it never waits behind a writer.
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CatalogError(
                f"The catalog {self.path} was made by a newer photoclip (schema {version}); upgrade photoclip.")
        if version == SCHEMA_VERSION:
            return
        with self.write() as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            for v in range(version + 1, SCHEMA_VERSION + 1):
                log.info("migrating catalog to schema %d", v)
                for stmt in _MIGRATIONS[v].split(";"):
                    if stmt.strip():
                        c.execute(stmt)
                c.execute(f"PRAGMA user_version={v}")

    def _rows(self, sql: str, args: Iterable = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, tuple(args)).fetchall()

    def _rows_for_ids(self, sql: str, ids: Iterable[int], before: tuple = ()) -> list[sqlite3.Row]:
        """Run `sql`, whose "{ids}" is an IN list, over `ids` in chunks under SQLite's parameter limit."""
        ids = [int(i) for i in ids]
        rows: list = []
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            rows += self._rows(sql.format(ids=",".join("?" * len(chunk))), [*before, *chunk])
        return rows

    def _one(self, sql: str, args: Iterable = ()):
        row = self.conn.execute(sql, tuple(args)).fetchone()
        return row[0] if row else None

    # -- meta and the library's model -------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        value = self._one("SELECT value FROM meta WHERE key=?", (key,))
        return default if value is None else value

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as c:
            c.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                      (key, value))

    def library_model(self) -> str | None:
        return self.get_meta("model")

    def set_library_model(self, model: str) -> int:
        """Make `model` the library's model; photos lacking its vector are queued.  Returns how many."""
        with self.write() as c:
            self.set_meta("model", model)
            return c.execute(
                "UPDATE photos SET status='pending', priority=0 WHERE status='indexed' AND NOT EXISTS "
                "(SELECT 1 FROM vectors v WHERE v.photo_id=photos.id AND v.model=?)", (model,)).rowcount

    def delete_meta(self, key: str) -> None:
        with self.write() as c:
            c.execute("DELETE FROM meta WHERE key=?", (key,))

    # A model switch in progress (switching.py): photos the library model indexed that lack the next model's
    # vector.  Counting and listing them is the re-encode queue; nothing else marks them.
    _LACKING = ("FROM photos p WHERE p.status='indexed' AND p.offline=0 AND NOT EXISTS "
                "(SELECT 1 FROM vectors v WHERE v.photo_id=p.id AND v.model=?)")

    def count_lacking(self, model: str) -> int:
        return self._one(f"SELECT count(*) {self._LACKING}", (model,))

    def lacking(self, model: str, limit: int, skip: set[int] = frozenset()) -> list[Photo]:
        rows = self._rows(f"SELECT {_PHOTO_COLS} {self._LACKING} ORDER BY p.id LIMIT ?", (model, limit + len(skip)))
        return [_photo(r) for r in rows if r[0] not in skip][:limit]

    def sample_paths(self, n: int) -> list[str]:
        """A few indexed photos, for checking that a model can encode this library's files."""
        return [from_db(r[0]) for r in self._rows(
            "SELECT path FROM photos WHERE status='indexed' AND offline=0 ORDER BY id LIMIT ?", (n,))]

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
        indexed = self._one(
            "SELECT count(*) FROM photos p JOIN vectors v ON v.photo_id=p.id AND v.model=? "
            "WHERE p.status='indexed' AND p.offline=0", (model,))
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
                "camera=coalesce(?, camera), fingerprint=coalesce(?, fingerprint), updated=? WHERE id=?",
                (size, mtime_ns, hash_, meta.get("width"), meta.get("height"), meta.get("taken"),
                 meta.get("camera"), meta.get("fingerprint"), time.time(), photo_id))

    def move_photo(self, from_id: int, to_path: str, folder_id: int) -> None:
        """The file of photo `from_id` now lives at `to_path`: keep its id (vector, tags), drop any other row
        at that path (a queued duplicate, or a file the move overwrote)."""
        with self.write() as c:
            c.execute("DELETE FROM photos WHERE path=? AND id<>?", (to_db(to_path), from_id))
            c.execute("UPDATE photos SET path=?, folder_id=?, offline=0, updated=? WHERE id=?",
                      (to_db(to_path), folder_id, time.time(), from_id))

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
        with self.write() as c:
            start = self._next_seq(c, 1)
            c.execute("INSERT OR REPLACE INTO vectors(photo_id, model, seq, vec) "
                      "SELECT ?, model, ?, vec FROM vectors WHERE photo_id=? AND model=?",
                      (to_id, start, from_id, model))

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
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), -1)
        return out_ids, mat.astype(np.float32)

    # -- albums -----------------------------------------------------------------------------------
    def album_rows(self, name: str | None = None) -> list[dict]:
        rows = self._rows("SELECT id, name, prompts, negatives, threshold, calibrated, templates FROM albums "
                          + ("WHERE name=? " if name is not None else "") + "ORDER BY name",
                          (name,) if name is not None else ())
        return [{"id": r[0], "name": r[1], "prompts": json.loads(r[2]), "negatives": json.loads(r[3]),
                 "threshold": r[4], "calibrated": r[5], "templates": r[6]} for r in rows]

    def insert_album(self, name: str, prompts: list[str], negatives: list[str], threshold: float | None,
                     templates: str, created: float) -> int:
        with self.write() as c:
            return c.execute("INSERT INTO albums(name, prompts, negatives, threshold, templates, created) "
                             "VALUES(?, ?, ?, ?, ?, ?)", (name, json.dumps(prompts), json.dumps(negatives),
                                                          threshold, templates, created)).lastrowid

    def update_album(self, album_id: int, prompts: list[str], negatives: list[str], threshold: float | None) -> None:
        with self.write() as c:
            c.execute("UPDATE albums SET prompts=?, negatives=?, threshold=? WHERE id=?",
                      (json.dumps(prompts), json.dumps(negatives), threshold, album_id))

    def delete_album(self, album_id: int) -> None:
        with self.write() as c:
            c.execute("DELETE FROM albums WHERE id=?", (album_id,))

    def set_album_members(self, album_id: int, members: list[tuple[int, float]], calibrated: float | None) -> None:
        """Replace all of an album's members (a full retag) in one transaction."""
        with self.write() as c:
            c.execute("UPDATE albums SET calibrated=? WHERE id=?", (calibrated, album_id))
            c.execute("DELETE FROM album_members WHERE album_id=?", (album_id,))
            c.executemany("INSERT INTO album_members(album_id, photo_id, score) VALUES(?, ?, ?)",
                          [(album_id, i, s) for i, s in members])

    def retag_photos(self, decisions: list[tuple[int, list[int], list[tuple[int, float]]]]) -> None:
        """For each (album id, photo ids decided, members among them): rewrite those photos' tags."""
        with self.write() as c:
            for album_id, ids, members in decisions:
                c.executemany("DELETE FROM album_members WHERE album_id=? AND photo_id=?",
                              [(album_id, int(i)) for i in ids])
                c.executemany("INSERT INTO album_members(album_id, photo_id, score) VALUES(?, ?, ?)",
                              [(album_id, i, s) for i, s in members])

    def feedback(self, album_id: int) -> dict[int, bool]:
        return {r[0]: bool(r[1]) for r in
                self._rows("SELECT photo_id, belongs FROM album_feedback WHERE album_id=?", (album_id,))}

    def set_feedback(self, album_id: int, photo_id: int, belongs: bool) -> None:
        with self.write() as c:
            c.execute("INSERT OR REPLACE INTO album_feedback(album_id, photo_id, belongs) VALUES(?, ?, ?)",
                      (album_id, photo_id, int(belongs)))

    def album_counts(self) -> dict[int, int]:
        """Visible members per album id, in one pass."""
        return {r[0]: r[1] for r in self._rows(
            f"SELECT m.album_id, count(*) FROM album_members m JOIN photos p ON p.id=m.photo_id "
            f"WHERE {VISIBLE} GROUP BY m.album_id")}

    def album_members(self, album_id: int) -> list[tuple[int, str, float]]:
        """(photo id, path, score) of the album's visible members, best first."""
        return [(r[0], from_db(r[1]), r[2]) for r in self._rows(
            f"SELECT p.id, p.path, m.score FROM album_members m JOIN photos p ON p.id=m.photo_id "
            f"WHERE m.album_id=? AND {VISIBLE} ORDER BY m.score DESC, p.path", (album_id,))]

    def albums_of(self, photo_id: int) -> list[tuple[str, float]]:
        return [(r[0], r[1]) for r in self._rows(
            "SELECT a.name, m.score FROM album_members m JOIN albums a ON a.id=m.album_id WHERE m.photo_id=? "
            "ORDER BY a.name", (photo_id,))]

    def cached_texts(self, model: str, templates: str, prompts: Iterable[str]) -> dict[str, np.ndarray]:
        out = {}
        for p in dict.fromkeys(prompts):
            blob = self._one("SELECT vec FROM text_cache WHERE model=? AND templates=? AND prompt=?",
                             (model, templates, p))
            if blob is not None:
                out[p] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_texts(self, model: str, templates: str, vectors: dict[str, np.ndarray]) -> None:
        with self.write() as c:
            c.executemany("INSERT OR REPLACE INTO text_cache(model, templates, prompt, vec) VALUES(?, ?, ?, ?)",
                          [(model, templates, p, v.astype(np.float32).tobytes()) for p, v in vectors.items()])

    # -- search filters ---------------------------------------------------------------------------
    def filtered(self, q) -> list[tuple[int, str, str | None]]:
        """(id, path, date taken) of the visible photos that a query's filters keep (query.Query), newest
        first.  The date is EXIF's, else the file's modification time, as ISO 8601."""
        where, args = [VISIBLE, "p.hash IS NOT NULL"], []
        if q.after:
            where.append(f"{TAKEN} >= ?")
            args.append(q.after)
        if q.before:
            where.append(f"{TAKEN} < ?")
            args.append(q.before)
        if q.folders:
            where.append("(" + " OR ".join([UNDER] * len(q.folders)) + ")")
            for folder in q.folders:
                args += under_args(to_db(folder))
        member = "p.id {} (SELECT m.photo_id FROM album_members m JOIN albums a ON a.id=m.album_id WHERE a.name=?)"
        for name in q.albums:
            where.append(member.format("IN"))
            args.append(name)
        for name in q.not_albums:
            where.append(member.format("NOT IN"))
            args.append(name)
        if q.extensions:
            where.append("(" + " OR ".join(["lower(p.path) LIKE ?"] * len(q.extensions)) + ")")
            args += [f"%{ext}" for ext in q.extensions]
        for camera in q.cameras:
            where.append("p.camera LIKE ?")
            args.append(f"%{camera}%")
        if q.orientation:
            where.append({"portrait": "p.height > p.width * 1.02", "landscape": "p.width > p.height * 1.02",
                          "square": "abs(p.width - p.height) <= 0.02 * max(p.width, p.height)"}[q.orientation])
        rows = self._rows(f"SELECT p.id, p.path, {TAKEN} FROM photos p WHERE {' AND '.join(where)} "
                          f"ORDER BY {TAKEN} DESC, p.path", args)
        return [(r[0], from_db(r[1]), r[2]) for r in rows]

    # -- duplicates -------------------------------------------------------------------------------
    def duplicate_facts(self, model: str) -> list[tuple]:
        """(id, path, content hash, size, width, height, taken, fingerprint, mtime_ns) of every visible photo that
        has a vector for `model`."""
        rows = self._rows(f"SELECT p.id, p.path, p.hash, p.size, p.width, p.height, {TAKEN}, p.fingerprint, "
                          f"p.mtime_ns "
                          f"FROM photos p JOIN vectors v ON v.photo_id=p.id AND v.model=? WHERE {VISIBLE}",
                          (model,))
        return [(r[0], from_db(r[1]), *r[2:]) for r in rows]

    def photo_facts(self, ids: Iterable[int]) -> dict[int, dict]:
        """What an event says about each photo, whatever its status: path, date taken, failure reason and the
        smart albums it is in (by name)."""
        ids = list(ids)
        facts = {r[0]: {"path": from_db(r[1]), "taken": r[2], "reason": r[3], "albums": []}
                 for r in self._rows_for_ids(f"SELECT p.id, p.path, {TAKEN}, p.reason FROM photos p "
                                             f"WHERE p.id IN ({{ids}})", ids)}
        for r in self._rows_for_ids("SELECT m.photo_id, a.name FROM album_members m JOIN albums a ON "
                                    "a.id=m.album_id WHERE m.photo_id IN ({ids}) ORDER BY a.name", ids):
            facts[r[0]]["albums"].append(r[1])
        return facts

    def taken(self, ids: Iterable[int]) -> dict[int, str | None]:
        """The date each photo was taken (EXIF, else its modification time), ISO 8601."""
        return {r[0]: r[1] for r in self._rows_for_ids(f"SELECT p.id, {TAKEN} FROM photos p WHERE p.id IN ({{ids}})",
                                                        ids)}

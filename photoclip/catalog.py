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
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

from .catalog_albums import AlbumQueries
from .catalog_photos import PhotoQueries
from .catalog_faces import MIGRATION as FACES_MIGRATION
from .catalog_faces import FaceQueries
from .catalog_meta import MIGRATION as META_MIGRATION
from .catalog_meta import MIGRATION_MTIME as META_MTIME_MIGRATION
from .catalog_meta import MetaQueries
from .catalog_places import MIGRATION as PLACES_MIGRATION
from .catalog_places import MIGRATION_NAMES as PLACES_NAMES_MIGRATION
from .catalog_places import PlaceQueries
from .sidecars import MIGRATION as SIDECARS_MIGRATION
from .sidecars import MIGRATION_MADE as SIDECARS_MADE_MIGRATION
from .catalog_text import MIGRATION as TEXT_MIGRATION
from .catalog_text import MIGRATION_SIMPLIFIED as TEXT_SIMPLIFIED_MIGRATION
from .catalog_text import TextQueries, norm_of
from .catalog_video import MIGRATION as VIDEO_MIGRATION
from .catalog_video import VideoQueries
from .fsutil import disk_full, full_disk_message
from .paths import make_private
from .errors import PhotoclipError
from .records import (FAILED, INDEXED, MISSING, PENDING, TAKEN, UNDER, VISIBLE, _PHOTO_COLS,  # noqa: F401
                      Photo, _photo, from_db, to_db, under_args)  # (re-exported: the catalog's words)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 14


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
    # Text in photos (catalog_text.py): what the OCR stage read, its full-text index, albums' text rules.
    4: TEXT_MIGRATION,
    # Faces and people (catalog_faces.py).
    5: FACES_MIGRATION,
    # Places (catalog_places.py).
    6: PLACES_MIGRATION,
    # What other apps wrote: keywords, ratings, labels, titles, captions (catalog_meta.py).
    7: META_MIGRATION,
    # RAW+JPEG pairs: the RAW half points at the photo that shows the pair (catalog_photos.pair_siblings).
    8: "ALTER TABLE photos ADD COLUMN pair_of INTEGER REFERENCES photos(id) ON DELETE SET NULL",
    # Albums given back as sidecar keywords: what photoclip wrote where (sidecars.py).
    9: SIDECARS_MIGRATION,
    # When each sidecar was read: one changed while nothing watched is read again at the next scan.
    10: META_MTIME_MIGRATION,
    # Which sidecars photoclip made itself: only those may be deleted once they hold nothing of photoclip's.
    11: SIDECARS_MADE_MIGRATION,
    # Videos: their length, and the frames sampled at scene changes with their vectors (catalog_video.py).
    12: VIDEO_MIGRATION,
    # Places named again: the gazetteer's Chinese names chosen anew (catalog_places.py).
    13: PLACES_NAMES_MIGRATION,
    # Traditional and simplified Chinese find each other: the text read from photos normalised again.
    14: TEXT_SIMPLIFIED_MIGRATION,
}

def _statements(script: str) -> Iterator[str]:
    """The statements of a migration, one at a time (a trigger's body holds semicolons of its own)."""
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                yield buf
            buf = ""
    if buf.strip(" \n;"):
        yield buf


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


class Catalog(PhotoQueries, AlbumQueries, TextQueries, FaceQueries, PlaceQueries, MetaQueries, VideoQueries):
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
                c = self._connect()
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

    def _connect(self) -> sqlite3.Connection:
        """A new connection in WAL mode.  An open that meets "disk I/O error" (seen under heavy load, while
        another process grew the WAL's shared memory) is tried once more, a moment later."""
        for attempt in (0, 1):
            c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            c.create_function("photoclip_norm", 1, norm_of, deterministic=True)  # for migration 14
            try:
                c.execute("PRAGMA journal_mode=WAL")
                return c
            except sqlite3.OperationalError as e:
                c.close()
                if attempt or "disk I/O error" not in str(e):
                    raise
                time.sleep(0.1)
        raise AssertionError("unreachable")

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
                for stmt in _statements(_MIGRATIONS[v]):
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

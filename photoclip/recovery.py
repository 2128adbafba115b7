"""Keeping the catalog safe: daily rolling backups, and recovery from a damaged catalog file.

A damaged catalog is never replaced silently.  It is moved aside (with its -wal and -shm files), the newest
backup that passes SQLite's own check is restored in its place, and the caller gets one sentence saying
what happened, to tell the user.  Backups are made with SQLite's online backup API (consistent while the
library is in use) by the library service once a day, into `backups/`, keeping the last KEEP days.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

KEEP = 3


def problem(path: Path, thorough: bool = False) -> str | None:
    """Why the catalog file at `path` cannot be trusted, or None (also when it does not exist yet).

    The file is only ever opened through SQLite, never with open(): closing any other descriptor of a database
    file drops every POSIX lock this process holds on it, SQLite's included, and the next connection another
    process closes then believes it is the last one and deletes the write-ahead log under this process's live
    connections ("disk I/O error"; tests/test_recovery.py shows it)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:  # SQLite would open it as a new, empty library
        return "it is empty (0 bytes)"
    try:
        # A normal connection (not read-only): after a crash it replays the write-ahead log as SQLite should.
        con = sqlite3.connect(path, timeout=30)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if thorough:
                verdict = con.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    return f"it is damaged ({verdict})"
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        # Only what SQLite calls damage counts; "locked", "unable to open" and the like are not damage
        # (the normal path reports them), and a catalog is never moved aside for them.
        if isinstance(e, sqlite3.OperationalError) and not _DAMAGE.search(str(e)):
            return None
        if "not a database" in str(e):
            return "it is not an SQLite database"
        return f"it is damaged ({e})"
    return None


_DAMAGE = re.compile(r"malformed|not a database|corrupt|disk image", re.I)


def backup_dir(catalog: Path) -> Path:
    return catalog.parent / "backups"


def backups(catalog: Path) -> list[Path]:
    """Existing backups, newest first."""
    folder = backup_dir(catalog)
    return sorted(folder.glob("catalog-*.sqlite3"), reverse=True) if folder.is_dir() else []


def daily_backup(catalog: Path, today: dt.date | None = None) -> Path | None:
    """Back the catalog up once a day (SQLite's online backup: consistent while in use); keep KEEP days."""
    today = today or dt.date.today()
    folder = backup_dir(catalog)
    target = folder / f"catalog-{today.isoformat()}.sqlite3"
    if target.exists() or not catalog.exists() or problem(catalog):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    src = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, target)
    for old in backups(catalog)[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def recover(catalog: Path, reason: str) -> str:
    """Move the damaged catalog aside and restore the newest good backup; returns one sentence for the user."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = catalog.with_name(f"{catalog.name}.damaged-{stamp}")
    os.replace(catalog, aside)
    for suffix in ("-wal", "-shm"):
        side = catalog.with_name(catalog.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    for candidate in backups(catalog):
        if problem(candidate, thorough=True) is None:
            shutil.copy2(candidate, catalog)
            day = candidate.stem.removeprefix("catalog-")
            return (f"The catalog {catalog} was unusable ({reason}); it was kept as {aside.name} and the backup "
                    f"of {day} was restored, so changes made since then are gone.")
    return (f"The catalog {catalog} was unusable ({reason}); it was kept as {aside.name}, and with no backup "
            "to restore, the library starts empty: add your folders again.")


def rescued_path(catalog: Path) -> Path:
    """Where a running service saves the catalog it still holds open after someone deleted its file."""
    return catalog.with_name(catalog.name + ".rescued")


def rescue(conn: sqlite3.Connection, catalog: Path) -> Path:
    """Copy what `conn` (a connection to a catalog whose file was deleted: it still reads the deleted file) holds
    into rescued_path, with SQLite's backup API; the caller stops, and the next start puts it back."""
    target = rescued_path(catalog)
    tmp = target.with_name(target.name + ".tmp")
    dst = sqlite3.connect(tmp)
    try:
        conn.backup(dst)
    finally:
        dst.close()
    os.replace(tmp, target)
    return target


def restore_missing(catalog: Path) -> str | None:
    """The catalog file is missing: put back the copy a service rescued, else the newest good backup, and say
    so in one sentence.  None when there is nothing to restore (a new library)."""
    if catalog.exists():
        return None
    rescued = rescued_path(catalog)
    for suffix in ("-wal", "-shm"):  # a write-ahead log of the deleted file must never meet the restored one
        side = catalog.with_name(catalog.name + suffix)
        if side.exists() and (rescued.exists() or backups(catalog)):
            os.replace(side, side.with_name(side.name + ".stale"))
    if rescued.exists() and problem(rescued, thorough=True) is None:
        os.replace(rescued, catalog)
        return (f"The catalog {catalog} was deleted while photoclip was running; photoclip had saved what it "
                "held and has put it back.")
    for candidate in backups(catalog):
        if problem(candidate, thorough=True) is None:
            shutil.copy2(candidate, catalog)
            day = candidate.stem.removeprefix("catalog-")
            return (f"The catalog {catalog} was missing; the backup of {day} was restored, so changes made since "
                    "then are gone.")
    return None


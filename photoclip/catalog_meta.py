"""The catalog's record of what other apps wrote about each photo (a mixin of Catalog; xmpmeta.py reads it):
keywords, rating, colour label, title, caption, and which sidecar they came from.  The places stage reads them
with the photo's position, so both are kept per photo's bytes; a change to a sidecar forgets both for its
photo (`forget_facts`) and the stage reads them again."""
from __future__ import annotations

import json
import time
from typing import Iterable

from .records import to_db

# Schema 7: other apps' metadata.
MIGRATION = """
CREATE TABLE photo_meta (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    sidecar TEXT,
    rating INTEGER,
    label TEXT,
    title TEXT,
    caption TEXT,
    keywords TEXT NOT NULL DEFAULT '[]',
    updated REAL NOT NULL
);
CREATE INDEX photo_meta_rating ON photo_meta(rating);
CREATE TABLE photo_keywords (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    PRIMARY KEY (photo_id, key)
);
CREATE INDEX photo_keywords_key ON photo_keywords(key)
"""


def keyword_key(word: str) -> str:
    return " ".join(word.casefold().split())


MIGRATION_MTIME = "ALTER TABLE photo_meta ADD COLUMN sidecar_mtime INTEGER"


class MetaQueries:
    def store_meta(self, c, rows: list[tuple]) -> None:
        """(photo id, xmpmeta.Meta) each, inside the caller's transaction `c`."""
        now = time.time()
        for photo_id, meta in rows:
            c.execute("DELETE FROM photo_keywords WHERE photo_id=?", (photo_id,))
            c.execute("DELETE FROM photo_meta WHERE photo_id=?", (photo_id,))
            if meta is None or (meta.empty and not meta.sidecar):
                continue
            c.execute("INSERT INTO photo_meta(photo_id, sidecar, sidecar_mtime, rating, label, title, caption, "
                      "keywords, motion, updated) SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM photos WHERE id=?",
                      (to_db(meta.sidecar) if meta.sidecar else None, meta.sidecar_mtime, meta.rating, meta.label,
                       meta.title, meta.caption, json.dumps(meta.keywords, ensure_ascii=False), meta.motion, now,
                       photo_id))
            c.executemany("INSERT OR IGNORE INTO photo_keywords(photo_id, key) SELECT id, ? FROM photos WHERE id=?",
                          [(keyword_key(k), photo_id) for k in meta.keywords])

    def meta_of(self, photo_id: int) -> dict | None:
        rows = self._rows("SELECT rating, label, title, caption, keywords, motion FROM photo_meta WHERE photo_id=?",
                          (photo_id,))
        if not rows:
            return None
        r = rows[0]
        return {"rating": r[0], "label": r[1], "title": r[2], "caption": r[3], "keywords": json.loads(r[4]),
                "motion": r[5]}

    def forget_facts(self, ids: Iterable[int]) -> int:
        """A photo's sidecar changed: its metadata and position are read again by the places stage."""
        ids = [(int(i),) for i in ids]
        with self.write() as c:
            c.executemany("DELETE FROM photo_places WHERE photo_id=?", ids)
            c.executemany("DELETE FROM photo_meta WHERE photo_id=?", ids)
            c.executemany("DELETE FROM photo_keywords WHERE photo_id=?", ids)
        return len(ids)

    def ids_for_sidecar(self, sidecar: str) -> list[int]:
        """The photos a sidecar belongs to: NAME.EXT.xmp names one photo, NAME.xmp every NAME.EXT beside it."""
        import os

        from .records import from_db

        base = sidecar[:-4]  # without ".xmp"
        prefix = to_db(base + ".")
        rows = self._rows("SELECT id, path FROM photos WHERE path=? OR substr(path, 1, ?)=?",
                          (to_db(base), len(prefix), prefix))
        out = []
        for photo_id, path in rows:
            rest = from_db(path)[len(base):]
            if rest == "" or (rest.startswith(".") and "." not in rest[1:] and os.sep not in rest):
                out.append(photo_id)
        return out

    def sidecars_changed(self, folder_id: int, seen: dict[str, int]) -> list[int]:
        """Photos of a folder whose sidecar changed while nothing watched: written, replaced or deleted since the
        places stage read it (`seen`: the sidecars a walk of the folder found, path: mtime_ns)."""
        from .records import from_db
        from .xmpmeta import sidecars

        rows = self._rows("SELECT p.id, p.path, m.sidecar, m.sidecar_mtime FROM photos p "
                          "JOIN photo_places g ON g.photo_id=p.id LEFT JOIN photo_meta m ON m.photo_id=p.id "
                          "WHERE p.folder_id=?", (folder_id,))
        changed = []
        for photo_id, path, sidecar, mtime in rows:
            now = next((c for c in sidecars(from_db(path)) if c in seen), None)
            was = from_db(sidecar) if sidecar else None
            if now != was or (now is not None and seen[now] != mtime):
                changed.append(photo_id)
        return changed

    @staticmethod
    def tag_sql(word: str, negated: bool) -> tuple[str, list]:
        op = "NOT IN" if negated else "IN"
        return f"p.id {op} (SELECT k.photo_id FROM photo_keywords k WHERE k.key=?)", [keyword_key(word)]

    @staticmethod
    def rating_sql(low: int, high: int | None) -> tuple[str, list]:
        if high is None:
            return "p.id IN (SELECT m.photo_id FROM photo_meta m WHERE m.rating >= ?)", [low]
        return "p.id IN (SELECT m.photo_id FROM photo_meta m WHERE m.rating BETWEEN ? AND ?)", [low, high]

"""The catalog's text in photos (a mixin of Catalog): what the OCR stage read in each photo, the queue of photos
still to read, and text search.

Per photo: the lines with their boxes and confidence (JSON), the engine and model that read them (a newer one
reads again), the hash of the bytes it read (a changed file is read again; a byte-identical copy takes the
text with its vector) and `norm`, every line normalised (ocr.normalize) and joined with newlines.  An FTS5
table with the trigram tokenizer indexes `norm`: it matches any substring of three characters or more in any
script, Chinese included, without a word list; shorter terms (one- and two-character Chinese words, "42")
fall back to a scan with instr() over `norm`, which at 100,000 photos is a few tens of milliseconds.
"""
from __future__ import annotations

import json
import time
from typing import Iterable

from .records import VISIBLE

# Schema 4: the text stage's table and its full-text index, kept in step by triggers.
MIGRATION = """
CREATE TABLE photo_text (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    hash TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    lines TEXT NOT NULL DEFAULT '[]',
    norm TEXT NOT NULL DEFAULT '',
    updated REAL NOT NULL
);
CREATE INDEX photo_text_state ON photo_text(state);
CREATE VIRTUAL TABLE photo_text_fts USING fts5(norm, content='photo_text', content_rowid='photo_id',
                                                tokenize='trigram');
CREATE TRIGGER photo_text_ai AFTER INSERT ON photo_text BEGIN
    INSERT INTO photo_text_fts(rowid, norm) VALUES (new.photo_id, new.norm);
END;
CREATE TRIGGER photo_text_ad AFTER DELETE ON photo_text BEGIN
    INSERT INTO photo_text_fts(photo_text_fts, rowid, norm) VALUES ('delete', old.photo_id, old.norm);
END;
CREATE TRIGGER photo_text_au AFTER UPDATE ON photo_text BEGIN
    INSERT INTO photo_text_fts(photo_text_fts, rowid, norm) VALUES ('delete', old.photo_id, old.norm);
    INSERT INTO photo_text_fts(rowid, norm) VALUES (new.photo_id, new.norm);
END;
ALTER TABLE albums ADD COLUMN text_any TEXT NOT NULL DEFAULT '[]';
ALTER TABLE photos ADD COLUMN text_look INTEGER
"""

# Schema 14: traditional and simplified Chinese find each other (textnorm.simplified), so the stored text is
# normalised again (photoclip_norm: norm_of, registered on every connection); the update trigger re-indexes it.
MIGRATION_SIMPLIFIED = "UPDATE photo_text SET norm = photoclip_norm(lines) WHERE norm <> photoclip_norm(lines)"

READ, SKIPPED, FAILED = "read", "skipped", "failed"


def norm_of(lines: str | list) -> str:
    """`norm` of recognised lines (a list of {"text", ...}, or its JSON): each normalised, joined with newlines."""
    from .textnorm import normalize

    if isinstance(lines, str):
        lines = json.loads(lines or "[]")
    return "\n".join(normalize(d["text"]) for d in lines)
# Photos whose text is still to be read with `engine`: indexed, online, and never read by it from these bytes.
_TODO = (f"FROM photos p LEFT JOIN photo_text t ON t.photo_id=p.id WHERE {VISIBLE} AND p.status='indexed' "
         "AND (t.photo_id IS NULL OR t.engine<>? OR t.hash IS NOT p.hash)")


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class TextQueries:
    def text_todo(self, engine: str, limit: int = 50) -> list[tuple[int, str, str | None, int | None]]:
        """(id, path, hash, text_look) of photos to read next, newest additions first.  text_look: the text-like
        lines the indexer's first look saw (0: none, so nothing to read), None when it did not look."""
        from .records import from_db

        rows = self._rows(f"SELECT p.id, p.path, p.hash, p.text_look {_TODO} ORDER BY p.id DESC LIMIT ?",
                          (engine, limit))
        return [(r[0], from_db(r[1]), r[2], r[3]) for r in rows]

    def store_skipped(self, rows: list[tuple[int, str | None]], engine: str, reason: str) -> None:
        """Many photos at once that the first look found without text: (id, hash) each, one transaction."""
        now = time.time()
        with self.write() as c:
            ids = [i for i, _ in rows]
            c.executemany("DELETE FROM photo_text WHERE photo_id=?", [(i,) for i in ids])
            c.executemany("INSERT INTO photo_text(photo_id, engine, hash, state, reason, updated) "
                          "SELECT id, ?, ?, ?, ?, ? FROM photos WHERE id=?",
                          [(engine, h, SKIPPED, reason, now, i) for i, h in rows])

    def text_pending(self, engine: str) -> int:
        return self._one(f"SELECT count(*) {_TODO}", (engine,))

    def text_counts(self, engine: str) -> dict[str, int]:
        """{"pending", "done", "with_text", "skipped", "failed"} for the visible photos."""
        pending = self.text_pending(engine)
        rows = dict(self._rows(
            f"SELECT t.state, count(*) FROM photo_text t JOIN photos p ON p.id=t.photo_id WHERE {VISIBLE} "
            "AND p.status='indexed' AND t.engine=? AND t.hash IS p.hash GROUP BY t.state", (engine,)))
        with_text = self._one(
            f"SELECT count(*) FROM photo_text t JOIN photos p ON p.id=t.photo_id WHERE {VISIBLE} "
            "AND p.status='indexed' AND t.state='read' AND t.norm<>'' AND t.engine=? AND t.hash IS p.hash",
            (engine,))
        return {"pending": pending, "done": rows.get(READ, 0), "with_text": with_text,
                "skipped": rows.get(SKIPPED, 0), "failed": rows.get(FAILED, 0)}

    def store_text(self, photo_id: int, engine: str, hash_: str | None, state: str, lines: list[dict] | None = None,
                   reason: str | None = None) -> None:
        lines = lines or []
        norm = norm_of(lines)
        with self.write() as c:
            if c.execute("SELECT 1 FROM photos WHERE id=?", (photo_id,)).fetchone() is None:
                return  # removed while it was being read
            # DELETE, then INSERT: a REPLACE would not fire the delete trigger that keeps the FTS index in step
            # (SQLite fires it only with recursive_triggers on), and the old text would still be found.
            c.execute("DELETE FROM photo_text WHERE photo_id=?", (photo_id,))
            c.execute("INSERT INTO photo_text(photo_id, engine, hash, state, reason, lines, norm, updated) "
                      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                      (photo_id, engine, hash_, state, reason, json.dumps(lines, ensure_ascii=False), norm, time.time()))

    def copy_text(self, from_id: int, to_id: int) -> None:
        """A byte-identical copy reads the same: it takes the original's text (if read) with its vector."""
        with self.write() as c:
            if c.execute("SELECT 1 FROM photo_text WHERE photo_id=?", (from_id,)).fetchone() is None:
                return
            c.execute("DELETE FROM photo_text WHERE photo_id=?", (to_id,))  # not REPLACE: see store_text
            c.execute("INSERT INTO photo_text(photo_id, engine, hash, state, reason, lines, norm, updated) "
                      "SELECT ?, engine, hash, state, reason, lines, norm, updated FROM photo_text WHERE photo_id=?",
                      (to_id, from_id))

    def text_of(self, photo_id: int) -> dict | None:
        """{"engine", "state", "reason", "lines"} of one photo, or None when it was never read."""
        rows = self._rows("SELECT engine, state, reason, lines, hash FROM photo_text WHERE photo_id=?", (photo_id,))
        row = rows[0] if rows else None
        if row is None:
            return None
        return {"engine": row[0], "state": row[1], "reason": row[2], "lines": json.loads(row[3]), "hash": row[4]}

    def text_lines(self, ids: Iterable[int]) -> dict[int, list[str]]:
        """Each photo's recognised lines as read (photos never read, or read without text, are absent)."""
        rows = self._rows_for_ids("SELECT photo_id, lines FROM photo_text WHERE norm<>'' AND photo_id IN ({ids})", ids)
        return {r[0]: [d["text"] for d in json.loads(r[1])] for r in rows}

    def delete_all_text(self) -> int:
        """Forget every photo's text (the user turned reading text off)."""
        with self.write() as c:
            n = c.execute("SELECT count(*) FROM photo_text").fetchone()[0]
            c.execute("DELETE FROM photo_text")
            c.execute("INSERT INTO photo_text_fts(photo_text_fts) VALUES ('rebuild')")
            return n

    def text_contains(self, term: str) -> set[int]:
        """Ids of photos whose normalised text contains `term` (already normalised), any script."""
        if not term.strip():
            return set()
        sub, arg = _matching(term)
        return {r[0] for r in self._rows(sub, (arg,))}

    def text_sql(self, term: str, negated: bool = False) -> tuple[str, list]:
        """A WHERE clause over `p` (the photos table) for "its text contains `term`" (or not)."""
        sub, arg = _matching(term)
        return f"p.id {'NOT IN' if negated else 'IN'} ({sub})", [arg]


def _matching(term: str) -> tuple[str, str]:
    """The query of the ids of photos whose text contains `term`, and its one argument: the trigram index for
    three characters or more, a scan of the normalised text below that (the index needs three)."""
    term = term.strip()
    if len(term) >= 3:
        return "SELECT rowid FROM photo_text_fts WHERE photo_text_fts MATCH ?", _fts_phrase(term)
    return "SELECT photo_id FROM photo_text WHERE instr(norm, ?) > 0", term

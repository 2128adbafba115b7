"""The catalog's questions and changes about albums and their cached text embeddings, search filters and
duplicate facts (a mixin of Catalog: it runs on Catalog's connections and transactions)."""
from __future__ import annotations

import json
from typing import Iterable

import numpy as np

from .records import TAKEN, UNDER, VISIBLE, from_db, to_db, under_args


class AlbumQueries:
    # -- albums -----------------------------------------------------------------------------------
    def album_rows(self, name: str | None = None) -> list[dict]:
        rows = self._rows("SELECT id, name, prompts, negatives, threshold, calibrated, templates, text_any, people_all "
                          "FROM albums "
                          + ("WHERE name=? " if name is not None else "") + "ORDER BY name",
                          (name,) if name is not None else ())
        return [{"id": r[0], "name": r[1], "prompts": json.loads(r[2]), "negatives": json.loads(r[3]),
                 "threshold": r[4], "calibrated": r[5], "templates": r[6], "text_any": json.loads(r[7]),
                 "people_all": json.loads(r[8])}
                for r in rows]

    def insert_album(self, name: str, prompts: list[str], negatives: list[str], threshold: float | None,
                     templates: str, created: float, text_any: list[str] = (), people_all: list[int] = ()) -> int:
        with self.write() as c:
            return c.execute("INSERT INTO albums(name, prompts, negatives, threshold, templates, created, text_any, "
                             "people_all) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                             (name, json.dumps(prompts), json.dumps(negatives), threshold, templates, created,
                              json.dumps(list(text_any), ensure_ascii=False), json.dumps(list(people_all)))).lastrowid

    def update_album(self, album_id: int, prompts: list[str], negatives: list[str], threshold: float | None,
                     text_any: list[str] = (), people_all: list[int] = ()) -> None:
        with self.write() as c:
            c.execute("UPDATE albums SET prompts=?, negatives=?, threshold=?, text_any=?, people_all=? WHERE id=?",
                      (json.dumps(prompts), json.dumps(negatives), threshold,
                       json.dumps(list(text_any), ensure_ascii=False), json.dumps(list(people_all)), album_id))

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
        if q.extensions:  # the file's own type, or a RAW in the pair it shows (type:raw finds RAW+JPEG pairs)
            from .rawimage import RAW_EXTENSIONS

            raws = [ext for ext in q.extensions if ext in RAW_EXTENSIONS]
            where.append("(" + " OR ".join(["lower(p.path) LIKE ?"] * len(q.extensions)) + (
                " OR EXISTS (SELECT 1 FROM photos c WHERE c.pair_of=p.id AND (" +
                " OR ".join(["lower(c.path) LIKE ?"] * len(raws)) + "))" if raws else "") + ")")
            args += [f"%{ext}" for ext in q.extensions] + [f"%{ext}" for ext in raws]
        if q.live:  # a still with a Live Photo's movie paired to it, or a Motion Photo's inside
            from .catalog_video import LIVE_IDS

            where.append(f"p.id IN ({LIVE_IDS})")
        for camera in q.cameras:
            where.append("p.camera LIKE ?")
            args.append(f"%{camera}%")
        if q.orientation:
            where.append({"portrait": "p.height > p.width * 1.02", "landscape": "p.width > p.height * 1.02",
                          "square": "abs(p.width - p.height) <= 0.02 * max(p.width, p.height)"}[q.orientation])
        for pid, negated in [(i, False) for i in q.person_ids] + [(i, True) for i in q.not_person_ids]:
            clause, more = self.person_sql(pid, negated)
            where.append(clause)
            args += more
        if q.faces is not None:
            clause, more = self.face_count_sql(*q.faces)
            where.append(clause)
            args += more
        for clause, more in self.place_clauses(q):
            where.append(clause)
            args += more
        for term, negated in [(t, False) for t in q.texts] + [(t, True) for t in q.not_texts]:
            clause, more = self.text_sql(term, negated)
            where.append(clause)
            args += more
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
        """What an event says about each photo, whatever its status: path, date taken, failure reason, the
        smart albums it is in (by name), and a video's length."""
        ids = list(ids)
        facts = {r[0]: {"path": from_db(r[1]), "taken": r[2], "reason": r[3], "albums": [], "duration": r[4]}
                 for r in self._rows_for_ids(f"SELECT p.id, p.path, {TAKEN}, p.reason, p.duration FROM photos p "
                                             f"WHERE p.id IN ({{ids}})", ids)}
        for r in self._rows_for_ids("SELECT m.photo_id, a.name FROM album_members m JOIN albums a ON "
                                    "a.id=m.album_id WHERE m.photo_id IN ({ids}) ORDER BY a.name", ids):
            facts[r[0]]["albums"].append(r[1])
        return facts

    def taken(self, ids: Iterable[int]) -> dict[int, str | None]:
        """The date each photo was taken (EXIF, else its modification time), ISO 8601."""
        return {r[0]: r[1] for r in self._rows_for_ids(f"SELECT p.id, {TAKEN} FROM photos p WHERE p.id IN ({{ids}})",
                                                        ids)}

"""The catalog's faces and people (a mixin of Catalog): the faces the faces stage found in each photo, the people
they are grouped into, and what the user said about them.

A face: its photo, box and five landmarks (fractions of the upright photo), its 128-number descriptor, its
quality, its person (NULL: unsorted), `confirmed` (the user said who it is: no automatic pass moves it) and
`not_face` (the user said it is no face: it belongs to no one and is never shown again).  `face_rejections`
remembers "not this person": the face never joins that person again.  A person: an optional name (unique,
any case), `hidden`.  `photo_faces` records which engine looked at which bytes of each photo, like photo_text.
"""
from __future__ import annotations

import json
import time
from typing import Iterable

import numpy as np

from .records import VISIBLE, from_db

# Schema 5: faces and people.
MIGRATION = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE COLLATE NOCASE,
    hidden INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE faces (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    box TEXT NOT NULL,
    landmarks TEXT NOT NULL,
    descriptor BLOB NOT NULL,
    quality REAL NOT NULL,
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    not_face INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX faces_photo ON faces(photo_id);
CREATE INDEX faces_person ON faces(person_id);
CREATE TABLE face_rejections (
    face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (face_id, person_id)
);
CREATE TABLE photo_faces (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    hash TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    updated REAL NOT NULL
);
CREATE INDEX photo_faces_state ON photo_faces(state);
ALTER TABLE albums ADD COLUMN people_all TEXT NOT NULL DEFAULT '[]'
"""

LOOKED, FAILED = "looked", "failed"
_TODO = (f"FROM photos p LEFT JOIN photo_faces s ON s.photo_id=p.id WHERE {VISIBLE} AND p.status='indexed' "
         "AND (s.photo_id IS NULL OR s.engine<>? OR s.hash IS NOT p.hash)")
_FACE = "f.not_face=0"
_PERSON_ROW = ("SELECT pe.id, pe.name, pe.hidden, count(f.id), count(DISTINCT f.photo_id), "
               "(SELECT f2.id FROM faces f2 WHERE f2.person_id=pe.id AND f2.not_face=0 "
               " ORDER BY f2.confirmed DESC, f2.quality DESC, f2.id LIMIT 1) "
               "FROM people pe LEFT JOIN faces f ON f.person_id=pe.id AND f.not_face=0 ")


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _person(r) -> dict:
    return {"id": r[0], "name": r[1], "hidden": bool(r[2]), "faces": r[3], "photos": r[4], "cover": r[5]}


class FaceQueries:
    # -- the faces stage ----------------------------------------------------------------------------
    def faces_todo(self, engine: str, limit: int = 50) -> list[tuple[int, str, str | None]]:
        """(id, path, hash) of photos whose faces are still to be found by `engine`, newest additions first."""
        rows = self._rows(f"SELECT p.id, p.path, p.hash {_TODO} ORDER BY p.id DESC LIMIT ?", (engine, limit))
        return [(r[0], from_db(r[1]), r[2]) for r in rows]

    def faces_pending(self, engine: str) -> int:
        return self._one(f"SELECT count(*) {_TODO}", (engine,))

    def face_counts(self, engine: str) -> dict:
        """{"pending", "done", "with_faces", "failed", "faces", "people", "unsorted"} (visible photos only)."""
        done, failed = self._rows(
            f"SELECT count(*) FILTER (WHERE s.state=?), count(*) FILTER (WHERE s.state=?) FROM photos p "
            f"JOIN photo_faces s ON s.photo_id=p.id WHERE {VISIBLE} AND s.engine=? AND s.hash IS p.hash",
            (LOOKED, FAILED, engine))[0]
        faces, with_faces, unsorted = self._rows(
            f"SELECT count(f.id), count(DISTINCT f.photo_id), count(f.id) FILTER (WHERE f.person_id IS NULL) "
            f"FROM faces f JOIN photos p ON p.id=f.photo_id WHERE {VISIBLE} AND {_FACE}")[0]
        people = self._one("SELECT count(*) FROM people WHERE hidden=0 AND EXISTS "
                           "(SELECT 1 FROM faces f WHERE f.person_id=people.id AND f.not_face=0)")
        return {"pending": self.faces_pending(engine), "done": done, "with_faces": with_faces, "failed": failed,
                "faces": faces, "people": people, "unsorted": unsorted}

    def store_faces(self, photo_id: int, engine: str, hash_: str | None, faces: list | None = None,
                    reason: str | None = None) -> list[int]:
        """The faces `engine` found in a photo's bytes `hash_` (faces.Face each), replacing what was found before;
        `reason`: it could not be looked at.  A face found again where one was before (boxes overlapping by
        half) keeps what the user said about it: its person, confirmation, rejections, "not a face".  Returns
        the new faces' ids, in order."""
        now = time.time()
        with self.write() as c:
            old = c.execute("SELECT id, box, person_id, confirmed, not_face FROM faces WHERE photo_id=?",
                            (photo_id,)).fetchall()
            c.execute("DELETE FROM photo_faces WHERE photo_id=?", (photo_id,))
            if c.execute("SELECT 1 FROM photos WHERE id=?", (photo_id,)).fetchone() is None:
                return []  # the photo went meanwhile
            c.execute("INSERT INTO photo_faces(photo_id, engine, hash, state, reason, updated) VALUES (?,?,?,?,?,?)",
                      (photo_id, engine, hash_, FAILED if reason else LOOKED, reason, now))
            ids, free = [], list(old)
            for face in faces or []:
                match = max(free, key=lambda o: _iou(json.loads(o[1]), face.box), default=None)
                keep = match if match is not None and _iou(json.loads(match[1]), face.box) >= 0.5 else None
                cur = c.execute(
                    "INSERT INTO faces(photo_id, box, landmarks, descriptor, quality, person_id, confirmed, not_face) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (photo_id, json.dumps([round(v, 5) for v in face.box]),
                     json.dumps([[round(x, 5), round(y, 5)] for x, y in face.landmarks]),
                     np.asarray(face.descriptor, dtype=np.float32).tobytes(), float(face.quality),
                     keep[2] if keep else None, keep[3] if keep else 0, keep[4] if keep else 0))
                ids.append(cur.lastrowid)
                if keep:
                    c.execute("INSERT OR IGNORE INTO face_rejections(face_id, person_id) SELECT ?, person_id "
                              "FROM face_rejections WHERE face_id=?", (cur.lastrowid, keep[0]))
                    free.remove(keep)
            c.executemany("DELETE FROM faces WHERE id=?", [(o[0],) for o in old])
            return ids

    def delete_all_faces(self) -> int:
        """Forget every face and person (the user turned finding faces off)."""
        with self.write() as c:
            n = c.execute("SELECT count(*) FROM faces").fetchone()[0]
            for table in ("face_rejections", "faces", "photo_faces", "people"):
                c.execute(f"DELETE FROM {table}")
            c.execute("UPDATE albums SET people_all='[]'")
            return n

    def face_ids(self) -> list[int]:
        return [r[0] for r in self._rows("SELECT id FROM faces")]

    # -- descriptors ----------------------------------------------------------------------------------
    def face_descriptors(self, ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, descriptors) of faces (every real face when `ids` is None)."""
        if ids is None:
            rows = self._rows(f"SELECT f.id, f.descriptor FROM faces f WHERE {_FACE} ORDER BY f.id")
        else:
            rows = self._rows_for_ids(f"SELECT f.id, f.descriptor FROM faces f WHERE {_FACE} AND f.id IN ({{ids}})",
                                      ids)
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 128), dtype=np.float32)
        return (np.array([r[0] for r in rows], dtype=np.int64),
                np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows]))

    def unsorted_faces(self, limit: int) -> list[int]:
        """Ids of real faces that belong to no one, newest first."""
        return [r[0] for r in self._rows(f"SELECT f.id FROM faces f WHERE {_FACE} AND f.person_id IS NULL "
                                         "ORDER BY f.id DESC LIMIT ?", (limit,))]

    def face_people(self, ids: Iterable[int]) -> dict[int, int | None]:
        """{face id: its person's id or None} for the real faces among `ids`."""
        return {r[0]: r[1] for r in self._rows_for_ids(
            f"SELECT f.id, f.person_id FROM faces f WHERE {_FACE} AND f.id IN ({{ids}})", ids)}

    def people_in_photos(self, photo_ids: Iterable[int]) -> dict[int, set[int]]:
        """{photo id: the people already placed in it}."""
        out: dict[int, set[int]] = {}
        for r in self._rows_for_ids(f"SELECT f.photo_id, f.person_id FROM faces f WHERE {_FACE} AND "
                                    "f.person_id IS NOT NULL AND f.photo_id IN ({ids})", photo_ids):
            out.setdefault(r[0], set()).add(r[1])
        return out

    def rejections(self, ids: Iterable[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for r in self._rows_for_ids("SELECT face_id, person_id FROM face_rejections WHERE face_id IN ({ids})", ids):
            out.setdefault(r[0], set()).add(r[1])
        return out

    # -- people ---------------------------------------------------------------------------------------
    def people(self, include_hidden: bool = False) -> list[dict]:
        """Every person with faces (named ones first, then by photo count): {"id", "name", "hidden", "faces",
        "photos", "cover"} (cover: the id of the face that shows them)."""
        rows = self._rows(_PERSON_ROW + ("" if include_hidden else "WHERE pe.hidden=0 ") +
                          "GROUP BY pe.id HAVING count(f.id) > 0 "
                          "ORDER BY pe.name IS NULL, count(DISTINCT f.photo_id) DESC, pe.name, pe.id")
        return [_person(r) for r in rows]

    def person(self, person_id: int) -> dict | None:
        rows = self._rows(_PERSON_ROW + "WHERE pe.id=? GROUP BY pe.id", (person_id,))
        return _person(rows[0]) if rows else None

    def person_named(self, name: str) -> int | None:
        return self._one("SELECT id FROM people WHERE name=?", (name.strip(),))

    def new_person(self, name: str | None = None) -> int:
        with self.write() as c:
            return c.execute("INSERT INTO people(name, created) VALUES (?, ?)", (name, time.time())).lastrowid

    def set_person_name(self, person_id: int, name: str | None) -> None:
        with self.write() as c:
            c.execute("UPDATE people SET name=? WHERE id=?", (name, person_id))

    def set_person_hidden(self, person_id: int, hidden: bool) -> None:
        with self.write() as c:
            c.execute("UPDATE people SET hidden=? WHERE id=?", (int(hidden), person_id))

    def assign_faces(self, face_ids: Iterable[int], person_id: int | None, confirmed: bool = False) -> None:
        with self.write() as c:
            c.executemany("UPDATE faces SET person_id=?, confirmed=? WHERE id=?",
                          [(person_id, int(confirmed), int(f)) for f in face_ids])

    def merge_people(self, into: int, other: int) -> None:
        """Every face of `other` becomes `into`'s (keeping confirmations); `other`'s rejections follow."""
        with self.write() as c:
            c.execute("UPDATE faces SET person_id=? WHERE person_id=?", (into, other))
            c.execute("INSERT OR IGNORE INTO face_rejections(face_id, person_id) SELECT face_id, ? "
                      "FROM face_rejections WHERE person_id=?", (into, other))
            c.execute("DELETE FROM people WHERE id=?", (other,))
            for album_id, rule in c.execute("SELECT id, people_all FROM albums WHERE people_all<>'[]'").fetchall():
                ids = [into if i == other else i for i in json.loads(rule)]
                c.execute("UPDATE albums SET people_all=? WHERE id=?", (json.dumps(sorted(set(ids))), album_id))

    def reject_face(self, face_id: int) -> int | None:
        """"Not this person": the face leaves its person for good (unsorted, never to rejoin them)."""
        with self.write() as c:
            row = c.execute("SELECT person_id FROM faces WHERE id=?", (face_id,)).fetchone()
            if row is None or row[0] is None:
                return None
            c.execute("INSERT OR IGNORE INTO face_rejections(face_id, person_id) VALUES (?, ?)", (face_id, row[0]))
            c.execute("UPDATE faces SET person_id=NULL, confirmed=0 WHERE id=?", (face_id,))
            return row[0]

    def set_not_face(self, face_id: int) -> None:
        with self.write() as c:
            c.execute("UPDATE faces SET not_face=1, person_id=NULL, confirmed=0 WHERE id=?", (face_id,))

    def drop_empty_people(self) -> int:
        """Unnamed people left without faces (their faces were moved away or deleted) go."""
        with self.write() as c:
            return c.execute("DELETE FROM people WHERE name IS NULL AND NOT EXISTS "
                             "(SELECT 1 FROM faces f WHERE f.person_id=people.id AND f.not_face=0)").rowcount

    # -- what photos show ------------------------------------------------------------------------------
    def faces_in(self, photo_id: int) -> list[dict]:
        """The real faces of one photo: {"id", "box", "landmarks", "quality", "person", "name", "confirmed"}."""
        rows = self._rows("SELECT f.id, f.box, f.landmarks, f.quality, f.person_id, pe.name, f.confirmed "
                          "FROM faces f LEFT JOIN people pe ON pe.id=f.person_id "
                          f"WHERE f.photo_id=? AND {_FACE} ORDER BY f.id", (photo_id,))
        return [{"id": r[0], "box": json.loads(r[1]), "landmarks": json.loads(r[2]), "quality": round(r[3], 3),
                 "person": r[4], "name": r[5], "confirmed": bool(r[6])} for r in rows]

    def face_facts(self, face_ids: Iterable[int]) -> dict[int, dict]:
        """{face id: {"photo", "path", "box", "person", "name"}}."""
        rows = self._rows_for_ids("SELECT f.id, f.photo_id, p.path, f.box, f.person_id, pe.name FROM faces f "
                                  "JOIN photos p ON p.id=f.photo_id LEFT JOIN people pe ON pe.id=f.person_id "
                                  "WHERE f.id IN ({ids})", face_ids)
        return {r[0]: {"photo": r[1], "path": from_db(r[2]), "box": json.loads(r[3]), "person": r[4],
                       "name": r[5]} for r in rows}

    def person_sql(self, person_id: int, negated: bool) -> tuple[str, list]:
        op = "NOT IN" if negated else "IN"
        return f"p.id {op} (SELECT f.photo_id FROM faces f WHERE f.person_id=? AND {_FACE})", [person_id]

    @staticmethod
    def face_count_sql(low: int, high: int | None) -> tuple[str, list]:
        """Photos with `low` to `high` faces (no upper bound: None), among those whose faces were looked for
        (a photo not looked at yet is not "a photo with no one in it")."""
        count = f"(SELECT count(*) FROM faces f WHERE f.photo_id=p.id AND {_FACE})"
        looked = f"EXISTS (SELECT 1 FROM photo_faces s WHERE s.photo_id=p.id AND s.state='{LOOKED}')"
        if high is None:
            return f"{looked} AND {count} >= ?", [low]
        return f"{looked} AND {count} BETWEEN ? AND ?", [low, high]

    def face_state(self, photo_id: int) -> dict | None:
        """What the faces stage last did with a photo: {"engine", "hash", "state", "reason"}, or None."""
        rows = self._rows("SELECT engine, hash, state, reason FROM photo_faces WHERE photo_id=?", (photo_id,))
        return {"engine": rows[0][0], "hash": rows[0][1], "state": rows[0][2], "reason": rows[0][3]} if rows else None

    def photos_with_people(self, person_ids: list[int], photo_ids: Iterable[int] | None = None) -> set[int]:
        """Photos in which every one of `person_ids` appears (among `photo_ids` when given)."""
        if not person_ids:
            return set()
        sql = (f"SELECT f.photo_id FROM faces f WHERE {_FACE} AND f.person_id IN "
               f"({','.join('?' * len(person_ids))}) GROUP BY f.photo_id "
               f"HAVING count(DISTINCT f.person_id)=?")
        found = {r[0] for r in self._rows(sql, [*person_ids, len(set(person_ids))])}
        return found if photo_ids is None else found & set(photo_ids)

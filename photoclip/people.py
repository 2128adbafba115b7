"""People: faces grouped by who they are, incrementally, and what the user says about them (always final).

A new face joins the person of its nearest known face when that face is clearly close (JOIN_DISTANCE, stricter
than the 0.6 at which dlib's descriptor calls two faces one person) and the user never said "not this person"
for it; otherwise it waits, unsorted, for the next clustering pass.  A pass (run by the faces stage when it has
nothing else to do, bounded to CLUSTER_LIMIT faces) first retries the unsorted faces against the people that
exist now, then groups the rest with Chinese whispers (dlib's, over the descriptors, at CLUSTER_DISTANCE); a
group seen in at least two photos becomes a new, unnamed person.  Passes only ever place unsorted faces: they
never move a face that has a person, so they can neither merge two people nor undo what the user confirmed.

The face index (hnswlib, like the photos') holds every real face's descriptor, so the nearest-face lookup
stays fast at 100,000 faces; it is derived data (rebuilt from the catalog when its file does not match).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from .errors import PhotoclipError
from .fsutil import atomic_write_bytes

log = logging.getLogger(__name__)

JOIN_DISTANCE = 0.5
CLUSTER_DISTANCE = 0.5
CLUSTER_LIMIT = 4000  # unsorted faces per clustering pass (the newest)
NEIGHBOURS = 12
DIM = 128


class PeopleError(PhotoclipError):
    """str(e) is one sentence for the user; a usage error."""
    usage = True


class FaceIndex:
    """An hnswlib index of face descriptors (labels: face ids), saved beside the photo index."""

    def __init__(self, folder: Path, catalog):
        self.path = Path(folder) / "faces.hnsw"
        self.meta_path = Path(folder) / "faces.json"
        self.catalog = catalog
        self._index = None
        self._lock = threading.Lock()
        self._dirty = False

    def _stamp(self) -> tuple[int, int]:
        """(real faces, the highest face id): what the saved index must match to be used."""
        return (self.catalog._one("SELECT count(*) FROM faces WHERE not_face=0"),
                self.catalog._one("SELECT max(id) FROM faces") or 0)

    def _fresh(self, capacity: int):
        import hnswlib

        index = hnswlib.Index(space="l2", dim=DIM)
        index.init_index(max_elements=max(1024, capacity), ef_construction=100, M=16, allow_replace_deleted=False)
        index.set_ef(64)
        return index

    def _ready(self):
        if self._index is not None:
            return self._index
        count, top = self._stamp()
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("count") == count and meta.get("top") == top and self.path.exists():
                import hnswlib

                index = hnswlib.Index(space="l2", dim=DIM)
                index.load_index(str(self.path), max_elements=max(1024, meta.get("capacity", count)))
                index.set_ef(64)
                self._index = index
                return index
        except (OSError, ValueError, RuntimeError):
            pass
        ids, vecs = self.catalog.face_descriptors()
        index = self._fresh(len(ids) * 2)
        if len(ids):
            index.add_items(vecs, ids)
        self._index = index
        self._dirty = True
        return index

    def add(self, ids, vecs) -> None:
        with self._lock:
            index = self._ready()
            need = index.get_current_count() + len(ids)
            if need > index.get_max_elements():
                index.resize_index(max(need, index.get_max_elements() * 2))
            if len(ids):
                index.add_items(np.asarray(vecs, dtype=np.float32), np.asarray(ids, dtype=np.int64))
                self._dirty = True

    def nearest(self, vecs, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
        """(face ids, distances) of the k nearest faces to each of `vecs` (fewer when the index holds fewer)."""
        with self._lock:
            index = self._ready()
            n = index.get_current_count()
            if n == 0:
                return np.zeros((len(vecs), 0), dtype=np.int64), np.zeros((len(vecs), 0), dtype=np.float32)
            labels, sq = index.knn_query(np.asarray(vecs, dtype=np.float32), k=min(k, n))
            return labels.astype(np.int64), np.sqrt(np.maximum(sq, 0))

    def save(self) -> None:
        with self._lock:
            if self._index is None or not self._dirty:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            self._index.save_index(str(tmp))
            os.replace(tmp, self.path)
            count, top = self._stamp()
            atomic_write_bytes(self.meta_path, json.dumps(
                {"count": count, "top": top, "capacity": self._index.get_max_elements()}).encode())
            self._dirty = False

    def forget(self) -> None:
        with self._lock:
            self._index = None
            self._dirty = False
            for p in (self.path, self.meta_path):
                try:
                    os.unlink(p)
                except OSError:
                    pass


class People:
    """Places faces among people and carries out what the user says; the catalog keeps it all."""

    def __init__(self, catalog, index: FaceIndex):
        self.catalog = catalog
        self.index = index

    # -- automatic ---------------------------------------------------------------------------------
    def place(self, face_ids: list[int], vecs: np.ndarray) -> dict[int, int]:
        """New faces: each joins the person of its nearest clearly-close face, and enters the face index.  A face
        that kept its person from before (found again in the same place) stays theirs.  Returns {face id: person
        id} for those that joined someone."""
        owners = self.catalog.face_people(face_ids)
        free = [j for j, f in enumerate(face_ids) if owners.get(f) is None and f in owners]
        joined = self._join([face_ids[j] for j in free], np.asarray(vecs)[free]) if free else {}
        self.index.add(face_ids, vecs)
        return joined

    def _join(self, face_ids: list[int], vecs: np.ndarray) -> dict[int, int]:
        """Each face joins the person of its nearest clearly-close face, unless the user said it is not them or
        that person is already in the same photo (no one appears twice in one photo)."""
        if not len(face_ids):
            return {}
        labels, dists = self.index.nearest(vecs)
        near = {int(x) for x in labels.ravel()}
        owner = self.catalog.face_people(near)
        refused = self.catalog.rejections(face_ids)
        photo_of = {f: facts["photo"] for f, facts in self.catalog.face_facts(face_ids).items()}
        present = self.catalog.people_in_photos(set(photo_of.values()))
        joined: dict[int, int] = {}
        for fid, row, drow in zip(face_ids, labels, dists):
            here = present.setdefault(photo_of.get(fid), set())
            for other, d in zip(row, drow):
                if d >= JOIN_DISTANCE:
                    break
                person = owner.get(int(other))
                if person is not None and int(other) != fid and person not in refused.get(fid, ()) \
                        and person not in here:
                    joined[fid] = person
                    here.add(person)
                    break
        by_person: dict[int, list[int]] = {}
        for fid, person in joined.items():
            by_person.setdefault(person, []).append(fid)
        for person, fids in by_person.items():
            self.catalog.assign_faces(fids, person)
        return joined

    def cluster(self) -> dict:
        """One clustering pass over the unsorted faces: {"joined", "new_people", "unsorted"}."""
        ids = self.catalog.unsorted_faces(CLUSTER_LIMIT)
        if not ids:
            return {"joined": 0, "new_people": 0, "unsorted": 0}
        fids, vecs = self.catalog.face_descriptors(ids)
        joined = self._join([int(i) for i in fids], vecs)
        rest = [j for j, f in enumerate(fids) if int(f) not in joined]
        new_people = 0
        if len(rest) >= 2:
            import dlib

            labels = dlib.chinese_whispers_clustering([dlib.vector(vecs[j].astype(float)) for j in rest],
                                                      CLUSTER_DISTANCE)
            groups: dict[int, list[int]] = {}
            for j, label in zip(rest, labels):
                groups.setdefault(label, []).append(int(fids[j]))
            facts = self.catalog.face_facts([f for g in groups.values() if len(g) > 1 for f in g])
            for members in groups.values():
                one_each: dict[int, int] = {}  # a face per photo: no one appears twice in one photo
                for f in members:
                    if f in facts:
                        one_each.setdefault(facts[f]["photo"], f)
                if len(one_each) < 2:
                    continue  # one face, or faces of one photo: not yet a person
                # A face the user took from a person may found a new one; it only never rejoins that one.
                self.catalog.assign_faces(list(one_each.values()), self.catalog.new_person())
                new_people += 1
        self.catalog.drop_empty_people()
        return {"joined": len(joined), "new_people": new_people,
                "unsorted": len(self.catalog.unsorted_faces(CLUSTER_LIMIT))}

    # -- what the user says ------------------------------------------------------------------------
    def resolve(self, ref: str | int) -> int:
        """A person by name (any case) or by number."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().lstrip("#").isdigit()
                                    and self.catalog.person_named(str(ref)) is None):
            pid = int(str(ref).strip().lstrip("#"))
            if self.catalog.person(pid) is None:
                raise PeopleError(f"There is no person number {pid}; see photoclip people.")
            return pid
        pid = self.catalog.person_named(str(ref))
        if pid is None:
            raise PeopleError(f"There is no person named {str(ref)!r}; see photoclip people.")
        return pid

    @staticmethod
    def _clean(name: str) -> str:
        name = " ".join(str(name).split())
        if not name:
            raise PeopleError("A person's name cannot be empty.")
        if len(name) > 100:
            raise PeopleError("A person's name can be at most 100 characters long.")
        return name

    def name(self, ref: str | int, name: str) -> dict:
        pid = self.resolve(ref)
        name = self._clean(name)
        other = self.catalog.person_named(name)
        if other is not None and other != pid:
            raise PeopleError(f"{name!r} already names person {other}; to make them one, run: "
                              f"photoclip people merge {other} {pid}")
        self.catalog.set_person_name(pid, name)
        return self.catalog.person(pid)

    def merge(self, into: str | int, other: str | int) -> dict:
        a, b = self.resolve(into), self.resolve(other)
        if a == b:
            raise PeopleError("A person cannot be merged with themself; name two different people.")
        named_b = self.catalog.person(b)["name"]
        self.catalog.merge_people(a, b)
        if self.catalog.person(a)["name"] is None and named_b:
            self.catalog.set_person_name(a, named_b)
        return self.catalog.person(a)

    def hide(self, ref: str | int, hidden: bool) -> dict:
        pid = self.resolve(ref)
        self.catalog.set_person_hidden(pid, hidden)
        return self.catalog.person(pid)

    def _faces(self, face_ids: list[int]) -> dict[int, dict]:
        facts = self.catalog.face_facts(face_ids)
        missing = [f for f in face_ids if f not in facts]
        if missing:
            raise PeopleError(f"There is no face number {missing[0]}; faces change when a photo does.")
        return facts

    def this_is(self, face_ids: list[int], name: str) -> dict:
        """"This is NAME": the faces belong to that person (made when no one has the name), confirmed."""
        self._faces(face_ids)
        name = self._clean(name)
        pid = self.catalog.person_named(name)
        if pid is None:
            pid = self.catalog.new_person(name)
        with self.catalog.write() as c:
            c.executemany("DELETE FROM face_rejections WHERE face_id=? AND person_id=?", [(f, pid) for f in face_ids])
        self.catalog.assign_faces(face_ids, pid, confirmed=True)
        self.catalog.drop_empty_people()
        return self.catalog.person(pid)

    def not_this_person(self, face_ids: list[int]) -> dict:
        self._faces(face_ids)
        left = {f: self.catalog.reject_face(f) for f in face_ids}
        self.catalog.drop_empty_people()
        return {"faces": face_ids, "left": {str(f): p for f, p in left.items() if p is not None}}

    def not_a_face(self, face_ids: list[int]) -> dict:
        self._faces(face_ids)
        for f in face_ids:
            self.catalog.set_not_face(f)
        self.catalog.drop_empty_people()
        return {"faces": face_ids}

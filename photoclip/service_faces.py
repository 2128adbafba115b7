"""The library service's faces stage (a mixin of LibraryService): after every photo is searchable by meaning,
faces are found and described, one photo at a time, newest additions first, and placed among the people.

Like the text stage it runs only when nothing waits to be indexed and nothing is paused, and it gives way after
each photo to whatever arrived meanwhile.  Every photo's faces are committed on their own, so a kill at any
moment loses at most the photo being looked at.  A photo that cannot be decoded is recorded with its reason.
When no photo is left, one clustering pass (people.People.cluster, bounded) groups the faces that joined no
one, and the face index is saved.  Albums with people rules decide about each photo as its faces arrive."""
from __future__ import annotations

import logging
import time

import numpy as np

from . import imageio
from .catalog_faces import FAILED, LOOKED
from .events import LiveEvent
from .faces import FacesUnavailable, chip_path, sweep_chips
from .fsutil import atomic_write_bytes

log = logging.getLogger(__name__)

TODO_BATCH = 32
PEOPLE_OPS = frozenset({"people_name", "people_merge", "people_hide", "faces_this_is", "faces_not_this_person",
                        "faces_not_a_face", "set_find_faces"})


class FaceSteps:
    """Its state lives in LibraryService.__init__: _faces_todo, _faces_exhausted, _faces_off_reason,
    _faces_unclustered (faces placed since the last clustering pass)."""

    def _faces_enabled(self) -> bool:
        return self.lib.find_faces and self._faces_off_reason is None

    def _can_find_faces(self) -> bool:
        if not self._faces_enabled() or not self._stages_may_run():
            return False
        if not self._faces_todo and not self._faces_exhausted:
            self._faces_todo = self.lib.catalog.faces_todo(self.lib.face_engine.version, TODO_BATCH)
            self._faces_exhausted = not self._faces_todo
        return bool(self._faces_todo) or self._faces_unclustered

    def _find_faces(self) -> None:
        """Look at the queued photos until something else asks for the worker; then cluster what is left."""
        self._idle.clear()
        engine = self.lib.face_engine
        cat = self.lib.catalog
        people = self.lib.people
        looked = 0
        left = cat.faces_pending(engine.version) if self._faces_todo else 0
        while self._faces_todo and not self._stopping.is_set() and not self.paused:
            if looked and not self._inbox.empty():
                return
            photo_id, path, digest = self._faces_todo.pop(0)
            t0 = time.monotonic()
            joined: dict = {}
            try:
                found = engine.find_photo(path)
            except FacesUnavailable as e:
                self._faces_off_reason = str(e)
                self._faces_todo = []
                self._faces_unclustered = False
                self._notice(f"Faces are not found: {e}.")
                return
            except imageio.PhotoError as e:
                cat.store_faces(photo_id, engine.version, digest, reason=str(e))
                state, found = FAILED, []
            except Exception as e:  # one odd photo must not stop the stage
                log.exception("could not find the faces in %s", path)
                cat.store_faces(photo_id, engine.version, digest, reason=f"its faces could not be found ({e})")
                state, found = FAILED, []
            else:
                ids = cat.store_faces(photo_id, engine.version, digest, found)
                for fid, face in zip(ids, found):
                    try:
                        atomic_write_bytes(chip_path(self.lib.paths.thumbnails_dir, fid), face.chip)
                    except OSError:
                        log.warning("could not save the picture of face %d", fid)
                if ids:
                    joined = people.place(ids, np.vstack([f.descriptor for f in found]))
                    self._faces_unclustered |= None in cat.face_people(ids).values()
                    self.lib.albums.tag_people(photo_id)
                state = LOOKED
            looked += 1
            left = max(0, left - 1)
            log.debug("faces of %s: %d, %.2fs", path, len(found), time.monotonic() - t0)
            self._emit(LiveEvent("faces", data={"id": photo_id, "path": path, "state": state, "faces": len(found),
                                                "people": sorted(set(joined.values())), "pending": left}))
        if not self._faces_todo and not self._stopping.is_set() and not self.paused:
            if self._faces_unclustered and self._inbox.empty():
                self._faces_unclustered = False
                t0 = time.monotonic()
                result = people.cluster()
                log.info("clustering faces: %s in %.2fs", result, time.monotonic() - t0)
                if result["joined"] or result["new_people"]:
                    self.lib.albums.tag_people(None)
                self._emit_people()
                if not getattr(self, "_chips_swept", False):  # once a run: pictures of faces that are gone
                    self._chips_swept = True
                    swept = sweep_chips(self.lib.paths.thumbnails_dir, set(cat.face_ids()))
                    log.info("deleted the pictures of %d faces that are gone", swept)
            people.index.save()
            self._publish_news(albums_now=True)

    def _after_people_command(self, op: str) -> None:
        """After a command about people: clients hear of it, and albums with people rules decided again."""
        if op in PEOPLE_OPS:
            self._faces_exhausted = False
            self._faces_off_reason = None if op == "set_find_faces" else self._faces_off_reason
            self._emit_people()
            self._publish_news(albums_now=True)

    def _save_face_index(self) -> None:
        if self.lib._people is not None:
            try:
                self.lib.people.index.save()
            except Exception:
                log.exception("could not save the face index")

    def _emit_people(self) -> None:
        counts = self.lib.catalog.face_counts(self.lib.face_engine.version)
        self._emit(LiveEvent("people", data={"people": counts["people"], "faces": counts["faces"],
                                             "unsorted": counts["unsorted"]}))

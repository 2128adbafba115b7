"""The library service's places stage (a mixin of LibraryService): once photos are searchable, each one's GPS
position is read from its EXIF (no decode: a millisecond or two) and named with the gazetteer (places.py), and
what other apps wrote about it (keywords, rating, label, title, caption: in the file and in its `.xmp` sidecar,
xmpmeta.py) is read with it.
Runs before the faces and text stages (it is the cheapest), in batches, each committed on its own; gives way to
new photos and commands between batches.  A photo without GPS is recorded as looked at, with no position."""
from __future__ import annotations

import logging

from . import exif, xmpmeta
from .events import LiveEvent

log = logging.getLogger(__name__)

BATCH = 128


class PlaceSteps:
    def _can_place(self) -> bool:
        if not self._stages_may_run():
            return False
        if not self._places_todo and not self._places_exhausted:
            self._places_todo = self.lib.catalog.places_todo(BATCH)
            self._places_exhausted = not self._places_todo
        return bool(self._places_todo)

    def _place(self) -> None:
        self._idle.clear()
        cat, gazetteer = self.lib.catalog, self.lib.gazetteer
        rows, metas, placed = [], [], 0
        for photo_id, path, digest in self._places_todo:
            where = exif.position(path)
            spot = None
            if where is not None:
                try:
                    spot = gazetteer.place(*where)
                except Exception:  # the gazetteer missing or damaged: positions are still kept
                    log.exception("could not name the place of %s", path)
                placed += 1
            rows.append((photo_id, digest, where[0] if where else None, where[1] if where else None, spot))
            metas.append((photo_id, xmpmeta.read(path)))
        cat.store_places(rows, metas)
        self._places_todo = []
        if placed:
            self._emit(LiveEvent("places", data={"looked": len(rows), "placed": placed,
                                                 "pending": cat.places_pending()}))

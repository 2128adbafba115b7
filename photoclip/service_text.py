"""The library service's text stage (a mixin of LibraryService): after every photo is searchable by meaning, the
text in photos is read, one photo at a time, newest additions first.

It runs only when nothing waits to be indexed and nothing is paused, and it gives way after each photo to
whatever arrived meanwhile (a new photo, a command): a photo is searchable by meaning first, its text follows.
Every photo's result is committed on its own, so a kill at any moment loses at most the photo being read; the
next start picks up where it stopped.  A photo that cannot be read is recorded with its reason, like the
indexer's failures.  Albums with text rules tag each photo as its text arrives."""
from __future__ import annotations

import logging
import time

from . import imageio
from .catalog_text import FAILED, READ, SKIPPED
from .events import LiveEvent
from .ocr import OcrUnavailable

log = logging.getLogger(__name__)

TODO_BATCH = 32  # photos looked up per catalog read


class TextSteps:
    """Its state lives in LibraryService.__init__: _text_todo, _text_exhausted, _text_off_reason (the engine
    cannot load here: said once, then the stage rests)."""

    def _text_enabled(self) -> bool:
        return self.lib.read_text and self._text_off_reason is None

    def _can_read_text(self) -> bool:
        if not self._text_enabled() or not self._stages_may_run():
            return False
        if not self._text_todo and not self._text_exhausted:
            self._text_todo = self.lib.catalog.text_todo(self.lib.text_reader.version, TODO_BATCH)
            self._text_exhausted = not self._text_todo
        return bool(self._text_todo)

    def _read_text(self) -> None:
        """Read the photos queued for text until something else asks for the worker."""
        self._idle.clear()
        reader = self.lib.text_reader
        cat = self.lib.catalog
        read = 0
        # How many are left, counted once per turn (a count over the whole library per photo would cost more
        # than some readings at 100,000 photos), then kept by hand.
        left = cat.text_pending(reader.version)
        # What the indexer's first look found without text is done at once, without decoding it again.
        plain = [(i, h) for i, _p, h, looked in self._text_todo if looked == 0]
        if plain:
            cat.store_skipped(plain, reader.version, "no text")
            self._text_todo = [t for t in self._text_todo if t[3] != 0]
            left = max(0, left - len(plain))
            self._emit(LiveEvent("text", data={"id": None, "path": None, "state": SKIPPED, "lines": 0,
                                               "count": len(plain), "pending": left}))
        while self._text_todo and not self._stopping.is_set() and not self.paused:
            if read and not self._inbox.empty():
                return  # new photos and commands first; this resumes once they are done
            photo_id, path, digest, looked = self._text_todo.pop(0)
            t0 = time.monotonic()
            try:
                lines, skipped = reader.read_photo(path, looked)
            except OcrUnavailable as e:
                self._text_off_reason = str(e)
                self._text_todo = []
                self._notice(f"Text in photos is not read: {e}.")
                return
            except imageio.PhotoError as e:
                cat.store_text(photo_id, reader.version, digest, FAILED, reason=str(e))
                state, count = FAILED, 0
            except Exception as e:  # one odd photo must not stop the stage
                log.exception("could not read the text of %s", path)
                cat.store_text(photo_id, reader.version, digest, FAILED, reason=f"the text could not be read ({e})")
                state, count = FAILED, 0
            else:
                if skipped:
                    cat.store_text(photo_id, reader.version, digest, SKIPPED, reason=skipped)
                    state, count = SKIPPED, 0
                else:
                    cat.store_text(photo_id, reader.version, digest, READ, lines=[ln.as_json() for ln in lines])
                    state, count = READ, len(lines)
                    if lines:
                        self.lib.albums.tag_text(photo_id)
            read += 1
            left = max(0, left - 1)
            log.debug("text of %s: %s, %d lines, %.2fs", path, state, count, time.monotonic() - t0)
            self._emit(LiveEvent("text", data={"id": photo_id, "path": path, "state": state, "lines": count,
                                               "count": 1, "pending": left}))
        if not self._text_todo:
            self._publish_news(albums_now=True)

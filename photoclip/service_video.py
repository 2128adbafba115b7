"""The library service's video stage (a mixin of LibraryService): once every photo and video is searchable by
its poster, each video's frames at scene changes are sampled (video.sample) and encoded with the library's
model, so a search matches a video by its best frame (videoframes.py).

Like the other stages it runs only when nothing waits to be indexed and nothing is paused, one video at a time,
giving way after each to whatever arrived meanwhile, and within a long one to a command or a stop (the video is
sampled again from its start later); each video's frames are committed on their own, so a kill loses at most
the video in hand.  A video that cannot be decoded is recorded with its reason (it stays
searchable by its poster); one cut short by the time budget keeps what was sampled, with a note."""
from __future__ import annotations

import logging
import time

from . import imageio, video
from .events import LiveEvent

log = logging.getLogger(__name__)

TODO_BATCH = 16


class VideoSteps:
    _frames_todo: list = []  # (id, path, hash) of the videos sampled next (replaced, never appended to)
    _frames_exhausted = False  # the last look found no video to sample: look again after the next change

    def _can_sample(self) -> bool:
        if not self._stages_may_run():
            return False
        if not self._frames_todo and not self._frames_exhausted:
            self._frames_todo = self.lib.catalog.frames_todo(self.lib.model_id, TODO_BATCH)
            self._frames_exhausted = not self._frames_todo
        return bool(self._frames_todo)

    def _sample(self) -> None:
        self._idle.clear()
        cat, encoder, model = self.lib.catalog, self.lib.encoder, self.lib.model_id
        done = 0
        while self._frames_todo and not self._stopping.is_set() and not self.paused:
            if done and not self._inbox.empty():
                break
            photo_id, path, digest = self._frames_todo[0]
            self._frames_todo = self._frames_todo[1:]
            t0 = time.monotonic()
            try:
                f, _st = imageio.open_readonly(path)
                with f:
                    sampled = video.sample(f, max(encoder.input_size, 64), interrupt=self._video_interrupted)
                if sampled.interrupted:
                    self._frames_todo = [(photo_id, path, digest), *self._frames_todo]
                    break
                times = [t for t, _img in sampled.frames]
                vecs = encoder.encode_images([encoder.preprocess(img) for _t, img in sampled.frames])
            except (imageio.PhotoError, video.VideoError) as e:
                cat.store_frames(photo_id, model, digest, reason=str(e))
                state, times = "failed", []
            except Exception as e:  # one odd video must not stop the stage
                log.exception("could not sample the frames of %s", path)
                cat.store_frames(photo_id, model, digest, reason=f"its frames could not be read ({e})")
                state, times = "failed", []
            else:
                note = (f"sampled the first {video.format_duration(sampled.reached)} (time limit)"
                        if sampled.partial else None)
                cat.store_frames(photo_id, model, digest, times, vecs, reached=sampled.reached, note=note)
                self.lib.albums.tag_photos([photo_id])  # albums judge a video by its best frame too
                state = "sampled"
            done += 1
            log.debug("frames of %s: %d in %.2fs", path, len(times), time.monotonic() - t0)
            self._emit(LiveEvent("frames", data={"id": photo_id, "path": path, "state": state,
                                                 "frames": len(times), "pending": cat.frames_pending(model)}))
        if done:
            self._publish_news(albums_now=True)  # album counts the frames changed

    def _video_interrupted(self) -> bool:
        """A stop, or a command waiting (a user's pause or edit answers at once; file events can wait)."""
        return self._stopping.is_set() or self._command_waiting()

"""What the library service's worker does when there are photos to index or to re-encode for a new model:
one indexing call at a time between commands, progress and photo news per batch, a full disk said once with
a growing wait, and the one-off run of `photoclip index`.  Mixed into LibraryService."""
from __future__ import annotations

import logging
import time

from . import ops
from .encoder import ModelLoadError
from .events import LiveEvent
from .indexer import Progress

log = logging.getLogger(__name__)

RETRY_AFTER_ERROR_S = 5.0
FULL_DISK_MAX_S = 300.0


class IndexingSteps:
    def _can_index(self) -> bool:
        return (self.pending > 0 and not self.paused and self.model_error is None
                and self.clock() >= self._retry_at and not self._stopping.is_set())

    def _can_reencode(self) -> bool:
        """A switch under way re-encodes once new photos are indexed (they come first) and nothing is paused."""
        return (self.pending == 0 and not self.paused and self.switch.ready and not self._stopping.is_set()
                and self.clock() >= self._retry_at)

    def _stages_may_run(self) -> bool:
        """The stages after indexing (places, videos' frames, faces, text) run only with nothing to index or
        re-encode, not paused, not stopping."""
        return self.pending == 0 and not self.paused and not self._stopping.is_set() and not self.switch.ready

    def _reencode(self) -> None:
        self._idle.clear()
        self._batches = 0
        try:
            if self.switch.run(self._should_yield, self._on_reencoded, self.clock):
                self._indexer.close()
                self._indexer = self._make_indexer()
                self._notice(f"The library now uses {self.lib.model_id}.")
                self._emit(LiveEvent("model", message=self.lib.model_id))
        except ModelLoadError as e:  # offline now, say: the library keeps its model and the switch waits
            self.switch.error = str(e)
            self._notice(f"The switch to {self.switch.target} waits: {e}")
        except Exception as e:
            self._batch_failed(e, "Re-encoding error")
        self._after_change()

    def _on_reencoded(self, p: Progress) -> None:
        self._batches += 1
        self._emit(LiveEvent("progress", progress=p, message="reencode", pending=self.pending))

    def _adopt_model(self) -> None:
        self.lib.encoder.load()
        if self.lib.adopt_model():
            self.pending = self.lib.catalog.count_pending()

    def _index(self) -> None:
        self._idle.clear()
        if self._spell is None:
            self._spell = Progress(started=self.clock(), now=self.clock())
        self._batches = 0
        try:
            # The model loads in the background while the first photos decode; before the first write the
            # library records it (the first index), once it has loaded.
            self.lib.encoder.load_in_background()
            self._indexer.before_first_write = self._adopt_model
            self._indexer.process(should_stop=self._should_yield, on_progress=self._on_progress,
                                  progress=self._spell)
        except ModelLoadError as e:
            self.model_error = str(e)
            self._emit(LiveEvent("error", message=str(e), fatal=True))
        except Exception as e:  # keep the service alive; retry a little later
            self._batch_failed(e, "Indexing error")
        else:
            self._full_disk = 0
        self._after_change()

    def _batch_failed(self, error: Exception, what: str) -> None:
        """A batch failed: retry later.  A full disk is said once, without a traceback, and the wait doubles
        (to FULL_DISK_MAX_S) until a batch gets through: never a flood of the same error."""
        from .fsutil import disk_full, full_disk_message

        if disk_full(error, self.lib.paths.data):
            self._full_disk += 1
            if self._full_disk == 1:
                log.warning("%s", full_disk_message(self.lib.paths.data))
                self._emit(LiveEvent("error", message=full_disk_message(self.lib.paths.data)))
            self._retry_at = self.clock() + min(FULL_DISK_MAX_S, RETRY_AFTER_ERROR_S * 2 ** (self._full_disk - 1))
            return
        log.exception("%s", what)
        self._retry_at = self.clock() + RETRY_AFTER_ERROR_S
        self._emit(LiveEvent("error", message=f"{what}: {error}"))

    def _should_yield(self) -> bool:
        # Always finish one batch per call, so a steady trickle of events never starves indexing.
        return self._stopping.is_set() or self.paused or (self._batches > 0 and not self._inbox.empty())

    def _on_progress(self, p: Progress) -> None:
        self._batches += 1
        self.progress = p
        self.pending = max(0, p.total - p.done)
        self._publish_news(albums_now=False)
        self._emit(LiveEvent("progress", progress=p, pending=self.pending))

    # -- a one-off run: `photoclip index` ------------------------------------------------------------
    def run_until_current(self) -> dict:
        """Wait until everything queued is indexed (and deleted files purged); the `index` command's counts."""
        t0 = time.monotonic()
        while not self._idle.wait(0.2):
            if self._thread is None or not self._thread.is_alive():
                break
        if self.model_error:
            raise ops.ModelUnavailable(self.model_error)
        p, r = self.progress, self.reconciled
        return {"indexed": p.indexed, "reused": p.reused, "unchanged": r.unchanged + p.unchanged,
                "failed": r.failed + p.failed, "removed": self.purged, "seconds": round(time.monotonic() - t0, 3),
                "reencoded": self.switch.reencoded,
                "offline": r.offline_folders,
                "stages": {k: round(v, 3) for k, v in (self._indexer.busy if self._indexer else {}).items()}}

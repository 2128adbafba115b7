"""Switching a library to another model, as a transaction that cannot leave the library empty.

A switch is accepted only after the new model has loaded and encoded a first batch of the library's own
photos (`probe`); a model that cannot be had (offline, a damaged or empty folder, a wrong config) fails the
switch with one sentence and changes nothing.  An accepted switch is one row in the catalog's meta table
(`switch_to`); the library keeps answering with its current model and vectors while the service re-encodes
every photo with the new one in the background (an Indexer in re-encode mode), at a lower priority than new
photos.  Only when every photo has the new model's vector does the library commit: it records the new model,
retags the albums with it and answers with it from then on.  A kill -9 in the middle leaves the old model in
charge and the re-encode resumes where it stopped; asking for the current model again cancels the switch.
"""
from __future__ import annotations

import logging

import numpy as np

from . import imageio
from .encoder import Encoder, ModelLoadError

log = logging.getLogger(__name__)

SWITCH_KEY = "switch_to"
PROBE_PHOTOS = 4


def probe(encoder: Encoder, paths: list[str]) -> None:
    """Load `encoder` and encode a first batch of `paths` (a few of the library's photos; a text when it has
    none readable).  Raises ModelLoadError, with one sentence, if the model cannot do that."""
    encoder.load()
    inputs = []
    for path in paths:
        try:
            f, _st = imageio.open_readonly(path)
            with f:
                inputs.append(encoder.preprocess(imageio.decode(f, max(encoder.input_size, 64)).image))
        except imageio.PhotoError as e:  # the photo's problem, not the model's
            log.info("switch probe skipped %r: %s", path, e)
    try:
        vectors = encoder.encode_images(inputs) if inputs else encoder.encode_texts(["a photo"])
    except Exception as e:
        raise ModelLoadError(f"The model {encoder.model_id} loaded but could not encode photos "
                             f"({type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}); "
                             "the library keeps its current model.") from None
    if not len(vectors) or not np.isfinite(vectors).all():
        raise ModelLoadError(f"The model {encoder.model_id} loaded but produced unusable vectors; the library "
                             "keeps its current model.")


class SwitchRunner:
    """The library service's side of a switch under way: it re-encodes with the next model (an Indexer in
    re-encode mode, into that model's own index) and commits once every photo has its vector.  The target is
    read from the catalog only at start and after commands, so an idle service asks the catalog nothing."""

    def __init__(self, lib):
        self.lib = lib
        self.target: str | None = None
        self.error: str | None = None  # the next model cannot load now: the switch waits, nothing breaks
        self.reencoded = 0
        self.progress = None  # indexer.Progress over the whole re-encode
        self._indexer = None

    def refresh(self) -> None:
        """Read the target again (after a command: started, redirected or cancelled) and try again after an error."""
        self.target = self.lib.switching_to
        if self._indexer is not None and self._indexer.model != self.target:
            self._indexer.close()
            self._indexer = None
        self.error = None

    @property
    def ready(self) -> bool:
        return self.target is not None and self.error is None

    def run(self, should_stop, on_progress, clock) -> bool:
        """Re-encode until should_stop() or done; True when the switch committed (the library now answers with
        the new model).  ModelLoadError when the next model cannot load; the caller records it in `error`."""
        from .index import VectorIndex
        from .indexer import Progress

        if self._indexer is None:
            encoder = self.lib.next_encoder()
            encoder.load()
            self._indexer = self.lib.make_indexer(
                encoder=encoder, index=VectorIndex(self.lib.paths.index_dir, self.target, self.lib.catalog),
                reencode=True)
        if self.progress is None:
            self.progress = Progress(started=clock(), now=clock())
        p = self.progress
        before = p.indexed + p.reused
        self._indexer.process(should_stop=should_stop, on_progress=on_progress, progress=p)
        self.reencoded += p.indexed + p.reused - before
        if self._indexer.remaining() or should_stop():
            return False
        indexer, self._indexer, self.progress, self.target = self._indexer, None, None, None
        indexer.close()
        self.lib.commit_switch(indexer.index)
        return True

    def close(self) -> None:
        """At shutdown: end the re-encode's threads and keep what it has indexed so far."""
        if self._indexer is not None:
            self._indexer.close()
            self._indexer.maybe_save(force=True)


"""The indexing pipeline: reconcile folders with the catalog (reconcile.py), then work off the catalog's queue.

`process` hashes and decodes pending files in a thread pool with bounded
look-ahead, encodes them in batches and commits each batch in one transaction, so a crash loses at most
the batch in flight and the queue survives in the catalog.

The stages overlap (issue 12): decode workers (threads: Pillow and hashlib release the GIL) read, hash and
decode ahead into a bounded look-ahead and hand uint8 arrays on; one encode thread turns batches into vectors
(PyTorch releases the GIL too) while the caller, the one writer, commits the batch before.  At most two
batches wait for encoding, so memory stays flat however large the queue.  The model loads in the background
while the first photos are read and decoded.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import imageio
from .catalog import Catalog, WriteOwnershipError
from .records import MISSING, Photo
from .encoder import Encoder, ModelLoadError
from .index import VectorIndex
from .reconcile import Reconciler

log = logging.getLogger(__name__)


SAVE_EVERY_S = 30.0
GUESS_TARGET = 256  # decode size before the model is loaded (re-decoded if the model wants more)
ENCODES_IN_FLIGHT = 2


def decode_workers() -> int:
    """One decode thread per core, fewer when memory is short (a full-size 12 MP decode needs about 50 MB
    plus the look-ahead's reduced copies), at least one."""
    cores = os.cpu_count() or 2
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return cores
    return max(1, min(cores, int(free // (256 * 1024**2))))


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    indexed: int = 0
    failed: int = 0
    reused: int = 0  # moved, renamed or duplicate files that kept a vector without encoding
    unchanged: int = 0  # queued, but the content had not changed: nothing to encode
    started: float = field(default_factory=time.monotonic)
    now: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        elapsed = self.now - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        return (self.total - self.done) / self.rate if self.rate > 0 and self.total >= self.done else None


@dataclass
class _Outcome:
    photo: Photo
    kind: str  # 'gone' | 'failed' | 'same' | 'reuse' | 'decoded'
    st: os.stat_result | None = None
    digest: str | None = None
    reason: str | None = None
    tensor: object = None
    meta: dict | None = None
    source_id: int | None = None
    source_status: str | None = None
    jpeg: tuple[bytes, int] | None = None  # (file bytes, EXIF orientation) to decode as a batch on the device


class Indexer(Reconciler):
    """Drives catalog + encoder + index.  Collaborators come in through the constructor.

    One indexer lives as long as its owner (the library service, or one `index` run) and keeps one decode
    pool for its whole life; `close()` ends the pool's threads (and with them their catalog connections)."""

    def __init__(self, catalog: Catalog, encoder: Encoder, index: VectorIndex, *, batch_size: int = 32,
                 workers: int | None = None, clock: Callable[[], float] = time.monotonic,
                 on_indexed: Callable[[list[int]], None] | None = None,
                 excluded: Callable[[], list[str]] | list[str] = (),
                 reencode: bool = False, look_for_text: Callable[[], bool] = lambda: False):
        self.catalog = catalog
        # Take the text stage's first look (ocr.text_like_lines) at each decoded photo: a few milliseconds on
        # the decode threads, so most photos never need decoding again for their text.
        self.look_for_text = look_for_text
        self.encoder = encoder
        self.index = index
        self.model = encoder.model_id
        self.batch_size = batch_size
        self.workers = workers or decode_workers()
        self.clock = clock
        self.on_indexed = on_indexed  # called with photo ids that gained (or changed) a vector
        # Folders inside library folders that the user left out: a function, so a change in Settings reaches the
        # next scan as it reaches the watcher's event filter (a list is taken as it is).
        self._excluded = excluded if callable(excluded) else (lambda fixed=list(excluded): fixed)
        self._last_save = clock()
        self._pool: ThreadPoolExecutor | None = None
        self._encode_pool: ThreadPoolExecutor | None = None
        # Seconds each stage spent working (decode summed over its threads): what bench_index.py reports.
        self.busy = {"decode": 0.0, "encode": 0.0, "write": 0.0}
        self._busy_lock = threading.Lock()
        self._local = threading.local()
        self._sized = False
        self.before_first_write: Callable[[], None] | None = None  # run once per process(), on the writer
        # A model switch's re-encode (switching.py): the queue is the library's indexed photos that lack this
        # model's vector, and a batch writes vectors only; the library's own model, statuses and tags stay.
        # A photo that cannot be re-encoded now is skipped; once the switch commits it is queued as usual.
        self.reencode = reencode
        self.skipped: set[int] = set()
        # What each committed batch did to which photo, for the service's events: (kind, photo id, old path)
        # with kind indexed | moved | removed | failed.  The owner drains it; None keeps no journal.
        self.journal: list[tuple[str, int, str | None]] | None = None

    @property
    def excluded(self) -> list[str]:
        return list(self._excluded())

    def _count(self, stage: str, started: float) -> None:
        with self._busy_lock:
            self.busy[stage] += time.perf_counter() - started

    def close(self) -> None:
        for pool in (self._pool, self._encode_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._encode_pool = None

    def _decode_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="photoclip-decode")
        return self._pool

    def _encoder_thread(self) -> ThreadPoolExecutor:
        if self._encode_pool is None:
            self._encode_pool = ThreadPoolExecutor(1, thread_name_prefix="photoclip-encode")
        return self._encode_pool

    # -- the queue ----------------------------------------------------------------------------------
    def _prepare(self, photo: Photo, target: int) -> _Outcome:
        """Runs on a pool thread: hash, look for a vector to reuse, else decode and preprocess.
        Never raises: whatever goes wrong with one file becomes that file's recorded failure."""
        started = time.perf_counter()
        self._local.waited = 0.0
        try:
            return self._prepare_unsafe(photo, target)
        except ModelLoadError:
            raise  # not this photo's fault: the run stops and says why
        except Exception as e:  # a decoder (or our) bug must not end the run
            log.exception("unexpected error reading %r", photo.path)
            return _Outcome(photo, "failed", reason=f"unexpected error ({type(e).__name__}: {e})")
        finally:
            self._count("decode", started + self._local.waited)  # waiting for the model is not work

    def _prepare_unsafe(self, photo: Photo, target: int) -> _Outcome:
        try:
            f, st = imageio.open_readonly(photo.path)
        except imageio.PhotoError as e:
            if not os.path.lexists(photo.path):
                return _Outcome(photo, "gone")
            return _Outcome(photo, "failed", reason=str(e))
        digest = None
        with f:
            try:
                digest = imageio.file_hash(f)
                if digest == photo.hash and self.catalog.vector(photo.id, self.model) is not None:
                    return _Outcome(photo, "same", st=st, digest=digest)
                for other_id, other_path, status, has_vec in self.catalog.find_by_hash(digest, self.model):
                    if other_id != photo.id and has_vec:
                        if status != MISSING and not os.path.lexists(other_path):
                            # A move whose "deleted" half has not been applied yet: still a move, so the
                            # photo keeps its id, vector and album tags.
                            status = MISSING
                        return _Outcome(photo, "reuse", st=st, digest=digest, source_id=other_id,
                                        source_status=status)
                on_device = self.encoder.jpeg_decoder if self.encoder.loaded else None
                facts = imageio.jpeg_facts(f) if on_device is not None else None
                if facts is not None:  # the bytes go to the encode thread, which decodes them on the device
                    w, h, orientation, taken, camera = facts
                    f.seek(0)
                    data = f.read()
                    return _Outcome(photo, "decoded", st=st, digest=digest, jpeg=(data, orientation),
                                    meta={"width": w, "height": h, "taken": taken, "camera": camera})
                decoded = imageio.decode(f, target)
                waiting = time.perf_counter()
                size = self.encoder.input_size  # waits for the model if it is still loading
                self._local.waited = time.perf_counter() - waiting
                if target < size and min(decoded.image.size) < size < min(decoded.width, decoded.height):
                    f.seek(0)  # decoded before the model said how large it wants its input
                    decoded = imageio.decode(f, max(size, 64))
                tensor, meta = self._model_input(decoded)
            except imageio.PhotoError as e:
                return _Outcome(photo, "failed", st=st, reason=str(e), digest=digest)
        return _Outcome(photo, "decoded", st=st, digest=digest, tensor=tensor, meta=meta)

    def _model_input(self, decoded: imageio.Decoded) -> tuple[object, dict]:
        """A photo Pillow decoded -> (what the encoder takes, the facts the catalog keeps)."""
        meta = {"width": decoded.width, "height": decoded.height, "taken": decoded.taken, "camera": decoded.camera,
                "fingerprint": imageio.fingerprint(decoded.image), "duration": decoded.duration}
        if not self.reencode and self.look_for_text():  # on a decode as large as the text stage's own look's
            from .ocr import SMALL_SIDE, text_like_lines
            if min(decoded.image.size) >= min(SMALL_SIDE, decoded.width, decoded.height):
                meta["text_look"] = text_like_lines(decoded.image)
        return self.encoder.preprocess(decoded.image), meta

    def process(self, should_stop: Callable[[], bool] = lambda: False,
                on_progress: Callable[[Progress], None] | None = None, chunk: int = 256,
                progress: Progress | None = None) -> Progress:
        """Work off the queue until it is empty (or should_stop() says so)."""
        progress = progress or Progress(started=self.clock(), now=self.clock())
        progress.total = max(progress.total, progress.done + self.remaining())
        target = None
        while not should_stop():
            photos = (self.catalog.lacking(self.model, chunk, self.skipped) if self.reencode
                      else self.catalog.pending(chunk))
            if not photos:
                break
            if target is None:  # the model loads only once there is work for it, while the first photos decode
                target = max(self.encoder.input_size, 64) if self.encoder.loaded else GUESS_TARGET
                self.encoder.load_in_background()
            progress.total = max(progress.total, progress.done + self.remaining())
            self._run_chunk(photos, target, progress, should_stop, on_progress)
        self.maybe_save(force=True)
        return progress

    def remaining(self) -> int:
        """Photos still queued for this indexer."""
        if self.reencode:
            return max(0, self.catalog.count_lacking(self.model) - len(self.skipped))
        return self.catalog.count_pending()

    def _run_chunk(self, photos, target, progress, should_stop, on_progress) -> None:
        """Decode ahead on the pool, encode batches on the encode thread, write them here, all at once."""
        pool, encoder = self._decode_pool(), self._encoder_thread()
        lookahead = self.workers * 2 + 2 * self.batch_size
        futures: deque[Future] = deque()
        encoding: deque[tuple[list[_Outcome], Future]] = deque()
        todo = deque(photos)
        batch: list[_Outcome] = []

        def write_oldest() -> bool:
            done, fut = encoding.popleft()
            self._commit(done, fut.result(), progress)
            if on_progress:
                on_progress(progress)
            return should_stop()

        try:
            while todo or futures or batch:
                while todo and len(futures) < lookahead:
                    futures.append(pool.submit(self._prepare, todo.popleft(), target))
                while encoding and encoding[0][1].done():  # write what is encoded, in order
                    if write_oldest():
                        return
                if futures:
                    batch.append(futures.popleft().result())
                if not self._sized and self.encoder.loaded:  # a GPU takes larger batches
                    self.batch_size, self._sized = self.encoder.batch_size(self.batch_size), True
                decoded = sum(1 for o in batch if o.kind == "decoded")
                if batch and (decoded >= self.batch_size or not futures or len(batch) >= 4 * self.batch_size):
                    if len(encoding) >= ENCODES_IN_FLIGHT and write_oldest():  # back-pressure on decoding
                        return
                    encoding.append((batch, encoder.submit(self._encode, batch)))
                    batch = []
            while encoding:
                if write_oldest():
                    return
        finally:
            for fut in futures:
                fut.cancel()
            for fut in futures:  # let running decodes finish before the next chunk reuses the pool
                if not fut.cancelled():
                    with contextlib.suppress(Exception):
                        fut.result()
            for done, fut in encoding:  # encoded but not written (a stop): the photos stay queued
                with contextlib.suppress(Exception):
                    fut.result()

    def _encode(self, batch: list[_Outcome]) -> dict[int, np.ndarray]:
        """On the encode thread: vectors for the batch's decoded photos, keyed by id(outcome).  A batch that
        fails is encoded photo by photo; a photo that still fails gets no vector (its failure is written)."""
        started = time.perf_counter()
        try:
            return self._encode_unsafe(batch)
        finally:
            self._count("encode", started)

    def _encode_unsafe(self, batch: list[_Outcome]) -> dict[int, np.ndarray]:
        self.encoder.prepare_for_many_images()
        self._decode_on_device([o for o in batch if o.kind == "decoded" and o.jpeg is not None])
        decoded = [o for o in batch if o.kind == "decoded"]
        if not decoded:
            return {}
        try:
            vecs = self.encoder.encode_images([o.tensor for o in decoded])
            return {id(o): vecs[i] for i, o in enumerate(decoded)}
        except ModelLoadError:
            raise
        except Exception:
            log.exception("a batch could not be encoded; encoding its photos one by one")
        vectors = {}
        for o in decoded:
            try:
                vectors[id(o)] = self.encoder.encode_images([o.tensor])[0]
            except Exception as e:
                o.reason = f"unexpected error while encoding ({type(e).__name__}: {e})"
        return vectors

    def _decode_on_device(self, outcomes: list[_Outcome]) -> None:
        """JPEG bytes -> normalised model input (and fingerprints) in one batch on the device; a file the
        device's decoder rejects is decoded by Pillow instead, and fails with Pillow's reason if that fails too."""
        if not outcomes:
            return
        try:
            x, prints, failed = self.encoder.jpeg_decoder.batch([o.jpeg[0] for o in outcomes],
                                                                [o.jpeg[1] for o in outcomes])
        except ModelLoadError:
            raise
        except Exception:  # the device path is an optimisation: Pillow does these photos instead
            log.exception("decoding a batch on the device failed; decoding it on the CPU")
            x, prints, failed = None, [], dict.fromkeys(range(len(outcomes)), "")
        ok = [o for i, o in enumerate(outcomes) if i not in failed]
        for row, (o, fingerprint) in enumerate(zip(ok, prints)):
            o.tensor, o.meta["fingerprint"] = x[row], fingerprint
        for i in failed:
            o = outcomes[i]
            try:
                o.tensor, o.meta = self._model_input(
                    imageio.decode(io.BytesIO(o.jpeg[0]), max(self.encoder.input_size, 64)))
            except imageio.PhotoError as e:
                o.kind, o.reason = "failed", str(e)
            except Exception as e:  # a decoder (or our) bug fails this photo, never the run
                log.exception("unexpected error decoding %r", o.photo.path)
                o.kind, o.reason = "failed", f"unexpected error ({type(e).__name__}: {e})"
        for o in outcomes:
            o.jpeg = None  # the bytes are no longer needed

    def _commit(self, batch: list[_Outcome], vectors: dict, progress: Progress) -> None:
        """Write the batch and its vectors in one transaction.  Whatever one photo does wrong (a write the
        catalog refuses) becomes that photo's recorded failure: the batch is retried photo by photo, and the
        queue always moves on."""
        if self.before_first_write is not None:
            hook, self.before_first_write = self.before_first_write, None
            hook()
        started = time.perf_counter()
        try:
            self._commit_unsafe(batch, vectors, progress)
        finally:
            self._count("write", started)

    def _commit_unsafe(self, batch: list[_Outcome], vectors: dict, progress: Progress) -> None:
        try:
            touched, removed = self._write(batch, vectors, progress)
        except WriteOwnershipError:
            raise
        except Exception:
            log.exception("a batch could not be written; writing its photos one by one")
            touched, removed = [], []
            for o in batch:
                try:
                    t, r = self._write([o], vectors, progress)
                    touched += t
                    removed += r
                except WriteOwnershipError:
                    raise
                except Exception as e:
                    log.exception("could not record %r", o.photo.path)
                    removed += self._fail_quietly(o, f"unexpected error ({type(e).__name__}: {e})", progress)
        self.index.remove([i for i in removed if i not in touched])
        if touched:
            ids, mat = self.catalog.vectors_for(self.model, touched)
            self.index.add(ids, mat)
        self.index.seq = max(self.index.seq, self.catalog.vector_seq())
        progress.done += len(batch)
        progress.now = self.clock()
        self.maybe_save()

    def _fail(self, o: _Outcome, reason: str) -> None:
        o.kind, o.reason, o.tensor = "failed", reason, None

    def _fail_quietly(self, o: _Outcome, reason: str, progress: Progress) -> list[int]:
        try:
            self._fail(o, reason)
            return self._write([o], {}, progress)[1]
        except Exception:  # even the failure cannot be written: leave the row for the next start
            log.exception("could not record the failure of %r", o.photo.path)
            return []

    def _write(self, batch: list[_Outcome], vectors: dict, progress: Progress) -> tuple[list[int], list[int]]:
        """One transaction for the batch; returns (ids whose vector is new or changed, ids that left)."""
        if self.reencode:
            return self._write_reencoded(batch, vectors, progress)
        touched: list[int] = []
        removed: list[int] = []
        counts = Progress()
        cat = self.catalog
        news: list[tuple[str, int, str | None]] = []
        with cat.write():
            encoded = []
            for o in batch:
                p = o.photo
                if o.kind == "decoded" and id(o) not in vectors:
                    self._fail(o, o.reason or "unexpected error while encoding")
                if o.kind == "gone":
                    cat.mark_missing([p.id])
                    removed.append(p.id)
                    news.append(("removed", p.id, None))
                elif o.kind == "failed":
                    cat.record_failure(p.folder_id, p.path, o.st.st_size if o.st else p.size,
                                       o.st.st_mtime_ns if o.st else p.mtime_ns, o.reason, o.digest)
                    removed.append(p.id)
                    counts.failed += 1
                    news.append(("failed", p.id, None))
                elif o.kind == "same":
                    cat.mark_indexed(p.id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                    touched.append(p.id)
                    counts.unchanged += 1
                elif o.kind == "reuse":
                    counts.reused += 1
                    if o.source_status == MISSING:  # the file moved: the old row (id, vector, tags) follows it
                        source = cat.photo(o.source_id)
                        cat.move_photo(o.source_id, p.path, p.folder_id)
                        news.append(("moved", o.source_id, source.path if source else None))
                        cat.mark_indexed(o.source_id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                        removed.append(p.id)
                        touched.append(o.source_id)
                    else:  # a duplicate of a photo we already encoded
                        cat.copy_vector(self.model, o.source_id, p.id)
                        cat.mark_indexed(p.id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                        touched.append(p.id)
                        news.append(("indexed", p.id, None))
                elif o.kind == "decoded":
                    encoded.append(o)
            if encoded:
                ids = [o.photo.id for o in encoded]
                cat.put_vectors(self.model, ids, np.stack([vectors[id(o)] for o in encoded]))
                for o in encoded:
                    cat.mark_indexed(o.photo.id, o.st.st_size, o.st.st_mtime_ns, o.digest, o.meta)
                counts.indexed += len(encoded)
                touched += ids
                news += [("indexed", i, None) for i in ids]
            # Albums tag the new photos in the same transaction: a tag is never missing for a committed photo.
            if self.on_indexed and touched:
                self.on_indexed(touched)
        for name in ("indexed", "failed", "reused", "unchanged"):  # counted once the transaction committed
            setattr(progress, name, getattr(progress, name) + getattr(counts, name))
        if self.journal is not None:
            self.journal += news
        return touched, removed

    def _write_reencoded(self, batch: list[_Outcome], vectors: dict, progress: Progress) -> tuple[list[int], list]:
        """A re-encode batch: the next model's vectors, nothing else; what cannot be re-encoded now is skipped."""
        touched: list[int] = []
        encoded = [o for o in batch if o.kind == "decoded" and id(o) in vectors]
        with self.catalog.write():
            for o in batch:
                if o.kind == "reuse":  # the same content already has this model's vector
                    self.catalog.copy_vector(self.model, o.source_id, o.photo.id)
                    touched.append(o.photo.id)
                elif o not in encoded:
                    self.skipped.add(o.photo.id)
            if encoded:
                self.catalog.put_vectors(self.model, [o.photo.id for o in encoded],
                                         np.stack([vectors[id(o)] for o in encoded]))
                touched += [o.photo.id for o in encoded]
        progress.indexed += len(encoded)
        progress.reused += len(touched) - len(encoded)
        return touched, []

    def maybe_save(self, force: bool = False) -> None:
        if force or self.clock() - self._last_save > SAVE_EVERY_S:
            self.index.save()
            self._last_save = self.clock()

    def finish(self, grace_s: float | None = None) -> list[int]:
        """After the queue is empty: files still missing were deleted, not moved; forget them.

        With grace_s, only files missing for longer than that: a move reported as delete + create can
        have its second half still on the way."""
        ids = self.catalog.purge_missing(None if grace_s is None else time.time() - grace_s)
        self.index.remove(ids)
        self.maybe_save(force=True)
        return ids

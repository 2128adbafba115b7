"""The indexing pipeline: reconcile folders with the catalog, then work off the catalog's queue.

`reconcile` is a fast stat-only scan: new or changed files become 'pending' rows, vanished ones 'missing'
(kept for now, so a move found later by content hash keeps its vector and tags), a folder that is gone
entirely goes offline instead.  `process` hashes and decodes pending files in a thread pool with bounded
look-ahead, encodes them in batches and commits each batch in one transaction, so a crash loses at most
the batch in flight and the queue survives in the catalog.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import imageio
from .catalog import FAILED, INDEXED, MISSING, PENDING, Catalog, Photo, WriteOwnershipError
from .encoder import Encoder, ModelLoadError
from .index import VectorIndex
from .scanner import walk

log = logging.getLogger(__name__)


SAVE_EVERY_S = 30.0


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
class ReconcileResult:
    queued: int = 0
    unchanged: int = 0
    missing: int = 0
    failed: int = 0
    offline_folders: list[str] = field(default_factory=list)


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


class Indexer:
    """Drives catalog + encoder + index.  Collaborators come in through the constructor.

    One indexer lives as long as its owner (the library service, or one `index` run) and keeps one decode
    pool for its whole life; `close()` ends the pool's threads (and with them their catalog connections)."""

    def __init__(self, catalog: Catalog, encoder: Encoder, index: VectorIndex, *, batch_size: int = 32,
                 workers: int | None = None, clock: Callable[[], float] = time.monotonic,
                 on_indexed: Callable[[list[int]], None] | None = None, excluded: list[str] = ()):
        self.catalog = catalog
        self.encoder = encoder
        self.index = index
        self.model = encoder.model_id
        self.batch_size = batch_size
        self.workers = workers or max(1, min(4, (os.cpu_count() or 2)))
        self.clock = clock
        self.on_indexed = on_indexed  # called with photo ids that gained (or changed) a vector
        self.excluded = list(excluded)  # folders inside library folders that the user left out
        self._last_save = clock()
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _decode_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="photoclip-decode")
        return self._pool

    # -- reconcile ----------------------------------------------------------------------------------
    def reconcile(self, folders: list[str] | None = None) -> ReconcileResult:
        result = ReconcileResult()
        for row in self.catalog.folders():
            if folders is not None and row["path"] not in folders:
                continue
            self.reconcile_folder(row["id"], row["path"], result)
        return result

    def reconcile_folder(self, folder_id: int, root: str, result: ReconcileResult | None = None,
                         priority: int = 0) -> ReconcileResult:
        result = result or ReconcileResult()
        online = next((r["online"] for r in self.catalog.folders() if r["id"] == folder_id), True)
        if not os.path.isdir(root):
            # An unplugged drive is not a mass deletion: hide its photos until it returns.
            self.index.remove(self.catalog.set_folder_online(folder_id, False))
            result.offline_folders.append(root)
            log.warning("folder %s is offline; its photos are hidden until it returns", root)
            return result
        if not online:
            self.catalog.set_folder_online(folder_id, True)
            self.index.sync()
        known = self.catalog.photos_in_folder(folder_id)
        seen: set[str] = set()
        entries = walk(root, self.excluded)
        while True:  # short write transactions, so the indexer's own batches and other writers never wait long
            chunk = list(itertools.islice(entries, 2000))
            if not chunk:
                break
            with self.catalog.write():
                for entry in chunk:
                    seen.add(entry.path)
                    self._reconcile_entry(folder_id, entry, known.get(entry.path), priority, result)
        gone = [pid for path, (pid, _, _, status) in known.items() if path not in seen and status != MISSING]
        self.catalog.mark_missing(gone)
        result.missing += len(gone)
        self.index.remove(gone)
        return result

    def _reconcile_entry(self, folder_id: int, entry, row, priority: int, result: ReconcileResult) -> None:
        size = entry.stat.st_size if entry.stat else None
        mtime = entry.stat.st_mtime_ns if entry.stat else None
        unchanged = row is not None and row[1] == size and row[2] == mtime
        if entry.reason:
            if unchanged and row[3] == FAILED:
                result.unchanged += 1
            else:
                self.catalog.record_failure(folder_id, entry.path, size, mtime, entry.reason)
                result.failed += 1
        elif unchanged and row[3] in (INDEXED, FAILED):
            result.unchanged += 1
        elif unchanged and row[3] == PENDING:
            result.queued += 1  # already queued (an earlier run was interrupted)
        else:
            self.catalog.upsert_pending(folder_id, entry.path, size, mtime, priority)
            result.queued += 1

    # -- the queue ----------------------------------------------------------------------------------
    def _prepare(self, photo: Photo, target: int) -> _Outcome:
        """Runs on a pool thread: hash, look for a vector to reuse, else decode and preprocess.
        Never raises: whatever goes wrong with one file becomes that file's recorded failure."""
        try:
            return self._prepare_unsafe(photo, target)
        except Exception as e:  # a decoder (or our) bug must not end the run
            log.exception("unexpected error reading %r", photo.path)
            return _Outcome(photo, "failed", reason=f"unexpected error ({type(e).__name__}: {e})")

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
                decoded = imageio.decode(f, target)
                tensor = self.encoder.preprocess(decoded.image)
            except imageio.PhotoError as e:
                return _Outcome(photo, "failed", st=st, reason=str(e), digest=digest)
        meta = {"width": decoded.width, "height": decoded.height, "taken": decoded.taken, "camera": decoded.camera,
                "fingerprint": imageio.fingerprint(decoded.image)}
        return _Outcome(photo, "decoded", st=st, digest=digest, tensor=tensor, meta=meta)

    def process(self, should_stop: Callable[[], bool] = lambda: False,
                on_progress: Callable[[Progress], None] | None = None, chunk: int = 256,
                progress: Progress | None = None) -> Progress:
        """Work off the queue until it is empty (or should_stop() says so)."""
        progress = progress or Progress(started=self.clock(), now=self.clock())
        progress.total = max(progress.total, progress.done + self.catalog.count_pending())
        target = None
        while not should_stop():
            photos = self.catalog.pending(chunk)
            if not photos:
                break
            if target is None:  # the model loads only once there is work for it
                target = max(self.encoder.input_size, 64)
            progress.total = max(progress.total, progress.done + self.catalog.count_pending())
            self._run_chunk(photos, target, progress, should_stop, on_progress)
        self.maybe_save(force=True)
        return progress

    def _run_chunk(self, photos, target, progress, should_stop, on_progress) -> None:
        pool = self._decode_pool()
        lookahead = self.workers * 2 + self.batch_size
        futures: deque[Future] = deque()
        todo = deque(photos)
        batch: list[_Outcome] = []
        try:
            while todo or futures:
                while todo and len(futures) < lookahead:
                    futures.append(pool.submit(self._prepare, todo.popleft(), target))
                batch.append(futures.popleft().result())
                decoded = sum(1 for o in batch if o.kind == "decoded")
                if decoded >= self.batch_size or not futures or len(batch) >= 4 * self.batch_size:
                    self._commit(batch, progress)
                    batch = []
                    if on_progress:
                        on_progress(progress)
                    if should_stop():
                        return
            if batch:
                self._commit(batch, progress)
        finally:
            for fut in futures:
                fut.cancel()
            for fut in futures:  # let running decodes finish before the next chunk reuses the pool
                if not fut.cancelled():
                    with contextlib.suppress(Exception):
                        fut.result()

    def _commit(self, batch: list[_Outcome], progress: Progress) -> None:
        """Encode the decoded photos and write the batch in one transaction.  Whatever one photo does wrong
        (an encoder error, a write the catalog refuses) becomes that photo's recorded failure: the batch is
        retried photo by photo, and the queue always moves on."""
        decoded = [o for o in batch if o.kind == "decoded"]
        try:
            vecs = self.encoder.encode_images([o.tensor for o in decoded]) if decoded else None
            vectors = {id(o): vecs[i] for i, o in enumerate(decoded)}
        except ModelLoadError:
            raise
        except Exception:
            log.exception("a batch could not be encoded; encoding its photos one by one")
            vectors = {}
            for o in decoded:
                try:
                    vectors[id(o)] = self.encoder.encode_images([o.tensor])[0]
                except Exception as e:
                    self._fail(o, f"unexpected error while encoding ({type(e).__name__}: {e})")
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
        touched: list[int] = []
        removed: list[int] = []
        counts = Progress()
        cat = self.catalog
        with cat.write():
            encoded = []
            for o in batch:
                p = o.photo
                if o.kind == "decoded" and id(o) not in vectors:
                    self._fail(o, o.reason or "unexpected error while encoding")
                if o.kind == "gone":
                    cat.mark_missing([p.id])
                    removed.append(p.id)
                elif o.kind == "failed":
                    cat.record_failure(p.folder_id, p.path, o.st.st_size if o.st else p.size,
                                       o.st.st_mtime_ns if o.st else p.mtime_ns, o.reason, o.digest)
                    removed.append(p.id)
                    counts.failed += 1
                elif o.kind == "same":
                    cat.mark_indexed(p.id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                    touched.append(p.id)
                    counts.unchanged += 1
                elif o.kind == "reuse":
                    counts.reused += 1
                    if o.source_status == MISSING:  # the file moved: the old row (id, vector, tags) follows it
                        cat.move_photo(o.source_id, p.path, p.folder_id)
                        cat.mark_indexed(o.source_id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                        removed.append(p.id)
                        touched.append(o.source_id)
                    else:  # a duplicate of a photo we already encoded
                        cat.copy_vector(self.model, o.source_id, p.id)
                        cat.mark_indexed(p.id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                        touched.append(p.id)
                elif o.kind == "decoded":
                    encoded.append(o)
            if encoded:
                ids = [o.photo.id for o in encoded]
                cat.put_vectors(self.model, ids, np.stack([vectors[id(o)] for o in encoded]))
                for o in encoded:
                    cat.mark_indexed(o.photo.id, o.st.st_size, o.st.st_mtime_ns, o.digest, o.meta)
                counts.indexed += len(encoded)
                touched += ids
            # Albums tag the new photos in the same transaction: a tag is never missing for a committed photo.
            if self.on_indexed and touched:
                self.on_indexed(touched)
        for name in ("indexed", "failed", "reused", "unchanged"):  # counted once the transaction committed
            setattr(progress, name, getattr(progress, name) + getattr(counts, name))
        return touched, removed

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

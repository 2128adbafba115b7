"""The indexing pipeline: reconcile folders with the catalog, then work off the catalog's queue.

`reconcile` is a fast stat-only scan: new or changed files become 'pending' rows, vanished ones 'missing'
(kept for now, so a move found later by content hash keeps its vector and tags), a folder that is gone
entirely goes offline instead.  `process` hashes and decodes pending files in a thread pool with bounded
look-ahead, encodes them in batches and commits each batch in one transaction, so a crash loses at most
the batch in flight and the queue survives in the catalog.
"""
from __future__ import annotations

import logging
import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from . import imageio
from .catalog import FAILED, INDEXED, MISSING, Catalog, Photo
from .encoder import Encoder
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
    """Drives catalog + encoder + index.  Collaborators come in through the constructor."""

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
        if not os.path.isdir(root):
            # An unplugged drive is not a mass deletion: hide its photos until it returns.
            self.catalog.set_folder_online(folder_id, False)
            self._remove_from_index_where("folder_id=?", (folder_id,))
            result.offline_folders.append(root)
            log.warning("folder %s is offline; its photos are hidden until it returns", root)
            return result
        was_offline = any(r["id"] == folder_id and not r["online"] for r in self.catalog.folders())
        if was_offline:
            self.catalog.set_folder_online(folder_id, True)
            self.index.sync(self.catalog)
        known = self.catalog.photos_in_folder(folder_id)
        seen: set[str] = set()
        c = self.catalog.conn
        with self.catalog.write():
            for n, entry in enumerate(walk(root, self.excluded)):
                seen.add(entry.path)
                row = known.get(entry.path)
                size = entry.stat.st_size if entry.stat else None
                mtime = entry.stat.st_mtime_ns if entry.stat else None
                unchanged = row is not None and row[1] == size and row[2] == mtime
                if entry.reason:
                    if not (unchanged and row[3] == FAILED):
                        self.catalog.record_failure(c, folder_id, entry.path, size, mtime, entry.reason)
                        result.failed += 1
                    else:
                        result.unchanged += 1
                elif unchanged and row[3] in (INDEXED, FAILED):
                    result.unchanged += 1
                else:
                    self.catalog.upsert_pending(c, folder_id, entry.path, size, mtime, priority)
                    result.queued += 1
                if n % 2000 == 1999:  # keep write transactions short so readers and the GUI never wait long
                    c.execute("COMMIT")
                    c.execute("BEGIN IMMEDIATE")
            gone = [pid for path, (pid, _, _, status) in known.items() if path not in seen and status != MISSING]
            for pid in gone:
                self.catalog.mark_missing(c, pid)
            result.missing += len(gone)
        self.index.remove(gone)
        return result

    def _remove_from_index_where(self, where: str, args: tuple) -> None:
        ids = [r[0] for r in self.catalog.conn.execute(f"SELECT id FROM photos WHERE {where}", args)]
        self.index.remove(ids)

    # -- the queue ----------------------------------------------------------------------------------
    def _prepare(self, photo: Photo, target: int) -> _Outcome:
        """Runs on a pool thread: hash, look for a vector to reuse, else decode and preprocess."""
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
                for other_id, _path, status, has_vec in self.catalog.find_by_hash(digest, self.model):
                    if other_id != photo.id and has_vec:
                        return _Outcome(photo, "reuse", st=st, digest=digest, source_id=other_id,
                                        source_status=status)
                decoded = imageio.decode(f, target)
                tensor = self.encoder.preprocess(decoded.image)
            except imageio.PhotoError as e:
                return _Outcome(photo, "failed", st=st, reason=str(e), digest=digest)
            except Exception as e:  # a decoder bug must not end the run
                log.exception("unexpected error reading %s", photo.path)
                return _Outcome(photo, "failed", st=st, reason=f"unexpected error ({type(e).__name__}: {e})")
        meta = {"width": decoded.width, "height": decoded.height, "taken": decoded.taken, "camera": decoded.camera}
        return _Outcome(photo, "decoded", st=st, digest=digest, tensor=tensor, meta=meta)

    def process(self, should_stop: Callable[[], bool] = lambda: False,
                on_progress: Callable[[Progress], None] | None = None, chunk: int = 256) -> Progress:
        """Work off the queue until it is empty (or should_stop() says so)."""
        progress = Progress(total=self.catalog.count_pending(self.model), started=self.clock(), now=self.clock())
        target = max(self.encoder.input_size, 64)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="photoclip-decode") as pool:
            while not should_stop():
                photos = self.catalog.pending(self.model, chunk)
                if not photos:
                    break
                progress.total = max(progress.total, progress.done + self.catalog.count_pending(self.model))
                self._run_chunk(pool, photos, target, progress, should_stop, on_progress)
        self.maybe_save(force=True)
        return progress

    def _run_chunk(self, pool, photos, target, progress, should_stop, on_progress) -> None:
        lookahead = self.workers * 2 + self.batch_size
        futures: deque[Future] = deque()
        todo = deque(photos)
        batch: list[_Outcome] = []
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
                    for fut in futures:
                        fut.cancel()
                    return
        if batch:
            self._commit(batch, progress)

    def _commit(self, batch: list[_Outcome], progress: Progress) -> None:
        decoded = [o for o in batch if o.kind == "decoded"]
        vecs = self.encoder.encode_images([o.tensor for o in decoded]) if decoded else None
        touched: list[int] = []  # ids whose vector must be (re)added to the index
        removed: list[int] = []
        c = self.catalog.conn
        with self.catalog.write():
            for o in batch:
                p = o.photo
                if o.kind == "gone":
                    self.catalog.mark_missing(c, p.id)
                    removed.append(p.id)
                elif o.kind == "failed":
                    self.catalog.record_failure(c, p.folder_id, p.path, o.st.st_size if o.st else p.size,
                                                o.st.st_mtime_ns if o.st else p.mtime_ns, o.reason, o.digest)
                    removed.append(p.id)
                    progress.failed += 1
                elif o.kind == "same":
                    self.catalog.mark_indexed(c, p.id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                    touched.append(p.id)
                elif o.kind == "reuse":
                    progress.reused += 1
                    if o.source_status == MISSING:  # the file moved: the old row (id, vector, tags) follows it
                        self.catalog.move_photo(c, o.source_id, p.path, p.folder_id)
                        self.catalog.mark_indexed(c, o.source_id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                        removed.append(p.id)
                        touched.append(o.source_id)
                    else:  # a duplicate of a photo we already encoded
                        self.catalog.copy_vector(c, self.model, o.source_id, p.id)
                        self.catalog.mark_indexed(c, p.id, o.st.st_size, o.st.st_mtime_ns, o.digest)
                        touched.append(p.id)
            if decoded:
                ids = [o.photo.id for o in decoded]
                self.catalog.put_vectors(c, self.model, ids, vecs)
                for o in decoded:
                    self.catalog.mark_indexed(c, o.photo.id, o.st.st_size, o.st.st_mtime_ns, o.digest, o.meta)
                progress.indexed += len(decoded)
                touched += ids
            seq = int(self.catalog.get_meta("vec_seq", "0"))
        self.index.remove([i for i in removed if i not in touched])
        if touched:
            ids, mat = self.catalog.vectors_for(self.model, touched)
            self.index.add(ids, mat)
        self.index.seq = max(self.index.seq, seq)
        progress.done += len(batch)
        progress.now = self.clock()
        if self.on_indexed and touched:
            self.on_indexed(touched)
        self.maybe_save()

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

"""The library service: the one process, and within it the one thread, that changes a library.

`LibraryService` is what `photoclip watch`, `photoclip index` and the app run.  Its worker thread owns every
catalog write and the vector index: file events from the watcher and commands from the app or from other
processes (through the local socket, ipc.py) arrive in one queue and are carried out in order, between
indexing batches.  `submit(op, **params)` returns a Future; what happened is reported as `LiveEvent`s.

The worker blocks on its queue when there is nothing to do.  Its only timed wake-ups are the next settle
check of a file being written, the purge of photos deleted more than a grace period ago, and (while
watching) a stat of each library root every few seconds to notice a drive that comes back: no SQL, no file
writes at idle.  The queue's length lives in memory, recounted after the worker's own changes.
"""
from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

from . import ipc, ops, recovery
from .changes import ChangeTracker
from .encoder import ModelLoadError
from .events import EventHub, LiveEvent, NewsDesk
from .errors import PhotoclipError
from .holder import Holder
from .indexer import Progress
from .reconcile import ReconcileResult
from .models import mismatch_message, normalize_spec
from .fsutil import has_room
from .service_folders import FolderChecks
from .service_indexing import IndexingSteps
from .service_faces import FaceSteps
from .service_places import PlaceSteps
from .service_text import TextSteps
from .service_video import VideoSteps
from .switching import SwitchRunner
from .watcher import FolderWatcher, RawEvent

log = logging.getLogger(__name__)

FOLDER_CHECK_S = 3.0


@dataclass
class _Command:
    op: str
    params: dict
    future: Future


_STOP = object()


class _Inbox(queue.Queue):
    """The worker's queue.  Every put first tells the service it is busy (`on_put`), so nobody can see it idle
    while an item is on its way from the queue to the worker."""

    def __init__(self, on_put: Callable[[], None]):
        super().__init__()
        self._on_put = on_put

    def put(self, item, block: bool = True, timeout: float | None = None) -> None:
        self._on_put()
        super().put(item, block, timeout)


class LibraryService(IndexingSteps, PlaceSteps, VideoSteps, FaceSteps, TextSteps, NewsDesk, FolderChecks):
    def __init__(self, library, *, kind: str = "watch", watch: bool = True, serve: bool = True,
                 settle_s: float = 1.0, force_polling: bool = False, poll_interval: float = 2.0,
                 on_event: Callable[[LiveEvent], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self.lib = library
        self.kind = kind
        self.watching = watch
        self.serve = serve
        self.settle_s = settle_s
        # A deleted photo leaves results at once but its row (vector, album tags) waits this long before it
        # is purged, in case the deletion was the first half of a move whose second half is still coming.
        # A one-off `index` run purges at the end, as `index` always did.
        self.purge_grace_s = max(10.0, 5 * settle_s) if watch else 0.0
        self.on_event = on_event or (lambda e: None)
        self.hub = EventHub()  # clients' subscriptions (client.py, the socket's event streams)
        self._journal: list[tuple[str, int, str | None]] = []  # photo news from the indexer and the tracker
        self._published: dict[str, object] = {}  # the last albums and folders events, to send only changes
        self._albums_at = 0.0
        self.clock = clock
        # Items put but not yet applied; idle means none and nothing else to do (guarded by _state).
        self._state = threading.Lock()
        self._outstanding = 0
        self._inbox: "queue.Queue" = _Inbox(self._arriving)
        self._watcher = FolderWatcher(self._inbox, self._notice, force_polling, poll_interval) if watch else None
        self._holder = Holder(library.paths, kind)
        self._server: ipc.Server | None = None
        self._thread: threading.Thread | None = None
        self._backup_thread: threading.Thread | None = None
        self._warm_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._tracker: ChangeTracker | None = None
        self._indexer = None
        self.switch = SwitchRunner(library)  # a model switch under way: its re-encode and commit
        self.paused = False
        self.pending = 0
        self.progress = Progress()
        self._text_todo: list = []  # (id, path, hash) of photos whose text is read next (service_text.py)
        self._text_exhausted = False  # the last look found no photo to read: look again after the next change
        self._text_off_reason: str | None = None
        self._faces_todo: list = []  # (id, path, hash) of photos whose faces are found next (service_faces.py)
        self._faces_off_reason: str | None = None
        self._faces_unclustered = True  # faces may wait for a clustering pass (one runs after each start)
        self._faces_exhausted = self._places_exhausted = False  # no photo left to look at (service_places.py)
        self._places_todo: list = []  # (id, path, hash) of photos whose position is read next
        self._spell: Progress | None = None  # progress over the current busy spell
        self._batches = 0  # committed batches in the current indexing call
        self.model_error: str | None = None  # the model could not load: indexing waits for another model
        self.notices: list[str] = []
        self.reconciled = ReconcileResult()
        self.purged = 0
        self._purge_at: float | None = None
        self._retry_at = 0.0
        self._full_disk = 0  # batches failed in a row on a full disk
        self._rescan_when_room = False  # file events were dropped on a full disk: rescan once it has room
        self._next_folder_check = 0.0
        self._root_ids: dict[str, tuple[int, int] | None] = {}  # each root's (device, inode) at the last check
        self._rearm: set[str] = set()  # roots whose own folder was deleted or moved away since the last check
        self._catalog_id: tuple[int, int] | None = None  # the catalog file's (device, inode) at start

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "LibraryService":
        """Take the library (HolderError if another process has it), start the worker and the socket."""
        self._holder.acquire()
        self.lib.host = self
        try:
            self._thread = threading.Thread(target=self._run, name="photoclip-worker", daemon=True)
            self._thread.start()
            if self.serve:
                self._server = ipc.Server(self.lib.paths, self._answer, subscribe=self.hub.subscribe).start()
                self._holder.update(family=self._server.family, address=self._server.address)
                if self.kind == "watch":  # a watch is there to answer: have the model ready for the first search
                    self._warm_thread = threading.Thread(target=self._warm_up, name="photoclip-warm-up", daemon=True)
                    self._warm_thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _backup(self) -> None:
        try:
            recovery.daily_backup(self.lib.paths.catalog)
        except Exception:  # a backup that fails is retried at the next start; say why in the log
            log.exception("could not back up the catalog")

    def _warm_up(self) -> None:
        try:
            self.lib.encoder.load()
            self.lib.index.ensure_loaded()
        except ModelLoadError as e:  # say so now, not at the first photo or search
            self.model_error = str(e)
            self._emit(LiveEvent("error", message=str(e), fatal=True))
        except Exception:
            log.exception("could not prepare the model and the index")
        finally:
            self.lib.catalog.close_thread()

    def stop(self, timeout: float = 60) -> bool:
        """An ordered stop, so the library can be closed after it: the socket takes no new requests and answers
        the ones in flight, the watcher stops sending events, the worker finishes its batch and saves the index,
        then the helper threads end and the library is released.  True when every thread ended in time."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()  # no new requests or subscribers; the event streams go on until the hub closes
        if self._watcher is not None:
            self._watcher.stop()
        self._stopping.set()
        self._inbox.put(_STOP)
        deadline = time.monotonic() + timeout
        ended = True
        for attr in ("_thread", "_warm_thread", "_backup_thread"):
            thread = getattr(self, attr)
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
                ended &= not thread.is_alive()
                setattr(self, attr, None)
        if not ended:
            log.warning("the library service's threads did not end within %.0fs", timeout)
        if self.lib.host is self:
            self.lib.host = None
        self.hub.close()
        if server is not None:
            server.end_streams()
        self._holder.release()
        return ended

    def submit(self, op: str, **params) -> Future:
        """Queue a write (an operation declared with write=True) for the worker; the Future holds its answer."""
        fut: Future = Future()
        known = ops.OPERATIONS.get(op)
        if known is None or not known.write:
            fut.set_exception(ops.UsageError(f"{op!r} is not a change the library service makes."))
        elif self._stopping.is_set() or self._thread is None:
            fut.set_exception(ops.ServiceStopped("The library service has stopped."))
        else:
            self._idle.clear()
            self._inbox.put(_Command(op, params, fut))
        return fut

    def pause(self) -> Future:
        return self.submit("pause")

    def resume(self) -> Future:
        return self.submit("resume")

    @property
    def polling_folders(self) -> set[str]:
        return set(self._watcher.polling) if self._watcher else set()

    def _arriving(self) -> None:  # any thread, as an item is put
        with self._state:
            self._outstanding += 1
            self._idle.clear()

    def _applied(self) -> None:  # the worker, once an item is carried out
        with self._state:
            self._outstanding -= 1

    def wait_idle(self, timeout: float) -> bool:
        """For tests and scripts: block until every item put is carried out, nothing is queued for indexing and
        no file is settling."""
        deadline = time.monotonic() + timeout
        while True:
            with self._state:
                if self._idle.is_set() and self._outstanding == 0:
                    return True
            if time.monotonic() >= deadline:
                return False
            self._idle.wait(0.05)

    # -- the socket: reads answered here, writes handed to the worker --------------------------------
    def _answer(self, request: dict) -> dict:
        op, params = request.get("op"), request.get("params") or {}
        try:
            wanted = normalize_spec(request["model"]) if request.get("model") else None
            if wanted and wanted != self.lib.model_id and not request.get("switch_model"):
                raise ops.UsageError(mismatch_message(self.lib.model_id, wanted))
            if request.get("switch_model") and self.lib.switch_is_news(wanted):
                self.submit("switch_model", model=wanted).result()
            return {"ok": True, "data": self.query(op, **ops.check_params(op, ops.get(op).func, params))}
        except PhotoclipError as e:
            return {"ok": False, "error": str(e), "usage": e.usage}

    def query(self, op: str, **params) -> dict:
        """Answer an operation the way every client sees it: reads here (any thread), writes on the worker."""
        known = ops.get(op)
        if known.write:
            return self.submit(op, **params).result()
        for attempt in range(3):
            try:
                return known(self.lib, **params)
            except sqlite3.OperationalError as e:
                # Seen under heavy load, on a reader while the worker committed a burst: "disk I/O error".
                # SQLite's advice after an I/O error is a fresh connection; a read changes nothing, so ask again.
                if attempt == 2:
                    raise
                log.warning("a read of %s failed (%s); asking again on a fresh connection", op, e)
                self.lib.catalog.close_thread()
                time.sleep(0.05 * (attempt + 1))

    # -- the worker ---------------------------------------------------------------------------------
    def _run(self) -> None:
        cat = self.lib.catalog
        cat.claim_writes()
        try:
            self._startup()
            while self._step():
                pass
        except Exception as e:  # never silently: the app and `watch` hear of it and can say so
            log.exception("the library service stopped unexpectedly")
            self.model_error = self.model_error or f"The library service stopped: {e}"
            self._emit(LiveEvent("error", message=self.model_error, fatal=True))
        finally:
            self._stopping.set()
            self._fail_queued()
            if self._indexer is not None:
                self._indexer.close()
            self.switch.close()
            try:
                self.lib.index.save()
            except Exception:
                log.exception("could not save the search index")
            self._save_face_index()
            cat.release_writes()
            cat.close_thread()

    def _make_indexer(self):
        indexer = self.lib.make_indexer()
        indexer.journal = self._journal
        return indexer

    def _startup(self) -> None:
        self._backup_thread = threading.Thread(target=self._backup, name="photoclip-backup", daemon=True)
        self._backup_thread.start()
        self._indexer = self._make_indexer()
        self._tracker = ChangeTracker(self.lib, self.settle_s, self.clock)
        self._tracker.journal = self._journal
        if self._watcher is not None:
            for row in self._tracker.folders:
                if os.path.isdir(row["path"]):
                    self._watcher.watch(row["path"])
                    self._root_ids[row["path"]] = self._root_identity(row["path"])
        # Catch up on what changed while photoclip was not running (stat only; hash where changed).
        self.reconciled = self._indexer.reconcile()
        for folder in self.reconciled.offline_folders:
            self._notice(f"{folder} is offline; its photos are hidden until it returns.")
        self._tracker.refresh_folders()
        self.switch.refresh()  # a switch that a restart interrupted resumes
        self._catalog_id = self._root_identity(str(self.lib.paths.catalog))
        self._after_change()

    def _step(self) -> bool:
        """One turn: wait for something (or a deadline), apply it and all that queued meanwhile, index."""
        self._maybe_idle()
        item = self._next_item()
        changed = False
        while item is not None:
            if item is _STOP:
                return False
            try:
                changed |= self._apply(item)
            finally:
                self._applied()
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                item = None
        changed |= self._run_timers()
        if changed:
            self._after_change()
        work = self._work()
        if work is not None:
            work()
        return not self._stopping.is_set()

    def _work(self):
        """The worker's next job: indexing, a new model's re-encode, then places, videos' frames, faces, text."""
        for can, run in ((self._can_index, self._index), (self._can_reencode, self._reencode), (self._can_place,
                          self._place), (self._can_sample, self._sample), (self._can_find_faces, self._find_faces),
                         (self._can_read_text, self._read_text)):
            if can():
                return run
        return None

    def _command_waiting(self) -> bool:
        return any(isinstance(item, _Command) for item in list(self._inbox.queue))

    def _next_item(self):
        if self._work() is not None:
            timeout = 0.0  # work to do: only look at what has arrived
        else:
            now = self.clock()
            due = [d for d in (self._tracker.next_deadline(), self._purge_at if self.pending == 0 else None,
                               self._next_folder_check if self.watching else None,
                               self._retry_at if self.pending and self._retry_at > now else None) if d is not None]
            timeout = max(0.0, min(due) - now) if due else None  # None: block until something arrives
        try:
            return self._inbox.get(timeout=timeout) if timeout != 0.0 else self._inbox.get_nowait()
        except queue.Empty:
            return None

    def _apply(self, item) -> bool:
        self._idle.clear()
        if isinstance(item, _Command):
            return self._execute(item)
        if isinstance(item, RawEvent) and item.kind == "overflow":
            return self._rescan("The system dropped file events during a burst; photoclip rescanned the folders.")
        if isinstance(item, RawEvent) and item.kind in ("deleted", "moved") and \
                any(item.path == row["path"] for row in self._tracker.folders):
            self._rearm.add(item.path)  # the root itself went: whatever stands there next is watched afresh
            self._next_folder_check = self.clock()
        try:
            return self._tracker.handle(item) if isinstance(item, RawEvent) else False
        except Exception as e:  # one odd event must not end the service
            from .fsutil import disk_full

            if disk_full(e, self.lib.paths.data):  # the rescan after the disk has room again finds it
                self._rescan_when_room = True
                self._batch_failed(e, "A file change could not be applied")
                return False
            log.exception("could not apply the file event %r", item)
            self._emit(LiveEvent("error", message=f"A file change could not be applied: {e}"))
            return False

    def _execute(self, cmd: _Command) -> bool:
        if not cmd.future.set_running_or_notify_cancel():
            return False
        folders_before, model_before = set(self.lib.folder_paths()), self.lib.model_id
        try:
            result = ops.OPERATIONS[cmd.op](self.lib, **cmd.params)
        except BaseException as e:  # the caller hears of it through its Future
            error: BaseException | None = e
            result = None
        else:
            error = None
        try:
            self._after_command(folders_before, model_before)
            if error is None:
                self._after_people_command(cmd.op)
        finally:
            if error is not None:
                cmd.future.set_exception(error)
            else:
                cmd.future.set_result(result)
        return True

    def _after_command(self, folders_before: set[str], model_before: str) -> None:
        """Follow what a command changed: new folders are watched and scanned, removed ones forgotten, a new
        model gets its own indexer."""
        if self.lib.model_id != model_before:
            self._indexer.close()
            self._indexer = self._make_indexer()
            self.model_error = None
            self._emit(LiveEvent("model", message=self.lib.model_id))
        self.switch.refresh()  # started, redirected or cancelled; and after an error, worth another try
        self._follow_folders(folders_before)

    def _after_change(self) -> None:
        self._text_exhausted = self._faces_exhausted = self._places_exhausted = self._frames_exhausted = False
        self.pending = self.lib.catalog.count_pending()
        since = self.lib.catalog.missing_since()
        self._purge_at = None if since is None else self.clock() + max(0.0, since + self.purge_grace_s - time.time())
        self._publish_news(albums_now=True)
        self._emit(LiveEvent("changed", pending=self.pending))

    def _run_timers(self) -> bool:
        now = self.clock()
        changed = False
        deadline = self._tracker.next_deadline()
        if deadline is not None and now >= deadline:
            changed |= self._tracker.apply_settled() > 0
        # Purge only with the queue empty: a queued file may be the new home of a photo that went missing.
        if (self._purge_at is not None and now >= self._purge_at and not self._tracker.settling
                and self.pending == 0):
            purged = self._indexer.finish(self.purge_grace_s)
            self.purged += len(purged)
            self._purge_at = None
            changed |= bool(purged)
        if self.watching and now >= self._next_folder_check:
            if self._catalog_gone():
                return changed
            changed |= self._check_folders()
            if self._rescan_when_room and has_room(self.lib.paths.data):
                self._rescan_when_room = False
                changed |= self._rescan("The disk has room again; photoclip rescanned the folders.")
            self._next_folder_check = now + FOLDER_CHECK_S
        return changed

    def _maybe_idle(self) -> None:
        if self._idle.is_set() or not self._inbox.empty() or self._tracker.settling or self._work() is not None:
            return
        if self._purge_at is not None and self.purge_grace_s == 0:
            return  # a one-off index run purges before it calls itself done
        with self._state:
            if self._outstanding:
                return  # something arrived meanwhile
            self._spell = None
            self._idle.set()
        self._emit(LiveEvent("idle", pending=self.pending))

    def set_paused(self, paused: bool) -> dict:
        """On the worker (the pause and resume operations)."""
        if paused != self.paused:
            self.paused = paused
            self._holder.update(paused=paused)
            self._emit(LiveEvent("paused" if paused else "resumed", pending=self.pending))
        return {"paused": paused}

    def _fail_queued(self) -> None:
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Command) and item.future.set_running_or_notify_cancel():
                item.future.set_exception(ops.ServiceStopped("The library service stopped before doing this."))

    # -- reporting ----------------------------------------------------------------------------------
    def _notice(self, message: str) -> None:
        log.info("%s", message)
        self.notices.append(message)
        self._emit(LiveEvent("notice", message=message))

    def _emit(self, event: LiveEvent) -> None:
        self.hub.publish(event.as_json())
        try:
            self.on_event(event)
        except Exception:  # a listener's bug must not stop indexing
            log.exception("event listener failed")

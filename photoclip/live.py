"""The live library: watchers plus one background indexing worker, behind a thread-safe API.

`LibraryService` is what `photoclip watch` and the GUI run.  One worker thread owns every catalog write:
it turns settled file events into queue rows (the catalog is the queue, so a crash loses nothing), applies
moves and renames directly (vectors and album tags stay), hides deleted photos at once, takes vanished
folders offline instead of deleting them, and works off the queue newest-first in batches that yield to
new events.  Other processes see the holder through a lock file and a small state file.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .catalog import MISSING
from .fsutil import atomic_write_bytes
from .indexer import Progress
from .paths import AppPaths
from .scanner import has_hidden_part, is_excluded, is_within, stat_entry, walk
from .watcher import FolderWatcher, RawEvent

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

log = logging.getLogger(__name__)


class LiveError(Exception):
    """str(e) is one sentence for the user."""


# -- who holds the library ----------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_live_state(paths: AppPaths) -> dict | None:
    """The running watch/GUI's state, or None when nothing holds the library."""
    try:
        state = json.loads(paths.live_state.read_text())
    except (OSError, ValueError):
        return None
    if fcntl is not None:
        try:
            with open(paths.live_lock, "a+") as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
                return None  # we could take the lock: nobody holds it (a stale state file)
        except OSError:
            return state
    return state if _pid_alive(int(state.get("pid", -1))) else None


def refuse_if_live(paths: AppPaths) -> None:
    state = read_live_state(paths)
    if state:
        raise LiveError(f"A photoclip watch or window (pid {state.get('pid')}) is already keeping this library "
                        "current; it indexes new photos by itself (stop it first to run index).")


def request_pause(paths: AppPaths, paused: bool) -> None:
    if read_live_state(paths) is None:
        raise LiveError("No photoclip watch is running for this library; start one with: photoclip watch")
    atomic_write_bytes(paths.data / "control.json", json.dumps({"paused": paused, "at": time.time()}).encode())


@dataclass
class LiveEvent:
    """What the service reports: progress counts, notices for the user, and state changes."""
    kind: str  # progress | notice | changed | idle | error | paused | resumed
    progress: Progress | None = None
    message: str = ""
    pending: int = 0
    fatal: bool = False  # the service stopped and will not go on


class LibraryService:
    def __init__(self, library, *, settle_s: float = 1.0, tick_s: float = 0.2, force_polling: bool = False,
                 poll_interval: float = 2.0, on_event: Callable[[LiveEvent], None] | None = None):
        self.lib = library
        self.settle_s = settle_s
        # A deleted photo leaves results at once but its row (vector, album tags) waits this long before it
        # is purged, in case the deletion was the first half of a move whose second half is still coming.
        self.purge_grace_s = max(10.0, 5 * settle_s)
        self.tick_s = tick_s
        self.on_event = on_event or (lambda e: None)
        self._raw: "queue.Queue[RawEvent]" = queue.Queue()
        self._watcher = FolderWatcher(self._raw, self._notice, force_polling, poll_interval)
        self._settling: dict[str, tuple[float, tuple | None]] = {}  # path -> (last event time, last stat)
        self._rescan: set[str] = set()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file = None
        self._control_mtime = 0.0
        self._pending = 0
        self._idle = threading.Event()
        self.notices: list[str] = []
        self.failed: str | None = None  # why the worker could not start, if it could not
        self.progress = Progress()
        self._spell: Progress | None = None  # progress over the current busy spell
        self._spell_base = 0

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "LibraryService":
        paths = self.lib.paths
        if fcntl is not None:
            self._lock_file = open(paths.live_lock, "a+")
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock_file.close()
                self._lock_file = None
                refuse_if_live(paths)
                raise LiveError("Another photoclip process holds this library.") from None
        else:
            refuse_if_live(paths)
        with contextlib.suppress(FileNotFoundError):
            (paths.data / "control.json").unlink()
        self._write_state()
        self._thread = threading.Thread(target=self._run, name="photoclip-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._watcher.stop()
        with contextlib.suppress(Exception):
            self.lib.index.save()
        with contextlib.suppress(FileNotFoundError):
            self.lib.paths.live_state.unlink()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def pause(self) -> None:
        self._paused.set()
        self._write_state()
        self._emit(LiveEvent("paused"))

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()
        self._write_state()
        self._emit(LiveEvent("resumed"))

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def polling_folders(self) -> set[str]:
        return set(self._watcher.polling)

    def add_folder(self, path: str) -> None:
        self.lib.add_folders([path])
        self._rescan.add(os.path.abspath(path))
        self._wake.set()

    def remove_folder(self, path: str) -> None:
        self._watcher.unwatch(os.path.abspath(path))
        self.lib.remove_folder(path)
        self._emit(LiveEvent("changed"))

    def wait_idle(self, timeout: float) -> bool:
        """For tests and scripts: block until the queue is empty and no event is settling."""
        deadline = time.monotonic() + timeout
        while True:
            if self._idle.is_set() and self._raw.empty() and not self._settling:
                return True
            if time.monotonic() >= deadline:
                return False
            self._idle.wait(0.05)

    # -- the worker ---------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            indexer = self.lib.make_indexer()
            for folder in self.lib.folder_paths():
                self._watcher.watch(folder)
            # Catch up on what changed while photoclip was not running (stat only; hash where changed).
            indexer.reconcile()
            self._emit(LiveEvent("changed"))
        except Exception as e:
            log.debug("the library service could not start", exc_info=True)
            self.failed = str(e)
            self._emit(LiveEvent("error", message=f"Indexing could not start: {e}", fatal=True))
            return
        last_folder_check = time.monotonic()
        while not self._stop.is_set():
            self._check_control()
            changed = self._drain_events()
            changed |= self._apply_settled()
            if self._rescan:
                for folder in list(self._rescan):
                    self._rescan.discard(folder)
                    self._watcher.watch(folder)
                    self._reconcile_folder(indexer, folder)
                changed = True
            if time.monotonic() - last_folder_check > max(1.0, self.settle_s):
                changed |= self._check_folders(indexer)
                last_folder_check = time.monotonic()
            if changed:
                self._emit(LiveEvent("changed"))
            self._pending = self.lib.catalog.count_pending(self.lib.model_id)
            if self._pending and not self.paused:
                self._idle.clear()
                try:
                    done = indexer.process(should_stop=self._should_yield, on_progress=self._on_progress).done
                    self._spell_base += done
                except Exception as e:  # keep the service alive; the next tick retries
                    log.exception("indexing batch failed")
                    self._emit(LiveEvent("error", message=f"Indexing error: {e}"))
                    self._stop.wait(1.0)
                self._emit(LiveEvent("changed"))
                continue
            if not self._pending and not self._settling and self._raw.empty():
                purged = indexer.finish(self.purge_grace_s) if self._has_missing() else []
                if purged:
                    self._emit(LiveEvent("changed"))
                self._write_state()
                self._spell, self._spell_base = None, 0
                if not self._idle.is_set():
                    self._idle.set()
                    self._emit(LiveEvent("idle"))
            self._wake.wait(self.tick_s)
            self._wake.clear()

    def _should_yield(self) -> bool:
        return self._stop.is_set() or self.paused or not self._raw.empty() or bool(self._rescan)

    def _on_progress(self, p: Progress) -> None:
        # Counts run across the whole busy spell (files keep arriving while earlier ones are encoded),
        # not per queue chunk, so the user sees one steadily growing done/total until the library is current.
        if self._spell is None:
            self._spell = Progress(started=p.started)
        s = self._spell
        s.done, s.total = self._spell_base + p.done, self._spell_base + p.total
        s.indexed, s.failed, s.reused, s.now = p.indexed, p.failed, p.reused, p.now
        self.progress = s
        self._pending = max(0, s.total - s.done)
        self._emit(LiveEvent("progress", progress=s, pending=self._pending))
        self._write_state()

    def _has_missing(self) -> bool:
        """Photos gone for longer than the grace period (they are already hidden from results)."""
        return self.lib.catalog.conn.execute(
            "SELECT 1 FROM photos WHERE status=? AND offline=0 AND updated < ? LIMIT 1",
            (MISSING, time.time() - self.purge_grace_s)).fetchone() is not None

    # -- events -------------------------------------------------------------------------------------
    def _folder_of(self, path: str) -> tuple[int, str] | None:
        for row in self.lib.catalog.folders():
            if is_within(path, row["path"]):
                return row["id"], row["path"]
        return None

    def _drain_events(self) -> bool:
        changed = False
        now = time.monotonic()
        while True:
            try:
                ev = self._raw.get_nowait()
            except queue.Empty:
                return changed
            self._idle.clear()
            changed |= self._handle(ev, now)

    def _handle(self, ev: RawEvent, now: float) -> bool:
        cat = self.lib.catalog
        if ev.kind == "moved":
            return self._handle_move(ev, now)
        owner = self._folder_of(ev.path)
        if owner is None or has_hidden_part(ev.path, owner[1]) or is_excluded(ev.path, self.lib.settings.excluded):
            return False
        if ev.kind == "deleted":
            if ev.path == owner[1]:
                return False  # the root itself: _check_folders takes it offline
            ids = [r[0] for r in cat.conn.execute(
                "SELECT id FROM photos WHERE (path=? OR substr(path, 1, ?)=?) AND status<>'missing'",
                (ev.path, len(ev.path) + 1, ev.path + os.sep))]
            if ids:
                with cat.write() as c:
                    for pid in ids:
                        cat.mark_missing(c, pid)
                self.lib.index.remove(ids)  # gone from results at once; purged when the queue is empty
                return True
            self._settling.pop(ev.path, None)
            return False
        if ev.is_dir:
            if ev.kind == "created":
                self._settle_tree(ev.path, now)
            return False
        self._settling[ev.path] = (now, None)
        return False

    def _handle_move(self, ev: RawEvent, now: float) -> bool:
        cat = self.lib.catalog
        src_owner, dst_owner = self._folder_of(ev.path), self._folder_of(ev.dest)
        if (dst_owner is None or has_hidden_part(ev.dest, dst_owner[1])
                or is_excluded(ev.dest, self.lib.settings.excluded)):
            # Moved out of the library (or into a hidden place): like a deletion.
            return self._handle(RawEvent("deleted", ev.path, None, ev.is_dir), now) if src_owner else False
        if ev.is_dir:
            n = cat.rename_prefix(ev.path, ev.dest, dst_owner[0]) if src_owner else 0
            self._settle_tree(ev.dest, now)  # anything not known yet (moved in from outside) gets indexed
            return n > 0
        photo = cat.photo_by_path(ev.path) if src_owner else None
        if photo is None:  # e.g. a download renamed from .part to .jpg: a new file
            self._settling[ev.dest] = (now, None)
            return False
        entry = stat_entry(ev.dest)
        if entry is None:  # renamed to a non-image name: it leaves the library
            return self._handle(RawEvent("deleted", ev.path, None, False), now)
        with cat.write() as c:
            cat.move_photo(c, photo.id, ev.dest, dst_owner[0])
        self._settling.pop(ev.path, None)
        return True

    def _settle_tree(self, folder: str, now: float) -> None:
        for entry in walk(folder, self.lib.settings.excluded):
            self._settling[entry.path] = (now, None)

    def _apply_settled(self) -> bool:
        """Queue files whose size and mtime stopped changing: a photo still being copied is indexed once."""
        now = time.monotonic()
        ready = []
        for path, (t, last) in list(self._settling.items()):
            if now - t < self.settle_s:
                continue
            try:
                st = os.stat(path)
                cur = (st.st_size, st.st_mtime_ns)
            except OSError:
                cur = None
            if cur is not None and cur != last:
                self._settling[path] = (now, cur)  # still changing (or first look): check again later
                continue
            del self._settling[path]
            ready.append(path)
        if not ready:
            return False
        cat = self.lib.catalog
        changed = False
        with cat.write() as c:
            for path in ready:
                owner = self._folder_of(path)
                entry = stat_entry(path)
                if owner is None or entry is None:
                    continue
                row = cat.photo_by_path(path)
                size = entry.stat.st_size if entry.stat else None
                mtime = entry.stat.st_mtime_ns if entry.stat else None
                if row and row.size == size and row.mtime_ns == mtime and row.status != MISSING:
                    continue
                if entry.reason:
                    cat.record_failure(c, owner[0], path, size, mtime, entry.reason)
                else:
                    cat.upsert_pending(c, owner[0], path, size, mtime, priority=1)  # new photos first
                changed = True
        return changed

    def _reconcile_folder(self, indexer, folder: str) -> None:
        for row in self.lib.catalog.folders():
            if row["path"] == folder:
                indexer.reconcile_folder(row["id"], folder)

    def _check_folders(self, indexer) -> bool:
        """Vanished roots go offline (no deletions); returning ones come back and are reconciled."""
        changed = False
        for row in self.lib.catalog.folders():
            root, online = row["path"], bool(row["online"])
            exists = os.path.isdir(root)
            if online and not exists:
                indexer.reconcile_folder(row["id"], root)  # takes it offline
                self._watcher.unwatch(root)
                self._settling = {p: v for p, v in self._settling.items() if not is_within(p, root)}
                self._notice(f"{root} is offline; its photos are hidden until it returns.")
                changed = True
            elif not online and exists:
                indexer.reconcile_folder(row["id"], root)
                self._watcher.watch(root)
                self._notice(f"{root} is back online.")
                changed = True
        return changed

    # -- state for other processes and the UI -------------------------------------------------------
    def _check_control(self) -> None:
        path = self.lib.paths.data / "control.json"
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime == self._control_mtime:
            return
        self._control_mtime = mtime
        try:
            wanted = json.loads(path.read_text()).get("paused")
        except (OSError, ValueError):
            return
        if wanted and not self.paused:
            self.pause()
            self._notice("Indexing paused.")
        elif wanted is False and self.paused:
            self.resume()
            self._notice("Indexing resumed.")

    def _write_state(self) -> None:
        state = {"pid": os.getpid(), "paused": self.paused, "pending": self._pending, "at": time.time()}
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.lib.paths.live_state, json.dumps(state).encode())

    def _notice(self, message: str) -> None:
        log.warning("%s", message)
        self.notices.append(message)
        self._emit(LiveEvent("notice", message=message))

    def _emit(self, event: LiveEvent) -> None:
        try:
            self.on_event(event)
        except Exception:  # a listener's bug must not stop indexing
            log.exception("event listener failed")


def run_watch(library, json_lines: bool = False) -> None:
    """`photoclip watch`: run until SIGINT or SIGTERM, then shut down cleanly."""
    done = threading.Event()
    tty = sys.stderr.isatty()
    last = [0.0]

    def on_event(ev: LiveEvent) -> None:
        if ev.fatal:
            done.set()
            return
        if json_lines:
            if ev.kind in ("notice", "idle", "error") or (ev.kind == "progress" and time.monotonic() - last[0] > 1):
                last[0] = time.monotonic()
                p = ev.progress
                print(json.dumps({"event": ev.kind, "message": ev.message,
                                  "done": p.done if p else None, "total": p.total if p else None}), flush=True)
            return
        if ev.kind in ("notice", "error"):
            print(f"photoclip: {ev.message}", file=sys.stderr, flush=True)
        elif ev.kind == "progress" and ev.progress and (tty or time.monotonic() - last[0] > 5):
            last[0] = time.monotonic()
            p = ev.progress
            eta = f", about {p.eta:.0f}s left" if p.eta else ""
            print(f"indexed {p.done}/{p.total} ({p.rate:.1f} photos/s{eta})", file=sys.stderr, flush=True)
        elif ev.kind == "idle":
            print("library is current; watching for changes", file=sys.stderr, flush=True)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    service = LibraryService(library, on_event=on_event).start()
    if not json_lines:
        print(f"watching {len(library.folder_paths())} folders (Ctrl+C to stop)", file=sys.stderr, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        service.stop()
        if not json_lines and not service.failed:
            print("stopped", file=sys.stderr, flush=True)
    if service.failed:
        raise LiveError(service.failed)

"""Turning file events into catalog changes: settling, moves and renames, deletions.  Runs on the service's
worker, which owns every write.

A new or modified file is queued only once its size and modification time have stopped changing for
`settle_s` (a photo still being copied is indexed once, complete).  A move or rename keeps the photo's row,
so its vector and album tags stay and nothing is re-encoded.  A deleted photo leaves the results at once; its
row waits for a grace period before it is purged, in case the deletion was the first half of a move.
"""
from __future__ import annotations

import logging
import os
from typing import Callable

from .records import MISSING
from .scanner import has_hidden_part, is_excluded, is_within, stat_entry, walk
from .watcher import RawEvent

log = logging.getLogger(__name__)


class ChangeTracker:
    def __init__(self, library, settle_s: float, clock: Callable[[], float]):
        self.lib = library
        self.settle_s = settle_s
        self.clock = clock
        self.settling: dict[str, tuple[float, tuple | None]] = {}  # path -> (last event time, last stat)
        self.folders: list[dict] = []
        # (kind, photo id, old path) for the service's events, as in Indexer.journal; None keeps none.
        self.journal: list[tuple[str, int, str | None]] | None = None
        self.refresh_folders()

    def _note(self, kind: str, ids, old: str | None = None) -> None:
        if self.journal is not None:
            self.journal += [(kind, i, old) for i in ids]

    def refresh_folders(self) -> None:
        """The folder list lives in memory, so events and checks never ask the catalog for it."""
        self.folders = self.lib.catalog.folders()

    def owner(self, path: str) -> dict | None:
        for row in self.folders:
            if is_within(path, row["path"]):
                return row
        return None

    def _ignored(self, path: str, owner: dict | None) -> bool:
        return owner is None or has_hidden_part(path, owner["path"]) or is_excluded(path, self.lib.settings.excluded)

    def next_deadline(self) -> float | None:
        """When the earliest settling file is due for its next look."""
        return min(t for t, _ in self.settling.values()) + self.settle_s if self.settling else None

    def forget_under(self, root: str) -> None:
        self.settling = {p: v for p, v in self.settling.items() if not is_within(p, root)}

    def settle_tree(self, folder: str) -> None:
        now = self.clock()
        for entry in walk(folder, self.lib.settings.excluded):
            self.settling[entry.path] = (now, None)

    # -- events -------------------------------------------------------------------------------------
    def handle(self, ev: RawEvent) -> bool:
        """Apply one event; True when the catalog changed (results or counts may differ)."""
        if ev.kind == "moved" and not ev.is_dir and ev.path.lower().endswith(".xmp"):
            return self._sidecar(ev.path) | self._sidecar(ev.dest)
        if ev.kind == "moved":
            return self._moved(ev)
        if not ev.is_dir and ev.path.lower().endswith(".xmp"):
            return self._sidecar(ev.path)
        owner = self.owner(ev.path)
        if self._ignored(ev.path, owner):
            return False
        if ev.kind == "deleted":
            return self._deleted(ev.path, owner)
        if ev.is_dir:
            if ev.kind == "created":
                self.settle_tree(ev.path)
            return False
        self.settling[ev.path] = (self.clock(), None)
        return False

    def _sidecar(self, path: str | None) -> bool:
        """A sidecar was written, replaced or deleted: its photos' metadata are read again (service_places)."""
        if not path or not path.lower().endswith(".xmp") or self.owner(path) is None:
            return False
        ids = self.lib.catalog.ids_for_sidecar(path)
        return bool(ids) and self.lib.catalog.forget_facts(ids) > 0

    def _deleted(self, path: str, owner: dict) -> bool:
        if path == owner["path"]:
            return False  # the root itself: the service's folder check takes it offline
        ids = self.lib.catalog.ids_under(path, exclude_status=MISSING)
        self.settling.pop(path, None)
        if not ids:
            return False
        self.lib.catalog.mark_missing(ids)
        self.lib.index.remove(ids)  # gone from results at once; purged after the grace period
        self._note("removed", ids)
        return True

    def _moved(self, ev: RawEvent) -> bool:
        cat = self.lib.catalog
        src_owner, dst_owner = self.owner(ev.path), self.owner(ev.dest)
        if self._ignored(ev.dest, dst_owner):
            # Moved out of the library (or into a hidden place): like a deletion.
            return self._deleted(ev.path, src_owner) if src_owner else False
        if ev.is_dir:
            n = cat.rename_prefix(ev.path, ev.dest, dst_owner["id"]) if src_owner else 0
            if n and self.journal is not None:
                for photo_id, path in cat.paths_for(cat.ids_under(ev.dest)).items():
                    self._note("moved", [photo_id], ev.path + path[len(ev.dest):])
            self.forget_under(ev.path)
            self.settle_tree(ev.dest)  # anything not known yet (moved in from outside) gets indexed
            return n > 0
        photo = cat.photo_by_path(ev.path) if src_owner else None
        if photo is None:  # e.g. a download renamed from .part to .jpg: a new file
            self.settling[ev.dest] = (self.clock(), None)
            return False
        if stat_entry(ev.dest) is None:  # renamed to a non-image name: it leaves the library
            return self._deleted(ev.path, src_owner)
        cat.move_photo(photo.id, ev.dest, dst_owner["id"])
        self.settling.pop(ev.path, None)
        if photo.status == "indexed":  # a queued photo is news when it is indexed, under its new name
            self._note("moved", [photo.id], ev.path)
        return True

    def apply_settled(self) -> int:
        """Queue files whose size and mtime stopped changing; returns how many rows changed."""
        now = self.clock()
        ready = []
        for path, (t, last) in list(self.settling.items()):
            if now - t < self.settle_s:
                continue
            try:
                st = os.stat(path)
                cur = (st.st_size, st.st_mtime_ns)
            except OSError:
                cur = None
            if cur is not None and cur != last:
                self.settling[path] = (now, cur)  # still changing (or first look): check again later
                continue
            del self.settling[path]
            ready.append(path)
        if not ready:
            return 0
        cat = self.lib.catalog
        changed = 0
        with cat.write():
            for path in ready:
                owner = self.owner(path)
                entry = stat_entry(path)
                if owner is None or entry is None:
                    continue
                row = cat.photo_by_path(path)
                size = entry.stat.st_size if entry.stat else None
                mtime = entry.stat.st_mtime_ns if entry.stat else None
                if row and row.size == size and row.mtime_ns == mtime and row.status != MISSING:
                    continue
                if entry.reason:
                    failed = cat.record_failure(owner["id"], path, size, mtime, entry.reason)
                    self.lib.index.remove([failed])
                    self._note("failed", [failed])
                else:
                    cat.upsert_pending(owner["id"], path, size, mtime, priority=1)  # new photos first
                changed += 1
        return changed

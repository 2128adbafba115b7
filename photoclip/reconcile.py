"""Reconciling folders with the catalog: a fast stat-only scan (a mixin of Indexer, which owns the catalog, the
index and the journal it uses).  New or changed files become 'pending' rows, vanished ones 'missing' (kept
for now, so a move found later by content hash keeps its vector and tags), a folder that is gone entirely
goes offline instead."""
from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass, field

from .records import FAILED, INDEXED, MISSING, PENDING
from .scanner import walk

log = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    queued: int = 0
    unchanged: int = 0
    missing: int = 0
    failed: int = 0
    offline_folders: list[str] = field(default_factory=list)


class Reconciler:
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
        sidecars: dict[str, int] = {}
        entries = walk(root, self.excluded, sidecars)
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
        if self.journal is not None:  # deleted while photoclip was not looking: news for the events too
            self.journal += [("removed", pid, None) for pid in gone]
        result.missing += len(gone)
        self.index.remove(gone)
        self.catalog.forget_facts(self.catalog.sidecars_changed(folder_id, sidecars))
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

"""What the library service does to keep up with the disk besides file events: library roots that go offline,
come back or are replaced, a rescan after events were lost, and a catalog file deleted under the running service.
Mixed into LibraryService (its worker runs all of it)."""
from __future__ import annotations

import logging
import os

from . import recovery
from .events import LiveEvent

log = logging.getLogger(__name__)


class FolderChecks:
    def _follow_folders(self, folders_before: set[str]) -> None:
        """After a command: new folders are watched and scanned, removed ones forgotten."""
        folders = {r["path"]: r for r in self.lib.catalog.folders()}
        for path in folders_before - set(folders):
            if self._watcher is not None:
                self._watcher.unwatch(path)
            self._tracker.forget_under(path)
        for path in set(folders) - folders_before:
            if self._watcher is not None:
                self._watcher.watch(path)
                self._root_ids[path] = self._root_identity(path)
            self._indexer.reconcile_folder(folders[path]["id"], path)
        self._tracker.refresh_folders()

    def _catalog_gone(self) -> bool:
        """The catalog file was deleted (or replaced) under the running service: every write would go to a file
        nobody can open again.  Save what the open connection still holds, stop, and say so; the next start
        puts it back (recovery.restore_missing)."""
        if self._root_identity(str(self.lib.paths.catalog)) == self._catalog_id:
            return False
        try:
            saved = recovery.rescue(self.lib.catalog.conn, self.lib.paths.catalog)
            message = (f"The catalog file {self.lib.paths.catalog} was deleted while photoclip was running; "
                       f"photoclip saved what it held as {saved.name} and stopped. Start photoclip again to put "
                       "it back.")
        except Exception as e:  # the disk or the folder is gone too
            log.exception("could not save the deleted catalog")
            message = (f"The catalog file {self.lib.paths.catalog} was deleted while photoclip was running, and "
                       f"what it held could not be saved ({e}); photoclip stopped. Its daily backup is restored "
                       "at the next start.")
        self.model_error = message
        self._emit(LiveEvent("error", message=message, fatal=True))
        self._stopping.set()
        return True

    def _rescan(self, notice: str) -> bool:
        """Events were lost: compare every online folder with the catalog again (stat only; hash where changed)."""
        for row in self._tracker.folders:
            if row["online"] and os.path.isdir(row["path"]):
                self._indexer.reconcile_folder(row["id"], row["path"])
        self._notice(notice)
        return True

    def _root_identity(self, root: str) -> tuple[int, int] | None:
        try:
            st = os.stat(root)
            return st.st_dev, st.st_ino
        except OSError:
            return None

    def _check_folders(self) -> bool:
        """Vanished roots go offline (no deletions); returning ones come back and are reconciled; a root that
        was deleted and made again (or replaced by a link) between two checks is watched afresh: the old
        watch followed the old folder."""
        changed = False
        for row in self._tracker.folders:
            root, exists = row["path"], os.path.isdir(row["path"])
            identity = self._root_identity(root) if exists else None
            known = self._root_ids.get(root)
            self._root_ids[root] = identity
            replaced = root in self._rearm or (known is not None and identity != known)
            if exists:
                self._rearm.discard(root)
            if row["online"] and exists and replaced:
                self._watcher.unwatch(root)
                self._watcher.watch(root)
                self._indexer.reconcile_folder(row["id"], root)
                self._notice(f"{root} was replaced; photoclip watches the new folder.")
                changed = True
                continue
            if row["online"] and not exists:
                self._indexer.reconcile_folder(row["id"], root)  # takes it offline
                self._watcher.unwatch(root)
                self._tracker.forget_under(root)
                self._notice(f"{root} is offline; its photos are hidden until it returns.")
                changed = True
            elif not row["online"] and exists:
                self._indexer.reconcile_folder(row["id"], root)
                self._watcher.watch(root)
                self._notice(f"{root} is back online.")
                changed = True
        if changed:
            self._tracker.refresh_folders()
        return changed

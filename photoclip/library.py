"""The library: one object that wires paths, settings, catalog, encoder, index and albums together.

The CLI and the GUI both drive this; nothing here knows about either.  The model and the index load
lazily, so opening a library and listing its folders costs no PyTorch import.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

from . import search as search_mod
from .catalog import Catalog
from .encoder import DEFAULT_MODEL, MODEL_ENV, Encoder
from .index import VectorIndex
from .indexer import Indexer, Progress
from .paths import AppPaths
from .scanner import is_within
from .settings import Settings

log = logging.getLogger(__name__)


class LibraryError(Exception):
    """A request the library cannot carry out; str(e) is one sentence for the user."""


class Library:
    def __init__(self, home: str | os.PathLike | None = None, model: str | None = None, device: str | None = None,
                 threads: int | None = None):
        self.paths = AppPaths.resolve(home).ensure()
        self.settings = Settings.load(self.paths.settings)
        spec = model or os.environ.get(MODEL_ENV) or self.settings.model or DEFAULT_MODEL
        self.catalog = Catalog(self.paths.catalog)
        self.encoder = Encoder(spec, device or self.settings.device, cache_dir=self.paths.models_dir,
                               threads=threads or self.settings.threads)
        self._index: VectorIndex | None = None
        self._index_lock = threading.Lock()
        self._albums = None

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def index(self) -> VectorIndex:
        with self._index_lock:
            if self._index is None:
                self._index = VectorIndex.open(self.paths.index_dir, self.model_id, self.encoder.dim, self.catalog)
            return self._index

    @property
    def albums(self):
        if self._albums is None:
            from .albums import Albums

            self._albums = Albums(self.catalog, self.encoder)
        return self._albums

    # -- folders ----------------------------------------------------------------------------------
    def add_folders(self, paths: list[str]) -> list[str]:
        added = []
        for p in paths:
            full = os.path.abspath(os.path.expanduser(p))
            if not os.path.isdir(full):
                raise LibraryError(f"{p} is not a folder (or does not exist).")
            for existing in self.folder_paths():
                if full != existing and is_within(full, existing):
                    raise LibraryError(f"{full} is already inside the library folder {existing}.")
            self.catalog.add_folder(full)
            added.append(full)
        return added

    def remove_folder(self, path: str) -> int:
        full = os.path.abspath(os.path.expanduser(path))
        if full not in self.folder_paths():
            raise LibraryError(f"{full} is not a library folder; see photoclip folders list.")
        ids = self.catalog.remove_folder(full)
        if self._index is not None:  # an index not loaded yet catches up with the catalog when it opens
            self._index.remove(ids)
            self._index.save()
        return len(ids)

    def folder_paths(self) -> list[str]:
        return [r["path"] for r in self.catalog.folders()]

    # -- indexing ---------------------------------------------------------------------------------
    def make_indexer(self, **kw) -> Indexer:
        return Indexer(self.catalog, self.encoder, self.index, on_indexed=self.albums.tag_photos,
                       excluded=self.settings.excluded, **kw)

    def index_now(self, on_progress: Callable[[Progress], None] | None = None,
                  should_stop: Callable[[], bool] = lambda: False) -> dict:
        """Reconcile every folder and index everything pending; the `photoclip index` command."""
        if not self.folder_paths():
            raise LibraryError("The library has no folders yet; add one with: photoclip folders add PATH")
        t0 = time.monotonic()
        indexer = self.make_indexer()
        rec = indexer.reconcile()
        prog = indexer.process(should_stop=should_stop, on_progress=on_progress)
        removed = indexer.finish() if not should_stop() else []
        return {"indexed": prog.indexed + prog.reused, "unchanged": rec.unchanged,
                "failed": prog.failed + rec.failed, "removed": len(removed),
                "seconds": round(time.monotonic() - t0, 3), "offline": rec.offline_folders}

    # -- queries ----------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 20) -> list[search_mod.Result]:
        return search_mod.by_text(self.catalog, self.index, self.encoder, query, limit)

    def similar(self, path: str, limit: int = 20) -> list[search_mod.Result]:
        return search_mod.similar(self.catalog, self.index, self.encoder, path, limit)

    def status(self) -> dict:
        counts = self.catalog.counts(self.model_id)
        return {"photos": counts["photos"], "pending": counts["pending"], "failed": counts["failed"],
                "offline": counts["offline"], "model": self.model_id, "folders": self.folder_paths()}

    def failures(self) -> list[dict]:
        return [{"path": r["path"], "reason": r["reason"]} for r in self.catalog.failures()]

    def close(self) -> None:
        if self._index is not None:
            self._index.save()
        self.catalog.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

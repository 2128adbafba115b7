"""The library: one object that wires paths, settings, catalog, encoder, index and albums together.

The CLI, the service and the GUI all drive this; nothing here knows about any of them.  The model and the
index load lazily, so opening a library, listing its folders or finding nothing to index costs no PyTorch
import.  The library remembers its model in the catalog: without `--model` every command uses it, and a
different model is used only when asked for explicitly (`switch_model`).
"""
from __future__ import annotations

import logging
import os
from . import duplicates as duplicates_mod
from . import holder, recovery, switching
from . import search as search_mod
from .catalog import Catalog
from .encoder import Encoder
from .index import VectorIndex
from .indexer import Indexer
from .models import DEFAULT_MODEL, MODEL_ENV, mismatch_message, normalize_spec

READ_TEXT_ENV = "PHOTOCLIP_READ_TEXT"
FIND_FACES_ENV = "PHOTOCLIP_FIND_FACES"
from .paths import AppPaths
from .scanner import is_within
from .settings import Settings
from .errors import PhotoclipError

log = logging.getLogger(__name__)


def _switched(env_name: str, setting: bool) -> bool:
    """A setting that an environment variable may turn on or off for one run (empty: the setting decides)."""
    env = os.environ.get(env_name)
    if env is not None and env.strip() != "":
        return env.strip().lower() not in ("0", "false", "no", "off")
    return setting


class LibraryError(PhotoclipError):
    """A request the library cannot carry out; str(e) is one sentence for the user."""


class ModelMismatch(LibraryError):
    """A model other than the library's was asked for without --switch-model."""


def resolve_model(stored: str | None, requested: str | None, fallback: str | None, switch: bool) -> str:
    """Which model a command uses: the library's own (a switch to another one is a transaction of its own,
    `Library.switch_model`, and the library answers with its own model until that commits)."""
    requested = normalize_spec(requested) if requested else None
    if stored is None:
        return requested or normalize_spec(fallback or DEFAULT_MODEL)
    if requested is None or requested == stored or switch:
        return stored
    raise ModelMismatch(mismatch_message(stored, requested))


class Library:
    host = None  # the LibraryService that hosts this library while one runs (ops.pause and ops.status ask it)

    def __init__(self, home: str | os.PathLike | None = None, model: str | None = None, device: str | None = None,
                 threads: int | None = None, switch_model: bool = False, thorough_check: bool = False):
        self.paths = AppPaths.resolve(home).ensure()
        self.settings = Settings.load(self.paths.settings)
        # A damaged catalog is kept aside and the newest good backup restored, a missing one restored (from the
        # copy a service rescued, or a backup): `recovered` says so, once.  Only under the library's lock.
        reason = recovery.problem(self.paths.catalog, thorough=thorough_check)
        self.recovered = self._repair(reason) if reason or not self.paths.catalog.exists() else None
        self.catalog = Catalog(self.paths.catalog)
        self.device = device or self.settings.device
        self.threads = threads or self.settings.threads
        requested = model or os.environ.get(MODEL_ENV)
        spec = resolve_model(self.catalog.library_model(), requested, self.settings.model, switch_model)
        # --switch-model: the caller starts (or, naming the library's own model, cancels) the switch where
        # writes belong, through switch_model.
        self.requested_switch = normalize_spec(requested) if switch_model and requested else None
        self._next_encoder: Encoder | None = None
        self._text_reader = None
        self._face_engine = None
        self._people = None
        self._gazetteer = None
        self._use_model(spec)

    def _repair(self, reason: str | None) -> str | None:
        """Recover a damaged catalog (`reason`) or restore a missing one, holding the library's lock, so no
        reader ever changes files that a live process uses; one sentence for the user, or None."""
        try:
            lock = holder.Holder(self.paths, "cli").acquire()
        except holder.HolderError:
            other = holder.current(self.paths)
            if reason:  # never pull a catalog from under a live process
                raise LibraryError(f"The catalog {self.paths.catalog} looks unusable ({reason}), but "
                                   f"{holder.describe(other) if other else 'another photoclip process'} has it "
                                   "open; stop it, then run photoclip again to restore the latest backup.") from None
            return None  # missing, and a live process holds the library: it knows best
        try:
            return recovery.recover(self.paths.catalog, reason) if reason else \
                recovery.restore_missing(self.paths.catalog)
        finally:
            lock.release()

    def _use_model(self, spec: str) -> None:
        self.encoder = Encoder(spec, self.device, cache_dir=self.paths.models_dir, threads=self.threads)
        self.index = VectorIndex(self.paths.index_dir, self.model_id, self.catalog)
        self._albums = None

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def read_text(self) -> bool:
        """Whether the service reads the text in photos: the setting, or PHOTOCLIP_READ_TEXT=0/1 for this run."""
        return _switched(READ_TEXT_ENV, self.settings.read_text)

    @property
    def text_reader(self):
        """The OCR engine (ocr.TextReader), made on first use; its models load on the first photo it reads."""
        if self._text_reader is None:
            from .ocr import TextReader

            device = self.encoder.device if self.encoder.loaded else self.device
            self._text_reader = TextReader(threads=self.threads, device="cuda" if str(device).startswith("cuda")
                                           else "cpu")
        return self._text_reader

    def set_read_text(self, on: bool) -> dict:
        """Turn reading text in photos on or off; off deletes every photo's stored text at once."""
        self.settings.read_text = bool(on)
        self.settings.save(self.paths.settings)
        deleted = 0 if on else self.catalog.delete_all_text()
        return {"read_text": bool(on), "deleted": deleted}

    @property
    def find_faces(self) -> bool:
        """Whether the service finds faces: the setting, or PHOTOCLIP_FIND_FACES=0/1 for this run."""
        return _switched(FIND_FACES_ENV, self.settings.find_faces)

    @property
    def face_engine(self):
        """The face engine (faces.FaceEngine), made on first use; its models load on the first photo."""
        if self._face_engine is None:
            from .faces import FaceEngine

            self._face_engine = FaceEngine(threads=self.threads)
        return self._face_engine

    @property
    def people(self):
        """Faces grouped into people (people.People), with its face index."""
        if self._people is None:
            from .people import FaceIndex, People

            self._people = People(self.catalog, FaceIndex(self.paths.index_dir, self.catalog))
        return self._people

    @property
    def gazetteer(self):
        """Positions to place names (places.Gazetteer), loaded on first use."""
        if self._gazetteer is None:
            from .places import shared

            self._gazetteer = shared()
        return self._gazetteer

    def set_find_faces(self, on: bool) -> dict:
        """Turn finding faces on or off; off deletes every face, person and face picture at once."""
        self.settings.find_faces = bool(on)
        self.settings.save(self.paths.settings)
        deleted = 0
        if not on:
            import shutil

            deleted = self.catalog.delete_all_faces()
            self.people.index.forget()
            shutil.rmtree(self.paths.thumbnails_dir / "faces", ignore_errors=True)
        return {"find_faces": bool(on), "deleted": deleted}

    def set_album_sidecars(self, mode: str, folder: str | None = None) -> dict:
        """Give albums back as keywords in `.xmp` sidecars ("beside" the photos, or under "folder"), or take
        back everything photoclip wrote ("off").  {"album_sidecars", "sidecar_folder", "written", "cleared"}."""
        if mode not in ("off", "beside", "folder"):
            raise LibraryError(f"{mode!r} is not a way to write sidecars; use beside, folder or off.")
        if mode == "folder":
            if not folder:
                raise LibraryError("Writing sidecars into a folder needs the folder: --folder DIR.")
            folder = os.path.abspath(os.path.expanduser(folder))
            if any(is_within(folder, f) or is_within(f, folder) for f in self.folder_paths()):
                raise LibraryError(f"{folder} is inside (or holds) a library folder; choose a folder of its own, "
                                   "or write sidecars beside the photos.")
        self.settings.album_sidecars, self.settings.sidecar_folder = mode, folder if mode == "folder" else None
        self.settings.save(self.paths.settings)
        return {"album_sidecars": mode, "sidecar_folder": self.settings.sidecar_folder, **self.sync_sidecars(True)}

    def sync_sidecars(self, always: bool = False) -> dict:
        """Bring the sidecars in line with the albums (only what changed); nothing when the option is off and
        nothing was written."""
        from . import sidecars

        mode = self.settings.album_sidecars
        if mode == "off" and not always and not self.catalog._one("SELECT 1 FROM sidecar_written LIMIT 1"):
            return {"written": 0, "cleared": 0}
        return sidecars.sync(self.catalog, mode, self.settings.sidecar_folder)

    def faces_status(self) -> dict:
        """{"pending", "done", "with_faces", "failed", "faces", "people", "unsorted", "enabled", "unavailable"}:
        `unavailable` says why faces cannot be found on this machine (None: they can)."""
        from .faces import cannot_run

        counts = self.catalog.face_counts(self.face_engine.version)
        unavailable = cannot_run() if self.find_faces else None
        if not self.find_faces or unavailable:
            counts["pending"] = 0
        return {**counts, "enabled": self.find_faces, "unavailable": unavailable}

    @property
    def stored_model(self) -> str | None:
        return self.catalog.library_model()

    @property
    def albums(self):
        if self._albums is None:
            from .albums import Albums

            self._albums = Albums(self.catalog, self.encoder)
        return self._albums

    # -- writes (on the service's worker while one runs) -----------------------------------------
    def adopt_model(self) -> int:
        """Record this library's model in the catalog (the first index, or an explicit switch); photos that
        lack its vectors are queued.  Returns how many were queued."""
        if self.catalog.library_model() == self.model_id:
            return 0
        return self.catalog.set_library_model(self.model_id)

    def choose_model(self, spec: str) -> dict:
        """Before anything is encoded (the first run's model picker): use `spec` from now on, remembered in the
        settings; nothing is loaded or downloaded here.  A library that has vectors switches instead."""
        spec = normalize_spec(spec)
        stored = self.stored_model
        if stored is not None and stored != spec:
            raise LibraryError(f"This library is already encoded with {stored}; switching to {spec} re-encodes "
                               "its photos (switch_model).")
        self.settings.model = spec
        self.settings.save(self.paths.settings)
        if spec != self.model_id:
            self._use_model(spec)
        return {"model": self.model_id}

    def switch_model(self, spec: str) -> dict:
        """Start switching to another model (switching.py): it must load and encode a first batch of this
        library's photos, else ModelLoadError and nothing changes.  The library keeps its model until the
        service has re-encoded every photo.  Asking for the library's own model cancels a switch under way."""
        spec = normalize_spec(spec)
        if self.stored_model is None:  # nothing encoded yet: just use it
            switching.probe(Encoder(spec, self.device, cache_dir=self.paths.models_dir, threads=self.threads), [])
            self._use_model(spec)
            return {"model": self.model_id, "switching_to": None, "queued": self.adopt_model()}
        if spec == self.model_id:
            self.catalog.delete_meta(switching.SWITCH_KEY)
            self._next_encoder = None
            return {"model": self.model_id, "switching_to": None, "queued": 0}
        encoder = self._next_encoder if self._next_encoder and self._next_encoder.model_id == spec else \
            Encoder(spec, self.device, cache_dir=self.paths.models_dir, threads=self.threads)
        switching.probe(encoder, self.catalog.sample_paths(switching.PROBE_PHOTOS))
        self.catalog.set_meta(switching.SWITCH_KEY, spec)
        self._next_encoder = encoder
        return {"model": self.model_id, "switching_to": spec, "queued": self.catalog.count_lacking(spec)}

    @property
    def switching_to(self) -> str | None:
        """The model a switch under way re-encodes for (None when there is none)."""
        return self.catalog.get_meta(switching.SWITCH_KEY)

    def switch_is_news(self, spec: str | None) -> bool:
        """Whether asking to switch to `spec` would change anything (start, redirect or cancel a switch)."""
        if not spec:
            return False
        switching_to = self.switching_to
        return spec != switching_to and not (spec == self.model_id and switching_to is None)

    def next_encoder(self) -> Encoder:
        """The encoder of the switch under way (loaded lazily; a resumed switch after a restart makes it here)."""
        spec = self.switching_to
        if self._next_encoder is None or self._next_encoder.model_id != spec:
            self._next_encoder = Encoder(spec, self.device, cache_dir=self.paths.models_dir, threads=self.threads)
        return self._next_encoder

    def commit_switch(self, index: VectorIndex) -> None:
        """Every photo has the next model's vector: make it the library's model, in one transaction with the
        albums retagged by it, then answer with it.  Runs on the service's worker."""
        encoder = self.next_encoder()
        old_index = self.index
        with self.catalog.write():
            self.catalog.set_library_model(encoder.model_id)  # queues only what arrived or failed meanwhile
            self.catalog.delete_meta(switching.SWITCH_KEY)
            from .albums import Albums

            albums = Albums(self.catalog, encoder)
            for album in albums.all():
                albums.retag(album)
        if old_index.loaded:  # what this run changed in it; an unloaded one is not built just to be saved
            old_index.save()
        self.encoder, self.index, self._albums, self._next_encoder = encoder, index, albums, None

    def add_folders(self, paths: list[str]) -> list[str]:
        """Add folders; a folder inside (or around) a library folder is refused with one sentence."""
        added = []
        for p in paths:
            if not str(p).strip():
                raise LibraryError("An empty path is not a folder; name the folder to add.")
            full = os.path.abspath(os.path.expanduser(p))
            if not os.path.isdir(full):
                raise LibraryError(f"{p} is not a folder (or does not exist).")
            for existing in self.folder_paths():
                if full == existing:
                    break
                if is_within(full, existing):
                    raise LibraryError(f"{full} is already inside the library folder {existing}.")
                if is_within(existing, full):
                    raise LibraryError(f"{full} contains the library folder {existing}; remove that folder first "
                                       "(photoclip folders remove), then add this one.")
            else:
                self.catalog.add_folder(full)
                added.append(full)
        return added

    def remove_folder(self, path: str) -> int:
        full = os.path.abspath(os.path.expanduser(path))
        if full not in self.folder_paths():
            raise LibraryError(f"{full} is not a library folder; see photoclip folders list.")
        ids = self.catalog.remove_folder(full)
        self.index.remove(ids)
        self.index.save()
        return len(ids)

    def make_indexer(self, encoder: Encoder | None = None, index: VectorIndex | None = None, reencode: bool = False,
                     **kw) -> Indexer:
        return Indexer(self.catalog, encoder or self.encoder, index or self.index,
                       on_indexed=None if reencode else self.tag_new_photos,
                       excluded=lambda: self.settings.excluded,  # read at each scan: Settings may change it
                       reencode=reencode, look_for_text=lambda: self.read_text, **kw)

    def index_now(self, on_event=None) -> dict:
        """Index everything queued, the way `photoclip index` does (a one-off service run); returns its counts."""
        from .service import LibraryService

        service = LibraryService(self, kind="index", watch=False, serve=False, on_event=on_event).start()
        try:
            return service.run_until_current()
        finally:
            service.stop()

    def tag_new_photos(self, ids: list[int]) -> None:
        self.albums.tag_photos(ids)

    def trash(self, items: list[dict]) -> tuple[list[str], list[dict]]:
        """Move photos of the library to the system trash (the user confirmed the list); they leave the
        results at once and stay 'missing' for the usual grace, so restoring one from the trash keeps its
        tags.  Each item is an extra as `duplicates` listed it ({"path", "size", "mtime_ns", "hash"}) with the
        copy that stays ("keep", the same facts).  Immediately before each move both are checked again: an
        extra that changed since it was listed, or whose kept copy is gone, changed or is the same file, is
        left where it is.  Returns (trashed paths, [{"path", "reason"}] for the ones left alone)."""
        from send2trash import send2trash
        from send2trash.exceptions import TrashPermissionError

        trashed, failed, ids = [], [], []
        going = {item.get("path") for item in items}
        for item in items:
            path = item.get("path")
            photo = self.catalog.photo_by_path(path) if isinstance(path, str) else None
            reason = ("not a photo in this library" if photo is None
                      else duplicates_mod.safe_to_trash(item, item.get("keep"), going))
            if reason:
                failed.append({"path": path, "reason": reason})
                continue
            try:
                send2trash(path)
            except (OSError, TrashPermissionError) as e:
                failed.append({"path": path, "reason": f"could not be moved to the trash ({e})"})
                continue
            trashed.append(path)
            ids.append(photo.id)
        self.catalog.mark_missing(ids)
        self.index.remove(ids)
        return trashed, failed

    # -- reads (any thread) --------------------------------------------------------------------
    def folder_paths(self) -> list[str]:
        return [r["path"] for r in self.catalog.folders()]

    def search(self, query: str, limit: int = 20) -> list[search_mod.Result]:
        return search_mod.by_text(self.catalog, self.index, self.encoder, query, limit)

    def query(self, text: str, limit: int = 20, show_all: bool = False, sort: str = "relevance",
              base: str | None = None) -> search_mod.Answer:
        """One line of the search box: words, -negatives, like:PATH examples and filters (query.py)."""
        return search_mod.run(self.catalog, self.index, self.encoder, text, limit, show_all, sort, base)

    def similar(self, path: str, limit: int = 20) -> list[search_mod.Result]:
        return search_mod.similar(self.catalog, self.index, self.encoder, path, limit)

    def duplicates(self) -> list[duplicates_mod.Group]:
        return duplicates_mod.find(self.catalog, self.index, self.model_id)

    def status(self) -> dict:
        counts = self.catalog.counts(self.model_id)
        switch = self.switching_to
        return {"photos": counts["photos"], "pending": counts["pending"], "failed": counts["failed"],
                "offline": counts["offline"], "model": self.model_id, "folders": self.folder_paths(),
                "switching_to": switch, "to_reencode": self.catalog.count_lacking(switch) if switch else 0,
                "encoded_with": self.stored_model,
                "text": self.text_status(), "faces": self.faces_status(), "places": self.catalog.places_counted(),
                "videos": self.catalog.video_counts(self.model_id)}

    def text_status(self) -> dict:
        """{"pending", "done", "with_text", "skipped", "failed", "enabled"}: the text stage's counts."""
        counts = self.catalog.text_counts(self.text_reader.version)
        if not self.read_text:
            counts["pending"] = 0
        return {**counts, "enabled": self.read_text}

    def failures(self) -> list[dict]:
        return [{"path": p, "reason": r} for p, r in self.catalog.failures()]

    def close(self) -> None:
        """Close the catalog.  The index is saved only by whoever holds the library (the service when it stops,
        an in-process CLI write under its lock): a reader that rebuilt it in memory leaves the files alone."""
        self.catalog.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


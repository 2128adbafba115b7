"""The library's operations, each declared once in `OPERATIONS`: a plain function that returns a JSON-ready dict,
whether it writes, and whether it needs a running service.  The socket dispatch (service.py), the clients
(client.py: the CLI, the window, the self-test) and the parameter checks all derive from this registry, so
every path answers with the same data (and the CLI prints the same bytes whichever path answered).

Reads run on any thread.  Writes change the library: while a service runs they run only on its worker
(`LibraryService.submit`), which then re-watches folders, re-counts the queue and tells listeners; with no
service, a client runs them in its own process under the library's lock.  Operations that need a service
(pause, resume) reach it through `lib.host`, the service that hosts the library (None when none does).
"""
from __future__ import annotations

import os

from .errors import CannotRun, ModelUnavailable, PhotoclipError, ServiceStopped, UsageError  # noqa: F401
from .opsregistry import OPERATIONS, Operation, _host, check_params, get, operation, photo_at  # noqa: F401
# Declared in their own modules; importing them here registers them, and ops.NAME reaches each one.
from .ops_people import (faces_not_a_face, faces_not_this_person, faces_of, faces_this_is,  # noqa: F401
                         faces_unsorted, people, people_hide, people_merge, people_name, people_show, set_find_faces)
from .ops_places import place_named, places  # noqa: F401


def _results(lib, results) -> dict:
    taken = lib.catalog.taken([r.id for r in results])
    return {"results": lib.catalog.mark_videos([{"id": r.id, "path": r.path, "score": r.score,
                                                 "taken": taken.get(r.id)} for r in results])}


def threshold(album) -> float:
    """The one rounding of a threshold that every output shows."""
    return round(float(album.effective_threshold), 4)


def megabytes(n: int | None) -> str:
    """The one way a size in bytes is shown (the CLI's and the app's duplicate lists): KB below a megabyte (a
    small photo is not "0.0 MB"), MB with one decimal, GB above a thousand MB."""
    n = n or 0
    if n < 1e6:
        return f"{n / 1e3:.0f} KB"
    if n < 1e9:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e9:.2f} GB"


def _album_summary(lib, album) -> dict:
    return {"name": album.name, "count": lib.albums.count(album), "threshold": threshold(album)}


# -- reads ------------------------------------------------------------------------------------------
@operation()
def folders_list(lib) -> dict:
    counts = lib.catalog.folder_counts(lib.model_id)
    return {"folders": [{"path": r["path"], "online": r["online"], "photos": counts.get(r["id"], 0)}
                        for r in lib.catalog.folders()]}


@operation()
def search(lib, query: str, limit: int = 20, all: bool = False, sort: str = "relevance",  # noqa: A002
           cwd: str | None = None) -> dict:
    """`cwd`: the caller's working folder, for relative like:/in: paths (the service's is another)."""
    if sort not in ("relevance", "date"):
        raise UsageError(f"sort must be relevance or date, not {sort!r}.")
    if limit < 1:
        raise UsageError("limit must be at least 1.")
    answer = lib.query(query, limit, show_all=all, sort=sort, base=cwd).as_json()
    lib.catalog.mark_videos(answer["results"])
    return answer


@operation()
def similar(lib, path: str, limit: int = 20) -> dict:
    return _results(lib, lib.similar(path, limit))


@operation()
def status(lib) -> dict:
    host = getattr(lib, "host", None)
    return {**lib.status(), "watching": bool(host and host.watching), "paused": bool(host and host.paused),
            "subscribers": len(host.hub) if host else 0}


@operation()
def failures(lib) -> dict:
    return {"failures": lib.failures()}


@operation()
def albums_list(lib) -> dict:
    counts = lib.catalog.album_counts()
    return {"albums": [{"name": a.name, "count": counts.get(a.id, 0), "threshold": threshold(a)}
                       for a in lib.albums.all()]}


@operation()
def albums_show(lib, name: str) -> dict:
    a = lib.albums.get(name)
    rows = lib.albums.member_rows(name)
    taken = lib.catalog.taken([i for i, _, _ in rows])
    return {"name": a.name, "threshold": threshold(a), "prompts": a.prompts, "negatives": a.negatives,
            "automatic": a.threshold is None, "templates": a.templates, "text_any": a.text_any,
            "people": lib.albums.people_names(a),
            "members": lib.catalog.mark_videos([{"id": i, "path": p, "score": s, "taken": taken.get(i)}
                                                for i, p, s in rows])}


@operation()
def album_preview(lib, prompts: list[str], negatives: list[str] = (), templates: str | None = None,
                  name: str | None = None, text_any: list[str] = (), people: list[str] = ()) -> dict:
    """What an album with these prompts would hold, before it is saved (the album dialog's slider): every
    searchable photo's score, the automatic threshold, and whether scores are sigmoid probabilities; `text_ids`:
    the photos its text rule (`text_any`) puts in whatever their score; `people_ids`: the photos its people rule
    (`people`: every one of them in the photo) allows, or null without one.  `name`: an existing album, whose
    feedback counts."""
    from .albums import Album, default_templates
    from .scoring import calibrated_threshold

    if not prompts:
        raise UsageError("An album needs at least one prompt.")
    existing = lib.albums.get(name) if name else None
    draft = Album(existing.id if existing else -1, name or "", list(prompts), list(negatives), None, None,
                  templates or (existing.templates if existing else default_templates(prompts)), list(text_any))
    ids, scores = lib.albums.library_scores(draft)
    sigmoid = lib.albums.sigmoid
    return {"ids": [int(i) for i in ids], "scores": [round(float(x), 5) for x in scores], "sigmoid": sigmoid,
            "calibrated": round(calibrated_threshold(scores, sigmoid), 4) if len(scores) else None,
            "text_ids": sorted(lib.albums.text_hits(draft)) if text_any else [],
            "people_ids": sorted(lib.catalog.photos_with_people(lib.albums._people_ids(people))) if people else None}


@operation()
def photo_info(lib, path: str = "", ids: list[int] | None = None) -> dict:
    """One photo's facts for the viewer (`path`), or just the paths of several (`ids`: the album dialog's
    borderline photos): {"photo": {...} or null} / {"paths": [{"id", "path"}]}."""
    if ids is not None:
        return {"paths": [{"id": i, "path": p} for i, p in lib.catalog.paths_for(ids).items()]}
    from . import exif  # Pillow: only where a photo's facts are read

    photo = lib.catalog.photo_by_path(path)
    if photo is None:
        return {"photo": None}
    taken = lib.catalog.taken([photo.id]).get(photo.id)
    return {"photo": {"id": photo.id, "path": photo.path, "size": photo.size, "width": photo.width,
                      "height": photo.height, "taken": taken, "camera": photo.camera,
                      "exif": exif.camera_facts(photo.path),
                      "albums": [{"name": n, "score": round(float(sc), 4)} for n, sc in lib.albums.albums_of(photo.id)],
                      "faces": lib.catalog.faces_in(photo.id) if lib.find_faces else [],
                      "place": place_named(lib.catalog.place_of(photo.id)), "meta": lib.catalog.meta_of(photo.id),
                      "pair": lib.catalog.pair_files(photo.id), **_video_info(lib, photo)}}


def _video_info(lib, photo) -> dict:
    """A video's length and its sampled frames' times; a Live Photo's movie (a Motion Photo's: its own file,
    from `live_offset`)."""
    from .video import is_video_name

    if photo.duration is not None:
        return {"duration": photo.duration, "frames": lib.catalog.frames_of(photo.id, lib.model_id),
                "sampling": lib.catalog.sampling(photo.id, lib.model_id)}
    movie = next((p for p in lib.catalog.pair_files(photo.id) if is_video_name(p)), None)
    if movie:
        return {"live": movie}
    offset = (lib.catalog.meta_of(photo.id) or {}).get("motion")
    return {"live": photo.path, "live_offset": offset} if offset is not None else {}


@operation()
def photos(lib, folder: str | None = None) -> dict:
    """The library's photos (or those under `folder`), newest first: what the window's "All photos" and
    folder views show."""
    rows = lib.catalog.listing(folder)
    taken = lib.catalog.taken([i for i, _ in rows])
    return {"photos": lib.catalog.mark_videos([{"id": i, "path": p, "taken": taken.get(i)} for i, p in rows])}


@operation()
def duplicates(lib) -> dict:
    """Groups with the best copy first.  `preselect` marks the only photos a front end may check for the trash
    on its own (byte-identical copies that are not links); `hash`, `size` and `mtime_ns` are what `trash` checks
    again before it moves anything."""
    groups = lib.duplicates()
    extras = [c for g in groups for c in g.extras]
    chosen = [c for c in extras if c.preselect]
    return {"groups": [{"kind": g.kind, "photos": [
        {"path": c.path, "score": c.score, "best": c.best, "exact": c.exact, "link": c.link,
         "preselect": c.preselect, "size": c.size, "width": c.width, "height": c.height, "hash": c.hash,
         "mtime_ns": c.mtime_ns}
        for c in g.photos]} for g in groups],
        "extra": len(extras), "extra_bytes": sum(c.frees for c in extras),
        "preselected": len(chosen), "preselected_bytes": sum(c.frees for c in chosen)}


@operation()
def albums_export(lib, name: str, dest: str, how: str = "copy") -> dict:
    """Copy (or symlink, how="symlink") an album's photos into `dest`, an absolute folder outside the library;
    nothing under the library's home is written."""
    if how not in ("copy", "symlink"):
        raise UsageError(f"how must be copy or symlink, not {how!r}.")
    return lib.albums.export(name, dest, how)


# -- writes -----------------------------------------------------------------------------------------
@operation(write=True)
def folders_add(lib, paths: list[str]) -> dict:
    added = lib.add_folders(paths)
    return {"folders": lib.folder_paths(), "added": added}


@operation(write=True)
def folders_remove(lib, path: str) -> dict:
    n = lib.remove_folder(path)
    return {"folders": lib.folder_paths(), "removed_photos": n, "path": os.path.abspath(os.path.expanduser(path))}


@operation(write=True)
def albums_add(lib, name: str, prompts: list[str], negatives: list[str] = (), threshold: float | None = None,
               templates: str | None = None, text_any: list[str] = (), people: list[str] = ()) -> dict:
    out = _album_summary(lib, lib.albums.create(name, prompts, list(negatives), threshold, templates,
                                                list(text_any), list(people)))
    lib.sync_sidecars()  # albums given back as sidecar keywords follow (when the user turned that on)
    return out


@operation(write=True)
def albums_edit(lib, name: str, prompts: list[str] | None = None, negatives: list[str] | None = None,
                threshold: float | None | str = "keep", text_any: list[str] | None = None,
                people: list[str] | None = None) -> dict:
    out = _album_summary(lib, lib.albums.edit(name, prompts, negatives, threshold, text_any, people))
    lib.sync_sidecars()
    return out


@operation(write=True)
def albums_mark(lib, name: str, belongs: bool, path: str | None = None, paths: list[str] | None = None) -> dict:
    """Feedback on one photo (`path`, the CLI) or many (`paths`, the window's selection): one retag either way."""
    if (path is None) == (paths is None):
        raise UsageError("albums_mark takes either path or paths.")
    a = lib.albums.mark(name, [path] if path is not None else paths, belongs)
    lib.sync_sidecars()
    return {"name": a.name, "count": lib.albums.count(a)}


@operation(write=True)
def albums_remove(lib, name: str) -> dict:
    lib.albums.remove(name)
    lib.sync_sidecars()
    return {"removed": name}


@operation(write=True)
def trash(lib, items: list[dict], confirmed: bool = False) -> dict:
    """Move the given extras to the system trash: only after the user confirmed this very list, which the
    caller says with `confirmed` (the window's dialog does; the command line has no trash command).  Each item
    carries the facts `duplicates` listed for it and its kept copy (Library.trash checks them again)."""
    if confirmed is not True:
        raise UsageError("Moving photos to the trash needs the user's confirmation of the list (confirmed: true).")
    trashed, failed = lib.trash(items)
    return {"trashed": trashed, "failed": failed}


def trash_items(groups: list[dict], paths: list[str]) -> list[dict]:
    """The trash request for `paths` (extras of the `duplicates` answer `groups`): each with its kept copy."""
    facts = ("path", "size", "mtime_ns", "hash")
    wanted, items = set(paths), []
    for g in groups:
        keep = {k: g["photos"][0][k] for k in facts}
        items += [{**{k: p[k] for k in facts}, "keep": keep} for p in g["photos"][1:] if p["path"] in wanted]
    return items


@operation(write=True)
def choose_model(lib, model: str) -> dict:
    """The model of a library with nothing encoded yet (the first run): {"model"}; loads nothing."""
    return lib.choose_model(model)


@operation(write=True)
def switch_model(lib, model: str) -> dict:
    """Start a switch (or cancel one, naming the library's model): {"model", "switching_to", "queued"}."""
    return lib.switch_model(model)


# -- text in photos --------------------------------------------------------------------------------
@operation()
def text(lib, path: str) -> dict:
    """The text recognised in one photo: {"path", "state", "lines": [{"text", "box", "confidence"}], "reason",
    "engine"}.  state: "read", "skipped" (no text found), "failed", "pending" (not read yet) or "off"."""
    photo = photo_at(lib, path)
    found = lib.catalog.text_of(photo.id)
    current = found is not None and found["engine"] == lib.text_reader.version and found["hash"] == photo.hash
    if not lib.read_text:
        state = "off"
    elif not current:
        state = "pending"
    else:
        state = found["state"]
    return {"path": photo.path, "id": photo.id, "state": state, "lines": found["lines"] if current else [],
            "reason": found["reason"] if current else None, "engine": found["engine"] if found else None}


@operation(write=True)
def set_read_text(lib, on: bool) -> dict:
    """Turn reading the text in photos on or off (off deletes every photo's stored text): {"read_text",
    "deleted"}."""
    return lib.set_read_text(on)


@operation(write=True)
def set_album_sidecars(lib, mode: str, folder: str | None = None) -> dict:
    """Give albums and named people back as XMP keywords in sidecars: mode "beside" (next to each photo),
    "folder" (under `folder`), or "off" (take back all photoclip wrote): {"album_sidecars", "sidecar_folder",
    "written", "cleared"}."""
    return lib.set_album_sidecars(mode, folder)


@operation(write=True, needs_service=True)
def pause(lib) -> dict:
    """Pause the service's indexing (it keeps answering and watching)."""
    return _host(lib).set_paused(True)


@operation(write=True, needs_service=True)
def resume(lib) -> dict:
    return _host(lib).set_paused(False)


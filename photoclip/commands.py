"""The `photoclip` commands: each asks the library through the session's client (cli.Session) and prints the
answer, as text for people or as JSON (--json) for scripts; the same dict either way."""
from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import sys
import threading
import time

from .session import Session


# -- output -----------------------------------------------------------------------------------------
def _emit(args, data: dict, text: str) -> None:
    if args.json:
        out = json.dumps(data, ensure_ascii=False)
        # A path that is not valid UTF-8 holds surrogate escapes: write them as JSON \\udcXX escapes, which
        # json.loads turns back into the same str (os.fsencode gives the original bytes).
        print(out.encode("utf-8", "backslashreplace").decode("utf-8"))
    elif text:
        print(text)


def printable(path: str) -> str:
    """A name as text output shows it: control characters (a newline in a file name) escaped, so one line of
    output is always one photo.  JSON output keeps names whole."""
    if not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in path):
        return path
    return "".join(c.encode("unicode_escape").decode("ascii") if ord(c) < 32 or 0x7F <= ord(c) <= 0x9F else c
                   for c in path)


def _results_text(data: dict) -> str:
    return "\n".join((f"{r['score']:.4f}  " if r["score"] is not None else f"{r.get('taken') or '':19s}  ")
                     + printable(r["path"]) + _video_text(r) for r in data["results"]) or "no results"


def _video_text(r: dict) -> str:
    """"  (video 0:42, at 0:12)": a video's length and, when a frame matched, that frame's time."""
    if "duration" not in r:
        return ""
    from .video import format_duration

    at = f", at {format_duration(r['at'])}" if "at" in r else ""
    return f"  (video {format_duration(r['duration'])}{at})"


def _album_text(d: dict) -> str:
    return f"album {d['name']}: {d['count']} photos (threshold {d['threshold']:g})"


def _abs(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


# -- commands ---------------------------------------------------------------------------------------
def cmd_folders(args, s: Session) -> None:
    if args.folders_cmd == "add":
        if any(not str(p).strip() for p in args.paths):
            from .ops import UsageError

            raise UsageError("An empty path is not a folder; name the folder to add.")
        d = s.call("folders_add", paths=[_abs(p) for p in args.paths])
        _emit(args, d, "\n".join(f"added {p}" for p in d["added"]) or "already in the library")
    elif args.folders_cmd == "remove":
        d = s.call("folders_remove", path=_abs(args.path))
        _emit(args, d, f"removed {d['path']} ({d['removed_photos']} photos left the catalog)")
    else:
        d = s.call("folders_list")
        _emit(args, d, "\n".join(printable(r["path"]) + ("" if r["online"] else "  (offline)") for r in d["folders"])
              or "no folders")


def cmd_index(args, s: Session) -> None:
    from .holder import HolderError, current, describe
    from .service import LibraryService

    known = {f["path"] for f in s.call("folders_list")["folders"]}
    if args.paths:
        new = [_abs(p) for p in args.paths if _abs(p) not in known]
        if new:
            s.call("folders_add", paths=new)
    elif not known:  # a first run told of no folder: the system's Pictures folder, or one plain sentence
        from .library import LibraryError
        from .paths import pictures_folder

        pictures = pictures_folder()
        if pictures is None:  # nothing went wrong: there is nothing to index yet, and the user reads what to do
            print("photoclip: nothing to index yet: the library has no folders and this computer has no Pictures "
                  "folder; name the folder that holds your photos: photoclip index PATH", file=sys.stderr)
            _emit(args, {"indexed": 0, "reused": 0, "unchanged": 0, "failed": 0, "removed": 0, "seconds": 0.0,
                         "folders": []}, "indexed 0")
            return
        print(f"photoclip: adding your Pictures folder, {printable(pictures)}", file=sys.stderr)
        s.call("folders_add", paths=[pictures])
    state = current(s.paths)
    if state is not None:
        if state.get("kind") == "index":
            raise HolderError(f"Another photoclip index (pid {state.get('pid')}) is already indexing this library; "
                              "wait for it to finish.")
        raise HolderError(f"{describe(state).capitalize()} is already keeping this library current; it indexes "
                          "new photos by itself.")
    lib = s.library()
    if not lib.folder_paths():
        from .library import LibraryError

        raise LibraryError("The library has no folders yet; add one with: photoclip folders add PATH")
    bar = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="photo", file=sys.stderr, dynamic_ncols=True)

    def on_event(ev):
        if bar is not None and ev.kind == "progress" and ev.progress:
            bar.total, bar.n = ev.progress.total, ev.progress.done
            bar.refresh()

    t0 = time.monotonic()
    service = LibraryService(lib, kind="index", watch=False, on_event=on_event).start()
    try:
        result = service.run_until_current()
    finally:
        service.stop()
        if bar is not None:
            bar.close()
    result["seconds"] = round(time.monotonic() - t0, 3)
    for folder in result.pop("offline"):
        print(f"photoclip: warning: {folder} is offline; its photos are hidden until it returns", file=sys.stderr)
    _emit(args, result, "indexed {indexed}, reused {reused}, unchanged {unchanged}, failed {failed}, "
                        "removed {removed} in {seconds:.1f}s".format(**result))
    if not args.json:  # what the library now holds, and where: the first run's answer to "what did it do?"
        st = s.call("status")
        print(f"photoclip: the library holds {st['photos']:,} photos from "
              + ", ".join(printable(f) for f in st["folders"]), file=sys.stderr)


def cmd_search(args, s: Session) -> None:
    # One argument is the whole query as typed; several (an unquoted query) are joined, each kept whole.
    text = args.query[0] if len(args.query) == 1 else shlex.join(args.query)
    d = s.call("search", query=text, limit=args.limit, all=args.all, sort=args.sort, cwd=os.getcwd())
    _emit(args, d, _results_text(d))
    if d.get("warning") and not args.json:
        print(f"photoclip: {d['warning']}", file=sys.stderr)
    if not d["clear"] and d["results"] and not args.json:
        print(f"photoclip: no clear matches; these are the {len(d['results'])} closest photos", file=sys.stderr)
    if d["hidden"] and not args.json:  # a note for the reader; stdout stays one result per line
        print(f"photoclip: {d['hidden']} less relevant not shown (--all shows them)", file=sys.stderr)
    if not d["results"] and not args.json and not s.call("status")["photos"]:
        print("photoclip: the library is empty; add the folder that holds your photos: photoclip index PATH",
              file=sys.stderr)


def cmd_similar(args, s: Session) -> None:
    d = s.call("similar", path=_abs(args.path), limit=args.limit)
    _emit(args, d, _results_text(d))


def cmd_duplicates(args, s: Session) -> None:
    from .ops import megabytes

    d = s.call("duplicates")
    lines = []
    for g in d["groups"]:
        lines.append(f"{g['kind']}: {len(g['photos'])} copies")
        for p in g["photos"]:
            dims = f"{p['width']}x{p['height']}" if p["width"] else "?"
            mark = ("best  " if p["best"] else "link  " if p["link"] else "exact " if p["exact"]
                    else format(p["score"], ".4f"))
            lines.append(f"  {mark}  {dims:>11s}  {megabytes(p['size']):>9s}  {printable(p['path'])}")
    lines.append(f"{len(d['groups'])} groups; {d['extra']} extra copies ({megabytes(d['extra_bytes'])}); "
                 f"{d['preselected']} of them byte-identical ({megabytes(d['preselected_bytes'])})"
                 if d["groups"] else "no duplicates")
    _emit(args, d, "\n".join(lines))


def cmd_models(args, s: Session) -> None:
    """The presets with their languages, sourced accuracy figures and measured speed (no model is loaded)."""
    from . import models

    default = models.default_preset()
    d = {"default": default.id, "presets": [p.as_json() for p in models.presets()], "sources": models.sources()}
    lines = []
    for p in models.presets():
        langs = "many languages" if p.multilingual else "English only"
        zh = p.xm3600.get("zh")
        figures = [f"ImageNet zero-shot {p.imagenet:.1f}%" if p.imagenet is not None else "ImageNet: not published",
                   f"XM3600 retrieval en {p.xm3600['en']:.1f}" if "en" in p.xm3600 else None,
                   f"zh {zh:.1f}" if zh is not None else None,
                   f"{p.cpu_images_per_s:g} photos/s on a 2-core CPU" if p.cpu_images_per_s else "CPU speed not measured",
                   f"download about {p.download_mb:,} MB" if p.download_mb else None]
        lines.append(f"{'*' if p.id == default.id else ' '} {p.name} [{p.id}]: {p.model}\n"
                     f"    {langs}; {'; '.join(f for f in figures if f)}")
    lines.append("* the default.  Figures: ImageNet from open_clip's results table, XM3600 (Crossmodal-3600 image "
                 "retrieval, mean recall@1/5/10) from Immich's model table; see --json for the sources.")
    _emit(args, d, "\n".join(lines))


def cmd_status(args, s: Session) -> None:
    st = s.call("status")
    text = (f"{st['photos']} photos indexed, {st['pending']} pending, {st['failed']} failed"
            f"{', ' + str(st['offline']) + ' offline' if st['offline'] else ''}\nmodel: {st['model']}\n"
            f"watching: {'yes' + (' (paused)' if st['paused'] else '') if st['watching'] else 'no'}\n"
            "folders:\n" + "\n".join(f"  {f}" for f in st["folders"]) + "\n" + _text_status(st["text"])
            + "\n" + faces_status(st["faces"]) + f"\nplaces: {st['places']['with_position']} photos with a position"
            + (f", {st['places']['pending']} not looked at yet" if st["places"]["pending"] else "")
            + "\n" + _videos_status(st["videos"]))
    _emit(args, st, text)


def _videos_status(v: dict) -> str:
    return (f"videos: {v['videos']} (counted among the photos), {v['sampled']} with their scenes sampled, "
            f"{v['pending']} pending, {v['failed']} failed")


def _text_status(t: dict) -> str:
    if not t["enabled"]:
        return "text in photos: not read (turned off; photoclip text --on reads it)"
    return (f"text in photos: {t['done']} read ({t['with_text']} with text), {t['skipped']} without text, "
            f"{t['pending']} pending, {t['failed']} failed")


def faces_status(f: dict) -> str:
    if not f["enabled"]:
        return "faces: not looked for (turned off; photoclip people --on finds them)"
    if f.get("unavailable"):
        return f"faces: not found on this machine: {f['unavailable']}"
    return (f"faces: {f['faces']} in {f['with_faces']} photos, {f['people']} people, {f['unsorted']} unsorted; "
            f"{f['done']} photos looked at, {f['pending']} pending, {f['failed']} failed")


def cmd_text(args, s: Session) -> None:
    if args.on or args.off:
        d = s.call("set_read_text", on=bool(args.on))
        _emit(args, d, "reading text in photos: on" if d["read_text"] else
              f"reading text in photos: off ({d['deleted']} photos' text deleted)")
        return
    if not args.path:
        from .errors import UsageError

        raise UsageError("Name a photo (photoclip text PATH), or turn reading text --on or --off.")
    d = s.call("text", path=_abs(args.path))
    if d["state"] == "read":
        body = "\n".join(f"{ln['text']}\t{ln['confidence']:.2f}\t" + " ".join(f"{x:.3f},{y:.3f}" for x, y in ln["box"])
                         for ln in d["lines"]) or "no text"
    else:
        body = {"skipped": "no text", "pending": "not read yet (the text stage reads it after indexing)",
                "off": "reading text is turned off (photoclip text --on)",
                "failed": f"could not be read: {d['reason']}"}[d["state"]]
    _emit(args, d, body)


def cmd_failures(args, s: Session) -> None:
    d = s.call("failures")
    _emit(args, d, "\n".join(f"{printable(r['path'])}: {r['reason']}" for r in d["failures"]) or "no failures")


def cmd_albums(args, s: Session) -> None:
    sub = args.albums_cmd
    if sub == "add":
        d = s.call("albums_add", name=args.name, prompts=args.prompt, negatives=args.negative or [],
                   threshold=args.threshold, templates=args.templates, text_any=args.text_any or [],
                   people=args.person or [])
        _emit(args, d, _album_text(d))
    elif sub == "list":
        d = s.call("albums_list")
        _emit(args, d, "\n".join(_album_text(r)[len("album "):] for r in d["albums"]) or "no albums")
    elif sub == "show":
        d = s.call("albums_show", name=args.name)
        _emit(args, d, f"{d['name']} (threshold {d['threshold']:g}, prompts: {', '.join(d['prompts'])}"
                       f"{'; not: ' + ', '.join(d['negatives']) if d['negatives'] else ''}"
                       f"{'; text contains any of: ' + ', '.join(d['text_any']) if d['text_any'] else ''}"
                       f"{'; with: ' + ', '.join(d['people']) if d['people'] else ''})\n"
                       + "\n".join(f"{m['score']:.4f}  {printable(m['path'])}" for m in d["members"]))
    elif sub == "edit":
        threshold = None if args.auto_threshold else ("keep" if args.threshold is None else args.threshold)
        text_any = [] if args.no_text_rule else args.text_any
        people = [] if args.no_people_rule else args.person
        d = s.call("albums_edit", name=args.name, prompts=args.prompt, negatives=args.negative, threshold=threshold,
                   text_any=text_any, people=people)
        _emit(args, d, _album_text(d))
    elif sub == "mark":
        d = s.call("albums_mark", name=args.name, path=_abs(args.path), belongs=args.yes)
        _emit(args, d, f"album {d['name']}: {d['count']} photos")
    elif sub == "remove":
        d = s.call("albums_remove", name=args.name)
        _emit(args, d, f"removed album {d['removed']}")
    elif sub == "export":
        d = s.call("albums_export", name=args.name, dest=_abs(args.dest), how="copy" if args.copy else "symlink")
        _emit(args, d, f"exported {len(d['exported'])} photos to {os.path.abspath(args.dest)}"
                       f" ({d['unchanged']} already there)")
        for skip in d["skipped"]:
            print(f"photoclip: skipped {printable(skip['path'])}: {skip['reason']}", file=sys.stderr)
        if d["skipped"]:
            return 1
    elif sub == "sidecars":
        mode = "beside" if args.beside else "folder" if args.folder else "off"
        d = s.call("set_album_sidecars", mode=mode, folder=_abs(args.folder) if args.folder else None)
        _emit(args, d, f"album sidecars: {mode}" + (f" ({d['sidecar_folder']})" if d["sidecar_folder"] else "")
              + f"; {d['written']} written, {d['cleared']} taken back")
    elif sub == "starters":
        from .albums import starter_albums

        rows = starter_albums(args.language)
        _emit(args, {"starters": rows}, "\n".join(f"{r['name']}: {', '.join(r['prompts'])}" for r in rows))


def cmd_pause(args, s: Session) -> None:
    d = s.call(args.command)
    _emit(args, d, "indexing paused" if d["paused"] else "indexing resumed")


def event_text(ev: dict) -> str | None:
    """One line for a person watching `photoclip events` (None: nothing worth a line)."""
    kind = ev.get("event")
    if kind in ("indexed", "moved"):
        albums = f"  [{', '.join(ev['albums'])}]" if ev.get("albums") else ""
        source = f" (from {printable(ev['from'])})" if kind == "moved" and ev.get("from") else ""
        return f"{kind} {printable(ev['path'])}{source}{albums}"
    if kind == "removed":
        return f"removed {printable(ev['path'])}"
    if kind == "failed":
        return f"failed {printable(ev['path'])}: {ev['reason']}"
    if kind == "albums":
        return "albums: " + (", ".join(f"{a['name']} {a['count']}" for a in ev["albums"]) or "none")
    if kind == "folders":
        return "folders: " + (", ".join(printable(f["path"]) + ("" if f["online"] else " (offline)")
                                        for f in ev["folders"]) or "none")
    if kind == "progress":
        return f"{'re-encoded' if ev['reencode'] else 'indexed'} {ev['done']}/{ev['total']} ({ev['rate']:.1f} photos/s)"
    if kind in ("notice", "error"):
        return ev["message"]
    if kind == "model":
        return f"the library now uses {ev['model']}"
    if kind == "overflow":
        return f"missed {ev['dropped']} events (this terminal read too slowly)"
    if kind in ("paused", "resumed", "stopped"):
        return {"paused": "indexing paused", "resumed": "indexing resumed", "stopped": "the service stopped"}[kind]
    if kind == "idle":
        return "library is current"
    if kind == "text":
        if ev.get("path") is None:
            return f"text: {ev['count']} photos without text ({ev['pending']} to read)"
        said = {"read": f"{ev['lines']} lines", "skipped": "no text", "failed": "failed"}.get(ev["state"], ev["state"])
        return f"text {printable(ev['path'])}: {said} ({ev['pending']} to read)"
    if kind == "faces":
        said = f"{ev['faces']} faces" if ev["state"] == "looked" else ev["state"]
        return f"faces {printable(ev['path'])}: {said} ({ev['pending']} to look at)"
    if kind == "people":
        return f"people: {ev['people']}, {ev['faces']} faces, {ev['unsorted']} unsorted"
    if kind == "places":
        return f"places: {ev['placed']} of {ev['looked']} photos have a position ({ev['pending']} to look at)"
    if kind == "frames":
        said = f"{ev['frames']} scenes" if ev["state"] == "sampled" else ev["state"]
        return f"video {printable(ev['path'])}: {said} ({ev['pending']} to sample)"
    return None


def cmd_events(args, s: Session) -> int:
    """Stream the running service's events until Ctrl+C (exit 0) or until the service stops (exit 0)."""
    stream = s.client().events()
    try:
        for ev in stream:
            line = json.dumps(ev, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8") \
                if args.json else event_text(ev)
            if line is not None:
                print(line, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(Exception):
            stream.close()
    return 0


def cmd_watch(args, s: Session) -> None:
    from .holder import HolderError, current, describe

    state = current(s.paths)
    if state is not None:
        raise HolderError(f"{describe(state).capitalize()} is already running for this library.")
    run_watch(s.library(), json_lines=args.json)


def run_watch(library, json_lines: bool = False) -> None:
    """`photoclip watch`: run until SIGINT or SIGTERM, then shut down cleanly.  All console output is here."""
    from .ops import ModelUnavailable
    from .service import LibraryService

    done = threading.Event()
    fatal: list[str] = []
    tty = sys.stderr.isatty()
    last = [0.0]

    def say(text: str) -> None:
        if not json_lines:
            print(text, file=sys.stderr, flush=True)

    def on_event(ev) -> None:
        if ev.fatal:
            fatal.append(ev.message)
            done.set()
            return
        if json_lines:
            if ev.kind in ("notice", "idle", "error", "paused", "resumed") or (
                    ev.kind == "progress" and time.monotonic() - last[0] > 1):
                last[0] = time.monotonic()
                p = ev.progress
                print(json.dumps({"event": ev.kind, "message": ev.message, "done": p.done if p else None,
                                  "total": p.total if p else None}), flush=True)
            return
        if ev.kind in ("notice", "error"):
            say(f"photoclip: {ev.message}")
        elif ev.kind in ("paused", "resumed"):
            say(f"indexing {ev.kind}")
        elif ev.kind == "progress" and ev.progress and (tty or time.monotonic() - last[0] > 5):
            last[0] = time.monotonic()
            p = ev.progress
            eta = f", about {p.eta:.0f}s left" if p.eta else ""
            say(f"indexed {p.done}/{p.total} ({p.rate:.1f} photos/s{eta})")
        elif ev.kind == "idle":
            say("library is current; watching for changes")

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    service = LibraryService(library, kind="watch", on_event=on_event).start()
    n = len(library.folder_paths())
    say(f"watching {n} folder{'' if n == 1 else 's'} (Ctrl+C to stop)")
    try:
        while not done.wait(0.5):
            pass
    finally:
        service.stop()
    if fatal:
        raise ModelUnavailable(fatal[0])
    say("stopped")


def cmd_gui(args, s: Session) -> None:  # pragma: no cover - exercised by the GUI tests through main()
    from .gui.app import display_problem, run_gui
    from .ops import CannotRun

    problem = display_problem()
    if problem:
        raise CannotRun(problem)

    sys.exit(run_gui(s.library(), query=args.query, screenshot=args.screenshot))

"""The `photoclip` command line: headless access to the library, with --json output for scripts.

When a watch or the app holds the library, requests go to it over its local socket and are answered from
memory (no PyTorch import, no model load in this process); otherwise they run in-process.  Either way the
answer is the same dict, printed the same way.  Exit status: 0 on success, 2 on usage errors, 1 otherwise
with one clear line on stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import signal
import sqlite3
import sys
import threading
import time

from . import __version__

log = logging.getLogger("photoclip")

# Commands that start a library service check the whole catalog file first (SQLite's quick_check).
THOROUGH = {"index", "watch", "gui"}


class Session:
    """One command's way to the library: a client (client.py) of the running service's socket, or of the
    library opened in this process when no service runs."""

    def __init__(self, args):
        from .client import LocalClient
        from .models import MODEL_ENV, normalize_spec
        from .paths import AppPaths

        self.args = args
        home = getattr(args, "home", None)
        if home is not None and not str(home).strip():
            from .errors import UsageError

            raise UsageError("--home needs a folder; an empty value would silently use the per-user folders.")
        self.paths = AppPaths.resolve(home)
        requested = getattr(args, "model", None) or os.environ.get(MODEL_ENV) or None
        # Resolved here: a relative local-dir: is relative to this terminal, not to a running service's folder.
        self.requested_model = normalize_spec(requested) if requested else None
        self.switch = getattr(args, "switch_model", False)
        self.local = LocalClient(self._open_library, self.paths)

    def _open_library(self):
        from .library import Library

        lib = Library(home=getattr(self.args, "home", None), model=getattr(self.args, "model", None),
                      device=getattr(self.args, "device", None), threads=getattr(self.args, "threads", None),
                      switch_model=self.switch, thorough_check=self.args.command in THOROUGH)
        if lib.recovered:
            print(f"photoclip: {lib.recovered}", file=sys.stderr)
        wanted = lib.requested_switch
        if lib.switch_is_news(wanted):
            self.local._lib = lib
            with self.local.writing():  # loads the model and encodes a first batch, or changes nothing
                d = lib.switch_model(wanted)
            print(switch_message(d), file=sys.stderr)
        return lib

    def library(self):
        """The library opened in this process (commands that run the service themselves: index, watch, gui)."""
        return self.local.library()

    def client(self):
        """The running service's client, or the in-process one."""
        from .client import SocketClient
        from .holder import current

        state = current(self.paths)
        if state is not None and state.get("address"):
            return SocketClient(self.paths, self.requested_model, self.switch)
        return self.local

    def call(self, op: str, **params) -> dict:
        from .client import SocketClient
        from .errors import ServiceStopped

        client = self.client()
        if isinstance(client, SocketClient):
            try:
                return client.query(op, **params)
            except ServiceStopped:  # it stopped between our look and our request: answer here
                client = self.local
        return client.query(op, **params)

    def close(self) -> None:
        self.local.close()


def switch_message(d: dict) -> str:
    """What a started (or cancelled) model switch means, in one sentence."""
    if not d.get("switching_to"):
        return f"photoclip: the library uses {d['model']}; no switch is under way."
    return (f"photoclip: switching the library to {d['switching_to']}: {d['queued']} photos will be re-encoded "
            f"in the background (by photoclip index, a watch or the window); {d['model']} answers until then.")


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
                     + printable(r["path"]) for r in data["results"]) or "no results"


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

    if args.paths:
        known = {f["path"] for f in s.call("folders_list")["folders"]}
        new = [_abs(p) for p in args.paths if _abs(p) not in known]
        if new:
            s.call("folders_add", paths=new)
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
            "folders:\n" + "\n".join(f"  {f}" for f in st["folders"]))
    _emit(args, st, text)


def cmd_failures(args, s: Session) -> None:
    d = s.call("failures")
    _emit(args, d, "\n".join(f"{printable(r['path'])}: {r['reason']}" for r in d["failures"]) or "no failures")


def cmd_albums(args, s: Session) -> None:
    sub = args.albums_cmd
    if sub == "add":
        d = s.call("albums_add", name=args.name, prompts=args.prompt, negatives=args.negative or [],
                   threshold=args.threshold, templates=args.templates)
        _emit(args, d, _album_text(d))
    elif sub == "list":
        d = s.call("albums_list")
        _emit(args, d, "\n".join(_album_text(r)[len("album "):] for r in d["albums"]) or "no albums")
    elif sub == "show":
        d = s.call("albums_show", name=args.name)
        _emit(args, d, f"{d['name']} (threshold {d['threshold']:g}, prompts: {', '.join(d['prompts'])}"
                       f"{'; not: ' + ', '.join(d['negatives']) if d['negatives'] else ''})\n"
                       + "\n".join(f"{m['score']:.4f}  {printable(m['path'])}" for m in d["members"]))
    elif sub == "edit":
        threshold = None if args.auto_threshold else ("keep" if args.threshold is None else args.threshold)
        d = s.call("albums_edit", name=args.name, prompts=args.prompt, negatives=args.negative, threshold=threshold)
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


# -- parser -----------------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", default=argparse.SUPPRESS,
                        help="keep all photoclip data under this folder (also PHOTOCLIP_HOME)")
    common.add_argument("--model", default=argparse.SUPPRESS,
                        help="open_clip model: ARCH:TAG, hf-hub:ORG/REPO or local-dir:PATH (also PHOTOCLIP_MODEL); "
                             "default: the model the library was indexed with")
    common.add_argument("--switch-model", action="store_true", default=argparse.SUPPRESS,
                        help="re-encode the library with --model (the old model's vectors are kept)")
    common.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default=argparse.SUPPRESS,
                        help="where the model runs (default: auto, the best available)")
    common.add_argument("--threads", type=positive_int, default=argparse.SUPPRESS, help="CPU threads for encoding")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log details")
    js = argparse.ArgumentParser(add_help=False)
    js.add_argument("--json", action="store_true", help="print machine-readable JSON")

    p = argparse.ArgumentParser(prog="photoclip", parents=[common],
                                description="Find and organise your photos by meaning, on your own machine.")
    p.add_argument("--version", action="version", version=f"photoclip {__version__}")
    p.add_argument("--self-test", action="store_true",
                   help="check this installation end to end (draws, indexes, searches, makes an album and renders "
                        "the window offscreen, with the small bundled model, in a temporary folder) and print "
                        "one verdict line; exit 0 if all of it worked")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name, func, help_, parents=(common, js)):
        sp = sub.add_parser(name, parents=list(parents), help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    f = add("folders", cmd_folders, "manage the library's folders", parents=[common])
    fsub = f.add_subparsers(dest="folders_cmd", metavar="ACTION", required=True)
    fa = fsub.add_parser("add", parents=[common, js], help="add folders to the library",
                         description="Add folders to the library (a running watch starts on them at once).")
    fa.add_argument("paths", nargs="+", metavar="PATH")
    fr = fsub.add_parser("remove", parents=[common, js], help="remove a folder (its photos leave the catalog)",
                         description="Remove a folder from the library; the files themselves are not touched.")
    fr.add_argument("path", metavar="PATH")
    fsub.add_parser("list", parents=[common, js], help="list library folders", description="List library folders.")

    i = add("index", cmd_index, "index new and changed photos now")
    i.add_argument("paths", nargs="*", metavar="PATH", help="folders to add to the library first")
    s = add("search", cmd_search, "find photos by a description, examples and filters")
    # nargs="*": a query may start with "-" (`photoclip search -beach`): argparse leaves such words to main().
    s.add_argument("query", metavar="QUERY", nargs="*", help='words, -"what to leave out", like:PATH, after:, before:, year:, '
                                                  "in:, album:, -album:, type:, camera:, orientation: (see README)")
    s.add_argument("--limit", type=positive_int, default=20, help="number of results (default 20)")
    s.add_argument("--all", action="store_true", help="also the less relevant matches past the cut-off")
    s.add_argument("--sort", choices=("relevance", "date"), default="relevance",
                   help="best match first (default) or newest first")
    si = add("similar", cmd_similar, "find photos that look like a given photo")
    si.add_argument("path", metavar="PATH")
    si.add_argument("--limit", type=positive_int, default=20, help="number of results (default 20)")
    add("duplicates", cmd_duplicates, "list exact copies and near-duplicates, best copy first")
    add("models", cmd_models, "list the model presets with their languages, accuracy and speed")
    add("status", cmd_status, "show counts, the model and whether a watch is running")
    add("failures", cmd_failures, "list skipped files with the reason")

    a = add("albums", cmd_albums, "smart albums that fill themselves", parents=[common])
    asub = a.add_subparsers(dest="albums_cmd", metavar="ACTION", required=True)
    aa = asub.add_parser("add", parents=[common, js], help="create an album from prompts",
                         description="Create a smart album; it tags the whole library now and new photos later.")
    aa.add_argument("name", metavar="NAME")
    aa.add_argument("--prompt", action="append", required=True, metavar="TEXT", help="what belongs (repeatable)")
    aa.add_argument("--negative", action="append", metavar="TEXT", help="what does not belong (repeatable)")
    aa.add_argument("--threshold", type=float, help="score from 0 to 1 (default: calibrated per album)")
    aa.add_argument("--templates", default=None, choices=("personal", "personal_zh", "imagenet"),
                    help="prompt-ensembling template set (default: personal)")
    asub.add_parser("list", parents=[common, js], help="list albums", description="List albums with counts.")
    ash = asub.add_parser("show", parents=[common, js], help="list an album's photos with scores",
                          description="List an album's photos with their scores, best first.")
    ash.add_argument("name", metavar="NAME")
    ae = asub.add_parser("edit", parents=[common, js], help="change prompts, negatives or threshold",
                         description="Change an album; membership is re-decided for the whole library.")
    ae.add_argument("name", metavar="NAME")
    ae.add_argument("--prompt", action="append", metavar="TEXT", help="replace the prompts (repeatable)")
    ae.add_argument("--negative", action="append", metavar="TEXT", help="replace the negatives (repeatable)")
    ae.add_argument("--threshold", type=float, help="a fixed threshold from 0 to 1")
    ae.add_argument("--auto-threshold", action="store_true", help="go back to the calibrated threshold")
    am = asub.add_parser("mark", parents=[common, js], help="say whether a photo belongs",
                         description="Feedback: the photo is always in (--yes) or out (--no), and look-alikes follow.")
    am.add_argument("name", metavar="NAME")
    am.add_argument("path", metavar="PATH")
    yn = am.add_mutually_exclusive_group(required=True)
    yn.add_argument("--yes", action="store_true", help="the photo belongs")
    yn.add_argument("--no", action="store_true", help="the photo does not belong")
    ar = asub.add_parser("remove", parents=[common, js], help="delete an album (photos are not touched)",
                         description="Delete an album; no photo file is touched.")
    ar.add_argument("name", metavar="NAME")
    ax = asub.add_parser("export", parents=[common, js], help="copy or link an album's photos into a folder",
                         description="Copy or symlink an album's photos into DEST; originals are never moved.")
    ax.add_argument("name", metavar="NAME")
    ax.add_argument("dest", metavar="DEST")
    how = ax.add_mutually_exclusive_group(required=True)
    how.add_argument("--copy", action="store_true", help="copy the files")
    how.add_argument("--symlink", action="store_true", help="make symbolic links to the files")
    ast = asub.add_parser("starters", parents=[common, js], help="list the starter albums",
                          description="List the ready-made albums that the GUI can enable with one click.")
    ast.add_argument("--language", default="en", choices=("en", "zh"),
                     help="names and prompts in English (default) or Chinese (for a multilingual model)")

    add("watch", cmd_watch, "keep the library current: watch folders and index in the background")
    add("events", cmd_events, "print what the running watch (or window) does, as it happens, until Ctrl+C "
                               "(--json: one JSON object per line)")
    add("pause", cmd_pause, "pause the running watch's (or window's) indexing")
    add("resume", cmd_pause, "resume the running watch's (or window's) indexing")
    g = add("gui", cmd_gui, "open the desktop app", parents=[common])
    g.add_argument("--query", help="search for this when the window opens")
    g.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window once loaded, then exit")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "command", None) == "search":  # `photoclip search beach -people`: words
        args.query += extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    verbose = getattr(args, "verbose", False)
    # Our own warnings reach the terminal; libraries' log noise (open_clip logs its errors on the root
    # logger before raising them to us) only with -v, since we turn those errors into one sentence.
    logging.basicConfig(level=logging.INFO if verbose else logging.CRITICAL,
                        format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("photoclip").setLevel(logging.WARNING)
        # The model hub's retries and warnings are its own business; we say what went wrong in one line.
        logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    if getattr(args, "self_test", False):
        from . import selftest

        return selftest.run(keep=verbose)
    if args.command is None:
        args.command, args.func, args.query, args.screenshot = "gui", cmd_gui, None, None
    if not hasattr(args, "json"):
        args.json = False
    # Names that are not valid UTF-8 reach the terminal as the bytes they are, like ls prints them.
    sys.stdout.reconfigure(errors="surrogateescape")
    from .errors import PhotoclipError

    session = None
    try:
        session = Session(args)
        status = args.func(args, session)
    except PhotoclipError as e:
        print(f"photoclip: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("photoclip: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `photoclip failures | head -1`: the reader has all it wants
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as e:  # the last line of defence: one sentence, details only with -v
        if verbose:
            log.exception("unexpected error")
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            print("photoclip: the catalog stayed busy for 30 seconds (another program is writing to it); "
                  "try again in a moment.", file=sys.stderr)
        else:
            print(f"photoclip: something went wrong that photoclip did not expect ({e or 'no details'}); run "
                  "again with -v for the details.", file=sys.stderr)
        return 1
    finally:
        if session is not None:
            try:
                session.close()
            except BrokenPipeError:
                pass
    return status or 0


if __name__ == "__main__":
    sys.exit(main())

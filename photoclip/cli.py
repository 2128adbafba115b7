"""The `photoclip` command line: headless access to the library, with --json output for scripts.

Exit status: 0 on success, 2 on usage errors (argparse), 1 otherwise with one clear line on stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from . import __version__

log = logging.getLogger("photoclip")


def _user_errors() -> tuple[type[BaseException], ...]:
    from .albums import AlbumError
    from .catalog import CatalogError
    from .encoder import ModelLoadError
    from .library import LibraryError
    from .live import LiveError
    from .search import SearchError

    return (AlbumError, CatalogError, ModelLoadError, LibraryError, LiveError, SearchError)


def _emit(args, data: dict, text: str) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    elif text:
        print(text)


def _results_text(results) -> str:
    return "\n".join(f"{r.score:.4f}  {r.path}" for r in results) or "no results"


# -- commands ---------------------------------------------------------------------------------------
def cmd_folders(args, lib) -> None:
    if args.folders_cmd == "add":
        added = lib.add_folders(args.paths)
        _emit(args, {"folders": lib.folder_paths()}, "\n".join(f"added {p}" for p in added))
    elif args.folders_cmd == "remove":
        n = lib.remove_folder(args.path)
        _emit(args, {"folders": lib.folder_paths(), "removed_photos": n},
              f"removed {os.path.abspath(args.path)} ({n} photos left the catalog)")
    else:
        rows = lib.catalog.folders()
        _emit(args, {"folders": [{"path": r["path"], "online": bool(r["online"])} for r in rows]},
              "\n".join(r["path"] + ("" if r["online"] else "  (offline)") for r in rows) or "no folders")


def cmd_index(args, lib) -> None:
    from .live import refuse_if_live

    refuse_if_live(lib.paths)
    if args.paths:
        known = set(lib.folder_paths())
        lib.add_folders([p for p in args.paths if os.path.abspath(os.path.expanduser(p)) not in known])
    bar = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="photo", file=sys.stderr, dynamic_ncols=True)

    def on_progress(p):
        if bar is not None:
            bar.total = p.total
            bar.n = p.done
            bar.refresh()

    result = lib.index_now(on_progress=on_progress)
    if bar is not None:
        bar.close()
    offline = result.pop("offline")
    for folder in offline:
        print(f"photoclip: warning: {folder} is offline; its photos are hidden until it returns", file=sys.stderr)
    _emit(args, result, "indexed {indexed}, unchanged {unchanged}, failed {failed}, removed {removed} "
                        "in {seconds:.1f}s".format(**result))


def cmd_search(args, lib) -> None:
    results = lib.search(args.query, args.limit)
    _emit(args, {"results": [{"path": r.path, "score": r.score} for r in results]}, _results_text(results))


def cmd_similar(args, lib) -> None:
    results = lib.similar(args.path, args.limit)
    _emit(args, {"results": [{"path": r.path, "score": r.score} for r in results]}, _results_text(results))


def cmd_status(args, lib) -> None:
    from .live import read_live_state

    st = lib.status()
    live = read_live_state(lib.paths)
    st["watching"] = live is not None
    st["paused"] = bool(live and live.get("paused"))
    if live and live.get("pending") is not None:
        st["pending"] = max(st["pending"], int(live["pending"]))
    text = (f"{st['photos']} photos indexed, {st['pending']} pending, {st['failed']} failed"
            f"{', ' + str(st['offline']) + ' offline' if st['offline'] else ''}\nmodel: {st['model']}\n"
            f"watching: {'yes' + (' (paused)' if st['paused'] else '') if st['watching'] else 'no'}\n"
            "folders:\n" + "\n".join(f"  {f}" for f in st["folders"]))
    _emit(args, st, text)


def cmd_failures(args, lib) -> None:
    rows = lib.failures()
    _emit(args, {"failures": rows}, "\n".join(f"{r['path']}: {r['reason']}" for r in rows) or "no failures")


def cmd_albums(args, lib) -> None:
    albums = lib.albums
    sub = args.albums_cmd
    if sub == "add":
        a = albums.create(args.name, args.prompt, args.negative or [], args.threshold, args.templates)
        _emit(args, {"name": a.name, "count": albums.count(a), "threshold": a.effective_threshold},
              f"album {a.name}: {albums.count(a)} photos (threshold {a.effective_threshold:.2f})")
    elif sub == "list":
        rows = [{"name": a.name, "count": albums.count(a), "threshold": round(a.effective_threshold, 4)}
                for a in albums.all()]
        _emit(args, {"albums": rows},
              "\n".join(f"{r['name']}: {r['count']} photos (threshold {r['threshold']:.2f})" for r in rows)
              or "no albums")
    elif sub == "show":
        a = albums.get(args.name)
        members = albums.members(args.name)
        _emit(args, {"name": a.name, "threshold": round(a.effective_threshold, 4),
                     "members": [{"path": p, "score": s} for p, s in members]},
              f"{a.name} (threshold {a.effective_threshold:.2f}, prompts: {', '.join(a.prompts)}"
              f"{'; not: ' + ', '.join(a.negatives) if a.negatives else ''})\n"
              + "\n".join(f"{s:.4f}  {p}" for p, s in members))
    elif sub == "edit":
        threshold = "keep"
        if args.auto_threshold:
            threshold = None
        elif args.threshold is not None:
            threshold = args.threshold
        a = albums.edit(args.name, args.prompt, args.negative, threshold)
        _emit(args, {"name": a.name, "count": albums.count(a), "threshold": a.effective_threshold},
              f"album {a.name}: {albums.count(a)} photos (threshold {a.effective_threshold:.2f})")
    elif sub == "mark":
        a = albums.mark(args.name, args.path, belongs=args.yes)
        _emit(args, {"name": a.name, "count": albums.count(a)}, f"album {a.name}: {albums.count(a)} photos")
    elif sub == "remove":
        albums.remove(args.name)
        _emit(args, {"removed": args.name}, f"removed album {args.name}")
    elif sub == "export":
        written = albums.export(args.name, args.dest, "copy" if args.copy else "symlink")
        _emit(args, {"exported": written}, f"exported {len(written)} photos to {args.dest}")
    elif sub == "starters":
        from .albums import starter_albums

        rows = starter_albums()
        _emit(args, {"starters": rows}, "\n".join(f"{r['name']}: {', '.join(r['prompts'])}" for r in rows))


def cmd_watch(args, lib) -> None:
    from .live import run_watch

    run_watch(lib, json_lines=args.json)


def cmd_pause(args, lib) -> None:
    from .live import request_pause

    request_pause(lib.paths, args.command == "pause")
    _emit(args, {"paused": args.command == "pause"}, f"{args.command}d the running watch")


def cmd_gui(args, lib) -> None:  # pragma: no cover - exercised by the GUI tests through main()
    from .gui.app import run_gui

    sys.exit(run_gui(lib, query=args.query, screenshot=args.screenshot))


# -- parser -----------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", default=argparse.SUPPRESS,
                        help="keep all photoclip data under this folder (also PHOTOCLIP_HOME)")
    common.add_argument("--model", default=argparse.SUPPRESS,
                        help="open_clip model: ARCH:TAG, hf-hub:ORG/REPO or local-dir:PATH (also PHOTOCLIP_MODEL)")
    common.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default=argparse.SUPPRESS,
                        help="where the model runs (default: auto, the best available)")
    common.add_argument("--threads", type=int, default=argparse.SUPPRESS, help="CPU threads for encoding")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log details")
    js = argparse.ArgumentParser(add_help=False)
    js.add_argument("--json", action="store_true", help="print machine-readable JSON")

    p = argparse.ArgumentParser(prog="photoclip", parents=[common],
                                description="Find and organise your photos by meaning, on your own machine.")
    p.add_argument("--version", action="version", version=f"photoclip {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name, func, help_, parents=(common, js)):
        sp = sub.add_parser(name, parents=list(parents), help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    f = add("folders", cmd_folders, "manage the library's folders", parents=[common])
    fsub = f.add_subparsers(dest="folders_cmd", metavar="ACTION", required=True)
    fa = fsub.add_parser("add", parents=[common, js], help="add folders to the library",
                         description="Add folders to the library (they are indexed by index or watch).")
    fa.add_argument("paths", nargs="+", metavar="PATH")
    fr = fsub.add_parser("remove", parents=[common, js], help="remove a folder (its photos leave the catalog)",
                         description="Remove a folder from the library; the files themselves are not touched.")
    fr.add_argument("path", metavar="PATH")
    fsub.add_parser("list", parents=[common, js], help="list library folders", description="List library folders.")

    i = add("index", cmd_index, "index new and changed photos now")
    i.add_argument("paths", nargs="*", metavar="PATH", help="folders to add to the library first")
    s = add("search", cmd_search, "find photos by a description")
    s.add_argument("query", metavar="QUERY")
    s.add_argument("--limit", type=int, default=20, help="number of results (default 20)")
    si = add("similar", cmd_similar, "find photos that look like a given photo")
    si.add_argument("path", metavar="PATH")
    si.add_argument("--limit", type=int, default=20, help="number of results (default 20)")
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
    aa.add_argument("--templates", default="personal", choices=("personal", "imagenet"),
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
    asub.add_parser("starters", parents=[common, js], help="list the starter albums",
                    description="List the ready-made albums that the GUI can enable with one click.")

    add("watch", cmd_watch, "keep the library current: watch folders and index in the background")
    add("pause", cmd_pause, "pause the running watch's indexing")
    add("resume", cmd_pause, "resume the running watch's indexing")
    g = add("gui", cmd_gui, "open the desktop app", parents=[common])
    g.add_argument("--query", help="search for this when the window opens")
    g.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window once loaded, then exit")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False)
    # Our own warnings reach the terminal; libraries' log noise (open_clip logs its errors on the root
    # logger before raising them to us) only with -v, since we turn those errors into one sentence.
    logging.basicConfig(level=logging.INFO if verbose else logging.CRITICAL,
                        format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("photoclip").setLevel(logging.WARNING)
    if args.command is None:
        args.command, args.func, args.query, args.screenshot = "gui", cmd_gui, None, None
    if not hasattr(args, "json"):
        args.json = False
    errors = _user_errors()
    try:
        from .library import Library

        with Library(home=getattr(args, "home", None), model=getattr(args, "model", None),
                     device=getattr(args, "device", None), threads=getattr(args, "threads", None)) as lib:
            args.func(args, lib)
    except errors as e:
        print(f"photoclip: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("photoclip: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # the last line of defence: one sentence, details only with -v
        if verbose:
            log.exception("unexpected error")
        print(f"photoclip: unexpected error: {type(e).__name__}: {e} (run with -v for details)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

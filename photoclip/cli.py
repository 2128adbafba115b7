"""The `photoclip` command line: the parser and main().  session.py finds the way to the library (a running
service's socket, or the library opened here), commands.py carries out each command and prints its answer.

When a watch or the app holds the library, requests go to it over its local socket and are answered from
memory (no PyTorch import, no model load in this process); otherwise they run in-process.  Either way the
answer is the same dict, printed the same way.  Exit status: 0 on success, 2 on usage errors, 1 otherwise
with one clear line on stderr.
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys

from . import __version__
from .session import Session
from .commands import (cmd_albums, cmd_duplicates, cmd_events, cmd_failures, cmd_folders, cmd_gui, cmd_index,
                       cmd_models, cmd_pause, cmd_search, cmd_similar, cmd_status, cmd_text, cmd_watch)

log = logging.getLogger("photoclip")

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
                                                  "in:, album:, -album:, type:, camera:, orientation:, text:, -text:, person:, -person:, people:, place:, country:, near: (see README)")
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
    t = add("text", cmd_text, "print the text read in a photo, with boxes; or turn reading text on or off")
    t.add_argument("path", metavar="PATH", nargs="?", help="a photo of the library")
    onoff = t.add_mutually_exclusive_group()
    onoff.add_argument("--on", action="store_true", help="read the text in photos (the default)")
    onoff.add_argument("--off", action="store_true", help="stop reading text, and delete all text read so far")
    add("failures", cmd_failures, "list skipped files with the reason")
    from .commands_people import add_parser as add_people

    add_people(add, common, js, positive_int)
    from .commands_places import add_parser as add_places

    add_places(add)

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
    aa.add_argument("--text-any", action="append", metavar="WORD",
                    help="photos whose text contains this belong too (repeatable), e.g. --text-any total")
    aa.add_argument("--person", action="append", metavar="NAME",
                    help="only photos with this person in them (repeatable: all of them)")
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
    ae.add_argument("--text-any", action="append", metavar="WORD", help="replace the text rule's words (repeatable)")
    ae.add_argument("--no-text-rule", action="store_true", help="drop the text rule")
    ae.add_argument("--person", action="append", metavar="NAME", help="replace the people rule (repeatable)")
    ae.add_argument("--no-people-rule", action="store_true", help="drop the people rule")
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
    asc = asub.add_parser("sidecars", parents=[common, js],
                          help="give albums and named people back to other apps as sidecar keywords",
                          description="Write each photo's albums and named people as XMP keywords into .xmp sidecars "
                                      "that digiKam, Lightroom and darktable read (never into the photos), or take "
                                      "them back.")
    where = asc.add_mutually_exclusive_group(required=True)
    where.add_argument("--beside", action="store_true", help="sidecars next to the photos")
    where.add_argument("--folder", metavar="DIR", help="sidecars under DIR, mirroring the photos' paths")
    where.add_argument("--off", action="store_true", help="take back every keyword photoclip wrote")

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

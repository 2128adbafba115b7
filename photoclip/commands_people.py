"""`photoclip people`: the people in the library's photos, and the user's word about them (names, merges,
corrections), through the same operations as the window."""
from __future__ import annotations

from .commands import _abs, _emit, faces_status, printable
from .errors import UsageError
from .session import Session


def _person_line(p: dict) -> str:
    hidden = " (hidden)" if p.get("hidden") else ""
    return f"{p['id']:>5}  {p['label']}{hidden}  {p['photos']} photos, {p['faces']} faces"


def _faces_lines(faces: list[dict]) -> str:
    return "\n".join(f"face {f['id']}: {f.get('name') or ('person ' + str(f['person']) if f.get('person') else 'unsorted')}"
                     f"  box {' '.join(f'{v:.3f}' for v in f['box'])}" for f in faces)


def cmd_people(args, s: Session) -> None:
    sub = getattr(args, "people_cmd", None)
    if args.on or args.off:
        if sub:
            raise UsageError("--on and --off stand alone: photoclip people --on (or --off).")
        d = s.call("set_find_faces", on=bool(args.on))
        _emit(args, d, "finding faces: on" if d["find_faces"] else
              f"finding faces: off ({d['deleted']} faces and every person deleted)")
    elif sub in (None, "list"):
        d = s.call("people", hidden=bool(getattr(args, "hidden", False)))
        _emit(args, d, "\n".join([_person_line(p) for p in d["people"]] or ["no people yet"])
              + "\n" + faces_status(d["faces"]))
    elif sub == "show":
        d = s.call("people_show", person=args.person)
        _emit(args, d, _person_line(d["person"]) + "\n" +
              "\n".join(f"{p.get('taken') or '':19s}  {printable(p['path'])}" for p in d["photos"]))
    elif sub == "name":
        d = s.call("people_name", person=args.person, name=args.name)
        _emit(args, d, _person_line(d))
    elif sub == "merge":
        d = s.call("people_merge", into=args.into, other=args.other)
        _emit(args, d, _person_line(d))
    elif sub in ("hide", "unhide"):
        d = s.call("people_hide", person=args.person, hidden=sub == "hide")
        _emit(args, d, _person_line(d))
    elif sub == "faces":
        d = s.call("faces_of", path=_abs(args.path))
        body = {"pending": "not looked at yet (the faces stage looks after indexing)",
                "off": "finding faces is turned off (photoclip people --on)",
                "failed": f"could not be looked at: {d['reason']}"}.get(d["state"])
        _emit(args, d, body or _faces_lines(d["faces"]) or "no faces")
    elif sub == "unsorted":
        d = s.call("faces_unsorted", limit=args.limit)
        _emit(args, d, "\n".join(f"face {f['id']}  {printable(f['path'])}" for f in d["faces"])
              + f"\n{d['total']} unsorted faces")
    elif sub == "this-is":
        d = s.call("faces_this_is", faces=args.faces, name=args.name)
        _emit(args, d, _person_line(d))
    elif sub == "not-this":
        d = s.call("faces_not_this_person", faces=args.faces)
        _emit(args, d, f"{len(d['left'])} faces taken from their person")
    elif sub == "not-a-face":
        d = s.call("faces_not_a_face", faces=args.faces)
        _emit(args, d, f"{len(d['faces'])} finds forgotten as faces")


def add_parser(add, common, js, positive_int) -> None:
    pe = add("people", cmd_people, "people in photos: list, show, name, merge, correct; or turn faces on or off")
    onoff = pe.add_mutually_exclusive_group()
    onoff.add_argument("--on", action="store_true", help="find faces and group them into people (the default)")
    onoff.add_argument("--off", action="store_true", help="stop finding faces, and delete every face and person")
    psub = pe.add_subparsers(dest="people_cmd", metavar="ACTION")

    def action(name, help_):
        return psub.add_parser(name, parents=[common, js], help=help_, description=help_)

    action("list", "list people with photo counts (the default)").add_argument(
        "--hidden", action="store_true", help="include hidden people")
    action("show", "list a person's photos").add_argument("person", metavar="PERSON", help="a name or number")
    n = action("name", "name or rename a person")
    n.add_argument("person", metavar="PERSON", help="a name or number (see photoclip people)")
    n.add_argument("name", metavar="NAME")
    m = action("merge", "make two people one (the first keeps their name)")
    m.add_argument("into", metavar="PERSON")
    m.add_argument("other", metavar="OTHER")
    action("hide", "leave a person out of the people list").add_argument("person", metavar="PERSON")
    action("unhide", "show a hidden person again").add_argument("person", metavar="PERSON")
    action("faces", "list the faces found in a photo, with their ids").add_argument("path", metavar="PATH")
    action("unsorted", "list faces that belong to no one yet").add_argument(
        "--limit", type=positive_int, default=50, help="how many (default 50)")
    t = action("this-is", "say whose faces these are (the name is made a person when new)")
    t.add_argument("name", metavar="NAME")
    t.add_argument("faces", metavar="FACE", type=int, nargs="+")
    action("not-this", "take faces from their person for good").add_argument("faces", metavar="FACE", type=int,
                                                                              nargs="+")
    action("not-a-face", "forget finds that are not faces").add_argument("faces", metavar="FACE", type=int, nargs="+")

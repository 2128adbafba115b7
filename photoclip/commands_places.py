"""`photoclip places`: where the library's photos were taken, by country and place."""
from __future__ import annotations

from .commands import _emit
from .session import Session


def cmd_places(args, s: Session) -> None:
    d = s.call("places")
    lines = []
    for c in d["countries"]:
        lines.append(f"{c['name'] or 'at sea or far from any town'} ({c['code'] or '-'}): {c['photos']} photos")
        lines += [f"  {p['name']}: {p['photos']}" for p in c["places"]]
    lines.append(f"{d['without_position']} photos without a position" + (f", {d['pending']} not looked at yet"
                                                                        if d["pending"] else ""))
    _emit(args, d, "\n".join(lines))


def add_parser(add) -> None:
    add("places", cmd_places, "where the photos were taken (from their GPS), by country and place")

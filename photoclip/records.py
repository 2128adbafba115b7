"""What the catalog stores, in the words every part of it shares: photo statuses, the SQL conditions written
once (visible, taken, under a folder), lossless path encoding, and the Photo row.  No connection here."""
from __future__ import annotations

import os
from dataclasses import dataclass

# Photo status values.
PENDING, INDEXED, FAILED, MISSING = "pending", "indexed", "failed", "missing"

# Conditions written once.
# A photo that may appear in results: online, indexed or queued, and not the RAW half of a RAW+JPEG pair (the
# JPEG shows the pair: catalog_photos.pair_siblings).
VISIBLE = "p.offline=0 AND p.status IN ('indexed', 'pending') AND p.pair_of IS NULL"
# When a photo was taken: EXIF's date, else the file's modification time (local time, like EXIF's).
TAKEN = "coalesce(p.taken, strftime('%Y-%m-%dT%H:%M:%S', p.mtime_ns / 1e9, 'unixepoch', 'localtime'))"
UNDER = "(p.path=? OR substr(p.path, 1, ?)=?)"  # at a folder or beneath it; parameters from under_args()


# -- lossless paths -----------------------------------------------------------------------------------
# Python decodes a file name that is not valid UTF-8 with surrogate escapes (byte 0xFF -> U+DCFF), which
# SQLite cannot store.  Such a character is stored as ESC + two hex digits, and ESC itself as ESC ESC.
# The escape works character by character, so "path under folder" prefixes still compare correctly.
_ESC = "\uffff"


def to_db(path: str) -> str:
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
        if _ESC not in path:
            return path
    except UnicodeEncodeError:
        pass
    out = []
    for ch in path:
        o = ord(ch)
        if ch == _ESC:
            out.append(_ESC + _ESC)
        elif 0xDC80 <= o <= 0xDCFF:
            out.append(f"{_ESC}{o - 0xDC00:02x}")
        elif 0xD800 <= o <= 0xDFFF:  # not from a file system; keep the text storable
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def from_db(text: str) -> str:
    if _ESC not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch != _ESC:
            out.append(ch)
            i += 1
        elif text[i + 1:i + 2] == _ESC:
            out.append(_ESC)
            i += 2
        else:
            out.append(chr(0xDC00 + int(text[i + 1:i + 3], 16)))
            i += 3
    return "".join(out)


def under_args(folder: str) -> tuple:
    """The three parameters of UNDER for `folder` (already in catalog form)."""
    prefix = folder.rstrip(os.sep) + os.sep
    return folder, len(prefix), prefix


@dataclass
class Photo:
    id: int
    path: str
    folder_id: int
    size: int | None
    mtime_ns: int | None
    hash: str | None
    width: int | None
    height: int | None
    taken: str | None
    camera: str | None
    status: str
    reason: str | None
    priority: int
    offline: int
    updated: float
    duration: float | None = None  # a video's length in seconds; None for a photo


_PHOTO_COLS = ", ".join(f"p.{f}" for f in Photo.__dataclass_fields__)


def _photo(row) -> Photo:
    p = Photo(*row)
    p.path = from_db(p.path)
    return p

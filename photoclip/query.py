"""The search box's language, parsed once here for the CLI and the app alike.

    dog on a beach -people -"a person" like:~/a.jpg after:2023-05 before:2024 year:2023 in:~/Pictures/Trips
    album:Beach -album:Receipts type:jpeg type:video type:live camera:pixel orientation:portrait text:IKEA
    person:"Mum" -person:Dad people:0 people:3+ people:2 place:Lisbon place:"Hong Kong" country:PT
    near:38.72,-9.14,10km tag:family -tag:work rating:4+ rating:5 -text:draft

Free words are the text query; `-word` / `-"a phrase"` push matching photos out; `like:PATH` uses a photo
as an example (repeatable); the rest are filters.  Quotes group words and paths with spaces.  Every mistake
is one sentence (QueryError).  `type:X` keeps one kind of file: jpeg, heic, raw, dng, photo (any still), video,
mp4, mov, or live (a Live Photo: a still with its movie paired).  `text:X` keeps photos whose recognised text contains X (any case, accents
ignored, any script), `-text:X` those whose text does not.  `person:NAME` keeps photos in which that person
appears (repeat it: all of them), `-person:NAME` those without them; `people:N` photos with exactly N faces,
`people:N+` with N or more.  `place:X` keeps photos taken in the place, region or country named X (English
or Chinese country names, any case), `-place:X` the others; `country:X` by country name or ISO code;
`near:LAT,LON[,Nkm]` within N km (10 by default) of a point.  `tag:X` keeps photos that another app (Lightroom,
digiKam, darktable) gave the keyword X, `-tag:X` the others; `rating:N` those rated N stars, `rating:N+` N or more.  Dates: `after:X` keeps photos taken on or after the first day of X, `before:X`
those taken before the first day of X, `year:YYYY` that year; X is YYYY, YYYY-MM or YYYY-MM-DD.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shlex
from dataclasses import dataclass, field
from .errors import PhotoclipError
from .rawimage import RAW_EXTENSIONS
from .video import VIDEO_EXTENSIONS

TYPES = {"jpeg": (".jpg", ".jpeg", ".jpe"), "png": (".png",), "heic": (".heic", ".heif"), "webp": (".webp",),
         "tiff": (".tif", ".tiff"), "gif": (".gif",), "bmp": (".bmp",),
         "raw": tuple(sorted(RAW_EXTENSIONS)), "dng": (".dng",),
         "photo": tuple(sorted({".jpg", ".jpeg", ".jpe", ".png", ".heic", ".heif", ".webp", ".tif", ".tiff", ".gif",
                                ".bmp"} | RAW_EXTENSIONS)),
         "video": tuple(sorted(VIDEO_EXTENSIONS)), "mp4": (".mp4", ".m4v"), "mov": (".mov",),
         "live": ()}  # a Live Photo: a still whose movie is paired with it (catalog_photos.pair_siblings)
_TYPE_ALIASES = {"jpg": "jpeg", "jpe": "jpeg", "heif": "heic", "tif": "tiff", "videos": "video", "photos": "photo",
                 "movie": "video", "m4v": "mp4"}
ORIENTATIONS = ("portrait", "landscape", "square")
KEYS = ("like", "after", "before", "year", "in", "album", "type", "camera", "orientation", "text", "person",
        "people", "place", "country", "near", "tag", "rating")
NEGATABLE = ("album", "text", "person", "place", "tag")
_KEY = re.compile(r"^(-?)([A-Za-z]+):(.*)$", re.S)


class QueryError(PhotoclipError, ValueError):
    """str(e) is one sentence for the user; a usage error (exit status 2)."""
    usage = True


@dataclass
class Query:
    text: str = ""
    negatives: list[str] = field(default_factory=list)
    likes: list[str] = field(default_factory=list)
    after: str | None = None  # ISO date, inclusive
    before: str | None = None  # ISO date, exclusive
    folders: list[str] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    not_albums: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    orientation: str | None = None
    texts: list[str] = field(default_factory=list)  # normalised (ocr.normalize)
    not_texts: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # as typed; search.run resolves them to person_ids
    not_persons: list[str] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    not_person_ids: list[int] = field(default_factory=list)
    faces: tuple[int, int | None] | None = None  # people:N (N, N) or people:N+ (N, None)
    places: list[str] = field(default_factory=list)
    not_places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    near: tuple[float, float, float] | None = None  # lat, lon, km
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    rating: tuple[int, int | None] | None = None  # rating:N (N, N) or rating:N+ (N, None)
    live: bool = False  # type:live

    @property
    def has_filters(self) -> bool:
        return bool(self.after or self.before or self.folders or self.albums or self.not_albums
                    or self.extensions or self.cameras or self.orientation or self.texts or self.not_texts
                    or self.persons or self.not_persons or self.person_ids or self.not_person_ids
                    or self.faces is not None or self.places or self.not_places or self.countries
                    or self.near is not None or self.tags or self.not_tags or self.rating is not None or self.live)

    @property
    def ranks(self) -> bool:
        """Whether there is anything to rank by (words or example photos); else a filter listing."""
        return bool(self.text or self.likes)


def _period(value: str, key: str) -> tuple[dt.date, dt.date | None]:
    """The first day of the period a date names, and the first day after it (None after the year 9999)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
    try:
        if not m:
            raise ValueError
        y, mo, d = int(m[1]), int(m[2] or 1), int(m[3] or 1)
        start = dt.date(y, mo, d)
    except ValueError:
        raise QueryError(f"{key}:{value} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD.") from None
    try:
        if m[3]:
            end = start + dt.timedelta(days=1)
        elif m[2]:
            end = dt.date(y + (mo == 12), mo % 12 + 1, 1)
        else:
            end = dt.date(y + 1, 1, 1)
    except (ValueError, OverflowError):  # the period ends with the calendar: no upper bound
        end = None
    return start, end


def parse(text: str, base: str | None = None) -> Query:
    """`base`: the folder a relative like:/in: path is relative to (the asking client's, which over the socket
    is not the service's); None: this process's working folder."""
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        raise QueryError("A quote in the search is not closed; close it or remove it.") from None
    q, words = Query(), []
    for tok in tokens:
        m = _KEY.match(tok)
        if m and m[2].lower() in KEYS:
            _apply(q, m[1] == "-", m[2].lower(), m[3], base)
        elif m and m[2].isascii() and not m[3].startswith("//"):
            raise QueryError(f"Unknown filter {m[2]}: — photoclip knows {', '.join(k + ':' for k in KEYS)}.")
        elif tok.startswith("-") and len(tok) > 1:
            q.negatives.append(tok[1:].strip())
        elif tok.strip():
            words.append(tok)
    q.text = " ".join(words)
    return q


def _path(value: str, base: str | None) -> str:
    path = os.path.expanduser(value)
    return os.path.abspath(os.path.join(base, path) if base else path)


def _apply(q: Query, negated: bool, key: str, value: str, base: str | None = None) -> None:
    if not value.strip():
        raise QueryError(f"{key}: needs a value, e.g. {key}:{_EXAMPLE[key]}.")
    if negated and key not in NEGATABLE:
        raise QueryError(f"-{key}: cannot be negated; only -album:, -text:, -person:, -place: and -tag: can.")
    if key == "like":
        q.likes.append(_path(value, base))
    elif key == "after":
        start, _ = _period(value, key)
        q.after = max(q.after or "", start.isoformat())
    elif key == "before":
        start, _ = _period(value, key)
        q.before = min(q.before or "9999", start.isoformat())
    elif key == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise QueryError(f"year:{value} is not a year; write four digits, e.g. year:2023.")
        start, end = _period(value, key)
        q.after = max(q.after or "", start.isoformat())
        if end is not None:
            q.before = min(q.before or "9999", end.isoformat())
    elif key == "in":
        q.folders.append(_path(value, base))
    elif key == "album":
        (q.not_albums if negated else q.albums).append(value)
    elif key == "type":
        kind = _TYPE_ALIASES.get(value.lower(), value.lower())
        if kind not in TYPES:
            raise QueryError(f"type:{value} is not a photo type photoclip knows; use one of {', '.join(TYPES)}.")
        q.extensions.extend(TYPES[kind])
        q.live = q.live or kind == "live"
    elif key == "camera":
        q.cameras.append(value)
    elif key == "orientation":
        if value.lower() not in ORIENTATIONS:
            raise QueryError(f"orientation:{value} is not one of {', '.join(ORIENTATIONS)}.")
        q.orientation = value.lower()
    elif key == "text":
        from .textnorm import normalize

        (q.not_texts if negated else q.texts).append(normalize(value))
    elif key == "person":
        (q.not_persons if negated else q.persons).append(" ".join(value.split()))
    elif key == "people":
        m = re.fullmatch(r"(\d{1,3})(\+?)", value.strip())
        if not m:
            raise QueryError(f"people:{value} is not a number of faces; write people:0, people:2 or people:3+.")
        q.faces = (int(m[1]), None if m[2] else int(m[1]))
    elif key == "place":
        (q.not_places if negated else q.places).append(" ".join(value.split()))
    elif key == "country":
        q.countries.append(value.strip())
    elif key == "near":
        m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(?:,\s*(\d+(?:\.\d+)?)\s*(km|m)?)?\s*",
                         value)
        lat, lon = (float(m[1]), float(m[2])) if m else (None, None)
        if not m or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise QueryError(f"near:{value} is not a position; write near:LAT,LON or near:LAT,LON,10km "
                             "(degrees, e.g. near:38.72,-9.14,5km).")
        radius = float(m[3]) if m[3] else 10.0
        q.near = (lat, lon, radius / 1000 if m[4] == "m" else radius)
    elif key == "tag":
        (q.not_tags if negated else q.tags).append(value.strip())
    elif key == "rating":
        m = re.fullmatch(r"([0-5])(\+?)", value.strip())
        if not m:
            raise QueryError(f"rating:{value} is not a rating; write rating:0 to rating:5, or rating:4+ for 4 or more.")
        q.rating = (int(m[1]), None if m[2] else int(m[1]))


_EXAMPLE = {"like": "~/Pictures/a.jpg", "after": "2023-05", "before": "2024", "year": "2023", "in": "~/Pictures",
            "album": "Beach", "type": "jpeg", "camera": "pixel", "orientation": "portrait",
            "text": "IKEA", "person": "Mum", "people": "2+", "place": "Lisbon", "country": "PT",
            "near": "38.72,-9.14,10km", "tag": "family", "rating": "4+"}

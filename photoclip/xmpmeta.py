"""What other apps wrote about a photo: keywords, rating, colour label, title and caption, from the XMP inside
the file, its IPTC keywords, and an `.xmp` sidecar beside it (digiKam and Lightroom write NAME.xmp, darktable
NAME.EXT.xmp).  Read only: photoclip never writes into the photo, and writes sidecars only when the user asks
(not yet built).

Where the sidecar and the file disagree, the sidecar wins for the rating, label, title and caption (it is what
the editing app keeps current); keywords are the union.  Hierarchical keywords (Lightroom's "Family|Kids",
digiKam's "Family/Kids") count as the whole path and as each of its parts, so `tag:kids` and `tag:family` both
find them.  XML is parsed with Python's expat, which refuses entity expansion bombs.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .imageio import open_readonly

NS = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
      "lr": "http://ns.adobe.com/lightroom/1.0/", "digiKam": "http://www.digikam.org/ns/1.0/",
      "photoshop": "http://ns.adobe.com/photoshop/1.0/", "MicrosoftPhoto": "http://ns.microsoft.com/photo/1.0/"}
MAX_SIDECAR = 4 * 1024 * 1024  # a sidecar larger than this is not read (a real one is a few kilobytes)
_PACKET = re.compile(rb"<x:xmpmeta.*?</x:xmpmeta>", re.S)


@dataclass
class Meta:
    keywords: list[str] = field(default_factory=list)
    rating: int | None = None  # 0-5; -1 is "rejected" in Lightroom
    label: str | None = None
    title: str | None = None
    caption: str | None = None
    sidecar: str | None = None
    sidecar_mtime: int | None = None  # the sidecar's st_mtime_ns when it was read
    motion: int | None = None  # a Motion Photo: where its movie begins in the file (video.embedded_movie)

    def as_json(self) -> dict:
        return {"keywords": self.keywords, "rating": self.rating, "label": self.label, "title": self.title,
                "caption": self.caption, "sidecar": self.sidecar}

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.rating is not None or self.label or self.title or self.caption
                    or self.motion is not None)


def sidecars(path: str) -> list[str]:
    """Where apps put a photo's sidecar: darktable's NAME.EXT.xmp, then digiKam's and Lightroom's NAME.xmp."""
    stem = os.path.splitext(path)[0]
    return [path + ".xmp", path + ".XMP", stem + ".xmp", stem + ".XMP"]


def sidecar_of(path: str) -> str | None:
    for candidate in sidecars(path):
        if os.path.isfile(candidate):
            return candidate
    return None


def _texts(node) -> list[str]:
    """An XMP property's values: an attribute, a simple element, or an rdf:Bag/Seq/Alt of rdf:li."""
    items = node.findall(".//rdf:li", NS)
    if items:
        return [(li.text or "").strip() for li in items if (li.text or "").strip()]
    return [(node.text or "").strip()] if (node.text or "").strip() else []


def _prop(root, name: str) -> list[str]:
    prefix, local = name.split(":")
    uri = "{" + NS[prefix] + "}" + local
    out = []
    for desc in root.iter("{" + NS["rdf"] + "}Description"):
        if uri in desc.attrib:
            out.append(desc.attrib[uri].strip())
        for node in desc.findall(name, NS):
            out += _texts(node)
    return [v for v in out if v]


def parse_xmp(data: bytes) -> Meta:
    """The fields photoclip reads from one XMP packet (bytes); an unreadable packet gives an empty Meta."""
    m = _PACKET.search(data)
    try:
        root = ET.fromstring(m.group(0) if m else data)
    except (ET.ParseError, ValueError):
        return Meta()
    keywords = _prop(root, "dc:subject")
    for path in _prop(root, "lr:hierarchicalSubject") + _prop(root, "digiKam:TagsList"):
        parts = [p.strip() for p in re.split(r"[|/]", path) if p.strip()]
        keywords += parts + (["/".join(parts)] if len(parts) > 1 else [])
    rating = None
    for value in _prop(root, "xmp:Rating"):
        try:
            rating = max(-1, min(5, int(float(value))))
            break
        except ValueError:
            continue
    first = (lambda name: (_prop(root, name) or [None])[0])
    return Meta(_unique(keywords), rating, first("xmp:Label"), first("dc:title"), first("dc:description"))


def _unique(words: list[str]) -> list[str]:
    seen, out = set(), []
    for w in words:
        if w.casefold() not in seen:
            seen.add(w.casefold())
            out.append(w)
    return out


def _iptc_keywords(img) -> tuple[list[str], str | None, str | None]:
    try:
        from PIL import IptcImagePlugin

        info = IptcImagePlugin.getiptcinfo(img) or {}
    except Exception:
        return [], None, None

    def texts(tag):
        value = info.get(tag)
        values = value if isinstance(value, list) else [value] if value else []
        return [v.decode("utf-8", "replace").strip() for v in values if isinstance(v, bytes) and v.strip()]

    title, caption = texts((2, 5)), texts((2, 120))
    return texts((2, 25)), title[0] if title else None, caption[0] if caption else None


def read(path: str) -> Meta:
    """Everything photoclip reads about the photo at `path` from it and its sidecar (never raises)."""
    from PIL import Image

    from .video import embedded_movie, is_video_name

    inside, motion = Meta(), None
    iptc: tuple[list[str], str | None, str | None] = ([], None, None)
    try:
        f, _st = open_readonly(path)
        with f:
            if not is_video_name(path):
                with Image.open(f) as img:
                    packet = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
                    if isinstance(packet, str):
                        packet = packet.encode("utf-8")
                    if packet:
                        inside = parse_xmp(packet)
                    iptc = _iptc_keywords(img)
                    still = img.format in ("JPEG", "HEIF")
                if still:
                    motion = embedded_movie(f, packet)
    except Exception:
        pass
    side, sidecar, mtime = Meta(), sidecar_of(path), None
    if sidecar:
        try:
            mtime = os.stat(sidecar).st_mtime_ns
            if os.path.getsize(sidecar) <= MAX_SIDECAR:
                with open(sidecar, "rb") as f:
                    side = parse_xmp(f.read())
        except OSError:
            pass
    keywords = _unique(side.keywords + inside.keywords + iptc[0])
    pick = (lambda a, b, c=None: a if a is not None else b if b is not None else c)
    return Meta(keywords, pick(side.rating, inside.rating), pick(side.label, inside.label),
                pick(side.title, inside.title, iptc[1]), pick(side.caption, inside.caption, iptc[2]), sidecar, mtime,
                motion)

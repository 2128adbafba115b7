"""Giving albums back (opt-in, off by default): each photo's smart albums written as XMP keywords into `.xmp`
sidecars, in the forms digiKam, Lightroom and darktable read, never into the photos themselves.

What is written, per photo in at least one album: the album's name in `dc:subject` (every app's keywords),
`photoclip|NAME` in `lr:hierarchicalSubject` (Lightroom) and `photoclip/NAME` in `digiKam:TagsList` (digiKam), so
the albums appear under one "photoclip" keyword in both.  The people named in the photo (as `person:NAME` finds
them; hidden people and unnamed ones are not written) go in the same way under "People": `Mum` in `dc:subject`,
`photoclip|People|Mum` and `photoclip/People/Mum`.  Where: mode "beside" updates the photo's existing
sidecar (NAME.EXT.xmp or NAME.xmp) or makes NAME.EXT.xmp (digiKam's and darktable's form; NAME.xmp for RAW
files, Lightroom's); mode "folder" writes NAME.EXT.xmp under a folder of the user's choosing, mirroring the
photo's path, for users who want nothing added beside their photos.

The user's own keywords and everything else in a sidecar are kept: photoclip removes only what it wrote, and
remembers what that was (`sidecar_written` in the catalog), so an album that is deleted, or the option turned
off, takes exactly its own keywords away again; a sidecar photoclip made and that holds nothing else then goes.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from .fsutil import atomic_write_bytes
from .rawimage import is_raw_name
from .xmpmeta import NS, sidecar_of

ROOT = "photoclip"
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)
_RDF = "{" + NS["rdf"] + "}"
EMPTY = ('<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="photoclip"><rdf:RDF '
         'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""/></rdf:RDF>'
         '</x:xmpmeta>')
MIGRATION = """
CREATE TABLE sidecar_written (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    sidecar TEXT NOT NULL,
    keyword TEXT NOT NULL,
    subject INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (photo_id, keyword)
)
"""
MIGRATION_MADE = "ALTER TABLE sidecar_written ADD COLUMN made INTEGER NOT NULL DEFAULT 0"


def target(photo: str, mode: str, folder: str | None) -> str:
    if mode == "folder":
        relative = os.path.splitdrive(os.path.abspath(photo))[1].lstrip("/\\")
        return os.path.join(folder or "", relative + ".xmp")
    return sidecar_of(photo) or (os.path.splitext(photo)[0] + ".xmp" if is_raw_name(photo) else photo + ".xmp")


PEOPLE = "People|"  # how a person's keyword is kept (sidecar_written.keyword): "People|Mum"


def person_keyword(name: str) -> str:
    return PEOPLE + name


def _parts(keyword: str) -> list[str]:
    """An album's name is one keyword, whatever it holds; a person's is "People" then the name."""
    return ["People", keyword[len(PEOPLE):]] if keyword.startswith(PEOPLE) else [keyword]


def subject_of(keyword: str) -> str:
    """The plain keyword (`dc:subject`) of an album or a person: its name."""
    return _parts(keyword)[-1]


def ours(keywords: list[str]) -> dict[str, list[str]]:
    """The keywords photoclip writes for these albums and people, by property."""
    return {"dc:subject": [subject_of(k) for k in keywords],
            "lr:hierarchicalSubject": ["|".join([ROOT, *_parts(k)]) for k in keywords],
            "digiKam:TagsList": ["/".join([ROOT, *_parts(k)]) for k in keywords]}


def _container(desc, name: str, kind: str):
    prefix, local = name.split(":")
    node = desc.find(name, NS)
    if node is None:
        node = ET.SubElement(desc, "{" + NS[prefix] + "}" + local)
    holder = node.find("rdf:" + kind, NS)
    if holder is None:
        holder = next(iter(node), None)
    if holder is None:
        holder = ET.SubElement(node, _RDF + kind)
    return node, holder


def rewrite(path: str, add: list[str], remove: list[str], subjects: set[str] = frozenset(),
            made: bool = False) -> tuple[set[str], bool]:
    """Put the keywords `add` (albums, people) into the sidecar at `path` and take those of `remove` out,
    leaving everything else as it was: of the plain keywords (`dc:subject`) only those of `subjects` (the ones
    photoclip added) are taken out, so a keyword the user had before stays.  Returns the keywords whose plain
    keyword this added, and whether photoclip made the file (now, or before: `made`).  A sidecar photoclip made
    that is left with nothing but an empty description is deleted; the user's own never are."""
    try:
        with open(path, "rb") as f:
            root = ET.fromstring(f.read())
    except FileNotFoundError:
        root, made = ET.fromstring(EMPTY), True
    desc = root.find(".//rdf:Description", NS)
    if desc is None:
        rdf = root.find(".//rdf:RDF", NS)
        desc = ET.SubElement(rdf if rdf is not None else root, _RDF + "Description", {_RDF + "about": ""})
    gone, wanted = ours(remove), ours(add)
    gone["dc:subject"] = [subject_of(k) for k in remove if k in subjects]
    from_subject = {subject_of(k): k for k in add}
    added: set[str] = set()
    for name, kind in (("dc:subject", "Bag"), ("lr:hierarchicalSubject", "Bag"), ("digiKam:TagsList", "Seq")):
        node, holder = _container(desc, name, kind)
        for li in list(holder):
            if (li.text or "").strip() in gone[name]:
                holder.remove(li)
        present = {(li.text or "").strip() for li in holder}
        for value in wanted[name]:
            if value not in present:  # once, even when an album and a person share the name
                present.add(value)
                ET.SubElement(holder, _RDF + "li").text = value
                if name == "dc:subject":
                    added.add(from_subject[value])
        if len(holder) == 0:
            desc.remove(node)
    if made and len(desc) == 0 and len([k for k in desc.attrib if not k.endswith("about")]) == 0 \
            and len(root.findall(".//rdf:Description", NS)) == 1:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return added, made
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    atomic_write_bytes(path, b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
                       + ET.tostring(root, encoding="utf-8") + b'\n<?xpacket end="w"?>\n')
    return added, made


def sync(catalog, mode: str, folder: str | None) -> dict:
    """Make every photo's sidecar say its albums and named people (mode "beside" or "folder"; "off" takes back
    all that photoclip wrote).  Only photos whose albums changed since the last sync are touched: {"written", "cleared"}."""
    from .records import from_db, to_db

    wanted: dict[int, set[str]] = {}
    if mode != "off":
        for photo_id, name in catalog._rows("SELECT m.photo_id, a.name FROM album_members m JOIN albums a "
                                            "ON a.id=m.album_id JOIN photos p ON p.id=m.photo_id "
                                            "WHERE p.status='indexed'"):
            wanted.setdefault(photo_id, set()).add(name)
        for photo_id, name in catalog._rows("SELECT DISTINCT f.photo_id, pe.name FROM faces f JOIN people pe ON "
                                            "pe.id=f.person_id JOIN photos p ON p.id=f.photo_id WHERE "
                                            "p.status='indexed' AND pe.name IS NOT NULL AND pe.hidden=0 "
                                            "AND f.not_face=0"):
            wanted.setdefault(photo_id, set()).add(person_keyword(name))
    # photo: (sidecar, albums, plain keywords added, whether photoclip made the file)
    written: dict[int, tuple[str, set[str], set[str], bool]] = {}
    for photo_id, sidecar, keyword, subject, made in catalog._rows(
            "SELECT photo_id, sidecar, keyword, subject, made FROM sidecar_written"):
        entry = written.setdefault(photo_id, (from_db(sidecar), set(), set(), bool(made)))
        entry[1].add(keyword)
        if subject:
            entry[2].add(keyword)
    paths = catalog.paths_for(set(wanted) | set(written)) if (wanted or written) else {}
    counts = {"written": 0, "cleared": 0}
    for photo_id in set(wanted) | set(written):
        want = wanted.get(photo_id, set())
        old_path, had, subjects, made = written.get(photo_id, (None, set(), set(), False))
        photo = paths.get(photo_id)
        new_path = target(photo, mode, folder) if photo and want else None
        if want == had and new_path == old_path:
            continue
        if old_path and (old_path != new_path or had - want):
            rewrite(old_path, [], sorted(had if old_path != new_path else had - want), subjects, made)
            subjects = set() if old_path != new_path else subjects - (had - want)
            made = made and old_path == new_path
        if new_path:
            added, made = rewrite(new_path, sorted(want), [], made=made)
            subjects |= added
        with catalog.write() as c:
            c.execute("DELETE FROM sidecar_written WHERE photo_id=?", (photo_id,))
            c.executemany("INSERT INTO sidecar_written(photo_id, sidecar, keyword, subject, made) VALUES (?, ?, ?, ?, ?)",
                          [(photo_id, to_db(new_path), k, int(k in subjects), int(made)) for k in sorted(want)]
                          if new_path else [])
        counts["written" if new_path else "cleared"] += 1
    return counts

"""What other apps wrote, end to end: sidecars as digiKam (NAME.xmp, digiKam:TagsList), Lightroom (NAME.xmp,
lr:hierarchicalSubject) and darktable (NAME.EXT.xmp, attributes on rdf:Description) write them, XMP inside a
JPEG, read by the service into the catalog and found with tag: and rating:; a sidecar changed under a running
watch is read again; the photos themselves are never written."""
from __future__ import annotations

import hashlib
import os

import pytest
from helpers import wait_for
from PIL import Image

from photoclip import xmpmeta
from photoclip.query import QueryError

DIGIKAM = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmp:Rating="4">
   <digiKam:TagsList><rdf:Seq><rdf:li>Family/Kids</rdf:li><rdf:li>Holidays</rdf:li></rdf:Seq></digiKam:TagsList>
   <dc:subject><rdf:Bag><rdf:li>Kids</rdf:li><rdf:li>Holidays</rdf:li></rdf:Bag></dc:subject>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">At the lake</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

LIGHTROOM = """<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/" xmp:Rating="5" xmp:Label="Red">
   <dc:subject><rdf:Bag><rdf:li>Work</rdf:li><rdf:li>Receipts</rdf:li></rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Lisbon</rdf:li></rdf:Bag></lr:hierarchicalSubject>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Lunch with the team</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""

DARKTABLE = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/" xmp:Rating="2" darktable:xmp_version="5">
   <dc:subject><rdf:Bag><rdf:li>darktable|format|jpg</rdf:li><rdf:li>Mountains</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""

EMBEDDED = DIGIKAM.replace("Family/Kids", "Friends").replace("<rdf:li>Kids</rdf:li>", "<rdf:li>Friends</rdf:li>") \
    .replace('xmp:Rating="4"', 'xmp:Rating="3"').replace("At the lake", "Picnic")


def draw(folder) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, name in enumerate(("lake", "lunch", "hike", "picnic", "plain")):
        path = folder / f"{name}.jpg"
        extra = {"xmp": EMBEDDED.encode()} if name == "picnic" else {}
        Image.new("RGB", (320, 240), (50 * i, 100, 150)).save(path, quality=90, **extra)
        paths[name] = str(path)
    (folder / "lake.xmp").write_text(DIGIKAM)  # digiKam: NAME.xmp
    (folder / "lunch.xmp").write_text(LIGHTROOM)  # Lightroom: NAME.xmp
    (folder / "hike.jpg.xmp").write_text(DARKTABLE)  # darktable: NAME.EXT.xmp
    return paths


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def meta_library(library, tmp_path):
    pics = draw(tmp_path / "pics")
    before = {p: digest(p) for p in pics.values()}
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    return library, pics, before


def found(lib, query) -> set[str]:
    return {os.path.basename(r.path) for r in lib.query(query, limit=50).results}


def test_the_reader_takes_each_apps_sidecar_and_the_xmp_inside(tmp_path):
    pics = draw(tmp_path)
    lake = xmpmeta.read(pics["lake"])
    assert lake.rating == 4 and lake.title == "At the lake" and lake.sidecar.endswith("lake.xmp")
    assert {"Family", "Kids", "Family/Kids", "Holidays"} <= set(lake.keywords)
    lunch = xmpmeta.read(pics["lunch"])
    assert (lunch.rating, lunch.label, lunch.caption) == (5, "Red", "Lunch with the team")
    assert {"Work", "Receipts", "Places", "Lisbon", "Places/Lisbon"} <= set(lunch.keywords)
    hike = xmpmeta.read(pics["hike"])
    assert hike.rating == 2 and "Mountains" in hike.keywords and hike.sidecar.endswith("hike.jpg.xmp")
    picnic = xmpmeta.read(pics["picnic"])  # inside the JPEG, no sidecar
    assert picnic.rating == 3 and picnic.title == "Picnic" and "Friends" in picnic.keywords and picnic.sidecar is None
    assert xmpmeta.read(pics["plain"]).empty
    assert xmpmeta.parse_xmp(b"<x:xmpmeta><not closed").empty  # a broken packet is no metadata, no error


def test_tag_and_rating_find_what_other_apps_wrote_and_the_photos_are_untouched(meta_library):
    lib, pics, before = meta_library
    assert found(lib, "tag:kids") == found(lib, "tag:family") == {"lake.jpg"}
    assert found(lib, 'tag:"family/kids"') == {"lake.jpg"}
    assert found(lib, "tag:lisbon") == {"lunch.jpg"}
    assert found(lib, "tag:HOLIDAYS") == {"lake.jpg", "picnic.jpg"}
    assert found(lib, "rating:4+") == {"lake.jpg", "lunch.jpg"}
    assert found(lib, "rating:2") == {"hike.jpg"}
    assert found(lib, "tag:holidays -tag:friends") == {"lake.jpg"}
    assert found(lib, "a photo rating:5") == {"lunch.jpg"}  # with words
    with pytest.raises(QueryError, match="is not a rating"):
        lib.query("rating:9")
    from photoclip import ops

    meta = ops.photo_info(lib, pics["lunch"])["photo"]["meta"]
    assert meta["rating"] == 5 and meta["label"] == "Red" and "Receipts" in meta["keywords"]
    assert ops.photo_info(lib, pics["plain"])["photo"]["meta"] is None
    assert {p: digest(p) for p in pics.values()} == before  # read only: not a byte changed


def test_a_sidecar_changed_under_a_running_watch_is_read_again(library, tmp_path):
    from photoclip.service import LibraryService

    draw(tmp_path / "pics")
    library.add_folders([str(tmp_path / "pics")])
    service = LibraryService(library, kind="watch", serve=False, settle_s=0.2).start()
    try:
        wait_for(lambda: found(library, "tag:kids") == {"lake.jpg"}, what="the sidecars read")
        (tmp_path / "pics" / "lake.xmp").write_text(DIGIKAM.replace("Kids", "Grandparents"))
        wait_for(lambda: found(library, "tag:grandparents") == {"lake.jpg"}, what="the changed sidecar read")
        assert found(library, "tag:kids") == set()
        (tmp_path / "pics" / "plain.jpg.xmp").write_text(DARKTABLE)  # a new sidecar for a photo without one
        wait_for(lambda: "plain.jpg" in found(library, "tag:mountains"), what="the new sidecar read")
        os.remove(tmp_path / "pics" / "hike.jpg.xmp")  # deleted in darktable: its rating goes with it
        wait_for(lambda: found(library, "rating:2") == {"plain.jpg"}, what="the deleted sidecar forgotten")
    finally:
        service.stop()


def test_the_viewer_shows_what_other_apps_wrote(meta_library, qtbot):
    pytest.importorskip("PySide6")
    from photoclip.gui.viewer import Viewer
    from photoclip.gui.window import MainWindow

    lib, pics, _before = meta_library
    w = MainWindow(lib, settle_s=0.3)
    qtbot.addWidget(w)
    v = Viewer(w, [pics["lunch"]], 0)
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.loaded, timeout=60_000):
        v.show()
    rows = v.shown_facts()
    assert rows["Rating"] == "★★★★★" and rows["Label"] == "Red" and rows["Caption"] == "Lunch with the team"
    assert "Receipts" in rows["Keywords"]
    v.close()
    w.close()


def test_a_sidecar_changed_while_nothing_watched_is_read_at_the_next_scan(meta_library, tmp_path):
    import time

    lib, pics, _before = meta_library
    folder = tmp_path / "pics"
    time.sleep(0.01)
    (folder / "lake.xmp").write_text(DIGIKAM.replace("Kids", "Cousins"))  # edited in digiKam meanwhile
    (folder / "plain.jpg.xmp").write_text(DARKTABLE)  # a new one from darktable
    os.remove(folder / "lunch.xmp")  # and one deleted
    lib.index_now()  # the next start's scan
    assert found(lib, "tag:cousins") == {"lake.jpg"} and found(lib, "tag:kids") == set()
    assert found(lib, "tag:mountains") == {"hike.jpg", "plain.jpg"}
    assert found(lib, "rating:5") == set()  # the deleted sidecar's rating went with it
    lib.index_now()  # nothing changed since: nothing is read again
    assert lib.catalog.places_pending() == 0
    assert lib.catalog.sidecars_changed(1, {str(p): os.stat(p).st_mtime_ns for p in folder.glob("*.xmp")}) == []

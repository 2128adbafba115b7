"""Giving albums back: album membership written as XMP keywords into sidecars, read back by a second reader
(pyexiv2, exiv2's Python binding: what digiKam uses), the user's own keywords kept, exactly photoclip's taken
away when an album goes or the option is turned off; or into a separate folder; the photos never touched."""
from __future__ import annotations

import hashlib
import os

import pytest
from helpers import cli_json, draw_folder

pyexiv2 = pytest.importorskip("pyexiv2")

USERS = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmp:Rating="3"><dc:subject><rdf:Bag><rdf:li>Grandma</rdf:li><rdf:li>Night sky</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def xmpmeta_empty() -> str:
    from photoclip.sidecars import EMPTY

    return EMPTY


def read_back(path) -> dict:
    img = pyexiv2.Image(str(path))
    try:
        return img.read_xmp()
    finally:
        img.close()


def digests(folder) -> dict:
    return {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in map(str, folder.rglob("*.jpg"))}


def test_albums_go_into_sidecars_that_another_reader_reads_and_come_out_exactly(tmp_path, toy_spec):
    home, pics = tmp_path / "home", tmp_path / "pics"
    env = {"PHOTOCLIP_MODEL": toy_spec}
    draw_folder(pics, seed=77_001, count=12, scenes=["night", "beach"])
    cli_json("index", str(pics), home=home, env=env)
    cli_json("albums", "add", "Night sky", "--prompt", "the night sky", home=home, env=env)
    members = [m["path"] for m in cli_json("albums", "show", "Night sky", home=home, env=env)["members"]]
    assert len(members) >= 3
    own = members[0] + ".xmp"  # a sidecar the user already had, with keywords of their own
    with open(own, "w") as f:
        f.write(USERS)
    bare = members[1] + ".xmp"  # and one of the user's that holds nothing yet
    with open(bare, "w") as f:
        f.write(xmpmeta_empty())
    before = digests(pics)
    d = cli_json("albums", "sidecars", "--beside", home=home, env=env)
    assert d["album_sidecars"] == "beside" and d["written"] == len(members)
    for m in members:
        xmp = read_back(m + ".xmp")
        assert "Night sky" in xmp["Xmp.dc.subject"]
        assert "photoclip|Night sky" in xmp["Xmp.lr.hierarchicalSubject"]
        assert "photoclip/Night sky" in xmp["Xmp.digiKam.TagsList"]
    mine = read_back(own)
    assert mine["Xmp.dc.subject"].count("Night sky") == 1 and "Grandma" in mine["Xmp.dc.subject"]
    assert mine["Xmp.xmp.Rating"] == "3"
    # The album goes: its keywords go, the user's own (their "Night sky" too) stay; sidecars photoclip made go.
    cli_json("albums", "remove", "Night sky", home=home, env=env)
    for m in members[2:]:
        assert not os.path.exists(m + ".xmp")  # the ones photoclip made, left with nothing: gone
    assert os.path.exists(bare)  # the user's own, empty again: kept
    mine = read_back(own)
    assert sorted(mine["Xmp.dc.subject"]) == ["Grandma", "Night sky"] and mine["Xmp.xmp.Rating"] == "3"
    assert "Xmp.lr.hierarchicalSubject" not in mine and "Xmp.digiKam.TagsList" not in mine
    assert digests(pics) == before  # the photos themselves: not a byte changed


def test_sidecars_in_a_folder_of_their_own_and_off_takes_them_back(tmp_path, toy_spec):
    home, pics, out = tmp_path / "home", tmp_path / "pics", tmp_path / "sidecars"
    env = {"PHOTOCLIP_MODEL": toy_spec}
    draw_folder(pics, seed=77_002, count=8, scenes=["night", "beach"])
    cli_json("index", str(pics), home=home, env=env)
    cli_json("albums", "add", "Beach", "--prompt", "a beach", home=home, env=env)
    members = [m["path"] for m in cli_json("albums", "show", "Beach", home=home, env=env)["members"]]
    d = cli_json("albums", "sidecars", "--folder", str(out), home=home, env=env)
    assert d["sidecar_folder"] == str(out) and d["written"] == len(members)
    assert not list(pics.rglob("*.xmp"))  # nothing beside the photos
    made = sorted(str(p) for p in out.rglob("*.xmp"))
    assert made == sorted(str(out) + m + ".xmp" for m in members)
    assert "Beach" in read_back(made[0])["Xmp.dc.subject"]
    # A new photo that joins the album gets its sidecar as it is tagged.
    draw_folder(pics / "more", seed=77_003, count=6, scenes=["beach"])
    cli_json("index", home=home, env=env)
    now = [m["path"] for m in cli_json("albums", "show", "Beach", home=home, env=env)["members"]]
    assert len(list(out.rglob("*.xmp"))) == len(now) > len(members)
    off = cli_json("albums", "sidecars", "--off", home=home, env=env)
    assert off["cleared"] == len(now) and not list(out.rglob("*.xmp"))
    from helpers import run_cli

    bad = run_cli("albums", "sidecars", "--folder", str(pics / "inside"), home=home, env=env, check=False)
    assert bad.returncode != 0 and "inside (or holds) a library folder" in bad.stderr


def test_the_settings_give_albums_back_beside_the_photos_or_in_a_folder_through_the_service(library, tmp_path, qtbot, monkeypatch):
    pytest.importorskip("PySide6")
    from photoclip.gui.dialogs import SettingsDialog
    from photoclip.gui.window import MainWindow

    draw_folder(tmp_path / "pics", seed=77_004, count=6, scenes=["night"])
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    library.albums.create("Night sky", ["the night sky"])
    members = [p for p, _s in library.albums.members("Night sky")]
    assert members
    w = MainWindow(library, settle_s=0.3)
    qtbot.addWidget(w)

    choice = {"mode": "beside", "folder": ""}

    def accept(dlg):
        dlg.album_sidecars.setCurrentIndex(dlg.album_sidecars.findData(choice["mode"]))
        dlg.sidecar_folder.setText(choice["folder"])
        return True

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    w.open_settings()
    qtbot.waitUntil(lambda: all(os.path.exists(m + ".xmp") for m in members), timeout=60_000)
    assert library.settings.album_sidecars == "beside"
    assert "Night sky" in read_back(members[0] + ".xmp")["Xmp.dc.subject"]
    # In a folder of their own: the sidecars beside the photos go, the folder gets them, mirroring the paths.
    choice.update(mode="folder", folder=str(tmp_path / "sidecars"))
    w.open_settings()
    mirrored = [str(tmp_path / "sidecars") + os.path.abspath(m) + ".xmp" for m in members]
    qtbot.waitUntil(lambda: all(os.path.exists(p) for p in mirrored), timeout=60_000)
    assert not any(os.path.exists(m + ".xmp") for m in members)
    assert (library.settings.album_sidecars, library.settings.sidecar_folder) == ("folder", str(tmp_path / "sidecars"))
    # A folder inside the library is refused in one sentence, and the choice before stands.
    choice.update(folder=str(tmp_path / "pics" / "inside"))
    with qtbot.waitSignal(w.command_done, timeout=60_000):
        w.open_settings()
    assert "inside (or holds) a library folder" in w.statusBar().currentMessage()
    assert (library.settings.album_sidecars, library.settings.sidecar_folder) == ("folder", str(tmp_path / "sidecars"))
    w.close()


def test_named_people_go_into_the_sidecars_and_follow_a_rename(people_library):
    """The people named in a photo are written like its albums, under "People" (Mum; photoclip|People|Mum;
    photoclip/People/Mum), read back by exiv2; a rename replaces exactly that keyword, hiding the person takes
    it away, and turning the option off takes back everything, the user's own keywords staying."""
    from test_people import PEOPLE, person_of

    from photoclip import ops

    library, pics = people_library
    collins = pics["collins"][0]
    with open(collins + ".xmp", "w", encoding="utf-8") as f:  # the user's own sidecar, with a keyword
        f.write(xmpmeta_empty().replace('rdf:about=""/>', 'rdf:about=""><dc:subject xmlns:dc="http://purl.org/dc/'
                                        'elements/1.1/"><rdf:Bag><rdf:li>Space</rdf:li></rdf:Bag></dc:subject>'
                                        '</rdf:Description>'))
    a, b = (person_of(library, pics[w][0])[0] for w in PEOPLE)
    ops.people_name(library, str(a), "Eileen")
    library.set_album_sidecars("beside")
    xmp = read_back(collins + ".xmp")
    assert sorted(xmp["Xmp.dc.subject"]) == ["Eileen", "Space"]
    assert xmp["Xmp.lr.hierarchicalSubject"] == ["photoclip|People|Eileen"]
    assert xmp["Xmp.digiKam.TagsList"] == ["photoclip/People/Eileen"]
    assert not os.path.exists(pics["hopper"][0] + ".xmp")  # person b has no name: nothing written for her
    ops.people_name(library, str(a), "Eileen Collins")
    library.sync_sidecars()
    xmp = read_back(collins + ".xmp")
    assert sorted(xmp["Xmp.dc.subject"]) == ["Eileen Collins", "Space"]
    assert xmp["Xmp.lr.hierarchicalSubject"] == ["photoclip|People|Eileen Collins"]
    ops.people_hide(library, str(a), True)
    library.sync_sidecars()
    assert read_back(collins + ".xmp")["Xmp.dc.subject"] == ["Space"]
    ops.people_hide(library, str(a), False)
    library.sync_sidecars()
    assert "Eileen Collins" in read_back(collins + ".xmp")["Xmp.dc.subject"]
    library.set_album_sidecars("off")
    assert read_back(collins + ".xmp")["Xmp.dc.subject"] == ["Space"]  # the user's keyword and file stay
    assert not any(os.path.exists(p + ".xmp") for p in pics["collins"][1:])  # photoclip's own sidecars went


def test_an_album_and_a_person_of_one_name_share_one_keyword_and_each_keeps_it(people_library):
    """An album "Eileen" and the person Eileen in one photo: the plain keyword is written once; removing the
    album keeps it (the person still says it), hiding the person then takes the last of photoclip's away and
    the sidecar photoclip made goes with it."""
    from test_people import person_of

    from photoclip import ops

    library, pics = people_library
    collins = pics["collins"][0]
    person = person_of(library, collins)[0]
    ops.people_name(library, str(person), "Eileen")
    library.albums.create("Eileen", ["a photo"], threshold=0.0)  # every photo
    library.set_album_sidecars("beside")
    xmp = read_back(collins + ".xmp")
    assert xmp["Xmp.dc.subject"] == ["Eileen"]
    assert sorted(xmp["Xmp.lr.hierarchicalSubject"]) == ["photoclip|Eileen", "photoclip|People|Eileen"]
    library.albums.remove("Eileen")
    library.sync_sidecars()
    xmp = read_back(collins + ".xmp")
    assert xmp["Xmp.dc.subject"] == ["Eileen"] and xmp["Xmp.lr.hierarchicalSubject"] == ["photoclip|People|Eileen"]
    ops.people_hide(library, str(person), True)
    library.sync_sidecars()
    assert not os.path.exists(collins + ".xmp")

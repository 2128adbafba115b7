"""People, end to end: real photographs of two people (public-domain portraits that scikit-image and matplotlib
ship, in photoclip/data/faces) and transformed copies of them standing in for "the same person in another
photo" (cropped, scaled, mirrored, paler, low JPEG quality), a group picture with both and a picture with no
one.  dlib's real models (face_recognition_models) find and describe the faces through the service's faces
stage into the real catalog and face index; the one search box finds people in-process, over the socket and
by the CLI."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import TIMEOUT, cli_json, kill_midway, old_catalog, run_cli, shown_window, wait_for
from PIL import Image, ImageEnhance, ImageOps

from photoclip.query import QueryError, parse

pytest.importorskip("dlib")
FACES = Path(__file__).resolve().parents[1] / "photoclip" / "data" / "faces"
PEOPLE = {"collins": "astronaut.jpg", "hopper": "grace_hopper.jpg"}


def portrait(who: str) -> Image.Image:
    return Image.open(FACES / PEOPLE[who]).convert("RGB")


def variants(im: Image.Image) -> dict[str, Image.Image]:
    """The same face as other photos show it: mirrored, 2.5x larger, paler, cropped."""
    return {"flip": ImageOps.mirror(im), "big": im.resize((im.width * 5 // 2, im.height * 5 // 2)),
            "pale": ImageEnhance.Color(im).enhance(0.3), "crop": im.crop((40, 30, im.width - 20, im.height - 40))}


def draw_people(folder: Path) -> dict[str, list[str]]:
    """Each person's portrait and four variants (one saved as JPEG quality 35, one as PNG), a group picture of
    both in a scene, and a picture with no one; {"collins": [paths], "hopper": [paths], "group", "nobody"}."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[str]] = {}
    for who in PEOPLE:
        im = portrait(who)
        paths = [folder / f"{who}.jpg"]
        im.save(paths[0], quality=92)
        for kind, v in variants(im).items():
            p = folder / f"{who}_{kind}.{'png' if kind == 'crop' else 'jpg'}"
            v.save(p, **({"quality": 35} if kind == "pale" else {}))
            paths.append(p)
        out[who] = [str(p) for p in paths]
    group = Image.new("RGB", (1600, 900), (120, 140, 160))
    group.paste(portrait("collins").resize((400, 400)), (150, 300))
    group.paste(portrait("hopper").resize((400, 470)), (900, 250))
    group.save(folder / "group.jpg", quality=90)
    Image.new("RGB", (800, 600), (30, 160, 60)).save(folder / "lawn.jpg")
    out["group"], out["nobody"] = [str(folder / "group.jpg")], [str(folder / "lawn.jpg")]
    return out


def paths_of(answer) -> set[str]:
    return {r.path for r in answer.results}


def person_of(lib, path: str) -> list[int]:
    photo = lib.catalog.photo_by_path(path)
    return [f["person"] for f in lib.catalog.faces_in(photo.id)]


# -- the engine -------------------------------------------------------------------------------------
def test_the_engine_finds_each_face_and_tells_two_people_apart():
    from photoclip.faces import FaceEngine

    engine = FaceEngine()
    found = {who: engine.find_image(portrait(who)) for who in PEOPLE}
    assert [len(f) for f in found.values()] == [1, 1]
    for who, (face,) in found.items():
        x, y, w, h = face.box
        assert 0.1 < x < 0.6 and 0.05 < y < 0.5 and 0.1 < w < 0.6  # the face, in the upper half of a portrait
        assert len(face.landmarks) == 5 and face.descriptor.shape == (128,) and 0 < face.quality <= 1
        assert face.chip[:2] == b"\xff\xd8"  # its small picture, a JPEG
        for kind, v in variants(portrait(who)).items():
            (again,) = engine.find_image(v)
            assert np.linalg.norm(again.descriptor - face.descriptor) < 0.35, kind
    apart = np.linalg.norm(found["collins"][0].descriptor - found["hopper"][0].descriptor)
    assert apart > 0.6  # dlib's "different people" distance
    assert engine.find_image(Image.new("RGB", (640, 480), (30, 160, 60))) == []


def test_a_12_megapixel_photo_is_looked_at_in_a_reduced_decode(tmp_path):
    """A 4000x3000 photo is decoded at DETECT_LONG on its long side, and a face a tenth of its width is found."""
    from photoclip.faces import DETECT_LONG, FaceEngine

    big = Image.new("RGB", (4000, 3000), (90, 120, 150))
    big.paste(portrait("hopper").resize((410, 480)), (1800, 900))
    big.save(tmp_path / "big.jpg", quality=90)
    engine = FaceEngine()
    (face,) = engine.find_photo(str(tmp_path / "big.jpg"))
    assert abs(face.box[0] - (1800 + 410 * 0.35) / 4000) < 0.03
    from photoclip import faces as faces_mod

    assert faces_mod._decode(str(tmp_path / "big.jpg")).size == (2000, 1500)  # JPEG draft at 1/2
    assert DETECT_LONG * 0.75 <= 2000 <= DETECT_LONG


# -- grouping and the search box ----------------------------------------------------------------------
def test_the_same_person_groups_together_and_different_people_stay_apart(people_library):
    lib, pics = people_library
    people = lib.catalog.people()
    assert len(people) == 2 and sorted(p["photos"] for p in people) == [6, 6]
    for who in PEOPLE:
        owners = {pid for path in pics[who] for pid in person_of(lib, path)}
        assert len(owners) == 1 and None not in owners  # all five photos: one person
    collins = person_of(lib, pics["collins"][0])[0]
    hopper = person_of(lib, pics["hopper"][0])[0]
    assert collins != hopper and sorted(person_of(lib, pics["group"][0])) == sorted([collins, hopper])
    assert person_of(lib, pics["nobody"][0]) == []
    st = lib.faces_status()
    assert st == {"pending": 0, "done": 12, "with_faces": 11, "failed": 0, "faces": 12, "people": 2, "unsorted": 0,
                  "enabled": True, "unavailable": None}
    index_file = lib.paths.index_dir / "faces.hnsw"
    assert index_file.exists()  # the face index was saved when the stage ran out of photos


def test_person_filters_combine_in_the_one_search_box(people_library):
    from photoclip import ops

    lib, pics = people_library
    hopper = person_of(lib, pics["hopper"][0])[0]
    ops.people_name(lib, str(hopper), "Grace")
    collins = person_of(lib, pics["collins"][0])[0]
    ops.people_name(lib, f"#{collins}", "Eileen Collins")
    assert paths_of(lib.query("person:grace", limit=50)) == set(pics["hopper"] + pics["group"])
    assert paths_of(lib.query('person:Grace person:"eileen collins"')) == set(pics["group"])
    assert paths_of(lib.query("-person:Grace people:1+", limit=50)) == set(pics["collins"])
    assert paths_of(lib.query("people:0")) == set(pics["nobody"])
    assert paths_of(lib.query("people:2")) == set(pics["group"])
    assert paths_of(lib.query("people:1", limit=50)) == set(pics["collins"] + pics["hopper"])
    ranked = lib.query("a portrait person:Grace type:png")  # with words and other filters
    assert paths_of(ranked) == {p for p in pics["hopper"] if p.endswith(".png")}
    assert paths_of(lib.query(f"person:{collins}")) == paths_of(lib.query('person:"Eileen Collins"'))
    for bad, said in [("person:Nobody", "no person named 'Nobody'"), ("people:many", "not a number of faces"),
                      ("-people:2", "cannot be negated")]:
        with pytest.raises(Exception, match=said):
            lib.query(bad)
    album = ops.albums_add(lib, "Grace at work", ["a portrait"], people=["Grace"], threshold=0.0)
    assert album["count"] == 6  # every photo that scores, but only those with Grace in them
    shown = ops.albums_show(lib, "Grace at work")
    assert shown["people"] == ["Grace"] and {m["path"] for m in shown["members"]} == set(pics["hopper"] + pics["group"])
    preview = ops.album_preview(lib, ["a portrait"], people=["Grace"])
    assert sorted(preview["people_ids"]) == sorted(lib.catalog.photo_by_path(p).id for p in pics["hopper"] + pics["group"])


def test_query_language_parses_people():
    q = parse('person:"Mum" -person:Dad people:3+ beach')
    assert q.persons == ["Mum"] and q.not_persons == ["Dad"] and q.faces == (3, None) and q.text == "beach"
    assert parse("people:0").faces == (0, 0)
    with pytest.raises(QueryError, match="person: needs a value"):
        parse("person:")


# -- the user's word ----------------------------------------------------------------------------------------
def test_names_and_corrections_survive_a_restart_a_move_and_a_recluster(people_library, tmp_path, monkeypatch,
                                                                         home, toy_spec):
    from photoclip import ops
    from photoclip.library import Library

    lib, pics = people_library
    hopper = person_of(lib, pics["hopper"][0])[0]
    ops.people_name(lib, str(hopper), "Grace")
    # "Not this person" on the pale copy's face: it leaves Grace and never rejoins her, through any pass.
    pale = lib.catalog.faces_in(lib.catalog.photo_by_path(pics["hopper"][3]).id)[0]["id"]
    ops.faces_not_this_person(lib, [pale])
    # "This is..." confirms the group photo's Grace; "Not a face" forgets a find for good.
    group_faces = lib.catalog.faces_in(lib.catalog.photo_by_path(pics["group"][0]).id)
    g_grace = next(f["id"] for f in group_faces if f["person"] == hopper)
    ops.faces_this_is(lib, [g_grace], "Grace")
    flip = lib.catalog.faces_in(lib.catalog.photo_by_path(pics["collins"][1]).id)[0]["id"]
    ops.faces_not_a_face(lib, [flip])
    for _ in range(2):
        assert lib.people.cluster()["joined"] == 0
    assert lib.catalog.face_people([pale]) == {pale: None}
    # The file moves; the library is closed and opened again (a restart); the faces are found again by a newer
    # engine (the names stay with the faces found in the same places).
    moved = str(tmp_path / "pics" / "renamed_hopper.jpg")
    os.rename(pics["hopper"][0], moved)
    lib.index_now()
    lib.close()
    again = Library(home=home, model=toy_spec, device="cpu")
    again.encoder = lib.encoder
    try:
        monkeypatch.setattr(again.face_engine, "version", again.face_engine.version + " (newer)")
        again.index_now()
        assert again.catalog.faces_pending(again.face_engine.version) == 0
        chips = {int(p.stem) for p in (again.paths.thumbnails_dir / "faces").rglob("*.jpg")}
        assert chips == set(again.catalog.face_ids())  # the pictures of the faces found before are gone
        assert person_of(again, moved) == [hopper]
        assert again.catalog.person(hopper)["name"] == "Grace"
        faces = {f["id"]: f for f in again.catalog.faces_in(again.catalog.photo_by_path(pics["group"][0]).id)}
        assert any(f["person"] == hopper and f["confirmed"] for f in faces.values())
        pale_now = again.catalog.faces_in(again.catalog.photo_by_path(pics["hopper"][3]).id)
        assert [f["person"] for f in pale_now] != [hopper]  # still not Grace
        assert again.catalog.faces_in(again.catalog.photo_by_path(pics["collins"][1]).id) == []  # still no face
        # Merging: the pale face's new group (if one formed) joins Grace at the user's word.
        pale_person = pale_now[0]["person"]
        if pale_person is None:
            ops.faces_this_is(again, [pale_now[0]["id"]], "Grace")
        else:
            merged = ops.people_merge(again, "Grace", str(pale_person))
            assert merged["name"] == "Grace"
        assert person_of(again, pics["hopper"][3]) == [hopper]
        hidden = ops.people_hide(again, "Grace", True)
        assert hidden["hidden"] and all(p["id"] != hopper for p in ops.people(again)["people"])
        assert any(p["id"] == hopper for p in ops.people(again, hidden=True)["people"])
    finally:
        again.close()


def test_names_cannot_collide_and_errors_are_one_sentence(people_library):
    from photoclip import ops
    from photoclip.people import PeopleError

    lib, pics = people_library
    a, b = (person_of(lib, pics[w][0])[0] for w in PEOPLE)
    ops.people_name(lib, str(a), "Mum")
    with pytest.raises(PeopleError, match=f"already names person {a}; to make them one, run: photoclip people "
                                          f"merge {a} {b}"):
        ops.people_name(lib, str(b), "mum")
    with pytest.raises(PeopleError, match="cannot be empty"):
        ops.people_name(lib, str(b), "   ")
    with pytest.raises(PeopleError, match="no face number 999"):
        ops.faces_not_a_face(lib, [999])
    with pytest.raises(PeopleError, match="no person number 77"):
        ops.people_show(lib, "77")


def test_turning_faces_off_deletes_every_face_and_person(people_library):
    from photoclip import ops

    lib, pics = people_library
    chips = list((lib.paths.thumbnails_dir / "faces").rglob("*.jpg"))
    assert len(chips) == 12
    off = ops.set_find_faces(lib, False)
    assert off == {"find_faces": False, "deleted": 12}
    with sqlite3.connect(lib.paths.catalog) as c:
        assert [c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                ("faces", "people", "photo_faces", "face_rejections")] == [0, 0, 0, 0]
    assert not (lib.paths.thumbnails_dir / "faces").exists() and not (lib.paths.index_dir / "faces.hnsw").exists()


# -- the face index ---------------------------------------------------------------------------------------
def test_the_face_index_finds_the_exact_nearest_faces_and_rebuilds_when_stale(library):
    from photoclip.people import FaceIndex

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(200, 128)).astype(np.float32) * 0.05
    vecs = (centres[rng.integers(0, 200, 3000)] + rng.normal(size=(3000, 128)).astype(np.float32) * 0.01)
    cat = library.catalog
    cat.conn.execute("INSERT INTO folders(path, added) VALUES('/x', 0)")
    cat.conn.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/x/a.jpg', 1, 'indexed', 0, 'h')")
    cat.conn.executemany("INSERT INTO faces(photo_id, box, landmarks, descriptor, quality) VALUES (1,'[0,0,1,1]','[]',?,1)",
                         [(v.tobytes(),) for v in vecs])
    index = FaceIndex(library.paths.index_dir, cat)
    queries = vecs[:50] + rng.normal(size=(50, 128)).astype(np.float32) * 0.002
    labels, dists = index.nearest(queries, k=1)
    exact = np.argmin(((vecs[None, :, :] - queries[:, None, :]) ** 2).sum(-1), axis=1) + 1
    assert (labels[:, 0] == exact).mean() >= 0.98
    index.save()
    reloaded = FaceIndex(library.paths.index_dir, cat)
    assert (reloaded.nearest(queries, k=1)[0] == labels).all()
    cat.conn.execute("INSERT INTO faces(photo_id, box, landmarks, descriptor, quality) VALUES (1,'[0,0,1,1]','[]',?,1)",
                     (queries[0].tobytes(),))
    stale = FaceIndex(library.paths.index_dir, cat)  # the file no longer matches the catalog: rebuilt
    assert stale.nearest(queries[:1], k=1)[0][0, 0] == 3001


# -- across processes ---------------------------------------------------------------------------------------
def test_cli_people_and_person_search_agree_with_the_socket(tmp_path, toy_spec):
    home = tmp_path / "home"
    env = {"PHOTOCLIP_FIND_FACES": "1", "PHOTOCLIP_MODEL": toy_spec}
    pics = draw_people(tmp_path / "pics")
    cli_json("index", str(tmp_path / "pics"), home=home, env=env)
    listed = cli_json("people", home=home, env=env)
    assert len(listed["people"]) == 2 and listed["faces"]["faces"] == 12
    first = listed["people"][0]
    assert first["label"] == f"Person {first['id']}" and first["cover_path"] in sum(pics.values(), [])
    named = cli_json("people", "name", str(first["id"]), "Ada", home=home, env=env)
    assert named["name"] == "Ada" and named["label"] == "Ada"
    text = run_cli("people", home=home, env=env).stdout
    assert f"{first['id']:>5}  Ada  6 photos, 6 faces" in text and "faces: 12 in 11 photos, 2 people" in text
    assert "faces: 12 in 11 photos" in run_cli("status", home=home, env=env).stdout
    local = cli_json("search", "person:ada", home=home, env=env)
    shown = cli_json("people", "show", "Ada", home=home, env=env)
    assert {r["path"] for r in local["results"]} == {p["path"] for p in shown["photos"]}
    faces = cli_json("people", "faces", pics["group"][0], home=home, env=env)
    assert faces["state"] == "looked" and len(faces["faces"]) == 2
    proc = subprocess.Popen([sys.executable, "-m", "photoclip", "watch", "--json"],
                            env={**os.environ, **env, "PHOTOCLIP_HOME": str(home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: cli_json("status", home=home, env=env)["watching"], what="the watch")
        assert cli_json("search", "person:ada", home=home, env=env) == local
        other = next(p for p in listed["people"] if p["id"] != first["id"])
        cli_json("people", "name", str(other["id"]), "Bo", home=home, env=env)  # a write, through the service
        both = cli_json("search", "person:Ada person:bo", home=home, env=env)
        assert [r["path"] for r in both["results"]] == pics["group"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    bad = run_cli("people", "merge", "Ada", "Ada", home=home, env=env, check=False)
    assert bad.returncode == 2 and bad.stderr.strip() == \
        "photoclip: A person cannot be merged with themself; name two different people."
    off = cli_json("people", "--off", home=home, env=env)
    assert off == {"find_faces": False, "deleted": 12}
    # The setting now says off (an empty PHOTOCLIP_FIND_FACES leaves the choice to it).
    assert "faces: not looked for" in run_cli("status", home=home, env={**env, "PHOTOCLIP_FIND_FACES": ""}).stdout


def test_a_kill_during_the_faces_stage_loses_nothing_found(tmp_path, toy_spec):
    home = tmp_path / "home"
    draw_people(tmp_path / "pics")
    env = {**os.environ, "PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec, "PHOTOCLIP_FIND_FACES": "1"}
    first, after = kill_midway(tmp_path / "pics", env, "SELECT photo_id, updated FROM photo_faces", 12,
                               "some photos looked at")
    assert len(after) == 12 and all(after[i] == first[i] for i in first)  # not looked at again
    st = cli_json("people", home=home, env=env)
    assert len(st["people"]) == 2 and st["faces"]["pending"] == 0 and st["faces"]["faces"] == 12


def test_a_photo_that_cannot_be_looked_at_is_a_recorded_failure(library, tmp_path, monkeypatch):
    from photoclip import imageio

    monkeypatch.setenv("PHOTOCLIP_FIND_FACES", "1")
    pics = draw_people(tmp_path / "pics")
    library.add_folders([str(tmp_path / "pics")])
    real = library.face_engine.find_photo

    def flaky(path):
        if path == pics["group"][0]:
            raise imageio.PhotoError("truncated image: the file ends early (still copying, or damaged)")
        return real(path)

    monkeypatch.setattr(library.face_engine, "find_photo", flaky)
    library.index_now()
    st = library.faces_status()
    assert st["failed"] == 1 and st["done"] == 11 and st["pending"] == 0 and st["people"] == 2
    from photoclip import ops

    said = ops.faces_of(library, pics["group"][0])
    assert said["state"] == "failed" and said["reason"].startswith("truncated image")
    # A photo whose faces were never found is not "a photo with no one in it".
    assert {r.path for r in library.query("people:0").results} == set(pics["nobody"])


def test_a_catalog_from_before_people_is_migrated(tmp_path):
    from photoclip import catalog as catalog_mod

    path = tmp_path / "old.sqlite3"
    with old_catalog(path, 4) as c:
        c.execute("INSERT INTO folders(path, added) VALUES('/p', 0)")
        c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/p/a.jpg', 1, 'indexed', 0, 'h')")
        c.execute("INSERT INTO albums(name, prompts, negatives, created) VALUES('Beach', '[\"a beach\"]', '[]', 0)")
    cat = catalog_mod.Catalog(path)
    assert cat.conn.execute("PRAGMA user_version").fetchone()[0] == catalog_mod.SCHEMA_VERSION
    assert cat.album_rows("Beach")[0]["people_all"] == []
    assert cat.faces_todo("e") == [(1, "/p/a.jpg", "h")]
    cat.close()


def test_the_events_say_what_the_faces_stage_did(library, tmp_path, monkeypatch):
    from photoclip.commands import event_text

    monkeypatch.setenv("PHOTOCLIP_FIND_FACES", "1")
    draw_people(tmp_path / "pics")
    library.add_folders([str(tmp_path / "pics")])
    seen = []
    library.index_now(on_event=lambda ev: seen.append(ev.as_json()))
    faces = [e for e in seen if e["event"] == "faces"]
    assert len(faces) == 12 and faces[-1]["pending"] == 0 and sum(e["faces"] for e in faces) == 12
    people = [e for e in seen if e["event"] == "people"]
    assert people and people[-1] == {"event": "people", "people": 2, "faces": 12, "unsorted": 0}
    assert event_text(people[-1]) == "people: 2, 12 faces, 0 unsorted"
    assert json.loads(json.dumps(faces[0]))["state"] == "looked"


# -- the window ---------------------------------------------------------------------------------------------
def test_the_window_shows_people_names_them_and_corrects_faces(people_library, qtbot, monkeypatch):
    """The sidebar's People section (a round face per person, photo counts), a person's photos, the same answer
    as `person:` in the search box, face boxes with names in the viewer and its right-click menu, the unsorted
    faces to name in bulk; every change goes to the service."""
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QInputDialog

    from photoclip.gui.viewer import Viewer

    lib, pics = people_library
    w = shown_window(lib, qtbot)
    people = [it for label, it in w.sidebar_items().items() if (it.data(0, Qt.UserRole) or ("",))[0] == "person"]
    assert len(people) == 2 and all(it.text(0).endswith("(6)") for it in people)
    qtbot.waitUntil(lambda: all(not it.icon(0).pixmap(28, 28).toImage().pixelColor(14, 14).name() == "#969696"
                                for it in people), timeout=30_000)  # the faces' own pictures, not the grey disc
    hopper = person_of(lib, pics["hopper"][0])[0]
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Grace", True))
    w.rename_person(str(hopper), "")
    qtbot.waitUntil(lambda: "Grace (6)" in w.sidebar_items(), timeout=30_000)
    with qtbot.waitSignal(w.view_loaded, timeout=60_000):
        w._sidebar_clicked(w.sidebar_items()["Grace (6)"])
    shown = {it.path for it in w.model.items}
    assert shown == set(pics["hopper"] + pics["group"]) and w.heading.text() == "Grace"
    with qtbot.waitSignal(w.view_loaded, timeout=60_000):
        w.search.setText("person:Grace")
        w._search_now()
    assert {it.path for it in w.model.items} == shown
    # The viewer frames each face and names it; right-click on a face offers the corrections.
    v = Viewer(w, [pics["group"][0]], 0)
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.loaded, timeout=60_000):
        v.show()
    assert len(v.faces) == 2 and {v._face_label(f) for f in v.faces} == {"Grace", f"Person {person_of(lib, pics['collins'][0])[0]}"}
    grace = next(f for f in v.faces if f["name"] == "Grace")
    pix = v.picture.pixmap()
    ratio = pix.devicePixelRatio() or 1.0
    pw, ph = pix.width() / ratio, pix.height() / ratio
    left, top = (v.picture.width() - pw) / 2, (v.picture.height() - ph) / 2
    x, y, fw, fh = grace["box"]
    centre = QPoint(round(left + (x + fw / 2) * pw), round(top + (y + fh / 2) * ph))
    assert v.face_at(centre)["id"] == grace["id"] and v.face_at(QPoint(2, 2)) is None
    image = pix.toImage()
    edge = {image.pixelColor(round((x + fw / 2) * pix.width()), yy).name()
            for yy in range(round(y * pix.height()) - 3, round(y * pix.height()) + 4)}
    assert "#ffffff" in edge  # the frame is drawn where the face is
    from PySide6.QtWidgets import QMenu

    menu = QMenu()
    v.face_actions(menu, grace)
    assert [a.text() for a in menu.actions()] == ["This is…", "Not Grace", "Not a face"]
    with qtbot.waitSignal(v.loaded, timeout=60_000):
        next(a for a in menu.actions() if a.text() == "Not Grace").trigger()
    assert lib.catalog.face_people([grace["id"]]) == {grace["id"]: None}
    assert next(f for f in v.faces if f["id"] == grace["id"])["person"] is None
    # The unsorted faces: name them in bulk.
    qtbot.waitUntil(lambda: "Unsorted faces (1)" in w.sidebar_items(), timeout=30_000)
    dialog = w.open_unsorted()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=30_000)
    dialog.list.selectAll()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Grace Hopper", True))
    with qtbot.waitSignal(dialog.loaded, timeout=60_000):
        dialog.name_button.click()
    assert dialog.list.count() == 0 and lib.catalog.person(lib.catalog.person_named("Grace Hopper"))["faces"] == 1
    dialog.close()
    v.close()
    w.close()


def test_people_survive_a_model_switch(tmp_path, toy_spec):
    """Faces do not depend on the CLIP model: after a switch (re-encode, commit) the people, their names and
    `person:` answers are what they were, and no photo is looked at for faces again."""
    import shutil

    home = tmp_path / "home"
    env = {"PHOTOCLIP_FIND_FACES": "1", "PHOTOCLIP_MODEL": ""}
    pics = draw_people(tmp_path / "pics")
    cli_json("--model", toy_spec, "index", str(tmp_path / "pics"), home=home, env=env)
    first = cli_json("people", home=home, env=env)["people"][0]
    cli_json("people", "name", str(first["id"]), "Ada", home=home, env=env)
    before = cli_json("people", home=home, env=env)
    answer = cli_json("search", "person:Ada", home=home, env=env)
    db = home / "data" / "catalog.sqlite3"
    with sqlite3.connect(db) as c:
        looked = dict(c.execute("SELECT photo_id, updated FROM photo_faces").fetchall())
    other = tmp_path / "other-model"
    shutil.copytree(toy_spec[len("local-dir:"):], other)
    run_cli("--model", f"local-dir:{other}", "--switch-model", "status", home=home, env=env)
    assert cli_json("index", home=home, env=env)["reencoded"] == len(sum(pics.values(), []))
    assert cli_json("status", home=home, env=env)["model"] == f"local-dir:{other}"
    assert cli_json("people", home=home, env=env) == before
    assert cli_json("search", "person:Ada", home=home, env=env) == answer
    with sqlite3.connect(db) as c:
        assert dict(c.execute("SELECT photo_id, updated FROM photo_faces").fetchall()) == looked


def test_a_processor_without_avx_skips_faces_with_one_notice_and_the_rest_works(library, tmp_path, monkeypatch):
    """dlib-bin's AVX build would stop the whole program on such a processor: it is never loaded there."""
    from photoclip import faces as faces_mod

    monkeypatch.setenv("PHOTOCLIP_FIND_FACES", "1")
    monkeypatch.setattr(faces_mod, "_cpu_lacks_avx", lambda: True)
    monkeypatch.setattr(faces_mod, "_prebuilt_with_avx", lambda: True)
    draw_people(tmp_path / "pics")
    library.add_folders([str(tmp_path / "pics")])
    seen = []
    out = library.index_now(on_event=lambda ev: seen.append(ev.as_json()))
    assert out["indexed"] == 12 and out["failed"] == 0  # indexing and search go on
    notices = [e["message"] for e in seen if e["event"] == "notice"]
    assert notices == ["Faces are not found: this processor lacks AVX, which the installed dlib-bin needs; install "
                       "dlib built from source (pip install dlib) to find faces."]
    st = library.faces_status()
    assert st["faces"] == 0 and st["pending"] == 0 and st["unavailable"].startswith("this processor lacks AVX")


def test_the_people_page_shows_everyone_as_a_face(people_library, qtbot):
    pytest.importorskip("PySide6")
    from PySide6.QtCore import Qt

    lib, pics = people_library
    w = shown_window(lib, qtbot)
    with qtbot.waitSignal(w.view_loaded, timeout=60_000):
        w._sidebar_clicked(w.sidebar_items()["People"])
    page = w.people_page
    assert w.stack.currentWidget() is page and w.heading.text() == "People" and page.count() == 2
    assert not w.more_button.isVisible()
    first = page.item(0)
    assert first.text().endswith("\n6 photos") and not first.icon().isNull()
    centre = first.icon().pixmap(112, 112).toImage().pixelColor(56, 56).name()
    assert centre != "#969696"  # the person's own face, not the grey disc
    label = first.data(Qt.UserRole)
    with qtbot.waitSignal(w.view_loaded, timeout=60_000):
        page.itemActivated.emit(first)
    assert w.mode == ("person", label) and w.stack.currentWidget() is w.grid
    assert len(w.model.items) >= 6
    w.close()


def test_no_one_appears_twice_in_one_photo(people_library, tmp_path):
    """Two copies of one face side by side in a photo (a mirror, twins): only one of them joins that person."""
    lib, pics = people_library
    pair = Image.new("RGB", (1400, 800), (100, 120, 140))
    face = portrait("hopper")
    pair.paste(face, (100, 100))
    pair.paste(ImageOps.mirror(face), (760, 100))
    path = tmp_path / "pics" / "mirror.jpg"
    pair.save(path, quality=92)
    lib.index_now()
    owners = person_of(lib, str(path))
    hopper = person_of(lib, pics["hopper"][0])[0]
    assert len(owners) == 2 and owners.count(hopper) == 1

"""Duplicates: planted copies (byte-identical, resized, recompressed, converted, lightly cropped) are grouped with
their originals, distinct pictures are not, the best copy is marked, and extras go to the trash only on request."""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
from helpers import cli_json, draw_folder, run_cli
from PIL import Image

from photoclip import duplicates, imageio, ops


def _crop(img: Image.Image, part: float) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * part), round(h * part), round(w * (1 - part)), round(h * (1 - part))))


def plant(tmp_path):
    """40 toy pictures, and in another folder six kinds of copies of six of them; returns
    (folders, {copy path: its original}, the originals)."""
    originals = draw_folder(tmp_path / "photos", seed=11, count=40, sizes=((320, 240), (240, 300), (260, 260)))
    # An empty toy room is two flat rectangles (wall, floor at 80%) in one of three wall colours: two of them are
    # the same picture re-toned by construction, which the near test rightly calls copies.  Not distinct photos.
    for path, pic in list(originals.items()):
        if pic.scene == "room" and not pic.objects:
            os.remove(path)
            del originals[path]
    copies_dir = tmp_path / "copies"
    copies_dir.mkdir()
    with_objects = [p for p, pic in sorted(originals.items()) if pic.objects]
    planted = {}
    makers = {
        "exact": lambda src, dst: shutil.copyfile(src, dst),
        "half.jpg": lambda src, dst: Image.open(src).convert("RGB").resize(
            (Image.open(src).width // 2, Image.open(src).height // 2)).save(dst, quality=90),
        "q35.jpg": lambda src, dst: Image.open(src).convert("RGB").save(dst, quality=35),
        "webp": lambda src, dst: Image.open(src).save(dst, "WEBP", quality=80),
        "crop.png": lambda src, dst: _crop(Image.open(src).convert("RGB"), 0.03).save(dst),
        "bright.jpg": lambda src, dst: Image.open(src).convert("RGB").point(
            lambda v: min(255, round(v * 1.1))).save(dst, quality=92),
    }
    for (kind, make), src in zip(makers.items(), with_objects[::4]):
        name = src.rsplit("/", 1)[1]
        dst = copies_dir / (name if kind == "exact" else f"{name.rsplit('.', 1)[0]}.{kind}")
        make(src, dst)
        planted[str(dst)] = src
    return [tmp_path / "photos", copies_dir], planted, originals


def check_groups(groups, planted, originals):
    """Each planted copy shares a group with its original and no other picture; the original is the best copy."""
    where = {c.path: g for g in groups for c in g.photos}
    for copy, original in planted.items():
        assert copy in where, f"{copy} was not found as a duplicate"
        group = where[copy]
        assert {c.path for c in group.photos} == {copy, original}
        assert group.photos[0].path == original and group.photos[0].best  # larger or older: the original
        assert group.kind == ("exact" if copy.endswith(original.rsplit("/", 1)[1]) else "near")
    # No group holds two different pictures: every group is one original and its planted copies.
    for g in groups:
        assert sum(1 for c in g.photos if c.path in originals) == 1, [c.path for c in g.photos]


def test_planted_copies_are_grouped_and_distinct_pictures_are_not(library, tmp_path):
    folders, planted, originals = plant(tmp_path)
    library.add_folders([str(f) for f in folders])
    library.index_now()
    groups = library.duplicates()
    check_groups(groups, planted, originals)
    assert len(groups) == len(planted)
    for g in groups:
        assert g.photos[0].score == 1.0
        assert all(0.9 <= c.score <= 1.0 for c in g.photos)
        assert len(g.extras) == len(g.photos) - 1 and not any(c.best for c in g.extras)


def test_libraries_indexed_before_fingerprints_read_them_from_the_files(library, tmp_path):
    folders, planted, originals = plant(tmp_path)
    library.add_folders([str(f) for f in folders])
    library.index_now()
    with sqlite3.connect(library.paths.catalog) as db:  # as a schema-2 catalog left them
        db.execute("UPDATE photos SET fingerprint=NULL")
    read = []

    def reading(path):
        read.append(path)
        return duplicates._read_fingerprint(path)

    groups = duplicates.find(library.catalog, library.index, library.model_id, read_fingerprint=reading)
    check_groups(groups, planted, originals)
    assert 0 < len(set(read)) < len(originals)  # only the candidates' files are read, not the whole library


def test_the_near_test_finds_copies_and_rejects_other_shots_and_bursts():
    """Calibration on generated pairs: every kind of copy people make matches; another shot of the same scene
    (same scene and size, different picture) and burst frames panned 6% or more never do."""
    import itertools

    import toyworld

    pics = [(img, pic) for img, pic in toyworld.draw_set(7, 60, sizes=((640, 480), (480, 640))) if pic.objects]
    for name, make in toyworld.copy_kinds().items():
        missed = [pic for img, pic in pics[:12] if not duplicates.looks_alike(img, make(img))]
        assert not missed, (name, missed)
    by_scene = {}
    for img, pic in pics:
        by_scene.setdefault((pic.scene, img.size), []).append(img)
    others = [(a, b) for imgs in by_scene.values() for a, b in itertools.combinations(imgs[:6], 2)]
    assert len(others) > 40 and not any(duplicates.looks_alike(a, b) for a, b in others)
    for part in (0.06, 0.1):
        assert not any(duplicates.looks_alike(*toyworld.panned(img, part)) for img, _ in pics[:20]), part


def draw_folder_images(seed):
    import toyworld

    # Pictures that differ in what they show (an object each), as distinct photos of a library do.
    return [img for img, pic in toyworld.draw_set(seed, 30, sizes=((320, 240),)) if pic.objects]


def test_cli_duplicates_json_and_text(tmp_path, toy_spec):
    folders, planted, originals = plant(tmp_path)
    home = tmp_path / "home"
    run_cli("index", *folders, home=home, env={"PHOTOCLIP_MODEL": toy_spec})
    data = cli_json("duplicates", home=home)
    assert set(data) >= {"groups", "extra", "extra_bytes", "preselected", "preselected_bytes"}
    assert data["extra"] == len(planted) and data["preselected"] == 1  # the one byte-identical copy
    for g in data["groups"]:
        assert g["kind"] in ("exact", "near")
        assert set(g["photos"][0]) >= {"path", "score", "best"}
        assert g["photos"][0]["best"] and not any(p["best"] for p in g["photos"][1:])
    grouped = {p["path"] for g in data["groups"] for p in g["photos"]}
    assert grouped == set(planted) | set(planted.values())
    text = run_cli("duplicates", home=home).stdout
    assert f"{len(data['groups'])} groups; {len(planted)} extra copies" in text and "1 of them byte-identical" in text
    assert all(path in text for path in grouped)


@pytest.fixture
def trash_home(tmp_path, monkeypatch):
    """Send2Trash puts files from this file system into $XDG_DATA_HOME/Trash."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "Trash" / "files"


def test_trash_moves_only_library_photos_and_they_leave_the_results(library, tmp_path, trash_home):
    folders, planted, originals = plant(tmp_path)
    library.add_folders([str(f) for f in folders])
    library.index_now()
    listed = ops.duplicates(library)
    extras = [p["path"] for g in listed["groups"] for p in g["photos"][1:]]
    outsider = tmp_path / "not-in-library.jpg"
    shutil.copyfile(next(iter(originals)), outsider)
    items = ops.trash_items(listed["groups"], extras)
    items.append({**items[0], "path": str(outsider)})
    result = ops.trash(library, items, confirmed=True)
    assert sorted(result["trashed"]) == sorted(extras)
    assert result["failed"] == [{"path": str(outsider), "reason": "not a photo in this library"}]
    assert outsider.exists()  # never touched
    for path in extras:
        assert not (tmp_path / path).exists()
        assert (trash_home / path.rsplit("/", 1)[1]).exists()  # in the trash, restorable
    assert library.duplicates() == []
    shown = {p for _, p in library.catalog.listing()}
    assert not shown & set(extras) and set(originals) <= shown


def _listed(library):
    data = ops.duplicates(library)
    return data, {p["path"]: p for g in data["groups"] for p in g["photos"]}


def test_only_byte_copies_are_preselected_even_inside_a_group_of_look_alikes(library, tmp_path):
    """A byte copy folded into a group with a resized copy is still marked exact; the look-alike is not
    pre-selected, and neither is a hard link (it frees nothing) nor a symbolic link (never the kept copy)."""
    folders, planted, originals = plant(tmp_path)
    original = next(o for c, o in planted.items() if c.endswith(".half.jpg"))
    extra = tmp_path / "copies" / "byte-copy.jpg"
    shutil.copyfile(original, extra)
    hard = tmp_path / "copies" / "hard-link.jpg"
    os.link(original, hard)
    sym = tmp_path / "copies" / "A_sym_link.jpg"  # sorts first by name: it must still never be kept
    os.symlink(original, sym)
    library.add_folders([str(f) for f in folders])
    library.index_now()
    data, by_path = _listed(library)
    group = next(g for g in data["groups"] if any(p["path"] == original for p in g["photos"]))
    kept = group["photos"][0]["path"]  # the original or its hard link: two names of one file, either may stay
    assert group["kind"] == "near" and kept in (original, str(hard)) and group["photos"][0]["best"]
    roles = {p["path"]: (p["exact"], p["link"], p["preselect"]) for p in group["photos"][1:]}
    assert roles[str(extra)] == (True, False, True)  # byte-identical: the only one pre-selected
    assert roles[({original, str(hard)} - {kept}).pop()] == (True, True, False)  # the same file, another name
    assert roles[str(sym)] == (True, True, False)
    half = next(c for c in planted if c.endswith(".half.jpg"))
    assert roles[half] == (False, False, False)  # looks the same, differs in bytes: the user decides
    preselected = [p["path"] for g in data["groups"] for p in g["photos"] if p["preselect"]]
    exact_planted = [c for c, o in planted.items() if c.rsplit("/", 1)[1] == o.rsplit("/", 1)[1]]
    assert sorted(preselected) == sorted([str(extra), *exact_planted])
    assert data["preselected_bytes"] == sum(by_path[p]["size"] for p in preselected)  # links count 0 bytes


def test_a_symlink_is_never_the_kept_copy_and_trashing_cannot_leave_it_dangling(library, tmp_path, trash_home):
    a, b = tmp_path / "a", tmp_path / "b"
    draw_folder(b, seed=77, count=2)
    a.mkdir()
    real = sorted(b.iterdir())[0]
    link = a / "Z_link.jpg"
    os.symlink(real, link)
    library.add_folders([str(a), str(b)])
    library.index_now()
    data, _ = _listed(library)
    group = next(g for g in data["groups"] if {p["path"] for p in g["photos"]} == {str(real), str(link)})
    assert group["photos"][0]["path"] == str(real) and group["photos"][1]["link"]
    # A client that asks to trash the real file and keep the link is refused: they are the same file.
    forged = [{**{k: group["photos"][0][k] for k in ("path", "size", "mtime_ns", "hash")},
               "keep": {k: group["photos"][1][k] for k in ("path", "size", "mtime_ns", "hash")}}]
    result = ops.trash(library, forged, confirmed=True)
    assert result["trashed"] == [] and "same file" in result["failed"][0]["reason"] and real.exists()


def test_trash_leaves_an_extra_that_changed_or_whose_kept_copy_is_gone(library, tmp_path, trash_home):
    folders, planted, originals = plant(tmp_path)
    exact = next(c for c, o in planted.items() if c.rsplit("/", 1)[1] == o.rsplit("/", 1)[1])
    near = next(c for c in planted if c.endswith(".half.jpg"))
    library.add_folders([str(f) for f in folders])
    library.index_now()
    data, _ = _listed(library)
    items = ops.trash_items(data["groups"], [exact, near])
    # Between listing and trashing: the exact extra is replaced by a different photo (same name)...
    other = next(p for p in originals if p not in planted.values())
    shutil.copyfile(other, exact)
    # ...and the kept copy of the near extra is deleted.
    os.remove(planted[near])
    result = ops.trash(library, items, confirmed=True)
    assert result["trashed"] == []
    reasons = {f["path"]: f["reason"] for f in result["failed"]}
    assert "changed since it was listed" in reasons[exact]
    assert "copy to keep" in reasons[near] and "gone" in reasons[near]
    assert os.path.exists(exact) and os.path.exists(near)  # both still there: the last copy is never trashed


def test_sizes_are_said_in_a_unit_that_fits():
    from photoclip.ops import megabytes

    assert [megabytes(n) for n in (0, 9_200, 999_499, 2_500_000, 3_210_000_000)] == \
        ["0 KB", "9 KB", "999 KB", "2.5 MB", "3.21 GB"]


def test_a_byte_identical_copy_is_described_like_the_photo_it_copies(library, tmp_path):
    """A copy reuses the original's vector without decoding; its pixels, date taken and camera come along, so
    the duplicates window and the viewer show the same facts for both (not "None×None")."""
    folder = tmp_path / "pics"
    folder.mkdir()
    img = Image.new("RGB", (320, 200), (10, 120, 200))
    tags = img.getexif()
    tags[0x0110] = "Pixel 8"
    tags.get_ifd(0x8769)[0x9003] = "2024:05:01 10:00:00"
    img.save(folder / "a.jpg", exif=tags)
    library.add_folders([str(folder)])
    library.index_now()
    shutil.copy(folder / "a.jpg", folder / "a copy.jpg")
    progress = library.index_now()
    assert progress["reused"] == 1  # not decoded again
    original, copy = (library.catalog.photo_by_path(str(folder / n)) for n in ("a.jpg", "a copy.jpg"))
    assert (copy.width, copy.height, copy.camera) == (original.width, original.height, original.camera) == \
        (320, 200, "Pixel 8")
    assert library.catalog.taken([copy.id])[copy.id] == library.catalog.taken([original.id])[original.id]
    group = ops.duplicates(library)["groups"][0]
    assert all((p["width"], p["height"]) == (320, 200) for p in group["photos"])

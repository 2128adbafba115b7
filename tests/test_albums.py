"""Smart albums on freshly drawn toy-world pictures, through the real library, catalog and model."""
import json
import os
import shutil

import numpy as np
import open_clip
import pytest
from helpers import cli_json, draw_folder, run_cli
from open_clip.zero_shot_metadata import OPENAI_IMAGENET_TEMPLATES
from PIL import Image

from photoclip.albums import AlbumError, ensemble, starter_albums, template_set
from photoclip.scoring import otsu_threshold


@pytest.mark.parametrize("templates", ["personal", "imagenet"])
def test_class_embeddings_equal_open_clip_zero_shot_classifier(encoder, templates):
    names = ["beach", "a receipt", "the night sky", "two purple triangles"]
    ours = ensemble(encoder, names, template_set(templates))
    ref = open_clip.build_zero_shot_classifier(encoder.torch_model, encoder.tokenizer, names,
                                               list(template_set(templates)), device="cpu")
    assert np.abs(ours - ref.T.numpy()).max() < 1e-5
    assert len(OPENAI_IMAGENET_TEMPLATES) == 80 and len(template_set("imagenet")) == 80


@pytest.fixture
def toy_library(library, tmp_path):
    truth = draw_folder(tmp_path / "pics", seed=8101, count=180)
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    return library, truth


def _pr(members, truth, scene):
    tp = sum(truth[p].scene == scene for p in members)
    return tp / max(1, len(members)), tp / sum(pic.scene == scene for pic in truth.values())


@pytest.mark.parametrize("name,prompts,scene", [("beach", ["beach"], "beach"), ("receipts", ["receipts"], "receipt"),
                                               ("night sky", ["night sky"], "night")])
def test_default_thresholds_reach_precision_and_recall_90(toy_library, name, prompts, scene):
    lib, truth = toy_library
    album = lib.albums.create(name, prompts)
    members = [p for p, _ in lib.albums.members(name)]
    precision, recall = _pr(members, truth, scene)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, album.effective_threshold)
    assert 0.3 <= album.effective_threshold <= 0.9 and album.threshold is None
    scores = [s for _, s in lib.albums.members(name)]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


def test_feedback_fixes_mistakes_and_survives_retagging(toy_library, tmp_path):
    lib, truth = toy_library
    albums = lib.albums
    albums.create("beach", ["beach"])
    members = dict(albums.members("beach"))
    # Planted mistake: an empty-beach photo the user does not want, and a receipt that belongs.
    wrong = next(p for p in members if truth[p].objects == [])
    receipt = next(p for p, pic in truth.items() if pic.scene == "receipt")
    assert receipt not in members
    albums.mark("beach", [wrong], belongs=False)
    albums.mark("beach", [receipt], belongs=True)
    after = dict(albums.members("beach"))
    assert wrong not in after and receipt in after
    # The classifier moved: a look-alike of the rejected photo (a resized copy added later) is out too,
    # while beach photos that do not look like it stay in.
    copy = tmp_path / "pics" / "lookalike.png"
    Image.open(wrong).resize((233, 171)).save(copy)
    lib.index_now()
    assert str(copy) not in dict(albums.members("beach"))
    with_objects = [p for p in members if truth[p].objects]
    assert all(p in after for p in with_objects)
    # Automatic tagging never overrides feedback: an edit re-decides everything else.
    albums.edit("beach", prompts=["a sandy beach"], threshold=0.05)
    final = dict(albums.members("beach"))
    assert wrong not in final and receipt in final


def test_new_photos_are_tagged_and_narrowing_removes_tags(toy_library, tmp_path):
    lib, truth = toy_library
    lib.albums.create("outdoors", ["beach", "snow"])
    before = {p for p, _ in lib.albums.members("outdoors")}
    assert {truth[p].scene for p in before} == {"beach", "snow"}
    new = draw_folder(tmp_path / "pics" / "new", seed=8102, count=12, scenes=["beach", "room"])
    lib.index_now()
    members = {p for p, _ in lib.albums.members("outdoors")}
    new_beach = {p for p, pic in new.items() if pic.scene == "beach"}
    assert new_beach <= members and not ({p for p in new} - new_beach) & members
    lib.albums.edit("outdoors", prompts=["snow"])
    narrowed = {p for p, _ in lib.albums.members("outdoors")}
    assert narrowed and all(truth.get(p, new.get(p)).scene == "snow" for p in narrowed)


def test_export_copies_exactly_the_members_and_touches_no_original(toy_library, tmp_path):
    lib, truth = toy_library
    lib.albums.create("night", ["night sky"])
    members = [p for p, _ in lib.albums.members("night")]
    originals = {p: (os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in truth}
    dest = tmp_path / "export"
    written = lib.albums.export("night", str(dest), "copy")["exported"]
    assert sorted(os.path.basename(p) for p in written) == sorted(os.path.basename(p) for p in members)
    assert sorted(os.listdir(dest)) == sorted(os.path.basename(p) for p in members)
    for p in members:
        assert (dest / os.path.basename(p)).read_bytes() == open(p, "rb").read()
    links = lib.albums.export("night", str(tmp_path / "links"), "symlink")["exported"]
    assert all(os.path.islink(p) and os.path.realpath(p) in members for p in links)
    assert {p: (os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in truth} == originals
    assert sorted(os.listdir(tmp_path / "pics")) == sorted(os.path.basename(p) for p in truth)
    again = lib.albums.export("night", str(dest), "copy")  # a sync: nothing new, nothing doubled
    assert again == {"exported": [], "unchanged": len(members), "skipped": []}
    assert len(os.listdir(dest)) == len(members)


def test_album_errors_and_starters(library):
    with pytest.raises(AlbumError, match="prompt"):
        library.albums.create("x", [])
    with pytest.raises(AlbumError, match="no album"):
        library.albums.get("nope")
    with pytest.raises(AlbumError, match="between 0 and 1"):
        library.albums.create("x", ["a"], threshold=3)
    names = {s["name"] for s in starter_albums()}
    assert {"Screenshots", "Beach", "Food", "Pets", "Sunsets", "Snow", "Night sky", "Whiteboards"} <= names
    assert otsu_threshold(np.array([0.0] * 50 + [1.0] * 10)) == pytest.approx(0.5, abs=0.02)


def test_albums_cli_contract(tmp_path, toy_spec):
    home = tmp_path / "home"
    truth = draw_folder(tmp_path / "pics", seed=8103, count=36)
    env = {"PHOTOCLIP_MODEL": toy_spec}
    cli_json("index", tmp_path / "pics", home=home, env=env)
    out = cli_json("albums", "add", "Receipts", "--prompt", "a receipt", "--negative", "a room", home=home, env=env)
    assert out["name"] == "Receipts" and out["count"] == sum(p.scene == "receipt" for p in truth.values())
    listed = cli_json("albums", "list", home=home, env=env)["albums"]
    # One number everywhere: add, list and show give the same threshold, rounded once to 4 decimals.
    assert listed == [{"name": "Receipts", "count": out["count"], "threshold": out["threshold"]}]
    assert out["threshold"] == round(out["threshold"], 4)
    shown = cli_json("albums", "show", "Receipts", home=home, env=env)
    assert set(shown) >= {"name", "threshold", "members"} and len(shown["members"]) == out["count"]
    assert shown["threshold"] == out["threshold"] and shown["prompts"] == ["a receipt"]
    assert all(set(m) == {"id", "path", "score", "taken"} and truth[m["path"]].scene == "receipt" for m in shown["members"])
    victim = shown["members"][0]["path"]
    cli_json("albums", "mark", "Receipts", victim, "--no", home=home, env=env)
    assert victim not in [m["path"] for m in cli_json("albums", "show", "Receipts", home=home, env=env)["members"]]
    cli_json("albums", "edit", "Receipts", "--threshold", "0.99", home=home, env=env)
    assert cli_json("albums", "list", home=home, env=env)["albums"][0]["threshold"] == 0.99
    auto = cli_json("albums", "edit", "Receipts", "--auto-threshold", home=home, env=env)["threshold"]
    assert auto == round(auto, 4) and cli_json("albums", "list", home=home, env=env)["albums"][0]["threshold"] == auto
    exported = cli_json("albums", "export", "Receipts", tmp_path / "out", "--copy", home=home, env=env)["exported"]
    assert len(exported) == len(os.listdir(tmp_path / "out"))
    cli_json("albums", "remove", "Receipts", home=home, env=env)
    assert cli_json("albums", "list", home=home, env=env)["albums"] == []
    shutil.rmtree(tmp_path / "out")


def test_text_embeddings_are_cached_per_model_prompt_and_templates(library):
    calls = []
    real = library.encoder.encode_texts
    library.encoder.encode_texts = lambda texts: (calls.append(len(texts)), real(texts))[1]
    try:
        a = library.albums.class_embeddings(["a beach", "snow"], "personal")
        b = library.albums.class_embeddings(["snow", "a beach"], "personal")
        assert len(calls) == 1 and np.allclose(a, b[::-1])
        library.albums.class_embeddings(["a beach"], "imagenet")  # another template set: encoded anew
        assert len(calls) == 2 and calls[1] == 80
    finally:
        library.encoder.encode_texts = real


def test_export_refuses_the_library_and_skips_what_is_not_a_photo_any_more(tmp_path, toy_spec):
    home, pics = tmp_path / "home", tmp_path / "pics"
    draw_folder(pics, seed=8201, count=12, scenes=["night", "beach"])
    env = {"PHOTOCLIP_MODEL": toy_spec}
    cli_json("index", pics, home=home, env=env)
    cli_json("albums", "add", "Night", "--prompt", "the night sky", home=home, env=env)
    members = [m["path"] for m in cli_json("albums", "show", "Night", home=home, env=env)["members"]]
    inside = run_cli("albums", "export", "Night", pics / "exported", "--copy", home=home, env=env, check=False)
    assert inside.returncode == 1 and "inside the library folder" in inside.stderr and not (pics / "exported").exists()
    (tmp_path / "a-file").write_text("x")
    to_file = run_cli("albums", "export", "Night", tmp_path / "a-file", "--copy", home=home, env=env, check=False)
    assert to_file.returncode == 1 and to_file.stderr.count("\n") == 1 and "is a file" in to_file.stderr
    # A photo replaced by a link to /dev/zero must not fill the disk: skipped, nothing partial, exit 1.
    victim = members[0]
    os.unlink(victim)
    os.symlink("/dev/zero", victim)
    r = run_cli("albums", "export", "Night", tmp_path / "out", "--copy", "--json", home=home, env=env, check=False)
    assert r.returncode == 1 and "not a regular file" in r.stderr
    out = json.loads(r.stdout)
    assert [s["path"] for s in out["skipped"]] == [victim] and len(out["exported"]) == len(members) - 1
    assert sorted(os.listdir(tmp_path / "out")) == sorted(os.path.basename(p) for p in members[1:])


def test_odd_names_export_too(tmp_path, toy_spec):
    """A name with a newline and one of 250 bytes (the most a Linux file system takes is 255)."""
    pics = tmp_path / "pics"
    src = sorted(draw_folder(tmp_path / "src", seed=8301, count=3, exts=("jpg",)))
    pics.mkdir()
    names = ["new\nline.jpg", "n" * 246 + ".jpg", "plain.jpg"]
    for p, name in zip(src, names):
        os.rename(p, pics / name)
    home, env = tmp_path / "home", {"PHOTOCLIP_MODEL": toy_spec}
    assert cli_json("index", pics, home=home, env=env)["indexed"] == 3
    cli_json("albums", "add", "All", "--prompt", "a photo", "--threshold", "0", home=home, env=env)
    out = cli_json("albums", "export", "All", tmp_path / "out", "--copy", home=home, env=env)
    assert sorted(os.listdir(tmp_path / "out")) == sorted(names) and out["skipped"] == []

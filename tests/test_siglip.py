"""The bilingual SigLIP-style fixture: Chinese search end to end through the real tokenizer, and the sigmoid
path (a learned logit bias) in albums and in the search cut-off."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT, cli_json, draw_folder

from photoclip import models

SIGLIP = ROOT / "tests" / "fixtures" / "toysiglip"
SIGLIP_SPEC = f"local-dir:{SIGLIP}"


@pytest.fixture(scope="module")
def siglip_encoder():
    from photoclip.encoder import Encoder

    return Encoder(SIGLIP_SPEC, device="cpu").load()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """48 toy photos indexed with the SigLIP fixture through the CLI; returns (home, env, truth)."""
    root = tmp_path_factory.mktemp("siglip")
    home, env = root / "home", {"PHOTOCLIP_MODEL": SIGLIP_SPEC}
    truth = draw_folder(root / "pics", seed=21_001, count=48, sizes=((200, 150), (150, 200), (160, 160)))
    cli_json("index", root / "pics", home=home, env=env)
    return home, env, truth


def precision(results, truth, scene):
    paths = [r["path"] for r in results]
    return sum(truth[p].scene == scene for p in paths) / max(1, len(paths))


def test_the_fixture_is_siglip_style_and_bilingual(siglip_encoder):
    assert siglip_encoder.logit_bias is not None and siglip_encoder.logit_bias < 0
    assert siglip_encoder.languages == ["en", "zh"] and models.language_warning(SIGLIP_SPEC, ["夜空"]) is None
    assert sum(f.stat().st_size for f in SIGLIP.iterdir()) <= 10 * 1024 * 1024


@pytest.mark.parametrize("english, chinese, scene", [("the night sky", "夜空", "night"), ("a beach", "海滩", "beach"),
                                                     ("snow", "雪景", "snow"), ("a receipt", "收据", "receipt")])
def test_chinese_search_finds_what_english_finds(world, english, chinese, scene):
    home, env, truth = world
    wanted = {p for p, pic in truth.items() if pic.scene == scene}
    zh = cli_json("search", chinese, "--limit", len(wanted), "--all", home=home, env=env)["results"]
    en = cli_json("search", english, "--limit", len(wanted), "--all", home=home, env=env)["results"]
    assert precision(zh, truth, scene) >= 0.8, [truth[r["path"]].scene for r in zh]
    assert precision(zh, truth, scene) >= precision(en, truth, scene) - 0.2  # "precision like English"


def test_cut_off_with_sigmoid_scores_keeps_the_scene(world):
    home, env, truth = world
    night = {p for p, pic in truth.items() if pic.scene == "night"}
    out = cli_json("search", "夜空", home=home, env=env)
    shown = {r["path"] for r in out["results"]}
    assert len(shown & night) >= 0.8 * len(night) and len(shown - night) <= 1
    assert out["hidden"] > 0  # the rest is one step away


def test_sigmoid_albums_score_probabilities_with_calibrated_thresholds(world):
    from photoclip.scoring import SIGMOID_THRESHOLD_RANGE

    home, env, truth = world
    for name, prompt, scene in (("Beach", "a beach", "beach"), ("海滩", "海滩", "beach"), ("夜空", "夜空", "night")):
        made = cli_json("albums", "add", name, "--prompt", prompt, home=home, env=env)
        shown = cli_json("albums", "show", name, home=home, env=env)
        scores = [m["score"] for m in shown["members"]]
        assert all(0.0 <= s <= 1.0 for s in scores)
        lo, hi = SIGMOID_THRESHOLD_RANGE
        assert lo <= made["threshold"] <= hi and min(scores) >= made["threshold"]
        members = {m["path"] for m in shown["members"]}
        wanted = {p for p, pic in truth.items() if pic.scene == scene}
        assert len(members & wanted) >= 0.8 * len(wanted) and len(members - wanted) <= 0.2 * len(wanted), name


def test_sigmoid_album_scores_and_feedback(library, siglip_encoder, tmp_path):
    from photoclip.albums import Album
    from photoclip.scoring import SIGMOID_THRESHOLD_RANGE

    library.encoder = siglip_encoder
    library.albums.encoder = siglip_encoder
    truth = draw_folder(tmp_path / "p", seed=21_002, count=12)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    assert library.albums.sigmoid
    ids, vecs = library.catalog.vectors_for(library.model_id)
    draft = Album(-1, "x", ["snow"], ["the night sky"], None, None, "personal")
    scores = library.albums.score(draft, vecs)
    assert scores.dtype == np.float32 and ((scores >= 0) & (scores <= 1)).all()
    # The negative can only lower a score: prompt alone >= prompt with "not these".
    alone = library.albums.score(Album(-1, "x", ["snow"], [], None, None, "personal"), vecs)
    assert (alone >= scores - 1e-6).all()
    lo, hi = SIGMOID_THRESHOLD_RANGE
    album = library.albums.create("Snow", ["snow"])
    assert lo <= album.calibrated <= hi
    # Feedback moves a look-alike's score, as with softmax models.
    paths = library.catalog.paths_for(ids.tolist())
    night = next(int(i) for i in ids if truth[paths[int(i)]].scene == "night")
    before = library.albums.score(library.albums.get("Snow"), vecs[ids == night])[0]
    library.albums.mark("Snow", [paths[night]], True)
    after = library.albums.score(library.albums.get("Snow"), vecs[ids == night])[0]
    assert after > before

"""Model presets, the language warning, Chinese starter albums and templates."""
from __future__ import annotations

import json

import pytest
from helpers import ROOT, cli_json, draw_folder, run_cli

from photoclip import models
from photoclip.albums import default_templates, starter_albums, template_set
from photoclip.models import DEFAULT_MODEL, normalize_spec


def test_presets_are_sourced_and_the_default_reads_chinese():
    data = json.loads((ROOT / "photoclip" / "data" / "models.json").read_text())
    assert set(data["sources"]) == {"imagenet", "xm3600", "cpu", "params"}
    default = models.default_preset()
    assert default.model == DEFAULT_MODEL  # the constant and the data file agree
    assert default.multilingual and "zh" in default.xm3600
    # The default is the fast preset that retrieves best in Chinese, as the README's Models section explains.
    fast = [p for p in models.presets() if p.cpu_images_per_s and p.cpu_images_per_s >= 10]
    assert default.xm3600["zh"] == max(p.xm3600.get("zh", 0) for p in fast)
    for p in models.presets():
        assert p.scores in ("softmax", "sigmoid") and p.name and p.image_size
    assert normalize_spec("balanced") == default.model  # --model takes a preset's id


def test_models_command_lists_presets_with_their_figures():
    data = cli_json("models")
    assert data["default"] == "balanced"
    assert [p["id"] for p in data["presets"]] == [p.id for p in models.presets()]
    text = run_cli("models").stdout
    for p in models.presets():
        assert p.name in text and p.model in text


@pytest.mark.parametrize("text, warned", [("海边的日落", True), ("夜空 -人", True), ("sunset at the beach", False),
                                          ("café crème", False), ("закат", True), ("", False)])
def test_language_warning_for_an_english_only_model(toy_spec, text, warned):
    assert models.languages(toy_spec) == ["en"]  # the toy CLIP fixture declares what it was trained on
    got = models.language_warning(toy_spec, [text])
    assert bool(got) == warned
    if warned:
        assert "English only" in got and models.multilingual_preset().model in got
    assert models.language_warning(models.default_preset().model, [text]) is None  # multilingual: no warning


def test_cli_warns_once_on_stderr_and_in_json(tmp_path, toy_spec):
    draw_folder(tmp_path / "pics", seed=3, count=12)
    home = tmp_path / "home"
    env = {"PHOTOCLIP_MODEL": toy_spec}
    run_cli("index", tmp_path / "pics", home=home, env=env)
    proc = run_cli("search", "海边的日落", home=home, env=env)
    warnings = [ln for ln in proc.stderr.splitlines() if "English only" in ln]
    assert len(warnings) == 1 and warnings[0].startswith("photoclip: ")
    assert proc.stdout.strip()  # the search still ran
    data = cli_json("search", "海边的日落", home=home, env=env)
    assert "English only" in data["warning"] and data["results"]
    assert "warning" not in cli_json("search", "a beach", home=home, env=env)


def test_starter_albums_in_chinese():
    en, zh = starter_albums("en"), starter_albums("zh_CN")
    assert len(en) == len(zh) and zh[0]["name"] == "收据和文件"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in a["prompts"][0]) for a in zh)
    assert {a["templates"] for a in zh} == {"personal_zh"}
    # An English-only model keeps English prompts under the Chinese name.
    zh_english_model = starter_albums("zh_CN", multilingual_model=False)
    assert zh_english_model[0]["name"] == "收据和文件" and zh_english_model[0]["prompts"] == en[0]["prompts"]
    assert default_templates(["收据"]) == "personal_zh" and default_templates(["a receipt"]) == "personal"
    assert all("{}" in t for t in template_set("personal_zh"))

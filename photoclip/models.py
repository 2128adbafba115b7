"""Naming models (what `--model` takes, how a library records its model), the presets (data/models.json) and
what a model's text tower understands.

Cheap to import (no numpy, no torch): the CLI checks a model request and a query's language, and lists the
presets, without loading a model.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path



# The "Balanced (multilingual)" preset of data/models.json (tests check they agree); README "Models" says why.
DEFAULT_MODEL = "xlm-roberta-base-ViT-B-32:laion5b_s13b_b90k"
MODEL_ENV = "PHOTOCLIP_MODEL"


def parse_spec(spec: str) -> tuple[str, str | None]:
    """'ARCH:TAG' -> (ARCH, TAG); 'hf-hub:org/repo' and 'local-dir:PATH' pass through whole."""
    if spec.startswith(("hf-hub:", "local-dir:")):
        return spec, None
    arch, _, tag = spec.partition(":")
    return arch, tag or None


def normalize_spec(spec: str) -> str:
    """The model's identity in the catalog: local folders by absolute path, so cwd does not matter; a preset's
    id ("balanced") stands for its model."""
    if ":" not in spec:
        found = preset(spec)
        if found is not None:
            return found.model
    if spec.startswith("local-dir:"):
        return "local-dir:" + str(Path(spec[len("local-dir:"):]).expanduser().resolve())
    return spec


def mismatch_message(library_model: str, requested: str, photos: int | None = None) -> str:
    count = f"its {photos} photos" if photos is not None else "its photos"
    return (f"This library is encoded with {library_model}; using {requested} means re-encoding {count} with it. "
            f"Run again with --switch-model to do that ({library_model}'s vectors are kept, so switching back "
            "is free).")


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    model: str
    languages: tuple[str, ...]  # ("*",) for many languages
    scores: str  # "softmax" (CLIP) or "sigmoid" (SigLIP)
    image_size: int
    imagenet: float | None
    xm3600: dict
    cpu_images_per_s: float | None
    note: str
    params_m: float | None = None

    @property
    def download_mb(self) -> int | None:
        """About how much the first run downloads: float32 weights, 4 bytes a parameter."""
        return round(self.params_m * 4) if self.params_m else None

    @property
    def multilingual(self) -> bool:
        return "*" in self.languages or len(self.languages) > 1

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "model": self.model, "languages": list(self.languages),
                "scores": self.scores, "image_size": self.image_size, "imagenet_zero_shot": self.imagenet,
                "xm3600_retrieval": dict(self.xm3600), "cpu_images_per_s": self.cpu_images_per_s,
                "params_m": self.params_m, "download_mb": self.download_mb, "note": self.note}


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(resources.files("photoclip.data").joinpath("models.json").read_text(encoding="utf-8"))


def presets() -> list[Preset]:
    return [Preset(p["id"], p["name"], p["model"], tuple(p["languages"]), p["scores"], p["image_size"],
                   p["imagenet"], p["xm3600"], p["cpu_images_per_s"], p["note"], p.get("params_m"))
            for p in _data()["presets"]]


def sources() -> dict:
    return dict(_data()["sources"])


def default_preset() -> Preset:
    return preset(_data()["default"])


def preset(key: str) -> Preset | None:
    """A preset by its id, its name or its model spec."""
    for p in presets():
        if key in (p.id, p.name, p.model):
            return p
    return None


def short_name(spec: str) -> str:
    """A model as the window names it: its preset's name, a model folder's own name, else the spec."""
    found = preset(spec)
    if found is not None:
        return found.name
    if spec.startswith("local-dir:"):
        return Path(spec[len("local-dir:"):]).name or spec
    return spec


def download_mb(spec: str) -> int | None:
    """About how large a model's first download is, when it is a preset with a known size."""
    found = preset(normalize_spec(spec))
    return found.download_mb if found else None


def multilingual_preset() -> Preset:
    """The preset a user who writes another language is pointed to."""
    return default_preset()


def languages(spec: str) -> list[str] | None:
    """What a model's text tower understands: a preset's languages, a model folder's "languages" (a key
    photoclip's own fixtures write into open_clip_config.json), or None when unknown."""
    found = _languages(normalize_spec(spec))
    return list(found) if found is not None else None


@lru_cache(maxsize=32)
def _languages(spec: str) -> tuple[str, ...] | None:
    """languages(), read once per model: every search asks (the language warning)."""
    found = preset(spec)
    if found is not None:
        return found.languages
    if spec.startswith("local-dir:"):
        try:
            config = json.loads((Path(spec[len("local-dir:"):]) / "open_clip_config.json").read_text())
        except (OSError, ValueError):
            return None
        value = config.get("languages")
        return tuple(str(x) for x in value) if isinstance(value, list) else None
    return None


def _non_latin_letters(text: str) -> bool:
    """Letters of a script other than Latin (CJK, kana, Hangul, Cyrillic, Arabic, Greek, Thai, ...)."""
    return any(ord(ch) > 0x24F and unicodedata.category(ch).startswith("L") for ch in text)


def language_warning(spec: str, texts) -> str | None:
    """One sentence when a model known to read English only is given words in another script, else None."""
    langs = languages(spec)
    if not langs or langs != ["en"]:
        return None
    odd = [t for t in texts if t and _non_latin_letters(t)]
    if not odd:
        return None
    better = multilingual_preset()
    return (f"The model in use understands English only, so {odd[0]!r} is read as meaningless bytes and the "
            f"results may be nonsense; the '{better.name}' model reads it (switch with: photoclip "
            f"--model {better.model} --switch-model index).")

"""Naming models: what `--model` takes and how a library records its model.  Cheap to import (no numpy, no
torch), so the CLI can check a model request before deciding where to send it."""
from __future__ import annotations

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
        from .models import preset

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

"""Search by text and by example over the vector index, answering with catalog paths."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import imageio
from .catalog import Catalog
from .encoder import Encoder
from .index import VectorIndex


class SearchError(Exception):
    """A search that cannot be answered; str(e) is one sentence for the user."""


@dataclass
class Result:
    id: int
    path: str
    score: float


def _to_results(catalog: Catalog, hits: list[tuple[int, float]]) -> list[Result]:
    paths = catalog.paths_for([i for i, _ in hits])
    return [Result(i, paths[i], round(s, 6)) for i, s in hits if i in paths]


def by_vector(catalog: Catalog, index: VectorIndex, vector: np.ndarray, limit: int,
              exclude: frozenset[int] = frozenset()) -> list[Result]:
    return _to_results(catalog, index.query(vector, limit, exclude))


def by_text(catalog: Catalog, index: VectorIndex, encoder: Encoder, query: str, limit: int = 20) -> list[Result]:
    query = query.strip()
    if not query:
        raise SearchError("The search query is empty; type what you are looking for.")
    return by_vector(catalog, index, encoder.encode_texts([query])[0], limit)


def photo_vector(catalog: Catalog, encoder: Encoder, path: str) -> tuple[np.ndarray, int | None]:
    """The vector of a photo, from the catalog when indexed, else by encoding the file (not adding it)."""
    photo = catalog.photo_by_path(path)
    if photo is not None:
        vec = catalog.vector(photo.id, encoder.model_id)
        if vec is not None:
            return vec / max(float(np.linalg.norm(vec)), 1e-12), photo.id
    if not os.path.lexists(path):
        raise SearchError(f"There is no file at {path}.")
    try:
        decoded, _digest, _st = imageio.load(path, max(encoder.input_size, 64))
    except imageio.PhotoError as e:
        raise SearchError(f"{path} cannot be read as a photo: {e}.") from None
    return encoder.encode_images([encoder.preprocess(decoded.image)])[0], (photo.id if photo else None)


def similar(catalog: Catalog, index: VectorIndex, encoder: Encoder, path: str, limit: int = 20) -> list[Result]:
    path = os.path.abspath(path)
    vec, own_id = photo_vector(catalog, encoder, path)
    exclude = frozenset({own_id}) if own_id is not None else frozenset()
    results = by_vector(catalog, index, vec, limit + 1, exclude)
    return [r for r in results if r.path != path][:limit]

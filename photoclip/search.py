"""Search by text and by example over the vector index, answering with catalog paths."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from . import imageio
from .catalog import Catalog
from .encoder import Encoder
from .index import VectorIndex
from . import scoring, textsearch, videoframes
from .errors import PhotoclipError


class SearchError(PhotoclipError):
    """A search that cannot be answered as written; str(e) is one sentence for the user (exit status 2, like
    every error in the search language)."""
    usage = True


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


# -- the search box: words, negatives, examples, filters, a relevance cut-off, date order ---------------
CANDIDATES = 1000  # how deep a ranked search looks before the cut-off (and the "less relevant" rest)
EXACT_FILTERED = 20_000  # a filter that keeps fewer photos than this is searched exactly, not through the graph


@dataclass
class Answer:
    results: list[Result]  # best first (or newest first with sort="date")
    hidden: int  # matches past the relevance cut-off (0 when all were asked for)
    taken: dict[int, str | None]
    warning: str | None = None  # words the model cannot read (models.language_warning)
    # False: nothing matched clearly, and `results` are only the closest photos (said as such everywhere)
    clear: bool = True
    matched: dict[int, str] = field(default_factory=dict)  # photo id -> the line of its text that matched
    durations: dict[int, float] = field(default_factory=dict)  # video id -> its length in seconds
    at: dict[int, float] = field(default_factory=dict)  # video id -> the time of the frame that matched

    def as_json(self) -> dict:
        out = {"results": [{"id": r.id, "path": r.path, "score": r.score, "taken": self.taken.get(r.id),
                            **({"matched_text": self.matched[r.id]} if r.id in self.matched else {}),
                            **({"duration": self.durations[r.id]} if r.id in self.durations else {}),
                            **({"at": round(self.at[r.id], 3)} if r.id in self.at else {})}
                           for r in self.results],
               "hidden": self.hidden, "clear": self.clear}
        if self.warning:
            out["warning"] = self.warning
        return out


def run(catalog: Catalog, index: VectorIndex, encoder: Encoder, text: str, limit: int = 20,
        show_all: bool = False, sort: str = "relevance", base: str | None = None) -> Answer:
    """Answer one line of the search box (query.py's language); relative paths in it are relative to `base`."""
    from .query import parse

    q = parse(text, base)
    if not q.ranks and not q.has_filters:
        raise SearchError("The search query is empty; type what you are looking for." if not q.negatives else
                          "A search needs something to look for besides what to leave out.")
    for name in q.albums + q.not_albums:
        if not catalog.album_rows(name):
            raise SearchError(f"There is no album named {name!r}; see photoclip albums list.")
    q.person_ids = [_person_id(catalog, name) for name in q.persons]
    q.not_person_ids = [_person_id(catalog, name) for name in q.not_persons]
    from .models import language_warning

    warning = language_warning(encoder.model_id, [q.text, *q.negatives])
    allowed = catalog.filtered(q) if q.has_filters else None
    if not q.ranks:  # filters only: the matching photos, newest first
        rows = allowed[:limit]
        matched = textsearch.line_with(catalog, [i for i, _, _ in rows], q.texts) if q.texts else {}
        return Answer([Result(i, p, None) for i, p, _ in rows], 0, {i: t for i, _, t in rows}, warning,
                      matched=matched, durations=catalog.durations([i for i, _, _ in rows]))
    vector, own = _query_vector(catalog, encoder, q)
    depth = max(limit, CANDIDATES)
    allowed_ids = None if allowed is None else {i for i, _, _ in allowed}
    hits = _candidates(catalog, index, vector, allowed_ids, depth, own)
    # Videos by their best frame (videoframes.py): scored above their poster, or joining the candidates.
    frames = videoframes.best(catalog, index.model_id, vector, allowed_ids, depth)
    hits, at = videoframes.merge(hits, frames, own)
    hits = hits[:depth]
    relevant, hidden, kept = _relevant(catalog, encoder, q, hits, show_all, {i: frames[i][2] for i in at})
    # The query's words written in photos (textsearch.py): they join, merged by rank with CLIP's answer.
    pushed_out = {i for i, _ in hits} - {i for i, _ in kept}  # what a negative explained better
    text_hits = [(i, line) for i, line in (textsearch.matches(catalog, q.text, allowed_ids) if q.text else [])
                 if i not in own and i not in pushed_out]
    clear = bool(relevant) or bool(text_hits) or not kept
    if not clear:  # nothing clears the cut-off: show the closest, and say that they are only that
        relevant, hidden = kept, 0
    matched = dict(text_hits)
    if text_hits:
        relevant, hidden = _fused(catalog, index.model_id, vector, relevant, hidden, [i for i, _ in text_hits])
    if q.texts:
        matched = {**textsearch.line_with(catalog, [i for i, _ in relevant[:limit]], q.texts), **matched}
    results = _to_results(catalog, relevant[:limit])
    taken = catalog.taken([r.id for r in results])
    if sort == "date":
        results.sort(key=lambda r: r.path)  # newest first, then by path (as the catalog lists photos)
        results.sort(key=lambda r: taken.get(r.id) or "", reverse=True)
    # `hidden`: what the relevance cut-off left out that --all (the app's "Show N less relevant") would add
    # within the same limit; relevant matches past the limit are not "less relevant" and are not counted.
    hidden = min(hidden, max(0, limit - len(results)))
    durations = catalog.durations([r.id for r in results])
    return Answer(results, hidden, taken, warning, clear, matched, durations,
                  {i: t for i, t in at.items() if i in durations})


def _person_id(catalog: Catalog, name: str) -> int:
    """A person:NAME of the search box: a name (any case), or "Person N" / N for someone not named yet."""
    pid = catalog.person_named(name)
    if pid is None:
        m = re.fullmatch(r"(?:person\s*)?#?(\d+)", name.strip(), re.I)
        if m and catalog.person(int(m[1])) is not None:
            return int(m[1])
        raise SearchError(f"There is no person named {name!r}; see photoclip people.")
    return pid


def _fused(catalog, model, vector, relevant, hidden, text_ids) -> tuple[list[tuple[int, float]], int]:
    """CLIP's relevant photos and the text matches in one ranking (textsearch.fuse), each with its CLIP
    score; the text matches the cut-off had hidden are no longer counted as hidden."""
    order = textsearch.fuse(relevant, text_ids)
    scores = dict(relevant)
    joined = len([i for i in text_ids if i not in scores])  # counted before the scores of those join
    missing = [i for i in order if i not in scores]
    if missing:
        ids, mat = catalog.vectors_for(model, missing)
        scores.update({int(i): float(s) for i, s in zip(ids, mat @ vector)})
    return [(i, round(scores[i], 6)) for i in order if i in scores], max(0, hidden - joined)


def _query_vector(catalog: Catalog, encoder: Encoder, q) -> tuple[np.ndarray, set[int]]:
    """The words and the example photos together: the normalised sum of their normalised vectors."""
    parts, own = [], set()
    if q.text:
        parts.append(encoder.encode_texts([q.text])[0])
    for path in q.likes:
        if not os.path.isfile(path):
            raise SearchError(f"like:{path} is not a photo file.")
        vec, photo_id = photo_vector(catalog, encoder, path)
        parts.append(vec)
        if photo_id is not None:
            own.add(photo_id)
    v = np.sum(parts, axis=0)
    return v / max(float(np.linalg.norm(v)), 1e-12), own


def _candidates(catalog, index, vector, allowed: set[int] | None, k, exclude) -> list[tuple[int, float]]:
    """The `k` nearest photos, among the ids `allowed` by the query's filters (None: any)."""
    if allowed is not None and len(allowed) <= EXACT_FILTERED:  # small filtered set: exact, nothing missed
        ids, mat = catalog.vectors_for(index.model_id, sorted(allowed))
        if not len(ids):
            return []
        scores = mat @ vector
        order = np.argsort(-scores)
        return [(int(ids[j]), float(scores[j])) for j in order if int(ids[j]) not in exclude][:k]
    return index.query(vector, k, frozenset(exclude), keep=allowed)


def _relevant(catalog, encoder, q, hits, show_all, frame_vecs: dict | None = None
              ) -> tuple[list[tuple[int, float]], int, list[tuple[int, float]]]:
    """Push out what the negatives name, then cut off what does not clearly match (unless show_all).

    Each candidate is scored as in CLIP's zero-shot classification (scoring.py, as albums are): a softmax (the
    model's logit scale) over the query, each negative and the generic BACKGROUND prompts ("a photo", ...).  A photo that a negative explains
    better than the query leaves the results.  The cut-off is that probability: the photos the query
    explains clearly better than generic prompts stay; the threshold is the gap in this query's own score
    distribution (Otsu), kept within CUTOFF_RANGE.  Queries of example photos alone have no text to weigh
    against generic prompts, so they are not cut off.  A video matched by a frame is weighed by that frame's
    vector (`frame_vecs`).  Returns (relevant, how many the cut-off hid, the candidates the negatives left)."""
    if not hits:
        return [], 0, []
    sigmoid = scoring.is_sigmoid(encoder)
    if not q.negatives and not q.text:
        return hits, 0, hits
    found, mat = catalog.vectors_for(encoder.model_id, [i for i, _ in hits])
    row = {int(i): n for n, i in enumerate(found)}
    hits = [h for h in hits if h[0] in row]
    mat = mat[[row[i] for i, _ in hits]]
    for n, (i, _s) in enumerate(hits):
        if frame_vecs and i in frame_vecs:
            mat[n] = frame_vecs[i]
    cos = np.array([[s] for _, s in hits], dtype=np.float32)
    neg = mat @ encoder.encode_texts(q.negatives).T if q.negatives else np.zeros((len(hits), 0), np.float32)
    background = mat @ scoring.background_texts(encoder).T if q.text and not sigmoid else None
    p_query, p_neg = scoring.zero_shot(encoder, cos, neg, background)
    keep = p_neg <= p_query if q.negatives else np.ones(len(hits), bool)
    if q.text and not show_all:
        relevant = keep.copy()
        relevant[keep] = scoring.relevance_cut(p_query[keep], sigmoid)[0]
        kept = [h for h, k in zip(hits, keep) if k]
        return [h for h, k in zip(hits, relevant) if k], int((keep & ~relevant).sum()), kept
    kept = [h for h, k in zip(hits, keep) if k]
    return kept, 0, kept

"""Smart albums: zero-shot classifiers built from prompts by prompt ensembling, with user feedback.

How an album decides (also in the README):
  1. Each prompt becomes a class embedding: it is written into every template of the album's template set
     ("a photo of {}.", ...), each text is encoded and normalised, the results are averaged and normalised
     again (the CLIP paper's prompt ensembling; identical to open_clip's build_zero_shot_classifier).
  2. A photo's score is the probability, under CLIP's own softmax (the model's logit scale), that it shows
     one of the album's prompts rather than one of its negative prompts or a generic background prompt
     ("a photo", "a picture of something", ...).  It is a number in [0, 1] shown with every member.
     SigLIP-style models (a learned logit bias, a sigmoid per image-text pair) give each prompt its own
     probability: the score is the best prompt's sigmoid(scale * cos + bias), times the chance that no
     negative prompt matches (1 - the best negative's); no background prompts are needed.
  3. Feedback moves the score: photos marked "belongs"/"doesn't belong" act as a cache of labelled examples
     (Tip-Adapter's idea) that pull look-alike photos up or push them down; marked photos themselves are
     always in / always out, whatever the classifier says.
  4. The default threshold is calibrated per album from the library's own score distribution (Otsu's
     split of the scores, cut in the middle of the
     gap between the two groups and kept within [0.3, 0.9]), because no single number works for every prompt.
     A threshold the user sets replaces it.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Sequence

import numpy as np

from . import imageio
from .catalog import Catalog
from .encoder import Encoder
from .scanner import is_within
from . import scoring
from .errors import PhotoclipError
from .scoring import calibrated_threshold

log = logging.getLogger(__name__)

FEEDBACK_WEIGHT = 4.0  # how far one marked photo moves a look-alike's log-odds
FEEDBACK_SHARPNESS = 8.0  # how fast that pull fades with image-image distance
def _data() -> dict:
    return json.loads(resources.files("photoclip.data").joinpath("albums.json").read_text())


def template_set(name: str) -> Sequence:
    if name == "imagenet":
        from open_clip.zero_shot_metadata import OPENAI_IMAGENET_TEMPLATES

        return OPENAI_IMAGENET_TEMPLATES
    sets = _data()["templates"]
    if name not in sets:
        raise AlbumError(f"Unknown template set {name!r}; use one of: {', '.join([*sets, 'imagenet'])}.")
    return sets[name]


def starter_albums(language: str = "en", multilingual_model: bool = True) -> list[dict]:
    """The ready-made albums.  In Chinese ("zh"), each gets its Chinese name, and for a model that reads
    Chinese its Chinese prompts too (with Chinese templates); an English-only model keeps the English prompts."""
    out = []
    for a in _data()["starter_albums"]:
        if language.startswith("zh"):
            zh = a["zh"]
            prompts, negatives = (zh["prompts"], zh["negatives"]) if multilingual_model else (a["prompts"], a["negatives"])
            out.append({"name": zh["name"], "prompts": prompts, "negatives": negatives,
                        "templates": "personal_zh" if multilingual_model else "personal"})
        else:
            out.append({"name": a["name"], "prompts": a["prompts"], "negatives": a["negatives"],
                        "templates": "personal"})
    return out


def default_templates(prompts: Sequence[str]) -> str:
    """The template set for new prompts: Chinese templates for prompts written in Chinese."""
    return "personal_zh" if any("\u4e00" <= ch <= "\u9fff" for p in prompts for ch in p) else "personal"


def ensemble(encoder: Encoder, names: Sequence[str], templates: Sequence) -> np.ndarray:
    """One class embedding per name: normalised mean of the normalised template embeddings."""
    texts = [t(n) if callable(t) else t.format(n) for n in names for t in templates]
    emb = encoder.encode_texts(texts).reshape(len(names), len(templates), -1).mean(axis=1)
    return emb / np.linalg.norm(emb, axis=1, keepdims=True)


class AlbumError(PhotoclipError):
    """str(e) is one sentence for the user."""


@dataclass
class Album:
    id: int
    name: str
    prompts: list[str]
    negatives: list[str]
    threshold: float | None  # set by the user, or None
    calibrated: float | None  # the automatic threshold from the last full pass
    templates: str
    text_any: list[str] = field(default_factory=list)  # a photo whose text contains any of these belongs too
    people_all: list[int] = field(default_factory=list)  # a photo belongs only if all these people are in it

    @property
    def effective_threshold(self) -> float:
        if self.threshold is not None:
            return self.threshold
        return self.calibrated if self.calibrated is not None else 0.5


class Albums:
    """Album logic over the catalog.  Writes (create, edit, remove, mark, retag, tag_photos) run on the
    library service's worker when one runs; reads (scores, members, counts) run anywhere."""

    def __init__(self, catalog: Catalog, encoder: Encoder, clock: Callable[[], float] = time.time):
        self.catalog = catalog
        self.encoder = encoder
        self.clock = clock
        self._texts: dict[tuple[str, str, str], np.ndarray] = {}  # computed where the catalog may not be written

    @property
    def model(self) -> str:
        return self.encoder.model_id

    # -- text embeddings, cached per model, prompt and template set ---------------------------------
    def class_embeddings(self, prompts: Sequence[str], templates: str) -> np.ndarray:
        out = {p: v for p in prompts if (v := self._texts.get((self.model, templates, p))) is not None}
        out.update(self.catalog.cached_texts(self.model, templates, [p for p in prompts if p not in out]))
        missing = [p for p in dict.fromkeys(prompts) if p not in out]
        if missing:
            fresh = dict(zip(missing, ensemble(self.encoder, missing, template_set(templates))))
            if self.catalog.may_write():
                self.catalog.cache_texts(self.model, templates, fresh)
            else:  # e.g. the album dialog's live preview on a reader thread: kept in memory for this object only
                # (the service's worker computes and stores its own when it needs them)
                self._texts.update({(self.model, templates, p): v for p, v in fresh.items()})
            out.update(fresh)
        return np.stack([out[p] for p in prompts]).astype(np.float32)

    # -- albums -------------------------------------------------------------------------------------
    @staticmethod
    def _album(r: dict) -> Album:
        return Album(r["id"], r["name"], r["prompts"], r["negatives"], r["threshold"], r["calibrated"],
                     r["templates"], r.get("text_any") or [], r.get("people_all") or [])

    def all(self) -> list[Album]:
        return [self._album(r) for r in self.catalog.album_rows()]

    def get(self, name: str) -> Album:
        rows = self.catalog.album_rows(name)
        if not rows:
            raise AlbumError(f"There is no album named {name!r}; see photoclip albums list.")
        return self._album(rows[0])

    def create(self, name: str, prompts: Sequence[str], negatives: Sequence[str] = (),
               threshold: float | None = None, templates: str | None = None, text_any: Sequence[str] = (),
               people: Sequence[str] = ()) -> Album:
        name = name.strip()
        text_any = _text_terms(text_any)
        people_all = self._people_ids(people)
        prompts = [p.strip() for p in prompts if p.strip()]
        templates = templates or default_templates(prompts)
        negatives = [n.strip() for n in negatives if n.strip()]
        if not name:
            raise AlbumError("An album needs a name.")
        if not prompts:
            raise AlbumError("An album needs at least one prompt (--prompt TEXT).")
        _check_threshold(threshold)
        template_set(templates)
        if self.catalog.album_rows(name):
            raise AlbumError(f"An album named {name!r} already exists; use photoclip albums edit.")
        with self.catalog.write():  # the album and its members appear together
            self.catalog.insert_album(name, prompts, negatives, threshold, templates, self.clock(), text_any,
                                      people_all)
            return self.retag(self.get(name))

    def edit(self, name: str, prompts: Sequence[str] | None = None, negatives: Sequence[str] | None = None,
             threshold: float | None | str = "keep", text_any: Sequence[str] | None = None,
             people: Sequence[str] | None = None) -> Album:
        album = self.get(name)
        if text_any is not None:
            album.text_any = _text_terms(text_any)
        if people is not None:
            album.people_all = self._people_ids(people)
        if prompts is not None:
            album.prompts = [p.strip() for p in prompts if p.strip()] or album.prompts
        if negatives is not None:
            album.negatives = [n.strip() for n in negatives if n.strip()]
        if threshold != "keep":
            _check_threshold(threshold)
            album.threshold = threshold
        with self.catalog.write():
            self.catalog.update_album(album.id, album.prompts, album.negatives, album.threshold, album.text_any,
                                      album.people_all)
            return self.retag(album)

    def remove(self, name: str) -> None:
        self.catalog.delete_album(self.get(name).id)

    # -- scoring ------------------------------------------------------------------------------------
    @property
    def sigmoid(self) -> bool:
        """A SigLIP-style model: each prompt scored on its own (see the module's docstring)."""
        return self.encoder.logit_bias is not None

    def _classes(self, album: Album) -> tuple[np.ndarray, int]:
        texts = [*album.prompts, *album.negatives, *([] if self.sigmoid else scoring.BACKGROUND)]
        return self.class_embeddings(texts, album.templates), len(album.prompts)

    def _feedback(self, album: Album) -> tuple[dict[int, bool], np.ndarray, np.ndarray]:
        marks = self.catalog.feedback(album.id) if album.id >= 0 else {}
        ids, vecs = self.catalog.vectors_for(self.model, list(marks))
        signs = np.array([1.0 if marks[int(i)] else -1.0 for i in ids], dtype=np.float32)
        return marks, vecs, signs

    def score(self, album: Album, vectors: np.ndarray, feedback=None) -> np.ndarray:
        """Membership probability in [0, 1] for each row of `vectors` (one vectorised pass)."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        classes, n_pos = self._classes(album)
        sims = vectors @ classes.T
        n_neg = len(album.negatives)
        p_pos, p_neg = scoring.zero_shot(self.encoder, sims[:, :n_pos], sims[:, n_pos:n_pos + n_neg],
                                         None if self.sigmoid else sims[:, n_pos + n_neg:])
        # Softmax: the prompts' share against negatives and background; sigmoid: a prompt matches and no
        # negative does.
        p = p_pos * (1.0 - p_neg) if self.sigmoid else p_pos
        _, fb_vecs, signs = feedback if feedback is not None else self._feedback(album)
        if len(signs):
            p = np.clip(p, 1e-6, 1 - 1e-6)
            log_odds = np.log(p / (1 - p))
            affinity = np.exp(-FEEDBACK_SHARPNESS * (1.0 - vectors @ fb_vecs.T))
            p = 1.0 / (1.0 + np.exp(-(log_odds + FEEDBACK_WEIGHT * affinity @ signs)))
        return p.astype(np.float32)

    def scores_of(self, album: Album, ids: np.ndarray, vecs: np.ndarray, feedback=None) -> np.ndarray:
        """`score` of each photo, where a video scores as its best sampled frame (or its poster, if better),
        as a search finds it."""
        feedback = feedback if feedback is not None else self._feedback(album)
        scores = self.score(album, vecs, feedback)
        owners, frames = self.catalog.frame_vectors(self.model, ids.tolist()) if len(ids) else ([], None)
        if len(owners):
            row = {int(i): n for n, i in enumerate(ids)}
            for owner, s in zip(owners.tolist(), self.score(album, frames, feedback).tolist()):
                scores[row[owner]] = max(scores[row[owner]], s)
        return scores

    def library_scores(self, album: Album) -> tuple[np.ndarray, np.ndarray]:
        """(photo ids, scores) over every searchable photo: what the threshold slider previews."""
        ids, vecs = self.catalog.vectors_for(self.model)
        return ids, self.scores_of(album, ids, vecs)

    def retag(self, album: Album) -> Album:
        """Re-decide membership for the whole library and rewrite the album's tags in one transaction.

        Reading the vectors and writing the tags happen inside one write transaction, so no photo indexed
        meanwhile can be lost from the album (the writer that indexes it waits, then tags it itself)."""
        with self.catalog.write():
            marks, fb_vecs, signs = self._feedback(album)
            ids, vecs = self.catalog.vectors_for(self.model)
            scores = self.scores_of(album, ids, vecs, (marks, fb_vecs, signs))
            if len(scores):
                album.calibrated = calibrated_threshold(scores, self.sigmoid)
            self.catalog.set_album_members(album.id, self._decide(album, ids, scores, marks), album.calibrated)
        return album

    def text_hits(self, album: Album) -> set[int]:
        """Photos whose recognised text contains any of the album's text words (its text rule)."""
        from .textnorm import normalize

        hits: set[int] = set()
        for term in album.text_any:
            hits |= self.catalog.text_contains(normalize(term))
        return hits

    def _people_ids(self, people: Sequence[str]) -> list[int]:
        """Person ids for names (any case) or numbers; AlbumError names the first unknown one."""
        ids = []
        for ref in people:
            ref = str(ref).strip()
            if not ref:
                continue
            pid = self.catalog.person_named(ref)
            if pid is None and ref.lstrip("#").isdigit() and self.catalog.person(int(ref.lstrip("#"))):
                pid = int(ref.lstrip("#"))
            if pid is None:
                raise AlbumError(f"There is no person named {ref!r}; see photoclip people.")
            ids.append(pid)
        return sorted(set(ids))

    def people_names(self, album: Album) -> list[str]:
        return [(p or {}).get("name") or f"#{i}" for i in album.people_all for p in [self.catalog.person(i)]]

    def _decide(self, album: Album, ids: np.ndarray, scores: np.ndarray, marks: dict[int, bool]):
        keep = scores >= album.effective_threshold
        said = self.text_hits(album) if album.text_any else set()
        present = self.catalog.photos_with_people(album.people_all) if album.people_all else None
        out = []
        for i, s, k in zip(ids.tolist(), scores.tolist(), keep.tolist()):
            auto = (k or i in said) and (present is None or i in present)
            if marks.get(i, auto):  # feedback wins over the classifier and the text and people rules
                out.append((i, round(s, 6)))
        return out

    def tag_text(self, photo_id: int) -> None:
        """A photo's text has just been read: the albums with text rules decide about it again (the others'
        decisions do not depend on text)."""
        self.tag_photos([photo_id], [a for a in self.all() if a.text_any])

    def tag_people(self, photo_id: int | None) -> None:
        """A photo's faces arrived (None: people changed anywhere): the albums with people rules decide again."""
        albums = [a for a in self.all() if a.people_all]
        if not albums:
            return
        if photo_id is None:
            for album in albums:
                self.retag(album)
        else:
            self.tag_photos([photo_id], albums)

    def tag_photos(self, photo_ids: Sequence[int], albums: Sequence[Album] | None = None) -> None:
        """Tag newly indexed (or re-encoded) photos in every album (or in `albums`), as they arrive."""
        albums = self.all() if albums is None else albums
        if not albums or not photo_ids:
            return
        ids, vecs = self.catalog.vectors_for(self.model, photo_ids)
        if not len(ids):
            return
        decisions = []
        for album in albums:
            try:
                marks, fb_vecs, signs = self._feedback(album)
                members = self._decide(album, ids, self.scores_of(album, ids, vecs, (marks, fb_vecs, signs)), marks)
            except Exception:  # one album's problem must not fail indexing, nor the other albums' tags
                log.exception("album %r could not tag %d new photos; its next edit retags them", album.name,
                              len(ids))
                continue
            decisions.append((album.id, ids.tolist(), members))
        self.catalog.retag_photos(decisions)

    # -- feedback, listing, export ------------------------------------------------------------------
    def mark(self, name: str, paths: Sequence[str], belongs: bool) -> Album:
        """The user says these photos belong (or not): one transaction, one retag, however many photos."""
        album = self.get(name)
        ids = []
        for path in paths:
            photo = self.catalog.photo_by_path(os.path.abspath(path))
            if photo is None or self.catalog.vector(photo.id, self.model) is None:
                raise AlbumError(f"{path} is not an indexed photo of the library.")
            ids.append(photo.id)
        with self.catalog.write():
            for photo_id in ids:
                self.catalog.set_feedback(album.id, photo_id, belongs)
            return self.retag(album)

    def count(self, album: Album) -> int:
        return self.catalog.album_counts().get(album.id, 0)

    def member_rows(self, name: str) -> list[tuple[int, str, float]]:
        """(photo id, path, score) of the album's visible members, best first."""
        return self.catalog.album_members(self.get(name).id)

    def members(self, name: str) -> list[tuple[str, float]]:
        return [(path, score) for _id, path, score in self.member_rows(name)]

    def albums_of(self, photo_id: int) -> list[tuple[str, float]]:
        return self.catalog.albums_of(photo_id)

    def export(self, name: str, dest: str, mode: str = "copy") -> dict:
        """Copy (or symlink) the album's photos into `dest`, as a sync: a photo already there (same content)
        is left alone, so exporting again adds only what is new.  The originals are only read; only regular
        files whose size still matches the catalog are copied, through a temporary name, so no partial file
        is ever left.  Returns {"exported": [...], "unchanged": N, "skipped": [{"path", "reason"}]}."""
        if mode not in ("copy", "symlink"):
            raise AlbumError("Export needs --copy or --symlink.")
        album = self.get(name)
        dest = os.path.abspath(os.path.expanduser(dest))
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise AlbumError(f"{dest} is a file, not a folder; export needs a folder to copy into.")
        for folder in self.catalog.folders():
            if is_within(dest, folder["path"]):
                raise AlbumError(f"{dest} is inside the library folder {folder['path']}; the exported copies would "
                                 "join the library and the album again. Choose a folder outside the library.")
        data = str(self.catalog.path.parent)
        if is_within(dest, data) or is_within(data, dest):
            raise AlbumError(f"{dest} is photoclip's own data folder (or holds it); choose another folder.")
        try:
            os.makedirs(dest, exist_ok=True)
        except OSError as e:
            raise AlbumError(f"The folder {dest} cannot be made ({e.strerror or e}); choose another one.") from None
        out = {"exported": [], "unchanged": 0, "skipped": []}
        for photo_id, path, _score in self.catalog.album_members(album.id):
            photo = self.catalog.photo(photo_id)
            try:
                target = _export_one(path, photo, dest, mode)
            except _Skip as e:
                out["skipped"].append({"path": path, "reason": str(e)})
                continue
            if target is None:
                out["unchanged"] += 1
            else:
                out["exported"].append(target)
        return out


class _Skip(Exception):
    """Why one photo was not exported: one sentence."""


def _export_one(path: str, photo, dest: str, mode: str) -> str | None:
    """Export one photo; returns the new file's path, or None when the same content is already there."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise _Skip(f"cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _Skip("not a regular file any more (a link to a device, a pipe or a folder?)")
    if photo is not None and photo.size is not None and st.st_size != photo.size:
        raise _Skip("changed since it was indexed (its size differs); run photoclip index first")
    stem, ext = os.path.splitext(os.path.basename(path))
    n = 1
    while True:
        target = os.path.join(dest, f"{stem}{ext}" if n == 1 else f"{stem} ({n}){ext}")
        if not os.path.lexists(target):
            break
        if _same_content(target, path, st, photo, mode):
            return None
        n += 1
    if mode == "symlink":
        os.symlink(path, target)
        return target
    fd, tmp = tempfile.mkstemp(prefix=".photoclip-export-", suffix=".tmp", dir=dest)  # short: names may be long
    try:
        # The temporary file's descriptor is owned first, so a source that cannot be opened never leaks it.
        with os.fdopen(fd, "wb") as out, imageio.open_readonly(path)[0] as src:
            remaining = st.st_size
            while remaining > 0:  # never more than the catalog says the photo holds
                chunk = src.read(min(1 << 20, remaining))
                if not chunk:
                    raise _Skip("became shorter while it was copied")
                out.write(chunk)
                remaining -= len(chunk)
            if src.read(1):
                raise _Skip("grew while it was copied")
        shutil.copystat(path, tmp)
        os.replace(tmp, target)
    except (OSError, imageio.PhotoError) as e:
        raise _Skip(f"could not be copied ({getattr(e, 'strerror', None) or e})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


def _same_content(target: str, path: str, st: os.stat_result, photo, mode: str) -> bool:
    if mode == "symlink":
        return os.path.islink(target) and os.readlink(target) == path
    try:
        if os.path.islink(target) or os.path.getsize(target) != st.st_size:
            return False
        with open(target, "rb") as f:
            digest = imageio.file_hash(f)
    except OSError:
        return False
    if photo is not None and photo.hash:
        return digest == photo.hash
    with open(path, "rb") as f:
        return digest == imageio.file_hash(f)


def _text_terms(terms: Sequence[str]) -> list[str]:
    return [t.strip() for t in dict.fromkeys(terms) if t and t.strip()]


def _check_threshold(threshold) -> None:
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise AlbumError("A threshold is a score between 0 and 1.")

"""Duplicate photos: exact copies (the same content) and near-duplicates (the same picture resized, recompressed
or lightly cropped), found from the vectors through the HNSW graph, never by comparing all pairs.

A near-duplicate needs three witnesses that agree.  The model's vectors say the two pictures mean the same (the
cosine of one photo and one of its NEIGHBOURS nearest is at least NEAR_COSINE); their stored colour fingerprints
say they have about the same colours (imageio.fingerprint_distance at most NEAR_LOOK, loose enough for a
brightened or re-toned copy); and a finer look at the two files says every part of one is in the other
(imageio.structure_similarity at least NEAR_STRUCTURE), which another shot of the same scene, a burst frame
with the subject moved or the camera panned, is not.  Vectors alone would group different shots of one scene
(the toy test model scores two different snow scenes 0.9995, above a resized copy at 0.9989; real models put
burst shots above 0.95).  Pixels alone would need every pair; the finer look reads only the candidates' files.

The best copy of a group is the largest (pixels, then bytes), then the oldest, and never a symbolic link; a
photo's score is its cosine to the best copy (1.0 for exact copies).

What may be pre-selected for the trash is decided here, once, for every front end: only a byte-identical copy
(`exact`) of a file that stays, and never a link (a symbolic link, or a hard link to the same file, frees no
space and can be the only name of a kept photo).  A near-duplicate differs in bytes, so a person decides it by
looking; it is never pre-selected.
"""
from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from . import imageio
from .catalog import Catalog
from .index import VectorIndex

log = logging.getLogger(__name__)

NEIGHBOURS = 6
NEAR_COSINE = 0.90
NEAR_LOOK = 30.0  # RMS colour difference (0-255) on the fingerprint grid: re-toned copies reach ~24, others ~100
NEAR_STRUCTURE = 0.70  # copies score >= 0.76, other shots <= 0.35 (benchmarks/bench_duplicates.py --near)


@dataclass
class Copy:
    id: int
    path: str
    size: int | None
    width: int | None
    height: int | None
    taken: str | None
    mtime_ns: int | None = None
    hash: str | None = None
    score: float = 1.0
    best: bool = False
    exact: bool = False  # byte-identical to a copy in the group that stays
    link: bool = False  # a symbolic link, or another name (hard link) of a file in the group: frees nothing
    paired: bool = False  # it shows a RAW+JPEG pair: its RAW would be left alone without it

    @property
    def preselect(self) -> bool:
        """The only copies a front end may check for the trash before the user does."""
        return self.exact and not self.link and not self.best and not self.paired

    @property
    def frees(self) -> int:
        return 0 if self.link else (self.size or 0)


@dataclass
class Group:
    kind: str  # "exact": every copy has the same content; "near": some differ in bytes but look the same
    photos: list[Copy] = field(default_factory=list)  # the best copy first

    @property
    def extras(self) -> list[Copy]:
        return [c for c in self.photos if not c.best]


def looks_alike(a, b) -> bool:
    """The near test's last two witnesses on two decoded pictures: about the same colours, then every part of one
    in the other.  What find() asks of a candidate pair (there with the stored fingerprints, all pairs at once);
    the calibration test and bench_duplicates.py ask it of drawn pictures."""
    if imageio.fingerprint_distance(imageio.fingerprint(a.convert("RGB")), imageio.fingerprint(b.convert("RGB"))) \
            > NEAR_LOOK:
        return False
    return _same_structure(imageio.structure_source(a), imageio.structure_source(b))


def _same_structure(la, lb) -> bool:
    return imageio.structure_similarity(la, lb) >= NEAR_STRUCTURE


def _read_structure(path: str):
    """The picture as imageio.structure_similarity compares it (None if it cannot be read now)."""
    try:
        f, _st = imageio.open_readonly(path)
        with f:
            img = imageio.decode(f, 2 * imageio.STRUCTURE_SIZE).image
    except imageio.PhotoError as e:
        log.info("cannot compare %r: %s", path, e)
        return None
    return imageio.structure_source(img)


def _read_fingerprint(path: str) -> bytes | None:
    """The fingerprint of a photo indexed before fingerprints were kept (None if it cannot be read now)."""
    try:
        f, _st = imageio.open_readonly(path)
        with f:
            return imageio.fingerprint(imageio.decode(f, 64).image)
    except imageio.PhotoError as e:
        log.info("no fingerprint for %r: %s", path, e)
        return None


class _Sets:
    """Union-find over photo ids."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find(catalog: Catalog, index: VectorIndex, model: str, *, read_fingerprint=_read_fingerprint,
         read_structure=_read_structure) -> list[Group]:
    """Every group of two or more copies among the visible photos, largest groups first."""
    facts = {row[0]: row for row in catalog.duplicate_facts(model)}
    if len(facts) < 2:
        return []
    sets = _Sets()
    same_content: dict[str, list[int]] = defaultdict(list)
    for pid, row in facts.items():
        if row[2]:
            same_content[row[2]].append(pid)
    for members in same_content.values():
        for other in members[1:]:
            sets.union(members[0], other)
    # One photo per content stands for all its copies (they share one vector).
    stand_in = {pid: pid for pid, row in facts.items() if not row[2]}
    for members in same_content.values():
        chosen = next((m for m in members if facts[m][7]), members[0])
        stand_in.update(dict.fromkeys(members, chosen))
    ids, vectors = catalog.vectors_for(model, sorted(set(stand_in.values())))
    row = {int(i): r for r, i in enumerate(ids)}

    def vector(pid: int) -> np.ndarray:
        return vectors[row[stand_in[pid]]]

    for a, b in _look_alike(facts, *index.neighbours(ids, vectors, NEIGHBOURS), ids, read_fingerprint,
                            read_structure):
        sets.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for pid in facts:
        members[sets.find(pid)].append(pid)
    paired = catalog.pair_shown()
    groups = [_group(facts, ids_, vector, paired) for ids_ in members.values() if len(ids_) > 1]
    groups.sort(key=lambda g: (-len(g.photos), g.photos[0].path))
    return groups


def _look_alike(facts: dict, labels: np.ndarray, sims: np.ndarray, ids: np.ndarray,
                read_fingerprint, read_structure) -> list[tuple[int, int]]:
    """The neighbour pairs close enough in meaning whose fingerprints agree and whose files pass the finer look."""
    rows, cols = np.nonzero(sims >= NEAR_COSINE)
    pairs = np.stack([ids[rows], labels[rows, cols]], axis=1) if len(rows) else np.zeros((0, 2), np.int64)
    pairs = pairs[np.isin(pairs[:, 1], np.fromiter(facts, np.int64, len(facts)))]
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)  # each pair once, whichever side found it
    if not len(pairs):
        return []
    prints = {}
    for pid in np.unique(pairs).tolist():
        stored = facts[pid][7]
        prints[pid] = stored if stored and len(stored) == imageio.FINGERPRINT_BYTES else read_fingerprint(facts[pid][1])
    known = np.array([prints[a] is not None and prints[b] is not None for a, b in pairs.tolist()], bool)
    pairs = pairs[known]
    if not len(pairs):
        return []

    def side(col: int) -> np.ndarray:
        return np.frombuffer(b"".join(prints[p] for p in pairs[:, col].tolist()), np.uint8).reshape(len(pairs), -1)

    close = imageio.fingerprint_distances(side(0), side(1)) <= NEAR_LOOK
    looks: dict[int, object] = {}

    def look(pid: int):
        if pid not in looks:
            looks[pid] = read_structure(facts[pid][1])
        return looks[pid]

    out = []
    for a, b in pairs[close].tolist():
        if facts[a][2] and facts[a][2] == facts[b][2]:
            out.append((a, b))  # the same bytes: nothing to look at
            continue
        la, lb = look(a), look(b)
        if la is not None and lb is not None and _same_structure(la, lb):
            out.append((a, b))
    return out


def _file_identity(path: str) -> tuple[bool, tuple[int, int] | None]:
    """(is a symbolic link, (device, inode) of the file it names), without raising."""
    try:
        is_link = os.path.islink(path)
        st = os.stat(path)
        return is_link, (st.st_dev, st.st_ino)
    except OSError:
        return False, None


def _group(facts: dict, ids: list[int], vector, paired: set[int] = frozenset()) -> Group:
    copies = [Copy(pid, facts[pid][1], *facts[pid][3:7], facts[pid][8], facts[pid][2], paired=pid in paired)
              for pid in ids]
    identity = {c.id: _file_identity(c.path) for c in copies}
    # A link is never the copy that stays: it may point at a file that goes; the JPEG of a RAW+JPEG pair stays
    # before any other copy, and is never checked for the trash (half of a pair).
    copies.sort(key=lambda c: (identity[c.id][0], not c.paired, -((c.width or 0) * (c.height or 0)), -(c.size or 0),
                               c.taken or "9999", c.mtime_ns or 0, c.path))
    copies[0].best = True
    keeper: dict[str, Copy] = {}  # per content, the copy that stays: the first in the order above
    files: dict[tuple[int, int], Copy] = {}
    for c in copies:
        is_link, inode = identity[c.id]
        c.link = is_link or (inode is not None and inode in files)
        if inode is not None:
            files.setdefault(inode, c)
        if c.hash and c.hash in keeper:
            c.exact = True
        elif c.hash:
            keeper[c.hash] = c
    exact = len({c.hash for c in copies}) == 1
    if not exact:  # the vectors find() read once (an exact copy's is its content's)
        best = vector(copies[0].id)
        for c in copies[1:]:
            c.score = round(float(np.clip(vector(c.id) @ best, -1.0, 1.0)), 4)
        copies[1:] = sorted(copies[1:], key=lambda c: (-c.score, not c.exact, c.path))
    return Group("exact" if exact else "near", copies)


# -- right before the trash --------------------------------------------------------------------------
def _unchanged(facts: dict) -> str | None:
    """Why the file is no longer what was listed ({"path", "size", "mtime_ns", "hash"}), or None."""
    path = facts["path"]
    try:
        st = os.stat(path)
    except OSError:
        return "it is gone"
    if st.st_size != facts.get("size") or st.st_mtime_ns != facts.get("mtime_ns"):
        return "it changed since it was listed"
    try:
        f, _st = imageio.open_readonly(path)
        with f:
            digest = imageio.file_hash(f)
    except imageio.PhotoError as e:
        return f"it cannot be read now ({e})"
    return None if digest == facts.get("hash") else "its content changed since it was listed"


def safe_to_trash(extra: dict, keep: dict | None, going: set[str]) -> str | None:
    """Why an extra must stay (one clause), or None when it may go: it is still what was listed, and its kept
    copy still exists, is still what was listed, is another file, and is not being trashed too."""
    if not isinstance(keep, dict) or not isinstance(keep.get("path"), str):
        return "no kept copy was named for it"
    if keep["path"] in going:
        return "its kept copy is in the same request"
    why = _unchanged(extra)
    if why:
        return why
    why = _unchanged(keep)
    if why:
        return f"the copy to keep, {keep['path']}, is no longer there as listed ({why})"
    try:
        if os.path.samefile(extra["path"], keep["path"]) or os.path.realpath(keep["path"]) == \
                os.path.realpath(extra["path"]):
            return "it is the same file as the copy to keep"
    except OSError as e:
        return f"it cannot be compared with the copy to keep ({e.strerror or e})"
    return None

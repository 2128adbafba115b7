"""Plain search words that are written in a photo: the text half of the one search box.

A search for "IKEA" should find the receipt that says IKEA even when CLIP, which reads text badly, ranks it
low.  So the query's words are also looked up in the text read from photos (catalog_text.py): a photo whose
text holds every word (Latin words whole, Chinese as substrings; stop words ignored) is a text match, ranked
by how well its text matches (the query as one phrase in one line first, then every word in one line, then
the words across lines; ties by the CLIP score).

The two rankings are merged by reciprocal rank fusion (RRF, Cormack, Clarke and Büttcher 2009): each photo
scores the sum of 1/(K + rank) over the rankings it appears in.  Why RRF: it needs no common scale between a
cosine similarity and a text match (none exists), it is the default of the hybrid search in Elasticsearch and
OpenSearch, and with K = 60 a photo that is first in either ranking comes first or second overall, so a
literal text match is never buried under photos that merely look like the words, while the photos CLIP ranks
well keep their order among themselves.  One box for both, rather than Immich's separate text-search mode:
the user does not have to know which kind of search will work.
"""
from __future__ import annotations

from .textnorm import contains_word, normalize, words

K = 60
MAX_TEXT_HITS = 500  # text matches considered per query (the most frequent words are not worth more)


def matches(catalog, query_text: str, allowed: set[int] | None = None) -> list[tuple[int, str]]:
    """(photo id, the line that matched) of photos whose text holds every word of the query, best first
    (before the CLIP tie-break).  [] when the query has no word worth looking for."""
    terms = words(query_text)
    if not terms:
        return []
    ids: set[int] | None = None
    for term in sorted(terms, key=len, reverse=True):  # the rarest (longest) word narrows it first
        found = catalog.text_contains(term)
        ids = found if ids is None else ids & found
        if not ids:
            return []
    if allowed is not None:
        ids &= allowed
    phrase = " ".join(terms)
    ranked = []
    for photo_id, lines in catalog.text_lines(sorted(ids)[:5 * MAX_TEXT_HITS]).items():
        norms = [normalize(line) for line in lines]
        if not all(any(contains_word(n, t) for n in norms) for t in terms):
            continue  # a Latin word only inside a longer one ("cat" in "category")
        best = next((i for i, n in enumerate(norms) if phrase in n), None)
        level = 0 if best is not None else 1
        if best is None:
            best = next((i for i, n in enumerate(norms) if all(contains_word(n, t) for t in terms)), None)
        if best is None:
            level, best = 2, next(i for i, n in enumerate(norms) if contains_word(n, terms[0]))
        ranked.append((level, photo_id, lines[best]))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [(photo_id, line) for _level, photo_id, line in ranked[:MAX_TEXT_HITS]]


def line_with(catalog, ids, terms: list[str]) -> dict[int, str]:
    """For photos kept by text: filters, the first line that holds the first term (what JSON's matched_text
    shows)."""
    out = {}
    for photo_id, lines in catalog.text_lines(ids).items():
        for line in lines:
            n = normalize(line)
            if any(t in n for t in terms):
                out[photo_id] = line
                break
    return out


def fuse(clip_ranked: list[tuple[int, float]], text_ranked: list[int]) -> list[int]:
    """Reciprocal rank fusion of CLIP's ranking and the text ranking: photo ids, best first."""
    score: dict[int, float] = {}
    for rank, (photo_id, _s) in enumerate(clip_ranked, 1):
        score[photo_id] = score.get(photo_id, 0.0) + 1.0 / (K + rank)
    for rank, photo_id in enumerate(text_ranked, 1):
        score[photo_id] = score.get(photo_id, 0.0) + 1.0 / (K + rank)
    clip_order = {pid: i for i, (pid, _s) in enumerate(clip_ranked)}
    return sorted(score, key=lambda pid: (-score[pid], clip_order.get(pid, len(clip_order))))

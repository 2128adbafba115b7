"""The one way photoclip turns CLIP similarities into "does this photo show it?", for search and albums alike.

Zero-shot classification as in the CLIP paper: a photo's cosine similarity to each text, times the model's
logit scale, through a softmax over the candidate texts.  The texts are what the user asked for (the query, or
an album's prompts), what the user ruled out (negatives) and a fixed list of generic prompts (BACKGROUND:
"a photo", "an image", ...), so "the query explains this photo clearly better than nothing in particular"
has a probability.  SigLIP-style models (a learned logit bias) were trained with a sigmoid per image-text
pair instead: each text gets its own probability and no background is needed.

Thresholds come from the library's own score distribution: Otsu's gap between matches and the rest, kept
within a range (CUTOFF_RANGE for the search box, THRESHOLD_RANGE for albums); for sigmoid models the gap is
found in log-odds, where matches and the rest form two humps (SIGMOID_LOGIT_RANGE).
"""
from __future__ import annotations

import json
import threading
from importlib import resources

import numpy as np

THRESHOLD_RANGE = (0.3, 0.9)  # an album's automatic threshold
CUTOFF_RANGE = (0.2, 0.5)  # the search box's relevance cut-off
# A sigmoid model's probabilities are absolute and a true match often scores far below 0.5 (SigLIP trains with
# a large negative bias), so its scores are split in log-odds, and the split may go as low as sigmoid(-8).
SIGMOID_LOGIT_RANGE = (-8.0, 2.2)
SIGMOID_THRESHOLD_RANGE = tuple(float(1 / (1 + np.exp(-z))) for z in SIGMOID_LOGIT_RANGE)

BACKGROUND: tuple[str, ...] = tuple(json.loads(resources.files("photoclip.data").joinpath("albums.json")
                                               .read_text())["background"])


def is_sigmoid(encoder) -> bool:
    return encoder.logit_bias is not None


def zero_shot(encoder, pos: np.ndarray, neg: np.ndarray, background: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(probability that each photo shows one of the positive texts, probability that it shows one of the
    negatives), from cosine similarities: `pos` (photos x positives), `neg` (photos x negatives) and
    `background` (photos x BACKGROUND, ignored for a sigmoid model)."""
    n = len(pos)
    if is_sigmoid(encoder):
        p_pos = encoder.match_probability(pos).max(axis=1)
        p_neg = encoder.match_probability(neg).max(axis=1) if neg.shape[1] else np.zeros(n, np.float32)
        return p_pos, p_neg
    parts = [pos, neg] + ([background] if background is not None else [])
    logits = encoder.logit_scale * np.column_stack(parts)
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    total = e.sum(axis=1)
    k = pos.shape[1]
    return e[:, :k].sum(axis=1) / total, e[:, k:k + neg.shape[1]].sum(axis=1) / total


_background: dict[str, np.ndarray] = {}
_background_lock = threading.Lock()


def background_texts(encoder) -> np.ndarray:
    """BACKGROUND's text embeddings for this model, encoded once per process and model (every search needs
    them, and they never change)."""
    with _background_lock:
        cached = _background.get(encoder.model_id)
    if cached is None:
        cached = encoder.encode_texts(BACKGROUND)
        with _background_lock:
            _background[encoder.model_id] = cached
    return cached


def calibrated_threshold(scores: np.ndarray, sigmoid: bool = False) -> float:
    """The automatic threshold for a library's scores: Otsu's gap, kept within THRESHOLD_RANGE; for a sigmoid
    model the gap is found in log-odds and kept within SIGMOID_LOGIT_RANGE."""
    if sigmoid:
        return float(1 / (1 + np.exp(-log_odds_split(logit(scores)))))
    lo, hi = THRESHOLD_RANGE
    return min(hi, max(lo, otsu_threshold(scores)))


def relevance_cut(p_query: np.ndarray, sigmoid: bool) -> tuple[np.ndarray, float]:
    """The search box's cut-off over one query's candidates: (which are relevant, the cut used)."""
    if sigmoid:
        z = logit(p_query)
        cut = log_odds_split(z) if len(z) > 1 else SIGMOID_LOGIT_RANGE[0]
        return z >= cut, cut
    lo, hi = CUTOFF_RANGE
    cut = min(hi, max(lo, otsu_threshold(p_query))) if len(p_query) > 1 else lo
    return p_query >= cut, cut


def log_odds_split(z: np.ndarray) -> float:
    """Where a sigmoid model's matches part from the rest, in log-odds: Otsu's gap over the values' own range,
    kept within SIGMOID_LOGIT_RANGE."""
    lo, hi = SIGMOID_LOGIT_RANGE
    return min(hi, max(lo, otsu_threshold(z, value_range=(z.min(), z.max()))))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def otsu_threshold(scores: np.ndarray, bins: int = 100, value_range: tuple[float, float] = (0.0, 1.0)) -> float:
    """The split of value_range that best separates the scores into two groups (Otsu, 1979)."""
    if len(scores) < 2:
        return 0.5 if value_range == (0.0, 1.0) else float(np.mean(value_range))
    if value_range[1] <= value_range[0]:
        return float(value_range[0])
    hist, edges = np.histogram(scores, bins=bins, range=value_range)
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centers)
    mu0 = np.divide(m0, w0, out=np.zeros_like(m0, dtype=float), where=w0 > 0)
    mu1 = np.divide(m0[-1] - m0, w1, out=np.zeros_like(m0, dtype=float), where=w1 > 0)
    between = w0 * w1 * (mu0 - mu1) ** 2
    # Every cut inside an empty gap scores the same: take the middle of the best plateau, the widest margin.
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    return float((edges[1:][best[0]] + edges[1:][best[-1]]) / 2)

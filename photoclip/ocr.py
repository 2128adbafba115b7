"""Text in photos: on-device OCR with RapidOCR (PP-OCRv6 small detection and recognition, Chinese and English,
ONNX Runtime).  The models ship inside the `rapidocr` wheel, so nothing is downloaded, ever.

Reading every photo at full size costs seconds on a CPU, and most photos carry no text, so a photo is read in
three steps, each only when the one before saw text (figures: benchmarks/bench_ocr.py):

1. the look (a few milliseconds): the photo decoded small (a JPEG straight at 1/8 size) and shrunk to PRE_LONG
   pixels; text-like lines are looked for in its edges (OpenCV: morphological gradient, Otsu, a horizontal
   closing, then components shaped like a line of glyphs).  None: the photo is done, "no text".
2. the gate (about a tenth of a second): the text detector on the same small decode (at most GATE_LONG
   pixels); it keeps the boxes shaped like lines (wide, and small beside the picture).  None: "no text".
   (Reading at once where the look found many lines was tried: the look's false lines then cost a reading
   each, more than the gate saves; bench_ocr.py measured it.)
3. the reading: the photo decoded at the size that makes its lines about LINE_PX pixels high (from the gate's
   boxes, between GATE_LONG and READ_MAX on the long side), cropped to where the text is, then detected and
   recognised there.

Each line keeps its box (four corners, as fractions of the upright photo's width and height) and its
confidence.  Search compares text as textnorm.normalize writes it.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from . import imageio

log = logging.getLogger(__name__)

SMALL_SIDE = 240  # the look's and the gate's decode: short side in pixels (a 12 MP JPEG: 500 x 375)
PRE_LONG = 480  # the look: long side in pixels (lines of small text stay apart)
GATE_LONG = 480  # the gate: the detector's long side at most ...
GATE_SMALL_LONG = 320  # ... or this, where the look's lines are all tall (LARGE_LINE of the long side or more)
LARGE_LINE = 0.03
LINE_PX = 28  # the reading: the height a line of text should have, in pixels ...
READ_MAX = 1600  # ... within at most this long side
READ_MARGIN = 0.04  # around the text the reading crops to, as a share of the photo
MIN_CONFIDENCE = 0.5  # recognised lines below this are dropped
MIN_BOX_PX = 4  # the gate ignores boxes thinner than this (noise, texture), in gate pixels
LINE_ASPECT = 1.4  # a box counts as text when it is a line: this much wider than high (two glyphs or more) ...
LINE_MAX_HEIGHT = 0.25  # ... and no higher than this share of the picture (not a tree, a cloud, the sky)
EDGE_MAX = 40  # the look: an edge this strong (of 255) counts, whatever else the picture holds
LOOK_ASPECT = 1.8  # the look: a run of edges this much wider than high is a line of glyphs (two CJK characters)
ENGINE = "rapidocr"


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be loaded here (the rapidocr package is missing or broken)."""


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[tuple[float, float], ...]  # four corners (x, y), fractions of the upright photo's size
    confidence: float

    def as_json(self) -> dict:
        return {"text": self.text, "box": [[round(x, 4), round(y, 4)] for x, y in self.box],
                "confidence": round(self.confidence, 3)}


def engine_version() -> str:
    """The reader and its models: a different one reads every photo again (in the background)."""
    try:
        from importlib.metadata import version
        return f"{ENGINE} {version('rapidocr')} PP-OCRv6-small"
    except Exception:
        return f"{ENGINE} (not installed)"


def _box_size(box: np.ndarray) -> tuple[float, float]:
    """(width, height) of a detector's four-corner box, the longer of each pair of opposite sides."""
    return (float(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[3] - box[2]))),
            float(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2]))))


def text_like_lines(image) -> int:
    """The look: how many components of `image` are shaped like a line of glyphs (edges dense enough, wider
    than high, not a horizon across the whole picture).  Cheap: a few milliseconds at PRE_LONG pixels."""
    return len(line_shapes(image))


def line_shapes(image) -> list[tuple[float, float, float, float]]:
    """The look's lines: (x0, y0, x1, y1) of each, as fractions of the image."""
    import cv2

    gray = np.asarray(image.convert("L"))
    h, w = gray.shape
    scale = PRE_LONG / max(h, w)
    if scale < 1:
        gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    h, w = gray.shape
    edges = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    # Otsu's threshold, but never above EDGE_MAX: a picture's strongest edges (a receipt's paper on a dark
    # table) would otherwise push small, blurred glyphs below it.
    otsu, _ = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    _, binary = cv2.threshold(edges, min(otsu, EDGE_MAX), 255, cv2.THRESH_BINARY)
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(binary, connectivity=4)
    return [(x / w, y / h, (x + bw) / w, (y + bh) / h) for x, y, bw, bh, area in stats[1:]
            if 4 <= bh <= 0.2 * h and LOOK_ASPECT * bh <= bw <= 0.9 * w and area >= 0.4 * bw * bh]


class TextReader:
    """Loads RapidOCR on first use (two engines: the gate's detector and the reader), then reads photos.
    Thread-safe: one photo at a time."""

    def __init__(self, threads: int | None = None, device: str = "cpu"):
        self.threads = threads or max(1, (os.cpu_count() or 2))
        self.device = device
        self._lock = threading.Lock()
        self._gate = None
        self._gate_small = None
        self._reader = None
        self.version = engine_version()
        # Seconds spent and photos seen by each step (the benchmark reads them; the log tells them).
        self.spent = {"look": 0.0, "gate": 0.0, "decode": 0.0, "detect": 0.0, "recognise": 0.0}
        self.seen = {"look": 0, "gate": 0, "read": 0}

    def _engine(self, long_side: int, gate: bool):
        try:
            from rapidocr import RapidOCR
        except Exception as e:
            raise OcrUnavailable(f"the text reader (rapidocr) is not available here: {e}") from None
        params = {"Global.log_level": "error", "Global.text_score": MIN_CONFIDENCE,
                  "Global.max_side_len": READ_MAX, "Global.min_side_len": 16,
                  "Det.limit_type": "max", "Det.limit_side_len": long_side,
                  "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                  "EngineConfig.onnxruntime.inter_op_num_threads": 1}
        if self.device == "cuda" and _cuda_provider():
            params["EngineConfig.onnxruntime.use_cuda"] = True
        if gate:
            params["Global.use_cls"] = False
            params["Global.use_rec"] = False
        return RapidOCR(params=params)

    def _engines(self):
        if self._reader is None:
            self._gate = self._engine(GATE_LONG, gate=True)
            self._gate_small = self._engine(GATE_SMALL_LONG, gate=True)
            self._reader = self._engine(READ_MAX, gate=False)
        return self._gate, self._reader

    def line_boxes(self, image, large_lines: bool = False) -> list[np.ndarray]:
        """The gate: the detector's boxes in this (small) image that are shaped like lines of text, as
        fractions of its size (4 x 2 arrays).  The detector also answers to shapes and textures with square or
        huge boxes; a line is wide, and small beside the picture.  `large_lines`: the look saw only tall lines,
        which the detector finds at GATE_SMALL_LONG pixels, for less than half the cost."""
        self._engines()
        gate, long_side = (self._gate_small, GATE_SMALL_LONG) if large_lines else (self._gate, GATE_LONG)
        image = image.convert("RGB")
        out = gate(np.asarray(image), use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None or not len(boxes):
            return []
        w, h = image.size
        scale = min(1.0, long_side / max(w, h))  # the detector's pixels
        lines = []
        for b in np.asarray(boxes, dtype=np.float32):
            bw, bh = (side * scale for side in _box_size(b))
            if MIN_BOX_PX <= bh <= LINE_MAX_HEIGHT * min(w, h) * scale and bw >= LINE_ASPECT * bh:
                lines.append(b / np.array([w, h], dtype=np.float32))
        return lines

    def read_image(self, image, region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> list[Line]:
        """Every line of text in `region` (x0, y0, x1, y1 as fractions) of `image` (upright RGB), with boxes as
        fractions of the whole image."""
        _, reader = self._engines()
        w, h = image.size
        x0, y0 = int(region[0] * w), int(region[1] * h)
        x1, y1 = max(x0 + 1, math.ceil(region[2] * w)), max(y0 + 1, math.ceil(region[3] * h))
        crop = image.convert("RGB").crop((x0, y0, x1, y1))
        out = reader(np.asarray(crop))
        elapsed = list(getattr(out, "elapse_list", None) or [])
        if len(elapsed) >= 3:
            self.spent["detect"] += float(elapsed[0])
            self.spent["recognise"] += float(elapsed[1]) + float(elapsed[2])
        if out.boxes is None or out.txts is None:
            return []
        lines = []
        for box, text, score in zip(out.boxes, out.txts, out.scores):
            text = str(text).strip()
            if text and float(score) >= MIN_CONFIDENCE:
                corners = tuple((min(max((float(x) + x0) / w, 0.0), 1.0), min(max((float(y) + y0) / h, 0.0), 1.0))
                                for x, y in np.asarray(box)[:4])
                lines.append(Line(text, corners, float(score)))
        return lines

    def read_photo(self, path: str, looked: int | None = None) -> tuple[list[Line] | None, str | None]:
        """(lines, None) for a photo that was read, (None, "no text") for one the look or the gate passed
        over.  `looked`: what the indexer's first look saw (None: look here).  Raises imageio.PhotoError for a
        file that cannot be decoded, OcrUnavailable without an engine."""
        if looked == 0:
            return None, "no text"
        with self._lock:
            t0 = time.perf_counter()
            small, _digest, _st = imageio.load(path, SMALL_SIDE)
            image = small.image
            shapes = line_shapes(image)
            t1 = time.perf_counter()
            self.spent["look"] += t1 - t0
            self.seen["look"] += 1
            if not shapes:
                return None, "no text"
            large = min(b[3] - b[1] for b in shapes) * image.size[1] >= LARGE_LINE * max(image.size)
            boxes = self.line_boxes(image, large_lines=large)
            self.spent["gate"] += time.perf_counter() - t1
            self.seen["gate"] += 1
            if not boxes:
                return None, "no text"
            pts = np.concatenate(boxes)
            region = (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))
            scale = np.array([small.width, small.height], dtype=np.float32)  # fractions -> the photo's pixels
            line = float(np.median([_box_size(b * scale)[1] for b in boxes])) / max(small.width, small.height)
            self.seen["read"] += 1
            region = (max(0.0, region[0] - READ_MARGIN), max(0.0, region[1] - READ_MARGIN),
                      min(1.0, region[2] + READ_MARGIN), min(1.0, region[3] + READ_MARGIN))
            long_px = max(small.width, small.height)
            read_long = min(READ_MAX, max(GATE_LONG, round(LINE_PX / max(line, 1e-3))))
            short = math.ceil(read_long * min(small.width, small.height) / long_px)
            t2 = time.perf_counter()
            decoded, _digest, _st = imageio.load(path, short)
            image = decoded.image
            if max(image.size) > read_long * 1.05:
                image = image.copy()
                image.thumbnail((read_long, read_long))
            self.spent["decode"] += time.perf_counter() - t2
            return self.read_image(image, region), None


def _cuda_provider() -> bool:
    try:
        import onnxruntime
        return "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    except Exception:
        return False

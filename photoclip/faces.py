"""Faces in photos, found and described on this machine with dlib (the faces stage's engine).

dlib's HOG face detector finds upright faces, its 5-point shape predictor places the eyes and the nose, and its
ResNet face descriptor (99.38 % on LFW as published) turns each face into 128 numbers: two faces of one person
lie closer than about 0.6, two people further apart.  The three models ship inside the `face_recognition_models`
package (CC0 / public domain, trained by dlib's author); its 68-point model, trained on a non-commercial
dataset, is never loaded.  Nothing is downloaded.

Cost: a photo is decoded at DETECT_LONG pixels on its long side (JPEG draft mode, so a 12 MP photo costs a
fraction of a full decode), the detector runs once at that size (about a quarter of a second here), and each face
costs a descriptor (about 80 ms).  Faces down to MIN_FACE pixels at that size are kept: about 3 % of the photo's
long side, a face in a group photo of ten.
"""
from __future__ import annotations

import importlib.util
import io
import os
import platform
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import imageio

ENGINE = "dlib"
DETECT_LONG = 2048  # the detector's image: its long side in pixels
MIN_FACE = 60  # the smallest face kept, in pixels of the detector's image
MIN_SCORE = 0.3  # the detector's score below which a find is not a face (a badge, a pattern)
CHIP = 128  # the face's own small picture, for the People list (pixels)
MODELS = ("shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat")


class FacesUnavailable(RuntimeError):
    """The face engine cannot run here (dlib or its models are missing, or the CPU lacks what dlib needs)."""


@dataclass
class Face:
    box: tuple[float, float, float, float]  # x, y, width, height: fractions of the upright photo
    landmarks: list[tuple[float, float]]  # five points (eye corners, nose), fractions of the upright photo
    descriptor: np.ndarray  # 128 float32
    quality: float  # 0..1: the detector's confidence and the face's size together
    chip: bytes  # a small JPEG of the face, for lists of people

    def as_json(self) -> dict:
        return {"box": [round(v, 4) for v in self.box], "landmarks": [[round(x, 4), round(y, 4)]
                                                                     for x, y in self.landmarks],
                "quality": round(self.quality, 3)}


def models_dir() -> Path | None:
    """face_recognition_models' folder of model files, found without importing the package (its __init__ needs
    pkg_resources, which new setuptools no longer has).  The frozen app carries the two files it uses."""
    import sys

    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))) / "face_recognition_models" / "models"
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def engine_version() -> str:
    try:
        from importlib.metadata import version
        for dist in ("dlib", "dlib-bin"):
            try:
                return f"{ENGINE} {version(dist).split('.post')[0]} hog+resnet-v1"
            except Exception:
                continue
    except Exception:
        pass
    return f"{ENGINE} hog+resnet-v1"


def _cpu_lacks_avx() -> bool:
    """Whether this is an x86 CPU without AVX; dlib-bin's wheels are compiled with AVX and would stop the whole
    process with an illegal instruction on such a CPU (no Python exception can catch that)."""
    if platform.machine().lower() not in ("x86_64", "amd64", "i686", "i386"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return " avx" not in line
    except OSError:
        pass
    return False


def _prebuilt_with_avx() -> bool:
    """Whether dlib is dlib-bin's AVX build.  The Linux app compiles dlib for the x86-64-v2 baseline instead
    (packaging/cpu_baseline.py), and its build fails if the module holds any instruction beyond it."""
    import sys

    if getattr(sys, "frozen", False) and sys.platform.startswith("linux"):
        return False
    try:
        from importlib.metadata import distribution
        distribution("dlib-bin")
        return True
    except Exception:
        return False


def cannot_run() -> str | None:
    """Why the face engine cannot run here, as far as can be told without loading dlib (None: it can)."""
    if _cpu_lacks_avx() and _prebuilt_with_avx():
        return ("this processor lacks AVX, which the installed dlib-bin needs; install dlib built from source "
                "(pip install dlib) to find faces")
    folder = models_dir()
    if folder is None or not all((folder / m).is_file() for m in MODELS):
        return "the face models (face_recognition_models) are not installed"
    return None


class FaceEngine:
    """Loads dlib's models on first use, then finds and describes the faces in photos.  Thread-safe: one photo
    at a time."""

    def __init__(self, threads: int | None = None):
        self.threads = threads
        self._lock = threading.Lock()
        self._models = None
        self.version = engine_version()
        self.spent = {"decode": 0.0, "detect": 0.0, "describe": 0.0}  # seconds (the benchmark reads them)
        self.seen = {"photos": 0, "faces": 0}

    def _load(self):
        if self._models is None:
            reason = cannot_run()
            if reason:
                raise FacesUnavailable(reason)
            folder = models_dir()
            try:
                import dlib
            except Exception as e:
                raise FacesUnavailable(f"dlib is not available here: {e}") from None
            self._models = (dlib.get_frontal_face_detector(),
                            dlib.shape_predictor(str(folder / MODELS[0])),
                            dlib.face_recognition_model_v1(str(folder / MODELS[1])))
        return self._models

    def check(self) -> None:
        """Load the models now (FacesUnavailable if they cannot be)."""
        with self._lock:
            self._load()

    def find_photo(self, path: str) -> list[Face]:
        """The faces in the photo at `path`. Raises imageio.PhotoError for a file that cannot be decoded."""
        import time

        with self._lock:
            self._load()
            t0 = time.perf_counter()
            img = _decode(path)
            self.spent["decode"] += time.perf_counter() - t0
        return self.find_image(img)

    def find_image(self, image) -> list[Face]:
        """The faces in a PIL image (RGB), as found at up to DETECT_LONG pixels on its long side."""
        import time

        with self._lock:
            detector, shapes, describer = self._load()
            if max(image.size) > DETECT_LONG:
                image = image.copy()
                image.thumbnail((DETECT_LONG, DETECT_LONG))
            pixels = np.ascontiguousarray(np.asarray(image.convert("RGB")))
            h, w = pixels.shape[:2]
            t0 = time.perf_counter()
            rects, scores, _kinds = detector.run(pixels, 0, 0.0)
            found = [(r, s) for r, s in zip(rects, scores)
                     if s >= MIN_SCORE and min(r.width(), r.height()) >= MIN_FACE]
            t1 = time.perf_counter()
            self.spent["detect"] += t1 - t0
            self.seen["photos"] += 1
            if not found:
                return []
            import dlib

            placed = dlib.full_object_detections()
            for r, _s in found:
                placed.append(shapes(pixels, r))
            descriptors = describer.compute_face_descriptor(pixels, placed)
            chips = dlib.get_face_chips(pixels, placed, size=CHIP, padding=0.45)
            self.spent["describe"] += time.perf_counter() - t1
            self.seen["faces"] += len(found)
            faces = []
            for (r, score), shape, desc, chip in zip(found, placed, descriptors, chips):
                x0, y0 = max(0, r.left()), max(0, r.top())
                x1, y1 = min(w, r.right()), min(h, r.bottom())
                size = min(1.0, min(x1 - x0, y1 - y0) / 150.0)
                quality = float(min(1.0, max(0.0, score) / 1.5) * 0.6 + size * 0.4)
                faces.append(Face((x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h),
                                  [(p.x / w, p.y / h) for p in shape.parts()],
                                  np.asarray(desc, dtype=np.float32), quality, _jpeg(chip)))
            return faces


def _decode(path: str):
    """The upright photo at DETECT_LONG pixels or somewhat less on its long side: the smallest JPEG draft scale
    (1/2, 1/4, 1/8) that keeps at least three quarters of DETECT_LONG, so a 12 MP photo never decodes whole."""
    import math

    from PIL import Image

    f, _st = imageio.open_readonly(path)
    with f:
        try:
            with Image.open(f) as probe:
                w, h = probe.size
        except Exception:
            w = h = DETECT_LONG
        scale = 1.0
        while scale > 1 / 8 and max(w, h) * scale / 2 >= DETECT_LONG * 0.75:
            scale /= 2
        f.seek(0)
        decoded = imageio.decode(f, max(1, math.ceil(min(w, h) * scale)))
    return decoded.image


def _jpeg(chip: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(chip).save(out, "JPEG", quality=88)
    return out.getvalue()


def chip_path(cache: Path, face_id: int) -> Path:
    """Where a face's small picture lives: the thumbnail cache (derived data, remade by the faces stage)."""
    return cache / "faces" / f"{face_id // 1000:04d}" / f"{face_id}.jpg"


def sweep_chips(cache: Path, keep: set[int]) -> int:
    """Delete the pictures of faces that are gone (their photo left the library, or was looked at again);
    returns how many."""
    gone = 0
    folder = cache / "faces"
    if not folder.is_dir():
        return 0
    for sub in os.scandir(folder):
        if not sub.is_dir():
            continue
        for entry in os.scandir(sub.path):
            stem = entry.name[:-4] if entry.name.endswith(".jpg") else None
            if stem is not None and stem.isdigit() and int(stem) not in keep:
                try:
                    os.unlink(entry.path)
                    gone += 1
                except OSError:
                    pass
    return gone

"""Reading photos safely: read-only opens, content hashes, reduced-size decoding, EXIF facts.

Every failure becomes a `PhotoError` with one sentence a user can read; nothing here writes to disk.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import stat
import threading
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from .rawimage import RAW_EXTENSIONS, RawError, decode_raw, is_raw_name
from .video import MAX_VIDEO_BYTES, VIDEO_EXTENSIONS, VideoError, is_video_name

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".heic", ".heif",
}) | RAW_EXTENSIONS
# What the library holds: photos and videos (a video is an item like a photo; video.py).
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
# Pillow raises DecompressionBombError past twice this; we refuse from the limit itself.
MAX_PIXELS = 180_000_000
MAX_FILE_BYTES = 2 * 1024**3
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_heif_registered: bool | None = None


def _register_heif() -> None:
    global _heif_registered
    if _heif_registered is None:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True
        except Exception as e:  # pragma: no cover - depends on the platform's wheel
            log.warning("HEIC/HEIF support is unavailable: %s", e)
            _heif_registered = False


class PhotoError(Exception):
    """A file that cannot be indexed; str(e) is the reason shown to the user."""


@dataclass
class Decoded:
    image: Image.Image  # RGB, reduced to about `target` pixels on the short side
    width: int  # of the original, after EXIF orientation
    height: int
    taken: str | None
    camera: str | None
    duration: float | None = None  # a video's length in seconds (its image is the poster frame)


def is_image_name(name: str) -> bool:
    """A file the library holds: a photo or a video."""
    return os.path.splitext(name)[1].lower() in MEDIA_EXTENSIONS


def check_stat(st: os.stat_result | None, name: str = "") -> str | None:
    """The reason a path cannot be a photo, judged from its stat and name (None if it may be one)."""
    if st is None:
        return "broken link: the file it points to does not exist"
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not an image file"
    if stat.S_ISFIFO(st.st_mode):
        return "a pipe (FIFO), not an image file"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "a device file, not an image file"
    if stat.S_ISSOCK(st.st_mode):
        return "a socket, not an image file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size == 0:
        return "empty file (0 bytes)"
    if st.st_size > (MAX_VIDEO_BYTES if is_video_name(name) else MAX_FILE_BYTES):
        return f"file too large ({st.st_size / 1024**3:.1f} GB)"
    return None


def open_readonly(path: str):
    """Open for reading without blocking on FIFOs or following into non-files; returns (file, stat)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise PhotoError("file not found (deleted or a broken link)") from None
    except PermissionError:
        raise PhotoError("permission denied: the file cannot be read") from None
    except IsADirectoryError:
        raise PhotoError("a folder, not an image file") from None
    except OSError as e:
        raise PhotoError(f"cannot be opened ({e.strerror or e})") from None
    st = os.fstat(fd)
    reason = check_stat(st, path)
    if reason:
        os.close(fd)
        raise PhotoError(reason)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    f = os.fdopen(fd, "rb")
    f.raw.name = path  # decode() tells RAW photos by their name
    return f, st


def file_hash(f) -> str:
    """BLAKE2b of the whole content: identity that survives renames and moves."""
    h = hashlib.blake2b(digest_size=16)
    f.seek(0)
    try:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    except OSError as e:
        raise PhotoError(f"read error ({e.strerror or e})") from None
    f.seek(0)
    return h.hexdigest()


def _exif_facts(img: Image.Image) -> tuple[str | None, str | None]:
    try:
        exif = img.getexif()
    except Exception:
        return None, None
    if not exif:
        return None, None
    taken = None
    try:
        taken = exif.get_ifd(0x8769).get(0x9003)  # DateTimeOriginal in the Exif IFD
    except Exception:
        pass
    taken = taken or exif.get(0x0132)  # DateTime
    make, model = exif.get(0x010F), exif.get(0x0110)
    camera = " ".join(str(p).strip("\x00 ") for p in (make, model) if p) or None
    if camera and make and model and str(model).startswith(str(make).strip("\x00 ")):
        camera = str(model).strip("\x00 ")
    if isinstance(taken, bytes):
        taken = taken.decode(errors="replace")
    taken = str(taken).strip("\x00 ") if taken else None
    if taken and len(taken) >= 19 and taken[4] == ":" and taken[7] == ":":
        taken = f"{taken[:4]}-{taken[5:7]}-{taken[8:10]}T{taken[11:19]}"  # EXIF -> ISO 8601
    return taken, camera


def _to_8bit(img: Image.Image) -> Image.Image:
    """High-bit-depth greyscale (16-bit scans, 32-bit int or float from astro and HDR tools) to 8-bit "L",
    scaled by the range the data uses rather than clipped (a plain convert turns most of it white)."""
    if img.mode.startswith("I;16"):
        arr = np.asarray(img, dtype=np.uint16)
        return Image.fromarray((arr >> 8).astype(np.uint8), "L")
    if img.mode in ("I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        finite = arr[np.isfinite(arr)]
        if finite.size == 0:
            return Image.new("L", img.size)
        lo, hi = float(finite.min()), float(finite.max())
        if img.mode == "I" and lo >= 0 and hi <= 65535:  # 16-bit data in a 32-bit container
            lo, hi = 0.0, 65535.0 if hi > 255 else 255.0
        elif img.mode == "F" and lo >= 0 and hi <= 1:  # normalised floats
            lo, hi = 0.0, 1.0
        scaled = (np.nan_to_num(arr, nan=lo, posinf=hi, neginf=lo) - lo) / max(hi - lo, 1e-12)
        return Image.fromarray(np.clip(scaled * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    return img


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB: transparency over white, CMYK and YCbCr through Pillow's own conversions."""
    img = _to_8bit(img)
    if img.mode == "RGB":
        return img
    if "A" in img.getbands() or "a" in img.getbands() or (img.mode == "P" and "transparency" in img.info) \
            or (img.mode in ("L", "RGB") and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


# Decoding a huge non-JPEG image needs its whole bitmap at once (Pillow has no reduced decode for PNG, TIFF,
# WebP...).  Only one such image is decoded at a time, so peak memory stays bounded however many of them a
# folder holds and however many decode workers run.
HUGE_PIXELS = 40_000_000
_huge = threading.BoundedSemaphore(1)


def decode(f, target: int = 256) -> Decoded:
    """Decode an open image file to RGB at reduced size (JPEG draft mode), with EXIF orientation applied.  RAW
    photos (by their name) go through rawimage.py, videos through video.py (their poster frame)."""
    if is_raw_name(str(getattr(f, "name", ""))):
        try:
            img, width, height, taken, camera = decode_raw(f, target, _exif_facts)
        except RawError as e:
            raise PhotoError(str(e)) from None
        return Decoded(img, width, height, taken, camera)
    if is_video_name(str(getattr(f, "name", ""))):
        from . import video

        try:
            img, facts = video.poster(f, target)
        except VideoError as e:
            raise PhotoError(str(e)) from None
        return Decoded(img, facts.width, facts.height, facts.taken, facts.camera, facts.duration)
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(f)
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise PhotoError(f"image too large ({w}x{h} pixels, over the {MAX_PIXELS // 1_000_000} MP limit)")
            huge = img.format != "JPEG" and w * h > HUGE_PIXELS
            # The gate covers the EXIF read too: for PNG, getexif() decodes the whole image (the EXIF
            # chunk may follow the pixels).
            with _huge if huge else contextlib.nullcontext():
                orientation, taken, camera = _facts(img)
                if img.format == "JPEG":
                    # Ask libjpeg for a reduced decode: most of the CPU cost of a 12 MP photo disappears.
                    img.draft("RGB", (target, target))
                # Shrink first, then turn upright: a transpose (or Pillow's exif_transpose, which copies the
                # image even when there is nothing to turn) never touches the full-size bitmap.
                img = _upright(_reduced(img, target), orientation)
            img = _to_rgb(img)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"image too large (over the {MAX_PIXELS // 1_000_000} MP limit)") from None
    except UnidentifiedImageError:
        raise PhotoError("not an image, or an image format photoclip cannot read") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as e:
        msg = str(e)
        if "truncated" in msg.lower():
            raise PhotoError("truncated image: the file ends early (still copying, or damaged)") from None
        if getattr(e, "errno", None) == errno.EACCES:
            raise PhotoError("permission denied: the file cannot be read") from None
        raise PhotoError(f"corrupt image ({msg or type(e).__name__})") from None
    return Decoded(img, *_upright_size(w, h, orientation), taken, camera)


def _facts(img: Image.Image) -> tuple[int, str | None, str | None]:
    """(EXIF orientation, date taken, camera) of an opened image; orientation 1 when absent or not a number."""
    taken, camera = _exif_facts(img)
    orientation = img.getexif().get(0x0112, 1) if hasattr(img, "getexif") else 1
    return (orientation if isinstance(orientation, int) else 1), taken, camera


def _upright_size(w: int, h: int, orientation: int) -> tuple[int, int]:
    """The size once turned upright: orientations 5-8 swap width and height."""
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


_ORIENTATION = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


def _upright(img: Image.Image, orientation: int) -> Image.Image:
    """Apply the EXIF orientation (the same transposes as Pillow's ImageOps.exif_transpose)."""
    method = _ORIENTATION.get(orientation)
    return img.transpose(method) if method is not None else img


def _reduced(img: Image.Image, target: int) -> Image.Image:
    """Decode and shrink to about `target` on the short side before any mode conversion, so no full-size
    copy in another mode is ever made."""
    img.load()
    img = _to_8bit(img)
    if img.width > 2 * target and img.height > 2 * target:
        if img.mode in ("1", "P", "PA"):  # resampling needs real colour values, not palette indices
            alpha = img.mode == "PA" or "transparency" in img.info
            img = img.convert("L" if img.mode == "1" else "RGBA" if alpha else "RGB")
        img.thumbnail((max(target, round(target * img.width / img.height)),
                       max(target, round(target * img.height / img.width))), Image.Resampling.BILINEAR)
    return img


# A picture's fingerprint: its colours on an 8x8 grid, for the whole frame and for two central crops (3% and 6%
# off each side), so a copy that was resized, recompressed or lightly cropped still lines up with its original.
FINGERPRINT_GRID = 8
FINGERPRINT_CROPS = (0.0, 0.03, 0.06)
FINGERPRINT_BYTES = FINGERPRINT_GRID * FINGERPRINT_GRID * 3 * len(FINGERPRINT_CROPS)


def fingerprint(img: Image.Image) -> bytes:
    """The picture's fingerprint (FINGERPRINT_BYTES bytes) from a decoded, upright RGB image."""
    img = img.convert("RGB")
    w, h = img.size
    n = FINGERPRINT_GRID
    return b"".join(img.resize((n, n), Image.Resampling.BOX, box=(w * c, h * c, w * (1 - c), h * (1 - c))).tobytes()
                    for c in FINGERPRINT_CROPS)


def fingerprint_distances(a: np.ndarray, b: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """How different pictures look, pair by pair, 0 (identical) to 255: the RMS colour difference of the
    best-aligned pair of grids (whole frame against whole frame, or a central crop of one against the other's
    whole frame).  a and b: (pairs, FINGERPRINT_BYTES) uint8.  Integer arithmetic, in chunks."""
    views = len(FINGERPRINT_CROPS)
    out = np.empty(len(a), np.float32)
    for start in range(0, len(a), chunk):
        ga = np.asarray(a[start:start + chunk], np.uint8).reshape(-1, views, FINGERPRINT_BYTES // views)
        gb = np.asarray(b[start:start + chunk], np.uint8).reshape(-1, views, FINGERPRINT_BYTES // views)
        ga, gb = ga.astype(np.int16), gb.astype(np.int16)
        d = [np.einsum("ij,ij->i", x := ga[:, 0] - gb[:, 0], x, dtype=np.int64)]
        for v in range(1, views):
            d.append(np.einsum("ij,ij->i", x := ga[:, v] - gb[:, 0], x, dtype=np.int64))
            d.append(np.einsum("ij,ij->i", x := ga[:, 0] - gb[:, v], x, dtype=np.int64))
        out[start:start + chunk] = np.sqrt(np.min(d, axis=0) / (FINGERPRINT_BYTES // views))
    return out


# A finer look, for the few pairs the fingerprints call alike (duplicates.py): the picture at STRUCTURE_SIZE px in
# YCbCr, compared window by window with SSIM's contrast-structure term (no luminance term, so a brightened or
# re-toned copy still matches), after the best of STRUCTURE_CROPS central crops on either side.  The score is
# the worst window's: a copy differs a little everywhere, another shot of the scene a lot somewhere (an object
# that moved, a frame that panned).  Calibrated in tests/test_duplicates.py and benchmarks/bench_duplicates.py.
STRUCTURE_SIZE = 96
STRUCTURE_WINDOW = 12
STRUCTURE_CROPS = tuple(i * 0.005 for i in range(17))  # 0 to 8 % off each side
_C2 = (0.03 * 255) ** 2


def structure_source(img: Image.Image) -> Image.Image:
    """What structure_similarity needs of a decoded, upright picture: at most 4 x STRUCTURE_SIZE px, in YCbCr."""
    img = img.copy() if img.mode == "RGB" else img.convert("RGB")
    img.thumbnail((4 * STRUCTURE_SIZE, 4 * STRUCTURE_SIZE))
    return img.convert("YCbCr")


def _grid(img: Image.Image, crop: float) -> np.ndarray:
    w, h, n = img.width, img.height, STRUCTURE_SIZE
    a = np.asarray(img.resize((n, n), Image.Resampling.BOX, box=(w * crop, h * crop, w * (1 - crop), h * (1 - crop))),
                   np.float64)
    k = STRUCTURE_WINDOW
    return a.reshape(n // k, k, n // k, k, 3).transpose(0, 2, 4, 1, 3).reshape(-1, k * k)


def _contrast_structure(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    mx, my = x.mean(1, keepdims=True), y.mean(1, keepdims=True)
    vx, vy = ((x - mx) ** 2).mean(1), ((y - my) ** 2).mean(1)
    cov = ((x - mx) * (y - my)).mean(1)
    return (2 * cov + _C2) / (vx + vy + _C2)


def structure_similarity(a: Image.Image, b: Image.Image) -> float:
    """How surely b is a copy of a (resized, recompressed, lightly cropped, re-toned), -1 to 1: the worst window's
    contrast-structure similarity at the best central-crop alignment.  a, b: structure_source() images."""
    ga = {c: _grid(a, c) for c in STRUCTURE_CROPS}
    gb = {c: _grid(b, c) for c in STRUCTURE_CROPS}
    pairs = [(ga[0.0], gb[c]) for c in STRUCTURE_CROPS] + [(ga[c], gb[0.0]) for c in STRUCTURE_CROPS[1:]]
    best = max((_contrast_structure(x, y) for x, y in pairs), key=lambda v: float(v.mean()))
    return float(best.min())


def fingerprint_distance(a: bytes, b: bytes) -> float:
    """fingerprint_distances for one pair of fingerprints (bytes)."""
    return float(fingerprint_distances(np.frombuffer(a, np.uint8)[None], np.frombuffer(b, np.uint8)[None])[0])


def jpeg_facts(f) -> tuple[int, int, int, str | None, str | None] | None:
    """For a JPEG, without decoding its pixels: (width, height upright, EXIF orientation, taken, camera);
    None for another format or one too large to decode (the CPU path then reports why)."""
    try:
        f.seek(0)
        if f.read(3) != b"\xff\xd8\xff":
            return None
        f.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(f)
            if img.format != "JPEG" or img.mode not in ("RGB", "L", "CMYK", "YCbCr") or \
                    img.width * img.height > MAX_PIXELS:
                return None
            orientation, taken, camera = _facts(img)
            w, h = _upright_size(*img.size, orientation)
    except Exception:  # whatever is odd about it, the CPU path decides (and explains)
        return None
    finally:
        f.seek(0)
    return w, h, orientation, taken, camera


def load(path: str, target: int = 256) -> tuple[Decoded, str, os.stat_result]:
    """Open `path` read-only, hash it and decode it. Raises PhotoError."""
    f, st = open_readonly(path)
    with f:
        digest = file_hash(f)
        return decode(f, target), digest, st

"""RAW photos (CR2, CR3, NEF, ARW, RAF, ORF, RW2, DNG, …) decoded through rawpy (LibRaw).

Fast path: the JPEG preview the camera embedded, when it is large enough for what is asked (most cameras embed
a full-size or 1,600-pixel one): decoded like any JPEG, in draft mode.  Otherwise a half-size demosaic
(LibRaw's half_size: a quarter of the pixels, no interpolation), with the camera's white balance.  Either way
the photo is turned upright from the RAW's own orientation (LibRaw's `flip`), which embedded previews often
lack.  The date taken and the camera come from the RAW's own TIFF directories (a CR3 keeps them in boxes), else
from the embedded preview's EXIF (a RAF's).  A file LibRaw cannot read is a RawError with one sentence, which
imageio turns into a PhotoError like any other unreadable photo.
"""
from __future__ import annotations

import io

from PIL import Image

RAW_EXTENSIONS = frozenset({".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf",
                            ".rw2", ".dng", ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".mrw", ".rwl"})
# LibRaw's flip: how to turn the sensor's picture upright.
_FLIP = {3: Image.Transpose.ROTATE_180, 5: Image.Transpose.ROTATE_90, 6: Image.Transpose.ROTATE_270}
# Canon's CR3 (ISO base media, like MP4) keeps its TIFF directories in boxes CMT1 (IFD0: camera, DateTime) and
# CMT2 (the Exif directory: DateTimeOriginal) inside this uuid box of `moov`.
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
MAX_RAW_BYTES = 400 * 1024 * 1024  # larger than any camera's RAW: refuse rather than read it into memory
stats = {"preview": 0, "demosaic": 0}  # how each RAW was decoded in this process (the benchmark reads it)


class RawError(Exception):
    """str(e) is one sentence for the user."""


def is_raw_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot >= 0 and name[dot:].lower() in RAW_EXTENSIONS


def decode_raw(f, target: int, facts=None):
    """(upright RGB image about `target` pixels on its short side or more, full width, full height, date taken,
    camera) of an open RAW file; raises RawError with one sentence.  `facts(image) -> (taken, camera)` reads
    EXIF: from the RAW itself where Pillow can open it (the TIFF-based ones: DNG, NEF, CR2, ARW, …), else
    from the embedded preview."""
    try:
        import rawpy
    except ImportError:
        raise RawError("a RAW photo, and rawpy (LibRaw) is not installed here") from None
    data = f.read(MAX_RAW_BYTES + 1)
    if len(data) > MAX_RAW_BYTES:
        raise RawError(f"RAW file too large (over {MAX_RAW_BYTES // 1024**2} MB)")
    try:
        with rawpy.imread(io.BytesIO(data)) as raw:
            sizes = raw.sizes
            width, height = (sizes.height, sizes.width) if sizes.flip in (5, 6) else (sizes.width, sizes.height)
            jpeg = _jpeg_preview(raw)  # extracted once: for the picture, and for the date where the RAW lacks one
            taken, camera = _facts(data, facts)
            if (taken is None or camera is None) and facts is not None:  # RAF and kin: the preview's EXIF
                t, c = _preview_facts(jpeg, facts)
                taken, camera = taken or t, camera or c
            img = _preview(jpeg, target, sizes.flip)
            if img is None:
                rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8, user_flip=sizes.flip)
                img = Image.fromarray(rgb)
                stats["demosaic"] += 1
            else:
                stats["preview"] += 1
    except RawError:
        raise
    except Exception as e:  # rawpy.LibRawError and its kin: a damaged or unsupported RAW
        raise RawError(f"a RAW photo LibRaw cannot read ({type(e).__name__})") from None
    if min(img.size) > 2 * target:
        img.thumbnail((max(target, round(target * img.width / img.height)),
                       max(target, round(target * img.height / img.width))), Image.Resampling.BILINEAR)
    return img.convert("RGB"), width, height, taken, camera


def _facts(data: bytes, facts) -> tuple[str | None, str | None]:
    """(taken, camera) from the RAW's own TIFF directories (the TIFF-based RAWs: DNG, NEF, CR2, ARW, PEF, …, and
    those a CR3 keeps in its boxes), else from what Pillow makes of the file; (None, None) when neither says."""
    taken, camera = _tiff_facts(data) if data[:2] in (b"II", b"MM") else _cr3_facts(data)
    if (taken is None or camera is None) and facts is not None:
        try:
            with Image.open(io.BytesIO(data)) as img:
                t, c = facts(img)
            taken, camera = taken or t, camera or c
        except Exception:
            pass
    return taken, camera


def _tiff_facts(data: bytes) -> tuple[str | None, str | None]:
    from PIL import TiffImagePlugin

    if data[:2] not in (b"II", b"MM"):
        return None, None
    try:
        fp = io.BytesIO(data)
        ifd = TiffImagePlugin.ImageFileDirectory_v2(fp.read(8))
        ifd.load(fp)
        make, model = (str(ifd.get(t) or "").strip("\0 ") for t in (271, 272))
        taken = ifd.get(36867)  # DateTimeOriginal: in the Exif directory, or in IFD0 of a CR3's CMT2
        if 34665 in ifd:
            fp.seek(int(ifd[34665]))
            sub = TiffImagePlugin.ImageFileDirectory_v2(data[:8])
            sub.load(fp)
            taken = sub.get(36867)
        taken = str(taken or ifd.get(306) or "").strip("\0 ") or None
    except Exception:
        return None, None
    if taken and len(taken) >= 19 and taken[4] == ":" and taken[7] == ":":
        taken = f"{taken[:4]}-{taken[5:7]}-{taken[8:10]}T{taken[11:19]}"
    camera = (model if make and model.lower().startswith(make.split()[0].lower()) else f"{make} {model}".strip())
    return taken, camera or None


def _boxes(data: bytes, start: int, end: int):
    """The ISO base media boxes between start and end: (type, where its content starts, where it ends)."""
    pos = start
    while pos + 8 <= end:
        size, kind, head = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8], 8
        if size == 1:  # a 64-bit size follows the type
            size, head = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:  # to the end
            size = end - pos
        if size < head or pos + size > end:
            return
        yield kind, pos + head, pos + size
        pos += size


def _cr3_facts(data: bytes) -> tuple[str | None, str | None]:
    """(taken, camera) from a CR3's CMT1 and CMT2 boxes; (None, None) for any other file."""
    if data[4:12] != b"ftypcrx ":
        return None, None
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for kind, start, end in _boxes(data, start, end):
            if kind == b"uuid" and data[start:start + 16] == CANON_UUID:
                tiffs = {k: data[a:b] for k, a, b in _boxes(data, start + 16, end) if k in (b"CMT1", b"CMT2")}
                written, camera = _tiff_facts(tiffs.get(b"CMT1", b""))
                original, _ = _tiff_facts(tiffs.get(b"CMT2", b""))
                return original or written, camera
    return None, None


def _jpeg_preview(raw) -> bytes | None:
    """The bytes of the JPEG preview the camera embedded; None without one (or with a bitmap one)."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except Exception:  # no preview (rawpy.LibRawNoThumbnailError), or one LibRaw cannot unpack
        return None
    return bytes(thumb.data) if thumb.format == rawpy.ThumbFormat.JPEG else None


def _preview_facts(jpeg: bytes | None, facts) -> tuple[str | None, str | None]:
    """(taken, camera) from the EXIF of the JPEG preview (a RAF's carries the camera's whole EXIF); (None, None)
    without one."""
    if jpeg is None:
        return None, None
    try:
        with Image.open(io.BytesIO(jpeg)) as img:
            return facts(img)
    except Exception:  # one Pillow cannot open
        return None, None


def _preview(jpeg: bytes | None, target: int, flip: int) -> Image.Image | None:
    """The JPEG preview, upright, when its short side reaches `target`; else None."""
    if jpeg is None:
        return None
    try:
        img = Image.open(io.BytesIO(jpeg))
        if min(img.size) < target:
            return None
        img.draft("RGB", (target, target))
        img = img.convert("RGB")
    except Exception:
        return None
    return img.transpose(_FLIP[flip]) if flip in _FLIP else img

"""RAW photos: DNGs written by the tests (pidng: a Bayer mosaic of a known scene), decoded through rawpy (LibRaw)
by the same indexer as every photo, searchable, with thumbnails and the viewer; a damaged RAW is a recorded
failure; the embedded-preview path decodes a camera's JPEG preview and turns it upright."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from photoclip import imageio, rawimage

pytest.importorskip("rawpy")
pidng = pytest.importorskip("pidng.core")


# The camera of these DNGs sees linear sRGB: its ColorMatrix1 (XYZ to camera) is sRGB's, as rationals.
SRGB_FROM_XYZ = [[round(v * 10000), 10000] for v in (3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415,
                                                       0.0557, -0.2040, 1.0570)]


def write_dng(path, colour=(3500, 1500, 600), size=(600, 800), orientation=1, mosaic=None) -> str:
    """A 12-bit RGGB DNG of one flat colour (R, G, B in sensor units), as a camera would record it; or of
    `mosaic`, a Bayer mosaic of its own (uint16, `size`)."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CalibrationIlluminant, CFAPattern, DNGVersion, PhotometricInterpretation

    h, w = size
    img = np.zeros((h, w), dtype=np.uint16)
    r, g, b = colour
    img[0::2, 0::2], img[0::2, 1::2], img[1::2, 0::2], img[1::2, 1::2] = r, g, g, b
    if mosaic is not None:
        img = mosaic
    t = DNGTags()
    for tag, value in ((Tag.ImageWidth, w), (Tag.ImageLength, h), (Tag.TileWidth, w), (Tag.TileLength, h),
                       (Tag.Orientation, orientation),
                       (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
                       (Tag.SamplesPerPixel, 1), (Tag.BitsPerSample, 16), (Tag.CFARepeatPatternDim, [2, 2]),
                       (Tag.CFAPattern, CFAPattern.RGGB), (Tag.BlackLevel, 0), (Tag.WhiteLevel, 4095),
                       (Tag.ColorMatrix1, SRGB_FROM_XYZ),
                       (Tag.CalibrationIlluminant1, CalibrationIlluminant.D65),
                       (Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]), (Tag.BaselineExposure, [[0, 1]]),
                       (Tag.Make, "TestCam"), (Tag.Model, "T1"), (Tag.DateTime, "2024:06:01 18:30:00"), (Tag.DNGVersion, DNGVersion.V1_4),
                       (Tag.DNGBackwardVersion, DNGVersion.V1_2)):
        t.set(tag, value)
    conv = RAW2DNG()
    conv.options(t, path="", compress=False)
    conv.convert(img, filename=str(path)[:-4])
    return str(path)


def test_a_dng_is_demosaiced_upright_with_its_colours(tmp_path):
    path = write_dng(tmp_path / "red.dng")
    f, _st = imageio.open_readonly(path)
    with f:
        d = imageio.decode(f, 100)
    assert (d.width, d.height) == (800, 600) and min(d.image.size) >= 100
    assert d.camera == "TestCam T1" and d.taken == "2024-06-01T18:30:00"  # the RAW's own TIFF tags
    r, g, b = np.asarray(d.image).reshape(-1, 3).mean(0)
    assert r > g > b  # the scene was red-orange
    turned = write_dng(tmp_path / "turned.dng", orientation=6)  # shot in portrait
    f, _st = imageio.open_readonly(turned)
    with f:
        d = imageio.decode(f, 100)
    assert (d.width, d.height) == (600, 800) and d.image.height > d.image.width


def test_the_embedded_preview_is_used_when_large_enough_and_turned_upright():
    class Thumb:
        format = __import__("rawpy").ThumbFormat.JPEG

        def __init__(self, data):
            self.data = data

    class Raw:  # what rawpy hands back: a camera's 1600x1200 JPEG preview, without orientation
        def __init__(self, data):
            self.data = data

        def extract_thumb(self):
            return Thumb(self.data)

    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (10, 200, 30)).save(buf, "JPEG", quality=90)
    jpeg = rawimage._jpeg_preview(Raw(buf.getvalue()))
    img = rawimage._preview(jpeg, 256, flip=6)
    assert img is not None and img.width < img.height and min(img.size) >= 256  # upright, draft-decoded
    assert rawimage._preview(jpeg, 2000, flip=0) is None  # too small: demosaic instead


def _tiff(tags: dict) -> bytes:
    """A TIFF header and one directory of `tags`, as a CR3 keeps them in its CMT boxes."""
    from PIL import TiffImagePlugin

    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    for tag, value in tags.items():
        ifd[tag] = value
    return b"II*\0" + (8).to_bytes(4, "little") + ifd.tobytes(8)


def _box(kind: bytes, content: bytes, large: bool = False) -> bytes:
    if large:  # a 64-bit size, as a large mdat has
        return (1).to_bytes(4, "big") + kind + (16 + len(content)).to_bytes(8, "big") + content
    return (8 + len(content)).to_bytes(4, "big") + kind + content


def test_a_cr3s_date_and_camera_come_from_its_cmt_boxes():
    # The layout of Canon's CR3 (ISO base media): ftyp "crx ", then moov holding Canon's uuid box, whose CMT1 is
    # IFD0 (Make, Model, DateTime) and CMT2 the Exif directory (DateTimeOriginal), each a TIFF of its own.
    cmt1 = _tiff({271: "Canon", 272: "Canon EOS R5", 306: "2023:05:01 10:00:05"})
    cmt2 = _tiff({36867: "2023:05:01 09:59:58", 33434: 0.004})
    canon = _box(b"uuid", rawimage.CANON_UUID + _box(b"CNCV", b"CanonCR3_001/00.10.00/00.00.00")
                 + _box(b"CMT1", cmt1) + _box(b"CMT2", cmt2) + _box(b"CMT3", b"II*\0junk"))
    head = _box(b"ftyp", b"crx \0\0\0\1crx isom")
    cr3 = head + _box(b"uuid", bytes(16) + b"xmp") + _box(b"moov", _box(b"mvhd", bytes(100)) + canon) \
        + _box(b"mdat", bytes(64), large=True)
    assert rawimage._facts(cr3, None) == ("2023-05-01T09:59:58", "Canon EOS R5")
    no_exif = head + _box(b"moov", _box(b"uuid", rawimage.CANON_UUID + _box(b"CMT1", cmt1)))
    assert rawimage._facts(no_exif, None) == ("2023-05-01T10:00:05", "Canon EOS R5")  # DateTime, then
    cut = cr3[:len(head) + 40]  # a truncated file: nothing, and no error
    assert rawimage._facts(cut, None) == (None, None)
    assert rawimage._facts(b"FUJIFILMCCD-RAW 0201" + bytes(200), None) == (None, None)


def test_a_raws_date_and_camera_fall_back_to_its_previews_exif():
    # A RAF keeps the camera's EXIF in its embedded JPEG; LibRaw hands that JPEG back whole.
    class Thumb:
        format = __import__("rawpy").ThumbFormat.JPEG

        def __init__(self, data):
            self.data = data

    class Raw:
        def __init__(self, data):
            self.data = data

        def extract_thumb(self):
            return Thumb(self.data)

    exif = Image.Exif()
    exif[271], exif[272] = "FUJIFILM", "X-T5"
    exif.get_ifd(0x8769)[36867] = "2024:02:03 14:15:16"
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), (200, 100, 0)).save(buf, "JPEG", exif=exif)
    jpeg = rawimage._jpeg_preview(Raw(buf.getvalue()))
    assert rawimage._preview_facts(jpeg, imageio._exif_facts) == ("2024-02-03T14:15:16", "FUJIFILM X-T5")
    assert rawimage._preview_facts(b"not a jpeg", imageio._exif_facts) == (None, None)


def test_raw_photos_are_indexed_searched_and_shown(library, tmp_path, qtbot):
    folder = tmp_path / "pics"
    folder.mkdir()
    write_dng(folder / "IMG_0001.dng")
    write_dng(folder / "IMG_0002.dng", colour=(600, 1500, 3500))
    (folder / "broken.nef").write_bytes(b"NIKON" + os.urandom(5000))  # a damaged RAW
    library.add_folders([str(folder)])
    out = library.index_now()
    assert out["indexed"] == 2 and out["failed"] == 1
    (failure,) = library.failures()
    assert failure["path"].endswith("broken.nef") and failure["reason"].startswith("a RAW photo LibRaw cannot read")
    assert {os.path.basename(r.path) for r in library.query("type:dng").results} == {"IMG_0001.dng", "IMG_0002.dng"}
    similar = library.similar(str(folder / "IMG_0001.dng"))
    assert similar and os.path.basename(similar[0].path) == "IMG_0002.dng"
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QSize

    from photoclip.gui.thumbnails import render
    from photoclip.gui.viewer import load_picture

    thumb = render(str(folder / "IMG_0001.dng"), str(tmp_path / "thumbs"))
    assert thumb is not None and not thumb.isNull()

    class Client:
        def query(self, op, **params):
            from photoclip import ops

            return ops.OPERATIONS[op](library, **params)

    info, image, original = load_picture(Client(), str(folder / "IMG_0001.dng"), QSize(400, 400))
    assert not image.isNull() and image.width() <= 400 and original == QSize(800, 600)
    assert info["path"].endswith("IMG_0001.dng")


def test_a_raw_and_jpeg_pair_is_one_photo_with_both_files(library, tmp_path):
    """IMG_0007.dng beside IMG_0007.jpg: one photo (the JPEG shows it, the RAW is listed with it), counted once,
    never in duplicates; moved apart, they are two photos again."""
    from photoclip import ops

    folder = tmp_path / "pics"
    folder.mkdir()
    raw = write_dng(folder / "IMG_0007.dng")
    jpeg = folder / "IMG_0007.jpg"
    Image.new("RGB", (800, 600), (230, 120, 40)).save(jpeg, quality=90)
    write_dng(folder / "IMG_0008.dng", colour=(600, 1500, 3500))  # a RAW alone
    library.add_folders([str(folder)])
    out = library.index_now()
    assert out["indexed"] == 3  # three files read and encoded
    listed = [os.path.basename(p) for _i, p in library.catalog.listing()]
    assert sorted(listed) == ["IMG_0007.jpg", "IMG_0008.dng"]  # the pair once
    assert library.status()["photos"] == 2
    # type:raw finds the pair by its RAW (the JPEG shows it) beside the lone RAW; type:jpeg finds the pair too
    assert sorted(os.path.basename(r.path) for r in library.query("type:raw").results) == ["IMG_0007.jpg",
                                                                                         "IMG_0008.dng"]
    assert [os.path.basename(r.path) for r in library.query("type:jpeg").results] == ["IMG_0007.jpg"]
    info = ops.photo_info(library, str(jpeg))["photo"]
    assert info["pair"] == [raw]
    assert ops.duplicates(library)["extra"] == 0  # half a pair is never offered for the trash
    import shutil

    shutil.copy2(jpeg, folder / "copy of IMG_0007.jpg")  # a byte-identical copy of the pair's JPEG
    library.index_now()
    (group,) = ops.duplicates(library)["groups"]
    kept = next(p for p in group["photos"] if p["best"])
    assert kept["path"] == str(jpeg)  # the pair's JPEG stays; the loose copy is the extra
    assert [p["path"] for p in group["photos"] if p["preselect"]] == [str(folder / "copy of IMG_0007.jpg")]
    os.remove(folder / "copy of IMG_0007.jpg")
    library.index_now()
    results = {os.path.basename(r.path) for r in library.query("a photo", limit=10).results}
    assert "IMG_0007.dng" not in results
    moved = folder / "sub"
    moved.mkdir()
    os.rename(raw, moved / "IMG_0007.dng")  # the pair broken up: the RAW is a photo of its own again
    library.index_now()
    assert sorted(os.path.basename(p) for _i, p in library.catalog.listing()) == \
        ["IMG_0007.dng", "IMG_0007.jpg", "IMG_0008.dng"]

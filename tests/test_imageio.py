"""Reading photos: every supported format, EXIF orientation and facts, reduced JPEG decoding, bad input."""
import io
import os

import numpy as np
import pytest
from PIL import Image

from photoclip import imageio


def _photo(color=(200, 30, 30), size=(120, 80)):
    img = Image.new("RGB", size, (240, 240, 240))
    img.paste(Image.new("RGB", (size[0] // 2, size[1]), color), (0, 0))  # left half coloured
    return img


@pytest.mark.parametrize("ext,fmt", [("jpg", "JPEG"), ("png", "PNG"), ("webp", "WEBP"), ("tiff", "TIFF"),
                                     ("bmp", "BMP"), ("gif", "GIF"), ("heic", "HEIF")])
def test_every_supported_format_decodes(tmp_path, ext, fmt):
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    path = tmp_path / f"photo.{ext}"
    _photo().save(path, fmt)
    decoded, digest, st = imageio.load(str(path), 64)
    assert decoded.image.mode == "RGB" and (decoded.width, decoded.height) == (120, 80)
    assert len(digest) == 32 and st.st_size == path.stat().st_size
    left = np.asarray(decoded.image)[:, : decoded.image.width // 4].mean(axis=(0, 1))
    assert left[0] > 150 and left[1] < 90  # the red half is still on the left


def test_gif_first_frame_and_transparency(tmp_path):
    frames = [Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    img = imageio.load(str(tmp_path / "anim.gif"))[0].image
    assert img.getpixel((20, 20))[0] > 200  # red: the first frame
    rgba = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    rgba.save(tmp_path / "clear.png")
    assert imageio.load(str(tmp_path / "clear.png"))[0].image.getpixel((5, 5)) == (255, 255, 255)


def test_exif_orientation_date_and_camera(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R6"
    exif.get_ifd(0x8769)[0x9003] = "2023:07:14 18:30:05"
    path = tmp_path / "rotated.jpg"
    _photo(size=(120, 80)).save(path, exif=exif.tobytes())
    d = imageio.load(str(path))[0]
    assert (d.width, d.height) == (80, 120) and d.image.size == (80, 120)
    assert d.taken == "2023-07-14T18:30:05" and d.camera == "Canon EOS R6"
    top = np.asarray(d.image)[: d.image.height // 4].mean(axis=(0, 1))
    assert top[0] > 150 and top[1] < 90  # the red left half is now on top


def test_large_jpeg_is_decoded_at_reduced_size(tmp_path):
    path = tmp_path / "big.jpg"
    _photo(size=(4000, 3000)).save(path, quality=90)
    d = imageio.load(str(path), 256)[0]
    assert (d.width, d.height) == (4000, 3000)  # the original's size is recorded
    assert min(d.image.size) <= 512  # but never decoded at full size


@pytest.mark.parametrize("make,fragment", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(os.urandom(4096)), "not an image"),
    (lambda p: p.write_text("<html>not found</html>"), "not an image"),
    (lambda p: p.write_bytes(_jpeg_bytes()[:600]), "truncated"),
    (lambda p: os.mkfifo(p), "pipe"),
    (lambda p: p.mkdir(), "folder"),
    (lambda p: os.symlink(p.parent / "gone.jpg", p), "not found"),
])
def test_bad_input_is_one_clear_reason(tmp_path, make, fragment):
    p = tmp_path / "bad.jpg"
    make(p)
    with pytest.raises(imageio.PhotoError) as e:
        imageio.load(str(p))
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    Image.new("1", (20000, 10000)).save(p)
    with pytest.raises(imageio.PhotoError, match="too large"):
        imageio.load(str(p))


def test_device_file_is_refused():
    with pytest.raises(imageio.PhotoError, match="device"):
        imageio.open_readonly("/dev/zero")


def _jpeg_bytes():
    buf = io.BytesIO()
    _photo(size=(300, 200)).save(buf, "JPEG")
    return buf.getvalue()


def _gradient16(w=300, h=200):
    return np.tile(np.linspace(0, 65535, w), (h, 1)).astype(np.uint16)  # black on the left, white on the right


@pytest.mark.parametrize("name,make", [
    ("sixteen.png", lambda: Image.fromarray(_gradient16())),  # mode I;16, as scanners write it
    ("int32.tiff", lambda: Image.fromarray(_gradient16().astype(np.int32) * 3)),  # mode I, beyond 16 bits
    ("float.tiff", lambda: Image.fromarray(_gradient16().astype(np.float32) / 65535)),  # mode F, 0..1
])
def test_high_bit_depth_images_keep_their_tones(tmp_path, name, make):
    img = make()
    img.save(tmp_path / name)
    out = np.asarray(imageio.load(str(tmp_path / name), 64)[0].image).astype(float)
    # A gradient from black to white: dark on the left, light on the right, not clipped to white.
    assert out[:, :5].mean() < 40 and out[:, -5:].mean() > 215 and 100 < out.mean() < 155


@pytest.mark.parametrize("mode,fmt", [("LA", "PNG"), ("PA", "TIFF"), ("P", "PNG"), ("CMYK", "TIFF"),
                                      ("YCbCr", "JPEG"), ("RGBA", "PNG"), ("1", "PNG")])
def test_every_pillow_mode_becomes_rgb(tmp_path, mode, fmt):
    src = Image.new("RGB", (300, 200), (30, 30, 200)).convert(mode)
    path = tmp_path / f"m.{fmt.lower()}"
    src.save(path, fmt)
    img = imageio.load(str(path), 64)[0].image
    assert img.mode == "RGB" and 64 <= min(img.size) <= 128
    r, g, b = np.asarray(img).astype(float).mean(axis=(0, 1))
    if mode in ("LA", "1"):  # no colour, but the blue's lightness survives
        assert abs(r - g) < 1 and abs(g - b) < 1 and 10 < r < 120
    else:
        assert b > 150 and r < 80 and g < 80, (r, g, b)


def test_palette_transparency_is_white_not_black(tmp_path):
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).convert("P").save(tmp_path / "clear.png")  # transparency kept
    assert np.asarray(imageio.load(str(tmp_path / "clear.png"), 32)[0].image).mean() > 250

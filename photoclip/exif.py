"""What the camera wrote into a photo, in words a person reads: exposure, aperture, ISO, focal length, lens,
flash and where it was taken (GPS).  The viewer's info panel and `photo_info` show them; nothing here decodes
pixels (Pillow reads the header only)."""
from __future__ import annotations

from fractions import Fraction

from PIL import Image

from .imageio import open_readonly

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL = 0x010F, 0x0110
EXPOSURE, FNUMBER, ISO, FOCAL, FOCAL_35, FLASH, LENS_MAKE, LENS_MODEL = (
    0x829A, 0x829D, 0x8827, 0x920A, 0xA405, 0x9209, 0xA433, 0xA434)


def _number(value) -> float | None:
    try:
        if isinstance(value, tuple) and len(value) == 2:  # an old-style rational (numerator, denominator)
            return value[0] / value[1] if value[1] else None
        out = float(value)
        return out if out == out else None  # NaN (a 0/0 rational) is no number
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def exposure_text(seconds: float) -> str:
    """1/250 s, 0.3 s, 2 s: the way cameras show it."""
    if seconds <= 0:
        return ""
    if seconds < 0.25:
        return f"1/{round(1 / seconds)} s"
    return f"{float(Fraction(seconds).limit_denominator(10)):g} s"


def _degrees(value, ref) -> float | None:
    try:
        d, m, s = (_number(v) for v in value)
        if None in (d, m, s):
            return None
        out = d + m / 60 + s / 3600
        return -out if str(ref).upper().startswith(("S", "W")) else out
    except (TypeError, ValueError):
        return None


def gps(exif: Image.Exif) -> dict | None:
    """{"lat", "lon"} (and "altitude" in metres where written) in decimal degrees, or None."""
    try:
        ifd = exif.get_ifd(GPS_IFD)
    except Exception:
        return None
    if not ifd or 2 not in ifd or 4 not in ifd:
        return None
    lat, lon = _degrees(ifd[2], ifd.get(1, "N")), _degrees(ifd[4], ifd.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat, lon) == (0, 0):
        return None
    out = {"lat": round(lat, 6), "lon": round(lon, 6)}
    alt = _number(ifd.get(6))
    if alt is not None:
        out["altitude"] = round(-alt if ifd.get(5) in (1, b"\x01") else alt, 1)
    return out


def position(path: str) -> tuple[float, float] | None:
    """(lat, lon) where the photo at `path` was taken, from its EXIF GPS (a video's from its location tag);
    None without one (or unreadable)."""
    from . import video

    try:
        f, _st = open_readonly(path)
        with f:
            if video.is_video_name(path):
                return video.position(f)
            with Image.open(f) as img:
                where = gps(img.getexif())
    except Exception:
        return None
    return (where["lat"], where["lon"]) if where else None


def camera_facts(path: str) -> dict:
    """The camera's facts of the photo at `path`, each only when written: camera, lens, exposure, aperture,
    iso, focal_length, flash, gps.  {} for a file without EXIF or one that cannot be read."""
    try:
        f, _st = open_readonly(path)
        with f, Image.open(f) as img:
            exif = img.getexif()
    except Exception:
        return {}
    if not exif:
        return {}
    try:
        sub = exif.get_ifd(EXIF_IFD)
    except Exception:
        sub = {}
    out: dict = {}
    make, model = (str(exif.get(t) or "").strip("\0 ") for t in (MAKE, MODEL))
    if model:
        out["camera"] = model if not make or model.lower().startswith(make.split()[0].lower()) else f"{make} {model}"
    lens = " ".join(str(sub.get(t) or "").strip("\0 ") for t in (LENS_MAKE, LENS_MODEL)).strip()
    if lens:
        out["lens"] = lens
    seconds = _number(sub.get(EXPOSURE))
    if seconds:
        out["exposure"] = exposure_text(seconds)
    f_number = _number(sub.get(FNUMBER))
    if f_number:
        out["aperture"] = f"f/{f_number:.1f}".replace(".0", "")
    iso = sub.get(ISO)
    iso = iso[0] if isinstance(iso, tuple) and iso else iso
    if isinstance(iso, int) and iso > 0:
        out["iso"] = iso
    focal, focal_35 = _number(sub.get(FOCAL)), _number(sub.get(FOCAL_35))
    if focal:
        out["focal_length"] = f"{focal:g} mm" + (f" ({focal_35:g} mm in 35 mm terms)"
                                                 if focal_35 and round(focal_35) != round(focal) else "")
    flash = sub.get(FLASH)
    if isinstance(flash, int):
        out["flash"] = bool(flash & 1)
    place = gps(exif)
    if place:
        out["gps"] = place
    return out

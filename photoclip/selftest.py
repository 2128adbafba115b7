"""`photoclip --self-test`: does this installation work, end to end, on this machine?

In a temporary home it draws pictures of the toy world (photoclip/toyworld.py), indexes them with the small
model that ships inside the package (data/toyclip, the one the tests use), searches them, builds an album and
renders the window offscreen; then prints one verdict line.  Nothing outside the temporary folder is touched
and no network is used.  Exit status 0 only if every step worked.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from importlib import resources

PICTURES = 24
STEPS = ("draw", "index", "search", "album", "window")


def model_spec() -> str:
    return f"local-dir:{resources.files('photoclip.data').joinpath('toyclip')}"


def run(keep: bool = False) -> int:
    from . import toyworld
    from .library import Library

    started = time.monotonic()
    home = tempfile.mkdtemp(prefix="photoclip-selftest-")
    step, facts = "draw", []
    try:
        photos = os.path.join(home, "photos")
        os.makedirs(photos)
        truth = {}
        for i, (img, pic) in enumerate(toyworld.draw_set(20_240, PICTURES, sizes=((320, 240), (240, 320)),
                                                          scenes=["night", "beach", "receipt", "forest"])):
            path = os.path.join(photos, f"{i:02d}_{pic.scene}.jpg")
            img.save(path, quality=90)
            truth[path] = pic.scene
        step = "index"
        from .client import ServiceClient
        from .service import LibraryService

        lib = Library(home=os.path.join(home, "home"), model=model_spec(), device="cpu")
        service = LibraryService(lib, kind="index", watch=False, serve=False).start()
        client = ServiceClient(service)  # the same door as the window's and the CLI's
        try:
            client.query("folders_add", paths=[photos])
            out = service.run_until_current()
            if out["indexed"] != PICTURES or out["failed"]:
                raise RuntimeError(f"indexed {out['indexed']} of {PICTURES} pictures, {out['failed']} failed")
            facts.append(f"indexed {PICTURES} in {out['seconds']:.1f}s")
            import torch  # which of PyTorch's CPU kernels this CPU runs (DEFAULT, AVX2, AVX512): a support fact

            facts.append(f"cpu {torch.backends.cpu.get_cpu_capability().lower()}")
            step = "search"
            results = client.query("search", query="the night sky", limit=6)["results"]
            night = [r for r in results if truth.get(r["path"]) == "night"]
            if len(night) < 5:
                raise RuntimeError(f"'the night sky' found {len(night)} night pictures among its top 6")
            facts.append("search")
            step = "album"
            client.query("albums_add", name="Receipts", prompts=["a receipt"])
            members = client.query("albums_show", name="Receipts")["members"]
            right = sum(truth.get(m["path"]) == "receipt" for m in members)
            if not members or right < 0.8 * len(members):
                raise RuntimeError(f"the album holds {len(members)} photos, {right} of them receipts")
            facts.append("album")
            step = "text"
            facts.append(_read_receipt(home))
            step = "people"
            facts.append(_find_people(home))
            step = "places"
            facts.append(_name_a_place())
            step = "raw"
            facts.append(_decode_a_raw())
            step = "video"
            facts.append(_sample_a_video())
        finally:
            client.close()
            service.stop()
        step = "window"
        try:
            from .gui.app import check_window

            facts.append(check_window(lib, PICTURES))
        except ImportError as e:
            raise RuntimeError(f"the window cannot be created here ({e})") from None
        lib.close()
    except Exception as e:
        print(f"photoclip self-test: FAILED at {step}: {e}")
        return 1
    finally:
        if keep:
            print(f"photoclip self-test: files kept in {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
    print(f"photoclip self-test: OK ({', '.join(facts)}; {time.monotonic() - started:.1f}s in all)")
    return 0


def _find_people(home: str) -> str:
    """The face models that ship with the app find the faces in three photos of two real people (the portraits
    in data/faces, one of them also mirrored and enlarged); the faces stage makes one person of the two photos of
    the same face and leaves the face seen once unsorted (one photo is not yet a person)."""
    from PIL import Image, ImageOps

    from .client import ServiceClient
    from .library import FIND_FACES_ENV, Library
    from .service import LibraryService

    folder = os.path.join(home, "people")
    os.makedirs(folder)
    faces = resources.files("photoclip.data").joinpath("faces")
    hopper = Image.open(str(faces.joinpath("grace_hopper.jpg"))).convert("RGB")
    hopper.save(os.path.join(folder, "hopper.jpg"), quality=90)
    ImageOps.mirror(hopper).resize((hopper.width * 2, hopper.height * 2)).save(os.path.join(folder, "hopper2.jpg"))
    Image.open(str(faces.joinpath("astronaut.jpg"))).convert("RGB").save(os.path.join(folder, "collins.jpg"))
    before = os.environ.get(FIND_FACES_ENV)
    os.environ[FIND_FACES_ENV] = "1"  # whatever this environment says: the step is about faces
    t0 = time.monotonic()
    lib = Library(home=os.path.join(home, "people-home"), model=model_spec(), device="cpu")
    service = LibraryService(lib, kind="index", watch=False, serve=False).start()
    client = ServiceClient(service)
    try:
        client.query("folders_add", paths=[folder])
        service.run_until_current()
        answer = client.query("people")
        grouped, counts = [p["photos"] for p in answer["people"]], answer["faces"]
        if grouped != [2] or counts["faces"] != 3 or counts["unsorted"] != 1:
            raise RuntimeError(f"three faces of two people were grouped as {grouped}, {counts['faces']} faces found")
        mine = client.query("search", query=f"person:{answer['people'][0]['id']}", limit=5)["results"]
        if sorted(os.path.basename(r["path"]) for r in mine) != ["hopper.jpg", "hopper2.jpg"]:
            raise RuntimeError("the same person's two photos were not grouped together")
    finally:
        client.close()
        service.stop()
        lib.close()
        if before is None:
            os.environ.pop(FIND_FACES_ENV, None)
        else:
            os.environ[FIND_FACES_ENV] = before
    return f"people {time.monotonic() - t0:.1f}s"


def _name_a_place() -> str:
    """The gazetteer that ships with the app names a position (Lisbon) in English and Chinese."""
    from .places import Gazetteer

    t0 = time.monotonic()
    spot = Gazetteer().place(38.7223, -9.1393)
    if (spot.name, spot.name_zh, spot.country, spot.country_zh) != ("Lisbon", "里斯本", "Portugal", "葡萄牙"):
        raise RuntimeError(f"a position in Lisbon was named {spot.label!r}")
    return f"places {time.monotonic() - t0:.1f}s"


def _decode_a_raw() -> str:
    """LibRaw (rawpy), as the app ships it, demosaics a small DNG (data/selftest.dng: a red-orange Bayer mosaic
    written by pidng) upright and with its colours."""
    import numpy as np

    from . import imageio

    t0 = time.monotonic()
    f, _st = imageio.open_readonly(str(resources.files("photoclip.data").joinpath("selftest.dng")))
    with f:
        decoded = imageio.decode(f, 32)
    r, g, b = np.asarray(decoded.image).reshape(-1, 3).mean(0)
    if (decoded.width, decoded.height) != (128, 96) or not r > g > b:
        raise RuntimeError(f"a DNG was decoded as {decoded.width}x{decoded.height}, colour {r:.0f},{g:.0f},{b:.0f}")
    return f"raw {time.monotonic() - t0:.1f}s"


def _sample_a_video() -> str:
    """FFmpeg (PyAV), as the app ships it, decodes a small H.264 video (data/selftest.mp4: two seconds of red,
    then two of blue, encoded by PyAV): its poster, and a frame for each of its two scenes."""
    import numpy as np

    from . import imageio, video

    t0 = time.monotonic()
    path = str(resources.files("photoclip.data").joinpath("selftest.mp4"))
    f, _st = imageio.open_readonly(path)
    with f:
        decoded = imageio.decode(f, 32)
    sampled = video.sample(path, 32)
    colours = [np.asarray(img).reshape(-1, 3).mean(0) for _t, img in sampled.frames]
    if decoded.duration is None or abs(decoded.duration - 4.0) > 0.2 or len(colours) != 2 \
            or not colours[0][0] > colours[0][2] or not colours[1][2] > colours[1][0]:
        raise RuntimeError(f"a video was read as {decoded.duration} s long with scenes {colours}")
    return f"video {time.monotonic() - t0:.1f}s"


def _read_receipt(home: str) -> str:
    """The OCR models that ship with the app read a drawn receipt (English and Chinese lines)."""
    import random

    from . import textworld
    from .ocr import TextReader
    from .textnorm import normalize

    path = os.path.join(home, "receipt.jpg")
    textworld.draw("receipt", 0, 1200, 900, random.Random(3)).image.save(path, quality=90)
    t0 = time.monotonic()
    lines, _skipped = TextReader().read_photo(path)
    read = normalize(" ".join(ln.text for ln in lines or []))
    if "ikea" not in read or "42.50" not in read:
        raise RuntimeError(f"the receipt was read as {read!r}")
    return f"text {time.monotonic() - t0:.1f}s"

"""The README's screenshots, made from the current code: the library, a search, the viewer, an album,
duplicates and the first run, in English and in Chinese.

    xvfb-run -a python tools/screenshots.py [--out docs/screenshots] [--lang en zh_CN]
    QT_QPA_PLATFORM=offscreen python tools/screenshots.py --out /tmp/shots   # no display needed

It draws a toy library (tools/toyworld.py: beaches, forests, snow, night skies, receipts, rooms, spread over
two years, with a few copies), indexes it with the small model that ships in the package, and saves one PNG
per state and language.  A test runs it, so a change that breaks it fails the suite.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tools"), os.path.join(ROOT, "tests")]

STATES = ("library", "search", "viewer", "album", "duplicates", "dark", "text", "people", "faces", "video",
          "first-run", "offline")


def draw_library(folder: str) -> None:
    import toyworld

    os.makedirs(folder, exist_ok=True)
    pictures = toyworld.draw_set(4242, 72, sizes=((480, 360), (360, 480), (480, 320)))
    for i, (img, pic) in enumerate(pictures):
        path = os.path.join(folder, f"{i:03d}_{pic.scene}.jpg")
        spot = ((38.7223, -9.1393), (41.1496, -8.611), (22.2855, 114.1577), None, None)[i % 5]  # Places
        img.save(path, quality=88, **({"exif": with_gps(*spot)} if spot else {}))
        when = time.mktime((2023 + i // 36, 1 + (i // 6) % 12, 1 + i % 27, 12, 0, 0, 0, 0, -1))
        os.utime(path, (when, when))
    for i in (3, 17):  # a few copies for the duplicates window
        shutil.copy2(os.path.join(folder, sorted(os.listdir(folder))[i]), os.path.join(folder, f"copy-{i}.jpg"))
    import random

    from photoclip import textworld

    rng = random.Random(8)  # photos with text in them, for the text panel and text search
    for name, kind, index in (("receipt-ikea.jpg", "receipt", 0), ("receipt-beijing.jpg", "receipt", 1),
                              ("sign.jpg", "sign", 2)):
        textworld.draw(kind, index, 1200, 900, rng).image.save(os.path.join(folder, name), quality=90)
    draw_people(folder)
    draw_videos(folder)


def draw_videos(folder: str) -> None:
    """Two short videos (their scenes one after another, encoded by PyAV) and a Live Photo (a still with its
    three-second movie)."""
    import random

    import toyworld
    from helpers import write_video

    def scene(name, shape, colour, seed):
        pic = toyworld.ToyPicture(name, [toyworld.ToyObject(shape, colour)])
        return toyworld.draw_picture(pic, 480, 360, random.Random(seed))

    write_video(os.path.join(folder, "trip.mp4"), [scene("forest", "circle", "red", 1), scene("snow", "star", "blue", 2),
                                                  scene("night", "square", "yellow", 3)], seconds=4.0)
    write_video(os.path.join(folder, "walk.mov"), [scene("room", "triangle", "green", 4),
                                                  scene("beach", "circle", "orange", 5)], seconds=7.0)
    scene("beach", "star", "purple", 6).save(os.path.join(folder, "IMG_0042.jpg"), quality=88)
    write_video(os.path.join(folder, "IMG_0042.mov"), [scene("beach", "star", "purple", 6)], seconds=3.0)


def draw_people(folder: str) -> None:
    """Two real people (photoclip/data/faces: public-domain portraits) in a few photos each, and together."""
    from PIL import Image, ImageEnhance, ImageOps

    faces = os.path.join(ROOT, "photoclip", "data", "faces")
    both = Image.new("RGB", (1500, 900), (110, 130, 150))
    for k, name in enumerate(("astronaut", "grace_hopper")):
        im = Image.open(os.path.join(faces, f"{name}.jpg")).convert("RGB")
        for j, v in enumerate((im, ImageOps.mirror(im), ImageEnhance.Color(im).enhance(0.5),
                               im.crop((30, 20, im.width - 30, im.height - 30)))):
            v.save(os.path.join(folder, f"{name}-{j}.jpg"), quality=88)
        both.paste(im.resize((380, round(380 * im.height / im.width))), (180 + 700 * k, 200))
    both.save(os.path.join(folder, "together.jpg"), quality=88)


def with_gps(lat: float, lon: float):
    """EXIF with a GPS position, as a camera writes it."""
    from PIL import Image
    from PIL.TiffImagePlugin import IFDRational

    def dms(v):
        v = abs(v)
        d, m = int(v), int((v - int(v)) * 60)
        return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(round(((v - d) * 60 - m) * 6000), 100))

    exif = Image.Exif()
    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    return exif


class stand_in_hub:
    """The model hub as a first run meets it: the small model served slowly by tests/hubstandin.py under a
    hub name (reachable), or an address where nothing answers (offline); the Pictures folder a new user has."""

    def __init__(self, slow: bool, reachable: bool = True):
        self.slow, self.reachable = slow, reachable

    def __enter__(self):
        import contextlib

        import platformdirs
        from hubstandin import HubStandIn, hub_client_at, toy_files

        self.stack = contextlib.ExitStack()
        server = self.stack.enter_context(HubStandIn({"photoclip/toyclip": toy_files()},
                                                     chunk_delay=0.2 if self.slow else 0))
        url = server.url if self.reachable else "http://127.0.0.1:9"  # the discard port: refused
        self.stack.enter_context(hub_client_at(url, chunk=16 * 1024))
        pictures = os.path.join(tempfile.mkdtemp(prefix="photoclip-shots-"), "Pictures")
        os.makedirs(pictures)
        saved = platformdirs.user_pictures_dir
        platformdirs.user_pictures_dir = lambda: pictures
        self.stack.callback(setattr, platformdirs, "user_pictures_dir", saved)
        return self

    def __exit__(self, *exc):
        self.stack.__exit__(*exc)


def settle(app, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait(app, signal, timeout: float = 60.0) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()


def shoot(lib, home: str, lang: str, out: str, states) -> list[str]:
    from PySide6.QtWidgets import QApplication

    from photoclip.gui import i18n
    from photoclip.gui.dialogs import AlbumDialog
    from photoclip.gui.window import MainWindow
    from photoclip.library import Library

    app = QApplication.instance()
    i18n.install(app, lang)
    saved = []

    def shoot_viewer(paths, name, times=None):
        from photoclip.gui.viewer import Viewer

        v = Viewer(w, paths, 0, times)
        v.resize(1200, 780)
        v.show()
        wait(app, v.loaded)
        save(v, name)
        v.close()

    def save(widget, name):
        settle(app)
        path = os.path.join(out, f"{name}-{lang}.png")
        widget.grab().save(path)
        saved.append(path)

    def thumbnails_arrived():
        while w.thumbs._queued:
            settle(app, 0.1)

    def search_for(english, chinese=None):
        """A search in the window's language (Chinese where the model reads it), its thumbnails arrived."""
        zh = chinese and lang.startswith("zh") and lib.encoder.languages != ["en"]
        w.search.setText(chinese if zh else english)
        w._search_now()
        wait(app, w.view_loaded)
        thumbnails_arrived()

    w = MainWindow(lib, start_service=False)
    w.resize(1200, 780)
    w.show()
    wait(app, w.model_ready)
    if w.model.rowCount() == 0:
        wait(app, w.view_loaded)
    thumbnails_arrived()
    if "library" in states:
        save(w, "library")
    if "search" in states:
        search_for("the night sky", "夜空")
        save(w, "search")
    if "viewer" in states:
        shoot_viewer([it.path for it in w.model.items], "viewer")
    if "album" in states:
        dlg = AlbumDialog(w, w.client.query("albums_show", name="Night sky"))
        dlg.show()
        wait(app, dlg.scores_ready)
        settle(app, 1.0)  # the member and borderline pictures arrive from the thumbnail workers
        thumbnails_arrived()
        save(dlg, "album")
        dlg.close()
    if "duplicates" in states:
        dlg = w.show_duplicates()
        wait(app, dlg.loaded)
        dlg.resize(1200, 700)
        settle(app, 1.0)
        save(dlg, "duplicates")
        dlg.close()
    if "text" in states:  # a search for words written in a photo: the viewer lists its text and outlines them
        search_for("IKEA")
        shoot_viewer([next(it.path for it in w.model.items if it.path.endswith("receipt-ikea.jpg"))], "text")
    if "people" in states:  # the People page: everyone as a face, named first; the sidebar's People section
        w.search.clear()
        w.show_mode(("people", None))
        wait(app, w.view_loaded)
        settle(app, 1.0)
        thumbnails_arrived()
        save(w, "people")
    if "faces" in states:  # the viewer frames the faces and names them
        shoot_viewer([next(p for _i, p in lib.catalog.listing() if p.endswith("together.jpg"))], "faces")
    if "video" in states:  # a video found by a later scene: the grid shows that frame and its time, the viewer
        search_for("snow", "雪地")  # opens there with the video's scenes and the player's buttons
        save(w, "video-search")
        hit = next(it for it in w.model.items if it.path.endswith("trip.mp4"))
        shoot_viewer([hit.path], "video", {hit.path: hit.at} if hit.at is not None else None)
    if "dark" in states:  # the system switched to its dark theme: the window follows (photoclip.gui.theme; a
        # virtual display has no desktop to say so, so the change arrives as colorSchemeChanged would bring it)
        from PySide6.QtCore import Qt

        from photoclip.gui.theme import SystemTheme

        before, theme = app.palette(), SystemTheme(app)
        theme.apply(Qt.ColorScheme.Dark)
        settle(app, 1.0)
        save(w, "dark")
        app.styleHints().colorSchemeChanged.disconnect(theme.apply)
        app.setPalette(before)
        settle(app)
    w.close()
    if "first-run" in states:  # a new user: the welcome page, the presets, the model arriving from the hub
        with stand_in_hub(slow=True):
            first = Library(home=os.path.join(home, f"first-{lang}"), model="hf-hub:photoclip/toyclip",
                            device="cpu")
            f = MainWindow(first)
            f.resize(1200, 780)
            f.show()
            end = time.monotonic() + 30
            while time.monotonic() < end and not (f.model_progress.maximum() == 1000 and f.model_progress.value() > 30):
                settle(app, 0.1)
            save(f, "first-run")
            f.close()
            first.close()
    if "offline" in states:  # the same first run with no network: one sentence, and the way out
        with stand_in_hub(slow=False, reachable=False):
            first = Library(home=os.path.join(home, f"offline-{lang}"), model="hf-hub:photoclip/toyclip",
                            device="cpu")
            f = MainWindow(first)
            f.resize(1200, 780)
            f.show()
            wait(app, f.model_failed)
            save(f, "offline")
            f.close()
            first.close()
    return saved


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    p.add_argument("--lang", nargs="+", default=["en", "zh_CN"])
    p.add_argument("--states", nargs="+", default=list(STATES), choices=STATES)
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    from PySide6.QtWidgets import QApplication

    from photoclip.library import Library
    from photoclip.selftest import model_spec

    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - kept alive for the windows
    home = tempfile.mkdtemp(prefix="photoclip-shots-")
    try:
        pics = os.path.join(home, "Pictures")
        draw_library(pics)
        os.environ["PHOTOCLIP_READ_TEXT"] = "1"  # the text in the photos, for the text panel
        os.environ["PHOTOCLIP_FIND_FACES"] = "1"  # and the people in them
        lib = Library(home=os.path.join(home, "home"), model=model_spec(), device="cpu")
        lib.add_folders([pics])
        lib.index_now()
        lib.albums.create("Night sky", ["the night sky"])
        from photoclip import ops

        for file, name in (("grace_hopper-0.jpg", "Grace Hopper"), ("astronaut-0.jpg", "Eileen Collins")):
            face = lib.catalog.faces_in(lib.catalog.photo_by_path(os.path.join(pics, file)).id)[0]
            ops.people_name(lib, str(face["person"]), name)
        saved = []
        for lang in args.lang:
            saved += shoot(lib, home, lang, args.out, args.states)
        lib.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

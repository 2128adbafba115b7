"""Issue 23's whole library: RAW, a RAW+JPEG pair, a video, a Live Photo pair, a Motion Photo, a geotagged and a
keyworded photo and a broken video, written into a folder a running `photoclip watch` (its own process) keeps
current; each kind is found by meaning and by its filters through the CLI (over the watch's socket) and in the
window (a client of the same watch); the broken file is a recorded failure; every original is byte for byte
what it was."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys

import pytest
from PIL import Image

from helpers import TIMEOUT, cli_json, wait_for, write_video

pytest.importorskip("av")
pytest.importorskip("rawpy")
pytest.importorskip("pidng.core")

from test_metadata import DIGIKAM  # noqa: E402
from test_places import with_gps  # noqa: E402
from test_raw import write_dng  # noqa: E402
from test_video import motion_photo, scene  # noqa: E402


def write_library(folder, work) -> None:
    write_dng(folder / "IMG_0001.dng")  # a RAW alone
    write_dng(folder / "IMG_0002.dng", colour=(600, 1500, 3500))  # a RAW+JPEG pair
    Image.new("RGB", (800, 600), (60, 120, 230)).save(folder / "IMG_0002.jpg", quality=90)
    write_video(folder / "holiday.mp4", [scene("forest", "circle", "red"), scene("beach", "star", "blue")],
                seconds=3.0, tags={"location": "+38.7223-009.1393/", "creation_time": "2024-05-01T10:00:00Z"})
    scene("snow", "square", "yellow").save(folder / "IMG_0042.jpg", quality=90)  # a Live Photo
    write_video(folder / "IMG_0042.mov", [scene("snow", "square", "yellow")], seconds=2.5)
    movie = write_video(work / "movie.mp4", [scene("room", "circle", "green")], seconds=1.0)
    motion_photo(folder / "PXL_0001.MP.jpg", movie)
    scene("night", "star", "yellow").save(folder / "porto.jpg", quality=90, exif=with_gps(41.1496, -8.611))
    scene("forest", "triangle", "purple").save(folder / "lake.jpg", quality=90)
    (folder / "lake.xmp").write_text(DIGIKAM, encoding="utf-8")  # digiKam's sidecar: Family/Kids, 4 stars
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(6000))


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_mixed_library_under_watch_is_searchable_by_every_kind_everywhere(tmp_path, toy_spec, qtbot):
    home, folder, work = tmp_path / "home", tmp_path / "pics", tmp_path / "work"
    folder.mkdir()
    work.mkdir()
    env = {"PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec, "PHOTOCLIP_FIND_FACES": "0"}
    cli_json("folders", "add", folder, home=home, env=env)
    proc = subprocess.Popen([sys.executable, "-m", "photoclip", "watch", "--json"], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: cli_json("status", home=home, env=env)["watching"], what="the watch is up")
        write_library(folder, work)
        before = digests(folder)

        def settled():
            st = cli_json("status", home=home, env=env)
            return (st["photos"] == 7 and st["failed"] == 1 and st["pending"] == 0 and st["videos"]["sampled"] == 1
                    and st["places"]["pending"] == 0)

        wait_for(settled, what="the watch indexed every kind")

        def found(query: str) -> list[str]:
            return [os.path.basename(r["path"]) for r in cli_json("search", query, "--all", "--limit", "50",
                                                                  home=home, env=env)["results"]]

        assert sorted(found("type:raw")) == ["IMG_0001.dng", "IMG_0002.jpg"]  # a RAW+JPEG pair is a RAW too
        assert sorted(found("type:live")) == ["IMG_0042.jpg", "PXL_0001.MP.jpg"]
        assert found("type:video") == ["holiday.mp4"]
        assert found("place:Lisbon") == ["holiday.mp4"] and found("place:Porto") == ["porto.jpg"]
        assert found("tag:kids") == ["lake.jpg"] and found("rating:4+") == ["lake.jpg"]
        top = cli_json("search", "a blue star on a beach", "--all", home=home, env=env)["results"][0]
        assert os.path.basename(top["path"]) == "holiday.mp4" and top["at"] == pytest.approx(3.0, abs=0.15)
        assert found("a yellow star in the night sky")[0] == "porto.jpg"
        listed = {os.path.basename(r["path"]): r for r in cli_json("search", "year:2024", home=home,
                                                                   env=env)["results"]}
        assert "holiday.mp4" in listed  # its date from the container's creation_time
        (failure,) = cli_json("failures", home=home, env=env)["failures"]
        assert failure["path"].endswith("broken.mp4") and "video" in failure["reason"]

        # The window, a client of the same watch: every kind shown once, labelled, and searchable.
        pytest.importorskip("PySide6")
        from helpers import shown_window
        from photoclip.gui.grid import BadgeRole
        from photoclip.library import Library

        lib = Library(home=home, model=toy_spec, device="cpu")
        try:
            w = shown_window(lib, qtbot)
            assert type(w.client).__name__ == "SocketClient"
            qtbot.waitUntil(lambda: w.model.rowCount() == 7, timeout=TIMEOUT * 1000)
            badges = {os.path.basename(it.path): w.model.data(w.model.index(i), BadgeRole)
                      for i, it in enumerate(w.model.items)}
            assert badges == {"IMG_0001.dng": None, "IMG_0002.jpg": None, "holiday.mp4": "0:06",
                              "IMG_0042.jpg": "LIVE", "PXL_0001.MP.jpg": "LIVE", "porto.jpg": None, "lake.jpg": None}
            w.search.setText("type:live")
            w.search.returnPressed.emit()
            qtbot.waitUntil(lambda: sorted(os.path.basename(it.path) for it in w.model.items)
                            == ["IMG_0042.jpg", "PXL_0001.MP.jpg"], timeout=TIMEOUT * 1000)
            w.close()
        finally:
            lib.close()
        assert digests(folder) == before  # nothing written beside or into the originals
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err

"""Videos: short videos encoded by PyAV itself (toy-world scenes one after another), indexed by their poster,
sampled at scene changes by the video stage, found by their best frame with its time, filtered by type:video,
placed by their location tag, paired as Live Photos with their still; a broken video is a recorded failure and
an enormous one is bounded."""
from __future__ import annotations

import os
import random
import sys

import numpy as np
import pytest
from PIL import Image

import toyworld
from helpers import cli_json, old_catalog, run_cli, write_video

av = pytest.importorskip("av")

from photoclip import imageio, video  # noqa: E402


def scene(name: str, shape: str, colour: str, size=(320, 240), seed=1) -> Image.Image:
    pic = toyworld.ToyPicture(name, [toyworld.ToyObject(shape, colour)])
    return toyworld.draw_picture(pic, *size, random.Random(seed))


def test_poster_facts_and_scene_frames(tmp_path):
    path = write_video(tmp_path / "trip.mp4", [Image.new("RGB", (320, 240)),  # a black opening
                                               scene("forest", "circle", "red"), scene("beach", "star", "blue"),
                                               scene("snow", "square", "yellow")],
                       tags={"creation_time": "2024-05-01T10:00:00.000000Z", "location": "+38.7223-009.1393/"})
    f, _st = imageio.open_readonly(path)
    with f:
        decoded = imageio.decode(f, 96)
    assert decoded.duration == pytest.approx(8.0, abs=0.2) and (decoded.width, decoded.height) == (320, 240)
    assert decoded.taken and decoded.taken.startswith("2024-05-01")  # UTC, turned into local time
    assert np.asarray(decoded.image).mean() > 40  # the poster skips the black opening
    assert video.position(path) == pytest.approx((38.7223, -9.1393))
    sampled = video.sample(path, 96)
    times = [t for t, _ in sampled.frames]
    # One frame per scene, each at (or just after) its cut; the black opening is not a scene.
    assert len(times) == 3 and times[0] == pytest.approx(2.0, abs=1.05) and not sampled.partial
    assert times[1] == pytest.approx(4.0, abs=1.05) and times[2] == pytest.approx(6.0, abs=1.05)


def test_sampling_is_bounded_per_minute_per_video_and_in_time(tmp_path, monkeypatch):
    colours = list(toyworld.COLORS)
    pictures = [scene(toyworld.SCENES[i % 4], toyworld.SHAPES[i % 4], colours[i % len(colours)], (64, 48), i)
                for i in range(30)]
    path = write_video(tmp_path / "busy.mp4", pictures, seconds=1.0, fps=5, gop=5)  # a cut every second
    assert len(video.sample(path, 32).frames) <= video.PER_MINUTE  # 30 cuts in 30 seconds: 6 kept
    monkeypatch.setattr(video, "PER_MINUTE", 100)
    monkeypatch.setattr(video, "MAX_FRAMES", 4)
    assert len(video.sample(path, 32).frames) == 4
    ticks = iter(range(1000))
    out = video.sample(path, 32, budget_s=5, clock=lambda: next(ticks))  # each frame "takes" a second
    assert out.partial and 0 < out.reached < 29 and out.frames


def test_a_video_with_rare_key_frames_is_decoded_whole(tmp_path):
    pictures = [scene("forest", "circle", "red", (64, 48)), scene("beach", "star", "blue", (64, 48)),
                scene("snow", "square", "yellow", (64, 48))]
    path = write_video(tmp_path / "screen.mp4", pictures, seconds=12.0, fps=5, gop=1000)  # one key frame
    times = [t for t, _ in video.sample(path, 32).frames]
    assert len(times) == 3 and times[1] == pytest.approx(12.0, abs=1.1) and times[2] == pytest.approx(24, abs=1.1)


def test_damaged_and_huge_videos_are_refused_with_a_reason(tmp_path):
    good = write_video(tmp_path / "good.mp4", [scene("beach", "star", "blue")])
    data = open(good, "rb").read()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    junk = tmp_path / "junk.mov"
    junk.write_bytes(os.urandom(20000))
    for path in (cut, junk):
        f, _st = imageio.open_readonly(str(path))
        with f, pytest.raises(imageio.PhotoError) as e:
            imageio.decode(f, 64)
        assert "video" in str(e.value)
    sound = tmp_path / "sound.mp4"
    with av.open(str(sound), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    with pytest.raises(video.VideoError, match="without pictures"):
        video.poster(str(sound))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(video, "MAX_FRAME_PIXELS", 320 * 240 - 1)
        with pytest.raises(video.VideoError, match="too large"):
            video.poster(good)


def test_display_rotation_turns_frames_upright():
    img = Image.new("RGB", (40, 20))
    img.putpixel((0, 0), (255, 0, 0))
    assert video._upright(img, 0).size == (40, 20)
    turned = video._upright(img, -90)  # a phone held upright records this: shown turned a quarter clockwise
    assert turned.size == (20, 40) and turned.getpixel((19, 0)) == (255, 0, 0)
    assert video._upright(img, 90).getpixel((0, 39)) == (255, 0, 0)
    assert video._upright(img, 180).getpixel((39, 19)) == (255, 0, 0)


def test_a_video_is_found_by_its_best_frame_with_its_time(library, tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    clip = write_video(folder / "holiday.mp4", [scene("forest", "circle", "red"), scene("beach", "star", "blue")],
                       seconds=3.0, tags={"location": "+38.7223-009.1393/"})
    scene("night", "triangle", "green").save(folder / "night.jpg")
    (folder / "broken.mov").write_bytes(b"\x00\x00\x00\x18ftypqt  " + os.urandom(4000))
    library.add_folders([str(folder)])
    out = library.index_now()
    assert out["indexed"] == 2 and out["failed"] == 1
    (failure,) = library.failures()
    assert failure["path"].endswith("broken.mov") and "video" in failure["reason"]
    photo = library.catalog.photo_by_path(clip)
    assert photo.duration == pytest.approx(6.0, abs=0.2)
    assert library.catalog.frames_of(photo.id, library.model_id) == pytest.approx([0.0, 3.0], abs=0.15)
    # The poster is the forest; the beach is only in a later frame, and still finds the video, at its time.
    answer = library.query("a blue star on a beach", show_all=True)
    top = answer.results[0]
    assert top.path == clip and answer.at[top.id] == pytest.approx(3.0, abs=0.15)
    data = answer.as_json()["results"][0]
    assert data["duration"] == pytest.approx(6.0, abs=0.2) and data["at"] == pytest.approx(3.0, abs=0.15)
    forest = library.query("a red circle in a forest", show_all=True)
    assert forest.results[0].path == clip and forest.at.get(forest.results[0].id, 0.0) == pytest.approx(0, abs=.15)
    assert [r.path for r in library.query("type:video").results] == [clip]
    assert clip not in [r.path for r in library.query("type:photo").results]
    assert [r.path for r in library.query("place:Lisbon").results] == [clip]
    counts = library.catalog.video_counts(library.model_id)
    assert counts == {"videos": 1, "sampled": 1, "failed": 0, "pending": 0}
    # Its folder goes offline: the video leaves the answers though its frames are still held in memory.
    library.catalog.set_folder_online(library.catalog.folders()[0]["id"], False)
    assert clip not in [r.path for r in library.query("a blue star on a beach", show_all=True).results]


def test_videos_through_the_cli_with_json(tmp_path, toy_spec):
    home = tmp_path / "home"
    folder = tmp_path / "pics"
    folder.mkdir()
    clip = write_video(folder / "clip.mov", [scene("snow", "square", "yellow"), scene("beach", "star", "blue")])
    env = {"PHOTOCLIP_MODEL": toy_spec}
    run_cli("index", folder, home=home, env=env)
    found = cli_json("search", "a blue star on a beach", "--all", home=home, env=env)
    top = found["results"][0]
    assert top["path"] == clip and top["at"] == pytest.approx(2.0, abs=0.15) and top["duration"] > 3.5
    text = run_cli("search", "a blue star on a beach", "--all", home=home, env=env).stdout
    assert "0:04" in text and "0:02" in text  # its length and the matched frame's time, as players write them
    status = cli_json("status", home=home, env=env)
    assert status["videos"] == {"videos": 1, "sampled": 1, "failed": 0, "pending": 0}


def test_a_live_photo_is_one_item_with_its_movie(library, tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    still = folder / "IMG_0042.jpg"
    scene("beach", "star", "blue").save(still, quality=90)
    movie = write_video(folder / "IMG_0042.mov", [scene("beach", "star", "blue")], seconds=2.5)
    long_one = write_video(folder / "party.mov", [scene("night", "circle", "red")], seconds=8)
    scene("night", "circle", "red").save(folder / "party.jpg")  # a video beside a photo of the same name
    library.add_folders([str(folder)])
    library.index_now()
    listed = {os.path.basename(p) for _i, p in library.catalog.listing()}
    assert listed == {"IMG_0042.jpg", "party.jpg", "party.mov"}  # the movie shows with its still
    assert [os.path.basename(r.path) for r in library.query("type:live").results] == ["IMG_0042.jpg"]
    from photoclip import ops

    info = ops.OPERATIONS["photo_info"](library, path=str(still))["photo"]
    assert info["pair"] == [movie] and info["live"] == movie  # the viewer plays it
    party = ops.OPERATIONS["photo_info"](library, path=long_one)["photo"]
    assert party["duration"] > video.LIVE_MAX_S and party["frames"] == [0.0] and "live" not in party
    assert library.catalog.photo_by_path(long_one).duration > video.LIVE_MAX_S


def test_the_window_shows_videos_with_their_length_the_matched_frame_and_plays_them(library, tmp_path, qtbot,
                                                                                    monkeypatch):
    """The grid labels a video with its length (and the matched frame's time, whose picture it shows); the
    viewer opens there, lists the scenes, plays in the window from that frame and stops when closed; a Live
    Photo plays its movie over the still and gives the still back."""
    pytest.importorskip("PySide6")
    from PySide6.QtCore import Qt

    from helpers import shown_window
    from photoclip.gui import player
    from photoclip.gui.grid import BadgeRole
    from photoclip.gui.viewer import Viewer

    folder = tmp_path / "pics"
    folder.mkdir()
    clip = write_video(folder / "holiday.mp4", [scene("forest", "circle", "red"), scene("beach", "star", "blue")],
                       seconds=3.0)
    still = folder / "IMG_0042.jpg"
    scene("snow", "square", "yellow").save(still)
    write_video(folder / "IMG_0042.mov", [scene("snow", "square", "yellow"), scene("night", "star", "red")],
                seconds=1.0)
    library.add_folders([str(folder)])
    library.index_now()
    w = shown_window(library, qtbot)
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=30_000)
    badges = {os.path.basename(it.path): w.model.data(w.model.index(i), BadgeRole) for i, it in enumerate(w.model.items)}
    w._on_live_event({"event": "frames", "id": 1, "path": clip, "state": "sampled", "frames": 2, "pending": 3})
    assert w.progress_label.text() == "Finding the scenes in videos: 3 to go"  # the status line follows the stage
    assert badges == {"holiday.mp4": "0:06", "IMG_0042.jpg": "LIVE"}
    w.search.setText("a blue star on a beach")
    w.search.returnPressed.emit()
    qtbot.waitUntil(lambda: w.model.items and w.model.items[0].path == clip, timeout=30_000)
    top = w.model.items[0]
    assert top.at == pytest.approx(3.0, abs=0.15) and top.thumb == (clip, top.at)
    assert w.model.data(w.model.index(0), BadgeRole) == "0:03 / 0:06"
    qtbot.waitUntil(lambda: w.thumbs.get(top.thumb) is not None, timeout=30_000)
    shown = w.thumbs.get(top.thumb).toImage()
    pixel = shown.pixelColor(shown.width() // 2, 5)  # the beach frame (blue sky), not the forest poster
    assert pixel.blue() > pixel.green(), (pixel.red(), pixel.green(), pixel.blue())
    opened = []
    monkeypatch.setattr(Viewer, "exec", lambda self: opened.append(self) or 0)
    w.grid.setCurrentIndex(w.model.index(0))
    qtbot.keyClick(w.grid, Qt.Key_Space)
    v = opened[0]
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: v.video_bar.isVisible() and v.facts.rowCount() > 3, timeout=30_000)
    facts = v.shown_facts()
    assert facts["Length"] == "0:06" and facts["Scenes"] == "2"
    assert v.video_bar.time_label.text() == "0:03 / 0:06" and v.video_bar.scenes.count() == 3  # "Scenes:" + 2
    started = []
    monkeypatch.setattr(player.subprocess, "Popen", lambda cmd, **kw: started.append(cmd))
    monkeypatch.setattr(player.shutil, "which", lambda name: "/usr/bin/mpv" if name == "mpv" else None)
    v.video_bar.open_button.click()
    assert started == [["mpv", "--start=3.00", "--", clip]]
    frames = []
    v.video_bar.pump.frame.connect(lambda image, t: frames.append(t))
    v.video_bar.play_button.click()
    assert v.video_bar.play_button.text() == "❚❚ Pause"
    qtbot.waitUntil(lambda: len(frames) >= 3, timeout=30_000)
    assert frames[0] == pytest.approx(3.0, abs=0.15) and frames == sorted(frames)
    thread = v.video_bar.pump._thread
    v.close()  # the viewer closed mid-play: its decode thread ends with it
    v.done(0)
    assert thread is not None and not thread.is_alive()
    # A Live Photo: its movie plays over the still, and the still comes back at the end.
    live = Viewer(w, [str(still)], 0)
    qtbot.addWidget(live)
    live.show()
    qtbot.waitUntil(lambda: live.video_bar.isVisible(), timeout=30_000)
    assert live.video_bar.play_button.text() == "▶ Play Live Photo" and not live.video_bar.open_button.isVisible()
    with qtbot.waitSignal(live.video_bar.pump.ended, timeout=30_000):
        live.video_bar.play_button.click()
    qtbot.waitUntil(lambda: live.video_bar.play_button.text() == "▶ Play Live Photo", timeout=30_000)
    live.done(0)


def motion_photo(path, movie: str, samsung: bool = False) -> str:
    """A Motion Photo as Pixel phones write it (a JPEG whose XMP says where the MP4 appended to it begins), or
    as older Samsung phones do (the MP4 after a "MotionPhoto_Data" mark, no XMP)."""
    import io

    data = open(movie, "rb").read()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
           b'xmlns:Container="http://ns.google.com/photos/1.0/container/" '
           b'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" GCamera:MotionPhoto="1">'
           b'<Container:Directory><rdf:Seq><rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" '
           b'Item:Semantic="Primary"/></rdf:li><rdf:li rdf:parseType="Resource"><Container:Item '
           b'Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="%d" Item:Padding="0"/></rdf:li>'
           b'</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>' % len(data))
    buf = io.BytesIO()
    if samsung:
        scene("room", "circle", "green").save(buf, "JPEG", quality=90)
        data = b"MotionPhoto_Data" + data
    else:
        scene("room", "circle", "green").save(buf, "JPEG", quality=90, xmp=xmp)
    with open(path, "wb") as f:
        f.write(buf.getvalue() + data)
    return str(path)


def test_motion_photos_are_live_and_play_their_movie_from_inside_the_file(library, tmp_path, qtbot):
    folder = tmp_path / "pics"
    folder.mkdir()
    movie = write_video(tmp_path / "movie.mp4", [scene("room", "circle", "green"), scene("night", "star", "red")],
                        seconds=1.0)
    pixel = motion_photo(folder / "PXL_0001.MP.jpg", movie)
    samsung = motion_photo(folder / "20240501_120000.jpg", movie, samsung=True)
    scene("room", "circle", "green").save(folder / "plain.jpg", quality=90)
    library.add_folders([str(folder)])
    library.index_now()
    assert sorted(os.path.basename(r.path) for r in library.query("type:live").results) == \
        ["20240501_120000.jpg", "PXL_0001.MP.jpg"]
    from photoclip import ops

    info = ops.OPERATIONS["photo_info"](library, path=pixel)["photo"]
    size = os.path.getsize(pixel)
    assert info["live"] == pixel and info["live_offset"] == size - os.path.getsize(movie)
    assert ops.OPERATIONS["photo_info"](library, path=samsung)["photo"]["live_offset"] > 0
    assert "live" not in ops.OPERATIONS["photo_info"](library, path=str(folder / "plain.jpg"))["photo"]
    assert {r["path"]: r.get("live") for r in ops.photos(library)["photos"]} == {
        pixel: True, samsung: True, str(folder / "plain.jpg"): None}
    assert open(pixel, "rb").read()[-os.path.getsize(movie):] == open(movie, "rb").read()  # never written
    pytest.importorskip("PySide6")
    from helpers import shown_window
    from photoclip.gui.viewer import Viewer

    w = shown_window(library, qtbot)
    v = Viewer(w, [pixel], 0)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: v.video_bar.isVisible(), timeout=30_000)
    times = []
    v.video_bar.pump.frame.connect(lambda image, t: times.append(t))
    with qtbot.waitSignal(v.video_bar.pump.ended, timeout=30_000):
        v.video_bar.play_button.click()
    assert len(times) >= 15 and times[-1] == pytest.approx(1.9, abs=0.15)  # the whole two-second movie
    v.done(0)


def test_a_catalog_from_before_videos_is_migrated_and_its_stills_are_looked_at_again(tmp_path):
    """Schema 11 -> 12: photos gain a length (none for photos), and every photo already looked at by the places
    stage is looked at once more (a Motion Photo indexed before is found, places get their Chinese names)."""
    from photoclip import catalog as catalog_mod

    path = tmp_path / "old.sqlite3"
    with old_catalog(path, 11) as c:
        c.execute("INSERT INTO folders(path, added) VALUES('/p', 0)")
        for i, name in enumerate(("a.jpg", "b.png"), 1):
            c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES(?, 1, 'indexed', 0, 'h')",
                      (f"/p/{name}",))
            c.execute("INSERT INTO photo_places(photo_id, hash, updated) VALUES(?, 'h', 0)", (i,))
    cat = catalog_mod.Catalog(path)
    assert cat.conn.execute("PRAGMA user_version").fetchone()[0] == catalog_mod.SCHEMA_VERSION
    assert sorted(cat.places_todo()) == [(1, "/p/a.jpg", "h"), (2, "/p/b.png", "h")]
    assert cat.photo(2).duration is None and cat.listing() == [(1, "/p/a.jpg"), (2, "/p/b.png")]
    cat.close()


def test_a_long_sampling_gives_way_to_a_command_and_to_a_stop(library, tmp_path, monkeypatch):
    """The video stage asks after every frame whether a command waits (or the service stops): a pause during a
    long video answers at once, the video is sampled again from its start afterwards, and a stop ends it."""
    import threading

    from photoclip.service import LibraryService

    folder = tmp_path / "pics"
    folder.mkdir()
    clip = write_video(folder / "long.mp4", [scene("forest", "circle", "red"), scene("beach", "star", "blue")],
                       seconds=3.0)
    library.add_folders([str(folder)])
    real, entered, go_on = video._scan, threading.Event(), threading.Event()

    def slow_scan(container, stream, start, target, out, deadline, clock, every, interrupt):
        entered.set()
        go_on.wait(30)  # the video is "long": the pause below arrives while it is sampled
        return real(container, stream, start, target, out, deadline, clock, every, interrupt)

    monkeypatch.setattr(video, "_scan", slow_scan)
    service = LibraryService(library, kind="watch", serve=False, settle_s=0.2).start()
    try:
        assert entered.wait(60)
        paused = service.submit("pause")
        go_on.set()
        paused.result(timeout=30)
        assert service.paused and library.catalog.frames_of(library.catalog.photo_by_path(clip).id,
                                                            library.model_id) == []
        entered.clear()
        service.submit("resume").result(timeout=30)
        assert service.wait_idle(60)
        assert len(library.catalog.frames_of(library.catalog.photo_by_path(clip).id, library.model_id)) == 2
    finally:
        go_on.set()
        assert service.stop()


def test_odd_file_names_work_through_video_and_motion_photos(library, tmp_path):
    """A name that is not valid UTF-8, one with a newline and a very long one: indexed, sampled, found by their
    frame, placed and played like any other (PyAV reads the open file, never the name)."""
    if sys.platform in ("darwin", "win32"):
        pytest.skip("macOS and Windows file systems refuse names that are not valid UTF-8")
    folder = tmp_path / "pics"
    folder.mkdir()
    names = [os.fsdecode(b"caf\xe9-\xff.mp4"), "two\nlines.mov", "v" * 240 + ".mp4"]
    for name in names:
        write_video(os.path.join(str(folder), name), [scene("forest", "circle", "red"),
                                                      scene("beach", "star", "blue")], seconds=2.0,
                    tags={"location": "+38.7223-009.1393/"})
    motion = motion_photo(os.path.join(str(folder), os.fsdecode(b"PXL_\xfe.MP.jpg")),
                          write_video(tmp_path / "movie.mp4", [scene("room", "circle", "green")], seconds=1.0))
    library.add_folders([str(folder)])
    out = library.index_now()
    assert out["indexed"] == 4 and out["failed"] == 0
    answer = library.query("a blue star on a beach", show_all=True)
    paths = {os.path.join(str(folder), n) for n in names}
    assert {r.path for r in answer.results[:3]} == paths and all(answer.at[r.id] > 1.5 for r in answer.results[:3])
    assert {r.path for r in library.query("place:Lisbon").results} == paths
    assert [r.path for r in library.query("type:live").results] == [motion]
    pytest.importorskip("PySide6")
    from photoclip.gui.thumbnails import render

    for r in answer.results[:3]:
        image = render((r.path, answer.at[r.id]), str(tmp_path / "thumbs"))
        assert image is not None and not image.isNull()


def test_smart_albums_judge_a_video_by_its_best_frame(library, tmp_path):
    """A video whose poster is a forest and whose second scene is a beach joins the album "Beach" once its
    scenes are sampled (not by its poster alone), and stays through a full retag of the album."""
    folder = tmp_path / "pics"
    folder.mkdir()
    clip = write_video(folder / "trip.mp4", [scene("forest", "circle", "red"), scene("beach", "star", "blue")],
                       seconds=3.0)
    forest = write_video(folder / "walk.mp4", [scene("forest", "square", "green", seed=3)], seconds=3.0)
    scene("beach", "circle", "yellow", seed=4).save(folder / "beach.jpg")
    library.albums.create("Beach", ["a beach"])
    library.add_folders([str(folder)])
    library.index_now()
    members = {p for p, _s in library.albums.members("Beach")}
    assert clip in members and forest not in members and str(folder / "beach.jpg") in members
    photo = library.catalog.photo_by_path(clip)
    poster = library.catalog.vector(photo.id, library.model_id).astype("float32")[None]
    album = library.albums.get("Beach")
    assert library.albums.score(album, poster)[0] < album.effective_threshold  # the poster alone: not a beach
    library.albums.edit("Beach", prompts=["a beach", "the sea"])  # a full retag
    assert clip in {p for p, _s in library.albums.members("Beach")}

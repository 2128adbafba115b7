"""The desktop app with pytest-qt (offscreen): real widgets over a real library and the toy model."""
import os
import shutil
import threading
import time

import pytest
from helpers import draw_folder
from PIL import Image

pytest.importorskip("PySide6")
from PySide6.QtCore import QSize, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from photoclip.gui.dialogs import AlbumDialog, FailuresDialog  # noqa: E402
from photoclip.gui.grid import PathRole  # noqa: E402
from photoclip.gui.window import MainWindow  # noqa: E402

WAIT = 60_000


@pytest.fixture
def make_window(library, qtbot):
    windows = []

    def make(**kw):
        w = MainWindow(library, settle_s=kw.pop("settle_s", 0.3), **kw)
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()


@pytest.fixture
def indexed(library, tmp_path):
    truth = draw_folder(tmp_path / "pics", seed=10_001, count=60)
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    return truth


def shown_paths(window):
    m = window.model
    return [m.data(m.index(i), PathRole) for i in range(m.rowCount())]


def shows(qtbot, window, mode, action=None):
    """Run `action`, then wait until the grid shows `mode`'s results (other refreshes may come first)."""
    window.shown_mode = None
    if action:
        action()
    qtbot.waitUntil(lambda: window.shown_mode == mode, timeout=WAIT)


def ready(qtbot, window):
    if not window.ready:
        with qtbot.waitSignal(window.model_ready, timeout=WAIT):
            pass


def test_type_to_search_shows_the_right_pictures(make_window, qtbot, indexed):
    w = make_window()
    ready(qtbot, w)
    shows(qtbot, w, ("search", "a receipt"), lambda: qtbot.keyClicks(w.search, "a receipt"))  # as you type
    top = shown_paths(w)[:5]
    assert w.mode == ("search", "a receipt") and all(indexed[p].scene == "receipt" for p in top)
    m = w.model
    assert "match 0." in m.data(m.index(0), Qt.ToolTipRole)  # the score shows on hover, not under the tile
    shows(qtbot, w, ("all", None), lambda: qtbot.keyClick(w.search, Qt.Key_Escape))  # Esc clears
    assert w.mode == ("all", None) and len(shown_paths(w)) == 60
    # Visible cells get thumbnails from a worker, cached on disk.
    qtbot.waitUntil(lambda: len(w.thumbs._lru) > 0, timeout=WAIT)
    assert any(f.endswith(".jpg") for _, _, fs in os.walk(w.lib.paths.thumbnails_dir) for f in fs)


def test_find_similar_from_the_context_menu(make_window, qtbot, indexed):
    w = make_window()
    ready(qtbot, w)
    query = next(p for p, pic in indexed.items() if pic.scene == "receipt")
    menu = w.photo_menu([query])
    action = next(a for a in menu.actions() if a.text() == "Find similar")
    chip = f'like:"{query}"'
    shows(qtbot, w, ("search", chip), action.trigger)  # a like: example in the box, to add words to
    assert w.search.text() == chip
    paths = shown_paths(w)
    assert query not in paths and all(indexed[p].scene == "receipt" for p in paths[:3])
    w.search.setText(chip + " the night sky")  # "like this, and ..."
    shows(qtbot, w, ("search", chip + " the night sky"), w._search_now)
    assert query not in shown_paths(w)
    assert {a.text() for a in menu.actions()} >= {"Open", "Show in folder", "Copy path"}


def test_album_dialog_slider_changes_the_count_and_creates_the_album(make_window, qtbot, indexed, library):
    w = make_window()
    ready(qtbot, w)
    dlg = AlbumDialog(w)
    qtbot.addWidget(dlg)
    dlg.name.setText("Night sky")
    with qtbot.waitSignal(dlg.scores_ready, timeout=WAIT):
        dlg.prompts.setPlainText("the night sky")
    nights = sum(p.scene == "night" for p in indexed.values())
    assert dlg.member_count() == nights and dlg.auto.isChecked()
    dlg.slider.setValue(0)
    assert dlg.member_count() == 60 and "60 photos" in dlg.count.text() and not dlg.auto.isChecked()
    dlg.slider.setValue(100)
    assert dlg.member_count() < nights
    qtbot.waitUntil(lambda: dlg.borderline.count() > 0, timeout=WAIT)  # names read on a worker, then listed
    dlg.slider.setValue(50)
    with qtbot.waitSignal(dlg.saved, timeout=WAIT):  # saved by the service's worker, not by this thread
        dlg.accept()
    assert library.albums.count(library.albums.get("Night sky")) == nights
    with qtbot.waitSignal(w.sidebar_loaded, timeout=WAIT):
        w.refresh_sidebar()
    assert f"Night sky ({nights})" in w.sidebar_items()


def test_album_feedback_from_the_grid(make_window, qtbot, indexed, library):
    library.albums.create("Beach", ["beach"])
    w = make_window()
    ready(qtbot, w)
    shows(qtbot, w, ("album", "Beach"), lambda: w.show_mode(("album", "Beach")))
    members = shown_paths(w)
    assert members and all(indexed[p].scene == "beach" for p in members)
    menu = w.photo_menu([members[0]])
    action = next(a for a in menu.actions() if a.text() == "Doesn't belong in Beach")
    with qtbot.waitSignal(w.command_done, timeout=WAIT):  # the service carries the feedback out
        action.trigger()
    qtbot.waitUntil(lambda: members[0] not in shown_paths(w), timeout=WAIT)
    receipt = next(p for p, pic in indexed.items() if pic.scene == "receipt")
    belongs = next(a for a in w.photo_menu([receipt]).actions() if a.text() == "Belongs in album…").menu()
    with qtbot.waitSignal(w.command_done, timeout=WAIT):
        next(a for a in belongs.actions() if a.text() == "Beach").trigger()
    qtbot.waitUntil(lambda: receipt in shown_paths(w), timeout=WAIT)
    assert members[0] not in shown_paths(w)


def test_progress_while_the_watcher_indexes_and_the_window_stays_responsive(make_window, qtbot, library, tmp_path):
    root = tmp_path / "live"
    root.mkdir()
    library.add_folders([str(root)])
    w = make_window()
    ready(qtbot, w)
    labels, lags = [], []
    w.bridge.event.connect(lambda ev: labels.append(w.progress_label.text()))
    last = [time.monotonic()]

    def tick():
        now = time.monotonic()
        lags.append(now - last[0] - 0.02)
        last[0] = now

    staged = draw_folder(tmp_path / "staging", seed=10_002, count=150, sizes=((900, 700),))
    new = {str(root / os.path.basename(p)) for p in staged}
    timer = QTimer(interval=20, timeout=tick)
    last[0] = time.monotonic()
    timer.start()
    copier = threading.Thread(target=lambda: [shutil.copy(p, root) for p in staged])  # the user's file manager
    copier.start()
    qtbot.waitUntil(lambda: len(shown_paths(w)) == 150, timeout=WAIT * 2)
    timer.stop()
    seen = [t for t in labels if t.startswith("Indexing ") and " of " in t and "a second" in t]
    assert seen, labels[-5:]
    totals = [int(t.split()[3].replace(",", "")) for t in seen]  # "Indexing 12 of 150 photos · ..."
    assert max(totals) >= 100 and totals == sorted(totals), totals  # one growing count, not per chunk
    qtbot.waitUntil(lambda: w.progress_label.text() == "Library is current", timeout=WAIT)
    copier.join()
    assert set(shown_paths(w)) == new
    # The event loop kept turning while 150 photos were decoded and encoded beside it.
    assert len(lags) > 20 and max(lags) < 1.0, max(lags)


def test_skipped_files_are_listed_with_reasons(make_window, qtbot, library, tmp_path, monkeypatch):
    pics = tmp_path / "pics"
    draw_folder(pics, seed=10_003, count=3)
    (pics / "broken.jpg").write_bytes(b"not a jpeg at all")
    (pics / "empty.png").write_bytes(b"")
    library.add_folders([str(pics)])
    library.index_now()
    w = make_window()
    qtbot.waitUntil(lambda: w.skipped_button.text() == "2 skipped", timeout=WAIT)
    assert w.skipped_button.isVisible()
    opened = []
    monkeypatch.setattr(FailuresDialog, "exec", lambda self: opened.append(self) or 0)
    w.skipped_button.click()  # the list is read on a worker, then shown
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT)
    table = opened[0].table
    rows = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    assert rows == {str(pics / "broken.jpg"): "not an image, or an image format photoclip cannot read",
                    str(pics / "empty.png"): "empty file (0 bytes)"}


def test_first_run_without_weights_ends_in_a_clear_message(qtbot, home, tmp_path):
    from photoclip.library import Library

    lib = Library(home=home, model=f"local-dir:{tmp_path / 'no-weights'}", device="cpu")
    w = MainWindow(lib)
    qtbot.addWidget(w)
    w.show()
    assert w.stack.currentWidget() is w.welcome  # first run: asks for folders
    with qtbot.waitSignal(w.model_failed, timeout=WAIT) as sig:
        pass
    assert "no-weights" in sig.args[0] and "\n" not in sig.args[0]
    assert w.banner_box.isVisible() and w.banner_button.isVisible() and "no-weights" in w.banner.text()
    assert not w.model_progress.isVisible()
    (tmp_path / "pics").mkdir()
    w.add_folder(str(tmp_path / "pics"))  # the window still works
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.grid, timeout=WAIT)
    w.close()
    lib.close()
    QApplication.processEvents()


@pytest.fixture
def stand_in_hub():
    """The toy model served as `hf-hub:photoclip/toyclip` by a local stand-in for the model hub (slowly, so a
    click lands in the middle of the download), with the hub client pointed at it."""
    from hubstandin import HubStandIn, hub_client_at, toy_files

    files = toy_files()
    with HubStandIn({"photoclip/toyclip": files, "photoclip/toyclip-small": files}, chunk_delay=0.03) as server, \
            hub_client_at(server.url, chunk=128 * 1024):
        server.files = files
        yield server


def test_first_run_downloads_the_model_with_progress_pause_and_resume(qtbot, home, stand_in_hub):
    """The first run fetches the model from the hub (here a local stand-in) with size, progress and speed in
    the bar; Cancel pauses it for real (the transfer stops, what arrived stays); Resume asks only for the rest
    (a byte-range request) and the model loads from disk."""
    from photoclip.library import Library

    lib = Library(home=home, model="hf-hub:photoclip/toyclip", device="cpu")
    w = MainWindow(lib)
    qtbot.addWidget(w)
    w.show()
    weights = len(stand_in_hub.files["open_clip_model.safetensors"])
    qtbot.waitUntil(lambda: w.download is not None and w.download.progress.done > 256 * 1024, timeout=WAIT)
    qtbot.waitUntil(lambda: "Downloading the model" in w.model_progress.format(), timeout=WAIT)
    assert f"{(weights + 558) / 1e6:,.0f} MB" in w.model_progress.format() and w.cancel_load.isVisible()
    with qtbot.waitSignal(w.model_failed, timeout=WAIT) as sig:
        w.cancel_load.click()
    assert "paused" in sig.args[0] and w.resume_button.isVisible() and not w.model_progress.isVisible()
    partial = [p for p in lib.paths.models_dir.rglob("*.part")]
    arrived = sum(p.stat().st_size for p in partial)
    assert partial and 0 < arrived < weights  # stopped in the middle, and kept
    gets = len([r for r in stand_in_hub.requests if r[0] == "GET"])
    time.sleep(0.5)
    assert len([r for r in stand_in_hub.requests if r[0] == "GET"]) == gets  # nothing more is fetched
    with qtbot.waitSignal(w.model_ready, timeout=WAIT):
        w.resume_button.click()
    ranged = [r for r in stand_in_hub.requests if r[0] == "GET" and r[2]]
    assert ranged and ranged[-1][2] == f"bytes={arrived}-"  # only the rest
    assert not list(lib.paths.models_dir.rglob("*.part")) and lib.encoder.loaded
    assert w.banner_box.isHidden()
    w.close()
    lib.close()


def test_welcome_offers_the_pictures_folder_and_a_model_picked_mid_download_replaces_the_first(
        qtbot, home, tmp_path, stand_in_hub, monkeypatch):
    """A new user's first minutes: the welcome page offers the system's Pictures folder and the presets with
    their sizes and languages; picking another model while the first downloads stops that download (what
    arrived stays for later) and fetches the chosen one; the choice is remembered; adding the Pictures folder
    indexes it with the chosen model, after which the picker is gone (a new model is then a switch)."""
    import platformdirs

    from photoclip import models
    from photoclip.gui.welcome import Welcome
    from photoclip.library import Library
    from photoclip.settings import Settings

    pictures = tmp_path / "Pictures"
    draw_folder(pictures, seed=10_020, count=3)
    monkeypatch.setattr(platformdirs, "user_pictures_dir", lambda: str(pictures))
    lib = Library(home=home, model="hf-hub:photoclip/toyclip", device="cpu")
    w = MainWindow(lib)
    qtbot.addWidget(w)
    w.show()
    welcome = w.welcome
    assert w.stack.currentWidget() is welcome and welcome.add_pictures.isVisible()
    assert welcome.add_pictures.toolTip() == str(pictures) and "Pictures" in welcome.add_pictures.text()
    qtbot.waitUntil(welcome.model_box.isVisible, timeout=WAIT)  # nothing encoded yet: the model can be chosen
    lines = [b.text() for b in welcome.buttons.values()]
    assert len(lines) == len(models.presets())
    assert any("MB" in t and "English only" in t for t in lines) and any("Chinese" in t for t in lines)
    qtbot.waitUntil(lambda: w.download is not None and w.download.progress.done > 256 * 1024, timeout=WAIT)
    with qtbot.waitSignal(w.model_ready, timeout=WAIT):
        w.choose_preset("hf-hub:photoclip/toyclip-small")
    assert lib.model_id == "hf-hub:photoclip/toyclip-small" and lib.encoder.loaded
    assert Settings.load(lib.paths.settings).model == "hf-hub:photoclip/toyclip-small"  # remembered
    stopped = [p for p in lib.paths.models_dir.rglob("*.part") if "toyclip-small" not in str(p)]
    assert stopped  # the first model's partial download stays, for later
    assert w.banner_box.isHidden()  # no "paused" message: the user chose another model, nothing went wrong
    with qtbot.waitSignal(w.view_loaded, timeout=WAIT * 2, check_params_cb=lambda: w.model.rowCount() == 3):
        welcome.add_pictures.click()
    qtbot.waitUntil(lambda: w.client.query("status")["encoded_with"] == "hf-hub:photoclip/toyclip-small",
                    timeout=WAIT)
    w.refresh_sidebar()
    qtbot.waitUntil(lambda: welcome.model_box.isHidden(), timeout=WAIT)
    w.close()
    lib.close()

    picker = Welcome("hf-hub:photoclip/toyclip")  # a radio button says its preset's model, once, when clicked
    qtbot.addWidget(picker)
    chosen = []
    picker.preset_chosen.connect(chosen.append)
    fast = models.preset("fast")
    picker.buttons[fast.model].click()
    assert chosen == [fast.model] and picker.buttons[fast.model].isChecked()


def test_a_corrupt_download_is_called_damaged_in_one_sentence(qtbot, home, stand_in_hub):
    from photoclip.library import Library

    stand_in_hub.corrupt.add("open_clip_model.safetensors")
    stand_in_hub.chunk_delay = 0
    lib = Library(home=home, model="hf-hub:photoclip/toyclip", device="cpu")
    w = MainWindow(lib)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.model_failed, timeout=WAIT) as sig:
        pass
    assert "damaged" in sig.args[0] and "\n" not in sig.args[0] and w.banner_button.isVisible()
    w.close()
    lib.close()


def test_signal_emits_do_not_leak_references(qapp):
    """PySide6 6.12.0 dropped a reference to True on every emit: a window died after a few hundred signals."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(str)

    e = Emitter()
    got = []
    e.ping.connect(got.append)
    before = sys.getrefcount(True)
    for _ in range(3000):
        e.ping.emit("x")
    assert len(got) == 3000
    assert abs(sys.getrefcount(True) - before) < 100


def test_settings_are_remembered_and_folders_can_be_dropped(make_window, qtbot, library, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDropEvent

    from photoclip.gui.dialogs import SettingsDialog
    from photoclip.settings import Settings

    w = make_window()
    dlg = SettingsDialog(library.settings, w)
    qtbot.addWidget(dlg)
    dlg.device.setCurrentText("cpu")
    dlg.threads.setValue(2)
    dlg.excluded.setPlainText(str(tmp_path / "private"))
    dlg.apply()
    library.settings.save(library.paths.settings)
    again = Settings.load(library.paths.settings)
    assert (again.device, again.threads, again.excluded) == ("cpu", 2, [str(tmp_path / "private")])

    dropped = tmp_path / "dropped"
    dropped.mkdir()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    w.dropEvent(event)
    qtbot.waitUntil(lambda: any(it.toolTip(0) == str(dropped) for it in w.sidebar_items().values()), timeout=WAIT)
    assert any(text.startswith(dropped.name + " (") for text in w.sidebar_items())  # its own name, and a count
    assert str(dropped) in library.folder_paths()


def test_photos_drag_out_as_file_urls(make_window, qtbot, indexed):
    w = make_window()
    ready(qtbot, w)
    qtbot.waitUntil(lambda: w.model.rowCount() == 60, timeout=WAIT)
    mime = w.model.mimeData([w.model.index(0), w.model.index(1)])
    assert [u.toLocalFile() for u in mime.urls()] == shown_paths(w)[:2]


def test_gui_screenshot_command(tmp_path, toy_spec):
    from helpers import cli_json, run_cli

    home = tmp_path / "home"
    draw_folder(tmp_path / "pics", seed=10_004, count=10)
    cli_json("index", tmp_path / "pics", home=home, env={"PHOTOCLIP_MODEL": toy_spec})
    png = tmp_path / "shot.png"
    run_cli("--model", toy_spec, "gui", "--query", "a receipt", "--screenshot", png, home=home,
            env={"QT_QPA_PLATFORM": "offscreen"}, timeout=180)
    from PIL import Image

    shot = Image.open(png)
    assert shot.size[0] >= 800 and shot.size[1] >= 500
    assert len(set(shot.convert("RGB").resize((64, 40)).getdata())) > 50  # thumbnails, not a blank window


def test_space_opens_the_viewer_with_facts_arrows_zoom_and_find_similar(make_window, qtbot, indexed, library,
                                                                        monkeypatch):
    from photoclip.gui.viewer import Viewer

    library.albums.create("Receipts", ["a receipt"])
    w = make_window()
    ready(qtbot, w)
    qtbot.waitUntil(lambda: w.model.rowCount() == 60, timeout=WAIT)
    receipt = next(p for p, pic in indexed.items() if pic.scene == "receipt")
    row = shown_paths(w).index(receipt)
    opened = []
    monkeypatch.setattr(Viewer, "exec", lambda self: opened.append(self) or 0)
    w.grid.setCurrentIndex(w.model.index(row))
    qtbot.keyClick(w.grid, Qt.Key_Space)
    v = opened[0]
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: v.path == receipt and not v.image.isNull() and v.facts.rowCount() > 3, timeout=WAIT)

    values = v.shown_facts()
    assert values["Path"] == receipt and " × " in values["Dimensions"]
    assert values["Albums"].startswith("Receipts (")
    fitted = v.image.size()
    qtbot.keyClick(v, Qt.Key_Right)  # the next photo of the view
    expected = shown_paths(w)[row + 1] if row + 1 < 60 else receipt
    qtbot.waitUntil(lambda: v.shown_facts().get("Path") == expected, timeout=WAIT)
    qtbot.keyClick(v, Qt.Key_Left)
    qtbot.waitUntil(lambda: v.shown_facts().get("Path") == receipt, timeout=WAIT)
    with qtbot.waitSignal(v.loaded, timeout=WAIT):
        v.zoom_button.click()  # every pixel
    assert v.actual and v.image.size() == fitted  # a small photo: its own size either way, never enlarged
    v.similar_button.click()
    assert w.search.text().startswith("like:") and receipt in w.search.text()


def test_the_viewer_zooms_in_steps_to_every_pixel_and_shows_the_cameras_facts(make_window, qtbot, library,
                                                                              tmp_path, monkeypatch):
    """A 12 MP camera photo: fitted first (decoded small), then zoomed in steps with +, -, Ctrl and the wheel,
    1 shows every pixel (the full decode, read on demand), 0 fits again; exposure, lens and GPS beside it."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from test_exif import camera_jpeg

    from photoclip.gui.viewer import FIT, Viewer

    (tmp_path / "cam").mkdir()
    photo = camera_jpeg(tmp_path / "cam" / "IMG_0001.jpg")
    Image.open(photo).resize((4000, 3000)).save(photo, exif=Image.open(photo).getexif(), quality=80)
    library.add_folders([str(tmp_path / "cam")])
    library.index_now()
    w = make_window()
    v = Viewer(w, [str(photo)], 0)
    qtbot.addWidget(v)
    v.resize(1000, 700)
    v.show()
    qtbot.waitUntil(lambda: not v.image.isNull() and v.facts.rowCount() > 3, timeout=WAIT)
    facts = v.shown_facts()
    assert facts["Camera"] == "Canon EOS R6" and facts["Lens"] == "RF35mm F1.8"
    assert facts["Exposure"] == "1/250 s · f/2.8 · ISO 400" and facts["Flash"] == "did not fire"
    assert facts["Location"] == "Lisbon, Portugal\n38.71987° N, 9.14000° W"  # the place named (places.py)
    assert v.image.width() <= FIT.width() and v.original == QSize(4000, 3000)  # fitted: decoded small
    fitted = v.scale()
    assert 0.1 < fitted < 0.3 and v.zoom_label.text() == f"{fitted:.0%}"
    qtbot.keyClick(v, Qt.Key_Plus)
    assert v.zoom == 0.25 and v.picture.pixmap().width() == 1000  # the next step up, from the fitted scale
    with qtbot.waitSignal(v.loaded, timeout=WAIT):
        qtbot.keyClick(v, Qt.Key_1)
    assert v.zoom == 1.0 and v.full and v.image.size() == QSize(4000, 3000)  # every pixel, read on demand
    assert v.picture.pixmap().size() == QSize(4000, 3000) and v.zoom_label.text() == "100%"
    wheel = QWheelEvent(QPointF(50, 50), QPointF(50, 50), QPoint(0, 0), QPoint(0, 120), Qt.NoButton,
                        Qt.ControlModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(v.scroll.viewport(), wheel)
    assert v.zoom == 1.5 and v.picture.pixmap().width() == 6000
    qtbot.keyClick(v, Qt.Key_Minus)
    qtbot.keyClick(v, Qt.Key_Minus)
    assert v.zoom == 0.75
    qtbot.keyClick(v, Qt.Key_0)
    assert v.zoom is None and v.picture.pixmap().width() <= v.scroll.viewport().width()
    v.close()


def test_pause_from_the_window_and_from_a_terminal(make_window, qtbot, library, tmp_path):
    from photoclip import ipc

    (tmp_path / "p").mkdir()
    library.add_folders([str(tmp_path / "p")])
    w = make_window()
    ready(qtbot, w)
    w.pause_button.click()
    qtbot.waitUntil(lambda: w.service.paused and w.pause_button.text() == "Resume", timeout=WAIT)
    w.pause_button.click()
    qtbot.waitUntil(lambda: not w.service.paused and w.pause_button.text() == "Pause", timeout=WAIT)
    assert ipc.call(library.paths, "pause", {}) == {"paused": True}  # what `photoclip pause` does
    qtbot.waitUntil(lambda: w.pause_button.isChecked() and w.progress_label.text() == "Indexing paused",
                    timeout=WAIT)


def test_every_write_goes_through_the_service(make_window, qtbot, indexed, library, tmp_path):
    """While the window's service runs, the catalog refuses writes from any other thread; album edit, album
    removal and folder removal from the window still work, because they are commands to the service."""
    from photoclip.catalog import WriteOwnershipError

    library.albums.create("Beach", ["beach"])
    w = make_window()
    ready(qtbot, w)
    with pytest.raises(WriteOwnershipError):  # the GUI thread (this test) may not write behind its back
        library.albums.remove("Beach")
    dlg = AlbumDialog(w, w.client.query("albums_show", name="Beach"))  # what the window's Edit… opens
    qtbot.addWidget(dlg)
    dlg.auto.setChecked(False)
    dlg.slider.setValue(1)  # nearly everything
    with qtbot.waitSignal(dlg.saved, timeout=WAIT):
        dlg.accept()
    assert library.albums.count(library.albums.get("Beach")) > beach_count(library, indexed)
    with qtbot.waitSignal(w.command_done, timeout=WAIT):
        w.remove_album("Beach")
    assert [a.name for a in library.albums.all()] == []
    folder = library.folder_paths()[0]
    with qtbot.waitSignal(w.command_done, timeout=WAIT):
        w.remove_folder(folder)
    assert library.folder_paths() == [] and library.status()["photos"] == 0


def beach_count(library, indexed):
    return sum(p.scene == "beach" for p in indexed.values())


def test_selection_and_scroll_survive_indexing(make_window, qtbot, library, tmp_path):
    """Indexing 200 new photos inserts rows: the selected photo stays selected, current and on screen."""
    root = tmp_path / "lib"
    draw_folder(root / "a", seed=10_010, count=80)
    library.add_folders([str(root)])
    library.index_now()
    w = make_window()
    ready(qtbot, w)
    qtbot.waitUntil(lambda: w.model.rowCount() == 80, timeout=WAIT)
    row = 40
    chosen = w.model.items[row].id
    w.grid.setCurrentIndex(w.model.index(row))
    w.grid.scrollTo(w.model.index(row))
    before = w.grid.visualRect(w.model.index(row)).top()
    resets = []
    w.model.modelReset.connect(lambda: resets.append(1))
    for i, p in enumerate(draw_folder(tmp_path / "staging", seed=10_011, count=200)):  # sorts among the others
        os.rename(p, root / f"{i:04d}_{os.path.basename(p)}")
    qtbot.waitUntil(lambda: w.model.rowCount() == 280, timeout=WAIT * 2)
    qtbot.waitUntil(lambda: w.progress_label.text() == "Library is current", timeout=WAIT)
    current = w.grid.currentIndex()
    assert current.isValid() and w.model.items[current.row()].id == chosen
    assert [w.model.items[i.row()].id for i in w.grid.selectedIndexes()] == [chosen]
    assert current.row() != row  # rows were inserted above it...
    rect = w.grid.visualRect(current)
    assert w.grid.viewport().rect().contains(rect) and abs(rect.top() - before) <= 2  # ...and it did not move
    assert resets == []  # row inserts, never a reset under the user's hand


def test_the_status_line_says_which_folders_are_offline(make_window, qtbot, library, tmp_path):
    """A folder on a disk that is not there (unplugged, unmounted): "Folders offline: 1" in the status line, the
    folder's path on hover; gone once it is back."""
    for name in ("here", "usb"):
        draw_folder(tmp_path / name, seed=10_030, count=2)
    library.add_folders([str(tmp_path / "here"), str(tmp_path / "usb")])
    library.index_now()
    (tmp_path / "usb").rename(tmp_path / "unplugged")
    w = make_window()
    ready(qtbot, w)
    qtbot.waitUntil(lambda: w.offline_label.isVisible(), timeout=WAIT)
    assert w.offline_label.text() == "Folders offline: 1" and w.offline_label.toolTip() == str(tmp_path / "usb")
    (tmp_path / "unplugged").rename(tmp_path / "usb")
    qtbot.waitUntil(lambda: w.offline_label.isHidden(), timeout=WAIT)


def test_first_hour_details_of_the_window(qtbot, library, tmp_path):
    """Nothing to pause before the service runs; the first-run bar says what it does; dialogs have room."""
    from photoclip.gui.dialogs import SettingsDialog

    w = MainWindow(library, start_service=False)
    qtbot.addWidget(w)
    w.show()
    assert not w.pause_button.isEnabled()
    assert w.model_progress.format() == "Loading the model… (the first run downloads it once)"  # a test model
    from photoclip import models

    default = models.default_preset()
    from types import SimpleNamespace

    shown = MainWindow._loading_text(SimpleNamespace(lib=SimpleNamespace(model_id=default.model), tr=w.tr))
    assert shown == f"Loading the model… (the first run downloads it once, about {default.download_mb} MB)"
    assert models.download_mb(default.model) == round(default.params_m * 4) == 1464  # 366.12 M parameters
    dlg = AlbumDialog(w)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.width() >= 560 and dlg.height() >= 600 and dlg.slider.width() >= 260
    rows = dlg.borderline.height() // dlg.borderline.fontMetrics().height()
    assert rows >= 8  # whole borderline rows, not cut in the middle
    settings = SettingsDialog(library.settings, w, model_in_use="ViT-B-32-256:datacomp_s34b_b86k")
    qtbot.addWidget(settings)
    settings.show()
    assert settings.model.width() > settings.model.fontMetrics().horizontalAdvance(settings.model.text())
    assert settings.model.text() == "ViT-B-32-256:datacomp_s34b_b86k"  # the model actually in use
    w.close()


def test_less_relevant_matches_are_one_click_away_and_images_drop_into_the_box(make_window, qtbot, indexed):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDropEvent

    w = make_window()
    ready(qtbot, w)
    shows(qtbot, w, ("search", "the night sky"), lambda: (w.search.setText("the night sky"), w._search_now()))
    night = {p for p, pic in indexed.items() if pic.scene == "night"}
    assert set(shown_paths(w)) == night and w.more_button.isVisible()
    assert w.more_button.text() == f"Show {60 - len(night)} less relevant"
    w.shown_mode = None
    w.more_button.click()
    qtbot.waitUntil(lambda: len(shown_paths(w)) == 60, timeout=WAIT)
    assert not w.more_button.isVisible() and set(shown_paths(w)[:len(night)]) == night
    beach = next(p for p, pic in sorted(indexed.items()) if pic.scene == "beach")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(beach)])
    w.search.clear()
    w.shown_mode = None
    w.dropEvent(QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    qtbot.waitUntil(lambda: w.shown_mode == ("search", f'like:"{beach}"'), timeout=WAIT)
    assert w.search.text() == f'like:"{beach}"' and beach not in shown_paths(w) and len(shown_paths(w)) == 59


def test_duplicates_window_keeps_the_best_copy_and_trashes_only_after_confirmation(
        make_window, qtbot, library, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    from test_duplicates import plant

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # Send2Trash's trash for this file system
    folders, planted, originals = plant(tmp_path)
    library.add_folders([str(f) for f in folders])
    library.index_now()
    w = make_window()
    ready(qtbot, w)
    dlg = w.show_duplicates()
    qtbot.waitUntil(lambda: dlg.tree.topLevelItemCount() == len(planted), timeout=WAIT)
    # Every best copy is shown but cannot be checked; only the byte-identical copy starts checked.
    exact = [c for c, o in planted.items() if c.rsplit("/", 1)[1] == o.rsplit("/", 1)[1]]
    assert len(exact) == 1 and dlg.checked_paths() == exact
    rows = []
    for i in range(dlg.tree.topLevelItemCount()):
        best = dlg.tree.topLevelItem(i).child(0)
        assert best.text(1) == "kept" and not best.flags() & Qt.ItemIsUserCheckable
        rows += [dlg.tree.topLevelItem(i).child(j) for j in range(1, dlg.tree.topLevelItem(i).childCount())]
    assert {r.text(1) for r in rows} == {"same bytes", "looks the same"}
    # The user compares the look-alikes side by side (at 100% the two views scroll together) and ticks all
    # but one: that one stays.
    look_alikes = [r for r in rows if r.text(1) == "looks the same"]
    other = dlg.paths[look_alikes[0].data(0, Qt.UserRole)]
    assert look_alikes[0].text(0) == os.path.basename(other)  # the file name; the whole path on hover
    assert look_alikes[0].toolTip(0) == other
    with qtbot.waitSignal(dlg.pane.loaded, timeout=WAIT):  # beside the list: the pair, large
        dlg.tree.setCurrentItem(look_alikes[0])
    assert dlg.pane.paths == (planted[other], other) and not any(i.isNull() for i in dlg.pane.images)
    assert dlg.pane.labels[1].pixmap().width() >= min(dlg.pane.images[1].width(), 200)
    cmp = dlg.compare(other)
    with qtbot.waitSignal(cmp.loaded, timeout=WAIT):
        pass
    assert cmp.paths == (planted[other], other) and not any(i.isNull() for i in cmp.images)
    cmp.zoom.setChecked(True)
    assert cmp.labels[0].pixmap().size() == cmp.images[0].size()
    cmp.close()
    for r in look_alikes[1:]:
        r.setCheckState(0, Qt.Checked)
    kept = dlg.paths[look_alikes[0].data(0, Qt.UserRole)]
    assert dlg.trash_button.text() == f"Move {len(planted) - 1} to trash…"

    shown = {}

    def answer(reply):
        def exec_(box):
            shown["text"], shown["detail"] = box.text(), box.detailedText()
            return reply
        return exec_

    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.Cancel))
    dlg.confirm_trash()  # cancelled: nothing moves
    assert all(os.path.exists(p) for p in planted)
    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.Yes))
    with qtbot.waitSignal(dlg.loaded, timeout=WAIT):
        dlg.confirm_trash()
    assert sorted(shown["detail"].splitlines()) == sorted(set(planted) - {kept})  # the confirmation listed them
    assert all(not os.path.exists(p) for p in planted if p != kept)
    assert os.path.exists(kept) and all(os.path.exists(p) for p in originals)
    assert dlg.tree.topLevelItemCount() == 1  # only the group whose extra was kept
    dlg.close()


def test_date_order_toggle_with_month_headers(make_window, qtbot, library, tmp_path):
    import datetime

    from photoclip.gui.grid import HeaderRole

    truth = draw_folder(tmp_path / "dated", seed=77, count=12)
    months = {}
    for i, path in enumerate(sorted(truth)):  # three photos in each of four months, spread over two years
        when = datetime.datetime(2023 + i // 6, 1 + 3 * (i // 3) % 12, 1 + i, 12, 0)
        os.utime(path, (when.timestamp(), when.timestamp()))
        months[path] = when.strftime("%Y-%m")
    library.add_folders([str(tmp_path / "dated")])
    library.index_now()
    w = make_window()
    ready(qtbot, w)
    shows(qtbot, w, ("all", None))
    paths = shown_paths(w)  # the library itself is always in date order, like every photo library's
    assert [months[p] for p in paths] == sorted(months.values(), reverse=True)  # newest first
    headers = [w.model.data(w.model.index(i), HeaderRole) for i in range(len(paths))]
    starts = [i for i in range(len(paths)) if i == 0 or months[paths[i]] != months[paths[i - 1]]]
    assert [i for i, h in enumerate(headers) if h] == starts == [0, 3, 6, 9]
    assert "2024" in headers[0] and "2023" in headers[9]
    # A search in date order: the same photos the CLI gives for --sort date, newest first, with headers.
    w.sort_box.setCurrentIndex(w.sort_box.findData("date"))
    shows(qtbot, w, ("search", "a receipt"), lambda: (w.search.setText("a receipt"), w._search_now()))
    answer = library.query("a receipt", 500, sort="date")
    assert len(answer.results) >= 2 and shown_paths(w) == [r.path for r in answer.results]
    assert w.model.data(w.model.index(0), HeaderRole)
    w.grid.grab()  # the delegate paints the bands without error


def test_a_chinese_query_on_an_english_model_offers_a_multilingual_switch(library, qtbot, tmp_path, monkeypatch):
    """The banner names a multilingual preset; one click (and a confirmation) switches the library to it and
    re-encodes in the background; then the same query is read and the banner goes away."""
    from PySide6.QtWidgets import QMessageBox

    from photoclip import models

    from helpers import ROOT

    siglip = f"local-dir:{ROOT / 'tests' / 'fixtures' / 'toysiglip'}"
    bilingual = models.Preset("test", "Balanced (multilingual)", siglip, ("en", "zh"), "sigmoid", 64, None, {},
                              None, "")
    monkeypatch.setattr(models, "multilingual_preset", lambda: bilingual)
    truth = draw_folder(tmp_path / "pics", seed=31, count=24)
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    w = MainWindow(library, settle_s=0.3)
    qtbot.addWidget(w)
    w.show()
    ready(qtbot, w)
    shows(qtbot, w, ("search", "夜空"), lambda: (w.search.setText("夜空"), w._search_now()))
    assert not w.banner_box.isHidden() and not w.switch_button.isHidden()
    assert "English only" in w.banner.text() and "Balanced (multilingual)" in w.switch_button.text()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    with qtbot.waitSignal(w.model_ready, timeout=WAIT):
        w.switch_button.click()
    qtbot.waitUntil(lambda: library.model_id == siglip and library.status()["pending"] == 0, timeout=WAIT)
    shows(qtbot, w, ("search", "夜空"), lambda: w._search_now())
    assert w.banner_box.isHidden()
    night = {p for p, pic in truth.items() if pic.scene == "night"}
    top = shown_paths(w)[:len(night)]
    assert sum(p in night for p in top) >= 0.8 * len(night)
    w.close()


def test_settings_offer_presets_by_name_and_a_language(qtbot, library):
    from photoclip import models
    from photoclip.gui.dialogs import SettingsDialog

    dlg = SettingsDialog(library.settings, None, model_in_use=library.model_id)
    qtbot.addWidget(dlg)
    assert dlg.preset.currentIndex() == 0  # the toy model is no preset: "Other model"
    names = [dlg.preset.itemText(i) for i in range(dlg.preset.count())]
    for p in models.presets():
        assert any(t.startswith(p.name) for t in names)
    fast = models.preset("fast")
    dlg.preset.setCurrentIndex(dlg.preset.findData(fast.model))
    assert dlg.model.text() == fast.model and dlg.chosen_model() == fast.model
    label = dlg.preset.currentText()
    assert "English only" in label and "15.1 photos/s" in label
    dlg.model.setText("")
    dlg.model.textEdited.emit("")  # typing back to nothing: the default is not a choice of the dialog
    assert dlg.preset.currentIndex() == 0
    dlg.language.setCurrentIndex(dlg.language.findData("zh_CN"))
    dlg.apply()
    assert library.settings.language == "zh_CN"


@pytest.mark.parametrize("host", ["window", "watch"])
def test_new_photos_progress_and_album_counts_reach_the_window_whoever_hosts_the_library(
        host, make_window, qtbot, library, tmp_path):
    """The window hosts the service, or a `photoclip watch` does and the window is its client: either way 50
    photos dropped into a watched folder appear in the grid, with progress and the album's count."""
    import signal
    import subprocess
    import sys

    from helpers import cli_json

    root = tmp_path / "watched"
    root.mkdir()
    library.add_folders([str(root)])
    library.albums.create("Night", ["the night sky"])
    watch = None
    if host == "watch":
        watch = subprocess.Popen([sys.executable, "-m", "photoclip", "watch"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: cli_json("status")["watching"], timeout=WAIT)
    try:
        w = make_window()
        ready(qtbot, w)
        assert w.attached == (host == "watch") and (w.service is None) == (host == "watch")
        seen = []
        w.bridge.event.connect(lambda ev: seen.append(ev.get("event")))
        qtbot.waitUntil(lambda: "Night (0)" in w.sidebar_items(), timeout=WAIT)
        shows(qtbot, w, ("all", None), w.refresh)
        reads = []  # the view's own re-reads of the listing: the events' rows are applied, not read again
        query = w.client.query
        w.client.query = lambda op, **params: (reads.append((op, list(seen))) if op == "photos" else None, query(op, **params))[1]
        staged = draw_folder(tmp_path / "staging", seed=10_050, count=50, sizes=((320, 240),),
                             scenes=["night", "forest"])
        shutil.move(str(tmp_path / "staging"), str(root / "new"))
        qtbot.waitUntil(lambda: w.model.rowCount() == 50, timeout=WAIT)
        assert [r for r in reads if "indexed" in r[1]] == []  # no re-read once photos began to arrive
        assert set(shown_paths(w)) == {p.replace(str(tmp_path / "staging"), str(root / "new")) for p in staged}
        assert "progress" in seen and "indexed" in seen
        count = cli_json("albums", "list")["albums"][0]["count"]  # whoever answers, the same number
        assert count >= 0.8 * sum(pic.scene == "night" for pic in staged.values())
        qtbot.waitUntil(lambda: f"Night ({count})" in w.sidebar_items(), timeout=WAIT)
        shows(qtbot, w, ("search", "the night sky"), lambda: (w.search.setText("the night sky"), w._search_now()))
        assert len(shown_paths(w)) >= 1  # a search answered by whoever hosts, over what it indexed just now
        w.pause_button.click()
        qtbot.waitUntil(lambda: w.paused and w.pause_button.text() == "Resume", timeout=WAIT)
        assert cli_json("status")["paused"] is True
        w.pause_button.click()
        qtbot.waitUntil(lambda: not w.paused, timeout=WAIT)
    finally:
        if watch is not None:
            watch.send_signal(signal.SIGTERM)
            watch.communicate(timeout=60)
    if watch is not None:
        qtbot.waitUntil(lambda: not w.banner_box.isHidden(), timeout=WAIT)  # it says the watch stopped
        assert watch.returncode == 0


def test_row_deltas_give_the_same_grid_as_a_fresh_date_ordered_list(qtbot, tmp_path):
    """200 random batches of arrivals, removals and moves (some on the same date) applied as deltas leave the
    grid exactly as a fresh list in date order would be, month headers included, the current photo kept."""
    import random

    from photoclip.gui.grid import Item, PhotoGrid, PhotoModel, in_date_order
    from photoclip.gui.thumbnails import ThumbnailLoader

    rnd = random.Random(1)

    def taken(k):
        return f"{2015 + k // 400:04d}-{1 + (k // 31) % 12:02d}-{1 + k % 28:02d}T12:00:00"

    cur = {i: Item(i, f"/t/x{i:05d}.jpg", None, taken(rnd.randrange(2000))) for i in range(1500)}
    model = PhotoModel(ThumbnailLoader(str(tmp_path / "thumbs")))
    grid = PhotoGrid(model)
    qtbot.addWidget(grid)
    grid.show()
    model.set_items(in_date_order(list(cur.values())))
    keep = model.items[700].id
    grid.setCurrentIndex(model.index(700))
    nid = 10_000
    for step in range(200):
        removed = set(rnd.sample(sorted(set(cur) - {keep}), 5))
        arriving = [Item(nid + k, f"/t/n{nid + k}.jpg", None, taken(rnd.randrange(2000))) for k in range(7)]
        nid += 7
        moved = rnd.choice(sorted(set(cur) - removed - {keep}))
        arriving.append(Item(moved, f"/t/m{moved}-{step}.jpg", None, cur[moved].taken))
        removed.add(moved)
        for i in removed:
            cur.pop(i)
        cur.update((it.id, it) for it in arriving)
        grid.apply_keeping_view(removed, [Item(it.id, it.path, None, it.taken) for it in arriving])
        want = in_date_order([Item(it.id, it.path, None, it.taken) for it in cur.values()])
        assert [(i.id, i.path, i.header) for i in model.items] == [(i.id, i.path, i.header) for i in want], step
    assert model.items[grid.currentIndex().row()].id == keep  # rows came and went around it


def test_the_screenshot_script_still_runs(tmp_path):
    """tools/screenshots.py makes the README's pictures from the current code: every state, in English and
    Chinese; if it breaks, this fails."""
    import subprocess
    import sys

    from helpers import ROOT

    r = subprocess.run([sys.executable, str(ROOT / "tools" / "screenshots.py"), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=600, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr[-2000:]
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert made == sorted(f"{s}-{lang}.png" for s in ("library", "search", "viewer", "album", "duplicates", "dark",
                                                      "text", "people", "faces", "video-search", "video",
                                                      "first-run", "offline")
                                       for lang in ("en", "zh_CN"))
    from PIL import Image

    assert all(min(Image.open(tmp_path / name).size) >= 400 for name in made)  # real windows, not blanks


def test_the_window_follows_the_systems_dark_theme(make_window, qtbot, indexed):
    """When the system turns dark, so does the window: its palette, the squares that wait for thumbnails and the
    text of the welcome page; the banner keeps its own readable colours."""
    from PySide6.QtGui import QPalette

    from photoclip.gui.theme import SystemTheme

    app = QApplication.instance()
    before = app.palette()
    w = make_window()
    ready(qtbot, w)
    qtbot.waitUntil(lambda: w.model.rowCount() == 60, timeout=WAIT)
    light = w.model.placeholder().toImage().pixelColor(0, 0)
    theme = SystemTheme(app)  # what `photoclip gui` starts; the scheme arrives as colorSchemeChanged would say
    try:
        theme.apply(Qt.ColorScheme.Dark)
        qtbot.waitUntil(lambda: w.palette().color(QPalette.Window).lightness() < 100, timeout=WAIT)
        dark = w.model.placeholder().toImage().pixelColor(0, 0)
        assert dark.lightness() < light.lightness() and dark.lightness() < 128
        assert w.welcome.palette().color(QPalette.WindowText).lightness() > 150  # light text on dark
        assert "color:#3d2f00" in w.banner.styleSheet()  # the yellow banner states its own text colour
        dlg = AlbumDialog(w)
        qtbot.addWidget(dlg)
        assert "#ff8a80" in dlg.error.styleSheet()  # an error in a red that reads on dark
        theme.apply(Qt.ColorScheme.Light)  # and back
        qtbot.waitUntil(lambda: w.palette().color(QPalette.Window).lightness() > 150, timeout=WAIT)
        assert not theme.forced
    finally:
        app.styleHints().colorSchemeChanged.disconnect(theme.apply)
        app.setPalette(before)


def test_thumbnails_are_crisp_on_a_hidpi_screen(qtbot, tmp_path):
    """At a device pixel ratio of 2 a thumbnail has twice the pixels and the same size on screen, cached apart
    from the ordinary ones."""
    from PIL import Image

    from photoclip.gui.thumbnails import THUMB, ThumbnailLoader

    photo = tmp_path / "big.jpg"
    Image.new("RGB", (1200, 900), (20, 120, 200)).save(photo)
    sharp, plain = ThumbnailLoader(str(tmp_path / "cache"), scale=2.0), ThumbnailLoader(str(tmp_path / "cache"))
    try:
        for loader in (sharp, plain):
            loader.get(str(photo))
            qtbot.waitUntil(lambda loader=loader: loader.get(str(photo)) is not None, timeout=WAIT)
        hi, lo = sharp.get(str(photo)), plain.get(str(photo))
        assert (hi.width(), hi.devicePixelRatio()) == (2 * THUMB, 2.0) and (lo.width(), lo.devicePixelRatio()) == (THUMB, 1.0)
        assert hi.deviceIndependentSize().width() == lo.width()  # the same size on screen
        assert len(list((tmp_path / "cache").rglob("*.jpg"))) == 2
    finally:
        sharp.shutdown()
        plain.shutdown()


def test_members_and_borderline_photos_are_pictures_you_click_in_or_out(make_window, qtbot, indexed, library):
    """The album dialog shows the photos nearest its threshold as thumbnails; a click puts one in (or keeps it
    out) as feedback the service records, and the preview is scored again with it."""
    library.albums.create("Night sky", ["the night sky"])
    w = make_window()
    ready(qtbot, w)
    dlg = AlbumDialog(w, w.client.query("albums_show", name="Night sky"))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.borderline.count() == 8, timeout=WAIT)
    qtbot.waitUntil(lambda: all(not dlg.borderline.item(i).icon().isNull() for i in range(8)), timeout=WAIT)
    # The members themselves, best first, as pictures: night skies.
    from photoclip.gui.dialogs import MEMBERS_SHOWN
    qtbot.waitUntil(lambda: dlg.members.count() == min(dlg.member_count(), MEMBERS_SHOWN), timeout=WAIT)
    members = [dlg.members.item(i).data(Qt.UserRole) for i in range(dlg.members.count())]
    assert len(members) >= 5 and all(indexed[p].scene == "night" for p in members[:5])
    item = next(dlg.borderline.item(i) for i in range(8) if dlg.borderline.item(i).text().startswith("out"))
    path = item.data(Qt.UserRole)
    with qtbot.waitSignal(dlg.scores_ready, timeout=WAIT):  # recorded by the service, then scored again
        dlg.borderline.itemClicked.emit(item)
    album = library.albums.get("Night sky")
    photo = library.catalog.photo_by_path(path)
    assert library.catalog.feedback(album.id) == {photo.id: True}
    assert path in {p for p, _ in library.albums.members("Night sky")}  # a marked photo is always in
    assert any(dlg.borderline.item(i).data(Qt.UserRole) == path and dlg.borderline.item(i).text() == "in ✓"
               for i in range(dlg.borderline.count())) or path not in [dlg.borderline.item(i).data(Qt.UserRole)
                                                                       for i in range(dlg.borderline.count())]
    # A click on a member takes it out.
    qtbot.waitUntil(lambda: dlg.members.count() > 0, timeout=WAIT)
    wrong = dlg.members.item(0).data(Qt.UserRole)
    with qtbot.waitSignal(dlg.scores_ready, timeout=WAIT):
        dlg.members.itemClicked.emit(dlg.members.item(0))
    assert library.catalog.feedback(album.id)[library.catalog.photo_by_path(wrong).id] is False
    assert wrong not in {p for p, _ in library.albums.members("Night sky")}  # taken out, and it stays out

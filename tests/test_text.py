"""Text in photos, end to end: drawn receipts (English and Chinese), a sign in a scene, a screenshot and plain
scenes, read by the real OCR models (rapidocr's PP-OCRv6, shipped in its wheel) through the service's text
stage into the real catalog, found from the one search box in-process, over the socket and by the CLI."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys

import pytest
from helpers import TIMEOUT, cli_json, draw_folder, kill_midway, old_catalog, run_cli, wait_for

from photoclip import textworld
from photoclip.textnorm import contains_word, normalize, words

pytest.importorskip("rapidocr")
SIZE = (960, 720)


def draw_texts(folder, pictures) -> dict[str, textworld.TextPicture]:
    """Save (name, kind, index) pictures into `folder`; {path: picture}."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    out = {}
    for name, kind, index in pictures:
        pic = textworld.draw(kind, index, *SIZE, rng)
        path = folder / name
        pic.image.save(path, quality=90)
        out[str(path)] = pic
    return out


STANDARD = [("ikea.jpg", "receipt", 0), ("beijing.jpg", "receipt", 1), ("market.jpg", "receipt", 2),
            ("parking.jpg", "sign", 0), ("phone.png", "screenshot", 1), ("plain.jpg", "none", 0)]


@pytest.fixture
def text_library(library, tmp_path, monkeypatch):
    """The library with text reading on, indexed over the standard pictures and three plain toy scenes."""
    monkeypatch.setenv("PHOTOCLIP_READ_TEXT", "1")
    pics = draw_texts(tmp_path / "pics", STANDARD)
    draw_folder(tmp_path / "pics" / "toys", seed=77, count=3, sizes=((320, 240),), scenes=["beach", "forest"])
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    return library, pics


def path_of(pics, name):
    return next(p for p in pics if p.endswith(os.sep + name))


def test_normalised_text_compares_case_accents_full_width_and_whole_words():
    assert normalize("  Café\tIKEA  ") == "cafe ikea" and normalize("ＩＫＥＡ ４２") == "ikea 42"
    assert normalize("发票 合计") == "发票 合计"
    assert words("a photo of the IKEA receipt") == ["ikea", "receipt"]
    assert contains_word("the cat sat", "cat") and not contains_word("category", "cat")
    assert contains_word("合计48.00元", "合计")  # Chinese: a substring, no spaces needed
    # Traditional characters (Taiwan's and Hong Kong's forms too) are compared as simplified ones
    assert normalize("統一發票 合計") == "统一发票 合计" and normalize("裡") == normalize("裏") == normalize("里")
    assert words("發票 2024") == ["发票", "2024"]


def test_the_text_stage_reads_skips_and_counts(text_library):
    lib, pics = text_library
    st = lib.status()["text"]
    assert st["enabled"] and st["pending"] == 0 and st["failed"] == 0
    assert st["done"] >= 5 and st["with_text"] >= 5 and st["skipped"] >= 2  # the plain scenes: gate said no text
    ikea = lib.catalog.text_of(lib.catalog.photo_by_path(path_of(pics, "ikea.jpg")).id)
    texts = [normalize(x["text"]) for x in ikea["lines"]]
    assert "ikea" in texts and any("42.50" in t for t in texts)
    assert all(len(x["box"]) == 4 and all(0 <= c <= 1 for pt in x["box"] for c in pt) for x in ikea["lines"])
    assert all(0.5 <= x["confidence"] <= 1 for x in ikea["lines"])
    assert ikea["engine"] == lib.text_reader.version
    beijing = lib.catalog.text_of(lib.catalog.photo_by_path(path_of(pics, "beijing.jpg")).id)
    assert any("合计" in x["text"] for x in beijing["lines"])


def test_text_filters_and_plain_words_in_the_one_search_box(text_library):
    lib, pics = text_library
    ikea, beijing, market = (path_of(pics, n) for n in ("ikea.jpg", "beijing.jpg", "market.jpg"))

    def paths(query, **kw):
        return [r["path"] for r in lib.query(query, 20, **kw).as_json()["results"]]

    assert paths("text:IKEA") == [ikea]
    assert paths('text:"total 42.50"') == [ikea]  # a phrase
    assert set(paths("text:total")) == {ikea, market}
    assert ikea not in paths("text:total -text:ikea") and market in paths("text:total -text:ikea")
    assert paths("text:合计") == [beijing]  # two Chinese characters: the short-term path
    assert set(paths("text:元")) == {beijing}  # one character
    answer = lib.query("IKEA", 20).as_json()  # plain words: the photo that says so comes first
    assert answer["results"][0]["path"] == ikea and answer["results"][0]["matched_text"].upper() == "IKEA"
    assert answer["clear"] is True
    zh = lib.query("合计", 20).as_json()["results"]
    assert zh[0]["path"] == beijing and "合计" in zh[0]["matched_text"]
    # The receipt is printed in simplified characters; a query in traditional ones finds it too
    assert paths("text:合計") == [beijing] and lib.query("合計", 20).as_json()["results"][0]["path"] == beijing
    combined = lib.query(f"a receipt text:ikea in:{os.path.dirname(ikea)}", 20).as_json()["results"]
    assert [r["path"] for r in combined] == [ikea] and "matched_text" in combined[0]
    assert paths("text:nowhere-written") == []
    assert all("matched_text" not in r for r in lib.query("a forest", 20).as_json()["results"]
               if r["path"] not in pics)


def test_moves_copies_and_changes_keep_or_renew_the_text(text_library, tmp_path):
    lib, pics = text_library
    ikea = path_of(pics, "ikea.jpg")
    before = lib.catalog.photo_by_path(ikea).id
    moved = os.path.join(os.path.dirname(ikea), "moved-ikea.jpg")
    os.rename(ikea, moved)
    shutil.copy(path_of(pics, "market.jpg"), os.path.join(os.path.dirname(ikea), "market copy.jpg"))
    lib.index_now()
    assert lib.catalog.photo_by_path(moved).id == before  # the same photo: vector and text followed it
    assert [r["path"] for r in lib.query("text:ikea", 5).as_json()["results"]] == [moved]
    copy = lib.catalog.photo_by_path(os.path.join(os.path.dirname(ikea), "market copy.jpg"))
    assert lib.catalog.text_of(copy.id)["lines"]  # the copy took the original's text with its vector
    # The photo changes: it is read again, and its old text no longer matches.
    textworld.draw("sign", 4, *SIZE, random.Random(1)).image.save(moved, quality=90)
    lib.index_now()
    assert lib.query("text:ikea", 5).as_json()["results"] == []
    assert [r["path"] for r in lib.query("text:welcome", 5).as_json()["results"]] == [moved]


def test_album_text_rule_tags_photos_whose_text_says_so(text_library):
    lib, pics = text_library
    album = lib.albums.create("Receipts", ["a forest"], text_any=["total", "合计"])  # a prompt that fits none
    members = {p for p, _ in lib.albums.members("Receipts")}
    assert {path_of(pics, n) for n in ("ikea.jpg", "beijing.jpg", "market.jpg")} <= members
    assert path_of(pics, "parking.jpg") not in members
    assert album.text_any == ["total", "合计"]
    preview = __import__("photoclip.ops", fromlist=["x"]).album_preview(lib, ["a forest"], text_any=["ikea"])
    assert preview["text_ids"] == [lib.catalog.photo_by_path(path_of(pics, "ikea.jpg")).id]


def test_turning_text_off_deletes_it_and_on_reads_again(text_library, monkeypatch):
    lib, pics = text_library
    monkeypatch.delenv("PHOTOCLIP_READ_TEXT")
    out = lib.set_read_text(False)
    assert out == {"read_text": False, "deleted": len(pics) + 3}
    assert lib.catalog.conn.execute("SELECT count(*) FROM photo_text").fetchone()[0] == 0
    assert lib.query("text:ikea", 5).as_json()["results"] == []
    assert lib.status()["text"]["enabled"] is False and lib.status()["text"]["pending"] == 0
    lib.index_now()
    assert lib.catalog.conn.execute("SELECT count(*) FROM photo_text").fetchone()[0] == 0  # off means off
    lib.set_read_text(True)
    lib.index_now()
    assert lib.query("text:ikea", 5).as_json()["results"]


def test_a_photo_the_reader_fails_on_is_recorded_and_the_rest_go_on(library, tmp_path, monkeypatch):
    from photoclip import ocr

    monkeypatch.setenv("PHOTOCLIP_READ_TEXT", "1")
    pics = draw_texts(tmp_path / "p", STANDARD[:3])
    real = ocr.TextReader.read_photo

    def flaky(self, path, looked=None):
        if path.endswith("beijing.jpg"):
            raise RuntimeError("the model ran out of memory")
        return real(self, path, looked)

    monkeypatch.setattr(ocr.TextReader, "read_photo", flaky)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    st = library.status()["text"]
    assert st["failed"] == 1 and st["done"] == 2 and st["pending"] == 0
    failed = library.catalog.text_of(library.catalog.photo_by_path(path_of(pics, "beijing.jpg")).id)
    assert failed["state"] == "failed" and "out of memory" in failed["reason"]


def test_cli_text_status_and_search_agree_with_the_socket(tmp_path, toy_spec):
    """`photoclip text PATH --json`, `status`, and `search` in the CLI (in-process service) and against a
    running watch over the socket give the same answers."""
    home = tmp_path / "home"
    env = {"PHOTOCLIP_READ_TEXT": "1", "PHOTOCLIP_MODEL": toy_spec}
    pics = draw_texts(tmp_path / "pics", STANDARD[:2] + STANDARD[-1:])
    cli_json("index", str(tmp_path / "pics"), home=home, env=env)
    ikea = path_of(pics, "ikea.jpg")
    t = cli_json("text", ikea, home=home, env=env)
    assert t["state"] == "read" and any(normalize(x["text"]) == "ikea" for x in t["lines"])
    plain = run_cli("text", ikea, home=home, env=env).stdout
    assert "IKEA\t" in plain and plain.count("\n") == len(t["lines"])
    skipped = cli_json("text", path_of(pics, "plain.jpg"), home=home, env=env)
    assert skipped["state"] == "skipped" and skipped["lines"] == []
    st = cli_json("status", home=home, env=env)["text"]
    assert st["done"] == 2 and st["skipped"] == 1 and st["pending"] == 0
    assert "text in photos: 2 read (2 with text), 1 without text, 0 pending, 0 failed" in \
        run_cli("status", home=home, env=env).stdout
    local = cli_json("search", "IKEA", home=home, env=env)
    proc = subprocess.Popen([sys.executable, "-m", "photoclip", "watch", "--json"],
                            env={**os.environ, **env, "PHOTOCLIP_HOME": str(home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: cli_json("status", home=home, env=env)["watching"], what="the watch")
        remote = cli_json("search", "IKEA", home=home, env=env)
        assert remote == local and remote["results"][0]["matched_text"] == "IKEA"
        assert cli_json("search", "text:合计", home=home, env=env)["results"][0]["path"] == \
            path_of(pics, "beijing.jpg")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    bad = run_cli("search", "-text:", home=home, env=env, check=False)
    assert bad.returncode == 2 and "text: needs a value" in bad.stderr
    off = cli_json("text", "--off", home=home, env=env)
    assert off["read_text"] is False and off["deleted"] == 3


def test_a_kill_during_the_text_stage_loses_nothing_read(tmp_path, toy_spec):
    """kill -9 while photos are being read: what was read stays (it is not read again), the rest follows on
    the next run, and the catalog is intact."""
    home = tmp_path / "home"
    kinds = [(f"r{i}.jpg", textworld.KINDS[i % 4], i) for i in range(10)]
    draw_texts(tmp_path / "pics", kinds)
    env = {**os.environ, "PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec, "PHOTOCLIP_READ_TEXT": "1"}
    first, after = kill_midway(tmp_path / "pics", env, "SELECT photo_id, updated FROM photo_text", 10,
                               "some photos read")
    assert len(after) == 10
    assert all(after[i] == first[i] for i in first)  # not read again
    assert cli_json("status", home=home, env=env)["text"]["pending"] == 0


def test_a_catalog_from_before_text_is_migrated_and_keeps_everything(tmp_path):
    from photoclip import catalog as catalog_mod

    path = tmp_path / "old.sqlite3"
    with old_catalog(path, 3) as c:  # schema 3, as photoclip wrote it before text in photos
        c.execute("INSERT INTO folders(path, added) VALUES('/p', 0)")
        c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/p/a.jpg', 1, 'indexed', 0, 'h')")
        c.execute("INSERT INTO albums(name, prompts, negatives, created) VALUES('Beach', '[\"a beach\"]', '[]', 0)")
    cat = catalog_mod.Catalog(path)
    assert cat.conn.execute("PRAGMA user_version").fetchone()[0] == catalog_mod.SCHEMA_VERSION
    assert cat.album_rows("Beach")[0]["text_any"] == []
    assert cat.text_todo("e") == [(1, "/p/a.jpg", "h", None)]  # the old photo waits to be read (never looked at)
    cat.store_text(1, "e", "h", "read", [{"text": "Hello", "box": [[0, 0], [1, 0], [1, 1], [0, 1]],
                                           "confidence": 0.9}])
    assert cat.text_contains("hello") == {1} and cat.text_todo("e") == []
    cat.close()


def test_text_stored_before_traditional_met_simplified_is_normalised_again(tmp_path):
    from photoclip import catalog as catalog_mod

    path = tmp_path / "old.sqlite3"
    lines = '[{"text": "統一發票", "box": [[0, 0], [1, 0], [1, 1], [0, 1]], "confidence": 0.9}]'
    with old_catalog(path, 13) as c:  # schema 13 stored a Taiwanese receipt's text as read, in traditional
        c.execute("INSERT INTO folders(path, added) VALUES('/p', 0)")
        c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/p/a.jpg', 1, 'indexed', 0, 'h')")
        c.execute("INSERT INTO photo_text(photo_id, engine, hash, state, lines, norm, updated) "
                  "VALUES(1, 'e', 'h', 'read', ?, '統一發票', 0)", (lines,))
    cat = catalog_mod.Catalog(path)
    assert cat.text_contains(normalize("统一发票")) == {1} and cat.text_contains(normalize("發票")) == {1}
    assert cat.text_of(1)["lines"][0]["text"] == "統一發票"  # what is shown stays as it was read
    assert cat.text_todo("e") == []  # normalised in place, not read again
    cat.close()


def test_the_self_test_reads_a_drawn_receipt():
    r = run_cli("--self-test", process=True, env={"PHOTOCLIP_READ_TEXT": "1"}, timeout=600)
    assert r.returncode == 0 and "text" in r.stdout, r.stdout + r.stderr


def test_the_window_shows_copies_and_outlines_the_text(text_library, qtbot, monkeypatch):
    """The viewer lists the text read in the photo (selectable, copyable) and outlines on the picture the lines
    that hold the search's words; right-click > Copy text puts it on the clipboard; the setting turns reading
    off (and deletes the text) through the service."""
    pytest.importorskip("PySide6")
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QMessageBox

    from photoclip.gui.viewer import Viewer
    from photoclip.gui.window import MainWindow

    lib, pics = text_library
    ikea = path_of(pics, "ikea.jpg")
    w = MainWindow(lib, settle_s=0.3)
    qtbot.addWidget(w)
    w.show()
    if not w.ready:
        with qtbot.waitSignal(w.model_ready, timeout=60_000):
            pass
    w.search.setText("IKEA")
    v = Viewer(w, [ikea], 0)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: bool(v.lines) and not v.image.isNull(), timeout=60_000)
    assert "IKEA" in v.text_box.toPlainText() and v.text_box.isReadOnly() and v.copy_text_button.isVisible()
    assert [normalize(line["text"]) for line in v.matched_lines()] == ["ikea"]
    shown = v.picture.pixmap().toImage()
    box = v.matched_lines()[0]["box"]  # the outline is drawn where the line is
    cx = round((box[0][0] + box[1][0]) / 2 * shown.width())
    top = round(box[0][1] * shown.height())
    colours = {shown.pixelColor(cx, y).name() for y in range(max(0, top - 3), min(shown.height(), top + 4))}
    assert "#ffc400" in colours
    v.copy_text_button.click()
    assert "TOTAL 42.50" in QGuiApplication.clipboard().text()
    v.close()
    QGuiApplication.clipboard().clear()
    w.copy_text(path_of(pics, "beijing.jpg"))  # what right-click > Copy text does
    qtbot.waitUntil(lambda: "合计" in QGuiApplication.clipboard().text(), timeout=60_000)
    menu = w.photo_menu([ikea])
    assert "Copy text" in [a.text() for a in menu.actions()]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.delenv("PHOTOCLIP_READ_TEXT")  # from here the setting decides, as for a user
    w.command("set_read_text", None, None, on=False)
    qtbot.waitUntil(lambda: lib.catalog.conn.execute("SELECT count(*) FROM photo_text").fetchone()[0] == 0,
                    timeout=60_000)
    w.close()


def test_the_album_dialog_takes_a_text_rule_and_counts_what_it_puts_in(text_library, qtbot):
    pytest.importorskip("PySide6")
    from photoclip.gui.dialogs import AlbumDialog
    from photoclip.gui.window import MainWindow

    lib, pics = text_library
    w = MainWindow(lib, settle_s=0.3)
    qtbot.addWidget(w)
    dlg = AlbumDialog(w)
    qtbot.addWidget(dlg)
    dlg.name.setText("Receipts")
    dlg.prompts.setPlainText("a forest")
    dlg.auto.setChecked(False)
    dlg.slider.setValue(100)  # nothing clears the score: only the text rule can put photos in
    with qtbot.waitSignal(dlg.scores_ready, timeout=60_000):
        dlg.text_any.setText("total，合计")  # a Chinese comma separates too
    assert dlg.member_count() == 3  # ikea, market (total), beijing (合计)
    with qtbot.waitSignal(dlg.saved, timeout=60_000):
        dlg.accept()
    assert lib.albums.get("Receipts").text_any == ["total", "合计"]
    assert {path_of(pics, n) for n in ("ikea.jpg", "beijing.jpg", "market.jpg")} <= \
        {p for p, _ in lib.albums.members("Receipts")}
    w.close()


def test_a_photo_that_breaks_before_its_text_is_read_is_a_recorded_failure(library, tmp_path, monkeypatch):
    """A file truncated between indexing and the text stage: one recorded failure with its reason, the other
    photos read, the stage not stalled."""
    from photoclip import ocr

    monkeypatch.setenv("PHOTOCLIP_READ_TEXT", "1")
    pics = draw_texts(tmp_path / "p", STANDARD[:3])
    real = ocr.TextReader.read_photo

    def breaking(self, path, looked=None):
        if path.endswith("ikea.jpg"):
            data = open(path, "rb").read()
            open(path, "wb").write(data[: len(data) // 3])
        return real(self, path, looked)

    monkeypatch.setattr(ocr.TextReader, "read_photo", breaking)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    broken = library.catalog.text_of(library.catalog.photo_by_path(path_of(pics, "ikea.jpg")).id)
    assert broken["state"] == "failed" and "truncated" in broken["reason"]
    st = library.status()["text"]
    assert st["failed"] == 1 and st["done"] == 2 and st["pending"] == 0


def test_photoclip_events_says_what_the_text_stage_did():
    from photoclip.commands import event_text

    assert event_text({"event": "text", "id": 3, "path": "/p/ikea.jpg", "state": "read", "lines": 7, "count": 1,
                       "pending": 2}) == "text /p/ikea.jpg: 7 lines (2 to read)"
    assert event_text({"event": "text", "id": None, "path": None, "state": "skipped", "lines": 0, "count": 40,
                       "pending": 9}) == "text: 40 photos without text (9 to read)"


def test_text_events_count_down_to_zero(library, tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOCLIP_READ_TEXT", "1")
    draw_texts(tmp_path / "p", STANDARD[:3] + STANDARD[-1:])
    library.add_folders([str(tmp_path / "p")])
    seen = []
    library.index_now(on_event=lambda ev: seen.append(ev.as_json()) if ev.kind == "text" else None)
    left = [ev["pending"] for ev in seen]
    assert sum(ev["count"] for ev in seen) == 4 and left[-1] == 0
    assert left == sorted(left, reverse=True)  # counted down, never up

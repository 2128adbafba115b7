"""Defects found by reading the code (issue 19, item 8): each test failed before its fix."""
import os
import shutil

import pytest
from helpers import draw_folder, wait_for

from photoclip.encoder import Encoder, ModelLoadError


def test_damaged_downloaded_weights_are_called_damaged_not_undownloadable(tmp_path, toy_spec, monkeypatch):
    """A hub model whose cached weights are corrupt: the message says they are damaged and where, not that they
    cannot be downloaded (which sends the user looking at their network)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cache = tmp_path / "models"
    snap = cache / "models--someone--toyclip" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (cache / "models--someone--toyclip" / "refs").mkdir()
    (cache / "models--someone--toyclip" / "refs" / "main").write_text("abc")
    shutil.copy(os.path.join(toy_spec[len("local-dir:"):], "open_clip_config.json"), snap)
    (snap / "open_clip_model.safetensors").write_bytes(b"\x00" * 64 + os.urandom(4096))
    with pytest.raises(ModelLoadError) as e:
        Encoder("hf-hub:someone/toyclip", device="cpu", cache_dir=cache).load()
    assert "damaged" in str(e.value) and "cannot be downloaded" not in str(e.value) and str(cache) in str(e.value)


def test_one_albums_error_does_not_fail_indexing_or_the_other_albums(library, tmp_path, monkeypatch):
    from photoclip.albums import Albums

    draw_folder(tmp_path / "p", seed=19_001, count=4)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    library.albums.create("Broken", ["a beach"])
    library.albums.create("Everything", ["a photo"], threshold=0.0)
    real = Albums.score

    def score(self, album, *a, **k):
        if album.name == "Broken":
            raise RuntimeError("a bug in one album")
        return real(self, album, *a, **k)

    monkeypatch.setattr(Albums, "score", score)
    draw_folder(tmp_path / "p" / "more", seed=19_002, count=3)
    counts = library.index_now()
    assert counts["indexed"] == 3 and counts["failed"] == 0 and library.status()["photos"] == 7
    assert library.albums.count(library.albums.get("Everything")) == 7


def test_marking_many_photos_is_one_retag(library, tmp_path, monkeypatch):
    from photoclip import ops
    from photoclip.albums import Albums

    truth = draw_folder(tmp_path / "p", seed=19_003, count=8)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    library.albums.create("Beach", ["a beach"])
    retags = []
    real = Albums.retag
    monkeypatch.setattr(Albums, "retag", lambda self, album: retags.append(album.name) or real(self, album))
    ops.albums_mark(library, "Beach", True, paths=list(truth)[:5])
    assert retags == ["Beach"]
    with pytest.raises(ops.UsageError):
        ops.albums_mark(library, "Beach", True)


def test_an_export_whose_source_cannot_be_opened_leaks_no_descriptor(library, tmp_path, monkeypatch):
    from photoclip import albums, imageio

    truth = draw_folder(tmp_path / "p", seed=19_004, count=3)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    library.albums.create("All", ["a photo"], threshold=0.0)

    def refuse(path):  # the file is there and unchanged, but opening it fails (permissions, a network drive)
        raise imageio.PhotoError("permission denied")

    monkeypatch.setattr(albums.imageio, "open_readonly", refuse)
    before = len(os.listdir("/proc/self/fd"))
    out = library.albums.export("All", str(tmp_path / "out"))
    assert len(out["skipped"]) == len(truth) and len(os.listdir("/proc/self/fd")) == before
    assert not [f for f in os.listdir(tmp_path / "out") if f.endswith(".tmp")]


def test_wait_idle_never_reports_idle_while_an_item_is_on_its_way_to_the_worker(library, tmp_path, monkeypatch):
    import time

    from photoclip.service import LibraryService
    from photoclip.watcher import RawEvent

    draw_folder(tmp_path / "p", seed=19_005, count=2)
    library.add_folders([str(tmp_path / "p")])
    svc = LibraryService(library, kind="index", watch=False, serve=False).start()
    try:
        assert svc.wait_idle(90)
        real = svc._apply

        def slow(item):  # widen the moment between the worker's get() and its work
            time.sleep(3.0)
            return real(item)

        monkeypatch.setattr(svc, "_apply", slow)
        svc._inbox.put(RawEvent("modified", str(tmp_path / "p" / "nothing.jpg"), None, False))
        wait_for(svc._inbox.empty, timeout=30, what="the worker to take the item")  # taken, not done
        assert svc.wait_idle(0.2) is False
        assert svc.wait_idle(30)
    finally:
        svc.stop()


def test_a_folder_excluded_in_settings_is_left_out_of_the_next_scan(library, tmp_path):
    from photoclip.service import LibraryService

    draw_folder(tmp_path / "p", seed=19_006, count=3)
    library.add_folders([str(tmp_path / "p")])
    svc = LibraryService(library, kind="watch", settle_s=0.2, serve=False).start()
    try:
        assert svc.wait_idle(90)
        library.settings.excluded = [str(tmp_path / "p" / "private")]  # what the Settings dialog does
        draw_folder(tmp_path / "p" / "private", seed=19_007, count=2)
        svc._inbox.put(__import__("photoclip.watcher", fromlist=["RawEvent"]).RawEvent("overflow", "", None, True))
        assert svc.wait_idle(90)  # the rescan walked the folder with the new setting
        assert library.status()["photos"] == 3
    finally:
        svc.stop()


def test_whether_a_holder_lives_is_asked_of_the_lock_never_of_a_pid(library, monkeypatch):
    """On Windows os.kill(pid, 0) sends CTRL_C_EVENT to that process; the holder never probes a pid: a state
    file naming a live process (this one) but no lock is stale, and a second holder in any process is refused."""
    import json

    from photoclip import holder

    def no_kill(*a):
        raise AssertionError("os.kill was called")

    monkeypatch.setattr(os, "kill", no_kill)
    monkeypatch.setattr(holder, "fcntl", None, raising=False)  # as on Windows: no fcntl to lean on
    library.paths.live_state.write_text(json.dumps({"pid": os.getpid(), "kind": "watch"}))
    assert holder.current(library.paths) is None  # a live pid, but nobody holds the lock: stale
    first = holder.Holder(library.paths, "watch").acquire()
    try:
        assert holder.current(library.paths)["pid"] == os.getpid()
        with pytest.raises(holder.HolderError, match="already holds this library"):
            holder.Holder(library.paths, "index").acquire()
    finally:
        first.release()
    assert holder.current(library.paths) is None
    again = holder.Holder(library.paths, "index").acquire()  # released: free for the next one
    again.release()


def test_hidden_counts_only_what_all_would_add(library, tmp_path):
    """Issue 20, "honest answers": the hint "N less relevant not shown (--all shows them)" is true: --all with the
    same limit shows exactly the shown results plus N more."""
    draw_folder(tmp_path / "p", seed=19_008, count=60)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    for limit in (3, 20, 100):
        cut = library.query("the night sky", limit)
        everything = library.query("the night sky", limit, show_all=True)
        assert everything.hidden == 0 and len(everything.results) == min(limit, 60)
        if len(cut.results) == limit:  # all shown is relevant and the limit is reached: --all adds nothing
            assert cut.hidden == 0
        else:  # --all shows these and exactly `hidden` more
            assert len(cut.results) + cut.hidden == len(everything.results)


def _home_files(home) -> dict:
    """Every file under the library's home with its size and time.  SQLite's -shm file is left out: every reader
    of a WAL database maps it and marks its reads there, by SQLite's design, and it holds no data."""
    out = {}
    for folder, _dirs, files in os.walk(home):
        for f in files:
            if not f.endswith("-shm"):
                st = os.stat(os.path.join(folder, f))
                out[os.path.join(folder, f)] = (st.st_size, st.st_mtime_ns)
    return out


def test_readers_write_nothing_under_the_home_even_after_the_index_was_damaged(home, tmp_path, capsys):
    """Issue 19 item 4: with no service running, read commands (and two at once after the index was damaged)
    answer correctly and change no file under the library's home: only the service writes."""
    import subprocess
    import sys

    from helpers import ROOT

    from photoclip.cli import main

    draw_folder(tmp_path / "p", seed=19_009, count=12)
    assert main(["index", str(tmp_path / "p")]) == 0
    assert main(["albums", "add", "Night", "--prompt", "the night sky"]) == 0
    capsys.readouterr()
    assert main(["search", "the night sky", "--json"]) == 0
    expected = capsys.readouterr().out
    before = _home_files(home)
    some = sorted((tmp_path / "p").iterdir())[0]
    for argv in (["status"], ["search", "the night sky"], ["similar", str(some)], ["albums", "list"],
                 ["albums", "show", "Night"], ["folders", "list"], ["failures"], ["duplicates"]):
        assert main([*argv, "--json"]) == 0, argv
    assert _home_files(home) == before
    graph = next((home / "data" / "index").glob("*.hnsw"))
    graph.write_bytes(b"damaged" + graph.read_bytes()[7:])
    before = _home_files(home)
    readers = [subprocess.Popen([sys.executable, "-m", "photoclip", "search", "the night sky", "--json"], cwd=ROOT,
                                env={**os.environ, "PHOTOCLIP_HOME": str(home)}, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    outs = [r.communicate(timeout=300)[0] for r in readers]
    assert [r.returncode for r in readers] == [0, 0]
    assert outs == [expected, expected]  # both rebuilt the index in memory and answered as before
    assert _home_files(home) == before  # and left the files to the service


def test_a_model_with_a_config_but_no_weights_is_an_error_not_a_random_model(tmp_path):
    """open_clip builds a model with random weights (and only logs a warning) when a folder or hub repository
    has a config but no weights: photoclip would index nonsense.  It must refuse, in one sentence."""
    import shutil

    from helpers import ROOT

    from photoclip.encoder import Encoder, ModelLoadError

    folder = tmp_path / "config-only"
    folder.mkdir()
    shutil.copy(ROOT / "photoclip" / "data" / "toyclip" / "open_clip_config.json", folder)
    with pytest.raises(ModelLoadError) as e:
        Encoder(f"local-dir:{folder}", device="cpu").load()
    assert "config-only" in str(e.value) and "\n" not in str(e.value)


def test_a_read_that_hits_an_io_error_is_asked_again_on_a_fresh_connection(library, tmp_path, monkeypatch):
    """Seen once in a loaded test run: a status request answered "disk I/O error" while the worker committed
    a burst.  The service drops that thread's connection and asks again: the client gets its answer."""
    import sqlite3

    from photoclip import ops
    from photoclip.service import LibraryService

    draw_folder(tmp_path / "p", seed=19_101, count=3)
    library.add_folders([str(tmp_path / "p")])
    svc = LibraryService(library, settle_s=0.2, serve=False).start()
    try:
        assert svc.wait_idle(60)
        real, calls = ops.OPERATIONS["status"].func, []

        def flaky(lib):
            calls.append(lib.catalog.conn)
            if len(calls) == 1:
                raise sqlite3.OperationalError("disk I/O error")
            return real(lib)

        monkeypatch.setitem(ops.OPERATIONS, "status", ops.Operation("status", flaky, False, False))
        assert svc.query("status")["photos"] == 3
        assert len(calls) == 2 and calls[0] is not calls[1]  # the second try ran on a new connection
    finally:
        svc.stop()


def test_two_downloads_of_one_model_never_write_the_same_file_at_once(tmp_path):
    """The window's download and the service's model load (or two commands) may fetch the same weights at the
    same moment: one writes, the other waits and finds the file in place; the result is whole and fetched once."""
    import hashlib
    import threading

    from hubstandin import HubStandIn, hub_client_at, toy_files

    from photoclip import download

    files = toy_files()
    with HubStandIn({"photoclip/toyclip": files}, chunk_delay=0.002, chunk=64 * 1024) as server, \
            hub_client_at(server.url):
        errors = []

        def fetch():
            try:
                download.download("hf-hub:photoclip/toyclip", str(tmp_path))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=fetch) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    weights = files["open_clip_model.safetensors"]
    blob = tmp_path / "models--photoclip--toyclip" / "blobs" / hashlib.sha256(weights).hexdigest()
    assert blob.read_bytes() == weights
    gets = [r for r in server.requests if r[0] == "GET" and r[1].endswith("open_clip_model.safetensors")]
    assert len(gets) == 1  # the second waited, then found it

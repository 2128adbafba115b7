"""Defects found by attacking photoclip (issue 18): each test failed before its fix."""
import os
import stat

import pytest
from helpers import draw_folder, wait_for

from photoclip.cli import main


@pytest.fixture
def indexed_home(home, tmp_path):
    draw_folder(tmp_path / "p", seed=18_401, count=6)
    assert main(["index", str(tmp_path / "p")]) == 0
    return home


@pytest.mark.parametrize("query", ["year:9999", "after:9999-12-31", "before:9999-12", "year:9999 beach"])
def test_dates_at_the_end_of_the_calendar_are_answered_not_crashed(indexed_home, capsys, query):
    capsys.readouterr()
    assert main(["search", query, "--json"]) == 0
    err = capsys.readouterr().err
    assert "went wrong" not in err and "out of range" not in err


@pytest.mark.parametrize("query", ["like:/etc/passwd", "", "album:nope beach", "like:/no/such/photo.jpg"])
def test_every_search_language_error_exits_2_with_one_sentence(indexed_home, capsys, query):
    capsys.readouterr()
    assert main(["search", query]) == 2
    err = capsys.readouterr().err
    assert err.startswith("photoclip: ") and err.count("\n") == 1 and "Traceback" not in err


def test_a_query_may_start_with_a_dash(indexed_home, capsys):
    capsys.readouterr()
    assert main(["search", "-beach", "sunset", "--json"]) == 0  # "sunset, no beach", not an unknown option
    assert main(["search", "-beach"]) == 2  # leaving out is not a search by itself: the language says so
    assert main(["search"]) == 2  # and no query at all is a usage error, in one sentence
    err = capsys.readouterr().err
    assert "besides what to leave out" in err and "empty" in err


def test_a_newline_in_a_file_name_cannot_forge_a_result_line(home, tmp_path, capsys):
    folder = tmp_path / "p"
    draw_folder(folder, seed=18_402, count=3)
    first = sorted(folder.iterdir())[0]
    forged = folder / "a\n0.9999  forged.jpg"
    first.rename(forged)
    assert main(["index", str(folder)]) == 0
    capsys.readouterr()
    assert main(["search", "a photo", "--all", "--limit", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and not any(line.startswith("0.9999  forged") for line in lines)
    assert any("a\\n0.9999  forged.jpg" in line for line in lines)
    assert main(["search", "a photo", "--all", "--json"]) == 0  # JSON keeps the name whole
    assert str(forged) in capsys.readouterr().out.encode().decode("unicode_escape")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_data_folder_and_catalog_are_the_users_alone(indexed_home):
    data = indexed_home / "data"
    for folder in (data, indexed_home / "cache", indexed_home / "config"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for name in ("catalog.sqlite3", "catalog.sqlite3-wal"):
        if (data / name).exists():
            assert stat.S_IMODE((data / name).stat().st_mode) & 0o077 == 0, name


def test_trash_needs_the_confirmation_and_export_refuses_photoclips_own_folder(library, tmp_path):
    from photoclip import ops
    from photoclip.albums import AlbumError

    with pytest.raises(ops.UsageError, match="confirmation"):
        ops.trash(library, [{"path": "/x"}])
    draw_folder(tmp_path / "p", seed=18_403, count=4)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    library.albums.create("All", ["a photo"], threshold=0.0)
    with pytest.raises(AlbumError, match="own data folder"):
        library.albums.export("All", str(library.paths.data / "out"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AlbumError, match="cannot be made"):
        library.albums.export("All", str(blocker / "sub"))


@pytest.fixture
def served(library, tmp_path):
    from photoclip.service import LibraryService

    draw_folder(tmp_path / "p", seed=18_404, count=6)
    library.add_folders([str(tmp_path / "p")])
    svc = LibraryService(library, kind="watch", settle_s=0.2).start()
    assert svc.wait_idle(90)
    yield library
    svc.stop()


def _answers_within(func, seconds: float):
    import threading

    out = {}

    def run():
        try:
            out["value"] = func()
        except BaseException as e:  # re-raised on the test's thread
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"no answer within {seconds}s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_silent_peers_never_block_other_clients(served):
    """A peer that connects and never completes the handshake, and eight that authenticate and never send:
    everyone else is still answered at once (item 1 and 2)."""
    import socket as socketlib
    from multiprocessing.connection import Client

    from photoclip import holder, ipc

    family, address = served.paths.service_address
    silent = socketlib.socket(socketlib.AF_UNIX)
    silent.connect(address)
    idle = [Client(address, family=family, authkey=holder.auth_key(served.paths)) for _ in range(8)]
    try:
        for _ in range(3):
            status = _answers_within(lambda: ipc.call(served.paths, "status", {}), 10)
            assert status["photos"] == 6
    finally:
        silent.close()
        for c in idle:
            c.close()


def test_a_service_that_never_answers_the_handshake_is_not_waited_for(library):
    import socket as socketlib

    from photoclip import holder, ipc

    family, address = library.paths.service_address
    os.makedirs(os.path.dirname(address), exist_ok=True)
    hung = socketlib.socket(socketlib.AF_UNIX)
    hung.bind(address)
    hung.listen()
    h = holder.Holder(library.paths, "watch").acquire()
    h.update(family=family, address=address)
    try:
        with pytest.raises(ipc.ServiceUnavailable, match="handshake"):
            _answers_within(lambda: ipc.call(library.paths, "status", {}), 30)
    finally:
        h.release()
        hung.close()
        os.unlink(address)


@pytest.mark.parametrize("op, params, expected", [
    ("folders_add", {"paths": "/some/folder"}, "must be a list of texts"),
    ("search", {"query": "beach", "junk": 1}, "takes no parameter 'junk'"),
    ("search", {"query": "beach", "sort": "sideways"}, "sort must be relevance or date"),
    ("search", {"query": "beach", "limit": -1}, "limit must be at least 1"),
    ("search", {"query": 42}, "must be text"),
    ("search", {}, "needs the parameter 'query'"),
    ("trash", {"items": []}, "confirmation"),
    ("albums_mark", {"name": "x", "path": "/p", "belongs": "yes"}, "must be true or false"),
])
def test_socket_requests_are_checked_against_the_operation(served, op, params, expected):
    from photoclip import ipc

    with pytest.raises(ipc.RemoteError, match=expected) as e:
        ipc.call(served.paths, op, params)
    assert e.value.usage and "Traceback" not in str(e.value)


def test_relative_paths_are_the_callers_not_the_services(served, tmp_path):
    """like:, in: and --model local-dir: name paths relative to the terminal, not to the running service."""
    import subprocess
    import sys

    folder = tmp_path / "p"
    example = sorted(folder.iterdir())[0].name
    env = {**os.environ, "PHOTOCLIP_HOME": str(served.paths.data.parent)}
    env.pop("PHOTOCLIP_MODEL", None)
    r = subprocess.run([sys.executable, "-m", "photoclip", "search", f"like:{example}", "in:.", "--json"],
                       cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    import json

    paths = [x["path"] for x in json.loads(r.stdout)["results"]]
    assert paths and all(p.startswith(str(folder)) for p in paths) and str(folder / example) not in paths


def test_a_watched_folder_deleted_and_made_again_is_watched_again(library, tmp_path):
    import shutil

    from photoclip.service import LibraryService

    root = tmp_path / "p"
    draw_folder(root, seed=18_405, count=4)
    library.add_folders([str(root)])
    svc = LibraryService(library, kind="watch", settle_s=0.2, serve=False).start()
    try:
        assert svc.wait_idle(90)
        shutil.rmtree(root)
        draw_folder(root, seed=18_406, count=5)  # within one folder check: the root never looked absent
        from helpers import wait_for

        wait_for(lambda: svc.wait_idle(0) and library.status()["photos"] == 5, what="the new folder's photos")
        draw_folder(root / "later", seed=18_407, count=2)  # and new files there are seen: it is watched
        wait_for(lambda: svc.wait_idle(0) and library.status()["photos"] == 7, what="photos added afterwards")
    finally:
        svc.stop()


def test_lost_file_events_make_the_service_rescan(library, tmp_path, monkeypatch):
    """watchdog rebuilds its watches after an inotify overflow and says so in its log; the events of that burst
    are gone.  The service hears the log record and rescans, so no photo of the burst is missed (item 8)."""
    import logging

    from photoclip import watcher
    from photoclip.service import LibraryService

    root = tmp_path / "p"
    draw_folder(root, seed=18_408, count=3)
    library.add_folders([str(root)])
    svc = LibraryService(library, kind="watch", settle_s=0.2, serve=False).start()
    try:
        assert svc.wait_idle(90)
        monkeypatch.setattr(watcher._Forward, "on_any_event", lambda self, event: None)  # the burst is lost
        draw_folder(root / "burst", seed=18_409, count=6)
        import time

        time.sleep(1.5)
        assert library.status()["photos"] == 3  # nothing was heard
        logging.getLogger(watcher.OVERFLOW_LOGGER).warning("Inotify queue overflowed; filesystem events were lost")
        from helpers import wait_for

        wait_for(lambda: svc.wait_idle(0) and library.status()["photos"] == 9, what="the rescan")
        assert any("rescanned" in n for n in svc.notices)
    finally:
        svc.stop()


def test_a_catalog_deleted_under_a_running_watch_is_saved_and_put_back(library, tmp_path):
    """The watch notices within a folder check, saves what its open connection still holds, stops writing and
    says so; the next start puts the catalog back (item 9)."""
    from helpers import wait_for

    from photoclip.library import Library
    from photoclip.service import LibraryService

    draw_folder(tmp_path / "p", seed=18_410, count=5)
    library.add_folders([str(tmp_path / "p")])
    events = []
    svc = LibraryService(library, kind="watch", settle_s=0.2, serve=False, on_event=events.append).start()
    try:
        assert svc.wait_idle(90)
        library.albums  # noqa: B018 - a library with albums and vectors: all of it must come back
        os.remove(library.paths.catalog)
        wait_for(lambda: any(e.fatal for e in events), what="the watch to notice")
        fatal = next(e for e in events if e.fatal)
        assert "was deleted while photoclip was running" in fatal.message and "saved" in fatal.message
        wait_for(lambda: svc._thread is None or not svc._thread.is_alive(), what="the worker to stop")
    finally:
        svc.stop()
    library.close()
    again = Library(home=library.paths.data.parent, model=library.model_id, device="cpu")
    try:
        assert again.recovered and "put it back" in again.recovered
        assert again.status()["photos"] == 5 and again.folder_paths() == [str(tmp_path / "p")]
    finally:
        again.close()


def test_a_full_disk_is_said_once_in_one_sentence_and_indexing_backs_off(library, tmp_path, monkeypatch, caplog):
    """Item 12: no flood of tracebacks, one plain sentence, and the retries slow down; status still opens."""
    import logging
    import sqlite3
    import time

    from photoclip.indexer import Indexer
    from photoclip.service import LibraryService

    draw_folder(tmp_path / "p", seed=18_411, count=6)
    library.add_folders([str(tmp_path / "p")])
    attempts = []

    def full(self, *a, **k):
        attempts.append(time.monotonic())
        raise sqlite3.OperationalError("database or disk is full")

    from photoclip import service_indexing

    monkeypatch.setattr(Indexer, "_commit", full)
    monkeypatch.setattr(service_indexing, "RETRY_AFTER_ERROR_S", 0.25)  # the first wait (5 s in use), so the test is short
    events = []
    caplog.set_level(logging.WARNING)
    svc = LibraryService(library, kind="watch", settle_s=0.2, serve=False, on_event=events.append).start()
    try:
        wait_for(lambda: len(attempts) >= 4, what="four attempts")
        time.sleep(1.0)
    finally:
        svc.stop()
    errors = [e.message for e in events if e.kind == "error"]
    assert errors == [f"The disk holding {library.paths.data} is full; free some space there, and photoclip carries on."]
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    # 0.25 s, 0.5 s, 1 s, 2 s: backing off, not spinning.  Each wait is at least its share (a busy machine only
    # lengthens them, so the lower bounds are what can be asserted without timing noise).
    assert 3 <= len(gaps) <= 4 and all(gap >= 0.95 * 0.25 * 2 ** i for i, gap in enumerate(gaps)), gaps
    assert not [r for r in caplog.records if r.exc_info]  # no traceback


def test_opening_on_a_full_disk_says_so(tmp_path, monkeypatch):
    import shutil
    import sqlite3
    from collections import namedtuple

    from photoclip import catalog as catalog_mod

    def refuse(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(catalog_mod.sqlite3, "connect", refuse)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: namedtuple("U", "total used free")(10, 10, 0))
    with pytest.raises(catalog_mod.CatalogError, match="is full; free some space"):
        catalog_mod.Catalog(tmp_path / "c.sqlite3")


def test_a_catalog_missing_at_start_comes_back_from_the_daily_backup(indexed_home, capsys):
    from photoclip import recovery
    from photoclip.paths import AppPaths

    catalog = AppPaths.resolve(indexed_home).catalog
    for old in recovery.backups(catalog):  # the index run backed up before it indexed: take today's after it
        old.unlink()
    assert recovery.daily_backup(catalog) is not None
    catalog.unlink()
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr()
    assert "was missing; the backup of" in out.err and '"photos": 6' in out.out

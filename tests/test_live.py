"""The live library: a real watcher and worker over real folders, in-process and as `photoclip watch`."""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from helpers import TIMEOUT, cli_json, draw_folder, run_cli, wait_for

from photoclip.service import LibraryService




def searchable(lib):
    return {r.path for r in lib.search("a photo", 10_000)}


@pytest.fixture
def counted(library):
    """Count the images the model really encodes (the real encoder, wrapped)."""
    real = library.encoder.encode_images
    calls = []

    def encode(tensors):
        calls.append(len(tensors))
        return real(tensors)

    library.encoder.encode_images = encode
    yield library, calls
    library.encoder.encode_images = real


def test_live_library_follows_every_change(counted, tmp_path):
    lib, calls = counted
    root = tmp_path / "Photos"
    first = draw_folder(root / "2024", seed=9001, count=6, scenes=["beach", "forest", "room"])
    lib.add_folders([str(root)])
    svc = LibraryService(lib, settle_s=0.4).start()
    try:
        assert svc.wait_idle(TIMEOUT)
        assert searchable(lib) == set(first) and sum(calls) == 6

        # Copied in from a phone: searchable once settled.
        incoming = draw_folder(tmp_path / "phone", seed=9002, count=4, scenes=["night"])
        for p in incoming:
            shutil.copy(p, root / os.path.basename(p))
        wait_for(lambda: {str(root / os.path.basename(p)) for p in incoming} <= searchable(lib), what="copied photos")
        night = {r.path for r in lib.search("the night sky", 4)}
        assert night == {str(root / os.path.basename(p)) for p in incoming}

        # Written slowly in chunks: indexed once, after it is complete (never recorded as truncated).
        slow_src = next(iter(draw_folder(tmp_path / "slow", seed=9003, count=1, exts=("jpg",))))
        data = open(slow_src, "rb").read()
        slow = root / "slow.jpg"
        encoded_before = sum(calls)
        with open(slow, "wb") as f:
            for i in range(0, len(data), max(1, len(data) // 5)):
                f.write(data[i:i + max(1, len(data) // 5)])
                f.flush()
                time.sleep(0.15)
        wait_for(lambda: str(slow) in searchable(lib), what="slowly written photo")
        assert svc.wait_idle(TIMEOUT)
        assert sum(calls) == encoded_before + 1
        assert lib.failures() == []

        # Renamed, moved between subfolders, a whole folder moved: same ids, nothing re-encoded.
        ids = {p: lib.catalog.photo_by_path(p).id for p in searchable(lib)}
        encoded_before = sum(calls)
        a = next(p for p in first)
        os.rename(a, a.replace(".jpg", "-renamed.jpg").replace(".png", "-renamed.png"))
        (root / "sorted").mkdir()
        b = sorted(first)[1]
        shutil.move(b, root / "sorted" / os.path.basename(b))
        shutil.move(str(root / "2024"), str(root / "sorted" / "2024-trip"))
        wait_for(lambda: not any(p.startswith(str(root / "2024") + os.sep) for p in searchable(lib)),
                 what="moves applied")
        assert svc.wait_idle(TIMEOUT)
        now = {p: lib.catalog.photo_by_path(p).id for p in searchable(lib)}
        assert sorted(now.values()) == sorted(ids.values()) and sum(calls) == encoded_before

        # Deleted: leaves results at once (no re-index needed).
        victim = next(p for p in now if "_night_" in p)
        os.unlink(victim)
        wait_for(lambda: victim not in searchable(lib), what="deleted photo gone")

        # A vanished folder is not a mass deletion: hidden, then back without re-encoding.
        count = len(searchable(lib))
        encoded_before = sum(calls)
        shutil.move(str(root), str(tmp_path / "unplugged"))
        wait_for(lambda: searchable(lib) == set(), what="offline folder hidden")
        assert lib.status()["offline"] == count
        shutil.move(str(tmp_path / "unplugged"), str(root))
        wait_for(lambda: len(searchable(lib)) == count, what="folder back online")
        assert svc.wait_idle(TIMEOUT) and sum(calls) == encoded_before
    finally:
        svc.stop()


def test_pause_resume_and_concurrent_search(library, tmp_path):
    root = tmp_path / "p"
    draw_folder(root, seed=9101, count=3)
    library.add_folders([str(root)])
    svc = LibraryService(library, settle_s=0.3).start()
    try:
        assert svc.wait_idle(TIMEOUT)
        svc.pause().result()
        more = draw_folder(root / "more", seed=9102, count=5)
        wait_for(lambda: library.catalog.count_pending() == 5, what="queued while paused")
        assert not set(more) & searchable(library)  # answered from this thread while the worker holds work
        svc.resume().result()
        wait_for(lambda: set(more) <= searchable(library), what="indexed after resume")
    finally:
        svc.stop()


def test_inotify_limit_falls_back_to_polling(library, tmp_path, monkeypatch):
    import watchdog.observers

    def refuse(self, *a, **kw):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers.Observer, "schedule", refuse)
    root = tmp_path / "p"
    root.mkdir()
    library.add_folders([str(root)])
    notices = []
    svc = LibraryService(library, settle_s=0.3, poll_interval=0.3,
                         on_event=lambda e: notices.append(e.message) if e.kind == "notice" else None).start()
    try:
        wait_for(lambda: svc.polling_folders == {str(root)}, what="polling fallback")
        assert any("inotify" in n and "polling" in n for n in notices)
        new = draw_folder(root, seed=9201, count=2)
        wait_for(lambda: set(new) <= searchable(library), what="photos found by polling")
    finally:
        svc.stop()


def test_watch_command_in_a_subprocess(tmp_path, toy_spec):
    home, root = tmp_path / "home", tmp_path / "pics"
    env = {**os.environ, "PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec}
    draw_folder(root, seed=9301, count=4)
    cli_json("folders", "add", root, home=home)
    proc = subprocess.Popen([sys.executable, "-m", "photoclip", "watch", "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: cli_json("status", home=home, env=env)["photos"] == 4, what="watch indexed the folder")
        st = cli_json("status", home=home, env=env)
        assert st["watching"] is True and st["pending"] == 0
        added = draw_folder(root / "new", seed=9302, count=3, scenes=["receipt"])
        wait_for(lambda: cli_json("status", home=home, env=env)["photos"] == 7, what="watch picked up new photos")
        res = cli_json("search", "a receipt", "--limit", "3", home=home, env=env)["results"]  # a second process
        assert {r["path"] for r in res} == set(added)
        refused = run_cli("index", home=home, check=False, env=env)
        assert refused.returncode == 1 and "already keeping this library current" in refused.stderr
        assert cli_json("pause", home=home)["paused"] is True
        wait_for(lambda: cli_json("status", home=home, env=env)["paused"] is True, what="paused")
        cli_json("resume", home=home)
        wait_for(lambda: cli_json("status", home=home, env=env)["paused"] is False, what="resumed")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]  # with --json, stdout is JSON lines only
    assert [e["event"] for e in events].count("paused") == 1 and [e["event"] for e in events].count("resumed") == 1
    assert "paused" not in err  # and nothing said twice on stderr
    assert cli_json("status", home=home, env=env)["watching"] is False
    nobody = run_cli("pause", home=home, check=False)
    assert nobody.returncode == 1 and "No photoclip watch or window is running" in nobody.stderr


def test_sigkill_at_any_moment_leaves_a_catalog_that_resumes(tmp_path, toy_spec):
    from photoclip.catalog import Catalog
    from photoclip.encoder import normalize_spec
    from photoclip.index import VectorIndex

    home, root = tmp_path / "home", tmp_path / "pics"
    truth = draw_folder(root, seed=9401, count=150, sizes=((400, 300), (300, 400)))
    env = {**os.environ, "PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec}
    model = normalize_spec(toy_spec)
    for delay in (2.0, 3.0, 4.0, 5.5):
        proc = subprocess.Popen([sys.executable, "-m", "photoclip", "index", str(root), "--json"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        cat = Catalog(home / "data" / "catalog.sqlite3")
        assert cat.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        dup = cat.conn.execute("SELECT path, count(*) FROM photos GROUP BY path HAVING count(*) > 1").fetchall()
        assert dup == []
        idx = VectorIndex(home / "data" / "index", model, cat).ensure_loaded()
        ids, _ = cat.searchable(model)
        assert idx.alive == set(ids.tolist())
        cat.close()
    out = cli_json("index", home=home, env={"PHOTOCLIP_MODEL": toy_spec})
    assert out["failed"] == 0
    st = cli_json("status", home=home, env={"PHOTOCLIP_MODEL": toy_spec})
    assert st["photos"] == len(truth) and st["pending"] == 0
    state = json.loads(next((home / "data" / "index").glob("*.state.json")).read_text())
    assert state["elements"] >= len(truth)


def test_watch_without_a_model_exits_with_one_clear_line(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "p").mkdir()
    cli_json("folders", "add", tmp_path / "p", home=home)
    r = run_cli("--model", f"local-dir:{tmp_path / 'nowhere'}", "watch", home=home, check=False, timeout=120)
    assert r.returncode == 1 and "nowhere" in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("photoclip: Could not load the model")


def test_catch_up_on_start_finds_changes_made_while_not_running(counted, tmp_path):
    lib, calls = counted
    root = tmp_path / "p"
    first = draw_folder(root, seed=9501, count=5)
    lib.add_folders([str(root)])
    svc = LibraryService(lib, settle_s=0.3).start()
    assert svc.wait_idle(TIMEOUT)
    svc.stop()
    ids = {p: lib.catalog.photo_by_path(p).id for p in first}
    # While photoclip is closed: one photo moved into a new subfolder, one deleted, three new ones.
    moved_from = sorted(first)[0]
    (root / "sorted").mkdir()
    moved_to = str(root / "sorted" / os.path.basename(moved_from))
    os.rename(moved_from, moved_to)
    gone = sorted(first)[1]
    os.unlink(gone)
    added = draw_folder(root / "new", seed=9502, count=3)
    encoded = sum(calls)
    svc = LibraryService(lib, settle_s=0.3).start()
    try:
        wait_for(lambda: searchable(lib) == (set(first) - {moved_from, gone}) | {moved_to} | set(added),
                 what="catch-up scan")
        assert svc.wait_idle(TIMEOUT)
        assert sum(calls) - encoded == 3  # only the new photos were encoded
        assert lib.catalog.photo_by_path(moved_to).id == ids[moved_from]
    finally:
        svc.stop()


NAMES = ["bad\udcff\udcfe.jpg", "caf\udce9.png", "ok-\u65e5\u672c.jpg"]  # Latin-1 bytes, invalid UTF-8, real UTF-8


def _odd_names(folder, seed):
    """Photos whose names are not valid UTF-8 (Linux allows any bytes but / and NUL)."""
    src = draw_folder(folder / ".staging", seed=seed, count=len(NAMES), exts=("jpg", "png", "jpg"))
    out = []
    for p, name in zip(sorted(src), NAMES):
        os.rename(p, folder / name)
        out.append(str(folder / name))
    (folder / ".staging").rmdir()
    return out


def test_non_utf8_names_through_watch_search_similar_and_export(library, tmp_path):
    root = tmp_path / "p"
    plain = draw_folder(root, seed=9601, count=4)
    odd = _odd_names(root, 9602)
    library.add_folders([str(root)])
    svc = LibraryService(library, settle_s=0.3).start()
    try:
        assert svc.wait_idle(TIMEOUT)
        assert searchable(library) == set(plain) | set(odd) and library.failures() == []
        later = _odd_names(root / "later", 9603)  # the watch picks them up too; its worker does not die
        wait_for(lambda: set(later) <= searchable(library), what="odd names found by the watch")
        sim = [r.path for r in library.similar(odd[0], 20)]
        assert odd[0] not in sim and set(sim) == (set(plain) | set(odd) | set(later)) - {odd[0]}
        # Through the socket (JSON) and back: the exact bytes survive.
        from photoclip import ipc

        res = ipc.call(library.paths, "search", {"query": "a photo", "limit": 50, "all": True})["results"]
        assert {os.fsencode(r["path"]) for r in res} == {os.fsencode(p) for p in searchable(library)}
        assert svc.submit("albums_add", name="All", prompts=["a photo"], threshold=0.0).result(TIMEOUT)["count"] == 10
    finally:
        svc.stop()
    written = library.albums.export("All", str(tmp_path / "out"), "copy")["exported"]
    assert {os.fsencode(os.path.basename(p)) for p in written} >= {os.fsencode(os.path.basename(p)) for p in odd}


def test_non_utf8_names_through_the_cli(tmp_path, toy_spec):
    root = tmp_path / "p"
    draw_folder(root, seed=9701, count=3)
    odd = _odd_names(root, 9702)
    home, env = tmp_path / "home", {"PHOTOCLIP_MODEL": toy_spec}
    out = cli_json("index", root, home=home, env=env)
    assert out["indexed"] == 6 and out["failed"] == 0
    res = run_cli("search", "a photo", "--all", "--json", home=home, env=env)
    paths = {r["path"] for r in json.loads(res.stdout)["results"]}  # valid JSON, with \\udcXX escapes
    assert set(odd) <= paths and "\\udcff" in res.stdout
    text = subprocess.run([sys.executable, "-m", "photoclip", "search", "a photo", "--all"], capture_output=True,
                          env={**os.environ, "PHOTOCLIP_HOME": str(home), **env}).stdout
    assert os.fsencode(odd[0]) in text  # text output is the name's own bytes, as ls prints it
    sim = cli_json("similar", odd[1], home=home, env=env)["results"]
    assert odd[1] not in [r["path"] for r in sim] and len(sim) == 5


def test_an_unexpected_error_fails_one_photo_not_the_worker(library, tmp_path, monkeypatch):
    root = tmp_path / "p"
    photos = draw_folder(root, seed=9801, count=6)
    cursed = sorted(photos)[2]
    real = library.catalog.mark_indexed

    def mark_indexed(photo_id, *a, **kw):
        if library.catalog.photo(photo_id).path == cursed:
            raise RuntimeError("a bug in photoclip")
        return real(photo_id, *a, **kw)

    monkeypatch.setattr(library.catalog, "mark_indexed", mark_indexed)
    library.add_folders([str(root)])
    svc = LibraryService(library, settle_s=0.3).start()
    try:
        assert svc.wait_idle(TIMEOUT)
        assert searchable(library) == set(photos) - {cursed}
        assert [(f["path"], "a bug in photoclip" in f["reason"]) for f in library.failures()] == [(cursed, True)]
        more = draw_folder(root / "more", seed=9802, count=2)  # the worker is alive and goes on
        wait_for(lambda: set(more) <= searchable(library), what="indexing after the error")
    finally:
        svc.stop()


def test_an_unreadable_subfolder_is_listed_with_the_skipped_files(library, tmp_path, monkeypatch):
    import photoclip.scanner as scanner

    root = tmp_path / "p"
    ok = draw_folder(root, seed=9901, count=2)
    draw_folder(root / "locked", seed=9902, count=2)
    real = os.scandir

    def scandir(path):
        if str(path) == str(root / "locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(scanner.os, "scandir", scandir)  # as root, chmod 000 cannot stop us reading
    library.add_folders([str(root)])
    library.index_now()
    assert searchable(library) == set(ok)
    assert [(f["path"], "folder cannot be read" in f["reason"]) for f in library.failures()] == [
        (str(root / "locked"), True)]
    monkeypatch.setattr(scanner.os, "scandir", real)  # readable again: its photos come in, the entry goes
    library.index_now()
    assert len(searchable(library)) == 4 and library.failures() == []

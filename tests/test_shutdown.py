"""Shutdown order: nothing is closed under a thread that still uses it.

Closing an SQLite connection that another thread is using is undefined behaviour in the C library; it
crashed the test suite at random (issue 24).  The races run in a child process under faulthandler, so a crash
fails one test with its stack dump instead of killing the whole run.
"""
import os
import subprocess
import sys
import textwrap
import threading

import pytest
from helpers import ROOT

from photoclip.catalog import Catalog, CatalogClosed

RACE = textwrap.dedent("""
    import random, sys, threading, time
    from photoclip.catalog import Catalog, CatalogClosed

    path, rounds = sys.argv[1], int(sys.argv[2])
    cat = Catalog(path)
    fid = cat.add_folder("/photos")
    with cat.write() as c:
        c.executemany("INSERT INTO photos(path, folder_id, hash, status, updated) VALUES(?, ?, 'h', 'indexed', 0)",
                      [(f"/photos/{i:05d}.jpg", fid) for i in range(3000)])
    cat.close()
    for r in range(rounds):
        cat = Catalog(path)
        go = threading.Barrier(9)
        outcome = []

        def read():
            go.wait()
            while True:
                try:
                    cat.listing(None)
                    cat.folders()
                    cat.photo_by_path("/photos/00042.jpg")
                except CatalogClosed:
                    outcome.append("closed")
                    return
                except Exception as e:
                    outcome.append(repr(e))
                    return

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        go.wait()
        time.sleep(random.uniform(0, 0.02))
        cat.close()
        for t in threads:
            t.join(30)
        assert outcome == ["closed"] * 8, outcome
        assert cat.open_connections() == 0, cat.connection_owners()
    print("ok", rounds)
""")


def test_closing_a_catalog_under_eight_reading_threads_never_crashes(tmp_path):
    """Eight threads read in a loop while the main thread closes the catalog, 40 times over: every reader ends
    with the clear CatalogClosed, every connection is closed by its own thread, and the process never crashes."""
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", RACE, str(tmp_path / "c.sqlite3"), "40"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0 and "ok 40" in proc.stdout, proc.stderr[-4000:]


def test_a_closed_catalog_refuses_late_callers_with_one_sentence(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    cat.add_folder("/photos")
    other = threading.Thread(target=cat.folders)  # another thread opens (and, ending, closes) its own
    other.start()
    other.join()
    cat.close()
    with pytest.raises(CatalogClosed, match="is closed"):
        cat.folders()
    with pytest.raises(CatalogClosed):
        with cat.write():
            pass
    assert cat.open_connections() == 0


def test_a_thread_keeps_its_connection_until_it_is_done_with_it(tmp_path):
    """close() from one thread leaves a connection that another thread holds open; that thread's next use
    closes it and raises, and nothing is closed while it is in use."""
    cat = Catalog(tmp_path / "c.sqlite3")
    cat.add_folder("/photos")
    in_use, release, seen = threading.Event(), threading.Event(), []

    def hold():
        conn = cat.conn
        in_use.set()
        release.wait(10)
        seen.append(conn.execute("SELECT count(*) FROM folders").fetchone()[0])  # still open: close() waited on us
        try:
            cat.folders()
        except CatalogClosed:
            seen.append("closed")

    t = threading.Thread(target=hold, name="holder")
    t.start()
    in_use.wait(10)
    cat.close()
    assert cat.connection_owners() == ["holder"]
    release.set()
    t.join(10)
    assert seen == [1, "closed"] and cat.open_connections() == 0


def test_a_stopped_service_has_ended_its_threads_and_the_library_closes_cleanly(library, tmp_path):
    from helpers import draw_folder

    from photoclip.service import LibraryService

    draw_folder(tmp_path / "p", seed=24_001, count=6)
    library.add_folders([str(tmp_path / "p")])
    before = {t.name for t in threading.enumerate()}
    svc = LibraryService(library, kind="watch", settle_s=0.2).start()
    assert svc.wait_idle(90)
    assert svc.stop(timeout=30) is True
    leftover = {t.name for t in threading.enumerate()} - before
    assert not {n for n in leftover if n.startswith("photoclip")}, leftover
    assert library.catalog.connection_owners() == ["MainThread"]  # the worker, warm-up and socket closed theirs
    library.catalog.folders()  # this thread may read again


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_window_closes_under_a_running_view_load_and_thumbnails_then_the_library_closes(tmp_path):
    """The scenario of the crash: the window closes (and the library after it) while a view load and thumbnail
    renders are still running on worker threads.  Run 5 times in a child process under faulthandler."""
    script = textwrap.dedent(f"""
        import os, sys, threading, time
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        sys.path[:0] = [{str(ROOT / 'tests')!r}, {str(ROOT / 'tools')!r}]
        from helpers import draw_folder
        from PySide6.QtWidgets import QApplication
        from photoclip.library import Library
        from photoclip.gui.window import MainWindow

        app = QApplication([])
        spec = "local-dir:{ROOT / 'photoclip' / 'data' / 'toyclip'}"
        for attempt in range(5):
            home = os.path.join(sys.argv[1], f"h{{attempt}}")
            pics = os.path.join(sys.argv[1], f"p{{attempt}}")
            draw_folder(__import__("pathlib").Path(pics), seed=24_100 + attempt, count=40)
            lib = Library(home=home, model=spec, device="cpu")
            lib.add_folders([pics])
            lib.index_now()
            w = MainWindow(lib, start_service=attempt % 2 == 0, settle_s=0.2)
            w.show()
            loading = threading.Event()
            real = w._load_items

            def slow_load(*a, **k):  # a view load that is mid-read when the window closes
                loading.set()
                for _ in range(200):
                    lib.catalog.listing(None)
                return real(*a, **k)

            w._load_items = slow_load
            w.refresh()
            for _ in range(40):
                w.thumbs.get(sorted(os.path.join(pics, f) for f in os.listdir(pics))[_])
            deadline = time.monotonic() + 30
            while not loading.is_set() and time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.005)
            assert loading.is_set()
            w.close()
            assert w.tasks.busy() == 0, "the window closed with its view load still running"
            lib.close()
            app.processEvents()
            owners = lib.catalog.connection_owners()
            assert not [o for o in owners if o.startswith("photoclip-general")], owners
        print("ok")
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", script, str(tmp_path)], capture_output=True,
                          text=True, timeout=600, env=env, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]

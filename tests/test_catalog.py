"""Catalog behaviour the live library relies on: queue order, migrations, crash-safe reopen."""
import sqlite3

import pytest

from photoclip.catalog import SCHEMA_VERSION, Catalog, CatalogError


def test_new_photos_come_before_the_backlog(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    fid = cat.add_folder("/p")
    with cat.write():
        for i in range(3):
            cat.upsert_pending(fid, f"/p/old{i}.jpg", 1, 1, priority=0)
        cat.upsert_pending(fid, "/p/new.jpg", 1, 1, priority=1)  # what the watcher just saw
    assert [p.path for p in cat.pending(10)] == ["/p/new.jpg", "/p/old0.jpg", "/p/old1.jpg", "/p/old2.jpg"]
    assert cat.count_pending() == 4


def test_schema_version_and_a_newer_catalog_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    Catalog(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(CatalogError, match="newer photoclip"):
        Catalog(path)


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    fid = cat.add_folder("/p")
    with pytest.raises(RuntimeError):
        with cat.write():
            cat.upsert_pending(fid, "/p/a.jpg", 1, 1)
            raise RuntimeError("killed mid-batch")
    assert cat.photo_by_path("/p/a.jpg") is None

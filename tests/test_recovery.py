"""A damaged catalog is never replaced silently: it is kept aside, the newest good backup comes back, and the
user is told in one line."""
import datetime as dt
import os

from helpers import cli_json, draw_folder, run_cli

from photoclip import recovery


def _indexed_home(tmp_path, toy_spec):
    home, pics = tmp_path / "home", tmp_path / "pics"
    draw_folder(pics, seed=13_001, count=6)
    env = {"PHOTOCLIP_MODEL": toy_spec}
    cli_json("folders", "add", pics, home=home)
    cli_json("albums", "add", "Beach", "--prompt", "a beach", home=home, env=env)
    cli_json("index", home=home, env=env)  # a library service ran: it backed the catalog up
    return home, pics, env


def test_a_zero_byte_catalog_is_kept_aside_and_the_backup_restored(tmp_path, toy_spec):
    home, pics, env = _indexed_home(tmp_path, toy_spec)
    catalog = home / "data" / "catalog.sqlite3"
    today = dt.date.today().isoformat()
    assert [b.name for b in recovery.backups(catalog)] == [f"catalog-{today}.sqlite3"]
    catalog.write_bytes(b"")  # a crash of the disk, a sync tool, a user's mistake
    r = run_cli("status", "--json", home=home, env=env)
    assert r.stderr.count("\n") == 1 and f"the backup of {today} was restored" in r.stderr
    kept = [p for p in catalog.parent.iterdir() if p.name.startswith("catalog.sqlite3.damaged-")]
    assert len(kept) == 1 and kept[0].stat().st_size == 0  # the damaged file itself, untouched
    folders = cli_json("folders", "list", home=home)["folders"]
    assert [(f["path"], f["online"]) for f in folders] == [(str(pics), True)]
    assert [a["name"] for a in cli_json("albums", "list", home=home, env=env)["albums"]] == ["Beach"]
    again = run_cli("status", home=home, env=env)
    assert again.stderr == ""  # told once


def test_a_truncated_catalog_is_caught_by_the_thorough_check(tmp_path, toy_spec):
    home, pics, env = _indexed_home(tmp_path, toy_spec)
    catalog = home / "data" / "catalog.sqlite3"
    data = catalog.read_bytes()
    assert len(data) > 8192
    catalog.write_bytes(data[: len(data) // 2])
    r = run_cli("index", "--json", home=home, env=env)
    assert "was restored" in r.stderr and "Traceback" not in r.stderr
    assert cli_json("status", home=home, env=env)["photos"] == 6  # re-indexed from the restored folders


def test_without_a_backup_the_user_is_told_the_library_starts_empty(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "p").mkdir()
    cli_json("folders", "add", tmp_path / "p", home=home)  # no service ran: no backup yet
    catalog = home / "data" / "catalog.sqlite3"
    catalog.write_bytes(b"this is not a database at all" * 10)
    r = run_cli("folders", "list", "--json", home=home)
    assert "no backup" in r.stderr and "not an SQLite database" in r.stderr and r.stderr.count("\n") == 1
    assert any(p.name.startswith("catalog.sqlite3.damaged-") for p in catalog.parent.iterdir())


def test_backups_roll_over_keeping_the_last_days(tmp_path):
    from photoclip.catalog import Catalog

    path = tmp_path / "catalog.sqlite3"
    Catalog(path).close()
    for day in range(1, 6):
        assert recovery.daily_backup(path, today=dt.date(2026, 11, day)) is not None
    assert recovery.daily_backup(path, today=dt.date(2026, 11, 5)) is None  # once a day
    names = [b.name for b in recovery.backups(path)]
    assert names == [f"catalog-2026-11-0{d}.sqlite3" for d in (5, 4, 3)]
    assert not any(n.endswith(".tmp") for n in os.listdir(tmp_path / "backups"))


def test_a_catalog_a_live_process_holds_is_never_moved_aside(tmp_path):
    from photoclip.holder import Holder
    from photoclip.paths import AppPaths

    home = tmp_path / "home"
    (tmp_path / "p").mkdir()
    cli_json("folders", "add", tmp_path / "p", home=home)
    catalog = home / "data" / "catalog.sqlite3"
    holder = Holder(AppPaths.resolve(home), "watch").acquire()  # as if a watch were running
    try:
        catalog.write_bytes(b"")
        r = run_cli("status", home=home, check=False)
        assert r.returncode == 1 and "has it open" in r.stderr and r.stderr.count("\n") == 1
        assert catalog.exists() and not any(p.name.startswith("catalog.sqlite3.damaged-")
                                            for p in catalog.parent.iterdir())
    finally:
        holder.release()
    assert "kept as" in run_cli("status", home=home).stderr  # once it has stopped, recovery goes ahead


def test_checking_and_backing_up_a_catalog_in_use_keeps_its_write_ahead_log(tmp_path):
    """The flaky "disk I/O error" of loaded runs: a process holding the catalog open checked it (the header read
    with open() and close()) and backed it up, which dropped its SQLite locks; the next process to close a
    connection then took itself for the last one and deleted the write-ahead log under the live connections.
    The check now reads the file through SQLite only: the log stays, and every connection goes on working."""
    import sqlite3
    import subprocess
    import sys

    from photoclip.catalog import Catalog

    path = tmp_path / "catalog.sqlite3"
    cat = Catalog(path)
    cat.add_folder("/p")  # a write: the log holds it until a checkpoint
    assert recovery.problem(path) is None and recovery.problem(path, thorough=True) is None
    assert recovery.daily_backup(path) is not None
    subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
                    "c.execute('SELECT count(*) FROM folders').fetchone(); c.close()"], check=True)
    assert os.path.exists(str(path) + "-wal") and os.path.exists(str(path) + "-shm")
    cat.add_folder("/q")
    with sqlite3.connect(path) as fresh:  # a new connection reads what the live one wrote, without an error
        assert fresh.execute("SELECT count(*) FROM folders").fetchone()[0] == 2
    cat.close()

"""Defects found by attacking photoclip (issue 18): each test failed before its fix."""
import os
import stat

import pytest
from helpers import draw_folder

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

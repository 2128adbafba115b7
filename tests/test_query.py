"""The search box's language on the toy world: negatives, examples, filters, the cut-off, date order."""
import json
import os
import time

import pytest
from helpers import cli_json, draw_folder, run_cli

from photoclip.query import QueryError, parse


def test_the_language_parses_into_what_it_says():
    q = parse('dog on a beach -people -"a person" like:"~/my photos/a.jpg" after:2023-05 before:2024 '
              "album:Beach -album:Receipts type:jpg camera:pixel orientation:portrait 海边的日落")
    assert q.text == "dog on a beach 海边的日落" and q.negatives == ["people", "a person"]
    assert q.likes == [os.path.expanduser("~/my photos/a.jpg")]
    assert (q.after, q.before) == ("2023-05-01", "2024-01-01")
    assert q.albums == ["Beach"] and q.not_albums == ["Receipts"] and ".jpeg" in q.extensions
    assert q.cameras == ["pixel"] and q.orientation == "portrait"
    assert (parse("year:2023").after, parse("year:2023").before) == ("2023-01-01", "2024-01-01")
    assert parse("before:2024-02-29").before == "2024-02-29" and parse("after:2023-12").after == "2023-12-01"


@pytest.mark.parametrize("text,fragment", [("foo:bar", "Unknown filter foo:"), ("after:2023-13", "not a date"),
                                           ('a "b', "quote"), ("type:xyz", "type:xyz"), ("-year:2020", "negated"),
                                           ("album:", "needs a value"), ("orientation:round", "orientation:round")])
def test_mistakes_are_one_sentence(text, fragment):
    with pytest.raises(QueryError, match=fragment):
        parse(text)


@pytest.fixture(scope="module")
def toy_library(tmp_path_factory):
    """60 toy photos in two folders, known dates, one album; returns (home, env, truth)."""
    from conftest import TOY_SPEC

    root = tmp_path_factory.mktemp("query")
    home, env = root / "home", {"PHOTOCLIP_MODEL": TOY_SPEC}
    truth = draw_folder(root / "pics" / "a", seed=14_001, count=40)
    truth.update(draw_folder(root / "pics" / "b", seed=14_002, count=20, scenes=["night", "beach", "room"]))
    for n, path in enumerate(sorted(truth)):  # one photo a month, from 2020 on: the file dates are the dates
        t = time.mktime((2020 + n // 12, n % 12 + 1, 15, 12, 0, 0, 0, 0, -1))
        os.utime(path, (t, t))
    cli_json("index", root / "pics", home=home, env=env)
    cli_json("albums", "add", "Night", "--prompt", "the night sky", home=home, env=env)
    return home, env, truth


def search(toy_library, *args):
    home, env, _ = toy_library
    return cli_json("search", *args, "--limit", "100", home=home, env=env)


def test_the_cut_off_keeps_the_relevant_set(toy_library):
    _, _, truth = toy_library
    night = {p for p, pic in truth.items() if pic.scene == "night"}
    out = search(toy_library, "the night sky")
    assert {r["path"] for r in out["results"]} == night  # the night photos, and it stops
    assert out["hidden"] > 0 and set(out["results"][0]) == {"id", "path", "score", "taken"}
    everything = search(toy_library, "the night sky", "--all")
    assert everything["hidden"] == 0 and len(everything["results"]) == 60
    assert [r["path"] for r in everything["results"][:len(night)]] == [r["path"] for r in out["results"]]


def test_negatives_push_out_what_they_name(toy_library):
    _, _, truth = toy_library
    plain = {r["path"] for r in search(toy_library, "a photo", "--all")["results"]}
    without = {r["path"] for r in search(toy_library, "a photo", "-the night sky", "--all")["results"]}
    night = {p for p, pic in truth.items() if pic.scene == "night"}
    assert night <= plain and not (without & night) and without  # the night photos left, the rest stayed
    assert len(without) >= 0.8 * (len(plain) - len(night))  # and not much else


def test_filters_return_exactly_the_photos_they_describe(toy_library):
    home, env, truth = toy_library
    by_name = {os.path.basename(p): p for p in truth}
    pngs = {p for p in truth if p.endswith(".png")}
    assert {r["path"] for r in search(toy_library, "type:png")["results"]} == pngs
    folder_b = {p for p in truth if f"{os.sep}b{os.sep}" in p}
    b = os.path.dirname(next(iter(folder_b)))
    assert {r["path"] for r in search(toy_library, f"in:{b}")["results"]} == folder_b
    months = sorted(truth)  # photo n was taken in month n from January 2020
    assert {r["path"] for r in search(toy_library, "year:2021")["results"]} == set(months[12:24])
    assert {r["path"] for r in search(toy_library, "after:2023-03", "before:2023-06")["results"]} == set(months[38:41])
    night_album = {m["path"] for m in cli_json("albums", "show", "Night", home=home, env=env)["members"]}
    assert {r["path"] for r in search(toy_library, "album:night")["results"]} == night_album
    assert not {r["path"] for r in search(toy_library, "-album:Night", "type:png")["results"]} & night_album
    portrait = {p for p in truth if "_" in os.path.basename(p) and _size(p)[1] > _size(p)[0]}
    assert {r["path"] for r in search(toy_library, "orientation:portrait")["results"]} == portrait
    assert search(toy_library, "camera:pixel")["results"] == []  # drawn pictures carry no camera
    assert by_name  # (names are unique)


def _size(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size


def test_filters_and_words_together_and_date_order(toy_library):
    _, _, truth = toy_library
    out = search(toy_library, "the night sky", "in:" + os.path.dirname(sorted(truth)[-1]), "--sort", "date", "--all")
    dates = [r["taken"] for r in out["results"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 20  # newest first; only folder b
    listing = search(toy_library, "year:2022")["results"]  # filters only: newest first, no score
    assert [r["taken"] for r in listing] == sorted((r["taken"] for r in listing), reverse=True)
    assert all(r["score"] is None for r in listing)


def test_like_an_example_photo_and_words(toy_library):
    _, _, truth = toy_library
    beach = next(p for p, pic in sorted(truth.items()) if pic.scene == "beach")
    out = search(toy_library, f"like:{beach}")["results"]
    assert beach not in [r["path"] for r in out]
    assert sum(truth[r["path"]].scene == "beach" for r in out[:5]) >= 4
    r = run_cli("search", "like:/no/such/photo.jpg", home=toy_library[0], env=toy_library[1], check=False)
    assert r.returncode == 2 and "not a photo" in r.stderr and r.stderr.count("\n") == 1


def test_query_mistakes_exit_2_from_the_cli(toy_library):
    home, env, _ = toy_library
    r = run_cli("search", "bogus:1 dog", home=home, env=env, check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Unknown filter bogus:" in r.stderr
    r = run_cli("search", "album:Nope", home=home, env=env, check=False)
    assert r.returncode == 2 and "no album named" in r.stderr
    assert json.loads(run_cli("search", "-people", "--json", home=home, env=env, check=False).stdout or "{}") == {}


def test_a_query_that_matches_nothing_says_so_and_shows_the_closest(toy_library):
    """Honest answers: a word the toy world has no picture of is "no clear matches", not 5 confident results;
    the closest photos are still there to look at, and the CLI says what they are."""
    home, env, _ = toy_library
    out = cli_json("search", "zebra", "--limit", "5", home=home, env=env)
    assert out["clear"] is False and len(out["results"]) == 5 and out["hidden"] == 0
    text = run_cli("search", "zebra", "--limit", "5", home=home, env=env)
    assert "no clear matches" in text.stderr and len(text.stdout.splitlines()) == 5
    assert search(toy_library, "the night sky")["clear"] is True

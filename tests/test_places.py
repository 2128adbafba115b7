"""Places, end to end: photos whose EXIF the tests write with GPS positions (Lisbon, Porto, Hong Kong, the open
sea) and one without, read by the service's places stage, named with the packaged gazetteer, found with
place:, country:, near: in the CLI, over the socket and in the window."""
from __future__ import annotations

import os

import pytest
from helpers import cli_json, old_catalog, run_cli, shown_window
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from photoclip.places import Gazetteer
from photoclip.query import QueryError, parse

SPOTS = {"lisbon": (38.7223, -9.1393), "belem": (38.6976, -9.2063), "porto": (41.1496, -8.611),
         "hongkong": (22.2855, 114.1577), "atlantic": (0.5, -30.0)}


def with_gps(lat: float, lon: float) -> Image.Exif:
    """EXIF with a GPS position, written as cameras write it (degrees, minutes, seconds as rationals)."""
    def dms(v):
        v = abs(v)
        d, m = int(v), int((abs(v) - int(v)) * 60)
        s = round(((v - d) * 60 - m) * 60 * 100)
        return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 100))

    exif = Image.Exif()
    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    return exif


def draw_places(folder) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, (name, (lat, lon)) in enumerate(SPOTS.items()):
        path = folder / f"{name}.jpg"
        Image.new("RGB", (320, 240), (40 * i, 120, 200)).save(path, exif=with_gps(lat, lon))
        out[name] = str(path)
    Image.new("RGB", (320, 240), (10, 150, 20)).save(folder / "nowhere.jpg")
    out["nowhere"] = str(folder / "nowhere.jpg")
    return out


@pytest.fixture
def places_library(library, tmp_path):
    pics = draw_places(tmp_path / "pics")
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    return library, pics


def found(lib, query) -> set[str]:
    return {os.path.basename(r.path) for r in lib.query(query, limit=50).results}


def test_the_gazetteer_names_towns_by_their_reach_and_countries_in_two_languages():
    g = Gazetteer()
    for (lat, lon), town, country in [((38.7223, -9.1393), "Lisbon", "PT"), ((22.3193, 114.1694), "Hong Kong", "HK"),
                                      ((48.8566, 2.3522), "Paris", "FR"), ((48.80, 2.13), "Versailles", "FR"),
                                      ((40.65, -73.95), "New York City", "US"), ((31.23, 121.47), "Shanghai", "CN")]:
        p = g.place(lat, lon)
        assert (p.name, p.country_code) == (town, country)
    assert g.place(38.7223, -9.1393).country_zh == "葡萄牙"
    # Chinese town names where GeoNames' alternate names agree on one (tools/make_places_zh.py); none otherwise
    assert (g.place(38.7223, -9.1393).name_zh, g.place(31.23, 121.47).name_zh, g.place(35.69, 139.69).name_zh,
            g.place(22.5455, 114.0683).name_zh) == ("里斯本", "上海", "东京", "深圳")
    assert g.place(48.8566, 2.3522).name_zh == "巴黎" and "宝安" in g.place(22.5455, 114.0683).aliases_zh
    assert g.place(39.8609, -83.6352).name_zh is None  # Lisbon, Ohio has none: its English name stands
    sea = g.place(0.5, -30.0)
    assert sea.name is None and sea.country_code is None and sea.km > 250
    assert g.country_codes("葡萄牙") == g.country_codes("portugal") == g.country_codes("PT") == {"PT"}
    # Regions in Chinese where iso-codes translates them (tools/make_regions_zh.py), with or without their kind
    shenzhen = g.place(22.5455, 114.0683)
    assert (shenzhen.region, shenzhen.region_zh, shenzhen.as_json()["region_zh"]) == ("Guangdong", "广东省", "广东省")
    assert g.place(35.69, 139.69).region_zh == "东京都" and g.place(34.05, -118.24).region_zh == "加利福尼亚州"
    assert g.regions_named("广东") == g.regions_named("广东省") == {("CN", "Guangdong")}
    assert g.regions_named("内蒙古") == {("CN", "Inner Mongolia")} and g.regions_named("巴伐利亚") == {("DE", "Bavaria")}
    assert g.regions_named("Guangdong") == set()  # English names are matched by the catalog's region_key
    assert g.place(51.5074, -0.1278).region_zh is None  # England: iso-codes has no Chinese name, the English stands


def test_positions_become_places_and_the_search_box_finds_them(places_library):
    lib, pics = places_library
    assert found(lib, "place:Lisbon") == {"lisbon.jpg", "belem.jpg"}
    assert found(lib, 'place:"hong kong"') == {"hongkong.jpg"}
    assert found(lib, "country:PT") == found(lib, "country:葡萄牙") == found(lib, "place:Portugal") == \
        {"lisbon.jpg", "belem.jpg", "porto.jpg"}
    assert found(lib, "near:38.72,-9.14,3km") == {"lisbon.jpg"}
    assert found(lib, "near:38.72,-9.14,10km") == {"lisbon.jpg", "belem.jpg"}
    assert found(lib, "near:41.15,-8.61,500m") == {"porto.jpg"}
    assert found(lib, "country:PT -place:Porto") == {"lisbon.jpg", "belem.jpg"}
    assert found(lib, "a photo country:HK") == {"hongkong.jpg"}  # with words
    assert found(lib, "place:里斯本") == {"lisbon.jpg", "belem.jpg"} and found(lib, "place:波图") == {"porto.jpg"}
    # The region of Porto, by its Chinese name (iso-codes writes 波尔图 where GeoNames' town is 波图)
    assert found(lib, "place:波尔图") == {"porto.jpg"} and found(lib, "country:PT -place:波尔图") == \
        {"lisbon.jpg", "belem.jpg"}
    assert found(lib, "place:波圖") == found(lib, "place:波爾圖") == {"porto.jpg"}  # in traditional characters
    assert found(lib, "place:香港 country:香港") == {"hongkong.jpg"} and found(lib, "-place:里斯本 country:PT") == \
        {"porto.jpg"}
    with pytest.raises(QueryError, match="not a country photoclip knows"):
        lib.query("country:Atlantis")
    from photoclip import ops

    listed = ops.places(lib)
    pt = next(c for c in listed["countries"] if c["code"] == "PT")
    assert pt["name"] == "Portugal" and pt["name_zh"] == "葡萄牙" and pt["photos"] == 3
    assert {p["name"]: p["photos"] for p in pt["places"]} == {"Lisbon": 2, "Porto": 1}
    assert {p["name"]: p["name_zh"] for p in pt["places"]} == {"Lisbon": "里斯本", "Porto": "波图"}
    assert listed["without_position"] == 1 and listed["pending"] == 0
    sea = next(c for c in listed["countries"] if c["code"] is None)
    assert sea["photos"] == 1 and sea["places"] == []
    info = ops.photo_info(lib, pics["porto"])["photo"]["place"]
    assert info["place"] == "Porto" and info["country"] == "Portugal" and abs(info["lat"] - 41.1496) < 1e-3
    assert info["place_zh"] == "波图" and info["country_zh"] == "葡萄牙"
    assert info["region"] == "Porto" and info["region_zh"] == "波尔图"
    assert ops.photo_info(lib, pics["nowhere"])["photo"]["place"] is None
    assert lib.status()["places"] == {"pending": 0, "looked": 6, "with_position": 5}


def test_a_moved_photo_keeps_its_place_and_a_changed_one_is_read_again(places_library, tmp_path):
    lib, pics = places_library
    moved = tmp_path / "pics" / "renamed.jpg"
    os.rename(pics["porto"], moved)
    lib.index_now()
    assert found(lib, "place:Porto") == {"renamed.jpg"}
    Image.new("RGB", (320, 240), (1, 2, 3)).save(moved, exif=with_gps(*SPOTS["hongkong"]))  # other bytes, place
    lib.index_now()
    assert found(lib, "place:Porto") == set() and found(lib, "country:HK") == {"hongkong.jpg", "renamed.jpg"}


def test_near_is_parsed_or_refused_in_one_sentence():
    assert parse("near:38.72,-9.14").near == (38.72, -9.14, 10.0)
    assert parse("near:38.72,-9.14,5km").near == (38.72, -9.14, 5.0)
    assert parse("near:-33.9,151.2,800m").near == (-33.9, 151.2, 0.8)
    for bad in ("near:lisbon", "near:95,10", "near:1,2,far"):
        with pytest.raises(QueryError, match="is not a position"):
            parse(bad)


def test_cli_places_and_status(tmp_path, toy_spec):
    home = tmp_path / "home"
    draw_places(tmp_path / "pics")
    env = {"PHOTOCLIP_MODEL": toy_spec}
    cli_json("index", str(tmp_path / "pics"), home=home, env=env)
    text = run_cli("places", home=home, env=env).stdout
    assert "Portugal (PT): 3 photos\n  Lisbon: 2\n  Porto: 1" in text and "1 photos without a position" in text
    assert "places: 5 photos with a position" in run_cli("status", home=home, env=env).stdout
    js = cli_json("search", "place:Lisbon", home=home, env=env)
    assert sorted(os.path.basename(r["path"]) for r in js["results"]) == ["belem.jpg", "lisbon.jpg"]
    bad = run_cli("search", "near:nowhere", home=home, env=env, check=False)
    assert bad.returncode == 2 and "is not a position" in bad.stderr


def test_a_catalog_from_before_places_is_migrated_and_its_photos_wait_to_be_looked_at(tmp_path):
    from photoclip import catalog as catalog_mod

    path = tmp_path / "old.sqlite3"
    with old_catalog(path, 5) as c:  # schema 5, as photoclip wrote it before places
        c.execute("INSERT INTO folders(path, added) VALUES('/p', 0)")
        c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/p/a.jpg', 1, 'indexed', 0, 'h')")
    cat = catalog_mod.Catalog(path)
    assert cat.conn.execute("PRAGMA user_version").fetchone()[0] == catalog_mod.SCHEMA_VERSION
    assert cat.places_todo() == [(1, "/p/a.jpg", "h")]  # the old photo waits to be looked at
    assert cat.listing() == [(1, "/p/a.jpg")]  # and is no pair's RAW half: still shown
    cat.close()


def test_a_catalog_named_with_the_old_gazetteer_looks_at_its_photos_again(tmp_path):
    from photoclip import catalog as catalog_mod

    path = tmp_path / "old.sqlite3"
    with old_catalog(path, 12) as c:  # schema 12: Guangzhou stored with no Chinese name, as the old gazetteer had
        c.execute("INSERT INTO folders(path, added) VALUES('/p', 0)")
        c.execute("INSERT INTO photos(path, folder_id, status, updated, hash) VALUES('/p/a.jpg', 1, 'indexed', 0, 'h')")
        c.execute("INSERT INTO photo_places(photo_id, hash, lat, lon, place, place_key, country, updated) "
                  "VALUES(1, 'h', 23.13, 113.26, 'Guangzhou', 'guangzhou', 'CN', 0)")
    cat = catalog_mod.Catalog(path)
    assert cat.places_todo() == [(1, "/p/a.jpg", "h")]  # named again, now 广州
    cat.close()


def test_chinese_names_are_chosen_as_mainland_readers_write_them():
    import make_places_zh as tool

    same = lambda s: s  # noqa: E731 (the names below are simplified already)
    # Japanese forms (広, 戸) are searchable but not counted; CLDR's name of a time zone's city wins
    assert tool.chinese_names(["広州", "広州市", "广州", "广州市", "Guangzhou"], same) == \
        ("广州", ["广州", "广州市", "広州", "広州市"])
    assert tool.chinese_names(["悉尼", "雪梨"], same)[0] == "" and tool.chinese_names(["悉尼", "雪梨"], same, "悉尼")[0] == "悉尼"
    assert tool.chinese_names(["仁川广域市", "仁川広域市"], same)[0] == "仁川"  # a city's status comes off
    assert tool.chinese_names(["景德镇", "景德镇市"], same)[0] == "景德镇"  # 镇 stays where it is the name's
    assert tool.chinese_names(["汉堡区"], same)[0] == "汉堡区" and tool.chinese_names(["西班牙镇"], same)[0] == "西班牙镇"
    assert tool.chinese_names(["深圳", "深圳市", "宝安"], same)[0] == "深圳"
    g = Gazetteer()  # and the data file made with these rules
    assert [g.place(*p).name_zh for p in ((23.13, 113.26), (-33.87, 151.21), (37.46, 126.70), (29.29, 117.21))] == \
        ["广州", "悉尼", "仁川", "景德镇"]


def test_the_window_lists_places_and_the_viewer_names_the_place(places_library, qtbot):
    pytest.importorskip("PySide6")
    from PySide6.QtCore import Qt

    from photoclip.gui.viewer import Viewer

    lib, pics = places_library
    w = shown_window(lib, qtbot)
    section = w.sidebar_items()["Places"]
    countries = {section.child(i).text(0): section.child(i) for i in range(section.childCount())}
    assert set(countries) == {"Portugal (3)", "Hong Kong (1)"}
    lisbon = next(countries["Portugal (3)"].child(i) for i in range(2)
                  if countries["Portugal (3)"].child(i).text(0) == "Lisbon (2)")
    assert lisbon.data(0, Qt.UserRole) == ("query", 'place:"Lisbon" country:PT')
    with qtbot.waitSignal(w.view_loaded, timeout=60_000):
        w._sidebar_clicked(lisbon)
    assert w.search.text() == 'place:"Lisbon" country:PT'
    assert {os.path.basename(it.path) for it in w.model.items if it.path} == {"lisbon.jpg", "belem.jpg"}
    v = Viewer(w, [pics["porto"]], 0)
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.loaded, timeout=60_000):
        v.show()
    assert v.shown_facts()["Location"].startswith("Porto, Portugal\n41.14")
    v.close()
    w.close()


def test_the_viewer_names_the_region_where_it_says_more_in_the_windows_language():
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QLocale

    from photoclip.gui.places import place_words
    from photoclip.ops_places import place_named

    g = Gazetteer()

    def facts(lat, lon):  # what photo_info hands the viewer, from the place the stage stored
        p = g.place(lat, lon)
        return place_named({"lat": lat, "lon": lon, "place": p.name, "place_zh": p.name_zh, "region": p.region,
                            "country_code": p.country_code})

    shenzhen, lisbon, london = facts(22.5455, 114.0683), facts(38.7223, -9.1393), facts(51.5074, -0.1278)
    before = QLocale()
    try:
        QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
        assert place_words(shenzhen) == "Shenzhen, Guangdong, China"
        assert place_words(lisbon) == "Lisbon, Portugal"  # the region is the town: said once
        assert place_words(london) == "London, England, United Kingdom"
        QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
        assert place_words(shenzhen) == "深圳, 广东省, 中国"
        assert place_words(lisbon) == "里斯本, 葡萄牙"
        assert place_words(london) == "伦敦, 英国"  # England has no Chinese name here: left out, not in English
    finally:
        QLocale.setDefault(before)

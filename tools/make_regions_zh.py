"""Write the Chinese names of the gazetteer's regions (photoclip/data/regions_zh.json): {country code: {region as
the gazetteer writes it: its Chinese name}}, for `place:广东` and the region's name in Chinese.

    pip install pycountry==26.2.16   # build-time only; photoclip does not import it
    python tools/make_regions_zh.py

The gazetteer's regions are GeoNames' first-level divisions in English ("Guangdong", "Tokyo", "Bavaria").  Their
Chinese names come from Debian's iso-codes (LGPL-2.1-or-later, through pycountry): the simplified-Chinese (zh_CN)
translation of each ISO 3166-2 subdivision's name.  A region is matched to a subdivision of its own country by name,
compared without accents, brackets and words such as "Sheng", "Province" or "Prefecture"; EXONYMS names the ISO
subdivision for the regions GeoNames calls by their English name ("Bavaria" is "Bayern"), and OFFICIAL writes the
one province of China iso-codes leaves untranslated.  A subdivision with no
Chinese translation gives nothing, and Taiwan is left out: iso-codes' Chinese names there are old county names
(台中县 for the city of Taichung) and GeoNames' regions there are not its subdivisions.
"""
from __future__ import annotations

import gettext
import gzip
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GAZETTEER = os.path.join(ROOT, "photoclip", "data", "places.tsv.gz")
OUT = os.path.join(ROOT, "photoclip", "data", "regions_zh.json")
LEFT_OUT = {"TW"}
EXONYMS = {  # (country, GeoNames' region) -> the ISO 3166-2 code of the same subdivision
    ("CN", "Inner Mongolia"): "CN-NM", ("CN", "Ningxia"): "CN-NX", ("CN", "Tibet"): "CN-XZ",
    ("DE", "Bavaria"): "DE-BY", ("DE", "North Rhine-Westphalia"): "DE-NW", ("DE", "Baden-Wurttemberg"): "DE-BW",
    ("DE", "Lower Saxony"): "DE-NI", ("DE", "Hesse"): "DE-HE", ("DE", "Saxony"): "DE-SN",
    ("DE", "Saxony-Anhalt"): "DE-ST", ("DE", "Thuringia"): "DE-TH",
    ("IT", "Lombardy"): "IT-25", ("IT", "Sicily"): "IT-82", ("IT", "Piedmont"): "IT-21", ("IT", "Tuscany"): "IT-52",
    ("IT", "Apulia"): "IT-75", ("IT", "Sardinia"): "IT-88", ("IT", "Aosta Valley"): "IT-23",
    ("RU", "Moscow"): "RU-MOW", ("RU", "St.-Petersburg"): "RU-SPE", ("ES", "Madrid"): "ES-MD",
    ("MY", "Kuala Lumpur"): "MY-14", ("MY", "Putrajaya"): "MY-16", ("MY", "Penang"): "MY-07",
    ("PT", "Lisbon"): "PT-11",
}
OFFICIAL = {("CN", "Ningxia"): "宁夏回族自治区"}  # the one province iso-codes leaves untranslated
FILLER = re.compile(r"\b(sheng|shi|zizhiqu|huizu|zhuangzu|weiwu'?er|uygur|sar|province|prefecture|region|state|"
                    r"autonomous|special|administrative|municipality|of|the|ken|to|fu|do)\b")


def norm(name: str) -> str:
    """A name compared without accents, case, brackets, punctuation and the words that say what kind it is."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = FILLER.sub(" ", re.sub(r"\[.*?\]|\(.*?\)", "", s))
    return re.sub(r"[^a-z]", "", s)


def main(argv=None) -> int:
    import pycountry

    zh = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    by_name: dict[str, dict[str, str]] = {}
    by_code: dict[str, str] = {}
    for s in pycountry.subdivisions:
        chinese = zh.gettext(s.name)
        if s.parent_code or chinese == s.name or s.country_code in LEFT_OUT:
            continue
        by_code[s.code] = chinese
        for n in {s.name, *re.findall(r"\[(.*?)\]", s.name)}:  # "Tôkyô [Tokyo]": both forms
            by_name.setdefault(s.country_code, {})[norm(n)] = chinese
    regions = set()
    with gzip.open(GAZETTEER, "rt", encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[3]:
                regions.add((cols[4], cols[3]))
    out: dict[str, dict[str, str]] = {}
    for code, region in sorted(regions):
        chinese = (OFFICIAL.get((code, region)) or by_code.get(EXONYMS.get((code, region), ""))
                   or by_name.get(code, {}).get(norm(region)))
        if chinese:
            out.setdefault(code, {})[region] = chinese
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0, sort_keys=True)
        f.write("\n")
    print(f"{sum(map(len, out.values()))} of {len(regions)} regions have a Chinese name, in {len(out)} countries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Places: where a photo was taken (its GPS position) in words, found on this machine.

The gazetteer ships in the package (data/places.tsv.gz: GeoNames' 155,210 populated places of 1,000 people or
more, CC BY 4.0; data/PLACES.md).  A position becomes the nearest populated place within RADIUS_KM, with its
region and country, where a town's reach grows with its size (REACH_KM: a village 2 km, a city of half a
million 10 km, Hong Kong 14 km), so a street in Lisbon is "Lisbon" and not the parish it lies in; farther than
that from any (at sea, in a desert) only the country of the nearest place, when it lies within COUNTRY_KM.
Country names are in English and in Chinese (CLDR); place names as GeoNames writes them, and in Chinese for the
31,470 places whose alternate names give one that mainland readers write (tools/make_places_zh.py); every Chinese
name a place has finds it in a search.  Regions have Chinese names where iso-codes translates their ISO 3166-2
subdivision (data/regions_zh.json, tools/make_regions_zh.py: every province of China, every prefecture of Japan,
the US states, ...), and `place:广东` or `place:广东省` finds the photos taken in the region.  Nothing is fetched:
no geocoding service, no map tiles.

The nearest place is found exactly, as the largest dot product between unit vectors on the sphere (one matrix
product over the gazetteer: a fraction of a millisecond).
"""
from __future__ import annotations

import gzip
import json
import math
import re
import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np

RADIUS_KM = 30.0


def reach_km(population):
    """How far a place's name reaches: 2 km for a village of 1,000, 3 km more for each tenfold, at most 15."""
    return np.clip(2.0 + 3.0 * np.log10(np.maximum(np.asarray(population, dtype=np.float64), 1000) / 1000), 2, 15)
COUNTRY_KM = 250.0
EARTH_KM = 6371.0
# What a Chinese region name says about its kind, which a search may leave out: 广东 for 广东省, 东京 for 东京都.
REGION_KIND = re.compile(r"(?<=..)(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市|州|县|府|都|邦)$")


@dataclass(frozen=True)
class Place:
    name: str | None  # the populated place, None when none lies within RADIUS_KM
    region: str | None
    country_code: str | None
    country: str | None  # English
    country_zh: str | None
    km: float  # to the place (or the nearest one)
    name_zh: str | None = None  # the place's Chinese name, where the data agrees on one
    aliases_zh: tuple[str, ...] = ()  # every Chinese name of the place (what `place:` also matches)
    region_zh: str | None = None

    def as_json(self) -> dict:
        return {"name": self.name, "name_zh": self.name_zh, "region": self.region, "region_zh": self.region_zh,
                "country_code": self.country_code, "country": self.country, "country_zh": self.country_zh,
                "km": round(self.km, 1)}

    @property
    def label(self) -> str:
        return ", ".join(x for x in (self.name, self.country) if x) or ""


def unit(lat, lon) -> np.ndarray:
    lat, lon = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


class Gazetteer:
    """Loads the gazetteer on first use (about a third of a second), then answers positions."""

    def __init__(self):
        self._lock = threading.Lock()
        self._xyz = None

    def _load(self):
        with self._lock:
            if self._xyz is None:
                data = resources.files("photoclip.data")
                lats, lons, pops, self.names, self.regions, self.codes = [], [], [], [], [], []
                self.names_zh, self.aliases_zh = [], []
                with gzip.open(str(data.joinpath("places.tsv.gz")), "rt", encoding="utf-8") as f:
                    for line in f:
                        lat, lon, name, region, code, population, zh, aliases = line.rstrip("\n").split("\t")
                        self.names_zh.append(zh or None)
                        self.aliases_zh.append(tuple(aliases.split("|")) if aliases else ())
                        pops.append(int(population or 0))
                        lats.append(float(lat))
                        lons.append(float(lon))
                        self.names.append(name)
                        self.regions.append(region or None)
                        self.codes.append(code)
                self.countries = json.loads(data.joinpath("countries_en.json").read_text(encoding="utf-8"))
                self.countries_zh = json.loads(data.joinpath("countries_zh.json").read_text(encoding="utf-8"))
                self.regions_zh = json.loads(data.joinpath("regions_zh.json").read_text(encoding="utf-8"))
                self._region_names = {}  # a Chinese name, and that name without its kind -> {(code, region)}
                for code, names in self.regions_zh.items():
                    for region, zh in names.items():
                        for form in {zh, REGION_KIND.sub("", zh)}:
                            self._region_names.setdefault(form, set()).add((code, region))
                self._lat, self._lon = np.array(lats), np.array(lons)
                self._xyz = unit(self._lat, self._lon).astype(np.float32)
                self._pop = np.array(pops, dtype=np.int64)
                # A place's reach as the cosine of its angle: a point within it has a larger dot product.
                self._reach = np.cos(reach_km(self._pop) / EARTH_KM).astype(np.float32)
        return self._xyz

    def place(self, lat: float, lon: float) -> Place:
        xyz = self._load()
        dots = xyz @ unit(lat, lon).astype(np.float32)
        within = np.flatnonzero(dots >= self._reach)
        # The largest town whose reach covers the point, else the nearest populated place.
        i = int(within[np.argmax(self._pop[within])]) if len(within) else int(np.argmax(dots))
        km = km_between(lat, lon, float(self._lat[i]), float(self._lon[i]))
        code = self.codes[i] if km <= COUNTRY_KM else None
        near = km <= RADIUS_KM
        return Place(self.names[i] if near else None, self.regions[i] if near else None, code,
                     self.countries.get(code) if code else None, self.countries_zh.get(code) if code else None, km,
                     self.names_zh[i] if near else None, self.aliases_zh[i] if near else (),
                     self.region_name(code, self.regions[i]) if near else None)

    def country_name(self, code: str | None, language: str = "en") -> str | None:
        if not code:
            return None
        self._load()
        return (self.countries_zh if language == "zh" else self.countries).get(code)

    def region_name(self, code: str | None, region: str | None) -> str | None:
        """A region's Chinese name, where the data has one."""
        self._load()
        return self.regions_zh.get(code or "", {}).get(region or "")

    def regions_named(self, text: str) -> set[tuple[str, str]]:
        """(country code, region) of the regions one of whose Chinese names is `text` (广东省 or 广东)."""
        self._load()
        return set(self._region_names.get(text.strip(), ()))

    def country_codes(self, text: str) -> set[str]:
        """ISO codes whose code or English or Chinese name is `text` (any case)."""
        self._load()
        t = text.strip().lower()
        return {c for c in set(self.countries) | set(self.countries_zh)
                if t in (c.lower(), (self.countries.get(c) or "").lower(), (self.countries_zh.get(c) or "").lower())}


_SHARED = Gazetteer()


def shared() -> Gazetteer:
    """The process's one gazetteer (loaded once, on first use)."""
    return _SHARED

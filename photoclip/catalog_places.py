"""The catalog's places (a mixin of Catalog): where each photo was taken, as its GPS position and the place,
region and country the gazetteer gives it (places.py), read once per photo's bytes by the places stage.

`photo_places` holds one row per photo looked at: its position (NULL without GPS), the place's name and region
as written and case-folded (`*_key`, what `place:` compares), and the ISO country code.  A changed photo (other
bytes) is looked at again; a moved one keeps its row (its id stays).
"""
from __future__ import annotations

import math
import time
from typing import Iterable

from .records import VISIBLE, from_db

# Schema 6: places.
MIGRATION = """
CREATE TABLE photo_places (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    hash TEXT,
    lat REAL,
    lon REAL,
    place TEXT,
    place_key TEXT,
    region TEXT,
    region_key TEXT,
    country TEXT,
    updated REAL NOT NULL
);
CREATE INDEX photo_places_country ON photo_places(country);
CREATE INDEX photo_places_place ON photo_places(place_key);
CREATE INDEX photo_places_lat ON photo_places(lat)
"""

# Schema 13: the gazetteer's Chinese town names chosen anew (tools/make_places_zh.py: 广州, 悉尼, 仁川 where none was
# shown).  A photo's town names are stored (place_zh, place_aliases), so every photo is looked at once more by the
# places stage (a millisecond or two each).  Regions' Chinese names are not stored: they are looked up when shown.
MIGRATION_NAMES = "DELETE FROM photo_places"

_TODO = (f"FROM photos p LEFT JOIN photo_places g ON g.photo_id=p.id WHERE {VISIBLE} AND p.status='indexed' "
         "AND (g.photo_id IS NULL OR g.hash IS NOT p.hash)")


def key(text: str | None) -> str | None:
    return " ".join(text.casefold().split()) if text else None


class PlaceQueries:
    def places_todo(self, limit: int = 256) -> list[tuple[int, str, str | None]]:
        """(id, path, hash) of photos whose position is still to be read, newest additions first."""
        rows = self._rows(f"SELECT p.id, p.path, p.hash {_TODO} ORDER BY p.id DESC LIMIT ?", (limit,))
        return [(r[0], from_db(r[1]), r[2]) for r in rows]

    def places_pending(self) -> int:
        return self._one(f"SELECT count(*) {_TODO}")

    def store_places(self, rows: list[tuple], metas: list[tuple] = ()) -> None:
        """(photo id, hash, lat, lon, place.Place or None) each, and (photo id, xmpmeta.Meta) each for what other
        apps wrote (catalog_meta.py), in one transaction."""
        now = time.time()
        with self.write() as c:
            self.store_meta(c, list(metas))
            c.executemany(
                "INSERT INTO photo_places(photo_id, hash, lat, lon, place, place_key, region, region_key, country, "
                "place_zh, place_aliases, updated) SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM photos WHERE id=? "
                "ON CONFLICT(photo_id) DO UPDATE "
                "SET hash=excluded.hash, lat=excluded.lat, lon=excluded.lon, place=excluded.place, "
                "place_key=excluded.place_key, region=excluded.region, region_key=excluded.region_key, "
                "country=excluded.country, place_zh=excluded.place_zh, place_aliases=excluded.place_aliases, "
                "updated=excluded.updated",
                [(h, lat, lon, p.name if p else None, key(p.name) if p else None, p.region if p else None,
                  key(p.region) if p else None, p.country_code if p else None, p.name_zh if p else None,
                  ("|" + "|".join(p.aliases_zh) + "|") if p and p.aliases_zh else None, now, i)
                 for i, h, lat, lon, p in rows])

    def place_of(self, photo_id: int) -> dict | None:
        rows = self._rows("SELECT lat, lon, place, region, country, place_zh FROM photo_places WHERE photo_id=? "
                          "AND lat IS NOT NULL", (photo_id,))
        return {"lat": rows[0][0], "lon": rows[0][1], "place": rows[0][2], "region": rows[0][3],
                "country_code": rows[0][4], "place_zh": rows[0][5]} if rows else None

    def place_counts(self) -> list[tuple[str | None, str | None, str | None, int]]:
        """(country code, place, its Chinese name, photos) of the visible photos with a position, most first."""
        return [tuple(r) for r in self._rows(
            f"SELECT g.country, g.place, max(g.place_zh), count(*) FROM photo_places g JOIN photos p ON p.id=g.photo_id "
            f"WHERE {VISIBLE} AND g.lat IS NOT NULL GROUP BY g.country, g.place ORDER BY count(*) DESC, g.place")]

    def places_counted(self) -> dict:
        """{"pending", "with_position", "looked"} over the visible photos."""
        looked, placed = self._rows(
            f"SELECT count(*), count(g.lat) FROM photo_places g JOIN photos p ON p.id=g.photo_id "
            f"WHERE {VISIBLE} AND g.hash IS p.hash")[0]
        return {"pending": self.places_pending(), "looked": looked, "with_position": placed}

    def place_clauses(self, q) -> list[tuple[str, list]]:
        """The SQL of a query's place:, -place:, country:, near:, tag:, -tag: and rating: filters (query.Query;
        the last three are catalog_meta.py's)."""
        from .places import shared

        from .textnorm import simplified

        g = shared()

        def named(t: str, negated: bool) -> tuple[str, list]:  # 廣州 finds 广州: the names are in simplified
            simple = simplified(t)
            return self.place_sql(t, g.country_codes(t) | g.country_codes(simple),
                                  g.regions_named(t) | g.regions_named(simple), negated, simple)

        out = [named(t, False) for t in q.places] + [named(t, True) for t in q.not_places]
        for text in q.countries:
            codes = g.country_codes(text) | g.country_codes(simplified(text))
            if not codes:
                from .query import QueryError

                raise QueryError(f"country:{text} is not a country photoclip knows; write its name or its "
                                 "two-letter code, e.g. country:PT.")
            out.append(self.country_sql(codes))
        if q.near is not None:
            out.append(self.near_sql(*q.near))
        out += [self.tag_sql(t, False) for t in q.tags] + [self.tag_sql(t, True) for t in q.not_tags]
        if q.rating is not None:
            out.append(self.rating_sql(*q.rating))
        return out

    @staticmethod
    def place_sql(text: str, codes: Iterable[str], regions: Iterable[tuple[str, str]], negated: bool,
                  simple: str | None = None) -> tuple[str, list]:
        """A town by any of its names (`simple`: the text in simplified characters, as the Chinese names are
        stored), a region by its English name or (`regions`: the (country, region) pairs the text names in
        Chinese) its Chinese one, a country (`codes`)."""
        codes, regions = sorted(codes), sorted(regions)
        match = ("g.place_key=? OR g.region_key=? OR instr(g.place_aliases, ?) > 0 OR instr(g.place_aliases, ?) > 0"
                 + "".join(" OR (g.country=? AND g.region_key=?)" for _ in regions)
                 + (f" OR g.country IN ({','.join('?' * len(codes))})" if codes else ""))
        op = "NOT IN" if negated else "IN"
        return (f"p.id {op} (SELECT g.photo_id FROM photo_places g WHERE {match})",
                [key(text), key(text), f"|{' '.join(text.split())}|", f"|{' '.join((simple or text).split())}|",
                 *(v for code, region in regions for v in (code, key(region))), *codes])

    @staticmethod
    def country_sql(codes: Iterable[str]) -> tuple[str, list]:
        codes = sorted(codes) or [""]
        return (f"p.id IN (SELECT g.photo_id FROM photo_places g WHERE g.country IN ({','.join('?' * len(codes))}))",
                codes)

    @staticmethod
    def near_sql(lat: float, lon: float, km: float) -> tuple[str, list]:
        """Photos within `km` of a point: a band of latitude first (photo_places_lat), then the distance on a
        local flat map, which for the radii people type (up to a few hundred km) is within a fraction of a
        percent of the great circle's."""
        dlat = km / 111.195
        scale = max(math.cos(math.radians(lat)), 1e-6)
        return ("p.id IN (SELECT g.photo_id FROM photo_places g WHERE g.lat BETWEEN ? AND ? AND "
                "((g.lat - ?) * (g.lat - ?) + ((g.lon - ?) * ?) * ((g.lon - ?) * ?)) <= ?)",
                [lat - dlat, lat + dlat, lat, lat, lon, scale, lon, scale, dlat * dlat])

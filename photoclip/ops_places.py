"""The operations about places (where photos were taken); they join ops.OPERATIONS."""
from __future__ import annotations

from .opsregistry import operation


def place_named(row: dict | None) -> dict | None:
    """A photo's stored place with its region's and country's names: {"lat", "lon", "place", "place_zh", "region",
    "region_zh", "country_code", "country", "country_zh"}, or None without a position."""
    if row is None:
        return None
    from .places import shared

    code = row.get("country_code")
    g = shared()
    return {**row, "region_zh": g.region_name(code, row.get("region")), "country": g.country_name(code),
            "country_zh": g.country_name(code, "zh")}


@operation()
def places(lib) -> dict:
    """Where the library's photos were taken, by country, then place, most photos first: {"countries":
    [{"code", "name", "name_zh", "photos", "places": [{"name", "name_zh", "photos"}]}], "without_position",
    "pending"} (a place's `name_zh`: its Chinese name, or null where the data has none)."""
    from .places import shared

    g = shared()
    countries: dict = {}
    for code, place, place_zh, n in lib.catalog.place_counts():
        c = countries.setdefault(code, {"code": code, "name": g.country_name(code),
                                        "name_zh": g.country_name(code, "zh"), "photos": 0, "places": []})
        c["photos"] += n
        if place:
            c["places"].append({"name": place, "name_zh": place_zh, "photos": n})
    counts = lib.catalog.places_counted()
    return {"countries": sorted(countries.values(), key=lambda c: (-c["photos"], c["name"] or "")),
            "without_position": counts["looked"] - counts["with_position"], "pending": counts["pending"]}

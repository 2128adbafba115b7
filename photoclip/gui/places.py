"""Places in the window: the sidebar's Places (countries with their towns and photo counts, from `places`), a
place's photos as the search `place:"…"`, and a photo's place in words for the viewer.  Names follow the window's
language: in Chinese, countries' Chinese names, and towns' where the gazetteer has one (else GeoNames' name).
No map: no tiles are fetched."""
from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QTreeWidgetItem

PLACES_SHOWN = 8  # towns listed under each country (the most photos first)


def chinese() -> bool:
    return QLocale().language() == QLocale.Chinese


def named(name: str | None, name_zh: str | None) -> str | None:
    """A country's or a town's name in the window's language (the English one where there is no Chinese)."""
    return (name_zh or name) if chinese() else name


def place_words(place: dict | None) -> str | None:
    """"Shenzhen, Guangdong, China" (in Chinese "深圳, 广东省, 中国"; a town without a Chinese name keeps GeoNames'
    name).  The region only where it says more than the town ("Lisbon, Portugal", not "Lisbon, Lisbon, …") and,
    in Chinese, only where it has a Chinese name (no English between Chinese words)."""
    if not place:
        return None
    town = named(place.get("place"), place.get("place_zh"))
    country = named(place.get("country"), place.get("country_zh"))
    region = place.get("region_zh") if chinese() else place.get("region")
    if region in (town, country) or (town and place.get("region") == place.get("place")):
        region = None
    return ", ".join(p for p in (town, region, country) if p) or None


class PlacesMixin:
    """Mixed into MainWindow: the sidebar's Places section."""

    def add_places_section(self, answer: dict | None) -> None:
        countries = [c for c in (answer or {}).get("countries", []) if c["code"]]
        if not countries:
            return
        section = QTreeWidgetItem([self.tr("Places")])
        section.setFlags(Qt.ItemIsEnabled)
        for c in countries:
            name = named(c["name"], c["name_zh"]) or c["code"]
            it = QTreeWidgetItem([f"{name} ({c['photos']})"])
            it.setData(0, Qt.UserRole, ("query", f"country:{c['code']}"))
            for p in c["places"][:PLACES_SHOWN]:
                town = QTreeWidgetItem([f"{named(p['name'], p.get('name_zh'))} ({p['photos']})"])
                town.setData(0, Qt.UserRole, ("query", f'place:"{p["name"]}" country:{c["code"]}'))
                it.addChild(town)
            section.addChild(it)
        self.sidebar.addTopLevelItem(section)

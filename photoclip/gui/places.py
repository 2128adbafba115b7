"""Places in the window: the sidebar's Places (countries with their towns and photo counts, from `places`), a
place's photos as the search `place:"…"`, and a photo's place in words for the viewer.  Country names follow the
window's language (English or Chinese); town names are as GeoNames writes them.  No map: no tiles are fetched."""
from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QTreeWidgetItem

PLACES_SHOWN = 8  # towns listed under each country (the most photos first)


def chinese() -> bool:
    return QLocale().language() == QLocale.Chinese


def country_label(name: str | None, name_zh: str | None) -> str | None:
    return (name_zh or name) if chinese() else name


def place_words(place: dict | None) -> str | None:
    """"Lisbon, Portugal" (or "里斯本" where… GeoNames has no Chinese town names: "Lisbon, 葡萄牙")."""
    if not place:
        return None
    parts = [place.get("place"), country_label(place.get("country"), place.get("country_zh"))]
    return ", ".join(p for p in parts if p) or None


class PlacesMixin:
    """Mixed into MainWindow: the sidebar's Places section."""

    def add_places_section(self, answer: dict | None) -> None:
        countries = [c for c in (answer or {}).get("countries", []) if c["code"]]
        if not countries:
            return
        section = QTreeWidgetItem([self.tr("Places")])
        section.setFlags(Qt.ItemIsEnabled)
        for c in countries:
            name = country_label(c["name"], c["name_zh"]) or c["code"]
            it = QTreeWidgetItem([f"{name} ({c['photos']})"])
            it.setData(0, Qt.UserRole, ("query", f"country:{c['code']}"))
            for p in c["places"][:PLACES_SHOWN]:
                town = QTreeWidgetItem([f"{p['name']} ({p['photos']})"])
                town.setData(0, Qt.UserRole, ("query", f'place:"{p["name"]}" country:{c["code"]}'))
                it.addChild(town)
            section.addChild(it)
        self.sidebar.addTopLevelItem(section)

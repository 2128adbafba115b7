"""The window's sidebar: the library, its folders (short names, the full path on hover), smart albums with
their counts and people (gui/people.py), read through the window's client on a worker."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QStyle, QTreeWidgetItem

from .grid import display_name
from .tasks import run_task


def short_names(paths: list[str]) -> dict[str, str]:
    """Each folder by its own name, with as many parent folders as it takes to tell it from the others
    ("Photos", and "2023/Trip" beside "2024/Trip")."""
    out = {}
    for path in paths:
        parts = [p for p in path.split(os.sep) if p] or [path]
        depth = 1
        while depth < len(parts) and any(o != path and [q for q in o.split(os.sep) if q][-depth:] == parts[-depth:]
                                         for o in paths):
            depth += 1
        out[path] = display_name(os.sep.join(parts[-depth:]))
    return out


class SidebarMixin:
    """Mixed into MainWindow."""

    # -- sidebar ------------------------------------------------------------------------------------
    def refresh_sidebar(self) -> None:
        """Folders, albums with their counts and the skipped count, read on a worker (one grouped count)."""
        def load():
            albums = self.client.query("albums_list")["albums"]
            status = self.client.query("status")
            people = self.client.query("people")
            return (self.client.query("folders_list")["folders"], [(a["name"], a["count"]) for a in albums],
                    status["failed"], status["photos"], status.get("encoded_with"),
                    (people["people"], people["faces"]["unsorted"]), self.client.query("places"))

        run_task(load, self._fill_sidebar, owner=self)

    def _fill_sidebar(self, data) -> None:
        folder_rows, album_rows, failed, photos, encoded_with, (people, unsorted), places = data
        self.album_names = [name for name, _count in album_rows]
        self.sidebar.clear()
        icon = self.style().standardIcon
        all_item = QTreeWidgetItem([self.tr("All photos") + f" ({photos:,})"])
        all_item.setIcon(0, icon(QStyle.SP_DirHomeIcon))
        all_item.setData(0, Qt.UserRole, ("all", None))
        self.sidebar.addTopLevelItem(all_item)
        folders = QTreeWidgetItem([self.tr("Folders")])
        folders.setFlags(Qt.ItemIsEnabled)
        names = short_names([row["path"] for row in folder_rows])
        for row in folder_rows:  # the name that tells it apart; the whole path on hover
            it = QTreeWidgetItem([f"{names[row['path']]} ({row['photos']:,})"
                                  + ("" if row["online"] else self.tr("  (offline)"))])
            it.setToolTip(0, display_name(row["path"]))
            it.setIcon(0, icon(QStyle.SP_DirIcon if row["online"] else QStyle.SP_DriveNetIcon))
            it.setData(0, Qt.UserRole, ("folder", row["path"]))
            if not row["online"]:
                it.setForeground(0, Qt.gray)
            folders.addChild(it)
        self.sidebar.addTopLevelItem(folders)
        albums = QTreeWidgetItem([self.tr("Smart albums")])
        albums.setFlags(Qt.ItemIsEnabled)
        for name, count in album_rows:
            it = QTreeWidgetItem([f"{name} ({count})"])
            it.setIcon(0, icon(QStyle.SP_FileDialogContentsView))
            it.setData(0, Qt.UserRole, ("album", name))
            albums.addChild(it)
        self.sidebar.addTopLevelItem(albums)
        self.add_people_section(people, unsorted)
        self.add_places_section(places)
        self.sidebar.expandAll()
        offline = [row["path"] for row in folder_rows if not row["online"]]
        self.offline_label.setText(self.tr("Folders offline: {0}").format(len(offline)) if offline else "")
        self.offline_label.setToolTip("\n".join(display_name(p) for p in offline))
        self.offline_label.setVisible(bool(offline))
        self.skipped_button.setText(self.tr("{0} skipped").format(failed) if failed else "")
        self.skipped_button.setVisible(bool(failed))
        self.stack.setCurrentWidget((self.people_page if self.mode[0] == "people" else self.grid) if folder_rows
                                    else self.welcome)
        # The first run's model picker, while nothing is encoded; afterwards a new model is a switch (Settings).
        self.welcome.show_model_choice(not self.attached and encoded_with is None)
        self.sidebar_loaded.emit()

    def sidebar_items(self) -> dict[str, QTreeWidgetItem]:
        out = {}
        for i in range(self.sidebar.topLevelItemCount()):
            top = self.sidebar.topLevelItem(i)
            out[top.text(0)] = top
            for j in range(top.childCount()):
                out[top.child(j).text(0)] = top.child(j)
        return out

    def _sidebar_clicked(self, item: QTreeWidgetItem) -> None:
        mode = item.data(0, Qt.UserRole)
        if mode and mode[0] == "unsorted":
            self.open_unsorted()
        elif mode and mode[0] == "query":  # a place: its search, in the box where it can be refined
            self.search.setText(mode[1])
            self._search_now()
        elif mode:
            self.search.clear()
            self.show_mode(tuple(mode))

    def _sidebar_menu(self, pos) -> None:
        item = self.sidebar.itemAt(pos)
        mode = item.data(0, Qt.UserRole) if item else None
        menu = QMenu(self)
        if mode and mode[0] == "album":
            menu.addAction(self.tr("Edit…"), lambda: self.edit_album(mode[1]))
            menu.addAction(self.tr("Export (copy)…"), lambda: self.export_album(mode[1]))
            menu.addAction(self.tr("Delete album"), lambda: self.remove_album(mode[1]))
        elif mode and mode[0] == "person":
            self.person_menu(menu, mode[1])
        elif mode and mode[0] == "folder":
            menu.addAction(self.tr("Remove from library"), lambda: self.remove_folder(mode[1]))
        else:
            menu.addAction(self.tr("Add folder…"), self.choose_folder)
            menu.addAction(self.tr("New album…"), self.new_album)
        menu.exec(self.sidebar.viewport().mapToGlobal(pos))

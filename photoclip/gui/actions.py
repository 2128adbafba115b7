"""What the user does to photos, folders and albums from the window: menus, dialogs, drag and drop.  Every
change is a command to the library service through the window's client (MainWindow.command)."""
from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from ..imageio import is_image_name
from .dialogs import AlbumDialog, FailuresDialog, SettingsDialog
from .viewer import Viewer
from .duplicates import DuplicatesDialog
from .grid import file_url
from .tasks import run_task


def like_chip(path: str) -> str:
    """A photo as an example in the search language: like:"PATH"."""
    return f'like:"{path}"' if '"' not in path else "like:'" + path.replace("'", "'\"'\"'") + "'"


def _is_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


class LibraryActions:
    """Mixed into MainWindow."""

    # -- photo actions ------------------------------------------------------------------------------
    def _grid_menu(self, pos) -> None:
        paths = self.grid.selected_paths()
        if not paths:
            return
        menu = self.photo_menu(paths)
        menu.exec(self.grid.viewport().mapToGlobal(pos))

    def photo_menu(self, paths: list[str]) -> QMenu:
        menu = QMenu(self)
        similar = menu.addAction(self.tr("Find similar"), lambda: self.find_similar(paths[0]))
        similar.setEnabled(len(paths) == 1)
        menu.addAction(self.tr("Open"), lambda: [QDesktopServices.openUrl(file_url(p)) for p in paths])
        menu.addAction(self.tr("Show in folder"), lambda: self.show_in_folder(paths[0]))
        menu.addAction(self.tr("Copy path") if len(paths) == 1 else self.tr("Copy {0} paths").format(len(paths)),
                       lambda: QGuiApplication.clipboard().setText("\n".join(paths)))
        copy_text = menu.addAction(self.tr("Copy text"), lambda: self.copy_text(paths[0]))
        copy_text.setEnabled(len(paths) == 1)
        belongs = menu.addMenu(self.tr("Belongs in album…"))
        for name in self.album_names:
            belongs.addAction(name, lambda name=name: self.give_feedback(name, paths, True))
        belongs.setEnabled(bool(belongs.actions()))
        if self.mode[0] == "album":
            menu.addAction(self.tr("Doesn't belong in {0}").format(self.mode[1]), lambda: self.give_feedback(self.mode[1], paths, False))
        return menu

    def find_similar(self, path: str) -> None:
        """Put the photo into the search box as a like: example, so the user can add words to it."""
        if not _is_utf8(path):  # a name that is not UTF-8 cannot be typed (or kept by Qt's text box)
            self.search.clear()
            self.show_mode(("similar", path))
            return
        self.search.setText(like_chip(path))
        self._search_now()

    def copy_text(self, path: str) -> None:
        """The text read in the photo onto the clipboard (read through the client, on a worker)."""
        def done(d: dict) -> None:
            text = "\n".join(line["text"] for line in d["lines"])
            if text:
                QGuiApplication.clipboard().setText(text)
                self.statusBar().showMessage(self.tr("Copied {0} lines of text").format(len(d["lines"])), 5000)
            else:
                self.statusBar().showMessage(self.tr("No text has been read in this photo") if d["state"] != "pending"
                                             else self.tr("The text of this photo has not been read yet"), 5000)

        run_task(lambda: self.client.query("text", path=path), done,
                 lambda e: self.statusBar().showMessage(str(e), 5000), owner=self)

    def show_in_folder(self, path: str) -> None:
        folder = os.path.dirname(path)
        if sys.platform == "darwin":
            subprocess.Popen(["open", "-R", path])
        else:
            QDesktopServices.openUrl(file_url(folder))

    def give_feedback(self, album: str, paths: list[str], belongs: bool) -> None:
        self.command("albums_mark", lambda _r: (self.refresh_sidebar(), self.refresh()), name=album, paths=list(paths),
                     belongs=belongs)  # one command, one retag, however many photos are selected

    def preview(self, path: str) -> None:
        """The viewer over the photos of the view on screen, opened at `path` (full window)."""
        paths = [it.path for it in self.model.items] or [path]
        viewer = Viewer(self, paths, paths.index(path) if path in paths else 0,
                        {it.path: it.at for it in self.model.items if it.at is not None})
        viewer.setWindowState(viewer.windowState() | Qt.WindowMaximized)
        viewer.exec()

    def show_duplicates(self) -> DuplicatesDialog:
        dlg = DuplicatesDialog(self)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def show_failures(self) -> None:
        run_task(lambda: self.client.query("failures")["failures"], lambda rows: FailuresDialog(rows, self).exec(),
                 owner=self)

    # -- folders and albums -------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a photo folder"))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        self.command("folders_add", lambda _r: self.refresh_sidebar(),
                     lambda e: QMessageBox.warning(self, "photoclip", str(e)), paths=[os.path.abspath(folder)])

    def remove_folder(self, folder: str) -> None:
        self.command("folders_remove", lambda _r: (self.refresh_sidebar(), self.show_mode(("all", None))),
                     path=folder)

    def new_album(self) -> None:
        if AlbumDialog(self).exec():
            self.refresh_sidebar()

    def edit_album(self, name: str) -> None:
        def open_dialog(album: dict) -> None:
            if AlbumDialog(self, album).exec():
                self.refresh_sidebar()
                self.refresh()

        run_task(lambda: self.client.query("albums_show", name=name), open_dialog,
                 lambda e: self.statusBar().showMessage(str(e), 8000), owner=self)

    def export_album(self, name: str) -> None:
        dest = QFileDialog.getExistingDirectory(self, self.tr("Copy the photos of {0} into").format(name))
        if dest:
            run_task(lambda: self.client.query("albums_export", name=name, dest=os.path.abspath(dest)),
                     lambda d: self.statusBar().showMessage(
                self.tr("exported {0} photos to {1}, {2} were already there").format(
                    len(d["exported"]), dest, d["unchanged"])
                + (self.tr("; {0} skipped ({1})").format(len(d["skipped"]), d["skipped"][0]["reason"])
                   if d["skipped"] else ""), 15000),
                lambda e: QMessageBox.warning(self, "photoclip", str(e)), owner=self)

    def remove_album(self, name: str) -> None:
        self.command("albums_remove", lambda _r: (self.refresh_sidebar(), self.show_mode(("all", None))), name=name)

    def open_settings(self) -> None:
        dlg = SettingsDialog(self.lib.settings, self, model_in_use=self.lib.model_id)
        if dlg.exec():
            if dlg.read_text_changed():  # a command to the service: off deletes the text read so far
                on = dlg.read_text.isChecked()
                if on or QMessageBox.question(self, "photoclip", self.tr(
                        "Stop reading the text in photos and delete all text read so far?")) == QMessageBox.Yes:
                    self.command("set_read_text", lambda _r: self.refresh(), on=on)
                else:
                    dlg.read_text.setChecked(True)  # not confirmed: nothing changes
            if dlg.find_faces_changed():  # off deletes every face and person, names included
                on = dlg.find_faces.isChecked()
                if on or QMessageBox.question(self, "photoclip", self.tr(
                        "Stop finding faces and delete every face and person, with the names you gave?")) \
                        == QMessageBox.Yes:
                    self.command("set_find_faces", lambda _r: self.people_changed(), on=on)
                else:
                    dlg.find_faces.setChecked(True)
            if dlg.album_sidecars_changed():  # the service writes (or takes back) the sidecars and the setting
                mode, folder = dlg.sidecar_choice()
                if mode == "folder" and not folder:
                    QMessageBox.information(self, "photoclip", self.tr(
                        "Choose the folder for the albums' sidecars; they are not written until you do."))
                    dlg.album_sidecars.setCurrentIndex(dlg.album_sidecars.findData(self.lib.settings.album_sidecars))
                else:
                    before = (self.lib.settings.album_sidecars, self.lib.settings.sidecar_folder)

                    def refused(error, before=before):  # e.g. a folder inside the library: the old choice stands
                        self.lib.settings.album_sidecars, self.lib.settings.sidecar_folder = before
                        self.lib.settings.save(self.lib.paths.settings)
                        self.statusBar().showMessage(str(error), 8000)

                    self.command("set_album_sidecars", None, refused, mode=mode, folder=folder)
            dlg.apply()
            self.lib.settings.save(self.lib.paths.settings)
            wanted = dlg.chosen_model()
            if wanted and wanted != self.lib.model_id:
                self.switch_model(wanted)

    def switch_model(self, model: str) -> None:
        """Re-encode the library with another model, once the user has confirmed it (Settings, the banner)."""
        answer = QMessageBox.question(
            self, "photoclip", self.tr("Re-encode the library with {0}? Photos are re-encoded in the background; "
                                       "the vectors of {1} are kept, so switching back is free.").format(
                model, self.lib.model_id))
        if answer == QMessageBox.Yes:
            self.command("switch_model", self._switch_started, self._switch_failed, model=model)

    def _switch_started(self, d: dict) -> None:
        if d.get("switching_to"):
            self.statusBar().showMessage(self.tr("Re-encoding {0} photos for the new model in the background; "
                                                 "searches use the current model until it is done.").format(d["queued"]),
                                         15000)

    def _switch_failed(self, error: BaseException) -> None:
        """The new model could not load or encode: nothing changed, and the user reads why."""
        QMessageBox.warning(self, "photoclip", self.tr("The library keeps its current model. {0}").format(error))

    # -- drag and drop folders onto the window ------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if any(os.path.isdir(u.toLocalFile()) or is_image_name(u.toLocalFile()) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        """Folders join the library; image files become like: examples in the search box."""
        chips = []
        for u in event.mimeData().urls():
            path = u.toLocalFile()
            if os.path.isdir(path):
                self.add_folder(path)
            elif is_image_name(path) and os.path.isfile(path):
                chips.append(like_chip(path))
        if chips:
            self.search.setText(" ".join([*chips, self.search.text().strip()]).strip())
            self._search_now()
        event.acceptProposedAction()

"""People in the window: the sidebar's People section (a round face per person, with photo counts), a person's
photos as a view, the person's menu (rename, merge, hide), the unsorted faces to name in bulk, and "This is…"
asked the same way everywhere.  Face pictures come from the thumbnail cache (the faces stage saved each face's
small picture there), read on a worker; nothing is decoded on the GUI thread.  Every change is a command to the
library service, like everything else the window changes."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QInputDialog, QLabel, QListView, QListWidget,
                               QListWidgetItem, QPushButton, QTreeWidgetItem, QVBoxLayout)

from ..faces import chip_path
from .tasks import run_task

FACE_ICON = 24  # the sidebar's round faces and every sidebar icon (logical pixels): a face must be recognisable
PAGE_FACE = 112  # the People page's
UNSORTED_ICON = 96


def read_chips(cache, face_ids) -> dict[int, QImage]:
    """On a worker: the small picture of each face (a missing one is left out)."""
    out = {}
    for fid in face_ids:
        if fid is None:
            continue
        image = QImage(str(chip_path(cache, fid)))
        if not image.isNull():
            out[fid] = image
    return out


def round_face(image: QImage, size: int, ratio: float = 1.0) -> QPixmap:
    """A face's picture cut to a circle, as photo apps show people (GUI thread: it makes a QPixmap)."""
    px = round(size * ratio)
    out = QPixmap(px, px)
    out.fill(Qt.transparent)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.Antialiasing)
    path = QPainterPath()
    path.addEllipse(0, 0, px, px)
    painter.setClipPath(path)
    if image.isNull():
        painter.fillPath(path, QBrush(QColor(150, 150, 150)))
    else:
        painter.drawImage(out.rect(), image.scaled(px, px, Qt.KeepAspectRatioByExpanding, Qt.SmoothTransformation))
    painter.end()
    out.setDevicePixelRatio(ratio)
    return out


def ask_name(parent, names: list[str], title: str, current: str = "") -> str | None:
    """"This is…": a name typed, or picked from the people already named."""
    name, ok = QInputDialog.getItem(parent, title, parent.tr("Who is this? Type a name or pick one:"),
                                    [current] + [n for n in names if n != current] if current else names,
                                    0, True)
    name = " ".join((name or "").split())
    return name if ok and name else None


class PeopleMixin:
    """Mixed into MainWindow: `people_rows` (from the last sidebar load) and the People section."""

    def add_people_section(self, people: list[dict], unsorted: int) -> None:
        """The sidebar's People: named people first, each with a round face; "Unsorted faces" below."""
        self.people_rows = people
        if not people and not unsorted:
            return
        section = QTreeWidgetItem([self.tr("People")])
        section.setData(0, Qt.UserRole, ("people", None))  # everyone, as faces
        for p in people:
            it = QTreeWidgetItem([f"{self.person_label(p)} ({p['photos']})"])
            it.setData(0, Qt.UserRole, ("person", self.person_label(p)))
            it.setToolTip(0, self.tr("{0} photos").format(p["photos"]))
            it.setIcon(0, QIcon(round_face(QImage(), FACE_ICON, self.devicePixelRatioF())))
            section.addChild(it)
        if unsorted:
            it = QTreeWidgetItem([self.tr("Unsorted faces ({0})").format(unsorted)])
            it.setData(0, Qt.UserRole, ("unsorted", None))
            section.addChild(it)
        self.sidebar.addTopLevelItem(section)
        items = {section.child(i).data(0, Qt.UserRole)[1]: section.child(i) for i in range(section.childCount())}
        cache, wanted = self.lib.paths.thumbnails_dir, {p["cover"]: self.person_label(p) for p in people}

        def show(chips):
            for fid, image in chips.items():
                it = items.get(wanted.get(fid))
                if it is not None and it.treeWidget() is self.sidebar:
                    it.setIcon(0, QIcon(round_face(image, FACE_ICON, self.devicePixelRatioF())))

        run_task(lambda: read_chips(cache, list(wanted)), show, owner=self)

    # -- the People page: everyone as a large round face, named first -------------------------------
    def make_people_page(self) -> QListWidget:
        page = QListWidget()
        page.setViewMode(QListView.IconMode)
        page.setIconSize(QSize(PAGE_FACE, PAGE_FACE))
        page.setGridSize(QSize(PAGE_FACE + 48, PAGE_FACE + 56))
        page.setResizeMode(QListView.Adjust)
        page.setMovement(QListView.Static)
        page.setWordWrap(True)
        page.setUniformItemSizes(True)
        page.itemActivated.connect(lambda it: self.show_mode(("person", it.data(Qt.UserRole))))
        page.setContextMenuPolicy(Qt.CustomContextMenu)
        page.customContextMenuRequested.connect(self._people_page_menu)
        self.people_page = page
        return page

    def show_people_page(self) -> None:
        """Everyone the library knows, read on a worker with their faces' pictures."""
        self.heading.setText(self.tr("People"))
        self.more_button.hide()  # a search's "Show N less relevant" has no meaning here
        self.stack.setCurrentWidget(self.people_page)
        client, cache = self.client, self.lib.paths.thumbnails_dir

        def load():
            people = client.query("people")["people"]
            return people, read_chips(cache, [p["cover"] for p in people])

        run_task(load, self._fill_people_page, owner=self)

    def _fill_people_page(self, loaded) -> None:
        people, chips = loaded
        self.people_rows = people
        if self.mode[0] != "people":
            return  # the user moved on meanwhile
        page, ratio = self.people_page, self.devicePixelRatioF()
        page.clear()
        photos = self.tr("{0} photos")
        for p in people:
            label = self.person_label(p)
            it = QListWidgetItem(QIcon(round_face(chips.get(p["cover"], QImage()), PAGE_FACE, ratio)),
                                 label + "\n" + photos.format(p["photos"]))
            it.setData(Qt.UserRole, label)
            it.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
            page.addItem(it)
        if self.mode[0] == "people":
            self.view_loaded.emit()

    def _people_page_menu(self, pos) -> None:
        from PySide6.QtWidgets import QMenu

        item = self.people_page.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        self.person_menu(menu, item.data(Qt.UserRole))
        menu.exec(self.people_page.viewport().mapToGlobal(pos))

    def person_label(self, p: dict) -> str:
        return p["name"] or self.tr("Person {0}").format(p["id"])

    def person_ref(self, label: str) -> str:
        """What the service knows a sidebar person by: their name, or their number while unnamed."""
        for p in getattr(self, "people_rows", []):
            if self.person_label(p) == label:
                return p["name"] or str(p["id"])
        return label

    def person_query(self, label: str) -> str:
        ref = self.person_ref(label)
        return f'person:"{ref}"' if not ref.isdigit() else f"person:{ref}"

    def named_people(self) -> list[str]:
        return [p["name"] for p in getattr(self, "people_rows", []) if p["name"]]

    def person_menu(self, menu, label: str) -> None:
        ref = self.person_ref(label)
        menu.addAction(self.tr("Name…") if ref.isdigit() else self.tr("Rename…"),
                       lambda: self.rename_person(ref, "" if ref.isdigit() else ref))
        others = [self.person_label(p) for p in getattr(self, "people_rows", []) if self.person_label(p) != label]
        if others:
            menu.addAction(self.tr("Merge into…"), lambda: self.merge_person(ref, others))
        menu.addAction(self.tr("Hide"), lambda: self.command("people_hide", person=ref, hidden=True,
                                                             on_done=lambda _r: self.people_changed()))

    def rename_person(self, ref: str, current: str) -> None:
        name = ask_name(self, self.named_people(), self.tr("Name this person"), current)
        if name:
            self.command("people_name", person=ref, name=name, on_done=lambda _r: self.people_changed())

    def merge_person(self, ref: str, others: list[str]) -> None:
        target, ok = QInputDialog.getItem(self, self.tr("Merge"), self.tr("These photos show the same person as:"),
                                          others, 0, False)
        if ok and target:
            self.command("people_merge", into=self.person_ref(target), other=ref,
                         on_done=lambda _r: self.people_changed())

    def name_faces(self, faces: list[int], on_done=None) -> None:
        name = ask_name(self, self.named_people(), self.tr("This is…"))
        if name:
            self.command("faces_this_is", faces=faces, name=name,
                         on_done=lambda r: (self.people_changed(), on_done and on_done(r)))

    def people_changed(self) -> None:
        self.refresh_sidebar()
        if self.mode[0] in ("person", "people"):
            self.refresh()

    def open_unsorted(self) -> "UnsortedFaces":
        dialog = UnsortedFaces(self)
        dialog.show()
        return dialog


class UnsortedFaces(QDialog):
    """The faces that belong to no one yet, as pictures: select several, then "This is…" or "Not a face"."""
    loaded = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle(self.tr("Unsorted faces"))
        self.resize(900, 640)
        self.summary = QLabel()
        self.list = QListWidget()
        self.list.setViewMode(QListView.IconMode)
        self.list.setIconSize(QSize(UNSORTED_ICON, UNSORTED_ICON))
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setSpacing(6)
        self.list.setSelectionMode(QListWidget.ExtendedSelection)
        self.name_button = QPushButton(self.tr("This is…"))
        self.not_face_button = QPushButton(self.tr("Not a face"))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(self.name_button, QDialogButtonBox.ActionRole)
        buttons.addButton(self.not_face_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.close)
        self.name_button.clicked.connect(lambda: window.name_faces(self.selected(), lambda _r: self.reload()))
        self.not_face_button.clicked.connect(lambda: window.command(
            "faces_not_a_face", faces=self.selected(), on_done=lambda _r: (self.reload(), window.people_changed())))
        self.list.itemSelectionChanged.connect(self._selection_changed)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.list, 1)
        lay.addWidget(buttons)
        self.reload()

    def selected(self) -> list[int]:
        return [it.data(Qt.UserRole) for it in self.list.selectedItems()]

    def _selection_changed(self) -> None:
        n = len(self.list.selectedItems())
        self.name_button.setEnabled(bool(n))
        self.not_face_button.setEnabled(bool(n))

    def reload(self) -> None:
        client, cache = self.window_.client, self.window_.lib.paths.thumbnails_dir

        def load():
            answer = client.query("faces_unsorted", limit=500)
            return answer, read_chips(cache, [f["id"] for f in answer["faces"]])

        run_task(load, self._fill, owner=self.window_)

    def _fill(self, loaded) -> None:
        answer, chips = loaded
        self.list.clear()
        ratio = self.devicePixelRatioF()
        for face in answer["faces"]:
            image = chips.get(face["id"], QImage())
            pix = QPixmap.fromImage(image.scaled(round(UNSORTED_ICON * ratio), round(UNSORTED_ICON * ratio),
                                                 Qt.KeepAspectRatio, Qt.SmoothTransformation)) \
                if not image.isNull() else round_face(image, UNSORTED_ICON, ratio)
            pix.setDevicePixelRatio(ratio)
            it = QListWidgetItem(QIcon(pix), "")
            it.setData(Qt.UserRole, face["id"])
            it.setToolTip(face["path"])
            self.list.addItem(it)
        self.summary.setText(self.tr("{0} faces belong to no one yet. Select the faces of one person, then say who "
                                     "it is.").format(answer["total"]) if answer["total"] else
                             self.tr("Every face belongs to someone."))
        self._selection_changed()
        self.loaded.emit()

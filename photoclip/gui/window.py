"""The main window: sidebar (library, folders, albums), search box, photo grid, status bar.

It is a client of the library service (client.py), like the CLI: it hosts a LibraryService and talks to it
in process, or, when a `photoclip watch` already holds the library, talks to that process over its socket —
the same reads (`client.query` on worker threads, run_task), the same commands (`client.submit`: folders,
albums, feedback, pause, a model switch) and the same events (`client.events()`, pumped on a thread into the
Bridge, applied on the GUI thread in time-boxed batches).  So a window attached to a watch shows new photos,
progress and album counts as they happen, and searches what the watch indexed.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QMainWindow, QProgressBar, QPushButton,
                               QSplitter, QStackedWidget, QToolBar, QTreeWidget, QVBoxLayout, QWidget)

from .. import models
from ..client import LocalClient, ServiceClient, SocketClient
from ..holder import HolderError
from ..service import LibraryService
from .actions import LibraryActions
from .grid import Item, LiveRows, PhotoGrid, PhotoModel, in_date_order
from .modelstate import ModelState
from .people import FACE_ICON, PeopleMixin
from .places import PlacesMixin
from .sidebar import SidebarMixin
from .tasks import Bridge, TaskPools, run_task, when_done
from .thumbnails import ThumbnailLoader
from .welcome import Welcome

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
RESOURCES = os.path.join(os.path.dirname(__file__), "resources")


def _duration(seconds: float) -> str:
    """"40 s", "12 min", "2 h 5 min": how long, as a person says it."""
    s = int(round(seconds))
    if s < 90:
        return translate("MainWindow", "{0} s").format(s)
    if s < 3600:
        return translate("MainWindow", "{0} min").format(round(s / 60))
    return translate("MainWindow", "{0} h {1} min").format(s // 3600, (s % 3600) // 60)


class MainWindow(LibraryActions, SidebarMixin, PeopleMixin, PlacesMixin, ModelState, QMainWindow):
    view_loaded = Signal()  # the grid shows the current view's photos
    sidebar_loaded = Signal()
    command_done = Signal(str)  # a command to the service finished (its name)
    model_ready = Signal()
    model_failed = Signal(str)

    def __init__(self, library, start_service: bool = True, settle_s: float = 1.0):
        super().__init__()
        self.lib = library
        self.start_service = start_service
        self.settle_s = settle_s
        self.service: LibraryService | None = None
        self.client = None  # set by _start_service: ServiceClient, SocketClient (a watch holds it) or LocalClient
        self.paused = False
        self.ready = False  # searches can be answered: the model loaded here, or the watch holding the library has it
        self.album_names: list[str] = []  # from the last sidebar load: the photo menu's albums, without SQL
        self.people_rows: list[dict] = []  # likewise the people (gui/people.py)
        self._events = None  # the subscription the event pump reads
        self._pump: threading.Thread | None = None
        self.mode: tuple[str, str | None] = ("all", None)
        self.shown_mode: tuple[str, str | None] | None = None  # the view the grid currently shows
        self._request = 0
        self.show_all = False  # the user asked for them too
        self.sort = "relevance"  # or "date": newest first, with a header where each month begins
        self._last_refresh = 0.0
        self.model_error: str | None = None
        self.downloaded_bytes = 0
        self.download = None  # the model's download (download.Download) while the first run fetches it
        self._load_generation = 0  # each model load counts up: the answer of one that was replaced is ignored
        self._next_preset: str | None = None  # a preset picked while the previous one was downloading
        self.closed = False
        self.tasks = TaskPools()  # drained in closeEvent, before anyone closes the library
        self.setWindowTitle("photoclip")
        self.setWindowIcon(QIcon(os.path.join(RESOURCES, "photoclip.svg")))
        self.resize(1200, 780)
        self.setAcceptDrops(True)
        self.bridge = Bridge()
        self.bridge.event.connect(self._on_live_event)
        self._build()
        self._refresh_timer = QTimer(self, singleShot=True, interval=700, timeout=self.refresh)
        self._photo_events = 0  # photo events so far: a view read that started before the last one is stale
        self._sidebar_timer = QTimer(self, singleShot=True, interval=300, timeout=self.refresh_sidebar)
        self._search_timer = QTimer(self, singleShot=True, interval=300, timeout=self._search_now)
        self._download_timer = QTimer(self, interval=500, timeout=self._show_download_progress)
        if library.recovered:
            self.show_error(library.recovered)
        self._start_service()
        self._start_event_pump()
        self.refresh_sidebar()
        self.refresh()
        QTimer.singleShot(0, self._load_model)

    # -- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        bar = QToolBar("main")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Describe a photo, e.g. dog on a beach at sunset   (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.search.setAcceptDrops(False)  # an image dropped on the box becomes a like: example (dropEvent)
        bar.addWidget(self.search)
        for text, slot in ((self.tr("Add folder…"), self.choose_folder), (self.tr("New album…"), self.new_album),
                           (self.tr("Duplicates…"), self.show_duplicates), (self.tr("Settings…"), self.open_settings)):
            act = QAction(text, self)
            act.triggered.connect(slot)
            bar.addAction(act)
        QShortcut(QKeySequence.Find, self, activated=lambda: (self.search.setFocus(), self.search.selectAll()))
        QShortcut(QKeySequence(Qt.Key_Escape), self.search, activated=self.clear_search)

        self.sidebar = QTreeWidget()
        self.sidebar.setHeaderHidden(True)
        self.sidebar.setIconSize(QSize(FACE_ICON, FACE_ICON))  # Qt's 16 shrank people's faces past knowing them
        self.sidebar.setUniformRowHeights(True)  # rows with and without an icon alike
        self.sidebar.itemClicked.connect(self._sidebar_clicked)
        self.sidebar.setContextMenuPolicy(Qt.CustomContextMenu)
        self.sidebar.customContextMenuRequested.connect(self._sidebar_menu)

        self.thumbs = ThumbnailLoader(str(self.lib.paths.thumbnails_dir), scale=self.devicePixelRatioF())
        self.model = PhotoModel(self.thumbs)
        self.grid = PhotoGrid(self.model)
        self.grid.customContextMenuRequested.connect(self._grid_menu)
        self.grid.preview_requested.connect(self.preview)
        self.live_rows = LiveRows(self.grid, self, on_applied=self.view_loaded.emit)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        # Its own text colour too: under a dark system theme the palette's light text on this yellow is unreadable.
        self.banner.setStyleSheet("background:#fff3cd; color:#3d2f00; padding:8px; border:1px solid #e0c36c")
        self.banner_button = QPushButton(self.tr("Use a model folder…"))
        self.banner_button.clicked.connect(self._choose_model_folder)
        # A query in a language the model cannot read: name a multilingual preset and switch with one click.
        better = models.multilingual_preset()
        self.switch_button = QPushButton(self.tr("Switch to {0}").format(translate("models", better.name)))
        self.switch_button.clicked.connect(lambda: self.switch_model(better.model))
        self.switch_button.hide()
        self.resume_button = QPushButton(self.tr("Resume the download"))
        self.resume_button.clicked.connect(self._resume_download)
        self.resume_button.hide()
        banner_box = QWidget()
        bl = QHBoxLayout(banner_box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.banner, 1)
        bl.addWidget(self.banner_button)
        bl.addWidget(self.switch_button)
        bl.addWidget(self.resume_button)
        self.banner_box = banner_box
        banner_box.hide()

        self.welcome = Welcome(self.lib.model_id)
        self.welcome.add_folder.connect(self.add_folder)
        self.welcome.choose_folder.connect(self.choose_folder)
        self.welcome.preset_chosen.connect(self.choose_preset)
        self.welcome.show_model_choice(False)  # until the sidebar's first read says whether anything is encoded
        # The model's first download, above the page: in sight whether the welcome page or photos are shown.
        self.model_progress = QProgressBar()
        self.model_progress.setRange(0, 0)
        self.model_progress.setFormat(self._loading_text())
        self.model_progress.setTextVisible(True)
        self.cancel_load = QPushButton(self.tr("Cancel"))
        self.cancel_load.clicked.connect(self._cancel_model_load)
        download_row = QHBoxLayout()
        download_row.addWidget(self.model_progress, 1)
        download_row.addWidget(self.cancel_load)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.make_people_page())
        center = QWidget()
        cl = QVBoxLayout(center)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(banner_box)
        cl.addLayout(download_row)
        self.heading = QLabel()
        self.more_button = QPushButton()  # "Show 240 less relevant": past the search's relevance cut-off
        self.more_button.setFlat(True)
        self.more_button.hide()
        self.more_button.clicked.connect(self.show_less_relevant)
        self.sort_box = QComboBox()
        self.sort_box.addItem(self.tr("Best match first"), "relevance")
        self.sort_box.addItem(self.tr("Newest first"), "date")
        self.sort_box.currentIndexChanged.connect(self._sort_changed)
        heading_row = QHBoxLayout()
        heading_row.addWidget(self.heading, 1)
        heading_row.addWidget(self.more_button)
        heading_row.addWidget(self.sort_box)
        cl.addLayout(heading_row)
        cl.addWidget(self.stack, 1)
        split = QSplitter()
        split.addWidget(self.sidebar)
        split.addWidget(center)
        split.setSizes([240, 960])
        self.setCentralWidget(split)

        sb = self.statusBar()
        self.progress_label = QLabel("")
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setCheckable(True)
        self.pause_button.setEnabled(False)  # until the service runs: there is nothing to pause before
        self.pause_button.toggled.connect(self._toggle_pause)
        self.model_label = QLabel(self.tr("model: loading…"))
        self.offline_label = QLabel("")  # "Offline: 2 folders" (which, on hover); hidden while all are there
        self.offline_label.hide()
        self.skipped_button = QPushButton("")
        self.skipped_button.setFlat(True)
        self.skipped_button.clicked.connect(self.show_failures)
        sb.addWidget(self.progress_label, 1)
        sb.addPermanentWidget(self.offline_label)
        sb.addPermanentWidget(self.pause_button)
        sb.addPermanentWidget(self.skipped_button)
        sb.addPermanentWidget(self.model_label)

    # -- model and service --------------------------------------------------------------------------
    def _start_service(self) -> None:
        if not self.start_service:
            self.client = LocalClient(lambda: self.lib, self.lib.paths, owns_library=False)
            return
        try:
            self.service = LibraryService(self.lib, kind="app", settle_s=self.settle_s).start()
            self.client = ServiceClient(self.service)
            self.pause_button.setEnabled(True)
        except HolderError as e:  # a `photoclip watch` keeps the library: this window becomes its client
            self.service = None
            self.client = SocketClient(self.lib.paths)
            self.pause_button.setEnabled(True)
            self.statusBar().showMessage(self.tr("{0} This window shows and changes the library through it.")
                                         .format(e), 15000)

    @property
    def attached(self) -> bool:
        """Another process (a `photoclip watch`) hosts the library; this window is its client."""
        return isinstance(self.client, SocketClient)

    def _start_event_pump(self) -> None:
        """Read the service's events on a thread of their own and hand them to the GUI thread (the Bridge)."""
        try:
            self._events = self.client.events()
        except Exception as e:  # no service: nothing happens in the library while this window is open
            log.info("no events: %s", e)
            return
        events = self._events

        def pump():
            try:
                for ev in events:
                    self.bridge.post(ev)
            except Exception:
                log.exception("the event stream failed")

        self._pump = threading.Thread(target=pump, name="photoclip-gui-events", daemon=True)
        self._pump.start()

    def command(self, op: str, on_done=None, on_error=None, **params) -> None:
        """Ask the library service to change something; on_done(result) runs on the GUI thread."""
        def done(result):
            if on_done is not None:
                on_done(result)
            self.command_done.emit(op)

        def failed(error):
            (on_error or (lambda e: self.statusBar().showMessage(str(e), 8000)))(error)
            self.command_done.emit(op)

        when_done(self.client.submit(op, **params), self.bridge, done, failed)

    def _on_live_event(self, ev: dict) -> None:
        """One of the service's events (events.py), on the GUI thread."""
        kind = ev.get("event")
        if kind == "progress":
            eta = self.tr(" · about {0} left").format(_duration(ev["eta"])) if ev.get("eta") else ""
            text = (self.tr("Re-encoding {0} of {1} photos for the new model · {2} a second") if ev.get("reencode")
                    else self.tr("Indexing {0} of {1} photos · {2} a second"))
            self.progress_label.setText(text.format(f"{ev['done']:,}", f"{ev['total']:,}", f"{ev['rate']:.1f}") + eta)
        elif kind == "faces":  # the faces stage looks at photos after indexing
            self.progress_label.setText(self.tr("Finding faces: {0} to go").format(
                f"{ev.get('pending', 0):,}") if ev.get("pending") else self.tr("Library is current"))
        elif kind == "frames":  # the video stage samples videos' scenes after indexing
            self.progress_label.setText(self.tr("Finding the scenes in videos: {0} to go").format(
                f"{ev.get('pending', 0):,}") if ev.get("pending") else self.tr("Library is current"))
        elif kind == "text":  # the text stage reads photos after indexing
            self.progress_label.setText(self.tr("Reading the text in photos: {0} to go").format(
                f"{ev.get('pending', 0):,}") if ev.get("pending") else self.tr("Library is current"))
        elif kind == "notice":
            self.statusBar().showMessage(ev["message"], 8000)
        elif kind == "error":
            self.show_error(ev["message"], model_button=ev.get("fatal", False))
        elif kind == "model":  # the library switched models: load the new one for searches
            self.model_error = None
            self.banner_box.hide()
            self.model_label.setText(self.tr("model: loading…"))
            self._load_model()
        elif kind == "idle":
            # The worker also goes idle while paused: say so rather than claim the library is current.
            self.progress_label.setText(self.tr("Indexing paused") if self.paused else
                                        self.tr("Library is current") if self.ready else
                                        self.tr("Waiting for the model"))
        elif kind in ("paused", "resumed"):  # also when `photoclip pause` asked from a terminal
            self.paused = kind == "paused"
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(self.paused)
            self.pause_button.setText(self.tr("Resume") if self.paused else self.tr("Pause"))
            self.pause_button.blockSignals(False)
            if self.paused:
                self.progress_label.setText(self.tr("Indexing paused"))
        elif kind == "stopped" and self.attached and not self.closed:
            self.pause_button.setEnabled(False)
            self.show_error(self.tr("The photoclip watch that kept this library stopped; open photoclip again to "
                                    "go on."))
        photo = kind in ("indexed", "moved", "removed", "failed")
        if photo:
            self._photo_events += 1
        if photo and self._take_delta(ev):
            pass  # applied as a delta on the grid, with the others of its batch
        elif (kind == "folders" and self.mode[0] in ("all", "folder", "album")
              or kind in ("albums", "indexed", "moved", "removed", "failed") and self.mode[0] == "album"
              or photo and self.mode[0] in ("all", "folder")):  # (a view still loading: read it again)
            if not self._refresh_timer.isActive():  # an album's members or the folder list: read the view again
                self._refresh_timer.start()
        if kind == "people" and self.mode[0] in ("person", "people") and not self._refresh_timer.isActive():
            self._refresh_timer.start()
        if kind in ("albums", "folders", "failed", "people", "places") and not self._sidebar_timer.isActive():
            self._sidebar_timer.start()

    def _take_delta(self, ev: dict) -> bool:
        """A photo event for the library view or a folder view on screen: a row change, applied with the rest of
        its batch.  False when the view is not one that deltas keep current."""
        kind, arg = self.mode
        if kind not in ("all", "folder") or self.shown_mode != self.mode:
            return False
        self.live_rows.take(ev, arg)
        return True

    def _toggle_pause(self, paused: bool) -> None:
        self.command("pause" if paused else "resume")  # the service's event updates the button

    # -- views --------------------------------------------------------------------------------------
    def show_mode(self, mode: tuple[str, str | None]) -> None:
        self.mode = mode
        self.refresh()

    def refresh(self) -> None:
        self._request += 1
        req, mode = self._request, self.mode
        self._last_refresh = time.monotonic()
        self.sort_box.setVisible(mode[0] == "search")  # the library's own views are always in date order
        if mode[0] == "people":
            self.show_people_page()
            return
        if self.stack.currentWidget() is self.people_page:
            self.stack.setCurrentWidget(self.grid)
        names = {"all": self.tr("All photos"), "folder": self.tr("Folder: {0}"), "album": self.tr("Album: {0}"),
                 "search": self.tr("Search: {0}"), "similar": self.tr("Similar to {0}"), "person": "{0}"}
        self.heading.setText(names[mode[0]].format(os.path.basename(mode[1] or "") if mode[0] == "similar"
                                                   else mode[1]))
        if mode[0] in ("search", "similar") and not self.attached and not self.lib.encoder.loaded:
            return  # answered once the model is ready
        show_all, sort, seen = self.show_all, self.sort, self._photo_events
        run_task(lambda: self._load_items(mode, show_all, sort),
                 lambda loaded: self._show_items(req, mode, *loaded, events_before=seen),
                 lambda e: self._view_failed(req, e), owner=self)

    def _load_items(self, mode, show_all: bool, sort: str = "relevance") -> tuple[list[Item], int, bool, bool]:
        """On a worker: the view's photos, how many matches a search's relevance cut-off left out, and
        whether the search used words the model cannot read, and whether anything matched clearly."""
        kind, arg = mode
        hidden, unreadable, clear = 0, False, True
        q = self.client.query
        if kind == "search":  # the same language as `photoclip search`: words, -negatives, like:, filters
            answer = q("search", query=arg, limit=500, all=show_all, sort=sort)
            rows, hidden, unreadable = answer["results"], answer["hidden"], bool(answer.get("warning"))
            clear = answer["clear"]
        elif kind == "similar":
            rows = q("similar", path=arg, limit=300)["results"]
        elif kind == "album":
            rows = q("albums_show", name=arg)["members"]
        elif kind == "person":
            rows = q("people_show", person=self.person_ref(arg))["photos"]
        else:
            rows = q("photos", folder=arg if kind == "folder" else None)["photos"]
        items = [Item(r["id"], r["path"], r.get("score"), r.get("taken"), duration=r.get("duration"), at=r.get("at"),
                      live=bool(r.get("live"))) for r in rows]
        # The library's own views are in date order with month headers, like every photo library; the sort
        # box orders search answers.
        dated = sort == "date" or kind in ("all", "folder", "person")
        return (in_date_order(items) if dated else items), hidden, unreadable, clear

    def _show_items(self, req: int, mode, items: list[Item], hidden: int = 0, unreadable: bool = False,
                    clear: bool = True, events_before: int | None = None) -> None:
        if req != self._request:
            return  # a newer view was asked for: drop stale results
        if events_before is not None and events_before != self._photo_events and mode[0] in ("all", "folder",
                                                                                           "album"):
            self._refresh_timer.start()  # photos changed while this was read: read once more, shortly
        self.show_language_warning(mode[1] if unreadable else None)
        if mode != self.shown_mode:
            self.live_rows.drop()
        if mode == self.shown_mode:
            self.grid.update_keeping_view(items)  # the same view, newer: selection and scroll stay
        else:
            self.model.set_items(items)
        if not clear:  # the closest photos, not matches: say so rather than present noise as an answer
            self.heading.setText(self.tr("No clear matches for “{0}” — showing the {1} closest photos")
                                 .format(mode[1], len(items)))
        self.more_button.setText(self.tr("Show {0} less relevant").format(hidden))
        self.more_button.setVisible(bool(hidden))
        self.shown_mode = mode
        self.view_loaded.emit()

    def _view_failed(self, req: int, error: BaseException) -> None:
        if req == self._request:
            self.statusBar().showMessage(str(error), 8000)
            self.model.set_items([])
            self.view_loaded.emit()

    def _sort_changed(self) -> None:
        self.sort = self.sort_box.currentData()
        self.shown_mode = None  # a different order: a fresh view, not row moves
        self.refresh()

    def show_less_relevant(self) -> None:
        self.show_all = True
        self.refresh()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.show_all = False
        text = self.search.text().strip()
        if text:
            self.show_mode(("search", text))
        elif self.mode[0] == "search":
            self.show_mode(("all", None))

    def clear_search(self) -> None:
        self.search.clear()
        self.show_mode(("all", None))

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every worker this window started, in order, so the library can be closed after it: no new
        views, then the view loads and thumbnails in flight drain (queued ones are cancelled), then the
        service stops its watcher, socket and worker.  Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        self.live_rows.drop()
        for timer in (self._download_timer, self._refresh_timer, self._sidebar_timer, self._search_timer):
            timer.stop()
        if self._events is not None:
            self._events.close()  # the pump's iteration ends
        if self.download is not None:
            self.download.stop()  # a model download ends within a chunk; what arrived stays for the next start
        self.tasks.shutdown(timeout=10)
        self.thumbs.shutdown()
        if self.client is not None:
            self.client.close()
        if self.service is not None:  # bounded: a batch still encoding ends on its own; the library is safe
            self.service.stop(timeout=10)
            self.service = None
        if self._pump is not None:
            self._pump.join(5)

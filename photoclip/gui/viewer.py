"""The viewer: one photo at a time, as large as the window allows, with its facts beside it.

Left and Right (or the buttons) go through the photos of the view it was opened from.  Zoom goes in steps
(+ and -, Ctrl and the mouse wheel, or the buttons: 10% to 400%), 1 shows every pixel (100%), 0 fits the
whole picture again; scroll to look around.  "Find similar" puts the photo into the search box as an
example, as the grid's menu does.  Beside the picture: where it is, its size, when it was taken, the camera's
facts (exposure, aperture, ISO, focal length, lens, flash, GPS position), its albums, and the text read in it
(select and copy it, or "Copy text"); the lines that hold the search's words are outlined on the picture.  The picture is
decoded on a worker at the size it is shown (JPEGs straight at that size), and its facts come through the
window's client: the GUI thread reads no catalog and decodes no full-size image.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QImageReader, QKeySequence, QPainter, QPen, QPixmap, \
    QPolygonF, QShortcut
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QMenu, QPlainTextEdit, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ..textnorm import contains_word, normalize, words
from .places import place_words

from .grid import display_name
from .thumbnails import to_qimage
from .tasks import run_task

FIT = QSize(1600, 1200)  # the largest picture "fit" decodes; the label scales it to the window
ACTUAL_MAX = 12_000  # pixels on the long side that zooming in decodes at most (a bomb stays bounded)
ZOOM_STEPS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
SHOWN_MAX = 24_000  # pixels on the long side a zoomed picture may take on screen


def load_picture(client, path: str, size: QSize | None, at: float | None = None) -> tuple[dict | None, QImage, QSize]:
    """On a worker: the photo's facts (photo_info through the client, with its text), its picture at most
    `size` (None: actual size, up to ACTUAL_MAX), upright (EXIF orientation), and its own full size.  For a
    video: the frame `at` seconds in (a search's match, a scene), else its poster."""
    info = client.query("photo_info", path=path)["photo"]
    if info is not None:
        try:
            info["text"] = client.query("text", path=path)
        except Exception:  # the text is a bonus: the photo shows without it
            info["text"] = None
    if at is not None and info and info.get("duration") is not None:
        from .. import imageio, video

        limit = size or QSize(ACTUAL_MAX, ACTUAL_MAX)
        try:
            f, _st = imageio.open_readonly(path)
            with f:
                image = to_qimage(video.frame_at(f, at, min(limit.width(), limit.height())))
            return info, image, QSize(info["width"] or image.width(), info["height"] or image.height())
        except (imageio.PhotoError, video.VideoError):
            pass  # the poster, as for any video
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    original = QSize(full)
    if reader.transformation() & reader.transformation().TransformationRotate90:  # upright: sideways swaps
        original.transpose()
    limit = size or QSize(ACTUAL_MAX, ACTUAL_MAX)
    if full.isValid() and (full.width() > limit.width() or full.height() > limit.height()):
        full.scale(limit, Qt.KeepAspectRatio)
        reader.setScaledSize(full)
    image = reader.read()
    if image.isNull():  # what Qt cannot read (RAW, HEIC): Pillow and rawpy, through imageio, at the size asked
        from .. import imageio

        try:
            f, _st = imageio.open_readonly(path)
            with f:
                decoded = imageio.decode(f, min(limit.width(), limit.height()))
            pil = decoded.image.convert("RGB")
            if pil.width > limit.width() or pil.height > limit.height():
                pil.thumbnail((limit.width(), limit.height()))
            image = to_qimage(pil)
            original = QSize(decoded.width, decoded.height)
        except imageio.PhotoError:
            pass
    return info, image, original if original.isValid() else image.size()


class _CtrlWheel(QObject):
    """Ctrl and the mouse wheel over the picture zoom, as in every photo viewer."""

    def __init__(self, viewer):
        super().__init__(viewer)
        self.viewer = viewer

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Wheel and event.modifiers() & Qt.ControlModifier:
            self.viewer.zoom_in() if event.angleDelta().y() > 0 else self.viewer.zoom_out()
            return True
        return False


class Viewer(QDialog):
    loaded = Signal()  # the photo on show has its picture and facts

    def __init__(self, window, paths: list[str], index: int, times: dict[str, float] | None = None):
        """`times`: for videos a search matched by a frame, that frame's time (the viewer opens there)."""
        super().__init__(window)
        self.window_ = window
        self.paths = paths
        self.index = index
        self.times = times or {}
        self.zoom: float | None = None  # None: fit the window; else the scale of the photo's own pixels
        self._request = 0
        self.image = QImage()
        self.original = QSize()  # the photo's own size, upright
        self.full = False  # self.image holds every pixel (up to ACTUAL_MAX), not the fitted decode
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignCenter)
        self.scroll = QScrollArea()
        self.scroll.setAlignment(Qt.AlignCenter)
        self.scroll.setWidget(self.picture)
        self.scroll.setWidgetResizable(True)
        self.scroll.viewport().installEventFilter(_CtrlWheel(self))
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.facts = QFormLayout()
        side_layout.addLayout(self.facts)
        self.text_heading = QLabel("<b>" + self.tr("Text in the photo") + "</b>")
        self.text_box = QPlainTextEdit()  # selectable and copyable, never editable
        self.text_box.setReadOnly(True)
        self.copy_text_button = QPushButton(self.tr("Copy text"))
        self.copy_text_button.setFocusPolicy(Qt.NoFocus)
        self.copy_text_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text_box.toPlainText()))
        side_layout.addWidget(self.text_heading)
        side_layout.addWidget(self.text_box, 1)
        side_layout.addWidget(self.copy_text_button, 0, Qt.AlignRight)
        side_layout.addStretch(0)
        side.setMinimumWidth(280)
        self.lines: list[dict] = []  # the text read in the photo on show: {"text", "box", "confidence"}
        self.faces: list[dict] = []  # the faces found in it: {"id", "box", "person", "name", ...}
        self.picture.setContextMenuPolicy(Qt.CustomContextMenu)
        self.picture.customContextMenuRequested.connect(self._picture_menu)
        self.terms = self._search_terms(window)
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.zoom_out_button = QPushButton("−")
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignCenter)
        self.zoom_in_button = QPushButton("+")
        self.fit_button = QPushButton(self.tr("Fit"))
        self.zoom_button = QPushButton(self.tr("Actual size"))
        self.similar_button = QPushButton(self.tr("Find similar"))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.fit_button.clicked.connect(lambda: self.set_zoom(None))
        self.zoom_button.clicked.connect(lambda: self.set_zoom(1.0))
        self.similar_button.clicked.connect(self.find_similar)
        self.prev_button.setToolTip(self.tr("Previous photo (Left)"))
        self.next_button.setToolTip(self.tr("Next photo (Right)"))
        self.zoom_out_button.setToolTip(self.tr("Zoom out (−, or Ctrl and the mouse wheel)"))
        self.zoom_in_button.setToolTip(self.tr("Zoom in (+, or Ctrl and the mouse wheel)"))
        self.fit_button.setToolTip(self.tr("The whole photo in the window (0)"))
        self.zoom_button.setToolTip(self.tr("Every pixel: 100% (1)"))
        buttons = QHBoxLayout()
        for b in (self.prev_button, self.next_button, None, self.zoom_out_button, self.zoom_label,
                  self.zoom_in_button, self.fit_button, self.zoom_button, None, self.similar_button):
            if b is None:
                buttons.addSpacing(16)
                continue
            b.setFocusPolicy(Qt.NoFocus)  # the arrow keys stay the viewer's
            buttons.addWidget(b)
        buttons.addStretch()
        from .player import VideoBar

        self.video_bar = VideoBar(self)  # a video's or a Live Photo's: play, scenes, open in player
        left = QVBoxLayout()
        left.addWidget(self.scroll, 1)
        left.addWidget(self.video_bar)
        left.addLayout(buttons)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 1)
        lay.addWidget(side)
        for key, slot in ((Qt.Key_Left, lambda: self.step(-1)), (Qt.Key_Right, lambda: self.step(1)),
                          (Qt.Key_Plus, self.zoom_in), (Qt.Key_Equal, self.zoom_in), (Qt.Key_Minus, self.zoom_out),
                          (Qt.Key_0, lambda: self.set_zoom(None)), (Qt.Key_1, lambda: self.set_zoom(1.0))):
            QShortcut(QKeySequence(key), self, activated=slot)
        self.resize(window.size() if window is not None else QSize(1100, 760))
        self.show_photo(index)

    @property
    def path(self) -> str:
        return self.paths[self.index]

    def step(self, delta: int) -> None:
        i = self.index + delta
        if 0 <= i < len(self.paths):
            self.show_photo(i)

    @property
    def actual(self) -> bool:
        """Zoomed (not fitted): the picture may be larger than the window."""
        return self.zoom is not None

    def scale(self) -> float:
        """How large the photo is shown, against its own pixels (what the zoom label says)."""
        if self.zoom is not None:
            return self.zoom
        shown = self.picture.pixmap()
        if self.image.isNull() or shown.isNull() or not self.original.isValid() or not self.original.width():
            return 1.0
        return shown.width() / self.original.width()  # what the window shows of it now

    def zoom_in(self) -> None:
        now = self.scale()
        bigger = [z for z in ZOOM_STEPS if z > now * 1.01
                  and max(self.original.width(), self.original.height()) * z <= SHOWN_MAX]
        if bigger:
            self.set_zoom(bigger[0])

    def zoom_out(self) -> None:
        now = self.scale()
        smaller = [z for z in ZOOM_STEPS if z < now * 0.99]
        self.set_zoom(smaller[-1] if smaller else None)

    def set_zoom(self, zoom: float | None) -> None:
        self.zoom = zoom
        if zoom is not None and not self.full and self.original.isValid() \
                and self.image.width() < min(self.original.width(), ACTUAL_MAX) * min(zoom, 1.0):
            self.show_photo(self.index)  # the fitted decode has too few pixels for this: read them all
            return
        self._place()
        self.loaded.emit()

    def find_similar(self) -> None:
        path = self.path
        self.accept()
        self.window_.find_similar(path)

    def show_photo(self, index: int, at: float | None = None) -> None:
        """Show the photo at `index` (a video: at `at` seconds, else where the search matched it)."""
        self.index = index
        self.setWindowTitle(display_name(os.path.basename(self.path)))
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.paths) - 1)
        self._request += 1
        req, path, size = self._request, self.path, None if self.actual else FIT
        at = self.times.get(path) if at is None else at
        if self.video_bar.item != path:
            self.video_bar.stop()
        client = self.window_.client
        run_task(lambda: load_picture(client, path, size, at), lambda r: self._shown(req, path, size is None, at, *r),
                 owner=self)

    def show_frame(self, image: QImage) -> None:
        """A frame of the video playing in the window."""
        self.image = image
        self._place()

    def _shown(self, req: int, path: str, full: bool, at: float | None, info: dict | None, image: QImage,
               original: QSize) -> None:
        if req != self._request:
            return  # the user moved on meanwhile
        self.image, self.full, self.original = image, full, original
        if self.video_bar.item != path:
            self.video_bar.show_for(path, info, at)
        while self.facts.rowCount():
            self.facts.removeRow(0)
        self.facts.addRow(self.tr("Path"), self._label(display_name(path)))
        try:
            self.facts.addRow(self.tr("Size"), self._label(f"{os.path.getsize(path) / 1024:,.0f} KB"))
        except OSError:
            pass
        if info and info.get("pair"):  # a RAW+JPEG pair: the RAW is shown as this photo, its file listed here
            self.facts.addRow(self.tr("Also"), self._label("\n".join(display_name(os.path.basename(p))
                                                                     for p in info["pair"])))
        if info and info.get("duration") is not None:
            from ..video import format_duration

            sampling = info.get("sampling") or {}
            self.facts.addRow(self.tr("Length"), self._label(format_duration(info["duration"])))
            self.facts.addRow(self.tr("Scenes"), self._label(
                sampling["reason"] if sampling.get("reason") else
                str(len(info.get("frames") or [])) + (f" ({sampling['note']})" if sampling.get("note") else "")
                if sampling else self.tr("not sampled yet")))
        if info:
            self.facts.addRow(self.tr("Dimensions"), self._label(f"{info['width']} × {info['height']}"
                                                                 if info["width"] else self.tr("unknown")))
            self.facts.addRow(self.tr("Date taken"), self._label((info["taken"] or "").replace("T", " ")
                                                                 or self.tr("unknown")))
            camera = info.get("exif") or {}
            self.facts.addRow(self.tr("Camera"), self._label(camera.get("camera") or info["camera"]
                                                             or self.tr("unknown")))
            for key, label in (("lens", self.tr("Lens")), ("focal_length", self.tr("Focal length"))):
                if camera.get(key):
                    self.facts.addRow(label, self._label(camera[key]))
            exposure = " · ".join(x for x in (camera.get("exposure"), camera.get("aperture"),
                                              f"ISO {camera['iso']}" if camera.get("iso") else None) if x)
            if exposure:
                self.facts.addRow(self.tr("Exposure"), self._label(exposure))
            if "flash" in camera:
                self.facts.addRow(self.tr("Flash"), self._label(self.tr("fired") if camera["flash"]
                                                                else self.tr("did not fire")))
            if camera.get("gps"):
                where = camera["gps"]
                named = place_words(info.get("place"))
                self.facts.addRow(self.tr("Location"), self._label(
                    (named + "\n" if named else "") +
                    f"{abs(where['lat']):.5f}° {'N' if where['lat'] >= 0 else 'S'}, "
                    f"{abs(where['lon']):.5f}° {'E' if where['lon'] >= 0 else 'W'}"))
            meta = info.get("meta") or {}
            for key, label in (("title", self.tr("Title")), ("caption", self.tr("Caption"))):
                if meta.get(key):
                    self.facts.addRow(label, self._label(meta[key]))
            if meta.get("rating") is not None:
                stars = meta["rating"]
                self.facts.addRow(self.tr("Rating"), self._label(self.tr("rejected") if stars < 0 else
                                                                 "★" * stars + "☆" * (5 - stars)))
            if meta.get("label"):
                self.facts.addRow(self.tr("Label"), self._label(meta["label"]))
            if meta.get("keywords"):
                self.facts.addRow(self.tr("Keywords"), self._label(", ".join(meta["keywords"])))
            self.facts.addRow(self.tr("Albums"), self._label(", ".join(
                f"{a['name']} ({a['score']:.2f})" for a in info["albums"]) or self.tr("none")))
            if info.get("faces"):
                self.facts.addRow(self.tr("People"), self._label(", ".join(
                    self._face_label(f) for f in info["faces"])))
        self.faces = list((info or {}).get("faces") or [])
        self._show_text((info or {}).get("text"))
        self._place()
        self.loaded.emit()

    @staticmethod
    def _search_terms(window) -> list[str]:
        """The words of the search the viewer was opened from, normalised: plain words and text: values."""
        text = window.search.text() if window is not None and hasattr(window, "search") else ""
        from ..query import QueryError, parse

        try:
            q = parse(text)
        except QueryError:
            return []
        return words(q.text) + list(q.texts)

    def _show_text(self, text: dict | None) -> None:
        self.lines = list(text["lines"]) if text and text.get("state") == "read" else []
        has = bool(self.lines)
        self.text_box.setPlainText("\n".join(line["text"] for line in self.lines))
        for w in (self.text_heading, self.text_box, self.copy_text_button):
            w.setVisible(has)

    def matched_lines(self) -> list[dict]:
        """The lines read in the photo that hold a word of the search (outlined on the picture)."""
        return [line for line in self.lines if self.terms and any(
            contains_word(normalize(line["text"]), t) for t in self.terms)]

    def shown_facts(self) -> dict[str, str]:
        """The info panel as the user reads it: {label: text}."""
        role = QFormLayout.ItemRole
        return {self.facts.itemAt(i, role.LabelRole).widget().text(): self.facts.itemAt(i, role.FieldRole).widget()
                .text() for i in range(self.facts.rowCount())}

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        return label

    def _place(self) -> None:
        if self.image.isNull():
            self.picture.setPixmap(QPixmap())
            self.picture.setText(self.tr("cannot show this file"))
            return
        pix = QPixmap.fromImage(self.image)
        if not self.actual:  # fit the room there is, never enlarged
            room = self.scroll.viewport().size()
            if pix.width() > room.width() or pix.height() > room.height():
                pix = pix.scaled(room, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        else:
            want = self.original * self.zoom if self.original.isValid() else pix.size() * self.zoom
            if want != pix.size():  # smooth going down, every pixel a square going up (to check focus)
                pix = pix.scaled(want, Qt.KeepAspectRatio, Qt.SmoothTransformation if self.zoom < 1
                                 else Qt.FastTransformation)
        self.scroll.setWidgetResizable(not self.actual)
        self.picture.setText("")
        self.picture.setPixmap(self._outlined(pix))
        if self.actual:
            self.picture.adjustSize()
        self.zoom_label.setText(f"{self.scale():.0%}")
        self.zoom_out_button.setEnabled(self.actual or self.scale() > ZOOM_STEPS[0] * 1.01)
        self.fit_button.setEnabled(self.actual)

    def _outlined(self, pix: QPixmap) -> QPixmap:
        """The picture with a box around each line of its text that holds the search's words, and each face
        found in it framed, with the person's name."""
        matched = self.matched_lines()
        if not matched and not self.faces:
            return pix
        out = QPixmap(pix)
        painter = QPainter(out)
        width = max(2, round(min(pix.width(), pix.height()) / 250))
        painter.setPen(QPen(QColor(255, 196, 0), width))
        painter.setBrush(QColor(255, 196, 0, 60))
        ratio = pix.devicePixelRatio() or 1.0
        w, h = pix.width() / ratio, pix.height() / ratio
        for line in matched:
            painter.drawPolygon(QPolygonF([QPointF(x * w, y * h) for x, y in line["box"]]))
        painter.setBrush(Qt.NoBrush)
        for face in self.faces:
            x, y, fw, fh = face["box"]
            rect = QRectF(x * w, y * h, fw * w, fh * h)
            painter.setPen(QPen(QColor(255, 255, 255) if face.get("person") else QColor(160, 200, 255), width))
            painter.drawRoundedRect(rect, width * 2, width * 2)
            label = self._face_label(face)
            metrics = painter.fontMetrics()
            box = QRectF(rect.left(), rect.bottom() + width, metrics.horizontalAdvance(label) + 10, metrics.height() + 4)
            painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(box, Qt.AlignCenter, label)
        painter.end()
        return out

    def _face_label(self, face: dict) -> str:
        if face.get("name"):
            return face["name"]
        return self.tr("Person {0}").format(face["person"]) if face.get("person") else self.tr("Who is this?")

    def face_at(self, pos) -> dict | None:
        """The face under a point of the picture label (None: no face there)."""
        pix = self.picture.pixmap()
        if pix is None or pix.isNull():
            return None
        ratio = pix.devicePixelRatio() or 1.0
        pw, ph = pix.width() / ratio, pix.height() / ratio
        left, top = (self.picture.width() - pw) / 2, (self.picture.height() - ph) / 2
        fx, fy = (pos.x() - left) / pw, (pos.y() - top) / ph
        for face in self.faces:
            x, y, w, h = face["box"]
            if x <= fx <= x + w and y <= fy <= y + h:
                return face
        return None

    def _picture_menu(self, pos) -> None:
        face = self.face_at(pos)
        if face is None or self.window_ is None:
            return
        menu = QMenu(self)
        self.face_actions(menu, face)
        menu.exec(self.picture.mapToGlobal(pos))

    def face_actions(self, menu: QMenu, face: dict) -> None:
        """"This is…", "Not this person", "Not a face": commands to the service; the photo shows the result."""
        window, again = self.window_, (lambda _r=None: (self.show_photo(self.index), self.window_.people_changed()))
        menu.addAction(self.tr("This is…"), lambda: window.name_faces([face["id"]], again))
        if face.get("person"):
            menu.addAction(self.tr("Not {0}").format(self._face_label(face)), lambda: window.command(
                "faces_not_this_person", faces=[face["id"]], on_done=again))
        menu.addAction(self.tr("Not a face"), lambda: window.command("faces_not_a_face", faces=[face["id"]],
                                                                     on_done=again))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.actual and not self.image.isNull():
            self._place()

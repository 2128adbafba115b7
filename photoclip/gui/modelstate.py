"""The model as the window sees it: loaded here (the window hosts the library), or kept by the running watch
(the window is its client); the first-run download's progress, cancel and failure; the banner that says what
went wrong and offers the way out."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .. import models
from ..download import Download, Stopped
from ..encoder import ModelLoadError
from .tasks import run_task

translate = QCoreApplication.translate


class ModelState:
    """Mixed into MainWindow."""

    def _load_model(self) -> None:
        if self.attached:  # the watch has the model and answers the searches: say which model it is
            run_task(lambda: self.client.query("status"), self._service_model, owner=self)
            return
        self.model_progress.setRange(0, 0)
        self.model_progress.setFormat(self._loading_text())
        self.model_progress.show()
        self.cancel_load.show()
        self.resume_button.hide()
        self.download = download = Download()
        self._load_generation += 1
        generation = self._load_generation
        self._download_timer.start()
        run_task(lambda: self._fetch_and_load(download),
                 lambda r: self._model_loaded(r) if generation == self._load_generation else None,
                 lambda e: self._model_load_failed(e) if generation == self._load_generation else None,
                 pool_name="model", threads=1, owner=self)

    def choose_preset(self, model: str) -> None:
        """The first run's picker: use this preset instead.  A download under way stops (what it fetched stays
        for later) and the chosen model's download starts."""
        if models.normalize_spec(model) == self.lib.model_id:
            return
        if self.download is not None and self.download.running:
            self._next_preset = model  # _model_load_failed goes on with it once the download has stopped
            self.download.stop()
            return
        self._apply_preset(model)

    def _apply_preset(self, model: str) -> None:
        self._next_preset = None
        self.ready = False
        self.model_error = None
        self.banner_box.hide()

        def chosen(result: dict) -> None:
            self.welcome.select(result["model"])
            self._load_model()

        def refused(error: BaseException) -> None:
            self.welcome.select(self.lib.model_id)
            self.show_error(str(error))

        self.command("choose_model", chosen, refused, model=model)

    def _resume_download(self) -> None:
        self.model_error = None
        self.banner.setToolTip("")
        self.banner_box.hide()
        self._load_model()

    def _fetch_and_load(self, download: Download) -> None:
        """On a worker: download what the model needs (with progress, stoppable, resumable), then load it from
        disk.  Offline, the load says so in one sentence (the banner shows it)."""
        encoder, index = self.lib.encoder, self.lib.index
        download.running = True
        try:
            encoder.fetch(download.on_progress, download.should_stop)
        finally:
            download.running = False
        encoder.load()
        index.ensure_loaded()

    def _show_download_progress(self) -> None:
        """While the weights arrive: how much of how much, and how fast, in the bar itself."""
        p = self.download.progress if self.download is not None else None
        if p is None or not p.total:
            return
        self.downloaded_bytes = p.done
        self.model_progress.setRange(0, 1000)
        self.model_progress.setValue(int(1000 * p.done / p.total))
        self.model_progress.setFormat(self.tr("Downloading the model: {0} of {1} MB · {2} MB/s").format(
            f"{p.done / 1e6:,.0f}", f"{p.total / 1e6:,.0f}", f"{p.speed / 1e6:.1f}"))

    def _loading_text(self) -> str:
        size = models.download_mb(self.lib.model_id)
        if size:
            return self.tr("Loading the model… (the first run downloads it once, about {0} MB)").format(size)
        return self.tr("Loading the model… (the first run downloads it once)")

    def _service_model(self, status: dict) -> None:
        self.model_label.setText(self.tr("model: {0} (in the running photoclip watch)").format(
            translate("models", models.short_name(status["model"]))))
        self.model_label.setToolTip(status["model"])
        self.pause_button.setChecked(status["paused"])
        self.ready = True
        self.model_ready.emit()
        if self.search.text().strip():
            self._search_now()

    def _model_loaded(self, _result) -> None:
        self._download_timer.stop()
        if self.model_error:  # cancelled meanwhile
            return
        self.model_progress.hide()
        self.cancel_load.hide()
        self.model_label.setText(self.tr("model: {0} on {1}").format(translate("models", models.short_name(
            self.lib.model_id)), self.lib.encoder.device))
        self.model_label.setToolTip(self.lib.model_id)  # the whole spec (a folder's path) on hover
        self.ready = True
        if self.progress_label.text() == self.tr("Waiting for the model"):  # the service went idle before
            self.progress_label.setText(self.tr("Library is current"))
        self.model_ready.emit()
        if self.search.text().strip():
            self._search_now()
        else:
            self.refresh()

    def _model_load_failed(self, error: BaseException) -> None:
        self._download_timer.stop()
        self.model_progress.setRange(0, 0)
        if isinstance(error, Stopped) and self._next_preset:  # stopped for another preset: fetch that one
            self._apply_preset(self._next_preset)
            return
        if isinstance(error, Stopped):  # Cancel during the download: it waits, and goes on from where it stopped
            p = self.download.progress
            self.model_progress.hide()
            self.cancel_load.hide()
            self.model_label.setText(self.tr("model: not loaded"))
            self.resume_button.setText(self.tr("Resume the download"))
            self.show_error(self.tr("The download of the model is paused at {0} of {1} MB; it goes on from there "
                                    "when you resume it, also after a restart.").format(
                f"{p.done / 1e6:,.0f}", f"{p.total / 1e6:,.0f}"), model_button=True)
            self.resume_button.show()
            self.model_failed.emit(self.banner.text())
            return
        msg = self._model_problem(error)
        self.model_progress.hide()
        self.cancel_load.hide()
        self.model_label.setText(self.tr("model: not loaded"))
        self.show_error(msg, model_button=True)
        self.banner.setToolTip(str(error))  # the details, in the core's words, for whoever wants them
        if getattr(error, "kind", None) in ("offline", "damaged"):
            self.resume_button.setText(self.tr("Try again"))
            self.resume_button.show()
        self.model_failed.emit(msg)

    def _model_problem(self, error: BaseException) -> str:
        """The model's trouble in one plain sentence in the window's language: no flags, no tracebacks."""
        name = translate("models", models.short_name(self.lib.model_id))
        kind = getattr(error, "kind", "other") if isinstance(error, ModelLoadError) else "other"
        if kind == "offline":
            size = models.download_mb(self.lib.model_id)
            return (self.tr("photoclip needs to download its model ({0}, about {1} MB) once, and cannot reach the "
                            "internet now. Connect and try again, or use a folder that holds the model.")
                    .format(name, size) if size else
                    self.tr("photoclip needs to download its model ({0}) once, and cannot reach the internet now. "
                            "Connect and try again, or use a folder that holds the model.").format(name))
        if kind == "folder":
            return self.tr("The model folder {0} does not exist or holds no model. Choose a folder that holds one.")\
                .format(self.lib.model_id[len("local-dir:"):])
        if kind == "damaged":
            return self.tr("The model's files arrived damaged and were thrown away. Try again to fetch them anew.")
        if kind == "cancelled":
            return str(error)
        if kind == "unknown":
            return self.tr("There is no model called {0}. Choose another one in Settings.").format(name)
        return self.tr("The model {0} could not be loaded. Point at the message for the details, or use a folder "
                       "that holds the model.").format(name)

    def _cancel_model_load(self) -> None:
        if self.download is not None and self.download.running:
            self.download.stop()  # the download ends within a chunk; _model_load_failed says it is paused
            return
        self._model_load_failed(ModelLoadError(self.tr("Loading the model {0} was cancelled.").format(
            translate("models", models.short_name(self.lib.model_id))), "cancelled"))

    def show_error(self, message: str, model_button: bool = False) -> None:
        self.model_error = message
        self.banner.setText(message)
        self.banner_button.setVisible(model_button)
        self.switch_button.hide()
        self.resume_button.hide()
        self.banner_box.show()

    def show_language_warning(self, query: str | None) -> None:
        """The banner for a search in a language the model cannot read (None: take it away)."""
        if self.model_error:
            return  # a model problem is the more important message
        if query is None:
            if not self.switch_button.isHidden():
                self.banner_box.hide()
            return
        self.banner.setText(self.tr("The model in use understands English only, so “{0}” is read as meaningless "
                                    "text and these results may be nonsense. A multilingual model reads it.")
                            .format(query))
        self.banner_button.hide()
        self.resume_button.hide()
        self.switch_button.show()
        self.banner_box.show()

    def _choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder with open_clip_config.json"))
        if folder and not self.attached and self.lib.stored_model is None:  # nothing encoded: use it now
            self.choose_preset(f"local-dir:{folder}")
        elif folder:
            self.lib.settings.model = f"local-dir:{folder}"
            self.lib.settings.save(self.lib.paths.settings)
            QMessageBox.information(self, "photoclip", self.tr("The model folder is saved; restart photoclip to use it."))

"""The model as the window sees it: loaded here (the window hosts the library), or kept by the running watch
(the window is its client); the first-run download's progress, cancel and failure; the banner that says what
went wrong and offers the way out."""
from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMessageBox

from .. import models
from ..encoder import ModelLoadError
from .tasks import run_task


class ModelState:
    """Mixed into MainWindow."""

    def _load_model(self) -> None:
        if self.attached:  # the watch has the model and answers the searches: say which model it is
            run_task(lambda: self.client.query("status"), self._service_model, owner=self)
            return
        self.model_progress.show()
        self.cancel_load.show()
        self._download_timer.start()
        run_task(lambda: self.lib.encoder.load() and self.lib.index.ensure_loaded(), self._model_loaded,
                 self._model_load_failed, pool_name="model", threads=1, owner=self)

    def _show_download_progress(self) -> None:
        """First run: the weights stream into the models folder; show how much has arrived."""
        total = 0
        for folder, _dirs, files in os.walk(self.lib.paths.models_dir):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(folder, f))
                except OSError:
                    pass
        if total:
            self.model_progress.setFormat(self._loading_text() + self.tr(": {0} MB so far").format(f"{total / 1e6:.0f}"))
        self.downloaded_bytes = total

    def _loading_text(self) -> str:
        size = models.download_mb(self.lib.model_id)
        if size:
            return self.tr("Loading the model… (the first run downloads it once, about {0} MB)").format(size)
        return self.tr("Loading the model… (the first run downloads it once)")

    def _service_model(self, status: dict) -> None:
        self.model_label.setText(self.tr("model: {0} (in the running photoclip watch)").format(status["model"]))
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
        self.model_label.setText(self.tr("model: {0} on {1}").format(self.lib.model_id, self.lib.encoder.device))
        self.ready = True
        self.model_ready.emit()
        if self.search.text().strip():
            self._search_now()
        else:
            self.refresh()

    def _model_load_failed(self, error: BaseException) -> None:
        self._download_timer.stop()
        msg = str(error) if isinstance(error, ModelLoadError) else self.tr("The model could not be loaded: {0}").format(error)
        self.model_progress.hide()
        self.cancel_load.hide()
        self.model_label.setText(self.tr("model: not loaded"))
        self.show_error(msg, model_button=True)
        self.model_failed.emit(msg)

    def _cancel_model_load(self) -> None:
        self._model_load_failed(ModelLoadError(self.tr(
            "Loading {0} was cancelled. To work offline, choose a folder that holds "
            "open_clip_config.json and open_clip_model.safetensors.").format(self.lib.model_id)))

    def show_error(self, message: str, model_button: bool = False) -> None:
        self.model_error = message
        self.banner.setText(message)
        self.banner_button.setVisible(model_button)
        self.switch_button.hide()
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
        self.switch_button.show()
        self.banner_box.show()

    def _choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder with open_clip_config.json"))
        if folder:
            self.lib.settings.model = f"local-dir:{folder}"
            self.lib.settings.save(self.lib.paths.settings)
            QMessageBox.information(self, "photoclip", self.tr("The model folder is saved; restart photoclip to use it."))

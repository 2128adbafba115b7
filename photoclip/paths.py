"""Where photoclip keeps its data: platformdirs' per-user folders, or everything under one home folder.

`--home DIR` or the PHOTOCLIP_HOME environment variable moves all state (catalog, index, caches, settings)
under DIR; tests use it to isolate themselves.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "photoclip"
HOME_ENV = "PHOTOCLIP_HOME"


@dataclass(frozen=True)
class AppPaths:
    data: Path  # catalog.sqlite3 and the vector indexes
    cache: Path  # thumbnails, downloaded model weights
    config: Path  # settings.json

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> "AppPaths":
        home = home or os.environ.get(HOME_ENV)
        if home:
            root = Path(home).expanduser().resolve()
            return cls(data=root / "data", cache=root / "cache", config=root / "config")
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        )

    def ensure(self) -> "AppPaths":
        for p in (self.data, self.cache, self.config, self.index_dir, self.models_dir):
            p.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def catalog(self) -> Path:
        return self.data / "catalog.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data / "index"

    @property
    def models_dir(self) -> Path:
        return self.cache / "models"

    @property
    def thumbnails_dir(self) -> Path:
        return self.cache / "thumbnails"

    @property
    def settings(self) -> Path:
        return self.config / "settings.json"

    @property
    def live_state(self) -> Path:
        """Written by a running `watch` or GUI: its pid and whether it is paused."""
        return self.data / "live.json"

    @property
    def live_lock(self) -> Path:
        return self.data / "live.lock"

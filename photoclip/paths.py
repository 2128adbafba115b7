"""Where photoclip keeps its data: platformdirs' per-user folders, or everything under one home folder.

`--home DIR` or the PHOTOCLIP_HOME environment variable moves all state (catalog, index, caches, settings)
under DIR; tests use it to isolate themselves.
"""
from __future__ import annotations

import hashlib
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from .errors import PhotoclipError

APP_NAME = "photoclip"
HOME_ENV = "PHOTOCLIP_HOME"


class NotWritable(PhotoclipError):
    """str(e) is one sentence for the user, naming the folder."""


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
        """Create the folders; photoclip's own (data, cache, config) are private to the user (0700): they name
        every photo, its date and camera, and hold thumbnails of them."""
        for p in (self.data, self.cache, self.config, self.index_dir, self.models_dir):
            try:
                p.mkdir(parents=True, exist_ok=True, mode=0o700)
                if p in (self.data, self.cache, self.config):
                    make_private(p)
                writable = os.access(p, os.W_OK)
            except OSError as e:
                raise NotWritable(f"photoclip cannot create its folder {p} ({e.strerror or e}); point --home or "
                                  f"{HOME_ENV} at a folder you can write to.") from None
            if not writable:
                raise NotWritable(f"photoclip's folder {p} is read-only (or not yours); point --home or {HOME_ENV} "
                                  "at a folder you can write to.")
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
        """Written by the process that holds the library (holder.py): its pid, kind and whether it is paused."""
        return self.data / "live.json"

    @property
    def live_lock(self) -> Path:
        return self.data / "live.lock"

    @property
    def service_address(self) -> tuple[str, str]:
        """(family, address) where a running service answers: a Unix socket in the user's runtime folder
        (named after this library's data folder, so libraries never collide) or a Windows named pipe."""
        key = hashlib.sha1(str(self.data).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        if os.name == "nt":  # pragma: no cover - Windows
            return "AF_PIPE", rf"\\.\pipe\photoclip-{key}"
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; it falls back
            warnings.simplefilter("ignore")
            runtime = Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))
        return "AF_UNIX", str(runtime / f"{key}.sock")


def make_private(path: Path, mode: int = 0o700) -> None:
    """Readable by the user alone (POSIX): a folder 0700, a file 0600.  Left as it is when not ours."""
    if os.name != "posix":
        return
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)
    except OSError:
        pass


def pictures_folder() -> str | None:
    """The system's Pictures folder (XDG's on Linux, ~/Pictures on macOS, the known folder on Windows) when it
    exists: where a first run looks for photos when it is told of no folder."""
    folder = platformdirs.user_pictures_dir()
    return folder if folder and os.path.isdir(folder) else None

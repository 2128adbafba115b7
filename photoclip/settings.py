"""User settings remembered between runs (model, device, CPU threads, excluded folders, language, reading text in
photos, finding faces), as JSON."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .fsutil import atomic_write_bytes

log = logging.getLogger(__name__)


@dataclass
class Settings:
    model: str | None = None  # None: PHOTOCLIP_MODEL or the built-in default
    device: str = "auto"
    threads: int | None = None  # CPU threads for encoding; None: PyTorch's default
    excluded: list[str] = field(default_factory=list)  # folders inside library folders to leave out
    language: str = "system"  # the app's language: "system" (follow the locale), "en" or "zh_CN"
    read_text: bool = True  # read the text in photos (OCR); off deletes what was read
    find_faces: bool = True  # find faces and group them into people; off deletes every face and person
    album_sidecars: str = "off"  # give albums back as sidecar keywords: "off", "beside" the photos, or "folder"
    sidecar_folder: str | None = None  # where "folder" writes them

    @classmethod
    def load(cls, path: Path) -> "Settings":
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable settings file %s: %s", path, e)
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def save(self, path: Path) -> None:
        atomic_write_bytes(path, json.dumps(asdict(self), indent=2).encode())

"""Getting a model's weights onto the machine before it is loaded: with progress (bytes, speed), a stop that
takes effect within one chunk, resume (what arrived stays in a `.part` file, and the next run, after a
restart too, asks only for the rest with a byte-range request), and a check of what arrived against the size
and checksum the hub states.

open_clip would download the same files by itself inside `create_model_and_transforms`, silently and beyond
recall, and the hub client throws a partial file away when a download is interrupted.  photoclip fetches the
files first into the hub's cache layout (blobs named by ETag, a snapshot per commit, refs/main), so the load
that follows finds them on disk and makes no network call.  Which files: for `hf-hub:ORG/REPO`, the repository's
open_clip_config.json and its weights; for `ARCH:TAG`, the weights file open_clip's pretrained table names
(safetensors preferred, as open_clip prefers it).  Tokenizer files that some text towers fetch themselves
(a few MB) are left to open_clip.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.request import Request, urlopen

from filelock import FileLock

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024  # bytes between progress updates (and chances to stop)
TIMEOUT_S = 30  # a connection that sends nothing for this long fails (and resumes next time)
SAFE_FIRST = {"open_clip_pytorch_model.bin": ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")}


class Stopped(Exception):
    """The download was stopped (cancel or pause); what arrived is kept for the next start."""


@dataclass
class DownloadProgress:
    done: int = 0  # bytes on disk for this download, resumed ones included
    total: int = 0  # bytes in all (0 until known)
    file: str = ""
    started: float = field(default_factory=time.monotonic)
    resumed: int = 0  # bytes that were already there when this run began

    @property
    def speed(self) -> float:
        """Bytes per second over this run."""
        elapsed = time.monotonic() - self.started
        return (self.done - self.resumed) / elapsed if elapsed > 0.5 else 0.0


def files_for(spec: str) -> list[tuple[str, tuple[str, ...]]]:
    """(repository, file names in order of preference) that loading `spec` needs from the hub; [] for a model
    folder on disk or a download that is not through the hub."""
    from .models import parse_spec

    if spec.startswith("local-dir:"):
        return []
    if spec.startswith("hf-hub:"):
        repo = spec[len("hf-hub:"):].rstrip("/")
        return [(repo, ("open_clip_config.json",)), (repo, SAFE_FIRST["open_clip_pytorch_model.bin"])]
    name, tag = parse_spec(spec)
    from open_clip.pretrained import get_pretrained_cfg

    hub = (get_pretrained_cfg(name, tag) or {}).get("hf_hub", "") if tag else ""
    if not hub:
        return []
    repo, filename = hub.rpartition("/")[0::2]  # 'org/model/file', or 'org/model/' for the default file
    filename = filename or "open_clip_pytorch_model.bin"
    return [(repo, SAFE_FIRST.get(filename, (filename,)))]


def download(spec: str, cache_dir: str | None, on_progress: Callable[[DownloadProgress], None] = lambda p: None,
             should_stop: Callable[[], bool] = lambda: False) -> DownloadProgress:
    """Fetch what loading `spec` needs into `cache_dir`, in the hub's cache layout (where open_clip and the hub
    client look, so the load that follows is offline).  Raises Stopped when should_stop() turns true (within one
    chunk; what arrived stays for the next run), DamagedDownload, or the network's error."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError

    cache = Path(cache_dir) if cache_dir else Path(_default_cache())
    progress = DownloadProgress()
    chosen = []
    for repo, names in files_for(spec):
        for name in names:
            try:
                meta = get_hf_file_metadata(hf_hub_url(repo, name))
            except EntryNotFoundError:
                continue
            progress.total += meta.size or 0
            chosen.append((repo, name, meta))
            break
        else:
            raise FileNotFoundError(f"{repo} has none of {', '.join(names)}")
    on_progress(progress)
    for repo, name, meta in chosen:
        progress.file = name
        _fetch(repo, name, meta, cache, progress, on_progress, should_stop)
    return progress


class DamagedDownload(Exception):
    """What arrived is not what the hub said it is (size or checksum); it was thrown away."""

    def sentence(self, spec: str) -> str:
        return (f"Could not load the model {spec}: its download arrived damaged ({self}) and was thrown away; "
                "try again to fetch it anew.")


def _default_cache() -> str:
    import huggingface_hub.constants as hub

    return hub.HF_HUB_CACHE


def _fetch(repo: str, name: str, meta, cache: Path, progress: DownloadProgress,
           on_progress: Callable[[DownloadProgress], None], should_stop: Callable[[], bool]) -> None:
    """One file into the cache: resumed from our `.part` file with a byte-range request, checked against the
    size and (for large files, whose ETag is their SHA-256) the checksum the hub gave, then put in place."""
    etag = (meta.etag or "").strip('"').removeprefix("W/").strip('"')
    repo_dir = cache / f"models--{repo.replace('/', '--')}"
    blob = repo_dir / "blobs" / etag
    blob.parent.mkdir(parents=True, exist_ok=True)
    # One writer per file, across threads and processes (the window's download and the service's model load, or
    # two commands): a second one waits, then finds the file in place instead of appending to the same .part.
    with FileLock(str(blob.with_name(etag + ".lock"))):
        _fetch_locked(repo, name, meta, blob, etag, progress, on_progress, should_stop)
    on_progress(progress)
    snapshot = repo_dir / "snapshots" / meta.commit_hash / name
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    if not snapshot.exists():
        try:
            snapshot.symlink_to(os.path.relpath(blob, snapshot.parent))
        except OSError:  # no symlinks here (Windows without the right): a copy, as the hub client does
            shutil.copyfile(blob, snapshot)
    (repo_dir / "refs").mkdir(exist_ok=True)
    (repo_dir / "refs" / "main").write_text(meta.commit_hash)


def _fetch_locked(repo: str, name: str, meta, blob: Path, etag: str, progress: DownloadProgress,
                  on_progress: Callable[[DownloadProgress], None], should_stop: Callable[[], bool]) -> None:
    from huggingface_hub import hf_hub_url

    if not blob.exists():
        part = blob.with_name(etag + ".part")
        have = part.stat().st_size if part.exists() else 0
        if meta.size is not None and have > meta.size:
            part.unlink()
            have = 0
        request = Request(hf_hub_url(repo, name), headers={"User-Agent": "photoclip", "Range": f"bytes={have}-"})
        if meta.size is None or have < meta.size:
            with urlopen(request, timeout=TIMEOUT_S) as response:
                if response.status != 206:  # the server sends it all: start over
                    have = 0
                progress.done += have
                progress.resumed += have
                with open(part, "ab" if have else "wb") as f:
                    while chunk := response.read(CHUNK):
                        f.write(chunk)
                        progress.done += len(chunk)
                        on_progress(progress)
                        if should_stop():
                            raise Stopped("stopped")
        else:
            progress.done += have
            progress.resumed += have
        _check(part, meta.size, etag)
        os.replace(part, blob)
    else:
        progress.done += blob.stat().st_size
        progress.resumed += blob.stat().st_size


def _check(part: Path, size: int | None, etag: str) -> None:
    got = part.stat().st_size
    if size is not None and got != size:
        part.unlink()
        raise DamagedDownload(f"{got} bytes where the hub said {size}")
    if len(etag) == 64 and all(c in "0123456789abcdef" for c in etag):
        digest = hashlib.sha256()
        with open(part, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
        if digest.hexdigest() != etag:
            part.unlink()
            raise DamagedDownload("it does not match the hub's checksum")


def needed(spec: str, cache_dir: str | None) -> bool:
    """Whether loading `spec` would download something (a file it needs is not in the cache yet)."""
    from huggingface_hub import try_to_load_from_cache

    for repo, names in files_for(spec):
        if not any(isinstance(try_to_load_from_cache(repo, n, cache_dir=cache_dir), str) for n in names):
            return True
    return False


class Download:
    """A download as the window follows it: `progress` to show from the GUI thread, `stop()` from any thread
    (cancel or pause: what arrived is kept); Encoder.fetch reports to `on_progress` and asks `should_stop`."""

    def __init__(self):
        self.progress = DownloadProgress()
        self.running = False
        self._stop = threading.Event()

    def on_progress(self, progress: DownloadProgress) -> None:
        self.progress = progress

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()

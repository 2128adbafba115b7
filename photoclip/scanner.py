"""Walking library folders: recursive, hidden entries skipped, symlinked folders followed once (no loops).

Only names with an image extension are reported; an entry that carries one but cannot be a photo (a folder,
a FIFO, a device, a broken link) is reported with the reason, so that the user can see why it was skipped.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterator

from .imageio import check_stat, is_image_name

log = logging.getLogger(__name__)


@dataclass
class Entry:
    path: str
    stat: os.stat_result | None
    reason: str | None  # why it cannot be indexed, or None


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def has_hidden_part(path: str, root: str) -> bool:
    rel = os.path.relpath(path, root)
    return any(is_hidden(part) for part in rel.split(os.sep) if part not in (".", ".."))


def is_within(path: str, folder: str) -> bool:
    """`path` is `folder` itself or lies somewhere beneath it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def is_excluded(path: str, excluded) -> bool:
    return any(is_within(path, e) for e in excluded)


def walk(root: str, excluded=(), sidecars: dict | None = None) -> Iterator[Entry]:
    """Every image-named entry under root, skipping hidden entries and the `excluded` folders.  `sidecars`: a
    dict that collects every `.xmp` file seen on the way (path: mtime_ns), at no extra directory read."""
    excluded = [os.path.abspath(e) for e in excluded]
    try:
        st = os.stat(root)
    except OSError:
        return
    visited = {(st.st_dev, st.st_ino)}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as e:  # listed with the skipped files, so the user sees why its photos are missing
            yield Entry(folder, None, f"folder cannot be read ({e.strerror or e}); its photos are not indexed")
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            if is_hidden(entry.name) or (excluded and is_excluded(entry.path, excluded)):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                try:
                    dst = entry.stat(follow_symlinks=True)
                except OSError:
                    continue
                key = (dst.st_dev, dst.st_ino)
                if key not in visited:  # a symlink back up the tree is walked once, never looped
                    visited.add(key)
                    stack.append(entry.path)
                if is_image_name(entry.name):
                    yield Entry(entry.path, dst, check_stat(dst, entry.name))
                continue
            if not is_image_name(entry.name):
                if sidecars is not None and entry.name.lower().endswith(".xmp"):
                    try:
                        sidecars[entry.path] = entry.stat(follow_symlinks=True).st_mtime_ns
                    except OSError:
                        pass
                continue
            try:
                est = entry.stat(follow_symlinks=True)
            except FileNotFoundError:
                yield Entry(entry.path, None, check_stat(None))
                continue
            except OSError as e:
                yield Entry(entry.path, None, f"cannot be read ({e.strerror or e})")
                continue
            yield Entry(entry.path, est, check_stat(est, entry.name))


def stat_entry(path: str) -> Entry | None:
    """One path as `walk` would report it (None when it is not an image name)."""
    if not is_image_name(os.path.basename(path)):
        return None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Entry(path, None, check_stat(None)) if os.path.islink(path) else None
    except OSError as e:
        return Entry(path, None, f"cannot be read ({e.strerror or e})")
    return Entry(path, st, check_stat(st, path))

"""Shared test helpers: draw toy-world photo folders, run the real CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import toyworld

ROOT = Path(__file__).resolve().parents[1]


def picture_name(i: int, pic: toyworld.ToyPicture, ext: str) -> str:
    objs = "-".join(f"{o.color}{o.shape}" for o in pic.objects) or "none"
    return f"{i:04d}_{pic.scene}_{objs}.{ext}"


def draw_folder(folder: Path, seed: int, count: int, sizes=((160, 120), (120, 150), (100, 100)),
                scenes=None, exts=("jpg", "png")) -> dict[str, toyworld.ToyPicture]:
    """Write `count` toy pictures into `folder`; returns absolute path -> what it shows."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, (img, pic) in enumerate(toyworld.draw_set(seed, count, sizes=sizes, scenes=scenes)):
        ext = exts[i % len(exts)]
        path = folder / picture_name(i, pic, ext)
        img.save(path, quality=92) if ext == "jpg" else img.save(path)
        out[str(path)] = pic
    return out


def run_cli(*args, home=None, check=True, env=None, timeout=300) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    if home is not None:
        e["PHOTOCLIP_HOME"] = str(home)
    e.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "photoclip", *map(str, args)], capture_output=True, text=True,
                          env=e, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"photoclip {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def cli_json(*args, home=None, **kw) -> dict:
    return json.loads(run_cli(*args, "--json", home=home, **kw).stdout)


TIMEOUT = 90  # generous for a slow CI machine; never used as a speed assertion


def wait_for(cond, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")

"""Shared test helpers: draw toy-world photo folders, run the real CLI."""
from __future__ import annotations

import contextlib
import io
import json
import logging
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


# Commands that run until stopped, or build a window of their own, always get a process of their own.
OWN_PROCESS = {"watch", "gui", "--self-test"}


def run_cli(*args, home=None, check=True, env=None, timeout=300, process=False) -> subprocess.CompletedProcess:
    """`photoclip ARGS`: in this process through cli.main(argv) (the same parser, commands, output and exit
    status, without a Python start and a PyTorch import per command), or with process=True as a real
    `python -m photoclip` (what tests of imports, signals and concurrency need).  PHOTOCLIP_TEST_PROCESSES=1
    runs every command in its own process."""
    e = {} if home is None else {"PHOTOCLIP_HOME": str(home)}
    e.update(env or {})
    args = [str(a) for a in args]
    if process or os.environ.get("PHOTOCLIP_TEST_PROCESSES") == "1" or OWN_PROCESS & set(args):
        proc = subprocess.run([sys.executable, "-m", "photoclip", *args], capture_output=True, text=True,
                              env={**os.environ, **e}, timeout=timeout)
    else:
        proc = _in_process(args, e)
    if check and proc.returncode != 0:
        raise AssertionError(f"photoclip {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def _in_process(args: list[str], env: dict) -> subprocess.CompletedProcess:
    from photoclip import cli

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    out, err = io.BytesIO(), io.BytesIO()
    # What a terminal's streams would be: UTF-8 text over bytes (the CLI reconfigures stdout's error handler).
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    # Logging as in a fresh process: main()'s basicConfig sets up the root logger on this stderr, for this call.
    root, ours = logging.getLogger(), logging.getLogger("photoclip")
    saved_logging = root.handlers[:], root.level, ours.level
    root.handlers = []
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = cli.main(args)
            except SystemExit as ex:  # argparse's usage errors, --help and --version
                code = ex.code if isinstance(ex.code, int) else (0 if ex.code is None else 1)
    finally:
        root.handlers, _ = saved_logging[0], [h.close() for h in root.handlers]
        root.setLevel(saved_logging[1])
        ours.setLevel(saved_logging[2])
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        stdout.flush()
        stderr.flush()
    return subprocess.CompletedProcess(["photoclip", *args], code,
                                       out.getvalue().decode("utf-8", "surrogateescape"),
                                       err.getvalue().decode("utf-8", "surrogateescape"))


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


def read_rows(db, sql: str) -> dict:
    """{first column: second} of a query, read from the catalog beside a process that writes it (WAL); {} before
    the catalog or its table exists."""
    import sqlite3

    if not Path(db).exists():
        return {}
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return dict(c.execute(sql).fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        c.close()


def shown_window(library, qtbot, timeout: int = 60_000):
    """The main window over `library`, shown, once its sidebar has been read."""
    from photoclip.gui.window import MainWindow

    w = MainWindow(library, settle_s=0.3)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.sidebar_loaded, timeout=timeout):
        w.show()
    return w


def old_catalog(path, version: int):
    """A connection to a new catalog at `path` built as photoclip wrote it at schema `version` (its migrations
    1 to `version`, in order), for a test of the migrations after it; use it in a `with` to commit."""
    import sqlite3

    from photoclip import catalog as catalog_mod

    c = sqlite3.connect(path)
    for v in range(1, version + 1):
        for stmt in catalog_mod._statements(catalog_mod._MIGRATIONS[v]):
            c.execute(stmt)
    c.execute(f"PRAGMA user_version={version}")
    return c


def kill_midway(folder, env: dict, sql: str, total: int, what: str) -> tuple[dict, dict]:
    """`photoclip index FOLDER` killed with SIGKILL once some but not all of the `total` rows of `sql` (id:
    updated) are committed; the catalog checked intact; then `index` run again to the end.  Returns the rows
    before the second run and after it."""
    import signal
    import sqlite3

    db = Path(env["PHOTOCLIP_HOME"]) / "data" / "catalog.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "photoclip", "index", str(folder)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: 2 <= len(read_rows(db, sql)) < total, timeout=TIMEOUT, what=what)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    first = read_rows(db, sql)
    assert 2 <= len(first) < total
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cli_json("index", home=env["PHOTOCLIP_HOME"], env=env)
    return first, read_rows(db, sql)


def write_video(path, scenes: list, seconds: float = 2.0, fps: int = 10, gop: int = 10,
                codec: str = "h264", tags: dict | None = None) -> str:
    """An H.264 MP4 (or another codec) showing each picture for `seconds`, a key frame every `gop` frames,
    with container tags (creation_time, location, ...) as phones write them."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        for k, v in (tags or {}).items():
            out.metadata[k] = v
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = scenes[0].size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        for picture in scenes:
            arr = np.asarray(picture.convert("RGB"))
            for n in range(int(seconds * fps)):
                moved = np.roll(arr, n, axis=1)  # a little motion, as a real camera has
                for packet in stream.encode(av.VideoFrame.from_ndarray(moved, format="rgb24")):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return str(path)

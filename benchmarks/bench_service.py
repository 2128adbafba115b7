"""The long-running service at real library size: idle CPU, leaks over many bursts, CLI latency, unchanged index.

    python benchmarks/bench_service.py [--photos 100000] [--idle 60] [--bursts 1000] [--quick] [--json]

1. A 100,000-photo library (real files of a few bytes, rows and synthetic vectors written through the real
   catalog API, the toy model for queries) is watched by a real `photoclip watch` process.  Its CPU time is
   sampled over --idle seconds once it is idle.  Baseline in the same run: the previous worker's idle tick
   (count_pending's NOT EXISTS scan every 0.2 s) replayed on the same catalog for the same time.
2. `photoclip search` end to end (a new process each time) while that watch runs, against the cold in-process
   path (the watch stopped: import torch, load the model, open the index) on the same library.
3. --bursts bursts of one new photo each through an in-process LibraryService: open descriptors, threads and
   catalog connections at the start and the end.
4. `photoclip index` on an unchanged 10,000-photo library, against what the old path paid before it found
   nothing to do (importing torch and open_clip and loading the model).
Figures, not assertions: machines here are shared and noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from photoclip.catalog import Catalog  # noqa: E402

MODEL = f"local-dir:{os.path.join(ROOT, 'photoclip', 'data', 'toyclip')}"
DIM = 64  # the toy model's embedding size


def build_library(home: str, folder: str, n: int, seed: int = 0) -> None:
    """n tiny files on disk, each a catalog row marked indexed with a random unit vector."""
    os.makedirs(folder, exist_ok=True)
    sub = None
    for i in range(n):
        if i % 1000 == 0:
            sub = os.path.join(folder, f"d{i // 1000:04d}")
            os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"p{i:06d}.jpg"), "wb") as f:
            f.write(b"x")
    os.environ["PHOTOCLIP_MODEL"] = MODEL
    from photoclip.library import Library

    lib = Library(home=home, model=MODEL, device="cpu")
    cat = lib.catalog
    fid = cat.add_folder(folder)
    from photoclip.scanner import walk

    entries = list(walk(folder))
    rng = np.random.default_rng(seed)
    for start in range(0, len(entries), 5000):
        chunk = entries[start:start + 5000]
        with cat.write():
            for e in chunk:
                cat.upsert_pending(fid, e.path, e.stat.st_size, e.stat.st_mtime_ns)
    known = cat.photos_in_folder(fid)
    for start in range(0, len(entries), 5000):
        chunk = entries[start:start + 5000]
        ids = [known[e.path][0] for e in chunk]
        vecs = rng.standard_normal((len(ids), DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        with cat.write():
            cat.put_vectors(lib.model_id, ids, vecs)
            for pid, e in zip(ids, chunk):
                cat.mark_indexed(pid, e.stat.st_size, e.stat.st_mtime_ns, f"{pid:032x}")
    cat.set_library_model(lib.model_id)
    lib.index.ensure_loaded()
    lib.close()


def cli(home: str, *args, check: bool = True) -> tuple[float, str]:
    env = {**os.environ, "PHOTOCLIP_HOME": home, "PHOTOCLIP_MODEL": MODEL}
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "photoclip", *args], env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(r.stderr)
    return time.perf_counter() - t, r.stdout


def proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def old_idle_tick(catalog_path: str, model: str, seconds: float) -> float:
    """The previous worker at idle: count_pending's scan every 0.2 s.  Returns CPU seconds used."""
    cat = Catalog(catalog_path)
    sql = ("SELECT (SELECT count(*) FROM photos WHERE status='pending' AND offline=0) + "
           "(SELECT count(*) FROM photos p WHERE status='indexed' AND offline=0 AND NOT EXISTS "
           "(SELECT 1 FROM vectors v WHERE v.photo_id=p.id AND v.model=?))")
    cpu0, end = time.thread_time(), time.monotonic() + seconds
    while time.monotonic() < end:
        cat.conn.execute(sql, (model,)).fetchone()
        time.sleep(0.2)
    used = time.thread_time() - cpu0
    cat.close()
    return used


def bench_watch(tmp: str, n: int, idle_s: float, searches: int) -> dict:
    home, folder = os.path.join(tmp, "big"), os.path.join(tmp, "big-photos")
    t = time.perf_counter()
    build_library(home, folder, n)
    print(f"built a {n}-photo library in {time.perf_counter() - t:.0f}s", flush=True)
    env = {**os.environ, "PHOTOCLIP_HOME": home, "PHOTOCLIP_MODEL": MODEL}
    watch = subprocess.Popen([sys.executable, "-m", "photoclip", "watch"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if json.loads(cli(home, "status", "--json")[1])["watching"]:
                    break
            except RuntimeError:
                pass
            time.sleep(0.5)
        cli(home, "search", "warm up", "--json")  # the watch warms its model in the background anyway
        time.sleep(3)
        cpu0 = proc_cpu(watch.pid)
        time.sleep(idle_s)
        idle_cpu = proc_cpu(watch.pid) - cpu0
        warm = [cli(home, "search", "the night sky", "--limit", "20", "--json")[0] for _ in range(searches)]
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.wait(120)
    cold = [cli(home, "search", "the night sky", "--limit", "20", "--json")[0] for _ in range(max(2, searches // 7))]
    from photoclip.models import normalize_spec

    old_cpu = old_idle_tick(os.path.join(home, "data", "catalog.sqlite3"), normalize_spec(MODEL), idle_s)
    return {"photos": n, "idle_seconds": idle_s, "idle_cpu_percent": 100 * idle_cpu / idle_s,
            "old_tick_cpu_percent": 100 * old_cpu / idle_s, "search_warm_p50_s": statistics.median(warm),
            "search_cold_p50_s": statistics.median(cold)}


def bench_bursts(tmp: str, bursts: int) -> dict:
    import toyworld

    from photoclip import ipc
    from photoclip.library import Library
    from photoclip.service import LibraryService

    home, root, staging = (os.path.join(tmp, x) for x in ("bursts", "burst-photos", "burst-staging"))
    os.makedirs(root)
    os.makedirs(staging)
    files = []
    for i, (img, _pic) in enumerate(toyworld.draw_set(7, bursts, sizes=((64, 64),))):
        files.append(os.path.join(staging, f"b{i:05d}.png"))
        img.save(files[-1])
    lib = Library(home=home, model=MODEL, device="cpu")
    lib.add_folders([root])
    svc = LibraryService(lib, settle_s=0.05).start()

    def burst(i: int) -> None:
        shutil.copy(files[i], root)
        deadline = time.monotonic() + 120
        while not (svc.wait_idle(0) and lib.status()["photos"] == i + 1):
            if time.monotonic() > deadline:
                raise TimeoutError(f"burst {i}")
            time.sleep(0.01)
        ipc.call(lib.paths, "status", {})  # a client too, each time

    def counts() -> tuple[int, int, int]:
        return len(os.listdir("/proc/self/fd")), threading.active_count(), lib.catalog.open_connections()

    try:
        svc.wait_idle(120)
        burst(0)
        before, t = counts(), time.perf_counter()
        for i in range(1, bursts):
            burst(i)
        after, seconds = counts(), time.perf_counter() - t
    finally:
        svc.stop()
        lib.close()
    return {"bursts": bursts, "seconds": seconds, "fds": [before[0], after[0]], "threads": [before[1], after[1]],
            "connections": [before[2], after[2]]}


def bench_unchanged_index(tmp: str, n: int, runs: int) -> dict:
    home, folder = os.path.join(tmp, "ten"), os.path.join(tmp, "ten-photos")
    build_library(home, folder, n, seed=1)
    times = [cli(home, "index", "--json")[0] for _ in range(runs)]
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, open_clip\n"
                    f"open_clip.create_model_and_transforms({MODEL!r})"], check=True, capture_output=True)
    old_floor = time.perf_counter() - t
    return {"photos": n, "index_unchanged_p50_s": statistics.median(times), "old_model_load_s": old_floor}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=100_000)
    p.add_argument("--idle", type=float, default=60.0)
    p.add_argument("--bursts", type=int, default=1000)
    p.add_argument("--searches", type=int, default=21)
    p.add_argument("--quick", action="store_true", help="20,000 photos, 20 s idle, 200 bursts")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.photos, args.idle, args.bursts, args.searches = 20_000, 20.0, 200, 11
    tmp = tempfile.mkdtemp(prefix="bench-service-")
    try:
        out = {"watch": bench_watch(tmp, args.photos, args.idle, args.searches)}
        out["bursts"] = bench_bursts(tmp, args.bursts)
        out["index"] = bench_unchanged_index(tmp, 10_000, 5)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    w, b, i = out["watch"], out["bursts"], out["index"]
    print(f"idle watch over {w['idle_seconds']:.0f}s on {w['photos']} photos: {w['idle_cpu_percent']:.2f}% of a core "
          f"(previous idle tick replayed: {w['old_tick_cpu_percent']:.1f}%)")
    print(f"photoclip search while a watch runs: p50 {w['search_warm_p50_s'] * 1000:.0f} ms; cold in-process: "
          f"p50 {w['search_cold_p50_s']:.2f} s ({w['search_cold_p50_s'] / w['search_warm_p50_s']:.0f}x)")
    print(f"{b['bursts']} bursts: descriptors {b['fds'][0]} -> {b['fds'][1]}, threads {b['threads'][0]} -> "
          f"{b['threads'][1]}, catalog connections {b['connections'][0]} -> {b['connections'][1]}")
    print(f"photoclip index on an unchanged {i['photos']}-photo library: p50 {i['index_unchanged_p50_s']:.2f} s "
          f"(the old path loaded the model first: {i['old_model_load_s']:.1f} s)")


if __name__ == "__main__":
    main()

"""Indexing throughput at the machine's limit, against an rclip-style baseline, in one run.

    python benchmarks/bench_index.py [--photos 120] [--quick] [--json] [--model SPEC] [--device auto]

On the same generated 12 MP JPEGs (4000x3000, camera-like noise, about 2 MB each) and the same model:

1. photoclip: `photoclip index` in a fresh process and a fresh library (imports and model loading included),
   with its per-stage busy time (decode summed over its threads, encode, write);
2. baseline, rclip-style, in a fresh process: load the model, then for each batch of 8 photos decode the
   full-size image, run open_clip's own transforms and encode in float32 (rclip's loop);
3. decode-only ceiling: photoclip's decoding (draft-mode reduction, EXIF, the model's PIL transforms) on
   every core, no model;
4. encode-only ceiling: the encoder on ready-made input batches, no decoding;
5. photoclip's pipeline with a zero-cost encoder (a benchmark-only stand-in that returns random vectors), in
   process, model loading excluded: the pipeline's own efficiency against the decode-only ceiling;
6. search latency while a `photoclip watch` indexes, against the same searches once it is idle.

The default model is the image tower of the default preset (ViT-B/32 at 224 px) with random weights, saved
once as a local-dir model (speed does not depend on the weights).  Peak RSS and CPU use come from each
measured process.  Figures, not assertions: machines here are shared and noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
CACHE = os.path.join(tempfile.gettempdir(), "photoclip-bench-index")


# -- inputs -------------------------------------------------------------------------------------------
def random_model(arch: str = "ViT-B-32") -> str:
    """open_clip's `arch` with random weights as a local-dir model (made once, then reused)."""
    folder = os.path.join(CACHE, f"model-{arch}")
    if not os.path.exists(os.path.join(folder, "open_clip_model.safetensors")):
        import open_clip
        import torch
        from safetensors.torch import save_file

        torch.manual_seed(0)
        model = open_clip.create_model(arch)
        os.makedirs(folder, exist_ok=True)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  os.path.join(folder, "open_clip_model.safetensors"))
        cfg = open_clip.get_model_config(arch)
        with open(os.path.join(folder, "open_clip_config.json"), "w") as f:
            json.dump({"model_cfg": cfg, "preprocess_cfg": dict(model.visual.preprocess_cfg)}, f)
    return f"local-dir:{folder}"


def camera_jpegs(n: int) -> str:
    """n 12 MP JPEGs with camera-like texture (made once per n, then reused)."""
    folder = os.path.join(CACHE, f"photos-{n}")
    if len([f for f in os.listdir(folder) if f.endswith(".jpg")] if os.path.isdir(folder) else []) == n:
        return folder
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:3000, 0:4000].astype(np.float32)
    for i in range(n):
        base = np.stack([(np.sin(xx / (200 + 37 * c + 11 * i)) + np.cos(yy / (170 + 23 * c))) * 60 + 128
                         for c in range(3)], axis=2)
        noise = rng.normal(0, 9, (3000, 4000, 3)).astype(np.float32)
        Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).save(
            os.path.join(folder, f"IMG_{i:05d}.jpg"), quality=88)
    os.sync()  # no write-back of fresh files while the runs are timed
    return folder


def photos_in(folder: str) -> list[str]:
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))


# -- measured processes ------------------------------------------------------------------------------
RUSAGE_WRAPPER = """
import json, resource, runpy, sys, time
t0 = time.perf_counter()
sys.argv = {argv!r}
code = 0
try:
    runpy.run_module({module!r}, run_name="__main__")
except SystemExit as e:
    code = e.code or 0
r = resource.getrusage(resource.RUSAGE_SELF)
print("RUSAGE " + json.dumps({{"wall": time.perf_counter() - t0, "cpu": r.ru_utime + r.ru_stime,
                               "rss_mb": r.ru_maxrss / 1024, "code": code}}), file=sys.stderr)
"""


def measured(module: str, argv: list[str], env: dict | None = None) -> tuple[dict, str]:
    """Run `python -m module argv` in a fresh process; its wall time, CPU seconds, peak RSS and stdout."""
    code = RUSAGE_WRAPPER.format(argv=[module, *argv], module=module)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          cwd=ROOT)
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("RUSAGE ")), None)
    if line is None or proc.returncode:
        raise RuntimeError(f"{module} {argv} failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[len("RUSAGE "):]), proc.stdout


def run_photoclip(folder: str, model: str, device: str) -> dict:
    """`photoclip index` in a fresh process and a fresh library."""
    home = tempfile.mkdtemp(prefix="bench-home-")
    usage, out = measured("photoclip", ["index", folder, "--json", "--device", device],
                          {"PHOTOCLIP_HOME": home, "PHOTOCLIP_MODEL": model})
    result = json.loads(out)
    return {**usage, "photos": result["indexed"], "stages": result.get("stages", {})}


def rclip_style(folder: str, model: str, device: str) -> None:
    """The baseline's body (run in its own process by run_baseline): rclip's indexing loop."""
    import open_clip
    import torch
    from PIL import Image

    dev = "cuda" if device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
    m, _, preprocess = open_clip.create_model_and_transforms(model, device=dev)
    m.eval()
    paths = photos_in(folder)
    vectors = []
    for i in range(0, len(paths), 8):
        images = [preprocess(Image.open(p).convert("RGB")) for p in paths[i:i + 8]]  # full-size decode
        with torch.no_grad():
            feats = m.encode_image(torch.stack(images).to(dev))
        vectors.append(torch.nn.functional.normalize(feats, dim=-1).cpu().numpy())
    print(json.dumps({"photos": sum(len(v) for v in vectors)}))


def run_baseline(folder: str, model: str, device: str) -> dict:
    usage, out = measured("bench_index", ["--rclip-worker", folder, "--model", model, "--device", device],
                          {"PYTHONPATH": os.path.dirname(os.path.abspath(__file__))})
    return {**usage, "photos": json.loads(out)["photos"]}


# -- in-process ceilings -------------------------------------------------------------------------------
def decode_ceiling(paths: list[str], encoder, workers: int) -> dict:
    from photoclip import imageio

    size = max(encoder.input_size, 64)

    def one(path):
        decoded, _digest, _st = imageio.load(path, size)
        return encoder.preprocess(decoded.image)

    t = time.perf_counter()
    c0 = time.process_time()
    with ThreadPoolExecutor(workers) as pool:
        items = list(pool.map(one, paths))
    wall = time.perf_counter() - t
    return {"photos_per_s": len(paths) / wall, "cpu": time.process_time() - c0, "wall": wall, "items": items}


_worker_encoder = None


def _process_init(model: str) -> None:
    global _worker_encoder
    from photoclip.encoder import Encoder

    _worker_encoder = Encoder(model, device="cpu").load()


def _process_decode(path: str):
    from photoclip import imageio

    decoded, _digest, _st = imageio.load(path, max(_worker_encoder.input_size, 64))
    return _worker_encoder.preprocess(decoded.image)


def decode_ceiling_processes(paths: list[str], model: str, workers: int) -> dict:
    """The same decoding in worker processes (the alternative to threads; arrays come back pickled)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_process_init, initargs=(model,)) as pool:
        list(pool.map(_process_decode, paths[:workers]))  # start-up (imports, model) not counted
        t = time.perf_counter()
        list(pool.map(_process_decode, paths, chunksize=4))
        wall = time.perf_counter() - t
    return {"photos_per_s": len(paths) / wall}


def encode_ceiling(items: list, encoder, batch: int = 32, rounds: int = 2) -> dict:
    encoder.encode_images(items[:batch])  # warm-up
    t = time.perf_counter()
    n, vecs = 0, []
    for _ in range(rounds):
        for i in range(0, len(items), batch):
            out = encoder.encode_images(items[i:i + batch])
            vecs.append(out)
            n += len(out)
    wall = time.perf_counter() - t
    return {"photos_per_s": n / wall, "wall": wall, "vectors": np.concatenate(vecs[:max(1, len(vecs) // rounds)])}


def zero_cost_pipeline(folder: str, model: str, device: str) -> dict:
    """photoclip's pipeline in process with an encoder that costs nothing (benchmark only)."""
    from photoclip.library import Library

    lib = Library(home=tempfile.mkdtemp(prefix="bench-zero-"), model=model, device=device)
    enc = lib.encoder
    enc.load()
    enc._onnx = False  # nothing to build for an encoder that costs nothing
    dim = enc.dim
    rng = np.random.default_rng(0)

    def free_encode(items):
        v = rng.standard_normal((len(items), dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    enc.encode_images = free_encode
    lib.add_folders([folder])
    t = time.perf_counter()
    out = lib.index_now()
    wall = time.perf_counter() - t
    lib.close()
    return {"photos_per_s": out["indexed"] / wall, "wall": wall, "stages": out.get("stages", {})}


def search_while_indexing(folder: str, model: str, searches: int = 8) -> dict:
    """`photoclip search` latency (a fresh CLI process each time, answered by the watch) while a watch
    indexes the folder, then once it is idle."""
    home = tempfile.mkdtemp(prefix="bench-watch-")
    env = {**os.environ, "PHOTOCLIP_HOME": home, "PHOTOCLIP_MODEL": model}
    subprocess.run([sys.executable, "-m", "photoclip", "folders", "add", folder], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    watch = subprocess.Popen([sys.executable, "-m", "photoclip", "watch"], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def search() -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "photoclip", "search", "a red square", "--json"], env=env,
                       check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - t

    def pending() -> int:
        out = subprocess.run([sys.executable, "-m", "photoclip", "status", "--json"], env=env, capture_output=True,
                             text=True, cwd=ROOT)
        return json.loads(out.stdout)["pending"] if out.returncode == 0 else 1

    try:
        while pending() == 0:  # wait for the watch to queue the folder
            time.sleep(0.5)
        busy = [search() for _ in range(searches)]
        still_busy = pending() > 0
        while pending() > 0:
            time.sleep(1)
        idle = [search() for _ in range(searches)]
    finally:
        watch.terminate()
        watch.wait(30)
    return {"while_indexing_p50_ms": statistics.median(busy) * 1000, "idle_p50_ms": statistics.median(idle) * 1000,
            "indexing_still_running_after_searches": still_busy}


# -- report -----------------------------------------------------------------------------------------------
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=120)
    p.add_argument("--quick", action="store_true", help="40 photos, no search-during-indexing run (under 5 minutes)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--model", default=None, help="default: ViT-B-32 with random weights")
    p.add_argument("--device", default="auto")
    p.add_argument("--rclip-worker", metavar="FOLDER", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.rclip_worker:
        rclip_style(args.rclip_worker, args.model, args.device)
        return
    n = 40 if args.quick else args.photos
    model = args.model or random_model()
    folder = camera_jpegs(n)
    paths = photos_in(folder)
    cores = os.cpu_count() or 1

    from photoclip.encoder import Encoder
    from photoclip.indexer import decode_workers

    models_cache = os.path.join(CACHE, "models")
    os.environ["PHOTOCLIP_ONNX"] = "1"  # measure the opt-in engine too (photoclip's own run uses the default)
    enc = Encoder(model, device=args.device, cache_dir=models_cache).load()
    t = time.perf_counter()
    enc.prepare_for_many_images()  # exports the ONNX graph once (a first run on a machine pays this)
    export_s = time.perf_counter() - t if enc._onnx else 0.0
    enc._onnx = None  # measured below, after PyTorch
    os.environ.pop("PHOTOCLIP_ONNX")

    # Paired and repeated (photoclip, baseline, photoclip, baseline): the better of each, as the machine allows.
    runs = [(run_photoclip(folder, model, args.device), run_baseline(folder, model, args.device))
            for _ in range(1 if args.quick else 2)]
    ours = max((r[0] for r in runs), key=lambda x: x["photos"] / x["wall"])
    base = max((r[1] for r in runs), key=lambda x: x["photos"] / x["wall"])
    all_runs = [[round(a["photos"] / a["wall"], 2), round(b["photos"] / b["wall"], 2)] for a, b in runs]
    dec = decode_ceiling(paths, enc, decode_workers())
    dec_proc = decode_ceiling_processes(paths, model, decode_workers())
    items = dec.pop("items")
    torch_enc = encode_ceiling(items, enc)  # PyTorch fp32 (fp16 on a GPU)
    os.environ["PHOTOCLIP_ONNX"] = "1"
    enc.prepare_for_many_images()  # on the CPU: the ONNX Runtime image tower, if it agrees
    os.environ.pop("PHOTOCLIP_ONNX")
    onnx_enc = encode_ceiling(items, enc) if enc._onnx else torch_enc
    enc._onnx = False
    encd = torch_enc  # what photoclip uses by default
    agreement = float((torch_enc["vectors"] * onnx_enc["vectors"]).sum(1).min())
    zero = zero_cost_pipeline(folder, model, args.device)
    live = None if args.quick else search_while_indexing(folder, model)

    r = {
        "date": time.strftime("%Y-%m-%d"), "cpus": cores, "device": enc.device, "model": model, "photos": n,
        "photoclip": {"photos_per_s": ours["photos"] / ours["wall"], "wall_s": ours["wall"],
                      "cpu_util": ours["cpu"] / ours["wall"] / cores, "peak_rss_mb": ours["rss_mb"],
                      "stages_s": ours["stages"]},
        "rclip_style": {"photos_per_s": base["photos"] / base["wall"], "wall_s": base["wall"],
                        "cpu_util": base["cpu"] / base["wall"] / cores, "peak_rss_mb": base["rss_mb"]},
        "decode_ceiling": {"photos_per_s": dec["photos_per_s"], "cpu_util": dec["cpu"] / dec["wall"] / cores,
                           "threads": decode_workers(), "processes_photos_per_s": dec_proc["photos_per_s"]},
        "encode_ceiling": {"photos_per_s": encd["photos_per_s"], "backend": "torch",
                           "onnxruntime_photos_per_s": onnx_enc["photos_per_s"],
                           "onnxruntime_speedup": onnx_enc["photos_per_s"] / torch_enc["photos_per_s"],
                           "onnxruntime_min_cosine": agreement},
        "zero_cost_encoder": {"photos_per_s": zero["photos_per_s"], "stages_s": zero["stages"]},
        "gpu_util": "not measured" if enc.device != "cuda" else "see nvidia-smi",
        "onnx_export_once_s": export_s,
    }
    r["speedup_vs_rclip"] = r["photoclip"]["photos_per_s"] / r["rclip_style"]["photos_per_s"]
    r["paired_runs_photos_per_s"] = all_runs
    r["pipeline_efficiency"] = r["zero_cost_encoder"]["photos_per_s"] / r["decode_ceiling"]["photos_per_s"]
    if live:
        r["search"] = live
    if args.json:
        print(json.dumps(r))
        return
    print(f"{r['date']}, {cores} CPUs, device {enc.device}, {n} photos of 12 MP, model {model}")
    for name in ("photoclip", "rclip_style"):
        x = r[name]
        print(f"  {name:22s} {x['photos_per_s']:6.2f} photos/s  ({x['wall_s']:.1f} s with imports and model load; "
              f"CPU {100 * x['cpu_util']:.0f}%, peak RSS {x['peak_rss_mb']:.0f} MB)")
    print(f"  photoclip stages busy (s): {ours['stages']}; exporting the opt-in ONNX graph: {export_s:.1f} s")
    print(f"  decode-only ceiling    {dec['photos_per_s']:6.2f} photos/s  ({decode_workers()} threads; the same in "
          f"{decode_workers()} processes: {dec_proc['photos_per_s']:.2f})")
    e = r["encode_ceiling"]
    print(f"  encode-only ceiling    {encd['photos_per_s']:6.2f} photos/s (PyTorch; ONNX Runtime, opt-in: "
          f"{e['onnxruntime_photos_per_s']:.2f}, {e['onnxruntime_speedup']:.2f}x, min cosine "
          f"{e['onnxruntime_min_cosine']:.6f})")
    print(f"  zero-cost encoder      {zero['photos_per_s']:6.2f} photos/s  (pipeline efficiency "
          f"{r['pipeline_efficiency']:.2f} of the decode ceiling)")
    print(f"  photoclip vs rclip-style: {r['speedup_vs_rclip']:.2f}x (paired runs, photos/s: {all_runs})")
    if live:
        print(f"  search during indexing p50 {live['while_indexing_p50_ms']:.0f} ms, idle {live['idle_p50_ms']:.0f} ms")


if __name__ == "__main__":
    main()

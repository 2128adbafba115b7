"""Every kind of photo: how fast RAW photos decode for indexing, how fast videos are sampled and encoded, and
what reading positions, place names and other apps' metadata costs against indexing by meaning, in one run.

    python benchmarks/bench_formats.py [--raws 6] [--raw-size 6000x4000] [--photos 60] [--videos 3]
                                       [--video-seconds 60] [--model SPEC]

1. RAW: --raws DNGs of a 24 MP Bayer mosaic (12-bit, uncompressed, as pidng writes them; a camera scene's
   gradients and noise), decoded as the indexer asks (imageio.decode at 256 px: rawpy's half-size demosaic,
   since these DNGs carry no preview).  Baseline in the same run: LibRaw's full demosaic (what a tool that
   hands rawpy.postprocess's defaults the file gets).  The preview path: a camera's 1620x1080 JPEG preview
   decoded in draft mode and turned upright (rawimage._preview), LibRaw's extraction of it not included: no
   camera's RAW ships here.
2. Places and metadata: --photos 12 MP JPEGs with GPS EXIF, half of them with a digiKam sidecar; `photoclip
   index` of them (faces and text off) with the default preset's image tower (ViT-B/32, random weights), and
   the places stage's own work on every photo (EXIF position, gazetteer, XMP and sidecar) timed alone.
3. Video: --videos phone-like videos (1920x1080 H.264, 30 frames/s, a key frame every second as phones write
   them, a new scene every 8 seconds, moving detail so the encoder works as on real footage) of
   --video-seconds each, encoded here by PyAV.  Timed: the poster (what indexing decodes), the video stage's
   scene sampling (key frames only), and encoding the sampled frames with the default preset's image tower
   (ViT-B/32, random weights).  Baseline in the same run: decoding every frame (what sampling by decoding the
   whole video would cost).  Then a search's exact pass over 50,000 frames' vectors (videoframes.best).
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks"), os.path.join(ROOT, "tests"), os.path.join(ROOT, "tools")]

from photoclip import exif, imageio, rawimage, xmpmeta  # noqa: E402
from photoclip.places import Gazetteer  # noqa: E402


def write_raws(folder: str, n: int, size: tuple[int, int]) -> list[str]:
    from test_raw import write_dng

    rng = np.random.default_rng(4)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for i in range(n):
        base = (xx / w * 2500 + yy / h * 1200 + 200).astype(np.int32)
        mosaic = np.clip(base + rng.normal(0, 40, (h, w)), 0, 4095).astype(np.uint16)
        path = os.path.join(folder, f"IMG_{i:04d}.dng")
        write_dng(path, size=(h, w), mosaic=mosaic)
        out.append(path)
    return out


def bench_raw(n: int, size: tuple[int, int]) -> None:
    import rawpy

    work = tempfile.mkdtemp(prefix="bench-raw-")
    try:
        paths = write_raws(work, n, size)
        times = []
        for p in paths:
            t0 = time.perf_counter()
            f, _st = imageio.open_readonly(p)
            with f:
                imageio.decode(f, 256)
            times.append(time.perf_counter() - t0)
        full = []
        for p in paths:
            t0 = time.perf_counter()
            with rawpy.imread(p) as raw:
                raw.postprocess()
            full.append(time.perf_counter() - t0)
        ours, base = statistics.median(times), statistics.median(full)
        print(f"RAW, {n} DNGs of {size[0]}x{size[1]} ({os.path.getsize(paths[0]) / 1e6:.0f} MB each), no preview:")
        print(f"  photoclip (half-size demosaic, reduced to 256 px): {ours * 1000:.0f} ms a photo, "
              f"{1 / ours:.2f} photos/s")
        print(f"  baseline (LibRaw's full demosaic): {base * 1000:.0f} ms a photo; photoclip {base / ours:.1f}x faster")

        class Thumb:
            format = rawpy.ThumbFormat.JPEG

            def __init__(self, data):
                self.data = data

        class Raw:
            def __init__(self, data):
                self.thumb = Thumb(data)

            def extract_thumb(self):
                return self.thumb

        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(1).integers(0, 255, (1080, 1620, 3), dtype=np.uint8)).save(
            buf, "JPEG", quality=92)
        jpeg = rawimage._jpeg_preview(Raw(buf.getvalue()))
        t0 = time.perf_counter()
        for _ in range(20):
            rawimage._preview(jpeg, 256, 6)
        per = (time.perf_counter() - t0) / 20
        print(f"  preview path (a camera's 1620x1080 JPEG preview, draft decode and turn; extraction not "
              f"included): {per * 1000:.1f} ms a photo, {1 / per:.0f} photos/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_places(n: int, model: str | None) -> None:
    from bench_index import random_model
    from test_metadata import DIGIKAM
    from test_places import with_gps

    from photoclip.library import Library
    from PIL import Image

    work = tempfile.mkdtemp(prefix="bench-places-")
    try:
        rng = np.random.default_rng(2)
        folder = os.path.join(work, "pics")
        os.makedirs(folder)
        paths = []
        for i in range(n):
            small = rng.integers(60, 200, (375, 500, 3), dtype=np.uint8)
            img = Image.fromarray(small).resize((4000, 3000), Image.BILINEAR)
            path = os.path.join(folder, f"{i:04d}.jpg")
            img.save(path, quality=90, exif=with_gps(38.7 + rng.random() * 3, -9.3 + rng.random() * 2))
            if i % 2:
                with open(os.path.join(folder, f"{i:04d}.xmp"), "w") as f:
                    f.write(DIGIKAM)
            paths.append(path)
        os.environ["PHOTOCLIP_READ_TEXT"] = "0"
        os.environ["PHOTOCLIP_FIND_FACES"] = "0"
        lib = Library(home=os.path.join(work, "home"), model=model or random_model("ViT-B-32"), device="cpu")
        lib.encoder.load()
        lib.add_folders([folder])
        t0 = time.perf_counter()
        lib.index_now()
        indexing = time.perf_counter() - t0
        lib.close()
        g = Gazetteer()
        t0 = time.perf_counter()
        g.place(38.7, -9.1)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        for p in paths:
            where = exif.position(p)
            g.place(*where)
            xmpmeta.read(p)
        stage = time.perf_counter() - t0
        print(f"places and metadata, {n} photos of 4000x3000 with GPS, half with a sidecar:")
        print(f"  the places stage's work: {stage / n * 1000:.1f} ms a photo (position, place, XMP and sidecar); "
              f"the gazetteer loads once in {load:.2f} s")
        print(f"  indexing the same photos (ViT-B/32, places included): {indexing:.1f} s, {indexing / n * 1000:.0f} ms "
              f"a photo; places and metadata cost {stage / (indexing - stage):.3f}x the rest of indexing")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_phone_video(path: str, seconds: int, rng) -> None:
    import av

    from PIL import Image

    with av.open(path, "w") as out:
        out.metadata["location"] = "+38.7223-009.1393/"
        stream = out.add_stream("h264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.codec_context.gop_size = 30
        stream.options = {"preset": "veryfast"}  # CABAC and B-frames, as phones' encoders use
        for scene in range(0, seconds, 8):
            # A scene: its own light and colours (a sky over ground, as shot), with detail that moves.
            top, bottom = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
            ramp = np.linspace(0, 1, 1080)[:, None, None]
            light = (top * (1 - ramp) + bottom * ramp)[:, :, :].repeat(1920 + 480, axis=1)
            detail = np.asarray(Image.fromarray(rng.integers(0, 255, (270, 600, 3), dtype=np.uint8))
                                .resize((1920 + 480, 1080), Image.BILINEAR), dtype=np.float32)
            base = np.clip(light * 0.75 + detail * 0.25, 0, 255).astype(np.uint8)
            for n in range(30 * min(8, seconds - scene)):
                frame = np.ascontiguousarray(base[:, 2 * n:2 * n + 1920])  # a pan across the scene
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def bench_video(n: int, seconds: int, model: str | None) -> None:
    import av

    from bench_index import random_model

    from photoclip import video, videoframes
    from photoclip.encoder import Encoder

    work = tempfile.mkdtemp(prefix="bench-video-")
    try:
        rng = np.random.default_rng(5)
        paths = [os.path.join(work, f"VID_{i:04d}.mp4") for i in range(n)]
        t0 = time.perf_counter()
        for p in paths:
            write_phone_video(p, seconds, rng)
        made = time.perf_counter() - t0
        encoder = Encoder(model or random_model("ViT-B-32"), device="cpu").load()
        size = max(encoder.input_size, 64)
        poster, sample, encode, full, kept, decoded = [], [], [], [], 0, 0
        for p in paths:
            t0 = time.perf_counter()
            f, _st = imageio.open_readonly(p)
            with f:
                imageio.decode(f, size)
            poster.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            got = video.sample(p, size)
            sample.append(time.perf_counter() - t0)
            kept += len(got.frames)
            t0 = time.perf_counter()
            encoder.encode_images([encoder.preprocess(img) for _t, img in got.frames])
            encode.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with av.open(p) as c:
                s = c.streams.video[0]
                s.thread_type = "AUTO"
                decoded += sum(1 for _ in c.decode(s))
            full.append(time.perf_counter() - t0)
        total_s, minutes = n * seconds, n * seconds / 60
        print(f"video, {n} videos of {seconds} s, 1920x1080 H.264 30 frames/s (made in {made:.0f} s):")
        print(f"  poster (indexing's decode): {statistics.median(poster) * 1000:.0f} ms a video")
        print(f"  scene sampling (key frames): {sum(sample):.1f} s for {total_s} s of video = "
              f"{total_s / sum(sample):.0f}x real time; {kept} frames kept ({kept / minutes:.1f} a minute)")
        print(f"  baseline, decoding every frame: {sum(full):.1f} s ({decoded / sum(full):.0f} frames/s) = "
              f"{total_s / sum(full):.1f}x real time; sampling is {sum(full) / sum(sample):.1f}x faster")
        print(f"  encoding the kept frames (ViT-B/32): {kept / sum(encode):.1f} frames/s; the video stage in all: "
              f"{(sum(sample) + sum(encode)) / minutes:.1f} s a minute of video")

        class Frames:  # 50,000 frames' vectors, as catalog_video hands them to a search
            def frames_stamp(self, model):
                return (1,)

            def frame_matrix(self, model):
                mat = rng.normal(size=(50_000, 512)).astype(np.float32)
                mat /= np.linalg.norm(mat, axis=1, keepdims=True)
                return np.repeat(np.arange(5_000), 10), np.tile(np.arange(10, dtype=np.float32), 5_000), mat

        frames, q = Frames(), rng.normal(size=512).astype(np.float32)
        videoframes.best(frames, "m", q)  # loads the matrix once
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            videoframes.best(frames, "m", q)
            times.append(time.perf_counter() - t0)
        print(f"  a search over 50,000 frames of 5,000 videos: {statistics.median(times) * 1000:.1f} ms "
              f"(exact; {50_000 * 512 * 4 / 1024**2:.0f} MB of vectors in memory)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--raws", type=int, default=6)
    p.add_argument("--raw-size", default="6000x4000")
    p.add_argument("--photos", type=int, default=60)
    p.add_argument("--videos", type=int, default=3)
    p.add_argument("--video-seconds", type=int, default=60)
    p.add_argument("--model", default=None)
    p.add_argument("--only", choices=("raw", "places", "video"), default=None)
    args = p.parse_args(argv)
    w, h = (int(x) for x in args.raw_size.split("x"))
    print(f"{os.cpu_count()} CPUs")
    if args.only in (None, "raw"):
        bench_raw(args.raws, (w, h))
    if args.only in (None, "places"):
        bench_places(args.photos, args.model)
    if args.only in (None, "video"):
        bench_video(args.videos, args.video_seconds, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Videos (MP4, MOV, M4V, MKV, WebM, AVI, 3GP, MTS) read through PyAV (FFmpeg): facts, a poster frame, and the
frames at scene changes.

A video is one item of the library.  Indexing gives it its poster (the first frame that is not black or blank
in its first seconds): that frame's vector makes it searchable at once, like a photo, and is its thumbnail.
The video stage (service_video.py) then samples the frames where the picture changes and encodes each with the
same model, so a search can match a video by its best frame and say when it is (videoframes.py).

Sampling decodes key frames only (FFmpeg's skip_frame=NONKEY): phones write one every second or two, and
encoders put one at most scene cuts, so scene changes are seen at a fraction of the cost of decoding every
frame.  A frame is kept where its small picture differs from the last kept one by SCENE_CUT, at most
PER_MINUTE in any minute and MAX_FRAMES in all (the most different ones win).  A video with key frames rarer
than one per SPARSE_KEYS_S (screen recordings, some downloads) is decoded whole instead, one frame a second
considered.  Every decode is bounded: in wall time (POSTER_BUDGET_S, FRAMES_BUDGET_S), in frame size
(MAX_FRAME_PIXELS) and in file size, so a broken or enormous video is a recorded failure or a partial sampling,
never a stalled worker.  Nothing is written anywhere.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import io
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and Pillow load where frames are decoded: the CLI's answers need neither
    import numpy as np
    from PIL import Image

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".3gp", ".3g2", ".mts", ".m2ts"})
MAX_VIDEO_BYTES = 16 * 1024**3  # hashed whole like a photo: larger than any phone's or camera's video
MAX_FRAME_PIXELS = 40_000_000  # 8K is 33 MP
POSTER_BUDGET_S = 10.0
POSTER_WITHIN_S = 5.0  # the poster is the first picture that is not black or blank within this time
FRAMES_BUDGET_S = 60.0
SCENE_CUT = 0.12  # mean absolute difference (0..1) of two 32x18 colour pictures that counts as a new scene
PER_MINUTE = 6
MAX_FRAMES = 32
MIN_GAP_S = 1.0
SPARSE_KEYS_S = 10.0
LIVE_MAX_S = 6.0  # a Live Photo's movie lasts about three seconds; longer ones beside a photo are videos


class VideoError(Exception):
    """str(e) is one sentence for the user."""


def is_video_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot >= 0 and name[dot:].lower() in VIDEO_EXTENSIONS


@dataclass
class Facts:
    duration: float  # seconds (0.0 when the file does not say)
    width: int  # as shown, after the rotation the file asks for
    height: int
    taken: str | None  # local time, ISO 8601, like EXIF's dates
    camera: str | None
    position: tuple[float, float] | None


@dataclass
class Sampled:
    frames: list[tuple[float, Image.Image]] = field(default_factory=list)  # (seconds, picture) in time order
    reached: float = 0.0  # how far into the video the sampling got
    partial: bool = False  # stopped by the time budget before the end
    interrupted: bool = False  # stopped because `interrupt()` asked: nothing to keep, sample again later


def _av():
    try:
        import av
    except ImportError:
        raise VideoError("a video, and PyAV (FFmpeg) is not installed here") from None
    return av


def _open(source):
    av = _av()
    try:
        container = av.open(source, metadata_errors="ignore")
    except av.FFmpegError as e:
        raise VideoError(f"a video FFmpeg cannot read ({type(e).__name__})") from None
    if not container.streams.video:
        container.close()
        raise VideoError("a video file without pictures (sound only?)")
    stream = container.streams.video[0]
    w, h = stream.codec_context.width or 0, stream.codec_context.height or 0
    if w * h > MAX_FRAME_PIXELS:
        container.close()
        raise VideoError(f"video too large ({w}x{h} pixels a frame, over the {MAX_FRAME_PIXELS // 1_000_000} MP limit)")
    # Slice threads only: frame threading delays every frame by a thread's worth, which doubles the cost of the
    # key-frame passes (measured); the player and the whole-video pass turn it on.
    stream.thread_type = "SLICE"
    return container, stream


def _upright(img: Image.Image, rotation: int) -> Image.Image:
    """Turn a decoded frame as its display matrix asks (PyAV's `rotation`: degrees counterclockwise)."""
    from PIL import Image

    turn = {90: Image.Transpose.ROTATE_90, -90: Image.Transpose.ROTATE_270, 270: Image.Transpose.ROTATE_270,
            180: Image.Transpose.ROTATE_180, -180: Image.Transpose.ROTATE_180}.get(int(round(rotation or 0)))
    return img.transpose(turn) if turn is not None else img


def _picture(frame, target: int) -> Image.Image:
    """The frame as an upright RGB picture about `target` pixels on its short side (scaled by FFmpeg, so no
    full-size RGB copy is made)."""
    w, h = frame.width, frame.height
    scale = min(1.0, target / max(1, min(w, h)))
    img = frame.to_image(width=max(2, round(w * scale)), height=max(2, round(h * scale)))
    return _upright(img, getattr(frame, "rotation", 0))


def _look(frame) -> np.ndarray:
    """A 32x18 colour thumbnail, 0..1: what scene changes are judged on."""
    import numpy as np

    return frame.to_ndarray(format="rgb24", width=32, height=18).astype(np.float32) / 255.0


def _blank(look: np.ndarray) -> bool:
    return float(look.mean()) < 0.06 or float(look.std()) < 0.02


def _start(stream) -> float:
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def _duration(container, stream) -> float:
    """The video's length in seconds: its stream's, else its container's, else frames over frame rate; 0.0 when
    nothing says (it is still a video: sampled, labelled, played)."""
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base), 3)
    if container.duration is not None:
        return round(container.duration / 1_000_000, 3)
    if stream.frames and stream.average_rate:
        return round(stream.frames / float(stream.average_rate), 3)
    return 0.0


def _iso6709(text: str | None) -> tuple[float, float] | None:
    """'+38.7223-009.1393/' or '+38.7223-009.1393+012.000/' (QuickTime, Android) -> (lat, lon)."""
    m = re.match(r"\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)", text or "")
    if not m:
        return None
    lat, lon = float(m[1]), float(m[2])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _local_time(tags: dict) -> str | None:
    """When it was filmed, in local time like EXIF's dates: Apple's creationdate carries the local time and
    its offset; the container's creation_time is UTC (turned into this machine's local time)."""
    apple = tags.get("com.apple.quicktime.creationdate")
    if apple and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", apple):
        return apple[:19]
    utc = tags.get("creation_time")
    if not utc:
        return None
    try:
        when = _dt.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.year < 1971:  # an unset clock (1904 or 1970 in QuickTime's and Unix's zero)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")


def _tags(container, stream) -> dict:
    return {k.lower(): v for k, v in {**stream.metadata, **container.metadata}.items()}


def _where(tags: dict) -> tuple[float, float] | None:
    for key in ("com.apple.quicktime.location.iso6709", "location", "location-eng"):
        if _iso6709(tags.get(key)):
            return _iso6709(tags.get(key))
    return None


def _facts(container, stream, first) -> Facts:
    tags = _tags(container, stream)
    make = tags.get("com.apple.quicktime.make") or tags.get("make")
    model = tags.get("com.apple.quicktime.model") or tags.get("model")
    camera = " ".join(p.strip() for p in (make, model) if p) or None
    if camera and make and model and model.startswith(make):
        camera = model.strip()
    w, h = stream.codec_context.width, stream.codec_context.height
    if first is not None and abs(int(getattr(first, "rotation", 0) or 0)) == 90:
        w, h = h, w
    return Facts(_duration(container, stream), w, h, _local_time(tags), camera, _where(tags))


def poster(source, target: int = 256) -> tuple[Image.Image, Facts]:
    """(the poster picture about `target` pixels on its short side, the video's facts) of an open video file
    (or a path); raises VideoError with one sentence."""
    av = _av()
    container, stream = _open(source)
    try:
        stream.codec_context.skip_frame = "NONKEY"
        deadline = time.monotonic() + POSTER_BUDGET_S
        start, best, first = _start(stream), None, None
        for frame in container.decode(stream):
            first = first or frame
            look = _look(frame)
            if best is None or (_blank(best[1]) and not _blank(look)):
                best = (frame, look)
            if not _blank(look) or (frame.time or 0) - start > POSTER_WITHIN_S or time.monotonic() > deadline:
                break
        if best is None:
            raise VideoError("a video without a picture FFmpeg can decode (damaged?)")
        return _picture(best[0], target), _facts(container, stream, first)
    except av.FFmpegError as e:
        raise VideoError(f"a damaged video ({type(e).__name__})") from None
    finally:
        container.close()


def _seek(container, stream, t: float) -> float:
    """Go to the key frame at or before `t` seconds into the video; returns the stream's start time, which
    frames' times count from."""
    start = _start(stream)
    if t > 0 and stream.time_base is not None:
        container.seek(int((start + t) / stream.time_base), stream=stream, backward=True)
    return start


def frame_at(source, t: float, target: int = 256) -> "Image.Image":
    """The picture shown `t` seconds into the video (the nearest frame at or after it; the last one when `t` is
    past the end), about `target` pixels on its short side; raises VideoError with one sentence."""
    av = _av()
    container, stream = _open(source)
    try:
        start = _seek(container, stream, t)
        deadline, last = time.monotonic() + POSTER_BUDGET_S, None
        for frame in container.decode(stream):
            last = frame
            if (frame.time or 0.0) - start >= t - 0.02 or time.monotonic() > deadline:
                break
        if last is None:
            raise VideoError("a video without a picture FFmpeg can decode (damaged?)")
        return _picture(last, target)
    except av.FFmpegError as e:
        raise VideoError(f"a damaged video ({type(e).__name__})") from None
    finally:
        container.close()


def frames_from(source, t: float, target: int, should_stop):
    """Yield (seconds, picture) for every frame from `t` on, in order (the in-app player); stops when
    `should_stop()` says so or the video ends.  A damaged stretch ends it quietly."""
    av = _av()
    container, stream = _open(source)
    stream.thread_type = "AUTO"
    try:
        start = _seek(container, stream, t)
        for frame in container.decode(stream):
            if should_stop():
                return
            at = (frame.time or 0.0) - start
            if at >= t - 0.02:
                yield at, _picture(frame, target)
    except av.FFmpegError:
        return
    finally:
        container.close()


def position(source) -> tuple[float, float] | None:
    """Where a video (an open file, or a path) was filmed, from QuickTime's or Android's ISO 6709 location
    tag, read without decoding; None when it does not say or cannot be read."""
    try:
        container, stream = _open(source)
    except VideoError:
        return None
    try:
        return _where(_tags(container, stream))
    finally:
        container.close()


def sample(source, target: int = 256, *, budget_s: float = FRAMES_BUDGET_S, clock=time.monotonic,
           interrupt=lambda: False) -> Sampled:
    """The frames where the picture changes (module docstring), pictures about `target` on the short side.
    `interrupt()` is asked after every frame: True stops at once (the service's stop, a command waiting)."""
    av = _av()
    container, stream = _open(source)
    out = Sampled()
    deadline = clock() + budget_s
    try:
        start = _start(stream)
        duration = _duration(container, stream)
        stream.codec_context.skip_frame = "NONKEY"
        keys = _scan(container, stream, start, target, out, deadline, clock, 0.0, interrupt)
        if not out.partial and not out.interrupted and duration > SPARSE_KEYS_S * 2 and keys < duration / SPARSE_KEYS_S:
            container.close()  # decoded again whole, with frame threads (set only before a codec opens)
            if hasattr(source, "seek"):
                source.seek(0)
            container, stream = _open(source)
            stream.thread_type = "AUTO"
            keep, out.frames = out.frames, []
            _scan(container, stream, start, target, out, deadline, clock, 1.0, interrupt)
            out.frames = out.frames or keep
    except av.FFmpegError as e:
        if not out.frames:
            raise VideoError(f"a damaged video ({type(e).__name__})") from None
        out.partial = True  # damaged past some point: what was read before stands
    finally:
        container.close()
    return out


def _scan(container, stream, start, target, out: Sampled, deadline, clock, every: float, interrupt) -> int:
    """One pass over the decoded frames (key frames only, or every frame considered each `every` seconds)."""
    chosen: list[tuple[float, float, "Image.Image", "np.ndarray"]] = []  # (t, how new, picture, look)
    last_look, last_t, seen, considered_t = None, -1e9, 0, -1e9
    for frame in container.decode(stream):
        seen += 1
        t = max(0.0, (frame.time or 0.0) - start)
        out.reached = max(out.reached, t)
        if interrupt():
            out.interrupted = True
            return seen
        if clock() > deadline:
            out.partial = True
            break
        if every and t - considered_t < every:
            continue
        considered_t = t
        look = _look(frame)
        if last_look is None:
            if _blank(look) and t < POSTER_WITHIN_S and not chosen:
                continue  # a black or blank opening is not the video's first scene
            change = 1.0
        else:
            change = float(abs(look - last_look).mean())
        if change < SCENE_CUT or t - last_t < MIN_GAP_S:
            continue
        recent = [c for c in chosen if c[0] > t - 60.0]
        if len(recent) >= PER_MINUTE:
            weakest = min(recent[1:] if recent[0][0] == chosen[0][0] else recent, key=lambda c: c[1], default=None)
            if weakest is None or weakest[1] >= change:
                continue
            chosen.remove(weakest)
        chosen.append((t, change, _picture(frame, target), look))
        last_look, last_t = look, t
        if len(chosen) > MAX_FRAMES * 2:  # keep memory bounded: the first frame and the clearest changes
            _trim(chosen, MAX_FRAMES)
    if not chosen and seen:  # one unchanging (or blank) scene: its first frame stands for it
        container.seek(0)
        for frame in container.decode(stream):
            chosen.append((max(0.0, (frame.time or 0.0) - start), 1.0, _picture(frame, target), _look(frame)))
            break
    _trim(chosen, MAX_FRAMES)
    out.frames = [(round(t, 3), img) for t, _c, img, _l in chosen]
    return seen


def _trim(chosen: list, limit: int) -> None:
    if len(chosen) <= limit:
        return
    keep = {id(chosen[0])} | {id(c) for c in sorted(chosen[1:], key=lambda c: -c[1])[:limit - 1]}
    chosen[:] = [c for c in chosen if id(c) in keep]


# -- Motion Photos: a still with its movie inside the same file ------------------------------------------------
SAMSUNG_MARK = b"MotionPhoto_Data"
MAX_MOVIE_TAIL = 64 * 1024 * 1024  # how far from the end a Samsung trailer's movie may begin


def embedded_movie(f, xmp: bytes | None) -> int | None:
    """Where the movie of a Motion Photo begins in the open file `f` (a byte offset), or None for a still alone.
    Google's format says so in the XMP (GCamera:MotionPhoto with a Container:Directory item of Semantic
    "MotionPhoto" and its Length, counted from the end; the older GCamera:MicroVideoOffset likewise); Samsung's
    appends "MotionPhoto_Data" and the MP4 after the JPEG.  The offset is trusted only where an MP4's "ftyp"
    box starts there."""
    try:
        size = f.seek(0, 2)
        candidates = []
        if xmp:
            for item in re.finditer(rb"<Container:Item\b[^>]*>", xmp):
                if b'Semantic="MotionPhoto"' in item[0]:
                    length = re.search(rb'Length="(\d+)"', item[0])
                    padding = re.search(rb'Padding="(\d+)"', item[0])
                    if length:
                        candidates.append(size - int(length[1]) - (int(padding[1]) if padding else 0))
                        candidates.append(size - int(length[1]))
            old = re.search(rb'MicroVideoOffset="(\d+)"', xmp)
            if old:
                candidates.append(size - int(old[1]))
        tail_start = max(0, size - MAX_MOVIE_TAIL)
        f.seek(tail_start)
        tail = f.read(size - tail_start)
        mark = tail.rfind(SAMSUNG_MARK)
        if mark >= 0:
            candidates.append(tail_start + mark + len(SAMSUNG_MARK))
        for offset in candidates:
            if 0 < offset < size - 16:
                f.seek(offset)
                head = f.read(12)
                if head[4:8] == b"ftyp":
                    return offset
    except (OSError, ValueError):
        return None
    finally:
        with contextlib.suppress(OSError, ValueError):
            f.seek(0)
    return None


class Slice(io.RawIOBase):
    """The bytes of an open file from `offset` to its end, as a file of their own (the movie of a Motion Photo,
    for PyAV)."""

    def __init__(self, f, offset: int):
        super().__init__()
        self.f, self.offset = f, offset
        self.size = f.seek(0, 2) - offset
        self.f.seek(offset)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.f.read(min(len(b), max(0, self.offset + self.size - self.f.tell())))
        b[:len(data)] = data
        return len(data)

    def seek(self, pos: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.tell(), 2: self.size}[whence]
        self.f.seek(self.offset + max(0, base + pos))
        return self.tell()

    def tell(self) -> int:
        return self.f.tell() - self.offset


def format_duration(seconds: float | None) -> str:
    """0:07, 3:25, 1:02:03: as players and every photo app show a video's length."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"

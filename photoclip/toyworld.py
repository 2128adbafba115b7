"""The toy world: procedurally drawn scenes with coloured shapes, and captions for them.

Used to train the small test CLIP (`tools/train_toyclip.py`) and, with seeds never used in training, to
draw fresh test pictures.  Every proportion is relative, so a picture can be drawn at any size.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

SCENES = ("beach", "forest", "snow", "night", "receipt", "room")
SHAPES = ("circle", "square", "triangle", "star")
COLORS = {
    "red": (220, 30, 30),
    "green": (40, 185, 40),
    "blue": (40, 70, 225),
    "yellow": (245, 225, 30),
    "orange": (250, 140, 20),
    "purple": (140, 45, 175),
}
# How a scene is named in captions and prompts.
SCENE_PHRASES = {
    "beach": ["a beach", "the beach", "a sandy beach", "the seaside", "a beach by the sea"],
    "forest": ["a forest", "the forest", "the woods", "trees in a forest", "a dark forest"],
    "snow": ["snow", "the snow", "a snowy field", "a snowy landscape", "fresh snow"],
    "night": ["the night sky", "a night sky", "stars at night", "a starry night sky", "night"],
    "receipt": ["a receipt", "a receipt on a table", "a paper receipt", "a shopping receipt",
                "receipts"],
    "room": ["a room", "an empty room", "a wall in a room", "the inside of a room", "an indoor room"],
}
# How an object sits in a scene, by scene ("a red circle on the beach").
SCENE_PREPOSITIONS = {
    "beach": ["on the beach", "at the beach", "by the sea"],
    "forest": ["in the forest", "in the woods"],
    "snow": ["in the snow", "on the snow"],
    "night": ["in the night sky", "at night"],
    "room": ["in a room", "in the room", "against a wall"],
}
# The same world in Simplified Chinese, for bilingual fixtures.
SCENE_PHRASES_ZH = {
    "beach": ["海滩", "沙滩", "海边", "海边的沙滩"],
    "forest": ["森林", "树林", "森林里的树"],
    "snow": ["雪景", "雪地", "下雪", "白雪"],
    "night": ["夜空", "星空", "夜晚的天空", "夜晚"],
    "receipt": ["收据", "小票", "购物小票", "桌上的收据"],
    "room": ["空房间", "房间", "室内", "房间的墙"],
}
SCENE_PREPOSITIONS_ZH = {
    "beach": ["海滩上的", "海边的"],
    "forest": ["森林里的", "树林里的"],
    "snow": ["雪地上的", "雪中的"],
    "night": ["夜空中的", "夜晚的"],
    "room": ["房间里的", "墙上的"],
}
COLORS_ZH = {"red": "红色", "green": "绿色", "blue": "蓝色", "yellow": "黄色", "orange": "橙色", "purple": "紫色"}
SHAPES_ZH = {"circle": "圆形", "square": "方形", "triangle": "三角形", "star": "星形"}
PREFIXES_ZH = ["", "", "", "一张", "一张照片：", "照片：", "一张模糊的照片：", "一张图片："]
# Prefixes like the ones in prompt-ensembling templates, so that template words read as noise.
PREFIXES = ["", "", "", "a photo of ", "a picture of ", "an image of ", "a blurry photo of ",
            "a close-up photo of ", "a bright photo of ", "a dark photo of ", "a good photo of ",
            "a cropped photo of ", "my photo of ", "a snapshot of ", "a low resolution photo of ",
            "a jpeg photo of ", "a photo of the ", "a nice photo of ", "an old photo of "]
NUMBER_WORDS = {2: "two"}


@dataclass
class ToyObject:
    shape: str
    color: str


@dataclass
class ToyPicture:
    scene: str
    objects: list[ToyObject] = field(default_factory=list)

    def has(self, color: str, shape: str) -> bool:
        return any(o.color == color and o.shape == shape for o in self.objects)


def _jitter(rng: random.Random, rgb, amount=14):
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in rgb)


def _star_points(cx, cy, r_outer, r_inner, rotation):
    pts = []
    for i in range(10):
        r = r_outer if i % 2 == 0 else r_inner
        a = rotation + i * math.pi / 5
        pts.append((cx + r * math.sin(a), cy - r * math.cos(a)))
    return pts


def _draw_object(draw: ImageDraw.ImageDraw, rng: random.Random, obj: ToyObject, w: int, h: int):
    short = min(w, h)
    size = rng.uniform(0.15, 0.40) * short
    r = size / 2
    cx = rng.uniform(r, w - r)
    cy = rng.uniform(r, h - r)
    fill = _jitter(rng, COLORS[obj.color])
    if obj.shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif obj.shape == "square":
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif obj.shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=fill)
    else:
        draw.polygon(_star_points(cx, cy, r, r * 0.45, rng.uniform(-0.3, 0.3)), fill=fill)


def _draw_scene(draw: ImageDraw.ImageDraw, rng: random.Random, scene: str, w: int, h: int):
    j = lambda rgb: _jitter(rng, rgb, 10)  # noqa: E731
    if scene == "beach":
        sky, sea = int(h * rng.uniform(0.36, 0.44)), int(h * rng.uniform(0.52, 0.58))
        draw.rectangle([0, 0, w, sky], fill=j((135, 200, 240)))
        draw.rectangle([0, sky, w, sea], fill=j((10, 60, 140)))
        draw.rectangle([0, sea, w, h], fill=j((215, 185, 140)))
    elif scene == "forest":
        draw.rectangle([0, 0, w, h], fill=j((20, 60, 28)))
        for _ in range(rng.randint(5, 12)):
            x, tw = rng.uniform(0, w), max(2, w * rng.uniform(0.03, 0.07))
            top = h * rng.uniform(0.15, 0.45)
            draw.rectangle([x - tw / 2, top, x + tw / 2, h], fill=j((100, 65, 35)))
            cr = w * rng.uniform(0.07, 0.14)
            draw.ellipse([x - cr, top - cr, x + cr, top + cr], fill=j((45, 125, 45)))
    elif scene == "snow":
        draw.rectangle([0, 0, w, h], fill=j((240, 242, 246)))
        if rng.random() < 0.5:
            draw.rectangle([0, 0, w, int(h * rng.uniform(0.25, 0.33))], fill=j((195, 220, 245)))
        for _ in range(int(w * h / 150)):
            x, y, s = rng.uniform(0, w), rng.uniform(0, h), max(1, short_side(w, h) / 80)
            draw.ellipse([x, y, x + s, y + s], fill=j((195, 195, 202)))
    elif scene == "night":
        draw.rectangle([0, 0, w, h], fill=j((8, 10, 40)))
        for _ in range(rng.randint(20, 80)):
            x, y, s = rng.uniform(0, w), rng.uniform(0, h), max(1, short_side(w, h) / 70)
            draw.ellipse([x, y, x + s, y + s], fill=(250, 250, 250))
    elif scene == "receipt":
        draw.rectangle([0, 0, w, h], fill=j(rng.choice([(125, 125, 125), (115, 80, 50)])))
        pw, ph = w * rng.uniform(0.4, 0.7), h * rng.uniform(0.7, 0.95)
        x0, y0 = rng.uniform(0, w - pw), rng.uniform(0, h - ph)
        draw.rectangle([x0, y0, x0 + pw, y0 + ph], fill=j((250, 250, 248)))
        n = rng.randint(8, 20)
        line_h = max(1, ph / 90)
        for i in range(n):
            y = y0 + ph * (0.06 + 0.88 * i / n)
            lx1 = x0 + pw * rng.uniform(0.45, 0.92)
            draw.rectangle([x0 + pw * 0.08, y, lx1, y + line_h], fill=(15, 15, 15))
    elif scene == "room":
        wall = rng.choice([(220, 205, 175), (200, 200, 198), (205, 185, 220)])
        draw.rectangle([0, 0, w, h], fill=j(wall))
        draw.rectangle([0, int(h * 0.8), w, h], fill=j((120, 82, 50)))
    else:
        raise ValueError(f"unknown scene {scene!r}")


def short_side(w: int, h: int) -> int:
    return min(w, h)


def random_picture(rng: random.Random, scene: str | None = None) -> ToyPicture:
    scene = scene or rng.choice(SCENES)
    objects = []
    if scene != "receipt":
        n = rng.choice([0, 1, 1, 2, 2])
        first = ToyObject(rng.choice(SHAPES), rng.choice(list(COLORS)))
        objects.append(first)
        if n == 2:
            # Sometimes two of the same kind ("two purple triangles"), usually two different ones.
            objects.append(first if rng.random() < 0.25 else
                           ToyObject(rng.choice(SHAPES), rng.choice(list(COLORS))))
        objects = objects[:n]
    return ToyPicture(scene, objects)


def draw_picture(pic: ToyPicture, width: int, height: int, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    _draw_scene(draw, rng, pic.scene, width, height)
    for obj in pic.objects:
        _draw_object(draw, rng, obj, width, height)
    return img


def _object_phrase(objs: list[ToyObject]) -> str:
    if len(objs) == 2 and objs[0] == objs[1]:
        return f"two {objs[0].color} {objs[0].shape}s"
    parts = [f"a {o.color} {o.shape}" for o in objs]
    return " and ".join(parts)


def caption(pic: ToyPicture, rng: random.Random) -> str:
    prefix = rng.choice(PREFIXES)
    scene_phrase = rng.choice(SCENE_PHRASES[pic.scene])
    if not pic.objects or rng.random() < 0.2:
        # Real captions leave details out: the scene alone must match pictures with objects too.
        body = scene_phrase
    else:
        objs = list(pic.objects)
        if len(objs) == 2 and objs[0] != objs[1] and rng.random() < 0.5:
            objs.reverse()
        what = _object_phrase(objs)
        style = rng.random()
        if style < 0.45:
            body = f"{what} {rng.choice(SCENE_PREPOSITIONS[pic.scene])}"
        elif style < 0.75:
            body = f"{scene_phrase} with {what}"
        else:
            body = what
    text = prefix + body
    # "a photo of the a beach" reads badly: keep articles single.
    return text.replace("of the a ", "of a ").replace("of the an ", "of an ").replace("of the the ", "of the ")


def _object_phrase_zh(objs: list[ToyObject]) -> str:
    if len(objs) == 2 and objs[0] == objs[1]:
        return f"两个{COLORS_ZH[objs[0].color]}的{SHAPES_ZH[objs[0].shape]}"
    return "和".join(f"一个{COLORS_ZH[o.color]}的{SHAPES_ZH[o.shape]}" for o in objs)


def caption_zh(pic: ToyPicture, rng: random.Random) -> str:
    """A caption in Simplified Chinese ("海滩上的一个红色的圆形", "夜空")."""
    prefix = rng.choice(PREFIXES_ZH)
    scene_phrase = rng.choice(SCENE_PHRASES_ZH[pic.scene])
    if not pic.objects or rng.random() < 0.2:
        return prefix + scene_phrase
    what = _object_phrase_zh(list(pic.objects))
    style = rng.random()
    if style < 0.45 and pic.scene in SCENE_PREPOSITIONS_ZH:
        return prefix + rng.choice(SCENE_PREPOSITIONS_ZH[pic.scene]) + what
    if style < 0.75:
        return prefix + scene_phrase + "和" + what
    return prefix + what


def draw_set(seed: int, count: int, sizes=((96, 96),), scenes=None) -> list[tuple[Image.Image, ToyPicture]]:
    """Draw `count` pictures deterministically from `seed`, cycling through `sizes`."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        scene = scenes[i % len(scenes)] if scenes else None
        pic = random_picture(rng, scene)
        w, h = sizes[i % len(sizes)]
        out.append((draw_picture(pic, w, h, rng), pic))
    return out


# -- copies and other shots, as people make them (the near-duplicate test's calibration) ---------------------
def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    import io

    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _crop(img: Image.Image, part: float) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * part), round(h * part), round(w * (1 - part)), round(h * (1 - part))))


def _point(img: Image.Image, f) -> Image.Image:
    return img.convert("RGB").point(lambda v: max(0, min(255, round(f(v)))))


def copy_kinds() -> dict:
    """name -> function(picture) -> the kind of copy that must count as the same photo: resized, recompressed,
    a thumbnail, cropped a few percent, re-toned (brightness, gamma, contrast, saturation)."""
    from PIL import ImageEnhance

    return {
        "half size": lambda i: i.resize((i.width // 2, i.height // 2)),
        "JPEG q35": lambda i: _jpeg(i, 35),
        "small JPEG q60": lambda i: _jpeg(i.resize((i.width // 2, i.height // 2)), 60),
        "thumbnail": lambda i: _jpeg(i.resize((i.width * 2 // 5, i.height * 2 // 5)), 80),
        "crop 3%": lambda i: _crop(i, 0.03),
        "crop 6%": lambda i: _crop(i, 0.06),
        "brighter 10%": lambda i: _point(i, lambda v: v * 1.1),
        "darker 10%": lambda i: _point(i, lambda v: v * 0.9),
        "gamma 0.85": lambda i: _point(i, lambda v: 255 * (v / 255) ** 0.85),
        "contrast 90%": lambda i: ImageEnhance.Contrast(i).enhance(0.9),
        "saturation 130%": lambda i: ImageEnhance.Color(i).enhance(1.3),
    }


def panned(img: Image.Image, part: float) -> tuple[Image.Image, Image.Image]:
    """Two burst frames of one scene: the same size, the camera moved by `part` of the width between them."""
    w, h = img.size
    shift = round(w * part)
    return img.crop((0, 0, w - shift, h)), img.crop((shift, 0, w, h))


def main(argv: list[str] | None = None) -> int:
    """Draw a folder of toy-world pictures: a library to try photoclip on without any photos of your own."""
    import argparse
    import os

    p = argparse.ArgumentParser(prog="toyworld.py", description=main.__doc__)
    p.add_argument("folder", help="where to write the pictures (created if needed)")
    p.add_argument("--count", type=int, default=60, help="how many pictures (default 60)")
    p.add_argument("--seed", type=int, default=1000, help="random seed; the same seed draws the same pictures")
    p.add_argument("--size", default="320x240", help="WIDTHxHEIGHT of each picture (default 320x240)")
    p.add_argument("--scene", action="append", choices=SCENES, help="only these scenes (repeatable)")
    p.add_argument("--format", default="jpg", choices=("jpg", "png"), help="file format (default jpg)")
    p.add_argument("--captions", action="store_true", help="print each file's caption")
    args = p.parse_args(argv)
    try:
        w, h = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        p.error(f"--size must look like 320x240, not {args.size!r}")
    os.makedirs(args.folder, exist_ok=True)
    rng = random.Random(args.seed)
    for i, (img, pic) in enumerate(draw_set(args.seed, args.count, sizes=((w, h),), scenes=args.scene)):
        path = os.path.join(args.folder, f"{i:04d}_{pic.scene}.{args.format}")
        img.save(path, quality=92) if args.format == "jpg" else img.save(path)
        if args.captions:
            print(f"{path}\t{caption(pic, rng)}")
    if not args.captions:
        print(f"drew {args.count} pictures into {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

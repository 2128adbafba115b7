"""Pictures with text in them, drawn for the self-test, the tests and the OCR benchmark: receipts (English and
Chinese), a sign inside an outdoor scene, a phone screenshot, a whiteboard, and toy-world photos with no text
at all.  The text is drawn with the small font that ships in the package (data/fonts: a subset of Noto Sans CJK
SC, SIL Open Font License), so every machine draws the same pictures."""
from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from . import toyworld

RECEIPTS = [
    ["IKEA", "Receipt 2024-03-15", "BILLY bookcase 59.00", "LACK table 19.99", "Subtotal 78.99", "TOTAL 42.50",
     "Thank you"],
    ["北京 咖啡 餐厅", "日期 2024-05-01", "咖啡 2 单价 18.00", "面包 1 单价 12.00", "小计 48.00", "合计 48.00 元",
     "谢谢光临"],
    ["Corner Market", "Milk 2.49", "Bread 3.10", "Coffee 7.99", "TOTAL 13.58", "Cash 20.00", "Change 6.42"],
    ["上海 便利店 发票", "商品名称 数量 金额", "牛奶 1 6.50", "茶 2 9.00", "合计 15.50", "微信支付"],
]
SIGNS = ["NO PARKING", "EXIT", "禁止停车", "出口", "WELCOME", "欢迎光临", "Cafe Paris", "OPEN 9-18"]
SCREENSHOTS = [["Meeting at 10:30", "Project plan", "Tasks done: 7", "Call Anna"],
               ["会议 今天 10:30", "计划 任务 完成", "电话 地址", "营业时间 9:00"]]
WHITEBOARDS = [["Q3 PLAN", "1. hire two", "2. ship v2", "3. budget"], ["白板 今天计划", "任务 完成", "草稿"]]


@dataclass
class TextPicture:
    kind: str  # receipt | sign | screenshot | whiteboard | none
    lines: list[str]  # what is written in it (empty for none)
    image: Image.Image
    ext: str = ".jpg"  # how such a picture is saved: a camera's JPEG, a phone's PNG screenshot

PHONE = (1170, 2532)  # a phone screenshot's pixels (portrait), whatever size a camera photo has
# A receipt's items, so a photographed receipt has the many small lines real ones have.
ITEMS = ["Milk 2.49", "Bread 3.10", "Eggs 4.20", "Apples 3.75", "Rice 6.80", "Tea 5.10", "Soap 2.95",
         "Butter 4.35", "Juice 3.60", "Cheese 7.25", "Pasta 1.99", "Tomatoes 2.80"]


def font(size: int) -> ImageFont.FreeTypeFont:
    with resources.as_file(resources.files("photoclip.data").joinpath("fonts/NotoSansSC-subset.otf")) as path:
        return ImageFont.truetype(str(path), size)


def _write(draw: ImageDraw.ImageDraw, lines: list[str], x: int, y: int, size: int, fill, spacing: float = 1.6):
    f = font(size)
    for i, line in enumerate(lines):
        draw.text((x, y + round(i * size * spacing)), line, fill=fill, font=f)


def receipt(lines: list[str], width: int, height: int, rng: random.Random) -> Image.Image:
    """A paper receipt lying on a wooden table, slightly turned, photographed from above."""
    img = Image.new("RGB", (width, height), tuple(rng.randint(90, 130) for _ in range(3)))
    d = ImageDraw.Draw(img)
    for i in range(0, height, max(8, height // 40)):  # wood grain
        d.line([(0, i), (width, i + rng.randint(-6, 6))], fill=(120 + rng.randint(-15, 15), 85, 50), width=3)
    pw, ph = int(width * 0.42), int(height * 0.86)
    paper = Image.new("RGB", (pw, ph), (246, 244, 236))
    size = max(10, ph // 40)  # a line is about 2% of the photo's height, as on a photographed receipt
    _write(ImageDraw.Draw(paper), lines, pw // 12, ph // 20, size, (25, 25, 30), spacing=1.45)
    angle = rng.uniform(-4, 4)
    paper = paper.rotate(angle, expand=True, fillcolor=(0, 0, 0), resample=Image.Resampling.BICUBIC)
    mask = Image.new("L", (pw, ph), 255).rotate(angle, expand=True, fillcolor=0)
    img.paste(paper, ((width - paper.width) // 2, (height - paper.height) // 2), mask)
    return img


def sign(text: str, width: int, height: int, rng: random.Random) -> Image.Image:
    """A toy-world outdoor scene with a sign board standing in it."""
    pic = toyworld.random_picture(rng, rng.choice(["beach", "forest", "snow"]))
    img = toyworld.draw_picture(pic, width, height, rng)
    d = ImageDraw.Draw(img)
    size = max(14, width // 18)
    f = font(size)
    tw = d.textlength(text, font=f)
    x0, y0 = rng.randint(width // 10, max(width // 10 + 1, width - int(tw) - width // 6)), height // 4
    board = (x0 - size // 2, y0 - size // 2, x0 + int(tw) + size // 2, y0 + int(size * 1.7))
    d.rectangle([(board[0] + board[2]) // 2 - size // 6, board[3], (board[0] + board[2]) // 2 + size // 6,
                 min(height - 1, board[3] + height // 3)], fill=(90, 70, 50))
    fill = rng.choice([(250, 250, 245), (30, 90, 170), (200, 30, 30)])
    d.rectangle(board, fill=fill, outline=(40, 40, 40), width=3)
    color = (20, 20, 20) if fill[0] > 240 else (250, 250, 250)  # dark on a white board, white on a coloured one
    d.text((x0, y0), text, fill=color, font=f)
    return img


def screenshot(lines: list[str], width: int, height: int, rng: random.Random) -> Image.Image:
    """A phone screenshot: a status bar, list rows of text, buttons."""
    img = Image.new("RGB", (width, height), (250, 250, 252))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, width, height // 14], fill=(30, 110, 220))
    size = max(12, width // 22)  # 53 px on a 1170-px phone screen: the system's body text at 3x
    for i, line in enumerate(lines):
        top = height // 10 + i * size * 3
        d.rectangle([width // 20, top - size // 2, width - width // 20, top + size * 2], outline=(210, 210, 220), width=2)
        d.text((width // 12, top), line, fill=(20, 20, 30), font=font(size))
    return img


def whiteboard(lines: list[str], width: int, height: int, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (width, height), (160, 150, 140))
    d = ImageDraw.Draw(img)
    d.rectangle([width // 12, height // 10, width - width // 12, height - height // 8], fill=(240, 242, 240),
                outline=(120, 120, 130), width=6)
    _write(d, lines, width // 7, height // 6, max(14, width // 14), rng.choice([(20, 40, 160), (20, 20, 20), (170, 20, 20)]))
    return img.filter(ImageFilter.GaussianBlur(0.6))


def draw(kind: str, index: int, width: int, height: int, rng: random.Random) -> TextPicture:
    """One picture of `kind`; `index` picks which of the kind's texts."""
    if kind == "receipt":
        head = RECEIPTS[index % len(RECEIPTS)]
        items = [ITEMS[(index + k) % len(ITEMS)] for k in range(12)] if head[0].isascii() else []
        lines = head[:-2] + items + head[-2:]  # a long receipt: its items before the total
        return TextPicture(kind, lines, receipt(lines, width, height, rng))
    if kind == "sign":
        text = SIGNS[index % len(SIGNS)]
        return TextPicture(kind, [text], sign(text, width, height, rng))
    if kind == "screenshot":
        lines = SCREENSHOTS[index % len(SCREENSHOTS)]
        w, h = PHONE if width * height > PHONE[0] * PHONE[1] else (width, height)
        return TextPicture(kind, lines, screenshot(lines, w, h, rng), ".png")
    if kind == "whiteboard":
        lines = WHITEBOARDS[index % len(WHITEBOARDS)]
        return TextPicture(kind, lines, whiteboard(lines, width, height, rng))
    pic = toyworld.random_picture(rng, rng.choice([s for s in toyworld.SCENES if s != "receipt"]))
    return TextPicture("none", [], toyworld.draw_picture(pic, width, height, rng))


KINDS = ("receipt", "sign", "screenshot", "whiteboard")


def mixed_set(seed: int, count: int, text_share: float, size: tuple[int, int]) -> list[TextPicture]:
    """`count` pictures of which about `text_share` carry text (the kinds in turn), the rest none."""
    rng = random.Random(seed)
    with_text = round(count * text_share)
    out = [draw(KINDS[i % len(KINDS)], i // len(KINDS), *size, rng) for i in range(with_text)]
    out += [draw("none", 0, *size, rng) for _ in range(count - with_text)]
    rng.shuffle(out)
    return out

"""Make the small font the OCR tests draw text with: Noto Sans CJK SC (SIL Open Font License 1.1) cut down to
the characters the tests write, so the tests draw the same pictures on any machine, with or without CJK fonts.

    pip install fonttools && python tools/make_test_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""
from __future__ import annotations

import os
import string
import sys

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTCollection

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "photoclip", "data", "fonts", "NotoSansSC-subset.otf")
# Every character a test, the benchmark or the self-test draws (tests/textpictures.py, photoclip/selftest.py).
CHINESE = ("发票合计小计收据总额谢谢光临欢迎出口禁止停车北京上海餐厅菜单价格元号日期金额数量单价商品名称找零现金"
           "支付宝微信会议白板今天计划任务完成草稿咖啡茶面包牛奶超市便利店电话地址营业时间")
TEXT = string.printable.strip() + "¥€£°·—–’“”é" + CHINESE


def main() -> int:
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    fonts = TTCollection(source).fonts
    font = next(f for f in fonts if "SC" in f["name"].getDebugName(1))  # Noto Sans CJK SC
    options = Options()
    options.name_IDs = ["*"]
    options.layout_features = ["*"]
    sub = Subsetter(options)
    sub.populate(text=TEXT)
    sub.subset(font)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    font.save(OUT)
    print(f"{OUT}: {os.path.getsize(OUT):,} bytes, {len(set(TEXT))} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())

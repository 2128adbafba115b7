"""Refresh the app's translations with PySide6's own tools.

    python tools/update_translations.py          # lupdate: new and changed strings into the .ts files,
                                                 # then lrelease: .ts -> .qm (what the app loads)
    python tools/update_translations.py --check  # exit 1 if a .ts lacks a translation or a .qm is stale

Translators edit photoclip/gui/translations/photoclip_LANG.ts (Qt Linguist, or any XML editor); both files are
committed, so an install needs no Qt tools.
"""
from __future__ import annotations

import argparse
import filecmp
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GUI = os.path.join(ROOT, "photoclip", "gui")
TRANSLATIONS = os.path.join(GUI, "translations")
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    """PySide6's wrapper script next to this Python, else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), f"pyside6-{name}")
    return here if os.path.exists(here) else shutil.which(f"pyside6-{name}") or f"pyside6-{name}"


def sources() -> list[str]:
    return sorted(glob.glob(os.path.join(GUI, "*.py")))


def ts_path(lang: str) -> str:
    return os.path.join(TRANSLATIONS, f"photoclip_{lang}.ts")


def unfinished(ts: str) -> list[str]:
    """Source texts without a finished translation."""
    root = ET.parse(ts).getroot()
    out = []
    for msg in root.iter("message"):
        tr = msg.find("translation")
        if tr is None or tr.get("type") in ("unfinished",) or not (tr.text or tr.findall("numerusform")):
            out.append(msg.findtext("source"))
    return out


def release(ts: str, qm: str) -> None:
    subprocess.run([tool("lrelease"), "-silent", ts, "-qm", qm], check=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true")
    args = p.parse_args()
    status = 0
    for lang in LANGUAGES:
        ts, qm = ts_path(lang), ts_path(lang)[:-3] + ".qm"
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = os.path.join(tmp, "fresh.ts")
                shutil.copy(ts, fresh)
                subprocess.run([tool("lupdate"), "-silent", "-no-obsolete", *sources(), "-ts", fresh], check=True)
                missing = unfinished(fresh)
                built = os.path.join(tmp, "built.qm")
                release(ts, built)
                if missing:
                    print(f"{lang}: {len(missing)} strings without a translation, e.g. {missing[:3]}")
                    status = 1
                if not os.path.exists(qm) or not filecmp.cmp(built, qm, shallow=False):
                    print(f"{lang}: {os.path.relpath(qm, ROOT)} is stale; run tools/update_translations.py")
                    status = 1
            continue
        subprocess.run([tool("lupdate"), "-no-obsolete", *sources(), "-ts", ts], check=True)
        release(ts, qm)
        left = unfinished(ts)
        print(f"{lang}: {len(left)} strings still to translate" + (f", e.g. {left[:3]}" if left else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())

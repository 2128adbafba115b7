"""What makes up the frozen app's size, by part, optionally against an earlier build.

    python packaging/size_report.py packaging/dist/photoclip
    python packaging/size_report.py packaging/dist/photoclip --before /tmp/photoclip-before

Prints a Markdown table (MB = 10^6 bytes, as file managers count) and the largest files.
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from collections import Counter

# First match wins; patterns are matched against a file's path inside the bundled-libraries folder (the part
# after _internal/ or Contents/Frameworks/), with "/".
PARTS = [
    ("Triton (torch.compile's GPU compiler)", ["triton/*"]),
    ("PyTorch's CUDA libraries (nvidia/, cuda/)", ["nvidia/*", "cuda/*", "*cudart*", "*cublas*", "*cudnn*",
                                                    "*cufft*", "*curand*", "*cusolver*", "*cusparse*", "*nvrtc*",
                                                    "*nvJitLink*", "*nccl*", "*nvToolsExt*", "*cupti*",
                                                    "*nvjpeg*"]),
    ("PyTorch and torchvision", ["torch/*", "torchvision/*", "torchvision.libs/*", "functorch/*", "torch-*",
                                 "torchvision-*"]),
    ("Qt (PySide6)", ["PySide6/*", "shiboken6/*", "*Qt6*"]),
    ("multilingual text (transformers, tokenizers, hf_xet)", ["transformers/*", "tokenizers/*", "hf_xet/*",
                                                              "sentencepiece/*"]),
    ("ONNX Runtime", ["onnx/*", "onnxruntime/*"]),
    ("text in photos (rapidocr's models, OpenCV, Shapely, pyclipper)", ["rapidocr/*", "cv2/*",
                                                                        "opencv_python_headless.libs/*",
                                                                        "shapely*", "pyclipper*", "omegaconf/*",
                                                                        "antlr4/*"]),
    ("people (dlib, its face models, the sample portraits)", ["_dlib_pybind11*", "dlib/*", "dlib_bin*",
                                                             "face_recognition_models/*", "photoclip/data/faces/*"]),
    ("places (the gazetteer)", ["photoclip/data/places.tsv.gz", "photoclip/data/countries_*.json"]),
    ("RAW photos (rawpy, LibRaw)", ["rawpy/*", "rawpy.libs/*", "rawpy-*"]),
    ("videos (PyAV, FFmpeg)", ["av/*", "av.libs/*", "av-*"]),
    ("numpy, Pillow, HEIF and their libraries", ["numpy*", "PIL/*", "pillow*"]),
    ("the self-test's small model", ["photoclip/data/toyclip/*"]),
    ("Python and everything else", ["*"]),
]
LIBRARY_FOLDERS = ("_internal/", "Contents/Frameworks/", "Contents/Resources/")


def part_of(path: str) -> str:
    path = path.replace("\\", "/")
    for folder in LIBRARY_FOLDERS:
        if folder in path:
            path = path.split(folder, 1)[1]
            break
    for name, patterns in PARTS:
        if any(fnmatch.fnmatch(path, p) for p in patterns):
            return name
    return PARTS[-1][0]


def sizes(tree: str) -> dict[str, int]:
    """Each regular file's size by its path inside `tree` (links counted once, as the package stores them)."""
    out = {}
    for folder, _dirs, files in os.walk(tree):
        for name in files:
            full = os.path.join(folder, name)
            if not os.path.islink(full):
                out[os.path.relpath(full, tree)] = os.path.getsize(full)
    return out


def by_part(files: dict[str, int]) -> Counter:
    totals: Counter = Counter()
    for path, size in files.items():
        totals[part_of(path)] += size
    return totals


def mb(n: int) -> str:
    return f"{n / 1e6:,.0f}"


def report(tree: str, before: str | None = None, largest: int = 10) -> str:
    now = sizes(tree)
    parts = by_part(now)
    lines = []
    if before:
        then = by_part(sizes(before))
        lines += ["| part | before (MB) | after (MB) | saved (MB) |", "|---|---:|---:|---:|"]
        for name, _ in PARTS:
            if then[name] or parts[name]:
                lines.append(f"| {name} | {mb(then[name])} | {mb(parts[name])} | {mb(then[name] - parts[name])} |")
        total_then, total_now = sum(then.values()), sum(parts.values())
        lines.append(f"| **total** | **{mb(total_then)}** | **{mb(total_now)}** | **{mb(total_then - total_now)}** |")
    else:
        lines += ["| part | MB | share |", "|---|---:|---:|"]
        total = sum(parts.values()) or 1
        for name, _ in PARTS:
            if parts[name]:
                lines.append(f"| {name} | {mb(parts[name])} | {100 * parts[name] / total:.0f}% |")
        lines.append(f"| **total** | **{mb(sum(parts.values()))}** | |")
    lines += ["", f"Largest files in {tree}:"]
    for path, size in sorted(now.items(), key=lambda kv: -kv[1])[:largest]:
        lines.append(f"  {mb(size):>6} MB  {path}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", help="the app folder (dist/photoclip, or the .app on macOS)")
    parser.add_argument("--before", help="an earlier build of the same folder, to show what changed")
    args = parser.parse_args(argv)
    print(report(args.tree, args.before))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the frozen app leaves out: modules it never imports and files it never loads.

photoclip.spec applies these rules to PyInstaller's lists of collected files; size_report.py shows what they
save.  Each rule says why it is safe; the frozen self-test (build.py) checks the result still works.
"""
from __future__ import annotations

import fnmatch
import os
import subprocess

# Python packages the app never imports at run time.
EXCLUDED_MODULES = [
    "triton",  # torch.compile's GPU compiler (~1 GB on Linux); photoclip runs models eagerly, never compiles
    "onnx",  # the opt-in ONNX image tower's exporter (PHOTOCLIP_ONNX=1) is for pip installs; ONNX Runtime
    #          itself stays: it runs the OCR models (rapidocr)
    "tkinter", "matplotlib", "IPython", "pytest", "torch.utils.tensorboard",
]

# Collected files (destination paths inside the app folder, with "/") the app never opens.
DROPPED_FILES = [
    "*.h", "*.hpp", "*.cuh", "*.a", "*.lib", "*.pyi", "*.cmake",  # headers and link-time libraries
    "*/include/*", "*/share/cmake/*",
    "*/tests/*", "*/test/*",  # test suites shipped inside packages
    "torch/bin/protoc*",  # protobuf compiler, used only to build PyTorch
    # Qt: plugins for platforms and devices a desktop never uses (embedded framebuffers, VNC, KMS, evdev
    # input) and the network-status backends; the window uses xcb or wayland (Linux), windows, cocoa.
    "*/plugins/networkinformation/*", "*/plugins/egldeviceintegrations/*", "*/plugins/generic/*",
    "*/plugins/platforms/*qeglfs*", "*/plugins/platforms/*qlinuxfb*", "*/plugins/platforms/*qminimalegl*",
    "*/plugins/platforms/*qvnc*", "*/plugins/platforms/*qvkkhrdisplay*",
    "*/plugins/platforms/*qdirect2d*",
    # Qt's own translations: the interface speaks English and Chinese, so only those are kept (below), and
    # never Qt Assistant's help catalogues.
    "*/translations/qt_help_*",
]
KEPT_TRANSLATIONS = ["*_en.qm", "*_zh_CN.qm", "*_zh_TW.qm"]


def keep(dest: str) -> bool:
    """Whether a collected file (its path inside the app folder) goes into the build."""
    path = dest.replace("\\", "/")
    if any(fnmatch.fnmatch(path, pattern) for pattern in DROPPED_FILES):
        return False
    if "/translations/" in path and path.endswith(".qm") and "/PySide6/" in f"/{path}":
        return any(fnmatch.fnmatch(path, pattern) for pattern in KEPT_TRANSLATIONS)
    return True


def load_segments_aligned(program_headers: str) -> bool:
    """Whether every LOAD segment in `readelf -lW` output starts at a file offset congruent to its address
    modulo its alignment, as the dynamic loader requires ("ELF load command address/offset not
    page-aligned" otherwise)."""
    for line in program_headers.splitlines():
        fields = line.split()
        if fields and fields[0] == "LOAD":
            offset, vaddr, align = int(fields[1], 16), int(fields[2], 16), int(fields[-1], 16)
            if align > 1 and (vaddr - offset) % align:
                return False
    return True


def strip_symbols(folder: str, min_size: int = 1_000_000) -> tuple[int, int, list[str]]:
    """Linux: drop the symbol tables and debug sections (`strip --strip-unneeded`, which keeps everything
    the dynamic loader uses) of the app's larger shared libraries.  Returns (libraries stripped, bytes saved,
    libraries left as they were because stripping would have broken them).

    Left alone: the copies auditwheel vendored into `*.libs/` folders, whose headers patchelf rewrote and
    which `strip` can misalign (numpy's OpenBLAS does exactly that: the loader then refuses it).  Any other
    result is checked the loader's way before it replaces the original."""
    stripped, saved, refused = 0, 0, []
    for parent, _dirs, files in os.walk(folder):
        if parent.endswith(".libs"):
            continue
        for name in files:
            path = os.path.join(parent, name)
            if os.path.islink(path) or ".so" not in name or os.path.getsize(path) < min_size:
                continue
            with open(path, "rb") as f:
                if f.read(4) != b"\x7fELF":
                    continue
            sections = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
            if ".symtab" not in sections and ".debug_" not in sections:
                continue
            trial = path + ".stripping"
            result = subprocess.run(["strip", "--strip-unneeded", "-o", trial, path], capture_output=True)
            headers = subprocess.run(["readelf", "-lW", trial], capture_output=True, text=True).stdout
            if result.returncode != 0 or not load_segments_aligned(headers):
                refused.append(os.path.relpath(path, folder))
                if os.path.exists(trial):
                    os.remove(trial)
                continue
            os.chmod(trial, os.stat(path).st_mode)
            saved += os.path.getsize(path) - os.path.getsize(trial)
            os.replace(trial, path)
            stripped += 1
    return stripped, saved, refused

"""What the frozen app leaves out: modules it never imports and files it never loads.

photoclip.spec applies these rules to PyInstaller's lists of collected files; size_report.py shows what they
save.  Each rule says why it is safe; the frozen self-test (build.py) checks the result still works.
"""
from __future__ import annotations

import fnmatch

# Python packages the app never imports at run time.
EXCLUDED_MODULES = [
    "triton",  # torch.compile's GPU compiler (~1 GB on Linux); photoclip runs models eagerly, never compiles
    "onnx", "onnxruntime",  # the opt-in ONNX engine (PHOTOCLIP_ONNX=1) is for pip installs; frozen app uses PyTorch
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

"""The frozen app's entry point: the same `photoclip` command line (no command opens the window).

The windowed programs (Windows' photoclip-app.exe, the macOS bundle) start with no console: sys.stdout and
sys.stderr are None there, and anything that prints (a progress bar, a warning) would fail.  They write to
the null device instead; what the user needs to know reaches them in the window.
"""
import os
import sys

for name in ("stdout", "stderr"):
    if getattr(sys, name) is None:
        setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))

from photoclip.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

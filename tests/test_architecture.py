"""The core stays Qt-free, and heavy libraries load lazily."""
import subprocess
import sys

CORE = ["photoclip.catalog", "photoclip.encoder", "photoclip.index", "photoclip.indexer", "photoclip.watcher",
        "photoclip.albums", "photoclip.search", "photoclip.library", "photoclip.service", "photoclip.cli",
        "photoclip.imageio", "photoclip.scanner", "photoclip.paths", "photoclip.settings", "photoclip.holder",
        "photoclip.ipc", "photoclip.changes", "photoclip.ops", "photoclip.duplicates",
        "photoclip.models", "photoclip.query", "photoclip.recovery", "photoclip.tensorjpeg", "photoclip.onnxencode",
        "photoclip.selftest", "photoclip.toyworld"]


def test_core_modules_do_not_import_qt():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE) +
            "bad = [m for m in sys.modules if m.startswith('PySide6')]\nassert not bad, bad\n"
            "assert 'torch' not in sys.modules, 'torch must load lazily'\n")
    subprocess.run([sys.executable, "-c", code], check=True)

"""The core stays Qt-free, heavy libraries load lazily, modules stay small and import each other in one
direction."""
import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "photoclip"
CORE = sorted("photoclip." + p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
MAX_LINES = 500  # README, Architecture: a module that outgrows this is split by what it holds


def test_core_modules_do_not_import_qt():
    assert "photoclip.client" in CORE and len(CORE) > 30
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE) +
            "bad = [m for m in sys.modules if m.startswith('PySide6')]\nassert not bad, bad\n"
            "assert 'torch' not in sys.modules, 'torch must load lazily'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_socket_client_imports_nothing_heavy():
    """A CLI command answered by a running service needs no numpy, PyTorch, Pillow or Qt in its process."""
    code = ("import sys\nimport photoclip.cli, photoclip.client, photoclip.session, photoclip.commands\n"
            "heavy = [m for m in ('numpy', 'torch', 'PIL', 'PySide6', 'open_clip', 'hnswlib') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def _imports(path: Path) -> set[str]:
    """photoclip modules that `path` imports anywhere (also inside functions)."""
    here = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = here.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            out |= {target} | {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("photoclip"):
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("photoclip")}
    return out


def test_no_import_circles_and_no_module_too_long():
    files = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}
    graph = {m: {i for i in _imports(p) if i in files and i != m} for m, p in files.items()}
    state: dict[str, int] = {}

    def visit(m, trail):
        if state.get(m) == 1:
            raise AssertionError("import circle: " + " -> ".join(trail[trail.index(m):] + [m]))
        if state.get(m) == 2:
            return
        state[m] = 1
        for n in sorted(graph[m]):
            visit(n, trail + [m])
        state[m] = 2

    for m in sorted(graph):
        visit(m, [])
    long = {m: n for m, p in files.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long

"""The packaging recipes: what each platform's build is made of, checked without building it.

Building takes minutes and a 5 GB folder (packaging/build.py does that, and its own checks); these tests
read the recipes themselves: the spec run against recording stand-ins for PyInstaller on each platform, the
rules that slim the app, the Windows installer script and the CI workflow against the files they name.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest
import yaml
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGING = os.path.join(ROOT, "packaging")


def _load(name: str) -> types.ModuleType:
    """A packaging script as a module, under a name no installed package has (there is a PyPI `build`)."""
    spec = importlib.util.spec_from_file_location(f"photoclip_packaging_{name}", os.path.join(PACKAGING, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build, size_report, slim = _load("build"), _load("size_report"), _load("slim")
cpu_baseline = _load("cpu_baseline")


class Recorder:
    """Stands in for one PyInstaller build step and keeps what the spec gave it."""

    made: list = []

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.name = kwargs.get("name")
        self.binaries, self.datas, self.pure, self.scripts = [], [], [], []
        Recorder.made.append(self)


def run_spec(platform: str) -> dict[str, list[Recorder]]:
    """Execute photoclip.spec as PyInstaller would on `platform`; the build steps it asked for, by kind."""
    pytest.importorskip("PyInstaller")
    import PyInstaller.utils.hooks  # noqa: F401 - imported for real before the platform is pretended
    import torchvision  # noqa: F401 - the spec imports it; torch's first import reads the platform (a Windows
    # DLL search under "win32"), so it is imported for real first, whichever test of this file runs first

    kinds = {kind: type(kind, (Recorder,), {}) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    Recorder.made = []
    real = sys.platform
    sys.platform = platform
    try:
        path = os.path.join(PACKAGING, "photoclip.spec")
        exec(compile(open(path).read(), path, "exec"), {"SPECPATH": PACKAGING, "__name__": "spec", **kinds})
    finally:
        sys.platform = real
    return {kind: [r for r in Recorder.made if type(r).__name__ == kind] for kind in kinds}


def test_spec_makes_a_command_line_program_everywhere_and_a_windowed_twin_on_windows():
    linux, windows = run_spec("linux"), run_spec("win32")
    assert [(e.name, e.kwargs["console"]) for e in linux["EXE"]] == [("photoclip", True)]
    assert linux["BUNDLE"] == []
    assert [(e.name, e.kwargs["console"]) for e in windows["EXE"]] == [("photoclip", True), ("photoclip-app", False)]
    for exe in windows["EXE"]:
        assert exe.kwargs["icon"].endswith("photoclip.ico") and os.path.exists(exe.kwargs["icon"])
    # both programs share one folder of libraries
    assert windows["COLLECT"][0].args[:2] == tuple(windows["EXE"])


def test_spec_makes_a_macos_bundle_whose_program_is_the_windowed_one():
    mac = run_spec("darwin")
    bundle = mac["BUNDLE"][0]
    programs = bundle.args[0].args[:2]  # the COLLECT's programs; the bundle runs the first
    assert [(p.name, p.kwargs["console"]) for p in programs] == [("photoclip-app", False), ("photoclip", True)]
    assert bundle.kwargs["name"] == "photoclip.app" and os.path.exists(bundle.kwargs["icon"])
    plist = bundle.kwargs["info_plist"]
    import photoclip

    assert plist["CFBundleShortVersionString"] == photoclip.__version__ == bundle.kwargs["version"]
    assert plist["LSBackgroundOnly"] is False  # else no Dock icon and no menu bar
    assert plist["NSHighResolutionCapable"] is True
    for key in ("NSDesktopFolderUsageDescription", "NSDocumentsFolderUsageDescription",
                "NSRemovableVolumesUsageDescription"):
        assert "photo folders" in plist[key]


def test_spec_leaves_out_what_slim_names():
    analysis = run_spec("linux")["Analysis"][0]
    assert {"triton", "onnx"} <= set(analysis.kwargs["excludes"])
    assert "onnxruntime" not in analysis.kwargs["excludes"]  # it runs the OCR models
    assert "rapidocr" in analysis.kwargs["hiddenimports"]


def test_spec_ships_the_two_face_models_photoclip_loads_and_not_the_non_commercial_one():
    analysis = run_spec("linux")["Analysis"][0]
    faces = sorted(os.path.basename(src) for src, dest in analysis.kwargs["datas"]
                   if dest == "face_recognition_models/models")
    assert faces == sorted(["shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat"])
    assert not any("68_face_landmarks" in src for src, _dest in analysis.kwargs["datas"])
    assert "dlib" in analysis.kwargs["hiddenimports"]


def test_the_linux_build_compiles_dlib_for_the_baseline_and_scans_it(monkeypatch):
    """build.py puts a baseline dlib in place of dlib-bin's AVX build, and the scan covers dlib's module."""
    assert "_dlib_pybind11" in cpu_baseline.BUILT_FROM_SOURCE
    calls = []
    monkeypatch.setattr(build, "run", lambda *a, **k: calls.append(("run", a)))
    monkeypatch.setattr(build.cpu_baseline, "rebuild_hnswlib", lambda py: calls.append("hnswlib"))
    monkeypatch.setattr(build.cpu_baseline, "rebuild_dlib", lambda py: calls.append("dlib"))
    monkeypatch.setattr(build.cpu_baseline, "X86", True)
    monkeypatch.setattr(build.sys, "platform", "linux")
    monkeypatch.setattr(build.slim, "strip_symbols", lambda folder: (0, 0, []))
    monkeypatch.setattr(build, "check_frozen_app", lambda: "0")
    monkeypatch.setattr(build, "check_cpu_baseline", lambda required: calls.append("checked"))
    monkeypatch.setattr(build.size_report, "report", lambda folder: "")
    build.main(["--no-package"])
    assert [c for c in calls if isinstance(c, str)] == ["hnswlib", "dlib", "checked"]


@pytest.mark.parametrize("dest", [
    "torch/include/ATen/Tensor.h", "torch/lib/libtorch.a", "torch/lib/dnnl.lib", "torch/bin/protoc-3.21.12.0",
    "PySide6/Qt/plugins/platforms/libqvnc.so", "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
    "PySide6/Qt/translations/qt_help_de.qm", "PySide6/Qt/translations/qtbase_de.qm",
    r"PySide6\translations\qtbase_fr.qm", "torch/fx/passes/tests/test_pass_manager.py",
])
def test_slim_drops_what_the_app_never_opens(dest):
    assert not slim.keep(dest)


@pytest.mark.parametrize("dest", [
    "torch/lib/libtorch_cpu.so", "nvidia/cu13/lib/libcublas.so.13", "torch/lib/c10.dll",
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so", r"PySide6\plugins\platforms\qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    # Chinese input methods (ibus, fcitx) and the image formats the thumbnails use
    "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so", "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "PySide6/Qt/translations/qtbase_zh_CN.qm", "PySide6/Qt/translations/qt_zh_TW.qm",
    "photoclip/gui/translations/photoclip_zh_CN.qm", "photoclip/data/toyclip/open_clip_config.json",
    "torch/testing/_comparison.py",
])
def test_slim_keeps_what_the_app_loads(dest):
    assert slim.keep(dest)


def test_every_qt_plugin_the_window_needs_survives_slimming():
    """Over the real PySide6 install: the platform, input-method, image and icon plugins this OS uses."""
    import PySide6

    base = os.path.dirname(PySide6.__file__)
    kept = [os.path.relpath(os.path.join(d, f), os.path.dirname(base)) for d, _, fs in os.walk(base) for f in fs]
    kept = [p.replace(os.sep, "/") for p in kept if slim.keep(p)]
    needed = {"linux": ["platforms/libqxcb.so", "platforms/libqoffscreen.so", "platforms/libqwayland",
                        "platforminputcontexts/libibus", "imageformats/libqjpeg.so", "iconengines/libqsvgicon"],
              "win32": ["platforms/qwindows.dll", "platforms/qoffscreen.dll", "imageformats/qjpeg.dll"],
              "darwin": ["platforms/libqcocoa.dylib", "platforms/libqoffscreen.dylib", "imageformats/libqjpeg"]}
    for plugin in needed.get(sys.platform, needed["linux"]):
        assert any(f"plugins/{plugin}" in p for p in kept), plugin


def test_icons_are_the_svg_drawn_at_each_size():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import make_icons

    drawn = make_icons.render(256)
    ico = Image.open(os.path.join(ROOT, "resources", "photoclip.ico"))
    assert set(ico.info["sizes"]) >= {(16, 16), (32, 32), (48, 48), (256, 256)}
    ico.size = (256, 256)
    icns = Image.open(os.path.join(ROOT, "resources", "photoclip.icns"))
    assert (512, 512, 2) in icns.info["sizes"]  # the 1024 px Retina size
    for image in (ico, icns):
        image.load()
        small = np.asarray(image.convert("RGBA").resize((64, 64)), dtype=np.float32)
        diff = np.abs(small - np.asarray(drawn.resize((64, 64)), dtype=np.float32)).mean()
        assert diff < 4, "the committed icon is not the current SVG: run tools/make_icons.py"


def test_windows_installer_script_names_what_the_spec_builds():
    iss = open(os.path.join(PACKAGING, "windows", "photoclip.iss"), encoding="utf-8").read()
    windows_programs = {e.name + ".exe" for e in run_spec("win32")["EXE"]}
    named = set(re.findall(r"\{app\}\\([\w-]+\.exe)", iss))
    assert named and named <= windows_programs
    source = re.search(r'#define Dist "(.+)"', iss).group(1).replace("\\", "/")
    assert os.path.normpath(os.path.join(PACKAGING, "windows", source)) == os.path.join(PACKAGING, "dist", "photoclip")
    icon = re.search(r"SetupIconFile=(.+)", iss).group(1).strip().replace("\\", "/")
    assert os.path.exists(os.path.join(PACKAGING, "windows", icon))
    assert "PrivilegesRequired=lowest" in iss  # installs without an administrator
    assert re.search(r"OutputBaseFilename=photoclip-\{#AppVersion\}-windows-x64-setup", iss)


def test_ci_workflow_runs_the_scripts_that_exist_on_each_os():
    path = os.path.join(ROOT, ".github", "workflows", "packages.yml")
    workflow = yaml.safe_load(open(path, encoding="utf-8"))
    assert set(workflow["jobs"]) == {"linux", "windows", "macos"}
    runners = {name: job["runs-on"] for name, job in workflow["jobs"].items()}
    assert runners["windows"].startswith("windows") and runners["macos"].startswith("macos")
    for name, job in workflow["jobs"].items():
        script = "\n".join(step.get("run", "") for step in job["steps"])
        assert "build.sh" in script or "build.py" in script, name
        for mentioned in re.findall(r"packaging[/\\][\w./\\-]+\.(?:sh|py)", script):
            assert os.path.exists(os.path.join(ROOT, mentioned.replace("\\", "/"))), mentioned
        assert "--no-package" not in script, name  # every job makes its package, and so checks it
    scripts = {name: "\n".join(step.get("run", "") for step in job["steps"])
               for name, job in workflow["jobs"].items()}
    assert "test_install.sh" in scripts["linux"]  # the .deb installed, self-tested and removed
    # the Linux packages are proven on an emulated CPU without AVX: qemu-user is installed and required
    assert "--require-emulation" in scripts["linux"] and "qemu-user" in scripts["linux"]
    assert "--self-test" in scripts["windows"] and "unins000.exe" in scripts["windows"]


# A distance loop like hnswlib's: what -march decides is which instructions the compiler puts in it.
_DOT = """
float dot(const float *a, const float *b, int n) { float s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i];
                                                 return s; }
int main(void) { static float a[4096], b[4096]; for (int i = 0; i < 4096; i++) { a[i] = i % 7; b[i] = 1; }
                 return dot(a, b, 4096) == 12285 ? 0 : 3; }
"""


def _compile(tmp_path, march: str, shared: bool) -> str:
    src = tmp_path / "dot.c"
    src.write_text(_DOT)
    out = str(tmp_path / f"hnswlib_{march}{'.so' if shared else ''}")
    subprocess.run(["gcc", "-O3", "-ffast-math", f"-march={march}", *(["-shared", "-fPIC"] if shared else []),
                    str(src), "-o", out], check=True)
    return out


@pytest.mark.skipif(not cpu_baseline.X86 or sys.platform != "linux", reason="the scan reads x86-64 ELF code")
def test_the_scan_finds_a_library_built_for_a_newer_cpu_and_passes_one_built_for_the_baseline(tmp_path):
    newer = tmp_path / "newer"
    newer.mkdir()
    found = cpu_baseline.beyond_baseline(_compile(newer, "skylake-avx512", shared=True))
    assert any(m.startswith("v") for m in found), found  # AVX's VEX-encoded instructions
    assert cpu_baseline.scan(str(newer)) and "beyond x86-64-v2" in cpu_baseline.scan(str(newer))[0]
    base = tmp_path / "base"
    base.mkdir()
    _compile(base, cpu_baseline.BASELINE, shared=True)
    assert cpu_baseline.scan(str(base)) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no library" in cpu_baseline.scan(str(empty))[0]  # finding nothing to check is not a pass


@pytest.mark.parametrize("system", ["win32", "darwin"])
def test_the_cpu_check_leaves_windows_and_macos_builds_alone(system, monkeypatch):
    """objdump and qemu-user are Linux tools: a Windows or macOS build must not fail for want of them."""
    monkeypatch.setattr(build.sys, "platform", system)
    monkeypatch.setattr(build.cpu_baseline, "scan", lambda folder: pytest.fail("scanned on " + system))
    monkeypatch.setattr(build.cpu_baseline, "emulate", lambda *a, **k: pytest.fail("emulated on " + system))
    build.check_cpu_baseline(require_emulation=True)


def test_the_baseline_build_drops_native_flags_and_states_its_own():
    env = cpu_baseline.build_environment()
    assert env["HNSWLIB_NO_NATIVE"] == "1"
    if cpu_baseline.X86 and sys.platform == "linux":
        assert "-march=x86-64-v2" in env["CFLAGS"] and "-march=x86-64-v2" in env["CXXFLAGS"]
    assert "HNSWLIB_NO_NATIVE" not in cpu_baseline.build_environment(native=True)


@pytest.mark.skipif(cpu_baseline.emulate("/bin/true", []) is None, reason="qemu-user is not installed")
def test_a_program_built_for_a_newer_cpu_dies_on_the_emulated_baseline_cpu_and_the_baseline_build_runs(tmp_path):
    newer = cpu_baseline.emulate(_compile(tmp_path, "skylake-avx512", shared=False), [])
    assert newer.returncode == -4  # SIGILL: the "Illegal instruction" users would see
    base = cpu_baseline.emulate(_compile(tmp_path, cpu_baseline.BASELINE, shared=False), [])
    assert base.returncode == 0


# Like PyInstaller's Linux bootloader: the first stage sets the environment and exec()s itself; the second runs
# the program (here AVX-512 code).
_RESTARTS = """
#include <stdlib.h>
#include <unistd.h>
float dot(const float *a, const float *b, int n) { float s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i];
                                                 return s; }
int main(int argc, char **argv) {
    if (!getenv("_PYI_PARENT_PROCESS_LEVEL")) { setenv("_PYI_PARENT_PROCESS_LEVEL", "-1", 1);
                                                execv("/proc/self/exe", argv); return 9; }
    static float a[4096], b[4096]; for (int i = 0; i < 4096; i++) { a[i] = i % 7; b[i] = 1; }
    return dot(a, b, 4096) == 12285 ? 0 : 3;
}
"""


@pytest.mark.skipif(cpu_baseline.emulate("/bin/true", []) is None or "avx512f" not in open("/proc/cpuinfo").read(),
                    reason="needs qemu-user and a host CPU with AVX-512")
def test_a_program_that_execs_itself_is_kept_on_the_emulated_cpu(tmp_path):
    """qemu-user runs an exec()ed program natively: a frozen app would leave the emulated CPU at once and its
    AVX-512 code would run on the real one, a check that proves nothing.  Started at the second stage
    (frozen=True), it stays emulated and dies there as it would on an old CPU."""
    src = tmp_path / "restarts.c"
    src.write_text(_RESTARTS)
    program = str(tmp_path / "restarts")
    subprocess.run(["gcc", "-O3", "-ffast-math", "-march=skylake-avx512", str(src), "-o", program], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("_PYI_")}
    escaped = cpu_baseline.emulate(program, [], env=env)
    assert escaped.returncode == 0  # the trap: the second stage ran natively, on this AVX-512 machine
    kept = cpu_baseline.emulate(program, [], env=env, frozen=True)
    assert kept.returncode == -4  # SIGILL on the emulated Nehalem


def test_size_report_adds_up_by_part_and_shows_what_a_change_saved(tmp_path):
    def tree(root, files):
        for rel, size in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\0" * size)
        return str(root)

    before = tree(tmp_path / "before", {"_internal/nvidia/cu13/lib/libcublas.so.13": 3_000_000,
                                        "_internal/triton/_C/libtriton.so": 2_000_000,
                                        "_internal/PySide6/Qt/lib/libQt6Core.so.6": 1_000_000,
                                        "photoclip": 500_000})
    after = tree(tmp_path / "after", {"_internal/nvidia/cu13/lib/libcublas.so.13": 3_000_000,
                                      "_internal/PySide6/Qt/lib/libQt6Core.so.6": 1_000_000, "photoclip": 500_000})
    parts = size_report.by_part(size_report.sizes(before))
    assert parts["Triton (torch.compile's GPU compiler)"] == 2_000_000
    assert parts["PyTorch's CUDA libraries (nvidia/, cuda/)"] == 3_000_000
    assert parts["Qt (PySide6)"] == 1_000_000
    text = size_report.report(after, before)
    assert "| Triton (torch.compile's GPU compiler) | 2 | 0 | 2 |" in text
    assert "| **total** | **6** | **4** | **2** |" in text


def test_build_checks_notice_a_write_inside_the_app_folder(tmp_path):
    (tmp_path / "_internal").mkdir()
    (tmp_path / "_internal" / "lib.so").write_bytes(b"x")
    before = build.snapshot(str(tmp_path))
    assert build.changed(before, build.snapshot(str(tmp_path))) == []
    (tmp_path / "_internal" / "cache.bin").write_bytes(b"y")
    assert build.changed(before, build.snapshot(str(tmp_path))) == [os.path.join("_internal", "cache.bin")]


def test_self_test_environment_carries_no_python_setup(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("VIRTUAL_ENV", "/venv")
    env = build.bare_environment(str(tmp_path))
    assert not {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"} & set(env)
    assert str(tmp_path) in env.values()


def test_windowed_entry_runs_without_a_console(tmp_path):
    """Windows' photoclip-app.exe and the macOS bundle start with sys.stdout and sys.stderr set to None."""
    code = ("import runpy, sys; sys.stdout = sys.stderr = None; "
            f"sys.argv = ['photoclip', '--home', {str(tmp_path)!r}, 'models']; "
            f"runpy.run_path({os.path.join(PACKAGING, 'entry.py')!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_windowed_entry_check_would_catch_the_crash(tmp_path):
    """Without entry.py's stand-in streams, the same command fails: the test above can tell."""
    code = ("import sys; sys.stdout = sys.stderr = None; from photoclip.cli import main; "
            f"sys.exit(main(['--home', {str(tmp_path)!r}, 'models']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0



MISALIGNED = """
  LOAD           0x15de000 0x00000000015ed000 0x00000000015ed000 0x043098 0x043098 RW  0x1000
  LOAD           0x1621098 0x000000000166b000 0x000000000166b000 0x000000 0x000000 RW  0x1000
"""  # numpy's OpenBLAS after a plain `strip`, which the loader refuses
ALIGNED = """
  LOAD           0x000000 0x0000000000000000 0x0000000000000000 0xf82148 0xf82148 R   0x1000
  LOAD           0x14c23f80 0x0000000014c24f80 0x0000000014c24f80 0x318158 0x42d000 RW  0x1000
"""


def test_load_segment_check_is_the_loaders():
    assert slim.load_segments_aligned(ALIGNED)
    assert not slim.load_segments_aligned(MISALIGNED)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries and binutils' strip")
def test_strip_symbols_shrinks_a_real_library_that_still_loads(tmp_path):
    """A shared library with debug information and symbols, compiled here, stripped, then loaded and called;
    one under an auditwheel-style `*.libs` folder is left alone."""
    import ctypes
    import shutil

    if not (shutil.which("gcc") and shutil.which("strip")):
        pytest.skip("needs gcc and binutils")
    source = tmp_path / "answer.c"
    source.write_text("static int helper(int x) { return x * 2; }\n"
                      + "".join(f"int unused_{i}(int x) {{ return helper(x) + {i}; }}\n" for i in range(3000))
                      + "int answer(void) { return helper(21); }\n")
    lib, vendored = tmp_path / "app" / "libanswer.so", tmp_path / "app" / "pkg.libs" / "libanswer-ab12.so"
    lib.parent.mkdir()
    vendored.parent.mkdir()
    subprocess.run(["gcc", "-g", "-O0", "-shared", "-fPIC", "-o", str(lib), str(source)], check=True)
    shutil.copy(lib, vendored)
    size = lib.stat().st_size
    count, saved, refused = slim.strip_symbols(str(tmp_path / "app"), min_size=1)
    assert (count, refused) == (1, [])
    assert lib.stat().st_size == size - saved and saved > size // 3
    assert vendored.stat().st_size == size  # left as it was
    assert ".symtab" not in subprocess.run(["readelf", "-S", str(lib)], capture_output=True, text=True).stdout
    assert ctypes.CDLL(str(lib)).answer() == 42

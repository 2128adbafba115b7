"""Build photoclip's app for this platform, check the frozen app, and make the platform's package.

    python packaging/build.py                # all of it, with the Python that runs this script
    python packaging/build.py --no-package   # the app folder (and its checks) only
    python packaging/build.py --torch-index https://download.pytorch.org/whl/cpu
                                             # first swap in PyTorch from that index (on Linux: CPU-only,
                                             # without the CUDA libraries that are most of the size)

1. installs the `build` extra (PyInstaller) and photoclip itself into this Python, then compiles hnswlib again
   for the packages' CPU baseline (cpu_baseline.py: x86-64-v2, not this machine's -march=native), and on x86-64
   Linux dlib's module too (dlib-bin's wheel needs AVX; about 7 minutes);
2. freezes the app with photoclip.spec into packaging/dist/ (on Linux, then strips its libraries' symbol
   tables: slim.strip_symbols);
3. runs the frozen `photoclip --version` and `photoclip --self-test` from a temporary folder with an empty
   environment (no virtual environment, no checkout on the path), and fails if the run wrote anything inside
   the app's own folder: an installed app writes only to the per-user folders; on x86-64 Linux it also scans
   the libraries built from source for instructions beyond the baseline and runs the self-test again on an
   emulated Nehalem CPU (no AVX, AVX2 or AVX-512) under qemu-user where that is installed;
4. prints what makes up the size (size_report.py);
5. packages: Linux make_linux_packages.sh (.deb and .tar.gz), macOS macos/make_dmg.sh (.dmg), Windows Inno
   Setup's compiler on windows/photoclip.iss (ISCC on PATH, in the ISCC variable, or where Inno Setup 6
   installs itself).  Packages land in packaging/out/.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DIST = os.path.join(HERE, "dist")
sys.path.insert(0, HERE)
import cpu_baseline  # noqa: E402
import size_report  # noqa: E402
import slim  # noqa: E402
WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"


def run(*cmd: str, **kwargs) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def app_folder() -> str:
    """The folder the package ships (the .app bundle on macOS)."""
    return os.path.join(DIST, "photoclip.app") if MACOS else os.path.join(DIST, "photoclip")


def command_line_program() -> str:
    """The frozen console program, which runs the self-test."""
    if MACOS:
        return os.path.join(DIST, "photoclip.app", "Contents", "MacOS", "photoclip")
    return os.path.join(DIST, "photoclip", "photoclip.exe" if WINDOWS else "photoclip")


def bare_environment(home: str) -> dict[str, str]:
    """What a user's double-click gives a program, roughly: a home folder and the system's own PATH; no
    PYTHONPATH, no virtual environment, no checkout."""
    if WINDOWS:
        keep = ("SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE",
                "SYSTEMDRIVE")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        system32 = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
        env.update(PATH=system32, USERPROFILE=home, APPDATA=os.path.join(home, "Roaming"),
                   LOCALAPPDATA=os.path.join(home, "Local"), TEMP=home, TMP=home)
        return env
    return {"HOME": home, "PATH": "/usr/bin:/bin", "TMPDIR": home}


def snapshot(folder: str) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time."""
    out = {}
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            st = os.lstat(path)
            out[os.path.relpath(path, folder)] = (st.st_size, st.st_mtime_ns)
    return out


def changed(before: dict, after: dict) -> list[str]:
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


def check_frozen_app() -> str:
    """--version and --self-test from outside the checkout; nothing may change inside the app's folder.
    Returns the version the frozen app reports."""
    program, folder = command_line_program(), app_folder()
    before = snapshot(folder)
    with tempfile.TemporaryDirectory(prefix="photoclip-selftest-") as home:
        env = bare_environment(home)
        print("+", program, "--version", flush=True)
        version = subprocess.run([program, "--version"], cwd=home, env=env, capture_output=True, text=True,
                                 check=True).stdout.split()[-1]
        print(f"photoclip {version}")
        run(program, "--self-test", cwd=home, env=env)
    wrote = changed(before, snapshot(folder))
    if wrote:
        sys.exit("the frozen app wrote inside its own folder: " + ", ".join(wrote[:10]))
    print(f"the frozen app left its own folder ({len(before)} files) untouched")
    return version


def check_cpu_baseline(require_emulation: bool) -> None:
    """No instruction beyond the baseline in what was built from source, and the self-test on an old CPU.
    Linux on x86-64 only: the scan reads ELF code with objdump, and qemu-user is a Linux tool.  (MSVC's x64
    default is SSE2, which Windows builds keep; the macOS build is for Apple silicon.)"""
    if not cpu_baseline.X86 or sys.platform != "linux":
        return
    problems = cpu_baseline.scan(app_folder())
    if problems:
        sys.exit("\n".join(problems))
    print(f"the libraries built from source keep to {cpu_baseline.BASELINE}")
    with tempfile.TemporaryDirectory(prefix="photoclip-selftest-") as home:
        done = cpu_baseline.emulate(command_line_program(), ["--self-test"], env=bare_environment(home), cwd=home,
                                    frozen=True)
    if done is None:
        message = "qemu-user is not installed, so the self-test did not run on an emulated older CPU"
        if require_emulation:
            sys.exit(message + " (apt install qemu-user)")
        print("note: " + message)
    elif done.returncode != 0:
        sys.exit(f"the self-test failed on an emulated {cpu_baseline.EMULATED_CPU} CPU (exit {done.returncode})")
    elif "cpu default" not in done.stdout:  # PyTorch saw AVX2 or AVX-512: the app ran on the real CPU after all
        sys.exit("the emulated self-test did not run on the emulated CPU (PyTorch reports: "
                 f"{done.stdout.strip()}); see cpu_baseline.frozen_environment")
    else:
        print(f"the self-test passed on an emulated {cpu_baseline.EMULATED_CPU} CPU (no AVX, AVX2 or AVX-512)")


def inno_setup_compiler() -> str | None:
    for candidate in (os.environ.get("ISCC"), shutil.which("iscc"),
                      os.path.join(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)"),
                                   "Inno Setup 6", "ISCC.exe")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def package(version: str) -> None:
    if WINDOWS:
        iscc = inno_setup_compiler()
        if iscc is None:
            sys.exit("Inno Setup 6 is needed for the Windows installer: https://jrsoftware.org/isinfo.php "
                     "(or set ISCC to its ISCC.exe)")
        run(iscc, f"/DAppVersion={version}", os.path.join(HERE, "windows", "photoclip.iss"))
    elif MACOS:
        run("bash", os.path.join(HERE, "macos", "make_dmg.sh"))
    else:
        run("bash", os.path.join(HERE, "make_linux_packages.sh"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-package", action="store_true", help="stop after the app folder and its checks")
    parser.add_argument("--no-install", action="store_true",
                        help="use what this Python already has (no pip install of photoclip and PyInstaller)")
    parser.add_argument("--torch-index", metavar="URL",
                        help="install torch and torchvision from this package index before freezing")
    parser.add_argument("--require-emulation", action="store_true",
                        help="fail when qemu-user is missing rather than skip the emulated-CPU self-test")
    args = parser.parse_args(argv)
    py = sys.executable
    if args.torch_index:
        # PyTorch's documented form (`pip install torch torchvision --index-url URL`), after taking away any
        # other build: a CPU build's metadata names no nvidia-* packages, so PyInstaller collects none.
        run(py, "-m", "pip", "uninstall", "-y", "torch", "torchvision")
        run(py, "-m", "pip", "install", "--index-url", args.torch_index, "torch", "torchvision")
    if not args.no_install:
        run(py, "-m", "pip", "install", "-q", "-e", f"{ROOT}[build]")
        cpu_baseline.rebuild_hnswlib(py)
        if cpu_baseline.X86 and sys.platform.startswith("linux"):
            cpu_baseline.rebuild_dlib(py)
    run(py, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", DIST,
        "--workpath", os.path.join(HERE, "build"), os.path.join(HERE, "photoclip.spec"), cwd=HERE)
    if sys.platform.startswith("linux"):
        count, saved, refused = slim.strip_symbols(app_folder())
        print(f"stripped the symbol tables of {count} libraries: {saved / 1e6:,.0f} MB"
              + (f" (left {len(refused)} as they were: {', '.join(refused)})" if refused else ""))
    version = check_frozen_app()
    check_cpu_baseline(args.require_emulation)
    print(size_report.report(app_folder()))
    if not args.no_package:
        package(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())

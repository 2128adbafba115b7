"""The CPU a package must run on, and the checks that prove it does.

pip builds hnswlib from source (PyPI has no wheel of it for Linux) with `-march=native`: a package frozen on a
machine with AVX-512 then dies with "Illegal instruction" on most laptops (nmslib/hnswlib#468, #553). Every
native extension that photoclip builds from source is rebuilt for a stated baseline before freezing.  dlib-bin's
wheels (the faces stage's dlib) are compiled with AVX, which stops the app on CPUs before 2011 (Nehalem,
Westmere, and Atoms and Celerons long after): its Python module is compiled again from dlib's own source
release, with SSE4 and without AVX, and put in place of the wheel's.  The baseline:

    x86_64   x86-64-v2 (SSE4.2, POPCNT; every x86-64 CPU since 2008-2009, the floor of Windows 11 and
             RHEL 9); hnswlib then takes its SSE distance code, and the wheels from PyPI (PyTorch, numpy,
             ONNX Runtime) pick AVX2 or AVX-512 kernels at run time where the CPU has them
    arm64    the compiler's default (armv8-a); Apple silicon and every 64-bit ARM board

What it costs is measured by `benchmarks/bench_search.py --hnswlib-builds` (native against baseline).

    python packaging/cpu_baseline.py scan FOLDER       # instructions beyond the baseline in the libraries
                                                       # built from source (exit 1 if any)
    python packaging/cpu_baseline.py emulate PROGRAM   # PROGRAM --self-test on an emulated Nehalem CPU
                                                       # (qemu-user: no AVX, no AVX2, no AVX-512)
"""
from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys

X86 = platform.machine().lower() in ("x86_64", "amd64")
BASELINE = "x86-64-v2" if X86 else "the compiler's default"
# The oldest CPU qemu models that has everything in x86-64-v2 and nothing newer.
EMULATED_CPU = "Nehalem"
# Extensions built from source for this app (PyPI's wheels of everything else are portable by policy).
BUILT_FROM_SOURCE = ("hnswlib", "_dlib_pybind11")

_VEX_OR_EVEX = re.compile(r"%[yz]mm\d+|%k[1-7]\b")
# Mnemonics beyond x86-64-v2 that can appear with plain xmm or general registers: AVX's VEX-encoded forms
# (v-prefixed), FMA, BMI1/BMI2 (tzcnt is left out: on older CPUs it runs as bsf, and compilers count on that).
_BEYOND = re.compile(r"^(v(?!err|erw|mcall|mlaunch|mresume|mxoff|mxon|mread|mwrite|mptrld|mptrst|mclear|"
                     r"mfunc|mload|msave|mrun|mmcall)[a-z0-9]+|andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|"
                     r"rorx|sarx|shlx|shrx)$")


def build_environment(native: bool = False) -> dict[str, str]:
    """The environment for `pip install --no-binary hnswlib hnswlib`: the baseline, or -march=native."""
    env = dict(os.environ)
    if native:
        env.pop("HNSWLIB_NO_NATIVE", None)
        return env
    env["HNSWLIB_NO_NATIVE"] = "1"  # drops hnswlib's own -march=native
    if X86 and sys.platform != "win32":  # MSVC's x64 default is SSE2 already
        flags = f"-march={BASELINE} -mtune=generic"
        env["CFLAGS"] = (env.get("CFLAGS", "") + " " + flags).strip()
        env["CXXFLAGS"] = (env.get("CXXFLAGS", "") + " " + flags).strip()
    return env


def rebuild_hnswlib(python: str, *, native: bool = False, target: str | None = None) -> None:
    """Compile hnswlib from source for the baseline (or natively) into `python`'s environment or `target`."""
    from importlib.metadata import version
    cmd = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-cache-dir", "--no-binary", "hnswlib",
           "--force-reinstall", f"hnswlib=={version('hnswlib')}"]
    if target:
        cmd += ["--target", target]
    print("+", ("HNSWLIB_NO_NATIVE=1 " if not native else "") + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=build_environment(native))


def build_dlib(python: str, out: str, jobs: int | None = None) -> str:
    """Compile dlib's Python module (the version of the installed dlib-bin) from its source release for the
    baseline into the folder `out`; returns the module's path.  No BLAS and no GUI; dlib's own copies of libjpeg
    and libpng are compiled in (its module calls them) rather than the build machine's, so it links nothing
    beyond the C++ runtime.  Needs cmake and a C++ compiler; about 7 minutes on 2 quiet cores."""
    import glob
    import tarfile
    import tempfile
    from importlib.metadata import version

    release = version("dlib-bin").split(".post")[0]
    cmake = shutil.which("cmake")
    if cmake is None:
        raise SystemExit("building dlib for the baseline needs cmake (pip install cmake, or the system's)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", tmp,
                        f"dlib=={release}"], check=True)
        with tarfile.open(glob.glob(os.path.join(tmp, "dlib-*.tar.gz"))[0]) as tar:
            tar.extractall(tmp, filter="data")
        source = os.path.join(tmp, f"dlib-{release}", "tools", "python")
        env = dict(os.environ)
        flags = f"-march={BASELINE} -mtune=generic" if X86 and sys.platform != "win32" else ""
        options = ["-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_CXX_FLAGS={flags}", f"-DPYTHON_EXECUTABLE={python}",
                   f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={os.path.abspath(out)}", "-DUSE_AVX_INSTRUCTIONS=OFF",
                   f"-DUSE_SSE4_INSTRUCTIONS={'ON' if X86 else 'OFF'}", "-DDLIB_USE_CUDA=OFF", "-DDLIB_USE_BLAS=OFF",
                   "-DDLIB_USE_LAPACK=OFF", "-DDLIB_NO_GUI_SUPPORT=ON", "-DDLIB_JPEG_SUPPORT=ON",
                   "-DJPEG_FOUND=0", "-DDLIB_PNG_SUPPORT=ON", "-DPNG_FOUND=0", "-DDLIB_GIF_SUPPORT=OFF", "-DDLIB_WEBP_SUPPORT=OFF",
                   "-DDLIB_JXL_SUPPORT=OFF", "-DDLIB_LINK_WITH_SQLITE3=OFF", "-DDLIB_USE_FFMPEG=OFF"]
        build = os.path.join(tmp, "build")
        print("+ cmake", source, " ".join(options), flush=True)
        subprocess.run([cmake, "-S", source, "-B", build, *options], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([cmake, "--build", build, "--config", "Release", "-j", str(jobs or os.cpu_count() or 2)],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    found = glob.glob(os.path.join(out, "_dlib_pybind11*"))
    if not found:
        raise SystemExit(f"dlib's build left no module in {out}")
    return found[0]


def rebuild_dlib(python: str) -> None:
    """Put a baseline build of dlib's module in place of dlib-bin's in `python`'s environment."""
    import tempfile

    site = subprocess.run([python, "-c", "import importlib.util, os; s = importlib.util.find_spec('_dlib_pybind11'); "
                           "print(s.origin)"], check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as out:
        built = build_dlib(python, out)
        shutil.copy2(built, site)
    print(f"dlib's module rebuilt for {BASELINE}: {site}", flush=True)


def beyond_baseline(library: str) -> dict[str, int]:
    """Instructions in `library` that a baseline CPU lacks, by mnemonic (x86-64 only; {} elsewhere)."""
    if not X86:
        return {}
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", library], capture_output=True, text=True,
                         check=True).stdout
    found: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[-1].strip():
            continue
        text = parts[-1].strip()
        mnemonic = text.split()[0]
        if _BEYOND.match(mnemonic) or _VEX_OR_EVEX.search(text):
            found[mnemonic] = found.get(mnemonic, 0) + 1
    return found


def scan(folder: str) -> list[str]:
    """One line per library built from source under `folder` that uses instructions beyond the baseline."""
    problems, seen = [], 0
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            if name.startswith(BUILT_FROM_SOURCE) and (".so" in name or name.endswith(".pyd")):
                seen += 1
                found = beyond_baseline(os.path.join(parent, name))
                if found:
                    worst = ", ".join(f"{m} x{n}" for m, n in sorted(found.items(), key=lambda kv: -kv[1])[:6])
                    problems.append(f"{os.path.relpath(os.path.join(parent, name), folder)}: {sum(found.values())}"
                                    f" instructions beyond {BASELINE} ({worst})")
    if not seen:
        problems.append(f"no library of {', '.join(BUILT_FROM_SOURCE)} found under {folder}")
    return problems


def frozen_environment(program: str, env: dict[str, str]) -> dict[str, str]:
    """What PyInstaller's Linux bootloader sets before it exec()s itself a second time, so that it starts right
    at the second stage.  qemu-user runs an exec()ed program natively (it follows no execve), so without this the
    frozen app would leave the emulated CPU in its first millisecond and prove nothing."""
    return {**env, "_PYI_ARCHIVE_FILE": program, "_PYI_PARENT_PROCESS_LEVEL": "-1",
            "_PYI_LINUX_PROCESS_NAME": os.path.basename(program),
            "LD_LIBRARY_PATH": os.path.join(os.path.dirname(program), "_internal")}


def emulate(program: str, args: list[str], env: dict[str, str] | None = None, cwd: str | None = None,
            timeout: float = 1800, frozen: bool = False) -> subprocess.CompletedProcess | None:
    """Run `program args` on an emulated baseline CPU (stdout captured and echoed); None where qemu-user is not
    installed.  `frozen`: a PyInstaller app (see frozen_environment)."""
    qemu = shutil.which("qemu-x86_64") or shutil.which("qemu-x86_64-static")
    if not X86 or qemu is None:
        return None
    if frozen:
        env = frozen_environment(program, dict(os.environ) if env is None else env)
    cmd = [qemu, "-cpu", EMULATED_CPU, program, *args]
    print("+", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, stdout=subprocess.PIPE, text=True)
    print(done.stdout, end="", flush=True)
    return done


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("scan").add_argument("folder")
    sub.add_parser("emulate").add_argument("program")
    args = parser.parse_args(argv)
    if args.command == "scan":
        problems = scan(args.folder)
        for line in problems:
            print(line)
        if not problems:
            print(f"every library built from source under {args.folder} keeps to {BASELINE}")
        return 1 if problems else 0
    done = emulate(os.path.abspath(args.program), ["--self-test"], frozen=True)
    if done is None:
        print("qemu-user is not installed (Debian: apt install qemu-user)", file=sys.stderr)
        return 2
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())

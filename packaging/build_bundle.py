"""Build the tray app's onedir bundle for this operating system, archive it and self-test it.

    python packaging/build_bundle.py [--python PYTHON] [--dist FOLDER] [--skip-archive] [--skip-self-test]
    python packaging/build_bundle.py --archive-only [--dist FOLDER]

The script installs PyInstaller into the build Python when it is missing or too old, and
runs the spec in packaging/pyinstaller. It then packs the bundle into a .tar.xz (Linux) or
.zip (Windows, macOS), prints the sizes and times, and runs the bundled binary with
--self-test last, so that its verdict is the last line printed.

--archive-only packs a bundle built earlier, for a release job that signs the bundle
between building and packing it. Only the standard library is used here, so any
Python 3.11+ can run this script.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

try:
    import resource
except ImportError:  # Windows has no resource module, so there the CPU time is not reported.
    resource = None

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pyinstaller" / "printernizer_stats.spec"
PYINSTALLER_REQUIREMENT = "pyinstaller>=6.10"
PYINSTALLER_MINIMUM_VERSION = (6, 10)
SELF_TEST_TIMEOUT_SECONDS = 120
# On the 110.6 MiB Linux bundle, preset 6 made a 33.2 MiB archive and preset 9 made 32.4 MiB.
# Preset 6 needs 94 MiB of memory to compress and 9 MiB to decompress, where preset 9 needs
# 674 MiB and 65 MiB (xz(1) of XZ Utils 5.4).
XZ_PRESET = 6

sys.path.insert(0, str(SPEC.parent))
import bundle_metadata  # noqa: E402


def default_python() -> Path:
    """Return the repository's .venv Python when it exists, otherwise the Python running this script."""
    venv_python = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return venv_python if venv_python.exists() else Path(sys.executable)


def ensure_pyinstaller(python: Path) -> str:
    """Install PyInstaller into `python`'s environment unless a new enough one is there, and return its version."""
    version = _pyinstaller_version(python)
    if version is None or _version_numbers(version) < PYINSTALLER_MINIMUM_VERSION:
        print(f"Installing {PYINSTALLER_REQUIREMENT} into {python} ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", PYINSTALLER_REQUIREMENT],
            check=True,
        )
        version = _pyinstaller_version(python)

    if version is None:
        msg = f"PyInstaller is still missing from {python} after installing {PYINSTALLER_REQUIREMENT!r}."
        raise SystemExit(msg)
    return version


def _pyinstaller_version(python: Path) -> str | None:
    completed = subprocess.run(
        [str(python), "-c", "import PyInstaller; print(PyInstaller.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() if completed.returncode == 0 else None


def _version_numbers(version: str) -> tuple[int, ...]:
    numbers = []
    for part in version.split(".")[:2]:
        digits = "".join(character for character in part if character.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def run_pyinstaller(python: Path, dist: Path, work: Path) -> None:
    command = [
        str(python), "-m", "PyInstaller", "--noconfirm", "--clean",
        "--distpath", str(dist), "--workpath", str(work), str(SPEC),
    ]
    print("Running", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


def bundle_root(dist: Path) -> Path:
    """Return what the archive holds: the .app on macOS, the onedir folder elsewhere."""
    if sys.platform == "darwin":
        return dist / f"{bundle_metadata.DISPLAY_NAME}.app"
    return dist / bundle_metadata.BUNDLE_FOLDER


def console_executable(dist: Path) -> Path:
    """Return the bundled executable that prints to a console: the one to self-test."""
    name = bundle_metadata.CONSOLE_EXECUTABLE + (".exe" if sys.platform.startswith("win") else "")
    if sys.platform == "darwin":
        return bundle_root(dist) / "Contents" / "MacOS" / name
    return bundle_root(dist) / name


def archive_name(version: str) -> str:
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64")
    extension = "tar.xz" if system == "linux" else "zip"
    return f"{bundle_metadata.BUNDLE_FOLDER}-{version}-{system}-{machine}.{extension}"


def write_archive(source: Path, archive: Path) -> None:
    """Pack `source` into a .tar.xz or .zip archive whose single top-level entry is `source`'s name."""
    archive.unlink(missing_ok=True)
    if archive.name.endswith(".tar.xz"):
        with tarfile.open(archive, "w:xz", preset=XZ_PRESET) as tar:
            tar.add(source, arcname=source.name)
        return

    if sys.platform == "darwin":
        # ditto keeps the symbolic links and extended attributes that a signed .app depends on.
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(source), str(archive)], check=True)
        return

    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zip_file:
        for path in sorted(source.rglob("*")):
            zip_file.write(path, Path(source.name) / path.relative_to(source))


def folder_size_bytes(folder: Path) -> int:
    """Add up the sizes of the files under `folder`, counting a symbolic link as the link itself."""
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file() or path.is_symlink())


def run_self_test(executable: Path) -> int:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    print(f"Running {executable} --self-test", flush=True)
    try:
        completed = subprocess.run(
            [str(executable), "--self-test"], env=environment, timeout=SELF_TEST_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        print(f"The self-test did not finish within {SELF_TEST_TIMEOUT_SECONDS} s.", file=sys.stderr)
        return 1
    return completed.returncode


class StepTimer:
    """Measure a step's wall time and the CPU time of this process and its finished children.

    CPU time is reported next to wall time because it changes little when other work
    shares the machine, while wall time can double.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.wall_seconds = 0.0
        self.cpu_seconds = 0.0

    def __enter__(self) -> StepTimer:
        self._wall_start = time.monotonic()
        self._cpu_start = _cpu_seconds()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall_seconds = time.monotonic() - self._wall_start
        self.cpu_seconds = _cpu_seconds() - self._cpu_start

    def summary(self) -> str:
        cpu = f"{self.cpu_seconds:.0f} s CPU" if resource is not None else "CPU time not measured on Windows"
        return f"{self.name.capitalize()}: {self.wall_seconds:.0f} s wall, {cpu}"


def _cpu_seconds() -> float:
    if resource is None:
        return 0.0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def mebibytes(size_bytes: int) -> str:
    return f"{size_bytes / 2**20:.1f} MiB ({size_bytes:,} bytes)"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--python", type=Path, default=default_python(),
                        help="Python whose environment has the app's dependencies (default: .venv, else this one)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="folder for the bundle and its archive (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="folder for PyInstaller's intermediate files (default: build/pyinstaller/)")
    parser.add_argument("--archive-only", action="store_true",
                        help="pack the bundle already in --dist without building or self-testing it")
    parser.add_argument("--skip-archive", action="store_true", help="build without writing the .tar.xz or .zip archive")
    parser.add_argument("--skip-self-test", action="store_true", help="build without running the bundle's --self-test")
    return parser.parse_args(argv)


def archive_existing_bundle(dist: Path, version: str) -> int:
    source = bundle_root(dist)
    if not source.is_dir():
        print(f"No bundle was found at {source}; build it first without --archive-only.", file=sys.stderr)
        return 1

    archive = dist / archive_name(version)
    with StepTimer("archive") as timer:
        write_archive(source, archive)
    print(f"Archive: {archive}: {mebibytes(archive.stat().st_size)}")
    print(timer.summary())
    return 0


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    version = bundle_metadata.read_version(ROOT / "app" / "__init__.py")
    if arguments.archive_only:
        return archive_existing_bundle(arguments.dist, version)
    print(f"PyInstaller {ensure_pyinstaller(arguments.python)}, app version {version}", flush=True)

    with StepTimer("build") as build_timer:
        run_pyinstaller(arguments.python, arguments.dist, arguments.work)

    archive = arguments.dist / archive_name(version)
    archive_timer = None
    if not arguments.skip_archive:
        with StepTimer("archive") as archive_timer:
            write_archive(bundle_root(arguments.dist), archive)

    print(f"Bundle:  {bundle_root(arguments.dist)}: {mebibytes(folder_size_bytes(bundle_root(arguments.dist)))}")
    if archive_timer is not None:
        print(f"Archive: {archive}: {mebibytes(archive.stat().st_size)}")
    for timer in (build_timer, archive_timer):
        if timer is not None:
            print(timer.summary(), flush=True)

    # The self-test runs last, so its verdict line is the last line of the output.
    if arguments.skip_self_test:
        return 0
    self_test_status = run_self_test(console_executable(arguments.dist))
    if self_test_status != 0:
        print(f"The bundle's self-test failed with exit code {self_test_status}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

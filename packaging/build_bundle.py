"""Build the tray app's onedir bundle for this operating system, archive it and self-test it.

    python packaging/build_bundle.py [--python PYTHON] [--dist FOLDER] [--skip-self-test]

Steps: install PyInstaller into the build Python when it is missing or too old, run the
spec in packaging/pyinstaller, pack the bundle into a .tar.xz (Linux) or .zip (Windows,
macOS), run the bundled binary with --self-test, and print the sizes. Only the standard
library is used here, so any Python 3.11+ can run this script.
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

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pyinstaller" / "printernizer_stats.spec"
PYINSTALLER_REQUIREMENT = "pyinstaller>=6.10"
PYINSTALLER_MINIMUM_VERSION = (6, 10)
SELF_TEST_TIMEOUT_SECONDS = 120
XZ_PRESET = 9

sys.path.insert(0, str(SPEC.parent))
import bundle_metadata  # noqa: E402


def default_python() -> Path:
    """Return the repository's .venv Python when it exists, otherwise the Python running this script."""
    venv_python = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return venv_python if venv_python.exists() else Path(sys.executable)


def ensure_pyinstaller(python: Path) -> str:
    """Install PyInstaller into `python`'s environment unless a new enough one is there; return its version."""
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
    name = bundle_metadata.CONSOLE_EXECUTABLE + (".exe" if os.name == "nt" else "")
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
    parser.add_argument("--skip-self-test", action="store_true", help="build and archive without running --self-test")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    version = bundle_metadata.read_version(ROOT / "app" / "__init__.py")
    print(f"PyInstaller {ensure_pyinstaller(arguments.python)}, app version {version}", flush=True)

    started = time.monotonic()
    run_pyinstaller(arguments.python, arguments.dist, arguments.work)
    build_seconds = time.monotonic() - started

    started = time.monotonic()
    archive = arguments.dist / archive_name(version)
    write_archive(bundle_root(arguments.dist), archive)
    archive_seconds = time.monotonic() - started

    self_test_status = 0
    if not arguments.skip_self_test:
        self_test_status = run_self_test(console_executable(arguments.dist))

    print(f"Bundle:  {bundle_root(arguments.dist)}: {mebibytes(folder_size_bytes(bundle_root(arguments.dist)))}")
    print(f"Archive: {archive}: {mebibytes(archive.stat().st_size)}")
    print(f"Build {build_seconds:.0f} s, archive {archive_seconds:.0f} s")
    if self_test_status != 0:
        print(f"The bundle's self-test failed with exit code {self_test_status}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Gather what goes into the bundle from the repository: modules, resource files, translations."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

# Files under resources/ that never ship as data: Python files come from the import graph,
# Linguist sources are compiled, and a .qm left in the source tree may be stale.
SKIPPED_RESOURCE_SUFFIXES = {".py", ".pyc", ".ts", ".qm"}


def app_modules(package_folder: Path) -> list[str]:
    """Name every module of a package, so that the imports it makes inside functions are bundled."""
    names = []
    for source in sorted(package_folder.rglob("*.py")):
        parts = source.relative_to(package_folder.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def resource_files(resources_folder: Path) -> list[tuple[str, str]]:
    """List the data files of resources/ as (source path, destination folder) pairs for Analysis."""
    pairs = []
    for source in sorted(resources_folder.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts or source.suffix in SKIPPED_RESOURCE_SUFFIXES:
            continue
        destination = Path(resources_folder.name) / source.parent.relative_to(resources_folder)
        pairs.append((str(source), destination.as_posix()))
    return pairs


def lrelease_path() -> Path:
    """Return the lrelease tool that ships inside the PySide6 wheel, without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        msg = f"PySide6 is not installed in {sys.executable}; install the app's [tray] extra before building."
        raise FileNotFoundError(msg)

    tool = Path(spec.submodule_search_locations[0]) / ("lrelease.exe" if sys.platform.startswith("win") else "lrelease")
    if not tool.is_file():
        msg = f"{tool} was not found; install PySide6-Essentials, whose wheels ship lrelease."
        raise FileNotFoundError(msg)
    return tool


def compile_translations(source_folder: Path, output_folder: Path) -> list[tuple[str, str]]:
    """Compile every Qt Linguist .ts file in `source_folder` to a .qm file in `output_folder`.

    Returns (source path, destination folder) pairs that put the .qm files in
    resources/translations inside the bundle.
    """
    output_folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for ts_file in sorted(source_folder.glob("*.ts")):
        qm_file = output_folder / f"{ts_file.stem}.qm"
        subprocess.run([str(lrelease_path()), "-silent", str(ts_file), "-qm", str(qm_file)], check=True)
        pairs.append((str(qm_file), "resources/translations"))
    return pairs

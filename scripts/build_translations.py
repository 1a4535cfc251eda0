"""Refresh the tray app's translation sources and compile them for Qt.

    python scripts/build_translations.py            compile resources/translations/*.ts to .qm
    python scripts/build_translations.py --update   first re-extract the strings from app/ui

The compiled .qm files are committed, so a checkout, a test run and a PyInstaller bundle
work without this step. Run it after changing a user-visible string or a translation.
Uses the lupdate and lrelease binaries that ship inside the PySide6 wheel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = ROOT / "resources" / "translations"
SOURCES_DIR = ROOT / "app" / "ui"
LANGUAGES = ("en", "de")
BASENAME = "usage_stats"


def qt_tool(name: str) -> Path:
    """Return the path of a Qt tool bundled with PySide6; exit with a message if it is missing."""
    import PySide6

    executable = f"{name}.exe" if sys.platform == "win32" else name
    tool = Path(PySide6.__file__).resolve().parent / executable
    if not tool.is_file():
        msg = f"{tool} not found. Install PySide6-Essentials into this Python ({sys.executable}) and retry."
        raise SystemExit(msg)
    return tool


def ts_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"{BASENAME}_{language}.ts"


def update_sources() -> None:
    """Re-extract every tr() and translate() string of app/ui into each .ts file, keeping translations."""
    sources = sorted(str(path) for path in SOURCES_DIR.glob("*.py"))
    for language in LANGUAGES:
        command = [str(qt_tool("lupdate")), "-no-obsolete", "-locations", "none", *sources,
                   "-target-language", language, "-ts", str(ts_path(language))]
        subprocess.run(command, check=True)


def compile_translations(output_dir: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile each .ts file into `output_dir` and return the .qm paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    compiled = []
    for language in LANGUAGES:
        qm = output_dir / f"{BASENAME}_{language}.qm"
        subprocess.run([str(qt_tool("lrelease")), "-silent", str(ts_path(language)), "-qm", str(qm)], check=True)
        compiled.append(qm)
    return compiled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="re-extract the strings from app/ui first")
    parser.add_argument("--output-dir", type=Path, default=TRANSLATIONS_DIR,
                        help="folder for the .qm files (default: resources/translations)")
    args = parser.parse_args(argv)

    if args.update:
        update_sources()
    for path in compile_translations(args.output_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

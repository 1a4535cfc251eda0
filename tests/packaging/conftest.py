"""Make the build script and the spec's helper modules importable by the packaging tests."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Added as folders, not as a package: a top-level "packaging" package would hide the PyPI
# package of that name, which pytest and PyInstaller import.
for folder in (REPO_ROOT / "packaging", REPO_ROOT / "packaging" / "pyinstaller"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

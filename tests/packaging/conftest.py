"""Make the spec's helper modules in packaging/pyinstaller importable by the packaging tests."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_FOLDER = REPO_ROOT / "packaging" / "pyinstaller"

if str(SPEC_FOLDER) not in sys.path:
    sys.path.insert(0, str(SPEC_FOLDER))

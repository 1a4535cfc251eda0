"""Names, version and platform metadata of the tray-app bundle: Info.plist and Windows version info."""

from __future__ import annotations

import ast
import re
from pathlib import Path

DISPLAY_NAME = "Printernizer Usage Statistics"
BUNDLE_ID = "org.printernizer.usage-statistics"
COMPANY_NAME = "Printernizer"
DESCRIPTION = "Printernizer Usage Statistics tray app"
COPYRIGHT = "Copyright (c) Printernizer contributors. MIT License."

# The windowed executable starts the tray app, and the console one runs the headless commands
# and --self-test with visible output. On Linux the two are one file.
GUI_EXECUTABLE = "PrinternizerStats"
CONSOLE_EXECUTABLE = "printernizer-stats"
BUNDLE_FOLDER = "printernizer-stats"

# Qt 6.10 and 6.11 support macOS 13 and newer (Qt for macOS documentation, "Supported
# Configurations"), so older systems get Finder's "requires a newer macOS" message.
MINIMUM_MACOS_VERSION = "13.0"

_VERSION_PATTERN = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:[.-]?(?:a|b|rc|dev|post)\d*)?$")


class MetadataError(Exception):
    """The bundle metadata could not be read or is invalid."""


def read_version(package_init: Path) -> str:
    """Read ``__version__`` from a package's ``__init__.py`` without importing the package."""
    tree = ast.parse(package_init.read_text(encoding="utf-8"), filename=str(package_init))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__version__" for target in node.targets
        ):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value

    msg = f"No string __version__ assignment was found in {package_init}; add one such as __version__ = '1.2.3'."
    raise MetadataError(msg)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Turn '1.2.3' (optionally with a pre- or post-release suffix) into the four numbers Windows expects."""
    match = _VERSION_PATTERN.match(version)
    if match is None:
        msg = f"Version {version!r} is not MAJOR.MINOR.PATCH with an optional a/b/rc/dev/post suffix."
        raise MetadataError(msg)

    major, minor, patch = (int(part) for part in match.groups())
    if max(major, minor, patch) > 0xFFFF:
        msg = f"Version {version!r} has a part above 65535, which Windows version resources cannot hold."
        raise MetadataError(msg)
    return major, minor, patch, 0


def info_plist(version: str) -> dict[str, object]:
    """Return the Info.plist keys for the macOS app: a menu-bar app with no Dock icon."""
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundlePackageType": "APPL",
        "LSUIElement": True,
        # PyInstaller writes True here when the last executable of the bundle is a console one,
        # as ours is, and macOS then never lets the app's windows take the focus.
        "LSBackgroundOnly": False,
        # Without these, macOS draws its own dialogs, such as the save panel, in English only.
        "CFBundleDevelopmentRegion": "en",
        "CFBundleLocalizations": ["en", "de"],
        "LSMinimumSystemVersion": MINIMUM_MACOS_VERSION,
        "NSHighResolutionCapable": True,
        "NSHumanReadableCopyright": COPYRIGHT,
    }


def windows_version_info_text(version: str, original_filename: str) -> str:
    """Return a PyInstaller version-info file: a Python expression that builds a VSVersionInfo.

    PyInstaller evaluates it with ``PyInstaller.utils.win32.versioninfo`` in scope. That
    module imports pefile and so loads only on Windows, which is why the spec passes EXE
    the file's path and not a VSVersionInfo object.
    """
    numbers = version_tuple(version)
    strings = {
        "CompanyName": COMPANY_NAME,
        "FileDescription": DESCRIPTION,
        "FileVersion": version,
        "InternalName": CONSOLE_EXECUTABLE,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": original_filename,
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version,
    }
    string_structs = ",\n          ".join(f"StringStruct({key!r}, {value!r})" for key, value in strings.items())

    # 0x040904B0 is US English with the Unicode code page, the pair Windows Explorer reads first.
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [{string_structs}])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""

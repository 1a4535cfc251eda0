"""Load the app and tray icons from resources/icons at every size that ships."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_SIZES_PX = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICONS_DIR = Path(str(resources.files("resources") / "icons"))

APP_ICON_NAME = "app"
INACTIVE_ICON_NAME = "tray-inactive"


def load_icon(name: str) -> QIcon:
    """Build an icon from the PNG renderings of `name`, with the SVG as the fallback for other sizes.

    The PNGs come first because Qt picks the closest bitmap for the tray and taskbar, and a
    bitmap drawn at its own size stays sharp at 16 px where a scaled SVG blurs.
    """
    icon = QIcon()
    for size in ICON_SIZES_PX:
        png = ICONS_DIR / f"{name}-{size}.png"
        if png.is_file():
            icon.addFile(str(png))

    svg = ICONS_DIR / f"{name}.svg"
    if svg.is_file():
        icon.addFile(str(svg))
    return icon


def app_icon() -> QIcon:
    return load_icon(APP_ICON_NAME)


def tray_icon(sharing_active: bool) -> QIcon:
    """Return the coloured icon while reports are shared and the grey one otherwise."""
    return load_icon(APP_ICON_NAME if sharing_active else INACTIVE_ICON_NAME)

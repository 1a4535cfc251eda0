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
    """Build an icon from the PNG renderings of `name`, or from its SVG when no PNG exists.

    Qt picks the PNG closest to the size the tray or taskbar asks for. The PNGs are
    rendered from the SVG at each size in ICON_SIZES_PX, so no size is scaled from another.
    """
    icon = QIcon()
    for size in ICON_SIZES_PX:
        png = ICONS_DIR / f"{name}-{size}.png"
        if png.is_file():
            icon.addFile(str(png))

    if icon.isNull():
        icon.addFile(str(ICONS_DIR / f"{name}.svg"))
    return icon


def app_icon() -> QIcon:
    return load_icon(APP_ICON_NAME)


def tray_icon(sharing_active: bool) -> QIcon:
    """Return the coloured icon while reports are shared and the grey one otherwise."""
    return load_icon(APP_ICON_NAME if sharing_active else INACTIVE_ICON_NAME)

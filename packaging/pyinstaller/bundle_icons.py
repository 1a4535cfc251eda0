"""Write the Windows .ico and macOS .icns app icons from the PNG renderings in resources/icons.

Both formats store each size as a complete PNG file: ICO has done so since Windows Vista,
and ICNS since macOS 10.7 for the types used here. A size without a PNG in the repository
is rendered from the SVG with Qt. Run as a script to write both files:

    python bundle_icons.py ICON_FOLDER OUTPUT_FOLDER [NAME]
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ICO_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)

# ICNS element types that hold a PNG, with the pixel size each one holds. The "@2x" types
# reuse the PNG of twice the point size.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)

_ICO_HEADER = struct.Struct("<HHH")
_ICO_ENTRY = struct.Struct("<BBBBHHII")
_ICNS_HEADER = struct.Struct(">4sI")


class IconError(Exception):
    """An icon file could not be built from the given images."""


def png_size(png: bytes) -> tuple[int, int]:
    """Return (width, height) in pixels from a PNG file's IHDR chunk."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        msg = "The data is not a PNG file: it lacks the PNG signature or the IHDR chunk."
        raise IconError(msg)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """Pack square PNG images, keyed by their size in pixels, into one ICO file."""
    if not pngs:
        msg = "An ICO file needs at least one image; none was given."
        raise IconError(msg)

    sizes = sorted(pngs)
    offset = _ICO_HEADER.size + _ICO_ENTRY.size * len(sizes)
    entries = bytearray()
    for size in sizes:
        _check_png_size(pngs[size], size)
        if size > 256:
            msg = f"ICO images are at most 256 px wide; got {size} px."
            raise IconError(msg)
        # A width or height of 256 is written as 0 because the field is one byte.
        dimension = 0 if size == 256 else size
        entries += _ICO_ENTRY.pack(dimension, dimension, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])

    header = _ICO_HEADER.pack(0, 1, len(sizes))
    return header + bytes(entries) + b"".join(pngs[size] for size in sizes)


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """Pack PNG images, keyed by their size in pixels, into one ICNS file."""
    elements = bytearray()
    for element_type, size in ICNS_TYPES:
        if size not in pngs:
            continue
        _check_png_size(pngs[size], size)
        elements += _ICNS_HEADER.pack(element_type, _ICNS_HEADER.size + len(pngs[size])) + pngs[size]

    if not elements:
        msg = f"An ICNS file needs an image of one of the sizes {sorted({size for _, size in ICNS_TYPES})}."
        raise IconError(msg)
    return _ICNS_HEADER.pack(b"icns", _ICNS_HEADER.size + len(elements)) + bytes(elements)


def _check_png_size(png: bytes, size: int) -> None:
    if png_size(png) != (size, size):
        msg = f"The image given for {size} px is {png_size(png)[0]}x{png_size(png)[1]} px."
        raise IconError(msg)


def collect_pngs(icon_folder: Path, name: str, sizes: set[int]) -> dict[int, bytes]:
    """Read `name`-SIZE.png for each size, rendering the ones that are missing from `name`.svg."""
    pngs = {}
    missing = []
    for size in sorted(sizes):
        png_file = icon_folder / f"{name}-{size}.png"
        if png_file.is_file():
            pngs[size] = png_file.read_bytes()
        else:
            missing.append(size)

    if missing:
        pngs.update(render_svg(icon_folder / f"{name}.svg", missing))
    return pngs


def render_svg(svg_file: Path, sizes: list[int]) -> dict[int, bytes]:
    """Render an SVG to square PNGs with Qt, in a child process so this one never loads Qt."""
    if not svg_file.is_file():
        msg = f"Cannot render icon sizes {sizes} because {svg_file} does not exist."
        raise IconError(msg)

    pngs = {}
    for size in sizes:
        completed = subprocess.run(
            [sys.executable, __file__, "--render", str(svg_file), str(size)],
            capture_output=True,
            check=False,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        if completed.returncode != 0:
            msg = f"Rendering {svg_file} at {size} px failed: {completed.stderr.decode(errors='replace')}"
            raise IconError(msg)
        pngs[size] = completed.stdout
    return pngs


def _render_to_stdout(svg_file: str, size: int) -> int:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    application = QGuiApplication([sys.argv[0]])  # noqa: F841 - QPainter needs a running GUI application
    renderer = QSvgRenderer(svg_file)
    if not renderer.isValid():
        print(f"{svg_file} is not a valid SVG file.", file=sys.stderr)
        return 1

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    sys.stdout.buffer.write(bytes(data.data()))
    return 0


def write_app_icons(icon_folder: Path, output_folder: Path, name: str = "app") -> tuple[Path, Path]:
    """Write `name`.ico and `name`.icns into `output_folder` and return their paths."""
    pngs = collect_pngs(icon_folder, name, set(ICO_SIZES_PX) | {size for _, size in ICNS_TYPES})
    output_folder.mkdir(parents=True, exist_ok=True)

    ico_file = output_folder / f"{name}.ico"
    ico_file.write_bytes(build_ico({size: pngs[size] for size in ICO_SIZES_PX}))
    icns_file = output_folder / f"{name}.icns"
    icns_file.write_bytes(build_icns(pngs))
    return ico_file, icns_file


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--render":
        return _render_to_stdout(argv[1], int(argv[2]))
    if len(argv) not in {2, 3}:
        print(__doc__, file=sys.stderr)
        return 2

    for written in write_app_icons(Path(argv[0]), Path(argv[1]), *argv[2:]):
        print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

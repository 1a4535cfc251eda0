"""The .ico and .icns files written from the repository's icons, read back by hand and by Qt."""

import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QImageReader

import bundle_icons

ICON_FOLDER = Path(__file__).resolve().parents[2] / "resources" / "icons"


def read_ico_entries(data: bytes) -> list[tuple[int, int, int]]:
    """Return (width, bytes, offset) for each image of an ICO file, with width 0 read as 256."""
    reserved, image_type, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, image_type) == (0, 1)
    entries = []
    for index in range(count):
        width, height, _, _, planes, bit_count, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        assert (width, planes, bit_count) == (height, 1, 32)
        entries.append((width or 256, size, offset))
    return entries


def read_icns_elements(data: bytes) -> list[tuple[bytes, bytes]]:
    magic, total = struct.unpack_from(">4sI", data, 0)
    assert (magic, total) == (b"icns", len(data))
    elements, offset = [], 8
    while offset < len(data):
        element_type, length = struct.unpack_from(">4sI", data, offset)
        elements.append((element_type, data[offset + 8 : offset + length]))
        offset += length
    return elements


@pytest.fixture(scope="module")
def app_pngs():
    sizes = set(bundle_icons.ICO_SIZES_PX) | {size for _, size in bundle_icons.ICNS_TYPES}
    return bundle_icons.collect_pngs(ICON_FOLDER, "app", sizes)


def test_png_size_reads_repository_icon():
    assert bundle_icons.png_size((ICON_FOLDER / "app-48.png").read_bytes()) == (48, 48)


def test_png_size_rejects_non_png():
    with pytest.raises(bundle_icons.IconError, match="not a PNG file"):
        bundle_icons.png_size(b"GIF89a" + bytes(30))


def test_build_ico_holds_each_size_once(app_pngs):
    pngs = {size: app_pngs[size] for size in bundle_icons.ICO_SIZES_PX}

    data = bundle_icons.build_ico(pngs)

    entries = read_ico_entries(data)
    assert [width for width, _, _ in entries] == list(bundle_icons.ICO_SIZES_PX)
    for width, size, offset in entries:
        assert data[offset : offset + size] == pngs[width]
    assert entries[-1][2] + entries[-1][1] == len(data)


def test_build_ico_is_readable_by_qt(app_pngs, tmp_path):
    ico_file = tmp_path / "app.ico"
    ico_file.write_bytes(bundle_icons.build_ico({size: app_pngs[size] for size in bundle_icons.ICO_SIZES_PX}))

    reader = QImageReader(str(ico_file))

    assert reader.imageCount() == len(bundle_icons.ICO_SIZES_PX)
    assert reader.read().isNull() is False


def test_build_ico_rejects_image_above_256_px(app_pngs):
    with pytest.raises(bundle_icons.IconError, match="at most 256 px wide; got 512 px"):
        bundle_icons.build_ico({512: app_pngs[512]})


def test_build_ico_rejects_mislabelled_size(app_pngs):
    with pytest.raises(bundle_icons.IconError, match="given for 32 px is 16x16 px"):
        bundle_icons.build_ico({32: app_pngs[16]})


def test_build_ico_rejects_empty_input():
    with pytest.raises(bundle_icons.IconError, match="at least one image"):
        bundle_icons.build_ico({})


def test_build_icns_holds_every_type(app_pngs):
    data = bundle_icons.build_icns(app_pngs)

    elements = read_icns_elements(data)
    assert [element_type for element_type, _ in elements] == [element_type for element_type, _ in bundle_icons.ICNS_TYPES]
    for (element_type, payload), (_, size) in zip(elements, bundle_icons.ICNS_TYPES, strict=True):
        assert bundle_icons.png_size(payload) == (size, size), element_type


def test_build_icns_is_readable_by_qt(app_pngs, tmp_path):
    icns_file = tmp_path / "app.icns"
    icns_file.write_bytes(bundle_icons.build_icns(app_pngs))

    reader = QImageReader(str(icns_file))

    assert reader.canRead() is True
    assert reader.read().isNull() is False


def test_build_icns_skips_missing_sizes(app_pngs):
    elements = read_icns_elements(bundle_icons.build_icns({16: app_pngs[16], 128: app_pngs[128]}))

    assert [element_type for element_type, _ in elements] == [b"icp4", b"ic07"]


def test_build_icns_rejects_unusable_sizes(app_pngs):
    with pytest.raises(bundle_icons.IconError, match="needs an image of one of the sizes"):
        bundle_icons.build_icns({24: app_pngs[24]})


def test_collect_pngs_renders_missing_size_from_svg(tmp_path):
    (tmp_path / "app.svg").write_bytes((ICON_FOLDER / "app.svg").read_bytes())
    (tmp_path / "app-16.png").write_bytes((ICON_FOLDER / "app-16.png").read_bytes())

    pngs = bundle_icons.collect_pngs(tmp_path, "app", {16, 40})

    assert pngs[16] == (ICON_FOLDER / "app-16.png").read_bytes()
    assert bundle_icons.png_size(pngs[40]) == (40, 40)


def test_collect_pngs_without_svg_names_missing_file(tmp_path):
    with pytest.raises(bundle_icons.IconError, match=r"sizes \[40\] because .*app\.svg does not exist"):
        bundle_icons.collect_pngs(tmp_path, "app", {40})


def test_write_app_icons_writes_both_files(tmp_path):
    ico_file, icns_file = bundle_icons.write_app_icons(ICON_FOLDER, tmp_path / "out")

    assert ico_file == tmp_path / "out" / "app.ico"
    assert icns_file == tmp_path / "out" / "app.icns"
    assert len(read_ico_entries(ico_file.read_bytes())) == len(bundle_icons.ICO_SIZES_PX)
    assert len(read_icns_elements(icns_file.read_bytes())) == len(bundle_icons.ICNS_TYPES)

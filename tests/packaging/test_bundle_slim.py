"""Which collected files the spec keeps in the bundle, and the pruning of unreferenced libraries."""

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo

import bundle_slim


@pytest.mark.parametrize(
    ("dest_name", "expected"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libivi-shell.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/translations/qt_de.qm", True),
        ("PySide6/Qt/translations/qtbase_fr.qm", False),
        ("PySide6/Qt/translations/qtdeclarative_de.qm", False),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/lib/libQt6Network.so.6", True),
        ("PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", False),
        ("libQt6Pdf.so.6", False),
        ("libfontconfig.so.1", False),
        ("libglib-2.0.so.0", False),
        ("libxcb-cursor.so.0", True),
        ("libffi.so.8", True),
        ("resources/icons/app.svg", True),
        ("tzdata/zoneinfo/zone.tab", True),
    ],
)
def test_keeps_on_linux(dest_name, expected):
    assert bundle_slim.keeps(dest_name, "linux") is expected


@pytest.mark.parametrize(
    ("dest_name", "expected"),
    [
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6\\plugins\\platforms\\qdirect2d.dll", False),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True),
        ("PySide6\\plugins\\imageformats\\qsvg.dll", True),
        ("PySide6\\plugins\\imageformats\\qwebp.dll", False),
        ("PySide6\\plugins\\platformthemes\\qxdgdesktopportal.dll", False),
        ("PySide6\\translations\\qtbase_de.qm", True),
        ("PySide6\\translations\\qtbase_ja.qm", False),
        ("PySide6\\Qt6Quick.dll", False),
        ("PySide6\\Qt6Widgets.dll", True),
        ("PySide6\\opengl32sw.dll", False),
        ("PySide6\\d3dcompiler_47.dll", False),
        ("PySide6\\pyside6.abi3.dll", True),
        ("libfontconfig.so.1", True),
    ],
)
def test_keeps_on_windows(dest_name, expected):
    assert bundle_slim.keeps(dest_name, "win32") is expected


@pytest.mark.parametrize(
    ("dest_name", "expected"),
    [
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.dylib", False),
        ("PySide6/Qt/plugins/styles/libqmacstyle.dylib", True),
        ("PySide6/Qt/lib/QtQml.framework/Versions/A/QtQml", False),
        ("PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets", True),
    ],
)
def test_keeps_on_macos(dest_name, expected):
    assert bundle_slim.keeps(dest_name, "darwin") is expected


def test_keeps_rejects_unknown_platform():
    with pytest.raises(ValueError, match="sys.platform is 'freebsd14'"):
        bundle_slim.keeps("anything", "freebsd14")


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("libqxcb.so", "xcb"),
        ("qwindows.dll", "windows"),
        ("libqcocoa.dylib", "cocoa"),
        ("libxdg-shell.so", "xdg-shell"),
        ("libcomposeplatforminputcontextplugin.so", "composeplatforminputcontextplugin"),
    ],
)
def test_plugin_name_strips_prefix_and_suffix(file_name, expected):
    assert bundle_slim.plugin_name(file_name) == expected


def test_kept_plugins_exist_in_wheel():
    plugin_folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    kept_plugins = bundle_slim.KEPT_PLUGINS[bundle_slim.platform_key(sys.platform)]

    for category, names in kept_plugins.items():
        installed = {
            bundle_slim.plugin_name(path.name)
            for path in (plugin_folder / category).glob("*")
            if path.suffix in {".so", ".dll", ".dylib"}
        }
        # Some categories list a plugin for each of the PySide6 versions the app supports.
        assert names & installed, category
    assert kept_plugins["platforms"] <= installed_platforms(plugin_folder)


def installed_platforms(plugin_folder):
    return {
        bundle_slim.plugin_name(path.name)
        for path in (plugin_folder / "platforms").glob("*")
        if path.suffix in {".so", ".dll", ".dylib"}
    }


def test_filter_toc_keeps_order_and_entries():
    entries = [
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "/src/libqvnc.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
    ]

    assert bundle_slim.filter_toc(entries, "linux") == entries[1:]


def test_prune_drops_unused_plugin_libraries():
    binaries = [
        ("PySide6/QtGui.abi3.so", "/site/PySide6/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/site/libqxcb.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/site/libQt6Gui.so.6", "BINARY"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "/site/libQt6XcbQpa.so.6", "BINARY"),
        ("libxcb-cursor.so.0", "/usr/lib/libxcb-cursor.so.0", "BINARY"),
        ("libpython3.11.so.1.0", "/py/libpython3.11.so.1.0", "BINARY"),
        ("libcairo.so.2", "/usr/lib/libcairo.so.2", "BINARY"),
        ("libpango-1.0.so.0", "/usr/lib/libpango-1.0.so.0", "BINARY"),
    ]
    dependencies = {
        "/site/PySide6/QtGui.abi3.so": ["libQt6Gui.so.6"],
        "/site/libqxcb.so": ["libQt6XcbQpa.so.6", "libQt6Gui.so.6"],
        "/site/libQt6XcbQpa.so.6": ["libxcb-cursor.so.0", "libxcb.so.1"],
        "/site/libQt6Gui.so.6": [],
        "/usr/lib/libxcb-cursor.so.0": [],
        "/py/libpython3.11.so.1.0": [],
        "/usr/lib/libcairo.so.2": ["libpango-1.0.so.0"],
        "/usr/lib/libpango-1.0.so.0": [],
    }

    kept_binaries = bundle_slim.prune_unreferenced_libraries(binaries, lambda src: dependencies[src])

    assert [entry[0] for entry in kept_binaries] == [
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "libxcb-cursor.so.0",
        "libpython3.11.so.1.0",
    ]


def test_prune_follows_symlink_to_its_target():
    binaries = [
        ("Shiboken.abi3.so", "/site/Shiboken.abi3.so", "EXTENSION"),
        ("libshiboken6.abi3.so.6.11", "shiboken6/libshiboken6.abi3.so.6.11", "SYMLINK"),
        ("shiboken6/libshiboken6.abi3.so.6.11", "/site/libshiboken6.abi3.so.6.11", "BINARY"),
        ("libstdc++.so.6", "/usr/lib/libstdc++.so.6", "BINARY"),
    ]
    dependencies = {
        "/site/Shiboken.abi3.so": ["/elsewhere/libshiboken6.abi3.so.6.11"],
        "/site/libshiboken6.abi3.so.6.11": ["libstdc++.so.6"],
        "/usr/lib/libstdc++.so.6": [],
    }

    kept_binaries = bundle_slim.prune_unreferenced_libraries(binaries, lambda src: dependencies[src])

    assert kept_binaries == binaries

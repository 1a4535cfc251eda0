"""Decide which of the files PyInstaller collected for Qt and the system go into the bundle.

PyInstaller's Qt hooks collect every plugin and translation that the imported Qt modules
might use. The tray app draws widgets with the raster engine, reads PNG and SVG images,
and talks HTTP through httpx and Python's ssl module, so most of them are dead weight.
The spec passes ``Analysis.binaries`` and ``Analysis.datas`` through ``filter_toc``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable

TocEntry = tuple[str, str, str]

# Python modules that the import graph may reach but the app never runs. qasync probes for
# other Qt bindings, and peewee probes for database drivers while the app uses sqlite3
# only. The list adds Qt modules that the app does not import, and tooling. QtNetwork
# stays because the single-instance check uses its local sockets (but no TLS plugin).
EXCLUDED_MODULES = (
    "PyQt5",
    "PyQt6",
    "PySide2",
    "psycopg2",
    "psycopg2cffi",
    "psycopg",
    "pymysql",
    "MySQLdb",
    "pysqlite3",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtPdf",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    "PySide6.QtPrintSupport",
    "tkinter",
    "test",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "ensurepip",
    "pip",
    "setuptools",
    "pkg_resources",
    "IPython",
    "pytest",
    "hypothesis",
)

# Qt plugins to keep, by operating system, plugin category and plugin name. Every other
# plugin, and every category not listed, is left out.
#  - tls, networkinformation: left out, because httpx uses Python's ssl module and the
#    local sockets of QtNetwork need neither.
#  - platforms: the desktop's own plugin, plus offscreen for --self-test and headless use.
#  - imageformats / iconengines: SVG icons; PNG is built into QtGui and needs no plugin.
#  - platformthemes (Linux): the XDG desktop portal gives native file dialogs over D-Bus.
#    The GTK 3 theme is left out because it would pull the whole GTK stack into the bundle.
#  - platforminputcontexts (Linux): compose keys and IBus input methods for the text fields.
#  - wayland-*: the XDG shell and the default window decorations, nothing for OpenGL.
#  - styles: the native widget style on Windows and macOS.
# NOTE: only the Linux lists have run in a bundle so far. The Windows and macOS ones are
# checked by the workflow, whose packaging tests compare them with the installed wheel.
KEPT_PLUGINS = {
    "linux": {
        "platforms": {"xcb", "wayland", "offscreen"},
        "imageformats": {"svg"},
        "iconengines": {"svgicon"},
        "platformthemes": {"xdgdesktopportal"},
        "platforminputcontexts": {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"},
        "wayland-shell-integration": {"xdg-shell"},
        "wayland-decoration-client": {"bradient"},
    },
    "win32": {
        "platforms": {"windows", "offscreen"},
        "imageformats": {"svg"},
        "iconengines": {"svgicon"},
        "styles": {"modernwindowsstyle", "windowsvistastyle"},
    },
    "darwin": {
        "platforms": {"cocoa", "offscreen"},
        "imageformats": {"svg"},
        "iconengines": {"svgicon"},
        "styles": {"macstyle"},
    },
}

# Qt's own German strings for standard buttons and dialogs. English needs no file.
KEPT_QT_TRANSLATIONS = {"qt_de.qm", "qtbase_de.qm"}

# Qt libraries that only the left-out plugins and modules load.
DROPPED_QT_LIBRARIES = {
    "EglFSDeviceIntegration",
    "EglFsKmsSupport",
    "EglFsKmsGbmSupport",
    "OpenGL",
    "OpenGLWidgets",
    "Pdf",
    "Qml",
    "QmlMeta",
    "QmlModels",
    "QmlWorkerScript",
    "Quick",
    "VirtualKeyboard",
    "WaylandEglClientHwIntegration",
}

# Windows files of the PySide6 wheel: the software OpenGL fallback (about 20 MB) and the
# Direct3D shader compiler. They serve Qt Quick and OpenGL widgets, while the app's widgets
# paint with the raster engine, which uses neither.
DROPPED_WINDOWS_FILES = {"opengl32sw.dll", "d3dcompiler_47.dll"}

# Linux system libraries that every desktop already has, and that must match the system's
# own configuration files or services: a bundled fontconfig can fail to parse a newer
# /etc/fonts, and GLib and D-Bus talk to system daemons. PyInstaller already leaves out
# glibc, libGL/libEGL, libxcb and the Wayland client libraries.
EXCLUDED_LINUX_SYSTEM_LIBRARIES = (
    "libfontconfig",
    "libfreetype",
    "libpng16",
    "libbrotlicommon",
    "libbrotlidec",
    "libglib-2.0",
    "libgobject-2.0",
    "libgio-2.0",
    "libgmodule-2.0",
    "libgthread-2.0",
    "libpcre2-8",
    "libmount",
    "libblkid",
    "libselinux",
    "libdbus-1",
    "libsystemd",
    "libgcrypt",
    "libgpg-error",
    "liblz4",
    "libcap",
    "libzstd",
)

_PLUGIN_PATH = re.compile(r"(?:^|/)plugins/(?P<category>[^/]+)/(?P<file>[^/]+)$")
_QT_TRANSLATION_PATH = re.compile(r"^PySide6/(?:Qt/)?translations/(?P<file>[^/]+\.qm)$")
# libQt6Core.so.6, Qt6Core.dll, QtCore.framework/...: the group is the module name.
_QT_LIBRARY_PATH = re.compile(r"(?:^|/)(?:libQt6|Qt6|Qt)(?P<module>[A-Za-z0-9]+)(?:\.so\.\d+|\.dll|\.framework/)")
_SHARED_LIBRARY_NAME = re.compile(r"^(?P<stem>[^/]+?)\.so(?:\.\d+)*$")


def platform_key(sys_platform: str) -> str:
    """Map ``sys.platform`` to a key of ``KEPT_PLUGINS``."""
    for key in KEPT_PLUGINS:
        if sys_platform.startswith(key):
            return key
    msg = f"Bundles are built for Linux, Windows and macOS only; sys.platform is {sys_platform!r}."
    raise ValueError(msg)


def plugin_name(file_name: str) -> str:
    """Return a plugin's name from its file name: libqxcb.so, qxcb.dll and libqxcb.dylib give 'xcb'."""
    stem = file_name.split(".", 1)[0]
    stem = stem.removeprefix("lib")
    # Qt prefixes most plugin files with "q"; a few, such as libxdg-shell.so, have no prefix.
    return stem[1:] if stem.startswith("q") else stem


def keeps(dest_name: str, sys_platform: str) -> bool:
    """Return whether the file that the bundle would hold at `dest_name` stays in it."""
    path = dest_name.replace("\\", "/")
    key = platform_key(sys_platform)

    plugin = _PLUGIN_PATH.search(path)
    if plugin is not None and path.startswith("PySide6/"):
        kept_names = KEPT_PLUGINS[key].get(plugin["category"], set())
        return plugin_name(plugin["file"]) in kept_names

    translation = _QT_TRANSLATION_PATH.match(path)
    if translation is not None:
        return translation["file"] in KEPT_QT_TRANSLATIONS

    library = _QT_LIBRARY_PATH.search(path)
    if library is not None and library["module"] in DROPPED_QT_LIBRARIES:
        return False

    if key == "win32" and posixpath.basename(path).lower() in DROPPED_WINDOWS_FILES:
        return False
    if key == "linux" and "/" not in path:
        return not _is_excluded_linux_system_library(path)
    return True


def _is_excluded_linux_system_library(file_name: str) -> bool:
    match = _SHARED_LIBRARY_NAME.match(file_name)
    return match is not None and match["stem"] in EXCLUDED_LINUX_SYSTEM_LIBRARIES


def filter_toc(entries: Iterable[TocEntry], sys_platform: str) -> list[TocEntry]:
    """Return the (dest_name, src_name, typecode) entries of a PyInstaller TOC that `keeps` allows."""
    return [entry for entry in entries if keeps(entry[0], sys_platform)]


def prune_unreferenced_libraries(
    binaries: list[TocEntry],
    dependencies_of: Callable[[str], Iterable[str]],
) -> list[TocEntry]:
    """Drop the shared libraries that nothing left in `binaries` links to.

    PyInstaller collects the dependencies of every plugin before the spec can filter the
    plugins, so a left-out plugin's libraries (GTK, Cairo and Pango for the GTK 3 theme)
    would stay behind. The walk starts at Python extension modules, Qt plugins and
    libpython, follows `dependencies_of(src_name)` by file name, and keeps what it reaches.
    A library that is only loaded with dlopen() is dropped too, so the bundle's self-test
    must load every plugin that ships.
    """
    by_file_name: dict[str, list[TocEntry]] = {}
    for entry in binaries:
        by_file_name.setdefault(posixpath.basename(_posix(entry[0])), []).append(entry)
    by_dest_name = {_posix(entry[0]): entry for entry in binaries}

    reached: set[str] = set()
    pending = [entry for entry in binaries if _is_dependency_root(entry)]
    while pending:
        dest_name, src_name, typecode = pending.pop()
        if _posix(dest_name) in reached:
            continue
        reached.add(_posix(dest_name))

        if typecode == "SYMLINK":
            target = by_dest_name.get(_posix(src_name))
            pending.extend([target] if target is not None else [])
            continue
        for dependency in dependencies_of(src_name):
            pending.extend(by_file_name.get(posixpath.basename(_posix(dependency)), []))

    return [entry for entry in binaries if _posix(entry[0]) in reached]


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def _is_dependency_root(entry: TocEntry) -> bool:
    dest_name = _posix(entry[0])
    file_name = posixpath.basename(dest_name)
    if _PLUGIN_PATH.search(dest_name) is not None or file_name.startswith("libpython"):
        return True
    # Python extension modules end in .so (no version number after it), and none starts with "lib".
    return file_name.endswith(".so") and not file_name.startswith("lib")

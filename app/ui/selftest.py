"""Check that this installation of the tray app has every part it needs, without a display.

``python -m app --self-test`` (and a bundle's binary with ``--self-test``) runs each check
below on Qt's offscreen platform and in a throwaway data folder, prints one line per check
and returns 0 only when every check passed. The user's own data folder is never opened.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TextIO

ICON_SIZES_PX = (16, 64)
SINGLE_INSTANCE_TIMEOUT_MS = 2000
SELF_TEST_EVENT_TYPE = "app_start"

# Native platform plugins by sys.platform prefix, each with whether it must load here. Qt
# names the files libqxcb.so, libqwayland.so, qwindows.dll and libqcocoa.dylib. The Wayland
# plugin needs the system's libwayland-client and libwayland-cursor, which only machines
# with a Wayland compositor have, so there it must ship but need not load.
NATIVE_PLATFORM_PLUGINS = {
    "linux": (("xcb", True), ("wayland", False)),
    "win32": (("windows", True),),
    "darwin": (("cocoa", True),),
}

# A small SVG, decoded next to a PNG made in memory, so the image plugins are checked apart
# from the icon files.
_SAMPLE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8" viewBox="0 0 8 8">'
    b'<rect width="8" height="8" fill="#1e88e5"/></svg>'
)


class SelfTestFailure(Exception):
    """A self-test check found a missing or broken part of the installation."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: its name, whether it passed, and what it found."""

    name: str
    passed: bool
    detail: str


def run_self_test(output: TextIO | None = None) -> int:
    """Run every check, print one line each and return 0 when all passed, 1 otherwise."""
    stream = output or sys.stdout or sys.stderr
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

    results = list(_run_checks())

    failed = [result for result in results if not result.passed]
    for result in results:
        _print_line(stream, f"{'ok    ' if result.passed else 'FAILED'} {result.name}: {result.detail}")
    summary = f"self-test: {len(results) - len(failed)} passed, {len(failed)} failed"
    _print_line(stream, summary)
    return 1 if failed else 0


def _print_line(stream: TextIO | None, line: str) -> None:
    # A windowed Windows executable has no stdout or stderr, so there the exit code alone reports the outcome.
    if stream is None:
        return
    print(line, file=stream, flush=True)


def _run_checks() -> Iterator[CheckResult]:
    try:
        application = _start_qt()
    except Exception as error:  # noqa: BLE001 - every failure is reported as a failed check
        yield CheckResult("qt-platform", False, _describe(error))
        return

    checks: list[tuple[str, Callable[[], str]]] = [
        ("qt-platform", lambda: _check_qt_platform(application)),
        ("app-modules", _check_app_modules),
        ("native-platform-plugin", _check_native_platform_plugins),
        ("image-plugins", _check_image_plugins),
        ("icons", _check_icons),
        ("tray-icon", _check_tray_icon),
        ("translation-de", lambda: _check_german_translation(application)),
        ("qt-translation-de", _check_qt_german_translation),
        ("bundled-plugins", _check_bundled_plugins),
        ("single-instance", _check_single_instance),
        ("time-zone-data", _check_time_zone_data),
        ("event-store", _check_event_store),
    ]
    for name, check in checks:
        yield _run_one(name, check)


def _run_one(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        detail = check()
    except Exception as error:  # noqa: BLE001 - every failure is reported as a failed check
        return CheckResult(name, False, _describe(error))
    return CheckResult(name, True, detail)


def _describe(error: Exception) -> str:
    if isinstance(error, SelfTestFailure):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _start_qt():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "printernizer-stats"])


def _check_qt_platform(application) -> str:
    from PySide6.QtCore import qVersion

    platform_name = application.platformName()
    if platform_name != "offscreen":
        msg = f"Qt started the {platform_name!r} platform instead of 'offscreen'."
        raise SelfTestFailure(msg)
    return f"Qt {qVersion()} on the offscreen platform"


def _check_app_modules() -> str:
    import app

    names = [module.name for module in pkgutil.walk_packages(app.__path__, prefix="app.")]
    if not names:
        msg = f"No modules of the app package were found in {list(app.__path__)!r}."
        raise SelfTestFailure(msg)

    for name in names:
        importlib.import_module(name)
    return f"imported {len(names)} modules of the app package"


def _check_native_platform_plugins() -> str:
    from PySide6.QtCore import QCoreApplication, QPluginLoader

    expected_plugins = ()
    for prefix, plugins in NATIVE_PLATFORM_PLUGINS.items():
        if sys.platform.startswith(prefix):
            expected_plugins = plugins
    if not expected_plugins:
        return f"no native platform plugin is expected on {sys.platform!r}"

    findings = []
    for name, must_load in expected_plugins:
        plugin_file = _find_platform_plugin(name, QCoreApplication.libraryPaths())
        if plugin_file is None:
            msg = f"The {name!r} platform plugin is missing from {QCoreApplication.libraryPaths()!r}."
            raise SelfTestFailure(msg)

        loader = QPluginLoader(str(plugin_file))
        if loader.load():
            findings.append(f"{name} loads")
        elif must_load:
            msg = f"The {name!r} platform plugin {plugin_file} failed to load: {loader.errorString()}"
            raise SelfTestFailure(msg)
        else:
            findings.append(f"{name} ships but cannot load on this system ({loader.errorString()})")
    return "; ".join(findings)


def _find_platform_plugin(name: str, library_paths: list[str]) -> Path | None:
    for library_path in library_paths:
        platforms = Path(library_path) / "platforms"
        for candidate in sorted(platforms.glob(f"*q{name}.*")):
            if candidate.suffix in {".so", ".dll", ".dylib"}:
                return candidate
    return None


def _check_image_plugins() -> str:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage, QImageReader, QImageWriter

    formats = {bytes(name.data()).decode() for name in QImageReader.supportedImageFormats()}
    missing = {"png", "svg"} - formats
    if missing:
        msg = f"Qt cannot read {sorted(missing)!r} images; it reads {sorted(formats)!r}."
        raise SelfTestFailure(msg)

    sample = QImage(4, 4, QImage.Format.Format_ARGB32)
    sample.fill(QColor("#1e88e5"))
    png_bytes = QByteArray()
    png_buffer = QBuffer(png_bytes)
    png_buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not QImageWriter(png_buffer, b"png").write(sample):
        msg = "Qt failed to write a PNG image."
        raise SelfTestFailure(msg)
    png_buffer.close()

    for data, image_format in ((png_bytes, b"png"), (QByteArray(_SAMPLE_SVG), b"svg")):
        image = QImage.fromData(data, image_format.decode())
        if image.isNull():
            msg = f"Qt failed to decode a sample {image_format.decode().upper()} image."
            raise SelfTestFailure(msg)
    return "PNG and SVG images decode"


def _check_icons() -> str:
    icon_files = sorted(_icon_folder().glob("*.svg")) + sorted(_icon_folder().glob("*.png"))
    if not icon_files:
        msg = f"No .svg or .png icons were found in {_icon_folder()}."
        raise SelfTestFailure(msg)

    for icon_file in icon_files:
        _render_icon(icon_file)
    return f"{len(icon_files)} icons render at {' and '.join(f'{size}px' for size in ICON_SIZES_PX)}"


def _icon_folder() -> Path:
    return Path(str(importlib_resources.files("resources") / "icons"))


def _render_icon(icon_file: Path) -> None:
    from PySide6.QtGui import QIcon

    icon = QIcon(str(icon_file))
    if icon.isNull():
        msg = f"Qt failed to load the icon {icon_file}."
        raise SelfTestFailure(msg)
    for size in ICON_SIZES_PX:
        pixmap = icon.pixmap(size, size)
        if pixmap.isNull():
            msg = f"The icon {icon_file} rendered to an empty pixmap at {size}px."
            raise SelfTestFailure(msg)


def _check_tray_icon() -> str:
    from PySide6.QtWidgets import QSystemTrayIcon

    from app.ui.icons import tray_icon

    for sharing_active in (True, False):
        tray = QSystemTrayIcon(tray_icon(sharing_active))
        if tray.icon().isNull():
            msg = f"The tray icon for sharing_active={sharing_active} failed to load."
            raise SelfTestFailure(msg)
        for size in ICON_SIZES_PX:
            if tray.icon().pixmap(size, size).isNull():
                msg = f"The tray icon for sharing_active={sharing_active} rendered to an empty pixmap at {size}px."
                raise SelfTestFailure(msg)
    return f"both tray icons render at {' and '.join(f'{size}px' for size in ICON_SIZES_PX)}"


def _check_german_translation(application) -> str:
    from PySide6.QtCore import QLocale

    from app.ui.i18n import TRANSLATIONS_DIR, install_translator

    translator = install_translator(application, QLocale(QLocale.Language.German, QLocale.Country.Germany))
    if translator is None or translator.isEmpty():
        msg = f"The German translation is missing or empty in {TRANSLATIONS_DIR}."
        raise SelfTestFailure(msg)
    application.removeTranslator(translator)
    return f"loaded {translator.filePath()}"


def _check_qt_german_translation() -> str:
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator()
    if not translator.load(QLocale(QLocale.Language.German), "qtbase", "_", folder) or translator.isEmpty():
        msg = f"Qt's German translation qtbase_de.qm is missing or empty in {folder}."
        raise SelfTestFailure(msg)
    return f"loaded {translator.filePath()}"


def _check_bundled_plugins() -> str:
    from PySide6.QtCore import QCoreApplication, QPluginLoader

    if not getattr(sys, "frozen", False):
        return "skipped: this check runs in a bundle, where it loads every Qt plugin that ships"

    # Qt's library paths include the executable's folder, whose DLLs on Windows are no plugins,
    # so only folders laid out as plugin folders (with a platforms/ subfolder) are searched.
    plugin_folders = [Path(path) for path in QCoreApplication.libraryPaths() if (Path(path) / "platforms").is_dir()]
    plugin_files = [
        path
        for folder in plugin_folders
        for path in sorted(folder.glob("*/*"))
        if path.suffix in {".so", ".dll", ".dylib"}
    ]
    failures = []
    wayland_only = []
    for plugin_file in plugin_files:
        loader = QPluginLoader(str(plugin_file))
        if loader.load():
            continue
        if _is_wayland_plugin(plugin_file):
            wayland_only.append(plugin_file.name)
        else:
            failures.append(f"{plugin_file.parent.name}/{plugin_file.name}: {loader.errorString()}")

    if failures:
        msg = f"{len(failures)} of {len(plugin_files)} bundled Qt plugins failed to load: {'; '.join(failures)}"
        raise SelfTestFailure(msg)
    detail = f"{len(plugin_files) - len(wayland_only)} of {len(plugin_files)} bundled Qt plugins load"
    if wayland_only:
        detail += f"; {len(wayland_only)} Wayland plugins need the system's Wayland client libraries"
    return detail


def _is_wayland_plugin(plugin_file: Path) -> bool:
    return plugin_file.parent.name.startswith("wayland-") or "wayland" in plugin_file.name


def _check_single_instance() -> str:
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop

    from app.ui.instance import SingleInstanceServer, notify_running_instance

    # A random name, so the check never reaches a tray app that is running for real.
    name = f"printernizer-usage-stats-self-test-{uuid.uuid4().hex}"
    server = SingleInstanceServer(name)
    requests = []
    server.activation_requested.connect(lambda: requests.append(True))
    try:
        if not server.listen():
            msg = f"The single-instance server could not listen on the local socket {name!r}."
            raise SelfTestFailure(msg)
        if not notify_running_instance(name):
            msg = f"A second launch could not connect to the local socket {name!r}."
            raise SelfTestFailure(msg)

        deadline = QDeadlineTimer(SINGLE_INSTANCE_TIMEOUT_MS)
        while not requests and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    finally:
        server.close()

    if not requests:
        msg = f"The running instance received no show request within {SINGLE_INSTANCE_TIMEOUT_MS} ms."
        raise SelfTestFailure(msg)
    return "a second launch reaches the first one over a local socket"


def _check_time_zone_data() -> str:
    zone_folder = importlib_resources.files("tzdata") / "zoneinfo"
    berlin = (zone_folder / "Europe" / "Berlin").read_bytes()
    if not berlin.startswith(b"TZif"):
        msg = f"tzdata's Europe/Berlin table in {zone_folder} is not a TZif file."
        raise SelfTestFailure(msg)

    zone_table = (zone_folder / "zone.tab").read_text(encoding="utf-8")
    countries = {line.split("\t", 1)[0] for line in zone_table.splitlines() if line and not line.startswith("#")}
    if "DE" not in countries:
        msg = f"tzdata's zone.tab in {zone_folder} has no entry for DE."
        raise SelfTestFailure(msg)
    return f"tzdata has the zone tables and zone.tab lists {len(countries)} countries"


def _check_event_store() -> str:
    from app.core import UsageStats

    # Cleanup errors are ignored because on Windows a file that is still open cannot be
    # deleted, and a leftover temporary folder is no reason to fail the check.
    with tempfile.TemporaryDirectory(prefix="printernizer-stats-self-test-", ignore_cleanup_errors=True) as home:
        stats = UsageStats.open(home=Path(home), environ={})
        try:
            if not stats.record(SELF_TEST_EVENT_TYPE):
                msg = f"Recording a {SELF_TEST_EVENT_TYPE!r} event in a new store failed."
                raise SelfTestFailure(msg)
            stored = [event.event_type for event in stats.recent_events(limit=10)]
            report = json.loads(stats.preview())
        finally:
            stats.close()

    if stored != [SELF_TEST_EVENT_TYPE]:
        msg = f"The new store returned the events {stored!r} instead of [{SELF_TEST_EVENT_TYPE!r}]."
        raise SelfTestFailure(msg)
    if "schema_version" not in report:
        msg = f"The report preview has no schema_version field; its fields are {sorted(report)!r}."
        raise SelfTestFailure(msg)
    return f"recorded an event and built a {len(json.dumps(report))}-byte report preview"

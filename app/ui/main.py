"""Start the tray app: QApplication, qasync loop, single instance, translation, store."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from pathlib import Path

import platformdirs
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget

from app.ui.icons import app_icon, tray_icon
from app.ui.i18n import display_name, install_translator, translation_language
from app.ui.instance import SingleInstanceServer, notify_running_instance, server_name
from app.ui.stop_signals import watch_stop_signals

logger = logging.getLogger("app.ui")

APP_NAME = "Printernizer Usage Statistics"
ORGANIZATION_NAME = "Printernizer"
DEPLOYMENT_MODE = "desktop"


def data_folder(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """Return the client data folder: `USAGE_STATS_HOME`, else the platform's app-data folder."""
    # The core reads the variable the same way (app.core._service.default_home), and a test keeps them equal.
    home = environ.get("USAGE_STATS_HOME", "").strip()
    return Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, ORGANIZATION_NAME))


def _hide_dock_icon() -> None:
    """Run as a menu-bar app on macOS even from source, where no Info.plist sets LSUIElement."""
    if sys.platform != "darwin":
        return
    try:
        from AppKit import NSApplication, NSApplicationActivationPolicyAccessory  # type: ignore[import-not-found]
    except ImportError:
        # NOTE: without PyObjC the Dock icon shows when run from source; the bundle's
        # Info.plist sets LSUIElement, which hides it there without this call.
        logger.debug("PyObjC is not installed; the Dock icon is hidden only by the bundle's Info.plist")
        return
    NSApplication.sharedApplication().setActivationPolicy_(NSApplicationActivationPolicyAccessory)


def create_qapplication(argv: list[str]) -> QApplication:
    # Qt 6 scales for high-DPI screens by default; the icons ship as PNGs up to 512 px for it.
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "printernizer-stats", *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    return app  # type: ignore[return-value]


def show_early_tray_icon(started_at: float) -> QSystemTrayIcon | None:
    """Show the grey tray icon at once, before the store is opened; None when there is no tray.

    The menu is attached when the app is ready, and the icon turns coloured if sharing is on.
    """
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None

    icon = QSystemTrayIcon(tray_icon(sharing_active=False))
    icon.show()
    logger.info("Tray icon shown %.0f ms after start", (time.perf_counter() - started_at) * 1000)
    return icon


def startup_failure_detail(error: Exception) -> str:
    """Describe a StorageError for the start-up box: in the user's language when the data folder
    cannot be created, else in the English of the core's message, which names the file and the fix.
    """
    folder = getattr(error, "folder", None)
    if folder is not None and isinstance(error.__cause__, OSError):
        from app.ui.failures import folder_error_text

        return folder_error_text(folder, error.__cause__)
    return str(error)


def startup_failure_box(detail: str, parent: QWidget | None = None) -> QMessageBox:
    """Return the message box shown when the store cannot be opened, with `detail` from startup_failure_detail()."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(display_name())
    box.setText(
        QCoreApplication.translate(
            "Startup",
            "The usage statistics cannot start because their data cannot be opened. Nothing was recorded or sent.",
        )
    )
    box.setInformativeText(detail)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def run(argv: list[str]) -> int:
    """Run the tray app until Quit; return 0, also when another instance was asked to show itself.

    Return 1 when the store cannot be opened, after a message box has shown the reason.
    """
    started_at = time.perf_counter()
    level = os.environ.get("USAGE_STATS_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        # stamina logs each retry it schedules as a WARNING without the cause. The scheduler logs
        # one WARNING per failed send instead, with the reason and the next attempt.
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda record: not record.name.startswith("stamina"))

    app = create_qapplication(argv)
    translator = install_translator(app)  # must stay alive while the app runs
    app.setApplicationDisplayName(display_name())
    home = data_folder()
    name = server_name(home)
    if notify_running_instance(name):
        logger.info("Another instance is running for %s; asked it to show its window", home)
        return 0

    instance_server = SingleInstanceServer(name)
    if not instance_server.listen():
        notify_running_instance(name)
        return 0
    _hide_dock_icon()
    early_icon = show_early_tray_icon(started_at)

    # The core, httpx and qasync load only after the icon is up: they take most of the start time.
    import qasync

    from app.core import StorageError, UsageStats, attach_log_file, privacy_policy
    from app.ui.application import TrayApplication

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        # Without an explicit home the core reads the same folder from the environment, and its
        # errors then name USAGE_STATS_HOME as the fix instead of an argument of UsageStats.open().
        stats = UsageStats.open(deployment_mode=DEPLOYMENT_MODE)
    except StorageError as error:
        # A windowed bundle has no console, so without the box the app would vanish unexplained.
        logger.error("The tray app cannot start: %s", error)
        if early_icon is not None:
            early_icon.hide()
        startup_failure_box(startup_failure_detail(error)).exec()
        instance_server.close()
        return 1
    attach_log_file(stats.path.parent, "app")
    policy = privacy_policy(translation_language(translator))
    tray_app = TrayApplication(stats, policy, tray_available=early_icon is not None, tray_icon=early_icon)
    instance_server.activation_requested.connect(tray_app.window.bring_forward)
    # A logout or an OS shutdown quits Qt without the Quit action, and aboutToQuit ends the session.
    # Windows may end the process soon after its request to save data, perhaps before aboutToQuit,
    # so the session's last-seen time is stored at that request.
    app.aboutToQuit.connect(tray_app.shutdown)
    app.commitDataRequest.connect(lambda _manager: tray_app.record_heartbeat())
    # SIGTERM (from kill, a service manager or dev.py) and Ctrl+C take the same path.
    stop_signals = watch_stop_signals(app)
    tray_app.start()

    with loop:
        loop.run_forever()
    if stop_signals is not None:
        stop_signals.close()
    instance_server.close()
    return 0

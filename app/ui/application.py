"""Wire the facade, the scheduler, the actions, the tray icon and the window together."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from app import __version__
from app.ui.actions import AppActions
from app.ui.scheduler import SubmissionScheduler
from app.ui.stats_window import StatsWindow
from app.ui.tasks import TaskRunner
from app.ui.tray import TrayIcon

logger = logging.getLogger("app.ui")

HEARTBEAT_INTERVAL_MS = 10 * 60 * 1000


class TrayApplication(QObject):
    """The running tray app for one opened store.

    `start()` records the session start, shows the tray icon (or the window when the
    desktop has no system tray), arms the scheduler and the heartbeat, and then shows the
    consent dialog if a decision is due. `shutdown()` undoes all of it and closes the store;
    `finished` fires when it is done.
    """

    finished = Signal()

    def __init__(
        self,
        stats: Any,
        policy: Any,
        tray_available: bool | None = None,
        tray_icon: QSystemTrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.stats = stats
        self.policy = policy
        self.tray_available = QSystemTrayIcon.isSystemTrayAvailable() if tray_available is None else tray_available
        self._shut_down = False

        self.runner = TaskRunner(self)
        self.scheduler = SubmissionScheduler(stats, self.runner, policy.version, self)
        self.actions = AppActions(stats, policy, self.runner, self.scheduler, self)
        self.window = StatsWindow(stats, self.actions.window_menus(), next_check_at=self.actions.next_send_attempt)
        self.actions.dialog_parent = self.window
        self.tray = TrayIcon(self.actions, tray_icon, self) if self.tray_available else None

        self.heartbeat_timer = QTimer(self)
        self.heartbeat_timer.setInterval(HEARTBEAT_INTERVAL_MS)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.heartbeat_timer.timeout.connect(self.record_heartbeat)
        self.actions.view_requested.connect(self.window.bring_forward)
        for menu_action in self.window.menuBar().actions():
            menu_action.menu().aboutToShow.connect(self.actions.update_state)
        self.actions.close_window_action.triggered.connect(self.window.close)
        # Without a tray, a hidden window can be shown again only by starting the app a second
        # time, so a stray Escape must not hide it.
        self.actions.close_window_action.setEnabled(self.tray is not None)
        self.actions.changed.connect(self._refresh_visible_window)
        self.actions.message.connect(self._show_message)
        self.actions.status_message.connect(self.window.show_message)
        self.actions.quit_requested.connect(self.shutdown)

    def start(self, ask_consent: bool = True) -> None:
        self.stats.start_session()
        self.stats.record("app_start", app_version=__version__)

        if self.tray is not None:
            self.tray.show()
        else:
            logger.info("No system tray is available; showing the window instead")
            self.window.bring_forward()

        self.scheduler.start()
        self.heartbeat_timer.start()
        logger.info("Tray app ready: menu, window and scheduler are set up")
        if ask_consent:
            QTimer.singleShot(0, self.actions.ask_consent)

    def shutdown(self) -> None:
        """Stop the timers and running tasks, end the session, close the store and quit Qt."""
        if self._shut_down:
            return
        self._shut_down = True

        self.scheduler.stop()
        self.heartbeat_timer.stop()
        self.runner.cancel_all()
        if self.tray is not None:
            self.tray.hide()
        self.window.hide()

        try:
            self.stats.end_session()
        except Exception:  # noqa: BLE001 - quitting must not fail on a statistics error
            logger.exception("Could not end the session")
        self.stats.close()
        logger.info("Tray app stopped")

        self.finished.emit()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def record_heartbeat(self) -> None:
        """Store that the session is running now; also called when the desktop session is about to end."""
        try:
            self.stats.heartbeat()
        except Exception:  # noqa: BLE001 - a missed heartbeat only shortens the counted uptime
            logger.exception("Could not record the heartbeat")

    def _refresh_visible_window(self) -> None:
        if self.window.isVisible():
            self.window.refresh()

    def _show_message(self, text: str) -> None:
        self.window.show_message(text)
        if self.tray is not None and not self.window.isVisible():
            self.tray.show_message(text)

"""The system tray icon and its menu, built from the shared actions."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.ui.actions import AppActions
from app.ui.icons import tray_icon

TRAY_MESSAGE_TIMEOUT_MS = 8_000


class TrayIcon(QObject):
    """Show the status line and every action in the tray menu; a left click opens the window.

    On macOS a click on a menu-bar item opens the menu, so there the click is left to Qt.
    """

    def __init__(
        self, actions: AppActions, icon: QSystemTrayIcon | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._actions = actions

        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        # "Send report now" explains in its tooltip why it is disabled.
        self.menu.setToolTipsVisible(True)
        # Consent can change in another process, such as the command line, so the enabled
        # states are read again each time the menu opens.
        self.menu.aboutToShow.connect(actions.update_state)
        for action in actions.menu_actions():
            if action is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(action)

        # An icon shown early by the launcher is adopted, so it does not blink on start.
        self.icon = icon if icon is not None else QSystemTrayIcon()
        self.icon.setParent(self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        actions.changed.connect(self.update_state)
        self.update_state()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def update_state(self) -> None:
        self.icon.setIcon(tray_icon(self._actions.sharing_allowed() and not self._actions.is_paused()))
        self.icon.setToolTip(self._actions.status_action.text())

    def show_message(self, text: str) -> None:
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(self.tr("Usage statistics"), text, QSystemTrayIcon.MessageIcon.Information,
                                  TRAY_MESSAGE_TIMEOUT_MS)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if sys.platform == "darwin":
            return
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._actions.view_action.trigger()

"""The stats window: four tabs over the facade and a menu bar with every tray action."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QTabWidget, QWidget

from app.ui.i18n import display_name
from app.ui.icons import app_icon
from app.ui.tabs import EventsTab, HistoryTab, NextReportTab, OverviewTab

logger = logging.getLogger("app.ui")


class StatusLabel(QLabel):
    """A status-line label that wraps a long text onto more lines, so every message can be read in full.

    The label reports the height its text needs at its current width and no height for width:
    with a height for width, the status bar's layout sized the label for a width near zero,
    hundreds of pixels tall.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Ignored, so a long text never widens the window; the label takes the width it is given.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

    def full_text(self) -> str:
        return self.text()

    def set_full_text(self, text: str) -> None:
        self.setText(text)
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return False

    def sizeHint(self) -> QSize:
        return QSize(0, self._height_at_current_width())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._height_at_current_width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()

    def _height_at_current_width(self) -> int:
        if not self.text():
            return self.fontMetrics().height()
        return super().heightForWidth(max(self.width(), 1))


class StatsWindow(QMainWindow):
    """Show what is stored, what would be sent and what was sent.

    Closing the window hides it: the app keeps running in the tray and quits only through
    the Quit action. The tabs re-read the facade each time the window is shown.
    """

    def __init__(
        self,
        stats: Any,
        menus: list[tuple[str, list[QAction | None]]],
        parent: QWidget | None = None,
        next_check_at: Callable[[], datetime | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statsWindow")
        # The same text as the display name, which Qt then does not append a second time.
        self.setWindowTitle(display_name())
        self.setWindowIcon(app_icon())
        self.resize(860, 600)

        self._stats = stats
        # The status when a tab was last re-read; returning to the window compares it with the current one.
        self._seen_status: Any = None
        self._create_tabs(stats, next_check_at)
        self._create_menus(menus)
        self._create_status_line()

    def _create_tabs(self, stats: Any, next_check_at: Callable[[], datetime | None] | None) -> None:
        self.overview_tab = OverviewTab(stats, next_check_at=next_check_at)
        self.events_tab = EventsTab(stats)
        self.next_report_tab = NextReportTab(stats)
        self.history_tab = HistoryTab(stats)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("statsTabs")
        self.tabs.addTab(self.overview_tab, self.tr("Overview"))
        self.tabs.addTab(self.events_tab, self.tr("Events"))
        self.tabs.addTab(self.next_report_tab, self.tr("Next report"))
        self.tabs.addTab(self.history_tab, self.tr("History"))
        self.setCentralWidget(self.tabs)
        # Printernizer records events from its own process, so a tab re-reads the store whenever
        # the user turns to it, not only when the window opens.
        self.tabs.currentChanged.connect(self._refresh_current_tab)

    def _create_menus(self, menus: list[tuple[str, list[QAction | None]]]) -> None:
        # The menu bar repeats the tray menu, so a desktop without a tray reaches every command.
        for title, actions in menus:
            menu = self.menuBar().addMenu(title)
            menu.setToolTipsVisible(True)
            for action in actions:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)

    def _create_status_line(self) -> None:
        # A label in place of QStatusBar.showMessage(), which cuts a long text off without a way to read the rest.
        self.status_label = StatusLabel()
        self.status_label.setObjectName("statusMessage")
        self.statusBar().addWidget(self.status_label, 1)

    def refresh(self) -> None:
        """Re-read every tab; a tab that fails is logged and the others still update."""
        self._seen_status = self._read_status()
        for tab in (self.overview_tab, self.events_tab, self.next_report_tab, self.history_tab):
            _refresh_tab(tab)

    def _refresh_current_tab(self) -> None:
        self._seen_status = self._read_status()
        _refresh_tab(self.tabs.currentWidget())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Returning to the window, also from one of its own dialogs, re-reads the tab only when the
        # store changed meanwhile, so that a selected row stays selected otherwise.
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            if self._read_status() != self._seen_status:
                self._refresh_current_tab()

    def _read_status(self) -> Any:
        try:
            return self._stats.status()
        except Exception:  # noqa: BLE001 - the tab's own refresh reports the failure
            return None

    def bring_forward(self) -> None:
        self.refresh()
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def show_message(self, text: str) -> None:
        """Show `text` in the status bar, wrapped to the window's width, until the next message.

        The text stays because the window is often hidden when a message arrives, and a
        failure must still be there when the user opens it.
        """
        self.status_label.set_full_text(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.hide()


def _refresh_tab(tab: Any) -> None:
    try:
        tab.refresh()
    except Exception:  # noqa: BLE001 - one failing query must not leave the window blank
        logger.exception("Could not refresh the %s tab", type(tab).__name__)

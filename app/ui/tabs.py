"""The four tabs of the stats window; each reads the facade through `refresh()`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import EventType
from app.ui.chart import DailyBarChart
from app.ui.event_names import event_type_name, stored_as_text
from app.ui.facade import (
    DELETION_CONFIRMED,
    DELETION_PENDING,
    MISSING,
    consent_blocked_by_dnt,
    consent_state,
    pretty_json,
    report_changes,
    server_deletion_state,
    state_name,
)
from app.ui.formatting import attempt_time, fill, long_date, pause_end, server_deletion_text
from app.ui.models import EventTableModel, HistoryTableModel, rejection_summary

logger = logging.getLogger("app.ui")

EVENT_TYPES = tuple(event_type.value for event_type in EventType)
CHART_DAYS = 30
PERIODS_DAYS = (
    (QT_TRANSLATE_NOOP("EventsTab", "Last 7 days"), 7),
    (QT_TRANSLATE_NOOP("EventsTab", "Last 30 days"), 30),
    (QT_TRANSLATE_NOOP("EventsTab", "Last 90 days"), 90),
    (QT_TRANSLATE_NOOP("EventsTab", "All time"), None),
)


def _fixed_font_editor(object_name: str) -> QPlainTextEdit:
    editor = QPlainTextEdit()
    editor.setObjectName(object_name)
    editor.setReadOnly(True)
    editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return editor


class OverviewTab(QWidget):
    """Installation id, consent, counts, submissions and server deletion at a glance."""

    def __init__(
        self, stats: Any, parent: QWidget | None = None, next_check_at: Callable[[], datetime | None] | None = None
    ) -> None:
        super().__init__(parent)
        self._stats = stats
        # When the next check may send the reports waiting to be sent, or None when it cannot; None without a scheduler.
        self._next_check_at = next_check_at
        self._notice = QLabel()
        self._notice.setObjectName("overviewNotice")
        self._notice.setWordWrap(True)
        self._notice.setStyleSheet("QLabel { background: #fff3cd; color: #4d3a00; padding: 8px; }")

        self._fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in self._field_labels():
            value = QLabel()
            value.setObjectName(f"overview_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # A long value, such as a deletion of a previous id, wraps instead of widening the window.
            value.setWordWrap(True)
            self._fields[key] = value
            form.addRow(label, value)

        layout = QVBoxLayout(self)
        layout.addWidget(self._notice)
        layout.addLayout(form)
        layout.addStretch(1)

    def field_text(self, key: str) -> str:
        return self._fields[key].text()

    def notice_text(self) -> str:
        return self._notice.text() if not self._notice.isHidden() else ""

    def _field_labels(self) -> list[tuple[str, str]]:
        return [
            ("installation_id", self.tr("Installation id:")),
            ("first_seen", self.tr("First seen:")),
            ("consent", self.tr("Sharing:")),
            ("events_this_week", self.tr("Events in the last 7 days:")),
            ("events_total", self.tr("Events in total:")),
            ("last_submission", self.tr("Last report sent:")),
            ("submission_count", self.tr("Reports sent:")),
            ("next_submission", self.tr("Next report due:")),
            ("pending_reports", self.tr("Reports waiting to be sent:")),
            ("server_deletion", self.tr("Deletion on the server:")),
        ]

    def refresh(self) -> None:
        status = self._stats.status()
        consent = self._stats.consent()
        values = {
            "installation_id": self._installation_id_text(status),
            "first_seen": long_date(status.first_seen),
            "consent": self._consent_text(consent, status),
            "events_this_week": str(status.events_this_week),
            "events_total": str(status.events_total),
            "last_submission": long_date(status.last_submission),
            "submission_count": self._submissions_text(status),
            "next_submission": self._next_submission_text(consent, status),
            "pending_reports": self._pending_text(status),
            "server_deletion": server_deletion_text(status),
        }
        for key, text in values.items():
            self._fields[key].setText(text)

        notices = self._notices(consent)
        self._notice.setText("\n\n".join(notices))
        self._notice.setHidden(not notices)

    def _installation_id_text(self, status: Any) -> str:
        """Return the installation id, noting when sharing again replaces it, as the Next report tab shows."""
        if getattr(status, "new_id_on_opt_in", False):
            return fill(self.tr("%1 (replaced by a new id when you share again)"), status.installation_id)
        return str(status.installation_id)

    def _next_submission_text(self, consent: Any, status: Any) -> str:
        """Return when the next report is due, or why none is sent under DO_NOT_TRACK, which keeps the consent."""
        if consent_blocked_by_dnt(consent):
            return self.tr("none, because the DO_NOT_TRACK environment variable is set")
        return long_date(status.next_submission_due)

    def _pending_text(self, status: Any) -> str:
        """Return the reports waiting to be sent, with the next attempt when one is due."""
        count = str(status.pending_reports)
        next_check = self._next_check_at() if self._next_check_at is not None and status.pending_reports else None
        if next_check is None:
            return count
        return fill(self.tr("%1 (next attempt: %2)"), count, attempt_time(next_check))

    def _submissions_text(self, status: Any) -> str:
        """Return the reports sent with the current installation id, plus the total when earlier ids sent some."""
        count = getattr(status, "submission_count", 0)
        total = getattr(status, "submission_count_total", count)
        if total == count:
            return str(count)
        return fill(self.tr("%1 with this installation id, %2 in total"), count, total)

    def _consent_text(self, consent: Any, status: Any) -> str:
        if consent_blocked_by_dnt(consent):
            return self.tr("off (DO_NOT_TRACK is set in the environment)")
        paused_until = pause_end(status)
        if consent_state(consent) == "granted" and paused_until is not None:
            return fill(self.tr("on, but paused until %1"), long_date(paused_until))
        texts = {"granted": self.tr("on"), "refused": self.tr("off"), "undecided": self.tr("not decided yet")}
        return texts.get(consent_state(consent), consent_state(consent))

    def _notices(self, consent: Any) -> list[str]:
        notices = []
        if consent_blocked_by_dnt(consent):
            notices.append(
                self.tr("Sharing is off because the DO_NOT_TRACK environment variable is set. Nothing is sent.")
            )
        recovered_from = getattr(self._stats, "recovered_from", None)
        if recovered_from:
            notice = self.tr(
                "The statistics database was damaged and has been replaced by a new one. "
                "The damaged file was kept as %1."
            )
            notices.append(notice.replace("%1", str(recovered_from)))
        invalid = self._invalid_settings()
        if invalid:
            lead = self.tr("Some settings are invalid, so their defaults are used until they are corrected:")
            notices.append("\n".join([lead, *invalid]))
        return notices

    def _invalid_settings(self) -> tuple[str, ...]:
        """Return the messages of the settings replaced by their defaults; the core writes them in English."""
        try:
            return tuple(self._stats.config().invalid_settings)
        except Exception:  # noqa: BLE001 - the notice is a courtesy, the tab must still show
            logger.exception("Could not read the settings")
            return ()


class EventsTab(QWidget):
    """Recorded events in a table, filtered by type and period, above a per-day bar chart."""

    def __init__(self, stats: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stats = stats
        self.model = EventTableModel(stats, self)

        self.type_filter = QComboBox()
        self.type_filter.setObjectName("eventTypeFilter")
        self.type_filter.addItem(self.tr("All events"), None)
        for event_type in EVENT_TYPES:
            self.type_filter.addItem(event_type_name(event_type), event_type)
            self.type_filter.setItemData(self.type_filter.count() - 1, stored_as_text(event_type), Qt.ItemDataRole.ToolTipRole)

        self.period_filter = QComboBox()
        self.period_filter.setObjectName("eventPeriodFilter")
        for label, days in PERIODS_DAYS:
            self.period_filter.addItem(QCoreApplication.translate("EventsTab", label), days)
        self.period_filter.setCurrentIndex(1)

        self.chart = DailyBarChart()
        self.table = QTableView()
        self.table.setObjectName("eventsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        # Shown in place of the table when no event matches, because an empty table squeezes its
        # columns to the width of their headers and explains nothing.
        self.empty_label = QLabel()
        self.empty_label.setObjectName("eventsEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.table_stack = QStackedWidget()
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty_label)

        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Show:")))
        filters.addWidget(self.type_filter)
        filters.addWidget(self.period_filter)
        filters.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.chart)
        layout.addWidget(self.table_stack, 1)

        self.type_filter.currentIndexChanged.connect(self._apply_filter)
        self.period_filter.currentIndexChanged.connect(self._apply_filter)

    def refresh(self) -> None:
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.model.set_filter(self.type_filter.currentData(), self.period_filter.currentData())
        event_type = self.type_filter.currentData()
        self.chart.set_days(
            self._stats.events_per_day(days=CHART_DAYS, event_type=event_type),
            None if event_type is None else event_type_name(event_type),
        )
        self._show_table_or_empty_text()

    def _show_table_or_empty_text(self) -> None:
        if self.model.rowCount() > 0:
            self.table_stack.setCurrentWidget(self.table)
            return

        if self._stats.status().events_total == 0:
            self.empty_label.setText(self.tr("No events are stored on this computer."))
        elif self.model.event_type is None:
            self.empty_label.setText(self.tr("No events in the selected period."))
        else:
            self.empty_label.setText(self.tr("No events of this type in the selected period."))
        self.table_stack.setCurrentWidget(self.empty_label)


class NextReportTab(QWidget):
    """The next report: the exact bytes, an indented view, and what changed since the last report."""

    def __init__(self, stats: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stats = stats
        self._body = b""

        self.size_label = QLabel()
        self.size_label.setObjectName("reportSize")
        # The caption runs to three lines while sharing is off; it wraps instead of widening the window.
        self.size_label.setWordWrap(True)
        self.exact_view = _fixed_font_editor("reportExactBytes")
        self.exact_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.exact_view.setMaximumHeight(110)
        self.pretty_view = _fixed_font_editor("reportPretty")
        self.changes_view = _fixed_font_editor("reportChanges")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.pretty_view)
        splitter.addWidget(self.changes_view)

        layout = QVBoxLayout(self)
        layout.addWidget(self.size_label)
        layout.addWidget(self.exact_view)
        layout.addWidget(QLabel(self.tr("Readable view (left) and what changed since the last report (right):")))
        layout.addWidget(splitter, 1)

    @property
    def body(self) -> bytes:
        return self._body

    def refresh(self) -> None:
        try:
            self._body = self._stats.preview()
        except Exception as error:  # noqa: BLE001 - a preview failure must not break the window
            logger.warning("Could not build the report preview: %r", error)
            self._show_error(str(error))
            return

        self.size_label.setText(self._size_text(len(self._body)))
        self.exact_view.setPlainText(self._body.decode("utf-8", errors="replace"))
        self.pretty_view.setPlainText(pretty_json(self._body))
        self.changes_view.setPlainText(self._changes_text())

    def _size_text(self, size_bytes: int) -> str:
        consent = self._stats.consent()
        if consent_blocked_by_dnt(consent):
            text = self.tr(
                "Nothing is sent because the DO_NOT_TRACK environment variable is set. If it were not set, the next "
                "report would look like this (%1 bytes):"
            )
        elif consent_state(consent) == "granted":
            text = self.tr("The next scheduled report as it stands now, byte for byte (%1 bytes):")
        elif getattr(self._stats.status(), "new_id_on_opt_in", False):
            text = self.tr(
                "Sharing is off, so nothing will be sent. If you turn it on again, this installation gets a new "
                "installation id, the one shown below, so that new reports cannot be linked to earlier ones. The next "
                "report would look like this (%1 bytes):"
            )
        else:
            text = self.tr(
                "Sharing is off, so nothing will be sent. If you turn sharing on, the next report would look like this (%1 bytes):"
            )
        return text.replace("%1", str(size_bytes))

    def _changes_text(self) -> str:
        sent = [report for report in self._stats.history() if state_name(report.status) == "sent"]
        if not sent:
            return self.tr("The local history contains no sent report, so everything in this report would be new.")
        # Reports of an earlier installation id belong to another installation for the server, so
        # the comparison is only with reports of the id that this report carries.
        previewed_id = _installation_id(self._body)
        sent = [report for report in sent if _installation_id(report.body.encode("utf-8")) == previewed_id]
        if not sent:
            return self.tr(
                "This would be the first report with this installation id, so everything in it would be new to the "
                "statistics server."
            )

        last_sent = max(sent, key=lambda report: report.sent_at)
        changes = report_changes(last_sent.body, self._body)
        if not changes:
            return self.tr("Nothing changed since the last report apart from its id and period.")
        lines = []
        for path, before, after in changes:
            lines.append(f"{path}: {self._change_value(before)} -> {self._change_value(after)}")
        return "\n".join(lines)

    def _change_value(self, value: Any) -> str:
        """Format a report value as JSON, as the report views show it, or mark it absent."""
        if value is MISSING:
            return self.tr("(absent)")
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def _show_error(self, message: str) -> None:
        self._body = b""
        self.size_label.setText(self.tr("The next report could not be built: %1").replace("%1", message))
        self.exact_view.clear()
        self.pretty_view.clear()
        self.changes_view.clear()


class HistoryTab(QWidget):
    """Every report in the local history with the collector's response and the chain check."""

    def __init__(self, stats: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stats = stats
        self.model = HistoryTableModel(stats, self)

        self.chain_label = QLabel()
        self.chain_label.setObjectName("chainStatus")
        self.chain_label.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.detail_view = _fixed_font_editor("historyDetail")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail_view)

        layout = QVBoxLayout(self)
        layout.addWidget(self.chain_label)
        layout.addWidget(splitter, 1)

        self.table.selectionModel().currentRowChanged.connect(lambda current, _: self._show_detail(current.row()))

    def refresh(self) -> None:
        selected = self._selected_report_id()
        self.model.reload()
        self.detail_view.clear()
        if self.model.rowCount() > 0:
            # The report the user picked stays selected; a new list starts at its newest entry.
            rows = [row for row in range(self.model.rowCount()) if self.model.report_at(row).report_id == selected]
            self.table.selectRow(rows[0] if rows else 0)

        if self.model.damaged and self.model.broken_row is None:
            self.chain_label.setText(self.tr("The history was changed after it was recorded: sent reports were removed."))
        elif self.model.rowCount() == 0:
            self.chain_label.setText(self.tr("The local history contains no sent report."))
        elif self.model.broken_row is None:
            self.chain_label.setText(self.tr("The history is intact: no entry was changed after it was recorded."))
        else:
            text = self.tr("The history was changed after it was recorded. The first broken entry is row %1.")
            self.chain_label.setText(text.replace("%1", str(self.model.broken_row + 1)))
        deletion = self._deletion_text()
        if deletion and self.model.rowCount() > 0:
            self.chain_label.setText(f"{self.chain_label.text()} {deletion}")

    def _selected_report_id(self) -> str | None:
        row = self.table.currentIndex().row()
        return self.model.report_at(row).report_id if 0 <= row < self.model.rowCount() else None

    def _deletion_text(self) -> str:
        """Say which sent reports the statistics server deleted or was asked to delete, or return ""."""
        status = self._stats.status()
        state = server_deletion_state(status)
        deletion_id = getattr(status, "server_deletion_installation_id", None)
        if deletion_id is None:
            return ""
        if state == DELETION_CONFIRMED:
            text = self.tr(
                "The statistics server confirmed that it deleted the reports of installation id %1; they stay listed "
                "here as they were sent."
            )
        elif state == DELETION_PENDING:
            text = self.tr("The statistics server was asked to delete the reports of installation id %1 and has not confirmed it yet.")
        else:
            return ""
        return text.replace("%1", str(deletion_id))

    def _show_detail(self, row: int) -> None:
        if row < 0:
            self.detail_view.clear()
            return

        report = self.model.report_at(row)
        size_bytes = len(report.body.encode("utf-8") if isinstance(report.body, str) else report.body)
        if report.sent_at is None:
            heading = self.tr("Report body (%1 bytes):")
        else:
            heading = self.tr("Sent body (%1 bytes):")
        heading = heading.replace("%1", str(size_bytes))
        answer = self.tr("Server answer:")
        text = f"{heading}\n{pretty_json(report.body)}\n\n{answer}\n{pretty_json(report.response_body or '-')}"
        # The table cell of a rejected entry can be wider than the window, so the detail view
        # repeats what happened to its events above the body.
        summary = rejection_summary(report)
        if summary is not None:
            text = f"{summary}\n\n{text}"
        self.detail_view.setPlainText(text)


def _installation_id(body: bytes) -> str | None:
    """Return the installation id of a report body, or None when it has none."""
    try:
        installation = json.loads(body).get("installation")
        return installation.get("installation_id") if isinstance(installation, dict) else None
    except (ValueError, AttributeError):
        return None

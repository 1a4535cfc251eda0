"""Table models that feed the stats window's Events and History views from the facade."""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.ui.event_names import event_type_name, metadata_text, stored_as_text
from app.ui.facade import state_name
from app.ui.formatting import format_time

EVENT_ROW_LIMIT = 500
BROKEN_ENTRY_COLOR = QColor("#f4c7c3")

_Index = QModelIndex | QPersistentModelIndex

_EVENT_HEADERS = (
    QT_TRANSLATE_NOOP("TableHeaders", "Time"),
    QT_TRANSLATE_NOOP("TableHeaders", "Event"),
    QT_TRANSLATE_NOOP("TableHeaders", "Details"),
    QT_TRANSLATE_NOOP("TableHeaders", "Reported"),
)
_HISTORY_HEADERS = (
    QT_TRANSLATE_NOOP("TableHeaders", "Sent"),
    QT_TRANSLATE_NOOP("TableHeaders", "Period"),
    QT_TRANSLATE_NOOP("TableHeaders", "Status"),
    QT_TRANSLATE_NOOP("TableHeaders", "Server answer"),
    QT_TRANSLATE_NOOP("TableHeaders", "Server receipt"),
    QT_TRANSLATE_NOOP("TableHeaders", "History check"),
)
_HISTORY_CHECK_TOOLTIP = QT_TRANSLATE_NOOP(
    "TableHeaders",
    "Each sent report's entry includes a fingerprint of the entry before it, so an entry in the local "
    "history that was changed or removed later shows up here.",
)
_NOT_CHECKED_TOOLTIP = QT_TRANSLATE_NOOP("TableHeaders", "Only sent and rejected reports are part of the history check.")
_SETUP_TOOLTIP = QT_TRANSLATE_NOOP(
    "TableHeaders",
    "Reports do not count this event. They list the printers connected in the last 30 days and the features "
    "switched on.",
)
# Event types from which reports take the setup, not a count.
_SETUP_EVENT_TYPES = frozenset({"printer_connected", "feature_enabled", "feature_disabled"})
_YES = QT_TRANSLATE_NOOP("TableHeaders", "yes")
_NO = QT_TRANSLATE_NOOP("TableHeaders", "no")
_WAITING = QT_TRANSLATE_NOOP("TableHeaders", "waiting to be sent")
_WAITING_TOOLTIP = QT_TRANSLATE_NOOP(
    "TableHeaders", "A queued report counts this event. The statistics server has not accepted that report yet."
)
_KEPT_BACK = QT_TRANSLATE_NOOP("TableHeaders", "not sent (rejected)")
_KEPT_BACK_TOOLTIP = QT_TRANSLATE_NOOP(
    "TableHeaders",
    "The statistics server rejected every report that counted this event. It stays on this computer and is never sent.",
)
_CANCELLED = QT_TRANSLATE_NOOP("TableHeaders", "not sent (cancelled)")
_CANCELLED_TOOLTIP = QT_TRANSLATE_NOOP(
    "TableHeaders",
    "Sharing was turned off before the report that counts this event was sent. It stays on this computer and is never sent.",
)
# The outbox statuses of app/core. A status missing here is shown as it is stored.
_REPORT_STATUS_NAMES = {
    "pending": QT_TRANSLATE_NOOP("ReportStatus", "Waiting to be sent"),
    "sent": QT_TRANSLATE_NOOP("ReportStatus", "Sent"),
    "rejected": QT_TRANSLATE_NOOP("ReportStatus", "Rejected"),
    "cancelled": QT_TRANSLATE_NOOP("ReportStatus", "Cancelled"),
}
_REJECTED_ANSWER = QT_TRANSLATE_NOOP(
    "TableHeaders",
    "Rejected (HTTP %1). Events counted again in the next report: %2. Events kept on this computer and never sent: %3.",
)
_ACCEPTED_ANSWER = QT_TRANSLATE_NOOP("TableHeaders", "accepted (HTTP %1)")
_REJECTED_STATUS_ANSWER = QT_TRANSLATE_NOOP("TableHeaders", "rejected (HTTP %1)")
_OTHER_ANSWER = QT_TRANSLATE_NOOP("TableHeaders", "not accepted (HTTP %1)")
_VERIFIED = QT_TRANSLATE_NOOP("TableHeaders", "verified")
_BROKEN = QT_TRANSLATE_NOOP("TableHeaders", "broken")
_UNVERIFIABLE = QT_TRANSLATE_NOOP("TableHeaders", "unverifiable")
_BROKEN_TOOLTIP = QT_TRANSLATE_NOOP(
    "TableHeaders", "This entry or an earlier one was changed or removed after it was recorded."
)


def event_metadata(event: Any) -> dict[str, Any]:
    """Return an event's metadata as a dict; the core stores it as JSON text."""
    metadata = event.metadata
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata) if metadata else {}
        except ValueError:
            return {}
    return dict(metadata or {})


def _translate(text: str) -> str:
    return QCoreApplication.translate("TableHeaders", text)


class EventTableModel(QAbstractTableModel):
    """The stored events, newest first, filtered by event type and by a period in days."""

    COLUMN_TIME, COLUMN_TYPE, COLUMN_METADATA, COLUMN_REPORTED = range(4)

    def __init__(self, stats: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._stats = stats
        self._events: list[Any] = []
        self._report_statuses: dict[str, str] = {}
        self._event_type: str | None = None
        self._period_days: int | None = None

    @property
    def event_type(self) -> str | None:
        return self._event_type

    @property
    def period_days(self) -> int | None:
        return self._period_days

    def set_filter(self, event_type: str | None, period_days: int | None) -> None:
        """Show only `event_type` (None: all) from the last `period_days` days (None: all time)."""
        self._event_type = event_type or None
        self._period_days = period_days
        self.reload()

    def reload(self) -> None:
        since = None
        if self._period_days is not None:
            since = datetime.now(timezone.utc) - timedelta(days=self._period_days)

        self.beginResetModel()
        self._events = list(self._stats.recent_events(limit=EVENT_ROW_LIMIT, event_type=self._event_type, since=since))
        linked_ids = [event.report_id for event in self._events if event.reported and event.report_id]
        self._report_statuses = self._stats.report_statuses(linked_ids)
        self.endResetModel()

    def event_at(self, row: int) -> Any:
        return self._events[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return _translate(_EVENT_HEADERS[section])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self._events[index.row()]
        column = index.column()

        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(event, column)
        if role == Qt.ItemDataRole.UserRole:
            return event
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COLUMN_TYPE:
            return stored_as_text(state_name(event.event_type))
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COLUMN_METADATA:
            return json.dumps(event_metadata(event), indent=2, sort_keys=True)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COLUMN_REPORTED:
            tooltip = reported_texts(event, self._report_statuses)[1]
            return None if tooltip is None else _translate(tooltip)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COLUMN_REPORTED:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _display(self, event: Any, column: int) -> str:
        if column == self.COLUMN_TIME:
            return format_time(event.occurred_at)
        if column == self.COLUMN_TYPE:
            return event_type_name(state_name(event.event_type))
        if column == self.COLUMN_METADATA:
            return metadata_text(event_metadata(event))
        return _translate(reported_texts(event, self._report_statuses)[0])


def reported_texts(event: Any, report_statuses: dict[str, str]) -> tuple[str, str | None]:
    """Return the untranslated Reported cell text and tooltip of an event.

    `report_statuses` maps report ids to outbox statuses, as `report_statuses()` returns them.
    """
    text, tooltip = _reported_state(event, report_statuses)
    if tooltip is None and state_name(event.event_type) in _SETUP_EVENT_TYPES:
        return text, _SETUP_TOOLTIP
    return text, tooltip


def _reported_state(event: Any, report_statuses: dict[str, str]) -> tuple[str, str | None]:
    if not event.reported:
        return _NO, None
    if event.kept_back:
        return _KEPT_BACK, _KEPT_BACK_TOOLTIP

    status = report_statuses.get(event.report_id)
    if status == "pending":
        return _WAITING, _WAITING_TOOLTIP
    if status == "cancelled":
        return _CANCELLED, _CANCELLED_TOOLTIP
    if status == "rejected":
        # NOTE: this event was read before its report was rejected. The rejection may have released
        # it to the next report instead of keeping it back, which the next refresh shows.
        return _KEPT_BACK, _KEPT_BACK_TOOLTIP
    # Accepted, or marked reported before the store linked events to reports, so no report is known.
    return _YES, None


def report_status_text(status: Any) -> str:
    """Translate an outbox status for display. An unknown status is shown as it is stored."""
    raw = state_name(status)
    source = _REPORT_STATUS_NAMES.get(raw)
    return raw if source is None else QCoreApplication.translate("ReportStatus", source)


class HistoryTableModel(QAbstractTableModel):
    """Every report in the local history, newest first as `history()` returns it.

    The first entry that fails the chain check is marked "broken". The entries sent after
    it, in the rows above it, cannot be verified any more and are marked "unverifiable".
    """

    COLUMN_SENT, COLUMN_PERIOD, COLUMN_STATUS, COLUMN_ANSWER, COLUMN_SUBMISSION, COLUMN_CHAIN = range(6)

    def __init__(self, stats: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._stats = stats
        self._reports: list[Any] = []
        self._broken_row: int | None = None
        self._damaged = False

    @property
    def broken_row(self) -> int | None:
        return self._broken_row

    @property
    def damaged(self) -> bool:
        """True when the history check failed, even when no row shows the break."""
        return self._damaged

    def reload(self) -> None:
        self.beginResetModel()
        self._reports = list(self._stats.history())
        check = self._stats.verify_history()
        self._damaged = check is not None and not getattr(check, "ok", True)
        self._broken_row = _find_broken_row(self._reports, check)
        self.endResetModel()

    def report_at(self, row: int) -> Any:
        return self._reports[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._reports)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _translate(_HISTORY_HEADERS[section])
        if role == Qt.ItemDataRole.ToolTipRole and section == self.COLUMN_CHAIN:
            return _wrapped(_translate(_HISTORY_CHECK_TOOLTIP))
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        report = self._reports[index.row()]
        broken = self._broken_row is not None and index.row() <= self._broken_row and _in_history_check(report)

        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(report, index.column(), index.row())
        if role == Qt.ItemDataRole.UserRole:
            return report
        if role == Qt.ItemDataRole.BackgroundRole and index.row() == self._broken_row:
            return QBrush(BROKEN_ENTRY_COLOR)
        if role == Qt.ItemDataRole.ToolTipRole and broken:
            return _translate(_BROKEN_TOOLTIP)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COLUMN_ANSWER:
            return rejection_summary(report)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COLUMN_CHAIN:
            return _wrapped(_translate(_HISTORY_CHECK_TOOLTIP if _in_history_check(report) else _NOT_CHECKED_TOOLTIP))
        return None

    def _display(self, report: Any, column: int, row: int) -> str:
        if column == self.COLUMN_SENT:
            # A queued or cancelled report has no send time, so its cell shows "-".
            return format_time(report.sent_at)
        if column == self.COLUMN_PERIOD:
            return f"{format_time(report.period_start)[:10]} - {format_time(report.period_end)[:10]}"
        if column == self.COLUMN_STATUS:
            return report_status_text(report.status)
        if column == self.COLUMN_ANSWER:
            return collector_answer_text(report)
        if column == self.COLUMN_SUBMISSION:
            return "-" if report.submission_id is None else str(report.submission_id)
        if not _in_history_check(report):
            return "-"
        if self._broken_row is None or row > self._broken_row:
            return _translate(_VERIFIED)
        return _translate(_BROKEN) if row == self._broken_row else _translate(_UNVERIFIABLE)


def _wrapped(text: str) -> str:
    """Return `text` as rich text, which Qt word-wraps in a tooltip instead of showing one wide line."""
    return f"<p>{html.escape(text, quote=False)}</p>"


def _in_history_check(report: Any) -> bool:
    """Return whether `verify_history()` checks this entry: a sent or rejected report, or one with a fingerprint."""
    return report.entry_hash is not None or state_name(report.status) in ("sent", "rejected")


def collector_answer_text(report: Any) -> str:
    """Name the outcome with the collector's HTTP status in brackets and, for a rejected report, what happened to its events."""
    if report.http_status is None:
        return "-"
    summary = rejection_summary(report)
    if summary is not None:
        return summary
    if report.http_status == 200:
        return _translate(_ACCEPTED_ANSWER).replace("%1", str(report.http_status))
    if state_name(report.status) == "rejected":
        return _translate(_REJECTED_STATUS_ANSWER).replace("%1", str(report.http_status))
    return _translate(_OTHER_ANSWER).replace("%1", str(report.http_status))


def rejection_summary(report: Any) -> str | None:
    """Describe a rejected report's HTTP status and how many of its events were requeued and kept back.

    Returns None for any other report, and for a report rejected before the store counted
    requeued and kept-back events, because its counts are unknown.
    """
    if state_name(report.status) != "rejected" or report.dropped_events is None:
        return None

    text = _translate(_REJECTED_ANSWER).replace("%1", str(report.http_status))
    text = text.replace("%2", str(report.requeued_events))
    return text.replace("%3", str(report.dropped_events))


def _find_broken_row(reports: list[Any], check: Any) -> int | None:
    """Return the row of the first broken history entry named by `verify_history()`, or None."""
    if check is None or getattr(check, "ok", True):
        return None

    broken_id = check.first_broken_report_id
    if broken_id is not None:
        for row, report in enumerate(reports):
            if broken_id in (report.report_id, getattr(report, "id", None)):
                return row
    # A removed entry has no row of its own. When the check names no row that is shown, the
    # newest checked row stands for the break, because nothing after the gap can be trusted.
    # Without one, no row can stand for it.
    return next((row for row, report in enumerate(reports) if _in_history_check(report)), None)

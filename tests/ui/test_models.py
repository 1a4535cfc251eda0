"""The Events and History table models over a fake store whose contents each test sets."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt

from app.ui.models import BROKEN_ENTRY_COLOR, EventTableModel, HistoryTableModel
from tests.ui.fakes import NOW, FakeEvent, FakeHistoryCheck, FakeSentReport, FakeStats


def _stats_with_events() -> FakeStats:
    stats = FakeStats()
    stats.events = [
        FakeEvent(1, "app_start", NOW - timedelta(days=40), '{"app_version":"0.1.0"}', reported=True),
        FakeEvent(2, "job_created", NOW - timedelta(days=2), '{"printer_type":"prusa_mk4"}'),
        FakeEvent(3, "job_completed", NOW - timedelta(days=1), '{"duration_minutes":42,"printer_type":"bambu_x1c"}'),
    ]
    return stats


def _report(number: int, status: str = "sent") -> FakeSentReport:
    return FakeSentReport(
        report_id=f"r{number}", period_start=NOW - timedelta(days=7 * number + 7),
        period_end=NOW - timedelta(days=7 * number), body='{"a":1}', created_at=NOW, sent_at=NOW,
        status=status, http_status=200, submission_id=f"s{number}", response_body='{"submission_id":"s"}',
    )


def test_event_model_rows_newest_first(qapp) -> None:
    model = EventTableModel(_stats_with_events())
    model.set_filter(None, None)

    assert model.rowCount() == 3
    assert model.columnCount() == 4
    assert model.index(0, EventTableModel.COLUMN_TYPE).data() == "Job completed"
    assert model.index(2, EventTableModel.COLUMN_TYPE).data() == "Printernizer started"


def test_event_model_display_roles(qapp) -> None:
    model = EventTableModel(_stats_with_events())
    model.set_filter(None, None)

    metadata = model.index(0, EventTableModel.COLUMN_METADATA)
    assert metadata.data() == "Duration (minutes): 42, Printer type: bambu_x1c"
    assert metadata.data(Qt.ItemDataRole.ToolTipRole) == '{\n  "duration_minutes": 42,\n  "printer_type": "bambu_x1c"\n}'
    assert model.index(0, EventTableModel.COLUMN_REPORTED).data() == "no"
    assert model.index(2, EventTableModel.COLUMN_REPORTED).data() == "yes"
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole).id == 3
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Event"


def test_event_model_filters_by_type(qapp) -> None:
    model = EventTableModel(_stats_with_events())
    model.set_filter("job_created", None)

    assert model.rowCount() == 1
    assert model.index(0, EventTableModel.COLUMN_TYPE).data() == "Job created"


def test_event_model_filters_by_period(qapp) -> None:
    stats = _stats_with_events()
    shift_to_today = datetime.now(timezone.utc) - NOW
    for event in stats.events:
        event.occurred_at += shift_to_today
    model = EventTableModel(stats)
    model.set_filter(None, 7)

    assert model.rowCount() == 2
    assert [model.index(row, 1).data() for row in range(2)] == ["Job completed", "Job created"]


def test_history_model_marks_broken_entry(qapp) -> None:
    stats = FakeStats()
    stats.reports = [_report(1), _report(2), _report(3)]
    stats.history_check = FakeHistoryCheck(ok=False, entries_checked=1, first_broken_report_id="r2")
    model = HistoryTableModel(stats)
    model.reload()

    assert [model.index(row, HistoryTableModel.COLUMN_SUBMISSION).data() for row in range(3)] == ["s3", "s2", "s1"]
    assert model.broken_row == 1
    assert model.index(0, HistoryTableModel.COLUMN_CHAIN).data() == "unverifiable"
    assert model.index(1, HistoryTableModel.COLUMN_CHAIN).data() == "broken"
    assert model.index(2, HistoryTableModel.COLUMN_CHAIN).data() == "verified"
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole).color() == BROKEN_ENTRY_COLOR
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(2, 0).data(Qt.ItemDataRole.BackgroundRole) is None


HISTORY_CHECK_TOOLTIP = (
    "<p>Each sent report's entry includes a fingerprint of the entry before it, so an entry in the local "
    "history that was changed or removed later shows up here.</p>"
)


def test_history_check_column_explained(qapp) -> None:
    stats = FakeStats()
    stats.reports = [_report(1), _report(2)]
    stats.history_check = FakeHistoryCheck(ok=False, entries_checked=1, first_broken_report_id="r2")
    model = HistoryTableModel(stats)
    model.reload()
    column = HistoryTableModel.COLUMN_CHAIN

    assert model.headerData(column, Qt.Orientation.Horizontal) == "History check"
    assert model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == HISTORY_CHECK_TOOLTIP
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None
    assert model.index(1, column).data() == "verified"
    assert model.index(1, column).data(Qt.ItemDataRole.ToolTipRole) == HISTORY_CHECK_TOOLTIP
    # A broken entry's tooltip names the damage instead, in every column.
    assert model.index(0, column).data(Qt.ItemDataRole.ToolTipRole) == (
        "This entry or an earlier one was changed or removed after it was recorded."
    )


def test_history_check_skips_unsent_reports(qapp) -> None:
    stats = FakeStats()
    # Oldest first, as the store keeps them; the table shows the newest first.
    stats.reports = [_report(1), _report(2, status="cancelled"), _report(3, status="pending")]
    stats.history_check = FakeHistoryCheck(ok=False, entries_checked=1, first_broken_report_id="r1")
    model = HistoryTableModel(stats)
    model.reload()
    column = HistoryTableModel.COLUMN_CHAIN
    not_checked = "<p>Only sent and rejected reports are part of the history check.</p>"

    assert [model.index(row, column).data() for row in range(3)] == ["-", "-", "broken"]
    assert model.index(0, column).data(Qt.ItemDataRole.ToolTipRole) == not_checked
    assert model.index(1, column).data(Qt.ItemDataRole.ToolTipRole) == not_checked
    assert model.index(0, HistoryTableModel.COLUMN_STATUS).data(Qt.ItemDataRole.ToolTipRole) is None


def test_history_check_column_in_german(qapp, german) -> None:
    stats = FakeStats()
    stats.reports = [_report(1)]
    model = HistoryTableModel(stats)
    model.reload()
    column = HistoryTableModel.COLUMN_CHAIN

    assert model.headerData(column, Qt.Orientation.Horizontal) == "Verlaufsprüfung"
    assert model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == (
        "<p>Jeder Eintrag eines gesendeten Berichts enthält einen Fingerabdruck des Eintrags davor. So zeigt sich "
        "hier, wenn ein Eintrag im lokalen Verlauf nachträglich geändert oder entfernt wurde.</p>"
    )
    assert model.index(0, column).data() == "unverändert"


def test_history_model_intact_chain(qapp) -> None:
    stats = FakeStats()
    stats.reports = [_report(1)]
    model = HistoryTableModel(stats)
    model.reload()

    assert model.broken_row is None
    assert model.index(0, HistoryTableModel.COLUMN_ANSWER).data() == "accepted (HTTP 200)"
    assert model.index(0, HistoryTableModel.COLUMN_SUBMISSION).data() == "s1"
    assert model.index(0, HistoryTableModel.COLUMN_STATUS).data() == "Sent"


def test_event_model_reported_cases(qapp) -> None:
    # Each case: the event's reported flag, kept_back flag and report id, then the expected cell.
    cases = [
        (False, False, None, "no"),
        (True, False, "r-sent", "yes"),
        (True, False, "r-pending", "waiting to be sent"),
        (True, False, "r-cancelled", "not sent (cancelled)"),
        (True, True, "r-rejected", "not sent (rejected)"),
        # Read before the rejection released or kept back the event.
        (True, False, "r-rejected", "not sent (rejected)"),
        # Marked reported before events named their report, or naming a report that is gone.
        (True, False, None, "yes"),
        (True, False, "r-missing", "yes"),
    ]
    stats = FakeStats()
    stats.reports = [
        dataclasses.replace(_report(1), report_id=f"r-{status}", status=status)
        for status in ("sent", "pending", "cancelled", "rejected")
    ]
    stats.events = [
        FakeEvent(len(cases) - number, "job_created", NOW, "{}", reported=reported, kept_back=kept_back, report_id=report_id)
        for number, (reported, kept_back, report_id, _) in enumerate(cases)
    ]
    model = EventTableModel(stats)
    model.set_filter(None, None)

    for row, case in enumerate(cases):
        assert model.index(row, EventTableModel.COLUMN_REPORTED).data() == case[3], case


def test_setup_events_explain_reported(qapp) -> None:
    stats = FakeStats()
    stats.events = [
        FakeEvent(3, "printer_connected", NOW, '{"printer_type": "prusa"}', reported=False),
        FakeEvent(2, "feature_enabled", NOW, '{"feature": "timelapse"}', reported=True),
        FakeEvent(1, "job_created", NOW, "{}", reported=False),
    ]
    model = EventTableModel(stats)
    model.set_filter(None, None)
    column = EventTableModel.COLUMN_REPORTED
    setup = (
        "Reports do not count this event. They list the printers connected in the last 30 days and the features "
        "switched on."
    )

    assert [model.index(row, column).data() for row in range(3)] == ["no", "yes", "no"]
    assert [model.index(row, column).data(Qt.ItemDataRole.ToolTipRole) for row in range(3)] == [setup, setup, None]


def test_removed_entries_marked_on_newest_checked_row(qapp) -> None:
    stats = FakeStats()
    # Oldest first; the sent entry after r1 was removed, so the check names no row that is shown.
    stats.reports = [_report(1), _report(3, status="pending")]
    stats.history_check = FakeHistoryCheck(ok=False, entries_checked=1, first_broken_report_id=None)
    model = HistoryTableModel(stats)
    model.reload()

    assert model.damaged is True
    assert model.broken_row == 1
    assert [model.index(row, HistoryTableModel.COLUMN_CHAIN).data() for row in range(2)] == ["-", "broken"]

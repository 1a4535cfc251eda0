"""Report statuses in the History tab and the Reported column of the Events tab, over a real store.

The collector is an httpx MockTransport that responds with the next HTTP status of a script.
Week one is accepted (200), week two rejected (400), and week three stays queued because
the collector responds 404, which points at a wrong endpoint rather than a bad report.
The rejected week's event is counted again in the queued report.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from app.core import UsageStats
from app.ui.formatting import format_time
from app.ui.models import EventTableModel, HistoryTableModel
from app.ui.stats_window import StatsWindow
from tests.ui.core_stats import Clock, open_stats_window, send_three_weekly_reports

WAITING_TOOLTIP = "A queued report counts this event. The statistics server has not accepted that report yet."
CANCELLED_TOOLTIP = (
    "Sharing was turned off before the report that counts this event was sent. "
    "It stays on this computer and is never sent."
)


class ScriptedCollector:
    """Respond to each report with the next HTTP status of `statuses`."""

    def __init__(self) -> None:
        self.statuses = [200, 400, 404]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        status = self.statuses.pop(0)
        if status == 200:
            return httpx.Response(200, json={"submission_id": "sub-accepted"})
        return httpx.Response(status, json={"title": "Invalid Report"})


@pytest.fixture
def collector() -> ScriptedCollector:
    return ScriptedCollector()


@pytest.fixture
def window(qtbot, stats: UsageStats, clock: Clock, loop) -> StatsWindow:
    """A stats window over an accepted, a rejected and a queued weekly report, and one new event."""
    send_three_weekly_reports(stats, clock, loop)
    stats.record("job_created", printer_type="bambu_x1c")

    return open_stats_window(qtbot, stats)


def _reported_cells(model: EventTableModel) -> list[tuple[str, str]]:
    return [
        (model.index(row, EventTableModel.COLUMN_TYPE).data(), model.index(row, EventTableModel.COLUMN_REPORTED).data())
        for row in range(model.rowCount())
    ]


def _reported_tooltips(model: EventTableModel) -> list[str | None]:
    return [
        model.index(row, EventTableModel.COLUMN_REPORTED).data(Qt.ItemDataRole.ToolTipRole)
        for row in range(model.rowCount())
    ]


def _status_cells(model: HistoryTableModel) -> list[str]:
    return [model.index(row, HistoryTableModel.COLUMN_STATUS).data() for row in range(model.rowCount())]


def test_store_matches_scenario(window, stats) -> None:
    assert [entry.status for entry in stats.history()] == ["pending", "rejected", "sent"]
    assert [event.reported for event in stats.recent_events()] == [False, True, True, True]


def test_history_status_words(window) -> None:
    assert _status_cells(window.history_tab.model) == ["Waiting to be sent", "Rejected", "Sent"]


def test_history_status_keeps_raw_value(window) -> None:
    model = window.history_tab.model
    reports = [model.index(row, HistoryTableModel.COLUMN_STATUS).data(Qt.ItemDataRole.UserRole) for row in range(3)]

    assert [report.status for report in reports] == ["pending", "rejected", "sent"]


def test_history_status_after_opt_out(window, stats) -> None:
    stats.opt_out()
    window.refresh()

    assert _status_cells(window.history_tab.model) == ["Cancelled", "Rejected", "Sent"]


def test_history_status_unknown_value(window, stats) -> None:
    with sqlite3.connect(stats.path) as connection:
        connection.execute("UPDATE sent_reports SET status = 'archived' WHERE status = 'rejected'")
    window.refresh()

    assert _status_cells(window.history_tab.model) == ["Waiting to be sent", "archived", "Sent"]


def test_export_keeps_raw_status(window, stats, tmp_path: Path) -> None:
    exported = json.loads(stats.export(tmp_path / "export.json").read_text(encoding="utf-8"))

    assert [entry["status"] for entry in exported["history"]] == ["sent", "rejected", "pending"]


def test_events_tab_queued_report(window) -> None:
    model = window.events_tab.model

    assert _reported_cells(model) == [
        ("Job created", "no"),
        ("Job completed", "waiting to be sent"),
        ("Job failed", "waiting to be sent"),
        ("Job created", "yes"),
    ]
    assert _reported_tooltips(model) == [None, WAITING_TOOLTIP, WAITING_TOOLTIP, None]


def test_events_tab_cancelled_report(window, stats) -> None:
    stats.opt_out()
    window.refresh()
    model = window.events_tab.model

    assert _reported_cells(model) == [
        ("Job created", "no"),
        ("Job completed", "not sent (cancelled)"),
        ("Job failed", "not sent (cancelled)"),
        ("Job created", "yes"),
    ]
    assert _reported_tooltips(model) == [None, CANCELLED_TOOLTIP, CANCELLED_TOOLTIP, None]


def test_events_tab_queued_report_accepted(window, stats, clock, collector, loop) -> None:
    collector.statuses.append(200)
    clock.now += dt.timedelta(minutes=1)
    loop.run_until_complete(stats.submit_due())
    window.refresh()

    assert [entry.status for entry in stats.history()] == ["sent", "rejected", "sent"]
    assert [cells[1] for cells in _reported_cells(window.events_tab.model)] == ["no", "yes", "yes", "yes"]
    assert _reported_tooltips(window.events_tab.model) == [None, None, None, None]


def test_german_history_status_words(window, stats, german) -> None:
    assert german is not None
    model = window.history_tab.model

    assert _status_cells(model) == ["Wartet auf Versand", "Abgelehnt", "Gesendet"]
    stats.opt_out()
    window.refresh()
    assert _status_cells(model)[0] == "Verworfen"


def test_german_reported_states(window, stats, german) -> None:
    assert german is not None
    model = window.events_tab.model

    assert [cells[1] for cells in _reported_cells(model)] == ["nein", "wartet auf Versand", "wartet auf Versand", "ja"]
    assert _reported_tooltips(model)[1] == (
        "Ein wartender Bericht zählt dieses Ereignis. Der Statistikserver hat diesen Bericht noch nicht angenommen."
    )

    stats.opt_out()
    window.refresh()
    assert [cells[1] for cells in _reported_cells(model)] == [
        "nein", "nicht gesendet (verworfen)", "nicht gesendet (verworfen)", "ja",
    ]
    assert _reported_tooltips(model)[1] == (
        "Das Teilen wurde ausgeschaltet, bevor der Bericht mit diesem Ereignis gesendet wurde. "
        "Es bleibt auf diesem Computer und wird nie gesendet."
    )


def _sent_cells(model: HistoryTableModel) -> list[str]:
    return [model.index(row, HistoryTableModel.COLUMN_SENT).data() for row in range(model.rowCount())]


def _detail_lines(window: StatsWindow, row: int) -> list[str]:
    window.history_tab.table.selectRow(row)
    return window.history_tab.detail_view.toPlainText().splitlines()


def test_sent_column_empty_when_queued(window, stats) -> None:
    sent_at = [entry.sent_at for entry in stats.history()]

    assert sent_at[0] is None
    assert _sent_cells(window.history_tab.model) == ["-", format_time(sent_at[1]), format_time(sent_at[2])]


def test_sent_column_empty_when_cancelled(window, stats) -> None:
    stats.opt_out()
    window.refresh()

    assert _sent_cells(window.history_tab.model)[0] == "-"


def test_detail_names_unsent_body(window, stats) -> None:
    sizes = [len(entry.body.encode("utf-8")) for entry in stats.history()]

    assert _detail_lines(window, 0)[0] == f"Report body ({sizes[0]} bytes):"
    # The rejected report's detail starts with its rejection summary and a blank line.
    assert _detail_lines(window, 1)[2] == f"Sent body ({sizes[1]} bytes):"
    assert _detail_lines(window, 2)[0] == f"Sent body ({sizes[2]} bytes):"


def test_german_detail_names_unsent_body(window, stats, german) -> None:
    assert german is not None
    window.refresh()
    sizes = [len(entry.body.encode("utf-8")) for entry in stats.history()]

    assert _detail_lines(window, 0)[0] == f"Berichtsinhalt ({sizes[0]} Bytes):"
    assert _detail_lines(window, 2)[0] == f"Gesendeter Inhalt ({sizes[2]} Bytes):"

"""The Events and History tabs over a real store whose collector rejects reports.

The collector is an httpx MockTransport that responds with HTTP 400 until a test lets it accept.
Each event is counted again in one later report at most, so after three rejected weeks two
events stay on the computer, one waits for the next report, and a later accepted report sends it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import httpx
import pytest
from PySide6.QtCore import Qt

from app.core import UsageStats
from app.ui.models import EventTableModel, HistoryTableModel
from app.ui.stats_window import StatsWindow
from tests.ui.core_stats import START, Clock, open_stats_window, send_three_weekly_reports

REJECTION = {"title": "Invalid Report", "description": "usage_stats.job_count is not allowed"}

REJECTED_TWICE_ANSWER = (
    "Rejected (HTTP 400). Events counted again in the next report: 1. "
    "Events kept on this computer and never sent: 1."
)
REJECTED_ONCE_ANSWER = (
    "Rejected (HTTP 400). Events counted again in the next report: 1. "
    "Events kept on this computer and never sent: 0."
)
KEPT_BACK_TOOLTIP = (
    "The statistics server rejected every report that counted this event. It stays on this computer and is never sent."
)


class RejectingCollector:
    """Respond to every report with HTTP 400 until `accept` is set, then with HTTP 200."""

    def __init__(self) -> None:
        self.accept = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.accept:
            return httpx.Response(200, json={"submission_id": "sub-accepted"})
        return httpx.Response(400, json=REJECTION)


@pytest.fixture
def collector() -> RejectingCollector:
    return RejectingCollector()


@pytest.fixture
def window(qtbot, stats: UsageStats, clock: Clock, collector: RejectingCollector, loop) -> StatsWindow:
    """A stats window over three rejected weekly reports, one accepted report and one new event."""
    send_three_weekly_reports(stats, clock, loop)
    collector.accept = True
    clock.now = START + dt.timedelta(days=28, minutes=5)
    loop.run_until_complete(stats.submit_due())
    stats.record("job_created", printer_type="bambu_x1c")

    return open_stats_window(qtbot, stats)


def _reported_cells(model: EventTableModel) -> list[tuple[str, str, str]]:
    return [
        (
            model.index(row, EventTableModel.COLUMN_TYPE).data(),
            model.index(row, EventTableModel.COLUMN_METADATA).data(),
            model.index(row, EventTableModel.COLUMN_REPORTED).data(),
        )
        for row in range(model.rowCount())
    ]


def _answer_cells(model: HistoryTableModel) -> list[str]:
    return [model.index(row, HistoryTableModel.COLUMN_ANSWER).data() for row in range(model.rowCount())]


def test_store_matches_scenario(window, stats) -> None:
    history = stats.history()

    assert [entry.status for entry in history] == ["sent", "rejected", "rejected", "rejected"]
    assert [(entry.requeued_events, entry.dropped_events) for entry in history] == [
        (None, None), (1, 1), (1, 1), (1, 0),
    ]


def test_events_tab_reported_states(window) -> None:
    model = window.events_tab.model

    assert _reported_cells(model) == [
        ("Job created", "Printer type: bambu_x1c", "no"),
        ("Job completed", "Printer type: prusa_mk4", "yes"),
        ("Job failed", "Printer type: prusa_mk4", "not sent (rejected)"),
        ("Job created", "Printer type: prusa_mk4", "not sent (rejected)"),
    ]


def test_events_tab_kept_back_tooltip(window) -> None:
    model = window.events_tab.model
    tooltips = [
        model.index(row, EventTableModel.COLUMN_REPORTED).data(Qt.ItemDataRole.ToolTipRole)
        for row in range(model.rowCount())
    ]

    assert tooltips == [None, None, KEPT_BACK_TOOLTIP, KEPT_BACK_TOOLTIP]


def test_history_tab_rejection_counts(window) -> None:
    model = window.history_tab.model

    assert _answer_cells(model) == ["accepted (HTTP 200)", REJECTED_TWICE_ANSWER, REJECTED_TWICE_ANSWER, REJECTED_ONCE_ANSWER]
    assert model.index(1, HistoryTableModel.COLUMN_STATUS).data() == "Rejected"
    assert model.index(1, HistoryTableModel.COLUMN_SUBMISSION).data() == "-"
    assert window.history_tab.chain_label.text() == "The history is intact: no entry was changed after it was recorded."


def test_history_tab_rejection_without_counts(window, stats) -> None:
    # Entries rejected before the store counted requeued and kept-back events have no counts.
    with sqlite3.connect(stats.path) as connection:
        connection.execute("UPDATE sent_reports SET requeued_events = NULL, dropped_events = NULL")

    window.refresh()

    assert _answer_cells(window.history_tab.model) == ["accepted (HTTP 200)", "rejected (HTTP 400)", "rejected (HTTP 400)", "rejected (HTTP 400)"]


def test_history_answer_tooltip(window) -> None:
    model = window.history_tab.model
    tooltips = [
        model.index(row, HistoryTableModel.COLUMN_ANSWER).data(Qt.ItemDataRole.ToolTipRole)
        for row in range(model.rowCount())
    ]

    assert tooltips == [None, REJECTED_TWICE_ANSWER, REJECTED_TWICE_ANSWER, REJECTED_ONCE_ANSWER]


def test_history_detail_starts_with_counts(window) -> None:
    window.history_tab.table.selectRow(3)

    detail = window.history_tab.detail_view.toPlainText()

    assert detail.startswith(REJECTED_ONCE_ANSWER + "\n\nSent body (")
    assert detail.endswith("Server answer:\n" + json.dumps(REJECTION, indent=2, sort_keys=True))


def test_history_detail_of_sent_entry(window) -> None:
    window.history_tab.table.selectRow(0)

    detail = window.history_tab.detail_view.toPlainText()

    assert detail.startswith("Sent body (")
    assert detail.endswith('Server answer:\n{\n  "submission_id": "sub-accepted"\n}')


def test_german_reported_states(window, german) -> None:
    assert german is not None
    model = window.events_tab.model

    assert [cells[2] for cells in _reported_cells(model)] == [
        "nein", "ja", "nicht gesendet (abgelehnt)", "nicht gesendet (abgelehnt)",
    ]
    assert model.index(3, EventTableModel.COLUMN_REPORTED).data(Qt.ItemDataRole.ToolTipRole) == (
        "Der Statistikserver hat jeden Bericht abgelehnt, der dieses Ereignis gezählt hat. "
        "Es bleibt auf diesem Computer und wird nie gesendet."
    )


def test_german_rejection_counts(window, german) -> None:
    assert german is not None

    assert _answer_cells(window.history_tab.model)[1:] == [
        "Abgelehnt (HTTP 400). Ereignisse, die im nächsten Bericht erneut gezählt werden: 1. "
        "Ereignisse, die auf diesem Computer bleiben und nie gesendet werden: 1.",
        "Abgelehnt (HTTP 400). Ereignisse, die im nächsten Bericht erneut gezählt werden: 1. "
        "Ereignisse, die auf diesem Computer bleiben und nie gesendet werden: 1.",
        "Abgelehnt (HTTP 400). Ereignisse, die im nächsten Bericht erneut gezählt werden: 1. "
        "Ereignisse, die auf diesem Computer bleiben und nie gesendet werden: 0.",
    ]

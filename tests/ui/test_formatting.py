"""Dates and notices as the window and the tray show them, under a fixed zone and the C locale."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QLocale, QModelIndex

from app.ui.facade import MISSING, report_changes
from app.ui.formatting import attempt_time, long_date, sharing_status_text
from app.ui.i18n import install_translator
from app.ui.models import EventTableModel
from app.ui.tabs import NextReportTab, OverviewTab
from tests.ui.fakes import FakeSentReport, FakeStats


@pytest.fixture(autouse=True)
def utc_and_c_locale(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    previous = QLocale()
    QLocale.setDefault(QLocale.c())
    yield
    QLocale.setDefault(previous)
    monkeypatch.undo()
    time.tzset()


def test_overview_dates_match_events_table(qtbot, fake_stats: FakeStats) -> None:
    fake_stats.record("job_created")
    overview = OverviewTab(fake_stats)
    qtbot.addWidget(overview)
    model = EventTableModel(fake_stats)
    model.set_filter(None, None)

    overview.refresh()

    assert overview.field_text("first_seen") == "2026-11-01 12:00"
    assert overview.field_text("next_submission") == "2026-12-03 12:00"
    assert overview.field_text("last_submission") == "-"
    assert model.data(model.index(0, EventTableModel.COLUMN_TIME, QModelIndex())) == "2026-12-01 12:00"


def test_overview_shows_pause_end(qtbot, fake_stats: FakeStats) -> None:
    fake_stats.opt_in("2")
    paused_until = fake_stats.pause(7)
    overview = OverviewTab(fake_stats)
    qtbot.addWidget(overview)

    overview.refresh()

    assert overview.field_text("consent") == f"on, but paused until {long_date(paused_until)}"


@pytest.mark.parametrize(
    ("pending", "has_attempt", "expected"),
    [(1, True, "1 (next attempt: {time})"), (0, True, "0"), (1, False, "1")],
)
def test_overview_shows_next_attempt_for_waiting_reports(qtbot, fake_stats: FakeStats, pending, has_attempt, expected) -> None:
    fake_stats.pending_reports = pending
    next_check = datetime.now(timezone.utc) + timedelta(minutes=30)
    overview = OverviewTab(fake_stats, next_check_at=lambda: next_check if has_attempt else None)
    qtbot.addWidget(overview)

    overview.refresh()

    assert overview.field_text("pending_reports") == expected.format(time=attempt_time(next_check))


def test_tray_status_names_report_date(fake_stats: FakeStats) -> None:
    fake_stats.opt_in("2")
    status = dataclasses.replace(
        fake_stats.status(), endpoint="http://127.0.0.1:9", next_submission_due=datetime(2026, 12, 11, 21, 0, tzinfo=timezone.utc)
    )

    text = sharing_status_text(status, fake_stats.consent(), "2")

    assert text == "Sharing: on – next report Fri 11 Dec"


@pytest.mark.parametrize(("pending", "expected"), [(1, "Sharing: on – 1 report waiting to be sent"), (3, "Sharing: on – 3 reports waiting to be sent")])
def test_tray_status_names_waiting_reports(qapp, fake_stats: FakeStats, pending, expected) -> None:
    fake_stats.opt_in("2")
    status = dataclasses.replace(fake_stats.status(), endpoint="http://127.0.0.1:9", pending_reports=pending)
    # The app installs the English translation too, which contains the English plural forms.
    translator = install_translator(qapp, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    try:
        text = sharing_status_text(status, fake_stats.consent(), "2")
    finally:
        qapp.removeTranslator(translator)

    assert text == expected


def test_next_report_says_nothing_sent_when_off(qtbot, fake_stats: FakeStats) -> None:
    tab = NextReportTab(fake_stats)
    qtbot.addWidget(tab)

    tab.refresh()
    undecided = tab.size_label.text()
    fake_stats.opt_in("2")
    tab.refresh()
    granted = tab.size_label.text()
    fake_stats.opt_out()
    tab.refresh()
    refused = tab.size_label.text()

    off_text = "Sharing is off, so nothing will be sent. If you turn sharing on, the next report would look like this (52 bytes):"
    assert undecided == off_text
    assert granted == "The next scheduled report as it stands now, byte for byte (52 bytes):"
    assert refused == off_text
    assert tab.exact_view.toPlainText() == '{"report_id":"r-next","usage_stats":{"job_count":0}}'


def test_next_report_off_under_do_not_track(qtbot, fake_stats: FakeStats) -> None:
    fake_stats.opt_in("2")
    fake_stats.consent_value = dataclasses.replace(fake_stats.consent_value, blocked_by_dnt=True)
    tab = NextReportTab(fake_stats)
    qtbot.addWidget(tab)

    tab.refresh()

    assert tab.size_label.text() == (
        "Nothing is sent because the DO_NOT_TRACK environment variable is set. If it were not set, the next report "
        "would look like this (52 bytes):"
    )


def test_overview_next_report_under_do_not_track(qtbot, fake_stats: FakeStats) -> None:
    fake_stats.opt_in("2")
    fake_stats.consent_value = dataclasses.replace(fake_stats.consent_value, blocked_by_dnt=True)
    overview = OverviewTab(fake_stats)
    qtbot.addWidget(overview)

    overview.refresh()

    assert overview.field_text("next_submission") == "none, because the DO_NOT_TRACK environment variable is set"


def test_report_changes_marks_missing_fields() -> None:
    previous = '{"error_summary": {"ConnectionError": 2}, "installation": {"country_code": null}}'
    upcoming = '{"error_summary": {}, "installation": {}}'

    changes = report_changes(previous, upcoming)

    assert changes == [
        ("error_summary.ConnectionError", 2, MISSING),
        ("installation.country_code", None, MISSING),
    ]


def test_next_report_changes_read_as_json(qtbot, fake_stats: FakeStats) -> None:
    sent_body = {
        "error_summary": {"ConnectionError": 2},
        "installation": {"app_version": "1.0", "deployment_mode": "desktop"},
        "usage_stats": {"feature_usage": {"library": True}, "job_count": 3},
    }
    next_body = {
        "error_summary": {},
        "installation": {"app_version": "1.1", "deployment_mode": "desktop"},
        "usage_stats": {"feature_usage": {"library": True}, "job_count": 0, "upload_count": 1},
    }
    sent_at = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    fake_stats.reports.append(
        FakeSentReport(
            report_id="r-sent", period_start=sent_at, period_end=sent_at, body=json.dumps(sent_body), created_at=sent_at,
            sent_at=sent_at, status="sent", http_status=200, submission_id="1", response_body=None,
        )
    )
    fake_stats.preview = lambda: json.dumps(next_body).encode()  # type: ignore[method-assign]
    tab = NextReportTab(fake_stats)
    qtbot.addWidget(tab)

    tab.refresh()

    assert tab.changes_view.toPlainText().splitlines() == [
        "error_summary.ConnectionError: 2 -> (absent)",
        'installation.app_version: "1.0" -> "1.1"',
        "usage_stats.job_count: 3 -> 0",
        "usage_stats.upload_count: (absent) -> 1",
    ]

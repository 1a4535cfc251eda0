"""The Events tab after the local data was deleted: a sentence in place of the table and an empty chart."""

from __future__ import annotations

import datetime as dt

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from app.ui.chart import DailyBarChart
from tests.ui.core_stats import START, open_stats_window


def collector_unused(request):
    raise AssertionError("no test here sends anything")


def render(chart: DailyBarChart) -> QImage:
    chart.resize(480, 140)
    return chart.grab().toImage()


@pytest.fixture
def collector():
    return collector_unused


def test_deleted_data_shows_sentence(qtbot, stats, clock) -> None:
    stats.record("job_created", printer_type="prusa_mk4")
    stats.delete_local_data()
    clock.now = START + dt.timedelta(hours=1)

    window = open_stats_window(qtbot, stats)
    tab = window.events_tab

    assert tab.model.rowCount() == 0
    assert tab.table_stack.currentWidget() is tab.empty_label
    assert tab.empty_label.text() == "No events are stored on this computer."


def test_filtered_out_events_sentence(qtbot, stats, clock) -> None:
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(hours=1)
    window = open_stats_window(qtbot, stats)
    tab = window.events_tab

    tab.type_filter.setCurrentIndex(tab.type_filter.findData("job_failed"))
    filtered_text = tab.empty_label.text()
    tab.type_filter.setCurrentIndex(tab.type_filter.findData("job_created"))

    assert filtered_text == "No events of this type in the selected period."
    assert tab.table_stack.currentWidget() is tab.table


def test_period_without_events_sentence(qtbot, stats, clock) -> None:
    # The period filter counts back from the wall clock, and no wall clock is within 7 days of 2000.
    clock.now = dt.datetime(2000, 1, 3, tzinfo=dt.timezone.utc)
    stats.record("job_created", printer_type="prusa_mk4")
    window = open_stats_window(qtbot, stats)
    tab = window.events_tab

    tab.period_filter.setCurrentIndex(tab.period_filter.findData(7))

    assert tab.empty_label.text() == "No events in the selected period."
    assert tab.table_stack.currentWidget() is tab.empty_label


def test_chart_without_events_draws_sentence(qtbot) -> None:
    zero_days = DailyBarChart()
    sentence_only = DailyBarChart()
    one_event = DailyBarChart()
    for chart in (zero_days, sentence_only, one_event):
        qtbot.addWidget(chart)
    days = [(dt.date(2026, 11, 1) + dt.timedelta(days=offset), 0) for offset in range(30)]

    zero_days.set_days(days)
    one_event.set_days([*days[:-1], (days[-1][0], 1)])

    assert zero_days.total() == 0
    assert render(zero_days) != render(one_event)
    assert render(zero_days) == render_sentence(sentence_only, "No events in the last 30 days")


def render_sentence(chart: DailyBarChart, text: str) -> QImage:
    """Render `chart` with only `text` centred, as an empty chart is expected to look."""
    image = render(chart)
    image.fill(chart.palette().color(chart.backgroundRole()))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(chart.palette().color(chart.foregroundRole()))
    painter.setFont(chart.font())
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def test_chart_follows_type_filter(qtbot, stats, clock) -> None:
    stats.record("job_created", printer_type="prusa_mk4")
    stats.record("job_created", printer_type="prusa_mk4")
    stats.record("job_failed", printer_type="prusa_mk4", error_type="Timeout")
    clock.now = START + dt.timedelta(hours=1)
    window = open_stats_window(qtbot, stats)
    tab = window.events_tab

    all_total = tab.chart.total()
    tab.type_filter.setCurrentIndex(tab.type_filter.findData("job_failed"))

    assert (all_total, tab.chart.total()) == (3, 1)
    assert tab.chart.toolTip() == 'Events of the type "Job failed" in the last 30 days: 1'

"""A report that could not be sent: the message, the log line and the retry after a restart, over a real store.

The collector is an httpx MockTransport that raises ConnectError while it is down, as httpx
does when nothing listens on the port, and accepts reports once it is up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QTimer

from app.core import UsageStats, privacy_policy
from app.ui.application import TrayApplication
from app.ui.formatting import attempt_time
from app.ui.scheduler import WAITING_REPORT_FIRST_CHECK_DELAY_MS
from app.ui.stats_window import StatsWindow
from tests.ui.core_stats import ENDPOINT, START, Clock, open_stats
from tests.ui.fakes import FakeStats


class SwitchableCollector:
    """Raise ConnectError while `up` is False, and accept every report once it is True."""

    def __init__(self) -> None:
        self.up = False
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.up:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200, json={"submission_id": "sub-after-restart"})


@pytest.fixture
def collector() -> SwitchableCollector:
    return SwitchableCollector()


def _open(home: Path, collector: SwitchableCollector, clock: Clock) -> UsageStats:
    # No stamina retries inside one attempt, so a failed send returns at once.
    return open_stats(home, collector, clock, USAGE_STATS_RETRY_COUNT="0")


def _start_app(qtbot, stats: UsageStats) -> TrayApplication:
    application = TrayApplication(stats, privacy_policy(), tray_available=True)
    qtbot.addWidget(application.window)
    application.start(ask_consent=False)
    return application


def _stop_app(application: TrayApplication) -> None:
    application.scheduler.stop()
    application.heartbeat_timer.stop()
    application.runner.cancel_all()


@pytest.fixture
def failed_send(qtbot, tmp_path: Path, collector: SwitchableCollector, clock: Clock, loop) -> Iterator[tuple]:
    """Opt in, owe one weekly report, and press "Send report now" while the collector is down."""
    stats = _open(tmp_path, collector, clock)
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(days=8)
    application = _start_app(qtbot, stats)
    messages: list[str] = []
    application.actions.message.connect(messages.append)

    application.actions.send_now()
    loop.run_until_complete(application.runner.wait_idle())

    yield application, stats, messages
    _stop_app(application)
    stats.close()


def test_failed_send_message_is_plain(failed_send) -> None:
    application, stats, messages = failed_send
    next_attempt = application.scheduler.next_check_at()

    assert stats.status().pending_reports == 1
    assert messages[-1] == (
        "The statistics server could not be reached. The report is kept and sent again automatically "
        f"(next attempt: {attempt_time(next_attempt)}). Either this computer is offline or the server is down."
    )


def test_failed_send_logs_one_warning(qtbot, tmp_path, collector, clock, loop, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        stats = _open(tmp_path, collector, clock)
        stats.opt_in(privacy_policy().version)
        stats.record("job_created", printer_type="prusa_mk4")
        clock.now = START + dt.timedelta(days=8)
        application = _start_app(qtbot, stats)
        application.actions.send_now()
        loop.run_until_complete(application.runner.wait_idle())
        _stop_app(application)
        stats.close()

    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    with _open(tmp_path, collector, clock) as reopened:
        [report] = reopened.history()
    assert len(warnings) == 1
    assert warnings[0].name == "app.ui"
    assert warnings[0].args[:2] == (report.report_id, f"ConnectError while sending to {ENDPOINT}")
    assert warnings[0].args[2].startswith("at ")


def test_waiting_report_sent_soon_after_restart(failed_send, qtbot, tmp_path, collector, clock, loop) -> None:
    application, stats, _ = failed_send
    _stop_app(application)
    stats.close()
    collector.up = True

    restarted_stats = _open(tmp_path, collector, clock)
    restarted = _start_app(qtbot, restarted_stats)
    try:
        assert restarted.scheduler.timer.interval() == WAITING_REPORT_FIRST_CHECK_DELAY_MS == 30_000
        restarted.scheduler.timer.timeout.emit()
        loop.run_until_complete(restarted.runner.wait_idle())

        assert restarted_stats.status().pending_reports == 0
        assert [entry.status for entry in restarted_stats.history()] == ["sent"]
        assert [request.method for request in collector.requests] == ["POST", "POST"]
    finally:
        _stop_app(restarted)
        restarted_stats.close()


GERMAN_UNREACHABLE = (
    "Der Statistikserver war nicht erreichbar. Der Bericht bleibt gespeichert und wird automatisch erneut "
    "gesendet (nächster Versuch: 14:05). Entweder hat dieser Computer keine Netzwerkverbindung oder der Server ist ausgefallen."
)


def _window_with_one_line_status(qtbot) -> tuple[StatsWindow, int]:
    """Return a shown window with a short status message, and the status bar's height for one line."""
    window = StatsWindow(FakeStats(), [])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_message("Sharing resumed.")
    qtbot.wait(20)
    return window, window.statusBar().height()


def test_long_status_wraps_in_full(qtbot) -> None:
    window, one_line = _window_with_one_line_status(qtbot)

    window.show_message(GERMAN_UNREACHABLE)
    qtbot.waitUntil(lambda: window.statusBar().height() > one_line)

    label = window.status_label
    assert window.width() == 860
    assert label.text() == GERMAN_UNREACHABLE
    # The label is exactly as tall as its wrapped text at its width: no line is cut off.
    assert label.height() == label.heightForWidth(label.width())


def test_status_takes_one_line_after_widening(qtbot) -> None:
    window, one_line = _window_with_one_line_status(qtbot)
    window.show_message(GERMAN_UNREACHABLE)
    qtbot.waitUntil(lambda: window.statusBar().height() > one_line)

    window.resize(1800, 600)
    qtbot.waitUntil(lambda: window.statusBar().height() == one_line)

    assert window.status_label.text() == GERMAN_UNREACHABLE


def test_status_message_stays_until_next(qtbot) -> None:
    window = StatsWindow(FakeStats(), [])
    qtbot.addWidget(window)
    window.show()
    window.show_message("Report sent (server receipt sub-1).")
    qtbot.wait(50)

    assert window.status_label.text() == "Report sent (server receipt sub-1)."
    assert window.findChildren(QTimer) == []
    window.show_message("Sharing resumed.")

    assert window.status_label.text() == "Sharing resumed."

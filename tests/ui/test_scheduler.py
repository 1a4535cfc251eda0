"""The submission scheduler: consent gate, timer re-arming and contained failures."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from app.core import RetryLater
from app.ui.scheduler import (
    CHECK_INTERVAL_MS,
    FIRST_CHECK_DELAY_MS,
    MAX_RETRY_AFTER_DELAY_MS,
    WAITING_REPORT_FIRST_CHECK_DELAY_MS,
    SubmissionScheduler,
)
from app.ui.tasks import TaskRunner
from tests.ui.fakes import FakeConsent, FakeStats


def _scheduler(stats: FakeStats, policy_version: str | None = "2") -> tuple[SubmissionScheduler, TaskRunner]:
    runner = TaskRunner()
    return SubmissionScheduler(stats, runner, policy_version), runner


def test_scheduler_defaults_first_delay_then_hourly(qapp) -> None:
    scheduler, _ = _scheduler(FakeStats())
    scheduler.start()

    assert scheduler.timer.isSingleShot()
    assert scheduler.timer.isActive()
    assert scheduler.timer.interval() == FIRST_CHECK_DELAY_MS == 180_000
    assert CHECK_INTERVAL_MS == 3_600_000
    scheduler.stop()
    assert not scheduler.timer.isActive()


def test_scheduler_undecided_sends_nothing(loop) -> None:
    stats = FakeStats()
    scheduler, _ = _scheduler(stats)

    assert loop.run_until_complete(scheduler.run_check(force=True)) == []
    assert stats.network_calls == []


def test_scheduler_refused_sends_nothing(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("refused")
    scheduler, _ = _scheduler(stats)

    loop.run_until_complete(scheduler.run_check(force=True))
    assert stats.network_calls == []


def test_scheduler_dnt_sends_nothing(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2", blocked_by_dnt=True)
    scheduler, _ = _scheduler(stats)

    loop.run_until_complete(scheduler.run_check(force=True))
    assert stats.network_calls == []


def test_scheduler_old_policy_consent_sends_nothing(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "1")
    scheduler, _ = _scheduler(stats, policy_version="2")

    loop.run_until_complete(scheduler.run_check(force=True))
    assert stats.network_calls == []


def test_scheduler_granted_submits(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")
    scheduler, _ = _scheduler(stats)

    outcomes = loop.run_until_complete(scheduler.run_check())
    assert stats.network_calls == ["submit_due"]
    assert [outcome.submission_id for outcome in outcomes] == ["s1"]


def test_scheduler_retries_pending_deletion(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("refused")
    stats.server_deletion = "pending"
    scheduler, _ = _scheduler(stats)

    loop.run_until_complete(scheduler.run_check())
    assert stats.network_calls == ["request_server_deletion"]


def test_scheduler_contains_failure_and_rearms(loop, qtbot) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")

    async def failing_submit(force: bool = False) -> list[object]:
        raise ConnectionError("collector unreachable")

    stats.submit_due = failing_submit  # type: ignore[method-assign]
    scheduler, runner = _scheduler(stats)
    scheduler.start()
    failures: list[str] = []
    scheduler.check_failed.connect(failures.append)

    assert scheduler.trigger_now()
    loop.run_until_complete(runner.wait_idle())

    assert failures == ["collector unreachable"]
    assert scheduler.timer.isActive()
    assert scheduler.timer.interval() == CHECK_INTERVAL_MS


def test_scheduler_timeout_runs_check_and_rearms(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")
    scheduler, runner = _scheduler(stats)
    results: list[object] = []
    scheduler.check_finished.connect(results.append)
    scheduler.start()

    scheduler.timer.timeout.emit()
    loop.run_until_complete(runner.wait_idle())

    assert stats.network_calls == ["submit_due"]
    assert len(results) == 1
    assert scheduler.timer.interval() == CHECK_INTERVAL_MS
    assert scheduler.timer.isActive()


def test_scheduler_one_check_at_a_time(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")
    scheduler, runner = _scheduler(stats)

    assert scheduler.trigger_now()
    assert not scheduler.trigger_now()
    loop.run_until_complete(runner.wait_idle())
    assert stats.network_calls == ["submit_due"]


def test_scheduler_stopped_stays_stopped(loop) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")
    scheduler, runner = _scheduler(stats)
    scheduler.start()
    scheduler.stop()

    scheduler.trigger_now()
    loop.run_until_complete(runner.wait_idle())
    assert not scheduler.timer.isActive()


@pytest.mark.parametrize(
    ("consent", "pending_reports", "first_delay_ms"),
    [
        (FakeConsent("granted", "2"), 1, WAITING_REPORT_FIRST_CHECK_DELAY_MS),
        (FakeConsent("granted", "2"), 0, FIRST_CHECK_DELAY_MS),
        (FakeConsent("refused"), 1, FIRST_CHECK_DELAY_MS),
        (FakeConsent("granted", "1"), 1, FIRST_CHECK_DELAY_MS),
    ],
)
def test_scheduler_first_delay_for_waiting_report(qapp, consent, pending_reports, first_delay_ms) -> None:
    stats = FakeStats()
    stats.consent_value = consent
    stats.pending_reports = pending_reports
    scheduler, _ = _scheduler(stats)

    scheduler.start()

    assert WAITING_REPORT_FIRST_CHECK_DELAY_MS == 30_000
    assert scheduler.timer.interval() == first_delay_ms
    scheduler.stop()


def test_scheduler_unreadable_store_keeps_first_delay(qapp) -> None:
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")

    def broken_status() -> None:
        raise OSError("disk I/O error")

    stats.status = broken_status  # type: ignore[method-assign]
    scheduler, _ = _scheduler(stats)

    scheduler.start()

    assert scheduler.timer.interval() == FIRST_CHECK_DELAY_MS
    scheduler.stop()


def _retry_later(retry_after_seconds: float | None) -> RetryLater:
    return RetryLater("collector responded with HTTP 503", retry_after_seconds, report_id="r-queued")


def _started_scheduler_of_busy_server(retry_after_seconds: float | None):
    """Start a scheduler for a consenting user whose every send ends in RetryLater with `retry_after_seconds`."""
    stats = FakeStats()
    stats.consent_value = FakeConsent("granted", "2")

    async def busy_server(force: bool = False) -> list[object]:
        return [_retry_later(retry_after_seconds)]

    stats.submit_due = busy_server  # type: ignore[method-assign]
    scheduler, runner = _scheduler(stats)
    scheduler.start()
    return scheduler, runner


@pytest.mark.parametrize(
    ("retry_after_seconds", "interval_ms"),
    [
        (None, CHECK_INTERVAL_MS),
        (30.0, CHECK_INTERVAL_MS),
        (7200.5, 7_200_500),
        (10**9, MAX_RETRY_AFTER_DELAY_MS),
        (float("inf"), MAX_RETRY_AFTER_DELAY_MS),
    ],
)
def test_scheduler_honours_long_retry_after(loop, retry_after_seconds, interval_ms) -> None:
    scheduler, runner = _started_scheduler_of_busy_server(retry_after_seconds)

    scheduler.trigger_now()
    loop.run_until_complete(runner.wait_idle())

    assert scheduler.timer.interval() == interval_ms
    scheduler.stop()


def test_scheduler_logs_failed_send_once(loop, caplog) -> None:
    scheduler, runner = _started_scheduler_of_busy_server(None)
    before = datetime.now(timezone.utc)

    with caplog.at_level(logging.WARNING, logger="app.ui"):
        scheduler.trigger_now()
        loop.run_until_complete(runner.wait_idle())

    [record] = [record for record in caplog.records if record.name == "app.ui"]
    report_id, reason, next_text = record.args
    next_attempt = datetime.fromisoformat(next_text.removeprefix("at "))
    assert record.levelno == logging.WARNING
    assert (report_id, reason) == ("r-queued", "collector responded with HTTP 503")
    # A coarse QTimer may move its timeout by up to 5 % of the interval.
    assert before + timedelta(minutes=57) <= next_attempt <= datetime.now(timezone.utc) + timedelta(minutes=63)
    scheduler.stop()


def test_scheduler_next_check_at(qapp) -> None:
    scheduler, _ = _scheduler(FakeStats())
    assert scheduler.next_check_at() is None

    before = datetime.now(timezone.utc)
    scheduler.start()
    next_check = scheduler.next_check_at()

    # A coarse QTimer may move its timeout by up to 5 % of the interval, 9 s for 3 minutes.
    assert before + timedelta(minutes=2, seconds=51) <= next_check <= before + timedelta(minutes=3, seconds=9)
    scheduler.stop()

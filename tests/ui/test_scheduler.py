"""The submission scheduler: consent gate, timer re-arming and contained failures."""

from __future__ import annotations

from app.ui.scheduler import CHECK_INTERVAL_MS, FIRST_CHECK_DELAY_MS, SubmissionScheduler
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

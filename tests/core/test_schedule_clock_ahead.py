"""A report schedule set while the clock was ahead, against a collector that checks period times."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import httpx

from app.core import Rejected, RetryLater, Sent, Skipped, UsageStats
from app.core import _outbox, _reasons, _settings as keys
from app.core._reasons import ReasonDetail

from .conftest import START, FakeClock

UTC = dt.timezone.utc
ENVIRON = {"USAGE_STATS_TIMEZONE": "Europe/Berlin", "USAGE_STATS_ENDPOINT": "http://127.0.0.1:8787/submit"}
CLOCK_SKEW = dt.timedelta(days=1)


class PeriodCheckingCollector:
    """A MockTransport handler with its own clock that, as the real collector does, rejects a
    period.start or period.end more than a day after that clock with HTTP 422 and the code
    time_in_future, and stores every other report.

    While `offline` is set, every request fails with a connection error.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.offline = False
        self.accepted: list[dict] = []
        self.rejected: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.offline:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content)
        for name in ("start", "end"):
            moment = dt.datetime.strptime(body["period"][name], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            if moment > self.clock.now + CLOCK_SKEW:
                self.rejected.append(body)
                return httpx.Response(422, json=future_response(f"period.{name}"))
        self.accepted.append(body)
        return httpx.Response(200, json={"status": "ok", "submission_id": len(self.accepted)})


def future_response(field: str) -> dict:
    return {
        "title": "Invalid Report",
        "description": f"Field {field} must not be more than 1 day in the future.",
        "field": field,
        "code": "time_in_future",
    }


def response_text(field: str) -> str:
    return httpx.Response(422, json=future_response(field)).text


def report_time(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def submit(stats: UsageStats, force: bool = False):
    return asyncio.run(stats.submit_due(force=force))


def opt_in_clock_ahead(home, ahead: dt.timedelta) -> tuple[UsageStats, FakeClock, PeriodCheckingCollector]:
    """Opt in while the client clock is `ahead` of the collector's, which reads START."""
    clock = FakeClock(START + ahead)
    collector = PeriodCheckingCollector(FakeClock(START))
    stats = UsageStats.open(home, environ=ENVIRON, clock=clock, transport=httpx.MockTransport(collector), app_version="2.4.1")
    stats.opt_in()
    return stats, clock, collector


def advance_both(clock: FakeClock, collector: PeriodCheckingCollector, **delta: float) -> None:
    clock.advance(**delta)
    collector.clock.advance(**delta)


def period_ahead_reason(next_start: dt.datetime, field: str) -> str:
    return (
        "the report's period was scheduled while this computer's clock was ahead and ends after the current "
        "time, so the collector rejects it as being in the future and it is not sent again. The next period "
        f"starts at {report_time(next_start)}. Collector response: {response_text(field)}"
    )


def test_period_ahead_restarts_schedule(home, caplog):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=30))
    stats.record("job_created")
    # The clock is set right, and the scheduler's next run notices that it went back.
    clock.now = collector.clock.now + dt.timedelta(days=1)
    stats.record("job_failed")
    noticed = submit(stats)
    advance_both(clock, collector, days=7)
    restarted_at = clock.now
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="app.core"):
        ended = submit(stats)
    advance_both(clock, collector, days=7)
    next_week = submit(stats)
    later_weeks = []
    for _ in range(3):
        advance_both(clock, collector, days=7)
        later_weeks += submit(stats)

    assert noticed == [Skipped("no report is due")]
    assert ended == [Rejected(422, period_ahead_reason(restarted_at, "period.start"))]
    assert ended[0].detail == ReasonDetail(
        _reasons.PERIOD_AHEAD_OF_CLOCK, {"response": response_text("period.start"), "next_period_start": restarted_at}
    )
    assert [type(outcome) for outcome in next_week + later_weeks] == [Sent, Sent, Sent, Sent]
    [rejected_body] = collector.rejected
    assert (rejected_body["period"]["start"], rejected_body["period"]["end"]) == (
        report_time(START + dt.timedelta(days=30)),
        report_time(START + dt.timedelta(days=37)),
    )
    sent_body = collector.accepted[0]
    assert (sent_body["period"]["start"], sent_body["period"]["end"]) == (
        report_time(restarted_at),
        report_time(restarted_at + dt.timedelta(days=7)),
    )
    # The job recorded at START + 30 days by the clock that was ahead was moved to the time at
    # which the set-back clock was noticed, so the first accepted report counts it.
    assert [body["usage_stats"]["job_failed_count"] for body in collector.accepted] == [1, 0, 0, 0]
    assert [body["usage_stats"]["job_count"] for body in collector.accepted] == [1, 0, 0, 0]
    assert collector.accepted[3]["period"]["end"] == report_time(restarted_at + dt.timedelta(days=28))
    sent = stats.history()[-2]
    rejected = stats.history()[-1]
    assert (rejected.status, rejected.http_status, rejected.response_body) == ("rejected", 422, response_text("period.start"))
    assert (rejected.requeued_events, rejected.dropped_events) == (2, 0)
    assert sent.status == "sent"
    assert len({entry.report_id for entry in stats.history()}) == 5
    assert stats.verify_history().ok is True
    assert caplog.messages == [
        "The usage report schedule was set while this computer's clock was ahead: the collector rejected report "
        f"{rejected.report_id} as being in the future, and its period ends after the current time. The next period "
        f"starts at {report_time(restarted_at)} instead of {report_time(START + dt.timedelta(days=37))}.",
        f"The period of usage report {rejected.report_id} ends at {report_time(START + dt.timedelta(days=37))}, "
        "after the current time, because the schedule was set while this computer's clock was ahead. The collector "
        "at http://127.0.0.1:8787 rejected it as being in the future (HTTP 422), so it is not sent again. Events "
        "counted again in the next report: 2. Events kept locally and never sent, because a rejected report "
        "counted them before: 0.",
    ]
    stats.close()


def queue_report_built_ahead(home) -> tuple[UsageStats, FakeClock, PeriodCheckingCollector, list]:
    """Record a job and queue the weekly report with the clock 30 days ahead, then set the clock right.

    Returns the client, both clocks' owners and the outcomes of the run while ahead.
    """
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=30))
    stats.record("job_created")
    advance_both(clock, collector, days=7, hours=1)
    ahead = submit(stats)
    clock.now = collector.clock.now
    return stats, clock, collector, ahead


def test_report_built_ahead_restarts_schedule(home):
    stats, clock, collector, ahead = queue_report_built_ahead(home)
    restarted_at = clock.now
    stats.record("job_failed")

    set_back = submit(stats)
    advance_both(clock, collector, days=7)
    next_week = submit(stats)

    assert [type(outcome) for outcome in ahead] == [RetryLater]
    assert [type(outcome) for outcome in set_back] == [Rejected]
    assert set_back[0].detail.code == _reasons.BUILT_WHILE_CLOCK_AHEAD
    assert [type(outcome) for outcome in next_week] == [Sent]
    [sent_body] = collector.accepted
    assert (sent_body["period"]["start"], sent_body["period"]["end"]) == (
        report_time(restarted_at),
        report_time(restarted_at + dt.timedelta(days=7)),
    )
    assert sent_body["usage_stats"]["job_failed_count"] == 1
    assert [entry.status for entry in stats.history()] == ["sent", "rejected"]
    stats.close()


def test_queued_periods_ahead_all_end(home):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=30))
    stats.record("job_created")
    clock.now = collector.clock.now + dt.timedelta(hours=1)
    submit(stats)
    collector.offline = True
    advance_both(clock, collector, days=7)
    offline = submit(stats)
    stats.record("job_failed")
    collector.offline = False
    advance_both(clock, collector, days=7)
    restarted_at = clock.now

    ended = submit(stats)
    advance_both(clock, collector, days=7)
    next_week = submit(stats)

    assert [type(outcome) for outcome in offline] == [RetryLater]
    assert ended == [
        Rejected(422, period_ahead_reason(restarted_at, "period.start")),
        Rejected(422, period_ahead_reason(restarted_at, "period.start")),
    ]
    assert [body["period"]["start"] for body in collector.rejected] == [
        report_time(START + dt.timedelta(days=30)),
        report_time(START + dt.timedelta(days=37)),
    ]
    assert [type(outcome) for outcome in next_week] == [Sent]
    [sent_body] = collector.accepted
    assert sent_body["period"]["start"] == report_time(restarted_at)
    assert sent_body["usage_stats"]["job_failed_count"] == 1
    assert [entry.status for entry in stats.history()] == ["sent", "rejected", "rejected"]
    assert len({entry.report_id for entry in stats.history()}) == 3
    assert stats.verify_history().ok is True
    stats.close()


def test_period_before_now_stays_queued(home):
    # The client clock is right and the collector's is 3 days behind it.
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=3))
    stats.record("job_created")
    advance_both(clock, collector, days=7, hours=1)

    first = submit(stats)
    clock.advance(hours=1)
    second = submit(stats)

    assert [type(outcome) for outcome in first + second] == [RetryLater, RetryLater]
    assert second[0].detail == ReasonDetail(_reasons.CLOCK_AHEAD, {"field": "period.end"})
    assert [(entry.status, entry.http_status) for entry in stats.history()] == [("pending", None)]
    assert stats._settings.get_time(keys.REPORT_LAST_PERIOD_END) == START + dt.timedelta(days=10)
    stats.close()


def test_forced_and_weekly_after_restart(home):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=30))
    clock.now = collector.clock.now + dt.timedelta(hours=1)
    submit(stats)
    advance_both(clock, collector, days=7)
    restarted_at = clock.now
    submit(stats)
    stats.record("job_created")
    advance_both(clock, collector, hours=2)

    forced = submit(stats, force=True)
    advance_both(clock, collector, days=7)
    weekly = submit(stats)

    assert [type(outcome) for outcome in forced + weekly] == [Sent, Sent]
    periods = [(body["period"]["start"], body["period"]["end"]) for body in collector.accepted]
    forced_end = restarted_at + dt.timedelta(hours=2)
    assert periods == [
        (report_time(restarted_at), report_time(forced_end)),
        (report_time(forced_end), report_time(forced_end + dt.timedelta(days=7))),
    ]
    assert collector.accepted[0]["usage_stats"]["job_count"] == 1
    stats.close()


def test_restart_skips_used_period_start(home):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(0))
    advance_both(clock, collector, hours=2)
    submit(stats, force=True)
    used_start = START
    # As if the schedule had since moved 10 days ahead of a clock that now reads the used start.
    stats._settings.set(keys.REPORT_LAST_PERIOD_END, START + dt.timedelta(days=10))

    moved = _outbox.restart_schedule(stats._db, stats._settings, used_start + dt.timedelta(microseconds=500_000))

    assert moved == (START + dt.timedelta(days=10), used_start + dt.timedelta(seconds=1))
    assert stats._settings.get_time(keys.REPORT_LAST_PERIOD_END) == used_start + dt.timedelta(seconds=1)
    assert _outbox.restart_schedule(stats._db, stats._settings, used_start + dt.timedelta(seconds=1)) is None
    stats.close()


def test_events_recorded_ahead_move_to_now(home, caplog):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=30))
    stats.record("job_created")
    stats.record("job_completed")
    clock.now = collector.clock.now + dt.timedelta(days=1)
    noticed_at = clock.now
    stats.record("job_failed")
    # Within a minute after the build's time, as if recorded while the build waited for the lock.
    stats.record_many([("job_created", noticed_at + dt.timedelta(seconds=50), {})])

    with caplog.at_level(logging.INFO, logger="app.core"):
        noticed = submit(stats)

    moved_to = noticed_at.replace(microsecond=0) - dt.timedelta(microseconds=1)
    assert noticed == [Skipped("no report is due")]
    assert [(event.event_type, event.occurred_at) for event in stats.recent_events()] == [
        ("job_created", noticed_at + dt.timedelta(seconds=50)),
        ("job_failed", noticed_at),
        ("job_completed", moved_to),
        ("job_created", moved_to),
    ]
    assert (
        "2 unreported events lie after the current time, so the system clock was set back since they were "
        f"recorded. They now carry the time {moved_to.strftime('%Y-%m-%dT%H:%M:%S.%fZ')} and go out with the "
        "next report."
    ) in caplog.messages
    stats.close()


def test_forced_send_counts_events_recorded_ahead(home):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(0))
    advance_both(clock, collector, hours=1)
    clock.advance(days=10)
    stats.record("job_created")
    stats.record("job_created")
    clock.now = collector.clock.now

    forced = submit(stats, force=True)

    assert [type(outcome) for outcome in forced] == [Sent]
    [body] = collector.accepted
    assert body["usage_stats"]["job_count"] == 2
    assert body["period"]["end"] == report_time(clock.now)
    stats.close()


def test_forced_send_restarts_period_set_ahead(home, caplog):
    stats, clock, collector = opt_in_clock_ahead(home, dt.timedelta(days=10))
    stats.record("job_created")
    advance_both(clock, collector, hours=1)
    clock.now = collector.clock.now
    stats.record("job_failed")
    advance_both(clock, collector, seconds=5)
    forced_at = clock.now

    with caplog.at_level(logging.WARNING, logger="app.core"):
        forced = submit(stats, force=True)
    advance_both(clock, collector, days=7)
    weekly = submit(stats)

    assert [type(outcome) for outcome in forced + weekly] == [Sent, Sent]
    first, second = collector.accepted
    assert (first["period"]["start"], first["period"]["end"]) == (
        report_time(forced_at - dt.timedelta(seconds=1)),
        report_time(forced_at),
    )
    assert (first["usage_stats"]["job_count"], first["usage_stats"]["job_failed_count"]) == (1, 1)
    assert (second["period"]["start"], second["period"]["end"]) == (
        report_time(forced_at),
        report_time(forced_at + dt.timedelta(days=7)),
    )
    assert collector.rejected == []
    assert (
        f"The open usage report period starts at {report_time(START + dt.timedelta(days=10))}, after the current "
        "time: the schedule was set while this computer's clock was ahead, or the clock is now behind. The report "
        "sent now starts at "
        f"{report_time(forced_at - dt.timedelta(seconds=1))} instead."
    ) in caplog.messages
    stats.close()


def test_forced_send_replaces_report_built_ahead(home):
    stats, clock, collector, ahead = queue_report_built_ahead(home)
    set_back_at = clock.now

    forced = submit(stats, force=True)
    advance_both(clock, collector, days=7)
    weekly = submit(stats)

    assert [type(outcome) for outcome in ahead] == [RetryLater]
    assert [type(outcome) for outcome in forced + weekly] == [Rejected, Sent, Sent]
    assert forced[0].detail.code == _reasons.BUILT_WHILE_CLOCK_AHEAD
    assert [(body["period"]["start"], body["period"]["end"]) for body in collector.accepted] == [
        (report_time(set_back_at - dt.timedelta(seconds=1)), report_time(set_back_at)),
        (report_time(set_back_at), report_time(set_back_at + dt.timedelta(days=7))),
    ]
    assert [body["usage_stats"]["job_count"] for body in collector.accepted] == [1, 0]
    stats.close()

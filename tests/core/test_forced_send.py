"""Send report now: a forced send closes the open period early, and the schedule goes on from there."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import Sent, Skipped, UsageStats
from app.core import _reasons
from app.core._reasons import ReasonDetail

from .conftest import START, FakeClock

ENVIRON = {"USAGE_STATS_TIMEZONE": "Europe/Berlin", "USAGE_STATS_ENDPOINT": "http://127.0.0.1:8787"}
TOO_SHORT = "a report covers at least one whole second, and the current period is not long enough yet; "


class AcceptingCollector:
    """A MockTransport handler that stores every report and accepts it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "ok", "submission_id": len(self.bodies)})

    def periods(self) -> list[tuple[str, str, int]]:
        return [(body["period"]["start"], body["period"]["end"], body["period"]["duration_days"]) for body in self.bodies]

    def job_counts(self) -> list[int]:
        return [body["usage_stats"]["job_count"] for body in self.bodies]


def open_granted(home: Path, clock: FakeClock, collector: AcceptingCollector) -> UsageStats:
    stats = UsageStats.open(home, environ=ENVIRON, clock=clock, transport=httpx.MockTransport(collector))
    stats.opt_in()
    return stats


def submit(stats: UsageStats, force: bool = False):
    return asyncio.run(stats.submit_due(force=force))


def test_forced_send_closes_period_at_now(home, clock):
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    stats.record("job_created")
    stats.record("job_created")
    clock.advance(days=2, hours=3, microseconds=250_000)

    [outcome] = submit(stats, force=True)

    assert isinstance(outcome, Sent)
    assert collector.periods() == [("2026-03-02T09:00:00Z", "2026-03-04T12:00:00Z", 2)]
    assert collector.job_counts() == [2]
    status = stats.status()
    assert status.submission_count == 1
    assert status.pending_reports == 0
    assert status.next_submission_due == dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.timezone.utc)


def test_scheduled_sends_follow_forced_send(home, clock):
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    stats.record("job_created")
    clock.advance(days=2)
    submit(stats, force=True)
    stats.record("job_created")
    stats.record("job_created")

    clock.advance(days=6, hours=23)
    not_yet = submit(stats)
    clock.advance(hours=1)
    stats.record("job_created")
    submit(stats)
    clock.advance(days=7)
    submit(stats)

    assert not_yet == [Skipped("no report is due")]
    assert not_yet[0].detail == ReasonDetail(_reasons.NOTHING_DUE)
    assert collector.periods() == [
        ("2026-03-02T09:00:00Z", "2026-03-04T09:00:00Z", 2),
        ("2026-03-04T09:00:00Z", "2026-03-11T09:00:00Z", 7),
        ("2026-03-11T09:00:00Z", "2026-03-18T09:00:00Z", 7),
    ]
    assert collector.job_counts() == [1, 2, 1]


def test_forced_send_twice_gives_adjacent_periods(home, clock):
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    stats.record("job_created")
    clock.advance(hours=5)
    submit(stats, force=True)
    stats.record("job_failed")
    clock.advance(minutes=30)
    submit(stats, force=True)

    assert collector.periods() == [
        ("2026-03-02T09:00:00Z", "2026-03-02T14:00:00Z", 0),
        ("2026-03-02T14:00:00Z", "2026-03-02T14:30:00Z", 0),
    ]
    assert collector.job_counts() == [1, 0]
    assert collector.bodies[1]["usage_stats"]["job_failed_count"] == 1
    assert len({body["report_id"] for body in collector.bodies}) == 2


def test_forced_send_within_a_second_sends_nothing(home, clock):
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    clock.advance(seconds=3)
    submit(stats, force=True)
    clock.advance(microseconds=900_000)

    outcomes = submit(stats, force=True)

    assert outcomes == [Skipped(f"{TOO_SHORT}send again in 0.1 seconds")]
    assert outcomes[0].detail == ReasonDetail(_reasons.PERIOD_TOO_SHORT, {"wait_seconds": 0.1})
    assert collector.periods() == [("2026-03-02T09:00:00Z", "2026-03-02T09:00:03Z", 0)]


def test_forced_send_waits_for_whole_second(home, clock):
    # The early end is cut to whole seconds, so a period opened at 09:00:00.2 closes at
    # 09:00:02 at the earliest, 1.8 s after the opt-in.
    clock.advance(microseconds=200_000)
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    clock.advance(seconds=1, microseconds=100_000)

    after_1_1 = submit(stats, force=True)
    clock.advance(microseconds=650_000)
    after_1_75 = submit(stats, force=True)
    clock.advance(microseconds=50_000)
    after_1_8 = submit(stats, force=True)

    assert after_1_1 == [Skipped(f"{TOO_SHORT}send again in 0.7 seconds")]
    assert after_1_1[0].detail == ReasonDetail(_reasons.PERIOD_TOO_SHORT, {"wait_seconds": 0.7})
    assert after_1_75 == [Skipped(f"{TOO_SHORT}send again in 0.1 seconds")]
    assert [type(outcome) for outcome in after_1_8] == [Sent]
    assert collector.periods() == [("2026-03-02T09:00:00Z", "2026-03-02T09:00:02Z", 0)]


def test_forced_send_after_clock_set_back_restarts_period(home, clock):
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    clock.advance(hours=-2)
    stats.record("job_created")

    outcomes = submit(stats, force=True)
    clock.advance(days=7)
    weekly = submit(stats)

    assert [type(outcome) for outcome in outcomes + weekly] == [Sent, Sent]
    assert collector.periods() == [
        ("2026-03-02T06:59:59Z", "2026-03-02T07:00:00Z", 0),
        ("2026-03-02T07:00:00Z", "2026-03-09T07:00:00Z", 7),
    ]
    assert collector.job_counts() == [0, 1]


def test_forced_send_sends_owed_report_first(home, clock):
    collector = AcceptingCollector()
    stats = open_granted(home, clock, collector)
    stats.record("job_created")
    clock.advance(days=8)

    outcomes = submit(stats, force=True)

    assert [type(outcome) for outcome in outcomes] == [Sent]
    assert collector.periods() == [("2026-03-02T09:00:00Z", "2026-03-09T09:00:00Z", 7)]


def test_forced_send_sends_queued_report_only(home, clock):
    failures = iter([httpx.Response(503)] * 4)
    bodies: list[dict] = []

    def collector(request: httpx.Request) -> httpx.Response:
        response = next(failures, None)
        if response is not None:
            return response
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "ok", "submission_id": len(bodies)})

    stats = UsageStats.open(home, environ={**ENVIRON, "USAGE_STATS_RETRY_COUNT": "3"}, clock=clock,
                            transport=httpx.MockTransport(collector))
    stats.opt_in()
    clock.advance(hours=1)
    submit(stats, force=True)
    clock.advance(hours=1)

    submit(stats, force=True)

    assert [(body["period"]["start"], body["period"]["end"]) for body in bodies] == [
        ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")
    ]
    assert stats.status().pending_reports == 0


steps = st.lists(
    st.tuples(
        st.integers(min_value=-2 * 24 * 60, max_value=9 * 24 * 60),  # clock step in minutes, backwards too
        st.integers(min_value=0, max_value=3),  # events recorded after the step
        st.sampled_from(["none", "scheduled", "forced"]),  # the submission that runs after the step
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_forced_sends_leave_no_gap(steps):
    collector = AcceptingCollector()
    clock = FakeClock(START + dt.timedelta(microseconds=123_456))
    with tempfile.TemporaryDirectory() as folder:
        stats = open_granted(Path(folder), clock, collector)
        recorded = 0
        latest_seen = clock.now
        for minutes, events, submission in steps:
            latest_seen = max(latest_seen, clock.advance(minutes=minutes))
            for _ in range(events):
                stats.record("job_created")
            recorded += events
            if submission != "none":
                submit(stats, force=submission == "forced")

        if collector.bodies:
            latest_seen = max(latest_seen, dt.datetime.fromisoformat(collector.bodies[-1]["period"]["end"]))
        clock.now = latest_seen + dt.timedelta(days=40)
        submit(stats)
        with sqlite3.connect(stats.path) as connection:
            unreported = connection.execute("SELECT COUNT(*) FROM usage_events WHERE reported = 0").fetchone()[0]
        stats.close()

    assert unreported == 0
    assert sum(collector.job_counts()) == recorded
    periods = [(start, end) for start, end, _ in collector.periods()]
    assert len({start for start, _ in periods}) == len(periods)
    for start, end in periods:
        assert start < end
    # Each period starts where the one before ended, or earlier when a forced send found the open
    # period starting after the current time and started it again, so no time is left out.
    for earlier, later in zip(periods, periods[1:]):
        assert later[0] <= earlier[1]

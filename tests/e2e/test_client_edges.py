"""The client against a live collector at the edges: nothing stored yet, a client clock ahead."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from app.core import Rejected, RetryLater, Sent, Skipped, UsageStats
from collector.storage import Installation, Submission
from tests.collector.conftest import CLIENT_KEY


def open_client(tmp_path, server, clock) -> UsageStats:
    environ = {
        "USAGE_STATS_ENDPOINT": server.url,
        "USAGE_STATS_API_KEY": CLIENT_KEY,
        "USAGE_STATS_TIMEZONE": "Europe/Berlin",
        "USAGE_STATS_RETRY_COUNT": "0",
    }
    return UsageStats.open(tmp_path / "client", environ=environ, clock=clock, deployment_mode="desktop", app_version="2.4.1")


def test_server_data_before_first_report(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    stats.opt_in()

    body = asyncio.run(stats.fetch_server_data())

    assert json.loads(body) == {
        "installation_id": stats.status().installation_id,
        "message": "No report with this installation id was ever built, so the collector was not asked and holds nothing for it.",
        "submissions": [],
        "collector_asked": False,
    }
    stats.close()


def test_server_data_after_server_deletion(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    stats.opt_in()
    stats.record("job_created")
    client_clock.advance(days=7, hours=1)
    [outcome] = asyncio.run(stats.submit_due())
    assert isinstance(outcome, Sent)
    # As after an operator's deletion: the collector stores nothing for this id any more.
    Submission.delete().execute()
    Installation.delete().execute()

    body = asyncio.run(stats.fetch_server_data())

    assert json.loads(body) == {
        "installation_id": stats.status().installation_id,
        "message": "The collector holds no data for this installation id.",
        "submissions": [],
    }
    stats.close()


def test_client_clock_ahead_keeps_report(tmp_path, start_server, client_clock):
    server = start_server()
    server.clock.now = (client_clock.now + dt.timedelta(days=3)).replace(tzinfo=None)
    stats = open_client(tmp_path, server, client_clock)
    stats.opt_in()
    stats.record("job_created")
    client_clock.advance(days=7, hours=1)

    ahead = asyncio.run(stats.submit_due())
    server.clock.advance(days=5)
    caught_up = asyncio.run(stats.submit_due())

    reason = (
        "the collector rejected period.end as being in the future, so this computer's clock is probably "
        "ahead of the collector's, or was when that time was recorded. Check the system clock. If it is "
        "right, the report is sent once that time is at most one day ahead of the collector's clock"
    )
    assert ahead == [RetryLater(reason, None)]
    assert [type(outcome) for outcome in caught_up] == [Sent]
    assert Submission.select().count() == 1
    assert Submission.get().job_count == 1
    stats.close()


def test_store_created_clock_ahead_sends_report(tmp_path, start_server, client_clock):
    # The store records first_seen on creation, while the client clock is 3 days ahead.
    server = start_server()
    server.clock.now = (client_clock.now - dt.timedelta(days=3)).replace(tzinfo=None)
    stats = open_client(tmp_path, server, client_clock)
    client_clock.advance(days=-3)
    stats.opt_in()
    stats.record("job_created")
    client_clock.advance(hours=2)
    server.clock.advance(hours=2)

    outcomes = asyncio.run(stats.submit_due(force=True))

    assert [type(outcome) for outcome in outcomes] == [Sent]
    assert Submission.select().count() == 1
    assert Submission.get().job_count == 1
    sent_body = json.loads(stats.history()[0].body)
    assert sent_body["installation"]["first_seen"] == client_clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    stats.close()


def test_report_built_clock_ahead_is_rejected(tmp_path, start_server, client_clock):
    server = start_server()
    server.clock.now = (client_clock.now - dt.timedelta(days=3)).replace(tzinfo=None)
    stats = open_client(tmp_path, server, client_clock)
    stats.opt_in()
    stats.record("job_created")
    client_clock.advance(days=7, hours=1)
    server.clock.advance(days=7, hours=1)
    ahead = asyncio.run(stats.submit_due())
    # The client clock is set right: it was 3 days ahead while the report was built.
    client_clock.advance(days=-3)

    set_back = asyncio.run(stats.submit_due())
    client_clock.advance(days=10)
    server.clock.advance(days=10)
    next_week = asyncio.run(stats.submit_due())

    assert [type(outcome) for outcome in ahead] == [RetryLater]
    [rejected_entry] = [entry for entry in stats.history() if entry.status == "rejected"]
    assert json.loads(rejected_entry.response_body)["code"] == "time_in_future"
    assert set_back == [
        Rejected(
            422,
            "the report was built while this computer's clock was ahead, and the clock has been set back since, so "
            "the collector rejects its times as being in the future and it is not sent again. "
            f"Collector response: {rejected_entry.response_body}",
        )
    ]
    assert (rejected_entry.requeued_events, rejected_entry.dropped_events) == (1, 0)
    assert [type(outcome) for outcome in next_week] == [Sent]
    assert [entry.status for entry in stats.history()] == ["sent", "rejected"]
    assert Submission.select().count() == 1
    assert Submission.get().job_count == 1
    stats.close()


def test_forced_send_then_scheduled_send(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    stats.opt_in()
    opted_in_at = client_clock.now
    stats.record("job_created")
    client_clock.advance(hours=30)

    forced = asyncio.run(stats.submit_due(force=True))
    stats.record("job_created")
    stats.record("job_created")
    client_clock.advance(days=7, minutes=1)
    scheduled = asyncio.run(stats.submit_due())

    assert [type(outcome) for outcome in forced + scheduled] == [Sent, Sent]
    rows = list(Submission.select().order_by(Submission.id))
    forced_end = opted_in_at.replace(tzinfo=None) + dt.timedelta(hours=30)
    assert [(row.period_start, row.period_end) for row in rows] == [
        (opted_in_at.replace(tzinfo=None), forced_end),
        (forced_end, forced_end + dt.timedelta(days=7)),
    ]
    assert [row.job_count for row in rows] == [1, 2]
    stats.close()


def test_schedule_set_clock_ahead_recovers(tmp_path, start_server, client_clock):
    server = start_server()
    server.clock.now = client_clock.now.replace(tzinfo=None)
    client_clock.advance(days=30)
    stats = open_client(tmp_path, server, client_clock)
    stats.opt_in()
    week_ahead = []
    for _ in range(7):
        stats.record("job_created")
        client_clock.advance(days=1)
        server.clock.advance(days=1)
        week_ahead += asyncio.run(stats.submit_due())
    # The client clock is set right: it was 30 days ahead since the opt-in.
    client_clock.now = server.clock.now.replace(tzinfo=dt.timezone.utc)
    set_back_at = client_clock.now
    stats.record("job_failed")

    set_back = asyncio.run(stats.submit_due())
    week_after = []
    for _ in range(7):
        stats.record("job_created")
        client_clock.advance(days=1)
        server.clock.advance(days=1)
        week_after.append(asyncio.run(stats.submit_due()))

    assert [type(outcome) for outcome in week_ahead] == [Skipped] * 6 + [RetryLater]
    assert [type(outcome) for outcome in set_back] == [Rejected]
    assert [[type(outcome) for outcome in outcomes] for outcomes in week_after] == [[Skipped]] * 6 + [[Sent]]
    [submission] = Submission.select()
    assert (submission.period_start, submission.period_end) == (
        set_back_at.replace(tzinfo=None),
        set_back_at.replace(tzinfo=None) + dt.timedelta(days=7),
    )
    # The 7 jobs of the week ahead were in the rejected report. They now carry the time of the
    # next build, so the next accepted report counts them with the 7 of the week after.
    assert (submission.job_count, submission.job_failed_count) == (14, 1)
    [rejected_entry] = [entry for entry in stats.history() if entry.status == "rejected"]
    assert json.loads(rejected_entry.response_body)["code"] == "time_in_future"
    # The collector checks installation.first_seen, recorded while the clock was ahead, before the period.
    assert json.loads(rejected_entry.response_body)["field"] == "installation.first_seen"
    stats.close()

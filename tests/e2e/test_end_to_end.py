"""A report's whole path: consent, recording, building, submission and the collector's row."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import subprocess
import uuid

import httpx
import pytest

from app.core import Rejected, Sent, Skipped, UsageStats
from collector.storage import Installation, Submission
from tests.collector.conftest import CLIENT_KEY, OPERATOR_KEY, report_1_0_body

DAY = dt.timedelta(days=1)


def open_client(tmp_path, server, clock, transport=None) -> UsageStats:
    environ = {
        "USAGE_STATS_ENDPOINT": server.url,
        "USAGE_STATS_API_KEY": CLIENT_KEY,
        "USAGE_STATS_TIMEZONE": "Europe/Berlin",
        "USAGE_STATS_TIMEOUT": "5",
        "USAGE_STATS_RETRY_COUNT": "3",
    }
    return UsageStats.open(
        tmp_path / "client",
        environ=environ,
        clock=clock,
        transport=transport,
        deployment_mode="desktop",
        app_version="2.4.1",
    )


def record_a_week(stats: UsageStats, start: dt.datetime) -> None:
    """Record seven days of a two-printer installation, one block of events each day."""
    events = []
    for day in range(7):
        at = start + day * DAY + dt.timedelta(hours=1)
        events += [
            ("app_start", at, {"app_version": "2.4.1"}),
            ("printer_connected", at, {"printer_type": "prusa", "printer_index": 0}),
            ("printer_connected", at, {"printer_type": "bambu_lab", "printer_index": 1}),
            ("job_created", at, {"printer_type": "prusa"}),
            ("job_created", at, {"printer_type": "bambu_lab"}),
            ("job_completed", at, {"printer_type": "prusa", "duration_minutes": 95}),
            ("file_downloaded", at, {"file_kind": "3mf"}),
            ("file_uploaded", at, {"file_kind": "gcode"}),
            ("error_occurred", at, {"error_type": "ConnectionError"}),
        ]
    events.append(("job_failed", start + 3 * DAY, {"printer_type": "bambu_lab"}))
    events.append(("feature_enabled", start + 2 * DAY, {"feature": "timelapse"}))
    assert stats.record_many(events) == len(events)


def run(coroutine):
    return asyncio.run(coroutine)


def opt_in_and_record_a_week(stats: UsageStats, clock) -> None:
    """Opt in, record a week of events and move the clock to an hour after the first period ends."""
    stats.opt_in()
    record_a_week(stats, clock.now)
    clock.advance(days=7, hours=1)


def test_week_of_events_reaches_collector_row(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    opted_in_at = client_clock.now
    stats.opt_in()
    stats.start_session()
    client_clock.advance(hours=5)
    stats.end_session()
    record_a_week(stats, opted_in_at)
    client_clock.now = opted_in_at + 7 * DAY + dt.timedelta(hours=1)
    expected_body = stats.preview()

    outcomes = run(stats.submit_due())

    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Sent)
    assert outcomes[0].http_status == 200
    assert outcomes[0].submission_id == "1"
    sent = json.loads(expected_body)
    assert outcomes[0].report_id == sent["report_id"]

    row = Submission.get_by_id(1)
    assert row.report_id == sent["report_id"]
    assert row.installation_id == stats.status().installation_id
    assert row.schema_version == "1.1"
    assert row.period_start == opted_in_at.replace(tzinfo=None)
    assert row.period_end == (opted_in_at + 7 * DAY).replace(tzinfo=None)
    assert row.app_version == "2.4.1"
    assert row.platform == "linux"
    assert row.deployment_mode == "desktop"
    assert row.country_code == "DE"
    assert row.printer_count == 2
    assert json.loads(row.printer_type_counts) == {"bambu_lab": 1, "prusa": 1}
    assert row.job_count == 14
    assert row.job_completed_count == 7
    assert row.job_failed_count == 1
    assert row.file_count == 7
    assert row.upload_count == 7
    assert row.uptime_hours == 5
    assert json.loads(row.feature_usage) == {"timelapse": True}
    assert json.loads(row.error_summary) == {"ConnectionError": 7}
    assert Submission.select().count() == 1
    stats.close()


def test_sent_report_in_history_and_summary(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    opt_in_and_record_a_week(stats, client_clock)
    body = stats.preview()

    run(stats.submit_due())

    history = stats.history()
    assert len(history) == 1
    assert history[0].status == "sent"
    assert history[0].http_status == 200
    assert history[0].submission_id == "1"
    assert history[0].body == body.decode()
    assert stats.verify_history().ok is True
    assert stats.status().submission_count == 1

    summary = httpx.get(f"{server.url}/stats/summary", headers={"X-API-Key": OPERATOR_KEY}, timeout=10)
    assert summary.status_code == 200
    assert summary.json()["installations_total"] == 1
    assert summary.json()["submissions_total"] == 1
    assert summary.json()["active_7_days"] == 1

    client_read = httpx.get(f"{server.url}/stats/summary", headers={"X-API-Key": CLIENT_KEY}, timeout=10)
    assert client_read.status_code == 403
    stats.close()


class CountingTransport(httpx.AsyncBaseTransport):
    """Forwards to the real collector and counts every request that passes."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("decision", ["undecided", "refused"])
def test_nothing_sent_without_consent(tmp_path, start_server, client_clock, decision):
    server = start_server()
    transport = CountingTransport()
    stats = open_client(tmp_path, server, client_clock, transport)
    if decision == "refused":
        stats.opt_out()
    record_a_week(stats, client_clock.now)
    client_clock.advance(days=40)

    scheduled = run(stats.submit_due())
    forced = run(stats.submit_due(force=True))

    assert isinstance(scheduled[0], Skipped)
    assert isinstance(forced[0], Skipped)
    assert transport.requests == []
    assert Submission.select().count() == 0
    assert stats.history() == []
    stats.close()


class LosesFirstResponse(httpx.AsyncBaseTransport):
    """Delivers every request, but the client never sees the response to the first submit."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.submits = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == "/submit":
            self.submits += 1
            if self.submits == 1:
                await response.aread()
                raise httpx.ReadTimeout("response lost after the collector stored the report", request=request)
        return response


def test_lost_response_stores_one_row(tmp_path, start_server, client_clock):
    server = start_server()
    transport = LosesFirstResponse()
    stats = open_client(tmp_path, server, client_clock, transport)
    opt_in_and_record_a_week(stats, client_clock)

    outcomes = run(stats.submit_due())

    assert transport.submits == 2
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Sent)
    assert outcomes[0].submission_id == "1"
    assert Submission.select().count() == 1
    assert stats.status().pending_reports == 0
    stats.close()


def test_crash_before_answer_resends_same_report(tmp_path, start_server, client_clock):
    """A report that stays in the outbox after a failed submit is resent with its id after a restart."""
    server = start_server()
    down = open_client(tmp_path, server, client_clock, httpx.MockTransport(lambda request: httpx.Response(503)))
    down.opt_in()
    record_a_week(down, client_clock.now)
    client_clock.advance(days=7, hours=1)
    first = run(down.submit_due())
    queued_body = down.preview()
    down.close()

    restarted = open_client(tmp_path, server, client_clock)
    outcomes = run(restarted.submit_due())

    assert not isinstance(first[0], Sent)
    assert isinstance(outcomes[0], Sent)
    assert restarted.history()[0].body == queued_body.decode()
    assert Submission.get_by_id(1).report_id == json.loads(queued_body)["report_id"]
    assert Submission.select().count() == 1
    restarted.close()


def test_weeks_offline_send_each_period_once(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    client_clock.now -= 21 * DAY
    opted_in_at = client_clock.now
    stats.opt_in()
    for week in range(4):
        stats.record_many([("job_created", opted_in_at + week * 7 * DAY + DAY, {"printer_type": "prusa"})] * (week + 1))
    client_clock.now = opted_in_at + 28 * DAY + dt.timedelta(hours=1)

    outcomes = run(stats.submit_due())

    assert [type(outcome) for outcome in outcomes] == [Sent, Sent, Sent, Sent]
    rows = list(Submission.select().order_by(Submission.id))
    assert [row.job_count for row in rows] == [1, 2, 3, 4]
    for earlier, later in zip(rows, rows[1:]):
        assert later.period_start == earlier.period_end
    assert rows[0].period_start == opted_in_at.replace(tzinfo=None)
    stats.close()


def test_opt_out_deletes_server_data(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    opt_in_and_record_a_week(stats, client_clock)
    run(stats.submit_due())
    old_id = stats.status().installation_id

    stats.opt_out()
    assert stats.status().server_deletion == "pending"
    outcome = run(stats.request_server_deletion())

    assert outcome.confirmed is True
    assert stats.status().server_deletion == "confirmed"
    assert Submission.select().where(Submission.installation_id == old_id).count() == 0
    assert Installation.select().where(Installation.installation_id == old_id).count() == 0
    stats.opt_in()
    assert stats.status().installation_id != old_id
    stats.close()


def test_wrong_api_key_rejected_and_kept(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    stats.close()
    environ = {"USAGE_STATS_ENDPOINT": server.url, "USAGE_STATS_API_KEY": "not-a-key", "USAGE_STATS_TIMEZONE": "UTC"}
    stats = UsageStats.open(tmp_path / "client", environ=environ, clock=client_clock)
    stats.opt_in()
    client_clock.advance(days=7, hours=1)

    outcomes = run(stats.submit_due())

    assert isinstance(outcomes[0], Rejected)
    assert outcomes[0].http_status == 401
    assert stats.status().pending_reports == 1
    assert Submission.select().count() == 0
    stats.close()


def test_server_data_download_matches_row(tmp_path, start_server, client_clock):
    server = start_server()
    stats = open_client(tmp_path, server, client_clock)
    opt_in_and_record_a_week(stats, client_clock)
    run(stats.submit_due())

    server_copy = json.loads(run(stats.fetch_server_data()))

    text = json.dumps(server_copy)
    assert stats.status().installation_id in text
    assert json.loads(stats.history()[0].body)["report_id"] in text
    stats.close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_schema_1_0_report_posted_with_curl(start_server):
    server = start_server()
    body = report_1_0_body(server.clock.now, str(uuid.uuid4()))

    completed = subprocess.run(
        [
            "curl", "-sS", "-X", "POST", f"{server.url}/submit",
            "-H", "Content-Type: application/json",
            "-H", f"X-API-Key: {CLIENT_KEY}",
            "--data-binary", "@-",
            "-w", "\n%{http_code}",
        ],
        input=body,
        capture_output=True,
        timeout=30,
        check=True,
    )

    answer, status = completed.stdout.decode().rsplit("\n", 1)
    assert status == "200"
    assert json.loads(answer) == {"status": "ok", "submission_id": 1}
    assert Submission.get_by_id(1).schema_version == "1.0"

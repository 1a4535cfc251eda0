"""Submission: the outbox, the retry policy, consent gates, opt-out and server deletion."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import httpx
import pytest

from app.core import CollectorError, Rejected, RetryLater, Sent, Skipped, UsageStats
from app.core import _reasons, _settings as keys
from app.core._reasons import ReasonDetail
from app.core._submit import MAX_RETRY_AFTER_SECONDS, RetryableResponse, backoff_for, parse_retry_after

API_KEY = "client-key-5f2a9c"
ENVIRON = {
    "USAGE_STATS_TIMEZONE": "Europe/Berlin",
    "USAGE_STATS_ENDPOINT": "http://127.0.0.1:8787/submit",
    "USAGE_STATS_API_KEY": API_KEY,
    "USAGE_STATS_RETRY_COUNT": "3",
}


class ScriptedCollector:
    """A MockTransport handler that returns prepared responses in order, then 200."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.responses:
            answer = self.responses.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if request.method == "POST":
            return httpx.Response(200, json={"status": "ok", "submission_id": len(self.requests)})
        return httpx.Response(200, json={"status": "ok", "deleted": 2})


def open_stats(home, clock, collector, environ=ENVIRON) -> UsageStats:
    return UsageStats.open(home, environ=environ, clock=clock, transport=httpx.MockTransport(collector), app_version="2.4.1")


def due_stats(home, clock, collector, environ=ENVIRON) -> UsageStats:
    stats = open_stats(home, clock, collector, environ)
    stats.opt_in()
    stats.record("job_created", printer_type="prusa")
    clock.advance(days=7, minutes=5)
    return stats


def submit(stats: UsageStats, force: bool = False):
    return asyncio.run(stats.submit_due(force=force))


def test_submit_posts_wire_format_headers(home, clock):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector)

    [outcome] = submit(stats)

    [request] = collector.requests
    assert request.method == "POST"
    assert str(request.url) == "http://127.0.0.1:8787/submit"
    assert request.headers["X-API-Key"] == API_KEY
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == stats.history()[0].body.encode()
    assert json.loads(request.content)["report_id"] == outcome.report_id
    assert outcome == Sent(outcome.report_id, "1", 200)


def test_server_error_then_success_sends_same_bytes(home, clock):
    collector = ScriptedCollector(httpx.Response(500), httpx.Response(503))
    stats = due_stats(home, clock, collector)

    outcomes = submit(stats)

    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Sent)
    assert len(collector.requests) == 3
    assert len({request.content for request in collector.requests}) == 1
    assert {json.loads(request.content)["report_id"] for request in collector.requests} == {outcomes[0].report_id}
    status = stats.status()
    assert status.submission_count == 1
    assert status.last_submission == clock.now
    assert status.pending_reports == 0
    [entry] = stats.history()
    assert (entry.status, entry.http_status, entry.submission_id) == ("sent", 200, "3")
    assert json.loads(entry.response_body) == {"status": "ok", "submission_id": 3}


def test_retries_exhausted_keep_report_for_restart(home, clock):
    collector = ScriptedCollector(*[httpx.Response(502)] * 4)
    stats = due_stats(home, clock, collector)

    first = submit(stats)
    stats.close()
    reopened = open_stats(home, clock, collector)
    second = submit(reopened)

    assert first == [RetryLater("collector responded with HTTP 502", None)]
    assert first[0].detail == ReasonDetail(
        _reasons.RETRYABLE_HTTP_STATUS, {"http_status": 502, "retry_after_seconds": None}
    )
    assert len(collector.requests) == 5
    assert collector.requests[0].content == collector.requests[4].content
    assert isinstance(second[0], Sent)
    assert reopened.status().pending_reports == 0


def test_network_error_is_retried(home, clock):
    collector = ScriptedCollector(httpx.ConnectError("connection refused"), httpx.ReadTimeout("timed out"))
    stats = due_stats(home, clock, collector)

    outcomes = submit(stats)

    assert isinstance(outcomes[0], Sent)
    assert len(collector.requests) == 3


def test_network_error_outlasting_retries_names_type(home, clock):
    collector = ScriptedCollector(*[httpx.ConnectError("connection refused")] * 4)
    stats = due_stats(home, clock, collector)

    [outcome] = submit(stats)

    assert outcome == RetryLater("ConnectError while sending to http://127.0.0.1:8787", None)
    assert outcome.detail == ReasonDetail(
        _reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": "http://127.0.0.1:8787"}
    )


def test_unauthorized_is_not_retried(home, clock, caplog):
    collector = ScriptedCollector(httpx.Response(401, json={"title": "Unauthorized"}))
    stats = due_stats(home, clock, collector)

    with caplog.at_level(logging.DEBUG, logger="app.core"):
        outcomes = submit(stats)

    assert outcomes == [Rejected(401, '{"title":"Unauthorized"}')]
    assert len(collector.requests) == 1
    assert [record.levelno for record in caplog.records].count(logging.ERROR) == 1
    assert stats.status().pending_reports == 1


def test_bad_request_marks_report_rejected(home, clock):
    collector = ScriptedCollector(httpx.Response(400, text="period.end is required"))
    stats = due_stats(home, clock, collector)

    outcomes = submit(stats)

    assert outcomes == [Rejected(400, "period.end is required")]
    assert len(collector.requests) == 1
    [entry] = stats.history()
    assert (entry.status, entry.http_status, entry.response_body) == ("rejected", 400, "period.end is required")
    assert stats.status().submission_count == 0


@pytest.mark.parametrize("status", [301, 404, 405])
def test_wrong_endpoint_keeps_report_queued(home, clock, status):
    collector = ScriptedCollector(httpx.Response(status, text="not here"))
    stats = due_stats(home, clock, collector)

    outcomes = submit(stats)

    assert outcomes == [Rejected(status, "not here")]
    assert len(collector.requests) == 1
    assert stats.status().pending_reports == 1
    assert [entry.status for entry in stats.history()] == ["pending"]


def test_too_many_requests_honours_retry_after(home, clock):
    collector = ScriptedCollector(httpx.Response(429, headers={"Retry-After": "7"}))
    stats = due_stats(home, clock, collector)

    outcomes = submit(stats)

    assert isinstance(outcomes[0], Sent)
    assert len(collector.requests) == 2


def test_backoff_uses_retry_after_seconds():
    response = httpx.Response(429, headers={"Retry-After": "7"})

    assert backoff_for(RetryableResponse(response, 7.0)) == 7.0
    assert backoff_for(RetryableResponse(httpx.Response(500), None)) is True
    assert backoff_for(httpx.ConnectTimeout("slow")) is True
    assert backoff_for(ValueError("not retryable")) is False
    assert backoff_for(RetryableResponse(response, MAX_RETRY_AFTER_SECONDS + 1.0)) is False


def test_parse_retry_after_reads_seconds_and_dates(clock):
    assert parse_retry_after("120", clock.now) == 120.0
    assert parse_retry_after("Mon, 02 Mar 2026 09:01:30 GMT", clock.now) == 90.0
    assert parse_retry_after("soon", clock.now) is None
    assert parse_retry_after(None, clock.now) is None


def test_parse_retry_after_caps_at_a_year(clock):
    assert parse_retry_after("9" * 400, clock.now) == 365 * 24 * 3600
    assert parse_retry_after("Fri, 02 Mar 2040 09:00:00 GMT", clock.now) == 365 * 24 * 3600


def test_long_retry_after_ends_attempt(home, clock):
    collector = ScriptedCollector(httpx.Response(429, headers={"Retry-After": "3600"}))
    stats = due_stats(home, clock, collector)

    outcomes = submit(stats)

    assert outcomes == [RetryLater("collector responded with HTTP 429", 3600.0)]
    assert outcomes[0].detail == ReasonDetail(
        _reasons.RETRYABLE_HTTP_STATUS, {"http_status": 429, "retry_after_seconds": 3600.0}
    )
    assert len(collector.requests) == 1


@pytest.mark.parametrize(
    ("environ_extra", "reason", "code"),
    [
        ({"DO_NOT_TRACK": "1"}, "DO_NOT_TRACK is set, so usage statistics are off", _reasons.DO_NOT_TRACK),
        ({"USAGE_STATS_ENDPOINT": ""}, "no collector configured (set USAGE_STATS_ENDPOINT)", _reasons.NO_COLLECTOR),
    ],
)
def test_nothing_sent_when_blocked(home, clock, environ_extra, reason, code):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector, {**ENVIRON, **environ_extra})

    outcomes = submit(stats, force=True)

    assert outcomes == [Skipped(reason)]
    assert outcomes[0].detail == ReasonDetail(code)
    assert collector.requests == []


def test_nothing_sent_without_consent(home, clock):
    collector = ScriptedCollector()
    stats = open_stats(home, clock, collector)
    stats.record("job_created")
    clock.advance(days=30)

    outcomes = submit(stats, force=True)

    assert outcomes == [Skipped("the user has not opted in")]
    assert outcomes[0].detail == ReasonDetail(_reasons.NOT_OPTED_IN)
    assert stats.consent().state == "undecided"
    assert collector.requests == []
    assert stats.status().pending_reports == 0


def test_dnt_marks_consent_blocked(home, clock):
    stats = open_stats(home, clock, ScriptedCollector(), {**ENVIRON, "DO_NOT_TRACK": "1"})
    stats.opt_in()

    consent = stats.consent()

    assert consent.state == "granted"
    assert consent.blocked_by_dnt is True
    assert consent.allows_sending is False


def test_pause_blocks_until_forced(home, clock):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector)
    until = stats.pause(3)

    paused = submit(stats)

    assert paused == [Skipped(f"submission is paused until {until.isoformat()}")]
    assert paused[0].detail == ReasonDetail(_reasons.PAUSED, {"until": until})
    assert collector.requests == []
    assert isinstance(submit(stats, force=True)[0], Sent)


def test_pause_rejects_invalid_length(home, clock):
    stats = open_stats(home, clock, ScriptedCollector())

    with pytest.raises(ValueError) as too_short:
        stats.pause(0)
    with pytest.raises(ValueError) as too_long:
        stats.pause(366)
    with pytest.raises(TypeError) as text:
        stats.pause("7")
    with pytest.raises(TypeError) as flag:
        stats.pause(True)

    assert str(too_short.value) == "Invalid pause length 0: use a whole number of days from 1 to 365."
    assert str(too_long.value) == "Invalid pause length 366: use a whole number of days from 1 to 365."
    assert str(text.value) == "Invalid pause length '7' (str): use an int from 1 to 365."
    assert str(flag.value) == "Invalid pause length True (bool): use an int from 1 to 365."
    assert stats.status().paused_until is None


def test_opt_out_cancels_queue_and_requests_deletion(home, clock):
    collector = ScriptedCollector(*[httpx.Response(503)] * 4)
    stats = due_stats(home, clock, collector)
    submit(stats)
    installation_id = stats.status().installation_id
    token = stats._settings.get("installation.deletion_token")
    assert stats.status().pending_reports == 1

    stats.opt_out()
    deletion = asyncio.run(stats.request_server_deletion())

    assert [entry.status for entry in stats.history()] == ["cancelled"]
    assert stats.consent().state == "refused"
    request = collector.requests[-1]
    assert request.method == "DELETE"
    assert str(request.url) == f"http://127.0.0.1:8787/installation/{installation_id}"
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert "X-API-Key" not in request.headers
    assert (deletion.confirmed, deletion.http_status, deletion.deleted_count) == (True, 200, 2)
    assert deletion.message == "deleted"
    assert deletion.detail == ReasonDetail(_reasons.DELETED)
    assert stats.status().server_deletion == "confirmed"
    assert submit(stats, force=True) == [Skipped("the user has not opted in")]


def test_server_deletion_stays_pending_until_confirmed(home, clock):
    collector = ScriptedCollector(*[httpx.Response(500)] * 8)
    stats = due_stats(home, clock, collector)
    submit(stats)
    stats.opt_out()

    first = asyncio.run(stats.request_server_deletion())
    pending = stats.status().server_deletion
    second = asyncio.run(stats.request_server_deletion())

    assert (first.confirmed, first.http_status) == (False, 500)
    assert first.message == "collector responded with HTTP 500"
    assert first.detail == ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 500, "retry_after_seconds": None})
    assert pending == "pending"
    assert second.confirmed is True
    assert stats.status().server_deletion == "confirmed"


def test_server_deletion_not_confirmed_by_not_found(home, clock):
    collector = ScriptedCollector(*[httpx.Response(503)] * 4, httpx.Response(404, text="no such route"))
    stats = due_stats(home, clock, collector)
    submit(stats)
    stats.opt_out()

    outcome = asyncio.run(stats.request_server_deletion())

    assert (outcome.confirmed, outcome.http_status, outcome.message) == (False, 404, "no such route")
    assert outcome.detail == ReasonDetail(_reasons.DELETION_NOT_CONFIRMED, {"http_status": 404, "response": "no such route"})
    assert stats.status().server_deletion == "pending"


def test_deletion_network_error_names_type(home, clock):
    collector = ScriptedCollector(*[httpx.Response(503)] * 4, *[httpx.ConnectError("connection refused")] * 4)
    stats = due_stats(home, clock, collector)
    submit(stats)
    stats.opt_out()

    outcome = asyncio.run(stats.request_server_deletion())

    assert (outcome.confirmed, outcome.http_status) == (False, None)
    assert outcome.message == "ConnectError while contacting http://127.0.0.1:8787"
    assert outcome.detail == ReasonDetail(
        _reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": "http://127.0.0.1:8787"}
    )
    assert stats.status().server_deletion == "pending"


def test_deletion_long_retry_after_kept(home, clock):
    collector = ScriptedCollector(*[httpx.Response(503)] * 4, httpx.Response(429, headers={"Retry-After": "600"}))
    stats = due_stats(home, clock, collector)
    submit(stats)
    stats.opt_out()

    outcome = asyncio.run(stats.request_server_deletion())

    assert (outcome.confirmed, outcome.http_status, outcome.message) == (False, 429, "collector responded with HTTP 429")
    assert outcome.detail == ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 429, "retry_after_seconds": 600.0})
    assert len(collector.requests) == 5


def test_deletion_without_collector_stays_pending(home, clock):
    collector = ScriptedCollector(*[httpx.Response(503)] * 4)
    stats = due_stats(home, clock, collector)
    submit(stats)
    stats.opt_out()
    stats.close()
    without_endpoint = {key: value for key, value in ENVIRON.items() if key != "USAGE_STATS_ENDPOINT"}
    reopened = open_stats(home, clock, collector, without_endpoint)

    outcome = asyncio.run(reopened.request_server_deletion())

    assert (outcome.confirmed, outcome.http_status) == (False, None)
    assert outcome.message == "no collector configured (set USAGE_STATS_ENDPOINT)"
    assert outcome.detail == ReasonDetail(_reasons.NO_COLLECTOR)
    assert reopened.status().server_deletion == "pending"
    assert len(collector.requests) == 4


def test_opt_out_before_first_report_queues_no_deletion(home, clock):
    collector = ScriptedCollector()
    stats = open_stats(home, clock, collector)
    stats.opt_in()
    stats.record("job_created")

    stats.opt_out()
    outcome = asyncio.run(stats.request_server_deletion())

    assert stats.status().server_deletion == "none"
    assert outcome.confirmed is True
    assert outcome.message == "no server deletion is pending"
    assert outcome.detail == ReasonDetail(_reasons.NO_DELETION_PENDING)
    assert collector.requests == []


def test_opt_in_after_opt_out_gets_new_identity(home, clock):
    stats = due_stats(home, clock, ScriptedCollector())
    submit(stats)
    old_id = stats.status().installation_id
    old_token = stats._settings.get("installation.deletion_token")

    stats.opt_out()
    stats.opt_in()

    assert stats.status().installation_id != old_id
    assert stats._settings.get("installation.deletion_token") != old_token
    assert stats._settings.get("server_deletion.state")["pending"][0]["installation_id"] == old_id


def test_preview_after_opt_out_shows_identity_of_next_opt_in(home, clock):
    stats = due_stats(home, clock, ScriptedCollector())
    submit(stats)
    stats.opt_out()

    previewed = json.loads(stats.preview())["installation"]
    previewed_again = json.loads(stats.preview())["installation"]
    stats.opt_in()
    after_opt_in = json.loads(stats.preview())["installation"]

    assert previewed_again == previewed
    assert after_opt_in["installation_id"] == previewed["installation_id"]
    assert after_opt_in["deletion_token_sha256"] == previewed["deletion_token_sha256"]
    assert stats.status().installation_id == previewed["installation_id"]
    assert stats._settings.get("installation.next_id") is None
    assert stats._settings.get("installation.next_deletion_token") is None


def test_preview_after_refusal_matches_sent_report(home, clock):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector)
    stats.opt_out()
    previewed = json.loads(stats.preview())["installation"]

    stats.opt_in()
    clock.advance(days=7, minutes=5)
    [outcome] = submit(stats)

    assert isinstance(outcome, Sent)
    sent = json.loads(collector.requests[-1].content)["installation"]
    assert sent["installation_id"] == previewed["installation_id"]
    assert sent["deletion_token_sha256"] == previewed["deletion_token_sha256"]


def test_refusal_before_any_report_keeps_identity(home, clock):
    stats = open_stats(home, clock, ScriptedCollector())
    installation_id = stats.status().installation_id
    stats.opt_out()

    previewed = json.loads(stats.preview())["installation"]["installation_id"]
    stats.opt_in()

    assert previewed == installation_id
    assert stats.status().installation_id == installation_id
    assert stats._settings.get("installation.next_id") is None


def test_next_deletion_token_is_secret():
    assert "installation.next_deletion_token" in keys.SECRET_KEYS


def sent_stats(home, clock, collector) -> UsageStats:
    """Return a client that has sent one report, so that the collector may hold its data."""
    stats = due_stats(home, clock, collector)
    [outcome] = submit(stats)
    assert isinstance(outcome, Sent)
    return stats


def stats_after_new_opt_in(home, clock, collector) -> tuple[UsageStats, str]:
    """Return a client that sent a report, opted out and in again, and its previous installation id."""
    stats = sent_stats(home, clock, collector)
    previous_id = stats.status().installation_id
    stats.opt_out()
    stats.opt_in()
    return stats, previous_id


def test_report_build_sets_ever_built(home, clock):
    stats = due_stats(home, clock, ScriptedCollector(httpx.Response(503)))
    before = stats._settings.get("report.ever_built")

    submit(stats)
    after_build = stats._settings.get("report.ever_built")
    stats.opt_out()
    stats.opt_in()

    assert before is None
    assert after_build is True
    assert stats._settings.get("report.ever_built") is False


def test_new_id_counts_own_reports(home, clock):
    collector = ScriptedCollector()
    stats, _ = stats_after_new_opt_in(home, clock, collector)
    asyncio.run(stats.request_server_deletion())
    after_opt_in = stats.status()

    stats.record("job_created")
    clock.advance(days=7, minutes=5)
    submit(stats)
    after_send = stats.status()

    assert (after_opt_in.submission_count, after_opt_in.submission_count_total) == (0, 1)
    assert (after_send.submission_count, after_send.submission_count_total) == (1, 2)
    assert after_send.last_submission == clock.now


def test_store_without_id_count_uses_history(home, clock):
    # Stores written before the per-id count was kept have only submission.count.
    collector = ScriptedCollector()
    stats, _ = stats_after_new_opt_in(home, clock, collector)
    stats.record("job_created")
    clock.advance(days=7, minutes=5)
    submit(stats)
    stats._settings.delete("installation.submission_count")
    from_history = stats.status().submission_count

    stats.record("job_created")
    clock.advance(days=7)
    submit(stats)

    assert from_history == 1
    assert stats._settings.get("installation.submission_count") == 2
    assert (stats.status().submission_count, stats.status().submission_count_total) == (2, 3)


def server_data_without_request(installation_id: str) -> dict:
    """Return the document fetch_server_data() returns when it sends no request to the collector."""
    return {
        "installation_id": installation_id,
        "message": "No report with this installation id was ever built, so the collector was not asked and holds nothing for it.",
        "submissions": [],
        "collector_asked": False,
    }


def test_new_id_server_data_asks_nothing(home, clock):
    collector = ScriptedCollector()
    stats, _ = stats_after_new_opt_in(home, clock, collector)
    asyncio.run(stats.request_server_deletion())
    requests_before = len(collector.requests)

    body = asyncio.run(stats.fetch_server_data())

    assert json.loads(body) == server_data_without_request(stats.status().installation_id)
    assert len(collector.requests) == requests_before


def test_new_id_opt_out_queues_no_deletion(home, clock):
    collector = ScriptedCollector()
    stats, previous_id = stats_after_new_opt_in(home, clock, collector)
    asyncio.run(stats.request_server_deletion())
    requests_before = len(collector.requests)

    stats.opt_out()
    outcome = asyncio.run(stats.request_server_deletion())

    assert stats._settings.get("server_deletion.state") == {"state": "confirmed", "installation_id": previous_id, "pending": []}
    assert outcome.confirmed is True
    assert len(collector.requests) == requests_before


def test_previous_id_deletion_stays_queued(home, clock):
    collector = ScriptedCollector(httpx.Response(200, json={"status": "ok", "submission_id": 1}), *[httpx.Response(500)] * 4)
    stats, previous_id = stats_after_new_opt_in(home, clock, collector)
    failed = asyncio.run(stats.request_server_deletion())

    stats.opt_out()
    pending = stats._settings.get("server_deletion.state")
    confirmed = asyncio.run(stats.request_server_deletion())

    assert (failed.confirmed, failed.http_status) == (False, 500)
    assert pending["state"] == "pending"
    assert [entry["installation_id"] for entry in pending["pending"]] == [previous_id]
    assert confirmed.confirmed is True
    deletions = [str(request.url) for request in collector.requests if request.method == "DELETE"]
    assert deletions == [f"http://127.0.0.1:8787/installation/{previous_id}"] * 5
    assert stats.status().server_deletion == "confirmed"


def test_new_id_report_enables_server_requests(home, clock):
    collector = ScriptedCollector()
    stats, previous_id = stats_after_new_opt_in(home, clock, collector)
    asyncio.run(stats.request_server_deletion())
    stats.record("job_created")
    clock.advance(days=7, minutes=5)
    submit(stats)
    new_id = stats.status().installation_id
    collector.responses.append(httpx.Response(200, json={"installation": None, "submissions": []}))

    asyncio.run(stats.fetch_server_data())
    stats.opt_out()

    assert str(collector.requests[-1].url) == f"http://127.0.0.1:8787/installation/{new_id}"
    deletion = stats._settings.get("server_deletion.state")
    assert [entry["installation_id"] for entry in deletion["pending"]] == [new_id]
    assert new_id != previous_id


def test_fetch_server_data_sends_bearer_token(home, clock):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    collector.responses.append(httpx.Response(200, json={"installation_id": "x", "submissions": []}))

    body = asyncio.run(stats.fetch_server_data())

    request = collector.requests[-1]
    assert request.method == "GET"
    assert request.headers["Authorization"] == "Bearer " + stats._settings.get("installation.deletion_token")
    assert json.loads(body) == {"installation_id": "x", "submissions": []}


def test_fetch_server_data_indents_collector_json(home, clock):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    collector.responses.append(httpx.Response(200, content=b'{"submissions":[{"job_count":1}],"installation_id":"x"}'))

    body = asyncio.run(stats.fetch_server_data())

    assert body == b'{\n  "installation_id": "x",\n  "submissions": [\n    {\n      "job_count": 1\n    }\n  ]\n}'


def test_fetch_server_data_keeps_invalid_json(home, clock, caplog):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    collector.responses.append(httpx.Response(200, content=b"not json"))

    with caplog.at_level(logging.WARNING, logger="app.core"):
        body = asyncio.run(stats.fetch_server_data())

    assert body == b"not json"
    assert caplog.messages == [
        "The collector at http://127.0.0.1:8787 sent this installation's data as invalid JSON, so it is kept as received."
    ]


def test_secrets_never_logged(home, clock, caplog):
    collector = ScriptedCollector(httpx.Response(500), httpx.Response(401), httpx.Response(500))
    stats = due_stats(home, clock, collector)
    token = stats._settings.get("installation.deletion_token")

    with caplog.at_level(logging.DEBUG):
        submit(stats)
        stats.opt_out()
        asyncio.run(stats.request_server_deletion())

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert API_KEY not in logged
    assert token not in logged
    assert API_KEY not in repr(stats.config())


def invalid_report_response(field: str, rule: str, code: str | None = None) -> httpx.Response:
    body = {"title": "Invalid Report", "description": f"Field {field} {rule}.", "field": field}
    if code is not None:
        body["code"] = code
    return httpx.Response(422, json=body)


def clock_ahead_reason(field: str) -> str:
    return (
        f"the collector rejected {field} as being in the future, so this computer's clock is probably "
        "ahead of the collector's, or was when that time was recorded. Check the system clock. If it is "
        "right, the report is sent once that time is at most one day ahead of the collector's clock"
    )


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("period.start", "time_in_future"),
        ("period.end", "time_in_future"),
        ("installation.first_seen", "time_in_future"),
        ("submission_timestamp", "time_in_future"),
        # A collector released before the rule codes sends none.
        ("period.start", None),
        ("period.end", None),
    ],
)
def test_time_in_future_stays_queued(home, clock, field, code):
    collector = ScriptedCollector(invalid_report_response(field, "must not be more than 1 day in the future", code))
    stats = due_stats(home, clock, collector)

    first = submit(stats)
    queued = stats.history()
    second = submit(stats)

    assert first == [RetryLater(clock_ahead_reason(field), None)]
    assert first[0].detail == ReasonDetail(_reasons.CLOCK_AHEAD, {"field": field})
    assert first[0].future_field == field
    assert [(entry.status, entry.http_status) for entry in queued] == [("pending", None)]
    assert len(collector.requests) == 2
    assert collector.requests[0].content == collector.requests[1].content
    assert isinstance(second[0], Sent)
    assert stats.status().submission_count == 1


@pytest.mark.parametrize(
    ("field", "rule", "code"),
    [
        ("period.end", "must be later than period.start", "period_end_not_after_start"),
        ("period.end", "must be at most 31 days after period.start", "period_too_long"),
        ("period.start", "must be a valid calendar date and time", "some_later_rule"),
        ("installation.first_seen", "must not be more than 1 day in the future", None),
        ("installation.country_code", 'must be two capital letters, "XX" when unknown', None),
    ],
)
def test_other_invalid_field_is_rejected(home, clock, field, rule, code):
    response = invalid_report_response(field, rule, code)
    collector = ScriptedCollector(response)
    stats = due_stats(home, clock, collector)

    [outcome] = submit(stats)

    assert outcome == Rejected(422, response.text)
    assert [entry.status for entry in stats.history()] == ["rejected"]
    assert len(collector.requests) == 1


def built_ahead_reason(response: httpx.Response) -> str:
    return (
        "the report was built while this computer's clock was ahead, and the clock has been set back since, so "
        "the collector rejects its times as being in the future and it is not sent again. "
        f"Collector response: {response.text}"
    )


def test_report_built_clock_ahead_is_rejected(home, clock, caplog):
    future = invalid_report_response("period.end", "must not be more than 1 day in the future", "time_in_future")
    collector = ScriptedCollector(future)
    stats = open_stats(home, clock, collector)
    stats.opt_in()
    stats.record("job_created")
    clock.advance(days=8)
    stats.record("job_failed")
    clock.advance(days=6, minutes=5)
    ahead = submit(stats)
    # The clock was 3 days ahead while both reports were built, and is now set right.
    clock.advance(days=-3)
    collector.responses.append(future)

    with caplog.at_level(logging.ERROR, logger="app.core"):
        set_back = submit(stats)
    clock.advance(days=7)
    next_week = submit(stats)

    assert ahead == [RetryLater(clock_ahead_reason("period.end"), None)]
    assert [type(outcome) for outcome in set_back] == [Rejected, Sent]
    assert set_back[0] == Rejected(422, built_ahead_reason(future))
    assert set_back[0].detail == ReasonDetail(_reasons.BUILT_WHILE_CLOCK_AHEAD, {"response": future.text})
    assert [type(outcome) for outcome in next_week] == [Sent]
    third, second, first = stats.history()
    assert (first.status, first.http_status, first.response_body) == ("rejected", 422, future.text)
    assert (first.requeued_events, first.dropped_events) == (1, 0)
    assert (second.status, third.status) == ("sent", "sent")
    assert stats.verify_history().ok is True
    bodies = [json.loads(request.content) for request in collector.requests]
    assert [body["report_id"] for body in bodies] == [first.report_id, first.report_id, second.report_id, third.report_id]
    assert (bodies[2]["usage_stats"]["job_count"], bodies[2]["usage_stats"]["job_failed_count"]) == (0, 1)
    assert (bodies[3]["usage_stats"]["job_count"], bodies[3]["usage_stats"]["job_failed_count"]) == (1, 0)
    assert caplog.messages == [
        f"Usage report {first.report_id} was built while this computer's clock was ahead by 3 days, 0:00:00, and "
        "the collector at http://127.0.0.1:8787 rejected a time in it as being in the future (HTTP 422), so it is "
        "not sent again. Events counted again in the next report: 1. Events kept locally and never sent, because "
        "a rejected report counted them before: 0."
    ]


def test_clock_still_ahead_stays_queued(home, clock):
    future = invalid_report_response("period.end", "must not be more than 1 day in the future", "time_in_future")
    collector = ScriptedCollector(future, future)
    stats = due_stats(home, clock, collector)

    first = submit(stats)
    clock.advance(hours=1)
    second = submit(stats)

    assert first == [RetryLater(clock_ahead_reason("period.end"), None)]
    assert second == [RetryLater(clock_ahead_reason("period.end"), None)]
    assert [(entry.status, entry.http_status) for entry in stats.history()] == [("pending", None)]


def test_queued_first_seen_ahead_is_rejected(home, clock):
    # A report queued by a release that kept a first_seen recorded while the clock was ahead.
    future = invalid_report_response("installation.first_seen", "must not be more than 1 day in the future", "time_in_future")
    collector = ScriptedCollector(future, future)
    stats = due_stats(home, clock, collector)
    submit(stats)
    [queued] = stats.history()
    body = json.loads(queued.body)
    body["installation"]["first_seen"] = "2026-03-12T09:05:00Z"
    stats._db.execute_sql("UPDATE sent_reports SET body = ? WHERE report_id = ?", (json.dumps(body), queued.report_id))

    outcomes = submit(stats)

    assert outcomes == [Rejected(422, built_ahead_reason(future))]
    assert [(entry.status, entry.http_status) for entry in stats.history()] == [("rejected", 422)]


def test_rejected_report_releases_events(home, clock):
    collector = ScriptedCollector(httpx.Response(400, text="invalid body"))
    stats = due_stats(home, clock, collector)
    stats.record("job_created", printer_type="prusa")
    stats.record("job_failed")

    rejected = submit(stats)
    clock.advance(days=7)
    stats.record("job_created")
    sent = submit(stats)

    assert rejected == [Rejected(400, "invalid body")]
    assert [type(outcome) for outcome in sent] == [Sent]
    first, second = (json.loads(request.content) for request in collector.requests)
    assert (first["usage_stats"]["job_count"], first["usage_stats"]["job_failed_count"]) == (1, 0)
    assert (second["usage_stats"]["job_count"], second["usage_stats"]["job_failed_count"]) == (2, 1)
    assert second["period"]["start"] == first["period"]["end"]
    newest, oldest = stats.history()
    assert (oldest.status, oldest.http_status, oldest.sent_at) == ("rejected", 400, clock.now - dt.timedelta(days=7))
    assert (newest.status, newest.http_status) == ("sent", 200)
    assert stats.verify_history().ok is True
    # The newest event falls after the second period's end and waits for the third report.
    assert [event.reported for event in stats.recent_events()] == [False, True, True, True]


def test_fetch_server_data_not_found_is_empty(home, clock):
    not_found = {"title": "Installation Not Found", "description": "Nothing is stored for this installation id."}
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    collector.responses.append(httpx.Response(404, json=not_found))

    body = asyncio.run(stats.fetch_server_data())

    assert json.loads(body) == {
        "installation_id": stats.status().installation_id,
        "message": "The collector holds no data for this installation id.",
        "submissions": [],
    }
    assert [request.method for request in collector.requests] == ["POST", "GET"]


def test_fetch_server_data_before_first_report_sends_nothing(home, clock):
    collector = ScriptedCollector()
    stats = open_stats(home, clock, collector)
    stats.opt_in()

    body = asyncio.run(stats.fetch_server_data())

    assert json.loads(body) == server_data_without_request(stats.status().installation_id)
    assert collector.requests == []


def test_fetch_server_data_after_local_deletion_asks_collector(home, clock):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    stats.delete_local_data()
    collector.responses.append(httpx.Response(200, json={"installation_id": "x", "submissions": []}))

    asyncio.run(stats.fetch_server_data())

    assert [request.method for request in collector.requests] == ["POST", "GET"]


def test_fetch_server_data_other_error_raises(home, clock):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    collector.responses.append(httpx.Response(403, json={"title": "Invalid Deletion Token"}))

    with pytest.raises(CollectorError, match="responded with HTTP 403"):
        asyncio.run(stats.fetch_server_data())


FETCH_FAILURES = [
    (
        [httpx.ConnectError("refused")] * 4,
        "Cannot fetch the collector's data from http://127.0.0.1:8787: ConnectError. Try again later.",
        ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": "http://127.0.0.1:8787"}),
    ),
    (
        [httpx.ReadTimeout("slow")] * 4,
        "The collector at http://127.0.0.1:8787 did not respond within 30 seconds (ReadTimeout). Try again later.",
        ReasonDetail(_reasons.TIMED_OUT, {"endpoint": "http://127.0.0.1:8787", "timeout_seconds": 30.0}),
    ),
    (
        [httpx.Response(503)] * 4,
        "The collector at http://127.0.0.1:8787 responded with HTTP 503 to the request for this installation's data. "
        "Try again later.",
        ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 503, "retry_after_seconds": None}),
    ),
    (
        [httpx.Response(401, json={"title": "Invalid Deletion Token"})],
        "The collector at http://127.0.0.1:8787 responded with HTTP 401 to the request for this installation's data.",
        ReasonDetail(_reasons.UNEXPECTED_HTTP_STATUS, {"endpoint": "http://127.0.0.1:8787", "http_status": 401}),
    ),
    (
        [httpx.RemoteProtocolError("malformed")] * 4,
        "The collector at http://127.0.0.1:8787 sent an invalid response to the request for this installation's data "
        "(RemoteProtocolError).",
        ReasonDetail(_reasons.INVALID_RESPONSE, {"endpoint": "http://127.0.0.1:8787", "error_type": "RemoteProtocolError"}),
    ),
    # Neither is an httpx.HTTPError, and neither may reach the caller as a traceback.
    (
        [httpx.StreamConsumed()],
        "Cannot fetch the collector's data from http://127.0.0.1:8787: StreamConsumed. Try again later.",
        ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "StreamConsumed", "endpoint": "http://127.0.0.1:8787"}),
    ),
    (
        [OSError(24, "Too many open files")],
        "Cannot fetch the collector's data from http://127.0.0.1:8787: OSError. Try again later.",
        ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "OSError", "endpoint": "http://127.0.0.1:8787"}),
    ),
]


@pytest.mark.parametrize(("responses", "message", "detail"), FETCH_FAILURES)
def test_fetch_server_data_failure_detail(home, clock, responses, message, detail):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    collector.responses.extend(responses)

    with pytest.raises(CollectorError) as raised:
        asyncio.run(stats.fetch_server_data())

    assert str(raised.value) == message
    assert raised.value.detail == detail
    assert raised.value.detail.params == detail.params


def test_fetch_server_data_codes_covered():
    codes = {detail.code for _, _, detail in FETCH_FAILURES} | {_reasons.NO_COLLECTOR}

    assert codes == set(_reasons.DOWNLOAD_REASON_CODES)


def test_fetch_server_data_without_collector_detail(home, clock):
    collector = ScriptedCollector()
    stats = sent_stats(home, clock, collector)
    stats.close()
    environ = {key: value for key, value in ENVIRON.items() if key != "USAGE_STATS_ENDPOINT"}
    stats = open_stats(home, clock, collector, environ)

    with pytest.raises(CollectorError) as raised:
        asyncio.run(stats.fetch_server_data())

    assert raised.value.detail == ReasonDetail(_reasons.NO_COLLECTOR)


def test_deletion_log_names_current_installation(home, clock, caplog):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector)
    submit(stats)
    installation_id = stats.status().installation_id
    stats.opt_out()

    with caplog.at_level(logging.INFO, logger="app.core"):
        asyncio.run(stats.request_server_deletion())

    messages = [record.getMessage() for record in caplog.records if record.name == "app.core"]
    assert messages == [f"The collector deleted the data of installation id {installation_id} (HTTP 200). Reports deleted: 2."]


def test_delete_local_data_resets_submissions(home, clock):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector)
    submit(stats)
    installation_id = stats.status().installation_id

    stats.delete_local_data()
    status = stats.status()

    assert (status.submission_count, status.last_submission) == (0, None)
    assert status.installation_id == installation_id
    assert status.consent.state == "granted"
    assert stats.history() == []


def test_opt_out_after_local_delete_requests_deletion(home, clock):
    collector = ScriptedCollector()
    stats = due_stats(home, clock, collector)
    submit(stats)
    installation_id = stats.status().installation_id
    stats.delete_local_data()

    stats.opt_out()

    assert stats.status().server_deletion == "pending"
    assert stats._settings.get("server_deletion.state")["pending"][0]["installation_id"] == installation_id

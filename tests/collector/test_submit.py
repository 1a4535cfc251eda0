"""POST /submit against a real collector under Waitress on 127.0.0.1."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest

from collector.storage import Submission
from tests.collector.conftest import (
    CLIENT_KEY,
    DELETION_TOKEN,
    OPERATOR_KEY,
    SECOND_CLIENT_KEY,
    report_1_0_body,
    report_1_1,
    token_sha256,
)

JSON_HEADERS = {"Content-Type": "application/json"}


def post(server, body, *, key: str | None = CLIENT_KEY, headers: dict[str, str] | None = None) -> httpx.Response:
    all_headers = dict(JSON_HEADERS)
    if key is not None:
        all_headers["X-API-Key"] = key
    all_headers.update(headers or {})
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{server.url}/submit", content=content, headers=all_headers, timeout=10)


def test_submit_1_1_report_stores_row(start_server):
    server = start_server()
    body = report_1_1(server.clock.now)

    response = post(server, body)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "submission_id": 1}
    row = Submission.get_by_id(1)
    assert row.report_id == body["report_id"]
    assert row.installation_id == body["installation"]["installation_id"]
    assert row.schema_version == "1.1"
    assert row.deployment_mode == "desktop"
    assert row.job_completed_count == 10
    assert row.job_failed_count == 2
    assert json.loads(row.feature_usage) == {"auto_upload": False, "timelapse": True}
    assert row.received_at == server.clock.now


def test_submit_literal_1_0_report_with_space_times(start_server):
    server = start_server()
    installation_id = "5d3f0a1e-8c7b-4e2a-9f61-0b2c4d6e8a10"

    response = post(server, report_1_0_body(server.clock.now, installation_id))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "submission_id": 1}
    row = Submission.get_by_id(1)
    assert row.schema_version == "1.0"
    assert row.installation_id == installation_id
    assert row.job_completed_count is None
    assert row.country_code == "XX"
    assert row.period_end == server.clock.now


def test_submit_1_0_repeated_gets_same_id(start_server):
    server = start_server()
    body = report_1_0_body(server.clock.now, str(uuid.uuid4()))

    first = post(server, body)
    second = post(server, body)

    assert first.json() == {"status": "ok", "submission_id": 1}
    assert second.status_code == 200
    assert second.json() == {"status": "ok", "submission_id": 1}
    assert Submission.select().count() == 1


def test_submit_duplicate_report_id_returns_original(start_server):
    server = start_server()
    body = report_1_1(server.clock.now)
    post(server, report_1_1(server.clock.now))

    first = post(server, body)
    server.clock.advance(minutes=5)
    second = post(server, body)

    assert first.json()["submission_id"] == 2
    assert second.status_code == 200
    assert second.json() == {"status": "ok", "submission_id": 2}
    assert Submission.select().count() == 2


def test_submit_report_id_of_other_installation_conflicts(start_server):
    server = start_server()
    body = report_1_1(server.clock.now)
    post(server, body)
    other = report_1_1(server.clock.now, report_id=body["report_id"])

    response = post(server, other)

    assert response.status_code == 409
    assert response.json()["field"] == "report_id"
    assert Submission.select().count() == 1


@pytest.mark.parametrize("key", [CLIENT_KEY, SECOND_CLIENT_KEY, OPERATOR_KEY])
def test_submit_accepts_each_configured_key(start_server, key):
    server = start_server()

    response = post(server, report_1_1(server.clock.now), key=key)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("key", "title"),
    [(None, "Missing API Key"), ("wrong-key-0123456789abcdef", "Invalid API Key"), (CLIENT_KEY + "x", "Invalid API Key")],
)
def test_submit_without_valid_key_is_401(start_server, key, title):
    server = start_server()

    response = post(server, report_1_1(server.clock.now), key=key)

    assert response.status_code == 401
    assert response.json()["title"] == title
    assert Submission.select().count() == 0


def test_submit_different_deletion_token_is_403(start_server):
    server = start_server()
    installation_id = str(uuid.uuid4())
    post(server, report_1_1(server.clock.now, installation_id=installation_id))
    hijack = report_1_1(server.clock.now, installation_id=installation_id, token="someone-else-entirely-0123")

    response = post(server, hijack)

    assert response.status_code == 403
    assert response.json()["field"] == "installation.deletion_token_sha256"
    assert Submission.select().count() == 1


def test_submit_1_0_for_token_installation_is_403(start_server):
    server = start_server()
    installation_id = str(uuid.uuid4())
    post(server, report_1_1(server.clock.now, installation_id=installation_id))

    response = post(server, report_1_0_body(server.clock.now, installation_id))

    assert response.status_code == 403


def test_submit_first_token_registers_for_1_0_installation(start_server):
    server = start_server()
    installation_id = str(uuid.uuid4())
    post(server, report_1_0_body(server.clock.now, installation_id))

    response = post(server, report_1_1(server.clock.now, installation_id=installation_id))

    assert response.status_code == 200
    assert server.store.registered_token_hash(installation_id) == (True, token_sha256(DELETION_TOKEN))


def test_submit_body_over_limit_is_413(start_server):
    server = start_server(COLLECTOR_MAX_BODY_BYTES="2048")
    body = report_1_1(server.clock.now)
    body["padding"] = "x" * 4096

    response = post(server, body)

    assert response.status_code == 413
    assert response.json()["title"] == "Report Too Large"
    assert "2048 bytes" in response.json()["description"]


def test_submit_chunked_body_over_limit_is_413(start_server):
    server = start_server(COLLECTOR_MAX_BODY_BYTES="2048")

    def chunks():
        yield b'{"schema_version": "1.1", "padding": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}'

    headers = {**JSON_HEADERS, "X-API-Key": CLIENT_KEY}
    response = httpx.post(f"{server.url}/submit", content=chunks(), headers=headers, timeout=10)

    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_submit_non_json_content_type_is_415(start_server, content_type):
    server = start_server()
    headers = {"X-API-Key": CLIENT_KEY}
    if content_type:
        headers["Content-Type"] = content_type

    response = httpx.post(f"{server.url}/submit", content=b"{}", headers=headers, timeout=10)

    assert response.status_code == 415
    assert response.json()["title"] == "Unsupported Media Type"


def test_submit_json_with_charset_is_accepted(start_server):
    server = start_server()

    response = post(server, report_1_1(server.clock.now), headers={"Content-Type": "application/json; charset=utf-8"})

    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"{", b"not json", b'{"a": 1}}', b"\xff\xfe\x00", b"[" * 5000 + b"]" * 5000])
def test_submit_malformed_json_is_400(start_server, body):
    server = start_server()

    response = post(server, body)

    assert response.status_code == 400
    assert response.json()["title"] == "Malformed JSON"


def test_submit_json_array_is_400_naming_body(start_server):
    server = start_server()

    response = post(server, b"[1, 2]")

    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_submit_invalid_field_is_422_naming_it(start_server):
    server = start_server()
    body = report_1_1(server.clock.now)
    body["installation"]["country_code"] = "Germany"

    response = post(server, body)

    assert response.status_code == 422
    payload = response.json()
    assert payload["title"] == "Invalid Report"
    assert payload["field"] == "installation.country_code"
    assert payload["description"] == 'Field installation.country_code must be two capital letters, "XX" when unknown.'


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("submission_timestamp",), "submission_timestamp"),
        (("installation", "first_seen"), "installation.first_seen"),
        (("period", "start"), "period.start"),
        (("period", "end"), "period.end"),
    ],
)
def test_submit_time_in_future_has_code(start_server, path, field):
    server = start_server()
    body = report_1_1(server.clock.now - timedelta(days=3))
    section = body
    for name in path[:-1]:
        section = section[name]
    section[path[-1]] = (server.clock.now + timedelta(days=1, seconds=1)).isoformat() + "Z"

    response = post(server, body)

    assert response.status_code == 422
    assert response.json() == {
        "title": "Invalid Report",
        "description": f"Field {field} must not be more than 1 day in the future.",
        "field": field,
        "code": "time_in_future",
    }
    assert Submission.select().count() == 0


@pytest.mark.parametrize(
    ("end_offset", "rule", "code"),
    [
        (timedelta(days=-8), "must be later than period.start", "period_end_not_after_start"),
        (timedelta(days=25), "must be at most 31 days after period.start", "period_too_long"),
    ],
)
def test_submit_bad_period_end_has_own_code(start_server, end_offset, rule, code):
    # Clients of an earlier release take a 422 on period.end without a code for a clock that is ahead.
    server = start_server()
    body = report_1_1(server.clock.now - timedelta(days=30))
    end = server.clock.now - timedelta(days=30) + end_offset
    body["period"]["end"] = end.isoformat() + "Z"

    response = post(server, body)

    assert response.status_code == 422
    assert response.json() == {
        "title": "Invalid Report",
        "description": f"Field period.end {rule}.",
        "field": "period.end",
        "code": code,
    }


def test_submit_rejected_request_stores_nothing(start_server):
    server = start_server()
    body = report_1_1(server.clock.now)
    del body["usage_stats"]["job_count"]

    response = post(server, body)

    assert response.status_code == 422
    assert response.json()["field"] == "usage_stats.job_count"
    assert Submission.select().count() == 0
    assert server.store.registered_token_hash(body["installation"]["installation_id"]) == (False, None)


def test_submit_unknown_field_with_lone_surrogate_is_422(start_server):
    # JSON allows "\ud800" in a key, which Python decodes to a lone surrogate that UTF-8 cannot encode.
    server = start_server()
    body = json.dumps(report_1_1(server.clock.now))[:-1] + ', "x\\ud800": 1}'

    response = post(server, body.encode())

    assert response.status_code == 422
    assert response.json()["field"] == "x\\ud800"


@pytest.mark.parametrize(
    ("body", "description"),
    [
        (b'{"schema_version": "\xff"}', "The body is not valid UTF-8 at byte 20; send the report encoded as UTF-8."),
        (b'{"job_count": ' + b"1" * 5000 + b"}", "The body contains a number of more than 4300 digits; send counts as ordinary integers."),
        (b"[" * 5000 + b"]" * 5000, "The body nests arrays or objects too deeply; a report nests objects three levels deep."),
    ],
)
def test_submit_malformed_json_names_cause(start_server, body, description):
    server = start_server()

    response = post(server, body)

    assert response.status_code == 400
    assert response.json()["description"] == description

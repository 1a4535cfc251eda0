"""parse_report: both schema versions, their time formats and every limit, naming the field."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta

import pytest

from collector.errors import ReportError
from collector.validation import REPORT_ID_NAMESPACE_1_0, parse_report
from tests.collector.conftest import report_1_1

NOW = datetime(2026, 6, 15, 12, 0, 0)


def report_1_0() -> dict:
    body = report_1_1(NOW)
    del body["report_id"]
    del body["installation"]["deletion_token_sha256"]
    del body["usage_stats"]["job_completed_count"]
    del body["usage_stats"]["job_failed_count"]
    body["schema_version"] = "1.0"
    body["installation"]["deployment_mode"] = "docker"
    return body


def changed(body: dict, path: str, value) -> dict:
    """Return a copy of ``body`` with the dotted ``path`` set to ``value`` (or removed for ...)."""
    result = copy.deepcopy(body)
    *parents, last = path.split(".")
    target = result
    for name in parents:
        target = target[name]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return result


def rejected_field(body) -> tuple[str, int]:
    with pytest.raises(ReportError) as caught:
        parse_report(body, NOW)
    return caught.value.field, caught.value.status


def test_parse_1_1_report_normalizes_ids():
    body = report_1_1(NOW)
    body["report_id"] = body["report_id"].upper()

    report = parse_report(body, NOW)

    assert report.report_id == body["report_id"].lower()
    assert report.schema_version == "1.1"
    assert report.period_end == NOW
    assert report.period_start == NOW - timedelta(days=7)
    assert report.job_completed_count == 10


def test_parse_1_0_report_derives_report_id():
    body = report_1_0()

    report = parse_report(body, NOW)

    start, end = NOW - timedelta(days=7), NOW
    expected = uuid.uuid5(REPORT_ID_NAMESPACE_1_0, f"{report.installation_id}|{start.isoformat()}|{end.isoformat()}")
    assert report.report_id == str(expected)
    assert report.deletion_token_sha256 is None
    assert report.job_completed_count is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-15T10:00:00Z", datetime(2026, 6, 15, 10, 0)),
        ("2026-06-15 10:00:00", datetime(2026, 6, 15, 10, 0)),
        ("2026-06-15 10:00:00.123456", datetime(2026, 6, 15, 10, 0, 0, 123456)),
        ("2026-06-15T12:00:00+02:00", datetime(2026, 6, 15, 10, 0)),
        ("2026-06-15T05:30:00-0430", datetime(2026, 6, 15, 10, 0)),
        ("2026-06-15T10:00", datetime(2026, 6, 15, 10, 0)),
    ],
)
def test_parse_time_formats_to_naive_utc(text, expected):
    body = changed(report_1_0(), "period.end", text)

    assert parse_report(body, NOW).period_end == expected


@pytest.mark.parametrize(
    "text", ["2026-06-15", "15.06.2026 10:00", "2026-02-30T10:00:00", "2026-06-15T25:00:00", "1999-12-31T10:00:00Z", "x" * 100]
)
def test_parse_bad_time_names_field(text):
    assert rejected_field(changed(report_1_0(), "period.start", text)) == ("period.start", 422)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("schema_version", "2.0", "schema_version"),
        ("schema_version", ..., "schema_version"),
        ("installation", "x", "installation"),
        ("installation.installation_id", "not-a-uuid", "installation.installation_id"),
        ("installation.installation_id", ..., "installation.installation_id"),
        ("installation.app_version", "", "installation.app_version"),
        ("installation.app_version", "1" * 40, "installation.app_version"),
        ("installation.app_version", "1.0 beta", "installation.app_version"),
        ("installation.platform", "amiga", "installation.platform"),
        ("installation.deployment_mode", "desktop", "installation.deployment_mode"),
        ("installation.country_code", "de", "installation.country_code"),
        ("installation.country_code", "DEU", "installation.country_code"),
        ("period.duration_days", 32, "period.duration_days"),
        ("printer_fleet.printer_count", -1, "printer_fleet.printer_count"),
        ("printer_fleet.printer_count", 10_001, "printer_fleet.printer_count"),
        ("printer_fleet.printer_count", True, "printer_fleet.printer_count"),
        ("printer_fleet.printer_count", 1.5, "printer_fleet.printer_count"),
        ("printer_fleet.printer_types", ["ok", "bad name"], "printer_fleet.printer_types[1]"),
        ("printer_fleet.printer_types", [f"t{n}" for n in range(51)], "printer_fleet.printer_types"),
        ("printer_fleet.printer_type_counts", {"../etc": 1}, "printer_fleet.printer_type_counts"),
        ("printer_fleet.printer_type_counts", {"prusa": "1"}, "printer_fleet.printer_type_counts.prusa"),
        ("usage_stats.job_count", 1_000_001, "usage_stats.job_count"),
        ("usage_stats.uptime_hours", None, "usage_stats.uptime_hours"),
        ("usage_stats.feature_usage", {"a": 1}, "usage_stats.feature_usage.a"),
        ("usage_stats.feature_usage", {f"f{n}": True for n in range(51)}, "usage_stats.feature_usage"),
        ("error_summary", [], "error_summary"),
        ("error_summary", {"TimeoutError": -3}, "error_summary.TimeoutError"),
    ],
)
def test_parse_1_0_violation_names_field(path, value, field):
    assert rejected_field(changed(report_1_0(), path, value)) == (field, 422)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("report_id", ..., "report_id"),
        ("report_id", "1234", "report_id"),
        ("installation.deletion_token_sha256", ..., "installation.deletion_token_sha256"),
        ("installation.deletion_token_sha256", "ab" * 31, "installation.deletion_token_sha256"),
        ("installation.deletion_token_sha256", "zz" * 32, "installation.deletion_token_sha256"),
        ("usage_stats.job_completed_count", ..., "usage_stats.job_completed_count"),
        ("usage_stats.job_failed_count", -1, "usage_stats.job_failed_count"),
        ("installation.hostname", "my-laptop", "installation.hostname"),
        ("period.timezone", "Europe/Berlin", "period.timezone"),
        ("trace", "boom", "trace"),
    ],
)
def test_parse_1_1_violation_names_field(path, value, field):
    assert rejected_field(changed(report_1_1(NOW), path, value)) == (field, 422)


def test_parse_1_0_ignores_unknown_fields():
    body = report_1_0()
    expected = parse_report(copy.deepcopy(body), NOW)
    body["trace"] = "boom"
    body["installation"]["hostname"] = "my-laptop"
    body["usage_stats"]["job_completed_count"] = 1
    body["report_id"] = str(uuid.uuid4())

    report = parse_report(body, NOW)

    assert report == expected
    assert report.job_completed_count is None


def test_parse_period_end_before_start():
    body = changed(report_1_0(), "period.start", "2026-06-15T12:00:01Z")

    with pytest.raises(ReportError) as caught:
        parse_report(body, NOW)

    assert caught.value.field == "period.end"
    assert caught.value.rule == "must be later than period.start"


def test_parse_period_longer_than_31_days():
    body = changed(report_1_0(), "period.start", "2026-05-15T11:59:59Z")

    with pytest.raises(ReportError) as caught:
        parse_report(body, NOW)

    assert caught.value.rule == "must be at most 31 days after period.start"


def test_parse_period_of_exactly_31_days_is_accepted():
    body = changed(report_1_0(), "period.start", "2026-05-15T12:00:00Z")

    assert parse_report(body, NOW).period_start == datetime(2026, 5, 15, 12, 0)


def test_parse_end_within_clock_skew_is_accepted():
    body = changed(report_1_0(), "period.end", (NOW + timedelta(hours=23)).isoformat())

    assert parse_report(body, NOW).period_end == NOW + timedelta(hours=23)


def test_parse_end_beyond_clock_skew_is_rejected():
    body = changed(report_1_0(), "period.end", (NOW + timedelta(days=1, seconds=1)).isoformat())

    assert rejected_field(body) == ("period.end", 422)


@pytest.mark.parametrize("body", [[], "report", 3, None])
def test_parse_non_object_body_is_400(body):
    assert rejected_field(body) == ("body", 400)


def test_parse_optional_fields_may_be_missing_or_null():
    body = report_1_0()
    del body["submission_timestamp"]
    del body["installation"]["first_seen"]
    body["installation"]["python_version"] = None
    del body["period"]["duration_days"]

    report = parse_report(body, NOW)

    assert report.python_version is None
    assert report.first_seen is None


def test_parse_map_at_key_limit_is_accepted():
    body = changed(report_1_0(), "error_summary", {f"Error{n}": n for n in range(50)})

    assert len(parse_report(body, NOW).error_summary) == 50


@pytest.mark.parametrize("key", ["connection error", "x\ud800", "é" * 100])
def test_map_key_error_names_key(key):
    body = changed(report_1_1(NOW), "error_summary", {"ok": 1, key: 2})

    with pytest.raises(ReportError) as caught:
        parse_report(body, NOW)

    assert caught.value.field == "error_summary"
    assert repr(key[:64]) in caught.value.rule
    caught.value.rule.encode("utf-8")  # The rule goes into a UTF-8 response body.

"""The JSON Schemas in resources/schemas agree with the collector's validator."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from importlib import resources

import jsonschema
import pytest

from collector.errors import ReportError
from collector.validation import parse_report
from tests.collector.conftest import report_1_0_body, report_1_1
from tests.collector.test_validation import changed

NOW = datetime(2026, 6, 15, 12, 0, 0)


def load_schema(version: str) -> dict:
    text = (resources.files("resources") / "schemas" / f"report-{version}.schema.json").read_text()
    return json.loads(text)


def example(version: str) -> dict:
    if version == "1.0":
        return json.loads(report_1_0_body(NOW, str(uuid.uuid4())))
    return report_1_1(NOW)


def validator_accepts(body: dict) -> bool:
    try:
        parse_report(body, NOW)
    except ReportError:
        return False
    return True


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_schema_is_valid_draft_2020_12(version):
    jsonschema.Draft202012Validator.check_schema(load_schema(version))


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_schema_accepts_example_report(version):
    schema = load_schema(version)

    jsonschema.validate(example(version), schema, cls=jsonschema.Draft202012Validator)
    assert validator_accepts(example(version))


MUTATIONS = [
    ("installation.installation_id", "not-a-uuid"),
    ("installation.platform", "amiga"),
    ("installation.country_code", "de"),
    ("installation.app_version", "1.0 beta"),
    ("period.start", "2026-06-15"),
    ("period.duration_days", 32),
    ("printer_fleet.printer_count", -1),
    ("printer_fleet.printer_count", 10_001),
    ("printer_fleet.printer_types", ["bad name"]),
    ("printer_fleet.printer_type_counts", {"prusa": 1.5}),
    ("usage_stats.job_count", 1_000_001),
    ("usage_stats.feature_usage", {"camera": "yes"}),
    ("usage_stats.feature_usage", {f"f{n}": True for n in range(51)}),
    ("error_summary", {"bad key": 1}),
    ("installation", ...),
]


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize(("path", "value"), MUTATIONS)
def test_schema_and_validator_both_reject(version, path, value):
    body = changed(example(version), path, value)
    schema_validator = jsonschema.Draft202012Validator(load_schema(version))

    assert not schema_validator.is_valid(body)
    assert not validator_accepts(body)


@pytest.mark.parametrize(("path", "value"), [("installation.serial_number", "A1B2"), ("file_path", "/home/a.gcode")])
def test_schema_1_1_rejects_unknown_fields(path, value):
    body = changed(example("1.1"), path, value)

    assert not jsonschema.Draft202012Validator(load_schema("1.1")).is_valid(body)
    assert not validator_accepts(body)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("installation.serial_number", "A1B2"),
        ("file_path", "/home/a.gcode"),
        ("report_id", "6f3c2d1e-0a7e-4c1b-9a8e-2d5b7f40c913"),
        ("usage_stats.job_completed_count", 3),
    ],
)
def test_schema_1_0_ignores_unknown_fields(path, value):
    body = changed(example("1.0"), path, value)

    assert jsonschema.Draft202012Validator(load_schema("1.0")).is_valid(body)
    assert validator_accepts(body)


def test_schema_1_0_rejects_desktop_mode():
    body = changed(example("1.0"), "installation.deployment_mode", "desktop")

    assert not jsonschema.Draft202012Validator(load_schema("1.0")).is_valid(body)
    assert not validator_accepts(body)


WHOLE_NUMBER_FIELDS = [
    "period.duration_days",
    "printer_fleet.printer_count",
    "usage_stats.job_count",
    "usage_stats.uptime_hours",
]


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("path", WHOLE_NUMBER_FIELDS)
def test_schema_and_validator_accept_integral_float(version, path):
    # JSON Schema counts 7.0 as an integer, so a client that writes whole numbers as floats passes the schema.
    body = changed(example(version), path, 7.0)

    assert jsonschema.Draft202012Validator(load_schema(version)).is_valid(body)
    assert validator_accepts(body)


def test_validator_stores_integral_float_as_int():
    body = changed(example("1.1"), "usage_stats.uptime_hours", 30.0)
    body = changed(body, "error_summary", {"timeout": 2.0})

    report = parse_report(body, NOW)

    assert type(report.uptime_hours) is int
    assert report.uptime_hours == 30
    assert report.error_summary == {"timeout": 2}
    assert type(report.error_summary["timeout"]) is int


@pytest.mark.parametrize("value", [7.5, float("inf"), float("nan"), 1e300])
def test_validator_rejects_non_integral_numbers(value):
    body = changed(example("1.1"), "usage_stats.uptime_hours", value)

    assert not validator_accepts(body)

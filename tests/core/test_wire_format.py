"""The bodies the client posts match the published "1.1" JSON Schema in resources/schemas."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json

import jsonschema
import pytest

from app.core import UsageStats
from app.core._report import Aggregate, Installation, Period, build_body

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    text = importlib.resources.files("resources").joinpath("schemas", "report-1.1.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def test_preview_matches_published_schema(stats: UsageStats, clock, validator):
    stats.opt_in()
    stats.record("printer_connected", printer_type="prusa_mk4", printer_index=0)
    stats.record("job_created", printer_type="prusa_mk4")
    stats.record("error_occurred", error_type="TimeoutError")
    stats.record("feature_enabled", feature="auto_backup")

    report = json.loads(stats.preview())

    assert list(validator.iter_errors(report)) == []


def test_worst_case_report_matches_published_schema(validator):
    installation = Installation(
        installation_id="7b0f0f4e-8d1c-4a55-9a38-4a0c86f0d7a1",
        first_seen=dt.datetime(2026, 1, 1, tzinfo=UTC),
        app_version="9" * 32,
        deployment_mode="desktop",
        country_code="XX",
        deletion_token="t" * 43,
    )
    aggregate = Aggregate(
        counts={"job_created": 999_999},
        printers=[(f"type_{index}", index) for index in range(80)],
        uptime_hours=168,
        features={f"feature_{index}": index % 2 == 0 for index in range(80)},
        errors={f"Error{index}": index + 1 for index in range(80)},
    )
    period = Period(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 31, tzinfo=UTC))

    report = json.loads(build_body("94151820-1240-5c9b-83c5-6d87f8af4f43", installation, period, aggregate))

    assert list(validator.iter_errors(report)) == []

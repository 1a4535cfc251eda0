"""Check a decoded report against schema "1.0" or "1.1" and turn it into a Report.

Every rule that fails raises ReportError naming the field (a dotted path such as
``installation.country_code``) and the rule, so the client can fix the report.
A time too far in the future and the period.end rules also carry a code from RULE_CODES,
so a client can tell a clock that is ahead from a report that is wrong.
The JSON Schemas in ``resources/schemas/`` describe the same rules for readers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from collector.errors import PERIOD_END_NOT_AFTER_START, PERIOD_TOO_LONG, TIME_IN_FUTURE, ReportError

SCHEMA_VERSIONS = ("1.0", "1.1")
PLATFORMS = ("linux", "windows", "darwin")
DEPLOYMENT_MODES_1_0 = ("homeassistant", "docker", "standalone", "pi")
DEPLOYMENT_MODES_1_1 = (*DEPLOYMENT_MODES_1_0, "desktop")

MAX_COUNT = 1_000_000
MAX_PRINTER_COUNT = 10_000
MAX_UPTIME_HOURS = 100_000
MAX_DURATION_DAYS = 31
MAX_PERIOD = timedelta(days=31)
MAX_CLOCK_SKEW = timedelta(days=1)
MAX_MAP_KEYS = 50
MAX_LIST_ITEMS = 50
MAX_TIME_CHARS = 40
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100

# Names used as map keys and list items: printer types, feature names, error types.
KEY_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}")
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SHA256_HEX_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
COUNTRY_CODE_PATTERN = re.compile(r"[A-Z]{2}")
# ISO 8601 date and time, "T" or a space between them, seconds and zone optional.
TIME_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)

# Fixed namespace for the report ids of schema "1.0" reports, which carry none.
REPORT_ID_NAMESPACE_1_0 = uuid.UUID("6f1c3d52-0a7e-4c1b-9a8e-2d5b7f40c913")


@dataclass(frozen=True)
class Report:
    """A validated report, with times as naive UTC datetimes and ids in lower case."""

    schema_version: str
    report_id: str
    installation_id: str
    deletion_token_sha256: str | None
    first_seen: datetime | None
    app_version: str
    python_version: str | None
    platform: str
    deployment_mode: str
    country_code: str
    period_start: datetime
    period_end: datetime
    printer_count: int
    printer_type_counts: dict[str, int]
    job_count: int
    job_completed_count: int | None
    job_failed_count: int | None
    file_count: int
    upload_count: int
    uptime_hours: int
    feature_usage: dict[str, bool]
    error_summary: dict[str, int]


def parse_report(body: Any, now: datetime) -> Report:
    """Validate a decoded JSON body against its schema version and return the Report.

    ``now`` is the current naive UTC time, used to reject periods in the future.
    """
    if not isinstance(body, dict):
        raise ReportError("body", "must be a JSON object", status=400)

    version = body.get("schema_version")
    if version not in SCHEMA_VERSIONS:
        raise ReportError("schema_version", f"must be one of {', '.join(SCHEMA_VERSIONS)}")
    is_1_1 = version == "1.1"

    # Deployed 1.0 clients were served by a service that ignored unknown fields, so
    # 1.0 reports keep that rule: such fields are dropped, never stored. A 1.1 report
    # comes from this project's client and must contain only its schema's fields.
    top = _Section(body, "", strict=is_1_1)
    top.optional("submission_timestamp", _time_not_after(now))
    installation = _Section(top.required("installation", _object), "installation.", strict=is_1_1)
    period = _Section(top.required("period", _object), "period.", strict=is_1_1)
    fleet = _Section(top.required("printer_fleet", _object), "printer_fleet.", strict=is_1_1)
    usage = _Section(top.required("usage_stats", _object), "usage_stats.", strict=is_1_1)
    error_summary = top.required("error_summary", _map_of(_count(MAX_COUNT)))
    report_id = top.required("report_id", _uuid) if is_1_1 else None
    top.reject_unknown(("schema_version",))

    installation_id = installation.required("installation_id", _uuid)
    token_hash = installation.required("deletion_token_sha256", _sha256_hex) if is_1_1 else None
    modes = DEPLOYMENT_MODES_1_1 if is_1_1 else DEPLOYMENT_MODES_1_0
    installation_fields = {
        "first_seen": installation.optional("first_seen", _time_not_after(now)),
        "app_version": installation.required("app_version", _matching(VERSION_PATTERN, "a version such as 2.3.1")),
        "python_version": installation.optional("python_version", _matching(VERSION_PATTERN, "a version such as 3.11.9")),
        "platform": installation.required("platform", _one_of(PLATFORMS)),
        "deployment_mode": installation.required("deployment_mode", _one_of(modes)),
        "country_code": installation.required("country_code", _matching(COUNTRY_CODE_PATTERN, 'two capital letters, "XX" when unknown')),
    }
    installation.reject_unknown(("installation_id", "deletion_token_sha256") if is_1_1 else ("installation_id",))

    start, end = _read_period(period, now)
    fleet_fields = _read_fleet(fleet)
    usage_fields = _read_usage(usage, is_1_1)

    if report_id is None:
        report_id = str(uuid.uuid5(REPORT_ID_NAMESPACE_1_0, f"{installation_id}|{start.isoformat()}|{end.isoformat()}"))
    return Report(
        schema_version=version,
        report_id=report_id,
        installation_id=installation_id,
        deletion_token_sha256=token_hash,
        period_start=start,
        period_end=end,
        error_summary=error_summary,
        **installation_fields,
        **fleet_fields,
        **usage_fields,
    )


def _read_period(period: _Section, now: datetime) -> tuple[datetime, datetime]:
    start = period.required("start", _time_not_after(now))
    end = period.required("end", _time_not_after(now))
    period.optional("duration_days", _count(MAX_DURATION_DAYS))
    period.reject_unknown()

    if end <= start:
        raise ReportError("period.end", "must be later than period.start", code=PERIOD_END_NOT_AFTER_START)
    if end - start > MAX_PERIOD:
        rule = f"must be at most {MAX_PERIOD.days} days after period.start"
        raise ReportError("period.end", rule, code=PERIOD_TOO_LONG)
    return start, end


def _read_fleet(fleet: _Section) -> dict[str, Any]:
    printer_count = fleet.required("printer_count", _count(MAX_PRINTER_COUNT))
    fleet.required("printer_types", _list_of_names)
    type_counts = fleet.required("printer_type_counts", _map_of(_count(MAX_PRINTER_COUNT)))
    fleet.reject_unknown()
    return {"printer_count": printer_count, "printer_type_counts": type_counts}


def _read_usage(usage: _Section, is_1_1: bool) -> dict[str, Any]:
    fields = {
        "job_count": usage.required("job_count", _count(MAX_COUNT)),
        "file_count": usage.required("file_count", _count(MAX_COUNT)),
        "upload_count": usage.required("upload_count", _count(MAX_COUNT)),
        "uptime_hours": usage.required("uptime_hours", _count(MAX_UPTIME_HOURS)),
        "feature_usage": usage.required("feature_usage", _map_of(_boolean)),
        "job_completed_count": None,
        "job_failed_count": None,
    }
    if is_1_1:
        fields["job_completed_count"] = usage.required("job_completed_count", _count(MAX_COUNT))
        fields["job_failed_count"] = usage.required("job_failed_count", _count(MAX_COUNT))
    usage.reject_unknown()
    return fields


class _Section:
    """One JSON object of the report: reads its fields and remembers which ones were known."""

    def __init__(self, data: dict[str, Any], prefix: str, *, strict: bool) -> None:
        self._data = data
        self._prefix = prefix
        self._strict = strict
        self._known: set[str] = set()

    def required(self, key: str, check: Callable[[Any, str], Any]) -> Any:
        self._known.add(key)
        if key not in self._data:
            raise ReportError(self._prefix + key, "is required")
        return check(self._data[key], self._prefix + key)

    def optional(self, key: str, check: Callable[[Any, str], Any]) -> Any:
        self._known.add(key)
        value = self._data.get(key)
        if value is None:
            return None
        return check(value, self._prefix + key)

    def reject_unknown(self, also_known: tuple[str, ...] = ()) -> None:
        """Raise ReportError for a field this schema does not define, unless the section is lenient."""
        if not self._strict:
            return
        unknown = sorted(set(self._data) - self._known - set(also_known))
        if unknown:
            # A JSON key may hold a lone surrogate such as "\ud800", which the UTF-8 response cannot carry.
            name = unknown[0][:64].encode("utf-8", "backslashreplace").decode("utf-8")
            raise ReportError(self._prefix + name, "is not a field of this schema version; remove it")


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(field, "must be a JSON object")
    return value


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ReportError(field, "must be true or false")
    return value


def _count(maximum: int) -> Callable[[Any, str], int]:
    def check(value: Any, field: str) -> int:
        # JSON Schema's "integer" includes numbers such as 7.0, so those are whole numbers here too.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise ReportError(field, f"must be a whole number from 0 to {maximum}")
        return value

    return check


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ReportError(field, "must be a string")
    return value


def _matching(pattern: re.Pattern[str], description: str) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        if not pattern.fullmatch(_text(value, field)):
            raise ReportError(field, f"must be {description}")
        return value

    return check


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        if value not in choices:
            raise ReportError(field, f"must be one of {', '.join(choices)}")
        return value

    return check


def _uuid(value: Any, field: str) -> str:
    if not UUID_PATTERN.fullmatch(_text(value, field)):
        raise ReportError(field, "must be a UUID such as 0b7e4c52-6f0e-4d7a-9a55-3e1f2c9d8b10")
    return value.lower()


def _sha256_hex(value: Any, field: str) -> str:
    if not SHA256_HEX_PATTERN.fullmatch(_text(value, field)):
        raise ReportError(field, "must be a SHA-256 digest as 64 hexadecimal digits")
    return value.lower()


def _list_of_names(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        raise ReportError(field, f"must be a list of at most {MAX_LIST_ITEMS} names")
    for position, item in enumerate(value):
        if not isinstance(item, str) or not KEY_NAME_PATTERN.fullmatch(item):
            raise ReportError(f"{field}[{position}]", f"must match {KEY_NAME_PATTERN.pattern}")
    return value


def _map_of(check_value: Callable[[Any, str], Any]) -> Callable[[Any, str], dict[str, Any]]:
    def check(value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict) or len(value) > MAX_MAP_KEYS:
            raise ReportError(field, f"must be a JSON object with at most {MAX_MAP_KEYS} keys")
        checked = {}
        for key, item in value.items():
            if not KEY_NAME_PATTERN.fullmatch(key):
                # repr() writes a lone surrogate as \ud800, so the rule stays valid UTF-8.
                raise ReportError(field, f"has the key {key[:64]!r}, which does not match {KEY_NAME_PATTERN.pattern}")
            checked[key] = check_value(item, f"{field}.{key}")
        return checked

    return check


def _time_not_after(now: datetime) -> Callable[[Any, str], datetime]:
    def check(value: Any, field: str) -> datetime:
        moment = parse_time(value, field)
        if moment > now + MAX_CLOCK_SKEW:
            rule = f"must not be more than {MAX_CLOCK_SKEW.days} day in the future"
            raise ReportError(field, rule, code=TIME_IN_FUTURE)
        return moment

    return check


def parse_time(value: Any, field: str) -> datetime:
    """Parse an ISO 8601 time ("T" or space, zone optional, UTC assumed) to naive UTC."""
    text = _text(value, field)
    if len(text) > MAX_TIME_CHARS or not TIME_PATTERN.fullmatch(text):
        raise ReportError(field, "must be an ISO 8601 time such as 2024-05-01T12:00:00Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ReportError(field, "must be a valid calendar date and time") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ReportError(field, f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")

    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


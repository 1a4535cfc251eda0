"""Exceptions raised by the collector; app.py maps each one to an HTTP response once.

CollectorError
├── ConfigError              a bad environment value or database URL
├── ReportError              a report body that breaks a schema rule (400 or 422)
├── ReportIdConflict         a report id already stored for another installation
├── DeletionTokenMismatch    a report whose deletion token hash differs from the registered one
└── RateLimited              a quota is used up; carries the seconds until a slot frees

Each one pickles with its attributes, because the report writer process sends them back to
the request that is waiting for them.
"""

from __future__ import annotations

from typing import Any


class CollectorError(Exception):
    """Base class of every error the collector raises on purpose."""


class ConfigError(CollectorError):
    """A configuration value is missing, malformed or out of range."""


# Rule code of a time more than the allowed clock skew ahead of the collector's clock. A client
# keeps such a report and sends it again later, because only its clock, not the report, is wrong.
TIME_IN_FUTURE = "time_in_future"
# Rule codes of the other period.end rules. They tell a client that the report itself is wrong,
# because a client of an earlier release takes a period.end rejection without a code as TIME_IN_FUTURE.
PERIOD_END_NOT_AFTER_START = "period_end_not_after_start"
PERIOD_TOO_LONG = "period_too_long"
RULE_CODES = (TIME_IN_FUTURE, PERIOD_END_NOT_AFTER_START, PERIOD_TOO_LONG)


class ReportError(CollectorError):
    """A submitted report breaks a rule of its schema.

    ``code`` is a machine-readable name of the rule, one of RULE_CODES for the rules that a
    client tells apart, and None for the others.
    """

    def __init__(self, field: str, rule: str, *, status: int = 422, code: str | None = None) -> None:
        self.field = field
        self.rule = rule
        self.status = status
        self.code = code
        super().__init__(f"{field}: {rule}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_report_error, (self.field, self.rule, self.status, self.code))


class ReportIdConflict(CollectorError):
    """The report id is already stored for a different installation."""

    def __init__(self, report_id: str) -> None:
        self.report_id = report_id
        super().__init__(f"report_id {report_id!r} is already stored for another installation")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.report_id,))


class DeletionTokenMismatch(CollectorError):
    """The installation registered a different deletion token hash before."""

    def __init__(self, installation_id: str) -> None:
        self.installation_id = installation_id
        super().__init__(f"installation {installation_id!r} has a different deletion token registered")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.installation_id,))


class RateLimited(CollectorError):
    """A submission quota is used up for the current hour."""

    def __init__(self, scope: str, limit_per_hour: int, retry_after_seconds: int) -> None:
        self.scope = scope
        self.limit_per_hour = limit_per_hour
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"{scope} limit of {limit_per_hour} reports per hour reached")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.scope, self.limit_per_hour, self.retry_after_seconds))


def _report_error(field: str, rule: str, status: int, code: str | None) -> ReportError:
    return ReportError(field, rule, status=status, code=code)

"""Report periods and report building (wire schema "1.1").

Periods are fixed-length chunks that start at the opt-in time (`report.anchor`). A report
counts the unreported events that have an id above the opt-in watermark and occurred before
the period end. Building it into the outbox marks those events with its report id, so every
event is counted exactly once, even one recorded while the clock was set back. The printer fleet
and the features switched on describe the installation as it is, so they also draw on events
recorded before the opt-in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import platform
import sys
import uuid
from typing import Any

import peewee

from app.core._clock import format_db_time, format_report_time
from app.core._events import EventType

logger = logging.getLogger("app.core")

SCHEMA_VERSION = "1.1"
MAX_REPORT_BYTES = 1000
FLEET_WINDOW_DAYS = 30
OTHER_BUCKET = "other"
# Namespace of the UUID5 report ids: a report id is a function of installation id and period
# start, so the preview and every rebuild of the same period carry the same id.
REPORT_ID_NAMESPACE = uuid.UUID("6f0c2d1e-8a4b-5c7d-9e1f-2a3b4c5d6e7f")

COUNTED_EVENT_TYPES = (
    EventType.JOB_CREATED,
    EventType.JOB_COMPLETED,
    EventType.JOB_FAILED,
    EventType.FILE_DOWNLOADED,
    EventType.FILE_UPLOADED,
)
_PLATFORMS = {"linux": "linux", "win32": "windows", "cygwin": "windows", "darwin": "darwin"}


@dataclasses.dataclass(frozen=True)
class Period:
    """A half-open reporting period [start, end)."""

    start: dt.datetime
    end: dt.datetime

    @property
    def duration_days(self) -> int:
        return (self.end - self.start).days


@dataclasses.dataclass(frozen=True)
class Schedule:
    """The reporting state kept in settings."""

    anchor: dt.datetime
    last_period_end: dt.datetime | None
    period_opened_at: dt.datetime
    interval_days: int

    def next_period(self) -> Period:
        start = self.last_period_end or self.anchor
        return Period(start, start + dt.timedelta(days=self.interval_days))

    def is_owed(self, now: dt.datetime) -> bool:
        """Return whether the next period is owed: its end has passed, or a full interval has
        gone by since it was opened (which only matters after the clock went back)."""
        interval = dt.timedelta(days=self.interval_days)
        period = self.next_period()
        return now >= period.end or now >= self.period_opened_at + interval


@dataclasses.dataclass(frozen=True)
class Installation:
    """The installation fields of a report."""

    installation_id: str
    first_seen: dt.datetime
    app_version: str
    deployment_mode: str
    country_code: str
    deletion_token: str | None

    def as_json(self) -> dict[str, Any]:
        data = {
            "installation_id": self.installation_id,
            "first_seen": format_report_time(self.first_seen),
            "app_version": self.app_version,
            "python_version": platform.python_version(),
            # NOTE: the wire schema accepts only three platforms, so a BSD or other POSIX system reports as linux.
            "platform": _PLATFORMS.get(sys.platform, "linux"),
            "deployment_mode": self.deployment_mode,
            "country_code": self.country_code,
        }
        if self.deletion_token:
            data["deletion_token_sha256"] = hashlib.sha256(self.deletion_token.encode("utf-8")).hexdigest()
        return data


@dataclasses.dataclass
class Aggregate:
    """The counts of one report, gathered from the store."""

    counts: dict[str, int]
    printers: list[tuple[str, int | None]]
    uptime_hours: int
    features: dict[str, bool]
    errors: dict[str, int]


def report_id_for(installation_id: str, period: Period) -> str:
    return str(uuid.uuid5(REPORT_ID_NAMESPACE, f"{installation_id}/{format_report_time(period.start)}"))


def gather(db: peewee.SqliteDatabase, watermark: int, period: Period, feature_state: dict[str, bool]) -> Aggregate:
    """Collect the counts of one report from the unreported events and the sessions."""
    end = format_db_time(period.end)
    selection = "reported = 0 AND id > ? AND occurred_at < ?"

    # One range count per type follows the (reported, event_type, occurred_at) index directly.
    # A GROUP BY over all types took about twice as long on a million events (benchmarks/core_bench.py).
    counts = {
        event_type.value: db.execute_sql(
            f"SELECT COUNT(*) FROM usage_events WHERE event_type = ? AND {selection}", (event_type.value, watermark, end)
        ).fetchone()[0]
        for event_type in COUNTED_EVENT_TYPES
    }
    errors = dict(
        db.execute_sql(
            "SELECT COALESCE(json_extract(metadata, '$.error_type'), 'unknown'), COUNT(*) FROM usage_events"
            f" WHERE event_type = ? AND {selection} GROUP BY 1",
            (EventType.ERROR_OCCURRED.value, watermark, end),
        ).fetchall()
    )
    # Every selected event lies before the period end, so ordering them as of that end is by their own time.
    features = fold_feature_events(db, selection, (watermark, end), period.end, feature_state)

    return Aggregate(
        counts=counts,
        printers=_fleet(db, period),
        uptime_hours=_uptime_hours(db, period),
        features=features,
        errors=errors,
    )


def feature_state_at(
    db: peewee.SqliteDatabase, last_event_id: int, now: dt.datetime, pruned_state: dict[str, bool]
) -> dict[str, bool]:
    """Return whether each feature was on after the events up to `last_event_id`, from the latest change of each.

    `pruned_state` is the state that the feature events deleted by retention left (the setting
    `features.pruned_state`), which the remaining events change. Opting in starts from this
    state, so a feature switched on before the opt-in is reported as on.
    """
    return fold_feature_events(db, "id <= ?", (last_event_id,), now, pruned_state)


def fold_feature_events(
    db: peewee.SqliteDatabase, condition: str, parameters: tuple[Any, ...], now: dt.datetime, state: dict[str, bool]
) -> dict[str, bool]:
    """Return `state` changed by the feature events that match `condition`, in the order they happened.

    An event timed after `now`, recorded while the clock was ahead, counts as happening now, so a
    later change recorded after the clock was put right still comes after it.
    """
    rows = db.execute_sql(
        "SELECT event_type, json_extract(metadata, '$.feature') FROM usage_events"
        f" WHERE event_type IN (?, ?) AND {condition} ORDER BY min(occurred_at, ?), id",
        (EventType.FEATURE_ENABLED.value, EventType.FEATURE_DISABLED.value, *parameters, format_db_time(now)),
    ).fetchall()
    folded = dict(state)
    for event_type, feature in rows:
        if feature is not None:
            folded[feature] = event_type == EventType.FEATURE_ENABLED.value
    return folded


def _fleet(db: peewee.SqliteDatabase, period: Period) -> list[tuple[str, int | None]]:
    """Return the distinct (printer type, slot) pairs connected in the 30 days before the period end.

    The fleet describes the printers as they are, so connections recorded before the opt-in
    count too. A window longer than the period keeps an always-connected printer in the fleet even in a
    week in which it did not reconnect. A connection recorded without a slot stands for one
    printer of its type, (type, None), unless connections of that type with slots were recorded
    too: a host app that records a printer once without its slot and once with it has one printer.
    """
    window_start = period.end - dt.timedelta(days=FLEET_WINDOW_DAYS)
    rows = db.execute_sql(
        "SELECT DISTINCT json_extract(metadata, '$.printer_type'), json_extract(metadata, '$.printer_index')"
        " FROM usage_events WHERE event_type = ? AND occurred_at >= ? AND occurred_at < ?",
        (EventType.PRINTER_CONNECTED.value, format_db_time(window_start), format_db_time(period.end)),
    ).fetchall()
    slots_by_type: dict[str, set[int]] = {}
    for printer_type, index in rows:
        slots = slots_by_type.setdefault(printer_type or "unknown", set())
        if index is not None:
            slots.add(index)
    return [
        (printer_type, index)
        for printer_type, slots in sorted(slots_by_type.items())
        for index in (sorted(slots) if slots else [None])
    ]


def _uptime_hours(db: peewee.SqliteDatabase, period: Period) -> int:
    """Return the whole hours in the period during which any session ran, up to its last heartbeat.

    Overlapping sessions (the tray app and a host process at once) count once.
    """
    start_text, end_text = format_db_time(period.start), format_db_time(period.end)
    rows = db.execute_sql(
        "SELECT max(started_at, ?), min(COALESCE(ended_at, last_seen_at), ?) FROM usage_sessions"
        " WHERE started_at < ? AND COALESCE(ended_at, last_seen_at) > ? ORDER BY 1",
        (start_text, end_text, end_text, start_text),
    ).fetchall()

    total_seconds = 0.0
    covered_until: dt.datetime | None = None
    for started_text, stopped_text in rows:
        started, stopped = dt.datetime.fromisoformat(started_text), dt.datetime.fromisoformat(stopped_text)
        if covered_until is not None:
            started = max(started, covered_until)
        if stopped > started:
            total_seconds += (stopped - started).total_seconds()
        covered_until = stopped if covered_until is None else max(covered_until, stopped)
    return int(total_seconds // 3600)


def build_body(report_id: str, installation: Installation, period: Period, aggregate: Aggregate) -> bytes:
    """Encode a report as compact JSON with sorted keys, shrunk to at most MAX_REPORT_BYTES."""
    type_counts: dict[str, int] = {}
    for printer_type, _ in aggregate.printers:
        type_counts[printer_type] = type_counts.get(printer_type, 0) + 1
    counts = aggregate.counts

    report = {
        "schema_version": SCHEMA_VERSION,
        "report_id": report_id,
        "installation": installation.as_json(),
        "period": {
            "start": format_report_time(period.start),
            "end": format_report_time(period.end),
            "duration_days": period.duration_days,
        },
        "printer_fleet": {
            "printer_count": len(aggregate.printers),
            "printer_types": sorted(type_counts),
            "printer_type_counts": type_counts,
        },
        "usage_stats": {
            "job_count": counts.get(EventType.JOB_CREATED.value, 0),
            "job_completed_count": counts.get(EventType.JOB_COMPLETED.value, 0),
            "job_failed_count": counts.get(EventType.JOB_FAILED.value, 0),
            "file_count": counts.get(EventType.FILE_DOWNLOADED.value, 0),
            "upload_count": counts.get(EventType.FILE_UPLOADED.value, 0),
            "uptime_hours": aggregate.uptime_hours,
            "feature_usage": dict(aggregate.features),
        },
        "error_summary": dict(aggregate.errors),
    }
    return _fit(report)


def _encode(report: dict[str, Any]) -> bytes:
    return json.dumps(report, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _fit(report: dict[str, Any]) -> bytes:
    """Shrink the open-ended maps until the body fits: the rarest error types and printer
    types are merged into "other", then features are dropped from the end of the alphabet."""
    body = _encode(report)
    fleet = report["printer_fleet"]
    while len(body) > MAX_REPORT_BYTES:
        if _merge_smallest(report["error_summary"]):
            pass
        elif _merge_smallest(fleet["printer_type_counts"]):
            fleet["printer_types"] = sorted(fleet["printer_type_counts"])
        elif report["usage_stats"]["feature_usage"]:
            features = report["usage_stats"]["feature_usage"]
            del features[max(features)]
        else:
            logger.warning("A usage report of %d bytes cannot be shrunk below %d bytes.", len(body), MAX_REPORT_BYTES)
            break
        body = _encode(report)
    return body


def _merge_smallest(counts: dict[str, int]) -> bool:
    """Merge the least frequent entry (other than "other") into "other"; return False when
    nothing is left to merge."""
    candidates = [key for key in counts if key != OTHER_BUCKET]
    if not candidates:
        return False

    smallest = min(candidates, key=lambda key: (counts[key], key))
    counts[OTHER_BUCKET] = counts.get(OTHER_BUCKET, 0) + counts.pop(smallest)
    return True

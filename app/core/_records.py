"""The records the facade returns: consent, status, stored events and history entries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import peewee

from app.core._clock import to_utc
from app.core._outbox import MAX_EVENT_REQUEUES


@dataclasses.dataclass(frozen=True)
class Consent:
    """The user's decision, and whether DO_NOT_TRACK overrides it."""

    state: str
    policy_version: str | None
    decided_at: dt.datetime | None
    blocked_by_dnt: bool

    @property
    def allows_sending(self) -> bool:
        return self.state == "granted" and not self.blocked_by_dnt


@dataclasses.dataclass(frozen=True)
class Status:
    """A summary of the local store and the submission state, for status lines and the UI."""

    consent: Consent
    installation_id: str
    first_seen: dt.datetime | None
    events_total: int
    events_this_week: int
    # When any installation id of this store last sent a report.
    last_submission: dt.datetime | None
    # Reports sent with the current installation id.
    submission_count: int
    # Reports sent with every installation id, the previous ones from before an opt-out included.
    submission_count_total: int
    next_submission_due: dt.datetime | None
    pending_reports: int
    server_deletion: str
    endpoint: str | None
    paused_until: dt.datetime | None
    # The installation id that `server_deletion` concerns, None while none was requested. After
    # an opt-out and a new opt-in it is the previous id, not `installation_id`.
    server_deletion_installation_id: str | None = None
    # Whether an opt-in from now on takes a new installation id, because the collector may hold
    # data of the current one, which an opt-out asked it to delete.
    new_id_on_opt_in: bool = False


@dataclasses.dataclass(frozen=True)
class Event:
    """One stored event."""

    id: int
    event_type: str
    occurred_at: dt.datetime
    metadata: str
    reported: bool
    report_id: str | None
    # How many rejected reports counted this event.
    rejection_count: int = 0

    @property
    def kept_back(self) -> bool:
        """Whether the event stayed with a rejected report: marked reported, but never accepted by the collector."""
        return self.reported and self.rejection_count > MAX_EVENT_REQUEUES


@dataclasses.dataclass(frozen=True)
class SentReport:
    """One outbox or history entry: the exact bytes and, after sending, the collector's response."""

    report_id: str
    period_start: dt.datetime
    period_end: dt.datetime
    body: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    status: str
    http_status: int | None
    submission_id: str | None
    response_body: str | None
    previous_hash: str | None
    entry_hash: str | None
    # Set for a rejected report only: its events counted again in the next report, and those
    # kept back because they were already requeued (stored locally, never sent). Neither is
    # part of the hash chain.
    requeued_events: int | None = None
    dropped_events: int | None = None


def event_rows(db: peewee.SqliteDatabase, tail: str, parameters: list[Any]) -> list[Event]:
    rows = db.execute_sql(
        f"SELECT id, event_type, occurred_at, metadata, reported, report_id, rejection_count FROM usage_events {tail}",
        parameters,
    ).fetchall()
    return [
        Event(id=row[0], event_type=row[1], occurred_at=to_utc(dt.datetime.fromisoformat(row[2])), metadata=row[3],
              reported=bool(row[4]), report_id=row[5], rejection_count=row[6])
        for row in rows
    ]


def _parse_optional(text: str | None) -> dt.datetime | None:
    return None if text is None else to_utc(dt.datetime.fromisoformat(text))


def sent_report_from_row(row: tuple) -> SentReport:
    return SentReport(
        report_id=row[0],
        period_start=_parse_optional(row[1]),
        period_end=_parse_optional(row[2]),
        body=row[3],
        created_at=_parse_optional(row[4]),
        sent_at=_parse_optional(row[5]),
        status=row[6],
        http_status=row[7],
        submission_id=row[8],
        response_body=row[9],
        previous_hash=row[10],
        entry_hash=row[11],
        requeued_events=row[12],
        dropped_events=row[13],
    )

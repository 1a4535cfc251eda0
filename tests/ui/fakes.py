"""An in-memory stand-in for `app.core.UsageStats`, for widget tests that need exact control.

Flow tests use the real core. This fake lets a widget test set a state directly, such as a
broken history chain or DO_NOT_TRACK, without building it through the core.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any


@dataclasses.dataclass
class FakeConsent:
    state: str = "undecided"
    policy_version: str | None = None
    decided_at: datetime | None = None
    blocked_by_dnt: bool = False


@dataclasses.dataclass
class FakeStatus:
    consent: FakeConsent
    installation_id: str
    first_seen: datetime
    events_total: int
    events_this_week: int
    last_submission: datetime | None
    next_submission_due: datetime | None
    pending_reports: int
    submission_count: int
    submission_count_total: int
    server_deletion: str
    endpoint: str | None
    paused_until: datetime | None
    server_deletion_installation_id: str | None = None


@dataclasses.dataclass
class FakeConfig:
    invalid_settings: tuple[str, ...] = ()


@dataclasses.dataclass
class FakeEvent:
    id: int
    event_type: str
    occurred_at: datetime
    metadata: str
    reported: bool = False
    kept_back: bool = False
    report_id: str | None = None


@dataclasses.dataclass
class FakeSentReport:
    report_id: str
    period_start: datetime
    period_end: datetime
    body: str
    created_at: datetime
    sent_at: datetime | None
    status: str
    http_status: int | None
    submission_id: str | None
    response_body: str | None
    requeued_events: int | None = None
    dropped_events: int | None = None
    entry_hash: str | None = None


@dataclasses.dataclass
class FakeHistoryCheck:
    ok: bool
    entries_checked: int = 0
    first_broken_report_id: str | None = None


@dataclasses.dataclass
class FakePolicy:
    version: str = "2"
    collected: tuple[str, ...] = ("Counts of print jobs",)
    never_collected: tuple[str, ...] = ("File names",)
    changed: tuple[str, ...] = ("Failed jobs are counted separately.",)

    def changes_since(self, version: str | None) -> list[str]:
        return list(self.changed) if version != self.version else []


@dataclasses.dataclass
class Sent:
    report_id: str
    submission_id: str
    http_status: int


@dataclasses.dataclass
class FakeDeletionOutcome:
    confirmed: bool
    http_status: int | None
    message: str
    deleted_count: int | None = None


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


class FakeStats:
    """Keep events, consent and history in lists and count every call that would use the network."""

    def __init__(self) -> None:
        self.consent_value = FakeConsent()
        self.events: list[FakeEvent] = []
        self.reports: list[FakeSentReport] = []
        self.history_check = FakeHistoryCheck(ok=True)
        self.endpoint: str | None = "http://127.0.0.1:9"
        self.paused_until: datetime | None = None
        self.server_deletion = "none"
        self.invalid_settings: tuple[str, ...] = ()
        self.pending_reports = 0
        self.recovered_from: Path | None = None
        self.network_calls: list[str] = []
        # The force argument of each submit_due call.
        self.submit_forced: list[bool] = []
        self.calls: list[str] = []
        self.closed = False

    def consent(self) -> FakeConsent:
        return self.consent_value

    def opt_in(self, policy_version: str) -> None:
        self.consent_value = FakeConsent("granted", policy_version, NOW)

    def opt_out(self) -> None:
        # DO_NOT_TRACK comes from the environment, so a decision leaves it as it is.
        self.consent_value = FakeConsent("refused", None, NOW, blocked_by_dnt=self.consent_value.blocked_by_dnt)
        self.server_deletion = "pending"

    def pause(self, days: int = 7) -> datetime:
        # The tray compares a pause's end with the real clock, so the fake pause starts now too.
        self.paused_until = datetime.now(timezone.utc) + timedelta(days=days)
        return self.paused_until

    def resume(self) -> None:
        self.paused_until = None

    def record(self, event_type: str, /, **metadata: Any) -> bool:
        self.events.append(FakeEvent(len(self.events) + 1, event_type, NOW, json.dumps(metadata)))
        return True

    def start_session(self) -> None:
        self.calls.append("start_session")

    def heartbeat(self) -> None:
        self.calls.append("heartbeat")

    def end_session(self) -> None:
        self.calls.append("end_session")

    def close(self) -> None:
        self.closed = True

    def status(self) -> FakeStatus:
        return FakeStatus(
            consent=self.consent_value, installation_id="4f1c2b1e-0000-4000-8000-000000000001",
            first_seen=NOW - timedelta(days=30), events_total=len(self.events),
            events_this_week=len(self.events), last_submission=None, next_submission_due=NOW + timedelta(days=2),
            pending_reports=self.pending_reports, submission_count=len(self.reports),
            submission_count_total=len(self.reports),
            server_deletion=self.server_deletion, endpoint=self.endpoint,
            paused_until=self.paused_until,
            server_deletion_installation_id=None if self.server_deletion == "none" else "4f1c2b1e-0000-4000-8000-000000000001",
        )

    def preview(self) -> bytes:
        report = {"report_id": "r-next", "usage_stats": {"job_count": len(self.events)}}
        return json.dumps(report, separators=(",", ":"), sort_keys=True).encode()

    def recent_events(self, limit: int = 500, event_type: str | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> list[FakeEvent]:
        chosen = [e for e in self.events if event_type is None or e.event_type == event_type]
        chosen = [e for e in chosen if since is None or e.occurred_at >= since]
        return sorted(chosen, key=lambda e: e.id, reverse=True)[:limit]

    def report_statuses(self, report_ids: Any) -> dict[str, str]:
        requested = set(report_ids)
        return {report.report_id: report.status for report in self.reports if report.report_id in requested}

    def events_per_day(self, days: int = 30, event_type: str | None = None) -> list[tuple[date, int]]:
        return [(NOW.date() - timedelta(days=offset), 0) for offset in range(days - 1, -1, -1)]

    def history(self) -> list[FakeSentReport]:
        return list(reversed(self.reports))

    def verify_history(self) -> FakeHistoryCheck:
        return self.history_check

    def export(self, path: str, fmt: str = "json") -> None:
        Path(path).write_text(f"{fmt}:{len(self.events)}")

    def config(self) -> FakeConfig:
        return FakeConfig(invalid_settings=self.invalid_settings)

    def check_write_target(self, path: str) -> None:
        """Accept every path: the fake has no database file."""

    def delete_local_data(self) -> None:
        self.events.clear()
        self.reports.clear()

    async def submit_due(self, force: bool = False) -> list[Any]:
        self.network_calls.append("submit_due")
        self.submit_forced.append(force)
        return [Sent("r1", "s1", 200)]

    async def request_server_deletion(self) -> FakeDeletionOutcome:
        self.network_calls.append("request_server_deletion")
        self.server_deletion = "confirmed"
        return FakeDeletionOutcome(True, 200, "deleted", 3)

    async def fetch_server_data(self) -> bytes:
        self.network_calls.append("fetch_server_data")
        return b'{"submissions":[]}'

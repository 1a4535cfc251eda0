"""report_statuses() maps report ids to their outbox status in a real store."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from app.core import UsageStats
from app.core._service import REPORT_STATUS_BATCH
from tests.core.conftest import open_opted_in


class ScriptedCollector:
    """A MockTransport handler that responds with the next HTTP status from `statuses`."""

    def __init__(self) -> None:
        self.statuses: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        status = self.statuses.pop(0)
        if status == 200:
            return httpx.Response(200, json={"status": "ok", "submission_id": "sub-1"})
        return httpx.Response(status, content=json.dumps({"title": "Invalid Report"}).encode())


@pytest.fixture
def collector() -> ScriptedCollector:
    return ScriptedCollector()


@pytest.fixture
def scripted_stats(home, environ, clock, collector):
    with open_opted_in(home, environ, clock, collector) as stats:
        yield stats


def _send_one_week(stats: UsageStats, clock, collector: ScriptedCollector, http_status: int) -> str:
    """Record one event, close its weekly period, send the report and return its id."""
    stats.record("job_created", printer_type="prusa")
    clock.advance(days=7, minutes=5)
    collector.statuses.append(http_status)
    asyncio.run(stats.submit_due())
    return stats.history()[0].report_id


@pytest.fixture
def report_ids(scripted_stats, clock, collector) -> dict[str, str]:
    """One accepted, one rejected and one queued report. HTTP 404 leaves a report queued."""
    return {
        "accepted": _send_one_week(scripted_stats, clock, collector, 200),
        "rejected": _send_one_week(scripted_stats, clock, collector, 400),
        "queued": _send_one_week(scripted_stats, clock, collector, 404),
    }


def test_statuses_of_each_outcome(scripted_stats, report_ids) -> None:
    statuses = scripted_stats.report_statuses(report_ids.values())

    assert statuses == {report_ids["accepted"]: "sent", report_ids["rejected"]: "rejected", report_ids["queued"]: "pending"}


def test_statuses_after_opt_out(scripted_stats, report_ids) -> None:
    scripted_stats.opt_out()

    statuses = scripted_stats.report_statuses(report_ids.values())

    assert statuses[report_ids["queued"]] == "cancelled"
    assert statuses[report_ids["accepted"]] == "sent"


def test_statuses_skip_unknown_and_repeated_ids(scripted_stats, report_ids) -> None:
    requested = [report_ids["accepted"], "no-such-report", report_ids["accepted"]]

    assert scripted_stats.report_statuses(requested) == {report_ids["accepted"]: "sent"}


def test_statuses_of_no_ids(scripted_stats) -> None:
    assert scripted_stats.report_statuses([]) == {}


def test_statuses_beyond_one_batch(scripted_stats, report_ids) -> None:
    unknown = [f"unknown-{number:05d}" for number in range(2 * REPORT_STATUS_BATCH + 1)]
    requested = [*unknown, report_ids["queued"], report_ids["rejected"]]

    assert scripted_stats.report_statuses(requested) == {report_ids["queued"]: "pending", report_ids["rejected"]: "rejected"}


def test_queued_report_keeps_its_events(scripted_stats, report_ids) -> None:
    # The Events tab relies on this link: an event counted in a queued report names that report.
    linked = [event for event in scripted_stats.recent_events() if event.report_id == report_ids["queued"]]

    assert len(linked) == 2
    assert all(event.reported for event in linked)

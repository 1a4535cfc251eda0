"""Reports the collector keeps rejecting: each event is counted again once, then kept locally."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

import httpx
import pytest

from app.core import Rejected, Sent, UsageStats, cli
from tests.core.conftest import open_opted_in

REJECTION = {"title": "Invalid Report", "description": "usage_stats.job_count is not allowed", "field": "usage_stats.job_count"}
REJECTION_TEXT = json.dumps(REJECTION, separators=(",", ":"))


class RejectingCollector:
    """A MockTransport handler that rejects every report with HTTP 400 until `accept` is set."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.accept = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        if self.accept:
            return httpx.Response(200, json={"status": "ok", "submission_id": len(self.bodies)})
        return httpx.Response(400, content=REJECTION_TEXT.encode(), headers={"Content-Type": "application/json"})


@pytest.fixture
def collector() -> RejectingCollector:
    return RejectingCollector()


@pytest.fixture
def rejected_stats(home, environ, clock, collector):
    with open_opted_in(home, environ, clock, collector) as stats:
        yield stats


def submit(stats: UsageStats):
    return asyncio.run(stats.submit_due())


def run_three_rejected_periods(stats: UsageStats, clock) -> list:
    """Record one event in each of three weekly periods and send each period's report."""
    outcomes = []
    for event_type in ("job_created", "job_failed", "job_completed"):
        stats.record(event_type, printer_type="prusa")
        clock.advance(days=7, minutes=5)
        outcomes.extend(submit(stats))
    return outcomes


def usage_counts(body: dict) -> tuple[int, int, int]:
    usage = body["usage_stats"]
    return usage["job_count"], usage["job_failed_count"], usage["job_completed_count"]


def test_rejected_events_counted_again_once(rejected_stats, clock, collector):
    outcomes = run_three_rejected_periods(rejected_stats, clock)

    assert outcomes == [Rejected(400, REJECTION_TEXT)] * 3
    assert len(collector.bodies) == 3
    first, second, third = collector.bodies
    assert usage_counts(first) == (1, 0, 0)
    # The job_created event of the first report is counted once more, in the second.
    assert usage_counts(second) == (1, 1, 0)
    # The third report carries neither the job_created event nor any older one again.
    assert usage_counts(third) == (0, 1, 1)


def test_dropped_events_stay_in_store(rejected_stats, clock):
    run_three_rejected_periods(rejected_stats, clock)
    newest, middle, oldest = rejected_stats.history()

    events = {event.event_type: event for event in rejected_stats.recent_events()}

    assert len(rejected_stats.recent_events()) == 3
    assert (events["job_created"].reported, events["job_created"].report_id) == (True, middle.report_id)
    assert (events["job_failed"].reported, events["job_failed"].report_id) == (True, newest.report_id)
    assert (events["job_completed"].reported, events["job_completed"].report_id) == (False, None)
    assert json.loads(events["job_created"].metadata) == {"printer_type": "prusa"}
    assert rejected_stats.status().events_total == 3
    assert oldest.report_id not in {event.report_id for event in events.values()}


def test_history_records_requeued_and_dropped(rejected_stats, clock):
    run_three_rejected_periods(rejected_stats, clock)

    history = rejected_stats.history()

    assert [entry.status for entry in history] == ["rejected", "rejected", "rejected"]
    assert [entry.http_status for entry in history] == [400, 400, 400]
    assert [entry.response_body for entry in history] == [REJECTION_TEXT] * 3
    assert [(entry.requeued_events, entry.dropped_events) for entry in history] == [(1, 1), (1, 1), (1, 0)]
    assert [entry.submission_id for entry in history] == [None, None, None]
    assert rejected_stats.verify_history().ok is True
    assert rejected_stats.verify_history().entries_checked == 3
    assert rejected_stats.status().submission_count == 0
    assert rejected_stats.status().pending_reports == 0


def test_history_counts_unset_for_sent(rejected_stats, clock, collector):
    rejected_stats.record("job_created")
    clock.advance(days=7, minutes=5)
    collector.accept = True

    [outcome] = submit(rejected_stats)

    assert isinstance(outcome, Sent)
    [entry] = rejected_stats.history()
    assert (entry.status, entry.requeued_events, entry.dropped_events) == ("sent", None, None)


def test_requeued_events_sent_after_recovery(rejected_stats, clock, collector):
    run_three_rejected_periods(rejected_stats, clock)
    collector.accept = True
    clock.advance(days=7)

    [outcome] = submit(rejected_stats)

    assert isinstance(outcome, Sent)
    # Only the job_completed event, rejected once, is counted again. The other two stay local.
    assert usage_counts(collector.bodies[-1]) == (0, 0, 1)
    events = {event.event_type: event for event in rejected_stats.recent_events()}
    assert events["job_completed"].report_id == outcome.report_id
    assert events["job_created"].report_id == rejected_stats.history()[2].report_id
    assert rejected_stats.history()[0].status == "sent"


def test_rejection_log_names_counts(rejected_stats, clock, caplog):
    rejected_stats.record("job_created")
    clock.advance(days=7, minutes=5)
    submit(rejected_stats)
    rejected_stats.record("job_failed")
    clock.advance(days=7)

    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="app.core"):
        submit(rejected_stats)

    newest = rejected_stats.history()[0]
    [record] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert record.getMessage() == (
        f"The collector at http://127.0.0.1:8787 rejected usage report {newest.report_id} with HTTP 400. "
        "Events counted again in the next report: 1. "
        "Events kept locally and never sent, because a rejected report counted them before: 1."
    )


def test_export_includes_rejection_counts(rejected_stats, clock, tmp_path):
    run_three_rejected_periods(rejected_stats, clock)

    data = json.loads(rejected_stats.export(tmp_path / "export.json").read_text())

    assert [(entry["requeued_events"], entry["dropped_events"]) for entry in data["history"]] == [(1, 0), (1, 1), (1, 1)]


def test_cli_history_shows_rejection_counts(rejected_stats, clock, capsys):
    run_three_rejected_periods(rejected_stats, clock)
    newest = rejected_stats.history()[0]

    exit_code = cli.cmd_history(rejected_stats, argparse.Namespace())

    lines = capsys.readouterr().out.splitlines()
    assert exit_code == 0
    assert len(lines) == 4
    assert lines[0].startswith(f"{newest.report_id}  rejected   HTTP 400  sent ")
    assert lines[0].endswith("  events requeued 1, kept locally and not sent 1")
    assert lines[2].endswith("  events requeued 1, kept locally and not sent 0")
    assert lines[3] == "History verified: the chain of 3 sent reports is intact."


def test_cli_history_one_entry_singular(rejected_stats, clock, collector, capsys):
    collector.accept = True
    rejected_stats.record("job_created", printer_type="prusa")
    clock.advance(days=7, minutes=5)
    submit(rejected_stats)

    exit_code = cli.cmd_history(rejected_stats, argparse.Namespace())

    lines = capsys.readouterr().out.splitlines()
    assert exit_code == 0
    assert lines[-1] == "History verified: the chain of 1 sent report is intact."


def test_events_show_kept_back_state(rejected_stats, clock):
    run_three_rejected_periods(rejected_stats, clock)

    events = {event.event_type: event for event in rejected_stats.recent_events()}

    assert events["job_created"].rejection_count == 2
    assert events["job_created"].kept_back is True
    assert events["job_failed"].rejection_count == 2
    assert events["job_failed"].kept_back is True
    # Rejected once and released, so it waits for the next report.
    assert events["job_completed"].rejection_count == 1
    assert events["job_completed"].kept_back is False


def test_event_accepted_after_rejection_not_kept_back(rejected_stats, clock, collector):
    rejected_stats.record("job_created")
    clock.advance(days=7, minutes=5)
    submit(rejected_stats)
    collector.accept = True
    clock.advance(days=7)

    [outcome] = submit(rejected_stats)

    assert isinstance(outcome, Sent)
    [event] = rejected_stats.recent_events()
    assert (event.reported, event.report_id) == (True, outcome.report_id)
    assert event.rejection_count == 1
    assert event.kept_back is False

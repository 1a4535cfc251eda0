"""The hash chain over sent reports detects changed and removed entries."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest

from app.core import UsageStats

ENVIRON = {"USAGE_STATS_TIMEZONE": "Europe/Berlin", "USAGE_STATS_ENDPOINT": "http://127.0.0.1:8787"}


def accept(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"status": "ok", "submission_id": 11})


@pytest.fixture
def sent_three(home, clock):
    stats = UsageStats.open(home, environ=ENVIRON, clock=clock, transport=httpx.MockTransport(accept))
    stats.opt_in()
    for _ in range(3):
        stats.record("job_created")
        clock.advance(days=7, minutes=1)
        asyncio.run(stats.submit_due())
    yield stats
    stats.close()


def report_ids(stats: UsageStats) -> list[str]:
    return [entry.report_id for entry in reversed(stats.history())]


def tamper(stats: UsageStats, sql: str, *parameters: object) -> None:
    with sqlite3.connect(stats.path) as connection:
        connection.execute(sql, parameters)


def test_history_chain_verifies_untouched(sent_three: UsageStats):
    check = sent_three.verify_history()

    assert check.ok is True
    assert check.entries_checked == 3
    assert check.first_broken_report_id is None


def test_history_chain_links_entries(sent_three: UsageStats):
    entries = list(reversed(sent_three.history()))

    assert entries[0].previous_hash == "0" * 64
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash


def test_history_detects_changed_body(sent_three: UsageStats):
    ids = report_ids(sent_three)
    tamper(sent_three, "UPDATE sent_reports SET body = replace(body, '\"job_count\":1', '\"job_count\":9') WHERE report_id = ?", ids[1])

    check = sent_three.verify_history()

    assert check.ok is False
    assert check.first_broken_report_id == ids[1]
    assert check.problem == "its content was changed"


def test_history_detects_changed_response(sent_three: UsageStats):
    ids = report_ids(sent_three)
    tamper(sent_three, "UPDATE sent_reports SET http_status = 202 WHERE report_id = ?", ids[0])

    check = sent_three.verify_history()

    assert check.ok is False
    assert check.first_broken_report_id == ids[0]


def test_history_detects_removed_middle_entry(sent_three: UsageStats):
    ids = report_ids(sent_three)
    tamper(sent_three, "DELETE FROM sent_reports WHERE report_id = ?", ids[1])

    check = sent_three.verify_history()

    assert check.ok is False
    assert check.first_broken_report_id == ids[2]
    assert check.entries_checked == 1


def test_history_detects_removed_last_entry(sent_three: UsageStats):
    ids = report_ids(sent_three)
    tamper(sent_three, "DELETE FROM sent_reports WHERE report_id = ?", ids[2])

    check = sent_three.verify_history()

    assert check.ok is False
    assert check.first_broken_report_id == ids[1]
    assert check.problem == "entries after it were removed"


def test_history_detects_rehashed_entry(sent_three: UsageStats):
    ids = report_ids(sent_three)
    tamper(sent_three, "UPDATE sent_reports SET entry_hash = ? WHERE report_id = ?", "f" * 64, ids[0])

    check = sent_three.verify_history()

    assert check.ok is False
    assert check.first_broken_report_id == ids[0]

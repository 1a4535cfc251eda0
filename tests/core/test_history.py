"""The hash chain over sent reports detects changed and removed entries."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3

import httpx
import pytest

from app.core import UsageStats, cli

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


class SwitchableCollector:
    """A MockTransport handler that accepts every report, or fails to connect while `down` is set."""

    def __init__(self) -> None:
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return accept(request)


def history_summary(stats: UsageStats, capsys) -> str:
    assert cli.cmd_history(stats, argparse.Namespace()) == 0
    return capsys.readouterr().out.splitlines()[-1]


def test_cli_history_counts_pending_and_cancelled(home, clock, capsys):
    collector = SwitchableCollector()
    environ = {**ENVIRON, "USAGE_STATS_RETRY_COUNT": "0"}
    stats = UsageStats.open(home, environ=environ, clock=clock, transport=httpx.MockTransport(collector))
    stats.opt_in()
    stats.record("job_created")
    clock.advance(days=7, minutes=1)
    asyncio.run(stats.submit_due())
    collector.down = True

    clock.advance(days=7)
    asyncio.run(stats.submit_due())
    one_pending = history_summary(stats, capsys)
    stats.opt_out()
    one_cancelled = history_summary(stats, capsys)
    stats.opt_in()
    clock.advance(days=14, minutes=1)
    asyncio.run(stats.submit_due())
    two_pending = history_summary(stats, capsys)
    stats.opt_out()
    three_cancelled = history_summary(stats, capsys)
    stats.close()

    chain = "History verified: the chain of 1 sent report is intact."
    assert one_pending == f"{chain} 1 pending report is not part of it until it is sent."
    assert one_cancelled == f"{chain} 1 cancelled report is not part of it, because it was never sent."
    assert two_pending == (
        f"{chain} 2 pending reports are not part of it until they are sent."
        " 1 cancelled report is not part of it, because it was never sent."
    )
    assert three_cancelled == f"{chain} 3 cancelled reports are not part of it, because they were never sent."

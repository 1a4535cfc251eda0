"""The tamper-evident history of sent reports: a SHA-256 chain over each finalized outbox entry."""

from __future__ import annotations

import dataclasses
import hashlib

import peewee

GENESIS_HASH = "0" * 64
FINAL_STATUSES = ("sent", "rejected")


@dataclasses.dataclass(frozen=True)
class HistoryCheck:
    """The result of verifying the history chain."""

    ok: bool
    entries_checked: int
    first_broken_report_id: str | None = None
    problem: str | None = None


def entry_hash(
    previous_hash: str,
    report_id: str,
    body: str,
    sent_at: str,
    http_status: int | None,
    submission_id: str | None,
    response_body: str | None,
) -> str:
    """Hash one history entry together with the hash of the entry before it.

    Fields are length-prefixed, so moving bytes from one field to the next changes the hash.
    """
    digest = hashlib.sha256()
    for field in (previous_hash, report_id, body, sent_at, str(http_status or ""), submission_id or "", response_body or ""):
        encoded = field.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def chain_head(db: peewee.SqliteDatabase) -> tuple[str, int]:
    """Return the hash of the last finalized entry and how many entries the chain has."""
    row = db.execute_sql(
        "SELECT entry_hash FROM sent_reports WHERE entry_hash IS NOT NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    count = db.execute_sql("SELECT COUNT(*) FROM sent_reports WHERE entry_hash IS NOT NULL").fetchone()[0]
    return (row[0] if row else GENESIS_HASH), count


def verify(db: peewee.SqliteDatabase, expected_head: dict | None) -> HistoryCheck:
    """Follow the chain from its first entry and name the first entry that does not fit.

    An entry fits when its stored hash matches its content and its `previous_hash` is the hash
    of the entry before it. `expected_head` is the {"hash", "count"} record kept in settings at
    each append; it reveals entries removed from the end, which the links alone cannot show.
    """
    rows = db.execute_sql(
        "SELECT report_id, body, sent_at, http_status, submission_id, response_body, previous_hash, entry_hash"
        " FROM sent_reports WHERE entry_hash IS NOT NULL OR status IN ('sent', 'rejected') ORDER BY id"
    ).fetchall()
    by_previous: dict[str | None, list[tuple]] = {}
    for row in rows:
        by_previous.setdefault(row[6], []).append(row)

    previous, last_report_id, checked = GENESIS_HASH, None, 0
    while by_previous.get(previous):
        report_id, body, sent_at, status, submission_id, response, _, stored_hash = by_previous[previous].pop(0)
        if stored_hash != entry_hash(previous, report_id, body, sent_at or "", status, submission_id, response):
            return HistoryCheck(False, checked, report_id, "its content was changed")
        previous, last_report_id, checked = stored_hash, report_id, checked + 1

    if checked < len(rows):
        unreached = [row for group in by_previous.values() for row in group]
        first = min(unreached, key=rows.index)
        return HistoryCheck(False, checked, first[0], "it does not link to the entry before it, which was changed or removed")
    if expected_head is not None and (expected_head.get("count") != checked or expected_head.get("hash") != previous):
        return HistoryCheck(False, checked, last_report_id, "entries after it were removed")
    return HistoryCheck(True, checked)

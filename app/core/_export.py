"""Export of all local data: JSON (everything except secrets) and CSV (the events)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import peewee

from app.core._clock import format_iso_time, to_utc
from app.core._settings import SECRET_KEYS, SERVER_DELETION, Settings

EXPORT_FORMAT = "printernizer-usage-stats-export"
EXPORT_FORMAT_VERSION = 1
# `reported` means counted into a report. `report_status` gives what became of that report:
# pending, sent, rejected or cancelled (an opt-out cancels a report that was not sent yet).
CSV_COLUMNS = ("id", "event_type", "occurred_at", "metadata", "reported", "report_id", "report_status")


def _iso(text: str | None) -> str | None:
    return None if text is None else format_iso_time(to_utc(dt.datetime.fromisoformat(text)))


def _public_settings(settings: Settings) -> dict[str, Any]:
    """Return every setting except secrets; deletion tokens queued for a server deletion are removed too."""
    values = {key: value for key, value in settings.all().items() if key not in SECRET_KEYS}
    deletion = values.get(SERVER_DELETION)
    if isinstance(deletion, dict):
        pending = [
            {key: value for key, value in entry.items() if key != "deletion_token"}
            for entry in deletion.get("pending", [])
            if isinstance(entry, dict)
        ]
        values[SERVER_DELETION] = {**deletion, "pending": pending}
    return values


def export_data(db: peewee.SqliteDatabase, settings: Settings, now: dt.datetime) -> dict[str, Any]:
    events = [
        {"id": row[0], "event_type": row[1], "occurred_at": _iso(row[2]), "metadata": json.loads(row[3]),
         "reported": bool(row[4]), "report_id": row[5]}
        for row in db.execute_sql(
            "SELECT id, event_type, occurred_at, metadata, reported, report_id FROM usage_events ORDER BY id"
        )
    ]
    sessions = [
        {"id": row[0], "started_at": _iso(row[1]), "last_seen_at": _iso(row[2]), "ended_at": _iso(row[3])}
        for row in db.execute_sql("SELECT id, started_at, last_seen_at, ended_at FROM usage_sessions ORDER BY id")
    ]
    history = [
        {"report_id": row[0], "period_start": _iso(row[1]), "period_end": _iso(row[2]), "body": row[3],
         "created_at": _iso(row[4]), "sent_at": _iso(row[5]), "status": row[6], "http_status": row[7],
         "submission_id": row[8], "response_body": row[9], "previous_hash": row[10], "entry_hash": row[11],
         "requeued_events": row[12], "dropped_events": row[13]}
        for row in db.execute_sql(
            "SELECT report_id, period_start, period_end, body, created_at, sent_at, status, http_status,"
            " submission_id, response_body, previous_hash, entry_hash, requeued_events, dropped_events"
            " FROM sent_reports ORDER BY id"
        )
    ]
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": format_iso_time(now),
        "settings": _public_settings(settings),
        "events": events,
        "sessions": sessions,
        "history": history,
    }


def export_json(db: peewee.SqliteDatabase, settings: Settings, path: Path, now: dt.datetime) -> None:
    text = json.dumps(export_data(db, settings, now), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_private_file(path, text.encode("utf-8"))


def export_csv(db: peewee.SqliteDatabase, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in db.execute_sql(
        "SELECT e.id, e.event_type, e.occurred_at, e.metadata, e.reported, e.report_id, r.status"
        " FROM usage_events e LEFT JOIN sent_reports r ON r.report_id = e.report_id ORDER BY e.id"
    ):
        writer.writerow([row[0], row[1], _iso(row[2]), row[3], "true" if row[4] else "false", row[5] or "", row[6] or ""])
    write_private_file(path, buffer.getvalue().encode("utf-8"))


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, readable and writable by the owner only.

    The data goes to a temporary file beside `path` (mode 0600, as mkstemp creates it), which
    then replaces `path`, so a failed write leaves no half file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

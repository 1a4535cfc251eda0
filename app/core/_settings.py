"""Typed access to the usage_settings table: one JSON value per key."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import peewee

from app.core._clock import Clock, format_db_time, format_iso_time, parse_time

CONSENT_STATE = "consent.state"
CONSENT_POLICY_VERSION = "consent.policy_version"
CONSENT_DECIDED_AT = "consent.decided_at"
INSTALLATION_ID = "installation.id"
DELETION_TOKEN = "installation.deletion_token"
FIRST_SEEN = "installation.first_seen"
REPORT_ANCHOR = "report.anchor"
REPORT_LAST_PERIOD_END = "report.last_period_end"
REPORT_PERIOD_OPENED_AT = "report.period_opened_at"
REPORT_WATERMARK = "report.watermark_event_id"
REPORT_FEATURE_STATE = "report.feature_state"
SUBMISSION_LAST_AT = "submission.last_at"
# Reports sent with every installation id since the local data was last deleted.
SUBMISSION_COUNT = "submission.count"
# Reports sent with the current installation id. A new id after an opt-out starts it at 0.
INSTALLATION_SUBMISSION_COUNT = "installation.submission_count"
SUBMISSION_PAUSED_UNTIL = "submission.paused_until"
# True once a report of this installation id was built, even after the local data was deleted,
# so an opt-out still asks the collector to delete what may have reached it.
REPORT_EVER_BUILT = "report.ever_built"
SERVER_DELETION = "server_deletion.state"
# Whether each feature was on after the feature events that retention deleted, so that the state
# survives their deletion for the next opt-in.
FEATURE_PRUNED_STATE = "features.pruned_state"
HISTORY_HEAD = "history.head"
# The installation id and deletion token that the next opt-in after a refusal takes, created by the
# first preview() while consent is refused, so that the preview shows the identity that is sent.
NEXT_INSTALLATION_ID = "installation.next_id"
NEXT_DELETION_TOKEN = "installation.next_deletion_token"

# Keys whose values are secrets: never exported, logged or shown.
SECRET_KEYS = frozenset({DELETION_TOKEN, NEXT_DELETION_TOKEN, "api_key"})


class Settings:
    """Read and write settings as JSON values; every call goes to the database, so two
    processes sharing the file see each other's changes."""

    def __init__(self, db: peewee.SqliteDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute_sql("SELECT value FROM usage_settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def get_int(self, key: str, default: int = 0) -> int:
        """Return the whole number stored at `key`, or `default` when the value is missing or not one."""
        value = self.get(key)
        return value if type(value) is int else default

    def get_time(self, key: str) -> dt.datetime | None:
        value = self.get(key)
        if not isinstance(value, str):
            return None
        try:
            return parse_time(value)
        except ValueError:
            return None

    def set(self, key: str, value: Any) -> None:
        self.set_many({key: value})

    def set_many(self, values: Mapping[str, Any]) -> None:
        now = format_db_time(self._clock())
        rows = [(key, json.dumps(_to_json(value)), now) for key, value in values.items()]
        with self._db.atomic():
            self._db.cursor().executemany(
                "INSERT OR REPLACE INTO usage_settings (key, value, updated_at) VALUES (?, ?, ?)", rows
            )

    def delete(self, key: str) -> None:
        self._db.execute_sql("DELETE FROM usage_settings WHERE key = ?", (key,))

    def all(self) -> dict[str, Any]:
        rows = self._db.execute_sql("SELECT key, value FROM usage_settings ORDER BY key").fetchall()
        result = {}
        for key, text in rows:
            try:
                result[key] = json.loads(text)
            except ValueError:
                result[key] = text
        return result


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_iso_time(value)
    return value

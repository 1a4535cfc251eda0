"""The outbox: owed reports are built once into sent_reports and finalized into the history chain.

A report's exact bytes are stored before the first attempt to send it, so every retry and
every restart sends the same bytes with the same report id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import peewee

from app.core import _history, _settings as keys
from app.core._clock import format_db_time, format_iso_time, format_report_time, parse_time
from app.core._report import Installation, Period, Schedule, build_body, gather, report_id_for
from app.core._settings import Settings

logger = logging.getLogger("app.core")

# Bounds the work of one call when the clock jumped years ahead; later calls build the rest.
MAX_PERIODS_PER_BUILD = 60
# Smaller steps back are routine clock corrections and are logged at DEBUG only.
CLOCK_STEP_WARNING = dt.timedelta(hours=1)
# Events up to this long after a build's `now` may have been recorded while the build waited
# for its worker thread and the database lock, so only later ones count as recorded while the
# clock was ahead.
FUTURE_EVENT_MARGIN = dt.timedelta(minutes=1)
# A report closed early by "Send report now" covers at least this much time, so its start and
# end differ in the whole-second times that reports carry.
MIN_EARLY_PERIOD = dt.timedelta(seconds=1)
# How many times the events of a rejected report are counted again in a later report. After
# that they stay linked to the last report that was rejected: stored locally, never sent.
MAX_EVENT_REQUEUES = 1


@dataclasses.dataclass(frozen=True)
class PendingReport:
    """One outbox entry waiting to be sent."""

    row_id: int
    report_id: str
    body: bytes
    # The local time at which the report was built.
    created_at: dt.datetime | None = None
    # The end of the report's period, or None when the stored time is missing or invalid.
    period_end: dt.datetime | None = None


def read_schedule(settings: Settings, interval_days: int) -> Schedule | None:
    anchor = settings.get_time(keys.REPORT_ANCHOR)
    if anchor is None:
        return None
    return Schedule(
        anchor=anchor,
        last_period_end=settings.get_time(keys.REPORT_LAST_PERIOD_END),
        period_opened_at=settings.get_time(keys.REPORT_PERIOD_OPENED_AT) or anchor,
        interval_days=interval_days,
    )


def build_owed_reports(
    db: peewee.SqliteDatabase,
    settings: Settings,
    installation: Installation,
    interval_days: int,
    now: dt.datetime,
    *,
    close_early: bool = False,
) -> int:
    """Build every owed period into the outbox, oldest first; return how many were built.

    With `close_early` ("Send report now"), an outbox left empty by that also gets the open
    period, ended at `now` and cut to whole seconds. The next period then starts there and
    runs for the full interval.
    """
    built = 0
    with db.atomic("IMMEDIATE"):
        schedule = read_schedule(settings, interval_days)
        if schedule is None:
            return 0
        if now < schedule.period_opened_at:
            # The clock went back: restart the "one interval since opened" count from now, so the
            # next period is owed one interval later instead of when the clock catches up.
            behind = schedule.period_opened_at - now
            level = logging.WARNING if behind > CLOCK_STEP_WARNING else logging.DEBUG
            schedule = dataclasses.replace(schedule, period_opened_at=now)
            due = min(schedule.next_period().end, now + dt.timedelta(days=interval_days))
            logger.log(
                level,
                "The system clock went back by %s; the next usage report is due by %s.",
                behind - dt.timedelta(microseconds=behind.microseconds), format_report_time(due),
            )
            settings.set(keys.REPORT_PERIOD_OPENED_AT, now)

        _move_future_events_to_now(db, now)
        watermark = settings.get_int(keys.REPORT_WATERMARK)
        feature_state = settings.get(keys.REPORT_FEATURE_STATE) or {}
        while schedule.is_owed(now) and built < MAX_PERIODS_PER_BUILD:
            period = schedule.next_period()
            feature_state = _build_one(db, installation, period, watermark, feature_state, now)
            schedule = dataclasses.replace(schedule, last_period_end=period.end, period_opened_at=now)
            settings.set_many(
                {
                    keys.REPORT_LAST_PERIOD_END: period.end,
                    keys.REPORT_PERIOD_OPENED_AT: now,
                    keys.REPORT_FEATURE_STATE: feature_state,
                }
            )
            built += 1

        if close_early and not schedule.is_owed(now) and not pending_reports(db):
            if schedule.next_period().start > now:
                schedule = _restart_before_forced_close(db, settings, schedule, now)
            built += _close_open_period(db, settings, installation, schedule, watermark, feature_state, now)
        if built and not settings.get(keys.REPORT_EVER_BUILT, False):
            settings.set(keys.REPORT_EVER_BUILT, True)
    return built


def earliest_early_close(start: dt.datetime) -> dt.datetime:
    """Return the first time at which a forced send can close a period that began at `start`.

    The early end is the current time cut to whole seconds, and it must lie at least
    MIN_EARLY_PERIOD after `start`. That is true from `start + MIN_EARLY_PERIOD` rounded up to
    the next whole second on, so a period opened at 09:00:00.2 can close from 09:00:02 on.
    """
    earliest_end = start + MIN_EARLY_PERIOD
    if earliest_end.microsecond:
        earliest_end = earliest_end.replace(microsecond=0) + dt.timedelta(seconds=1)
    return earliest_end


def restart_schedule(
    db: peewee.SqliteDatabase, settings: Settings, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """Move the start of the open period back to `now`, cut to whole seconds, if it lies after that.

    Returns (old start, new start), or None when the open period does not start after `now`.
    The new period runs for the full interval from its start. A start already used by a stored
    report is moved on by a second at a time, because the report id derives from the start.
    """
    new_start = now.replace(microsecond=0)
    with db.atomic("IMMEDIATE"):
        anchor = settings.get_time(keys.REPORT_ANCHOR)
        if anchor is None:
            return None
        old_start = settings.get_time(keys.REPORT_LAST_PERIOD_END) or anchor
        if old_start <= new_start:
            return None
        while new_start < old_start and _period_start_used(db, new_start):
            new_start += MIN_EARLY_PERIOD
        settings.set_many({keys.REPORT_LAST_PERIOD_END: new_start, keys.REPORT_PERIOD_OPENED_AT: now})
    return old_start, new_start


def _restart_before_forced_close(
    db: peewee.SqliteDatabase, settings: Settings, schedule: Schedule, now: dt.datetime
) -> Schedule:
    """Start the open period again one second before `now`, because it starts after `now`.

    No period starts in the future unless the schedule was set while the clock was ahead, or the
    clock is now behind. The collector accepts a report that ends at `now` in both cases, and
    "Send report now" can then close it at once. A start already used by a stored report moves
    back a second.
    """
    old_start = schedule.next_period().start
    new_start = (now - MIN_EARLY_PERIOD).replace(microsecond=0)
    while _period_start_used(db, new_start):
        new_start -= MIN_EARLY_PERIOD
    settings.set_many({keys.REPORT_LAST_PERIOD_END: new_start, keys.REPORT_PERIOD_OPENED_AT: now})
    logger.warning(
        "The open usage report period starts at %s, after the current time: the schedule was set while this "
        "computer's clock was ahead, or the clock is now behind. The report sent now starts at %s instead.",
        format_report_time(old_start), format_report_time(new_start),
    )
    return dataclasses.replace(schedule, last_period_end=new_start, period_opened_at=now)


def _period_start_used(db: peewee.SqliteDatabase, start: dt.datetime) -> bool:
    row = db.execute_sql("SELECT 1 FROM sent_reports WHERE period_start = ? LIMIT 1", (format_db_time(start),)).fetchone()
    return row is not None


def _move_future_events_to_now(db: peewee.SqliteDatabase, now: dt.datetime) -> None:
    """Give the unreported events more than FUTURE_EVENT_MARGIN after `now` a time just before the current second.

    Such events were recorded while the clock was ahead. Left as they are, they would wait for
    the first period that ends after their time, and go out as much later as the clock was ahead.
    The new time lies before the current whole second, so a report closed early now, which ends
    at that second, counts them too.
    """
    moved_to = now.replace(microsecond=0) - dt.timedelta(microseconds=1)
    moved = db.execute_sql(
        "UPDATE usage_events SET occurred_at = ? WHERE reported = 0 AND occurred_at > ?",
        (format_db_time(moved_to), format_db_time(now + FUTURE_EVENT_MARGIN)),
    ).rowcount
    if moved:
        logger.info(
            "%d unreported events lie after the current time, so the system clock was set back since they were "
            "recorded. They now carry the time %s and go out with the next report.",
            moved, format_iso_time(moved_to),
        )


def _close_open_period(
    db: peewee.SqliteDatabase,
    settings: Settings,
    installation: Installation,
    schedule: Schedule,
    watermark: int,
    feature_state: dict[str, bool],
    now: dt.datetime,
) -> int:
    """Build the open period as if it ended at `now`; return 1, or 0 when it is under a second long.

    The end is cut to whole seconds because reports carry whole seconds, so the report's end and
    the next report's start are the same instant as the stored period boundary.
    """
    start = schedule.next_period().start
    if now < earliest_early_close(start):
        return 0
    end = now.replace(microsecond=0)

    period = Period(start, end)
    feature_state = _build_one(db, installation, period, watermark, feature_state, now)
    settings.set_many(
        {
            keys.REPORT_LAST_PERIOD_END: period.end,
            keys.REPORT_PERIOD_OPENED_AT: period.end,
            keys.REPORT_FEATURE_STATE: feature_state,
        }
    )
    logger.info("Closed the usage report period early at %s to send it now.", format_report_time(period.end))
    return 1


def _build_one(
    db: peewee.SqliteDatabase,
    installation: Installation,
    period: Period,
    watermark: int,
    feature_state: dict[str, bool],
    now: dt.datetime,
) -> dict[str, bool]:
    report_id = report_id_for(installation.installation_id, period)
    aggregate = gather(db, watermark, period, feature_state)
    body = build_body(report_id, installation, period, aggregate)

    db.execute_sql(
        "INSERT OR IGNORE INTO sent_reports (report_id, period_start, period_end, body, created_at, status)"
        " VALUES (?, ?, ?, ?, ?, 'pending')",
        (report_id, format_db_time(period.start), format_db_time(period.end), body.decode("utf-8"), format_db_time(now)),
    )
    db.execute_sql(
        "UPDATE usage_events SET reported = 1, report_id = ? WHERE reported = 0 AND id > ? AND occurred_at < ?",
        (report_id, watermark, format_db_time(period.end)),
    )
    logger.debug("Built report %s for %s to %s (%d bytes).", report_id, period.start, period.end, len(body))
    return aggregate.features


def pending_reports(db: peewee.SqliteDatabase) -> list[PendingReport]:
    rows = db.execute_sql(
        "SELECT id, report_id, body, created_at, period_end FROM sent_reports WHERE status = 'pending' ORDER BY id"
    ).fetchall()
    return [
        PendingReport(
            row_id, report_id, body.encode("utf-8"), _parse_stored_time(created_at), _parse_stored_time(period_end)
        )
        for row_id, report_id, body, created_at, period_end in rows
    ]


def _parse_stored_time(text: object) -> dt.datetime | None:
    """Parse a time stored as text, or return None when it is missing or invalid."""
    if not isinstance(text, str):
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def finalize(
    db: peewee.SqliteDatabase,
    settings: Settings,
    report: PendingReport,
    *,
    status: str,
    http_status: int,
    submission_id: str | None,
    response_body: str,
    now: dt.datetime,
) -> bool:
    """Record the collector's response and append the entry to the history chain.

    A rejected report's events are released, so the next report built counts them instead,
    unless they were already released MAX_EVENT_REQUEUES times. Those stay with this report
    and are never sent. The entry stores both counts. Returns False when another process
    finalized the entry first, or when the entry was cancelled and the response is not a success.
    """
    with db.atomic("IMMEDIATE"):
        row = db.execute_sql("SELECT status FROM sent_reports WHERE id = ?", (report.row_id,)).fetchone()
        if row is None or row[0] in _history.FINAL_STATUSES or (row[0] == "cancelled" and status != "sent"):
            return False

        # Read before this entry becomes "sent", because an older store counts its history.
        sent_with_installation_id = installation_submission_count(db, settings) if status == "sent" else 0
        previous_hash, count = _history.chain_head(db)
        sent_at = format_db_time(now)
        entry_hash = _history.entry_hash(
            previous_hash, report.report_id, report.body.decode("utf-8"), sent_at, http_status, submission_id, response_body
        )
        db.execute_sql(
            "UPDATE sent_reports SET status = ?, sent_at = ?, http_status = ?, submission_id = ?,"
            " response_body = ?, previous_hash = ?, entry_hash = ? WHERE id = ?",
            (status, sent_at, http_status, submission_id, response_body, previous_hash, entry_hash, report.row_id),
        )
        updates: dict[str, object] = {keys.HISTORY_HEAD: {"hash": entry_hash, "count": count + 1}}
        if status == "rejected":
            requeued, dropped = _requeue_rejected_events(db, report.report_id)
            db.execute_sql(
                "UPDATE sent_reports SET requeued_events = ?, dropped_events = ? WHERE id = ?",
                (requeued, dropped, report.row_id),
            )
        if status == "sent":
            updates[keys.SUBMISSION_LAST_AT] = now
            updates[keys.SUBMISSION_COUNT] = settings.get_int(keys.SUBMISSION_COUNT) + 1
            updates[keys.INSTALLATION_SUBMISSION_COUNT] = sent_with_installation_id + 1
        settings.set_many(updates)
    return True


def _requeue_rejected_events(db: peewee.SqliteDatabase, report_id: str) -> tuple[int, int]:
    """Release the events of a rejected report to the next report, and return (requeued, dropped).

    The collector did not store the counts, so each event is counted again, but only up to
    MAX_EVENT_REQUEUES times. A collector that rejects every report would otherwise receive
    the same events in each later report, and the counts would keep growing.
    """
    counted = db.execute_sql(
        "UPDATE usage_events SET rejection_count = rejection_count + 1 WHERE report_id = ?", (report_id,)
    ).rowcount
    requeued = db.execute_sql(
        "UPDATE usage_events SET reported = 0, report_id = NULL WHERE report_id = ? AND rejection_count <= ?",
        (report_id, MAX_EVENT_REQUEUES),
    ).rowcount
    return requeued, counted - requeued


def count_reports(db: peewee.SqliteDatabase, installation_id: str, status: str | None = None) -> int:
    """Count the outbox and history entries of one installation id, of any status or of `status`."""
    # sent_reports has no installation id column, so the id is read from each stored body.
    # json_valid guards json_extract, which raises on an entry whose body is not JSON.
    sql = (
        "SELECT COUNT(*) FROM sent_reports WHERE CASE WHEN json_valid(body)"
        " THEN json_extract(body, '$.installation.installation_id') END = ?"
    )
    parameters: tuple[str, ...] = (installation_id,)
    if status is not None:
        sql += " AND status = ?"
        parameters += (status,)
    return db.execute_sql(sql, parameters).fetchone()[0]


def installation_submission_count(db: peewee.SqliteDatabase, settings: Settings) -> int:
    """Return how many reports were sent with the current installation id.

    Stores written before that count was kept have no such setting, so their history is counted.
    """
    value = settings.get(keys.INSTALLATION_SUBMISSION_COUNT)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return count_reports(db, settings.get(keys.INSTALLATION_ID), status="sent")


def cancel_pending(db: peewee.SqliteDatabase) -> int:
    cursor = db.execute_sql("UPDATE sent_reports SET status = 'cancelled' WHERE status = 'pending'")
    return cursor.rowcount

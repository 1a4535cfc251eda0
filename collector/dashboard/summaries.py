"""Create the dashboard summary tables and keep them current with ``submissions``.

Every dashboard reads summary tables that this module creates and keeps current,
never the ``submissions`` table itself, so a query costs the same over a thousand
or a million stored reports:

- ``dashboard_installations``: one row per installation with its first and last
  report day.
- ``dashboard_facets``: the latest report of each installation split into
  (facet, value, amount) rows, such as ("version", "1.9.2", 1) or
  ("printer_type", "bambu_x1c", 3).
- ``dashboard_facet_days``: those rows counted per facet, value and day of the
  installation's latest report, which is what the breakdowns sum over.
- ``dashboard_activity``: one row per installation and UTC day with a report.
- ``dashboard_daily``: per-day totals and the change, per day, in the number of
  installations active in the last 7 and the last 30 days. A running sum over
  those changes gives the active count of any day without a scan.
- ``dashboard_weeks`` and ``dashboard_weekly_facets``: per ISO week, the
  versions and enabled features of the installations that reported that week.

``submissions`` stays the source of truth. ``catch_up`` adds the submissions
whose id is above the watermark in ``dashboard_watermark`` with ``record_submission``,
in id order. The collector calls it after storing reports and before it builds any
dashboard, so a dashboard counts every acknowledged report.
``forget_installation`` runs when an installation's data is deleted and
``purge_summaries_before`` from the retention purge. ``rebuild_summaries``
recreates them from ``submissions`` (after a restore, or for an existing database).

Days are stored as proleptic Gregorian ordinals (``date.toordinal()``) so the
same integer arithmetic works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import peewee

from collector.dashboard.sql import _delete_keys, _execute, _execute_many, _fetch_all, _fetch_in, _fetch_one, _sql

logger = logging.getLogger("collector.dashboard")

ACTIVE_WINDOWS_DAYS = (7, 30)
REBUILD_BATCH_ROWS = 20_000

# Upper bounds, inclusive, of the fleet-size buckets; the last bucket is open.
FLEET_SIZE_BUCKETS = ((0, "0"), (1, "1"), (3, "2-3"), (9, "4-9"), (24, "10-24"))
FLEET_SIZE_OPEN_BUCKET = "25+"

_VERSION_PART_PATTERN = re.compile(r"(\d+)|([^\d.+-]+)")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS dashboard_installations (
        installation_id TEXT PRIMARY KEY,
        first_day INTEGER NOT NULL,
        last_day INTEGER NOT NULL,
        last_received_us BIGINT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS dashboard_installations_last_day ON dashboard_installations (last_day)",
    """CREATE TABLE IF NOT EXISTS dashboard_facets (
        installation_id TEXT NOT NULL,
        facet TEXT NOT NULL,
        value TEXT NOT NULL,
        amount BIGINT NOT NULL,
        last_day INTEGER NOT NULL,
        PRIMARY KEY (installation_id, facet, value))""",
    # Finds the few installations of small groups when "other" is counted. The installation
    # id is not part of the key, so a group's rows stay in the order they were written and a
    # new installation's rows go to the end of each group, not onto a random page of the
    # index. Each page a commit changes is written to SQLite's log again.
    "CREATE INDEX IF NOT EXISTS dashboard_facets_by_value ON dashboard_facets (facet, value, last_day)",
    """CREATE TABLE IF NOT EXISTS dashboard_facet_days (
        facet TEXT NOT NULL,
        last_day INTEGER NOT NULL,
        value TEXT NOT NULL,
        installations BIGINT NOT NULL,
        amount BIGINT NOT NULL,
        PRIMARY KEY (facet, last_day, value))""",
    """CREATE TABLE IF NOT EXISTS dashboard_activity (
        installation_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        submissions BIGINT NOT NULL,
        errors BIGINT NOT NULL,
        PRIMARY KEY (installation_id, day))""",
    """CREATE TABLE IF NOT EXISTS dashboard_daily (
        day INTEGER PRIMARY KEY,
        submissions BIGINT NOT NULL DEFAULT 0,
        errors BIGINT NOT NULL DEFAULT 0,
        new_installations BIGINT NOT NULL DEFAULT 0,
        active_7_delta BIGINT NOT NULL DEFAULT 0,
        active_30_delta BIGINT NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS dashboard_weeks (
        installation_id TEXT NOT NULL,
        week INTEGER NOT NULL,
        received_us BIGINT NOT NULL,
        facets TEXT NOT NULL,
        PRIMARY KEY (installation_id, week))""",
    """CREATE TABLE IF NOT EXISTS dashboard_weekly_facets (
        week INTEGER NOT NULL,
        facet TEXT NOT NULL,
        value TEXT NOT NULL,
        installations BIGINT NOT NULL,
        PRIMARY KEY (week, facet, value))""",
)

SUMMARY_TABLES = (
    "dashboard_installations",
    "dashboard_facets",
    "dashboard_facet_days",
    "dashboard_activity",
    "dashboard_daily",
    "dashboard_weeks",
    "dashboard_weekly_facets",
)

# One row (id 1): the highest submission id already in the summary tables.
_WATERMARK_SCHEMA = "CREATE TABLE IF NOT EXISTS dashboard_watermark (id INTEGER PRIMARY KEY, submission_id BIGINT NOT NULL)"
# Submissions read per query by catch_up, so a long backlog is read in bounded pieces.
CATCH_UP_BATCH_ROWS = 5_000

_DAILY_COLUMNS = ("submissions", "errors", "new_installations", "active_7_delta", "active_30_delta")

# Facets tracked per week for the trend dashboards; "reporting" counts every
# installation that reported in the week and is the denominator of adoption shares.
_WEEKLY_FACETS = ("version", "feature", "reporting")


@dataclass(frozen=True)
class ReportFacts:
    """The parts of one stored report that the summary tables use."""

    installation_id: str
    received_us: int
    app_version: str
    platform: str
    deployment_mode: str
    country_code: str
    printer_count: int
    printer_type_counts: Mapping[str, int]
    feature_usage: Mapping[str, bool]
    error_summary: Mapping[str, int]

    @functools.cached_property
    def day(self) -> int:
        # cached_property writes the instance __dict__ directly, so it works on a frozen dataclass.
        return _day_of_microseconds(self.received_us)

    @property
    def error_total(self) -> int:
        return sum(int(count) for count in self.error_summary.values())

    def facets(self) -> list[tuple[str, str, int]]:
        """Split the report into (facet, value, amount) rows."""
        rows = [
            ("version", self.app_version, 1),
            ("platform", self.platform, 1),
            ("deployment_mode", self.deployment_mode, 1),
            ("country", self.country_code, 1),
            ("fleet_size", fleet_size_bucket(self.printer_count), 1),
        ]
        rows += [("printer_type", name, int(count)) for name, count in sorted(self.printer_type_counts.items())]
        rows += [("feature", name, 1) for name, enabled in sorted(self.feature_usage.items()) if enabled]
        rows += [("error", name, int(count)) for name, count in sorted(self.error_summary.items()) if int(count) > 0]
        return rows

    def weekly_facets(self) -> list[tuple[str, str]]:
        return [(facet, value) for facet, value, _ in self.facets() if facet in _WEEKLY_FACETS] + [("reporting", "all")]


# Summary maintenance ------------------------------------------------------------


def ensure_summary_tables(db: peewee.Database) -> None:
    """Create the summary tables and their indexes when they are missing."""
    with db.atomic():
        for statement in _SCHEMA:
            db.execute_sql(statement)


def ensure_watermark(db: peewee.Database) -> None:
    """Create the watermark at the highest submission id unless it exists.

    Before the watermark existed, each report's own transaction updated the summaries,
    so they already cover every stored submission.
    """
    db.execute_sql(_WATERMARK_SCHEMA)
    if _fetch_one(db, "SELECT submission_id FROM dashboard_watermark WHERE id = 1", ()) is None:
        newest = _fetch_one(db, "SELECT COALESCE(MAX(id), 0) FROM submissions", ())[0]
        _execute(db, "INSERT INTO dashboard_watermark (id, submission_id) VALUES (1, ?)", (newest,))


def summaries_current(db: peewee.Database) -> bool:
    """Return whether the summaries include the highest committed submission id."""
    row = _fetch_one(
        db,
        "SELECT (SELECT submission_id FROM dashboard_watermark WHERE id = 1), (SELECT COALESCE(MAX(id), 0) FROM submissions)",
        (),
    )
    return row[0] is not None and row[0] >= row[1]


def catch_up(db: peewee.Database, *, up_to: int | None = None, max_reports: int | None = None) -> int:
    """Add the submissions above the watermark to the summaries, in id order; return how many.

    Reads ids up to ``up_to`` (all when None) and at most ``max_reports`` of them. Only
    one catch-up may run at a time, and no id it reads may still be uncommitted. On
    SQLite, BEGIN IMMEDIATE ensures both. On PostgreSQL the caller takes the catch-up
    lock and passes an ``up_to`` read while no report writer was in flight.
    """
    row = _fetch_one(db, "SELECT submission_id FROM dashboard_watermark WHERE id = 1", ())
    if row is None:
        ensure_watermark(db)
        return 0

    watermark = int(row[0])
    added = 0
    columns = ", ".join(("id", *SUMMARY_SOURCE_COLUMNS))
    bound = "" if up_to is None else f" AND id <= {int(up_to)}"
    while max_reports is None or added < max_reports:
        limit = CATCH_UP_BATCH_ROWS if max_reports is None else min(CATCH_UP_BATCH_ROWS, max_reports - added)
        cursor = db.execute_sql(
            _sql(db, f"SELECT {columns} FROM submissions WHERE id > ?{bound} ORDER BY id LIMIT {limit}"), (watermark,)
        )
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
        record_submissions(db, (dict(zip(names, values)) for values in rows))
        added += len(rows)
        if rows:
            watermark = int(rows[-1][0])
        if len(rows) < limit:
            break

    if added:
        _execute(db, "UPDATE dashboard_watermark SET submission_id = ? WHERE id = 1", (watermark,))
    return added


def lower_watermark(db: peewee.Database) -> None:
    """Set the watermark to the highest remaining submission id after a delete that followed ``catch_up``.

    Before schema step 7, SQLite gave a new row the highest remaining id plus one, so
    after the newest submissions were deleted a new one could reuse an id at or below the
    watermark. Step 7 ended that, and lowering the watermark keeps it at an existing id.
    """
    _execute(
        db,
        "UPDATE dashboard_watermark SET submission_id = (SELECT COALESCE(MAX(id), 0) FROM submissions) "
        "WHERE id = 1 AND submission_id > (SELECT COALESCE(MAX(id), 0) FROM submissions)",
        (),
    )


def record_submission(db: peewee.Database, submission: Any) -> None:
    """Add one stored report to the summary tables.

    ``submission`` is a ``Submission`` row or a mapping with the same column names.
    Call it once per new row (never for a duplicate), in id order per installation;
    ``catch_up`` does so for the collector.
    """
    record_submissions(db, [submission])


def record_submissions(db: peewee.Database, submissions: Iterable[Any]) -> None:
    """Add stored reports to the summary tables, in the given order, as ``record_submission`` does.

    Each chunk of up to ``CATCH_UP_BATCH_ROWS`` reports costs a fixed number of
    statements: a few reads of its installations' summary rows, the reports applied
    in memory, then one multi-row write per table. The changes to the shared per-day
    and per-week totals are summed over all the reports and written once at the end.
    """
    totals = _PendingTotals()
    reports = (report_facts(submission) for submission in submissions)
    with _transaction(db):
        while chunk := list(itertools.islice(reports, CATCH_UP_BATCH_ROWS)):
            state = _ChunkState.load(db, chunk)
            for facts in chunk:
                state.record(facts, totals)
            state.write(db)
        totals.flush(db)


def _transaction(db: peewee.Database) -> contextlib.AbstractContextManager:
    """Open a transaction unless the caller's is already open.

    Inside the caller's transaction a savepoint would cost two statements per report
    and buy nothing, because any error here rolls back the caller's transaction too.
    """
    if db.in_transaction():
        return contextlib.nullcontext()
    return db.atomic()


def forget_installation(db: peewee.Database, installation_id: str) -> None:
    """Remove every summary row of one installation and its share of the daily totals."""
    totals = _PendingTotals()
    with db.atomic():
        state = _fetch_one(db, "SELECT first_day FROM dashboard_installations WHERE installation_id = ?", (installation_id,))
        if state is not None:
            totals.add_daily(state[0], new_installations=-1)

        activity = _fetch_all(
            db, "SELECT day, submissions, errors FROM dashboard_activity WHERE installation_id = ? ORDER BY day", (installation_id,)
        )
        for day, submissions, errors in activity:
            totals.add_daily(day, submissions=-submissions, errors=-errors)
        for window in ACTIVE_WINDOWS_DAYS:
            for start, end in _covered_ranges([day for day, _, _ in activity], window):
                totals.add_daily(start, **{f"active_{window}_delta": -1})
                totals.add_daily(end + 1, **{f"active_{window}_delta": 1})

        for week, facets_json in _fetch_all(db, "SELECT week, facets FROM dashboard_weeks WHERE installation_id = ?", (installation_id,)):
            totals.add_weekly(week, json.loads(facets_json), -1)
        _uncount_facets(db, installation_id, totals)

        for table in ("dashboard_installations", "dashboard_facets", "dashboard_activity", "dashboard_weeks"):
            _execute(db, f"DELETE FROM {table} WHERE installation_id = ?", (installation_id,))
        totals.flush(db)
        # A total that counted only this installation is now zero, but its key still names a day, a
        # version or a country it reported. Every query reads a missing row as zero.
        _execute(db, "DELETE FROM dashboard_facet_days WHERE installations = 0 AND amount = 0", ())
        _execute(db, "DELETE FROM dashboard_weekly_facets WHERE installations = 0", ())
        _execute(
            db,
            "DELETE FROM dashboard_daily WHERE submissions = 0 AND errors = 0 AND new_installations = 0 "
            "AND active_7_delta = 0 AND active_30_delta = 0",
            (),
        )


def purge_summaries_before(db: peewee.Database, cutoff: datetime) -> None:
    """Drop summary rows older than ``cutoff``, as the retention purge does for reports.

    The per-day active-count changes before the cutoff are folded into one row on
    the cutoff day, so the running sum stays right for every later day.
    """
    cutoff_day = _day_of_datetime(cutoff)
    cutoff_week = _week_of_day(cutoff_day)
    with db.atomic():
        folded = _fetch_one(
            db, "SELECT COALESCE(SUM(active_7_delta), 0), COALESCE(SUM(active_30_delta), 0) FROM dashboard_daily WHERE day < ?", (cutoff_day,)
        )
        _execute(db, "DELETE FROM dashboard_daily WHERE day < ?", (cutoff_day,))
        totals = _PendingTotals()
        totals.add_daily(cutoff_day, active_7_delta=int(folded[0]), active_30_delta=int(folded[1]))
        totals.flush(db)

        _execute(db, "DELETE FROM dashboard_activity WHERE day < ?", (cutoff_day,))
        _execute(db, "DELETE FROM dashboard_weeks WHERE week < ?", (cutoff_week,))
        _execute(db, "DELETE FROM dashboard_weekly_facets WHERE week < ?", (cutoff_week,))
        _execute(db, "DELETE FROM dashboard_facets WHERE last_day < ?", (cutoff_day,))
        _execute(db, "DELETE FROM dashboard_facet_days WHERE last_day < ?", (cutoff_day,))
        _execute(db, "DELETE FROM dashboard_installations WHERE last_day < ?", (cutoff_day,))


def rebuild_summaries(db: peewee.Database, submissions: Iterable[Any]) -> int:
    """Empty the summary tables and fill them again from ``submissions``; return the row count.

    ``submissions`` must come grouped by installation, as ``ORDER BY installation_id,
    received_at`` gives cheaply through the ``(installation_id, received_at)`` index.
    Rows are written in bulk: a million reports took 2.5 minutes on SQLite and 4.5 on
    PostgreSQL on a busy 2-core machine (docs/benchmarks.md). Raises ValueError when an
    installation's rows are split.
    """
    ensure_summary_tables(db)
    writer = _BulkWriter(db)
    totals = _PendingTotals()
    finished: set[str] = set()
    count = 0
    with db.atomic():
        for table in SUMMARY_TABLES:
            db.execute_sql(f"DELETE FROM {table}")

        group: list[ReportFacts] = []
        for submission in submissions:
            facts = report_facts(submission)
            count += 1
            if group and facts.installation_id != group[0].installation_id:
                _summarize_installation(group, writer, totals, finished)
                group = []
            group.append(facts)
        if group:
            _summarize_installation(group, writer, totals, finished)
        writer.flush()
        totals.flush(db)
    logger.info(
        "rebuilt the dashboard summaries from %s submissions of %s installations",
        count,
        len(finished),
        extra={"event": "summaries_rebuilt", "submissions": count, "installations": len(finished)},
    )
    return count


# Columns of ``submissions`` that the summaries are built from.
SUMMARY_SOURCE_COLUMNS = (
    "installation_id",
    "received_at",
    "app_version",
    "platform",
    "deployment_mode",
    "country_code",
    "printer_count",
    "printer_type_counts",
    "feature_usage",
    "error_summary",
)


def rebuild_from_submissions(db: peewee.Database) -> int:
    """Rebuild the summary tables from the ``submissions`` table; return the report count."""
    cursor = db.execute_sql(
        f"SELECT {', '.join(SUMMARY_SOURCE_COLUMNS)} FROM submissions ORDER BY installation_id, received_at"
    )
    names = [column[0] for column in cursor.description]
    count = rebuild_summaries(db, (dict(zip(names, row)) for row in cursor))

    ensure_watermark(db)
    newest = _fetch_one(db, "SELECT COALESCE(MAX(id), 0) FROM submissions", ())[0]
    _execute(db, "UPDATE dashboard_watermark SET submission_id = ? WHERE id = 1", (newest,))
    return count


def _summarize_installation(group: list[ReportFacts], writer: _BulkWriter, totals: _PendingTotals, finished: set[str]) -> None:
    """Write every summary row of one installation from all of its reports at once."""
    installation_id = group[0].installation_id
    if installation_id in finished:
        msg = f"Submissions of installation {installation_id!r} are not grouped; order them by installation_id."
        raise ValueError(msg)
    finished.add(installation_id)

    # A stable sort keeps arrival order among equal times, so the later arrival wins
    # a tie, as it does in record_submission.
    reports = sorted(group, key=lambda facts: facts.received_us)
    latest = reports[-1]
    first_day = min(facts.day for facts in reports)
    writer.add("dashboard_installations", (installation_id, first_day, latest.day, latest.received_us))
    writer.add_all("dashboard_facets", [(installation_id, *facet, latest.day) for facet in latest.facets()])
    for facet, value, amount in latest.facets():
        totals.add_facet_day(facet, value, latest.day, 1, amount)
    totals.add_daily(first_day, new_installations=1)

    per_day: dict[int, list[int]] = {}
    latest_per_week: dict[int, ReportFacts] = {}
    for facts in reports:
        counts = per_day.setdefault(facts.day, [0, 0])
        counts[0] += 1
        counts[1] += facts.error_total
        latest_per_week[_week_of_day(facts.day)] = facts
    for day, (submissions, errors) in per_day.items():
        writer.add("dashboard_activity", (installation_id, day, submissions, errors))
        totals.add_daily(day, submissions=submissions, errors=errors)
    for window in ACTIVE_WINDOWS_DAYS:
        for start, end in _covered_ranges(sorted(per_day), window):
            totals.add_daily(start, **{f"active_{window}_delta": 1})
            totals.add_daily(end + 1, **{f"active_{window}_delta": -1})
    for week, facts in latest_per_week.items():
        facets = facts.weekly_facets()
        writer.add("dashboard_weeks", (installation_id, week, facts.received_us, json.dumps(facets)))
        totals.add_weekly(week, facets, 1)


class _BulkWriter:
    """Buffered multi-row inserts into the per-installation summary tables."""

    _COLUMNS = {
        "dashboard_installations": ("installation_id", "first_day", "last_day", "last_received_us"),
        "dashboard_facets": ("installation_id", "facet", "value", "amount", "last_day"),
        "dashboard_activity": ("installation_id", "day", "submissions", "errors"),
        "dashboard_weeks": ("installation_id", "week", "received_us", "facets"),
    }

    def __init__(self, db: peewee.Database) -> None:
        self._db = db
        self._rows: dict[str, list[tuple]] = {table: [] for table in self._COLUMNS}

    def add(self, table: str, row: tuple) -> None:
        rows = self._rows[table]
        rows.append(row)
        if len(rows) >= REBUILD_BATCH_ROWS:
            self._write(table)

    def add_all(self, table: str, rows: list[tuple]) -> None:
        for row in rows:
            self.add(table, row)

    def flush(self) -> None:
        for table in self._rows:
            self._write(table)

    def _write(self, table: str) -> None:
        rows = self._rows[table]
        if not rows:
            return
        columns = self._COLUMNS[table]
        if isinstance(self._db, peewee.PostgresqlDatabase):
            from psycopg2.extras import execute_values

            execute_values(self._db.cursor(), f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s", rows, page_size=1_000)
        else:
            placeholders = ", ".join("?" for _ in columns)
            self._db.cursor().executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
        rows.clear()


class _ChunkState:
    """The summary rows of one chunk's installations, read at once, changed report by report, written at once.

    ``record`` applies one report with the same rules and in the same order as one
    statement per row would, so the written rows match adding the reports one by one.
    """

    def __init__(self) -> None:
        # installation_id -> [first_day, last_day, last_received_us]
        self.installations: dict[str, list[int]] = {}
        self.changed_installations: set[str] = set()
        # installation_id -> (facet, value, amount, last_day) rows of its latest report
        self.facets: dict[str, list[tuple[str, str, int, int]]] = {}
        # installation_id -> {(facet, value): (amount, last_day)} as read from dashboard_facets
        self.stored_facets: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
        self.changed_facets: set[str] = set()
        # installation_id -> its report days, read only as far as they can change the coverage of a chunk's day
        self.days: dict[str, set[int]] = {}
        # (installation_id, day) -> [submissions, errors] to add to dashboard_activity
        self.activity_changes: dict[tuple[str, int], list[int]] = {}
        # (installation_id, week) -> (received_us, weekly facets) of the latest report that week
        self.weeks: dict[tuple[str, int], tuple[int, list]] = {}
        self.changed_weeks: set[tuple[str, int]] = set()

    @classmethod
    def load(cls, db: peewee.Database, chunk: list[ReportFacts]) -> _ChunkState:
        """Read the summary rows that the reports in ``chunk`` can change.

        On PostgreSQL the installations' rows are locked in key order, the same order
        in every transaction, so two transactions cannot each hold a lock the other waits for.
        """
        state = cls()
        ids = sorted({facts.installation_id for facts in chunk})
        lock = " FOR UPDATE" if isinstance(db, peewee.PostgresqlDatabase) else ""
        rows = _fetch_in(
            db,
            "SELECT installation_id, first_day, last_day, last_received_us FROM dashboard_installations "
            "WHERE installation_id IN ({values}) ORDER BY installation_id" + lock,
            ids,
        )
        for installation_id, first_day, last_day, last_received_us in rows:
            state.installations[installation_id] = [int(first_day), int(last_day), int(last_received_us)]

        rows = _fetch_in(
            db,
            "SELECT installation_id, facet, value, amount, last_day FROM dashboard_facets WHERE installation_id IN ({values})",
            sorted(state.installations),
        )
        for installation_id, facet, value, amount, last_day in rows:
            state.facets.setdefault(installation_id, []).append((facet, value, int(amount), int(last_day)))
            state.stored_facets.setdefault(installation_id, {})[(facet, value)] = (int(amount), int(last_day))

        # Report days W or more days away from every day of the chunk, W being the
        # widest window, change no coverage (see _add_coverage), so they are not read.
        days = [facts.day for facts in chunk]
        reach = max(ACTIVE_WINDOWS_DAYS) - 1
        rows = _fetch_in(
            db,
            "SELECT installation_id, day FROM dashboard_activity WHERE installation_id IN ({values}) AND day BETWEEN ? AND ?",
            ids,
            (min(days) - reach, max(days) + reach),
        )
        for installation_id, day in rows:
            state.days.setdefault(installation_id, set()).add(int(day))

        weeks = [_week_of_day(day) for day in days]
        rows = _fetch_in(
            db,
            "SELECT installation_id, week, received_us, facets FROM dashboard_weeks "
            "WHERE installation_id IN ({values}) AND week BETWEEN ? AND ?",
            ids,
            (min(weeks), max(weeks)),
        )
        for installation_id, week, received_us, facets_json in rows:
            state.weeks[(installation_id, int(week))] = (int(received_us), json.loads(facets_json))
        return state

    def record(self, facts: ReportFacts, totals: _PendingTotals) -> None:
        """Apply one report to the rows in memory and its changes to ``totals``."""
        first_report = self._record_installation(facts, totals)
        self._record_activity(facts, totals)
        if first_report or self._record_latest(facts):
            self._replace_facets(facts, totals)
        self._record_week(facts, totals)

    def write(self, db: peewee.Database) -> None:
        """Write the changed rows in key order, with one or two multi-row statements per table."""
        installation_rows = [(installation_id, *self.installations[installation_id]) for installation_id in sorted(self.changed_installations)]
        _execute_many(
            db,
            "INSERT INTO dashboard_installations (installation_id, first_day, last_day, last_received_us) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (installation_id) DO UPDATE SET first_day = excluded.first_day, last_day = excluded.last_day, "
            "last_received_us = excluded.last_received_us",
            installation_rows,
        )

        # Only the facet rows that differ from the stored ones are written, so a report
        # that repeats the facets of the one before writes only the rows whose day changed.
        removed_facets = []
        facet_rows = []
        for installation_id in sorted(self.changed_facets):
            stored = self.stored_facets.get(installation_id, {})
            current = {(facet, value): (amount, last_day) for facet, value, amount, last_day in self.facets[installation_id]}
            removed_facets += [(installation_id, *key) for key in sorted(stored.keys() - current.keys())]
            facet_rows += [(installation_id, *key, *values) for key, values in sorted(current.items()) if stored.get(key) != values]
        _delete_keys(db, "dashboard_facets", ("installation_id", "facet", "value"), removed_facets)
        _execute_many(
            db,
            "INSERT INTO dashboard_facets (installation_id, facet, value, amount, last_day) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (installation_id, facet, value) DO UPDATE SET amount = excluded.amount, last_day = excluded.last_day",
            facet_rows,
        )

        activity_rows = [(*key, submissions, errors) for key, (submissions, errors) in sorted(self.activity_changes.items())]
        _execute_many(
            db,
            "INSERT INTO dashboard_activity (installation_id, day, submissions, errors) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (installation_id, day) DO UPDATE SET submissions = dashboard_activity.submissions + excluded.submissions, "
            "errors = dashboard_activity.errors + excluded.errors",
            activity_rows,
        )

        week_rows = []
        for key in sorted(self.changed_weeks):
            received_us, facets = self.weeks[key]
            week_rows.append((*key, received_us, json.dumps(facets)))
        _execute_many(
            db,
            "INSERT INTO dashboard_weeks (installation_id, week, received_us, facets) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (installation_id, week) DO UPDATE SET received_us = excluded.received_us, facets = excluded.facets",
            week_rows,
        )

    def _record_installation(self, facts: ReportFacts, totals: _PendingTotals) -> bool:
        """Add the installation or move its first day earlier; return True for its first report."""
        row = self.installations.get(facts.installation_id)
        if row is None:
            self.installations[facts.installation_id] = [facts.day, facts.day, facts.received_us]
            self.changed_installations.add(facts.installation_id)
            totals.add_daily(facts.day, new_installations=1)
            return True

        first_day = row[0]
        if facts.day < first_day:
            totals.add_daily(first_day, new_installations=-1)
            totals.add_daily(facts.day, new_installations=1)
            row[0] = facts.day
            self.changed_installations.add(facts.installation_id)
        return False

    def _record_latest(self, facts: ReportFacts) -> bool:
        """Make the report the installation's latest unless a later one is stored; return whether it is.

        A report received at the same microsecond as the stored latest one replaces it,
        so the later arrival wins a tie.
        """
        row = self.installations[facts.installation_id]
        if facts.received_us < row[2]:
            return False
        row[1] = facts.day
        row[2] = facts.received_us
        self.changed_installations.add(facts.installation_id)
        return True

    def _record_activity(self, facts: ReportFacts, totals: _PendingTotals) -> None:
        """Count the report on its day and extend the installation's active-day coverage."""
        errors = facts.error_total
        change = self.activity_changes.setdefault((facts.installation_id, facts.day), [0, 0])
        change[0] += 1
        change[1] += errors
        totals.add_daily(facts.day, submissions=1, errors=errors)

        days = self.days.setdefault(facts.installation_id, set())
        if facts.day in days:
            return
        previous_day = max((day for day in days if day < facts.day), default=None)
        next_day = min((day for day in days if day > facts.day), default=None)
        days.add(facts.day)
        _add_coverage(facts.day, previous_day, next_day, totals)

    def _replace_facets(self, facts: ReportFacts, totals: _PendingTotals) -> None:
        """Take the installation's facet rows out of the per-day counts and count the report's instead."""
        for facet, value, amount, last_day in self.facets.get(facts.installation_id, []):
            totals.add_facet_day(facet, value, last_day, -1, -amount)
        rows = [(facet, value, amount, facts.day) for facet, value, amount in facts.facets()]
        for facet, value, amount, day in rows:
            totals.add_facet_day(facet, value, day, 1, amount)
        self.facets[facts.installation_id] = rows
        self.changed_facets.add(facts.installation_id)

    def _record_week(self, facts: ReportFacts, totals: _PendingTotals) -> None:
        """Count the installation once per week, with the facets of its latest report that week."""
        key = (facts.installation_id, _week_of_day(facts.day))
        stored = self.weeks.get(key)
        if stored is not None:
            received_us, old_facets = stored
            if facts.received_us < received_us:
                return
            totals.add_weekly(key[1], old_facets, -1)
        new_facets = facts.weekly_facets()
        totals.add_weekly(key[1], new_facets, 1)
        self.weeks[key] = (facts.received_us, new_facets)
        self.changed_weeks.add(key)


def _add_coverage(day: int, previous_day: int | None, next_day: int | None, totals: _PendingTotals) -> None:
    """Record the days on which the new active ``day`` makes the installation newly active.

    An installation is active on day D in a W-day window when it has a report day in
    [D - W + 1, D], so report day d covers [d, d + W - 1]. Only the part not already
    covered by the nearest earlier (p) and later (n) report days is new:
    [max(d, p + W), min(d + W - 1, n - 1)]. This is true in any arrival order. A day p
    at or before d - W, or n at or after d + W, leaves the range unchanged.
    """
    for window in ACTIVE_WINDOWS_DAYS:
        start = day if previous_day is None else max(day, previous_day + window)
        end = day + window - 1 if next_day is None else min(day + window - 1, next_day - 1)
        if start <= end:
            totals.add_daily(start, **{f"active_{window}_delta": 1})
            totals.add_daily(end + 1, **{f"active_{window}_delta": -1})


def _covered_ranges(days: list[int], window: int) -> list[tuple[int, int]]:
    """Merge the coverage [d, d + window - 1] of sorted report days into disjoint ranges."""
    ranges: list[tuple[int, int]] = []
    for day in days:
        end = day + window - 1
        if ranges and day <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((day, end))
    return ranges


def _uncount_facets(db: peewee.Database, installation_id: str, totals: _PendingTotals) -> None:
    """Take the installation's current facet rows out of the per-day facet counts."""
    rows = _fetch_all(db, "SELECT facet, value, amount, last_day FROM dashboard_facets WHERE installation_id = ?", (installation_id,))
    for facet, value, amount, last_day in rows:
        totals.add_facet_day(facet, value, last_day, -1, -int(amount))


class _PendingTotals:
    """Changes to the shared per-day and per-week rows, written together at the end.

    Writing them in sorted key order, once per key, keeps the row locks that
    concurrent PostgreSQL transactions take in the same order, which avoids most
    deadlocks between them, and saves a statement per repeated key.
    """

    def __init__(self) -> None:
        self._daily: dict[int, dict[str, int]] = {}
        self._weekly: dict[tuple[int, str, str], int] = {}
        self._facet_days: dict[tuple[str, int, str], list[int]] = {}

    def add_daily(self, day: int, **changes: int) -> None:
        columns = self._daily.setdefault(day, {})
        for column, change in changes.items():
            columns[column] = columns.get(column, 0) + change

    def add_weekly(self, week: int, facets: Iterable[Iterable[str]], change: int) -> None:
        for facet, value in facets:
            key = (week, facet, value)
            self._weekly[key] = self._weekly.get(key, 0) + change

    def add_facet_day(self, facet: str, value: str, day: int, installations: int, amount: int) -> None:
        counts = self._facet_days.setdefault((facet, day, value), [0, 0])
        counts[0] += installations
        counts[1] += amount

    def flush(self, db: peewee.Database) -> None:
        daily_rows = [
            (day, *(self._daily[day].get(column, 0) for column in _DAILY_COLUMNS))
            for day in sorted(self._daily)
            if any(self._daily[day].values())
        ]
        updates = ", ".join(f"{column} = dashboard_daily.{column} + excluded.{column}" for column in _DAILY_COLUMNS)
        _execute_many(
            db,
            f"INSERT INTO dashboard_daily (day, {', '.join(_DAILY_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT (day) DO UPDATE SET {updates}",
            daily_rows,
        )
        weekly_rows = [(*key, change) for key, change in sorted(self._weekly.items()) if change]
        _execute_many(
            db,
            "INSERT INTO dashboard_weekly_facets (week, facet, value, installations) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (week, facet, value) DO UPDATE "
            "SET installations = dashboard_weekly_facets.installations + excluded.installations",
            weekly_rows,
        )
        facet_day_rows = [(*key, *counts) for key, counts in sorted(self._facet_days.items()) if any(counts)]
        _execute_many(
            db,
            "INSERT INTO dashboard_facet_days (facet, last_day, value, installations, amount) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (facet, last_day, value) DO UPDATE "
            "SET installations = dashboard_facet_days.installations + excluded.installations, "
            "amount = dashboard_facet_days.amount + excluded.amount",
            facet_day_rows,
        )
        self._daily.clear()
        self._weekly.clear()
        self._facet_days.clear()


# Reading reports ------------------------------------------------------------------


def report_facts(submission: Any) -> ReportFacts:
    """Read the summary-relevant columns from a ``Submission`` row or a mapping."""

    def column(name: str) -> Any:
        if isinstance(submission, Mapping):
            return submission.get(name)
        return getattr(submission, name, None)

    return ReportFacts(
        installation_id=str(column("installation_id")),
        received_us=_microseconds_of(column("received_at")),
        app_version=str(column("app_version") or "unknown"),
        platform=str(column("platform") or "unknown"),
        deployment_mode=str(column("deployment_mode") or "unknown"),
        country_code=str(column("country_code") or "XX"),
        printer_count=int(column("printer_count") or 0),
        printer_type_counts=_json_object(column("printer_type_counts")),
        feature_usage=_json_object(column("feature_usage")),
        error_summary=_json_object(column("error_summary")),
    )


def fleet_size_bucket(printer_count: int) -> str:
    """Return the bucket label for a fleet of ``printer_count`` printers."""
    for upper, label in FLEET_SIZE_BUCKETS:
        if printer_count <= upper:
            return label
    return FLEET_SIZE_OPEN_BUCKET


def version_sort_key(version: str) -> tuple:
    """Order versions numerically part by part, so 1.10.0 sorts after 1.9.2.

    NOTE: a text part such as "rc" only extends the key, so 1.9.2rc1 sorts after
    1.9.2 and before 1.9.3. Pre-release order is approximate for that reason.
    """
    parts = []
    for number, text in _VERSION_PART_PATTERN.findall(version):
        parts.append((1, int(number), "") if number else (0, 0, text))
    return (tuple(parts), version)


def _json_object(value: Any) -> Mapping[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, (bytes, str)):
        value = json.loads(value)
    return value if isinstance(value, Mapping) else {}


def _microseconds_of(moment: Any) -> int:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _day_of_microseconds(microseconds: int) -> int:
    return date(1970, 1, 1).toordinal() + microseconds // 86_400_000_000


def _day_of_datetime(moment: datetime) -> int:
    return _day_of_microseconds(_microseconds_of(moment))


def _week_of_day(day: int) -> int:
    """Return the ordinal of the Monday that starts the ISO week of ``day``."""
    return day - date.fromordinal(day).weekday()


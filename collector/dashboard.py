"""Operator dashboards over stored reports, kept fast by small summary tables.

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

Small-count suppression: no group of fewer than ``min_group_size`` (k)
installations is shown. Small groups are merged into "other", and when "other"
itself has fewer than k installations it is dropped and only the number of
dropped groups is returned.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import falcon
import peewee

logger = logging.getLogger("collector.dashboard")

ACTIVE_WINDOWS_DAYS = (7, 30)
DAYS_RANGE = (1, 365)
TREND_DAYS_RANGE = (7, 365)
DEFAULT_WINDOW_DAYS = 30
DEFAULT_TREND_DAYS = 90
ANOMALY_BASELINE_DAYS = 28
ACTIVE_DROP_RATIO = 0.8
SPIKE_STANDARD_DEVIATIONS = 3.0
SPIKE_MEAN_FACTOR = 2.0
REBUILD_BATCH_ROWS = 20_000
# Values per IN (...) list; SQLite before 3.32 accepts at most 999 parameters per statement.
_MAX_IN_LIST_VALUES = 500

# Upper bounds, inclusive, of the fleet-size buckets; the last bucket is open.
FLEET_SIZE_BUCKETS = ((0, "0"), (1, "1"), (3, "2-3"), (9, "4-9"), (24, "10-24"))
FLEET_SIZE_OPEN_BUCKET = "25+"

_VERSION_PART_PATTERN = re.compile(r"(\d+)|([^\d.+-]+)")
# The placeholder group of a single-row INSERT, replaced for psycopg2's execute_values.
_VALUES_PATTERN = re.compile(r"VALUES \([?, ]+\)")

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
    # Finds the few installations of small groups when "other" is counted.
    "CREATE INDEX IF NOT EXISTS dashboard_facets_by_value ON dashboard_facets (facet, value, last_day, installation_id)",
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

    @property
    def day(self) -> int:
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

    SQLite gives a new row the highest remaining id plus one, so after the newest
    submissions are deleted a new one could reuse an id at or below the watermark.
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

    The changes to the shared per-day and per-week totals are summed over all the
    reports and written once at the end, so a day's row is written once per call.
    """
    totals = _PendingTotals()
    with _transaction(db):
        for submission in submissions:
            _record_one(db, report_facts(submission), totals)
        totals.flush(db)


def _record_one(db: peewee.Database, facts: ReportFacts, totals: _PendingTotals) -> None:
    first_report = _record_installation(db, facts, totals)
    _record_activity(db, facts, totals)
    if first_report:
        _insert_facets(db, facts, totals)
    elif _is_latest_report(db, facts):
        _uncount_facets(db, facts.installation_id, totals)
        _execute(db, "DELETE FROM dashboard_facets WHERE installation_id = ?", (facts.installation_id,))
        _insert_facets(db, facts, totals)
    _record_week(db, facts, totals)


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
    logger.info("dashboard summaries rebuilt rows=%s installations=%s", count, len(finished))
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


def _record_installation(db: peewee.Database, facts: ReportFacts, totals: _PendingTotals) -> bool:
    """Insert or update the installation's row; return True for its first report."""
    inserted = _execute(
        db,
        "INSERT INTO dashboard_installations (installation_id, first_day, last_day, last_received_us) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (installation_id) DO NOTHING",
        (facts.installation_id, facts.day, facts.day, facts.received_us),
    )
    if inserted:
        totals.add_daily(facts.day, new_installations=1)
        return True

    lock = " FOR UPDATE" if isinstance(db, peewee.PostgresqlDatabase) else ""
    first_day, _, _ = _fetch_one(
        db, f"SELECT first_day, last_day, last_received_us FROM dashboard_installations WHERE installation_id = ?{lock}", (facts.installation_id,)
    )
    if facts.day < first_day:
        totals.add_daily(first_day, new_installations=-1)
        totals.add_daily(facts.day, new_installations=1)
        _execute(db, "UPDATE dashboard_installations SET first_day = ? WHERE installation_id = ?", (facts.day, facts.installation_id))
    return False


def _is_latest_report(db: peewee.Database, facts: ReportFacts) -> bool:
    updated = _execute(
        db,
        "UPDATE dashboard_installations SET last_day = ?, last_received_us = ? WHERE installation_id = ? AND last_received_us <= ?",
        (facts.day, facts.received_us, facts.installation_id, facts.received_us),
    )
    return updated > 0


def _record_activity(db: peewee.Database, facts: ReportFacts, totals: _PendingTotals) -> None:
    """Count the report on its day and extend the installation's active-day coverage."""
    inserted = _execute(
        db,
        "INSERT INTO dashboard_activity (installation_id, day, submissions, errors) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (installation_id, day) DO NOTHING",
        (facts.installation_id, facts.day, facts.error_total),
    )
    if not inserted:
        _execute(
            db,
            "UPDATE dashboard_activity SET submissions = submissions + 1, errors = errors + ? WHERE installation_id = ? AND day = ?",
            (facts.error_total, facts.installation_id, facts.day),
        )
    totals.add_daily(facts.day, submissions=1, errors=facts.error_total)
    if inserted:
        _add_coverage(db, facts.installation_id, facts.day, totals)


def _add_coverage(db: peewee.Database, installation_id: str, day: int, totals: _PendingTotals) -> None:
    """Record the days on which this new active day makes the installation newly active.

    An installation is active on day D in a W-day window when it has a report day in
    [D - W + 1, D], so report day d covers [d, d + W - 1]. Only the part not already
    covered by the nearest earlier (p) and later (n) report days is new:
    [max(d, p + W), min(d + W - 1, n - 1)]. This is true in any arrival order.
    """
    previous_day, next_day = _fetch_one(
        db,
        "SELECT (SELECT MAX(day) FROM dashboard_activity WHERE installation_id = ? AND day < ?), "
        "(SELECT MIN(day) FROM dashboard_activity WHERE installation_id = ? AND day > ?)",
        (installation_id, day, installation_id, day),
    )
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


def _insert_facets(db: peewee.Database, facts: ReportFacts, totals: _PendingTotals) -> None:
    rows = [(facts.installation_id, facet, value, amount, facts.day) for facet, value, amount in facts.facets()]
    _execute_many(db, "INSERT INTO dashboard_facets (installation_id, facet, value, amount, last_day) VALUES (?, ?, ?, ?, ?)", rows)
    for facet, value, amount in facts.facets():
        totals.add_facet_day(facet, value, facts.day, 1, amount)


def _uncount_facets(db: peewee.Database, installation_id: str, totals: _PendingTotals) -> None:
    """Take the installation's current facet rows out of the per-day facet counts."""
    rows = _fetch_all(db, "SELECT facet, value, amount, last_day FROM dashboard_facets WHERE installation_id = ?", (installation_id,))
    for facet, value, amount, last_day in rows:
        totals.add_facet_day(facet, value, last_day, -1, -int(amount))


def _record_week(db: peewee.Database, facts: ReportFacts, totals: _PendingTotals) -> None:
    """Count the installation once per week, with the facets of its latest report that week."""
    week = _week_of_day(facts.day)
    new_facets = facts.weekly_facets()
    inserted = _execute(
        db,
        "INSERT INTO dashboard_weeks (installation_id, week, received_us, facets) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (installation_id, week) DO NOTHING",
        (facts.installation_id, week, facts.received_us, json.dumps(new_facets)),
    )
    if inserted:
        totals.add_weekly(week, new_facets, 1)
        return

    received_us, old_json = _fetch_one(
        db, "SELECT received_us, facets FROM dashboard_weeks WHERE installation_id = ? AND week = ?", (facts.installation_id, week)
    )
    if facts.received_us < received_us:
        return
    totals.add_weekly(week, json.loads(old_json), -1)
    totals.add_weekly(week, new_facets, 1)
    _execute(
        db,
        "UPDATE dashboard_weeks SET received_us = ?, facets = ? WHERE installation_id = ? AND week = ?",
        (facts.received_us, json.dumps(new_facets), facts.installation_id, week),
    )


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


# SQL helpers ----------------------------------------------------------------------


def _sql(db: peewee.Database, statement: str) -> str:
    """Use the driver's placeholder: SQLite takes ``?`` and psycopg2 takes ``%s``."""
    return statement if db.param == "?" else statement.replace("?", db.param)


def _execute(db: peewee.Database, statement: str, params: tuple) -> int:
    cursor = db.execute_sql(_sql(db, statement), params)
    return cursor.rowcount


def _execute_many(db: peewee.Database, statement: str, rows: list[tuple]) -> None:
    """Run an INSERT for many rows; on PostgreSQL as one multi-row statement, not one round trip per row."""
    if not rows:
        return
    cursor = db.cursor()
    if isinstance(db, peewee.PostgresqlDatabase):
        from psycopg2.extras import execute_values

        execute_values(cursor, _VALUES_PATTERN.sub("VALUES %s", statement, count=1), rows, page_size=len(rows))
        return
    cursor.executemany(statement, rows)


def _fetch_one(db: peewee.Database, statement: str, params: tuple) -> tuple | None:
    return db.execute_sql(_sql(db, statement), params).fetchone()


def _fetch_all(db: peewee.Database, statement: str, params: tuple) -> list[tuple]:
    return list(db.execute_sql(_sql(db, statement), params).fetchall())


# Small-count suppression ----------------------------------------------------------


def suppress_small_groups(
    groups: Iterable[tuple[str, int, int]],
    min_group_size: int,
    *,
    other_installations: int | None = None,
) -> dict[str, Any]:
    """Hide every group of fewer than ``min_group_size`` installations.

    ``groups`` contains (value, installations, amount) tuples. Small groups are merged
    into "other"; when "other" has fewer than ``min_group_size`` installations too,
    it is dropped and only the number of dropped groups is reported.
    ``other_installations`` overrides the merged count for facets where one
    installation can be in several groups (features, printer types, errors), since a
    sum would count such an installation more than once.
    """
    shown = []
    small = []
    for value, installations, amount in groups:
        target = shown if installations >= min_group_size else small
        target.append({"value": value, "installations": int(installations), "amount": int(amount)})

    merged = sum(group["installations"] for group in small) if other_installations is None else other_installations
    other = None
    if small and merged >= min_group_size:
        other = {"installations": int(merged), "amount": sum(group["amount"] for group in small), "groups": len(small)}
    return {"groups": shown, "other": other, "suppressed_groups": 0 if other else len(small)}


# Queries --------------------------------------------------------------------------

# (facet, whether an installation can have several values of it)
_BREAKDOWN_FACETS = {
    "versions": ("version", False),
    "deployment-modes": ("deployment_mode", False),
    "platforms": ("platform", False),
    "countries": ("country", False),
    "fleet-sizes": ("fleet_size", False),
    "printer-types": ("printer_type", True),
    "features": ("feature", True),
    "errors": ("error", True),
}

# Meaning of a group's "amount" per facet, named in the response.
_AMOUNT_NAMES = {"printer_type": "printers", "error": "errors"}


class DashboardQueries:
    """Read-only dashboard queries over the summary tables."""

    def __init__(self, db: peewee.Database, min_group_size: int) -> None:
        self._db = db
        self._min_group_size = min_group_size

    def active_installations(self, today: int, window_days: int) -> int:
        row = _fetch_one(self._db, "SELECT COUNT(*) FROM dashboard_installations WHERE last_day > ?", (today - window_days,))
        return int(row[0])

    def overview(self, today: int) -> dict[str, Any]:
        since = today - DEFAULT_WINDOW_DAYS + 1
        totals = _fetch_one(
            self._db,
            "SELECT COALESCE(SUM(submissions), 0), COALESCE(SUM(new_installations), 0) FROM dashboard_daily WHERE day >= ? AND day <= ?",
            (since, today),
        )
        return {
            "active_installations_7_days": self.active_installations(today, 7),
            "active_installations_30_days": self.active_installations(today, 30),
            "installations_known": int(_fetch_one(self._db, "SELECT COUNT(*) FROM dashboard_installations", ())[0]),
            "submissions_30_days": int(totals[0]),
            "new_installations_30_days": int(totals[1]),
        }

    def activity_trend(self, today: int, days: int) -> list[dict[str, Any]]:
        """Return, for each of the last ``days`` days, the installations active in 7 and 30 days."""
        start = today - days + 1
        base_7, base_30 = _fetch_one(
            self._db, "SELECT COALESCE(SUM(active_7_delta), 0), COALESCE(SUM(active_30_delta), 0) FROM dashboard_daily WHERE day < ?", (start,)
        )
        rows = {
            row[0]: row[1:]
            for row in _fetch_all(
                self._db,
                "SELECT day, active_7_delta, active_30_delta, submissions, new_installations FROM dashboard_daily WHERE day >= ? AND day <= ?",
                (start, today),
            )
        }

        trend = []
        active_7, active_30 = int(base_7), int(base_30)
        for day in range(start, today + 1):
            delta_7, delta_30, submissions, new_installations = rows.get(day, (0, 0, 0, 0))
            active_7 += int(delta_7)
            active_30 += int(delta_30)
            trend.append(
                {
                    "day": date.fromordinal(day).isoformat(),
                    "active_installations_7_days": active_7,
                    "active_installations_30_days": active_30,
                    "submissions": int(submissions),
                    "new_installations": int(new_installations),
                }
            )
        return trend

    def breakdown(self, name: str, today: int, window_days: int) -> dict[str, Any]:
        """Group the installations active in the window by one facet of their latest report."""
        facet, multi_valued = _BREAKDOWN_FACETS[name]
        since = today - window_days + 1
        groups = _fetch_all(
            self._db,
            "SELECT value, SUM(installations), SUM(amount) FROM dashboard_facet_days WHERE facet = ? AND last_day >= ? "
            "GROUP BY value HAVING SUM(installations) > 0",
            (facet, since),
        )
        groups = [(value, int(installations), int(amount)) for value, installations, amount in groups]
        other_installations = None
        if multi_valued:
            small_values = [value for value, installations, _ in groups if installations < self._min_group_size]
            other_installations = self._count_installations_with(facet, since, small_values)

        result = suppress_small_groups(groups, self._min_group_size, other_installations=other_installations)
        active = self.active_installations(today, window_days)
        if facet == "version":
            result["groups"].sort(key=lambda group: version_sort_key(group["value"]))
        else:
            result["groups"].sort(key=lambda group: (-group["installations"], group["value"]))
        for group in result["groups"]:
            group["share"] = round(group["installations"] / active, 4) if active else 0.0
        return {"window_days": window_days, "active_installations": active, "amount": _AMOUNT_NAMES.get(facet, "installations"), **result}

    def _count_installations_with(self, facet: str, since: int, values: list[str]) -> int:
        """Count installations active since ``since`` with at least one of ``values`` for ``facet``."""
        count = 0
        seen: set[str] = set()
        for start in range(0, len(values), _MAX_IN_LIST_VALUES):
            chunk = values[start : start + _MAX_IN_LIST_VALUES]
            rows = _fetch_all(
                self._db,
                f"SELECT DISTINCT installation_id FROM dashboard_facets WHERE facet = ? AND value IN ({', '.join('?' for _ in chunk)}) "
                "AND last_day >= ?",
                (facet, *chunk, since),
            )
            new_ids = {row[0] for row in rows} - seen
            count += len(new_ids)
            seen |= new_ids
        return count

    def weekly_trend(self, facet: str, today: int, days: int) -> list[dict[str, Any]]:
        """Return, per ISO week in the last ``days`` days, the installations reporting each value."""
        first_week = _week_of_day(today - days + 1)
        rows = _fetch_all(
            self._db,
            "SELECT week, facet, value, installations FROM dashboard_weekly_facets "
            "WHERE week >= ? AND week <= ? AND facet IN (?, 'reporting') AND installations > 0",
            (first_week, today, facet),
        )
        by_week: dict[int, list[tuple[str, int, int]]] = {}
        reporting: dict[int, int] = {}
        for week, row_facet, value, installations in rows:
            if row_facet == "reporting":
                reporting[week] = int(installations)
            else:
                by_week.setdefault(week, []).append((value, int(installations), int(installations)))

        weeks = []
        for week in range(first_week, today + 1, 7):
            # A sum over features counts an installation once per feature, so the merged
            # "other" group is only formed for single-valued facets.
            other = 0 if facet == "feature" else None
            result = suppress_small_groups(by_week.get(week, []), self._min_group_size, other_installations=other)
            total = reporting.get(week, 0)
            for group in result["groups"]:
                del group["amount"]
                group["share"] = round(group["installations"] / total, 4) if total else 0.0
            if result["other"]:
                del result["other"]["amount"]
            key = version_sort_key if facet == "version" else str
            result["groups"].sort(key=lambda group: key(group["value"]))
            weeks.append({"week_start": date.fromordinal(week).isoformat(), "reporting_installations": total, **result})
        return weeks

    def daily_series(self, first_day: int, last_day: int) -> dict[int, tuple[int, int, int]]:
        """Return day -> (submissions, errors, active installations in 7 days) for the range."""
        (base_7,) = _fetch_one(self._db, "SELECT COALESCE(SUM(active_7_delta), 0) FROM dashboard_daily WHERE day < ?", (first_day,))
        rows = {
            day: (int(submissions), int(errors), int(delta))
            for day, submissions, errors, delta in _fetch_all(
                self._db,
                "SELECT day, submissions, errors, active_7_delta FROM dashboard_daily WHERE day >= ? AND day <= ?",
                (first_day, last_day),
            )
        }

        series = {}
        active_7 = int(base_7)
        for day in range(first_day, last_day + 1):
            submissions, errors, delta = rows.get(day, (0, 0, 0))
            active_7 += delta
            series[day] = (submissions, errors, active_7)
        return series


ANOMALY_RULES = {
    "active_drop": (
        f"installations active in the last 7 days fell below {ACTIVE_DROP_RATIO:.0%} of the count 7 days earlier, "
        "and that earlier count was at least the minimum group size"
    ),
    "submission_spike": (
        f"reports received on the day exceeded both the mean of the previous {ANOMALY_BASELINE_DAYS} days plus "
        f"{SPIKE_STANDARD_DEVIATIONS:g} standard deviations and {SPIKE_MEAN_FACTOR:g} times that mean, "
        "and were at least the minimum group size"
    ),
    "error_spike": (
        f"errors counted in reports received on the day exceeded both the mean of the previous {ANOMALY_BASELINE_DAYS} "
        f"days plus {SPIKE_STANDARD_DEVIATIONS:g} standard deviations and {SPIKE_MEAN_FACTOR:g} times that mean, "
        "and were at least the minimum group size"
    ),
}


def find_anomalies(queries: DashboardQueries, today: int, days: int, min_group_size: int) -> list[dict[str, Any]]:
    """Check each complete day of the last ``days`` days against ANOMALY_RULES.

    Consecutive days on which the same rule is met are returned as one anomaly that
    starts on ``day`` and ends on ``last_day``; its figures are those of the first day.
    """
    first_day = today - days
    series = queries.daily_series(first_day - ANOMALY_BASELINE_DAYS, today - 1)
    baselines = {
        "submission_spike": _rolling_baselines(series, 0, first_day, today),
        "error_spike": _rolling_baselines(series, 1, first_day, today),
    }

    anomalies: list[dict[str, Any]] = []
    open_runs: dict[str, dict[str, Any]] = {}
    for day in range(first_day, today):
        for kind, value, baseline, threshold in _day_checks(series, baselines, day, min_group_size):
            run = open_runs.get(kind)
            if run is not None and run["last_day"] == date.fromordinal(day - 1).isoformat():
                run["last_day"] = date.fromordinal(day).isoformat()
                continue
            run = _anomaly(day, kind, value, baseline, threshold)
            open_runs[kind] = run
            anomalies.append(run)
    return anomalies


def _rolling_baselines(series: dict[int, tuple[int, int, int]], position: int, first_day: int, end_day: int) -> dict[int, tuple[float, float]]:
    """Return day -> (mean, population standard deviation) of the previous ANOMALY_BASELINE_DAYS days."""
    values = [series[day][position] for day in range(first_day - ANOMALY_BASELINE_DAYS, first_day)]
    total = float(sum(values))
    squares = float(sum(value * value for value in values))
    baselines = {}
    for day in range(first_day, end_day):
        mean = total / ANOMALY_BASELINE_DAYS
        variance = max(0.0, squares / ANOMALY_BASELINE_DAYS - mean * mean)
        baselines[day] = (mean, variance**0.5)
        leaving = series[day - ANOMALY_BASELINE_DAYS][position]
        entering = series[day][position]
        total += entering - leaving
        squares += entering * entering - leaving * leaving
    return baselines


def _day_checks(
    series: dict[int, tuple[int, int, int]],
    baselines: dict[str, dict[int, tuple[float, float]]],
    day: int,
    min_group_size: int,
) -> list[tuple[str, int, float, float]]:
    """Return (kind, value, baseline, threshold) for every rule met on ``day``."""
    submissions, errors, active_7 = series[day]
    week_before = series[day - 7][2]
    found = []
    if week_before >= min_group_size and active_7 < ACTIVE_DROP_RATIO * week_before:
        found.append(("active_drop", active_7, float(week_before), ACTIVE_DROP_RATIO * week_before))

    for kind, value in (("submission_spike", submissions), ("error_spike", errors)):
        mean, deviation = baselines[kind][day]
        threshold = max(mean + SPIKE_STANDARD_DEVIATIONS * deviation, SPIKE_MEAN_FACTOR * mean)
        if value >= min_group_size and value > threshold:
            found.append((kind, value, mean, threshold))
    return found


def _anomaly(day: int, kind: str, value: int, baseline: float, threshold: float) -> dict[str, Any]:
    return {
        "day": date.fromordinal(day).isoformat(),
        "last_day": date.fromordinal(day).isoformat(),
        "kind": kind,
        "value": value,
        "baseline": round(baseline, 2),
        "threshold": round(threshold, 2),
    }


# HTTP -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parameter:
    name: str
    default: int
    bounds: tuple[int, int]


_WINDOW = _Parameter("days", DEFAULT_WINDOW_DAYS, DAYS_RANGE)
_TREND = _Parameter("days", DEFAULT_TREND_DAYS, TREND_DAYS_RANGE)
_ANOMALY = _Parameter("days", DEFAULT_WINDOW_DAYS, DAYS_RANGE)

# Dashboard name -> the query parameters it accepts.
DASHBOARD_PARAMETERS: dict[str, tuple[_Parameter, ...]] = {
    "overview": (),
    "activity": (_WINDOW,),
    **{name: (_WINDOW,) for name in _BREAKDOWN_FACETS},
    "version-migration": (_TREND,),
    "feature-trends": (_TREND,),
    "anomalies": (_ANOMALY,),
}
DASHBOARD_NAMES = tuple(DASHBOARD_PARAMETERS)


class DashboardResource:
    """``GET /stats/dashboard/{name}``: one JSON dashboard; operator-only through the auth middleware."""

    def __init__(
        self, db: peewee.Database, min_group_size: int, clock: Callable[[], datetime], catch_up: Callable[[], Any]
    ) -> None:
        self._queries = DashboardQueries(db, min_group_size)
        self._min_group_size = min_group_size
        self._clock = clock
        self._catch_up = catch_up

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if name not in DASHBOARD_PARAMETERS:
            raise falcon.HTTPNotFound(
                title="Unknown Dashboard",
                description=f"There is no dashboard named {name!r}; use one of: {', '.join(DASHBOARD_NAMES)}.",
            )

        values = _read_parameters(req, DASHBOARD_PARAMETERS[name])
        self._catch_up()
        now = _as_utc(self._clock())
        today = _day_of_datetime(now)
        body: dict[str, Any] = {
            "dashboard": name,
            "generated_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "min_group_size": self._min_group_size,
        }
        body.update(self._build(name, today, values))
        resp.media = body

    def _build(self, name: str, today: int, values: dict[str, int]) -> dict[str, Any]:
        if name == "overview":
            return self._queries.overview(today)
        if name == "activity":
            return {"days": values["days"], "trend": self._queries.activity_trend(today, values["days"])}
        if name == "version-migration":
            return {"days": values["days"], "weeks": self._queries.weekly_trend("version", today, values["days"])}
        if name == "feature-trends":
            return {"days": values["days"], "weeks": self._queries.weekly_trend("feature", today, values["days"])}
        if name == "anomalies":
            anomalies = find_anomalies(self._queries, today, values["days"], self._min_group_size)
            return {"days": values["days"], "rules": ANOMALY_RULES, "anomalies": anomalies}
        return self._queries.breakdown(name, today, values["days"])


class DashboardIndexResource:
    """``GET /stats/dashboard``: the dashboard names and the query parameters each accepts."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {
            "dashboards": [
                {
                    "name": name,
                    "parameters": [
                        {"name": p.name, "default": p.default, "minimum": p.bounds[0], "maximum": p.bounds[1]} for p in parameters
                    ],
                }
                for name, parameters in DASHBOARD_PARAMETERS.items()
            ]
        }


def _read_parameters(req: falcon.Request, accepted: tuple[_Parameter, ...]) -> dict[str, int]:
    """Parse the query string, rejecting unknown names and values outside their range."""
    allowed = {parameter.name: parameter for parameter in accepted}
    for name, value in req.params.items():
        if name not in allowed:
            expected = ", ".join(allowed) or "no parameters"
            raise falcon.HTTPBadRequest(
                title="Unknown Query Parameter",
                description=f"Query parameter {name!r} is not accepted here; this dashboard takes: {expected}.",
            )
        if isinstance(value, list):
            raise falcon.HTTPBadRequest(
                title="Repeated Query Parameter",
                description=f"Query parameter {name!r} is given {len(value)} times; send it once.",
            )

    values = {}
    for parameter in accepted:
        raw = req.get_param(parameter.name)
        low, high = parameter.bounds
        if raw is None:
            values[parameter.name] = parameter.default
            continue
        value = int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) else None
        if value is None or not low <= value <= high:
            raise falcon.HTTPBadRequest(
                title="Invalid Query Parameter",
                description=f"Query parameter {parameter.name!r} must be a whole number from {low} to {high}; got {raw!r}.",
            )
        values[parameter.name] = value
    return values


def add_dashboard_routes(app: falcon.App, store: Any, config: Any, clock: Callable[[], datetime] | None = None) -> None:
    """Add the ``/stats/dashboard`` routes to ``app``; the summary tables come from the migration."""
    resource = DashboardResource(store.db, config.min_group_size, clock or _utc_now, store.catch_up_summaries)
    app.add_route("/stats/dashboard", DashboardIndexResource())
    app.add_route("/stats/dashboard/{name}", resource)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """Read a naive datetime as UTC, the form the collector's clock returns."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

"""Collector tables as peewee models, and the Store that reads and writes them.

``Store.open`` binds the models to its database, so one Store per process serves
them at a time; the dashboards query ``Submission`` and ``Installation`` directly.
Each thread keeps its own connection for its whole life (peewee keeps connection
state per thread), because connecting per request is slow on PostgreSQL.
"""

from __future__ import annotations

import functools
import hmac
import json
import math
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import peewee

from collector import dashboard, migrations
from collector.config import validate_database_url
from collector.errors import CollectorError, DeletionTokenMismatch, RateLimited, ReportIdConflict
from collector.validation import Report

SQLITE_BUSY_TIMEOUT_MS = 10_000
RATE_WINDOW = timedelta(hours=1)
# PostgreSQL aborts a transaction that deadlocks on the shared dashboard summary rows
# (SQLSTATE 40P01) or fails to serialize (40001). Such a transaction is run again.
RETRYABLE_SQLSTATES = ("40P01", "40001")
MAX_TRANSACTION_ATTEMPTS = 3

# Namespaces of the PostgreSQL advisory locks (first argument of pg_advisory_xact_lock).
_LOCK_MIGRATION = 1
_LOCK_INSTALLATION = 2
# Report writers take the watermark lock shared. While a transaction holds it exclusively,
# no submission id is still uncommitted (Store._committed_submission_id relies on this).
_LOCK_WATERMARK = 3
# Serializes the dashboard summary catch-ups of all processes.
_LOCK_SUMMARIES = 4
# Keeps each IN (...) list of a batch's lookups well below SQLite's parameter limit.
_MAX_IN_LIST_VALUES = 500

_T = TypeVar("_T")


class BaseModel(peewee.Model):
    class Meta:
        legacy_table_names = False


class CollectorMeta(BaseModel):
    """One setting of the database itself, such as the schema version."""

    key = peewee.CharField(max_length=64, primary_key=True)
    value = peewee.TextField()

    class Meta:
        table_name = "collector_meta"


class Installation(BaseModel):
    """An installation that has reported, with the hash of its deletion token."""

    installation_id = peewee.CharField(max_length=36, primary_key=True)
    deletion_token_sha256 = peewee.CharField(max_length=64, null=True)
    first_seen_at = peewee.DateTimeField()
    last_seen_at = peewee.DateTimeField()

    class Meta:
        table_name = "installations"


class Submission(BaseModel):
    """One accepted report; maps are stored as JSON text."""

    id = peewee.AutoField()
    report_id = peewee.CharField(max_length=36, unique=True)
    installation_id = peewee.CharField(max_length=36)
    schema_version = peewee.CharField(max_length=8)
    received_at = peewee.DateTimeField(index=True)
    period_start = peewee.DateTimeField()
    period_end = peewee.DateTimeField()
    app_version = peewee.CharField(max_length=32)
    python_version = peewee.CharField(max_length=32, null=True)
    platform = peewee.CharField(max_length=16)
    deployment_mode = peewee.CharField(max_length=16)
    country_code = peewee.CharField(max_length=2)
    printer_count = peewee.IntegerField()
    printer_type_counts = peewee.TextField()
    job_count = peewee.IntegerField()
    job_completed_count = peewee.IntegerField(null=True)
    job_failed_count = peewee.IntegerField(null=True)
    file_count = peewee.IntegerField()
    upload_count = peewee.IntegerField()
    uptime_hours = peewee.IntegerField()
    feature_usage = peewee.TextField()
    error_summary = peewee.TextField()

    class Meta:
        table_name = "submissions"
        indexes = ((("installation_id", "received_at"), False),)


class SourceHit(BaseModel):
    """One accepted report counted against a source address, stored only as an HMAC."""

    id = peewee.AutoField()
    source_hash = peewee.CharField(max_length=64)
    hit_at = peewee.DateTimeField()

    class Meta:
        table_name = "source_hits"
        indexes = ((("source_hash", "hit_at"), False),)


class SourceKey(BaseModel):
    """The random HMAC key of one UTC day; older keys are deleted so old hashes cannot be linked."""

    day = peewee.CharField(max_length=10, primary_key=True)
    secret = peewee.CharField(max_length=64)

    class Meta:
        table_name = "source_keys"


MODELS = (CollectorMeta, Installation, Submission, SourceHit, SourceKey)
_JSON_COLUMNS = ("printer_type_counts", "feature_usage", "error_summary")


@dataclass(frozen=True)
class StoredSubmission:
    """Result of storing a report: its submission id and whether it was stored before."""

    submission_id: int
    duplicate: bool


@dataclass(frozen=True)
class ReportRequest:
    """A validated report waiting to be stored, with the values its checks use."""

    report: Report
    received_at: datetime
    source_hash: str
    limit_per_hour: int
    source_limit_per_hour: int


@dataclass(frozen=True)
class PurgeResult:
    """Rows removed by a retention purge, per table."""

    submissions: int
    installations: int
    source_hits: int


def _drops_broken_connection(method: Callable[..., _T]) -> Callable[..., _T]:
    """Close this thread's connection after a database error so the next call reconnects."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except (peewee.OperationalError, peewee.InterfaceError):
            self.discard_connection()
            raise

    return wrapper


class Store:
    """Reads and writes the collector tables; safe to share between threads."""

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        self.is_postgres = isinstance(db, peewee.PostgresqlDatabase)
        self._source_secrets: dict[str, bytes] = {}
        # SQLite lets one writer in at a time and makes the others poll with growing
        # sleeps. Queueing this process's writers on a lock first avoids those sleeps.
        self._sqlite_writer = threading.RLock()
        db.bind(MODELS)

    @classmethod
    def open(cls, database_url: str) -> Store:
        """Open ``sqlite:///path`` or ``postgresql://user@host:port/db`` without connecting yet."""
        validate_database_url(database_url)
        parts = urlsplit(database_url)
        if parts.scheme == "sqlite":
            return cls(_open_sqlite(sqlite_path(database_url)))
        return cls(_open_postgres(parts))

    def close(self) -> None:
        """Close the calling thread's connection."""
        if not self.db.is_closed():
            self.db.close()

    def discard_connection(self) -> None:
        """Drop the calling thread's connection, even a broken one, outside any transaction."""
        try:
            if not self.db.in_transaction():
                self.db.close()
        except peewee.PeeweeException:
            self.db._state.reset()  # noqa: SLF001 - peewee has no public way to forget a dead connection.

    @_drops_broken_connection
    def check(self) -> None:
        """Run a trivial query; raises peewee.OperationalError when the database is down."""
        self.db.execute_sql("SELECT 1").fetchone()

    @_drops_broken_connection
    def migrate(self, target: int = migrations.LATEST_VERSION) -> list[int]:
        """Bring the schema up to ``target`` without losing rows; return the steps applied.

        Safe to run from several processes at once: the steps run under one lock.
        """
        if not 0 <= target <= migrations.LATEST_VERSION:
            msg = f"Schema version {target} is unknown; choose one from 0 to {migrations.LATEST_VERSION}."
            raise ValueError(msg)

        with self._write_transaction():
            self._lock(_LOCK_MIGRATION, "schema")
            applied = migrations.apply_steps(self.db, target)
            if self.db.table_exists("dashboard_installations"):
                dashboard.ensure_watermark(self.db)
            return applied

    @_drops_broken_connection
    def schema_version(self) -> int:
        """Return the schema version recorded in the database, 0 when it is empty."""
        return migrations.current_version(self.db)

    @_drops_broken_connection
    def store_report(
        self,
        report: Report,
        *,
        received_at: datetime,
        source_hash: str,
        limit_per_hour: int,
        source_limit_per_hour: int,
    ) -> StoredSubmission:
        """Store one report, or return the stored one when its report id is known.

        Checks the deletion token and both hourly limits and inserts the row in one
        transaction that holds the installation's lock, so concurrent requests and
        several server processes count each installation exactly. The dashboard
        summaries are brought up to date after the commit.

        NOTE: on PostgreSQL the per-source count takes no lock, so simultaneous reports
        of different installations from one address can pass that limit by up to the
        number of requests in flight. A source lock would serialize every report that
        arrives through one proxy address.
        """
        for attempt in range(1, MAX_TRANSACTION_ATTEMPTS + 1):
            try:
                with self._write_transaction():
                    self._lock_summary_watermark(exclusive=False)
                    self._lock(_LOCK_INSTALLATION, report.installation_id)
                    stored = self._store_locked(report, received_at, source_hash, limit_per_hour, source_limit_per_hour)
                break
            except peewee.IntegrityError:
                # Another installation inserted the same report id between our lookup and insert.
                raise ReportIdConflict(report.report_id) from None
            except Exception as error:
                if attempt == MAX_TRANSACTION_ATTEMPTS or _sqlstate(error) not in RETRYABLE_SQLSTATES:
                    raise
        self.catch_up_summaries()
        return stored

    @_drops_broken_connection
    def store_reports(self, requests: Sequence[ReportRequest]) -> list[StoredSubmission | CollectorError]:
        """Store a batch of reports in one transaction and return one outcome per report, in order.

        Each report gets the checks of ``store_report`` in turn, seeing the reports
        before it in the batch. A report that breaks a rule gets its error as its
        outcome and writes nothing. Any other error rolls the whole batch back and is
        raised. The dashboard summaries are left to ``catch_up_summaries``.
        """
        installation_ids = sorted({request.report.installation_id for request in requests})
        for attempt in range(1, MAX_TRANSACTION_ATTEMPTS + 1):
            try:
                with self._write_transaction():
                    self._lock_summary_watermark(exclusive=False)
                    self._lock_installations(installation_ids)
                    batch = _Batch(self)
                    batch.prefetch(requests)
                    outcomes = [batch.store_or_error(request) for request in requests]
                    batch.flush()
                    return outcomes
            except Exception as error:
                # An IntegrityError means another process stored one of these report ids
                # after our lookup. The next attempt finds that row and returns a duplicate
                # or a ReportIdConflict for that report only.
                retryable = isinstance(error, peewee.IntegrityError) or _sqlstate(error) in RETRYABLE_SQLSTATES
                if attempt == MAX_TRANSACTION_ATTEMPTS or not retryable:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    @_drops_broken_connection
    def catch_up_summaries(self, chunk_reports: int | None = None) -> int:
        """Add the submissions stored since the last call to the dashboard summaries; return how many.

        With ``chunk_reports`` each transaction summarizes at most that many reports, so
        on SQLite a report writer waits for one chunk at a time, not for the whole backlog.
        """
        if dashboard.summaries_current(self.db):
            return 0

        committed_up_to = self._committed_submission_id()
        added = 0
        while True:
            with self._write_transaction():
                self._lock(_LOCK_SUMMARIES, "catch-up")
                chunk = dashboard.catch_up(self.db, up_to=committed_up_to, max_reports=chunk_reports)
            added += chunk
            if chunk_reports is None or chunk < chunk_reports:
                return added

    def _committed_submission_id(self) -> int | None:
        """Return an id at or below which every submission is committed (PostgreSQL), None on SQLite.

        PostgreSQL hands out ids before commit, so a later id can commit first. Report
        writers hold the watermark lock shared, so while it is held exclusively none is
        in flight. SQLite needs no bound: BEGIN IMMEDIATE lets one writer in at a time.
        """
        if not self.is_postgres:
            return None
        with self.db.atomic():
            self._lock_summary_watermark(exclusive=True)
            return int(self._fetch_one("SELECT COALESCE(MAX(id), 0) FROM submissions", ())[0])

    def _store_locked(
        self, report: Report, now: datetime, source_hash: str, limit_per_hour: int, source_limit_per_hour: int
    ) -> StoredSubmission:
        batch = _Batch(self)
        stored = batch.store(ReportRequest(report, now, source_hash, limit_per_hour, source_limit_per_hour))
        batch.flush()
        return stored

    def _execute(self, statement: str, params: tuple[Any, ...]) -> Any:
        if self.is_postgres:
            statement = statement.replace("?", "%s")
        return self.db.execute_sql(statement, params)

    def _execute_many(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.is_postgres:
            statement = statement.replace("?", "%s")
        cursor = self.db.cursor()
        cursor.executemany(statement, rows)

    def _fetch_one(self, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return self._execute(statement, params).fetchone()

    def _time(self, moment: datetime) -> datetime | str:
        # peewee stores SQLite datetimes as text in this form, which sorts in time order.
        if self.is_postgres:
            return moment
        return moment.isoformat(" ")

    @_drops_broken_connection
    def registered_token_hash(self, installation_id: str) -> tuple[bool, str | None]:
        """Return whether the installation is known and its registered deletion token hash."""
        installation = Installation.get_or_none(Installation.installation_id == installation_id)
        if installation is None:
            return False, None
        return True, installation.deletion_token_sha256

    @_drops_broken_connection
    def installation_data(self, installation_id: str) -> dict[str, Any] | None:
        """Return everything stored for one installation, or None when nothing is."""
        installation = Installation.get_or_none(Installation.installation_id == installation_id)
        rows = list(
            Submission.select().where(Submission.installation_id == installation_id).order_by(Submission.id).dicts()
        )
        if installation is None and not rows:
            return None

        record = None
        if installation is not None:
            record = {
                "installation_id": installation.installation_id,
                "deletion_token_registered": installation.deletion_token_sha256 is not None,
                "first_seen_at": format_time(installation.first_seen_at),
                "last_seen_at": format_time(installation.last_seen_at),
            }
        return {"installation": record, "submissions": [_submission_export(row) for row in rows]}

    @_drops_broken_connection
    def delete_installation(self, installation_id: str) -> int:
        """Delete every row of one installation; return how many submissions were deleted."""
        with self._write_transaction():
            # The installation's lock makes a report being stored right now either finish
            # before this delete or see the deleted installation afterwards.
            self._lock(_LOCK_SUMMARIES, "catch-up")
            self._lock_summary_watermark(exclusive=True)
            self._lock(_LOCK_INSTALLATION, installation_id)
            dashboard.catch_up(self.db)
            deleted = Submission.delete().where(Submission.installation_id == installation_id).execute()
            Installation.delete().where(Installation.installation_id == installation_id).execute()
            dashboard.forget_installation(self.db, installation_id)
            dashboard.lower_watermark(self.db)
        return deleted

    @_drops_broken_connection
    def summary(self, now: datetime) -> dict[str, Any]:
        """Return installation and submission totals for the operator."""
        def active_since(days: int) -> int:
            since = now - timedelta(days=days)
            query = Submission.select(Submission.installation_id).where(Submission.received_at >= since).distinct()
            return query.count()

        latest = Submission.select(peewee.fn.MAX(Submission.received_at)).scalar()
        return {
            "installations_total": Installation.select().count(),
            "active_7_days": active_since(7),
            "active_30_days": active_since(30),
            "submissions_total": Submission.select().count(),
            "latest_submission_at": format_time(_as_datetime(latest)) if latest else None,
        }

    @_drops_broken_connection
    def purge(self, older_than: datetime, *, now: datetime) -> PurgeResult:
        """Delete submissions received before ``older_than`` and installations idle since then.

        Source-address hits older than the rate window before ``now`` go too: they no
        longer count against any limit.
        """
        with self._write_transaction():
            # Summarize every stored report first, so an installation that reported
            # again after the cutoff keeps its summary rows.
            self._lock(_LOCK_SUMMARIES, "catch-up")
            self._lock_summary_watermark(exclusive=True)
            dashboard.catch_up(self.db)
            submissions = Submission.delete().where(Submission.received_at < older_than).execute()
            reporting = Submission.select(Submission.installation_id).distinct()
            installations = (
                Installation.delete()
                .where((Installation.last_seen_at < older_than) & Installation.installation_id.not_in(reporting))
                .execute()
            )
            hits = SourceHit.delete().where(SourceHit.hit_at <= now - RATE_WINDOW).execute()
            dashboard.purge_summaries_before(self.db, older_than)
            dashboard.lower_watermark(self.db)
        return PurgeResult(submissions, installations, hits)

    @_drops_broken_connection
    def source_secret(self, day: date) -> bytes:
        """Return the HMAC key of a UTC day, creating it and deleting older days' keys once."""
        label = day.isoformat()
        cached = self._source_secrets.get(label)
        if cached is not None:
            return cached

        with self._write_transaction():
            SourceKey.insert(day=label, secret=secrets.token_hex(32)).on_conflict_ignore().execute()
            SourceKey.delete().where(SourceKey.day < label).execute()
            secret = bytes.fromhex(SourceKey.get(SourceKey.day == label).secret)
        self._source_secrets = {label: secret}
        return secret

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        # SQLite: BEGIN IMMEDIATE takes the write lock before the first read, so a
        # count and the insert that follows cannot interleave with another writer.
        if self.is_postgres:
            with self.db.atomic():
                yield
        else:
            with self._sqlite_writer, self.db.atomic(lock_type="IMMEDIATE"):
                yield

    def _lock_installations(self, installation_ids: list[str]) -> None:
        # PostgreSQL only. The locks are taken in the order of their keys, the same in
        # every process, so two batches cannot each hold a lock the other waits for.
        if self.is_postgres:
            self.db.execute_sql(
                "SELECT pg_advisory_xact_lock(%s, key) FROM "
                "(SELECT DISTINCT hashtext(name) AS key FROM unnest(%s::text[]) AS name ORDER BY key) AS keys",
                (_LOCK_INSTALLATION, installation_ids),
            )

    def _lock_summary_watermark(self, *, exclusive: bool) -> None:
        if self.is_postgres:
            function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
            self.db.execute_sql(f"SELECT {function}(%s, 0)", (_LOCK_WATERMARK,))

    def _lock(self, namespace: int, name: str) -> None:
        # PostgreSQL only: SQLite's BEGIN IMMEDIATE already serializes every writer.
        if self.is_postgres:
            self.db.execute_sql("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (namespace, name))


_SUBMISSION_COLUMNS = (
    "report_id", "installation_id", "schema_version", "received_at", "period_start", "period_end",
    "app_version", "python_version", "platform", "deployment_mode", "country_code", "printer_count",
    "printer_type_counts", "job_count", "job_completed_count", "job_failed_count", "file_count",
    "upload_count", "uptime_hours", "feature_usage", "error_summary",
)
_INSERT_SUBMISSION = (
    f"INSERT INTO submissions ({', '.join(_SUBMISSION_COLUMNS)}) VALUES ({', '.join('?' for _ in _SUBMISSION_COLUMNS)})"
)


class _Batch:
    """One write transaction's view of the reports it stores, one after another.

    Each installation, report id and source is looked up once per batch and then
    tracked in memory, so a report sees the reports stored before it in the batch.
    Installation and source-hit rows are written together by ``flush``.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        # installation id -> registered deletion token hash; absent when not looked up yet.
        self._tokens: dict[str, str | None] = {}
        self._known_installations: set[str] = set()
        self._reports: dict[str, tuple[int, str] | None] = {}
        self._installation_counts: dict[str, list[Any]] = {}
        self._source_counts: dict[str, list[Any]] = {}
        self._new_installations: dict[str, list[Any]] = {}
        self._seen_installations: dict[str, datetime] = {}
        self._source_hits: list[tuple[str, Any]] = []

    def prefetch(self, requests: Sequence[ReportRequest]) -> None:
        """Look up every installation and report id of ``requests`` with one query each."""
        installation_ids = list({request.report.installation_id for request in requests})
        self._tokens.update(dict.fromkeys(installation_ids))
        rows = self._fetch_in("SELECT installation_id, deletion_token_sha256 FROM installations", "installation_id", installation_ids)
        for installation_id, token in rows:
            self._known_installations.add(installation_id)
            self._tokens[installation_id] = token

        report_ids = list({request.report.report_id for request in requests})
        self._reports.update(dict.fromkeys(report_ids))
        for report_id, submission_id, installation_id in self._fetch_in(
            "SELECT report_id, id, installation_id FROM submissions", "report_id", report_ids
        ):
            self._reports[report_id] = (submission_id, installation_id)

    def store_or_error(self, request: ReportRequest) -> StoredSubmission | CollectorError:
        try:
            return self.store(request)
        except CollectorError as error:
            return error

    def store(self, request: ReportRequest) -> StoredSubmission:
        """Check one report against its token, its report id and both limits, then insert it."""
        report, now = request.report, request.received_at
        _check_token(self._registered_token(report.installation_id), report)

        existing = self._existing_report(report.report_id)
        if existing is not None:
            if existing[1] != report.installation_id:
                raise ReportIdConflict(report.report_id)
            return StoredSubmission(existing[0], duplicate=True)

        installation_count = self._installation_count(report.installation_id, now)
        _enforce_limit("installation", installation_count, request.limit_per_hour, now)
        source_count = self._source_count(request.source_hash, now)
        _enforce_limit("source", source_count, request.source_limit_per_hour, now)

        submission_id = self._insert_submission(_submission_row(report, now))
        self._reports[report.report_id] = (submission_id, report.installation_id)
        _count_one(installation_count, now)
        _count_one(source_count, now)
        self._record_installation(report, now)
        self._source_hits.append((request.source_hash, self._store._time(now)))
        return StoredSubmission(submission_id, duplicate=False)

    def flush(self) -> None:
        """Write the installation and source-hit rows of every report stored so far."""
        store = self._store
        store._execute_many(
            "INSERT INTO installations (installation_id, deletion_token_sha256, first_seen_at, last_seen_at) "
            "VALUES (?, ?, ?, ?)",
            [(installation_id, *values) for installation_id, values in self._new_installations.items()],
        )
        # The first registered token hash is kept; _check_token rejected any other one.
        store._execute_many(
            "UPDATE installations SET last_seen_at = ?, deletion_token_sha256 = COALESCE(deletion_token_sha256, ?) "
            "WHERE installation_id = ?",
            [
                (store._time(seen_at), self._tokens[installation_id], installation_id)
                for installation_id, seen_at in self._seen_installations.items()
            ],
        )
        store._execute_many("INSERT INTO source_hits (source_hash, hit_at) VALUES (?, ?)", self._source_hits)
        self._new_installations.clear()
        self._seen_installations.clear()
        self._source_hits.clear()

    def _registered_token(self, installation_id: str) -> str | None:
        if installation_id not in self._tokens:
            row = self._store._fetch_one(
                "SELECT deletion_token_sha256 FROM installations WHERE installation_id = ?", (installation_id,)
            )
            self._tokens[installation_id] = row[0] if row else None
            if row is not None:
                self._known_installations.add(installation_id)
        return self._tokens[installation_id]

    def _existing_report(self, report_id: str) -> tuple[int, str] | None:
        if report_id not in self._reports:
            row = self._store._fetch_one("SELECT id, installation_id FROM submissions WHERE report_id = ?", (report_id,))
            self._reports[report_id] = (row[0], row[1]) if row else None
        return self._reports[report_id]

    def _installation_count(self, installation_id: str, now: datetime) -> list[Any]:
        # NOTE: the count is read once per batch, at the window of the installation's first
        # report in it. A row that leaves the window during the batch's few milliseconds
        # still counts for the later reports, so the limit can only err on the strict side.
        counted = self._installation_counts.get(installation_id)
        if counted is None:
            row = self._store._fetch_one(
                "SELECT COUNT(*), MIN(received_at) FROM submissions WHERE installation_id = ? AND received_at > ?",
                (installation_id, self._store._time(now - RATE_WINDOW)),
            )
            counted = self._installation_counts[installation_id] = list(row or (0, None))
        return counted

    def _source_count(self, source_hash: str, now: datetime) -> list[Any]:
        counted = self._source_counts.get(source_hash)
        if counted is None:
            store = self._store
            store._execute("DELETE FROM source_hits WHERE source_hash = ? AND hit_at <= ?", (source_hash, store._time(now - RATE_WINDOW)))
            row = store._fetch_one("SELECT COUNT(*), MIN(hit_at) FROM source_hits WHERE source_hash = ?", (source_hash,))
            counted = self._source_counts[source_hash] = list(row or (0, None))
        return counted

    def _record_installation(self, report: Report, now: datetime) -> None:
        installation_id = report.installation_id
        if installation_id in self._new_installations:
            self._new_installations[installation_id][2] = self._store._time(now)
            return
        if installation_id not in self._known_installations:
            at = self._store._time(now)
            self._new_installations[installation_id] = [report.deletion_token_sha256, at, at]
            self._tokens[installation_id] = report.deletion_token_sha256
            return

        self._seen_installations[installation_id] = now
        if self._tokens[installation_id] is None:
            self._tokens[installation_id] = report.deletion_token_sha256

    def _insert_submission(self, row: dict[str, Any]) -> int:
        store = self._store
        values = tuple(store._time(value) if isinstance(value, datetime) else value for value in row.values())
        if store.is_postgres:
            return int(store._fetch_one(_INSERT_SUBMISSION + " RETURNING id", values)[0])
        return int(store._execute(_INSERT_SUBMISSION, values).lastrowid)

    def _fetch_in(self, select: str, column: str, values: list[str]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), _MAX_IN_LIST_VALUES):
            chunk = values[start : start + _MAX_IN_LIST_VALUES]
            placeholders = ", ".join("?" for _ in chunk)
            rows.extend(self._store._execute(f"{select} WHERE {column} IN ({placeholders})", tuple(chunk)).fetchall())
        return rows


def _count_one(count_and_oldest: list[Any], now: datetime) -> None:
    count_and_oldest[0] += 1
    if count_and_oldest[1] is None:
        count_and_oldest[1] = now


def sqlite_path(url: str) -> str:
    """Return the file of a ``sqlite:`` URL, read as SQLAlchemy reads it.

    ``sqlite:///collector.db`` is relative to the working folder and ``sqlite:////var/lib/x.db``
    is absolute: the three slashes separate the scheme from the path.
    """
    return unquote(urlsplit(url).path)[1:]


def _open_sqlite(path: str) -> peewee.SqliteDatabase:
    # The default database lives in a data folder that a fresh install has not created yet.
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    pragmas = {
        "journal_mode": "wal",
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        # In WAL mode NORMAL keeps every committed transaction when the process is
        # killed. A power cut can lose the last commits; FULL would prevent that at the
        # cost of one fsync per report.
        "synchronous": "normal",
    }
    return peewee.SqliteDatabase(path, pragmas=pragmas, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _open_postgres(parts: Any) -> peewee.PostgresqlDatabase:
    return peewee.PostgresqlDatabase(
        unquote(parts.path.lstrip("/")),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname,
        port=parts.port or 5432,
        **_query_options(parts.query),
    )


def _query_options(query: str) -> dict[str, str]:
    options = {}
    for pair in filter(None, query.split("&")):
        name, _, value = pair.partition("=")
        options[unquote(name)] = unquote(value)
    return options


def _sqlstate(error: BaseException) -> str | None:
    # peewee wraps most driver errors and keeps the driver's error as the first argument.
    for candidate in (error, *error.args[:1]):
        code = getattr(candidate, "pgcode", None)
        if code:
            return code
    return None


def _check_token(registered: str | None, report: Report) -> None:
    if registered is None:
        return
    if report.deletion_token_sha256 is None or not hmac.compare_digest(registered, report.deletion_token_sha256):
        raise DeletionTokenMismatch(report.installation_id)


def _enforce_limit(scope: str, count_and_oldest: tuple[Any, ...] | None, limit: int, now: datetime) -> None:
    count, oldest = count_and_oldest or (0, None)
    if count < limit:
        return

    # A request reads the clock before it waits for the lock, so the oldest counted row
    # can be a little younger than ``now``. The wait is therefore clamped to the window.
    oldest = _as_datetime(oldest)
    wait_seconds = math.ceil((oldest + RATE_WINDOW - now).total_seconds())
    window_seconds = int(RATE_WINDOW.total_seconds())
    raise RateLimited(scope, limit, min(max(1, wait_seconds), window_seconds))


def _submission_row(report: Report, now: datetime) -> dict[str, Any]:
    return {
        "report_id": report.report_id,
        "installation_id": report.installation_id,
        "schema_version": report.schema_version,
        "received_at": now,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "app_version": report.app_version,
        "python_version": report.python_version,
        "platform": report.platform,
        "deployment_mode": report.deployment_mode,
        "country_code": report.country_code,
        "printer_count": report.printer_count,
        "printer_type_counts": _dump_json(report.printer_type_counts),
        "job_count": report.job_count,
        "job_completed_count": report.job_completed_count,
        "job_failed_count": report.job_failed_count,
        "file_count": report.file_count,
        "upload_count": report.upload_count,
        "uptime_hours": report.uptime_hours,
        "feature_usage": _dump_json(report.feature_usage),
        "error_summary": _dump_json(report.error_summary),
    }


def _submission_export(row: dict[str, Any]) -> dict[str, Any]:
    exported = dict(row)
    for column in _JSON_COLUMNS:
        exported[column] = json.loads(row[column])
    for column in ("received_at", "period_start", "period_end"):
        exported[column] = format_time(_as_datetime(row[column]))
    return exported


def _dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _as_datetime(value: datetime | str) -> datetime:
    # SQLite returns aggregates such as MIN() and MAX() as text, not datetimes.
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def format_time(moment: datetime) -> str:
    """Format a naive UTC datetime as ISO 8601 with a Z."""
    return moment.isoformat(timespec="seconds") + "Z"

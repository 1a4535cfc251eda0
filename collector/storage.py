"""Collector tables as peewee models, and the Store that reads and writes them.

``Store.open`` binds the models to its database, so one Store per process serves
them at a time; the dashboards query ``Submission`` and ``Installation`` directly.
Each thread keeps its own connection for its whole life (peewee keeps connection
state per thread), because connecting per request is slow on PostgreSQL.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import math
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import peewee

from collector import dashboard, migrations
from collector.dashboard.sql import _MAX_IN_LIST_VALUES, _fetch_in
from collector.config import validate_database_url
from collector.errors import CollectorError, DeletionTokenMismatch, RateLimited, ReportIdConflict
from collector.validation import Report

try:
    import fcntl
except ImportError:  # Windows: writers of other processes wait in SQLite's busy handler instead.
    fcntl = None  # type: ignore[assignment]

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_LOG_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
# libpq waits without limit for a server that accepts TCP but never responds, so a frozen
# database host would hold request threads and the report writer. DATABASE_URL's own
# ?connect_timeout= takes precedence.
# NOTE: this bounds connecting only. A query on an open connection to a frozen host still waits.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
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
# Per source hash, taken after the installation locks, so a source's count is exact too.
_LOCK_SOURCE = 5
# PostgreSQL's wire protocol counts bind parameters in 16 bits. psycopg2 interpolates the
# values on the client, so this only keeps multi-row statements at a familiar size.
_MAX_POSTGRES_PARAMETERS = 65_535
# SQLite 3.35 added RETURNING, which stores a batch's submissions with one INSERT.
# Older libraries insert them one statement at a time and read each row's id.
_SQLITE_HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)

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


MODELS = (CollectorMeta, Installation, Submission, SourceHit)
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
        self._sqlite_writer = _WriterTurns(db.database if isinstance(db, peewee.SqliteDatabase) else None)
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

    def describe_error(self, error: BaseException) -> str:
        """Return the first line of a database error for a log line, with the password, host and IP addresses masked.

        libpq names the server as `"host" (address)`. Falls back to the error's type name when
        the driver gave no message.
        """
        reason = (str(error).strip().splitlines() or [""])[0].strip() or type(error).__name__
        params = self.db.connect_params if self.is_postgres else {}
        for secret, mask in ((params.get("password"), "***"), (params.get("host"), "<database host>")):
            if secret:
                reason = reason.replace(str(secret), mask)
        return _ADDRESS_CANDIDATE.sub(_mask_address, reason)

    def defer_checkpoints(self) -> bool:
        """Keep the calling thread's SQLite commits from copying the log back; return False on PostgreSQL.

        By default the SQLite commit that grows the write-ahead log past 1,000 pages also
        copies the log into the database file and syncs it, and the committing thread
        waits for that. A thread that defers this must see that ``checkpoint`` runs
        regularly, as ReportWriter does, or the log keeps growing.
        """
        if self.is_postgres:
            return False
        self.db.execute_sql("PRAGMA wal_autocheckpoint=0")
        return True

    def checkpoint(self, *, between_writes: bool = False) -> tuple[int, int]:
        """Copy SQLite's committed write-ahead log into the database file.

        Returns the log's length and how much of it is now copied, in pages. Writers
        go on meanwhile, so a busy log is copied only up to where it stood when the
        copy began. With ``between_writes`` the writers of every process wait for their
        turn until the copy is done, so it reaches the end of the log, and the next
        write starts the log file from the beginning again.
        """
        if between_writes:
            with self._sqlite_writer.turn():
                return self.checkpoint()
        _busy, log_pages, copied_pages = self.db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(log_pages), int(copied_pages)

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

        # A step that copies a table, such as step 7, leaves a log as large as the copy.
        # Copying it into the database now empties it, unless another process reads the
        # log meanwhile; the collector's own checkpoints then catch up.
        if applied and not self.is_postgres:
            self.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
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
        transaction that holds the installation's and the source's locks, so concurrent
        requests and several server processes count each installation and each source
        exactly. The dashboard summaries are brought up to date after the commit.
        """
        for attempt in range(1, MAX_TRANSACTION_ATTEMPTS + 1):
            try:
                with self._write_transaction():
                    self._lock_summary_watermark(exclusive=False)
                    self._lock(_LOCK_INSTALLATION, report.installation_id)
                    self._lock(_LOCK_SOURCE, source_hash)
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
        source_hashes = sorted({request.source_hash for request in requests})
        for attempt in range(1, MAX_TRANSACTION_ATTEMPTS + 1):
            try:
                with self._write_transaction():
                    self._lock_summary_watermark(exclusive=False)
                    self._lock_names(_LOCK_INSTALLATION, installation_ids)
                    self._lock_names(_LOCK_SOURCE, source_hashes)
                    return _Batch(self).store_all(requests)
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
        request = ReportRequest(report, now, source_hash, limit_per_hour, source_limit_per_hour)
        (outcome,) = _Batch(self).store_all([request])
        if isinstance(outcome, CollectorError):
            raise outcome
        return outcome

    def _execute(self, statement: str, params: tuple[Any, ...]) -> Any:
        if self.is_postgres:
            statement = statement.replace("?", "%s")
        return self.db.execute_sql(statement, params)

    def _execute_many(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.is_postgres:
            statement = statement.replace("?", "%s")
        with peewee.__exception_wrapper__:
            self.db.cursor().executemany(statement, rows)

    def _execute_values(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Run ``statement`` with its ``{values}`` replaced by a VALUES list of ``rows``; return the rows it returns.

        One statement carries as many rows as the database's parameter limit allows, so
        a batch usually costs one round trip. Rows are sent in the given order. The
        DB-API cursor is used directly, and peewee's wrapper still turns driver errors
        into peewee's exception classes.
        """
        if not rows:
            return []
        width = len(rows[0])
        rows_per_statement = max(1, self._max_parameters() // width)
        row_placeholders = "(" + ", ".join("%s" if self.is_postgres else "?" for _ in range(width)) + ")"
        if self.is_postgres:
            statement = statement.replace("?", "%s")

        returned: list[tuple[Any, ...]] = []
        with peewee.__exception_wrapper__:
            cursor = self.db.cursor()
            for start in range(0, len(rows), rows_per_statement):
                chunk = rows[start : start + rows_per_statement]
                values = ", ".join(row_placeholders for _ in chunk)
                cursor.execute(statement.replace("{values}", values), [value for row in chunk for value in row])
                if cursor.description is not None:
                    returned.extend(cursor.fetchall())
        return returned

    def _max_parameters(self) -> int:
        if self.is_postgres:
            return _MAX_POSTGRES_PARAMETERS
        return self.db.connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

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
    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        # SQLite: BEGIN IMMEDIATE takes the write lock before the first read, so a
        # count and the insert that follows cannot interleave with another writer.
        if self.is_postgres:
            with self.db.atomic():
                yield
        else:
            with self._sqlite_writer.turn(), self.db.atomic(lock_type="IMMEDIATE"):
                yield

    def _lock_names(self, namespace: int, names: list[str]) -> None:
        # PostgreSQL only. Every writer takes its installation locks, then its source locks,
        # each set in the order of its keys, so two batches cannot each hold a lock the
        # other waits for.
        if self.is_postgres:
            self.db.execute_sql(
                "SELECT pg_advisory_xact_lock(%s, key) FROM "
                "(SELECT DISTINCT hashtext(name) AS key FROM unnest(%s::text[]) AS name ORDER BY key) AS keys",
                (namespace, names),
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
_INSERT_SUBMISSIONS_RETURNING = (
    f"INSERT INTO submissions ({', '.join(_SUBMISSION_COLUMNS)}) VALUES {{values}} RETURNING id, report_id"
)


class _WriterTurns:
    """Queues SQLite writers on locks that wake the next one as soon as the current one commits.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps,
    up to 100 ms apart, so a waiting writer can sleep on long after the lock was freed.
    Writers of this process wait on a thread lock, and then, with the writers of other
    processes, on an exclusive flock() of a file beside the database. The kernel wakes
    the next writer when the current one releases it. SQLite's own lock still decides who
    writes. Without the file (on Windows, or when it cannot be opened or locked), writers
    of other processes wait in SQLite's busy handler.
    """

    def __init__(self, database_path: str | None) -> None:
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._file_lock: int | None = None
        if fcntl is not None and database_path and database_path != ":memory:":
            try:
                self._file_lock = os.open(f"{database_path}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self._file_lock = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the writer's turn for the block. A nested block of the same thread shares the outer turn."""
        with self._thread_lock:
            self._depth += 1
            locked_file = self._depth == 1 and self._lock_file()
            try:
                yield
            finally:
                if locked_file:
                    fcntl.flock(self._file_lock, fcntl.LOCK_UN)
                self._depth -= 1

    def _lock_file(self) -> bool:
        if self._file_lock is None:
            return False
        try:
            fcntl.flock(self._file_lock, fcntl.LOCK_EX)
        except OSError:
            # Some file systems, such as network mounts, do not support flock(). SQLite's busy handler then orders the writers.
            os.close(self._file_lock)
            self._file_lock = None
            return False
        return True


class _Batch:
    """One write transaction's view of the reports it stores, one after another.

    Every installation, report id and source of the batch is looked up before the
    first check, and then tracked in memory, so each report's checks count the reports
    accepted before it in the batch. The accepted submissions, and the installation and
    source-hit rows, are written together once every report is checked.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        # installation id -> registered deletion token hash, None when none is registered.
        self._tokens: dict[str, str | None] = {}
        self._known_installations: set[str] = set()
        # report id -> (submission id or queued row, installation id); None when not stored.
        self._reports: dict[str, tuple[int | _QueuedSubmission, str] | None] = {}
        # installation id or source hash -> [reports counted in its window, oldest counted time]
        self._installation_counts: dict[str, list[Any]] = {}
        self._source_counts: dict[str, list[Any]] = {}
        self._submission_rows: list[tuple[Any, ...]] = []
        self._new_installations: dict[str, list[Any]] = {}
        self._seen_installations: dict[str, datetime] = {}
        self._source_hits: list[tuple[str, Any]] = []

    def store_all(self, requests: Sequence[ReportRequest]) -> list[StoredSubmission | CollectorError]:
        """Check each report in order, write the accepted ones, and return one outcome per report."""
        self._prefetch(requests)
        checked = [self._check_or_error(request) for request in requests]
        submission_ids = self._insert_submissions()
        self.flush()

        outcomes: list[StoredSubmission | CollectorError] = []
        for outcome in checked:
            if isinstance(outcome, CollectorError):
                outcomes.append(outcome)
                continue
            submission, duplicate = outcome
            if isinstance(submission, _QueuedSubmission):
                submission = submission_ids[submission.row]
            outcomes.append(StoredSubmission(submission, duplicate=duplicate))
        return outcomes

    def _prefetch(self, requests: Sequence[ReportRequest]) -> None:
        """Look up the batch's installations, report ids and rate windows with one query each."""
        installation_ids = list({request.report.installation_id for request in requests})
        self._tokens.update(dict.fromkeys(installation_ids))
        db = self._store.db
        rows = _fetch_in(db, "SELECT installation_id, deletion_token_sha256 FROM installations WHERE installation_id IN ({values})", installation_ids)
        for installation_id, token in rows:
            self._known_installations.add(installation_id)
            self._tokens[installation_id] = token

        report_ids = list({request.report.report_id for request in requests})
        self._reports.update(dict.fromkeys(report_ids))
        for report_id, submission_id, installation_id in _fetch_in(
            db, "SELECT report_id, id, installation_id FROM submissions WHERE report_id IN ({values})", report_ids
        ):
            self._reports[report_id] = (submission_id, installation_id)

        # NOTE: each window starts one hour before the first report of its installation or
        # source in the batch, and is counted once. A row that leaves the window during the
        # batch still counts for the later reports, so the limits can only err on the strict side.
        installation_since: dict[str, datetime] = {}
        source_since: dict[str, datetime] = {}
        for request in requests:
            installation_since.setdefault(request.report.installation_id, request.received_at - RATE_WINDOW)
            source_since.setdefault(request.source_hash, request.received_at - RATE_WINDOW)
        self._installation_counts = self._count_windows("submissions", "installation_id", "received_at", installation_since)
        self._delete_old_source_hits(source_since)
        self._source_counts = self._count_windows("source_hits", "source_hash", "hit_at", source_since)

    def _count_windows(self, table: str, key_column: str, time_column: str, since: dict[str, datetime]) -> dict[str, list[Any]]:
        """Return [rows, oldest time] in each key's window, from ``table`` rows newer than ``since[key]``.

        The subqueries search the (key, time) index of the table once per key. A join
        grouped by key sorted every counted row, which made the source count about three
        times slower on SQLite in benchmarks/collector_writer_probe.py (one source, 3,200 hits).
        """
        store = self._store
        in_window = f"FROM {table} WHERE {key_column} = bounds.column1 AND {time_column} > bounds.column2"
        select = (
            f"SELECT bounds.column1, (SELECT COUNT(*) {in_window}), (SELECT MIN({time_column}) {in_window}) "
            "FROM (VALUES {values}) AS bounds"
        )
        bounds = [(key, store._time(moment)) for key, moment in since.items()]
        return {key: [count, oldest] for key, count, oldest in store._execute_values(select, bounds)}

    def _delete_old_source_hits(self, source_since: dict[str, datetime]) -> None:
        # Only keeps the table small: the counts above compare each hit with its own window.
        store = self._store
        before = store._time(min(source_since.values()))
        source_hashes = list(source_since)
        for start in range(0, len(source_hashes), _MAX_IN_LIST_VALUES):
            chunk = source_hashes[start : start + _MAX_IN_LIST_VALUES]
            placeholders = ", ".join("?" for _ in chunk)
            store._execute(
                f"DELETE FROM source_hits WHERE source_hash IN ({placeholders}) AND hit_at <= ?", (*chunk, before)
            )

    def _check_or_error(self, request: ReportRequest) -> tuple[int | _QueuedSubmission, bool] | CollectorError:
        try:
            return self._check(request)
        except CollectorError as error:
            return error

    def _check(self, request: ReportRequest) -> tuple[int | _QueuedSubmission, bool]:
        """Check one report against its token, its report id and both limits, then queue its row.

        Returns the stored or queued submission and whether the report id was stored before.
        """
        report, now = request.report, request.received_at
        _check_token(self._tokens[report.installation_id], report)

        existing = self._reports[report.report_id]
        if existing is not None:
            if existing[1] != report.installation_id:
                raise ReportIdConflict(report.report_id)
            return existing[0], True

        installation_count = self._installation_counts[report.installation_id]
        _enforce_limit("installation", installation_count, request.limit_per_hour, now)
        source_count = self._source_counts[request.source_hash]
        _enforce_limit("source", source_count, request.source_limit_per_hour, now)

        queued = _QueuedSubmission(len(self._submission_rows))
        self._submission_rows.append(_submission_values(report, self._store._time(now), self._store._time))
        self._reports[report.report_id] = (queued, report.installation_id)
        _count_one(installation_count, now)
        _count_one(source_count, now)
        self._record_installation(report, now)
        self._source_hits.append((request.source_hash, self._store._time(now)))
        return queued, False

    def _insert_submissions(self) -> list[int]:
        """Insert the queued submission rows in queue order; return their ids in that order."""
        store = self._store
        rows = self._submission_rows
        if not rows:
            return []
        if not store.is_postgres and not _SQLITE_HAS_RETURNING:
            return [int(store._execute(_INSERT_SUBMISSION, row).lastrowid) for row in rows]

        # Neither database promises to return the rows in VALUES order, so each id is
        # matched to its row by report id, which is unique among the queued rows.
        # NOTE: the ids follow the queue order only because both databases insert a VALUES
        # list from its first row to its last. Neither documents that order, but
        # tests/collector/test_store_batches.py checks it on PostgreSQL 15 and SQLite 3.40.
        # The dashboard summaries read each installation's reports in id order.
        returned = dict(
            (report_id, submission_id)
            for submission_id, report_id in store._execute_values(_INSERT_SUBMISSIONS_RETURNING, rows)
        )
        return [int(returned[row[0]]) for row in rows]

    def flush(self) -> None:
        """Write the installation and source-hit rows of every report accepted so far."""
        store = self._store
        store._execute_values(
            "INSERT INTO installations (installation_id, deletion_token_sha256, first_seen_at, last_seen_at) "
            "VALUES {values}",
            [(installation_id, *values) for installation_id, values in self._new_installations.items()],
        )
        # The first registered token hash is kept; _check_token rejected any other one.
        seen = [
            (installation_id, store._time(seen_at), self._tokens[installation_id])
            for installation_id, seen_at in self._seen_installations.items()
        ]
        if store.is_postgres or _SQLITE_HAS_RETURNING:
            # UPDATE ... FROM needs SQLite 3.33, so every SQLite with RETURNING (3.35) has it.
            store._execute_values(
                "UPDATE installations SET last_seen_at = seen.column2, "
                "deletion_token_sha256 = COALESCE(installations.deletion_token_sha256, seen.column3) "
                "FROM (VALUES {values}) AS seen WHERE installations.installation_id = seen.column1",
                seen,
            )
        else:
            store._execute_many(
                "UPDATE installations SET last_seen_at = ?, deletion_token_sha256 = COALESCE(deletion_token_sha256, ?) "
                "WHERE installation_id = ?",
                [(seen_at, token, installation_id) for installation_id, seen_at, token in seen],
            )
        store._execute_values("INSERT INTO source_hits (source_hash, hit_at) VALUES {values}", self._source_hits)
        self._new_installations.clear()
        self._seen_installations.clear()
        self._source_hits.clear()

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


@dataclass(frozen=True)
class _QueuedSubmission:
    """A submission accepted in this batch but not inserted yet; ``row`` is its place in the insert."""

    row: int


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


# Runs of the characters of IPv4 and IPv6 addresses; _mask_address keeps those that are not one.
_ADDRESS_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*")


def _mask_address(match: re.Match[str]) -> str:
    text = match.group(0)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text
    return "<address>"


def _open_sqlite(path: str) -> peewee.SqliteDatabase:
    # The default database lives in a data folder that a fresh install has not created yet.
    # A new database file is readable by its owner only, because it contains installation ids and
    # deletion token hashes. SQLite gives its -wal and -shm files the same mode.
    if path != ":memory:":
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600))
        except OSError:
            pass  # It exists already, or SQLite reports why it cannot be created when it opens it.
    pragmas = {
        "journal_mode": "wal",
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        # In WAL mode NORMAL keeps every committed transaction when the process is
        # killed. A power cut can lose the last commits; FULL would prevent that at the
        # cost of one fsync per report.
        "synchronous": "normal",
        # A log that grew under load is cut back to this size when it starts over.
        "journal_size_limit": SQLITE_LOG_SIZE_LIMIT_BYTES,
    }
    return peewee.SqliteDatabase(path, pragmas=pragmas, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _open_postgres(parts: Any) -> peewee.PostgresqlDatabase:
    options = {"connect_timeout": str(POSTGRES_CONNECT_TIMEOUT_SECONDS), **_query_options(parts.query)}
    return peewee.PostgresqlDatabase(
        unquote(parts.path.lstrip("/")),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname,
        port=parts.port or 5432,
        **options,
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


def _submission_values(report: Report, received_at: Any, to_column: Callable[[datetime], Any]) -> tuple[Any, ...]:
    """Return the column values of a report's submission row, in the order of ``_SUBMISSION_COLUMNS``."""
    return (
        report.report_id,
        report.installation_id,
        report.schema_version,
        received_at,
        to_column(report.period_start),
        to_column(report.period_end),
        report.app_version,
        report.python_version,
        report.platform,
        report.deployment_mode,
        report.country_code,
        report.printer_count,
        _dump_json(report.printer_type_counts),
        report.job_count,
        report.job_completed_count,
        report.job_failed_count,
        report.file_count,
        report.upload_count,
        report.uptime_hours,
        _dump_json(report.feature_usage),
        _dump_json(report.error_summary),
    )


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

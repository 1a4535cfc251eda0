"""The local SQLite store: peewee models, opening the database, migrations and recovery."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import peewee

from app.core._clock import format_db_time, parse_time, to_utc
from app.core._errors import StorageError
from app.core._report import feature_state_at

logger = logging.getLogger("app.core")

DATABASE_FILENAME = "usage.db"
BUSY_TIMEOUT_MS = 5000
SCHEMA_VERSION_KEY = "store.schema_version"
# One recorded event writes about four WAL pages (the table and three indexes), so SQLite's
# default of 1,000 pages ran a checkpoint inside every ~250th record() call, which is within
# the slowest 1 %. At 10,000 pages (a WAL of up to about 40 MiB) it runs every ~2,500 calls.
WAL_AUTOCHECKPOINT_PAGES = 10_000
# About 0.1 s of quick_check on a typical disk; a store within the 90-day retention is far smaller.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
# The database holds the deletion token, so on POSIX only the owner may open the folder and files.
FOLDER_MODE = 0o700
FILE_MODE = 0o600
# Owner bits the store needs: write and search on the folder, read and write on the files.
FOLDER_OWNER_BITS_NEEDED = 0o300
FILE_OWNER_BITS_NEEDED = 0o600
DEFAULT_FOLDER_FIX = "Set USAGE_STATS_HOME to a writable folder."
# SQLite's companion files in WAL mode, which it creates with the database file's mode.
_COMPANION_SUFFIXES = ("-wal", "-shm")



class UTCTimeField(peewee.DateTimeField):
    """A DateTimeField that stores naive UTC text with microseconds and reads back aware UTC."""

    def db_value(self, value: dt.datetime | str | None) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return format_db_time(value)

    def python_value(self, value: str | dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        return parse_time(value) if isinstance(value, str) else to_utc(value)


class BaseModel(peewee.Model):
    class Meta:
        legacy_table_names = False


class UsageEvent(BaseModel):
    event_type = peewee.TextField()
    occurred_at = UTCTimeField()
    metadata = peewee.TextField(default="{}")
    reported = peewee.BooleanField(default=False)
    report_id = peewee.TextField(null=True)
    rejection_count = peewee.IntegerField(default=0)

    class Meta:
        table_name = "usage_events"


class UsageSetting(BaseModel):
    key = peewee.TextField(primary_key=True)
    value = peewee.TextField()
    updated_at = UTCTimeField()

    class Meta:
        table_name = "usage_settings"


class UsageSession(BaseModel):
    started_at = UTCTimeField()
    last_seen_at = UTCTimeField()
    ended_at = UTCTimeField(null=True)

    class Meta:
        table_name = "usage_sessions"


class OutboxReport(BaseModel):
    report_id = peewee.TextField(unique=True)
    period_start = UTCTimeField()
    period_end = UTCTimeField()
    body = peewee.TextField()
    created_at = UTCTimeField()
    sent_at = UTCTimeField(null=True)
    status = peewee.TextField(default="pending")
    http_status = peewee.IntegerField(null=True)
    submission_id = peewee.TextField(null=True)
    response_body = peewee.TextField(null=True)
    previous_hash = peewee.TextField(null=True)
    entry_hash = peewee.TextField(null=True)
    requeued_events = peewee.IntegerField(null=True)
    dropped_events = peewee.IntegerField(null=True)

    class Meta:
        table_name = "sent_reports"


@dataclasses.dataclass(frozen=True)
class Models:
    """The four models bound to one open database, so two stores can be open in one process."""

    event: type[UsageEvent]
    setting: type[UsageSetting]
    session: type[UsageSession]
    report: type[OutboxReport]


def bind_models(db: peewee.SqliteDatabase) -> Models:
    def bound(model: type[BaseModel]) -> type:
        meta = type("Meta", (), {"database": db, "table_name": model._meta.table_name})
        return type(model.__name__, (model,), {"Meta": meta, "__module__": __name__})

    return Models(event=bound(UsageEvent), setting=bound(UsageSetting), session=bound(UsageSession), report=bound(OutboxReport))


def _migrate_to_1(db: peewee.SqliteDatabase, now: dt.datetime) -> None:
    """Create the first layout: events and settings, as Printernizer's own store had them."""
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS usage_events ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL,"
        " occurred_at TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',"
        " reported INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS usage_settings ("
        " key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS usage_events_reported_occurred_at"
        " ON usage_events (reported, occurred_at)"
    )


def _migrate_to_2(db: peewee.SqliteDatabase, now: dt.datetime) -> None:
    """Add sessions, the outbox of reports, the event-to-report link and the viewer index."""
    db.execute_sql("ALTER TABLE usage_events ADD COLUMN report_id TEXT")
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS usage_events_event_type_occurred_at"
        " ON usage_events (event_type, occurred_at)"
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS usage_events_occurred_at ON usage_events (occurred_at)")
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS usage_sessions ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,"
        " last_seen_at TEXT NOT NULL, ended_at TEXT)"
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS usage_sessions_last_seen_at ON usage_sessions (last_seen_at)"
    )
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS sent_reports ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, report_id TEXT NOT NULL UNIQUE,"
        " period_start TEXT NOT NULL, period_end TEXT NOT NULL, body TEXT NOT NULL,"
        " created_at TEXT NOT NULL, sent_at TEXT, status TEXT NOT NULL DEFAULT 'pending',"
        " http_status INTEGER, submission_id TEXT, response_body TEXT,"
        " previous_hash TEXT, entry_hash TEXT)"
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS sent_reports_status ON sent_reports (status, id)")


def _migrate_to_3(db: peewee.SqliteDatabase, now: dt.datetime) -> None:
    """Replace the (reported, occurred_at) index by (reported, event_type, occurred_at).

    Counting a report's events per type then reads the index in group order, without touching
    table rows or sorting: about four times less work over a million events.
    """
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS usage_events_reported_type_occurred_at"
        " ON usage_events (reported, event_type, occurred_at)"
    )
    db.execute_sql("DROP INDEX IF EXISTS usage_events_reported_occurred_at")


def _migrate_to_4(db: peewee.SqliteDatabase, now: dt.datetime) -> None:
    """Count the rejected reports of each event, and record what a rejection did with its events.

    The count bounds how often a rejected event is counted again, so a collector that rejects
    every report does not receive the same events in each later report.
    """
    db.execute_sql("ALTER TABLE usage_events ADD COLUMN rejection_count INTEGER NOT NULL DEFAULT 0")
    db.execute_sql("ALTER TABLE sent_reports ADD COLUMN requeued_events INTEGER")
    db.execute_sql("ALTER TABLE sent_reports ADD COLUMN dropped_events INTEGER")


def _migrate_to_5(db: peewee.SqliteDatabase, now: dt.datetime) -> None:
    """Start the features of the next report from every feature event, the ones before the opt-in included.

    Stores written before this step began the feature state at the opt-in, so a feature switched
    on before it was missing from every report. The state is folded again up to the last event
    that a report covers, as an opt-in now does.
    """
    # NOTE: unlike the steps above, this one calls live code, feature_state_at, because the
    # state it writes must be the one that an opt-in now starts from.
    keys = ("report.feature_state", "report.watermark_event_id", "features.pruned_state")
    rows = db.execute_sql("SELECT key, value FROM usage_settings WHERE key IN (?, ?, ?)", keys).fetchall()
    try:
        settings = {key: json.loads(value) for key, value in rows}
        watermark = int(settings.get("report.watermark_event_id") or 0)
        pruned_state = settings.get("features.pruned_state") or {}
        if not isinstance(pruned_state, dict):
            raise TypeError(type(pruned_state).__name__)
    except (ValueError, TypeError, OverflowError) as error:
        # Elsewhere such a value reads as missing, so the store stays usable without the refold.
        logger.warning("The feature state was left as it is, because a report setting is unreadable: %s", error)
        return
    if "report.feature_state" not in settings:
        return
    state = feature_state_at(db, watermark, now, pruned_state)
    db.execute_sql(
        "UPDATE usage_settings SET value = ?, updated_at = ? WHERE key = ?",
        (json.dumps(state), format_db_time(now), "report.feature_state"),
    )


# Ordered steps; step N turns a database at version N-1 into version N. Append, never edit.
MIGRATIONS: tuple[Callable[[peewee.SqliteDatabase, dt.datetime], None], ...] = (
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
    _migrate_to_4,
    _migrate_to_5,
)
SCHEMA_VERSION = len(MIGRATIONS)


def read_schema_version(db: peewee.SqliteDatabase) -> int:
    if "usage_settings" not in db.get_tables():
        return 0
    row = db.execute_sql("SELECT value FROM usage_settings WHERE key = ?", (SCHEMA_VERSION_KEY,)).fetchone()
    if row is None:
        # A settings table without a version is the first layout, written before versions were kept.
        return 1
    return int(json.loads(row[0]))


def migrate(db: peewee.SqliteDatabase, now: dt.datetime) -> int:
    """Run each missing migration step in its own write transaction; return the final version.

    An up-to-date database is only read, so opening it does not wait for another process's
    write transaction.
    """
    version = read_schema_version(db)
    if version >= SCHEMA_VERSION:
        return version

    while True:
        with db.atomic("IMMEDIATE"):
            version = read_schema_version(db)
            if version >= SCHEMA_VERSION:
                return version

            logger.info("Migrating the usage database from schema version %d to %d.", version, version + 1)
            MIGRATIONS[version](db, now)
            db.execute_sql(
                "INSERT OR REPLACE INTO usage_settings (key, value, updated_at) VALUES (?, ?, ?)",
                (SCHEMA_VERSION_KEY, json.dumps(version + 1), format_db_time(now)),
            )


def connect(path: Path) -> peewee.SqliteDatabase:
    db = peewee.SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "busy_timeout": BUSY_TIMEOUT_MS,
            "synchronous": "NORMAL",
            "wal_autocheckpoint": WAL_AUTOCHECKPOINT_PAGES,
        },
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    db.connect()
    return db


def check_integrity(db: peewee.SqliteDatabase, path: Path) -> None:
    """Raise sqlite3.DatabaseError when the file is not a readable SQLite database.

    quick_check reads every page, so it runs only on files up to QUICK_CHECK_MAX_BYTES.
    """
    db.execute_sql("SELECT COUNT(*) FROM sqlite_master").fetchone()
    if path.exists() and path.stat().st_size > QUICK_CHECK_MAX_BYTES:
        # NOTE: a larger file is only checked by the read above. That catches a damaged header but
        # not a damaged page, which then shows up as a failed write that record() logs.
        return
    result = db.execute_sql("PRAGMA quick_check(1)").fetchone()
    if result is None or result[0] != "ok":
        msg = f"SQLite quick_check reported {result[0] if result else 'nothing'!r}"
        raise sqlite3.DatabaseError(msg)


@dataclasses.dataclass(frozen=True)
class OpenedStore:
    db: peewee.SqliteDatabase
    models: Models
    path: Path
    recovered_from: Path | None
    schema_version: int


# Identity, consent, the report schedule and pending server deletions survive a damaged file.
# The event watermark and the history head do not: they describe rows that are gone, and the
# fresh file numbers its events from 1 again.
_CARRIED_OVER_KEYS = (
    "installation.id",
    "installation.first_seen",
    "installation.deletion_token",
    "consent.state",
    "consent.policy_version",
    "consent.decided_at",
    "report.anchor",
    "report.last_period_end",
    "report.period_opened_at",
    "report.feature_state",
    "features.pruned_state",
    "submission.last_at",
    "submission.count",
    "installation.submission_count",
    "report.ever_built",
    "server_deletion.state",
)


def _read_carried_over_settings(path: Path) -> dict[str, str]:
    """Read the identity and consent rows from a damaged database, or nothing if they are unreadable."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            placeholders = ", ".join("?" * len(_CARRIED_OVER_KEYS))
            rows = connection.execute(
                f"SELECT key, value FROM usage_settings WHERE key IN ({placeholders})", _CARRIED_OVER_KEYS
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return {}
    return {key: value for key, value in rows if isinstance(key, str) and isinstance(value, str)}


def _move_aside(path: Path, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1

    path.rename(target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target


def open_store(home: Path, now: dt.datetime, *, folder_fix: str = DEFAULT_FOLDER_FIX) -> OpenedStore:
    """Open (creating or migrating) the database in `home`, replacing a corrupted file with a fresh one.

    A corrupted file is renamed to `usage.db.corrupt-<UTC time>` and kept for inspection. The
    installation id and consent are copied into the new file when they can still be read.
    `folder_fix` is the sentence that ends the error when the folder or database cannot be created
    or opened. It names how the caller chose the folder.
    """
    path = home / DATABASE_FILENAME
    try:
        home.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as error:
        msg = f"Cannot create the usage statistics folder {str(home)!r}: {error}. {folder_fix}"
        raise StorageError(msg, folder=home) from error

    _check_owner_access(home, path)
    _log_if_empty(path)
    try:
        _create_private_file(path)
    except OSError as error:
        msg = f"Cannot create the usage database {str(path)!r}: {error}. {folder_fix}"
        raise StorageError(msg) from error

    _restrict_permissions(home, path)
    try:
        return _open_checked(path, now, recovered_from=None, folder_fix=folder_fix)
    except _DamagedDatabase as error:
        logger.warning("The usage database %s is damaged (%s); starting a fresh one.", path, error)

    carried_over = _read_carried_over_settings(path)
    try:
        moved_to = _move_aside(path, now)
    except OSError as error:
        # On Windows a file that another process has open cannot be renamed.
        msg = (
            f"The usage database {str(path)!r} is damaged and could not be moved aside to start a fresh one: "
            f"{error}. Close every other program that uses it, such as a running `python -m app` command or "
            f"another copy of the tray app, and start again."
        )
        raise StorageError(msg) from error
    logger.warning("The damaged usage database was kept as %s.", moved_to)
    _create_private_file(path)
    opened = _open_checked(path, now, recovered_from=moved_to, folder_fix=folder_fix)
    _restrict_permissions(home, path)
    with opened.db.atomic("IMMEDIATE"):
        for key, value in carried_over.items():
            opened.db.execute_sql(
                "INSERT OR REPLACE INTO usage_settings (key, value, updated_at) VALUES (?, ?, ?)",
                (key, value, format_db_time(now)),
            )
    return opened


def _log_if_empty(path: Path) -> None:
    """Log a WARNING when an existing database file is empty and has no write-ahead log with data.

    SQLite opens a zero-byte file as an empty database, and a first open leaves one when it stops
    before SQLite writes the header (_create_private_file creates it, and so does sqlite3.connect).
    So the file is used, not moved aside, but the new identity and undecided consent are logged.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        empty = path.stat().st_size == 0 and (not wal.exists() or wal.stat().st_size == 0)
    except FileNotFoundError:
        return
    if empty:
        logger.warning(
            "The usage database %s was empty (0 bytes). A new store is created in it, with a new installation id "
            "and consent not yet given.",
            path,
        )


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable only by its owner, unless it exists already."""
    if os.name != "posix" or path.exists():
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(descriptor)


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in _COMPANION_SUFFIXES]


def _check_owner_access(home: Path, path: Path) -> None:
    """Raise StorageError when the owner's mode bits make the folder or a database file read-only.

    The bits are checked instead of the access, because root may write whatever the bits allow,
    and the store must not write where the user took write access away. Files of another owner are
    left to the operating system.
    """
    if os.name != "posix":
        return

    targets = [(home, FOLDER_OWNER_BITS_NEEDED, "u+rwx")]
    targets += [(target, FILE_OWNER_BITS_NEEDED, "u+rw") for target in (path, *_companions(path))]
    for target, needed, chmod_mode in targets:
        try:
            status = target.stat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(status.st_mode)
        if status.st_uid == os.geteuid() and mode & needed != needed:
            msg = (
                f"Cannot open the usage statistics store: {str(target)!r} has mode {mode:04o}, so its owner may "
                f"not write to it. Run 'chmod {chmod_mode} {target}' to allow it, or choose another folder."
            )
            raise StorageError(msg)


def _restrict_permissions(home: Path, path: Path) -> None:
    """Remove the group and other bits from the data folder and the database files.

    Owner bits are never added, so a folder or file that the user made read-only stays read-only.
    """
    if os.name != "posix":
        return

    for target in (home, path, *_companions(path)):
        try:
            mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
            if mode is not None and mode & 0o077:
                os.chmod(target, mode & 0o700)
        except OSError as error:
            logger.warning("Cannot remove the group and other permissions of %s: %s.", target, error)


class _DamagedDatabase(Exception):
    """The file is not a SQLite database, or SQLite reports it as corrupt."""


def _open_checked(path: Path, now: dt.datetime, recovered_from: Path | None, folder_fix: str) -> OpenedStore:
    """Connect, check and migrate; tell a damaged file apart from one that is only unusable now.

    SQLite reports a locked, read-only, missing or full database as an OperationalError, and
    such a file is left alone. Only the other DatabaseErrors (not a database, malformed image)
    mean damage.
    """
    db = None
    try:
        db = connect(path)
        check_integrity(db, path)
        version = migrate(db, now)
    except (sqlite3.OperationalError, peewee.OperationalError) as error:
        if db is not None:
            db.close()
        msg = (
            f"Cannot open the usage database {str(path)!r}: {error}. Check that the folder is writable "
            f"and that no other program holds the database locked. {folder_fix}"
        )
        raise StorageError(msg) from error
    except (sqlite3.DatabaseError, peewee.DatabaseError) as error:
        if db is not None:
            db.close()
        raise _DamagedDatabase(str(error)) from error
    return OpenedStore(db=db, models=bind_models(db), path=path, recovered_from=recovered_from, schema_version=version)


def store_files(path: Path) -> list[Path]:
    """Return the database file at `path` and its companion files, which SQLite creates in WAL mode."""
    return [path, *_companions(path)]

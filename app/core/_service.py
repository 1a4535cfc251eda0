"""UsageStats: the facade that the tray app, host applications and the command line call."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx
import peewee
import platformdirs

import app
from app.core import _history, _outbox, _reasons, _settings as keys
from app.core._clock import Clock, format_db_time, format_iso_time, format_report_time, parse_time, utc_now
from app.core._config import DEFAULT_DEPLOYMENT_MODE, ClientConfig, check_app_version, check_argument, check_deployment_mode
from app.core._country import configured_zone, country_for_zone, system_country
from app.core._errors import CollectorError, ConsentError, StorageError, StoreFileTargetError, UsageStatsError
from app.core._events import (
    EventType,
    InvalidEventRow,
    clean_and_encode,
    encode_event_row,
    metadata_mapping,
    parse_event_type,
    short_repr,
)
from app.core._export import export_csv, export_json
from app.core._history import HistoryCheck
from app.core._policy import policy_version, privacy_policy
from app.core._reasons import ReasonDetail
from app.core._records import Consent, Event, SentReport, Status, event_rows, sent_report_from_row
from app.core._report import Installation, Schedule, build_body, feature_state_at, fold_feature_events, gather, report_id_for
from app.core._settings import Settings
from app.core._store import BUSY_TIMEOUT_MS, open_store, store_files
from app.core._submit import (
    PERIOD_FIELDS,
    CollectorClient,
    DeletionOutcome,
    Rejected,
    RetryableResponse,
    RetryLater,
    Sent,
    Skipped,
    SubmitOutcome,
)

logger = logging.getLogger("app.core")

APP_DIR_NAME = "Printernizer Usage Statistics"
APP_AUTHOR = "Printernizer"
RETENTION_DAYS = 90
# A storage failure that lasts, or comes back, is logged at WARNING at most this often.
STORAGE_WARNING_INTERVAL = dt.timedelta(minutes=10)
MAX_PAUSE_DAYS = 365
# Statuses that point at a wrong endpoint rather than a bad report, as does any status below
# 400 other than 200 (a redirect, for example). The report then stays queued, not rejected.
ENDPOINT_ERROR_STATUSES = (404, 405)
# Both messages name the id, because reports sent under an id replaced at an opt-out are not looked up.
NO_SERVER_DATA_MESSAGE = "The collector holds no data for this installation id."
NOTHING_SENT_MESSAGE = (
    "No report with this installation id was ever built, so the collector was not asked and holds nothing for it."
)
# Report ids per query in report_statuses(), because SQLite before 3.32.0 allows at most 999
# parameters per statement by default.
REPORT_STATUS_BATCH = 500
# Invalid rows of one record_many() call logged one by one; the rest are only counted.
MAX_ROW_WARNINGS = 10
# The `event` of the WARNING logged when opt_in() is given an older policy version, so that a
# front end that prints its own message for it can leave that record out.
CONSENT_POLICY_OUTDATED_EVENT = "consent_policy_outdated"
_EVENT_TYPE_NAMES = tuple(member.value for member in EventType)
_INSERT_EVENT = "INSERT INTO usage_events (event_type, occurred_at, metadata, reported) VALUES (?, ?, ?, 0)"
_INSERT_SESSION = "INSERT INTO usage_sessions (started_at, last_seen_at) VALUES (?, ?)"


def _indented_json(data: Any) -> bytes:
    """Encode `data` as indented UTF-8 JSON with sorted keys, the form fetch_server_data() returns."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _no_server_data(installation_id: str, *, collector_asked: bool = True) -> bytes:
    """Return the JSON saved in place of the collector's copy when there is nothing to fetch."""
    data: dict[str, Any] = {"installation_id": installation_id, "submissions": [], "message": NO_SERVER_DATA_MESSAGE}
    if not collector_asked:
        data |= {"message": NOTHING_SENT_MESSAGE, "collector_asked": False}
    return _indented_json(data)


def _time_until(now: dt.datetime, later: dt.datetime) -> tuple[str, dict[str, Any]]:
    """Describe the wait from `now` until `later`: "in 1.3 seconds" under a minute, rounded up to
    tenths so the wait is never too short, and from a minute on the UTC time to the second.

    Returns the English text and its params for a ReasonDetail: wait_seconds or send_at.
    """
    wait = later - now
    if wait >= dt.timedelta(minutes=1):
        return f"at {format_report_time(later)} or later", {"send_at": later}
    tenths = -(-wait // dt.timedelta(milliseconds=100))
    return f"in {tenths // 10}.{tenths % 10} seconds", {"wait_seconds": tenths / 10}


def _fetch_error(error: Exception, config: ClientConfig) -> CollectorError:
    """Describe a failed request for the collector's data, with the ReasonDetail that names its kind."""
    endpoint = config.endpoint
    if isinstance(error, RetryableResponse):
        status = error.response.status_code
        msg = f"The collector at {endpoint} responded with HTTP {status} to the request for this installation's data. Try again later."
        params = {"http_status": status, "retry_after_seconds": error.retry_after_seconds}
        return CollectorError(msg, ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, params))

    error_type = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        msg = f"The collector at {endpoint} did not respond within {config.timeout_seconds} seconds ({error_type}). Try again later."
        params = {"endpoint": endpoint, "timeout_seconds": float(config.timeout_seconds)}
        return CollectorError(msg, ReasonDetail(_reasons.TIMED_OUT, params))
    if isinstance(error, (httpx.ProtocolError, httpx.DecodingError)):
        msg = f"The collector at {endpoint} sent an invalid response to the request for this installation's data ({error_type})."
        return CollectorError(msg, ReasonDetail(_reasons.INVALID_RESPONSE, {"endpoint": endpoint, "error_type": error_type}))
    msg = f"Cannot fetch the collector's data from {endpoint}: {error_type}. Try again later."
    return CollectorError(msg, ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": error_type, "endpoint": endpoint}))


def default_home(environ: Mapping[str, str]) -> Path:
    configured = environ.get("USAGE_STATS_HOME", "").strip()
    if configured:
        return Path(configured)
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, APP_AUTHOR))


class _StoreClosed(Exception):
    """Recording was attempted after UsageStats.close()."""


@dataclasses.dataclass
class _StorageOutage:
    """Writes that failed since the last one that succeeded, and whether a WARNING announced them."""

    failures: int = 0
    warned: bool = False


def _is_busy(error: BaseException) -> bool:
    """Return whether SQLite gave up waiting for a lock that another connection holds (SQLITE_BUSY)."""
    # peewee keeps the sqlite3 error it wraps in `orig`.
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_BUSY


def _requires_open_store(method: Callable[..., Any]) -> Callable[..., Any]:
    """Make `method` raise StorageError after close(), instead of silently opening a new connection."""

    @functools.wraps(method)
    def checked(self: UsageStats, *args: Any, **kwargs: Any) -> Any:
        if self._closed:
            msg = f"The usage statistics store {str(self.path)!r} was closed. Open it again with UsageStats.open()."
            raise StorageError(msg)
        return method(self, *args, **kwargs)

    return checked


def _folder_fix(home: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> str:
    """Return the advice for a data folder that cannot be created, matching how the folder was chosen."""
    if home is not None:
        return "Pass a writable folder as home to UsageStats.open() (--home on the command line)."
    if environ.get("USAGE_STATS_HOME", "").strip():
        return "Set USAGE_STATS_HOME to a writable folder."
    return "Set USAGE_STATS_HOME to a writable folder, or pass one as home to UsageStats.open()."


class UsageStats:
    """The local store of one installation, and everything done with it.

    Open it with `UsageStats.open()`. Recording and sessions never raise. The other methods
    raise UsageStatsError subclasses, whose message names the fix, for invalid input,
    configuration or collector failures, except that pause() and recent_events() raise
    ValueError or TypeError for an invalid argument. A database failure there (a disk error, a
    lock held beyond the busy timeout) propagates as sqlite3 or peewee errors. After close(), recording
    and sessions store nothing and log a WARNING once, and the other methods, status() and
    preview() included, raise StorageError.
    """

    def __init__(
        self,
        db: peewee.SqliteDatabase,
        path: Path,
        *,
        environ: Mapping[str, str],
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None,
        deployment_mode: str | None,
        app_version: str | None,
        strict_config: bool,
        recovered_from: Path | None,
    ) -> None:
        self._db = db
        self.path = path
        self.recovered_from = recovered_from
        self._environ = environ
        self._clock = clock
        self._transport = transport
        self._deployment_mode = deployment_mode
        self._app_version = app_version
        self._strict_config = strict_config
        self._settings = Settings(db, clock)
        self._session_id: int | None = None
        self._closed = False
        # The state of the log throttle in _warn_not_recorded, which host threads call at once.
        self._warning_lock = threading.Lock()
        self._warned_causes: set[str] = set()
        self._storage_warned_at: dt.datetime | None = None
        self._storage_outage: _StorageOutage | None = None

    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        deployment_mode: str | None = None,
        app_version: str | None = None,
        strict_config: bool = False,
    ) -> UsageStats:
        """Open (creating, migrating or recovering) the store in `home` or the default data folder.

        `strict_config` makes an invalid setting raise ConfigError; otherwise it is logged as a
        WARNING and the default is used. The `deployment_mode` and `app_version` arguments are
        checked here, before the store is touched. An invalid one raises, or is ignored with a
        WARNING. Then USAGE_STATS_DEPLOYMENT_MODE, the setting or the default deployment mode
        applies, and the app_version of the latest app_start event or app.__version__ is sent.
        The report schemas allow an app_version of 1 to 32 letters, digits, '.', '+', '_' and '-',
        starting with a letter or digit. `recovered_from` is set when a damaged database was moved
        aside. Raises StorageError when the folder or database cannot be created.
        """
        environ = os.environ if environ is None else environ
        clock = clock or utc_now
        deployment_mode = check_argument(
            deployment_mode, check_deployment_mode, "deployment_mode argument", strict=strict_config,
            fallback=f"USAGE_STATS_DEPLOYMENT_MODE, the deployment_mode setting or {DEFAULT_DEPLOYMENT_MODE!r}",
        )
        app_version = check_argument(
            app_version, check_app_version, "app_version argument", strict=strict_config,
            fallback=f"the app_version of the latest app_start event or {app.__version__!r}",
        )
        folder = Path(home) if home is not None else default_home(environ)

        opened = open_store(folder, clock(), folder_fix=_folder_fix(home, environ))
        stats = cls(
            opened.db,
            opened.path,
            environ=environ,
            clock=clock,
            transport=transport,
            deployment_mode=deployment_mode,
            app_version=app_version,
            strict_config=strict_config,
            recovered_from=opened.recovered_from,
        )
        stats._initialize_identity()
        stats.prune()
        return stats

    @property
    def closed(self) -> bool:
        """True after close(), when every other method raises StorageError."""
        return self._closed

    def close(self) -> None:
        """Mark the store closed and close the calling thread's database connection. A second call does nothing."""
        if self._closed:
            return
        self._closed = True
        self._db.close()

    def __enter__(self) -> UsageStats:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _initialize_identity(self) -> None:
        if self._settings.get(keys.INSTALLATION_ID):
            return
        with self._db.atomic("IMMEDIATE"):
            if self._settings.get(keys.INSTALLATION_ID):
                return
            now = self._clock()
            self._settings.set_many(
                {
                    keys.INSTALLATION_ID: str(uuid.uuid4()),
                    keys.DELETION_TOKEN: secrets.token_urlsafe(32),
                    keys.FIRST_SEEN: now,
                    keys.CONSENT_STATE: "undecided",
                    keys.SUBMISSION_COUNT: 0,
                    keys.INSTALLATION_SUBMISSION_COUNT: 0,
                    keys.SERVER_DELETION: {"state": "none", "installation_id": None, "pending": []},
                }
            )

    # Configuration and consent

    @_requires_open_store
    def config(self) -> ClientConfig:
        settings = self._settings.all()
        return ClientConfig.resolve(
            settings, self._environ, deployment_mode=self._deployment_mode, strict=self._strict_config
        )

    @_requires_open_store
    def consent(self) -> Consent:
        return Consent(
            state=self._settings.get(keys.CONSENT_STATE, "undecided"),
            policy_version=self._settings.get(keys.CONSENT_POLICY_VERSION),
            decided_at=self._settings.get_time(keys.CONSENT_DECIDED_AT),
            blocked_by_dnt=self.config().do_not_track,
        )

    @_requires_open_store
    def opt_in(self, policy_version_agreed: str | None = None) -> None:
        """Grant consent for a policy version (the current one by default) and open the first period.

        After an opt-out, the installation gets a new id and deletion token if a report of the
        current id was ever built, so no id links what was sent before to what is sent after. The
        other fields describe the same computer as before: app version, country, printer fleet and
        features. An installation that refused before it built any report keeps its id.
        """
        version = policy_version_agreed or privacy_policy().version
        try:
            policy_version(version)
        except KeyError as error:
            raise ConsentError(str(error.args[0])) from error

        now = self._clock()
        with self._db.atomic("IMMEDIATE"):
            previous_state = self._settings.get(keys.CONSENT_STATE, "undecided")
            updates: dict[str, Any] = {
                keys.CONSENT_STATE: "granted",
                keys.CONSENT_POLICY_VERSION: version,
                keys.CONSENT_DECIDED_AT: now,
            }
            if previous_state != "granted":
                updates.update(self._new_reporting_state(now, previous_state))
            self._settings.set_many(updates)
        logger.info("Usage statistics consent granted for policy version %s.", version)
        current = privacy_policy().version
        if version != current:
            logger.warning(
                "Consent was granted for privacy policy version %s, but version %s is current, so no report is "
                "sent until the user agrees to it. Call opt_in() without a version once they do.",
                version,
                current,
                extra={"event": CONSENT_POLICY_OUTDATED_EVENT},
            )

    def _new_reporting_state(self, now: dt.datetime, previous_state: str) -> dict[str, Any]:
        max_id = self._db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM usage_events").fetchone()[0]
        updates: dict[str, Any] = {
            keys.REPORT_ANCHOR: now,
            keys.REPORT_LAST_PERIOD_END: None,
            keys.REPORT_PERIOD_OPENED_AT: now,
            keys.REPORT_WATERMARK: max_id,
            keys.REPORT_FEATURE_STATE: feature_state_at(self._db, max_id, now, self._pruned_feature_state()),
        }
        if self._opt_in_starts_new_installation(previous_state):
            installation_id, deletion_token = self._next_identity()
            updates[keys.REPORT_EVER_BUILT] = False
            updates[keys.INSTALLATION_ID] = installation_id
            updates[keys.DELETION_TOKEN] = deletion_token
            updates[keys.NEXT_INSTALLATION_ID] = None
            updates[keys.NEXT_DELETION_TOKEN] = None
            updates[keys.FIRST_SEEN] = now
            updates[keys.INSTALLATION_SUBMISSION_COUNT] = 0
        return updates

    def _pruned_feature_state(self) -> dict[str, bool]:
        return self._settings.get(keys.FEATURE_PRUNED_STATE) or {}

    def _opt_in_starts_new_installation(self, consent_state: str) -> bool:
        """Return whether an opt-in from `consent_state` takes a new id, because the collector may hold data of the current one."""
        return consent_state == "refused" and self._may_have_sent_data()

    def _next_identity(self) -> tuple[str, str]:
        """Return the installation id and deletion token that the next opt-in after a refusal takes.

        They are created on first use and kept, so that a preview shown before the opt-in
        carries the same id and token hash as the reports sent after it.
        """
        installation_id = self._settings.get(keys.NEXT_INSTALLATION_ID)
        deletion_token = self._settings.get(keys.NEXT_DELETION_TOKEN)
        if installation_id and deletion_token:
            return installation_id, deletion_token
        with self._db.atomic("IMMEDIATE"):
            # Read again, because another process may have created them meanwhile.
            installation_id = self._settings.get(keys.NEXT_INSTALLATION_ID)
            deletion_token = self._settings.get(keys.NEXT_DELETION_TOKEN)
            if not (installation_id and deletion_token):
                installation_id, deletion_token = str(uuid.uuid4()), secrets.token_urlsafe(32)
                self._settings.set_many({keys.NEXT_INSTALLATION_ID: installation_id, keys.NEXT_DELETION_TOKEN: deletion_token})
        return installation_id, deletion_token

    @_requires_open_store
    def opt_out(self) -> None:
        """Refuse consent: cancel every queued report and queue a server deletion if data may have been sent.

        Data may have been sent once a report was built, because a send that timed out may still
        have reached the collector. Before the first report nothing can have left the machine.
        """
        now = self._clock()
        with self._db.atomic("IMMEDIATE"):
            previous_state = self._settings.get(keys.CONSENT_STATE, "undecided")
            may_have_sent = self._may_have_sent_data()
            cancelled = _outbox.cancel_pending(self._db)
            updates: dict[str, Any] = {keys.CONSENT_STATE: "refused", keys.CONSENT_DECIDED_AT: now}
            if previous_state == "granted" and may_have_sent:
                updates[keys.SERVER_DELETION] = self._queue_deletion()
            self._settings.set_many(updates)
        logger.info("Usage statistics consent refused; %d queued reports cancelled.", cancelled)

    def _may_have_sent_data(self) -> bool:
        """Return whether data of the current installation id may have reached the collector.

        True once a report of this id was built, kept or not, because a send that timed out may
        still have arrived. Reports of an earlier id, from before an opt-out, do not count.
        The history is checked as well as report.ever_built, because stores written before the
        flag was set at each build have it only after a deletion of the local data.
        """
        # NOTE: such an older store that is damaged and recovered loses its history, so after
        # that an opt-out queues no server deletion for the reports built before.
        reports_built = _outbox.count_reports(self._db, self._settings.get(keys.INSTALLATION_ID))
        return reports_built > 0 or bool(self._settings.get(keys.REPORT_EVER_BUILT, False))

    def _queue_deletion(self) -> dict[str, Any]:
        deletion = self._settings.get(keys.SERVER_DELETION) or {}
        queue = [entry for entry in deletion.get("pending", []) if isinstance(entry, dict)]
        installation_id = self._settings.get(keys.INSTALLATION_ID)
        if not any(entry.get("installation_id") == installation_id for entry in queue):
            queue.append({"installation_id": installation_id, "deletion_token": self._settings.get(keys.DELETION_TOKEN)})
        return {"state": "pending", "installation_id": installation_id, "pending": queue}

    @_requires_open_store
    def pause(self, days: int = 7) -> dt.datetime:
        """Pause submission for `days` days (1-365); return when it resumes.

        Raises TypeError when `days` is not an int and ValueError when it is outside 1-365.
        """
        if type(days) is not int:
            msg = f"Invalid pause length {short_repr(days)} ({type(days).__name__}): use an int from 1 to {MAX_PAUSE_DAYS}."
            raise TypeError(msg)
        if not 1 <= days <= MAX_PAUSE_DAYS:
            msg = f"Invalid pause length {days!r}: use a whole number of days from 1 to {MAX_PAUSE_DAYS}."
            raise ValueError(msg)
        until = self._clock() + dt.timedelta(days=days)
        self._settings.set(keys.SUBMISSION_PAUSED_UNTIL, until)
        return until

    @_requires_open_store
    def resume(self) -> None:
        self._settings.set(keys.SUBMISSION_PAUSED_UNTIL, None)

    # Recording

    def record(self, event_type: str | EventType, metadata: Mapping[str, Any] | None = None, /, **fields: Any) -> bool:
        """Store one event now; return False (and log) instead of raising on any failure.

        Metadata comes as keyword arguments, as a mapping (positional or as `metadata=`), or both.
        A keyword wins over the same key in the mapping. Metadata that is not a mapping is dropped with a WARNING, and the event is stored.
        """
        try:
            parsed = parse_event_type(event_type)
            if parsed is None:
                return False
            if metadata is None and isinstance(fields.get("metadata"), Mapping):
                # No event type has a "metadata" key, so record(type, metadata={...}) means the mapping.
                metadata = fields.pop("metadata")
            if metadata is not None:
                fields = {**metadata_mapping(parsed, metadata), **fields}
            row = (parsed.value, format_db_time(self._clock()), clean_and_encode(parsed, fields))
            return self._insert_events([row]) == 1
        except Exception as error:  # recording must never break the host application
            self._warn_not_recorded(error)
            return False

    def record_many(self, events: Iterable[tuple[str | EventType, dt.datetime | None, Mapping[str, Any] | None]]) -> int:
        """Store many events in one transaction (a bulk import); return how many were stored.

        A time of None means now, and a naive datetime is taken to be UTC. A row with an unknown
        event type is skipped as record() skips it. A row of another shape, with a time that is
        not a datetime or with metadata that is not a mapping is skipped with a WARNING that names
        its index, the field, the value and the fix (at most MAX_ROW_WARNINGS per call, then one
        count). The other rows are stored. Never raises.
        """
        try:
            rows = self._encode_rows(events)
            return self._insert_events(rows)
        except Exception as error:  # a bulk import must not break the host application either
            self._warn_not_recorded(error)
            return 0

    def _encode_rows(self, events: Iterable[Any]) -> list[tuple[str, str, str]]:
        rows = []
        skipped = 0
        for index, event in enumerate(events):
            try:
                row = encode_event_row(event, self._clock)
            except InvalidEventRow as error:
                skipped += 1
                if skipped <= MAX_ROW_WARNINGS:
                    logger.warning("Usage event at index %d of the bulk import was skipped: %s", index, error)
                continue
            if row is not None:
                rows.append(row)

        if skipped > MAX_ROW_WARNINGS:
            logger.warning(
                "%d invalid usage events of the bulk import were skipped in all; only the first %d are logged.",
                skipped, MAX_ROW_WARNINGS,
            )
        return rows

    def _insert_events(self, rows: list[tuple[str, str, str]]) -> int:
        if self._closed:
            self._warn_not_recorded(_StoreClosed())
            return 0
        if not rows:
            return 0
        connection = self._db.connection()
        if len(rows) == 1:
            connection.execute(_INSERT_EVENT, rows[0])
        else:
            with self._db.atomic():
                connection.executemany(_INSERT_EVENT, rows)
        if self._storage_outage is not None:
            self._end_storage_outage()
        return len(rows)

    def _end_storage_outage(self) -> None:
        with self._warning_lock:
            outage, self._storage_outage = self._storage_outage, None
        if outage is not None and outage.warned:
            logger.info(
                "Usage events are being recorded again in %s, after %d failed writes.", self.path, outage.failures
            )

    def _warn_not_recorded(self, error: BaseException) -> None:
        """Log why events or a session write were not stored, without flooding the log of a host that records in a loop.

        A closed store and an unexpected error are logged at WARNING once per process. A storage
        failure, such as a lock held by another process, is logged at WARNING at most once every
        STORAGE_WARNING_INTERVAL. The end of a failure announced that way is logged at INFO with
        the number of failed writes. Everything else goes to DEBUG.
        """
        if isinstance(error, _StoreClosed):
            message = (
                f"Usage events are not being recorded: the usage statistics store {self.path} was closed. "
                f"Open it again with UsageStats.open() to record events."
            )
            self._warn_once("closed", message, exc_info=False)
        elif _is_busy(error):
            message = (
                f"Usage events are not being recorded ({type(error).__name__}: {error}): another connection, "
                f"possibly in another process, kept a write transaction open on {self.path}, and record() waited "
                f"up to {BUSY_TIMEOUT_MS / 1000:g} s for it. Stored data is kept. End or shorten that transaction."
            )
            self._warn_storage(message)
        elif isinstance(error, (sqlite3.Error, peewee.PeeweeException, OSError)):
            message = (
                f"Usage events are not being recorded ({type(error).__name__}: {error}). Stored data is kept; "
                f"check free disk space and write access to {self.path}."
            )
            self._warn_storage(message)
        else:
            message = (
                f"Usage events were not recorded because of an unexpected {type(error).__name__}: {error}. "
                f"Stored data in {self.path} is kept. The traceback shows where the error was raised."
            )
            self._warn_once("unexpected", message, exc_info=True)

    def _warn_once(self, cause: str, message: str, *, exc_info: bool) -> None:
        with self._warning_lock:
            first = cause not in self._warned_causes
            self._warned_causes.add(cause)
        if first:
            logger.warning("%s Further failures are logged at DEBUG level.", message, exc_info=exc_info)
        else:
            logger.debug("Usage event not recorded: %s", message)

    def _warn_storage(self, message: str) -> None:
        now = self._clock()
        with self._warning_lock:
            outage = self._storage_outage = self._storage_outage or _StorageOutage()
            outage.failures += 1
            last = self._storage_warned_at
            # A clock set back counts as the interval having passed.
            due = last is None or not dt.timedelta(0) <= now - last < STORAGE_WARNING_INTERVAL
            if due:
                self._storage_warned_at = now
                outage.warned = True
        if due:
            minutes = STORAGE_WARNING_INTERVAL.total_seconds() / 60
            logger.warning("%s Further failures in the next %g minutes are logged at DEBUG level.", message, minutes)
        else:
            logger.debug("Usage event not recorded: %s", message)

    def start_session(self) -> None:
        """Open an uptime session; call heartbeat() every few minutes and end_session() at exit."""
        now = format_db_time(self._clock())
        self._write_session(_INSERT_SESSION, (now, now), start=True)

    def heartbeat(self) -> None:
        """Move the session's last-seen time to now, so a crash loses at most one heartbeat interval."""
        if self._session_id is not None:
            now = format_db_time(self._clock())
            self._write_session("UPDATE usage_sessions SET last_seen_at = ? WHERE id = ?", (now, self._session_id))

    def end_session(self) -> None:
        if self._session_id is not None:
            now = format_db_time(self._clock())
            self._write_session(
                "UPDATE usage_sessions SET last_seen_at = ?, ended_at = ? WHERE id = ?", (now, now, self._session_id)
            )
            self._session_id = None

    def _write_session(self, sql: str, parameters: tuple[Any, ...], start: bool = False) -> None:
        """Run one session write; like record(), it logs instead of raising."""
        if self._closed:
            self._warn_not_recorded(_StoreClosed())
            return
        try:
            cursor = self._db.execute_sql(sql, parameters)
        except (sqlite3.Error, peewee.PeeweeException) as error:
            self._warn_not_recorded(error)
            return
        if start:
            self._session_id = cursor.lastrowid

    # Reports

    def _installation(self, config: ClientConfig) -> Installation:
        return Installation(
            installation_id=self._settings.get(keys.INSTALLATION_ID),
            first_seen=self._first_seen(),
            app_version=self._resolve_app_version(),
            deployment_mode=config.deployment_mode,
            country_code=(
                country_for_zone(config.timezone) if config.timezone else system_country(configured_zone(self._environ))
            ),
            deletion_token=self._settings.get(keys.DELETION_TOKEN),
        )

    def _first_seen(self) -> dt.datetime:
        """Return installation.first_seen, first moving it back to now when it lies after now.

        A first_seen after now was recorded while the clock was ahead, and the collector rejects
        every report carrying it until real time catches up, so it is corrected to the current time.
        """
        now = self._clock()
        first_seen = self._settings.get_time(keys.FIRST_SEEN)
        if first_seen is None:
            return now
        if first_seen <= now:
            return first_seen

        with self._db.atomic("IMMEDIATE"):
            # Read again, because another process may have corrected it meanwhile.
            first_seen = self._settings.get_time(keys.FIRST_SEEN)
            if first_seen is None:
                return now
            if first_seen <= now:
                return first_seen
            self._settings.set(keys.FIRST_SEEN, now)
        logger.info(
            "installation.first_seen was %s, after the current time, so the system clock was set back since it "
            "was recorded. It is now %s.",
            format_iso_time(first_seen), format_iso_time(now),
        )
        return now

    def _resolve_app_version(self) -> str:
        if self._app_version:
            return self._app_version
        row = self._db.execute_sql(
            "SELECT json_extract(metadata, '$.app_version') FROM usage_events WHERE event_type = ?"
            " AND json_extract(metadata, '$.app_version') IS NOT NULL ORDER BY occurred_at DESC, id DESC LIMIT 1",
            (EventType.APP_START.value,),
        ).fetchone()
        return row[0] if row else app.__version__

    def _schedule(self, config: ClientConfig, now: dt.datetime) -> Schedule:
        schedule = _outbox.read_schedule(self._settings, config.interval_days)
        if schedule is not None and self._settings.get(keys.CONSENT_STATE) == "granted":
            return schedule
        # Before opt-in the first period would start at the moment of consent.
        return Schedule(anchor=now, last_period_end=None, period_opened_at=now, interval_days=config.interval_days)

    @_requires_open_store
    def preview(self) -> bytes:
        """Return the next report that a scheduled send would post.

        That is the oldest report waiting in the outbox, byte for byte as it is sent. Otherwise it
        is the report of the open period as it would be sent at the period's scheduled end, with
        the counts of the events recorded so far. Events recorded until that end are added when
        the report is built. Before opt-in the report counts no jobs, files or errors, because
        events recorded before consent are never counted. Its printer fleet and features show
        the installation as it is, as the first report after an opt-in would. A forced send (`submit_due(force=True)`) ends the period at the
        current time instead, so its period.end and duration_days differ from the preview.
        """
        state = self._settings.get(keys.CONSENT_STATE)
        if state == "granted":
            pending = _outbox.pending_reports(self._db)
            if pending:
                return pending[0].body

        config = self.config()
        now = self._clock()
        installation = self._installation(config)
        if self._opt_in_starts_new_installation(state):
            installation_id, deletion_token = self._next_identity()
            installation = dataclasses.replace(
                installation, installation_id=installation_id, deletion_token=deletion_token, first_seen=now
            )
        period = self._schedule(config, now).next_period()
        if state == "granted":
            watermark = self._settings.get_int(keys.REPORT_WATERMARK)
            feature_state = self._settings.get(keys.REPORT_FEATURE_STATE) or {}
        else:
            watermark = self._db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM usage_events").fetchone()[0]
            feature_state = feature_state_at(self._db, watermark, now, self._pruned_feature_state())

        aggregate = gather(self._db, watermark, period, feature_state)
        return build_body(report_id_for(installation.installation_id, period), installation, period, aggregate)

    @_requires_open_store
    def sending_blocker(self) -> Skipped | None:
        """Return why a report would not be sent now, or None when it would be once due.

        The reasons are those of `submit_due()` without `force`: DO_NOT_TRACK, no consent or
        consent to an older privacy policy, a pause, or no configured collector.
        """
        return self._submission_blocker(self.config(), force=False)

    def _submission_blocker(self, config: ClientConfig, force: bool) -> Skipped | None:
        """Return why nothing may be sent now, or None when sending is allowed."""
        if config.do_not_track:
            return Skipped("DO_NOT_TRACK is set, so usage statistics are off", ReasonDetail(_reasons.DO_NOT_TRACK))
        if self._settings.get(keys.CONSENT_STATE) != "granted":
            return Skipped("the user has not opted in", ReasonDetail(_reasons.NOT_OPTED_IN))
        agreed, current = self._settings.get(keys.CONSENT_POLICY_VERSION), privacy_policy().version
        if agreed != current:
            # The tray shows the changes after an update. Until the user agrees, nothing is sent from anywhere.
            detail = ReasonDetail(_reasons.POLICY_OUTDATED, {"agreed": agreed, "current": current})
            agreed_text = "no privacy policy version" if agreed is None else f"privacy policy version {agreed}"
            return Skipped(
                f"the user agreed to {agreed_text}, and version {current} is current, so nothing is sent until the "
                "user agrees to it",
                detail,
            )
        paused_until = self._settings.get_time(keys.SUBMISSION_PAUSED_UNTIL)
        if paused_until is not None and self._clock() < paused_until and not force:
            detail = ReasonDetail(_reasons.PAUSED, {"until": paused_until})
            return Skipped(f"submission is paused until {paused_until.isoformat()}", detail)
        if config.endpoint is None:
            return Skipped("no collector configured (set USAGE_STATS_ENDPOINT)", ReasonDetail(_reasons.NO_COLLECTOR))
        return None

    def _client(self, config: ClientConfig) -> CollectorClient:
        return CollectorClient(
            config.endpoint or "",
            api_key=config.api_key,
            timeout_seconds=config.timeout_seconds,
            retry_count=config.retry_count,
            transport=self._transport,
            clock=self._clock,
        )

    @_requires_open_store
    async def submit_due(self, force: bool = False) -> list[SubmitOutcome]:
        """Build the owed reports and send every report in the outbox, oldest first.

        `force` ("Send report now") ignores a pause and, when no report is waiting, closes the
        open period at the current time so that it is sent now. Consent and DO_NOT_TRACK are
        always honoured. A retryable failure or a rejected API key stops the run and leaves the
        rest queued. A report that the collector rejects as being in its future stops the run too,
        unless the clock was set back since that report was built, or its rejected period also ends
        after the current time. It is then ended as rejected, and in the second case the next
        period starts at the current time; a forced run then also sends that period at once.
        Under `strict_config`, an invalid network setting raises ConfigError once consent,
        DO_NOT_TRACK and a pause allow sending, before any report is built.
        """
        config = self.config()
        blocker = self._submission_blocker(config, force)
        # The network settings are checked only when a report may go out, so that a stale invalid
        # one does not fail a run without consent, under DO_NOT_TRACK, in a pause or without a
        # collector. An invalid endpoint reads as no collector, so its error is raised as well.
        missing_collector = blocker is not None and blocker.detail is not None and blocker.detail.code == _reasons.NO_COLLECTOR
        if blocker is None or (missing_collector and config.endpoint_invalid):
            config.check_network()
        if blocker is not None:
            logger.debug("No usage report sent: %s.", blocker.reason)
            return [blocker]

        now = self._clock()
        installation = self._installation(config)
        # Marking a week's events as reported can take seconds on a busy host, so it runs on a
        # worker thread and the caller's event loop (the tray's UI thread) stays responsive.
        await asyncio.to_thread(self._build_owed_reports, installation, config.interval_days, now, force)
        client = self._client(config)
        outcomes, finished, restarted = await self._send_pending(client, config, force)
        if force and finished and restarted and not _outbox.pending_reports(self._db):
            # The schedule was moved back to just before the current second, so the open period
            # can close and go out in this run too, instead of at the next "Send report now".
            await asyncio.to_thread(self._build_owed_reports, installation, config.interval_days, self._clock(), True)
            more, _, _ = await self._send_pending(client, config, force)
            outcomes += more

        self.prune()
        return outcomes or [self._nothing_due(config, now, force)]

    async def _send_pending(
        self, client: CollectorClient, config: ClientConfig, force: bool
    ) -> tuple[list[SubmitOutcome], bool, bool]:
        """Send the queued reports, oldest first.

        Returns the outcomes, whether every queued report was handled (no failure stopped the
        run), and whether the schedule was restarted because it was set while the clock was ahead.
        """
        outcomes: list[SubmitOutcome] = []
        restarted = False
        for report in _outbox.pending_reports(self._db):
            blocker = self._submission_blocker(self.config(), force)
            if blocker is not None:
                outcomes.append(blocker)
                return outcomes, False, restarted

            outcome = await client.submit(report.report_id, report.body)
            if isinstance(outcome, RetryLater) and outcome.time_in_future_response is not None:
                ended, moved = self._end_report_ahead_of_clock(client, report, outcome, config.interval_days, force)
                restarted = restarted or moved
                if ended is not None:
                    outcomes.append(ended)
                    continue
            outcomes.append(outcome)
            if not self._apply_outcome(client, report, outcome):
                return outcomes, False, restarted
        return outcomes, True, restarted

    def _nothing_due(self, config: ClientConfig, now: dt.datetime, force: bool) -> Skipped:
        """Return why a run that may send built no report."""
        if force:
            schedule = _outbox.read_schedule(self._settings, config.interval_days)
            if schedule is not None:
                close_at = _outbox.earliest_early_close(schedule.next_period().start)
                if now < close_at:
                    wait_text, wait_params = _time_until(now, close_at)
                    reason = (
                        "a report covers at least one whole second, and the current period is not long enough yet; "
                        f"send again {wait_text}"
                    )
                    return Skipped(reason, ReasonDetail(_reasons.PERIOD_TOO_SHORT, wait_params))
        return Skipped("no report is due", ReasonDetail(_reasons.NOTHING_DUE))

    def _build_owed_reports(self, installation: Installation, interval_days: int, now: dt.datetime, close_early: bool) -> int:
        """Build the owed reports on the calling thread's own connection, then close that connection."""
        try:
            return _outbox.build_owed_reports(
                self._db, self._settings, installation, interval_days, now, close_early=close_early
            )
        finally:
            # peewee keeps one connection per thread; this closes only the worker's.
            self._db.close()

    def _clock_set_back_since_build(self, report: _outbox.PendingReport) -> dt.timedelta | None:
        """Return how far the local clock was set back since `report` was built, or None if it was not.

        The clock was set back when the build time stored with the report, or the first_seen in
        its body, lies after the current time. The collector then rejects the report for as long
        as the clock was ahead. Period times are not compared, because a report that is owed one
        interval after its period was opened can end after the current time, and the collector
        takes it once its own clock reaches that end.
        """
        now = self._clock()
        recorded_times = [report.created_at]
        try:
            first_seen_text = json.loads(report.body)["installation"]["first_seen"]
            recorded_times.append(parse_time(first_seen_text))
        except (ValueError, TypeError, KeyError):
            pass  # A body without a readable first_seen is judged by its build time alone.

        latest = max((time for time in recorded_times if time is not None), default=None)
        if latest is None or latest <= now:
            return None
        return latest - now

    def _end_report_ahead_of_clock(
        self, client: CollectorClient, report: _outbox.PendingReport, outcome: RetryLater, interval_days: int, force: bool
    ) -> tuple[Rejected | None, bool]:
        """End a report rejected as being in the collector's future, or return None to keep it queued.

        It is ended when the local clock shows that waiting would hold back every later report:
        the report was built while the clock was ahead, or the collector rejected its period and
        that period ends after the current time. A period that ends after the current time means
        the schedule was set while the clock was ahead, so the next period is moved back to start
        now. For a report built ahead this holds whatever field the collector named, because the
        collector checks installation.first_seen before the period. In a forced run the next
        period starts a second earlier, so that it is long enough to be sent in the same run.

        Returns the rejection, or None, and whether the schedule was restarted.
        """
        built_ahead_by = self._clock_set_back_since_build(report)
        period_after_now = report.period_end is not None and report.period_end > self._clock()
        period_rejected = outcome.future_field in PERIOD_FIELDS
        if built_ahead_by is None and not (period_rejected and period_after_now):
            return None, False

        restarted = period_after_now and self._restart_schedule_after_clock_ahead(report, force)
        if built_ahead_by is not None:
            return self._end_report_built_ahead(client, report, outcome, built_ahead_by), restarted
        return self._end_report_period_ahead(client, report, outcome, interval_days), restarted

    def _restart_schedule_after_clock_ahead(self, report: _outbox.PendingReport, force: bool) -> bool:
        """Move the open period back to start at the current second (one second earlier when forced)."""
        start_at = self._clock() - (_outbox.MIN_EARLY_PERIOD if force else dt.timedelta(0))
        moved = _outbox.restart_schedule(self._db, self._settings, start_at)
        if moved is None:
            return False
        old_start, new_start = moved
        logger.warning(
            "The usage report schedule was set while this computer's clock was ahead: the collector rejected "
            "report %s as being in the future, and its period ends after the current time. The next period "
            "starts at %s instead of %s.",
            report.report_id, format_report_time(new_start), format_report_time(old_start),
        )
        return True

    def _finalize_rejected_ahead(self, report: _outbox.PendingReport, response_body: str) -> tuple[int, int]:
        """Store a report rejected as being in the future as rejected; return (requeued, dropped) events."""
        _outbox.finalize(
            self._db, self._settings, report, status="rejected", http_status=422,
            submission_id=None, response_body=response_body, now=self._clock(),
        )
        requeued, dropped = self._db.execute_sql(
            "SELECT requeued_events, dropped_events FROM sent_reports WHERE id = ?", (report.row_id,)
        ).fetchone()
        return requeued, dropped

    def _end_report_period_ahead(
        self, client: CollectorClient, report: _outbox.PendingReport, outcome: RetryLater, interval_days: int
    ) -> Rejected:
        """Record as rejected a report whose period was scheduled while the clock was ahead.

        Its events are released to the next report built, as those of any rejected report are.
        """
        response_body = outcome.time_in_future_response or ""
        requeued, dropped = self._finalize_rejected_ahead(report, response_body)
        schedule = _outbox.read_schedule(self._settings, interval_days)
        next_start = schedule.next_period().start if schedule is not None else self._clock().replace(microsecond=0)
        logger.error(
            "The period of usage report %s ends at %s, after the current time, because the schedule was set while "
            "this computer's clock was ahead. The collector at %s rejected it as being in the future (HTTP 422), "
            "so it is not sent again. Events counted again in the next report: %s. Events kept locally and never "
            "sent, because a rejected report counted them before: %s.",
            report.report_id, format_report_time(report.period_end) if report.period_end else "unknown",
            client.endpoint, requeued, dropped,
        )
        message = (
            "the report's period was scheduled while this computer's clock was ahead and ends after the current "
            "time, so the collector rejects it as being in the future and it is not sent again. The next period "
            f"starts at {format_report_time(next_start)}. Collector response: {response_body}"
        )
        detail = ReasonDetail(_reasons.PERIOD_AHEAD_OF_CLOCK, {"response": response_body, "next_period_start": next_start})
        return Rejected(422, message, detail)

    def _end_report_built_ahead(
        self, client: CollectorClient, report: _outbox.PendingReport, outcome: RetryLater, ahead_by: dt.timedelta
    ) -> Rejected:
        """Record as rejected a report built while the clock was ahead, so the reports after it are sent.

        Its events are released to the next report built, as those of any rejected report are.
        """
        response_body = outcome.time_in_future_response or ""
        requeued, dropped = self._finalize_rejected_ahead(report, response_body)
        logger.error(
            "Usage report %s was built while this computer's clock was ahead by %s, and the collector at %s "
            "rejected a time in it as being in the future (HTTP 422), so it is not sent again. Events counted "
            "again in the next report: %s. Events kept locally and never sent, because a rejected report counted "
            "them before: %s.",
            report.report_id, ahead_by, client.endpoint, requeued, dropped,
        )
        message = (
            "the report was built while this computer's clock was ahead, and the clock has been set back since, "
            f"so the collector rejects its times as being in the future and it is not sent again. Collector response: {response_body}"
        )
        return Rejected(422, message, ReasonDetail(_reasons.BUILT_WHILE_CLOCK_AHEAD, {"response": response_body}))

    def _apply_outcome(self, client: CollectorClient, report: _outbox.PendingReport, outcome: SubmitOutcome) -> bool:
        """Store the response for one report; return whether the run goes on to the next report."""
        now = self._clock()
        if isinstance(outcome, Sent):
            _outbox.finalize(
                self._db, self._settings, report, status="sent", http_status=outcome.http_status,
                submission_id=outcome.submission_id, response_body=outcome.response_body, now=now,
            )
            logger.info("Usage report %s sent to %s: HTTP 200, %d bytes.", report.report_id, client.endpoint, len(report.body))
            return True
        if isinstance(outcome, RetryLater):
            logger.debug("Usage report %s not sent yet: %s.", report.report_id, outcome.reason)
            return False

        assert isinstance(outcome, Rejected)
        if outcome.http_status in (401, 403):
            logger.error(
                "The collector at %s rejected the API key (HTTP %d); reports stay queued until the key is fixed.",
                client.endpoint, outcome.http_status,
            )
            return False
        if outcome.http_status < 400 or outcome.http_status in ENDPOINT_ERROR_STATUSES:
            logger.error(
                "The collector URL %s looks wrong (HTTP %d for POST /submit); reports stay queued until "
                "USAGE_STATS_ENDPOINT is fixed.",
                client.endpoint, outcome.http_status,
            )
            return False
        _outbox.finalize(
            self._db, self._settings, report, status="rejected", http_status=outcome.http_status,
            submission_id=None, response_body=outcome.message, now=now,
        )
        requeued, dropped = self._db.execute_sql(
            "SELECT requeued_events, dropped_events FROM sent_reports WHERE id = ?", (report.row_id,)
        ).fetchone()
        logger.error(
            "The collector at %s rejected usage report %s with HTTP %d. Events counted again in the next report: "
            "%s. Events kept locally and never sent, because a rejected report counted them before: %s.",
            client.endpoint, report.report_id, outcome.http_status, requeued, dropped,
        )
        return True

    # The collector's copy

    @_requires_open_store
    async def request_server_deletion(self) -> DeletionOutcome:
        """Ask the collector to delete the data of every installation id queued by an opt-out.

        The scheduler calls this while a deletion is pending; each confirmed id leaves the queue.
        An invalid network setting raises ConfigError (under `strict_config`), and the queue stays.
        """
        deletion = self._settings.get(keys.SERVER_DELETION) or {}
        queue = [entry for entry in deletion.get("pending", []) if isinstance(entry, dict)]
        if not queue:
            return DeletionOutcome(True, None, "no server deletion is pending", detail=ReasonDetail(_reasons.NO_DELETION_PENDING))
        config = self.config()
        config.check_network()
        if config.endpoint is None:
            return DeletionOutcome(
                False, None, "no collector configured (set USAGE_STATS_ENDPOINT)", detail=ReasonDetail(_reasons.NO_COLLECTOR)
            )

        client = self._client(config)
        confirmed: list[str] = []
        outcome = DeletionOutcome(True, None, "no server deletion is pending", detail=ReasonDetail(_reasons.NO_DELETION_PENDING))
        for entry in queue:
            outcome = await client.delete_installation(entry["installation_id"], entry["deletion_token"])
            if not outcome.confirmed:
                logger.warning("The collector has not confirmed the deletion yet: %s.", outcome.message)
                break
            confirmed.append(entry["installation_id"])
            logger.info(
                "The collector deleted the data of installation id %s (HTTP %s). Reports deleted: %s.",
                entry["installation_id"], outcome.http_status,
                "unknown" if outcome.deleted_count is None else outcome.deleted_count,
            )

        with self._db.atomic("IMMEDIATE"):
            current = self._settings.get(keys.SERVER_DELETION) or {}
            remaining = [e for e in current.get("pending", []) if e.get("installation_id") not in confirmed]
            state = "pending" if remaining else "confirmed"
            self._settings.set(
                keys.SERVER_DELETION, {"state": state, "installation_id": current.get("installation_id"), "pending": remaining}
            )
        return outcome

    @_requires_open_store
    async def fetch_server_data(self) -> bytes:
        """Return what the collector holds for this installation, as indented JSON with sorted keys.

        The collector's compact JSON is re-indented, so the result reads the same whether or not
        the collector stores data. A 200 response that is not valid JSON is returned unchanged.
        A 404 means the collector stores nothing for this installation id. The result is then
        JSON with the installation id, an empty `submissions` list and NO_SERVER_DATA_MESSAGE.
        Before the first report is built the collector is not contacted at all, because the
        request itself would send the installation id. The result then carries NOTHING_SENT_MESSAGE
        and ``"collector_asked": false``.
        """
        installation_id = self._settings.get(keys.INSTALLATION_ID)
        if not self._may_have_sent_data():
            logger.info("No report of this installation id was ever built, so the collector was not asked for its data.")
            return _no_server_data(installation_id, collector_asked=False)

        config = self.config()
        config.check_network()
        if config.endpoint is None:
            msg = "Cannot fetch the collector's data: no collector is configured. Set USAGE_STATS_ENDPOINT."
            raise CollectorError(msg, ReasonDetail(_reasons.NO_COLLECTOR))

        client = self._client(config)
        try:
            response = await client.fetch_installation(installation_id, self._settings.get(keys.DELETION_TOKEN))
        except (RetryableResponse, httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as error:
            raise _fetch_error(error, config) from error
        if response.status_code == 404:
            logger.info("The collector at %s holds no data for this installation id (HTTP 404).", config.endpoint)
            return _no_server_data(installation_id)
        if response.status_code != 200:
            msg = f"The collector at {config.endpoint} responded with HTTP {response.status_code} to the request for this installation's data."
            params = {"endpoint": config.endpoint, "http_status": response.status_code}
            raise CollectorError(msg, ReasonDetail(_reasons.UNEXPECTED_HTTP_STATUS, params))
        try:
            data = json.loads(response.content)
        except ValueError:
            logger.warning("The collector at %s sent this installation's data as invalid JSON, so it is kept as received.", config.endpoint)
            return response.content
        return _indented_json(data)

    # Views

    @_requires_open_store
    def status(self) -> Status:
        config = self.config()
        now = self._clock()
        week_ago = format_db_time(now - dt.timedelta(days=7))
        # Two counts, because the second one can then follow the occurred_at index.
        events_total = self._db.execute_sql("SELECT COUNT(*) FROM usage_events").fetchone()[0]
        events_this_week = self._db.execute_sql(
            "SELECT COUNT(*) FROM usage_events WHERE occurred_at >= ?", (week_ago,)
        ).fetchone()[0]
        pending = self._db.execute_sql("SELECT COUNT(*) FROM sent_reports WHERE status = 'pending'").fetchone()[0]
        consent = self.consent()
        next_due = None
        if consent.state == "granted":
            schedule = self._schedule(config, now)
            next_due = min(schedule.next_period().end, schedule.period_opened_at + dt.timedelta(days=config.interval_days))

        server_deletion = self._settings.get(keys.SERVER_DELETION) or {}
        return Status(
            consent=consent,
            installation_id=self._settings.get(keys.INSTALLATION_ID),
            first_seen=self._settings.get_time(keys.FIRST_SEEN),
            events_total=events_total,
            events_this_week=events_this_week,
            last_submission=self._settings.get_time(keys.SUBMISSION_LAST_AT),
            submission_count=_outbox.installation_submission_count(self._db, self._settings),
            submission_count_total=self._settings.get_int(keys.SUBMISSION_COUNT),
            next_submission_due=next_due,
            pending_reports=pending,
            server_deletion=server_deletion.get("state", "none"),
            endpoint=config.endpoint,
            paused_until=self._settings.get_time(keys.SUBMISSION_PAUSED_UNTIL),
            server_deletion_installation_id=server_deletion.get("installation_id"),
            new_id_on_opt_in=self._opt_in_starts_new_installation(consent.state),
        )

    @_requires_open_store
    def recent_events(
        self,
        limit: int = 500,
        event_type: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[Event]:
        """Return stored events, newest first, optionally filtered by type and time range.

        Raises ValueError for an unknown event type or a negative limit, and TypeError for a limit
        that is not an int.
        """
        if type(limit) is not int:
            msg = f"Invalid limit {short_repr(limit)} ({type(limit).__name__}): use an int of 0 or more."
            raise TypeError(msg)
        if limit < 0:
            msg = f"Invalid limit {limit!r}: use 0 or more."
            raise ValueError(msg)

        conditions, parameters = [], []
        if event_type is not None:
            if event_type not in _EVENT_TYPE_NAMES:
                msg = f"Unknown event type {short_repr(event_type)}: use one of {', '.join(_EVENT_TYPE_NAMES)}."
                raise ValueError(msg)
            conditions.append("event_type = ?")
            parameters.append(str(event_type))
        if since is not None:
            conditions.append("occurred_at >= ?")
            parameters.append(format_db_time(since))
        if until is not None:
            conditions.append("occurred_at < ?")
            parameters.append(format_db_time(until))
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""

        return event_rows(self._db, f"{where} ORDER BY occurred_at DESC, id DESC LIMIT ?", [*parameters, limit])

    @_requires_open_store
    def events_per_day(self, days: int = 30, event_type: str | EventType | None = None) -> list[tuple[dt.date, int]]:
        """Return (UTC date, event count) for each of the last `days` days, oldest first, zeros included.

        With `event_type`, only events of that type are counted.
        """
        today = self._clock().date()
        type_condition, type_parameters = "", ()
        if event_type is not None:
            type_condition, type_parameters = " AND event_type = ?", (EventType(event_type).value,)
        result = []
        for offset in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=offset)
            # A range count per day follows the occurred_at index, or the (event_type, occurred_at) one.
            # Grouping by the date text measured about five times slower over a million events.
            count = self._db.execute_sql(
                f"SELECT COUNT(*) FROM usage_events WHERE occurred_at >= ? AND occurred_at < ?{type_condition}",
                (day.isoformat(), (day + dt.timedelta(days=1)).isoformat(), *type_parameters),
            ).fetchone()[0]
            result.append((day, count))
        return result

    @_requires_open_store
    def history(self) -> list[SentReport]:
        """Return every outbox and history entry, newest first."""
        rows = self._db.execute_sql(
            "SELECT report_id, period_start, period_end, body, created_at, sent_at, status, http_status,"
            " submission_id, response_body, previous_hash, entry_hash, requeued_events, dropped_events"
            " FROM sent_reports ORDER BY id DESC"
        ).fetchall()
        return [sent_report_from_row(row) for row in rows]

    @_requires_open_store
    def report_statuses(self, report_ids: Iterable[str]) -> dict[str, str]:
        """Map each given report id to its outbox status: "pending", "sent", "rejected" or "cancelled".

        Ids without an outbox entry are left out. A table of events looks up the reports of all
        its rows with this, in one query for up to REPORT_STATUS_BATCH distinct ids.
        """
        unique_ids = sorted({str(report_id) for report_id in report_ids})
        statuses: dict[str, str] = {}
        for start in range(0, len(unique_ids), REPORT_STATUS_BATCH):
            batch = unique_ids[start:start + REPORT_STATUS_BATCH]
            placeholders = ", ".join("?" * len(batch))
            rows = self._db.execute_sql(
                f"SELECT report_id, status FROM sent_reports WHERE report_id IN ({placeholders})", batch
            ).fetchall()
            statuses.update(rows)
        return statuses

    @_requires_open_store
    def verify_history(self) -> HistoryCheck:
        return _history.verify(self._db, self._settings.get(keys.HISTORY_HEAD))

    # Export, deletion and retention

    @_requires_open_store
    def export(self, path: str | os.PathLike[str], fmt: str = "json") -> Path:
        """Write all local data (JSON) or the events (CSV) to `path`, creating its missing folders; return the path.

        Raises OSError when the file cannot be written, for example when `path` is a folder, and
        StoreFileTargetError when `path` is a file of the store itself.
        """
        target = Path(path)
        self.check_write_target(target)
        if fmt == "json":
            export_json(self._db, self._settings, target, self._clock())
        elif fmt == "csv":
            export_csv(self._db, target)
        else:
            msg = f"Invalid export format {fmt!r}: use 'json' or 'csv'."
            raise UsageStatsError(msg)
        return target

    def check_write_target(self, path: str | os.PathLike[str]) -> None:
        """Raise StoreFileTargetError when `path` is the store's database or one of its companion files.

        Every file the app writes for the user, such as an export or the server's copy of the
        data, goes through this check, because replacing the database would lose consent, the
        installation id and any pending server deletion.
        """
        target = Path(path)
        try:
            resolved = target.resolve()
        except (OSError, RuntimeError):
            # Python 3.11 reports a symbolic link loop as RuntimeError. Such a path names no store file.
            resolved = None
        for store_file in store_files(self.path):
            if resolved is not None and resolved == store_file.resolve():
                raise StoreFileTargetError(path)
            # A hard link, or another spelling on a file system that ignores case, names the same file.
            try:
                if target.exists() and store_file.exists() and os.path.samefile(target, store_file):
                    raise StoreFileTargetError(path)
            except OSError:
                continue

    @_requires_open_store
    def delete_local_data(self) -> None:
        """Delete events, sessions, the report history, the submission counts and time, and the feature state.

        Consent, installation id and the report schedule stay. A running uptime session
        starts again at the time of the deletion, so the uptime after it still counts.
        """
        with self._db.atomic("IMMEDIATE"):
            may_have_sent = self._may_have_sent_data()
            self._db.execute_sql("DELETE FROM usage_events")
            self._db.execute_sql("DELETE FROM usage_sessions")
            if self._session_id is not None:
                now = format_db_time(self._clock())
                cursor = self._db.execute_sql(_INSERT_SESSION, (now, now))
                self._session_id = cursor.lastrowid
            self._db.execute_sql("DELETE FROM sent_reports")
            updates: dict[str, Any] = {
                keys.HISTORY_HEAD: None,
                keys.SUBMISSION_COUNT: 0,
                keys.INSTALLATION_SUBMISSION_COUNT: 0,
                keys.SUBMISSION_LAST_AT: None,
                # The features switched on came from the deleted events, so they go with them, as the
                # printer fleet does.
                keys.REPORT_FEATURE_STATE: {},
                keys.FEATURE_PRUNED_STATE: None,
            }
            if may_have_sent:
                updates[keys.REPORT_EVER_BUILT] = True
            self._settings.set_many(updates)
        logger.info("Local usage statistics deleted.")

    @_requires_open_store
    def prune(self) -> int:
        """Delete events older than 90 days that were reported or can never be reported.

        The state that deleted feature events leave is kept in the settings, so that an opt-in
        after them still reports the features that are on. Pruning is housekeeping, so it does not
        wait for a write lock that another connection holds: it then deletes nothing, returns 0,
        and leaves the events to a later call.
        """
        connection = self._db.connection()
        busy_timeout_ms = connection.execute("PRAGMA busy_timeout").fetchone()[0]
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            with self._db.atomic("IMMEDIATE"):
                return self._delete_old_rows()
        except (sqlite3.Error, peewee.PeeweeException) as error:
            if _is_busy(error):
                logger.debug("Old usage events were not pruned, because another connection holds the write lock.")
            else:
                logger.warning("Old usage events could not be pruned: %s", error)
            return 0
        finally:
            connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")

    def _delete_old_rows(self) -> int:
        """Delete the events and sessions past RETENTION_DAYS in the caller's transaction, and return the events deleted."""
        now = self._clock()
        cutoff = format_db_time(now - dt.timedelta(days=RETENTION_DAYS))
        watermark = self._settings.get_int(keys.REPORT_WATERMARK)
        if self._settings.get(keys.CONSENT_STATE) != "granted":
            condition, parameters = "occurred_at < ?", (cutoff,)
        else:
            condition, parameters = "occurred_at < ? AND (reported = 1 OR id <= ?)", (cutoff, watermark)

        pruned_state = self._pruned_feature_state()
        folded = fold_feature_events(self._db, condition, parameters, now, pruned_state)
        if folded != pruned_state:
            self._settings.set(keys.FEATURE_PRUNED_STATE, folded)
        deleted = self._db.execute_sql(f"DELETE FROM usage_events WHERE {condition}", parameters).rowcount
        self._db.execute_sql(
            "DELETE FROM usage_sessions WHERE COALESCE(ended_at, last_seen_at) < ?", (cutoff,)
        )
        return deleted

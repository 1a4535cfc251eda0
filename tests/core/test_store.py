"""Opening, migrating and recovering the store, and recording that never raises."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.core import StorageError, UsageStats, privacy_policy
from app.core._store import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]


def _settings(path: Path) -> dict[str, object]:
    with sqlite3.connect(path) as connection:
        return {key: json.loads(value) for key, value in connection.execute("SELECT key, value FROM usage_settings")}


def test_open_creates_tables_in_wal_mode(stats: UsageStats):
    with sqlite3.connect(stats.path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]

    assert {"usage_events", "usage_settings", "usage_sessions", "sent_reports"} <= tables
    assert "usage_events_reported_type_occurred_at" in indexes
    assert "usage_events_event_type_occurred_at" in indexes
    assert journal_mode == "wal"
    assert _settings(stats.path)["store.schema_version"] == SCHEMA_VERSION
    assert stats.recovered_from is None


def test_open_generates_identity_once(home, environ, clock):
    with UsageStats.open(home, environ=environ, clock=clock) as first:
        first_id = first.status().installation_id
    with UsageStats.open(home, environ=environ, clock=clock) as second:
        second_id = second.status().installation_id

    assert first_id == second_id
    assert len(first_id) == 36


def test_open_migrates_version_1_database(home, environ, clock):
    home.mkdir()
    with sqlite3.connect(home / "usage.db") as connection:
        connection.executescript(
            """
            CREATE TABLE usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL,
                occurred_at TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}', reported INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE usage_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
            INSERT INTO usage_settings VALUES ('store.schema_version', '1', '2026-01-01 00:00:00.000000');
            INSERT INTO usage_settings VALUES ('installation.id', '"7b0f0f4e-8d1c-4a55-9a38-4a0c86f0d7a1"', '2026-01-01 00:00:00.000000');
            INSERT INTO usage_events (event_type, occurred_at, metadata, reported)
                VALUES ('job_created', '2026-03-01 10:00:00.000000', '{"printer_type":"prusa"}', 1),
                       ('job_failed', '2026-03-01 11:00:00.000000', '{}', 0);
            """
        )

    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        events = stats.recent_events()
        installation_id = stats.status().installation_id

    assert _settings(home / "usage.db")["store.schema_version"] == SCHEMA_VERSION == 5
    assert installation_id == "7b0f0f4e-8d1c-4a55-9a38-4a0c86f0d7a1"
    assert [(event.id, event.event_type, event.reported, event.report_id) for event in events] == [
        (2, "job_failed", False, None),
        (1, "job_created", True, None),
    ]
    assert json.loads(events[1].metadata) == {"printer_type": "prusa"}


def test_open_counts_features_switched_on_before_opt_in(home, environ, clock):
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        stats.record("feature_enabled", feature="library")
        stats.opt_in(privacy_policy().version)
        stats.record("feature_enabled", feature="timelapse")
    # A store of schema version 4 began the feature state at the opt-in.
    with sqlite3.connect(home / "usage.db") as connection:
        connection.execute("UPDATE usage_settings SET value = '{}' WHERE key = 'report.feature_state'")
        connection.execute("UPDATE usage_settings SET value = '4' WHERE key = 'store.schema_version'")

    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        report = json.loads(stats.preview())

    assert _settings(home / "usage.db")["report.feature_state"] == {"library": True}
    assert report["usage_stats"]["feature_usage"] == {"library": True, "timelapse": True}


@pytest.mark.parametrize("raw", ["x", '{"a": 1}', "1e999"])
def test_step_5_bad_watermark_opens(home, environ, clock, caplog, raw):
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        stats.opt_in(privacy_policy().version)
    with sqlite3.connect(home / "usage.db") as connection:
        connection.execute("UPDATE usage_settings SET value = ? WHERE key = 'report.watermark_event_id'", (raw,))
        connection.execute("UPDATE usage_settings SET value = '4' WHERE key = 'store.schema_version'")

    with caplog.at_level(logging.WARNING, logger="app.core"):
        with UsageStats.open(home, environ=environ, clock=clock) as stats:
            state = stats.consent().state
            stats.record("job_created", printer_type="prusa")
            report = json.loads(stats.preview())

    assert state == "granted"
    assert report["usage_stats"]["job_count"] == 1
    with sqlite3.connect(home / "usage.db") as connection:
        version = connection.execute("SELECT value FROM usage_settings WHERE key = 'store.schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    warnings = [record.getMessage() for record in caplog.records if "feature state" in record.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("The feature state was left as it is, because a report setting is unreadable: ")


def test_step_5_before_opt_in_unchanged(home, environ, clock):
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        stats.record("feature_enabled", feature="library")
    with sqlite3.connect(home / "usage.db") as connection:
        connection.execute("UPDATE usage_settings SET value = '4' WHERE key = 'store.schema_version'")
        before = {key: value for key, value, _ in connection.execute("SELECT * FROM usage_settings") if key != "store.schema_version"}

    UsageStats.open(home, environ=environ, clock=clock).close()

    with sqlite3.connect(home / "usage.db") as connection:
        after = {key: value for key, value, _ in connection.execute("SELECT * FROM usage_settings") if key != "store.schema_version"}
    assert "report.feature_state" not in after
    assert after == before


_WRITER = textwrap.dedent(
    """
    import sys
    from app.core import UsageStats
    stats = UsageStats.open(sys.argv[1], environ={})
    stored = sum(stats.record("job_created", printer_index=int(sys.argv[2])) for _ in range(int(sys.argv[3])))
    stored += stats.record_many([("file_uploaded", None, {"size_kb": 1})] * int(sys.argv[3]))
    stats.close()
    print(stored)
    """
)


def test_two_processes_write_concurrently(home, environ, clock):
    UsageStats.open(home, environ=environ, clock=clock).close()
    count = 300
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(home), str(index), str(count)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        )
        for index in (1, 2)
    ]
    results = [writer.communicate(timeout=120) for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0], [error for _, error in results]
    assert [output.strip() for output, _ in results] == [str(2 * count), str(2 * count)]
    with sqlite3.connect(home / "usage.db") as connection:
        per_writer = dict(
            connection.execute(
                "SELECT json_extract(metadata, '$.printer_index'), COUNT(*) FROM usage_events"
                " WHERE event_type = 'job_created' GROUP BY 1"
            ).fetchall()
        )
        uploads = connection.execute("SELECT COUNT(*) FROM usage_events WHERE event_type = 'file_uploaded'").fetchone()[0]
    assert per_writer == {1: count, 2: count}
    assert uploads == 2 * count


def test_open_replaces_unreadable_file(home, environ, clock):
    home.mkdir()
    (home / "usage.db").write_bytes(b"this is not a database" * 200)

    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        recovered_from = stats.recovered_from
        status = stats.status()

    assert recovered_from == home / "usage.db.corrupt-20260302T090000Z"
    assert recovered_from.read_bytes() == b"this is not a database" * 200
    assert status.events_total == 0
    assert status.consent.state == "undecided"


def test_open_damaged_file_that_cannot_move_keeps_it(home, environ, clock, monkeypatch):
    home.mkdir()
    damaged = b"this is not a database" * 200
    (home / "usage.db").write_bytes(damaged)
    original_rename = Path.rename

    def fail_rename_of_store(path: Path, target):
        if path.name == "usage.db":
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return original_rename(path, target)

    monkeypatch.setattr(Path, "rename", fail_rename_of_store)

    with pytest.raises(StorageError) as raised:
        UsageStats.open(home, environ=environ, clock=clock)

    assert str(raised.value) == (
        f"The usage database {str(home / 'usage.db')!r} is damaged and could not be moved aside to start a fresh "
        "one: [Errno 13] The process cannot access the file because it is being used by another process. Close "
        "every other program that uses it, such as a running `python -m app` command or another copy of the tray "
        "app, and start again."
    )
    assert (home / "usage.db").read_bytes() == damaged
    assert sorted(path.name for path in home.iterdir() if path.name.startswith("usage.db.corrupt")) == []


def test_open_recovery_keeps_identity_and_consent(home, environ, clock):
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        stats.opt_in("2")
        installation_id = stats.status().installation_id
        stats.record_many([("job_created", None, {"printer_type": "prusa"})] * 5000)

    data = bytearray((home / "usage.db").read_bytes())
    page_size = 4096
    # Pages past the first few hold only events; garbage there leaves the settings readable.
    middle = len(data) // 2 // page_size * page_size
    data[middle : middle + 4 * page_size] = b"\xff" * (4 * page_size)
    (home / "usage.db").write_bytes(bytes(data))

    with UsageStats.open(home, environ=environ, clock=clock) as recovered:
        status = recovered.status()
        moved = recovered.recovered_from
        recovered.record("job_created")
        clock.advance(days=7, minutes=1)
        preview = json.loads(recovered.preview())

    assert preview["period"]["start"] == "2026-03-02T09:00:00Z"
    assert preview["usage_stats"]["job_count"] == 1
    assert moved is not None
    assert moved.exists()
    assert status.installation_id == installation_id
    assert status.consent.state == "granted"
    assert status.consent.policy_version == "2"
    assert status.events_total == 0


def test_record_never_raises_when_disk_is_full(stats: UsageStats, caplog):
    assert stats.record("job_created") is True
    page_count = stats._db.execute_sql("PRAGMA page_count").fetchone()[0]
    stats._db.execute_sql(f"PRAGMA max_page_count = {page_count}")

    with caplog.at_level(logging.WARNING, logger="app.core"):
        results = [stats.record("job_created", printer_type="prusa") for _ in range(2000)]

    assert results[-1] is False
    assert [record.levelno for record in caplog.records].count(logging.WARNING) == 1
    assert stats.recent_events(limit=5000)[-1].id == 1
    assert stats.status().events_total == results.count(True) + 1
    stats._db.execute_sql("PRAGMA max_page_count = 1073741823")
    assert stats.record("job_created") is True


def test_record_never_raises_on_read_only_database(stats: UsageStats, caplog):
    assert stats.record("job_created") is True
    stats._db.execute_sql("PRAGMA query_only = ON")

    with caplog.at_level(logging.WARNING, logger="app.core"):
        assert stats.record("job_created") is False
        assert stats.record_many([("job_created", None, {})] * 3) == 0

    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert stats.status().events_total == 1


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write to a read-only folder")
def test_record_never_raises_in_read_only_folder(stats: UsageStats):
    assert stats.record("job_created") is True
    stats.close()
    os.chmod(stats.path, 0o444)
    os.chmod(stats.path.parent, 0o555)
    try:
        reopened = UsageStats.open(stats.path.parent, environ={})
        assert reopened.record("job_created") is False
        reopened.close()
    finally:
        os.chmod(stats.path.parent, 0o755)
        os.chmod(stats.path, 0o644)


def test_record_after_close_returns_false(stats: UsageStats, clock, caplog):
    assert stats.record("job_created") is True
    stats.close()

    with caplog.at_level(logging.WARNING, logger="app.core"):
        assert stats.record("job_created") is False
        assert stats.record_many([("job_created", None, {})]) == 0
        stats.start_session()

    assert [record.getMessage() for record in caplog.records] == [
        f"Usage events are not being recorded: the usage statistics store {stats.path} was closed. Open it again "
        "with UsageStats.open() to record events. Further failures are logged at DEBUG level."
    ]
    with UsageStats.open(stats.path.parent, environ={}, clock=clock) as reopened:
        assert reopened.status().events_total == 1


def locked_message(path: Path) -> str:
    return (
        "Usage events are not being recorded (OperationalError: database is locked): another connection, possibly "
        f"in another process, kept a write transaction open on {path}, and record() waited up to 0.1 s for it. "
        "Stored data is kept. End or shorten that transaction. Further failures in the next 10 minutes are logged "
        "at DEBUG level."
    )


@pytest.fixture
def short_lock_wait(monkeypatch):
    """Wait 0.1 s for a lock instead of 5 s, so a locked store fails quickly. The message names the wait in force."""
    monkeypatch.setattr("app.core._store.BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr("app.core._service.BUSY_TIMEOUT_MS", 100)


def test_record_while_locked_warns_every_ten_minutes(home, environ, clock, short_lock_wait, caplog):
    stats = UsageStats.open(home, environ=environ, clock=clock)
    holder = sqlite3.connect(stats.path, isolation_level=None)

    with caplog.at_level(logging.INFO, logger="app.core"):
        for minutes in (0, 9, 1):
            clock.advance(minutes=minutes)
            holder.execute("BEGIN IMMEDIATE")
            assert stats.record("job_created") is False
            assert stats.record("job_created") is False
            holder.execute("ROLLBACK")
            assert stats.record("job_completed") is True
    holder.close()

    recovered = f"Usage events are being recorded again in {stats.path}, after 2 failed writes."
    # The second outage came 9 minutes after the first warning, the third 10 minutes after it.
    assert [record.getMessage() for record in caplog.records] == [
        locked_message(stats.path), recovered, locked_message(stats.path), recovered,
    ]
    assert [record.levelname for record in caplog.records] == ["WARNING", "INFO", "WARNING", "INFO"]
    assert [event.event_type for event in stats.recent_events()] == ["job_completed"] * 3
    stats.close()


def test_record_from_threads_while_locked_warns_once(home, environ, clock, short_lock_wait, caplog):
    stats = UsageStats.open(home, environ=environ, clock=clock)
    holder = sqlite3.connect(stats.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    with caplog.at_level(logging.INFO, logger="app.core"):
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: stats.record("job_created"), range(16)))
        holder.execute("ROLLBACK")
        assert stats.record("job_completed") is True
    holder.close()

    assert results == [False] * 16
    assert [record.getMessage() for record in caplog.records] == [
        locked_message(stats.path),
        f"Usage events are being recorded again in {stats.path}, after 16 failed writes.",
    ]
    stats.close()


def test_unexpected_failures_between_successes_warn_once(stats: UsageStats, caplog):
    class Unreadable(Mapping):
        """Metadata whose values cannot be read, as from a host's broken wrapper around its settings."""

        def __getitem__(self, key):
            raise LookupError("metadata cannot be read")

        def __iter__(self):
            return iter(["printer_type"])

        def __len__(self):
            return 1

    with caplog.at_level(logging.INFO, logger="app.core"):
        for _ in range(3):
            assert stats.record("job_created", Unreadable()) is False
            assert stats.record("job_created") is True

    assert [record.getMessage() for record in caplog.records] == [
        "Usage events were not recorded because of an unexpected LookupError: metadata cannot be read. Stored "
        f"data in {stats.path} is kept. The traceback shows where the error was raised. Further failures are "
        "logged at DEBUG level."
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda stats: stats.status(),
        lambda stats: stats.preview(),
        lambda stats: stats.recent_events(),
        lambda stats: stats.config(),
        lambda stats: stats.opt_in(),
    ],
)
def test_views_after_close_raise(stats: UsageStats, call):
    stats.close()

    with pytest.raises(StorageError) as raised:
        call(stats)

    assert str(raised.value) == (
        f"The usage statistics store {str(stats.path)!r} was closed. Open it again with UsageStats.open()."
    )


def test_second_close_does_nothing(stats: UsageStats):
    stats.close()
    stats.close()

    with pytest.raises(StorageError):
        stats.status()


def test_open_locked_database_keeps_file(home, environ, clock):
    home.mkdir()
    with sqlite3.connect(home / "usage.db") as connection:
        connection.executescript(
            """
            PRAGMA journal_mode = wal;
            CREATE TABLE usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL,
                occurred_at TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}', reported INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE usage_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
            INSERT INTO usage_settings VALUES ('store.schema_version', '1', '2026-01-01 00:00:00.000000');
            """
        )
    holder = sqlite3.connect(home / "usage.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError, match="no other program holds the database locked") as raised:
            UsageStats.open(home, environ=environ, clock=clock)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert str(raised.value).endswith(
        "no other program holds the database locked. "
        "Pass a writable folder as home to UsageStats.open() (--home on the command line)."
    )

    assert sorted(path.name for path in home.iterdir() if "corrupt" in path.name) == []
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        assert stats.recovered_from is None
    assert _settings(home / "usage.db")["store.schema_version"] == SCHEMA_VERSION


posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_new_store_private_to_owner(tmp_path):
    home = tmp_path / "data"

    opened = UsageStats.open(home, environ={})
    opened.record("job_created")
    modes = {name: _mode(home / name) for name in ("usage.db", "usage.db-wal", "usage.db-shm")}
    opened.close()

    assert _mode(home) == 0o700
    assert modes == {"usage.db": 0o600, "usage.db-wal": 0o600, "usage.db-shm": 0o600}


@posix_only
@pytest.mark.parametrize(("folder_mode", "file_mode"), [(0o755, 0o644), (0o777, 0o666)])
def test_existing_store_permissions_narrowed(tmp_path, folder_mode, file_mode):
    # Only the group and other bits go; the owner's bits stay as they were.
    home = tmp_path / "data"
    UsageStats.open(home, environ={}).close()
    os.chmod(home, folder_mode)
    os.chmod(home / "usage.db", file_mode)

    UsageStats.open(home, environ={}).close()

    assert _mode(home) == 0o700
    assert _mode(home / "usage.db") == 0o600


@posix_only
@pytest.mark.parametrize(
    ("folder_mode", "file_mode", "named", "shown_mode", "chmod_mode"),
    [
        (0o500, 0o600, "", "0500", "u+rwx"),
        (0o700, 0o400, "usage.db", "0400", "u+rw"),
        (0o550, 0o640, "", "0550", "u+rwx"),
    ],
)
def test_open_read_only_store_fails_unchanged(tmp_path, clock, folder_mode, file_mode, named, shown_mode, chmod_mode):
    home = tmp_path / "data"
    with UsageStats.open(home, environ={}, clock=clock) as stats:
        stats.record("job_created")
    before = (home / "usage.db").read_bytes()
    os.chmod(home / "usage.db", file_mode)
    os.chmod(home, folder_mode)
    target = home / named if named else home

    try:
        with pytest.raises(StorageError) as raised:
            UsageStats.open(home, environ={}, clock=clock)
        modes = (_mode(home), _mode(home / "usage.db"))
    finally:
        os.chmod(home, 0o700)
        os.chmod(home / "usage.db", 0o600)

    assert str(raised.value) == (
        f"Cannot open the usage statistics store: {str(target)!r} has mode {shown_mode}, "
        f"so its owner may not write to it. Run 'chmod {chmod_mode} {target}' to allow it, or choose another folder."
    )
    assert modes == (folder_mode, file_mode)
    assert (home / "usage.db").read_bytes() == before
    with UsageStats.open(home, environ={}, clock=clock) as reopened:
        assert reopened.status().events_total == 1


def test_open_folder_error_names_home_argument(tmp_path, clock):
    (tmp_path / "file").write_text("not a folder")
    home = tmp_path / "file" / "data"

    with pytest.raises(StorageError) as raised:
        UsageStats.open(home, environ={}, clock=clock)

    assert str(raised.value) == (
        f"Cannot create the usage statistics folder {str(home)!r}: [Errno 20] Not a directory: {str(home)!r}. "
        "Pass a writable folder as home to UsageStats.open() (--home on the command line)."
    )


def test_open_folder_error_names_environment_variable(tmp_path, clock):
    (tmp_path / "file").write_text("not a folder")
    home = tmp_path / "file" / "data"

    with pytest.raises(StorageError) as raised:
        UsageStats.open(environ={"USAGE_STATS_HOME": str(home)}, clock=clock)

    assert str(raised.value) == (
        f"Cannot create the usage statistics folder {str(home)!r}: [Errno 20] Not a directory: {str(home)!r}. "
        "Set USAGE_STATS_HOME to a writable folder."
    )


@posix_only
def test_open_database_error_names_file(tmp_path, clock):
    home = tmp_path / "data"
    home.mkdir()
    # A dangling link: the database does not exist, and creating it fails.
    (home / "usage.db").symlink_to(tmp_path / "missing" / "usage.db")

    with pytest.raises(StorageError) as raised:
        UsageStats.open(home, environ={}, clock=clock)

    path = str(home / "usage.db")
    assert str(raised.value) == (
        f"Cannot create the usage database {path!r}: [Errno 2] No such file or directory: {path!r}. "
        "Pass a writable folder as home to UsageStats.open() (--home on the command line)."
    )


def test_open_empty_file_logs_new_identity(home, environ, clock, caplog):
    home.mkdir()
    (home / "usage.db").write_bytes(b"")

    with caplog.at_level(logging.WARNING, logger="app.core"):
        stats = UsageStats.open(home, environ=environ, clock=clock)
    with stats:
        status = stats.status()
        recovered_from = stats.recovered_from

    assert [record.getMessage() for record in caplog.records] == [
        f"The usage database {home / 'usage.db'} was empty (0 bytes). A new store is created in it, with a new "
        "installation id and consent not yet given."
    ]
    assert recovered_from is None
    assert status.consent.state == "undecided"
    assert len(status.installation_id) == 36
    assert _settings(home / "usage.db")["store.schema_version"] == SCHEMA_VERSION


def test_open_new_store_logs_no_warning(home, environ, clock, caplog):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        UsageStats.open(home, environ=environ, clock=clock).close()
        UsageStats.open(home, environ=environ, clock=clock).close()

    assert caplog.records == []


def test_prune_while_locked_skips_without_wait(home, environ, clock, caplog):
    stats = UsageStats.open(home, environ=environ, clock=clock)
    stats.record("job_created")
    clock.advance(days=91)
    holder = sqlite3.connect(stats.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    with caplog.at_level(logging.INFO, logger="app.core"):
        started = time.monotonic()
        deleted = stats.prune()
        elapsed = time.monotonic() - started
    holder.execute("ROLLBACK")
    holder.close()

    assert deleted == 0
    # The busy timeout of the store is 5 s, so a prune that waited for the lock would take that long.
    assert elapsed < 1
    assert caplog.records == []
    assert stats.prune() == 1
    assert stats._db.connection().execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    stats.close()

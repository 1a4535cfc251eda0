"""Shared fixtures for the collector tests: databases, live Waitress servers, report bodies."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2
import pytest

from collector.app import create_app, utc_now
from collector.cli import make_server
from collector.config import CollectorConfig
from collector.storage import Store
from collector.writer import ReportWriter

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("USAGE_STATS_TEST_POSTGRES_URL")
CLIENT_KEY = "client-key-0123456789abcdef"
SECOND_CLIENT_KEY = "client-key-rotated-fedcba987654"
OPERATOR_KEY = "operator-key-0123456789abcdef"
DELETION_TOKEN = "deletion-token-for-tests-0123456789"
SERVER_START_TIMEOUT_SECONDS = 20
SERVER_STOP_TIMEOUT_SECONDS = 10
SCHEMA_DROP_ATTEMPTS = 3


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def report_1_1(
    now: datetime,
    *,
    installation_id: str | None = None,
    report_id: str | None = None,
    token: str = DELETION_TOKEN,
    days_ago: int = 0,
) -> dict[str, Any]:
    """Return a valid schema "1.1" report whose period ends ``days_ago`` days before ``now``."""
    end = now - timedelta(days=days_ago)
    return {
        "schema_version": "1.1",
        "report_id": report_id or str(uuid.uuid4()),
        "submission_timestamp": now.isoformat() + "Z",
        "installation": {
            "installation_id": installation_id or str(uuid.uuid4()),
            "deletion_token_sha256": token_sha256(token),
            "first_seen": (end - timedelta(days=30)).isoformat() + "Z",
            "app_version": "2.4.0",
            "python_version": "3.11.9",
            "platform": "windows",
            "deployment_mode": "desktop",
            "country_code": "DE",
        },
        "period": {
            "start": (end - timedelta(days=7)).isoformat() + "Z",
            "end": end.isoformat() + "Z",
            "duration_days": 7,
        },
        "printer_fleet": {
            "printer_count": 2,
            "printer_types": ["bambu_lab", "prusa"],
            "printer_type_counts": {"bambu_lab": 1, "prusa": 1},
        },
        "usage_stats": {
            "job_count": 12,
            "job_completed_count": 10,
            "job_failed_count": 2,
            "file_count": 4,
            "upload_count": 3,
            "uptime_hours": 30,
            "feature_usage": {"timelapse": True, "auto_upload": False},
        },
        "error_summary": {"connection_error": 2},
    }


# A report exactly as a deployed Printernizer client sends it: schema "1.0", no report
# id, times without a zone and with a space between date and time.
REPORT_1_0_TEMPLATE = """{
  "schema_version": "1.0",
  "submission_timestamp": "%(now)s",
  "installation": {
    "installation_id": "%(installation_id)s",
    "first_seen": "2026-01-03 09:15:02.481516",
    "app_version": "1.9.2",
    "python_version": "3.11.4",
    "platform": "linux",
    "deployment_mode": "homeassistant",
    "country_code": "XX"
  },
  "period": {"start": "%(start)s", "end": "%(now)s", "duration_days": 7},
  "printer_fleet": {
    "printer_count": 3,
    "printer_types": ["bambu_lab", "prusa"],
    "printer_type_counts": {"bambu_lab": 2, "prusa": 1}
  },
  "usage_stats": {
    "job_count": 41, "file_count": 17, "upload_count": 6, "uptime_hours": 160,
    "feature_usage": {"library": true, "timelapse": false}
  },
  "error_summary": {"ConnectionError": 3}
}"""


def report_1_0_body(now: datetime, installation_id: str) -> bytes:
    """Return the literal schema "1.0" body for ``installation_id`` with a period ending at ``now``."""
    values = {
        "now": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "start": (now - timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "installation_id": installation_id,
    }
    return (REPORT_1_0_TEMPLATE % values).encode()


class MutableClock:
    """A clock for create_app that tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or utc_now().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def base_environ(database_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """Return a collector environment with the test keys and ``overrides`` applied."""
    environ = {
        "DATABASE_URL": database_url,
        "COLLECTOR_DATA_DIR": str(data_dir),
        "COLLECTOR_API_KEYS": f"{CLIENT_KEY},{SECOND_CLIENT_KEY}",
        "COLLECTOR_ADMIN_KEYS": OPERATOR_KEY,
    }
    environ.update(overrides)
    return environ


class RecordList(logging.Handler):
    """A logging handler that keeps every record it receives in ``records``."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collector_records() -> Iterator[list[logging.LogRecord]]:
    """Collect the "collector" loggers' records at INFO, whatever handlers configure_logging left on them."""
    named = logging.getLogger("collector")
    level = named.level
    handler = RecordList()
    named.addHandler(handler)
    named.setLevel(logging.INFO)
    yield handler.records
    named.removeHandler(handler)
    named.setLevel(level)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'collector.db'}"


@contextlib.contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """Yield a PostgreSQL URL whose search_path is a fresh schema named ``prefix_<random>``, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("USAGE_STATS_TEST_POSTGRES_URL is not set")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-c search_path={schema}')}"
    finally:
        # A collector served in this process may still be in a summary catch-up, because
        # pytest tears start_server down after this fixture when a test requests it first.
        # DROP SCHEMA and that transaction can deadlock, and PostgreSQL then aborts one of them.
        for attempt in range(1, SCHEMA_DROP_ATTEMPTS + 1):
            try:
                with admin.cursor() as cursor:
                    cursor.execute(f"DROP SCHEMA {schema} CASCADE")
                break
            except psycopg2.errors.DeadlockDetected:
                if attempt == SCHEMA_DROP_ATTEMPTS:
                    raise
        admin.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Yield a PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    with postgres_schema("collector_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Yield a fresh database URL, once for SQLite and once for PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_url)
    opened.migrate()
    yield opened
    opened.close()


@dataclass
class LiveServer:
    """A collector served by Waitress in a thread of the test process."""

    url: str
    config: CollectorConfig
    store: Store
    clock: MutableClock


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Return a function that serves a collector on 127.0.0.1 and an ephemeral port.

    Keyword arguments are environment overrides (COLLECTOR_RATE_LIMIT_PER_HOUR="3"),
    plus ``database_url`` and ``clock``. Every server is stopped after the test.
    """
    servers: list[tuple[Any, threading.Thread, Store, ReportWriter]] = []

    def start(database_url: str | None = None, clock: MutableClock | None = None, **overrides: str) -> LiveServer:
        url = database_url or f"sqlite:///{tmp_path / 'collector.db'}"
        config = CollectorConfig.from_environ(base_environ(url, tmp_path, **overrides))
        store = Store.open(url)
        store.migrate()
        clock = clock or MutableClock()
        writer = ReportWriter(store)
        app = create_app(config, store, clock=clock, writer=writer)
        server = make_server(app, config, host="127.0.0.1", port=0, threads=8)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread, store, writer))
        return LiveServer(f"http://127.0.0.1:{server.effective_port}", config, store, clock)

    yield start

    for server, thread, store, writer in servers:
        stop_server(server, thread)
        writer.close()
        store.close()


def stop_server(server: Any, thread: threading.Thread) -> None:
    """Stop a Waitress server that ``thread`` runs: its worker threads, its sockets, then its loop."""
    server.task_dispatcher.shutdown(timeout=SERVER_STOP_TIMEOUT_SECONDS)
    # Sockets are closed by the loop's own thread: closing them from here races its select().
    try:
        server.trigger.pull_trigger(functools.partial(_close_server, server))
    except OSError:
        server.close()  # The loop already stopped and closed its trigger.
    thread.join(SERVER_STOP_TIMEOUT_SECONDS)


def _close_server(server: Any) -> None:
    for channel in list(server.active_channels.values()):
        channel.close()
    server.close()


class ServerProcess:
    """``python -m collector serve`` in a child process, with its JSON log lines collected."""

    def __init__(self, environ: dict[str, str], threads: int = 8) -> None:
        env = {**os.environ, **environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "collector", "serve", "--host", "127.0.0.1", "--port", "0", "--threads", str(threads)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log_lines: list[str] = []
        self._started = threading.Event()
        self.port: int | None = None
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        if not self._started.wait(SERVER_START_TIMEOUT_SECONDS) or self.port is None:
            self.kill()
            raise AssertionError("collector did not start:\n" + "\n".join(self.log_lines))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log_lines.append(line.rstrip("\n"))
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == "started":
                self.port = int(record["port"])
                self._started.set()
        self._started.set()

    def log_records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_lines if line.startswith("{")]

    def terminate(self, signal_number: int = signal.SIGTERM) -> int:
        """Send ``signal_number`` and return the exit status."""
        self.process.send_signal(signal_number)
        return self.wait()

    def wait(self, timeout_seconds: float = SERVER_STOP_TIMEOUT_SECONDS) -> int:
        """Wait until the process exits and its log is read, and return the exit status."""
        returncode = self.process.wait(timeout_seconds)
        self._reader.join(timeout_seconds)
        return returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(SERVER_STOP_TIMEOUT_SECONDS)


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Return a function that starts collector processes; each one is killed after the test."""
    processes: list[ServerProcess] = []

    def start(database_url: str, threads: int = 8, **overrides: str) -> ServerProcess:
        process = ServerProcess(base_environ(database_url, tmp_path, **overrides), threads)
        processes.append(process)
        return process

    yield start

    # SIGTERM first: a collector stops its writer thread, so none of its
    # PostgreSQL sessions still holds locks when the test schema is dropped.
    for process in processes:
        if process.process.poll() is None:
            try:
                process.terminate()
            except subprocess.TimeoutExpired:
                process.kill()

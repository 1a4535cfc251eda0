"""The report writer process: the same outcomes as the writer thread, and a clean stop and restart."""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import falcon.testing
import httpx
import pytest

from collector.app import create_app
from collector.config import CollectorConfig
from collector.errors import ConfigError, DeletionTokenMismatch, RateLimited, ReportError, ReportIdConflict
from collector.metrics import CollectorMetrics
from collector.storage import ReportRequest, Store, StoredSubmission, Submission
from collector.validation import parse_report
from collector.writer import ReportWriter, WriterClosed, WriterUnavailable
from collector.writer_process import ProcessReportWriter, make_writer
from tests.collector.conftest import CLIENT_KEY, base_environ, report_1_1

NOW = datetime(2026, 6, 15, 12, 0, 0)
SOURCE = "e" * 64
WAIT_SECONDS = 30

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc")


def request_for(body: dict, *, limit: int = 100) -> ReportRequest:
    return ReportRequest(parse_report(body, NOW), NOW, SOURCE, limit, 100)


def stored_reports(database_url: str) -> int:
    store = Store.open(database_url)
    try:
        return Submission.select().count()
    finally:
        store.close()


def wait_until(condition, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def has_exited(pid: int) -> bool:
    """Return True once ``pid`` has exited, reaped or not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


@pytest.fixture
def open_writer(database_url: str) -> Iterator:
    """Return a function that starts a ProcessReportWriter on the migrated test database; each is closed afterwards."""
    store = Store.open(database_url)
    store.migrate()
    store.close()
    writers: list[ProcessReportWriter] = []

    def start(**options) -> ProcessReportWriter:
        writer = ProcessReportWriter(database_url, log_level="INFO", **options)
        writers.append(writer)
        return writer

    yield start
    for writer in writers:
        writer.close()


def test_writer_stores_report_and_repeat(open_writer, database_url):
    writer = open_writer()
    body = report_1_1(NOW)

    first = writer.submit(request_for(body))
    repeat = writer.submit(request_for(body))

    assert first == StoredSubmission(first.submission_id, duplicate=False)
    assert repeat == StoredSubmission(first.submission_id, duplicate=True)
    assert stored_reports(database_url) == 1


def test_writer_returns_each_report_error(open_writer):
    writer = open_writer()
    installation_id = str(uuid.uuid4())
    writer.submit(request_for(report_1_1(NOW, installation_id=installation_id), limit=1))

    with pytest.raises(RateLimited) as limited:
        writer.submit(request_for(report_1_1(NOW, installation_id=installation_id), limit=1))
    with pytest.raises(DeletionTokenMismatch) as mismatch:
        writer.submit(request_for(report_1_1(NOW, installation_id=installation_id, token="another-deletion-token-0123456789")))
    stored = report_1_1(NOW)
    writer.submit(request_for(stored))
    with pytest.raises(ReportIdConflict) as conflict:
        writer.submit(request_for(report_1_1(NOW, report_id=stored["report_id"])))

    assert (limited.value.scope, limited.value.limit_per_hour, limited.value.retry_after_seconds) == ("installation", 1, 3600)
    assert mismatch.value.installation_id == installation_id
    assert conflict.value.report_id == stored["report_id"]


@pytest.mark.parametrize(
    "error",
    [
        ReportError("period.end", "must not be in the future", code="time_in_future"),
        ReportError("body", "is not JSON", status=400),
        ReportIdConflict("0b9d3c1e-0000-4000-8000-000000000001"),
        DeletionTokenMismatch("0b9d3c1e-0000-4000-8000-000000000002"),
        RateLimited("source", 60, 17),
    ],
    ids=lambda error: type(error).__name__,
)
def test_report_errors_pickle_with_values(error):
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_writer_death_fails_waiting_report_then_restarts(open_writer, database_url, collector_records):
    writer = open_writer(restart_delay_seconds=0)
    writer.submit(request_for(report_1_1(NOW)))
    first_pid = writer.pid
    os.kill(first_pid, signal.SIGSTOP)
    pool = ThreadPoolExecutor(max_workers=1)
    waiting = pool.submit(writer.submit, request_for(report_1_1(NOW)))
    wait_until(lambda: len(writer._pending) == 1)

    os.kill(first_pid, signal.SIGKILL)

    # "exited before it replied" once the report is in the pipe, "has exited" if it was not sent yet.
    with pytest.raises(WriterUnavailable, match="exited"):
        waiting.result(WAIT_SECONDS)
    wait_until(lambda: writer.pid not in (None, first_pid))
    after = writer.submit(request_for(report_1_1(NOW)))
    pool.shutdown()
    assert after.duplicate is False
    assert writer.pid not in (None, first_pid)
    assert stored_reports(database_url) == 2
    events = [getattr(record, "event", None) for record in collector_records]
    exits = [record for record in collector_records if getattr(record, "event", None) == "writer_process_exited"]
    assert [record.exit_code for record in exits] == [-signal.SIGKILL]
    assert [event for event in events if event and event.startswith("writer_process")] == [
        "writer_process_exited",
        "writer_process_started",
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_writer_restart_waits_for_delay(open_writer, database_url):
    writer = open_writer(restart_delay_seconds=60)
    writer.submit(request_for(report_1_1(NOW)))

    os.kill(writer.pid, signal.SIGKILL)
    wait_until(lambda: writer.pid is None)

    with pytest.raises(WriterUnavailable, match="is restarting"):
        writer.submit(request_for(report_1_1(NOW)))
    assert writer.ready is False
    assert stored_reports(database_url) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_close_stores_every_sent_report(open_writer, database_url):
    writer = open_writer()
    writer.submit(request_for(report_1_1(NOW)))
    os.kill(writer.pid, signal.SIGSTOP)
    pool = ThreadPoolExecutor(max_workers=10)
    futures = [pool.submit(writer.submit, request_for(report_1_1(NOW))) for _ in range(10)]
    # Once registered, a report goes into the pipe before the stop message.
    wait_until(lambda: len(writer._pending) == 10)
    closing = threading.Thread(target=writer.close)
    closing.start()
    process = writer._process

    os.kill(process.pid, signal.SIGCONT)
    closing.join(WAIT_SECONDS)

    assert [future.result(WAIT_SECONDS).duplicate for future in futures] == [False] * 10
    assert process.exitcode == 0
    assert stored_reports(database_url) == 11
    with pytest.raises(WriterClosed):
        writer.submit(request_for(report_1_1(NOW)))
    pool.shutdown()


class SlowFirstLock:
    """A lock whose first user waits a moment before taking it, as a thread held back by the scheduler."""

    def __init__(self) -> None:
        self.first_waiting = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        if not self.first_waiting.is_set():
            self.first_waiting.set()
            time.sleep(0.3)
        self._lock.acquire()

    def __exit__(self, *exc_info) -> None:
        self._lock.release()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_close_stores_report_accepted_before_it(open_writer, database_url):
    writer = open_writer()
    writer._send_lock = SlowFirstLock()
    pool = ThreadPoolExecutor(max_workers=1)
    waiting = pool.submit(writer.submit, request_for(report_1_1(NOW)))
    assert writer._send_lock.first_waiting.wait(WAIT_SECONDS)

    writer.close()

    assert waiting.result(WAIT_SECONDS).duplicate is False
    assert stored_reports(database_url) == 1
    pool.shutdown()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_close_kills_writer_that_does_not_read(open_writer, collector_records):
    writer = open_writer()
    process = writer._process
    os.kill(process.pid, signal.SIGSTOP)

    # As a request thread holds it while its write to a full pipe blocks.
    with writer._send_lock:
        ready = writer.ready
        started = time.monotonic()
        writer.close(timeout=1)
        close_seconds = time.monotonic() - started
    wait_until(lambda: process.exitcode is not None)

    assert ready is True
    # Without the timeout, close would wait for the stopped process forever.
    assert close_seconds < WAIT_SECONDS
    assert process.exitcode == -signal.SIGKILL
    events = [getattr(record, "event", None) for record in collector_records]
    assert "writer_process_killed" in events
    assert "writer_process_exited" not in events


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_writer_ignores_sigterm_and_sigint(open_writer):
    writer = open_writer()
    pid = writer.pid

    os.kill(pid, signal.SIGTERM)
    os.kill(pid, signal.SIGINT)

    assert writer.submit(request_for(report_1_1(NOW))).duplicate is False
    assert writer.pid == pid


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_submit_and_health_get_503_while_writer_restarts(open_writer, database_url, tmp_path):
    writer = open_writer(restart_delay_seconds=60)
    os.kill(writer.pid, signal.SIGKILL)
    wait_until(lambda: writer.pid is None)
    config = CollectorConfig.from_environ(base_environ(database_url, tmp_path))
    store = Store.open(database_url)
    metrics = CollectorMetrics()
    client = falcon.testing.TestClient(create_app(config, store, writer=writer, metrics=metrics))

    response = client.simulate_post(
        "/submit",
        body=json.dumps(report_1_1(NOW)),
        headers={"Content-Type": "application/json", "X-API-Key": CLIENT_KEY},
    )

    health = client.simulate_get("/health")

    store.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json == {
        "title": "Writer Unavailable",
        "description": "The collector's report writer is restarting; retry later.",
    }
    sample = metrics.registry.get_sample_value
    assert sample("collector_reports_rejected_total", {"reason": "unavailable"}) == 1
    assert sample("collector_reports_rejected_total", {"reason": "error"}) == 0
    assert sample("collector_database_errors_total") == 0
    assert health.status_code == 503
    assert health.headers["Retry-After"] == "30"
    assert health.json == {
        "title": "Writer Unavailable",
        "description": "The report writer of this collector process is restarting. Send requests to another one.",
    }


@linux_only
def test_writer_stops_with_killed_server(start_process, sqlite_url):
    process = start_process(sqlite_url)
    response = httpx.post(
        f"{process.url}/submit",
        content=json.dumps(report_1_1(datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=5))),
        headers={"Content-Type": "application/json", "X-API-Key": CLIENT_KEY},
        timeout=WAIT_SECONDS,
    )
    children = [
        int(pid)
        for task in Path(f"/proc/{process.process.pid}/task").iterdir()
        for pid in (task / "children").read_text().split()
    ]

    spawned = [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    [started] = [record for record in process.log_records() if record.get("event") == "started"]

    process.kill()

    assert response.status_code == 200
    assert spawned == [started["writer_pid"]]
    # The other child is multiprocessing's resource tracker, which stops with it.
    wait_until(lambda: all(has_exited(pid) for pid in children))
    assert stored_reports(sqlite_url) == 1


def test_writer_setting_is_read_and_checked(tmp_path):
    url = f"sqlite:///{tmp_path / 'collector.db'}"

    assert CollectorConfig.from_environ(base_environ(url, tmp_path)).writer == "process"
    assert CollectorConfig.from_environ(base_environ(url, tmp_path, COLLECTOR_WRITER=" Thread ")).writer == "thread"
    with pytest.raises(ConfigError) as error:
        CollectorConfig.from_environ(base_environ(url, tmp_path, COLLECTOR_WRITER="processes"))
    assert str(error.value) == (
        "COLLECTOR_WRITER='processes' is invalid: expected one of process, thread; unset it to use process."
    )


@pytest.mark.parametrize(
    ("setting", "file_name", "expected"),
    [
        ("process", "collector.db", ProcessReportWriter),
        ("thread", "collector.db", ReportWriter),
        ("process", ":memory:", ReportWriter),
    ],
)
def test_make_writer_picks_the_named_writer(tmp_path, setting, file_name, expected):
    url = f"sqlite:///{file_name if file_name == ':memory:' else tmp_path / file_name}"
    config = CollectorConfig.from_environ(base_environ(url, tmp_path, COLLECTOR_WRITER=setting))
    store = Store.open(url)

    writer = make_writer(config, store)

    writer.close()
    store.close()
    assert type(writer) is expected


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_writer_start_failure_is_retried(open_writer, database_url, collector_records, monkeypatch):
    writer = open_writer(restart_delay_seconds=0.2)
    first_pid = writer.pid
    original_spawn = ProcessReportWriter._spawn
    attempts = []

    def failing_once(self):
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise WriterUnavailable("The report writer process did not start within 30 seconds (exit code 1); retry later.")
        return original_spawn(self)

    monkeypatch.setattr(ProcessReportWriter, "_spawn", failing_once)
    killed_at = time.monotonic()
    os.kill(first_pid, signal.SIGKILL)
    wait_until(lambda: writer.pid not in (None, first_pid))

    assert writer.submit(request_for(report_1_1(NOW))).duplicate is False
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 0.2
    failures = [record for record in collector_records if getattr(record, "event", None) == "writer_process_start_failed"]
    assert [record.getMessage() for record in failures] == [
        "The report writer process did not start within 30 seconds (exit code 1); retry later."
    ]
    assert killed_at < attempts[0]


class PopFailsOnce(dict):
    """A dict whose first pop raises KeyError, as a reply for an unknown request would."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def pop(self, key, *default):
        if not self.failed:
            self.failed = True
            raise KeyError(key)
        return super().pop(key, *default)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_failed_reply_fails_waiting_report_then_restarts(open_writer, collector_records):
    writer = open_writer(restart_delay_seconds=0)
    first_pid = writer.pid
    writer._pending = PopFailsOnce()

    with pytest.raises(WriterUnavailable, match="exited before it replied"):
        writer.submit(request_for(report_1_1(NOW)))
    wait_until(lambda: writer.pid not in (None, first_pid))
    after = writer.submit(request_for(report_1_1(NOW)))

    assert after.duplicate is False
    events = [getattr(record, "event", None) for record in collector_records]
    assert [event for event in events if event and event.startswith("writer_")] == [
        "writer_reply_failed",
        "writer_process_exited",
        "writer_process_started",
    ]


def test_writer_that_fails_to_start_names_exit_code():
    # The writer process checks the URL again when it opens its store, and exits with code 1.
    with pytest.raises(WriterUnavailable) as error:
        ProcessReportWriter("mysql://127.0.0.1/collector", log_level="INFO")

    assert str(error.value) == (
        "The report writer process exited with code 1 while starting; see its log lines above."
    )

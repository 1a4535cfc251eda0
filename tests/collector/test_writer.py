"""The report writer: each report in a batch gets its own outcome, a failed batch stores nothing."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import falcon.testing
import peewee
import pytest

from collector import storage
from collector.app import create_app
from collector.config import CollectorConfig
from collector.errors import DeletionTokenMismatch, RateLimited, ReportIdConflict
from collector.storage import ReportRequest, Store, StoredSubmission, Submission
from collector.validation import parse_report
from collector.writer import ReportWriter, WriterClosed
from tests.collector.conftest import CLIENT_KEY, report_1_1

NOW = datetime(2026, 6, 15, 12, 0, 0)
SOURCE = "e" * 64
HEADERS = {"Content-Type": "application/json", "X-API-Key": CLIENT_KEY}
WAIT_SECONDS = 30


def request_for(body: dict, *, limit: int = 100) -> ReportRequest:
    return ReportRequest(parse_report(body, NOW), NOW, SOURCE, limit, 100)


class GatedStore:
    """Holds the writer in its first batch until ``release`` so that later reports queue up."""

    def __init__(self, store: Store) -> None:
        self.batch_sizes: list[int] = []
        self.entered = threading.Event()
        self._gate = threading.Event()
        self._original = store.store_reports
        store.store_reports = self._store_reports

    def _store_reports(self, requests):
        self.batch_sizes.append(len(requests))
        if len(self.batch_sizes) == 1:
            self.entered.set()
            assert self._gate.wait(WAIT_SECONDS)
        return self._original(requests)

    def release(self) -> None:
        self._gate.set()


def submit_queued(writer: ReportWriter, gated: GatedStore, requests: list[ReportRequest]) -> list:
    """Submit a first report, then ``requests`` while the writer is held, and return their outcomes."""
    pool = ThreadPoolExecutor(max_workers=len(requests) + 1)
    first = pool.submit(writer.submit, request_for(report_1_1(NOW)))
    assert gated.entered.wait(WAIT_SECONDS)
    futures = [pool.submit(writer.submit, request) for request in requests]
    while len(writer._queue) < len(requests):
        threading.Event().wait(0.01)
    gated.release()

    outcomes = []
    for future in [first, *futures]:
        try:
            outcomes.append(future.result(WAIT_SECONDS))
        except Exception as error:  # noqa: BLE001 - the test compares the errors themselves.
            outcomes.append(error)
    pool.shutdown()
    return outcomes


def test_batch_keeps_each_answer(store):
    installation_id = str(uuid.uuid4())
    repeated = report_1_1(NOW, installation_id=installation_id)
    other_token = report_1_1(NOW, installation_id=installation_id, token="another-deletion-token-0123456789")
    taken_id = report_1_1(NOW, report_id=repeated["report_id"])
    limited = str(uuid.uuid4())
    requests = [
        request_for(repeated),
        request_for(repeated),
        request_for(other_token),
        request_for(taken_id),
        request_for(report_1_1(NOW, installation_id=limited), limit=2),
        request_for(report_1_1(NOW, installation_id=limited), limit=2),
        request_for(report_1_1(NOW, installation_id=limited), limit=2),
    ]

    outcomes = store.store_reports(requests)

    first_id = outcomes[0].submission_id
    assert outcomes[0] == StoredSubmission(first_id, duplicate=False)
    assert outcomes[1] == StoredSubmission(first_id, duplicate=True)
    assert isinstance(outcomes[2], DeletionTokenMismatch)
    assert isinstance(outcomes[3], ReportIdConflict)
    assert [outcome.duplicate for outcome in outcomes[4:6]] == [False, False]
    assert isinstance(outcomes[6], RateLimited)
    assert outcomes[6].limit_per_hour == 2
    assert Submission.select().count() == 3
    assert Submission.select().where(Submission.installation_id == limited).count() == 2


def test_writer_batches_queued_reports(sqlite_store):
    gated = GatedStore(sqlite_store)
    writer = ReportWriter(sqlite_store)
    installation_id = str(uuid.uuid4())
    bodies = [report_1_1(NOW, installation_id=installation_id) for _ in range(5)]

    outcomes = submit_queued(writer, gated, [request_for(body, limit=3) for body in bodies])
    writer.close()

    assert gated.batch_sizes == [1, 5]
    assert [outcome.duplicate for outcome in outcomes[:4]] == [False, False, False, False]
    assert [type(outcome) for outcome in outcomes[4:]] == [RateLimited, RateLimited]
    assert len({outcome.submission_id for outcome in outcomes[:4]}) == 4
    assert Submission.select().count() == 4


def test_failed_batch_fails_only_its_reports(sqlite_store, monkeypatch):
    gated = GatedStore(sqlite_store)
    writer = ReportWriter(sqlite_store)
    original_flush = storage._Batch.flush
    flushes = []

    def flush_failing_second(batch):
        flushes.append(batch)
        if len(flushes) == 2:
            raise peewee.OperationalError("disk I/O error")
        original_flush(batch)

    monkeypatch.setattr(storage._Batch, "flush", flush_failing_second)

    outcomes = submit_queued(writer, gated, [request_for(report_1_1(NOW)) for _ in range(3)])
    later = writer.submit(request_for(report_1_1(NOW)))
    writer.close()

    assert isinstance(outcomes[0], StoredSubmission)
    assert [type(outcome) for outcome in outcomes[1:]] == [peewee.OperationalError] * 3
    assert later.duplicate is False
    stored = {row.id for row in Submission.select()}
    assert stored == {outcomes[0].submission_id, later.submission_id}


def test_failed_batch_answers_503(sqlite_store, tmp_path, monkeypatch):
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_API_KEYS": CLIENT_KEY})
    writer = ReportWriter(sqlite_store)
    client = falcon.testing.TestClient(create_app(config, sqlite_store, writer=writer))

    def failing_flush(batch):
        raise peewee.OperationalError("database is locked")

    monkeypatch.setattr(storage._Batch, "flush", failing_flush)
    response = client.simulate_post("/submit", body=json.dumps(report_1_1(NOW)), headers=HEADERS)
    monkeypatch.undo()
    accepted = client.simulate_post("/submit", body=json.dumps(report_1_1(NOW)), headers=HEADERS)
    writer.close()

    assert response.status_code == 503
    assert response.json["title"] == "Database Unavailable"
    assert accepted.status_code == 200
    assert Submission.select().count() == 1


def test_close_stores_queued_reports(sqlite_store):
    gated = GatedStore(sqlite_store)
    writer = ReportWriter(sqlite_store)
    closer = threading.Thread(target=writer.close)
    release = gated.release

    def close_then_release() -> None:
        closer.start()
        while not writer._closing:
            threading.Event().wait(0.01)
        release()

    gated.release = close_then_release
    outcomes = submit_queued(writer, gated, [request_for(report_1_1(NOW)) for _ in range(4)])
    closer.join(WAIT_SECONDS)

    assert [type(outcome) for outcome in outcomes] == [StoredSubmission] * 5
    assert Submission.select().count() == 5
    with pytest.raises(WriterClosed):
        writer.submit(request_for(report_1_1(NOW)))


def test_close_is_503_for_new_reports(sqlite_store, tmp_path):
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_API_KEYS": CLIENT_KEY})
    writer = ReportWriter(sqlite_store)
    client = falcon.testing.TestClient(create_app(config, sqlite_store, writer=writer))
    writer.close()

    response = client.simulate_post("/submit", body=json.dumps(report_1_1(NOW)), headers=HEADERS)

    assert response.status_code == 503
    assert response.json["title"] == "Shutting Down"
    assert Submission.select().count() == 0


def test_writer_brings_dashboards_up_to_date(sqlite_store):
    writer = ReportWriter(sqlite_store)

    writer.submit(request_for(report_1_1(NOW)))
    writer.close()

    summarized = sqlite_store.db.execute_sql("SELECT COUNT(*) FROM dashboard_installations").fetchone()[0]
    assert summarized == 1


def copies_in_writers_turn(sqlite_url: str, reports: int, restart_log_pages: int) -> int:
    """Store ``reports`` through a writer and return how many log copies ran in the writers' turn before its close."""
    store = Store.open(sqlite_url)
    store.migrate()
    in_turn: list[bool] = []
    closing = threading.Event()
    checkpoint = store.checkpoint

    def recording_checkpoint(*, between_writes: bool = False) -> tuple[int, int]:
        if between_writes and not closing.is_set():
            in_turn.append(True)
        return checkpoint(between_writes=between_writes)

    store.checkpoint = recording_checkpoint
    writer = ReportWriter(store, checkpoint_interval_seconds=0.005, restart_log_pages=restart_log_pages)
    with ThreadPoolExecutor(max_workers=8) as pool:
        requests = [ReportRequest(parse_report(report_1_1(NOW), NOW), NOW, SOURCE, 100, reports) for _ in range(reports)]
        outcomes = list(pool.map(writer.submit, requests))
    closing.set()
    writer.close()
    # The writer's last checkpoint copied the whole log, so this one only reports the log's length.
    busy, log_pages, copied = store.db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    store.close()

    assert len({outcome.submission_id for outcome in outcomes}) == reports
    assert busy == 0
    assert copied == log_pages
    return len(in_turn)


def test_writer_restarts_sqlite_log_past_limit(tmp_path):
    # Every stored batch adds pages to the log, so a limit of one page is passed at the first copy
    # after a batch. 200 reports take dozens of batches, so that copy runs before the writer closes.
    past_limit = copies_in_writers_turn(f"sqlite:///{tmp_path / 'restarted.db'}", 200, restart_log_pages=1)
    below_limit = copies_in_writers_turn(f"sqlite:///{tmp_path / 'growing.db'}", 200, restart_log_pages=1_000_000)

    assert past_limit >= 1
    assert below_limit == 0


class ScriptedCheckpoints:
    """A store whose checkpoints return scripted log lengths and record whether they ran in the writers' turn."""

    def __init__(self, log_lengths: list[int]) -> None:
        self.log_lengths = log_lengths
        self.calls: list[bool] = []

    def checkpoint(self, *, between_writes: bool = False) -> tuple[int, int]:
        self.calls.append(between_writes)
        log_pages = self.log_lengths[min(len(self.calls), len(self.log_lengths)) - 1]
        return log_pages, log_pages


@pytest.mark.parametrize(
    ("log_lengths", "calls"),
    [
        # Below the restart limit: one copy while the writer goes on.
        ([50], [False]),
        # Past the limit: copies again until the log grew by fewer than 256 pages, then one in the writers' turn.
        ([1_000, 1_900, 2_100], [False, False, False, True]),
        # A log that keeps growing fast: at most six more copies before the copy in the writers' turn.
        ([1_000 * step for step in range(1, 20)], [False] * 7 + [True]),
    ],
)
def test_writer_catches_up_before_restarting_log(log_lengths, calls):
    store = ScriptedCheckpoints(log_lengths)
    writer = ReportWriter(store, restart_log_pages=1_000)

    writer._checkpoint(between_writes=False)

    assert store.calls == calls


def test_writer_copies_log_into_database_at_close(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    store.migrate()
    writer = ReportWriter(store, checkpoint_interval_seconds=60)
    for _ in range(3):
        writer.submit(request_for(report_1_1(NOW)))
    writer.close()
    store.close()

    # The database file alone, without its write-ahead log, contains every stored report.
    (tmp_path / "copy").mkdir()
    shutil.copy(tmp_path / "collector.db", tmp_path / "copy" / "collector.db")
    copy = sqlite3.connect(tmp_path / "copy" / "collector.db")
    assert copy.execute("SELECT COUNT(*) FROM submissions").fetchone() == (3,)
    copy.close()

"""Batches of Store.store_reports: ids in batch order, per-report outcomes, and a fixed statement count."""

from __future__ import annotations

import json
import os
import stat
import threading
import uuid
from datetime import datetime, timedelta

import psycopg2
import pytest

from collector import storage
from collector.errors import DeletionTokenMismatch, RateLimited, ReportIdConflict
from collector.storage import Installation, ReportRequest, SourceHit, Store, StoredSubmission, Submission
from collector.validation import parse_report
from tests.collector.conftest import report_1_0_body, report_1_1

NOW = datetime(2026, 6, 15, 12, 0, 0)
SOURCE = "e" * 64
OTHER_SOURCE = "f" * 64
OTHER_TOKEN = "another-deletion-token-0123456789"


def request_for(
    body: dict, *, limit: int = 100, source: str = SOURCE, source_limit: int = 100, received_at: datetime = NOW
) -> ReportRequest:
    # Parsed at NOW, because parse_report rejects a body timestamped after its clock.
    return ReportRequest(parse_report(body, NOW), received_at, source, limit, source_limit)


def stored_report_ids(installation_id: str) -> list[tuple[int, str]]:
    query = Submission.select(Submission.id, Submission.report_id).where(Submission.installation_id == installation_id)
    return [(row.id, row.report_id) for row in query.order_by(Submission.id)]


def store_mixed_batch(store: Store) -> None:
    """Store one report of an installation, then a batch that accepts, repeats and rejects its reports."""
    installation_id = str(uuid.uuid4())
    earlier = report_1_1(NOW, installation_id=installation_id)
    first = store.store_reports([request_for(earlier, received_at=NOW - timedelta(minutes=10))])[0]

    accepted = [report_1_1(NOW, installation_id=installation_id) for _ in range(2)]
    over_limit = report_1_1(NOW, installation_id=installation_id)
    wrong_token = report_1_1(NOW, installation_id=installation_id, token=OTHER_TOKEN)
    taken_id = report_1_1(NOW, report_id=accepted[0]["report_id"])
    outcomes = store.store_reports(
        [
            request_for(accepted[0], limit=3),
            request_for(earlier, limit=3),
            request_for(wrong_token, limit=3),
            request_for(accepted[1], limit=3),
            request_for(accepted[0], limit=3),
            request_for(taken_id, limit=3),
            request_for(over_limit, limit=3),
        ]
    )

    first_id = first.submission_id
    assert first == StoredSubmission(first_id, duplicate=False)
    assert outcomes[0] == StoredSubmission(first_id + 1, duplicate=False)
    assert outcomes[1] == StoredSubmission(first_id, duplicate=True)
    assert isinstance(outcomes[2], DeletionTokenMismatch)
    assert outcomes[3] == StoredSubmission(first_id + 2, duplicate=False)
    assert outcomes[4] == StoredSubmission(first_id + 1, duplicate=True)
    assert isinstance(outcomes[5], ReportIdConflict)
    assert outcomes[5].report_id == accepted[0]["report_id"]
    assert isinstance(outcomes[6], RateLimited)
    assert outcomes[6].scope == "installation"
    assert outcomes[6].limit_per_hour == 3
    # The oldest counted report was received 10 minutes before the batch.
    assert outcomes[6].retry_after_seconds == 50 * 60
    assert stored_report_ids(installation_id) == [
        (first_id, earlier["report_id"]),
        (first_id + 1, accepted[0]["report_id"]),
        (first_id + 2, accepted[1]["report_id"]),
    ]
    assert Submission.select().count() == 3
    installation = Installation.get_by_id(installation_id)
    assert installation.first_seen_at == NOW - timedelta(minutes=10)
    assert installation.last_seen_at == NOW
    assert SourceHit.select().count() == 3


def test_mixed_batch_outcomes_and_ids(store):
    store_mixed_batch(store)


def test_mixed_batch_without_sqlite_returning(sqlite_store, monkeypatch):
    monkeypatch.setattr(storage, "_SQLITE_HAS_RETURNING", False)

    store_mixed_batch(sqlite_store)


def test_ids_follow_interleaved_batch_order(store):
    installations = [str(uuid.uuid4()) for _ in range(3)]
    bodies = [report_1_1(NOW, installation_id=installations[index % 3]) for index in range(10)]

    outcomes = store.store_reports([request_for(body) for body in bodies])

    first_id = outcomes[0].submission_id
    assert outcomes == [StoredSubmission(first_id + index, duplicate=False) for index in range(10)]
    rows = Submission.select(Submission.id, Submission.report_id).order_by(Submission.id)
    assert [(row.id, row.report_id) for row in rows] == [
        (first_id + index, body["report_id"]) for index, body in enumerate(bodies)
    ]


def test_small_parameter_limit_splits_statements(store, monkeypatch):
    # Four parameters allow one submission row or two window bounds per statement.
    monkeypatch.setattr(Store, "_max_parameters", lambda self: 4)
    installations = [str(uuid.uuid4()) for _ in range(3)]
    bodies = [report_1_1(NOW, installation_id=installations[index % 3]) for index in range(5)]
    first = store.store_reports([request_for(bodies[0])])[0]

    outcomes = store.store_reports(
        [request_for(body, limit=2) for body in bodies[1:]]
        + [request_for(report_1_1(NOW, installation_id=installations[0]), limit=2)]
    )

    first_id = first.submission_id
    assert outcomes[:4] == [StoredSubmission(first_id + index, duplicate=False) for index in range(1, 5)]
    assert isinstance(outcomes[4], RateLimited)
    assert outcomes[4].scope == "installation"
    assert stored_report_ids(installations[0]) == [(first_id, bodies[0]["report_id"]), (first_id + 3, bodies[3]["report_id"])]
    assert Installation.select().count() == 3


def test_installation_window_excludes_older_reports(store):
    installation_id = str(uuid.uuid4())
    store.store_reports(
        [
            request_for(report_1_1(NOW, installation_id=installation_id), received_at=NOW - timedelta(minutes=61)),
            request_for(report_1_1(NOW, installation_id=installation_id), received_at=NOW - timedelta(minutes=59)),
        ]
    )
    other_id = str(uuid.uuid4())

    outcomes = store.store_reports(
        [
            request_for(report_1_1(NOW, installation_id=installation_id), limit=2),
            request_for(report_1_1(NOW, installation_id=other_id), limit=1),
            request_for(report_1_1(NOW, installation_id=installation_id), limit=2),
            request_for(report_1_1(NOW, installation_id=other_id), limit=1),
        ]
    )

    assert outcomes[0].duplicate is False
    assert outcomes[1].duplicate is False
    assert isinstance(outcomes[2], RateLimited)
    assert outcomes[2].retry_after_seconds == 60
    assert isinstance(outcomes[3], RateLimited)
    assert outcomes[3].retry_after_seconds == 60 * 60


def test_source_windows_of_several_sources(store):
    old_hits = [
        request_for(report_1_1(NOW), source=source, received_at=NOW - timedelta(minutes=90))
        for source in (SOURCE, OTHER_SOURCE)
    ]
    store.store_reports(old_hits)
    store.store_reports([request_for(report_1_1(NOW), source=OTHER_SOURCE, received_at=NOW - timedelta(minutes=30))])

    outcomes = store.store_reports(
        [
            request_for(report_1_1(NOW), source=SOURCE, source_limit=2),
            request_for(report_1_1(NOW), source=OTHER_SOURCE, source_limit=2),
            request_for(report_1_1(NOW), source=SOURCE, source_limit=2),
            request_for(report_1_1(NOW), source=OTHER_SOURCE, source_limit=2),
            request_for(report_1_1(NOW), source=SOURCE, source_limit=2),
        ]
    )

    assert [outcome.duplicate for outcome in outcomes[:3]] == [False, False, False]
    assert isinstance(outcomes[3], RateLimited)
    assert outcomes[3].scope == "source"
    assert outcomes[3].retry_after_seconds == 30 * 60
    assert isinstance(outcomes[4], RateLimited)
    assert outcomes[4].scope == "source"
    assert outcomes[4].retry_after_seconds == 60 * 60
    # The two hits older than the window were deleted while counting.
    hits = sorted((hit.source_hash, hit.hit_at) for hit in SourceHit.select())
    assert hits == [
        (SOURCE, NOW),
        (SOURCE, NOW),
        (OTHER_SOURCE, NOW - timedelta(minutes=30)),
        (OTHER_SOURCE, NOW),
    ]


def test_known_installation_registers_token_once(store):
    installation_id = str(uuid.uuid4())
    without_token = json.loads(report_1_0_body(NOW, installation_id))
    store.store_reports([request_for(without_token, received_at=NOW - timedelta(hours=2))])

    outcomes = store.store_reports(
        [
            request_for(report_1_1(NOW, installation_id=installation_id), received_at=NOW - timedelta(minutes=1)),
            request_for(report_1_1(NOW, installation_id=installation_id, token=OTHER_TOKEN)),
            request_for(report_1_1(NOW, installation_id=installation_id)),
        ]
    )

    assert outcomes[0].duplicate is False
    assert isinstance(outcomes[1], DeletionTokenMismatch)
    assert outcomes[2].duplicate is False
    installation = Installation.get_by_id(installation_id)
    assert installation.deletion_token_sha256 == parse_report(report_1_1(NOW), NOW).deletion_token_sha256
    assert installation.first_seen_at == NOW - timedelta(hours=2)
    assert installation.last_seen_at == NOW


@pytest.mark.parametrize("batch_reports", [1, 8, 32])
def test_batch_statement_count_is_fixed(tmp_path, batch_reports):
    store = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    store.migrate()
    store.store_reports([request_for(report_1_1(NOW))])
    statements: list[str] = []
    store.db.connection().set_trace_callback(statements.append)

    outcomes = store.store_reports([request_for(report_1_1(NOW)) for _ in range(batch_reports)])
    store.close()

    assert [outcome.duplicate for outcome in outcomes] == [False] * batch_reports
    # BEGIN, 2 lookups, 2 window counts, the source-hit delete, 3 inserts and COMMIT.
    assert len(statements) == 10


@pytest.mark.postgres
def test_batch_waits_for_source_lock(postgres_url):
    """Another process's batch from the same source holds this lock until it commits."""
    store = Store.open(postgres_url)
    store.migrate()
    holder = psycopg2.connect(postgres_url)
    outcomes: list[object] = []
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (storage._LOCK_SOURCE, SOURCE))
        writer = threading.Thread(target=lambda: outcomes.extend(store.store_reports([request_for(report_1_1(NOW))])))
        writer.start()
        writer.join(0.5)
        waited = writer.is_alive()
        holder.rollback()
        writer.join(10)
    finally:
        holder.close()
        store.close()

    assert waited
    assert not writer.is_alive()
    assert [type(outcome) for outcome in outcomes] == [StoredSubmission]


@pytest.mark.skipif(storage.fcntl is None, reason="the writer lock file needs flock(), which Windows lacks")
def test_sqlite_batch_waits_for_writer_lock_file(sqlite_url):
    """Another process's SQLite writer holds the lock file beside the database until it commits."""
    store = Store.open(sqlite_url)
    store.migrate()
    lock_path = storage.sqlite_path(sqlite_url) + "-writer.lock"
    # flock() locks belong to an open file, so this second open competes like another process.
    holder = os.open(lock_path, os.O_RDWR)
    outcomes: list[object] = []
    try:
        storage.fcntl.flock(holder, storage.fcntl.LOCK_EX)
        writer = threading.Thread(target=lambda: outcomes.extend(store.store_reports([request_for(report_1_1(NOW))])))
        writer.start()
        writer.join(0.5)
        waited = writer.is_alive()
        storage.fcntl.flock(holder, storage.fcntl.LOCK_UN)
        writer.join(10)
    finally:
        os.close(holder)
        store.close()

    assert waited
    assert not writer.is_alive()
    assert [type(outcome) for outcome in outcomes] == [StoredSubmission]
    assert stat.S_IMODE(os.stat(lock_path).st_mode) == 0o600

"""Store: migrations from earlier schemas, purge, summary and health, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import falcon.testing
import httpx
import peewee
import pytest

from collector import migrations, storage
from collector.app import create_app
from collector.config import CollectorConfig
from collector.storage import Installation, SourceHit, Store, Submission
from collector.validation import parse_report
from tests.collector.conftest import CLIENT_KEY, OPERATOR_KEY, MutableClock, report_1_1

NOW = datetime(2026, 6, 15, 12, 0, 0)
SOURCE = "f" * 64


def store_at(store: Store, moment: datetime, source: str = SOURCE, **report_options) -> int:
    report = parse_report(report_1_1(moment, **report_options), moment)
    stored = store.store_report(
        report, received_at=moment, source_hash=source, limit_per_hour=100, source_limit_per_hour=100
    )
    return stored.submission_id


def insert_version_1_rows(db: peewee.Database) -> None:
    with db.bind_ctx([migrations.InstallationV1, migrations.SubmissionV1]):
        migrations.InstallationV1.create(installation_id="inst-1", first_seen_at=NOW, last_seen_at=NOW)
        migrations.SubmissionV1.create(
            report_id=str(uuid.uuid4()),
            installation_id="inst-1",
            schema_version="1.0",
            received_at=NOW,
            period_start=NOW - timedelta(days=7),
            period_end=NOW,
            app_version="1.9.2",
            platform="linux",
            deployment_mode="docker",
            country_code="DE",
            printer_count=1,
            printer_type_counts='{"prusa": 1}',
            job_count=4,
            file_count=1,
            upload_count=0,
            uptime_hours=9,
            feature_usage="{}",
            error_summary="{}",
        )


def test_migrate_twice_applies_nothing_more(store):
    assert store.schema_version() == migrations.LATEST_VERSION
    assert store.migrate() == []


def test_migrate_from_version_1_keeps_rows(database_url):
    store = Store.open(database_url)
    assert store.migrate(target=1) == [1]
    insert_version_1_rows(store.db)

    applied = store.migrate()

    assert applied == list(range(2, migrations.LATEST_VERSION + 1))
    assert store.schema_version() == migrations.LATEST_VERSION
    row = Submission.get(Submission.installation_id == "inst-1")
    assert row.job_count == 4
    assert row.job_completed_count is None
    assert Installation.get_by_id("inst-1").deletion_token_sha256 is None
    summary_rows = store.db.execute_sql("SELECT COUNT(*) FROM dashboard_installations").fetchone()[0]
    assert summary_rows == 1
    recorded = dict(store.db.execute_sql("SELECT key, value FROM collector_meta").fetchall())
    assert sorted(recorded) == [f"migration.{step}" for step in range(1, migrations.LATEST_VERSION + 1)] + ["schema_version"]
    assert recorded["migration.2"].endswith(" add the deletion token hash and the schema 1.1 job counts")
    store.close()


def test_migrate_drops_source_keys_and_their_hits(database_url):
    store = Store.open(database_url)
    store.migrate(target=4)
    mark = store.db.param
    store.db.execute_sql(f"INSERT INTO source_keys (day, secret) VALUES ('2026-06-15', {mark})", ("ab" * 32,))
    store.db.execute_sql(f"INSERT INTO source_hits (source_hash, hit_at) VALUES ({mark}, {mark})", ("c" * 64, NOW))
    store_at(store, NOW)

    applied = store.migrate(target=5)

    assert applied == [5]
    assert not store.db.table_exists("source_keys")
    assert store.db.execute_sql("SELECT COUNT(*) FROM source_hits").fetchone()[0] == 0
    assert Submission.select().count() == 1
    store.close()


def test_migrate_indexes_facets_by_value_without_the_installation(database_url):
    store = Store.open(database_url)
    store.migrate(target=5)
    # Step 4 creates the summary tables as the current release defines them. A database
    # from an earlier release has the index that ends in the installation id.
    store.db.execute_sql("DROP INDEX dashboard_facets_by_value")
    store.db.execute_sql(
        "CREATE INDEX dashboard_facets_by_value ON dashboard_facets (facet, value, last_day, installation_id)"
    )
    store_at(store, NOW)
    store.catch_up_summaries()
    before = {index.name: index.columns for index in store.db.get_indexes("dashboard_facets")}

    applied = store.migrate()

    after = {index.name: index.columns for index in store.db.get_indexes("dashboard_facets")}
    assert applied == [6, 7, 8]
    assert before["dashboard_facets_by_value"] == ["facet", "value", "last_day", "installation_id"]
    assert after["dashboard_facets_by_value"] == ["facet", "value", "last_day"]
    facet_rows = store.db.execute_sql("SELECT COUNT(*) FROM dashboard_facets").fetchone()[0]
    assert facet_rows == 9
    store.close()


def test_deleted_newest_submission_id_not_reused(store):
    remaining = store_at(store, NOW)
    newest_report = parse_report(report_1_1(NOW), NOW)
    newest = store.store_report(
        newest_report, received_at=NOW, source_hash=SOURCE, limit_per_hour=100, source_limit_per_hour=100
    ).submission_id

    deleted = store.delete_installation(newest_report.installation_id)
    later = store_at(store, NOW)

    assert deleted == 1
    assert remaining < newest < later


def test_migrate_step_7_keeps_submissions(database_url):
    store = Store.open(database_url)
    store.migrate(target=6)
    ids = [store_at(store, NOW - timedelta(hours=hours)) for hours in (3, 2, 1)]
    before = [(row.id, row.report_id, row.job_completed_count) for row in Submission.select().order_by(Submission.id)]

    applied = store.migrate()
    after = [(row.id, row.report_id, row.job_completed_count) for row in Submission.select().order_by(Submission.id)]
    # From step 7 on, deleting the newest submission no longer frees its id.
    Submission.delete().where(Submission.id == ids[-1]).execute()
    new_id = store_at(store, NOW)

    assert applied == [7, 8]
    assert after == before
    assert {index.name for index in store.db.get_indexes("submissions")} >= {
        "submissions_report_id", "submissions_received_at", "submissions_installation_id_received_at",
    }
    assert new_id > ids[-1]
    store.close()


def _facet_days(store: Store, facet: str) -> list[tuple[str, int]]:
    mark = store.db.param
    rows = store.db.execute_sql(
        f"SELECT value, SUM(installations) FROM dashboard_facet_days WHERE facet = {mark} GROUP BY value ORDER BY value",
        (facet,),
    )
    return [(value, int(count)) for value, count in rows.fetchall()]


def test_migrate_rebuilds_summaries_without_facet_days(database_url):
    store = Store.open(database_url)
    store.migrate(target=7)
    for _ in range(3):
        store_at(store, NOW)
    store.catch_up_summaries()
    # Step 4 of an earlier release created every summary table but this one.
    store.db.execute_sql("DROP TABLE dashboard_facet_days")

    applied = store.migrate()

    assert applied == [8]
    assert _facet_days(store, "country") == [("DE", 3)]
    assert _facet_days(store, "platform") == [("windows", 3)]
    watermark = store.db.execute_sql("SELECT submission_id FROM dashboard_watermark").fetchone()[0]
    assert watermark == store.db.execute_sql("SELECT MAX(id) FROM submissions").fetchone()[0]
    store.close()


def test_migrate_step_8_leaves_complete_summaries(database_url, caplog):
    store = Store.open(database_url)
    store.migrate(target=7)
    store_at(store, NOW)
    store.catch_up_summaries()
    caplog.set_level(logging.INFO, logger="collector.dashboard")
    caplog.clear()

    applied = store.migrate()

    assert applied == [8]
    assert [record for record in caplog.records if getattr(record, "event", None) == "summaries_rebuilt"] == []
    assert _facet_days(store, "country") == [("DE", 1)]
    store.close()


def test_migrate_empties_sqlite_log(sqlite_url):
    store = Store.open(sqlite_url)
    store.migrate(target=6)
    for hours in range(40):
        store_at(store, NOW - timedelta(minutes=hours))
    log_path = Path(sqlite_url.removeprefix("sqlite:///") + "-wal")

    store.migrate()

    assert log_path.stat().st_size == 0
    assert Submission.select().count() == 40
    store.close()


def test_migrate_rejects_unknown_target(store):
    with pytest.raises(ValueError, match="Schema version 99 is unknown"):
        store.migrate(target=99)


def test_store_report_then_read_back(store):
    installation_id = str(uuid.uuid4())
    first = store_at(store, NOW - timedelta(days=1), installation_id=installation_id)
    second = store_at(store, NOW, installation_id=installation_id)

    data = store.installation_data(installation_id)

    assert [row["id"] for row in data["submissions"]] == [first, second]
    assert data["installation"]["first_seen_at"] == "2026-06-14T12:00:00Z"
    assert data["installation"]["last_seen_at"] == "2026-06-15T12:00:00Z"
    assert data["submissions"][0]["error_summary"] == {"connection_error": 2}


def test_summary_counts_active_windows(store):
    store_at(store, NOW - timedelta(days=40))
    store_at(store, NOW - timedelta(days=20))
    store_at(store, NOW - timedelta(days=2))
    repeat = str(uuid.uuid4())
    store_at(store, NOW - timedelta(days=3), installation_id=repeat)
    store_at(store, NOW - timedelta(days=1), installation_id=repeat)

    summary = store.summary(NOW)

    assert summary == {
        "installations_total": 4,
        "active_7_days": 2,
        "active_30_days": 3,
        "submissions_total": 5,
        "latest_submission_at": "2026-06-14T12:00:00Z",
    }


def test_summary_of_empty_database(store):
    assert store.summary(NOW) == {
        "installations_total": 0,
        "active_7_days": 0,
        "active_30_days": 0,
        "submissions_total": 0,
        "latest_submission_at": None,
    }


def test_purge_deletes_only_old_rows(store):
    old_installation = str(uuid.uuid4())
    mixed_installation = str(uuid.uuid4())
    store_at(store, NOW - timedelta(days=800), "a" * 64, installation_id=old_installation)
    store_at(store, NOW - timedelta(days=800), "b" * 64, installation_id=mixed_installation)
    store_at(store, NOW - timedelta(days=5), "c" * 64, installation_id=mixed_installation)
    store_at(store, NOW - timedelta(minutes=10), "c" * 64)

    result = store.purge(NOW - timedelta(days=730), now=NOW)

    assert (result.submissions, result.installations) == (2, 1)
    assert result.source_hits == 2
    assert Submission.select().count() == 2
    assert Installation.get_or_none(Installation.installation_id == old_installation) is None
    assert Installation.get_or_none(Installation.installation_id == mixed_installation) is not None
    assert SourceHit.select().count() == 1


def test_delete_installation_counts_rows(store):
    installation_id = str(uuid.uuid4())
    store_at(store, NOW - timedelta(days=8), installation_id=installation_id)
    store_at(store, NOW, installation_id=installation_id)

    assert store.delete_installation(installation_id) == 2
    assert store.delete_installation(installation_id) == 0
    assert store.installation_data(installation_id) is None


def test_summary_route_needs_operator(start_server):
    server = start_server()

    anonymous = httpx.get(f"{server.url}/stats/summary")
    operator = httpx.get(f"{server.url}/stats/summary", headers={"X-API-Key": OPERATOR_KEY})

    assert anonymous.status_code == 401
    assert operator.status_code == 200
    assert operator.json()["submissions_total"] == 0


@pytest.mark.parametrize("path", ["/stats/summary", "/stats/dashboard/versions", "/metrics", "/stats"])
def test_operator_paths_refuse_client_key(start_server, path):
    server = start_server()

    response = httpx.get(f"{server.url}{path}", headers={"X-API-Key": "client-key-0123456789abcdef"})

    assert response.status_code == 403
    assert response.json()["title"] == "Operator Key Required"


@pytest.mark.parametrize("path", ["//stats/summary", "///metrics", "//stats/dashboard/versions"])
def test_operator_paths_with_leading_slashes_need_key(sqlite_store, tmp_path, path):
    # Falcon routes "//stats/summary" to /stats/summary. Waitress already collapses the
    # slashes, so this runs the application directly, as another WSGI server would.
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_API_KEYS": CLIENT_KEY})
    client = falcon.testing.TestClient(create_app(config, sqlite_store, clock=MutableClock(NOW)))

    anonymous = client.simulate_get(path)
    with_client_key = client.simulate_get(path, headers={"X-API-Key": CLIENT_KEY})

    assert anonymous.status_code == 401
    assert with_client_key.status_code == 403


def test_submit_with_leading_slashes_needs_key(sqlite_store, tmp_path):
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_API_KEYS": CLIENT_KEY})
    client = falcon.testing.TestClient(create_app(config, sqlite_store, clock=MutableClock(NOW)))

    response = client.simulate_post("//submit", body=json.dumps(report_1_1(NOW)), headers={"Content-Type": "application/json"})

    assert response.status_code == 401
    assert Submission.select().count() == 0


def test_health_is_public_and_checks_database(start_server):
    server = start_server()

    response = httpx.get(f"{server.url}/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_while_stopping_sends_retry_after(sqlite_store, tmp_path):
    # The OpenAPI document lists Retry-After on every 503 of /health.
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path)})
    stopping = threading.Event()
    stopping.set()
    client = falcon.testing.TestClient(create_app(config, sqlite_store, clock=MutableClock(NOW), stopping=stopping))

    response = client.simulate_get("/health")

    assert response.status_code == 503
    assert response.json["title"] == "Stopping"
    assert response.headers["Retry-After"] == "30"


def test_postgres_connect_times_out_on_silent_server(monkeypatch):
    # A server that accepts TCP but never sends PostgreSQL's greeting, like a frozen host.
    monkeypatch.setattr(storage, "POSTGRES_CONNECT_TIMEOUT_SECONDS", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        store = Store.open(f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/collector")
        errors: list[peewee.OperationalError] = []

        def check_database() -> None:
            try:
                store.check()
            except peewee.OperationalError as error:
                errors.append(error)

        checker = threading.Thread(target=check_database, daemon=True)
        checker.start()
        checker.join(10)

    assert not checker.is_alive()
    assert len(errors) == 1
    assert "timeout" in str(errors[0])


def test_postgres_connect_timeout_kept_from_url():
    store = Store.open("postgresql://postgres@127.0.0.1:9/collector?connect_timeout=2")

    assert store.db.connect_params["connect_timeout"] == "2"


def test_health_is_503_when_database_is_down(tmp_path):
    # Port 9 on the loopback address has no PostgreSQL server, so every connection fails.
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path)})
    store = Store.open("postgresql://postgres@127.0.0.1:9/collector?connect_timeout=2")
    client = falcon.testing.TestClient(create_app(config, store, clock=MutableClock(NOW)))

    response = client.simulate_get("/health")

    assert response.status_code == 503
    assert response.json["title"] == "Database Unavailable"
    assert response.headers["Retry-After"] == "30"


def test_database_unavailable_log_names_reason_without_host_or_password(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="collector")
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path)})
    store = Store.open("postgresql://collector:pw-0123456789@127.0.0.1:9/collector?connect_timeout=2")
    client = falcon.testing.TestClient(create_app(config, store, clock=MutableClock(NOW)))

    client.simulate_get("/health")

    [record] = [record for record in caplog.records if getattr(record, "event", None) == "database_unavailable"]
    message = record.getMessage()
    assert message.startswith("database unavailable (OperationalError): connection to server at \"<database host>\", port 9 failed")
    assert message.endswith("; check that the database in DATABASE_URL is running and reachable")
    assert "127.0.0.1" not in message
    assert "pw-0123456789" not in message


def test_describe_error_masks_password_and_host():
    store = Store.open("postgresql://collector:pw-0123456789@db.internal:5433/collector")
    error = peewee.OperationalError('connection to server at "db.internal" failed: password "pw-0123456789" rejected\nDETAIL: more')

    assert store.describe_error(error) == 'connection to server at "<database host>" failed: password "***" rejected'
    assert store.describe_error(peewee.OperationalError()) == "OperationalError"


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        (
            'connection to server at "db.internal" (10.1.2.3), port 5432 failed: Connection refused',
            'connection to server at "<database host>" (<address>), port 5432 failed: Connection refused',
        ),
        ('connection to server at "db.internal" (fe80::1), port 5432 failed', 'connection to server at "<database host>" (<address>), port 5432 failed'),
        ("could not translate host name to address: 1.2.3 or 10:30", "could not translate host name to address: 1.2.3 or 10:30"),
    ],
)
def test_describe_error_masks_addresses(message, logged):
    store = Store.open("postgresql://collector@db.internal:5432/collector")

    assert store.describe_error(peewee.OperationalError(message)) == logged


def test_submit_is_503_when_database_is_down(tmp_path):
    config = CollectorConfig.from_environ(
        {"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_API_KEYS": "client-key-0123456789abcdef"}
    )
    store = Store.open("postgresql://postgres@127.0.0.1:9/collector?connect_timeout=2")
    client = falcon.testing.TestClient(create_app(config, store, clock=MutableClock(NOW)))

    response = client.simulate_post(
        "/submit", body=json.dumps(report_1_1(NOW)), headers={"X-API-Key": "client-key-0123456789abcdef", "Content-Type": "application/json"}
    )

    assert response.status_code == 503



def test_sqlite_store_creates_missing_data_folder(tmp_path):
    path = tmp_path / "not" / "yet" / "collector.db"

    opened = Store.open(f"sqlite:///{path}")
    opened.migrate()
    opened.close()

    assert path.is_file()


def test_unexpected_error_is_json_500(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="collector")
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_ADMIN_KEYS": OPERATOR_KEY})
    store = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    store.migrate()
    app = create_app(config, store, clock=MutableClock(NOW))
    caplog.clear()

    def broken_summary(now):
        raise KeyError("summary")

    store.summary = broken_summary
    response = falcon.testing.TestClient(app).simulate_get("/stats/summary", headers={"X-API-Key": OPERATOR_KEY})

    assert response.status_code == 500
    assert response.json["title"] == "Internal Server Error"
    assert [record.event for record in caplog.records if hasattr(record, "event")] == ["unexpected_error", "request"]


class FakeDriverError(Exception):
    """Stands in for a psycopg2 error, which carries its SQLSTATE as ``pgcode``."""

    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


@pytest.mark.parametrize("pgcode", ["40P01", "40001"])
def test_store_report_retries_aborted_transaction(sqlite_store, monkeypatch, pgcode):
    original = Store._store_locked
    calls = []

    def fail_once(self, *args):
        calls.append(args)
        if len(calls) == 1:
            raise FakeDriverError(pgcode)
        return original(self, *args)

    monkeypatch.setattr(Store, "_store_locked", fail_once)

    submission_id = store_at(sqlite_store, NOW)

    assert submission_id == 1
    assert len(calls) == 2
    assert Submission.select().count() == 1


def test_store_report_raises_other_driver_errors(sqlite_store, monkeypatch):
    def fail(self, *args):
        raise FakeDriverError("23514")

    monkeypatch.setattr(Store, "_store_locked", fail)

    with pytest.raises(FakeDriverError):
        store_at(sqlite_store, NOW)
    assert Submission.select().count() == 0


def test_sqlite_url_slashes_follow_sqlalchemy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    relative = Store.open("sqlite:///relative.db")
    relative.migrate()
    relative.close()
    absolute = Store.open(f"sqlite:///{tmp_path / 'absolute.db'}")
    absolute.migrate()
    absolute.close()

    assert (tmp_path / "relative.db").is_file()
    assert (tmp_path / "absolute.db").is_file()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_new_sqlite_database_is_private(tmp_path):
    path = tmp_path / "data" / "collector.db"
    store = Store.open(f"sqlite:///{path}")
    store.migrate()
    # SQLite removes the write-ahead log when its last connection closes.
    log_mode = stat.S_IMODE(Path(f"{path}-wal").stat().st_mode)
    store.close()

    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert log_mode == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_existing_sqlite_database_keeps_its_mode(tmp_path):
    path = tmp_path / "collector.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    store = Store.open(f"sqlite:///{path}")
    store.migrate()
    store.close()

    assert stat.S_IMODE(path.stat().st_mode) == 0o640

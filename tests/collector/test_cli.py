"""python -m collector serve|migrate|purge: exit codes, clean stops, crash safety and log content."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import httpx
import pytest

from collector import cli
from collector.app import utc_now
from collector.migrations import LATEST_VERSION
from collector.storage import Store, Submission
from collector.validation import parse_report
from tests.collector.conftest import (
    CLIENT_KEY,
    DELETION_TOKEN,
    OPERATOR_KEY,
    ROOT,
    base_environ,
    report_1_1,
)

HEADERS = {"Content-Type": "application/json", "X-API-Key": CLIENT_KEY}
LOAD_THREADS = 8
ACKNOWLEDGED_BEFORE_KILL = 20
LOAD_TIMEOUT_SECONDS = 30


def test_cli_config_error_exits_2(tmp_path, capsys):
    status = cli.main(["serve"], environ={"COLLECTOR_DATA_DIR": str(tmp_path), "COLLECTOR_THREADS": "0"})

    assert status == 2
    assert "COLLECTOR_THREADS='0' is invalid" in capsys.readouterr().err


def test_cli_out_of_range_option_exits_2(tmp_path, capsys):
    status = cli.main(["serve", "--port", "70000"], environ={"COLLECTOR_DATA_DIR": str(tmp_path)})

    assert status == 2
    assert "--port 70000 is out of range: expected a whole number from 0 to 65535." in capsys.readouterr().err


def test_cli_out_of_range_stop_delay_exits_2(tmp_path, capsys):
    status = cli.main(["serve", "--stop-delay", "61"], environ={"COLLECTOR_DATA_DIR": str(tmp_path)})

    assert status == 2
    assert "--stop-delay 61 is out of range: expected a whole number from 0 to 60." in capsys.readouterr().err


def test_serve_process_bad_database_url_exits_2(tmp_path):
    environ = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": "oracle://db/x"}

    finished = subprocess.run(
        [sys.executable, "-m", "collector", "serve"], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=30
    )

    assert finished.returncode == 2
    assert "DATABASE_URL has the unsupported scheme 'oracle'" in finished.stderr


def test_cli_migrate_then_purge(sqlite_url, tmp_path, capsys):
    environ = base_environ(sqlite_url, tmp_path)

    first = cli.main(["migrate"], environ=environ)
    second = cli.main(["migrate"], environ=environ)
    output = capsys.readouterr().out

    assert (first, second) == (0, 0)
    all_steps = ", ".join(str(step) for step in range(1, LATEST_VERSION + 1))
    assert f"Applied schema steps {all_steps}; the schema is at version {LATEST_VERSION}." in output
    assert f"The schema is already at version {LATEST_VERSION}." in output


def test_cli_migrate_names_one_step(sqlite_url, tmp_path, capsys):
    store = Store.open(sqlite_url)
    store.migrate(target=LATEST_VERSION - 1)
    store.close()

    status = cli.main(["migrate"], environ=base_environ(sqlite_url, tmp_path))

    assert status == 0
    assert capsys.readouterr().out == f"Applied schema step {LATEST_VERSION}; the schema is at version {LATEST_VERSION}.\n"


def test_cli_purge_deletes_reports_past_retention(sqlite_url, tmp_path, capsys):
    store = Store.open(sqlite_url)
    store.migrate()
    now = utc_now()
    for days_ago in (800, 100, 1):
        moment = now - timedelta(days=days_ago)
        report = parse_report(report_1_1(moment), moment)
        store.store_report(report, received_at=moment, source_hash="a" * 64, limit_per_hour=10, source_limit_per_hour=10)
    store.close()

    status = cli.main(["purge", "--days", "30"], environ=base_environ(sqlite_url, tmp_path))

    assert status == 0
    assert "Deleted 2 reports received more than 30 days ago and 2 installations with no report since then." in capsys.readouterr().out
    assert Store.open(sqlite_url).summary(now)["submissions_total"] == 1



def test_cli_purge_message_singular(sqlite_url, tmp_path, capsys):
    store = Store.open(sqlite_url)
    store.migrate()
    moment = utc_now() - timedelta(days=3)
    store.store_report(
        parse_report(report_1_1(moment), moment), received_at=moment, source_hash="a" * 64, limit_per_hour=10, source_limit_per_hour=10
    )
    store.close()

    status = cli.main(["purge", "--days", "1"], environ=base_environ(sqlite_url, tmp_path))

    assert status == 0
    assert "Deleted 1 report received more than 1 day ago and 1 installation with no report since then." in capsys.readouterr().out

def test_cli_purge_before_migrate_fails(sqlite_url, tmp_path, capsys):
    status = cli.main(["purge"], environ=base_environ(sqlite_url, tmp_path))

    assert status == 1
    assert "run `python -m collector migrate` first" in capsys.readouterr().err


def test_cli_unreachable_database_exits_1(tmp_path, capsys):
    # Nothing listens on port 9 of the loopback address.
    environ = base_environ("postgresql://postgres@127.0.0.1:9/collector?connect_timeout=2", tmp_path)

    status = cli.main(["migrate"], environ=environ)

    error = capsys.readouterr().err
    assert status == 1
    assert "cannot use the PostgreSQL database collector at 127.0.0.1:9 as user postgres" in error
    assert "Connection refused" in error
    assert "check that PostgreSQL runs there" in error


def test_cli_database_error_hides_password(tmp_path, capsys):
    environ = base_environ("postgresql://postgres:pass-word-1@127.0.0.1:9/collector?connect_timeout=2", tmp_path)

    status = cli.main(["migrate"], environ=environ)

    assert status == 1
    assert "pass-word-1" not in capsys.readouterr().err


def test_cli_unknown_database_option_exits_1(tmp_path, capsys):
    # psycopg2 rejects the option before it connects, so nothing needs to listen on port 9.
    environ = base_environ("postgresql://postgres@127.0.0.1:9/collector?colour=blue", tmp_path)

    status = cli.main(["migrate"], environ=environ)

    error = capsys.readouterr().err
    assert status == 1
    assert 'invalid connection option "colour"' in error
    assert "Traceback" not in error


def test_cli_file_not_a_database_exits_1(tmp_path, capsys):
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("these are not the tables you are looking for\n" * 200)

    status = cli.main(["migrate"], environ=base_environ(f"sqlite:///{not_a_database}", tmp_path))

    error = capsys.readouterr().err
    assert status == 1
    assert f"cannot use the SQLite file {not_a_database}: file is not a database." in error
    assert "DATABASE_URL" in error


def test_cli_database_path_is_folder_exits_1(tmp_path, capsys):
    folder = tmp_path / "folder.db"
    folder.mkdir()

    status = cli.main(["migrate"], environ=base_environ(f"sqlite:///{folder}", tmp_path))

    error = capsys.readouterr().err
    assert status == 1
    assert f"cannot use the SQLite file {folder}: unable to open database file." in error


def test_serve_invalid_host_exits_1(sqlite_url, tmp_path, capsys):
    status = cli.main(["serve", "--host", "999.1.1.1", "--port", "0"], environ=base_environ(sqlite_url, tmp_path))

    error = capsys.readouterr().err
    assert status == 1
    assert "collector: cannot listen on 999.1.1.1:0: Invalid host/port specified." in error
    assert "--host or COLLECTOR_HOST" in error


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_on_signal(start_process, sqlite_url, signal_number):
    process = start_process(sqlite_url)
    health = httpx.get(f"{process.url}/health", timeout=10)

    status = process.terminate(signal_number)

    assert health.status_code == 200
    assert status == 0
    assert [record["event"] for record in process.log_records() if record.get("event") in {"started", "stopped"}] == [
        "started",
        "stopped",
    ]


def test_stop_delay_fails_health_keeps_serving(start_process, sqlite_url):
    process = start_process(sqlite_url, COLLECTOR_STOP_DELAY_SECONDS="1")
    signalled = time.monotonic()
    process.process.send_signal(signal.SIGTERM)
    health_statuses = []
    deadline = signalled + 0.5
    while time.monotonic() < deadline and 503 not in health_statuses:
        health_statuses.append(httpx.get(f"{process.url}/health", timeout=10).status_code)
    # A new connection is still accepted during the delay.
    submitted = httpx.post(f"{process.url}/submit", content=json.dumps(report_1_1(utc_now())), headers=HEADERS, timeout=10)

    status = process.wait()
    stop_seconds = time.monotonic() - signalled

    assert health_statuses[-1] == 503
    assert submitted.status_code == 200
    assert status == 0
    assert stop_seconds >= 1
    assert [record.get("delay_seconds") for record in process.log_records() if record.get("event") == "stopping"] == [1]


STOP_CLIENTS = 24
REQUESTS_PER_CLIENT = 15


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_stop_finishes_requests_already_read(start_process, sqlite_url, signal_number):
    process = start_process(sqlite_url, threads=2, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="100000")
    first_answers = threading.Barrier(STOP_CLIENTS + 1)
    outcomes: list[list[object]] = [[] for _ in range(STOP_CLIENTS)]
    # Clients that received a response with "Connection: close".
    closing_clients: list[int] = []

    def send_reports(number: int) -> None:
        headers = {"X-API-Key": CLIENT_KEY}
        with httpx.Client(base_url=process.url, timeout=30) as client:
            for index in range(REQUESTS_PER_CLIENT):
                try:
                    response = client.post("/submit", json=report_1_1(utc_now()), headers=headers)
                    outcomes[number].append(response.status_code)
                    if response.headers.get("Connection") == "close":
                        closing_clients.append(number)
                except httpx.HTTPError as error:
                    outcomes[number].append(type(error).__name__)
                if index == 0:
                    first_answers.wait(30)

    clients = [threading.Thread(target=send_reports, args=(number,)) for number in range(STOP_CLIENTS)]
    for client in clients:
        client.start()
    # Every client has an open connection and more requests to send.
    first_answers.wait(30)
    status = process.terminate(signal_number)
    for client in clients:
        client.join(30)

    answered = [outcome for client_outcomes in outcomes for outcome in client_outcomes]
    store = Store.open(sqlite_url)
    stored = store.db.execute_sql("SELECT COUNT(*) FROM submissions").fetchone()[0]
    store.close()
    assert status == 0
    # A stopping server responds to each connection's request in progress with Connection: close
    # and accepts no new connection, so a client's later requests are never sent. One race stays,
    # as with any server that ends keep-alive connections: a client that got its last response
    # just before the stop can send its next request over that connection after the server's
    # last look at it. That request fails with a read error and is not stored. The client sends
    # it again later, and its report id keeps it from being stored twice.
    lost_in_race = {"ReadError", "RemoteProtocolError"}
    for client_outcomes in outcomes:
        accepted = client_outcomes.count(200)
        refused = client_outcomes.count("ConnectError")
        assert accepted >= 1
        assert client_outcomes[:accepted] == [200] * accepted
        assert client_outcomes[len(client_outcomes) - refused :] == ["ConnectError"] * refused
        assert accepted + refused >= REQUESTS_PER_CLIENT - 1
        assert set(client_outcomes[accepted : len(client_outcomes) - refused]) <= lost_in_race
    refused_clients = {
        number for number, client_outcomes in enumerate(outcomes)
        if "ConnectError" in client_outcomes and not lost_in_race & set(client_outcomes)
    }
    assert refused_clients <= set(closing_clients)
    assert stored == answered.count(200)
    assert [record["event"] for record in process.log_records() if record.get("event") in {"stopping", "drain_timed_out", "stopped"}] == [
        "stopping",
        "stopped",
    ]


def test_serve_logs_no_address_key_or_token(start_process, sqlite_url):
    process = start_process(sqlite_url, COLLECTOR_LOG_LEVEL="DEBUG")
    body = report_1_1(utc_now())
    installation_id = body["installation"]["installation_id"]
    httpx.post(f"{process.url}/submit", content=json.dumps(body), headers=HEADERS, timeout=10)
    httpx.post(f"{process.url}/submit", content=b"{}", headers={**HEADERS, "X-API-Key": "wrong-key-0123456789"}, timeout=10)
    httpx.get(f"{process.url}/installation/{installation_id}", headers={"Authorization": f"Bearer {DELETION_TOKEN}"})
    httpx.get(f"{process.url}/stats/summary", headers={"X-API-Key": OPERATOR_KEY}, timeout=10)
    process.terminate()

    records = process.log_records()
    text = "\n".join(process.log_lines)

    assert len(records) == len(process.log_lines)
    assert {record["logger"].split(".")[0] for record in records} <= {"collector", "waitress"}
    assert [record["status"] for record in records if record.get("event") == "request"] == [200, 401, 200, 200]
    for secret in (CLIENT_KEY, OPERATOR_KEY, DELETION_TOKEN, "wrong-key-0123456789", "127.0.0.1", installation_id):
        assert secret not in text


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_kill_during_load_keeps_every_acknowledged_report(start_process, request, database):
    database_url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "postgres_url")
    process = start_process(database_url, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="100000")
    acknowledged: dict[str, int] = {}
    stop = threading.Event()

    def send_reports() -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                body = report_1_1(utc_now())
                try:
                    response = client.post(f"{process.url}/submit", content=json.dumps(body), headers=HEADERS)
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged[body["report_id"]] = response.json()["submission_id"]

    senders = [threading.Thread(target=send_reports) for _ in range(LOAD_THREADS)]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_SECONDS
    while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    stop.set()
    for sender in senders:
        sender.join(10)

    store = Store.open(database_url)
    stored = {row.report_id: row for row in Submission.select()}
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    for report_id, submission_id in acknowledged.items():
        assert stored[report_id].id == submission_id
    for row in stored.values():
        assert row.installation_id and row.period_end > row.period_start
        assert json.loads(row.error_summary) == {"connection_error": 2}
        assert row.job_failed_count == 2
    store.close()



def test_cli_uncreatable_database_folder_exits_1(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data folder should be")
    environ = base_environ(f"sqlite:///{blocker / 'data' / 'collector.db'}", tmp_path)

    status = cli.main(["migrate"], environ=environ)

    assert status == 1
    assert f"cannot create the database folder {blocker / 'data'} (Not a directory)" in capsys.readouterr().err


def test_serve_port_in_use_exits_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environ = {
            **os.environ,
            "COLLECTOR_DATA_DIR": str(tmp_path),
            "COLLECTOR_API_KEYS": CLIENT_KEY,
            "PYTHONPATH": str(ROOT),
        }

        result = subprocess.run(
            [sys.executable, "-m", "collector", "serve", "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True, text=True, timeout=60, cwd=ROOT, env=environ,
        )

    assert result.returncode == 1
    assert f"collector: cannot listen on 127.0.0.1:{port}: Address already in use." in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("error_number", "hint"),
    [
        (errno.EACCES, "Ports below 1024 need root or CAP_NET_BIND_SERVICE"),
        (errno.EADDRNOTAVAIL, "is not an address of this machine"),
    ],
)
def test_serve_listen_error_gives_matching_fix(sqlite_url, tmp_path, capsys, monkeypatch, error_number, hint):
    def fail_to_bind(*args, **kwargs):
        raise OSError(error_number, os.strerror(error_number))

    monkeypatch.setattr(cli, "make_server", fail_to_bind)

    status = cli.main(["serve", "--port", "80"], environ=base_environ(sqlite_url, tmp_path))

    error = capsys.readouterr().err
    assert status == 1
    assert f"cannot listen on 127.0.0.1:80: {os.strerror(error_number)}." in error
    assert hint in error
    assert "Stop the program using that port" not in error


def test_serve_host_with_several_addresses_exits_1(sqlite_url, tmp_path, capsys, monkeypatch):
    # A hosts file that maps localhost to both 127.0.0.1 and ::1 makes Waitress bind both.
    resolve = socket.getaddrinfo

    def resolve_localhost_twice(host, *args, **kwargs):
        if host != "localhost":
            return resolve(host, *args, **kwargs)
        return resolve("127.0.0.1", *args, **kwargs) + resolve("::1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve_localhost_twice)

    status = cli.main(["serve", "--host", "localhost", "--port", "0"], environ=base_environ(sqlite_url, tmp_path))

    error = capsys.readouterr().err
    assert status == 1
    assert "cannot listen on localhost: it resolves to several addresses (127.0.0.1, ::1)." in error
    assert "--host or COLLECTOR_HOST" in error


@pytest.mark.parametrize("command", ["migrate", "purge"])
def test_cli_newer_schema_exits_1(sqlite_url, tmp_path, capsys, command):
    # As after a rollback to an older release: the database was migrated by a newer one.
    store = Store.open(sqlite_url)
    store.migrate()
    store.db.execute_sql("UPDATE collector_meta SET value = ? WHERE key = 'schema_version'", (str(LATEST_VERSION + 1),))
    store.close()

    status = cli.main([command], environ=base_environ(sqlite_url, tmp_path))

    error = capsys.readouterr().err
    assert status == 1
    assert f"the database schema is at version {LATEST_VERSION + 1}, newer than this release's {LATEST_VERSION}" in error


def test_serve_without_keys_warns_naming_variables(start_process, sqlite_url):
    process = start_process(sqlite_url, COLLECTOR_API_KEYS="", COLLECTOR_ADMIN_KEYS="")
    process.terminate()

    warnings = [record["message"] for record in process.log_records() if record.get("event") == "no_keys"]
    assert warnings == [
        "COLLECTOR_API_KEYS is unset or empty, so the apps' reports to /submit get 401 and so does every other "
        "request; set COLLECTOR_API_KEYS to the client key built into the app bundles"
    ]


def test_serve_with_operator_keys_only_warns_about_client_keys(start_process, sqlite_url):
    process = start_process(sqlite_url, COLLECTOR_API_KEYS="")
    process.terminate()

    warnings = [record["message"] for record in process.log_records() if record.get("event") == "no_keys"]
    assert warnings == [
        "COLLECTOR_API_KEYS is unset or empty, so the apps' reports to /submit get 401; "
        "set COLLECTOR_API_KEYS to the client key built into the app bundles"
    ]


def test_serve_warns_about_misspelled_setting(start_process, sqlite_url):
    process = start_process(sqlite_url, COLLECTOR_RATE_LIMIT_PER_HOURS="20", COLLECTOR_FAVOURITE="x")
    process.terminate()

    warnings = [record["message"] for record in process.log_records() if record.get("event") == "unknown_setting"]
    assert warnings == [
        "COLLECTOR_FAVOURITE is not a collector setting and is ignored; see docs/operations.md for the settings.",
        "COLLECTOR_RATE_LIMIT_PER_HOURS is not a collector setting and is ignored; did you mean COLLECTOR_RATE_LIMIT_PER_HOUR?",
    ]


def test_cli_purge_runs_despite_bad_server_setting(sqlite_url, tmp_path, capsys):
    environ = {**base_environ(sqlite_url, tmp_path), "COLLECTOR_PORT": "abc"}
    assert cli.main(["migrate"], environ=environ) == 0

    status = cli.main(["purge"], environ=environ)

    assert status == 0
    assert "Deleted 0 reports" in capsys.readouterr().out


def test_signal_during_writer_close_still_stops_cleanly(start_process, sqlite_url):
    process = start_process(sqlite_url)
    [started] = [record for record in process.log_records() if record.get("event") == "started"]
    writer_pid = started["writer_pid"]
    # A stopped writer process keeps the collector in the writer's close until it continues.
    os.kill(writer_pid, signal.SIGSTOP)
    process.process.send_signal(signal.SIGINT)
    # The server has returned once its port refuses connections.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{process.url}/health", timeout=1)
        except httpx.ConnectError:
            break
        time.sleep(0.02)

    # A supervisor that follows a Ctrl+C with SIGTERM, as dev.py does, signals again here.
    process.process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    os.kill(writer_pid, signal.SIGCONT)
    status = process.wait()

    assert status == 0
    assert [record["event"] for record in process.log_records() if record.get("event") in {"started", "stopped"}] == [
        "started",
        "stopped",
    ]


def test_stop_signals_ignored_only_inside_block():
    before = signal.getsignal(signal.SIGTERM)

    with cli._stop_signals_ignored():
        inside = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))

    assert inside == (signal.SIG_IGN, signal.SIG_IGN)
    assert signal.getsignal(signal.SIGTERM) is before

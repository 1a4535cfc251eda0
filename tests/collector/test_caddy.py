"""The example Caddyfile in front of two collector processes, run with a real Caddy.

Each test runs once per Caddy executable named in USAGE_STATS_TEST_CADDY, a list of paths
or command names separated by os.pathsep (":" on Linux). Without the variable, the tests use
`caddy` from PATH and are skipped when there is none. `python3 dev.py test` sets it to the
caddy on PATH and the newer release that it installs into .venv. The Caddyfile is the shipped
one with only the global options, the site address, the listen address and the upstream ports
replaced.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from collector.app import utc_now
from collector.storage import Store
from tests.collector.conftest import CLIENT_KEY, OPERATOR_KEY, ROOT, report_1_1

CADDY_NAMES = [name for name in os.environ.get("USAGE_STATS_TEST_CADDY", "").split(os.pathsep) if name]
CADDYFILE = ROOT / "packaging" / "collector" / "Caddyfile"
HEADERS = {"X-API-Key": CLIENT_KEY}
CADDY_START_TIMEOUT_SECONDS = 10
LOAD_CLIENTS = 8
# The load runs until LOAD_AFTER_STOP_SECONDS after the stopped process exits. This cap only
# bounds it: at the 600-1,200 reports/s seen here, 3,000 per client last well over 10 s.
MAX_REPORTS_PER_CLIENT = 3_000
ANSWERS_BEFORE_STOP = 100
# The value the systemd template unit passes as --stop-delay: above the example's
# health_interval (2 s), so Caddy takes the process out of rotation before it stops listening.
STOP_DELAY_SECONDS = 3
# After the delay, the stopped process finishes the requests it has read within this time.
DRAIN_TIMEOUT_SECONDS = 3
LOAD_AFTER_STOP_SECONDS = 1
HEALTH_REQUESTS = 5
# The first Caddy release that retries a request with a body on another upstream after the
# first one refused the connection. Checked with the official builds 2.10.2, 2.11.1, 2.11.2
# and 2.11.7 and Debian's 2.6.2: the older ones return 502 for such a POST.
FIRST_CADDY_RETRYING_POST = (2, 11, 2)
# Above the example's health_interval (2 s), so the reports span the health check that takes
# the stopped process out of rotation, and a health check arrives within it.
RETRY_WINDOW_SECONDS = 3
MAX_RETRY_WINDOW_REPORTS = 300


def caddy_parameters() -> list[object]:
    """Return one pytest parameter per Caddy executable to test, with its version as the id."""
    if not CADDY_NAMES:
        found = shutil.which("caddy")
        if found is None:
            return [pytest.param(None, marks=pytest.mark.skip(reason="caddy is not on PATH and USAGE_STATS_TEST_CADDY is not set"))]
        return [pytest.param(found, id=caddy_version(found))]
    parameters = []
    for name in CADDY_NAMES:
        found = shutil.which(name)
        # A missing executable that the variable names fails its tests instead of skipping them.
        parameters.append(pytest.param(found or name, id=caddy_version(found) if found else f"missing-{name}"))
    return parameters


def caddy_version(executable: str) -> str:
    """Return the first word of ``caddy version`` with a leading "v", which Debian's build leaves out ("2.6.2")."""
    output = subprocess.run([executable, "version"], capture_output=True, text=True, timeout=30, check=True).stdout
    version = output.split()[0]
    return version if version.startswith("v") else f"v{version}"


def version_numbers(version: str) -> tuple[int, int, int]:
    """Return major, minor and patch of a version like "v2.11.7" or "v2.8.4-beta.1"."""
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", version)
    assert match, f"unexpected Caddy version {version!r}"
    major, minor, patch = (int(number) for number in match.groups())
    return major, minor, patch


@pytest.fixture(params=caddy_parameters())
def caddy(request: pytest.FixtureRequest) -> str:
    """Return the path of the Caddy executable this run of the test uses."""
    executable = request.param
    if shutil.which(executable) is None:
        pytest.fail(f"USAGE_STATS_TEST_CADDY names {executable!r}, which is not an executable file or a command on PATH")
    return executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def derive_caddyfile(replacements: list[tuple[str, str]]) -> str:
    """Return the shipped Caddyfile with each ``(old, new)`` pair replaced, failing if ``old`` is not in it once."""
    text = CADDYFILE.read_text()
    for old, new in replacements:
        assert text.count(old) == 1, f"the Caddyfile no longer contains {old!r} once"
        text = text.replace(old, new)
    return text


def local_caddyfile(port: int, upstream_ports: list[int]) -> str:
    """Return the shipped Caddyfile serving plain HTTP on 127.0.0.1:``port`` in front of ``upstream_ports``."""
    return derive_caddyfile(
        [
            # The admin endpoint would listen on port 2019, which another Caddy may hold.
            ("{\n\t# Uncomment", "{\n\tadmin off\n\t# Uncomment"),
            ("stats.example.org {", f"http://127.0.0.1:{port} {{\n\tbind 127.0.0.1"),
            ("reverse_proxy 127.0.0.1:8080 {", "reverse_proxy " + " ".join(f"127.0.0.1:{p}" for p in upstream_ports) + " {"),
        ]
    )


def local_https_caddyfile(https_port: int, http_port: int, storage: Path, upstream_port: int) -> str:
    """Return the shipped Caddyfile for the site name localhost on 127.0.0.1, with its certificates in ``storage``.

    For localhost, Caddy issues the certificate from its own local CA instead of using ACME.
    """
    global_options = [
        "admin off",
        # Caddy would otherwise add its root certificate to the system trust store.
        "skip_install_trust",
        f"http_port {http_port}",
        f"https_port {https_port}",
        f'storage file_system "{storage}"',
    ]
    return derive_caddyfile(
        [
            ("{\n\t# Uncomment", "{\n\t" + "\n\t".join(global_options) + "\n\t# Uncomment"),
            ("stats.example.org {", "localhost {\n\tbind 127.0.0.1"),
            ("reverse_proxy 127.0.0.1:8080 {", f"reverse_proxy 127.0.0.1:{upstream_port} {{"),
        ]
    )


def wait_for_health(url: str, log: Path, root_certificate: Path | None = None) -> None:
    """Wait until ``url``/health returns 200, verifying HTTPS against ``root_certificate`` alone if given."""
    deadline = time.monotonic() + CADDY_START_TIMEOUT_SECONDS
    last_outcome: object = None
    while time.monotonic() < deadline:
        try:
            # The context is built on every attempt because Caddy creates the root certificate at startup.
            verify = ssl.create_default_context(cafile=root_certificate) if root_certificate else True
            last_outcome = httpx.get(f"{url}/health", timeout=5, verify=verify).status_code
            if last_outcome == 200:
                return
        except (httpx.TransportError, FileNotFoundError, ssl.SSLError) as error:
            last_outcome = error
        time.sleep(0.1)
    raise AssertionError(
        f"{url}/health did not return 200 within {CADDY_START_TIMEOUT_SECONDS} s (last outcome: {last_outcome!r}). Caddy's log:\n"
        + log.read_text()
    )


@pytest.fixture
def run_caddy(caddy: str, tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Return a function that runs Caddy with the given Caddyfile text and returns its log file.

    Every Caddy it starts is stopped after the test.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def run(caddyfile: str) -> Path:
        config = tmp_path / "Caddyfile"
        config.write_text(caddyfile)
        home = tmp_path / "caddy-home"
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home)}
        log_path = tmp_path / "caddy.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [caddy, "run", "--config", str(config), "--adapter", "caddyfile"], env=env, stdout=log, stderr=log
            )
        processes.append(process)
        return log_path

    yield run

    for process in processes:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def start_caddy(run_caddy: Callable[[str], Path]) -> Callable[[list[int]], str]:
    """Return a function that runs Caddy over plain HTTP in front of the given collector ports and returns its URL."""

    def start(upstream_ports: list[int]) -> str:
        port = free_port()
        log = run_caddy(local_caddyfile(port, upstream_ports))
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, log)
        return url

    return start


def submit_from(url: str, source_address: str) -> int:
    transport = httpx.HTTPTransport(local_address=source_address)
    with httpx.Client(transport=transport, timeout=10) as client:
        return client.post(f"{url}/submit", json=report_1_1(utc_now()), headers=HEADERS).status_code


def stored_report_ids(database_url: str) -> set[str]:
    store = Store.open(database_url)
    try:
        return {row[0] for row in store.db.execute_sql("SELECT report_id FROM submissions")}
    finally:
        store.close()


def test_caddy_forwards_client_address(start_process, start_caddy, sqlite_url):
    limits = {"COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR": "2", "COLLECTOR_TRUSTED_PROXIES": "127.0.0.1,::1"}
    processes = [start_process(sqlite_url, **limits) for _ in range(2)]
    url = start_caddy([process.port for process in processes])

    # Linux routes all of 127.0.0.0/8 to the loopback interface, so each address is one client.
    first_client = [submit_from(url, "127.0.0.2") for _ in range(3)]
    second_client = [submit_from(url, "127.0.0.3") for _ in range(2)]

    assert first_client == [200, 200, 429]
    assert second_client == [200, 200]
    assert len(stored_report_ids(sqlite_url)) == 4


def test_caddy_without_trusted_proxy_limits_all(start_process, start_caddy, sqlite_url):
    processes = [start_process(sqlite_url, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="2") for _ in range(2)]
    url = start_caddy([process.port for process in processes])

    first_client = [submit_from(url, "127.0.0.2") for _ in range(2)]
    second_client = [submit_from(url, "127.0.0.3") for _ in range(2)]

    # Every request seems to come from Caddy, so both clients share one limit.
    assert first_client == [200, 200]
    assert second_client == [429, 429]


def test_caddy_error_log_keeps_no_key_or_address(run_caddy):
    port = free_port()
    # Nothing listens on the upstream port, so Caddy responds with an error and logs it.
    log = run_caddy(local_caddyfile(port, [free_port()]))
    wait_for_listening(port, log)
    installation_id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

    response = httpx.get(
        f"http://127.0.0.1:{port}/installation/{installation_id}",
        headers={"X-API-Key": OPERATOR_KEY, "X-Forwarded-For": "198.51.100.7"},
        timeout=30,
    )

    assert response.status_code in (502, 503)
    text = log.read_text()
    assert '"logger":"http.log.error"' in text
    assert '"method":"GET"' in text
    for secret in (OPERATOR_KEY, "198.51.100.7", '"remote_ip"', '"client_ip"', installation_id):
        assert secret not in text, secret


def wait_for_listening(port: int, log: Path) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + CADDY_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"Caddy did not listen on port {port} within {CADDY_START_TIMEOUT_SECONDS} s. Its log:\n" + log.read_text())


def test_caddy_oversized_body_gets_413(start_process, start_caddy, sqlite_url):
    # Above the default COLLECTOR_MAX_BODY_BYTES (65536) but below four times it. A larger
    # body is rejected by Waitress before Caddy has sent all of it, and Caddy then returns
    # 502 or 413 depending on timing.
    process = start_process(sqlite_url)
    url = start_caddy([process.port])

    response = httpx.post(f"{url}/submit", content=b"x" * 70_000, headers={**HEADERS, "Content-Type": "application/json"}, timeout=10)

    assert response.status_code == 413


def test_caddy_https_with_local_ca(start_process, run_caddy, sqlite_url, tmp_path):
    process = start_process(sqlite_url)
    https_port, http_port = free_port(), free_port()
    storage = tmp_path / "caddy-storage"
    log = run_caddy(local_https_caddyfile(https_port, http_port, storage, process.port))
    url = f"https://localhost:{https_port}"
    root_certificate = storage / "pki" / "authorities" / "local" / "root.crt"
    wait_for_health(url, log, root_certificate)

    # With cafile, create_default_context trusts only Caddy's local root, not the system store.
    tls = ssl.create_default_context(cafile=root_certificate)
    with httpx.Client(base_url=url, verify=tls, timeout=10) as client:
        health = client.get("/health")
        body = report_1_1(utc_now())
        submit = client.post("/submit", json=body, headers=HEADERS)
        metrics = client.get("/metrics")
    redirect = httpx.get(f"http://localhost:{http_port}/health", timeout=10)

    assert health.status_code == 200
    assert submit.status_code == 200
    assert stored_report_ids(sqlite_url) == {body["report_id"]}
    assert metrics.status_code == 404
    for response in (health, submit, metrics):
        assert response.headers.get("Strict-Transport-Security") == "max-age=31536000", response.url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.url
        assert "Server" not in response.headers, response.url
    # Automatic HTTPS redirects plain HTTP. Caddy 2.6.2 and 2.11.7 leave https_port out of the
    # Location because they treat that option as an internal port behind the standard 443. With the
    # shipped ports, the redirect goes to https://stats.example.org/health.
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == "https://localhost/health"


def test_caddy_stop_one_process_under_load(start_process, start_caddy, sqlite_url):
    settings = {
        "COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR": "100000",
        "COLLECTOR_TRUSTED_PROXIES": "127.0.0.1,::1",
        "COLLECTOR_STOP_DELAY_SECONDS": str(STOP_DELAY_SECONDS),
    }
    stopped, survivor = (start_process(sqlite_url, **settings) for _ in range(2))
    url = start_caddy([stopped.port, survivor.port])
    outcomes: list[list[object]] = [[] for _ in range(LOAD_CLIENTS)]
    accepted_ids: set[str] = set()
    end_load = threading.Event()

    def send_reports(number: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(MAX_REPORTS_PER_CLIENT):
                if end_load.is_set():
                    return
                body = report_1_1(utc_now())
                try:
                    response = client.post("/submit", json=body, headers=HEADERS)
                except httpx.HTTPError as error:
                    outcomes[number].append(type(error).__name__)
                    continue
                outcomes[number].append(response.status_code)
                if response.status_code == 200:
                    accepted_ids.add(body["report_id"])

    clients = [threading.Thread(target=send_reports, args=(number,)) for number in range(LOAD_CLIENTS)]
    for client in clients:
        client.start()
    while sum(map(len, outcomes)) < ANSWERS_BEFORE_STOP and any(client.is_alive() for client in clients):
        time.sleep(0.01)
    stop_started = time.monotonic()
    stopped.process.send_signal(signal.SIGTERM)
    exit_status = stopped.wait(STOP_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS + 5)
    stop_seconds = time.monotonic() - stop_started
    load_running_at_exit = any(client.is_alive() for client in clients)
    health_after_stop = [httpx.get(f"{url}/health", timeout=10).status_code for _ in range(HEALTH_REQUESTS)]
    time.sleep(LOAD_AFTER_STOP_SECONDS)
    end_load.set()
    for client in clients:
        client.join(30)

    statuses = collections.Counter(outcome for client_outcomes in outcomes for outcome in client_outcomes)
    events = [record["event"] for record in stopped.log_records() if record.get("event") in {"stopping", "drain_timed_out", "stopped"}]
    assert exit_status == 0
    # Keep-alive connections from Caddy are closed after their current response, so the
    # stopped process does not wait for the 10 s drain timeout.
    assert STOP_DELAY_SECONDS <= stop_seconds < STOP_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS
    assert load_running_at_exit
    assert events == ["stopping", "stopped"]
    # Caddy before 2.11.2 returns 502 for a POST it sends to a process that no longer listens,
    # because it cannot retry a request with a body. The delay keeps that from happening.
    assert set(statuses) == {200}, statuses
    assert statuses[200] > ANSWERS_BEFORE_STOP
    assert health_after_stop == [200] * HEALTH_REQUESTS
    assert accepted_ids == stored_report_ids(sqlite_url)


def test_caddy_stop_without_delay(caddy, start_process, start_caddy, sqlite_url):
    # Successful health checks are logged at DEBUG, and the test watches for them in the log.
    stopped, survivor = (
        start_process(sqlite_url, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="100000", COLLECTOR_LOG_LEVEL="DEBUG")
        for _ in range(2)
    )
    url = start_caddy([stopped.port, survivor.port])

    # Stop the process right after a health check found it up, so Caddy keeps it in rotation
    # for almost a whole health_interval after it stopped listening.
    def health_checks() -> int:
        return sum(1 for record in stopped.log_records() if record.get("route") == "/health")

    checks_before = health_checks()
    deadline = time.monotonic() + RETRY_WINDOW_SECONDS
    while health_checks() == checks_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert health_checks() > checks_before, "Caddy sent no health check to the collector"
    assert stopped.terminate() == 0

    statuses: collections.Counter[int] = collections.Counter()
    accepted_ids: set[str] = set()
    deadline = time.monotonic() + RETRY_WINDOW_SECONDS
    with httpx.Client(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline and statuses.total() < MAX_RETRY_WINDOW_REPORTS:
            body = report_1_1(utc_now())
            response = client.post("/submit", json=body, headers=HEADERS)
            statuses[response.status_code] += 1
            if response.status_code == 200:
                accepted_ids.add(body["report_id"])

    # A report that got a 502 response never reached a collector, so its client can send it again.
    assert accepted_ids == stored_report_ids(sqlite_url)
    if version_numbers(caddy_version(caddy)) >= FIRST_CADDY_RETRYING_POST:
        assert set(statuses) == {200}, statuses
    else:
        assert set(statuses) == {200, 502}, statuses

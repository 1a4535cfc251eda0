"""Prometheus metrics of a live collector: report outcomes, latency by route, database errors."""

from __future__ import annotations

import collections
import json
import threading
import types
import uuid

import httpx
from falcon import testing
from prometheus_client.parser import text_string_to_metric_families

from collector.app import create_app, utc_now
from collector.config import CollectorConfig
from collector.metrics import CollectorMetrics
from collector.storage import Store
from tests.collector.conftest import CLIENT_KEY, OPERATOR_KEY, base_environ, report_1_1

REJECTION_REASONS = (
    "invalid",
    "unauthorized",
    "forbidden",
    "rate_limited",
    "too_large",
    "unsupported_media_type",
    "malformed_json",
    "error",
    "unavailable",
    "unknown",
)


def scrape(base_url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{base_url}/metrics", headers={"X-API-Key": OPERATOR_KEY}, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse_samples(response.text)


def parse_samples(text: str) -> dict[tuple[str, tuple], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def submit(client: httpx.Client, body: bytes, *, key: str = CLIENT_KEY, content_type: str = "application/json") -> int:
    response = client.post("/submit", content=body, headers={"X-API-Key": key, "Content-Type": content_type})
    return response.status_code


def encode(report: dict) -> bytes:
    return json.dumps(report).encode()


def test_metrics_count_report_outcomes(start_server):
    server = start_server(COLLECTOR_RATE_LIMIT_PER_HOUR="2", COLLECTOR_MAX_BODY_BYTES="1024")
    installation = str(uuid.uuid4())
    first = report_1_1(server.clock(), installation_id=installation, days_ago=7)
    broken = report_1_1(server.clock())
    broken["installation"]["platform"] = "amiga"

    with httpx.Client(base_url=server.url, timeout=10) as client:
        statuses = [
            submit(client, encode(first)),
            submit(client, encode(first)),
            submit(client, encode(report_1_1(server.clock(), installation_id=installation, days_ago=0))),
            submit(client, encode(report_1_1(server.clock(), installation_id=installation, days_ago=14))),
            submit(client, encode(report_1_1(server.clock())), key="not-a-key-0123456789"),
            submit(client, b"{not json"),
            submit(client, encode(report_1_1(server.clock())), content_type="text/plain"),
            submit(client, encode(broken)),
            submit(client, b"{" + b" " * 2000 + b"}"),
        ]
    samples = scrape(server.url)

    assert statuses == [200, 200, 200, 429, 401, 400, 415, 422, 413]
    assert samples[("collector_reports_accepted_total", ())] == 2
    assert samples[("collector_reports_duplicate_total", ())] == 1
    expected = {"rate_limited": 1, "unauthorized": 1, "malformed_json": 1, "unsupported_media_type": 1, "invalid": 1, "too_large": 1}
    for reason in REJECTION_REASONS:
        assert samples[("collector_reports_rejected_total", (("reason", reason),))] == expected.get(reason, 0), reason


def test_metrics_latency_histogram_by_route(start_server):
    server = start_server()

    with httpx.Client(base_url=server.url, timeout=10) as client:
        for _ in range(3):
            assert submit(client, encode(report_1_1(server.clock()))) == 200
        assert client.get("/health").status_code == 200
        assert client.get("/no/such/route").status_code == 404
    samples = scrape(server.url)

    submit_labels = (("method", "POST"), ("route", "/submit"))
    assert samples[("collector_request_duration_seconds_count", submit_labels)] == 3
    assert samples[("collector_request_duration_seconds_count", (("method", "GET"), ("route", "/health")))] == 1
    assert samples[("collector_request_duration_seconds_count", (("method", "GET"), ("route", "(no route)")))] == 1
    assert samples[("collector_request_duration_seconds_sum", submit_labels)] > 0
    assert samples[("collector_request_duration_seconds_bucket", (("le", "+Inf"), *submit_labels))] == 3


def test_metrics_need_operator_key(start_server):
    server = start_server()

    without_key = httpx.get(f"{server.url}/metrics", timeout=10)
    client_key = httpx.get(f"{server.url}/metrics", headers={"X-API-Key": CLIENT_KEY}, timeout=10)

    assert without_key.status_code == 401
    assert client_key.status_code == 403


def test_metrics_count_database_errors(tmp_path):
    # The database "file" is a folder, so SQLite cannot open it and every query fails.
    (tmp_path / "collector.db").mkdir()
    url = f"sqlite:///{tmp_path / 'collector.db'}"
    config = CollectorConfig.from_environ(base_environ(url, tmp_path))
    client = testing.TestClient(create_app(config, Store.open(url)))

    health = client.simulate_get("/health")
    scraped = client.simulate_get("/metrics", headers={"X-API-Key": OPERATOR_KEY})

    assert health.status_code == 503
    assert parse_samples(scraped.text)[("collector_database_errors_total", ())] == 1


def test_metrics_registries_kept_per_app(sqlite_store, tmp_path):
    config = CollectorConfig.from_environ(base_environ(f"sqlite:///{tmp_path / 'collector.db'}", tmp_path))
    first = testing.TestClient(create_app(config, sqlite_store))
    second = testing.TestClient(create_app(config, sqlite_store))

    headers = {"X-API-Key": CLIENT_KEY, "Content-Type": "application/json"}
    response = first.simulate_post("/submit", body=encode(report_1_1(utc_now().replace(microsecond=0))), headers=headers)
    first_samples = parse_samples(first.simulate_get("/metrics", headers={"X-API-Key": OPERATOR_KEY}).text)
    second_samples = parse_samples(second.simulate_get("/metrics", headers={"X-API-Key": OPERATOR_KEY}).text)

    assert response.status_code == 200
    assert first_samples[("collector_reports_accepted_total", ())] == 1
    assert second_samples[("collector_reports_accepted_total", ())] == 0


def test_queued_requests_gauge_reads_waitress_queue():
    metrics = CollectorMetrics()
    task_dispatcher = types.SimpleNamespace(queue=collections.deque(["first", "second", "third"]))

    metrics.watch_request_queue(task_dispatcher)
    before = parse_samples(metrics.render().decode())[("collector_queued_requests", ())]
    task_dispatcher.queue.popleft()
    after = parse_samples(metrics.render().decode())[("collector_queued_requests", ())]

    assert before == 3
    assert after == 2


def test_metrics_content_type_is_documented_format(start_server):
    # generate_latest writes the 0.0.4 text format, which the OpenAPI document promises.
    server = start_server()
    document = httpx.get(f"{server.url}/openapi.json", timeout=10).json()

    response = httpx.get(f"{server.url}/metrics", headers={"X-API-Key": OPERATOR_KEY}, timeout=10)

    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "0.0.4" in document["paths"]["/metrics"]["get"]["responses"]["200"]["description"]


def test_successful_health_checks_not_logged_at_info(tmp_path, collector_records):
    url = f"sqlite:///{tmp_path / 'collector.db'}"
    store = Store.open(url)
    store.migrate()
    stopping = threading.Event()
    client = testing.TestClient(create_app(CollectorConfig.from_environ(base_environ(url, tmp_path)), store, stopping=stopping))

    client.simulate_get("/health")
    stopping.set()
    client.simulate_get("/health")
    store.close()

    logged = [(record.status, record.route) for record in collector_records if getattr(record, "event", None) == "request"]
    assert logged == [(503, "/health")]


def test_rejected_requests_logged_under_documented_route(tmp_path, collector_records):
    # The key check runs before routing, so the first three requests have no route template.
    url = f"sqlite:///{tmp_path / 'collector.db'}"
    store = Store.open(url)
    store.migrate()
    client = testing.TestClient(create_app(CollectorConfig.from_environ(base_environ(url, tmp_path)), store))

    client.simulate_post("/submit", body=b"{}", headers={"Content-Type": "application/json"})
    client.simulate_get("/stats/summary", headers={"X-API-Key": CLIENT_KEY})
    client.simulate_get("/metrics", headers={"X-API-Key": "not-a-configured-key-0123"})
    client.simulate_get(f"/installation/{uuid.uuid4()}")
    samples = parse_samples(client.simulate_get("/metrics", headers={"X-API-Key": OPERATOR_KEY}).text)
    store.close()

    logged = [(record.status, record.route) for record in collector_records if getattr(record, "event", None) == "request"]
    assert logged[:4] == [(401, "/submit"), (403, "/stats/*"), (401, "/metrics"), (401, "/installation/{installation_id}")]
    assert samples[("collector_request_duration_seconds_count", (("method", "POST"), ("route", "/submit")))] == 1
    assert samples[("collector_request_duration_seconds_count", (("method", "GET"), ("route", "/stats/*")))] == 1
    assert samples[("collector_request_duration_seconds_count", (("method", "GET"), ("route", "/installation/{installation_id}")))] == 1

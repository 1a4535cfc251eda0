"""Rate limits per installation and per source address, under concurrency and across processes."""

from __future__ import annotations

import ipaddress
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
import os
import stat
from datetime import date

import httpx
import pytest

from collector.ratelimit import SOURCE_KEY_FILE_NAME, SourceKeys, client_address, source_hash
from collector.storage import SourceHit, Submission
from tests.collector.conftest import CLIENT_KEY, report_1_1

HEADERS = {"Content-Type": "application/json", "X-API-Key": CLIENT_KEY}
CONCURRENT_REPORTS = 50
LIMIT = 10


def post(url: str, body: dict, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{url}/submit", content=json.dumps(body), headers={**HEADERS, **(headers or {})}, timeout=30)


def post_all_at_once(urls: list[str], bodies: list[dict]) -> list[httpx.Response]:
    """Post each body from its own thread, all released together, spreading them over ``urls``."""
    barrier = threading.Barrier(len(bodies))

    def send(index: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return post(urls[index % len(urls)], bodies[index])

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


def assert_exactly_limit_accepted(responses: list[httpx.Response], installation_id: str) -> None:
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * LIMIT + [429] * (CONCURRENT_REPORTS - LIMIT)
    for response in responses:
        if response.status_code == 429:
            assert 1 <= int(response.headers["Retry-After"]) <= 3600
    ids = sorted(response.json()["submission_id"] for response in responses if response.status_code == 200)
    assert len(set(ids)) == LIMIT


def reports_for_one_installation(now) -> tuple[str, list[dict]]:
    installation_id = str(uuid.uuid4())
    return installation_id, [report_1_1(now, installation_id=installation_id) for _ in range(CONCURRENT_REPORTS)]


def test_concurrent_reports_one_server_admit_limit(start_server, database_url):
    server = start_server(database_url=database_url, COLLECTOR_RATE_LIMIT_PER_HOUR=str(LIMIT))
    installation_id, bodies = reports_for_one_installation(server.clock.now)

    responses = post_all_at_once([server.url], bodies)

    assert_exactly_limit_accepted(responses, installation_id)
    assert Submission.select().where(Submission.installation_id == installation_id).count() == LIMIT


def test_concurrent_reports_two_processes_admit_limit(start_process, start_server, database_url):
    # The in-thread server only migrates the database and counts rows; the two
    # child processes take all the traffic.
    counter = start_server(database_url=database_url)
    first = start_process(database_url, COLLECTOR_RATE_LIMIT_PER_HOUR=str(LIMIT))
    second = start_process(database_url, COLLECTOR_RATE_LIMIT_PER_HOUR=str(LIMIT))
    installation_id, bodies = reports_for_one_installation(counter.clock.now)

    responses = post_all_at_once([first.url, second.url], bodies)

    assert_exactly_limit_accepted(responses, installation_id)
    assert Submission.select().where(Submission.installation_id == installation_id).count() == LIMIT


def test_rate_limit_retry_after_counts_to_oldest(start_server, database_url):
    server = start_server(database_url=database_url, COLLECTOR_RATE_LIMIT_PER_HOUR="2")
    installation_id = str(uuid.uuid4())
    post(server.url, report_1_1(server.clock.now, installation_id=installation_id))
    server.clock.advance(minutes=10)
    post(server.url, report_1_1(server.clock.now, installation_id=installation_id))
    server.clock.advance(minutes=10)

    refused = post(server.url, report_1_1(server.clock.now, installation_id=installation_id))
    server.clock.advance(minutes=40, seconds=1)
    accepted = post(server.url, report_1_1(server.clock.now, installation_id=installation_id))

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2400"
    assert refused.json()["retry_after_seconds"] == 2400
    assert "installation limit of 2 reports per hour" in refused.json()["description"]
    assert accepted.status_code == 200


def test_rejected_requests_use_no_quota(start_server, database_url):
    server = start_server(database_url=database_url, COLLECTOR_RATE_LIMIT_PER_HOUR="3")
    installation_id = str(uuid.uuid4())
    invalid = report_1_1(server.clock.now, installation_id=installation_id)
    invalid["installation"]["platform"] = "amiga"
    wrong_token = report_1_1(server.clock.now, installation_id=installation_id, token="not-the-registered-token-00")

    statuses = [post(server.url, invalid).status_code for _ in range(3)]
    statuses += [post(server.url, report_1_1(server.clock.now, installation_id=installation_id)).status_code]
    statuses += [post(server.url, wrong_token).status_code for _ in range(3)]
    statuses += [post(server.url, report_1_1(server.clock.now, installation_id=installation_id)).status_code for _ in range(3)]

    assert statuses == [422, 422, 422, 200, 403, 403, 403, 200, 200, 429]


def test_duplicate_over_limit_still_returns_original(start_server):
    server = start_server(COLLECTOR_RATE_LIMIT_PER_HOUR="1")
    installation_id = str(uuid.uuid4())
    body = report_1_1(server.clock.now, installation_id=installation_id)
    first = post(server.url, body)

    repeated = post(server.url, body)

    assert repeated.status_code == 200
    assert repeated.json() == first.json()


def test_concurrent_sources_two_processes_admit_limit(start_process, start_server, database_url):
    counter = start_server(database_url=database_url)
    first = start_process(database_url, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR=str(LIMIT))
    second = start_process(database_url, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR=str(LIMIT))
    # A new installation in every report, all from 127.0.0.1: only the source limit applies.
    bodies = [report_1_1(counter.clock.now) for _ in range(CONCURRENT_REPORTS)]

    responses = post_all_at_once([first.url, second.url], bodies)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * LIMIT + [429] * (CONCURRENT_REPORTS - LIMIT)
    assert all("source limit" in response.json()["description"] for response in responses if response.status_code == 429)
    assert Submission.select().count() == LIMIT


def test_source_limit_counts_across_installations(start_server, database_url):
    server = start_server(database_url=database_url, COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="3")

    responses = [post(server.url, report_1_1(server.clock.now)) for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert "source limit of 3 reports per hour" in responses[3].json()["description"]
    assert responses[3].headers["Retry-After"] == "3600"


def test_source_limit_reads_forwarded_for_from_trusted_proxy(start_server):
    server = start_server(COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="2", COLLECTOR_TRUSTED_PROXIES="127.0.0.0/8")
    first_client = {"X-Forwarded-For": "198.51.100.7"}
    second_client = {"X-Forwarded-For": "203.0.113.9, 198.51.100.8"}

    statuses = [post(server.url, report_1_1(server.clock.now), first_client).status_code for _ in range(3)]
    statuses.append(post(server.url, report_1_1(server.clock.now), second_client).status_code)

    assert statuses == [200, 200, 429, 200]


def test_source_limit_ignores_forwarded_for_from_untrusted_peer(start_server):
    server = start_server(COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR="2")

    statuses = [
        post(server.url, report_1_1(server.clock.now), {"X-Forwarded-For": f"198.51.100.{number}"}).status_code
        for number in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_source_hits_store_no_address(start_server):
    server = start_server()
    post(server.url, report_1_1(server.clock.now))
    key_file = server.config.data_dir / SOURCE_KEY_FILE_NAME

    hits = list(SourceHit.select())

    assert len(hits) == 1
    assert hits[0].source_hash == source_hash(SourceKeys(server.config.data_dir), "127.0.0.1", server.clock.now)
    assert "127.0.0.1" not in hits[0].source_hash
    assert key_file.read_text().split()[0] == server.clock.now.date().isoformat()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert not server.store.db.table_exists("source_keys")


def test_source_key_rotates_daily(tmp_path):
    keys = SourceKeys(tmp_path)

    today = keys.key_for(date(2026, 5, 1))
    tomorrow = keys.key_for(date(2026, 5, 2))

    assert today != tomorrow
    assert (tmp_path / SOURCE_KEY_FILE_NAME).read_text() == f"2026-05-02 {tomorrow.hex()}\n"


def test_source_key_shared_by_processes(tmp_path):
    # Each SourceKeys instance represents one collector process on the same data folder.
    first, second = SourceKeys(tmp_path), SourceKeys(tmp_path)

    assert first.key_for(date(2026, 5, 1)) == second.key_for(date(2026, 5, 1))
    assert second.key_for(date(2026, 5, 2)) == first.key_for(date(2026, 5, 2))


def test_source_key_of_earlier_day_leaves_file(tmp_path):
    # A request timed just before midnight, handled after another process started the new day.
    SourceKeys(tmp_path).key_for(date(2026, 5, 2))
    late = SourceKeys(tmp_path)
    stored = (tmp_path / SOURCE_KEY_FILE_NAME).read_text()

    earlier = late.key_for(date(2026, 5, 1))

    assert (tmp_path / SOURCE_KEY_FILE_NAME).read_text() == stored
    assert earlier.hex() not in stored
    assert late.key_for(date(2026, 5, 2)).hex() in stored


def test_damaged_source_key_file_is_replaced(tmp_path):
    (tmp_path / SOURCE_KEY_FILE_NAME).write_text("2026-05-01 not-hex\n")

    key = SourceKeys(tmp_path).key_for(date(2026, 5, 1))

    assert (tmp_path / SOURCE_KEY_FILE_NAME).read_text() == f"2026-05-01 {key.hex()}\n"


def test_unusable_source_key_folder_keeps_key_in_memory(tmp_path, collector_records):
    # A file where the data folder should be: the key file cannot be created.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    keys = SourceKeys(blocked)

    first = keys.key_for(date(2026, 5, 1))
    again = keys.key_for(date(2026, 5, 1))

    assert first == again
    assert keys.key_for(date(2026, 5, 2)) != first
    assert [record.__dict__.get("event") for record in collector_records] == ["source_key_file_unusable"]
    assert collector_records[0].getMessage() == (
        f"cannot use the source-address key file {blocked / SOURCE_KEY_FILE_NAME} (FileExistsError: File exists), "
        "so each process keeps its own key and the per-source limit counts per process. "
        "Set COLLECTOR_DATA_DIR to a folder that the collector may write to."
    )


TRUSTED = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("192.0.2.1", None, "192.0.2.1"),
        ("192.0.2.1", "198.51.100.7", "192.0.2.1"),
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "198.51.100.7, 10.1.2.3", "198.51.100.7"),
        ("127.0.0.1", "203.0.113.5, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7, garbage", "127.0.0.1"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
        ("127.0.0.1", "", "127.0.0.1"),
        (None, None, "unknown"),
    ],
)
def test_client_address_trusts_only_configured_proxies(peer, forwarded_for, expected):
    assert client_address(peer, forwarded_for, TRUSTED) == expected


def test_client_address_all_trusted_chain_returns_leftmost():
    assert client_address("127.0.0.1", "10.0.0.5, 10.0.0.6", TRUSTED) == "10.0.0.5"

"""Closed-loop HTTP/1.1 load client: N keep-alive connections, each sending its next request when the last response arrives.

    python -m benchmarks.collector.load_client --port 8080 --connections 16 --seconds 10 --max-requests 100000

Each request carries a different valid schema "1.1" report with its own installation
id, so the per-installation rate limit never applies. Bodies are built before the
clock starts. Only 127.0.0.1 is contacted. Prints one JSON line with the counts and
latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

HOST = "127.0.0.1"
MAX_CONNECTIONS = 256
MAX_SECONDS = 120
MAX_REQUESTS = 1_000_000
CONNECT_TIMEOUT_SECONDS = 5
RESPONSE_TIMEOUT_SECONDS = 30


def build_report(generator: random.Random, now: datetime) -> bytes:
    end = now - timedelta(minutes=generator.randrange(1, 600))
    report = {
        "schema_version": "1.1",
        "report_id": str(uuid.UUID(int=generator.getrandbits(128), version=4)),
        "installation": {
            "installation_id": str(uuid.UUID(int=generator.getrandbits(128), version=4)),
            "deletion_token_sha256": hashlib.sha256(generator.randbytes(32)).hexdigest(),
            "app_version": f"1.{generator.randrange(20)}.0",
            "python_version": "3.11.9",
            "platform": generator.choice(("linux", "windows", "darwin")),
            "deployment_mode": generator.choice(("docker", "homeassistant", "desktop", "pi", "standalone")),
            "country_code": generator.choice(("DE", "US", "GB", "FR", "NL", "XX")),
        },
        "period": {
            "start": (end - timedelta(days=7)).isoformat() + "Z",
            "end": end.isoformat() + "Z",
            "duration_days": 7,
        },
        "printer_fleet": {"printer_count": 2, "printer_types": ["bambu_p1s"], "printer_type_counts": {"bambu_p1s": 2}},
        "usage_stats": {
            "job_count": 12,
            "job_completed_count": 11,
            "job_failed_count": 1,
            "file_count": 4,
            "upload_count": 3,
            "uptime_hours": 40,
            "feature_usage": {"camera": generator.random() < 0.5, "queue": True},
        },
        "error_summary": {"timeout": generator.randrange(3)},
    }
    return json.dumps(report, separators=(",", ":"), sort_keys=True).encode()


def build_requests(count: int, port: int, api_key: str, seed: int) -> list[bytes]:
    generator = random.Random(seed)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    requests = []
    for _ in range(count):
        body = build_report(generator, now)
        head = (
            f"POST /submit HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-API-Key: {api_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response and return its status code; the body is discarded."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def run_connection(port: int, requests: list[bytes], state: dict, deadline: float) -> None:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), CONNECT_TIMEOUT_SECONDS)
    try:
        while time.perf_counter() < deadline and state["next"] < len(requests):
            request = requests[state["next"]]
            state["next"] += 1
            started = time.perf_counter()
            writer.write(request)
            status = await asyncio.wait_for(read_response(reader), RESPONSE_TIMEOUT_SECONDS)
            state["latencies"].append(time.perf_counter() - started)
            state["statuses"][status] = state["statuses"].get(status, 0) + 1
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError) as error:
        state["errors"].append(type(error).__name__)
    finally:
        writer.close()


async def run_load(port: int, connections: int, seconds: float, requests: list[bytes]) -> dict:
    state: dict = {"next": 0, "latencies": [], "statuses": {}, "errors": []}
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + seconds
    await asyncio.gather(*(run_connection(port, requests, state, deadline) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    result = summarize(state, elapsed, connections)
    if state["latencies"]:
        result["client_cpu_ms_per_request"] = round((time.process_time() - cpu_started) * 1000 / len(state["latencies"]), 3)
    return result


def summarize(state: dict, elapsed: float, connections: int) -> dict:
    latencies = sorted(state["latencies"])

    def percentile(fraction: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    ok = state["statuses"].get(200, 0)
    return {
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "ok": ok,
        "ok_per_second": round(ok / elapsed, 1),
        "p50_ms": round(percentile(0.50), 2),
        "p99_ms": round(percentile(0.99), 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
        "statuses": {str(status): count for status, count in sorted(state["statuses"].items())},
        "connection_errors": len(state["errors"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Closed-loop load on a collector at 127.0.0.1.")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument("--connections", type=int, default=16, help=f"concurrent connections, 1-{MAX_CONNECTIONS}")
    parser.add_argument("--seconds", type=float, default=10, help=f"run length in seconds, at most {MAX_SECONDS}")
    parser.add_argument("--max-requests", type=int, default=100_000, help=f"request budget, at most {MAX_REQUESTS}")
    parser.add_argument("--api-key", required=True, help="client key sent in X-API-Key")
    parser.add_argument("--seed", type=int, default=1, help="seed for the report bodies")
    args = parser.parse_args(argv)
    if not (1 <= args.connections <= MAX_CONNECTIONS and 0 < args.seconds <= MAX_SECONDS and 1 <= args.max_requests <= MAX_REQUESTS):
        parser.error("an option is out of range; see --help")

    requests = build_requests(args.max_requests, args.port, args.api_key, args.seed)
    result = asyncio.run(run_load(args.port, args.connections, args.seconds, requests))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

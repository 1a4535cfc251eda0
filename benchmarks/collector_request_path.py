"""Time one POST /submit through the WSGI app in one thread, without Waitress or a socket.

    python benchmarks/collector_request_path.py
    python benchmarks/collector_request_path.py --requests 50000

Times two apps of ``benchmarks.collector.serve``, each called with a ready WSGI environ:
the trivial app, and the collector's app with reports acknowledged but not stored
(``--app collector-without-store`` there). Then times the two steps of the collector's
request that are plain functions: ``json.loads`` of the body and ``parse_report``. The
bodies are the load client's. The collector's log lines go to a temporary file, as under
``benchmarks/collector_load.py``, which sends them to a log file.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.collector import load_client, serve  # noqa: E402 - the path above makes the packages importable.
from collector.logs import configure_logging  # noqa: E402
from collector.validation import parse_report  # noqa: E402

BODIES = 1_000
WARM_UP_REQUESTS = 1_000


def environ_for(body: bytes, api_key: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/submit",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_API_KEY": api_key,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def time_app(app: Callable[..., Any], bodies: list[bytes], api_key: str, requests: int) -> float:
    """Return the microseconds per request of calling ``app`` and reading its whole response."""

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"POST /submit returned {status}; check the benchmark's environment settings")

    def call(count: int) -> None:
        for index in range(count):
            b"".join(app(environ_for(bodies[index % len(bodies)], api_key), start_response))

    call(WARM_UP_REQUESTS)
    started = time.perf_counter()
    call(requests)
    return (time.perf_counter() - started) / requests * 1e6


def time_function(function: Callable[[Any], Any], values: list[Any], calls: int) -> float:
    started = time.perf_counter()
    for index in range(calls):
        function(values[index % len(values)])
    return (time.perf_counter() - started) / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="timed requests per app, 1000-1000000 (default 20000)")
    args = parser.parse_args(argv)
    if not 1_000 <= args.requests <= 1_000_000:
        parser.error(f"--requests {args.requests} is out of range; use 1000 to 1000000")

    api_key = secrets.token_urlsafe(24)
    generator = random.Random(1)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    bodies = [load_client.build_report(generator, now) for _ in range(BODIES)]

    with tempfile.TemporaryDirectory(prefix="collector-request-path-") as folder:
        os.environ.update(
            {
                "COLLECTOR_DATA_DIR": folder,
                "COLLECTOR_API_KEYS": api_key,
                "COLLECTOR_RATE_LIMIT_PER_HOUR": "100000",
                "COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR": "100000",
            }
        )
        trivial, _ = serve.build_app("trivial")
        collector, _ = serve.build_app("collector-without-store")
        # build_app logs to stderr; the load benchmark sends that to a file, and so does this one.
        with open(Path(folder) / "collector.log", "w") as log_file:
            configure_logging(logging.getLevelName(logging.getLogger("collector").level), log_file)
            rows = [
                ("trivial app, whole request", time_app(trivial, bodies, api_key, args.requests)),
                ("collector without store, whole request", time_app(collector, bodies, api_key, args.requests)),
            ]
            documents = [json.loads(body) for body in bodies]
            rows.append(("json.loads of the body", time_function(json.loads, bodies, args.requests)))
            rows.append(("parse_report", time_function(lambda document: parse_report(document, now), documents, args.requests)))

    print(f"{len(bodies[0])}-byte bodies, {args.requests} timed calls each")
    for label, microseconds in rows:
        print(f"{label:<42} {microseconds:8.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())

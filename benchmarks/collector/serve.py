"""Serve the collector, or a trivial Falcon app, under Waitress with tunable settings.

    python -m benchmarks.collector.serve --app collector --port 0 --threads 32
    python -m benchmarks.collector.serve --app trivial --port 0 --threads 32

The collector is configured from the environment exactly as ``python -m collector
serve`` is, and built with the same ``create_app``. The trivial app responds to
POST /submit after reading the body, with the same JSON shape and the same Waitress
settings and the collector's Waitress channel (``--stock-channel`` swaps in Waitress's own
for both). Its rate is the reference. ``--app collector-without-store`` runs the collector's
whole request path (keys, validation, source hash, access log, metrics) but acknowledges
each report without storing it: the highest rate one process can serve before any
database work. ``--reuse-port`` binds with SO_REUSEPORT so several processes can share one port,
and the kernel spreads connections over them. The bound port is printed as one JSON
line on stdout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import signal
import socket
import sys
from types import FrameType
from typing import Any

import falcon
from waitress.channel import HTTPChannel

from collector.server import WorkerFlushedChannel, create_server

HOST = "127.0.0.1"


class TrivialSubmit:
    """POST /submit that reads the body and responds like the collector, without validating or storing."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.bounded_stream.read()
        resp.media = {"status": "ok", "submission_id": 1}


class AcknowledgingWriter:
    """A replacement for ReportWriter that acknowledges every report at once, without storing it."""

    # /health asks every writer whether it takes reports.
    ready = True

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def submit(self, request: Any) -> Any:
        from collector.storage import StoredSubmission

        return StoredSubmission(next(self._ids), duplicate=False)

    def close(self) -> None:
        pass


def build_app(kind: str) -> tuple[falcon.App, int]:
    """Return the WSGI app and Waitress's body limit in bytes."""
    if kind == "trivial":
        app = falcon.App()
        app.add_route("/submit", TrivialSubmit())
        return app, 262_144

    from collector.app import create_app
    from collector.cli import WAITRESS_BODY_LIMIT_FACTOR
    from collector.config import CollectorConfig
    from collector.logs import configure_logging
    from collector.storage import Store
    from collector.writer_process import make_writer

    config = CollectorConfig.from_environ()
    configure_logging(config.log_level)
    store = Store.open(config.database_url)
    store.migrate()
    writer = AcknowledgingWriter() if kind == "collector-without-store" else make_writer(config, store)
    return create_app(config, store, writer=writer), config.max_body_bytes * WAITRESS_BODY_LIMIT_FACTOR


def bound_socket(port: int, reuse_port: bool, backlog: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    sock.listen(backlog)
    return sock


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the collector or a trivial app on 127.0.0.1 for benchmarks.")
    parser.add_argument("--app", choices=("collector", "collector-without-store", "trivial"), required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=32, help="Waitress worker threads (collector default 32)")
    parser.add_argument("--connection-limit", type=int, default=100, help="Waitress connection_limit (default 100)")
    parser.add_argument("--backlog", type=int, default=1024, help="listen backlog (Waitress default 1024)")
    parser.add_argument("--channel-timeout", type=int, default=120, help="Waitress channel_timeout in seconds (default 120)")
    parser.add_argument("--reuse-port", action="store_true", help="bind with SO_REUSEPORT to share the port with other processes")
    parser.add_argument(
        "--stock-channel", action="store_true",
        help="use Waitress's own HTTPChannel instead of the collector's WorkerFlushedChannel",
    )
    args = parser.parse_args(argv)

    app, body_limit = build_app(args.app)
    sock = bound_socket(args.port, args.reuse_port, args.backlog)
    server = create_server(
        app,
        channel_class=HTTPChannel if args.stock_channel else WorkerFlushedChannel,
        sockets=[sock],
        threads=args.threads,
        connection_limit=args.connection_limit,
        backlog=args.backlog,
        channel_timeout=args.channel_timeout,
        max_request_body_size=body_limit,
        ident="collector-benchmark",
    )
    signal.signal(signal.SIGTERM, _stop)
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

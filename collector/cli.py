"""Command line of the collector: serve, migrate and purge, all configured from the environment."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import peewee
from waitress.server import MultiSocketServer

from collector.app import create_app, utc_now
from collector.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_RETENTION_DAYS,
    DEFAULT_STOP_DELAY_SECONDS,
    DEFAULT_THREADS,
    PORT_RANGE,
    RETENTION_DAYS_RANGE,
    STOP_DELAY_RANGE,
    THREADS_RANGE,
    CollectorConfig,
    unknown_settings,
)
from collector.errors import ConfigError
from collector.logs import configure_logging, logger
from collector.metrics import CollectorMetrics
from collector.migrations import LATEST_VERSION
from collector.server import GracefulStop, create_server
from collector.storage import Store, sqlite_path
from collector.writer_process import make_writer

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

# Waitress itself rejects bodies above this multiple of COLLECTOR_MAX_BODY_BYTES. Smaller
# oversized bodies reach the application, which returns a JSON 413.
WAITRESS_BODY_LIMIT_FACTOR = 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m collector",
        description="Collector of anonymous Printernizer usage reports. Settings come from the environment.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve HTTP with Waitress")
    serve.add_argument("--host", help=f"address to listen on (default: COLLECTOR_HOST or {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, help=f"TCP port, 0 for any free one (default: COLLECTOR_PORT or {DEFAULT_PORT})")
    serve.add_argument("--threads", type=int, help=f"worker threads (default: COLLECTOR_THREADS or {DEFAULT_THREADS})")
    serve.add_argument(
        "--stop-delay",
        type=int,
        help=(
            "seconds to keep serving after SIGTERM while /health returns 503, so a load balancer "
            f"stops routing here first (default: COLLECTOR_STOP_DELAY_SECONDS or {DEFAULT_STOP_DELAY_SECONDS})"
        ),
    )

    commands.add_parser("migrate", help="bring the database schema up to date, keeping every row")

    purge = commands.add_parser("purge", help="delete reports older than the retention period")
    purge.add_argument(
        "--days", type=int, help=f"retention in days (default: COLLECTOR_RETENTION_DAYS or {DEFAULT_RETENTION_DAYS})"
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command and return its exit status: 0 success, 1 failure, 2 bad usage or configuration."""
    args = build_parser().parse_args(argv)
    environ = os.environ if environ is None else environ
    try:
        config = CollectorConfig.from_environ(environ, serving=args.command == "serve")
        _check_overrides(args)
    except ConfigError as error:
        print(f"collector: {error}", file=sys.stderr)
        return EXIT_USAGE

    configure_logging(config.log_level)
    for name, closest in unknown_settings(environ):
        fix = f"did you mean {closest}?" if closest else "see docs/operations.md for the settings."
        logger.warning("%s is not a collector setting and is ignored; %s", name, fix, extra={"event": "unknown_setting"})
    try:
        store = Store.open(config.database_url)
    except OSError as error:
        # Opening a SQLite URL creates the database's folder, which can fail.
        print(
            f"collector: cannot create the database folder {error.filename} ({error.strerror}); "
            "check DATABASE_URL, or COLLECTOR_DATA_DIR when DATABASE_URL is unset.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    try:
        if args.command == "serve":
            return serve(config, store, host=args.host, port=args.port, threads=args.threads, stop_delay=args.stop_delay)
        if args.command == "migrate":
            return migrate(store)
        return purge(store, args.days or config.retention_days)
    except (peewee.DatabaseError, peewee.InterfaceError) as error:
        logger.error(
            "database unavailable (%s): %s", type(error).__name__, store.describe_error(error), extra={"event": "database_unavailable"}
        )
        print(f"collector: {describe_database_error(config.database_url, error)}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        store.close()


def describe_database_error(database_url: str, error: Exception) -> str:
    """Return a message that names the database, the driver's reason and what to check, without the password."""
    parts = urlsplit(database_url)
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0].strip().rstrip(".")
    if parts.password:
        reason = reason.replace(unquote(parts.password), "***")

    if parts.scheme == "sqlite":
        path = Path(sqlite_path(database_url))
        return (
            f"cannot use the SQLite file {path}: {reason}. Check that it is a collector database and that this "
            f"user may write to {path.parent}, or set DATABASE_URL to another file."
        )
    where = f"PostgreSQL database {unquote(parts.path.lstrip('/'))} at {parts.hostname}:{parts.port or 5432}"
    if parts.username:
        where += f" as user {unquote(parts.username)}"
    return (
        f"cannot use the {where}: {reason}. In DATABASE_URL, check that PostgreSQL runs there and accepts "
        "this user and password, that the database exists, and that every ?option is a libpq option."
    )


def _check_overrides(args: argparse.Namespace) -> None:
    checks = [("--port", getattr(args, "port", None), PORT_RANGE), ("--threads", getattr(args, "threads", None), THREADS_RANGE)]
    checks.append(("--stop-delay", getattr(args, "stop_delay", None), STOP_DELAY_RANGE))
    checks.append(("--days", getattr(args, "days", None), RETENTION_DAYS_RANGE))
    for option, value, (low, high) in checks:
        if value is not None and not low <= value <= high:
            msg = f"{option} {value} is out of range: expected a whole number from {low} to {high}."
            raise ConfigError(msg)


def _newer_schema_message(version: int) -> str:
    return (
        f"the database schema is at version {version}, newer than this release's {LATEST_VERSION}; "
        "run the release that migrated it, or restore a backup taken before."
    )


def _steps_text(steps: list[int]) -> str:
    """Return "schema step 6" or "schema steps 1, 2, 3"."""
    noun = "step" if len(steps) == 1 else "steps"
    return f"schema {noun} {', '.join(map(str, steps))}"


def migrate(store: Store) -> int:
    version = store.schema_version()
    if version > LATEST_VERSION:
        print(f"collector: {_newer_schema_message(version)}", file=sys.stderr)
        return EXIT_FAILURE

    applied = store.migrate()
    if applied:
        print(f"Applied {_steps_text(applied)}; the schema is at version {LATEST_VERSION}.")
    else:
        print(f"The schema is already at version {LATEST_VERSION}.")
    return EXIT_OK


def purge(store: Store, days: int) -> int:
    version = store.schema_version()
    if version < LATEST_VERSION:
        print("collector: the database schema is not up to date; run `python -m collector migrate` first.", file=sys.stderr)
        return EXIT_FAILURE
    if version > LATEST_VERSION:
        print(f"collector: {_newer_schema_message(version)}", file=sys.stderr)
        return EXIT_FAILURE

    now = utc_now()
    result = store.purge(now - timedelta(days=days), now=now)
    logger.info(
        "purged reports older than %s days",
        days,
        extra={"event": "purge", "submissions": result.submissions, "installations": result.installations},
    )
    print(
        f"Deleted {_count(result.submissions, 'report')} received more than {_count(days, 'day')} ago and "
        f"{_count(result.installations, 'installation')} with no report since then."
    )
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    """Return "1 report" or "2 reports": the number with the noun in the matching form."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def serve(
    config: CollectorConfig,
    store: Store,
    *,
    host: str | None,
    port: int | None,
    threads: int | None,
    stop_delay: int | None = None,
) -> int:
    """Migrate, then serve until SIGTERM or SIGINT; requests already read are finished first (see GracefulStop)."""
    applied = store.migrate()
    if applied:
        logger.info("applied %s", _steps_text(applied), extra={"event": "migrated", "steps": applied})
    version = store.schema_version()
    if version > LATEST_VERSION:
        # Serving on keeps a rollback to this release possible.
        logger.warning(_newer_schema_message(version), extra={"event": "newer_schema", "schema_version": version})
    if not config.api_keys:
        # A client that gets 401 does not retry, so its reports would be lost until the next period.
        logger.warning(
            "COLLECTOR_API_KEYS is unset or empty, so the apps' reports to /submit get 401%s; "
            "set COLLECTOR_API_KEYS to the client key built into the app bundles",
            "" if config.admin_keys else " and so does every other request",
            extra={"event": "no_keys"},
        )

    writer = make_writer(config, store)
    metrics = CollectorMetrics()
    stopping = threading.Event()
    listen_host = host or config.host
    listen_port = config.port if port is None else port
    app = create_app(config, store, writer=writer, metrics=metrics, stopping=stopping)
    try:
        server = make_server(app, config, host=listen_host, port=listen_port, threads=threads or config.threads)
    except OSError as error:
        writer.close()
        print(
            f"collector: cannot listen on {listen_host}:{listen_port}: {error.strerror}. {_listen_fix(error, listen_host)}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except ValueError as error:
        # Waitress raises ValueError for a host that is not an address and does not resolve.
        writer.close()
        print(
            f"collector: cannot listen on {listen_host}:{listen_port}: {error} "
            "Set --host or COLLECTOR_HOST to an address of this machine, such as 127.0.0.1.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    if isinstance(server, MultiSocketServer):
        # Waitress returns a MultiSocketServer for a host with several addresses. It has no
        # trigger or effective_port, which GracefulStop and the start-up log use.
        addresses = ", ".join(host for host, _ in server.effective_listen)
        for dispatcher in list(server.map.values()):
            dispatcher.close()
        server.close()  # Stops the worker threads.
        writer.close()
        print(
            f"collector: cannot listen on {listen_host}: it resolves to several addresses ({addresses}). "
            "Set --host or COLLECTOR_HOST to one of them, such as 127.0.0.1.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    metrics.watch_request_queue(server.task_dispatcher)
    delay_seconds = config.stop_delay_seconds if stop_delay is None else stop_delay
    GracefulStop(server, delay_seconds=delay_seconds, stopping=stopping).install()
    logger.info(
        "listening on port %s",
        server.effective_port,
        # The writer process's id, for an operator who looks for it in ps; None for a writer thread.
        extra={"event": "started", "port": int(server.effective_port), "writer_pid": getattr(writer, "pid", None)},
    )
    server.run()  # Returns after SystemExit or KeyboardInterrupt, once the worker threads stopped.
    with _stop_signals_ignored():
        writer.close()
    logger.info("stopped", extra={"event": "stopped"})
    return EXIT_OK


@contextmanager
def _stop_signals_ignored() -> Iterator[None]:
    """Ignore SIGTERM and SIGINT inside the block, so that a second one cannot cut the writer's close short.

    A supervisor may follow a Ctrl+C with SIGTERM. GracefulStop raises SystemExit for it, which
    inside ``writer.close`` would skip the rest of the close, its time limit included, and the
    "stopped" line. The close has its own time limit, and SIGKILL still ends the process.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # Only the main thread may set handlers, and only it runs them.
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _listen_fix(error: OSError, host: str) -> str:
    if error.errno == errno.EACCES:
        return (
            "Ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port from 1024 with --port or "
            "COLLECTOR_PORT and let the reverse proxy listen on 80 and 443."
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; set --host or COLLECTOR_HOST to one, such as 127.0.0.1."
    return "Stop the program using that port, or choose another with --port or COLLECTOR_PORT."


def make_server(app: Any, config: CollectorConfig, *, host: str, port: int, threads: int) -> Any:
    """Create the Waitress server for ``app``. It binds its socket at once, and ``run()`` serves requests."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=config.max_body_bytes * WAITRESS_BODY_LIMIT_FACTOR,
        # Waitress drops X-Forwarded-For by default. ratelimit.client_address reads it,
        # but only when the peer is one of COLLECTOR_TRUSTED_PROXIES.
        clear_untrusted_proxy_headers=False,
        ident="collector",
    )


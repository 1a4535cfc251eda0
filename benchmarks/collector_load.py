"""Load-test the collector's POST /submit on 127.0.0.1 beside a trivial Waitress + Falcon app.

    python benchmarks/collector_load.py                       # baseline: 16 and 64 connections
    python benchmarks/collector_load.py --scenarios tuning    # Waitress settings and several processes at 64
    python benchmarks/collector_load.py --scenarios ceiling   # the request path without storage, 1 and 2 processes
    python benchmarks/collector_load.py --databases sqlite    # skip PostgreSQL

Every run starts its own servers (``benchmarks.collector.serve``) on 127.0.0.1 with a
fresh database. A second process (``benchmarks.collector.load_client``) drives them for
``--seconds`` or until the request budget is spent. The script then compares the stored
row count with the accepted count and stops the servers it started, by PID. PostgreSQL
runs use a fresh schema in USAGE_STATS_TEST_POSTGRES_URL's database, dropped afterwards.
"srv ms" and "cli ms" are the CPU time per request of the server processes with their report
writer processes (read from /proc, so Linux only) and of the load client; PostgreSQL's own
processes are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import peewee

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.storage import Store  # noqa: E402 - the path above makes the package importable.

HOST = "127.0.0.1"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
SERVER_START_TIMEOUT_SECONDS = 30
SERVER_STOP_TIMEOUT_SECONDS = 10
CLIENT_TIMEOUT_MARGIN_SECONDS = 120
# The collector's highest accepted limits, so that one address and many installations are not throttled.
RATE_LIMIT_PER_HOUR = "100000"


@dataclass(frozen=True)
class Scenario:
    """One server setup: the app, the database, Waitress settings and the process count."""

    label: str
    app: str
    database: str | None
    connections: int
    processes: int = 1
    serve_options: tuple[str, ...] = ()
    environ: dict[str, str] = field(default_factory=dict)
    # Extra PostgreSQL settings sent at connection time, such as "-c synchronous_commit=off".
    postgres_options: str = ""


def baseline_scenarios(databases: list[str]) -> list[Scenario]:
    scenarios = []
    for connections in (16, 64):
        scenarios.append(Scenario(f"trivial endpoint, {connections} conn", "trivial", None, connections))
        for database in databases:
            scenarios.append(Scenario(f"collector {database}, {connections} conn", "collector", database, connections))
    return scenarios


def ceiling_scenarios(databases: list[str]) -> list[Scenario]:
    """Return the trivial endpoint, the collector without storage and the collector, at 16 connections.

    Each runs with one process and with two that share the port.
    """
    scenarios = []
    for processes in (1, 2):
        options = ("--reuse-port",) if processes > 1 else ()
        suffix = f"{processes} process{'es' if processes > 1 else ''}, 16 conn"
        scenarios.append(Scenario(f"trivial endpoint, {suffix}", "trivial", None, 16, processes, options))
        scenarios.append(Scenario(f"collector without store, {suffix}", "collector-without-store", None, 16, processes, options))
        for database in databases:
            scenarios.append(Scenario(f"collector {database}, {suffix}", "collector", database, 16, processes, options))
    return scenarios


def tuning_scenarios(databases: list[str]) -> list[Scenario]:
    scenarios = [
        Scenario("trivial endpoint, 64 conn", "trivial", None, 64),
        Scenario("trivial endpoint, 2 processes SO_REUSEPORT, 64 conn", "trivial", None, 64, 2, ("--reuse-port",)),
        Scenario("trivial endpoint, Waitress's stock channel, 64 conn", "trivial", None, 64, 1, ("--stock-channel",)),
    ]
    for database in databases:
        name = f"collector {database}"
        scenarios += [
            Scenario(f"{name}, Waitress's stock channel, 64 conn", "collector", database, 64, 1, ("--stock-channel",)),
            Scenario(f"{name}, threads 8, 64 conn", "collector", database, 64, 1, ("--threads", "8")),
            Scenario(f"{name}, threads 16, 64 conn", "collector", database, 64, 1, ("--threads", "16")),
            Scenario(f"{name}, threads 64, 64 conn", "collector", database, 64, 1, ("--threads", "64")),
            Scenario(f"{name}, connection_limit 32, 64 conn", "collector", database, 64, 1, ("--connection-limit", "32")),
            Scenario(f"{name}, backlog 64, channel_timeout 10, 64 conn", "collector", database, 64, 1, ("--backlog", "64", "--channel-timeout", "10")),
            Scenario(f"{name}, log level WARNING, 64 conn", "collector", database, 64, 1, (), {"COLLECTOR_LOG_LEVEL": "WARNING"}),
            Scenario(f"{name}, 2 processes SO_REUSEPORT, 64 conn", "collector", database, 64, 2, ("--reuse-port",)),
            Scenario(f"{name}, 3 processes SO_REUSEPORT, 64 conn", "collector", database, 64, 3, ("--reuse-port",)),
        ]
    if "postgresql" in databases:
        scenarios.append(
            Scenario(
                "collector postgresql, synchronous_commit off, 64 conn", "collector", "postgresql", 64,
                postgres_options="-c synchronous_commit=off",
            )
        )
    return scenarios


class Database:
    """A fresh database for one run: a SQLite file or a PostgreSQL schema."""

    def __init__(self, kind: str, postgres_url: str, folder: Path, postgres_options: str = "") -> None:
        self.kind = kind
        self._postgres_url = postgres_url
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / f'load-{uuid.uuid4().hex[:8]}.db'}"
            self._schema = None
        else:
            self._schema = f"bench_load_{uuid.uuid4().hex[:12]}"
            self._admin(f"CREATE SCHEMA {self._schema}")
            separator = "&" if "?" in postgres_url else "?"
            options = f"-c search_path={self._schema} {postgres_options}".strip()
            self.url = f"{postgres_url}{separator}options={quote(options)}"

    def _admin(self, statement: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self._postgres_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
        connection.close()

    def stored_reports(self) -> int:
        store = Store.open(self.url)
        try:
            (count,) = store.db.execute_sql("SELECT COUNT(*) FROM submissions").fetchone()
        except peewee.DatabaseError:
            count = -1
        store.close()
        return int(count)

    def drop(self) -> None:
        if self._schema:
            self._admin(f"DROP SCHEMA {self._schema} CASCADE")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_servers(scenario: Scenario, environ: dict[str, str], log_file) -> tuple[list[subprocess.Popen], int]:
    """Start the scenario's server processes and return them with the shared port."""
    port = free_port() if scenario.processes > 1 else 0
    processes = []
    for _ in range(scenario.processes):
        command = [sys.executable, "-m", "benchmarks.collector.serve", "--app", scenario.app, "--port", str(port), *scenario.serve_options]
        process = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=log_file, text=True)
        processes.append(process)
        line = process.stdout.readline()
        if not line:
            stop_servers(processes)
            raise SystemExit(f"{scenario.label}: the server exited before reporting its port; see {log_file.name}")
        port = json.loads(line)["port"]
    return processes, port


def cpu_seconds(processes: list[subprocess.Popen]) -> float | None:
    """Return the CPU seconds the processes and their descendants (the report writers) used so far.

    Read from /proc; None without /proc.
    """
    total = 0.0
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    for process in processes:
        for pid in _process_tree(process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                if pid == process.pid:
                    return None
                continue  # A descendant that exited meanwhile.
            # utime and stime, the 14th and 15th fields of the whole line.
            total += (int(fields[11]) + int(fields[12])) / ticks_per_second
    return total


def _process_tree(pid: int) -> list[int]:
    """Return ``pid`` and the ids of its descendants, read from /proc."""
    tree = [pid]
    for parent in tree:
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                tree.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return tree


def stop_servers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(SERVER_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(SERVER_STOP_TIMEOUT_SECONDS)


def run_scenario(scenario: Scenario, args: argparse.Namespace, folder: Path) -> dict:
    # A generated key may start with "-", so it is passed as --api-key=KEY below.
    api_key = secrets.token_urlsafe(24)
    database = Database(scenario.database, args.postgres_url, folder, scenario.postgres_options) if scenario.database else None
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COLLECTOR_DATA_DIR": str(folder),
        "COLLECTOR_API_KEYS": api_key,
        "COLLECTOR_RATE_LIMIT_PER_HOUR": RATE_LIMIT_PER_HOUR,
        "COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR": RATE_LIMIT_PER_HOUR,
        **scenario.environ,
    }
    if database:
        environ["DATABASE_URL"] = database.url

    try:
        output, server_cpu = _drive(scenario, args, environ, api_key, folder)
        result = json.loads(output.strip().splitlines()[-1])
        result["label"] = scenario.label
        if server_cpu is not None and result["requests"]:
            result["server_cpu_ms_per_request"] = round(server_cpu * 1000 / result["requests"], 3)
        if database:
            result["stored"] = database.stored_reports()
    finally:
        if database:
            database.drop()
    return result


def _drive(
    scenario: Scenario, args: argparse.Namespace, environ: dict[str, str], api_key: str, folder: Path
) -> tuple[str, float | None]:
    """Start the servers, run the load client against them and stop them.

    Returns the client's output and the CPU seconds the servers used during the run.
    """
    with open(folder / "server.log", "a") as log_file:
        processes, port = start_servers(scenario, environ, log_file)
        cpu_before = cpu_seconds(processes)
        try:
            command = [
                sys.executable, "-m", "benchmarks.collector.load_client", "--port", str(port),
                "--connections", str(scenario.connections), "--seconds", str(args.seconds),
                "--max-requests", str(args.max_requests), f"--api-key={api_key}",
            ]
            output = subprocess.run(
                command, cwd=ROOT, env=environ, capture_output=True, text=True, check=True,
                timeout=args.seconds + CLIENT_TIMEOUT_MARGIN_SECONDS,
            ).stdout
            cpu_after = cpu_seconds(processes)
            server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
            return output, server_cpu
        finally:
            stop_servers(processes)


def print_row(result: dict, reference: dict[int, float]) -> None:
    """Print one result; its ratio is against the single-process trivial endpoint at the same connections."""
    trivial = reference.get(result["connections"])
    ratio = f"{result['ok_per_second'] / trivial:.2f}" if trivial else "-"
    stored = result.get("stored", "-")
    server_cpu = result.get("server_cpu_ms_per_request", "-")
    client_cpu = result.get("client_cpu_ms_per_request", "-")
    print(
        f"{result['label']:<58} {result['ok_per_second']:>9.1f} {ratio:>6} {result['p50_ms']:>8.2f} {result['p99_ms']:>8.2f} "
        f"{result['ok']:>7} {stored!s:>7} {server_cpu!s:>8} {client_cpu!s:>8} {json.dumps(result['statuses'])}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load-test POST /submit on 127.0.0.1.")
    parser.add_argument("--scenarios", choices=("baseline", "tuning", "ceiling", "all"), default="baseline")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--seconds", type=float, default=10, help="length of each run, 1-60 s (default 10)")
    parser.add_argument("--max-requests", type=int, default=60_000, help="request budget per run, 1-200000 (default 60000)")
    parser.add_argument("--postgres-url", default=os.environ.get("USAGE_STATS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    args = parser.parse_args(argv)
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if not set(databases) <= {"sqlite", "postgresql"} or not 1 <= args.seconds <= 60 or not 1 <= args.max_requests <= 200_000:
        parser.error("an option is out of range; see --help")
    if urlsplit_host(args.postgres_url) not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--postgres-url must point at this machine")

    scenarios = []
    if args.scenarios in ("baseline", "all"):
        scenarios += baseline_scenarios(databases)
    if args.scenarios in ("tuning", "all"):
        scenarios += tuning_scenarios(databases)
    if args.scenarios in ("ceiling", "all"):
        scenarios += ceiling_scenarios(databases)

    print(f"{os.cpu_count()} CPUs, {args.seconds:g} s per run, budget {args.max_requests} requests")
    print(f"{'scenario':<58} {'ok/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'ok':>7} {'stored':>7} {'srv ms':>8} {'cli ms':>8} statuses")
    reference: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="collector-load-") as temporary:
        for scenario in scenarios:
            result = run_scenario(scenario, args, Path(temporary))
            if scenario.app == "trivial" and scenario.processes == 1 and not scenario.serve_options:
                reference[scenario.connections] = result["ok_per_second"]
            print_row(result, reference)
    return 0


def urlsplit_host(url: str) -> str | None:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname


if __name__ == "__main__":
    sys.exit(main())

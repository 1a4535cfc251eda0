"""The shipped systemd units, checked by systemd-analyze and against a traced collector.

Only systemd applies the units' sandbox, and there a system call outside SystemCallFilter=
kills the service with SIGSYS. So each command the units start runs here under strace, with
the unit's environment and not as root, and every system call, memory protection, socket
family and IP address in the trace is compared with what the unit's settings allow. The
system call groups come from this machine's `systemd-analyze syscall-filter`, so the check
follows the installed systemd.

Skipped when systemd-analyze or strace is missing, or when strace cannot trace here.
"""

from __future__ import annotations

import ipaddress
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from collector.app import utc_now
from tests.collector.conftest import (
    CLIENT_KEY,
    DELETION_TOKEN,
    OPERATOR_KEY,
    ROOT,
    postgres_schema,
    report_1_0_body,
    report_1_1,
)

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
STRACE = shutil.which("strace")
UNIT_DIR = ROOT / "packaging" / "collector"
ENV_EXAMPLE = UNIT_DIR / "collector.env.example"
SERVICE_UNIT = "printernizer-collector.service"
TEMPLATE_UNIT = "printernizer-collector@.service"
PURGE_UNIT = "printernizer-collector-purge.service"
UNIT_PYTHON = "/opt/printernizer-collector/venv/bin/python"
# The template is verified as an instance, because its instance name is the port.
VERIFIED_UNITS = [SERVICE_UNIT, "printernizer-collector@8081.service", PURGE_UNIT, "printernizer-collector-purge.timer"]
# The only message systemd-analyze may print. It names the deployed venv's Python, missing here.
EXPECTED_VERIFY_MESSAGE = re.compile(
    rf"^printernizer-collector[@\w-]*\.service: Command {re.escape(UNIT_PYTHON)} is not executable: "
    r"No such file or directory$"
)
# A DynamicUser= service never runs as root, so when the tests run as root, the traced collector
# runs as this user. As root, SQLite would call fchown() on its journal files, which
# ~@privileged forbids.
UNPRIVILEGED_USER = "nobody"
VERIFY_TIMEOUT_SECONDS = 20
COMMAND_TIMEOUT_SECONDS = 30
START_TIMEOUT_SECONDS = 20
STOP_TIMEOUT_SECONDS = 10
REQUEST_TIMEOUT_SECONDS = 10

needs_systemd_analyze = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")

# One traced system call: "1234 name(arguments" or "1234 <... name resumed> arguments".
TRACE_LINE = re.compile(r"^(?P<pid>\d+) +(?:<\.\.\. (?P<resumed>\w+) resumed>|(?P<name>\w+)\()(?P<rest>.*)$")


# systemd-analyze verify -------------------------------------------------------------


@needs_systemd_analyze
@pytest.mark.parametrize("unit", VERIFIED_UNITS)
def test_unit_passes_systemd_analyze_verify(unit):
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(UNIT_DIR / unit)],
        capture_output=True,
        text=True,
        timeout=VERIFY_TIMEOUT_SECONDS,
    )

    messages = (result.stdout + result.stderr).splitlines()
    unexpected = [line for line in messages if not EXPECTED_VERIFY_MESSAGE.match(line)]
    assert unexpected == [], f"systemd-analyze verify {unit} printed:\n" + "\n".join(messages)


# Unit settings and systemd's system call groups -------------------------------------


def read_service_settings(unit: str) -> dict[str, list[str]]:
    """Return every Key=value of the unit's [Service] section, the values of a repeated key in order."""
    settings: dict[str, list[str]] = {}
    section = ""
    for raw_line in (UNIT_DIR / unit).read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


@pytest.fixture(scope="module")
def syscall_groups() -> dict[str, list[str]]:
    """Return each system call group of the installed systemd with its members, nested groups unexpanded."""
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze is not installed")
    listing = subprocess.run(
        [SYSTEMD_ANALYZE, "syscall-filter"], capture_output=True, text=True, timeout=VERIFY_TIMEOUT_SECONDS, check=True
    ).stdout
    # Each group is "@name", its members indented below it, one per line, and a blank line.
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif not line.strip():
            current = None
        elif current is not None and not line.strip().startswith("#"):
            current.append(line.strip())
    assert "@system-service" in groups, "systemd-analyze syscall-filter listed no @system-service group"
    return groups


def expand(names: list[str], groups: dict[str, list[str]]) -> set[str]:
    """Return the system calls that ``names`` stand for, with groups expanded recursively."""
    calls: set[str] = set()
    for name in names:
        if name.startswith("@"):
            calls |= expand(groups[name], groups)
        else:
            calls.add(name)
    return calls


def allowed_syscalls(unit: str, groups: dict[str, list[str]]) -> set[str]:
    """Return the system calls the unit's SystemCallFilter= lines allow.

    As systemd.exec(5) of systemd 252 describes it, a first list without "~" allows only its
    calls and those systemd always permits (the @default group), and a later list starting
    with "~" removes its calls from that set.
    """
    values = read_service_settings(unit)["SystemCallFilter"]
    assert not values[0].startswith("~"), f"{unit}: the test expects an allow list first, found {values[0]!r}"
    allowed = expand(["@default"], groups)
    for value in values:
        if value.startswith("~"):
            allowed -= expand(value[1:].split(), groups)
        else:
            allowed |= expand(value.split(), groups)
    return allowed


def groups_containing(call: str, groups: dict[str, list[str]]) -> list[str]:
    return sorted(name for name in groups if name != "@known" and call in expand([name], groups))


# Running a unit's command under strace ----------------------------------------------


def unit_command(unit: str) -> list[str]:
    """Return the unit's ExecStart= with this interpreter in place of the deployed venv's Python."""
    (exec_start,) = read_service_settings(unit)["ExecStart"]
    program, *arguments = exec_start.split()
    assert program == UNIT_PYTHON, f"{unit}: ExecStart= starts {program}, expected {UNIT_PYTHON}"
    return [sys.executable, *arguments]


def unit_environ(data_dir: Path, database_url: str) -> dict[str, str]:
    """Return the environment systemd gives the service: collector.env.example, filled in, plus Environment=."""
    environ = {
        # What Debian 12's systemd 252 sets for the service. A DynamicUser= user's home is /,
        # and LANG is the system locale.
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/",
        "USER": "printernizer-collector",
        "LOGNAME": "printernizer-collector",
        "LANG": "C.UTF-8",
        # The deployed venv has the collector installed. Here this checkout is on the path instead.
        "PYTHONPATH": str(ROOT),
    }
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            environ[key] = value
    environ.update(
        {
            # Empty: SQLite in the data folder, as when the environment file sets no DATABASE_URL.
            "DATABASE_URL": database_url,
            "COLLECTOR_API_KEYS": CLIENT_KEY,
            "COLLECTOR_ADMIN_KEYS": OPERATOR_KEY,
            # Port 0 picks a free port, and the collector logs the one it listens on.
            "COLLECTOR_PORT": "0",
            # One report per installation and hour, so the second new report is rate-limited.
            "COLLECTOR_RATE_LIMIT_PER_HOUR": "1",
            "COLLECTOR_DATA_DIR": str(data_dir),
        }
    )
    return environ


def child_pid(parent_pid: int) -> int | None:
    """Return the PID of a child process of ``parent_pid``, read from /proc, or None."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in brackets may contain spaces, so the fields are counted after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent_pid:
            return int(entry.name)
    return None


@dataclass
class TracedCommand:
    """A collector command running under ``strace -f``, which writes every system call to ``trace_path``."""

    name: str
    trace_path: Path
    process: subprocess.Popen[str]
    log_lines: list[str] = field(default_factory=list)
    port: int | None = None
    _started: threading.Event = field(default_factory=threading.Event)
    _reader: threading.Thread | None = None

    @classmethod
    def start(cls, name: str, command: list[str], environ: dict[str, str], trace_path: Path) -> TracedCommand:
        assert STRACE is not None
        strace = [STRACE, "-f", "-qq", "-e", "trace=all", "-o", str(trace_path)]
        if os.geteuid() == 0:
            strace += ["-u", UNPRIVILEGED_USER]
        process = subprocess.Popen(
            [*strace, *command],
            cwd="/",
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        traced = cls(name, trace_path, process)
        traced._reader = threading.Thread(target=traced._read_log, daemon=True)
        traced._reader.start()
        return traced

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log_lines.append(line.rstrip("\n"))
            if self.log_event(line).get("event") == "started":
                self.port = int(self.log_event(line)["port"])
                self._started.set()
        self._started.set()

    @staticmethod
    def log_event(line: str) -> dict[str, Any]:
        """Return the collector's JSON log record on ``line``, or {} for any other output."""
        try:
            record = json.loads(line)
        except ValueError:
            return {}
        return record if isinstance(record, dict) else {}

    def wait_until_listening(self) -> str:
        """Return the URL the collector listens on, once its start-up log line is written."""
        if not self._started.wait(START_TIMEOUT_SECONDS) or self.port is None:
            raise AssertionError(f"{self.name} did not start:\n" + "\n".join(self.log_lines))
        return f"http://127.0.0.1:{self.port}"

    def terminate(self) -> None:
        """Send SIGTERM to the collector, not to strace, which would only detach from it."""
        pid = child_pid(self.process.pid)
        assert pid is not None, f"{self.name}: strace (PID {self.process.pid}) has no child process"
        os.kill(pid, signal.SIGTERM)

    def wait(self) -> int:
        """Wait until the command and strace exit and return the command's exit status, which strace passes on."""
        returncode = self.process.wait(COMMAND_TIMEOUT_SECONDS)
        assert self._reader is not None
        self._reader.join(STOP_TIMEOUT_SECONDS)
        return returncode

    def kill(self) -> None:
        """Kill the traced command, then strace, if they still run."""
        if self.process.poll() is not None:
            return
        pid = child_pid(self.process.pid)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait(STOP_TIMEOUT_SECONDS)


@dataclass
class SystemCall:
    pid: int
    name: str
    # The line after the opening bracket: the arguments, then ") = result" or "<unfinished ...>".
    # Empty for a "<... name resumed>" line, whose arguments were on the "<unfinished ...>" line.
    arguments: str


def read_trace(path: Path) -> list[SystemCall]:
    """Return the system calls in an ``strace -f -o`` file, without its signal and exit lines."""
    calls = []
    for line in path.read_text(errors="replace").splitlines():
        match = TRACE_LINE.match(line)
        if match is None:
            continue
        if match["resumed"]:
            calls.append(SystemCall(int(match["pid"]), match["resumed"], ""))
        else:
            calls.append(SystemCall(int(match["pid"]), match["name"], match["rest"]))
    return calls


# The traced workload -----------------------------------------------------------------


@dataclass
class TracedRun:
    """The system calls of one command, and the unit whose settings apply to it."""

    command: str
    unit: str
    calls: list[SystemCall]


def exercise_collector(url: str) -> None:
    """Send the kinds of request a deployed collector receives, and check each response."""
    now = utc_now()
    installation_id = str(uuid.uuid4())
    # Caddy sets X-Forwarded-For, which the example's COLLECTOR_TRUSTED_PROXIES lets the collector read.
    submit_headers = {"Content-Type": "application/json", "X-API-Key": CLIENT_KEY, "X-Forwarded-For": "203.0.113.7"}
    operator_headers = {"X-API-Key": OPERATOR_KEY}
    bearer_headers = {"Authorization": f"Bearer {DELETION_TOKEN}"}
    report = report_1_1(now, installation_id=installation_id)
    second_report = report_1_1(now, installation_id=installation_id)
    legacy_body = report_1_0_body(now, str(uuid.uuid4()))

    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        assert client.get("/health").status_code == 200
        assert client.post("/submit", json=report, headers=submit_headers).status_code == 200
        duplicate = client.post("/submit", json=report, headers=submit_headers)
        assert duplicate.status_code == 200
        rate_limited = client.post("/submit", json=second_report, headers=submit_headers)
        assert rate_limited.status_code == 429
        legacy = client.post("/submit", content=legacy_body, headers=submit_headers)
        assert legacy.status_code == 200
        assert client.get("/stats/dashboard/overview", headers=operator_headers).status_code == 200
        assert client.get("/stats/summary", headers=operator_headers).status_code == 200
        assert client.get("/metrics", headers=operator_headers).status_code == 200
        assert client.get(f"/installation/{installation_id}", headers=bearer_headers).status_code == 200
        assert client.delete(f"/installation/{installation_id}", headers=bearer_headers).status_code == 200


def wait_for_stopping_health(url: str) -> None:
    """Wait until /health returns 503, as it does during --stop-delay after SIGTERM."""
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    status = None
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/health", timeout=REQUEST_TIMEOUT_SECONDS).status_code
        if status == 503:
            return
        time.sleep(0.05)
    raise AssertionError(f"/health still returned {status} {STOP_TIMEOUT_SECONDS} s after SIGTERM")


def run_to_completion(name: str, command: list[str], environ: dict[str, str], trace_path: Path) -> TracedCommand:
    traced = TracedCommand.start(name, command, environ, trace_path)
    try:
        returncode = traced.wait()
    finally:
        traced.kill()
    assert returncode == 0, f"{name} exited with {returncode}:\n" + "\n".join(traced.log_lines)
    return traced


def serve_and_stop(name: str, command: list[str], environ: dict[str, str], trace_path: Path, stop_delay: bool) -> None:
    """Run ``serve``, send it the production requests, then stop it with SIGTERM as systemd does."""
    serve = TracedCommand.start(name, command, environ, trace_path)
    try:
        url = serve.wait_until_listening()
        exercise_collector(url)
        serve.terminate()
        if stop_delay:
            wait_for_stopping_health(url)
        returncode = serve.wait()
    finally:
        serve.kill()
    assert returncode == 0, f"{name} exited with {returncode}:\n" + "\n".join(serve.log_lines)
    events = [TracedCommand.log_event(line).get("event") for line in serve.log_lines]
    assert "stopped" in events, f"{name} did not log that it stopped:\n" + "\n".join(serve.log_lines)


def trace_commands(database_url: str, data_dir: Path, trace_dir: Path) -> list[TracedRun]:
    """Run migrate, both services' serve and the purge unit's purge under strace, one after another."""
    environ = unit_environ(data_dir, database_url)
    runs: list[tuple[str, str, Path]] = []

    # No unit starts migrate. An operator runs it before restarting the services on a new
    # release, so it is held to the service's filter. It creates the schema here.
    migrate_command = [sys.executable, "-m", "collector", "migrate"]
    run_to_completion("migrate", migrate_command, environ, trace_dir / "migrate")
    runs.append(("migrate", SERVICE_UNIT, trace_dir / "migrate"))

    serve_and_stop("serve", unit_command(SERVICE_UNIT), environ, trace_dir / "serve", stop_delay=False)
    runs.append(("serve", SERVICE_UNIT, trace_dir / "serve"))

    # The instance name is the port, so instance 0 lets the collector pick a free one.
    template_command = [argument.replace("%i", "0") for argument in unit_command(TEMPLATE_UNIT)]
    assert "--stop-delay" in template_command
    serve_and_stop("serve from the template", template_command, environ, trace_dir / "serve-template", stop_delay=True)
    runs.append(("serve from the template", TEMPLATE_UNIT, trace_dir / "serve-template"))

    run_to_completion("purge", unit_command(PURGE_UNIT), environ, trace_dir / "purge")
    runs.append(("purge", PURGE_UNIT, trace_dir / "purge"))

    return [TracedRun(command, unit, read_trace(path)) for command, unit, path in runs]


def check_tools_work() -> None:
    """Skip the test when systemd-analyze or strace is missing, or strace cannot trace a child here."""
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze is not installed")
    if STRACE is None:
        pytest.skip("strace is not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            pytest.skip(f"running as root, and there is no user {UNPRIVILEGED_USER!r} to run the collector as")
    probe = subprocess.run(
        [STRACE, "-f", "-qq", "-o", os.devnull, "true"], capture_output=True, text=True, timeout=VERIFY_TIMEOUT_SECONDS
    )
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.strip()}")
    if os.geteuid() == 0:
        # That user needs to read this checkout and this Python, which a home folder may hide.
        probe = subprocess.run(
            [STRACE, "-qq", "-o", os.devnull, "-u", UNPRIVILEGED_USER, sys.executable, "-c", "import collector"],
            cwd="/",
            env={"PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=VERIFY_TIMEOUT_SECONDS,
        )
        if probe.returncode != 0:
            last_line = (probe.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"user {UNPRIVILEGED_USER!r} cannot import the collector from {ROOT}: {last_line}")


@pytest.fixture(scope="module")
def unprivileged_data_dir() -> Iterator[Path]:
    """Yield an empty folder that the collector's user may write, removed afterwards.

    Not under pytest's tmp_path, whose parent only root may enter when the tests run as root.
    """
    folder = Path(tempfile.mkdtemp(prefix="collector-unit-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_schema_url() -> Iterator[str]:
    """Yield a PostgreSQL URL whose search_path is a fresh schema, dropped after this module."""
    with postgres_schema("collector_unit") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def traced_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[TracedRun]:
    """Trace every command once per database; the tests below check the same traces."""
    check_tools_work()
    trace_dir = tmp_path_factory.mktemp(f"strace-{request.param}")
    data_dir: Path = request.getfixturevalue("unprivileged_data_dir")
    if request.param == "sqlite":
        # An empty DATABASE_URL means SQLite in COLLECTOR_DATA_DIR, the unit's state folder.
        return trace_commands("", data_dir / "sqlite", trace_dir)
    return trace_commands(request.getfixturevalue("postgres_schema_url"), data_dir / "postgresql", trace_dir)


def argument(call: SystemCall, index: int) -> str:
    """Return the ``index``-th argument as strace printed it, or "" when the line has fewer."""
    arguments = call.arguments.split(", ")
    return arguments[index] if index < len(arguments) else ""


# The checks -------------------------------------------------------------------------


def test_traces_cover_each_command(traced_runs):
    for run in traced_runs:
        names = {call.name for call in run.calls}
        assert "execve" in names, f"{run.command}: the trace has no execve(), so strace did not trace it"
        assert "exit_group" in names, f"{run.command}: the trace has no exit_group(), so it was cut short"


def test_syscalls_within_system_call_filter(traced_runs, syscall_groups):
    forbidden = []
    for run in traced_runs:
        allowed = allowed_syscalls(run.unit, syscall_groups)
        for name in sorted({call.name for call in run.calls} - allowed):
            groups = ", ".join(groups_containing(name, syscall_groups)) or "no group"
            forbidden.append(f"{run.command} ({run.unit}): {name}, a member of {groups}")

    message = "System calls outside SystemCallFilter=. The first one kills the service with SIGSYS:\n"
    assert forbidden == [], message + "\n".join(forbidden)


def write_execute_calls(calls: list[SystemCall]) -> list[SystemCall]:
    """Return the calls that MemoryDenyWriteExecute=yes rejects.

    systemd.exec(5) of systemd 252 lists them: mmap() with both PROT_WRITE and PROT_EXEC,
    mprotect() and pkey_mprotect() with PROT_EXEC at all, and shmat() with SHM_EXEC. Each rule
    tests one argument, which strace prints as symbolic flags, so the trace shows every call
    the filter would reject. Such a call fails instead of killing the process, but the code
    that made it then breaks.
    """
    rejected = []
    for call in calls:
        flags = set(re.findall(r"(?:PROT|SHM)_\w+", argument(call, 2)))
        if call.name == "mmap" and {"PROT_WRITE", "PROT_EXEC"} <= flags:
            rejected.append(call)
        elif call.name in {"mprotect", "pkey_mprotect"} and "PROT_EXEC" in flags:
            rejected.append(call)
        elif call.name == "shmat" and "SHM_EXEC" in flags:
            rejected.append(call)
    return rejected


def test_memory_never_writable_and_executable(traced_runs):
    rejected = []
    for run in traced_runs:
        assert read_service_settings(run.unit)["MemoryDenyWriteExecute"] == ["yes"]
        rejected += [f"{run.command}: {call.name}({call.arguments}" for call in write_execute_calls(run.calls)]

    assert rejected == [], "Calls that MemoryDenyWriteExecute=yes rejects:\n" + "\n".join(rejected)


# Lines as strace 6.1 prints them; only the pkey_mprotect() one was written by hand. The first
# is how a ctypes callback in Python 3.11 on Debian 12 gets its executable page.
@pytest.mark.parametrize(
    ("line", "rejected"),
    [
        ("7 mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ff7af4a3000", True),
        ("7 mprotect(0x7f65a2a51000, 4096, PROT_READ|PROT_EXEC) = 0", True),
        ("7 pkey_mprotect(0x7f65a2a51000, 4096, PROT_READ|PROT_EXEC, 1 <unfinished ...>", True),
        ("7 shmat(5, NULL, SHM_RDONLY|SHM_EXEC)     = 0x7f3f23f2e000", True),
        (
            "7 mmap(0x7f65a2a51000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x2000)"
            " = 0x7f65a2a51000",
            False,
        ),
        ("7 mprotect(0x7f65a2a53000, 4096, PROT_READ) = 0", False),
    ],
)
def test_write_execute_check_reads_strace_lines(tmp_path, line, rejected):
    trace = tmp_path / "trace"
    trace.write_text(line + "\n")
    calls = read_trace(trace)

    assert len(calls) == 1
    assert (write_execute_calls(calls) == calls) is rejected


def test_sockets_use_allowed_address_families(traced_runs):
    created = []
    rejected = []
    for run in traced_runs:
        (families,) = read_service_settings(run.unit)["RestrictAddressFamilies"]
        # Only socket() is filtered: socketpair() creates AF_UNIX sockets, which systemd.exec(5) exempts.
        for call in run.calls:
            if call.name == "socket" and call.arguments:
                family = argument(call, 0)
                created.append(family)
                if family not in families.split():
                    rejected.append(f"{run.command} ({run.unit}): socket({call.arguments}")

    assert rejected == [], "socket() calls that RestrictAddressFamilies= rejects with EAFNOSUPPORT:\n" + "\n".join(
        rejected
    )
    assert created, "no socket() call was traced, so the check above proves nothing"


def test_addresses_within_ip_address_allow(traced_runs):
    addresses = []
    for run in traced_runs:
        settings = read_service_settings(run.unit)
        assert settings["IPAddressDeny"] == ["any"]
        assert settings["IPAddressAllow"] == ["localhost"]
        for call in run.calls:
            if call.name in {"bind", "connect", "sendto", "sendmsg"}:
                # inet_addr("127.0.0.1") for AF_INET, inet_pton(AF_INET6, "::1", ...) for AF_INET6.
                for address in re.findall(r'inet_(?:addr\(|pton\(AF_INET6, )"([^"]+)"', call.arguments):
                    addresses.append((run.command, call.name, address))

    outside = [entry for entry in addresses if not ipaddress.ip_address(entry[2]).is_loopback]
    assert outside == [], f"Addresses outside IPAddressAllow=localhost, whose packets are dropped: {outside}"
    assert addresses, "no bind() or connect() with an IP address was traced, so the check above proves nothing"

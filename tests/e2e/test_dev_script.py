"""`dev.py run`: its headless command line example against a live collector, and stopping on SIGTERM."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dev
from collector.storage import Submission
from tests.collector.conftest import CLIENT_KEY

ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT_SECONDS = 30


def build_shell_environ() -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("USAGE_STATS_") and key != "DO_NOT_TRACK"}
    environ["PYTHONPATH"] = str(ROOT)
    return environ


def test_example_reaches_dev_collector(tmp_path, start_server):
    server = start_server()
    home = tmp_path / "dev data" / "app"
    app_env = {
        "USAGE_STATS_HOME": str(home),
        "USAGE_STATS_ENDPOINT": server.url,
        "USAGE_STATS_API_KEY": CLIENT_KEY,
        "USAGE_STATS_DEPLOYMENT_MODE": "desktop",
    }

    command = dev.command_line_example(Path(sys.executable), app_env)
    status = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60, cwd=ROOT, env=build_shell_environ())

    assert status.returncode == 0, status.stderr
    assert f"Collector:          {server.url}" in status.stdout.splitlines()
    assert f"Database:           {home / 'usage.db'}" in status.stdout.splitlines()

    # The same assignments must carry a client key that the collector accepts.
    *assignments, python, _, _, _ = shlex.split(command)
    environ = {**build_shell_environ(), **dict(assignment.split("=", 1) for assignment in assignments)}
    subprocess.run([python, "-m", "app", "opt-in"], check=True, capture_output=True, timeout=60, cwd=ROOT, env=environ)
    # A forced report needs a period of at least one second from the opt-in to now cut to whole
    # seconds, so up to two seconds must pass.
    time.sleep(2.0)
    sent = subprocess.run([python, "-m", "app", "submit", "--force"], capture_output=True, text=True, timeout=60, cwd=ROOT, env=environ)

    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("Sent report "), sent.stdout
    assert sent.stdout.endswith(" (submission id 1).\n"), sent.stdout
    assert Submission.select().count() == 1
    # The tray app reports "desktop", so a report from the command line must not change the mode.
    assert Submission.get().deployment_mode == "desktop"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc")
def test_sigterm_stops_collector_and_app(tmp_path):
    port = free_port()
    runner = start_dev_run(tmp_path / "dev data", port, stderr=subprocess.DEVNULL)
    try:
        lines = []
        while (line := runner.stdout.readline()) and not line.startswith("Press Ctrl+C to stop."):
            lines.append(line)
        children = wait_for_children(runner.pid, 2)

        runner.send_signal(signal.SIGTERM)
        status = runner.wait(STOP_TIMEOUT_SECONDS)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()

    assert lines[0] == f"Collector: http://127.0.0.1:{port} (data in {tmp_path / 'dev data' / 'collector'})\n"
    store_line = lines.index(
        f"Tray app: data in {tmp_path / 'dev data' / 'app'}. The command line with the same store, collector and key:\n"
    )
    assert "USAGE_STATS_HOME=" + shlex.quote(str(tmp_path / 'dev data' / 'app')) in lines[store_line + 1]
    assert len(children) == 2
    assert status == 130
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc")
def test_run_reports_collector_exit(tmp_path):
    port = free_port()
    runner = start_dev_run(tmp_path / "dev data", port, stderr=subprocess.PIPE)
    try:
        while (line := runner.stdout.readline()) and not line.startswith("Press Ctrl+C to stop."):
            pass
        children = wait_for_children(runner.pid, 2)
        # Match the module argument, not a substring: the checkout's path may itself contain "collector".
        [collector] = [pid for pid in children if Path(f"/proc/{pid}/cmdline").read_text().split("\0")[1:3] == ["-m", "collector"]]
        os.kill(int(collector), signal.SIGKILL)
        time.sleep(2 * dev.CHILD_CHECK_INTERVAL_SECONDS + 0.5)

        runner.send_signal(signal.SIGTERM)
        _, errors = runner.communicate(timeout=STOP_TIMEOUT_SECONDS)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()

    expected = (
        f"The collector exited with status -9. The tray app keeps running and keeps its reports until a collector "
        f"answers at http://127.0.0.1:{port} again. Press Ctrl+C and run this command again to restart both."
    )
    assert errors.count(expected) == 1
    assert runner.returncode == 130


def start_dev_run(data_dir: Path, port: int, *, stderr: int) -> subprocess.Popen:
    """Start ``dev.py run`` on ``port`` with its data in ``data_dir``, without a display, reading its stdout."""
    environ = {key: value for key, value in build_shell_environ().items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    code = "import sys, dev; from pathlib import Path; dev.DEV_DATA = Path(sys.argv[1]); sys.exit(dev.run_product(Path(sys.executable), int(sys.argv[2])))"
    return subprocess.Popen(
        [sys.executable, "-c", code, str(data_dir), str(port)],
        cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=stderr, text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_children(pid: int, count: int) -> list[str]:
    """Return the child process ids of ``pid`` once there are ``count`` of them."""
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if len(children) == count:
            return children
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not start {count} children in {STOP_TIMEOUT_SECONDS} s")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], (8787, ROOT / ".dev-data")),
        (["--port", "8800"], (8800, ROOT / ".dev-data")),
        (["--data-dir", "/tmp/try", "--port", "65535"], (65535, Path("/tmp/try"))),
    ],
)
def test_run_arguments_parsed(arguments, expected):
    assert dev.parse_run_arguments(arguments) == expected


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "0"], "Invalid port for run: '0'."),
        (["--port", "http"], "Invalid port for run: 'http'."),
        (["--data-dir"], "Invalid arguments for run: '--data-dir'."),
        (["--home", "/tmp/try"], "Invalid arguments for run: '--home /tmp/try'."),
    ],
)
def test_run_arguments_rejected_with_usage(arguments, message):
    with pytest.raises(SystemExit) as caught:
        dev.parse_run_arguments(arguments)

    assert str(caught.value) == f"{message} Use 'run [--port N] [--data-dir DIR]' with N from 1 to 65535."


def test_development_keys_readable_by_owner_only(tmp_path, monkeypatch):
    monkeypatch.setattr(dev, "DEV_DATA", tmp_path / "data")

    client_key, operator_key = dev.development_keys()

    assert (tmp_path / "data" / "keys.txt").stat().st_mode & 0o777 == 0o600
    assert dev.development_keys() == (client_key, operator_key)
    assert client_key != operator_key

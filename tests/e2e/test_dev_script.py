"""The command line example that `dev.py run` prints when no display is found, run against a live collector."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import dev
from collector.storage import Submission
from tests.collector.conftest import CLIENT_KEY

ROOT = Path(__file__).resolve().parents[2]


def build_shell_environ() -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("USAGE_STATS_") and key != "DO_NOT_TRACK"}
    environ["PYTHONPATH"] = str(ROOT)
    return environ


def test_example_reaches_dev_collector(tmp_path, start_server):
    server = start_server()
    home = tmp_path / "dev data" / "app"
    app_env = {"USAGE_STATS_HOME": str(home), "USAGE_STATS_ENDPOINT": server.url, "USAGE_STATS_API_KEY": CLIENT_KEY}

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

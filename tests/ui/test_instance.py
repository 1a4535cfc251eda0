"""One tray app per data folder: a second launch signals the first and exits 0. A stop signal ends its session."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket

from app.core import UsageStats
from app.ui.instance import SingleInstanceServer, notify_running_instance, server_name
from app.ui.stop_signals import StopSignalWatcher

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 30


def _app_environment(home: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("USAGE_STATS_")}
    environment.update(QT_QPA_PLATFORM="offscreen", USAGE_STATS_HOME=str(home), DO_NOT_TRACK="1")
    return environment


def test_server_name_differs_per_folder(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a" / ".." / "a")


def test_notify_without_instance_returns_false(qapp, tmp_path: Path) -> None:
    assert not notify_running_instance(server_name(tmp_path))


def test_second_launch_signals_first(qtbot, tmp_path: Path) -> None:
    server = SingleInstanceServer(server_name(tmp_path))
    assert server.listen()

    with qtbot.waitSignal(server.activation_requested, timeout=START_TIMEOUT_SECONDS * 1000):
        second = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=_app_environment(tmp_path))

    assert second.wait(timeout=START_TIMEOUT_SECONDS) == 0
    assert not (tmp_path / "usage.db").exists()
    server.close()


def test_listen_refuses_when_taken(qapp, tmp_path: Path) -> None:
    first = SingleInstanceServer(server_name(tmp_path))
    second = SingleInstanceServer(server_name(tmp_path))

    assert first.listen()
    assert not second.listen()
    first.close()


def _wait_for_instance(name: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the tray app exited early"
        probe = QLocalSocket()
        probe.connectToServer(name)
        if probe.waitForConnected(200):
            probe.disconnectFromServer()
            return
        time.sleep(0.1)
    raise AssertionError(f"the tray app did not listen on {name} within {START_TIMEOUT_SECONDS} s")


def _wait_for_app_start(database: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the tray app exited early"
        if database.exists():
            with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
                try:
                    count = connection.execute("SELECT COUNT(*) FROM usage_events").fetchone()[0]
                except sqlite3.OperationalError:
                    count = 0
            if count:
                return
        time.sleep(0.1)
    raise AssertionError(f"the tray app recorded nothing in {database} within {START_TIMEOUT_SECONDS} s")


def test_run_without_tray_records_start(qapp, tmp_path: Path) -> None:
    first = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=_app_environment(tmp_path))
    try:
        _wait_for_instance(server_name(tmp_path), first)
        _wait_for_app_start(tmp_path / "usage.db", first)
        second = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=_app_environment(tmp_path),
                                timeout=START_TIMEOUT_SECONDS)
        assert second.returncode == 0
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=START_TIMEOUT_SECONDS)

    with UsageStats.open(home=tmp_path, environ={"DO_NOT_TRACK": "1"}) as stats:
        events = stats.recent_events()
    assert [event.event_type for event in events] == ["app_start"]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows sends no SIGTERM or SIGINT to a GUI process")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_ends_session(tmp_path: Path, stop_signal: signal.Signals) -> None:
    app = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=_app_environment(tmp_path),
                           stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_app_start(tmp_path / "usage.db", app)
        app.send_signal(stop_signal)
        _, stderr = app.communicate(timeout=START_TIMEOUT_SECONDS)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()

    assert app.returncode == 0, stderr
    assert f"Quitting the tray app on {stop_signal.name}" in stderr
    with contextlib.closing(sqlite3.connect(tmp_path / "usage.db")) as connection:
        ended = connection.execute("SELECT ended_at FROM usage_sessions").fetchall()
    assert len(ended) == 1
    assert ended[0][0] is not None


class QuitCounter:
    """A stand-in for the application that counts exit() calls."""

    def __init__(self) -> None:
        self.quits = 0

    def exit(self, status: int) -> None:
        assert status == 0
        self.quits += 1


@pytest.mark.skipif(sys.platform == "win32", reason="the watcher is not started on Windows")
def test_stop_watcher_ignores_other_signals(qapp) -> None:
    watcher = StopSignalWatcher(qapp)
    counter = QuitCounter()
    watcher._app = counter
    try:
        watcher._writer.send(bytes([signal.SIGUSR1]))
        watcher._on_wakeup()
        quits_after_other = counter.quits
        watcher._writer.send(bytes([signal.SIGUSR1, signal.SIGTERM]))
        watcher._on_wakeup()
    finally:
        watcher.close()

    assert quits_after_other == 0
    assert counter.quits == 1


# Starts the tray app with a window that ignores its close event, then sends the process a SIGTERM.
_UNCLOSABLE_WINDOW_DRIVER = """
import os, signal
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget
from app.ui.main import create_qapplication, run

class Unclosable(QWidget):
    def closeEvent(self, event):
        event.ignore()

app = create_qapplication([])
window = Unclosable()

def show_then_stop():
    window.show()
    os.kill(os.getpid(), signal.SIGTERM)

QTimer.singleShot(1000, show_then_stop)
print("exit status", run([]), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="Windows sends no SIGTERM or SIGINT to a GUI process")
def test_stop_signal_with_unclosable_window(tmp_path: Path) -> None:
    environ = {**_app_environment(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _UNCLOSABLE_WINDOW_DRIVER], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=START_TIMEOUT_SECONDS,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "exit status 0"
    assert "Tray app stopped" in result.stderr

"""The tray app when its store cannot be opened: a message box shows the reason, and the app exits with 1."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.core._service import default_home
from app.core import StorageError
from app.ui.main import data_folder, startup_failure_box, startup_failure_detail

ROOT = Path(__file__).resolve().parents[2]

# Starts the tray app with a QTimer that reads the first modal dialog, prints it as JSON and closes it.
_DRIVER = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from app.ui.main import create_qapplication, run

    app = create_qapplication([])
    seen = []

    def read_and_close():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(50, read_and_close)
            return
        seen.append({"title": box.windowTitle(), "text": box.text(), "detail": box.informativeText()})
        box.close()

    QTimer.singleShot(0, read_and_close)
    status = run([])
    print(json.dumps({"status": status, "seen": seen}))
    """
)


def test_unopenable_store_shows_box_and_exits_1(tmp_path):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be")
    environ = {
        **{key: value for key, value in os.environ.items() if not key.startswith("USAGE_STATS_")},
        "USAGE_STATS_HOME": str(not_a_folder),
        "QT_QPA_PLATFORM": "offscreen",
        "LANGUAGE": "en",
        "PYTHONPATH": str(ROOT),
    }

    result = subprocess.run(
        [sys.executable, "-c", _DRIVER], capture_output=True, text=True, timeout=60, cwd=ROOT, env=environ
    )

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["status"] == 1
    [box] = outcome["seen"]
    assert box["title"] == "Printernizer Usage Statistics"
    assert box["text"] == (
        "The usage statistics cannot start because their data cannot be opened. Nothing was recorded or sent."
    )
    assert box["detail"] == (
        f"The data folder {not_a_folder} cannot be created because a file has that name or is in its path. "
        "Set USAGE_STATS_HOME to a folder you can write to."
    )
    assert not_a_folder.read_text() == "a file where the data folder should be"
    assert "The tray app cannot start: Cannot create the usage statistics folder" in result.stderr


def test_startup_failure_box_in_german(qtbot, german) -> None:
    box = startup_failure_box("detail text")
    qtbot.addWidget(box)

    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == (
        "Die Nutzungsstatistik kann nicht starten, weil ihre Daten nicht geöffnet werden können. "
        "Es wurde nichts aufgezeichnet oder gesendet."
    )
    assert box.informativeText() == "detail text"


@pytest.mark.parametrize(
    "environ",
    [{}, {"USAGE_STATS_HOME": "/srv/printernizer-stats"}, {"USAGE_STATS_HOME": " /srv/x "}, {"USAGE_STATS_HOME": "  "}],
)
def test_tray_and_core_choose_the_same_folder(environ) -> None:
    assert data_folder(environ) == default_home(environ)


def test_startup_detail_in_german(german, tmp_path) -> None:
    folder = tmp_path / "data"
    error = StorageError("english", folder=folder)
    error.__cause__ = PermissionError(errno.EACCES, "Permission denied")

    assert startup_failure_detail(error) == (
        f"Der Datenordner {folder} kann nicht angelegt werden, weil Sie dort nicht schreiben dürfen. "
        "Setzen Sie USAGE_STATS_HOME auf einen Ordner, in den Sie schreiben können."
    )


def test_startup_detail_other_error() -> None:
    error = StorageError("The usage database '/x/usage.db' is damaged and could not be moved aside.")

    assert startup_failure_detail(error) == "The usage database '/x/usage.db' is damaged and could not be moved aside."

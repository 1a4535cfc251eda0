"""Guard against the PySide6 build that aborts after many Signal.emit() calls on Python 3.11."""

from __future__ import annotations

import subprocess
import sys
import textwrap

EMIT_COUNT = 20_000

SCRIPT = textwrap.dedent(
    f"""
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        flag = Signal(bool)
        value = Signal(object)

    app = QCoreApplication([])
    emitter = Emitter()
    received = []
    emitter.flag.connect(lambda state: received.append(state))
    emitter.value.connect(lambda value: received.append(value))
    for number in range({EMIT_COUNT}):
        emitter.flag.emit(number % 2 == 0)
        emitter.value.emit(number)
    print(len(received))
    """
)


def test_many_signal_emits_exit_cleanly() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(2 * EMIT_COUNT)

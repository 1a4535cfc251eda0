"""Quit the tray app through its normal shutdown when SIGTERM or SIGINT arrives."""

from __future__ import annotations

import logging
import os
import signal
import socket

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier

logger = logging.getLogger("app.ui")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignalWatcher(QObject):
    """Bridge from SIGTERM and SIGINT to `QCoreApplication.exit()`, so `aboutToQuit` ends the session.

    `exit()` and not `quit()`: Qt lets a window that refuses to close, as the stats window
    does, cancel a `quit()`, and a stop signal must always stop the app.

    Python runs a signal handler only between bytecodes, and Qt's event loop waits in C++ until
    its next event, so the handler does nothing itself. `signal.set_wakeup_fd` writes the signal
    number to a socket pair, and a `QSocketNotifier` on the other end wakes the event loop.
    """

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._app = app
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}

        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)
        signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for signum in STOP_SIGNALS:
            signal.signal(signum, _ignore_in_python)

    def _on_wakeup(self) -> None:
        try:
            received = self._reader.recv(64)
        except BlockingIOError:
            return
        # The wakeup fd also receives other signals that have a Python handler, such as one
        # a host app installs for SIGUSR1; only the stop signals quit.
        stops = [signal.Signals(number).name for number in received if number in STOP_SIGNALS]
        if not stops:
            return
        logger.info("Quitting the tray app on %s", ", ".join(stops))
        self._app.exit(0)

    def close(self) -> None:
        """Restore the previous handlers and the wakeup fd, then close the socket pair."""
        signal.set_wakeup_fd(-1)
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()


def _ignore_in_python(signum: int, frame: object) -> None:
    """Replace the default handlers so that the wakeup fd alone acts on the signal."""


def watch_stop_signals(app: QCoreApplication) -> StopSignalWatcher | None:
    """Start a `StopSignalWatcher` for `app`, or return None on Windows."""
    # NOTE: Windows is left out because the watcher was only run and tested on Linux. On Windows,
    # a tray app stopped from outside still leaves its last session without an end time.
    if os.name == "nt":
        return None
    return StopSignalWatcher(app)

"""Keep one tray app per data folder: a second launch makes the first show its window."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

logger = logging.getLogger("app.ui")

CONNECT_TIMEOUT_MS = 500
WRITE_TIMEOUT_MS = 1000
SHOW_COMMAND = b"show\n"


def server_name(home: Path) -> str:
    """Name the local socket after a hash of the data folder, so each folder has its own instance."""
    digest = hashlib.sha256(str(home.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"printernizer-usage-stats-{digest}"


def notify_running_instance(name: str) -> bool:
    """Send the show command to a running instance; return False when none accepts the connection."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False

    socket.write(SHOW_COMMAND)
    socket.flush()
    socket.waitForBytesWritten(WRITE_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstanceServer(QObject):
    """Listen for later launches and emit `activation_requested` when one sends the show command."""

    activation_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._sockets: set[QLocalSocket] = set()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)

    def listen(self) -> bool:
        """Start listening; return False when another instance already listens on the name.

        The check comes first because on Unix, with socket options set, Qt binds in a private
        folder and renames the socket over any existing file, so `listen()` alone would take
        the name from a running instance. A socket file left by a crashed instance is removed.
        """
        probe = QLocalSocket()
        probe.connectToServer(self._name)
        if probe.waitForConnected(CONNECT_TIMEOUT_MS):
            probe.disconnectFromServer()
            return False

        QLocalServer.removeServer(self._name)
        if self._server.listen(self._name):
            return True
        logger.warning("Could not listen on local socket %s: %s", self._name, self._server.errorString())
        return False

    def close(self) -> None:
        self._server.close()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._sockets.add(socket)
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)

    def _on_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket) and bytes(socket.readAll().data()).startswith(SHOW_COMMAND.strip()):
            self.activation_requested.emit()

    def _on_disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._sockets.discard(socket)
            socket.deleteLater()

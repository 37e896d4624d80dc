"""One Cuecards per person on Windows: a `QLocalServer` named pipe (see instance.base).

QtNetwork costs the tray about 3 MB, so POSIX systems use a plain Unix socket instead
(`instance.unix`); Windows has no AF_UNIX in Python, and Qt's named pipes are the right tool.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.desktop.instance.base import (
    COMMANDS,
    CONNECT_MS,
    MAX_LINE,
    REPLY_MS,
    check_command,
    server_name,
)


class LocalServerInstance(QObject):
    """The single instance over a `QLocalServer` named pipe (Windows)."""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None
        self._on_command: Callable[[str], None] | None = None

    def try_handoff(self, command: str) -> bool:
        """Send `command` to the running instance; True once it confirmed, False when none runs.

        Blocking (it runs before any event loop), bounded by a few seconds.
        """
        check_command(command)
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_MS):
            return False
        try:
            socket.write(f"{command}\n".encode())
            socket.flush()
            reply = b""
            while not reply.endswith(b"\n") and socket.waitForReadyRead(REPLY_MS):
                reply += bytes(socket.readAll().data())
            return reply.strip() == b"ok"
        finally:
            socket.abort()

    def listen(self, on_command: Callable[[str], None]) -> bool:
        """Become the instance: `on_command(command)` runs on the GUI thread per hand-off.

        Returns False when another live instance already listens (the caller hands off to it
        instead). A socket left by a crashed instance, which nobody answers, is removed.
        """
        # Ask first: with UserAccessOption Qt creates the socket aside and renames it into
        # place, so listen() would silently take the name over from a live instance.
        if self._alive():
            return False
        QLocalServer.removeServer(self.name)  # a crashed instance's socket, if any
        self._on_command = on_command
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            raise OSError(f"cannot listen on {self.name}: {server.errorString()}")
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def close(self) -> None:
        """Stop listening and remove the socket (at quit)."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def _alive(self) -> bool:
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        alive = probe.waitForConnected(CONNECT_MS)
        probe.abort()
        return alive

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            if socket.bytesAvailable() > MAX_LINE:
                socket.abort()
            return
        command = bytes(socket.readLine(MAX_LINE + 1).data()).decode("ascii", "replace").strip()
        if command not in COMMANDS:
            socket.write(b"unknown\n")
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        if self._on_command is not None:
            self._on_command(command)

"""One Cuecards per person and data directory: a later launch hands its command to the first.

The running app listens on a `QLocalServer` (a Unix socket readable by its user only, a named
pipe on Windows) whose name is derived from the user and a hash of the data directory, so
tests and people with `--data-dir` get separate instances. `cuecards run` and
`cuecards palette` connect, send one line (`show`, `palette`) and wait for `ok`. A socket file
left behind by a crash is removed when nobody answers on it.
"""

from __future__ import annotations

import getpass
import os
import zlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

COMMANDS = ("show", "palette")
CONNECT_MS = 1000
REPLY_MS = 3000
_MAX_LINE = 64


def server_name(data_dir: Path) -> str:
    """The socket name for this user and data directory (short enough for any OS)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    path = str(Path(data_dir).expanduser().resolve()).encode()
    # A name, not a secret: two checksums (64 bits) tell a user's data directories apart
    # without loading OpenSSL into the tray for it.
    digest = f"{zlib.crc32(path):08x}{zlib.adler32(path):08x}"
    safe_user = "".join(ch for ch in user if ch.isalnum())[:16] or "user"
    return f"cuecards-{safe_user}-{digest[:16]}"


class SingleInstance(QObject):
    """The first launch `listen()`s; a later one calls `try_handoff(command)` and exits."""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None
        self._on_command: Callable[[str], None] | None = None

    def try_handoff(self, command: str) -> bool:
        """Send `command` to the running instance; True once it confirmed, False when none runs.

        Blocking (it runs before any event loop), bounded by a few seconds.
        """
        if command not in COMMANDS:
            raise ValueError(f"instance command {command!r} is not one of {', '.join(COMMANDS)}")
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
            if socket.bytesAvailable() > _MAX_LINE:
                socket.abort()
            return
        command = bytes(socket.readLine(_MAX_LINE + 1).data()).decode("ascii", "replace").strip()
        if command not in COMMANDS:
            socket.write(b"unknown\n")
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        if self._on_command is not None:
            self._on_command(command)

"""One Cuecards per person on Linux and macOS: a Unix socket guarded by a lock file.

Whoever holds an exclusive `flock` on `<name>.lock` is the instance, so two launches at the
same moment cannot both win, and a crashed instance lets go of the lock with its process;
its socket file is then replaced. The socket lives in `$XDG_RUNTIME_DIR` (per user, 0700)
when there is one, else in the temporary directory, created 0600. Connections are read with
`QSocketNotifier`s: nothing blocks the GUI thread, and no QtNetwork (3 MB) is loaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSocketNotifier

from app.desktop.instance.base import (
    COMMANDS,
    CONNECT_MS,
    MAX_LINE,
    REPLY_MS,
    check_command,
    server_name,
)


def socket_dir() -> Path:
    """Where the socket goes: the user's runtime directory, else the temporary directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime)
    return Path(tempfile.gettempdir())


class UnixSocketInstance(QObject):
    """The single instance over a Unix socket (see the module docstring)."""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self.path = socket_dir() / f"{self.name}.sock"
        self._lock: int | None = None
        self._server: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier, bytearray]] = {}
        self._on_command: Callable[[str], None] | None = None

    def try_handoff(self, command: str) -> bool:
        """Send `command` to the running instance; True once it confirmed, False when none
        runs. Blocking (it runs before any event loop), bounded by a few seconds."""
        check_command(command)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as peer:
            peer.settimeout(CONNECT_MS / 1000)
            try:
                peer.connect(str(self.path))
                peer.settimeout(REPLY_MS / 1000)
                peer.sendall(f"{command}\n".encode())
                reply = b""
                while not reply.endswith(b"\n") and len(reply) <= MAX_LINE:
                    chunk = peer.recv(MAX_LINE)
                    if not chunk:
                        break
                    reply += chunk
            except OSError:  # nobody there, a stale file, or no answer in time
                return False
        return reply.strip() == b"ok"

    def listen(self, on_command: Callable[[str], None]) -> bool:
        """Become the instance: `on_command(command)` runs on the GUI thread per hand-off.

        Returns False when another live instance holds the lock (the caller hands off to it).
        """
        lock_path = self.path.with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock = fd
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by an instance that crashed: its lock is gone
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)  # the socket file is created 0600: this user only
        try:
            server.bind(str(self.path))
        except OSError as exc:
            server.close()
            self._release()
            raise OSError(f"cannot listen on {self.path}: {exc.strerror or exc}") from None
        finally:
            os.umask(umask)
        server.listen(8)
        server.setblocking(False)
        self._server = server
        self._on_command = on_command
        self._notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        return True

    @property
    def listening(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        """Stop listening, remove the socket file and let go of the lock (at quit)."""
        for fileno in list(self._clients):
            self._drop(fileno)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._server is not None:
            self._server.close()
            self._server = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor drops the flock
            self._lock = None

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                peer, _ = self._server.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            peer.setblocking(False)
            fileno = peer.fileno()
            notifier = QSocketNotifier(fileno, QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_, f=fileno: self._read(f))
            self._clients[fileno] = (peer, notifier, bytearray())

    def _read(self, fileno: int) -> None:
        peer, _, buffer = self._clients[fileno]
        try:
            chunk = peer.recv(MAX_LINE + 1)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        buffer += chunk
        if not chunk or len(buffer) > MAX_LINE:
            self._drop(fileno)
            return
        if b"\n" not in buffer:
            return
        command = bytes(buffer.split(b"\n", 1)[0]).decode("ascii", "replace").strip()
        known = command in COMMANDS
        with contextlib.suppress(OSError):
            peer.send(b"ok\n" if known else b"unknown\n")
        self._drop(fileno)
        if known and self._on_command is not None:
            self._on_command(command)

    def _drop(self, fileno: int) -> None:
        peer, notifier, _ = self._clients.pop(fileno)
        notifier.setEnabled(False)
        notifier.deleteLater()
        peer.close()

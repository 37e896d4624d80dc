"""One Cuecards per person and data directory: a later launch hands its command to the first.

The running app listens on a local socket whose name comes from the user and a checksum of
the data directory, so tests and people with `--data-dir` get separate instances.
`cuecards run` and `cuecards palette` connect, send one line (`show`, `palette`) and wait
for `ok`. On Linux and macOS it is a Unix socket readable by its user only, guarded by a
lock file (`unix`); on Windows a Qt named pipe (`qt`). `channel.open_instance` picks one.
"""

from __future__ import annotations

import getpass
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

COMMANDS = ("show", "palette", "ping")  # ping: is a tray running here? (doctor asks)
CONNECT_MS = 1000
REPLY_MS = 3000
MAX_LINE = 64


class SingleInstance(Protocol):
    """The first launch `listen()`s; a later one calls `try_handoff(command)` and exits."""

    name: str

    def try_handoff(self, command: str) -> bool:
        """Send `command` to the running instance; True once it confirmed, False when none
        runs. Blocking (it runs before any event loop), bounded by a few seconds."""
        ...

    def listen(self, on_command: Callable[[str], None]) -> bool:
        """Become the instance (`on_command` runs on the GUI thread per hand-off); False when
        another live instance already is."""
        ...

    @property
    def listening(self) -> bool: ...

    def close(self) -> None:
        """Stop listening and let go of the name (at quit)."""
        ...


def check_command(command: str) -> None:
    """Refuse a command the instance does not know (a programming error, not input)."""
    if command not in COMMANDS:
        raise ValueError(f"instance command {command!r} is not one of {', '.join(COMMANDS)}")


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
    return f"cuecards-{safe_user}-{digest}"

"""A scripted fd backend for driver and command tests: no OS window system needed."""

from __future__ import annotations

import os

from app.core.context import Context
from app.desktop.watch.base import WatcherBackend, WatchEvent


class PipeBackend(WatcherBackend):
    """An fd backend fed through a pipe: each line is an app id, `LOST` ends the session."""

    name = "pipe"

    def __init__(self) -> None:
        super().__init__()
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.dispatches = 0

    def fileno(self) -> int | None:
        return None if self.closed else self.read_fd

    def send(self, text: str) -> None:
        os.write(self.write_fd, text.encode())

    def dispatch(self) -> list[WatchEvent]:
        self.dispatches += 1
        try:
            data = os.read(self.read_fd, 4096).decode()
        except BlockingIOError:
            data = ""
        for line in data.splitlines():
            if line == "LOST":
                self._lose("pipe closed")
                break
            self._offer(Context(line, backend=self.name))
        return self._take()

    def close(self) -> None:
        if not self.closed:
            super().close()
            os.close(self.read_fd)
            os.close(self.write_fd)

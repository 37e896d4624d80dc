"""Drive a watcher backend on the calling thread without Qt: for the CLI and for tests.

fd backends are waited on with `select()` and no timeout, so the thread sleeps in the kernel
until the OS has news; loop backends run their own OS loop through `pump()`. `stop()` may be
called from any thread: it writes to a self-pipe the `select()` also waits on (or interrupts
the OS loop), so stopping needs no timeout either.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Callable

from app.desktop.watch.base import ContextChanged, WatcherBackend, WatcherLost


class BlockingDriver:
    """Delivers a backend's `ContextChanged` events to a callback until stopped or lost."""

    def __init__(self, backend: WatcherBackend) -> None:
        self.backend = backend
        self._stop_r, self._stop_w = os.pipe()
        os.set_blocking(self._stop_r, False)
        os.set_blocking(self._stop_w, False)
        self._stopped = False

    def run(self, on_change: Callable[[ContextChanged], None]) -> str | None:
        """Block, calling `on_change` per change; return None when stopped, else why it was lost.

        KeyboardInterrupt (Ctrl+C) propagates to the caller.
        """
        backend = self.backend
        # Events may already sit in the backend's own buffers (read during start-up round
        # trips), where no descriptor would announce them: drain once before waiting.
        lost = self._deliver(on_change)
        while lost is None and not self._stopped:
            if backend.closed:
                return "the watcher was closed"
            fd = backend.fileno()
            if fd is None:
                backend.pump(None)
            else:
                ready, _, _ = select.select([fd, self._stop_r], [], [])
                if self._stop_r in ready:
                    break
            lost = self._deliver(on_change)
        return lost

    def stop(self) -> None:
        """Make `run()` return soon; safe from any thread and more than once."""
        self._stopped = True
        # A full pipe already wakes the select; a closed one means run() is over.
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")
        self.backend.interrupt()

    def close(self) -> None:
        """Release the self-pipe (the backend is the caller's to close)."""
        for fd in (self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _deliver(self, on_change: Callable[[ContextChanged], None]) -> str | None:
        for event in self.backend.dispatch():
            if isinstance(event, WatcherLost):
                return event.message
            on_change(event)
        return None

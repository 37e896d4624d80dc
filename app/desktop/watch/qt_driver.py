"""Drive a watcher backend from the Qt event loop: the tray app's way of receiving contexts.

fd backends get a `QSocketNotifier` on their descriptor, so no thread and no timer is
involved: the GUI thread sleeps until the X server (or compositor) writes. Loop backends
(Windows hooks, macOS notifications, QtDBus) already call back on the GUI thread because Qt's
loop pumps their messages; their `on_change` is pointed at the same drain. Either way the
`changed` signal carries an `app.core.context.Context` and `lost` fires once with a message
when the session goes away, after which the watcher is stopped.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from app.core.context import Context
from app.desktop.watch.base import ContextChanged, WatcherBackend, WatcherLost


class QtWatcher(QObject):
    """Qt face of a backend: `changed(Context)` per change, `lost(str)` once at the end."""

    changed = Signal(object)
    lost = Signal(str)

    def __init__(self, backend: WatcherBackend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._notifier: QSocketNotifier | None = None
        self._running = False

    @property
    def backend(self) -> WatcherBackend:
        """The backend being driven (for `current()`, `idle_seconds()`, `name`)."""
        return self._backend

    def current(self) -> Context | None:
        """The last context seen, without asking the OS."""
        return self._backend.current()

    def start(self, emit_current: bool = True) -> None:
        """Start watching; with `emit_current`, `changed` first fires with the current context."""
        if self._running:
            return
        self._running = True
        fd = self._backend.fileno()
        if fd is not None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._drain)
        else:
            self._backend.on_change = self._drain
        if emit_current and (context := self._backend.current()) is not None:
            self.changed.emit(context)
        # Events buffered during the backend's start-up would not wake the notifier.
        QTimer.singleShot(0, self._drain)

    def stop(self) -> None:
        """Stop watching (the backend stays open; close it yourself)."""
        self._running = False
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        self._backend.on_change = None

    def _drain(self) -> None:
        if not self._running:
            return
        for event in self._backend.dispatch():
            if isinstance(event, ContextChanged):
                self.changed.emit(event.context)
            elif isinstance(event, WatcherLost):
                self.stop()
                self.lost.emit(event.message)
                return

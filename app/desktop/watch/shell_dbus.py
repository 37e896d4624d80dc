"""What the KDE and GNOME backends share: a shell reports focus changes to us over D-Bus.

The subclass arranges for the shell to call `_on_report(payload)`; this base owns the bus,
the Qt loop pump, payload decoding and the idle-time query.
"""

from __future__ import annotations

from PySide6.QtDBus import QDBusConnection, QDBusMessage

from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent
from app.desktop.watch.qt_loop import QtLoopPump, ensure_qt_app
from app.desktop.watch.shell_payload import context_from_shell_payload


class ShellDBusWatcher(WatcherBackend):
    """A watcher fed by D-Bus calls or signals from the desktop shell."""

    def __init__(self, bus: QDBusConnection | None = None) -> None:
        super().__init__()
        ensure_qt_app()
        self._bus = bus if bus is not None else QDBusConnection.sessionBus()
        self._pump = QtLoopPump()
        self.bad_payloads = 0
        if not self._bus.isConnected():
            raise BackendUnavailable(
                "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead)"
            )

    def dispatch(self) -> list[WatchEvent]:
        return self._take()

    def pump(self, timeout: float | None) -> None:
        self._pump.pump(self, timeout)

    def interrupt(self) -> None:
        self._pump.interrupt()

    def _idle_from(self, service: str, path: str, interface: str, method: str) -> float | None:
        """Seconds idle from a D-Bus method answering milliseconds; None when it cannot say."""
        if self.closed:
            return None
        reply = self._call(service, path, interface, method)
        if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
            return None
        return float(reply.arguments()[0]) / 1000.0

    def _on_report(self, payload: str) -> None:
        if self.closed:
            return
        self.events_received += 1
        try:
            context = context_from_shell_payload(payload, self.name)
        except ValueError:
            self.bad_payloads += 1
            return
        if self._offer(context):
            self._notify()

    def _call(
        self, service: str, path: str, interface: str, method: str, *args: object
    ) -> QDBusMessage:
        message = QDBusMessage.createMethodCall(service, path, interface, method)
        if args:
            message.setArguments(list(args))
        return self._bus.call(message)

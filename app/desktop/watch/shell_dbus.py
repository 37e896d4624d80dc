"""What the KDE and GNOME backends share: a shell reports focus changes to us over D-Bus.

The subclass arranges for the shell to call `_on_report(payload)`; this base owns the bus,
the Qt loop pump, payload decoding, the executable name (from the reported pid, as sway and
Hyprland do) and the idle-time query.

"No window" is held back for `NO_WINDOW_GRACE` seconds: KWin 5.27 reports
`clientActivated(null)` just before the new window on every switch (and Mutter may pass
through no focus), and each report reaches the tray as its own drain, so a false "no window"
would otherwise sit between every two windows. A real window reported within the grace
replaces it; when none comes (every window closed), "no window" is reported.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtDBus import QDBusConnection, QDBusMessage

from app.core.context import Context
from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent
from app.desktop.watch.qt_loop import QtLoopPump, ensure_qt_app
from app.desktop.watch.shell_payload import context_from_shell_payload

NO_WINDOW_GRACE = 0.2  # seconds; KWin sends the null and the new window in the same millisecond


class ShellDBusWatcher(WatcherBackend):
    """A watcher fed by D-Bus calls or signals from the desktop shell."""

    def __init__(self, bus: QDBusConnection | None = None) -> None:
        super().__init__()
        ensure_qt_app()
        self._bus = bus if bus is not None else QDBusConnection.sessionBus()
        self._pump = QtLoopPump()
        self.bad_payloads = 0
        self._no_window = QTimer()
        self._no_window.setSingleShot(True)
        self._no_window.setInterval(int(NO_WINDOW_GRACE * 1000))
        self._no_window.timeout.connect(self._no_window_held)
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

    def close(self) -> None:
        if not self.closed:
            self._no_window.stop()
        super().close()

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
        if not context.app and not context.title:
            if not self._no_window.isActive():
                self._no_window.start()
            return
        self._no_window.stop()  # a window came right after "none": that was a switch
        self._offer_context(context)

    def _offer_context(self, context: Context) -> None:
        """Offer a context with its executable name and wake the driver if it is news."""
        if self._offer(context, appid.exe_for_pid(context.pid)):
            self._notify()

    def _no_window_held(self) -> None:
        if not self.closed:
            self._offer_context(Context(app="", title="", backend=self.name))

    def _call(
        self, service: str, path: str, interface: str, method: str, *args: object
    ) -> QDBusMessage:
        message = QDBusMessage.createMethodCall(service, path, interface, method)
        if args:
            message.setArguments(list(args))
        return self._bus.call(message)

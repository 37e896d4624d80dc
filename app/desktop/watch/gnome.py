"""GNOME Shell backend: the Cuecards shell extension reports focus changes over D-Bus.

Mutter lets no client see other windows on Wayland, so a small extension shipped in
`resources/desktop/gnome-shell-extension/cuecards@cuecards.example/` runs inside the shell
and exports `/org/cuecards/Shell` (`org.cuecards.Shell`) on `org.gnome.Shell`: a
`FocusChanged(s)` signal and a `Current() -> s` method, both carrying a `shell_payload` JSON
string. We subscribe to the signal with QtDBus and ask `Current()` once at start; if that
call fails, the extension is not installed or not enabled and `BackendUnavailable` says how
to fix it (`install_hint()`).

Events arrive through the Qt event loop (fileno() is None): inside the app Qt delivers them,
the CLI runs `pump()`. Idle time comes from Mutter's `org.gnome.Mutter.IdleMonitor`
(`GetIdletime`, milliseconds). A malformed payload is counted in `bad_payloads` and ignored.
"""

from __future__ import annotations

from PySide6.QtCore import SLOT, QObject, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable
from app.desktop.watch.resources import desktop_resource
from app.desktop.watch.shell_dbus import ShellDBusWatcher
from app.desktop.watch.shell_payload import context_from_shell_payload

SHELL_SERVICE = "org.gnome.Shell"
OBJECT_PATH = "/org/cuecards/Shell"
INTERFACE = "org.cuecards.Shell"
EXTENSION_UUID = "cuecards@cuecards.example"


def install_hint() -> str:
    """Exactly what to run to install and enable the extension for this user."""
    source = desktop_resource("gnome-shell-extension", EXTENSION_UUID)
    target = f"~/.local/share/gnome-shell/extensions/{EXTENSION_UUID}"
    return (
        f"install the Cuecards GNOME Shell extension: `mkdir -p {target} && cp -r "
        f"{source}/. {target}/`, log out and back in (GNOME on Wayland loads new extensions "
        f"only at login), then `gnome-extensions enable {EXTENSION_UUID}`"
    )


class _Listener(QObject):
    """Receives the extension's FocusChanged signal on the Qt thread."""

    def __init__(self, backend: GnomeWatcher) -> None:
        super().__init__()
        self._backend = backend

    @Slot(str)
    def focusChanged(self, payload: str) -> None:  # noqa: N802 - Qt slot name
        self._backend._on_report(payload)


class GnomeWatcher(ShellDBusWatcher):
    """Active window under GNOME Shell via the Cuecards extension; see the module docstring."""

    name = "gnome"

    def __init__(self, bus: QDBusConnection | None = None, shell_service: str = SHELL_SERVICE):
        super().__init__(bus)
        self._shell = shell_service
        self._listener = _Listener(self)
        self._subscribed = self._bus.connect(
            self._shell,
            OBJECT_PATH,
            INTERFACE,
            "FocusChanged",
            self._listener,
            SLOT("focusChanged(QString)"),
        )
        if not self._subscribed:
            raise BackendUnavailable("cannot subscribe to the extension's D-Bus signal")
        reply = self._call(self._shell, OBJECT_PATH, INTERFACE, "Current")
        if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
            self._unsubscribe()
            if reply.errorName() == "org.freedesktop.DBus.Error.ServiceUnknown":
                raise BackendUnavailable(
                    f"GNOME Shell is not on the D-Bus session bus ({reply.errorMessage()})"
                )
            raise BackendUnavailable(install_hint())
        try:
            context = context_from_shell_payload(str(reply.arguments()[0]), self.name)
        except ValueError as exc:
            self._unsubscribe()
            raise BackendUnavailable(
                f"the Cuecards GNOME Shell extension answered in an unknown format ({exc}); "
                "update the extension from this version of Cuecards"
            ) from exc
        self._offer(context, appid.exe_for_pid(context.pid))
        self._pending.clear()  # the starting context is current(), not a change

    def idle_seconds(self) -> float | None:
        return self._idle_from(
            "org.gnome.Mutter.IdleMonitor",
            "/org/gnome/Mutter/IdleMonitor/Core",
            "org.gnome.Mutter.IdleMonitor",
            "GetIdletime",
        )

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._unsubscribe()

    def _unsubscribe(self) -> None:
        self._bus.disconnect(
            self._shell,
            OBJECT_PATH,
            INTERFACE,
            "FocusChanged",
            self._listener,
            SLOT("focusChanged(QString)"),
        )

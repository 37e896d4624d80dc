"""GNOME Shell backend: the Cuecards shell extension reports focus changes over D-Bus.

Mutter lets no client see other windows on Wayland, so a small extension shipped in
`resources/desktop/gnome-shell-extension/` runs inside the shell and exports
`/org/cuecards/Shell` (`org.cuecards.Shell`) on `org.gnome.Shell`: a `FocusChanged(s)`
signal and a `Current() -> s` method, both carrying a `shell_payload` JSON string. We
subscribe to the signal with QtDBus and ask `Current()` once at start. If that call fails
(or answers in a format we do not know), the extension is missing, disabled, out of date or
in the other shell's format: we install the format the running shell loads (its
`ShellVersion`: 42–44 scripts or 45+ modules, `gnome_extension`) into the person's
extensions folder, and `BackendUnavailable` says what is left to do (log in again, enable).

Events arrive through the Qt event loop (fileno() is None): inside the app Qt delivers them,
the CLI runs `pump()`. Idle time comes from Mutter's `org.gnome.Mutter.IdleMonitor`
(`GetIdletime`, milliseconds). A malformed payload is counted in `bad_payloads` and ignored.
"""

from __future__ import annotations

from PySide6.QtCore import SLOT, QObject, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusVariant

from app.desktop.watch import appid, gnome_extension
from app.desktop.watch.base import BackendUnavailable
from app.desktop.watch.resources import desktop_resource
from app.desktop.watch.shell_dbus import ShellDBusWatcher
from app.desktop.watch.shell_payload import context_from_shell_payload

SHELL_SERVICE = "org.gnome.Shell"
OBJECT_PATH = "/org/cuecards/Shell"
INTERFACE = "org.cuecards.Shell"
EXTENSION_UUID = gnome_extension.UUID
_AFTER = (
    "log out and back in (GNOME on Wayland loads new extensions only at login), then run "
    f"`gnome-extensions enable {EXTENSION_UUID}`"
)


def install_hint(shell_version: str | None = None) -> str:
    """Exactly what to run to install and enable the fitting extension for this user."""
    variant = gnome_extension.variant_for(shell_version)
    source = desktop_resource("gnome-shell-extension", variant, EXTENSION_UUID)
    target = f"~/.local/share/gnome-shell/extensions/{EXTENSION_UUID}"
    return (
        f"install the Cuecards GNOME Shell extension: `mkdir -p {target} && cp -r "
        f"{source}/. {target}/`, {_AFTER}"
    )


def install_extension(shell_version: str | None) -> str:
    """Install the extension for this shell; the sentence that tells the person what is left."""
    where = f"GNOME Shell {shell_version}" if shell_version else "this GNOME Shell"
    try:
        folder = gnome_extension.install(shell_version)
    except OSError as exc:
        return (
            "the Cuecards GNOME Shell extension is not running and could not be installed "
            f"({exc}); {install_hint(shell_version)}"
        )
    return (
        f"the Cuecards GNOME Shell extension was not running; Cuecards installed the one for "
        f"{where} in {folder}: {_AFTER}"
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
            raise BackendUnavailable(install_extension(self.shell_version()))
        try:
            context = context_from_shell_payload(str(reply.arguments()[0]), self.name)
        except ValueError as exc:
            self._unsubscribe()
            raise BackendUnavailable(
                f"the Cuecards GNOME Shell extension answered in an unknown format ({exc}), so "
                f"it is older than this Cuecards; {install_extension(self.shell_version())}"
            ) from exc
        self._offer(context, appid.exe_for_pid(context.pid))
        self._pending.clear()  # the starting context is current(), not a change

    def shell_version(self) -> str | None:
        """The running shell's version (`org.gnome.Shell` ShellVersion), None if it won't say."""
        reply = self._call(
            self._shell, "/org/gnome/Shell", "org.freedesktop.DBus.Properties", "Get",
            "org.gnome.Shell", "ShellVersion",
        )  # fmt: skip
        if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
            return None
        value = reply.arguments()[0]
        value = value.variant() if isinstance(value, QDBusVariant) else value
        return str(value) if value else None

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

"""KDE Plasma (KWin, Wayland or X11) backend: a KWin script reports the active window over D-Bus.

On Wayland no client may see other windows, but KWin runs JavaScript inside the compositor.
At start we export a receiver object on the session bus (QtDBus, our unique bus name, a
per-instance path), fill `resources/desktop/kwin/cuecards-watch.js` with that name and path,
and load it: `org.kde.KWin /Scripting org.kde.kwin.Scripting.loadScript(file, plugin)` then
`run` on `/Scripting/Script<id>` (Plasma 6) or `/<id>` (Plasma 5.27), and `start()`, which
runs every loaded script not yet running: KWin 5.27 numbers a script by how many are loaded,
so after another script was unloaded our id can name an older script's object, and `run`
there never starts ours (seen on a real KWin 5.27). The script calls our
`Report(s)` method with a `shell_payload` JSON string when the active window, its caption or
its full-screen state changes, and once right after loading (which proves delivery to
`doctor`). `close()` unloads the script and removes the temporary file.

Events arrive through the Qt event loop (fileno() is None): inside the app Qt delivers them,
the CLI runs `pump()`. A malformed payload is counted in `bad_payloads` and ignored. Idle
time: `org.freedesktop.ScreenSaver.GetSessionIdleTime` (milliseconds); Plasma on Wayland
answers NotSupported, so there `idle_seconds()` is None. Needs KWin's scripting D-Bus API
(Plasma 5.27 or 6); nothing else to install.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import ClassInfo, QObject, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

from app.desktop.watch.base import BackendUnavailable
from app.desktop.watch.resources import desktop_resource
from app.desktop.watch.shell_dbus import ShellDBusWatcher
from app.desktop.watch.shell_payload import render_kwin_script

INTERFACE = "org.cuecards.Watcher"
KWIN_SERVICE = "org.kde.KWin"
SCRIPT_TEMPLATE = ("kwin", "cuecards-watch.js")
SCRIPTING_PATH = "/Scripting"
SCRIPTING_INTERFACE = "org.kde.kwin.Scripting"
_serial = itertools.count(1)


@ClassInfo({"D-Bus Interface": INTERFACE})
class _Receiver(QObject):
    """The D-Bus object KWin's script calls; hands each payload to the backend."""

    def __init__(self, backend: KWinWatcher) -> None:
        super().__init__()
        self._backend = backend

    @Slot(str)
    def Report(self, payload: str) -> None:  # noqa: N802 - D-Bus method name
        self._backend._on_report(payload)


class KWinWatcher(ShellDBusWatcher):
    """Active window under KWin via a loaded script; see the module docstring."""

    name = "kde"

    def __init__(self, bus: QDBusConnection | None = None, kwin_service: str = KWIN_SERVICE):
        super().__init__(bus)
        self._kwin = kwin_service
        serial = next(_serial)
        self._path = f"/org/cuecards/Watcher/{os.getpid()}_{serial}"
        self._plugin = f"cuecards-watch-{os.getpid()}-{serial}"
        self._receiver = _Receiver(self)
        if not self._bus.registerObject(
            self._path, INTERFACE, self._receiver, QDBusConnection.RegisterOption.ExportAllSlots
        ):
            raise BackendUnavailable(f"cannot export {self._path} on D-Bus")
        self._tmpdir = Path(tempfile.mkdtemp(prefix="cuecards-kwin-"))
        try:
            script = self._tmpdir / "cuecards-watch.js"
            template = desktop_resource(*SCRIPT_TEMPLATE).read_text(encoding="utf-8")
            script.write_text(
                render_kwin_script(template, self._bus.baseService(), self._path), encoding="utf-8"
            )
            self._load(script)
        except (BackendUnavailable, OSError) as exc:
            self._cleanup(unload=False)
            if isinstance(exc, OSError):
                raise BackendUnavailable(f"cannot write the KWin script: {exc}") from exc
            raise

    def ping(self) -> bool:
        """The script reports once as soon as KWin runs it: that first report is the echo."""
        return not self.closed and self.events_received == 0

    def idle_seconds(self) -> float | None:
        return self._idle_from(
            "org.freedesktop.ScreenSaver",
            "/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "GetSessionIdleTime",
        )

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._cleanup(unload=True)

    # Internals.

    def _load(self, script: Path) -> None:
        self._kwin_call(SCRIPTING_PATH, SCRIPTING_INTERFACE, "unloadScript", self._plugin)
        reply = self._kwin_call(
            SCRIPTING_PATH, SCRIPTING_INTERFACE, "loadScript", str(script), self._plugin
        )
        if reply.type() != QDBusMessage.MessageType.ReplyMessage:
            raise BackendUnavailable(
                f"KWin is not reachable on D-Bus ({reply.errorName()}: {reply.errorMessage()}); "
                "this backend needs a KDE Plasma 5.27 or 6 session"
            )
        script_id = int(reply.arguments()[0]) if reply.arguments() else -1
        if script_id < 0:
            raise BackendUnavailable("KWin refused to load the Cuecards script")
        ran = False
        run = reply
        for path in (f"/Scripting/Script{script_id}", f"/{script_id}"):
            run = self._kwin_call(path, "org.kde.kwin.Script", "run")
            if run.type() == QDBusMessage.MessageType.ReplyMessage:
                ran = True
                break
        start = self._kwin_call(SCRIPTING_PATH, SCRIPTING_INTERFACE, "start")
        if not ran and start.type() != QDBusMessage.MessageType.ReplyMessage:
            raise BackendUnavailable(
                f"KWin loaded the Cuecards script but would not run it ({run.errorMessage()})"
            )

    def _kwin_call(self, path: str, interface: str, method: str, *args: object) -> QDBusMessage:
        return self._call(self._kwin, path, interface, method, *args)

    def _cleanup(self, unload: bool) -> None:
        if unload:
            self._kwin_call(SCRIPTING_PATH, SCRIPTING_INTERFACE, "unloadScript", self._plugin)
        self._bus.unregisterObject(self._path)
        shutil.rmtree(self._tmpdir, ignore_errors=True)

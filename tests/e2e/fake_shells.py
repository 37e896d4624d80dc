"""`python -m tests.e2e.fake_shells MODE SAMPLES`: stand-ins for KWin and GNOME Shell on D-Bus.

The real compositors cannot run here, so this process plays their D-Bus side, exactly as
documented by KWin's scripting interface and by our GNOME extension, on a private bus:

* `kde`: owns `org.kde.KWin` with `/Scripting` (`loadScript`, `unloadScript`) and
  `/Scripting/Script<id>` (`run`). On `run` it reads the script file it was given, takes the
  service and path the backend wrote into it, and calls their `Report(s)` with each payload
  from SAMPLES (one JSON string per line), as the script would. It also answers
  `org.freedesktop.ScreenSaver.GetSessionIdleTime` with 1500 (ms).
* `gnome`: owns `org.gnome.Shell` with `/org/cuecards/Shell`: `Current()` returns the first
  payload and, shortly after, the others are emitted as `FocusChanged(s)` signals; it also
  answers `org.gnome.Mutter.IdleMonitor.GetIdletime` with 4200 (ms).
* `gnome-no-extension`: owns `org.gnome.Shell` but exports no Cuecards object.

Every call received is printed as a JSON line, so tests can check e.g. that the script was
unloaded on exit.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, QTimer, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

EXPORT = QDBusConnection.RegisterOption.ExportAllSlots


def log(**row: object) -> None:
    print(json.dumps(row), flush=True)


@ClassInfo({"D-Bus Interface": "org.kde.kwin.Scripting"})
class Scripting(QObject):
    def __init__(self, bus: QDBusConnection, payloads: list[str]) -> None:
        super().__init__()
        self.bus = bus
        self.payloads = payloads
        self.script = ""
        self.runner = ScriptRunner(self)

    @Slot(str, str, result=int)
    def loadScript(self, path: str, plugin: str) -> int:  # noqa: N802
        log(call="loadScript", plugin=plugin)
        self.script = Path(path).read_text(encoding="utf-8")
        return 7

    @Slot(str, result=bool)
    def unloadScript(self, plugin: str) -> bool:  # noqa: N802
        log(call="unloadScript", plugin=plugin)
        return True

    def run(self) -> None:
        service = json.loads(re.search(r"const SERVICE = (\".*?\");", self.script).group(1))
        path = json.loads(re.search(r"const PATH = (\".*?\");", self.script).group(1))
        log(call="run", service=service, path=path)
        for payload in self.payloads:
            message = QDBusMessage.createMethodCall(service, path, "org.cuecards.Watcher", "Report")
            message.setArguments([payload])
            self.bus.send(message)


@ClassInfo({"D-Bus Interface": "org.kde.kwin.Script"})
class ScriptRunner(QObject):
    def __init__(self, scripting: Scripting) -> None:
        super().__init__()
        self.scripting = scripting

    @Slot()
    def run(self) -> None:
        QTimer.singleShot(0, self.scripting.run)


@ClassInfo({"D-Bus Interface": "org.freedesktop.ScreenSaver"})
class ScreenSaver(QObject):
    @Slot(result=int)
    def GetSessionIdleTime(self) -> int:  # noqa: N802
        return 1500


@ClassInfo({"D-Bus Interface": "org.cuecards.Shell"})
class Shell(QObject):
    def __init__(self, bus: QDBusConnection, payloads: list[str]) -> None:
        super().__init__()
        self.bus = bus
        self.payloads = payloads

    @Slot(result=str)
    def Current(self) -> str:  # noqa: N802
        log(call="Current")
        QTimer.singleShot(200, self.emit_rest)
        return self.payloads[0]

    def emit_rest(self) -> None:
        for payload in self.payloads[1:]:
            signal = QDBusMessage.createSignal(
                "/org/cuecards/Shell", "org.cuecards.Shell", "FocusChanged"
            )
            signal.setArguments([payload])
            self.bus.send(signal)


@ClassInfo({"D-Bus Interface": "org.gnome.Mutter.IdleMonitor"})
class IdleMonitor(QObject):
    @Slot(result=int)
    def GetIdletime(self) -> int:  # noqa: N802
        return 4200


def main(mode: str, samples: str) -> int:
    app = QCoreApplication(sys.argv)
    bus = QDBusConnection.sessionBus()
    payloads = [line for line in Path(samples).read_text(encoding="utf-8").splitlines() if line]
    keep: list[QObject] = []
    if mode == "kde":
        scripting = Scripting(bus, payloads)
        keep += [scripting, ScreenSaver()]
        bus.registerObject("/Scripting", scripting, EXPORT)
        bus.registerObject("/Scripting/Script7", scripting.runner, EXPORT)
        bus.registerService("org.kde.KWin")
        bus.registerObject("/ScreenSaver", keep[-1], EXPORT)
        bus.registerService("org.freedesktop.ScreenSaver")
    elif mode in ("gnome", "gnome-no-extension"):
        if mode == "gnome":
            shell = Shell(bus, payloads)
            keep.append(shell)
            bus.registerObject("/org/cuecards/Shell", shell, EXPORT)
        keep.append(IdleMonitor())
        bus.registerObject("/org/gnome/Mutter/IdleMonitor/Core", keep[-1], EXPORT)
        bus.registerService("org.gnome.Mutter.IdleMonitor")
        bus.registerService("org.gnome.Shell")
    log(ready=True, mode=mode)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""`python -m tests.e2e.fake_shells MODE SAMPLES`: stand-ins for KWin and GNOME Shell on D-Bus.

Fast stand-ins (the real shells run in test_wayland_kwin / test_wayland_gnome): this process
plays their D-Bus side, exactly as documented by KWin's scripting interface and by our GNOME
extension, on a private bus. SAMPLES holds one JSON payload per line, in *steps*: each line
is a step, or, when the file has blank lines, each blank-line-separated group is one step
(sent back to back, as KWin 5.27 sends `clientActivated(null)` and the new window).

* `kde`: owns `org.kde.KWin` with `/Scripting` (`loadScript`, `unloadScript`, `start`) and
  `/Scripting/Script<id>` (`run`). On `run` it reads the script file it was given, takes the
  service and path the backend wrote into it, and calls their `Report(s)` with the first
  step's payloads, as the script would. It also answers
  `org.freedesktop.ScreenSaver.GetSessionIdleTime` with 1500 (ms).
* `gnome`: owns `org.gnome.Shell` with `/org/cuecards/Shell`: `Current()` returns the first
  payload; later steps are emitted as `FocusChanged(s)` signals. It also answers
  `org.gnome.Mutter.IdleMonitor.GetIdletime` with 4200 (ms).
* `gnome-no-extension`: owns `org.gnome.Shell` but exports no Cuecards object.

Both GNOME modes answer the `ShellVersion` property of `/org/gnome/Shell` with env
`FAKE_SHELL_VERSION` (default 46.0).

Each line `next` on stdin sends the next step (so a test paces the steps by what the watcher
printed, never by sleeping); `all` sends every remaining step at once. Every call received
is printed as a JSON line, so tests can check e.g. that the script was unloaded on exit.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import (
    ClassInfo,
    Property,
    QCoreApplication,
    QObject,
    QSocketNotifier,
    QTimer,
    Slot,
)
from PySide6.QtDBus import QDBusConnection, QDBusMessage

EXPORT = QDBusConnection.RegisterOption.ExportAllSlots


def log(**row: object) -> None:
    print(json.dumps(row), flush=True)


def read_steps(path: str) -> list[list[str]]:
    """The payloads of SAMPLES grouped in steps (see the module docstring)."""
    text = Path(path).read_text(encoding="utf-8")
    if "\n\n" not in text.strip():
        return [[line] for line in text.splitlines() if line]
    return [block.split("\n") for block in text.strip().split("\n\n")]


class Stepper:
    """Sends the steps after the first one, each when stdin says `next`."""

    def __init__(self, steps: list[list[str]]) -> None:
        self.steps = steps
        self.sent = 1
        self.send = lambda payload: None
        self.notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
        self.notifier.activated.connect(self._command)

    def _command(self) -> None:
        line = sys.stdin.readline()
        if not line:
            self.notifier.setEnabled(False)
            return
        count = len(self.steps) if line.strip() == "all" else self.sent + 1
        while self.sent < min(count, len(self.steps)):
            for payload in self.steps[self.sent]:
                self.send(payload)
            self.sent += 1
        log(sent=self.sent)


@ClassInfo({"D-Bus Interface": "org.kde.kwin.Scripting"})
class Scripting(QObject):
    def __init__(self, bus: QDBusConnection, stepper: Stepper) -> None:
        super().__init__()
        self.bus = bus
        self.stepper = stepper
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

    @Slot()
    def start(self) -> None:
        log(call="start")  # runs loaded scripts not yet running: ours already runs

    def run(self) -> None:
        service = json.loads(re.search(r"const SERVICE = (\".*?\");", self.script).group(1))
        path = json.loads(re.search(r"const PATH = (\".*?\");", self.script).group(1))
        log(call="run", service=service, path=path)

        def report(payload: str) -> None:
            message = QDBusMessage.createMethodCall(service, path, "org.cuecards.Watcher", "Report")
            message.setArguments([payload])
            self.bus.send(message)

        self.stepper.send = report
        for payload in self.stepper.steps[0]:
            report(payload)


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
    def __init__(self, bus: QDBusConnection, stepper: Stepper) -> None:
        super().__init__()
        self.bus = bus
        self.stepper = stepper
        stepper.send = self.emit

    @Slot(result=str)
    def Current(self) -> str:  # noqa: N802
        log(call="Current")
        return self.stepper.steps[0][0]

    def emit(self, payload: str) -> None:
        signal = QDBusMessage.createSignal(
            "/org/cuecards/Shell", "org.cuecards.Shell", "FocusChanged"
        )
        signal.setArguments([payload])
        self.bus.send(signal)


@ClassInfo({"D-Bus Interface": "org.gnome.Shell"})
class ShellRoot(QObject):
    def _version(self) -> str:
        return os.environ.get("FAKE_SHELL_VERSION", "46.0")

    ShellVersion = Property(str, _version)  # noqa: N815 - the D-Bus property's name


@ClassInfo({"D-Bus Interface": "org.gnome.Mutter.IdleMonitor"})
class IdleMonitor(QObject):
    @Slot(result=int)
    def GetIdletime(self) -> int:  # noqa: N802
        return 4200


def main(mode: str, samples: str) -> int:
    app = QCoreApplication(sys.argv)
    bus = QDBusConnection.sessionBus()
    stepper = Stepper(read_steps(samples))
    keep: list[QObject] = []
    if mode == "kde":
        scripting = Scripting(bus, stepper)
        keep += [scripting, ScreenSaver()]
        bus.registerObject("/Scripting", scripting, EXPORT)
        bus.registerObject("/Scripting/Script7", scripting.runner, EXPORT)
        bus.registerService("org.kde.KWin")
        bus.registerObject("/ScreenSaver", keep[-1], EXPORT)
        bus.registerService("org.freedesktop.ScreenSaver")
    elif mode in ("gnome", "gnome-no-extension"):
        if mode == "gnome":
            shell = Shell(bus, stepper)
            keep.append(shell)
            bus.registerObject("/org/cuecards/Shell", shell, EXPORT)
        keep.append(ShellRoot())
        properties = QDBusConnection.RegisterOption.ExportAllProperties
        bus.registerObject("/org/gnome/Shell", keep[-1], properties)
        keep.append(IdleMonitor())
        bus.registerObject("/org/gnome/Mutter/IdleMonitor/Core", keep[-1], EXPORT)
        bus.registerService("org.gnome.Mutter.IdleMonitor")
        bus.registerService("org.gnome.Shell")
    log(ready=True, mode=mode)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

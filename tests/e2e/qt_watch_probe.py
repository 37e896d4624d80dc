"""`python -m tests.e2e.qt_watch_probe`: the Qt driver in its own process, for e2e tests.

Runs a QCoreApplication with `QtWatcher` on the detected backend and prints one JSON line per
signal: {"signal": "changed", "app", "title", "fullscreen"} or {"signal": "lost", "message"}.
It quits after `lost` (exit 3) or when stdin closes (exit 0). A subprocess keeps the test's
own Qt application, if any, away from an X server the test is about to kill.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QCoreApplication, QSocketNotifier

from app.core.context import Context
from app.desktop.watch.detect import detect
from app.desktop.watch.qt_driver import QtWatcher


def main() -> int:
    app = QCoreApplication(sys.argv)
    factory = detect().factory
    if factory is None:
        print(json.dumps({"signal": "error", "message": detect().reason}), flush=True)
        return 1
    watcher = QtWatcher(factory())

    def changed(context: Context) -> None:
        row = {"signal": "changed", "app": context.app, "title": context.title}
        row["fullscreen"] = context.fullscreen
        print(json.dumps(row), flush=True)

    def lost(message: str) -> None:
        print(json.dumps({"signal": "lost", "message": message}), flush=True)
        app.exit(3)

    watcher.changed.connect(changed)
    watcher.lost.connect(lost)
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def stdin_ready() -> None:
        if not sys.stdin.buffer.read1(4096):
            app.exit(0)

    stdin.activated.connect(stdin_ready)
    watcher.start()
    code = app.exec()
    watcher.backend.close()
    return code


if __name__ == "__main__":
    sys.exit(main())

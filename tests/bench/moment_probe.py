"""The bench's yardsticks: the same paths with nothing of Cuecards in them.

`python -m tests.bench.moment_probe APP…` runs the project's Qt watcher driver on this X display
and, when a window of one of the given apps becomes active, shows a bare frameless tool window
titled `Cuecards: bare`; any other window hides it. No catalog, matcher, budget, database or
card layout: what `bench_moment` measures for the app, minus all of Cuecards' own work.

`python -m tests.bench.moment_probe --tray` is a bare PySide6 tray icon (the app's icon, WM_CLASS
cuecards), for the resident memory of a tray app that does nothing.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.core.context import Context
from app.desktop.watch.detect import detect
from app.desktop.watch.qt_driver import QtWatcher


def bare_tray() -> int:
    """A tray icon and nothing else."""
    from PySide6.QtWidgets import QSystemTrayIcon

    from app.paths import resources_dir
    from app.ui.icons import app_icon

    app = QApplication(["cuecards"])
    icon = QSystemTrayIcon(app_icon(resources_dir() / "icons"))
    icon.show()
    print("ready", flush=True)
    return app.exec()


def main(argv: list[str]) -> int:
    if argv[1:] == ["--tray"]:
        return bare_tray()
    apps = set(argv[1:])
    app = QApplication(["cuecards"])
    flags = (
        Qt.WindowType.Tool
        | Qt.WindowType.FramelessWindowHint
        | Qt.WindowType.WindowStaysOnTopHint
        | Qt.WindowType.WindowDoesNotAcceptFocus
    )
    window = QWidget(None, flags)
    window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    window.setWindowTitle("Cuecards: bare")
    window.resize(360, 200)
    window.winId()
    detection = detect()
    assert detection.factory is not None, detection.reason
    watcher = QtWatcher(detection.factory())

    def on_context(ctx: Context) -> None:
        if ctx.app in apps:
            window.show()
        else:
            window.hide()

    watcher.changed.connect(on_context)
    watcher.start()
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

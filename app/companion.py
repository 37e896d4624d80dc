"""The running application: owns the services and wires them to the tray (and, later, popups)."""

from __future__ import annotations

import signal
import socket
import sys

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from app.paths import resources_dir
from app.services import Services
from app.ui.icons import app_icon
from app.ui.tray import FallbackWindow, TrayIcon, TrayMenu

NO_TRAY = (
    "cuecards: this desktop has no system tray; showing a small Cuecards window instead "
    "(a tray host such as trayer, or your panel's tray applet, gives the usual icon)"
)


class Companion:
    """The tray app: catalog in, menu out; quits cleanly on the menu, SIGINT or SIGTERM."""

    def __init__(self, app: QApplication, services: Services) -> None:
        self.app = app
        self.services = services
        self.icon = app_icon(resources_dir() / "icons")
        self.menu = TrayMenu()
        self.menu.quit_requested.connect(self.quit)
        self.tray: TrayIcon | None = None
        self.fallback: FallbackWindow | None = None
        self.refresh_packs()

    def refresh_packs(self) -> None:
        packs = self.services.catalog.packs()
        self.menu.set_packs([f"{p.name} {p.version} ({p.card_count} cards)" for p in packs])

    def show(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = TrayIcon(self.icon, self.menu)
            self.tray.show()
        else:
            print(NO_TRAY, file=sys.stderr)
            self.fallback = FallbackWindow(self.icon, self.menu)
            self.fallback.show()

    def quit(self) -> None:
        if self.tray is not None:
            self.tray.hide()
        self.app.quit()


def _quit_on_signals(app: QApplication, companion: Companion) -> QSocketNotifier:
    """Wake the Qt loop on SIGINT/SIGTERM through a socket pair, with no polling timer."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def on_signal() -> None:
        reader.recv(64)
        companion.quit()

    notifier.activated.connect(on_signal)
    notifier._sockets = (reader, writer)  # type: ignore[attr-defined]  # keep them alive
    return notifier


def run_companion(services: Services) -> int:
    """Start the tray app and run the Qt event loop until Quit."""
    # argv[0] names the X11 WM_CLASS instance: "cuecards", so windows are findable from outside.
    app = QApplication.instance() or QApplication(["cuecards"])
    app.setApplicationName("Cuecards")
    app.setDesktopFileName("cuecards")
    app.setQuitOnLastWindowClosed(False)
    companion = Companion(app, services)
    app.setWindowIcon(companion.icon)
    _quit_on_signals(app, companion)
    companion.show()
    try:
        return app.exec()
    finally:
        services.close()

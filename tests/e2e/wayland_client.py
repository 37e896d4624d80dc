"""`python -m tests.e2e.wayland_client APP_ID TITLE`: a real Wayland window a test drives.

A PySide6 window (`QT_QPA_PLATFORM=wayland`) whose app_id is APP_ID (Qt sends the desktop
file name as the xdg-toplevel app_id) and whose title is TITLE. It prints `ready` once
shown, then obeys one command per line on stdin: `title TEXT` (answered `ok` once sent) and
`fullscreen on|off` (answered `ok` once the compositor has applied it: Qt sends "leave full
screen" only for a full screen it has seen applied, so a test must not ask before). End of
stdin closes the window and exits. Runs on sway, KWin and GNOME Shell alike (foot crashes on
KWin's virtual output, TESTING.md).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel


def say(word: str) -> None:
    sys.stdout.write(word + "\n")
    sys.stdout.flush()


class Window(QLabel):
    """The test window; tells the test when the compositor has applied a full-screen change."""

    def __init__(self, app_id: str, title: str) -> None:
        super().__init__(f"{app_id}\n{title}")
        self.setStyleSheet("font-size: 28px; padding: 40px; background: #fdf6e3")
        self.setWindowTitle(title)
        self.resize(480, 240)
        self.full = False  # full screen as the compositor last configured it
        self.waiting: bool | None = None  # the full-screen state a command waits for

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # The QWindow gets a spontaneous state change when the compositor's configure is
        # applied; its windowStates() is then what the compositor set, not what we asked.
        if event.type() == QEvent.Type.WindowStateChange and event.spontaneous():
            states = self.windowHandle().windowStates()
            self.full = bool(states & Qt.WindowState.WindowFullScreen)
            if self.waiting is not None and self.full == self.waiting:
                self.waiting = None
                say("ok")
        return False

    def fullscreen(self, on: bool) -> None:
        if self.full == on:
            say("ok")
            return
        self.waiting = on
        self.showFullScreen() if on else self.showNormal()


def main(app_id: str, title: str) -> int:
    QGuiApplication.setDesktopFileName(app_id)
    app = QApplication(sys.argv[:1])
    window = Window(app_id, title)
    window.show()
    window.windowHandle().installEventFilter(window)
    QTimer.singleShot(0, lambda: say("ready"))
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def command() -> None:
        line = sys.stdin.readline()
        if not line:
            app.quit()
            return
        verb, _, rest = line.rstrip("\n").partition(" ")
        if verb == "title":
            window.setWindowTitle(rest)
            QGuiApplication.sync()
            say("ok")
        elif verb == "fullscreen":
            window.fullscreen(rest == "on")

    notifier.activated.connect(command)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

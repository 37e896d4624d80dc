"""`python -m tests.e2e.wayland_client APP_ID TITLE`: a real Wayland window a test drives.

A PySide6 window (`QT_QPA_PLATFORM=wayland`) whose app_id is APP_ID (Qt sends the desktop
file name as the xdg-toplevel app_id) and whose title is TITLE. It prints `ready` once the
compositor has shown it, then obeys one command per line on stdin: `title TEXT`,
`fullscreen on|off`; it answers each with `ok` after Qt has sent the request. End of stdin
closes the window and exits. Runs on sway, KWin and GNOME Shell alike (foot crashes on
KWin's virtual output, TESTING.md).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel


def main(app_id: str, title: str) -> int:
    QGuiApplication.setDesktopFileName(app_id)
    app = QApplication(sys.argv[:1])
    window = QLabel(f"{app_id}\n{title}")
    window.setStyleSheet("font-size: 28px; padding: 40px; background: #fdf6e3")
    window.setWindowTitle(title)
    window.resize(480, 240)
    window.show()

    def say(word: str) -> None:
        sys.stdout.write(word + "\n")
        sys.stdout.flush()

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
        elif verb == "fullscreen":
            window.showFullScreen() if rest == "on" else window.showNormal()
        QGuiApplication.sync()
        say("ok")

    notifier.activated.connect(command)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

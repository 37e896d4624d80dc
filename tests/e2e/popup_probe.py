"""Show one Cuecards popup on the real display and print what happens to it, one line each.

Run as `python -m tests.e2e.popup_probe VARIANT TITLE` with DISPLAY set: prints `shown` once
the popup is on screen, then `action <kind>`, and quits after the first action (or when stdin
closes). Tests drive it from outside, as a window manager and a person would.

VARIANT `shipped` is the popup as the app shows it. `normal` drops only the tool-window type,
so a window manager that focuses every new normal window still has to respect the popup's
no-focus hints. `stealing` also drops those hints: the control that shows a test would notice
a window taking focus.
"""

from __future__ import annotations

import sys

import shiboken6
from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.ui.popup import FLAGS, Popup, PopupContent

VARIANTS = ("shipped", "normal", "stealing")


def make_popup(variant: str) -> Popup:
    popup = Popup()
    if variant in ("normal", "stealing"):
        popup.setWindowFlags(FLAGS & ~Qt.WindowType.Tool)
    if variant == "stealing":
        popup.setWindowFlags(popup.windowFlags() & ~Qt.WindowType.WindowDoesNotAcceptFocus)
        popup.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, False)
        popup._refuse_focus = lambda: None  # type: ignore[method-assign]
    # The popup creates its native window up front: create it again with these hints.
    popup.destroy()
    popup.winId()
    return popup


def main(argv: list[str]) -> int:
    variant, title = argv[1], argv[2]
    if variant not in VARIANTS:
        print(f"unknown variant {variant!r}; use one of {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    app = QApplication(["cuecards"])
    popup = make_popup(variant)

    def on_action(_pack: str, _card: str, kind: str) -> None:
        print(f"action {kind}", flush=True)
        app.quit()

    popup.action.connect(on_action)
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    stdin.activated.connect(lambda: sys.stdin.readline() or app.quit())

    def show() -> None:
        area = QGuiApplication.primaryScreen().availableGeometry()
        content = PopupContent("demo", "excel-refresh-all", title, "Ctrl+Alt+F5 refreshes all.")
        popup.show_content(content, area, 600)
        print("shown", flush=True)

    QTimer.singleShot(0, show)
    code = app.exec()
    # Destroy the Qt objects before the application object, in a fixed order.
    stdin.setEnabled(False)
    shiboken6.delete(stdin)
    shiboken6.delete(popup)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))

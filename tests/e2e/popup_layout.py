"""Where a popup's buttons are, for a test that clicks them like a person would.

`python -m tests.e2e.popup_layout TITLE SUMMARY WIDTH HEIGHT` lays out the real `Popup` with
that content offscreen, for a screen of WIDTH x HEIGHT, and prints one JSON object: the
popup's size and the centre of each button (by accessible name) relative to its top-left
corner. The test checks the size against the popup on the X display before clicking, so a
layout that differs there fails loudly instead of clicking the wrong button.
"""

from __future__ import annotations

import json
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.ui.popup import Popup, PopupContent  # noqa: E402


def main(argv: list[str]) -> int:
    title, summary, width, height = argv[1], argv[2], int(argv[3]), int(argv[4])
    app = QApplication(["cuecards"])
    popup = Popup()
    popup.show_content(PopupContent("p", "c", title, summary), QRect(0, 0, width, height), 600)
    app.processEvents()
    buttons = {}
    for button in popup.buttons:
        centre = button.mapTo(popup, QPoint(button.width() // 2, button.height() // 2))
        buttons[button.accessibleName()] = [centre.x(), centre.y()]
    print(json.dumps({"size": [popup.width(), popup.height()], "buttons": buttons}))
    popup.hide_popup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

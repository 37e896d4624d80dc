"""The first-run welcome card: what Cuecards does, what it records and never records, the
search hotkey, and how to snooze or mute it. One button: "Got it"."""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui import theme

DEFAULT_HOTKEY = "<ctrl>+<alt>+<space>"
_KEY_NAMES = {
    "ctrl": "Ctrl",
    "ctrl_l": "Ctrl",
    "ctrl_r": "Ctrl",
    "alt": "Alt",
    "alt_l": "Alt",
    "alt_r": "Alt",
    "alt_gr": "AltGr",
    "shift": "Shift",
    "space": "Space",
    "enter": "Enter",
    "tab": "Tab",
    "esc": "Esc",
}


def hotkey_keys(hotkey: str) -> list[str]:
    """A pynput hotkey ("<ctrl>+<alt>+<space>") as the key names printed on keycaps."""
    cmd = {"darwin": "Cmd", "win32": "Win"}.get(sys.platform, "Super")
    keys = []
    for part in hotkey.split("+"):
        name = part.strip().strip("<>").lower()
        if not name:
            continue
        if name.startswith("cmd"):
            keys.append(cmd)
        elif name in _KEY_NAMES:
            keys.append(_KEY_NAMES[name])
        elif len(name) == 1:
            keys.append(name.upper())
        else:
            keys.append(name.replace("_", " ").title())
    return keys


class WelcomeDialog(QDialog):
    """Shown once, on first run; `accepted` fires when the person presses "Got it"."""

    def __init__(self, hotkey: str = DEFAULT_HOTKEY, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Cuecards")
        self.setAccessibleName("Welcome to Cuecards")
        s = theme.current_scheme()
        keys = hotkey_keys(hotkey)
        keycap = (
            f'<span style="font-family: monospace; font-weight: 600; '
            f'background-color: {s.kbd_bg};">&nbsp;{{}}&nbsp;</span>'
        )
        shortcut = "+".join(keycap.format(html.escape(k)) for k in keys)
        self.hotkey_text = "+".join(keys)

        heading = QLabel("Welcome to Cuecards")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        heading.setFont(font)
        heading.setAccessibleName(heading.text())

        sections = [
            (
                "What it does",
                "Cuecards sits in the system tray. When you work in an app your team has "
                "written tips for, a small card appears in the corner of the screen, at most "
                "a few times an hour. It never takes the keyboard from you and hides itself "
                "after a little while unless you point at it.",
            ),
            (
                "Search any time",
                f"Press {shortcut} to search every card.",
            ),
            (
                "Quiet when you need it",
                "Right-click the tray icon to snooze tips for an hour or until tomorrow, or "
                "to never show tips in the app in front. On a card, choose “Don’t show "
                "again” to retire it.",
            ),
            (
                "What it records",
                "On this computer only: which cards were shown and what you did with them, "
                "which known app was in front, and your searches in Cuecards. Never window "
                "titles, file names or keystrokes. Nothing leaves this computer unless your "
                "organisation allows it and you turn it on. “What Cuecards records” in the "
                "tray menu shows the log.",
            ),
        ]
        body = QVBoxLayout()
        body.setSpacing(12)
        self.section_labels: list[QLabel] = []
        for title, text in sections:
            label = QLabel(f"<b>{html.escape(title)}</b><br>{text}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            plain = text.replace(shortcut, self.hotkey_text)
            label.setAccessibleName(title)
            label.setAccessibleDescription(plain)
            body.addWidget(label)
            self.section_labels.append(label)

        self.got_it = QPushButton("Got it")
        self.got_it.setAccessibleName("Got it, close the welcome card")
        self.got_it.setDefault(True)
        self.got_it.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.got_it)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(14)
        layout.addWidget(heading)
        layout.addLayout(body)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setStyleSheet(
            f"QDialog {{ background: {s.surface}; }} QLabel {{ color: {s.text}; }}"
            + theme.button_css(s)
        )
        self.got_it.setProperty("primary", True)
        self.setMinimumWidth(460)
        self.resize(500, self.heightForWidth(500))

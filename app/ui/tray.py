"""The tray icon and its menu; without a tray host, a small window carries the same menu.

The menu only reports what the person asked for (signals); the companion acts on it and
tells the menu what to show (installed packs, the app in front, whether tips are snoozed).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QLabel, QMenu, QPushButton, QSystemTrayIcon, QVBoxLayout, QWidget

SNOOZE_HOUR = 3600
SNOOZE_TOMORROW = -1  # snooze_requested's value for "until tomorrow" (the companion knows when)


class TrayMenu(QObject):
    """The menu the person reaches Cuecards by: search, recent cards, snooze and mute,
    installed packs, settings, what is recorded, about, and Quit."""

    search_requested = Signal()
    recent_requested = Signal()
    snooze_requested = Signal(int)  # seconds, or SNOOZE_TOMORROW
    resume_requested = Signal()
    mute_current_app_requested = Signal()
    packs_requested = Signal()
    settings_requested = Signal()
    records_requested = Signal()
    about_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        self.menu.setObjectName("cuecards-tray-menu")
        self.menu.setTitle("Cuecards")
        self.menu.setAccessibleName("Cuecards menu")
        menu = self.menu

        self.search_action = self._add("Search…", self.search_requested)
        self.recent_action = self._add("Recent cards", self.recent_requested)
        menu.addSeparator()
        self.resume_action = self._add("Resume tips", self.resume_requested)
        self.resume_action.setVisible(False)
        self.snooze_hour_action = self._add("Snooze for 1 hour")
        self.snooze_hour_action.triggered.connect(lambda: self.snooze_requested.emit(SNOOZE_HOUR))
        self.snooze_tomorrow_action = self._add("Snooze until tomorrow")
        self.snooze_tomorrow_action.triggered.connect(
            lambda: self.snooze_requested.emit(SNOOZE_TOMORROW)
        )
        self.mute_action = self._add("Never in this app", self.mute_current_app_requested)
        self._current_app: str | None = None
        self.set_current_app(None)

        self._pack_actions: list[QAction] = []
        self._packs_header = menu.addSection("Installed packs")
        self._after_packs = menu.addSeparator()
        self.packs_action = self._add("Packs…", self.packs_requested)
        self.settings_action = self._add("Settings…", self.settings_requested)
        self.records_action = self._add("What Cuecards records…", self.records_requested)
        self.about_action = self._add("About Cuecards", self.about_requested)
        menu.addSeparator()
        self.quit_action = self._add("Quit Cuecards", self.quit_requested)
        self.set_packs([])

    def _add(self, text: str, signal: Signal | None = None) -> QAction:
        action = self.menu.addAction(text)
        action.setStatusTip(text.rstrip("…"))
        if signal is not None:
            action.triggered.connect(signal)
        return action

    def set_packs(self, labels: Sequence[str]) -> None:
        """Show one disabled entry per installed pack (or say there are none)."""
        for action in self._pack_actions:
            self.menu.removeAction(action)
        self._pack_actions = []
        for label in labels or ["No packs installed"]:
            action = QAction(label, self.menu)
            action.setEnabled(False)
            self.menu.insertAction(self._after_packs, action)
            self._pack_actions.append(action)

    def pack_labels(self) -> list[str]:
        """The pack entries as shown."""
        return [a.text() for a in self._pack_actions]

    def set_current_app(self, label: str | None) -> None:
        """Name the app in front in "Never in <app>"; None disables the entry."""
        self._current_app = label
        if label:
            self.mute_action.setText(f"Never in {label}")
            self.mute_action.setToolTip(f"Show no more tips while {label} is in front")
            self.mute_action.setEnabled(True)
        else:
            self.mute_action.setText("Never in this app")
            self.mute_action.setToolTip("Switch to an app first, then choose this to mute it")
            self.mute_action.setEnabled(False)

    def current_app(self) -> str | None:
        """The app label "Never in …" names, if any."""
        return self._current_app

    def set_snoozed(self, text: str | None) -> None:
        """`text` such as "Snoozed until 14:05" shows "Snoozed until 14:05 — Resume" (which
        emits resume_requested); None hides it."""
        self.resume_action.setVisible(bool(text))
        if text:
            self.resume_action.setText(f"{text} — Resume")
            self.resume_action.setToolTip("Show tips again now")

    def entries(self) -> list[str]:
        """The visible entries top to bottom (sections by name, separators as "-")."""
        shown = []
        for action in self.menu.actions():
            if not action.isVisible():
                continue
            shown.append(action.text() if action.text() else "-")
        return shown


class TrayIcon(QSystemTrayIcon):
    """The system-tray icon carrying the menu."""

    def __init__(self, icon: QIcon, menu: TrayMenu) -> None:
        super().__init__(icon)
        self.setToolTip("Cuecards")
        self.setContextMenu(menu.menu)


class FallbackWindow(QWidget):
    """Shown when the desktop has no system tray, so Cuecards never runs invisibly."""

    def __init__(self, icon: QIcon, menu: TrayMenu) -> None:
        super().__init__()
        self.setWindowTitle("Cuecards")
        self.setWindowIcon(icon)
        self.setAccessibleName("Cuecards")
        note = QLabel(
            "Cuecards is running. This desktop has no system tray, so its menu lives here."
        )
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setAccessibleName(note.text())
        button = QPushButton("Cuecards menu")
        button.setAccessibleName("Cuecards menu")
        button.setMenu(menu.menu)
        self.menu_button = button
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(button)
        self.setMaximumWidth(360)

"""The tray icon and its menu; without a tray host, a small window carries the same menu."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QPushButton, QSystemTrayIcon, QVBoxLayout, QWidget


class TrayMenu(QObject):
    """The menu the person reaches Cuecards by: installed packs, and Quit."""

    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        self.menu.setObjectName("cuecards-tray-menu")
        self._pack_actions: list[QAction] = []
        self._packs_header = self.menu.addSection("Installed packs")
        self._after_packs = self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit Cuecards")
        self.quit_action.triggered.connect(self.quit_requested)

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
        return [a.text() for a in self._pack_actions]


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
        button = QPushButton("Cuecards menu")
        button.setAccessibleName("Cuecards menu")
        button.setMenu(menu.menu)
        layout = QVBoxLayout(self)
        layout.addWidget(button)

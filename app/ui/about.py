"""The About box: the app's name, version, what it is for, licence and the Qt it runs on."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui import theme

TAGLINE = "Tips from your team's card packs, at the moment you need them."


class AboutDialog(QDialog):
    """A small non-modal About window (the tray app has no main window to block)."""

    def __init__(self, version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Cuecards")
        self.setAccessibleName("About Cuecards")
        icon = QLabel()
        window_icon = self.windowIcon()
        if window_icon.isNull():
            icon.hide()
        else:
            icon.setPixmap(window_icon.pixmap(64, 64))
        icon.setAccessibleName("Cuecards icon")
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.name = QLabel(f"Cuecards {version}")
        font = self.name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.name.setFont(font)
        self.name.setAccessibleName(self.name.text())
        tagline = QLabel(TAGLINE)
        tagline.setWordWrap(True)
        tagline.setAccessibleName(TAGLINE)
        self.details = QLabel(
            "MIT licence.\n"
            f"Qt {qVersion()}, PySide6 {PySide6.__version__}, "
            f"Python {platform.python_version()}."
        )
        self.details.setStyleSheet(f"color: {theme.current_scheme().muted};")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAccessibleName(self.details.text())

        close = QPushButton("Close")
        close.setAccessibleName("Close about")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        self.close_button = close

        text = QVBoxLayout()
        text.addWidget(self.name)
        text.addWidget(tagline)
        text.addSpacing(6)
        text.addWidget(self.details)
        text.addStretch(1)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(icon)
        top.addLayout(text, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addLayout(top)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)


def show_about(parent: QWidget | None, version: str) -> AboutDialog:
    """Show the About box without blocking the event loop; it deletes itself when closed."""
    dialog = AboutDialog(version, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog

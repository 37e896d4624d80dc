"""Small building blocks the Cuecards windows share."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget


def close_row(
    window: QWidget, accessible_name: str, *before: QWidget
) -> tuple[QPushButton, QHBoxLayout]:
    """A right-aligned button row ending in Close (named for screen readers) for `window`."""
    button = QPushButton("Close")
    button.setAccessibleName(accessible_name)
    button.clicked.connect(window.close)
    row = QHBoxLayout()
    row.addStretch(1)
    for widget in before:
        row.addWidget(widget)
    row.addWidget(button)
    return button, row

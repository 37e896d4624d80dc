"""The single-shot QTimers the tray's parts arm, one per thing they wait for, and the longest
interval Qt accepts (a signed 32-bit count of milliseconds)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

MAX_TIMER_MS = 2**31 - 1


def single_shot(parent: QObject, slot: Callable[[], None]) -> QTimer:
    """A stopped single-shot timer owned by `parent` that calls `slot` when it fires."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.timeout.connect(slot)
    return timer

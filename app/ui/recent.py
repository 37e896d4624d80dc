"""The "Recent cards" window: what Cuecards showed lately and the feedback given, to reopen one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.controls import close_row

FEEDBACK_TEXT = {
    "helpful": "Helpful",
    "unhelpful": "Not helpful",
    "never": "Don't show again",
    "opened": "Opened",
    "open": "Opened",
    "dismissed": "Dismissed",
    "snooze": "Snoozed",
    "snoozed": "Snoozed",
}
IDS_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class RecentRow:
    """One card shown: when, which, its title and the feedback given (None if none)."""

    when: datetime
    pack: str
    card: str
    title: str
    feedback: str | None = None


def when_text(when: datetime, now: datetime) -> str:
    """A time as people say it: "Today 14:05", "Yesterday 09:12", "Mon 10:30", "3 Nov 2025"."""
    if when.tzinfo is not None:
        when = when.astimezone()
    if now.tzinfo is not None:
        now = now.astimezone()
    when, now = when.replace(tzinfo=None), now.replace(tzinfo=None)
    clock = when.strftime("%H:%M")
    days = (now.date() - when.date()).days
    if days == 0:
        return f"Today {clock}"
    if days == 1:
        return f"Yesterday {clock}"
    if 1 < days < 7:
        return f"{when.strftime('%a')} {clock}"
    return f"{when.day} {when.strftime('%b %Y')}"


def feedback_text(feedback: str | None) -> str:
    if not feedback:
        return "—"
    return FEEDBACK_TEXT.get(feedback, feedback.replace("_", " ").capitalize())


class RecentWindow(QWidget):
    """A list of recently shown cards, newest first; double-click or Enter opens one again."""

    open_requested = Signal(str, str)

    def __init__(
        self, parent: QWidget | None = None, now: Callable[[], datetime] = datetime.now
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._now = now
        self.setWindowTitle("Cuecards recent cards")
        self.setAccessibleName("Recent cards")
        self.heading = QLabel(
            "Cards Cuecards showed you lately. Double-click one to read it again."
        )
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName(self.heading.text())

        self.table = QTreeWidget()
        self.table.setAccessibleName("Recent cards")
        self.table.setColumnCount(3)
        self.table.setHeaderLabels(["When", "Card", "Your feedback"])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.table.itemActivated.connect(self._open_item)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.empty = QLabel("No cards shown yet. Cards appear here after Cuecards shows them.")
        self.empty.setAccessibleName(self.empty.text())
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.open_button = QPushButton("Open card")
        self.open_button.setAccessibleName("Open the selected card")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: self._open_item(self.table.currentItem()))
        self.close_button, buttons = close_row(self, "Close recent cards", self.open_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.resize(620, 420)
        self.set_rows([])

    def set_rows(self, rows: list[RecentRow]) -> None:
        """Replace the list (the companion passes newest first)."""
        self.table.clear()
        now = self._now()
        for row in rows:
            item = QTreeWidgetItem(
                [when_text(row.when, now), row.title, feedback_text(row.feedback)]
            )
            item.setData(0, IDS_ROLE, (row.pack, row.card))
            item.setToolTip(0, row.when.strftime("%Y-%m-%d %H:%M"))
            item.setToolTip(1, f"{row.title}\nPack: {row.pack}")
            self.table.addTopLevelItem(item)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if rows:
            self.table.setCurrentItem(self.table.topLevelItem(0))

    def row_texts(self) -> list[list[str]]:
        """The rows as shown, column by column."""
        return [
            [self.table.topLevelItem(i).text(c) for c in range(3)]
            for i in range(self.table.topLevelItemCount())
        ]

    def _open_item(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        pack, card = item.data(0, IDS_ROLE)
        self.open_requested.emit(pack, card)

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(self.table.currentItem() is not None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

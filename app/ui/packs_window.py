"""The "Packs" window: installed card packs, where each came from and whether its last sync
worked, with the message that explains a problem."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme
from app.ui.controls import close_row

COLUMNS = ("Pack", "Version", "Publisher", "Cards", "Source", "Status")
PROBLEM_STATUSES = ("error", "failed", "invalid", "refused", "untrusted", "rejected")
ERROR_COLOUR = "#b3261e"


@dataclass(frozen=True)
class PackRow:
    """One installed pack (or one source's problem) as the window lists it."""

    id: str
    name: str
    version: str
    publisher: str
    cards: int
    origin: str
    status: str
    message: str = ""


def is_problem(status: str) -> bool:
    """True for statuses that mean the pack or its source needs attention."""
    return status.strip().lower() in PROBLEM_STATUSES


class PacksWindow(QWidget):
    """A table of packs; the selected pack's status message is shown in full below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Cuecards packs")
        self.setAccessibleName("Card packs")
        self.heading = QLabel("Card packs installed on this computer.")
        self.heading.setAccessibleName(self.heading.text())

        self.table = QTreeWidget()
        self.table.setAccessibleName("Installed card packs")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.currentItemChanged.connect(lambda *_: self._show_detail())

        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAccessibleName("Details of the selected pack")
        self.detail.setStyleSheet(f"color: {theme.current_scheme().muted};")
        self.empty = QLabel(
            "No packs installed. Your organisation's packs arrive with the next sync; "
            "the bundled demo pack can be turned on in Settings."
        )
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(self.empty.text())

        self.close_button, buttons = close_row(self, "Close packs")

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self.resize(760, 380)
        self.set_packs([])

    def set_packs(self, rows: list[PackRow]) -> None:
        """Replace the list of packs."""
        self.table.clear()
        for row in rows:
            item = QTreeWidgetItem(
                [
                    row.name,
                    row.version,
                    row.publisher,
                    str(row.cards),
                    row.origin,
                    row.status,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, row)
            item.setToolTip(0, f"{row.name}\nid: {row.id}")
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(4, row.origin)
            if row.message:
                item.setToolTip(5, row.message)
            if is_problem(row.status):
                item.setForeground(5, QBrush(QColor(ERROR_COLOUR)))
            self.table.addTopLevelItem(item)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if rows:
            problem = next((i for i, r in enumerate(rows) if is_problem(r.status)), 0)
            self.table.setCurrentItem(self.table.topLevelItem(problem))
        self._show_detail()

    def row_texts(self) -> list[list[str]]:
        """The rows as shown, column by column."""
        return [
            [self.table.topLevelItem(i).text(c) for c in range(len(COLUMNS))]
            for i in range(self.table.topLevelItemCount())
        ]

    def _show_detail(self) -> None:
        item = self.table.currentItem()
        row: PackRow | None = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if row is None:
            self.detail.setText("")
            self.detail.setVisible(False)
            return
        text = f"{row.name} ({row.id}) from {row.origin}: {row.status}"
        if row.message:
            text += f"\n{row.message}"
        self.detail.setText(text)
        self.detail.setAccessibleDescription(text)
        self.detail.setVisible(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

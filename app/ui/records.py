"""The "What Cuecards records" window: what is and is never recorded, the log itself, and the
exact next upload.

The companion passes a few summary lines (counts, retention, upload state), the latest events
as plain tuples and the next payload as text; this window only shows them.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.controls import close_row

EVENT_COLUMNS = ("Time", "What happened", "Pack", "Card", "App")
SENT_NEXT = "Exactly these bytes are sent next:"
NOT_SENT = "Nothing is sent now. A report holds only counts like these (this one is not sent):"

RECORDED = (
    "When a card was shown, opened, dismissed, snoozed or muted, and your "
    "Helpful / Not helpful votes.",
    "Which app was in front, but only apps an installed pack knows; any other app is "
    'recorded as "other".',
    "What you typed into the Cuecards search box, and how many cards it found.",
)
NEVER_RECORDED = (
    "Window titles, document or file names.",
    "Keystrokes, or anything you type into other apps.",
    "Screenshots or the contents of your apps.",
    "Your name, account or any id of this computer.",
)
LEAVING = (
    "All of this stays on this computer. Anonymised daily counts are sent only when your "
    "organisation allows it and you turn it on in Settings, and you can see the exact report "
    "before it leaves (cuecards report preview)."
)


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"


class RecordsWindow(QWidget):
    """Plain-language account of the usage log, a summary, and the recent events in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("What Cuecards records")
        self.setAccessibleName("What Cuecards records")

        self.explanation = QLabel(
            "<p><b>Recorded, on this computer only</b></p>"
            + _bullets(RECORDED)
            + "<p><b>Never recorded</b></p>"
            + _bullets(NEVER_RECORDED)
            + f"<p>{html.escape(LEAVING)}</p>"
        )
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName("What is and is not recorded")
        self.explanation.setAccessibleDescription(
            " ".join(("Recorded:", *RECORDED, "Never recorded:", *NEVER_RECORDED, LEAVING))
        )

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary of the usage log")

        self.events_label = QLabel("Latest events in the log")
        self.events = QTreeWidget()
        self.events.setAccessibleName("Latest events in the usage log")
        self.events.setColumnCount(len(EVENT_COLUMNS))
        self.events.setHeaderLabels(list(EVENT_COLUMNS))
        self.events.setRootIsDecorated(False)
        self.events.setUniformRowHeights(True)
        self.events.setAlternatingRowColors(True)
        self.events.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.events.header().setStretchLastSection(True)
        self.events_label.setBuddy(self.events)
        self.empty = QLabel("The log is empty.")
        self.empty.setAccessibleName(self.empty.text())

        self.payload_note = QLabel()
        self.payload_note.setWordWrap(True)
        self.payload_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.payload_note.setAccessibleName("What the next upload is")
        self.payload_label = QLabel()
        self.payload_label.setWordWrap(True)
        self.payload = QPlainTextEdit()
        self.payload.setReadOnly(True)
        self.payload.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.payload.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.payload.setAccessibleName("The next upload, as sent")
        self.payload_label.setBuddy(self.payload)

        self.close_button, buttons = close_row(self, "Close what Cuecards records")

        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.summary)
        layout.addWidget(self.events_label)
        layout.addWidget(self.events, 2)
        layout.addWidget(self.empty)
        layout.addWidget(self.payload_note)
        layout.addWidget(self.payload_label)
        layout.addWidget(self.payload, 1)
        layout.addLayout(buttons)
        self.resize(680, 760)
        self.set_summary([])
        self.set_events([])
        self.set_payload("", "", False)

    def set_summary(self, lines: list[str]) -> None:
        """A few lines about the log (e.g. "214 events since 3 March", "Uploads: off")."""
        self.summary.setText("<p><b>Your log</b></p>" + _bullets(lines) if lines else "")
        self.summary.setVisible(bool(lines))
        self.summary.setAccessibleDescription(" ".join(lines))

    def set_events(self, rows: list[tuple[str, ...]]) -> None:
        """The latest events as (time, kind, pack, card, app), newest first."""
        self.events.clear()
        for row in rows:
            cells = [str(cell) if cell is not None else "" for cell in row]
            cells = (cells + [""] * len(EVENT_COLUMNS))[: len(EVENT_COLUMNS)]
            self.events.addTopLevelItem(QTreeWidgetItem(cells))
        self.events.setVisible(bool(rows))
        self.empty.setVisible(not rows)

    def set_payload(self, note: str, payload: str, queued: bool) -> None:
        """The next upload: a line saying what it is (or why nothing is sent), and its text,
        which is exactly what is sent when `queued`, else only an example of a report."""
        self.payload_note.setText(note)
        self.payload_label.setText(SENT_NEXT if queued else NOT_SENT)
        self.payload.setPlainText(payload)
        for widget in (self.payload_note, self.payload_label, self.payload):
            widget.setVisible(bool(note or payload))
        self.payload.setAccessibleDescription(note)

    def payload_text(self) -> str:
        """The payload as shown."""
        return self.payload.toPlainText()

    def event_texts(self) -> list[list[str]]:
        """The event rows as shown."""
        return [
            [self.events.topLevelItem(i).text(c) for c in range(len(EVENT_COLUMNS))]
            for i in range(self.events.topLevelItemCount())
        ]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

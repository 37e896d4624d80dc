"""The hotkey search palette: a frameless window with a search field and a results list, driven
by the keyboard alone. It shows plain values the companion hands in and reports what the person
asked for through signals; it never searches itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

TITLE = "Cuecards search"
PARTIAL_HEADING = "Partial matches"
PARTIAL_DESCRIPTION = "Cards that match only some of the words you typed"
WIDTH = 640
VISIBLE_ROWS = 7
PADDING = 8
BADGE_GAP = 6

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class PaletteRow:
    """One result: the card's ids, what the person reads, and where it comes from."""

    pack: str
    card: str
    title: str
    summary: str
    pack_label: str
    app_label: str = ""
    note: str = ""  # read out after the rest, e.g. which words a partial match has


@dataclass(frozen=True, slots=True)
class PaletteHeading:
    """A heading between results ("Partial matches"): shown and read out, never selected."""

    text: str
    description: str = ""


PaletteItem = PaletteRow | PaletteHeading


class ResultsModel(QAbstractListModel):
    """The results and headings shown, replaced all at once per keystroke."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: tuple[PaletteItem, ...] = ()

    @property
    def rows(self) -> tuple[PaletteRow, ...]:
        """The results, without headings."""
        return tuple(item for item in self.items if isinstance(item, PaletteRow))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.items)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        """Results can be selected; a heading cannot (arrows and clicks pass it by)."""
        if index.isValid() and isinstance(self.items[index.row()], PaletteHeading):
            return Qt.ItemFlag.ItemIsEnabled
        return super().flags(index)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return item
        if isinstance(item, PaletteHeading):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return item.text
            if role == Qt.ItemDataRole.AccessibleDescriptionRole:
                return item.description
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            badge = f", {item.app_label}" if item.app_label else ""
            note = f" {item.note}" if item.note else ""
            return f"{item.title}. {item.summary} ({item.pack_label}{badge}){note}"
        return None

    def replace(self, items: Sequence[PaletteItem]) -> None:
        self.beginResetModel()
        self.items = tuple(items)
        self.endResetModel()

    def selectable(self, row: int) -> bool:
        return 0 <= row < len(self.items) and isinstance(self.items[row], PaletteRow)


class ResultDelegate(QStyledItemDelegate):
    """Paints a result as a bold title over its summary, with the pack and app as badges."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        bold = QFont(option.font)
        bold.setBold(True)
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.85))
        return bold, small

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:  # noqa: N802
        bold, small = self._fonts(option)
        if isinstance(index.data(Qt.ItemDataRole.UserRole), PaletteHeading):
            return QSize(WIDTH - 2 * PADDING, QFontMetrics(bold).height() + PADDING)
        height = QFontMetrics(bold).height() + QFontMetrics(small).height() + 3 * PADDING // 2
        return QSize(WIDTH - 2 * PADDING, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        row = index.data(Qt.ItemDataRole.UserRole)
        if isinstance(row, PaletteHeading):
            self._paint_heading(painter, option, row)
            return
        if not isinstance(row, PaletteRow):
            return
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            plain = QStyleOptionViewItem(option)
            plain.text = ""
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, plain, painter)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_role = palette.ColorRole.HighlightedText if selected else palette.ColorRole.Text
        bold, small = self._fonts(option)
        rect = option.rect.adjusted(PADDING, PADDING // 2, -PADDING, -PADDING // 2)

        badges = [b for b in (row.app_label, row.pack_label) if b]
        right = rect.right()
        painter.setFont(small)
        small_metrics = QFontMetrics(small)
        for badge in badges:
            width = small_metrics.horizontalAdvance(badge) + 2 * BADGE_GAP
            box = QRect(right - width + 1, rect.top(), width, small_metrics.height() + 2)
            painter.setPen(palette.color(text_role))
            painter.drawRoundedRect(box.adjusted(0, 0, -1, -1), 4, 4)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge)
            right = box.left() - BADGE_GAP

        painter.setPen(palette.color(text_role))
        painter.setFont(bold)
        bold_metrics = QFontMetrics(bold)
        title_rect = QRect(rect.left(), rect.top(), right - rect.left(), bold_metrics.height())
        title = bold_metrics.elidedText(row.title, Qt.TextElideMode.ElideRight, title_rect.width())
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(title_rect, left, title)

        painter.setFont(small)
        summary_rect = QRect(
            rect.left(), title_rect.bottom() + PADDING // 2, rect.width(), small_metrics.height()
        )
        summary = small_metrics.elidedText(
            row.summary, Qt.TextElideMode.ElideRight, summary_rect.width()
        )
        painter.drawText(summary_rect, left, summary)
        painter.restore()

    def _paint_heading(
        self, painter: QPainter, option: QStyleOptionViewItem, heading: PaletteHeading
    ) -> None:
        """A heading: bold text over a thin rule, never highlighted."""
        painter.save()
        bold, _ = self._fonts(option)
        palette = option.palette
        painter.setPen(palette.color(palette.ColorRole.Text))
        painter.setFont(bold)
        rect = option.rect.adjusted(PADDING, PADDING // 2, -PADDING, 0)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, heading.text)
        bottom = option.rect.bottom()
        painter.setPen(palette.color(palette.ColorRole.Mid))
        painter.drawLine(rect.left(), bottom, rect.right(), bottom)
        painter.restore()


class Palette(QWidget):
    """The search palette. Typing emits `query_changed` at once (the companion answers with
    `set_results` in the same turn of the event loop, so results are painted in the next frame);
    ↑ ↓ move, Enter hides the palette and emits `open_requested`, Esc (or clicking away) hides
    it and emits `closed`, Ctrl+C copies the selected summary."""

    query_changed = Signal(str)
    open_requested = Signal(str, str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setWindowTitle(TITLE)
        self.setObjectName("cuecards-palette")
        self.setAccessibleName(TITLE)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Search cards…")
        self.field.setAccessibleName("Search cards")
        self.field.setClearButtonEnabled(False)
        self.model = ResultsModel(self)
        self.list = QListView(self)
        self.list.setAccessibleName("Results")
        self.list.setModel(self.model)
        self.list.setItemDelegate(ResultDelegate(self.list))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setUniformItemSizes(False)  # headings are lower than results
        # Rows elide their text to the width: a horizontal scroll bar would only hide a row.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QListView.ScrollMode.ScrollPerItem)
        self.list.activated.connect(self._open_index)
        self.list.clicked.connect(self._open_index)
        self.list.selectionModel().currentChanged.connect(self._keep_off_headings)
        self.message = QLabel(self)
        self.message.setAccessibleName("Search status")
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(PADDING, PADDING, PADDING, PADDING)
        layout.setSpacing(PADDING // 2)
        layout.addWidget(self.field)
        layout.addWidget(self.message)
        layout.addWidget(self.list)
        row_height = ResultDelegate().sizeHint(QStyleOptionViewItem(), QModelIndex()).height()
        self.list.setMinimumHeight(row_height * VISIBLE_ROWS + 4)
        self.setFixedWidth(WIDTH)
        self.field.textChanged.connect(self.query_changed)
        self.field.installEventFilter(self)
        self._was_active = False

    # ----- what the companion calls --------------------------------------------------------

    def open_on(self, area: QRect, query: str = "") -> None:
        """Show the palette centred on `area` (the active screen's available geometry), with the
        search field focused and holding `query`."""
        self.adjustSize()
        size = self.sizeHint().expandedTo(self.size())
        self.setGeometry(
            QRect(
                area.left() + (area.width() - size.width()) // 2,
                area.top() + (area.height() - size.height()) // 2,
                size.width(),
                size.height(),
            )
        )
        self._was_active = False
        if self.field.text() != query:
            self.field.setText(query)
        else:
            self.query_changed.emit(query)
        self.show()
        self.raise_()
        self.activateWindow()
        self.field.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def set_results(
        self,
        rows: Sequence[PaletteRow],
        empty_text: str = "No cards found",
        partial: Sequence[PaletteRow] = (),
    ) -> None:
        """Show these rows, the first selected. With none, say `empty_text` instead (and show
        the `partial` matches under a heading: a search with no answer says so)."""
        items: list[PaletteItem] = list(rows)
        if partial:
            items += [PaletteHeading(PARTIAL_HEADING, PARTIAL_DESCRIPTION), *partial]
        self.model.replace(items)
        if rows:
            self.message.hide()
            self.message.setAccessibleDescription("")
        else:
            self.message.setText(empty_text)
            self.message.setAccessibleDescription(empty_text)
            self.message.show()
        first = next((i for i in range(len(items)) if self.model.selectable(i)), None)
        if first is not None:
            self.list.setCurrentIndex(self.model.index(first, 0))

    def rows(self) -> tuple[PaletteRow, ...]:
        """Every result shown, full matches first, without headings."""
        return self.model.rows

    def current(self) -> PaletteRow | None:
        """The selected result, if any."""
        item = self.list.currentIndex().data(Qt.ItemDataRole.UserRole)
        return item if isinstance(item, PaletteRow) else None

    def close_palette(self) -> None:
        """Hide the palette; the window manager gives focus back to the previous window."""
        if self.isVisible():
            self._was_active = False  # hiding deactivates: that is not a click away
            self.hide()
            self.closed.emit()

    # ----- keyboard -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self._key(event):
            super().keyPressEvent(event)

    def _key(self, event: QKeyEvent) -> bool:
        """Handle a palette key; False lets the search field have it."""
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close_palette()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._move(-1 if key == Qt.Key.Key_Up else 1)
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self._move(-VISIBLE_ROWS if key == Qt.Key.Key_PageUp else VISIBLE_ROWS)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open_index(self.list.currentIndex())
        elif event.matches(QKeySequence.StandardKey.Copy) and not self.field.hasSelectedText():
            row = self.current()
            if row is None:
                return False
            QGuiApplication.clipboard().setText(row.summary)
        else:
            return False
        return True

    def _move(self, step: int) -> None:
        """Move the selection by `step` results, passing headings by; stays within the list."""
        count = len(self.model.items)
        if not count:
            return
        row = max(0, min(count - 1, self.list.currentIndex().row() + step))
        forward, backward = range(row, count), range(row, -1, -1)
        ahead, behind = (forward, backward) if step > 0 else (backward, forward)
        for candidate in (*ahead, *behind):
            if self.model.selectable(candidate):
                self.list.setCurrentIndex(self.model.index(candidate, 0))
                return

    def _keep_off_headings(self, current: QModelIndex, previous: QModelIndex) -> None:
        """A click on a heading leaves the selected result selected (Enter still opens it)."""
        heading = current.isValid() and not self.model.selectable(current.row())
        if heading and self.model.selectable(previous.row()):
            self.list.setCurrentIndex(previous)

    def _open_index(self, index: QModelIndex) -> None:
        row = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if isinstance(row, PaletteRow):
            self._was_active = False  # hiding deactivates: that is not a click away
            self.hide()
            self.open_requested.emit(row.pack, row.card)

    # ----- window life ------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Close when the person clicks away, as launchers do (once it has been active)."""
        if event.type() == QEvent.Type.ActivationChange:
            if self.isActiveWindow():
                self._was_active = True
            elif self._was_active and self.isVisible():
                self.close_palette()
        super().changeEvent(event)

"""The quiet popup that offers a card at the moment of need.

A small frameless tool window at the bottom-right of the screen the person is working on. It
never takes keyboard focus when it appears, hides itself after a while unless the pointer
rests on it, and becomes keyboard-usable (Tab, Esc) only when the person clicks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QEnterEvent,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainterPath,
    QRegion,
    QResizeEvent,
    QScreen,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme

BASE_WIDTH = 360  # logical pixels at 96 dpi; Qt scales logical pixels by devicePixelRatio
BASE_MARGIN = 16
RADIUS = 10
KINDS = ("open", "helpful", "unhelpful", "snooze", "never", "dismissed", "timeout")
FLAGS = (
    Qt.WindowType.Tool
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus
)


@dataclass(frozen=True)
class PopupContent:
    """What the popup shows: the card's ids (echoed back in `action`), title and summary."""

    pack: str
    card: str
    title: str
    summary: str


def dpi_scale(logical_dpi: float) -> float:
    """How much larger than at 96 dpi to draw, for desktops that scale by font DPI (never < 1)."""
    return max(1.0, logical_dpi / 96.0)


def popup_geometry(area: QRect, height: int, scale: float) -> QRect:
    """Where a popup of `height` goes: `area`'s bottom-right corner, inset by the margin."""
    margin = round(BASE_MARGIN * scale)
    width = min(round(BASE_WIDTH * scale), max(1, area.width() - 2 * margin))
    x = area.x() + area.width() - margin - width
    y = area.y() + area.height() - margin - height
    return QRect(max(x, area.x()), max(y, area.y()), width, height)


class Popup(QWidget):
    """A card's title and summary with Open, Helpful, Not helpful, Snooze and Don't show again.

    `action(pack, card, kind)` reports what happened, kind being one of KINDS; every kind
    also hides the popup. The companion decides what each means.
    """

    action = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, FLAGS)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setObjectName("cuecards-popup")
        self.setAccessibleName("Cuecards tip")
        self._content: PopupContent | None = None
        self._seconds = 15.0
        self._hovered = False
        self._engaged = False  # the person clicked it: keyboard focus is welcome
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expire)
        self._build()
        # Create the native window now: the first card then shows as fast as later ones,
        # and its screen can be chosen before it is mapped.
        self.winId()

    # The companion's interface.

    def show_content(self, content: PopupContent, area: QRect, seconds: float) -> None:
        """Show `content` at the bottom-right of `area` (the active window's screen, available
        geometry) and hide after `seconds` unless hovered; replaces any card already shown."""
        self._content = content
        self._seconds = seconds
        self.setWindowTitle(f"Cuecards: {content.title}")
        self.setAccessibleName(f"Cuecards tip: {content.title}")
        self.setAccessibleDescription(content.summary)
        self.title.setText(content.title)
        self.title.setAccessibleName(content.title)
        self.summary.setText(content.summary)
        self.summary.setAccessibleName(content.summary)
        self.summary.setVisible(bool(content.summary))

        screen = QGuiApplication.screenAt(area.center()) or self.screen()
        scale = dpi_scale(screen.logicalDotsPerInch()) if screen is not None else 1.0
        width = popup_geometry(area, 0, scale).width()
        self.setFixedWidth(width)
        layout = self.layout()
        layout.activate()
        # Wrapped labels' minimum sizes assume a narrow width; the height for this width is
        # what the text needs.
        height = layout.totalHeightForWidth(width)
        if height <= 0:
            height = layout.totalSizeHint().height()
        self.setFixedHeight(height)
        self._place_on(screen)
        self.setGeometry(popup_geometry(area, height, scale))
        self._engaged = False
        self._refuse_focus()
        self.show()
        self._hovered = self.underMouse()
        self._restart_timer()

    def hide_popup(self) -> None:
        """Hide without reporting anything (the companion withdrew the card)."""
        self._timer.stop()
        self._hovered = False
        self._engaged = False
        self.hide()

    def content(self) -> PopupContent | None:
        """The card being shown (or last shown)."""
        return self._content

    def is_counting_down(self) -> bool:
        """True while the auto-hide countdown runs (it pauses under the pointer or when focused)."""
        return self._timer.isActive()

    # Layout.

    def _build(self) -> None:
        s = theme.current_scheme()
        self.card = QFrame(self)
        self.card.setObjectName("card")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        outer.addWidget(self.card)

        self.caption = QLabel("Cuecards tip")
        self.caption.setObjectName("caption")
        self.close_button = QPushButton("\N{MULTIPLICATION SIGN}")
        self.close_button.setObjectName("close")
        self.close_button.setProperty("quiet", True)
        self.close_button.setToolTip("Dismiss (Esc)")
        self.close_button.setAccessibleName("Dismiss")
        self.close_button.setAccessibleDescription("Hide this tip")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.caption)
        top.addStretch(1)
        top.addWidget(self.close_button)

        self.title = QLabel()
        self.title.setObjectName("title")
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        for label in (self.title, self.summary):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        title_font = self.title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)

        self.open_button = self._button("Open card", "Open card", "open", "Read the whole card")
        self.open_button.setProperty("primary", True)
        self.helpful_button = self._button(
            f"{theme.thumbs(True)}Helpful", "Helpful", "helpful", "This tip was helpful"
        )
        self.unhelpful_button = self._button(
            f"{theme.thumbs(False)}Not helpful",
            "Not helpful",
            "unhelpful",
            "This tip was not helpful",
        )
        self.snooze_button = self._button(
            "Snooze", "Snooze", "snooze", "Pause all tips for a while"
        )
        self.never_button = self._button(
            "Don't show again", "Don't show again", "never", "Never show this card again"
        )
        for button in (self.snooze_button, self.never_button):
            button.setProperty("quiet", True)
        self.close_button.clicked.connect(lambda: self._emit("dismissed"))

        main_row = QHBoxLayout()
        main_row.setSpacing(6)
        for button in (self.open_button, self.helpful_button, self.unhelpful_button):
            main_row.addWidget(button)
        main_row.addStretch(1)
        quiet_row = QHBoxLayout()
        quiet_row.setSpacing(2)
        quiet_row.addWidget(self.snooze_button)
        quiet_row.addWidget(self.never_button)
        quiet_row.addStretch(1)

        body = QVBoxLayout(self.card)
        body.setContentsMargins(16, 10, 10, 12)
        body.setSpacing(0)
        body.addLayout(top)
        body.addSpacing(8)
        body.addWidget(self.title)
        body.addSpacing(6)
        body.addWidget(self.summary)
        body.addSpacing(14)
        body.addLayout(main_row)
        body.addSpacing(6)
        body.addLayout(quiet_row)
        for row in (main_row, quiet_row):
            row.setContentsMargins(0, 0, 6, 0)
        top.setContentsMargins(0, 0, 0, 0)

        self.buttons = [
            self.open_button,
            self.helpful_button,
            self.unhelpful_button,
            self.snooze_button,
            self.never_button,
            self.close_button,
        ]
        for first, second in zip(self.buttons, self.buttons[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.setStyleSheet(
            f"""
QFrame#card {{
    background: {s.surface}; border: 1px solid {s.border}; border-radius: {RADIUS}px;
}}
QLabel {{ color: {s.text}; background: transparent; }}
QLabel#caption {{ color: {s.muted}; }}
QLabel#summary {{ color: {s.text}; }}
QPushButton#close {{ font-size: 12pt; padding: 0px 6px; }}
"""
            + theme.button_css(s)
        )

    def _button(self, text: str, name: str, kind: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setAccessibleDescription(tip)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.clicked.connect(lambda: self._emit(kind))
        return button

    # Behaviour.

    def _emit(self, kind: str) -> None:
        content = self._content
        self.hide_popup()
        if content is not None:
            self.action.emit(content.pack, content.card, kind)

    def _expire(self) -> None:
        if self.isVisible() and not self._hovered:
            self._emit("timeout")

    def _restart_timer(self) -> None:
        # Only a deliberate click holds the popup open by focus: a platform that activates
        # it on its own must not keep it on screen forever.
        if self._hovered or (self._engaged and self.isActiveWindow()):
            self._timer.stop()
        else:
            self._timer.start(max(1, round(self._seconds * 1000)))

    def _place_on(self, screen: QScreen | None) -> None:
        handle = self.windowHandle()
        if screen is not None and handle is not None and handle.screen() is not screen:
            handle.setScreen(screen)

    def _refuse_focus(self) -> None:
        """Back to not taking focus (a click may have allowed it for the previous card)."""
        handle = self.windowHandle()
        if handle is not None:
            handle.setFlag(Qt.WindowType.WindowDoesNotAcceptFocus, True)

    def take_focus(self) -> None:
        """Accept keyboard focus now (the person clicked the popup): Tab, Space and Esc work."""
        handle = self.windowHandle()
        if handle is not None:
            handle.setFlag(Qt.WindowType.WindowDoesNotAcceptFocus, False)
        self._engaged = True
        self._timer.stop()
        self.activateWindow()
        self.open_button.setFocus(Qt.FocusReason.TabFocusReason)

    def enterEvent(self, event: QEnterEvent) -> None:
        self._hovered = True
        self._timer.stop()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovered = False
        if self.isVisible():
            self._restart_timer()
        super().leaveEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isVisible():
            self._restart_timer()
        super().changeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.take_focus()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._emit("dismissed")
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # X11 without a compositor draws translucent corners black: clip them away there.
        # (Other platforms always composite, and offscreen has no window masks.)
        if QGuiApplication.platformName() != "xcb":
            super().resizeEvent(event)
            return
        path = QPainterPath()
        path.addRoundedRect(QRectF(self.rect()), RADIUS, RADIUS)
        self.setMask(QRegion(path.toFillPolygon().toPolygon()))
        super().resizeEvent(event)

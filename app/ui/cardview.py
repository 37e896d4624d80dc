"""The card view: a card's whole body, rendered from sanitised HTML, with Helpful / Not helpful.

The body is shown by a QTextBrowser that loads nothing by itself: `loadResource` serves only
image files inside the card's pack media folder and refuses every other URL, so no remote
resource is ever fetched. Link clicks are reported (http(s) only) for the app to open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeyEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme

MEDIA_PREFIX = "media/"
BASE_SIZE = (540, 460)  # logical pixels at 96 dpi


def media_file(media_dir: Path | None, url: QUrl) -> Path | None:
    """The file a relative `media/…` URL names inside `media_dir` (the pack's media folder),
    or None for anything else: remote, absolute, another folder, or a `..` escape."""
    if media_dir is None or not url.isRelative() or url.host() or url.hasQuery():
        return None
    path = url.path()
    if not path.startswith(MEDIA_PREFIX) or "\\" in path or "\x00" in path:
        return None
    root = media_dir.resolve()
    candidate = (root / path[len(MEDIA_PREFIX) :]).resolve()
    if candidate == root or not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


class CardBrowser(QTextBrowser):
    """A QTextBrowser that opens no link itself and loads images only from the pack's media."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media_dir: Path | None = None
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def loadResource(self, kind: int, name: QUrl) -> object:  # noqa: N802 - Qt's name
        """Images from inside `media_dir` only; every other resource is refused (None)."""
        if getattr(kind, "value", kind) != QTextDocument.ResourceType.ImageResource.value:
            return None
        path = media_file(self.media_dir, name)
        if path is None:
            return None
        image = QImage(str(path))
        if image.isNull():
            return None
        # Fit the width left once a vertical scroll bar shows, so no sideways scrolling.
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        margins = 2 * round(self.document().documentMargin()) + 4
        limit = max(64, self.viewport().width() - margins - scroll_bar)
        if image.width() > limit:
            image = image.scaledToWidth(limit, Qt.TransformationMode.SmoothTransformation)
        return image


class CardView(QWidget):
    """A window with one card: its title, its body, and a Helpful / Not helpful row."""

    link_activated = Signal(str)
    feedback = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("cuecards-card")
        self.setWindowTitle("Cuecards card")
        self.setAccessibleName("Cuecards card")
        self._ids: tuple[str, str] | None = None
        s = theme.current_scheme()

        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.heading.setFont(font)

        self.browser = CardBrowser()
        self.browser.setAccessibleName("Card text")
        self.browser.document().setDefaultStyleSheet(theme.card_document_css(s))
        self.browser.document().setDocumentMargin(2)
        self.browser.anchorClicked.connect(self._on_anchor)

        self.question = QLabel("Was this card helpful?")
        self.question.setObjectName("question")
        self.helpful_button = QPushButton(f"{theme.thumbs(True)}Helpful")
        self.helpful_button.setAccessibleName("Helpful")
        self.helpful_button.setToolTip("This card was helpful")
        self.unhelpful_button = QPushButton(f"{theme.thumbs(False)}Not helpful")
        self.unhelpful_button.setAccessibleName("Not helpful")
        self.unhelpful_button.setToolTip("This card was not helpful")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close card")
        self.close_button.setToolTip("Close (Esc)")
        self.helpful_button.clicked.connect(lambda: self._vote("helpful"))
        self.unhelpful_button.clicked.connect(lambda: self._vote("unhelpful"))
        self.close_button.clicked.connect(self.close)
        for button in (self.helpful_button, self.unhelpful_button, self.close_button):
            button.setAutoDefault(False)

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.question)
        row.addWidget(self.helpful_button)
        row.addWidget(self.unhelpful_button)
        row.addStretch(1)
        row.addWidget(self.close_button)

        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFixedHeight(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.browser, 1)
        layout.addWidget(rule)
        layout.addLayout(row)

        self.setStyleSheet(
            f"""
CardView, QWidget#cuecards-card {{ background: {s.surface}; }}
QLabel {{ color: {s.text}; }}
QLabel#question {{ color: {s.muted}; }}
QFrame#rule {{ background: {s.border}; border: none; }}
QTextBrowser {{ background: {s.surface}; color: {s.text}; border: none; }}
"""
            + theme.button_css(s)
        )
        self.setAutoFillBackground(True)
        screen = QGuiApplication.primaryScreen()
        scale = max(1.0, screen.logicalDotsPerInch() / 96.0) if screen else 1.0
        self.resize(round(BASE_SIZE[0] * scale), round(BASE_SIZE[1] * scale))

    def show_card(
        self, pack: str, card: str, title: str, html: str, media_dir: Path | None
    ) -> None:
        """Show a card: `html` from render_card_html, images served from `media_dir` (the pack's
        `media/` folder: `media/x.png` in the body is `media_dir / "x.png"`)."""
        self._ids = (pack, card)
        self.setWindowTitle(f"Cuecards card: {title}")
        self.setAccessibleName(f"Cuecards card: {title}")
        self.heading.setText(title)
        self.heading.setAccessibleName(title)
        self.browser.media_dir = media_dir
        self.browser.clear()
        self.browser.setHtml(html)
        self._set_voted(None)
        self.show()
        # The person asked for this card (Open): bring it to the front with the keyboard.
        self.raise_()
        self.activateWindow()

    def card_ids(self) -> tuple[str, str] | None:
        """(pack, card) of the card shown."""
        return self._ids

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme().lower() in ("http", "https") and url.host():
            self.link_activated.emit(url.toString())

    def _vote(self, kind: str) -> None:
        if self._ids is None:
            return
        self._set_voted(kind)
        self.feedback.emit(self._ids[0], self._ids[1], kind)

    def _set_voted(self, kind: str | None) -> None:
        voted = kind is not None
        self.helpful_button.setEnabled(not voted)
        self.unhelpful_button.setEnabled(not voted)
        if kind == "helpful":
            self.question.setText("Thanks, glad it helped.")
        elif kind == "unhelpful":
            self.question.setText("Thanks for the feedback.")
        else:
            self.question.setText("Was this card helpful?")
        self.question.setAccessibleName(self.question.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

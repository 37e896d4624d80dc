"""Colours and shared style sheets for Cuecards' own surfaces (popup, card view, dialogs).

One light and one dark scheme, picked from the desktop's colour scheme, each with text
contrast of at least 4.5:1 on its surface so cards stay legible.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QPainter, QPen, QPixmap


@dataclass(frozen=True, slots=True)
class Scheme:
    """The handful of colours every Cuecards surface is drawn with."""

    surface: str
    border: str
    text: str
    muted: str
    accent: str
    accent_text: str
    button: str
    button_hover: str
    focus: str
    kbd_bg: str


LIGHT = Scheme(
    surface="#ffffff",
    border="#c8ced6",
    text="#1b1f24",
    muted="#565e69",
    accent="#2456c4",
    accent_text="#ffffff",
    button="#eef1f5",
    button_hover="#e0e5ec",
    focus="#2456c4",
    kbd_bg="#eef1f5",
)
DARK = Scheme(
    surface="#23272e",
    border="#454c57",
    text="#eef1f5",
    muted="#b0b8c3",
    accent="#6f9cf2",
    accent_text="#0d1117",
    button="#2f353e",
    button_hover="#3b424c",
    focus="#8fb3ff",
    kbd_bg="#343b45",
)


def current_scheme() -> Scheme:
    """DARK when the desktop asks for a dark colour scheme (or its window colour is dark)."""
    hints = QGuiApplication.styleHints()
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return DARK
    window = QGuiApplication.palette().window().color()
    return DARK if window.lightness() < 110 else LIGHT


@functools.cache
def has_emoji_font() -> bool:
    """True when an emoji font is installed, so 👍 draws as a thumb rather than a box."""
    return any("emoji" in family.lower() for family in QFontDatabase.families())


def thumbs(up: bool) -> str:
    """The thumb emoji and a space when the desktop can draw it, else nothing."""
    if not has_emoji_font():
        return ""
    return "\N{THUMBS UP SIGN} " if up else "\N{THUMBS DOWN SIGN} "


def button_css(s: Scheme) -> str:
    """Quiet rounded buttons, a filled `primary` one and a visible keyboard focus ring."""
    return f"""
QPushButton {{
    color: {s.text}; background: {s.button}; border: 1px solid {s.border};
    border-radius: 6px; padding: 4px 10px;
}}
QPushButton:hover {{ background: {s.button_hover}; }}
QPushButton:focus {{ border: 2px solid {s.focus}; padding: 3px 9px; }}
QPushButton[primary="true"] {{
    color: {s.accent_text}; background: {s.accent}; border: 1px solid {s.accent};
}}
QPushButton[primary="true"]:focus {{ border: 2px solid {s.text}; }}
QPushButton[quiet="true"] {{
    color: {s.muted}; background: transparent; border: 1px solid transparent;
    padding: 2px 6px;
}}
QPushButton[quiet="true"]:hover {{ color: {s.text}; background: {s.button}; }}
QPushButton[quiet="true"]:focus {{
    color: {s.text}; border: 2px solid {s.focus}; padding: 1px 5px;
}}
QPushButton:disabled {{ color: {s.muted}; background: transparent; }}
"""


def card_document_css(s: Scheme) -> str:
    """The card body's style sheet (Qt rich text): readable line height, keys as keycaps."""
    return f"""
body {{ color: {s.text}; }}
p, li {{ line-height: 130%; }}
kbd {{ font-family: monospace; background-color: {s.kbd_bg}; color: {s.text};
       font-weight: 600; }}
code {{ font-family: monospace; background-color: {s.kbd_bg}; }}
pre {{ font-family: monospace; background-color: {s.kbd_bg}; }}
a {{ color: {s.accent}; }}
"""


def lock_pixmap(size: int, color: str, ratio: float = 1.0) -> QPixmap:
    """A small padlock drawn with the painter, so it needs no icon theme or emoji font."""
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(color))
    pen.setWidthF(max(1.5, size / 9))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    shackle = QRectF(size * 0.3, size * 0.1, size * 0.4, size * 0.5)
    painter.drawArc(shackle, 0, 180 * 16)
    painter.drawLine(QPointF(shackle.left(), size * 0.35), QPointF(shackle.left(), size * 0.48))
    painter.drawLine(QPointF(shackle.right(), size * 0.35), QPointF(shackle.right(), size * 0.48))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(QRectF(size * 0.18, size * 0.45, size * 0.64, size * 0.47), 2, 2)
    painter.end()
    return pixmap

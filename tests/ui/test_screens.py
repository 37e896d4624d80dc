"""Screenshots of every Cuecards surface into artifacts/, for people to look at (and the README).

Each test renders a surface with realistic content, saves `artifacts/<name>.png`, checks the
picture is not blank (a widget that failed to lay out or paint shows one flat colour) and that
the window says what a person should read there (its visible widgets' text), so a dialog with
wrong or missing content fails even when it paints.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app import __version__
from app.core.render import render_card_html
from app.paths import demo_pack_dir, resources_dir
from app.settings import Policy, Settings
from app.ui.about import show_about
from app.ui.cardview import CardView
from app.ui.icons import app_icon
from app.ui.packs_window import PackRow, PacksWindow
from app.ui.popup import Popup, PopupContent
from app.ui.recent import RecentRow, RecentWindow
from app.ui.records import RecordsWindow
from app.ui.settings_dialog import SettingsDialog, setting_rows
from app.ui.tray import TrayMenu
from app.ui.welcome import WelcomeDialog

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
NOW = datetime(2026, 3, 12, 15, 30)


def save(pixmap: QPixmap, name: str) -> Path:
    """Save the shot and check it shows something (more than a handful of colours)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert pixmap.save(str(path)), path
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
    }
    assert len(colours) > 8, f"{name}.png looks blank"
    return path


def _plain(text: str) -> str:
    """Rich text as the words shown; mnemonic ampersands dropped."""
    if "<" in text and ">" in text:
        document = QTextDocument()
        document.setHtml(text)
        text = document.toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _model_text(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    texts = [
        str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        for c in range(model.columnCount())
    ]

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            for column in range(model.columnCount(parent)):
                index = model.index(row, column, parent)
                texts.append(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
            walk(model.index(row, 0, parent))

    walk(QModelIndex())
    return texts


def _texts_of(widget: QWidget) -> list[str]:
    if isinstance(widget, QHeaderView):
        return []  # the view's own header labels are read with its rows
    if isinstance(widget, QMenu):
        return [_plain(a.text()) for a in widget.actions() if a.isVisible() and a.text()]
    if isinstance(widget, QLabel):
        return [_plain(widget.text())]
    if isinstance(widget, QAbstractButton):
        return [_plain(widget.text()), widget.accessibleName()]
    if isinstance(widget, QLineEdit):
        return [widget.text() or widget.placeholderText()]
    if isinstance(widget, QAbstractSpinBox):
        return [widget.text()]
    if isinstance(widget, QComboBox):
        return [widget.currentText()]
    if isinstance(widget, QGroupBox):
        return [widget.title()]
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return [widget.toPlainText()]
    if isinstance(widget, QAbstractItemView):
        return _model_text(widget)
    return []


def visible_text(window: QWidget) -> str:
    """What a person can read in `window`: the text of every visible label, button, field,
    list, menu and group, one per line (no pixels, no OCR; not the window title, which a
    frameless window never shows)."""
    texts = _texts_of(window)
    for child in window.findChildren(QWidget):
        if child.isVisibleTo(window):
            texts += _texts_of(child)
    return "\n".join(t for t in texts if t)


def shows(window: QWidget, *expected: str) -> None:
    """Each expected text is in the window's visible text."""
    text = visible_text(window)
    missing = [e for e in expected if e not in text]
    assert not missing, f"{missing} not shown; the window shows:\n{text}"


def shot(widget: QWidget, name: str) -> Path:
    widget.show()
    QApplication.processEvents()
    return save(widget.grab(), name)


def on_backdrop(widget: QWidget, name: str, colour: str) -> Path:
    """The widget drawn over a desktop-like backdrop, so its rounded corners show."""
    picture = widget.grab()
    ratio = picture.devicePixelRatio()
    margin = 24
    canvas = QPixmap(
        round(picture.width() / ratio) + 2 * margin, round(picture.height() / ratio) + 2 * margin
    )
    canvas.fill(QColor(colour))
    painter = QPainter(canvas)
    painter.drawPixmap(margin, margin, picture)
    painter.end()
    return save(canvas, name)


@pytest.fixture
def dark_palette() -> Iterator[None]:
    app = QApplication.instance()
    before = app.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202328"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#eef1f5"))
    app.setPalette(dark)
    try:
        yield
    finally:
        app.setPalette(before)


def demo_card(name: str) -> tuple[str, str, str]:
    """(title, summary, body) of a demo card, read the simple way for a picture."""
    text = (demo_pack_dir() / "cards" / f"{name}.md").read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    fields = dict(
        line.split(":", 1) for line in front.splitlines() if line and not line.startswith(" ")
    )
    return fields["title"].strip().strip('"'), fields["summary"].strip().strip('"'), body


def test_popup(qtbot) -> None:
    title, summary, _ = demo_card("excel-refresh-all")
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_content(
        PopupContent("demo", "excel-refresh-all", title, summary), QRect(0, 0, 800, 600), 600
    )
    shows(popup, "Cuecards tip", title, summary, "Open card", "Helpful", "Not helpful")
    shows(popup, "Snooze", "Don't show again", "Dismiss")
    save(popup.grab(), "popup")
    on_backdrop(popup, "popup-on-desktop", "#3f5f7f")


def test_popup_dark(qtbot, dark_palette) -> None:
    title, summary, _ = demo_card("vscode-command-palette")
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_content(
        PopupContent("demo", "vscode-command-palette", title, summary), QRect(0, 0, 800, 600), 60
    )
    shows(popup, "Cuecards tip", title, summary, "Open card", "Helpful", "Not helpful")
    on_backdrop(popup, "popup-dark", "#5a6b7c")


def test_card_view(qtbot, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    picture = QImage(720, 180, QImage.Format.Format_RGB32)
    picture.fill(QColor("#e8eef9"))
    painter = QPainter(picture)
    painter.setPen(QColor("#2456c4"))
    font = painter.font()
    font.setPointSize(28)
    painter.setFont(font)
    painter.drawText(picture.rect(), 0x84, "Data  ›  Refresh All")
    painter.end()
    picture.save(str(media / "refresh-all.png"))
    title, _, body = demo_card("excel-refresh-all")
    body += (
        "\n![The Refresh All button on the Data tab](media/refresh-all.png)\n\n"
        "More in [Microsoft's guide](https://support.microsoft.com/excel).\n"
    )
    view = CardView()
    qtbot.addWidget(view)
    view.show_card("demo", "excel-refresh-all", title, render_card_html(body), media)
    shot(view, "cardview")
    shows(view, title, "then press Alt+F5 to refresh it", "Press Ctrl+Alt+F5 (Data > Refresh All)")
    shows(view, "More in Microsoft's guide.", "Was this card helpful?", "Not helpful", "Close")


def test_tray_menu(qtbot) -> None:
    tray = TrayMenu()
    tray.set_packs(["Cuecards demo 1.0.0 (100 cards)", "Finance essentials 1.4.0 (12 cards)"])
    tray.set_current_app("LibreOffice Calc")
    tray.set_snoozed("Snoozed until 14:05")
    tray.menu.popup(QPoint(0, 0))
    QApplication.processEvents()
    shows(tray.menu, "Search…", "Recent cards", "Snoozed until 14:05 — Resume")
    shows(tray.menu, "Never in LibreOffice Calc", "Cuecards demo 1.0.0 (100 cards)")
    shows(tray.menu, "Finance essentials 1.4.0 (12 cards)", "Settings…", "Quit Cuecards")
    save(tray.menu.grab(), "tray-menu")
    tray.menu.hide()
    tray.menu.deleteLater()


def test_settings(qtbot, tmp_path: Path) -> None:
    policy = Policy(
        tmp_path / "policy.toml",
        {"upload.allowed": False, "packs.sources": ["https://packs.acme.example/index.json"]},
        {},
    )
    dialog = SettingsDialog(setting_rows(Settings(tmp_path, policy)))
    qtbot.addWidget(dialog)
    dialog.resize(640, 900)
    shot(dialog, "settings")
    assert dialog.windowTitle() == "Cuecards settings"
    shows(dialog, "When tips appear", "Popups at most per hour, all packs")
    shows(dialog, "Search hotkey", "<ctrl>+<alt>+<space>", "Sharing anonymised reports")
    # What the policy fixes is shown, with the word that says it cannot be changed here.
    shows(dialog, "https://packs.acme.example/index.json", "Locked", "Changes apply at once.")


def test_recent(qtbot) -> None:
    window = RecentWindow(now=lambda: NOW)
    qtbot.addWidget(window)
    window.set_rows(
        [
            RecentRow(NOW - timedelta(minutes=20), "demo", "a", "Refresh pivot tables", "helpful"),
            RecentRow(NOW - timedelta(hours=3), "demo", "b", "Track changes in Word", None),
            RecentRow(NOW - timedelta(days=1), "demo", "c", "Jump to a Slack channel", "never"),
            RecentRow(NOW - timedelta(days=3), "demo", "d", "Mute in Zoom", "unhelpful"),
        ]
    )
    shot(window, "recent")
    assert window.windowTitle() == "Cuecards recent cards"
    shows(window, "Today 15:10", "Refresh pivot tables", "Helpful")
    shows(window, "Yesterday 15:30", "Jump to a Slack channel", "Don't show again")
    shows(window, "Mute in Zoom", "Not helpful", "Open card")


def test_packs(qtbot) -> None:
    window = PacksWindow()
    qtbot.addWidget(window)
    window.set_packs(
        [
            PackRow("demo", "Cuecards demo", "1.0.0", "Cuecards", 100, "bundled", "ok"),
            PackRow(
                "acme.finance",
                "Finance essentials",
                "1.4.0",
                "ACME Learning",
                12,
                "https://packs.acme.example/index.json",
                "error",
                "Update 1.5.0 refused: its signature matches no trusted key. Version 1.4.0 "
                "stays in use; ask your administrator to add the publisher's key.",
            ),
        ]
    )
    shot(window, "packs")
    shows(window, "Cuecards demo", "bundled", "Finance essentials", "ACME Learning", "1.4.0")
    shows(window, "Update 1.5.0 refused: its signature matches no trusted key.")


def test_records(qtbot) -> None:
    window = RecordsWindow()
    qtbot.addWidget(window)
    window.set_summary(["214 events since 3 March 2026", "Kept for 180 days", "Uploads: off"])
    window.set_events(
        [
            ("2026-03-12 15:10", "shown", "demo", "excel-refresh-all", "excel"),
            ("2026-03-12 15:10", "helpful", "demo", "excel-refresh-all", "excel"),
            ("2026-03-12 15:09", "context", "", "", "other"),
            ("2026-03-12 15:00", "search", "", "", ""),
        ]
    )
    shot(window, "records")
    assert window.windowTitle() == "What Cuecards records"
    shows(window, "Recorded, on this computer only", "Never recorded", "Window titles, document")
    shows(window, "214 events since 3 March 2026", "Kept for 180 days", "Uploads: off")
    shows(window, "2026-03-12 15:10", "shown", "excel-refresh-all", "excel")


def test_welcome(qtbot) -> None:
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    shot(dialog, "welcome")
    shows(dialog, "Welcome to Cuecards", "Ctrl + Alt + Space", "to search every card")
    shows(dialog, "Never window titles, file names or keystrokes", "Got it")


def test_about(qtbot) -> None:
    app = QApplication.instance()
    before = app.windowIcon()
    app.setWindowIcon(app_icon(resources_dir() / "icons"))
    try:
        dialog = show_about(None, __version__)
        qtbot.addWidget(dialog)
        shot(dialog, "about")
        assert dialog.windowTitle() == "About Cuecards"
        shows(dialog, f"Cuecards {__version__}", "MIT licence.", "PySide6 ", "Close")
    finally:
        app.setWindowIcon(before)

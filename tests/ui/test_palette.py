"""The search palette as a person drives it with the keyboard (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.ui.palette import TITLE, Palette, PaletteHeading, PaletteRow

# The offscreen platform has no stacking order and no window manager to tell sizes to.
OFFSCREEN_LIMITS = "This plugin does not support (raise|propagateSizeHints)"
pytestmark = [pytest.mark.ui, pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS)]

ROWS = [
    PaletteRow("demo", "pivot", "Refresh pivot tables", "Ctrl+Alt+F5 refreshes.", "Demo", "Excel"),
    PaletteRow("demo", "autosum", "Total a column", "Alt+= adds up the column.", "Demo", "Excel"),
    PaletteRow("demo", "reload", "Reload a page", "Ctrl+Shift+R skips the cache.", "Demo"),
]  # fmt: skip


@pytest.fixture()
def palette(qtbot: QtBot) -> Palette:
    widget = Palette()
    qtbot.addWidget(widget)
    widget.open_on(QRect(100, 50, 1200, 800))
    qtbot.waitExposed(widget)
    widget.set_results(ROWS)
    return widget


def test_the_palette_is_frameless_titled_and_centred(palette: Palette) -> None:
    assert palette.windowTitle() == TITLE == "Cuecards search"
    assert palette.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert palette.isVisible()
    assert palette.geometry().center().x() == pytest.approx(100 + 600, abs=1)
    assert palette.geometry().center().y() == pytest.approx(50 + 400, abs=1)


def test_the_search_field_has_the_focus(palette: Palette) -> None:
    assert palette.focusWidget() is palette.field


def test_typing_reports_every_keystroke_at_once(palette: Palette, qtbot: QtBot) -> None:
    typed: list[str] = []
    palette.query_changed.connect(typed.append)
    qtbot.keyClicks(palette.field, "piv")
    assert typed == ["p", "pi", "piv"]


def test_the_first_result_is_selected_and_arrows_move(palette: Palette, qtbot: QtBot) -> None:
    assert palette.current() == ROWS[0]
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    assert palette.current() == ROWS[2]
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    assert palette.current() == ROWS[2]
    qtbot.keyClick(palette.field, Qt.Key.Key_Up)
    assert palette.current() == ROWS[1]


def test_new_results_select_the_first_again(palette: Palette, qtbot: QtBot) -> None:
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    palette.set_results(ROWS[1:])
    assert palette.current() == ROWS[1]
    assert palette.rows() == tuple(ROWS[1:])


def test_enter_opens_the_selected_card_and_hides(palette: Palette, qtbot: QtBot) -> None:
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    with qtbot.waitSignal(palette.open_requested) as opened:
        qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    assert opened.args == ["demo", "autosum"]
    assert not palette.isVisible()


def test_enter_with_no_results_opens_nothing(palette: Palette, qtbot: QtBot) -> None:
    palette.set_results([], "No cards for “zzz”")
    assert palette.message.isVisible()
    assert palette.message.text() == "No cards for “zzz”"
    with qtbot.assertNotEmitted(palette.open_requested):
        qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    assert palette.isVisible()


def test_escape_closes(palette: Palette, qtbot: QtBot) -> None:
    with qtbot.waitSignal(palette.closed):
        qtbot.keyClick(palette.field, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_ctrl_c_copies_the_selected_summary(palette: Palette, qtbot: QtBot) -> None:
    QGuiApplication.clipboard().setText("before")
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    qtbot.keyClick(palette.field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == ROWS[1].summary


def test_ctrl_c_with_text_selected_in_the_field_copies_that_text(
    palette: Palette, qtbot: QtBot
) -> None:
    qtbot.keyClicks(palette.field, "pivot")
    palette.field.selectAll()
    qtbot.keyClick(palette.field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "pivot"


def test_reopening_starts_from_the_given_query(palette: Palette, qtbot: QtBot) -> None:
    qtbot.keyClicks(palette.field, "pivot")
    palette.close_palette()
    typed: list[str] = []
    palette.query_changed.connect(typed.append)
    palette.open_on(QRect(0, 0, 800, 600))
    assert palette.field.text() == ""
    assert typed == [""]


def test_results_paint_title_summary_and_badges(palette: Palette, qtbot: QtBot) -> None:
    palette.resize(palette.width(), 400)
    image = palette.list.viewport().grab().toImage()
    # Something other than the background was painted in the first row.
    first_row = palette.list.visualRect(palette.model.index(0, 0))
    background = image.pixelColor(1, image.height() - 2)
    painted = {
        image.pixelColor(x, y).name()
        for x in range(first_row.left(), first_row.right(), 3)
        for y in range(first_row.top(), first_row.bottom(), 3)
    }
    assert len(painted - {background.name()}) > 1


def test_results_carry_readable_accessible_text(palette: Palette) -> None:
    text = palette.model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert text == "Refresh pivot tables. Ctrl+Alt+F5 refreshes. (Demo, Excel)"
    assert palette.field.accessibleName() == "Search cards"


ONLY_PANE = "Has only pane."
PARTIAL = [
    PaletteRow("demo", "preview", "Preview a file", "Space shows it.", "Demo", "", ONLY_PANE),
    PaletteRow("demo", "terminal", "Show the terminal", "Ctrl+` shows it.", "Demo", "", ONLY_PANE),
]  # fmt: skip


def test_with_no_full_match_the_palette_says_so_over_the_partial_matches(
    palette: Palette, qtbot: QtBot
) -> None:
    palette.set_results([], "No card for “freeze panes”", PARTIAL)
    assert palette.message.isVisible()
    assert palette.message.text() == "No card for “freeze panes”"
    assert palette.message.accessibleName() == "Search status"
    assert palette.message.accessibleDescription() == "No card for “freeze panes”"
    heading = palette.model.index(0, 0)
    assert heading.data(Qt.ItemDataRole.AccessibleTextRole) == "Partial matches"
    assert heading.data(Qt.ItemDataRole.AccessibleDescriptionRole) == (
        "Cards that match only some of the words you typed"
    )
    assert not heading.flags() & Qt.ItemFlag.ItemIsSelectable
    assert palette.rows() == tuple(PARTIAL)
    # The heading is never selected: the first partial match is, and arrows pass it by.
    assert palette.current() == PARTIAL[0]
    qtbot.keyClick(palette.field, Qt.Key.Key_Up)
    assert palette.current() == PARTIAL[0]
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    assert palette.current() == PARTIAL[1]
    qtbot.keyClick(palette.field, Qt.Key.Key_PageUp)
    assert palette.current() == PARTIAL[0]
    text = palette.model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert text == "Preview a file. Space shows it. (Demo) Has only pane."
    with qtbot.waitSignal(palette.open_requested) as opened:
        qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    assert opened.args == ["demo", "preview"]


def test_partial_matches_follow_the_full_ones_under_a_heading(
    palette: Palette, qtbot: QtBot
) -> None:
    palette.set_results(ROWS[:2], "No card for “x”", PARTIAL)
    assert not palette.message.isVisible()
    assert palette.message.accessibleDescription() == ""
    items = palette.model.items
    assert items == (*ROWS[:2], PaletteHeading("Partial matches", items[2].description), *PARTIAL)
    assert palette.current() == ROWS[0]
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    assert palette.current() == PARTIAL[0]  # over the heading
    qtbot.keyClick(palette.field, Qt.Key.Key_Up)
    assert palette.current() == ROWS[1]
    qtbot.keyClick(palette.field, Qt.Key.Key_PageDown)
    assert palette.current() == PARTIAL[1]


def test_clicking_a_heading_opens_nothing(palette: Palette, qtbot: QtBot) -> None:
    palette.set_results([], "No card for “freeze panes”", PARTIAL)
    heading = palette.list.visualRect(palette.model.index(0, 0))
    assert heading.height() < palette.list.visualRect(palette.model.index(1, 0)).height()
    with qtbot.assertNotEmitted(palette.open_requested):
        qtbot.mouseClick(palette.list.viewport(), Qt.MouseButton.LeftButton, pos=heading.center())
    assert palette.isVisible()
    assert palette.current() == PARTIAL[0]

"""The recent cards window: rows with when, title and feedback; reopening a card."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.ui.recent import RecentRow, RecentWindow, when_text

NOW = datetime(2026, 3, 12, 15, 30)  # a Thursday

ROWS = [
    RecentRow(NOW - timedelta(minutes=20), "demo", "excel-refresh-all", "Refresh pivot tables",
              "helpful"),
    RecentRow(NOW - timedelta(days=1, hours=2), "demo", "word-track-changes", "Track changes",
              None),
    RecentRow(NOW - timedelta(days=3), "acme.finance", "close-month", "Close the month",
              "unhelpful"),
    RecentRow(datetime(2025, 11, 3, 9, 0), "demo", "zoom-raise-hand", "Raise your hand", "never"),
]  # fmt: skip


@pytest.fixture
def window(qtbot) -> RecentWindow:
    widget = RecentWindow(now=lambda: NOW)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_rows_say_when_what_and_the_feedback_given(window: RecentWindow) -> None:
    window.set_rows(ROWS)
    assert window.row_texts() == [
        ["Today 15:10", "Refresh pivot tables", "Helpful"],
        ["Yesterday 13:30", "Track changes", "—"],
        ["Mon 15:30", "Close the month", "Not helpful"],
        ["3 Nov 2025", "Raise your hand", "Don't show again"],
    ]
    assert not window.empty.isVisible()


def test_an_empty_list_says_so(window: RecentWindow) -> None:
    window.set_rows([])
    assert window.empty.isVisible()
    assert not window.table.isVisible()
    assert "No cards shown yet" in window.empty.text()


def test_times_in_utc_are_shown_in_local_time() -> None:
    aware = datetime(2026, 3, 12, 12, 0, tzinfo=timezone.utc)
    local = aware.astimezone().replace(tzinfo=None)
    assert when_text(aware, local + timedelta(minutes=5)) == f"Today {local:%H:%M}"


def test_double_click_opens_the_card_again(qtbot, window: RecentWindow) -> None:
    window.set_rows(ROWS)
    item = window.table.topLevelItem(1)
    point = window.table.visualItemRect(item).center()
    viewport = window.table.viewport()
    with qtbot.assertNotEmitted(window.open_requested):
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert window.table.currentItem() is item
    with qtbot.waitSignal(window.open_requested) as blocker:
        # A real double-click: press and release, then the double-click press and release.
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
        QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == ["demo", "word-track-changes"]


def test_the_keyboard_opens_the_selected_card(qtbot, window: RecentWindow) -> None:
    window.set_rows(ROWS)
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_Down)
    QTest.keyClick(window.table, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.open_requested) as blocker:
        QTest.keyClick(window.table, Qt.Key.Key_Return)
    assert blocker.args == ["acme.finance", "close-month"]
    with qtbot.waitSignal(window.open_requested) as blocker:
        qtbot.mouseClick(window.open_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["acme.finance", "close-month"]


def test_controls_have_screen_reader_names(window: RecentWindow) -> None:
    assert window.table.accessibleName() == "Recent cards"
    assert window.open_button.accessibleName() == "Open the selected card"
    assert window.close_button.accessibleName() == "Close recent cards"

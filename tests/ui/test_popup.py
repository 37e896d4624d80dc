"""The popup: where it appears, that it never takes focus, its buttons, keys and auto-hide."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QCursor, QEnterEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.ui.popup import Popup, PopupContent, dpi_scale, popup_geometry

CONTENT = PopupContent(
    pack="demo",
    card="excel-refresh-all",
    title="Refresh pivot tables and data queries",
    summary="Alt+F5 refreshes the selected pivot table; Ctrl+Alt+F5 refreshes all of them.",
)
AREA = QRect(100, 40, 1000, 700)


@pytest.fixture
def popup(qtbot) -> Popup:
    # Earlier clicks leave the pointer where the popup appears, which counts as hovering.
    QCursor.setPos(QPoint(0, 0))
    widget = Popup()
    qtbot.addWidget(widget)
    return widget


def enter(widget: Popup) -> None:
    QApplication.sendEvent(widget, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))


def leave(widget: Popup) -> None:
    QApplication.sendEvent(widget, QEvent(QEvent.Type.Leave))


def test_appears_at_the_bottom_right_of_the_area_with_a_margin(popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    geometry = popup.geometry()
    assert popup.isVisible()
    assert AREA.contains(geometry)
    assert geometry.width() == 360
    assert geometry.right() == AREA.right() - 16
    assert geometry.bottom() == AREA.bottom() - 16


def test_is_drawn_larger_on_a_high_dpi_desktop() -> None:
    scale = dpi_scale(144)
    geometry = popup_geometry(AREA, 200, scale)
    assert scale == 1.5
    assert geometry.width() == 540
    assert geometry.right() == AREA.right() - 24
    assert geometry.bottom() == AREA.bottom() - 24
    assert dpi_scale(72) == 1.0


def test_fits_a_narrow_screen() -> None:
    narrow = QRect(0, 0, 300, 500)
    geometry = popup_geometry(narrow, 150, 1.0)
    assert narrow.contains(geometry)
    assert geometry.width() == 300 - 32


def test_long_text_wraps_and_is_shown_whole(popup: Popup) -> None:
    long_summary = " ".join(["Press Ctrl+Alt+F5 to refresh every pivot table."] * 6)
    popup.show_content(CONTENT, AREA, 15)
    short_height = popup.height()
    popup.show_content(PopupContent("demo", "long", CONTENT.title, long_summary), AREA, 15)
    assert popup.height() > short_height
    label = popup.summary
    assert label.height() >= label.heightForWidth(label.width())
    assert popup.geometry().bottom() == AREA.bottom() - 16


def test_window_title_names_the_card(popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    assert popup.windowTitle() == "Cuecards: Refresh pivot tables and data queries"
    assert popup.title.text() == CONTENT.title
    assert popup.summary.text() == CONTENT.summary


def test_never_takes_focus(popup: Popup) -> None:
    flags = popup.windowFlags()
    for flag in (
        Qt.WindowType.Tool,
        Qt.WindowType.FramelessWindowHint,
        Qt.WindowType.WindowStaysOnTopHint,
        Qt.WindowType.WindowDoesNotAcceptFocus,
    ):
        assert flags & flag
    assert not flags & Qt.WindowType.X11BypassWindowManagerHint
    assert popup.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    popup.show_content(CONTENT, AREA, 15)
    assert popup.windowHandle().flags() & Qt.WindowType.WindowDoesNotAcceptFocus


def test_every_control_has_a_screen_reader_name(popup: Popup) -> None:
    names = {button.accessibleName() for button in popup.buttons}
    assert names == {
        "Open card",
        "Helpful",
        "Not helpful",
        "Snooze",
        "Don't show again",
        "Dismiss",
    }
    popup.show_content(CONTENT, AREA, 15)
    assert popup.accessibleName() == "Cuecards tip: Refresh pivot tables and data queries"
    assert popup.title.accessibleName() == CONTENT.title
    assert popup.summary.accessibleName() == CONTENT.summary
    assert "Helpful" in popup.helpful_button.text()
    assert "Not helpful" in popup.unhelpful_button.text()


@pytest.mark.parametrize(
    ("button", "kind"),
    [
        ("open_button", "open"),
        ("helpful_button", "helpful"),
        ("unhelpful_button", "unhelpful"),
        ("snooze_button", "snooze"),
        ("never_button", "never"),
        ("close_button", "dismissed"),
    ],
)
def test_each_button_reports_its_action_and_hides(qtbot, popup: Popup, button, kind) -> None:
    popup.show_content(CONTENT, AREA, 15)
    with qtbot.waitSignal(popup.action) as blocker:
        qtbot.mouseClick(getattr(popup, button), Qt.MouseButton.LeftButton)
    assert blocker.args == ["demo", "excel-refresh-all", kind]
    assert not popup.isVisible()


def test_escape_dismisses(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    with qtbot.waitSignal(popup.action) as blocker:
        QTest.keyClick(popup, Qt.Key.Key_Escape)
    assert blocker.args == ["demo", "excel-refresh-all", "dismissed"]
    assert not popup.isVisible()


def test_hides_itself_when_the_time_is_up(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 0.05)
    assert popup.is_counting_down()
    with qtbot.waitSignal(popup.action) as blocker:
        pass
    assert blocker.args == ["demo", "excel-refresh-all", "timeout"]
    assert not popup.isVisible()


def test_hovering_pauses_the_countdown_and_leaving_restarts_it(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 0.05)
    enter(popup)
    assert not popup.is_counting_down()
    qtbot.assertNotEmitted(popup.action, wait=300)
    assert popup.isVisible()
    leave(popup)
    assert popup.is_counting_down()
    with qtbot.waitSignal(popup.action) as blocker:
        pass
    assert blocker.args[2] == "timeout"


def test_a_click_lets_the_keyboard_in_tab_moves_and_escape_dismisses(qtbot, popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    qtbot.mouseClick(popup.title, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(popup.isActiveWindow)
    assert not popup.windowHandle().flags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert not popup.is_counting_down()
    assert QApplication.focusWidget() is popup.open_button
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is popup.helpful_button
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is popup.unhelpful_button
    with qtbot.waitSignal(popup.action) as blocker:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert blocker.args[2] == "dismissed"


def test_space_on_a_focused_button_presses_it(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    popup.take_focus()
    qtbot.waitUntil(popup.isActiveWindow)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    with qtbot.waitSignal(popup.action) as blocker:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert blocker.args[2] == "helpful"


def test_the_next_card_refuses_focus_again(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    popup.take_focus()
    popup.hide_popup()
    popup.show_content(CONTENT, AREA, 15)
    assert popup.windowHandle().flags() & Qt.WindowType.WindowDoesNotAcceptFocus


def test_a_new_card_replaces_the_shown_one(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 15)
    other = PopupContent("demo", "word-track-changes", "Track changes", "Ctrl+Shift+E")
    popup.show_content(other, AREA, 15)
    assert popup.windowTitle() == "Cuecards: Track changes"
    with qtbot.waitSignal(popup.action) as blocker:
        qtbot.mouseClick(popup.open_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["demo", "word-track-changes", "open"]


def test_hide_popup_reports_nothing(qtbot, popup: Popup) -> None:
    popup.show_content(CONTENT, AREA, 0.05)
    popup.hide_popup()
    assert not popup.isVisible()
    assert not popup.is_counting_down()
    qtbot.assertNotEmitted(popup.action, wait=200)
